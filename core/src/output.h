/*
 * output.h — rendering extraction and scoring results as a table for people,
 * JSON for programs (the stable contracts of the README) and CSV for
 * spreadsheets.
 */
#ifndef KH_OUTPUT_H
#define KH_OUTPUT_H

#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "overrides.h"
#include "run.h"

/* `kaohe extract` output for count inputs (failed inputs included). */
void kh_output_extract(FILE *out, kh_format fmt, const kh_input *inputs,
                       size_t count);

/* `kaohe score` output. scores[i] belongs to inputs[i] and is NULL for a
 * failed input. overrides (borrowed) is what `--overrides FILE` applied, or
 * NULL when no overrides file was given; with it the table ends with the
 * 修改记录 section (or a line saying nothing was applied) and the JSON has
 * the top-level "overrides" array and, in each fact that came from an
 * override, its "override" object (CSV unchanged). */
void kh_output_score(FILE *out, kh_format fmt, const kh_scheme *scheme,
                     const kh_input *inputs, kh_report_score *const *scores,
                     size_t count, const kh_overrides_result *overrides);

/* The "scheme" and "results" members of the score JSON for a run, into an
 * object the caller has opened (so `kaohe score --format json` and batch's
 * results.json share one rendering). Results in rank order, failed items
 * last. A fact of origin "override" gets an "override" object
 * ({reason, author, date, replaced}) from the matching run->overrides
 * record (same path and key). The top-level "overrides" array is the
 * caller's (kh_overrides_json). extra(j, item index, ctx), when not NULL,
 * adds members at the end of each result object. */
void kh_output_run_results_json(kh_json *j, const kh_run *run, /* run->items set */
                                void (*extra)(kh_json *j, size_t item, void *ctx),
                                void *ctx);

/* The same in pieces, for a writer that makes one pass over a run's items
 * (kh_outputs_write_all): _begin writes "scheme" and opens the "results"
 * array, _result_json writes item it (complete: kh_run_full_item) at index
 * i, and the caller closes the array (kh_json_array_end). Items go in the
 * order of kh_output_rank_order. */
void kh_output_run_results_begin(kh_json *j, const kh_run *run);
void kh_output_run_result_json(kh_json *j, const kh_run *run, const kh_run_item *it, size_t i,
                               void (*extra)(kh_json *j, size_t item, void *ctx), void *ctx);

/* The display order of count results: the indices of the scored ones
 * (scores[i] not NULL) by rank, ties in input order, then the failed ones
 * in input order. Caller frees; NULL when out of memory. */
size_t *kh_output_rank_order(kh_report_score *const *scores, size_t count);

/* A report's unit for tables: its name, or "单位未识别". */
const char *kh_output_unit_label(const kh_input *in);

/* How many indicators of s await review (kh_awaits_review). */
size_t kh_output_review_count(const kh_report_score *s);

/* The ranking table of `kaohe score` (排名 单位 年度 总分 等次 待核查 文件), the
 * scored results in rank order (also printed by `kaohe watch`). */
void kh_output_ranking_table(FILE *out, const kh_input *inputs, kh_report_score *const *scores,
                             size_t count);

/* The scheme as a JSON object value {"id","name","version","sha256","total",
 * "missing"} (score, batch's results.json and explain). The caller has
 * written the key. */
void kh_output_scheme_json(kh_json *j, const kh_scheme *scheme);

/* A missing policy's name: "zero", "half" or "exclude". */
const char *kh_output_missing_name(kh_missing_policy p);

/* One CSV field (RFC 4180: quoted when it holds a comma, quote or line
 * break; quotes doubled); nothing for NULL. */
void kh_output_csv_field(FILE *out, const char *s);

/* One fact as a JSON object (shared by extract and score outputs). */
void kh_output_fact_json(kh_json *j, const kh_fact *f, bool with_candidates,
                         const kh_fact_entry *entry);

/* Value of a fact as short text: "98.5", "2025-01-08". */
char *kh_output_fact_value(const kh_fact *f, char *buf, size_t size);

#endif

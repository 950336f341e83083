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
#include "run.h"

/* `kaohe extract` output for count inputs (failed inputs included). */
void kh_output_extract(FILE *out, kh_format fmt, const kh_input *inputs,
                       size_t count);

/* `kaohe score` output. scores[i] belongs to inputs[i] and is NULL for a
 * failed input. */
void kh_output_score(FILE *out, kh_format fmt, const kh_scheme *scheme,
                     const kh_input *inputs, kh_report_score *const *scores,
                     size_t count);

/* The "scheme" and "results" members of the score JSON for a run, into an
 * object the caller has opened (so `kaohe score --format json` and batch's
 * results.json share one rendering). Results in rank order, failed items
 * last. extra(j, item index, ctx), when not NULL, adds members at the end
 * of each result object. */
void kh_output_run_results_json(kh_json *j, const kh_run *run,
                                void (*extra)(kh_json *j, size_t item, void *ctx),
                                void *ctx);

/* One fact as a JSON object (shared by extract and score outputs). */
void kh_output_fact_json(kh_json *j, const kh_fact *f, bool with_candidates,
                         const kh_fact_entry *entry);

/* Value of a fact as short text: "98.5", "2025-01-08". */
char *kh_output_fact_value(const kh_fact *f, char *buf, size_t size);

#endif

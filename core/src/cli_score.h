/*
 * cli_score.h — what the scoring subcommands (score, explain, watch, diff)
 * share: loading a scheme with every diagnostic printed, reading facts files
 * (--facts) into inputs beside extracted reports, scoring and ranking all
 * inputs, and the short text of an indicator's points used in tables.
 */
#ifndef KH_CLI_SCORE_H
#define KH_CLI_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "factsfile.h"
#include "overrides.h"

/* Print every diagnostic of d to out, one line each: "kaohe: error:
 * file:line: message" or "kaohe: warning: …". */
void kh_cli_print_diags(FILE *out, const kh_diag_list *d);

/* Load, validate and compile the scheme in dir; with an engine, every fact
 * key an indicator declares must be provided by a loaded plugin. Every
 * problem is printed to out as "kaohe: error: file:line: message" (warnings
 * too). Returns the scheme (caller owns; kh_scheme_free) with *rules (caller
 * owns; kh_rules_free, before the scheme), or NULL with *rules NULL. */
kh_scheme *kh_cli_load_scheme(const char *dir, kh_engine *engine, FILE *out,
                              kh_rules **rules);

/* Load an overrides file (--overrides); with an engine, a key no loaded
 * plugin provides is an error too. The problem is printed to stderr
 * ("kaohe: error: file:line: message"); false on failure. *list is the
 * caller's: free with kh_override_list_free() in any case. */
bool kh_cli_load_overrides(const char *path, kh_engine *engine, kh_override_list *list);

/* The units of the facts files given with --facts. */
typedef struct kh_cli_given {
    kh_factsfile *files;   /* owned, one per --facts FILE */
    size_t files_count;
    size_t count;          /* units over all files */
} kh_cli_given;

/* Load every facts file. A file that does not load is printed
 * ("kaohe: error: file:line: message") and makes the call return false (the
 * others are then freed too). With a scheme, a key no indicator declares is
 * a warning naming file:line (unless cli->quiet). */
bool kh_cli_given_load(kh_cli_given *given, const kh_cli *cli,
                       const char *const *paths, size_t n,
                       const kh_scheme *scheme);

/* Fill inputs[0 .. given->count) with the given units, in file order:
 * path = the unit's label and unit borrowed from given (which must outlive
 * the inputs), year copied, facts moved to the input (freed by
 * kh_cli_inputs_free). */
void kh_cli_given_fill(kh_cli_given *given, kh_input *inputs);
void kh_cli_given_free(kh_cli_given *given); /* zeroes it */

/* Extract the reports, then add the given units: *out (caller frees with
 * kh_cli_inputs_free + free) holds nreports + given->count inputs, *count
 * their number. Returns the number of inputs that failed, or (size_t)-1 when
 * out of memory (printed). */
size_t kh_cli_read_inputs(kh_cli *cli, kh_engine *engine, char **reports,
                          size_t nreports, kh_cli_given *given, kh_input **out,
                          size_t *count);

/* Score every input that did not fail into scores[i] (NULL for a failed
 * input; a scoring failure becomes inputs[i].error) and rank the scored
 * ones. Returns how many inputs were newly failed by scoring. */
size_t kh_cli_score_all(kh_rules *rules, kh_input *inputs, size_t count,
                        kh_report_score **scores);

/* Rank the scores that are not NULL (in input order for equal totals);
 * again after totals changed (加分/扣分). */
void kh_cli_rank(kh_report_score *const *scores, size_t count);

/* An indicator's points as a table cell: "13.48", "0.00?" (missing),
 * "错误" (error), "—" (excluded), "监测" / "?" (monitor), or "—" for NULL. */
const char *kh_cli_points_cell(const kh_indicator_result *r, char *buf,
                               size_t size);

/* Whether two results of the same indicator differ for a reader: status,
 * points in cents, exclusion, or the keys awaiting review. NULL differs from
 * anything but NULL. */
bool kh_cli_result_changed(const kh_indicator_result *a,
                           const kh_indicator_result *b);

/* Total in cents, for comparisons free of floating-point noise. */
long long kh_cli_cents(double v);

#endif

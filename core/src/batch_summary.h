/*
 * batch_summary.h — what the batch parent keeps of each report between
 * reading its record and writing the outputs: a compact summary (112 bytes
 * a report with the default scheme) from which the light kh_run_item the
 * office's files need (ranking, points, 待核查) is rebuilt on demand.
 * Everything printed only with facts and evidence (results.json, the
 * 事实与佐证 sheet, report.html's sections) comes from the full record, read
 * back once per report while the outputs are written (kh_run.full).
 *
 * Kept per report: the unit, unit code, unit note, grade and the score's
 * unit as interned strings; year, rank and total; per indicator a status
 * byte (with the excluded flag) and the points as 16-bit cents (all of an
 * item's points as doubles in the pool when one does not read back
 * exactly); for the few indicators that carry them, the rule error, the
 * missing fact keys and (when on the 待核查 list) the explanation, interned
 * together; the 加分/扣分 adjustments (id, name, points) when there are
 * any. Extraction errors are interned as a list. Paths are borrowed.
 */
#ifndef KH_BATCH_SUMMARY_H
#define KH_BATCH_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/scheme.h"
#include "run.h"

typedef struct kh_batch_summary kh_batch_summary;

/* Summaries for count items of a run under scheme (borrowed; must outlive
 * the summary). *out: caller owns; free with kh_batch_summary_free().
 * KH_OK or KH_ENOMEM. */
int kh_batch_summary_new(kh_batch_summary **out, const kh_scheme *scheme, size_t count);
void kh_batch_summary_free(kh_batch_summary *s); /* accepts NULL */

/* Keep of item i (< count) what its light item needs: it->path is borrowed
 * (must outlive s); every other string is copied. A score of another scheme
 * (indicators_count differs) is KH_EINVAL. Replaces an earlier summary of i.
 * KH_OK, KH_ENOMEM or KH_EINVAL. */
int kh_batch_summary_set(kh_batch_summary *s, size_t i, const kh_run_item *it);

/* Item i as a light kh_run_item (see run.h): path, unit, unit code, unit
 * note, year, error; a score with total, grade, rank, unit and per
 * indicator status, points, excluded, error, missing keys and the
 * explanation of an indicator on the 待核查 list (not scored, or facts
 * missing), and the adjustments; facts holding only the extraction errors
 * (NULL when there are none). sha256 is NULL. Borrowed from s: the item,
 * its score and facts valid until the next call of kh_batch_summary_item
 * on s, its strings until s is freed (the path as long as the caller keeps
 * it). NULL when i was never set or out of memory. */
const kh_run_item *kh_batch_summary_item(kh_batch_summary *s, size_t i);

/* Was item i set with a score and no error (a ranked report)? */
bool kh_batch_summary_scored(const kh_batch_summary *s, size_t i);
/* Did item i have facts (its input was read)? */
bool kh_batch_summary_has_facts(const kh_batch_summary *s, size_t i);
/* Item i's unit (borrowed from s), or NULL. */
const char *kh_batch_summary_unit(const kh_batch_summary *s, size_t i);
/* Item i's rank (0 when not ranked). */
int kh_batch_summary_rank(const kh_batch_summary *s, size_t i);

/* Was item i set? */
bool kh_batch_summary_isset(const kh_batch_summary *s, size_t i);
/* Item i's path (borrowed, as given to kh_batch_summary_set), or NULL. */
const char *kh_batch_summary_path(const kh_batch_summary *s, size_t i);

/* Rank the scored items among order[0..n) (NULL: every item in index
 * order) exactly as kh_rank ranks their scores given in that order (the
 * reports of each year among themselves, highest total first, equal totals
 * share a rank). KH_OK or KH_ENOMEM. */
int kh_batch_summary_rank_all(kh_batch_summary *s, const size_t *order, size_t n);

/* Bytes held (for tests and measurements). */
size_t kh_batch_summary_bytes(const kh_batch_summary *s);

#endif

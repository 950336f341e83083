/*
 * score_internal.h — what score.c lends the rule tools (`kaohe rules test
 * --coverage`: the sandbox a kh_rules runs its scripts in) and the output
 * writers (the order of ranked results). Not part of the public API.
 */
#ifndef KH_SCORE_INTERNAL_H
#define KH_SCORE_INTERNAL_H

#include "kaohe/score.h"
#include <stdbool.h>

#include "sandbox.h"

/* The sandbox of rules (borrowed; lives as long as rules), or NULL. Each
 * indicator's script is compiled in it under the chunk name
 * indicator->script, libraries as "lib/<name>.lua". */
kh_sandbox *kh_rules__sandbox(kh_rules *rules);

/* An index with its year and rank (kh_rank's). kh_cmp_rank_place, for
 * qsort, orders by year (latest first; 0, unknown, last), then rank, ties by
 * index: the display order of ranked results. kh_rank_before is the same
 * order without the index. */
typedef struct kh_rank_place {
    int year;
    int rank;
    size_t index;
} kh_rank_place;
int kh_cmp_rank_place(const void *a, const void *b);
bool kh_rank_before(int year_a, int rank_a, int year_b, int rank_b);

/* Is an indicator's result on the 待核查 list: a rule error, facts missing,
 * or scored on the facts there were with others missing? (kaohe score's
 * table and JSON and the office's files all ask this.) */
bool kh_awaits_review(const kh_indicator_result *r);

/* The net 加分/扣分 of s, its caps included: what its total adds to its
 * indicator points. */
double kh_adjust_sum(const kh_report_score *s);

#endif

/*
 * kaohe/score.h — running a scheme's Lua rules over one report's facts in a
 * sandbox, and ranking the reports.
 *
 * Each indicator script runs in a fresh environment per report, under an
 * instruction budget, a memory cap and a wall-clock watchdog. A script that
 * raises or breaks a limit makes only its indicator `error`
 * ("fz01.lua:12: message"); the others score as usual.
 */
#ifndef KAOHE_SCORE_H
#define KAOHE_SCORE_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"
#include "kaohe/facts.h"
#include "kaohe/scheme.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_rules kh_rules;

/* Compile every script of scheme (text chunks only; bytecode refused) into a
 * sandbox. scheme is borrowed and must outlive the rules. Compile errors are
 * added to diags ("fz01.lua:12: message") when diags is not NULL; returns
 * KH_ESCRIPT if any script does not compile. *out: caller owns. */
int kh_rules_new(kh_rules **out, const kh_scheme *scheme, kh_diag_list *diags,
                 kh_error *err);
void kh_rules_free(kh_rules *rules); /* accepts NULL */

typedef enum kh_indicator_status {
    KH_STATUS_SCORED = 0,
    KH_STATUS_MISSING = 1, /* a needed fact is missing: 待核查 */
    KH_STATUS_ERROR = 2    /* the script failed */
} kh_indicator_status;
const char *kh_status_name(kh_indicator_status s); /* "scored", "missing", "error" */

typedef struct kh_indicator_result {
    const kh_indicator *indicator; /* borrowed from the scheme */
    kh_indicator_status status;
    double points;           /* after the missing policy; 0 on error */
    char *branch;            /* formula branch taken, e.g. "rate" */
    char *explanation;       /* arithmetic, e.g. "r = 98.5 → 14 × (98.5 − 60) / 40 = 13.48" */
    char *error;             /* "fz01.lua:12: message" when status is error */
    char **missing;          /* fact keys awaiting review (待核查) */
    size_t missing_count;
    kh_fact *facts;          /* copies of the facts the script read, in order */
    size_t facts_count;
    int line;                /* script line that produced the result, 0 if unknown */
    bool excluded;           /* left out of the total (missing policy exclude) */
} kh_indicator_result;

typedef struct kh_adjustment {
    char *id;
    char *name;
    double points;
} kh_adjustment;

typedef struct kh_report_score {
    char *path;
    char *unit;              /* may be NULL when unknown */
    int year;                /* 0 when unknown */
    kh_indicator_result *indicators; /* in scheme order */
    size_t indicators_count;
    kh_adjustment *adjustments;
    size_t adjustments_count;
    double total;            /* indicators + adjustments, rounded to 2 places */
    char *grade;
    int rank;                /* 1-based after kh_rank(); 0 = unranked */
} kh_report_score;

/* Score one report. path/unit may be NULL, year 0 if unknown. Script failures
 * do not fail the call (they become indicator errors); returns KH_OK, or
 * KH_ENOMEM. *out: caller owns; free with kh_report_score_free(). */
int kh_rules_score(kh_rules *rules, const kh_factset *facts, const char *path,
                   const char *unit, int year, kh_report_score **out,
                   kh_error *err);
void kh_report_score_free(kh_report_score *score); /* accepts NULL */

/* Apply office-supplied events (ids of scheme adjustments) to a score,
 * honouring the scheme's bonus and penalty caps, and recompute total and
 * grade. Unknown id → KH_ECONFIG. */
int kh_report_score_adjust(kh_report_score *score, const kh_scheme *scheme,
                           const char *const *event_ids, size_t count,
                           kh_error *err);

/* Rank the reports of each assessment year among themselves (->year; 0,
 * unknown, is a year of its own): by total, highest first; equal totals
 * share a rank (1, 2, 2, 4). Reorders scores: latest year first, then by
 * rank, ties in input order (the display order). Sets ->rank. */
void kh_rank(kh_report_score **scores, size_t count);

#ifdef __cplusplus
}
#endif
#endif

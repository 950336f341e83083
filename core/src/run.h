/*
 * run.h — one scoring run as the office receives it: the contract between
 * `kaohe batch` (which fills a kh_run) and the writers of what lands in
 * OUTDIR (results.json, ranking.csv, kaohe.xlsx, report.html). Everything is
 * borrowed: the run does not own its items or their facts and scores.
 */
#ifndef KH_RUN_H
#define KH_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/facts.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"

/* One input report of the run. */
typedef struct kh_run_item {
    const char *path;          /* input path as given */
    const char *sha256;        /* hex SHA-256 of the input file, or NULL */
    const char *unit;          /* unit name (registry name when matched), or NULL */
    const char *unit_code;     /* GB/T 2260 code when the registry has one, or NULL */
    const char *unit_note;     /* why the unit is doubtful/unknown, or NULL */
    int year;                  /* assessment year, 0 when unknown */
    const kh_factset *facts;   /* NULL when the input failed */
    const kh_report_score *score; /* NULL when the input failed */
    const char *error;         /* "path: reason" when the input failed, else NULL */
} kh_run_item;

/* A hand-entered fact that replaced (or supplied) an extracted one. */
typedef struct kh_override_applied {
    const char *unit;          /* as written in overrides.yaml */
    const char *path;          /* the report it was applied to */
    const char *key;
    const kh_fact *extracted;  /* the fact it replaced, or NULL if none */
    const kh_fact *value;      /* the override (origin KH_ORIGIN_OVERRIDE) */
    const char *reason;
    const char *author;
    const char *date;          /* ISO date */
} kh_override_applied;

typedef struct kh_run {
    const kh_scheme *scheme;
    const kh_run_item *items;  /* in a deterministic order (sorted by path);
                                  NULL when the run gives them through item */
    size_t count;
    const kh_override_applied *overrides;
    size_t overrides_count;
    const char *title;         /* e.g. "2024年度法治政府建设考核" or NULL */
    /* Optional, for runs too large to hold in memory (kaohe batch): when
     * full is set, an item's score may be LIGHT — without the facts each
     * indicator read, its branch, and the explanation of an indicator that
     * was scored (points, status, missing keys, errors, total, grade, rank
     * and the explanations of the indicators awaiting review are there) —
     * and its facts may hold only the extraction errors. Where the writers
     * print facts, branches or those explanations they take the complete
     * item from full(full_ctx, i) (kh_run_full_item); the pointer is valid
     * until the next call. */
    const kh_run_item *(*full)(void *full_ctx, size_t i);
    void *full_ctx;
    /* When items is NULL: item i (light as above when full is set) is
     * item(item_ctx, i); the item, its score and facts are valid until the
     * next call of item, its strings (path, unit, unit code and note,
     * error, the score's unit and grade) as long as the run. kaohe batch
     * keeps compact summaries, not items (batch_summary.h). */
    const kh_run_item *(*item)(void *item_ctx, size_t i);
    void *item_ctx;
} kh_run;

/* Item i: run->items[i], or what run->item gives. */
static inline const kh_run_item *kh_run_item_at(const kh_run *run, size_t i)
{
    return run->items ? &run->items[i] : run->item(run->item_ctx, i);
}

/* Item i complete with its facts and explanations: run->items[i], or what
 * run->full gives (the light item if that fails). */
static inline const kh_run_item *kh_run_full_item(const kh_run *run, size_t i)
{
    const kh_run_item *it = run->full ? run->full(run->full_ctx, i) : NULL;
    return it ? it : kh_run_item_at(run, i);
}

#endif

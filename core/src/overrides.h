/*
 * overrides.h — hand-entered facts with an audit trail (overrides.yaml).
 *
 * An assessment office corrects what the extractor read, or supplies what it
 * could not find, in a YAML list:
 *
 *   - unit: 威海市文登区            # the report's unit (see matching below)
 *     key: proposals.reply_rate    # a fact key: lower-case dotted words
 *     value: 98.5                  # a number (98.5, 98.5%) or text (2025-01-08)
 *     qualifier: exact             # optional: exact | more_than | about | less_than
 *     reason: 提案办理台账核实，报告漏写   # why (required, non-empty)
 *     author: 张三                  # who (required)
 *     date: 2025-03-02             # when, ISO YYYY-MM-DD (required)
 *
 * The override replaces the extracted fact in scoring (the extracted one stays
 * a candidate), carries origin "override", and both values are kept in a
 * kh_override_applied record (run.h) for every output.
 *
 * Matching a report. Unit names are compared after trimming spaces:
 *   1. exact: the override's unit equals the report's unit;
 *   2. contained: one name contains the other (文登区 ⊂ 威海市文登区, or
 *      威海市文登区人民政府 ⊃ 威海市文登区), the shorter being at least two
 *      characters.
 * Over the whole run (kh_overrides_plan): if any report matches exactly, the
 * override goes to the exact matches only; else it goes to the reports of the
 * one unit name that contains or is contained in it; if several different
 * unit names match by containment it is AMBIGUOUS and applied to none; if
 * none match, it is unused. Within one report, when two overrides of the
 * same key match, an exact match wins over a contained one, and two contained
 * matches are ambiguous (neither is applied). Every such case is a warning.
 * An override whose value type (number / text) differs from the extracted
 * fact's is not applied (warning). A report matches all overrides of its
 * unit regardless of year: keep one year per run, or one file per year.
 */
#ifndef KH_OVERRIDES_H
#define KH_OVERRIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kaohe/error.h"
#include "kaohe/facts.h"
#include "json.h"
#include "run.h"

/* One entry of overrides.yaml. All strings owned by the list. */
typedef struct kh_override {
    char *unit;              /* trimmed */
    char *key;
    kh_value_type type;      /* a value that reads fully as a number is one */
    double number;           /* KH_VALUE_NUMBER */
    char *text;              /* KH_VALUE_TEXT, else NULL */
    char *value_raw;         /* as written in the file */
    kh_qualifier qualifier;  /* default KH_QUAL_EXACT */
    char *reason;
    char *author;
    char *date;              /* YYYY-MM-DD */
    int line;                /* line of the entry in the file */
} kh_override;

typedef struct kh_override_list {
    kh_override *items;      /* owned; free with kh_override_list_free() */
    size_t count;
    char *path;              /* owned copy of the file's path */
} kh_override_list;

/* Load and validate path. Problems are errors naming file:line: YAML syntax,
 * unknown or missing fields (unit, key, value, reason, author, date are
 * required), a key that is not lower-case dotted words (litigation.cases), a
 * date that is not a real ISO date, a *_date value that is not one, an empty
 * reason/author/unit, an unknown qualifier, the same unit and key twice.
 * Returns KH_OK, KH_ENOTFOUND (no file) or KH_ECONFIG with err filled (the
 * first problem). *out is the caller's; free with kh_override_list_free()
 * (also after a failure, which leaves it empty). */
int kh_overrides_load(kh_override_list *out, const char *path, kh_error *err);
void kh_override_list_free(kh_override_list *list); /* zeroes the list */

/* How an override's unit relates to a report's unit: 0 none, 1 contained
 * (either way), 2 exact. NULL report unit → 0. */
int kh_overrides_unit_match(const char *override_unit, const char *report_unit);

typedef struct kh_overrides_state kh_overrides_state; /* private */

/* What applying a list to a run did. Fill with kh_overrides_plan(), then
 * kh_overrides_apply() once per report; free with kh_overrides_result_free().
 * The records borrow unit/key/reason/author/date from the kh_override_list,
 * which must outlive the result; paths and both facts are owned here. */
typedef struct kh_overrides_result {
    kh_override_applied *applied; /* owned array, in application order */
    size_t applied_count;
    char **warnings;              /* owned "file:line: message" lines */
    size_t warnings_count;
    kh_overrides_state *state;    /* owned; private */
} kh_overrides_result;

/* Decide which unit each override goes to, knowing every report unit of the
 * run (units[i] may be NULL). Unmatched and ambiguous overrides become
 * warnings. *res is the caller's (zeroed by this call). Returns KH_OK or
 * KH_ENOMEM. */
int kh_overrides_plan(kh_overrides_result *res, const kh_override_list *list,
                      const char *const *units, size_t count);

/* Apply the planned overrides that go to the report (unit, path) to facts:
 * kh_factset_override() with origin "override" and a note saying who, when
 * and why; a kh_override_applied record (with a copy of the replaced fact, or
 * NULL if none) is appended to res. unit may be NULL (nothing matches).
 * Returns KH_OK, KH_EINVAL (res not planned for list) or KH_ENOMEM. */
int kh_overrides_apply(const kh_override_list *list, const char *unit,
                       const char *path, kh_factset *facts,
                       kh_overrides_result *res);

/* How many reports override i of the plan's list was applied to. */
size_t kh_overrides_times_applied(const kh_overrides_result *res, size_t i);

void kh_overrides_result_free(kh_overrides_result *res); /* zeroes it */

/* Short text of a fact's value ("98.5", "2025-01-08"); "—" for NULL. */
const char *kh_overrides_value_text(const kh_fact *f, char *buf, size_t size);

/* The applied records as a JSON array value: [{"unit","path","key",
 * "value","qualifier","replaced","replaced_evidence","reason","author","date"}].
 * The caller has written the key. */
void kh_overrides_json(kh_json *j, const kh_override_applied *a, size_t n);

/* The record among a[0..n) of the override applied to key in the report
 * path (NULL matches a record without a path), or NULL. Borrowed from a. */
const kh_override_applied *kh_overrides_find(const kh_override_applied *a, size_t n,
                                             const char *path, const char *key);

/* The audit trail of one overridden fact as a JSON object value:
 * {"reason","author","date","replaced": the replaced value or null}. The
 * caller has written the key. */
void kh_overrides_fact_json(kh_json *j, const kh_override_applied *a);

/* The 修改记录 section for people (a heading and an aligned table); nothing
 * when n is 0. */
void kh_overrides_print_table(FILE *out, const kh_override_applied *a, size_t n);

#endif

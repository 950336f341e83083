/*
 * rulestest.h — private: the YAML test cases kept beside a scheme's rules
 * (<scheme>/tests/<file>.yaml) and running them (`kaohe rules test`). The format
 * is documented in docs/rules.md ("Testing rules") and in
 * scoring-rules/default/tests/README.md.
 *
 * A test file is a YAML list of cases. Each case gives the report's facts
 * (or a report file to extract with the engine's plugins, plus fact
 * overrides), optional param overrides, year and adjustments, and what it
 * expects: points / status / branch / 待核查 keys / error per indicator,
 * the total and the grade. Loading checks every case against the scheme
 * (indicator ids, fact keys, params, grades, adjustments exist) and names
 * the file and line of each problem; a malformed case is dropped, the others
 * still load. Fact values read as in facts files (factsfile.h): a plain
 * decimal (98.5, 24, 98.5%) is a number, anything else text, or the full
 * form {value, qualifier, basis, unit, note}. Running never stops at a failing case: a rule that raises
 * makes its indicator `error`, which fails the cases that check it.
 */
#ifndef KH_RULESTEST_H
#define KH_RULESTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "coverage.h"
#include "kaohe/kaohe.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"

#define KH_RULESTEST_TOLERANCE 0.005    /* default |actual − expected| allowed */
#define KH_RULESTEST_FILE_MAX ((size_t)4 * 1024 * 1024) /* bytes per test file */

/* Every string and array below is owned by the suite that holds the case
 * (kh_rulestest_suite_free); indicator pointers are borrowed from the
 * scheme. */

/* A fact given by a case (facts:) or replacing one (overrides:). */
typedef struct kh_rulestest_fact {
    char *key;
    bool remove;             /* overrides: `key: null` removes the fact */
    kh_value_type type;
    double number;
    char *text;              /* KH_VALUE_TEXT */
    char *unit;              /* may be NULL; "percent" for 98.5% */
    char *note;              /* may be NULL */
    kh_qualifier qualifier;
    kh_basis basis;
    int line;
} kh_rulestest_fact;

typedef struct kh_rulestest_param {
    char *name;
    kh_param_type type;
    double number;
    char *string;            /* KH_PARAM_STRING */
    int line;
} kh_rulestest_param;

/* What one indicator must come out as; unset parts are not checked. */
typedef struct kh_rulestest_expect {
    const kh_indicator *indicator; /* borrowed from the scheme */
    size_t index;                  /* of the indicator in the scheme */
    bool has_points;
    double points;
    bool has_status;
    kh_indicator_status status;
    char *branch;                  /* NULL: not checked */
    bool has_missing;              /* 待核查 keys, compared as a set */
    char **missing;
    size_t missing_count;
    char *error;                   /* the error must contain this; NULL: not checked */
    int line;
} kh_rulestest_expect;

typedef struct kh_rulestest_case {
    char *name;
    char *file;                    /* the test file, as found under the tests dir */
    int line;                      /* of the case in the file */
    bool has_year;                 /* else: the report.year fact */
    int year;                      /* 0 = unknown (YEAR is nil) */
    char *report;                  /* resolved path of a report file, or NULL */
    kh_rulestest_fact *facts;
    size_t facts_count;
    kh_rulestest_fact *overrides;
    size_t overrides_count;
    kh_rulestest_param *params;
    size_t params_count;
    char **adjustments;            /* scheme adjustment ids */
    size_t adjustments_count;
    kh_rulestest_expect *expect;
    size_t expect_count;
    bool has_total;
    double total;
    int total_line;
    char *grade;                   /* NULL: not checked */
    int grade_line;
    double tolerance;
} kh_rulestest_case;

typedef struct kh_rulestest_suite {
    kh_rulestest_case *cases;      /* owned; in file-name then file order */
    size_t count;
    size_t files;                  /* test files read */
} kh_rulestest_suite;

/* Load every *.yaml / *.yml file of dir (sorted by name) against scheme
 * (borrowed; must outlive the suite). Each problem — YAML syntax, unknown
 * or missing keys, wrong types, an indicator, fact key, param, grade or
 * adjustment the scheme does not have, a report file that does not exist,
 * a duplicate case name — is an error in diags naming the file and line;
 * the case is dropped. Returns KH_OK (look at diags), KH_ENOTFOUND (no such
 * directory) or KH_ENOMEM. *out is zeroed first; free it with
 * kh_rulestest_suite_free() in any case. */
int kh_rulestest_load(kh_rulestest_suite *out, const kh_scheme *scheme,
                      const char *dir, kh_diag_list *diags, kh_error *err);
void kh_rulestest_suite_free(kh_rulestest_suite *suite); /* zeroes it */

/* Does some case read a report file (so an engine with plugins is needed)? */
bool kh_rulestest_needs_engine(const kh_rulestest_suite *suite);

/* One way an outcome differs from what the case expects. */
typedef struct kh_rulestest_failure {
    char *message;                      /* owned: the readable diff line */
    const kh_rulestest_expect *expect;  /* borrowed from the case, or NULL
                                           (total, grade, a report problem) */
    const kh_indicator_result *actual;  /* borrowed from the outcome's score, or NULL */
} kh_rulestest_failure;

typedef struct kh_rulestest_outcome {
    bool passed;
    kh_rulestest_failure *failures;     /* owned */
    size_t failures_count;
    char **notes;                       /* owned: e.g. an unchecked indicator raised */
    size_t notes_count;
    kh_report_score *score;             /* owned: NULL when the case could not run */
} kh_rulestest_outcome;
void kh_rulestest_outcome_free(kh_rulestest_outcome *o); /* zeroes it */

typedef struct kh_rulestest_runner kh_rulestest_runner;

/* A runner scores cases with rules (compiled from scheme). scheme is
 * borrowed and changed only for the duration of a run (param overrides are
 * swapped in and back); engine (borrowed) may be NULL when no case reads a
 * report; cov (borrowed) may be NULL, else every run's result lines are
 * recorded in it. *out: caller owns; free with kh_rulestest_runner_free(). */
int kh_rulestest_runner_new(kh_rulestest_runner **out, kh_scheme *scheme,
                            kh_rules *rules, kh_engine *engine,
                            kh_coverage *cov);
void kh_rulestest_runner_free(kh_rulestest_runner *runner); /* accepts NULL */

/* Run one case and compare. A report that cannot be read, an unknown
 * adjustment, a rule error on a checked indicator are failures of the case,
 * not errors of the call. Returns KH_OK or KH_ENOMEM (err filled). *out is
 * zeroed first and is the caller's to free. */
int kh_rulestest_run(kh_rulestest_runner *runner, const kh_rulestest_case *c,
                     kh_rulestest_outcome *out, kh_error *err);

#endif

/*
 * kaohe/scheme.h — a scoring scheme: scheme.yaml plus the Lua scripts beside
 * it. Loading parses the YAML (libcyaml) and checks its shape; validation
 * checks its meaning (points add up, grades ordered, scripts exist and
 * compile, fact keys are provided by loaded plugins).
 */
#ifndef KAOHE_SCHEME_H
#define KAOHE_SCHEME_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kh_missing_policy {
    KH_MISSING_ZERO = 0,    /* 0 points, listed 待核查 */
    KH_MISSING_HALF = 1,    /* half of max, flagged 待核查 */
    KH_MISSING_EXCLUDE = 2  /* left out; total rescaled over indicators with data */
} kh_missing_policy;

typedef struct kh_grade {
    char *name;     /* 优秀 */
    double min;     /* lowest total that earns it */
} kh_grade;

typedef enum kh_param_type { KH_PARAM_NUMBER = 0, KH_PARAM_STRING = 1 } kh_param_type;

typedef struct kh_param {
    char *name;
    kh_param_type type;
    double number;
    char *string;
    int line;       /* line in scheme.yaml, 0 if unknown */
} kh_param;

typedef struct kh_indicator {
    char *id;        /* FZ-01 */
    char *name;      /* 行政机关负责人出庭应诉率 */
    char *category;  /* may be NULL */
    double max;      /* 0 for a monitoring indicator */
    bool monitor;    /* shown to reviewers, never counted in the total */
    char **facts;    /* fact keys the script may read */
    size_t facts_count;
    char *script;       /* as written in YAML (fz01.lua) */
    char *script_path;  /* resolved path: <scheme dir>/<script> */
    int line;           /* line of this indicator in scheme.yaml */
} kh_indicator;

/* An office-supplied 加分/扣分 event the scheme knows. */
typedef struct kh_adjustment_def {
    char *id;
    char *name;
    double points;   /* positive bonus, negative penalty */
} kh_adjustment_def;

typedef struct kh_scheme {
    char *id;
    char *name;
    char *version;
    double total;
    kh_missing_policy missing;
    kh_grade *grades;          /* sorted by min, highest first */
    size_t grades_count;
    kh_param *params;
    size_t params_count;
    kh_indicator *indicators;  /* in YAML order */
    size_t indicators_count;
    kh_adjustment_def *adjustments;
    size_t adjustments_count;
    double bonus_cap;          /* max total bonus (>= 0), default 0 */
    double penalty_cap;        /* max total penalty as a positive number */
    /* Limits per indicator run (YAML `limits:`; defaults if absent). */
    unsigned long instruction_limit; /* VM instructions, default 1e7 */
    size_t memory_limit;             /* bytes, default 16 MiB */
    unsigned timeout_ms;             /* wall clock, default 2000 */
    char *dir;          /* directory of the scheme (scripts, lib/, tests/) */
    char *yaml_path;    /* path of scheme.yaml */
    char sha256[65];    /* hex SHA-256 over scheme.yaml, the lib .lua files and every
                           script, in a fixed order */
} kh_scheme;

/* One problem found by loading or validation. */
typedef struct kh_diag {
    bool warning;       /* false = error */
    kh_error where;     /* file, line, message ("indicators[3].max: ...") */
} kh_diag;

typedef struct kh_diag_list {
    kh_diag *items;     /* owned; free with kh_diag_list_free */
    size_t count;
} kh_diag_list;
void kh_diag_list_free(kh_diag_list *list); /* frees items, zeroes the list */
int kh_diag_list_add(kh_diag_list *list, bool warning, const char *file,
                     int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
size_t kh_diag_list_errors(const kh_diag_list *list);

/* Load `path`: a scheme directory (reads path/scheme.yaml) or a YAML file.
 * YAML errors name the file, line and key. Checks shape only (types,
 * required fields, known enum values, duplicate indicator ids). On failure
 * returns KH_ECONFIG (or KH_ENOTFOUND / KH_EIO) and fills err with the first
 * problem; every problem found is added to diags when diags is not NULL.
 * *out: caller owns; free with kh_scheme_free(). */
int kh_scheme_load(kh_scheme **out, const char *path, kh_diag_list *diags,
                   kh_error *err);
void kh_scheme_free(kh_scheme *scheme); /* accepts NULL */

/* Meaning checks that need no engine: points of non-monitor indicators add up
 * to total; grades strictly ordered, within 0..total, lowest at 0; every
 * script exists; params unique; limits sane. Adds every problem to diags;
 * returns KH_OK when no error (warnings allowed), else KH_ECONFIG. */
int kh_scheme_validate(const kh_scheme *scheme, kh_diag_list *diags);

/* Lookups. Borrowed or NULL. */
const kh_param *kh_scheme_param(const kh_scheme *scheme, const char *name);
const kh_indicator *kh_scheme_indicator(const kh_scheme *scheme, const char *id);
/* Grade name for a total (the first grade whose min <= total). */
const char *kh_scheme_grade(const kh_scheme *scheme, double total);

#ifdef __cplusplus
}
#endif
#endif

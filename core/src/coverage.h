/*
 * coverage.h — private: which lines and branches of each indicator's Lua
 * script a set of test runs reached (`kaohe rules test --coverage`).
 *
 * Lines. The executable lines of a script are the lines its compiled
 * functions (the main chunk and every nested function, called or not) have
 * instructions on — what debug.getinfo(f, "L").activelines gives for each
 * function — read from the chunk's own bytecode dump, less the line of the
 * implicit `return` Lua adds at a function's final `end` when nothing else
 * is on that line (it cannot run after an explicit return). A line counts
 * as run when a Lua line hook, installed by the host only in coverage mode
 * and invisible to scripts, saw it run while that script was the running
 * chunk: lines of lib/<name>.lua and of the built-in helpers are never counted
 * as an indicator's.
 *
 * Branches. Two kinds, found in the script's tokens:
 *   - every arm of an if statement — the `then` arm of each if and elseif,
 *     and each else — reached when any executable line of its body ran. An
 *     arm with no executable line (empty) is not listed; arms written on
 *     the same line as their condition cannot be told apart by line and
 *     count as reached when that line ran;
 *   - every line with a call of score(), missing() or monitor() —
 *     reached when some run's result was made there (the result's `line`).
 * An `if` without `else` has no arm for its fall-through; what runs after
 * the `end` covers it.
 */
#ifndef KH_COVERAGE_H
#define KH_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"

typedef struct kh_coverage_branch {
    const char *kind;  /* static: "if", "elseif", "else" (arms) or "score",
                          "missing", "monitor" (result calls) */
    int line;          /* line of the keyword / of the call */
    int first, last;   /* arms: body lines; calls: line, line */
    bool reached;
} kh_coverage_branch;

typedef struct kh_coverage_script {
    const kh_indicator *indicator;   /* borrowed from the scheme */
    int *lines;                      /* owned: executable lines, ascending */
    size_t lines_count;
    bool *hit;                       /* owned: per lines[i] */
    kh_coverage_branch *branches;    /* owned: in source order */
    size_t branches_count;
    char *problem;                   /* owned: why the script could not be
                                        analysed, else NULL */
} kh_coverage_script;

typedef struct kh_coverage {
    kh_coverage_script *scripts;     /* owned: one per indicator, scheme order */
    size_t count;
    kh_rules *attached;              /* borrowed: hooked rules, or NULL */
} kh_coverage;

/* Analyse every indicator script of scheme (read from script_path). A
 * script that cannot be read or compiled gets ->problem and no lines.
 * Returns KH_OK or KH_ENOMEM (err filled); *cov is zeroed first and must be
 * freed with kh_coverage_free() in any case. */
int kh_coverage_init(kh_coverage *cov, const kh_scheme *scheme, kh_error *err);

/* Start / stop recording the lines rules' runs execute. */
void kh_coverage_attach(kh_coverage *cov, kh_rules *rules);
void kh_coverage_detach(kh_coverage *cov);

/* Record the result lines of one scored report. */
void kh_coverage_add_score(kh_coverage *cov, const kh_report_score *score);

/* Settle which arms were reached (call after the last run). */
void kh_coverage_finish(kh_coverage *cov);

/* Counts for one script (NULL outputs allowed). */
void kh_coverage_counts(const kh_coverage_script *s, size_t *lines_hit,
                        size_t *branches_hit);

void kh_coverage_free(kh_coverage *cov); /* detaches; zeroes it */

/* Executable lines of a Lua chunk (text), as described above: *out (caller
 * frees with free()) ascending, unique. On a compile error returns
 * KH_ESCRIPT with err->line and message. For tests and for the analysis. */
int kh_coverage_lines(const char *name, const char *src, size_t len, int **out,
                      size_t *count, kh_error *err);

#endif

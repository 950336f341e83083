/*
 * khp.h — helpers shared by kaohe's own extractor plugins. Compiled into each
 * plugin as a static library; uses only kaohe/plugin.h (links no core code).
 *
 * The shape every family plugin follows (fast: never every pattern over the
 * whole document):
 *   init:    khp_init(&k, host, "name"); compile an ANCHOR pattern (an
 *            alternation of the family's keywords) and the local patterns.
 *   extract: khp_each_anchor(): one pass of the anchor pattern over the text;
 *            for each anchor, take its sentence (host->sentence_bounds) and
 *            run the local patterns in that window only; check scope with
 *            khp_scope(); emit with khp_emit_number().
 *   fini:    khp_fini() frees what khp compiled; free your own patterns.
 *
 * Scope rules (facts.md): a figure is a fact only if it describes the whole
 * reporting unit for the reported year. khp_scope() looks at the clause and
 * sentence around a figure and returns the reasons it is NOT such a fact.
 */
#ifndef KHP_H
#define KHP_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/plugin.h"

/* Literals of which a pattern's every match holds at least one: a window
 * without any of them needs no regex search (built by khp_init). */
typedef struct khp_litset {
    unsigned char last[32];    /* bitmap of the literals' last bytes */
    unsigned n;
    const char *lit[16];       /* static strings */
    size_t len[16];
} khp_litset;

/* Per-plugin helper state; lives inside the plugin's own state struct. */
typedef struct khp {
    const kh_host *host;   /* borrowed from init() */
    const char *name;      /* plugin name, static */
    kh_re *scope_target;   /* 力争 确保 计划 目标 将 拟 … */
    kh_re *scope_require;  /* 不少于 不低于 要求 应当 须 每人每年 */
    kh_re *scope_multiyear;/* 近三年 去年以来 累计 历年 以来共 “十三五”以来 */
    kh_re *scope_partial;  /* 上半年 一季度 1-7月 截至9月底 … */
    kh_re *scope_court;    /* 法院受理 法院新收 人民法院审结 … */
    kh_re *scope_prior;    /* 去年 上年 同比 较上年 (a comparison figure) */
    kh_re *scope_part;     /* one township / sub-unit: 某镇 街道 社区 … */
    kh_re *scope_month;    /* month cut-offs: 截至9月底, 1-7月, 3月份 */
    kh_re *year_re;        /* the report year in the title */
    kh_re *level_re;       /* a county-level unit in the title: 区 县 旗 开发区 */
    kh_re *scope_higher;   /* 全市 全省: the level above a county-level unit */
    /* the literals each scope pattern needs (see khp.c) */
    khp_litset lits_target, lits_require, lits_multiyear, lits_partial,
        lits_month, lits_court, lits_prior, lits_part;
    khp_litset lits_dept;  /* for khp_find_dept_subject() */
    const char *year_text; /* document the cached year belongs to */
    size_t year_len;
    char year_head[64];    /* its first bytes: a new document at a reused
                              address is still recognised as new */
    int year;              /* cached khp_report_year() result */
    int level;             /* cached khp_unit_level() result, -1 = not yet */
} khp;

/* One department, team or institution as the subject of the sentence
 * (区市场监管局举办…, 执法大队对…): a pattern the training and proposals
 * plugins compile to veto a department's own figures. */
#define KHP_PAT_DEPT_SUBJECT                                                       \
    "(?:(?<![格布结大当])局|大队|支队|中队|执法队|(?<!为)中心|医院|学校|公司|司法所|派出所)" \
    "(?:联合\\p{Han}{0,10})?"                                                     \
    "(?:组织|举办|开展|对|共|全年|今年|承办|办理|现有|共有|累计|牵头)"

/* Reasons a figure is not a whole-unit, reported-year fact. */
enum {
    KHP_SCOPE_OK = 0,
    KHP_SCOPE_TARGET = 1u << 0,   /* a target or plan (力争, 确保 … 达到) */
    KHP_SCOPE_REQUIRE = 1u << 1,  /* a rule's requirement (不少于60学时) */
    KHP_SCOPE_MULTIYEAR = 1u << 2,/* spans several years (近三年来, 去年以来) */
    KHP_SCOPE_PARTIAL = 1u << 3,  /* an earlier cut-off (上半年, 1-7月, 截至9月底) */
    KHP_SCOPE_COURT = 1u << 4,    /* a court's own statistics */
    KHP_SCOPE_PRIOR = 1u << 5,    /* a prior year quoted for comparison */
    KHP_SCOPE_PART = 1u << 6,     /* one department / township / programme */
    KHP_SCOPE_HIGHER = 1u << 7    /* the level above (全市 in a district's report) */
};

/* What the report's title says the unit is. */
enum {
    KHP_LEVEL_UNKNOWN = 0,
    KHP_LEVEL_COUNTY = 1  /* a district, county, banner or development zone:
                             there 全市/全省 is the level above */
};

/* Compile the shared scope patterns. Returns KH_PLUGIN_OK or an error (logged). */
int khp_init(khp *k, const kh_host *host, const char *name);
void khp_fini(khp *k);

/* Compile a pattern or log "pattern N: message" and return NULL. */
kh_re *khp_compile(khp *k, const char *pattern);
void khp_free_re(khp *k, kh_re **re); /* frees and NULLs; accepts NULL */

/* The clause around [start, end): bounded by ，,；;。：:！？ and line breaks
 * (and the sentence bounds). */
void khp_clause_bounds(const kh_doc *doc, size_t start, size_t end,
                       size_t *clause_start, size_t *clause_end);

/* Scope check for the figure at [fig_start, fig_end) whose anchor keyword
 * begins at anchor. Looks at the clause holding the figure, the text from the
 * sentence start to the figure, and for multi-year/partial markers also the
 * start of the sentence. `report_year` (0 = unknown) lets "2023年" before a
 * 2024 figure count as PRIOR. Returns KHP_SCOPE_OK or a mask of reasons. */
unsigned khp_scope(khp *k, const kh_doc *doc, size_t anchor, size_t fig_start,
                   size_t fig_end);

/* Human-readable names of the reasons in mask, e.g. "target,multiyear". */
const char *khp_scope_name(unsigned mask, char *buf, size_t size);

/* Iterate matches of `anchor` over the whole document. For each match the
 * callback gets the match and the sentence bounds; returning non-zero stops.
 * Returns 0, or the callback's non-zero value, or a negative matcher error. */
typedef int (*khp_anchor_fn)(khp *k, const kh_doc *doc, const kh_match *m,
                             size_t sent_start, size_t sent_end, void *ud);
int khp_each_anchor(khp *k, kh_re *anchor, const kh_doc *doc, khp_anchor_fn fn,
                    void *ud);

/* Parse the number at doc->text[pos..limit) with the host parser; on success
 * *n holds ABSOLUTE offsets (n->start, n->end) and true is returned. */
bool khp_number_at(khp *k, const kh_doc *doc, size_t pos, size_t limit,
                   kh_number *n);

/* Emit a numeric fact. Evidence is [ev_start, ev_end). Returns host status. */
int khp_emit_number(khp *k, kh_sink *sink, const char *key, double value,
                    const char *unit, kh_qualifier q, kh_basis basis,
                    size_t ev_start, size_t ev_end, int confidence,
                    const char *note);
/* Emit a text fact (dates, names). */
int khp_emit_text(khp *k, kh_sink *sink, const char *key, const char *text,
                  const char *unit, kh_basis basis, size_t ev_start,
                  size_t ev_end, int confidence, const char *note);

/* Fill *ls from a NULL-terminated list of at most 16 static literals (more
 * are ignored: pass no more). */
void khp_litset_init(khp_litset *ls, const char *const *lits);
/* True when doc->text[from, to) holds one of the literals of ls. */
bool khp_litset_in(const khp_litset *ls, const kh_doc *doc, size_t from, size_t to);

/* The first match of re in doc->text[a, b) (the subject cut at b): true and
 * *m filled; false for none, a matcher error, or a >= b. */
bool khp_find(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b,
              kh_match *m);
/* khp_find() of a pattern compiled from KHP_PAT_DEPT_SUBJECT, without the
 * PCRE2 call where [a, b) holds none of the literals its matches begin
 * with (most sentences). */
bool khp_find_dept_subject(const khp *k, kh_re *dept, const kh_doc *doc, size_t a,
                           size_t b, kh_match *m);
/* khp_find() without the match. */
bool khp_has(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b);
/* The last of the matches of re found one after another in [a, b) (each
 * search from the end of the previous match): true and *out filled. */
bool khp_find_last(const khp *k, kh_re *re, const kh_doc *doc, size_t a, size_t b,
                   kh_match *out);

/* A tighter clause splitter than khp_clause_bounds() (the litigation and
 * review plugins'): a separator is ,;!?\n, 。，；！？： and ':' except before a
 * digit (it introduces the value), ',' except between digits (thousands).
 * khp_sep_at: the separator's length at t[i], 0 if none. khp_clause_start:
 * the start of the clause holding pos, not before lo. khp_clause_end: the
 * end (before its separator) of the clause holding pos, not after hi. */
size_t khp_sep_at(const char *t, size_t len, size_t i);
size_t khp_clause_start(const kh_doc *doc, size_t lo, size_t pos);
size_t khp_clause_end(const kh_doc *doc, size_t pos, size_t hi);

/* True when text[start..end) contains the UTF-8 literal s. */
bool khp_contains(const kh_doc *doc, size_t start, size_t end, const char *s);

/* The unit's level from the title and first lines (KHP_LEVEL_*). A
 * county-level city (荣成市) is UNKNOWN: its 全市 is itself. Cached per
 * document like the year. */
int khp_unit_level(khp *k, const kh_doc *doc);

/* The year the report is about, read once per document from its title or
 * first lines ("关于2024年法治政府建设情况的报告", "2024年法治政府建设工作报告");
 * 0 when not found. Cheap: scans only the first 600 bytes. */
int khp_report_year(khp *k, const kh_doc *doc);

#endif

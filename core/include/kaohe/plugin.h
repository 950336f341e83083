/*
 * kaohe/plugin.h — the extractor plugin SDK. The ONLY header a plugin includes.
 *
 * A plugin is a shared object that exports exactly one symbol,
 *
 *     const kh_plugin_descriptor *kh_plugin_entry(void);
 *
 * returning a descriptor with static storage. The host checks abi_version and
 * struct_size, then calls init() once, extract() once per document, and fini()
 * once. Everything a plugin needs from the engine (memory, logging, the number
 * parser, compiled patterns, the fact sink) arrives through the kh_host table
 * passed to init(); a plugin links no kaohe code.
 *
 * Versioning. KH_PLUGIN_ABI_VERSION = major << 16 | minor. The loader refuses a
 * plugin whose major differs from its own. All structs in this header that
 * start with `struct_size` are APPEND-ONLY: new members go at the end, minor is
 * bumped, and the reader of a struct only touches a member that lies inside the
 * struct_size the writer declared (use KH_HAS_MEMBER).
 *
 * Ownership. Memory never crosses the boundary to be freed on the other side:
 * strings the plugin passes to the host are copied by the host before the call
 * returns; pointers the host passes to the plugin are borrowed and valid only
 * for the duration stated on each member.
 *
 * Threading. One plugin state is used by one thread at a time. A compiled
 * pattern (kh_re) carries its own match buffer, so it too must not be shared
 * across threads; batch runs use one engine (and one plugin state) per worker.
 */
#ifndef KAOHE_PLUGIN_H
#define KAOHE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KH_PLUGIN_ABI_MAJOR 1u
#define KH_PLUGIN_ABI_MINOR 0u
#define KH_PLUGIN_ABI_VERSION ((KH_PLUGIN_ABI_MAJOR << 16) | KH_PLUGIN_ABI_MINOR)
#define KH_PLUGIN_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)

/* Name of the one symbol a plugin exports. */
#define KH_PLUGIN_ENTRY_SYMBOL "kh_plugin_entry"

/* True when a struct whose writer declared `size` bytes contains `member`. */
#define KH_HAS_MEMBER(size, type, member) \
    ((size_t)(size) >= offsetof(type, member) + sizeof(((type *)0)->member))

#if defined(__GNUC__)
#define KH_PLUGIN_EXPORT __attribute__((visibility("default")))
#define KH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KH_PLUGIN_EXPORT
#define KH_PRINTF(f, a)
#endif

/* Return codes shared by host and plugins: 0 is success, errors negative. */
enum {
    KH_PLUGIN_OK = 0,
    KH_PLUGIN_ERROR = -1,  /* generic failure; details go through log() */
    KH_PLUGIN_ENOMEM = -2,
    KH_PLUGIN_EINVAL = -3  /* bad argument, e.g. a fact key not declared */
};

/* ---- numbers ------------------------------------------------------------ */

typedef enum kh_qualifier {
    KH_QUAL_EXACT = 0,     /* plain number */
    KH_QUAL_MORE_THAN = 1, /* 余 多 以上 超过 逾 */
    KH_QUAL_ABOUT = 2,     /* 约 近 左右 */
    KH_QUAL_LESS_THAN = 3  /* 不足 不到 以下 */
} kh_qualifier;

typedef enum kh_number_kind {
    KH_NUM_INTEGER = 0,
    KH_NUM_DECIMAL = 1,
    KH_NUM_PERCENT = 2 /* value is 0..100 (98.5% → 98.5) */
} kh_number_kind;

/* A parsed number. value == mantissa / 10^scale exactly; `value` is the
 * nearest double, computed once from the exact decimal (4.52万 → mantissa
 * 45200, scale 0, value 45200.0). */
typedef struct kh_number {
    double value;
    int64_t mantissa;
    int32_t scale;          /* 0..18 decimal places */
    kh_number_kind kind;
    kh_qualifier qualifier;
    size_t start;           /* byte offset where the number (or a leading
                               qualifier such as 约/超过) starts */
    size_t end;             /* byte offset just past the number, its percent
                               sign and any trailing qualifier (余/左右/以上) */
} kh_number;

/* ---- documents ---------------------------------------------------------- */

/* The document as a plugin sees it. Borrowed; valid during one extract(). */
typedef struct kh_doc {
    uint32_t struct_size;
    /* Normalised UTF-8 (NFKC; full-width digits/punctuation folded; spaces and
     * line breaks that split phrases removed; paragraph breaks kept as '\n').
     * NUL-terminated. All offsets a plugin gives the host are byte offsets
     * into this text. */
    const char *text;
    size_t len;
    const char *path; /* as given by the user; for log messages only */
} kh_doc;

/* ---- facts -------------------------------------------------------------- */

typedef enum kh_basis {
    KH_BASIS_STATED = 0,  /* the report gives the number */
    KH_BASIS_IMPLIED = 1, /* whole coverage stated in words (均 / 全部 → 100) */
    KH_BASIS_DERIVED = 2  /* computed from stated parts that make up a whole */
} kh_basis;

typedef enum kh_value_type {
    KH_VALUE_NUMBER = 0, /* `number` is used */
    KH_VALUE_TEXT = 1    /* `text` is used: names, ISO dates (2025-01-08) */
} kh_value_type;

/* One fact offered to the host's sink. Every pointer is borrowed for the
 * duration of the emit() call only; the host copies what it keeps. */
typedef struct kh_fact_emit {
    uint32_t struct_size;      /* sizeof(kh_fact_emit) as the plugin saw it */
    const char *key;           /* a key the plugin declared in `provides` */
    kh_value_type type;
    double number;             /* KH_VALUE_NUMBER: the value (percent 0..100) */
    const char *text;          /* KH_VALUE_TEXT: the value, UTF-8 */
    const char *unit;          /* "percent", "cases", "items", "hours",
                                  "persons", "sessions", "disputes", "date",
                                  "year", "name", "sections" */
    kh_qualifier qualifier;
    kh_basis basis;
    /* Evidence: byte span [ev_start, ev_end) in kh_doc.text, the shortest
     * phrase that lets a person check the value (the host maps it back to the
     * original file's line, column and text). */
    size_t ev_start;
    size_t ev_end;
    /* 0..100: how sure the plugin is this is THE figure for the unit and
     * year. When a key is emitted more than once the host keeps the highest
     * confidence (earliest on a tie) and lists the others as candidates. */
    int confidence;
    const char *note;          /* optional, e.g. "derived: 52 建议 + 2 议案" */
} kh_fact_emit;

/* Opaque host-side objects. */
typedef struct kh_sink kh_sink; /* where facts of one document go */
typedef struct kh_re kh_re;     /* a compiled pattern (PCRE2, UTF, JIT) */

#define KH_RE_MAX_GROUPS 20

/* Result of one pattern match; offsets are absolute byte offsets into the
 * subject. A group that did not take part has start == end == KH_RE_UNSET. */
#define KH_RE_UNSET ((size_t)-1)
typedef struct kh_match {
    size_t start, end;                 /* the whole match */
    int groups;                        /* capture groups in the pattern */
    size_t group_start[KH_RE_MAX_GROUPS + 1]; /* [0] is the whole match */
    size_t group_end[KH_RE_MAX_GROUPS + 1];
} kh_match;

/* Pattern flags (a plugin may OR them). Patterns are always UTF-8 + UCP. */
#define KH_RE_CASELESS 0x1u
#define KH_RE_ANCHORED 0x2u /* match only at `start` */

typedef enum kh_log_level {
    KH_LOG_DEBUG = 0,
    KH_LOG_INFO = 1,
    KH_LOG_WARN = 2,
    KH_LOG_ERROR = 3
} kh_log_level;

/* ---- the host table ----------------------------------------------------- */

/* Services the engine offers a plugin. Borrowed; valid from init() until
 * fini() returns. Every function takes the `ctx` member back as first
 * argument where it needs engine context. */
typedef struct kh_host {
    uint32_t abi_version;  /* KH_PLUGIN_ABI_VERSION of the host */
    uint32_t struct_size;  /* sizeof(kh_host) in the host */
    void *ctx;             /* opaque engine context */

    /* Memory. alloc/realloc return NULL on failure; free(NULL) is a no-op. */
    void *(*alloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);

    /* Logging; the host prefixes the plugin's name. */
    void (*log)(void *ctx, kh_log_level level, const char *fmt, ...) KH_PRINTF(3, 4);

    /* The engine's number parser. Reads the longest number at text[0..len)
     * — leading qualifier (约 近 超过 不足 不到 逾), Arabic or Chinese digits,
     * 万/亿 multipliers, percent forms (98.5%, 百分之九十八点五, 九成), trailing
     * qualifier (余 多 以上 左右 以下) — and fills *out (offsets relative to
     * `text`). Returns the bytes consumed (out->end), 0 if no number starts at
     * text[0] (after an optional leading qualifier). Never reads past len. */
    size_t (*parse_number)(const char *text, size_t len, kh_number *out);

    /* Compile a PCRE2 pattern (UTF, UCP, JIT when available). On failure
     * returns KH_PLUGIN_EINVAL and writes "offset N: message" to err. The
     * pattern is the plugin's until re_free(). Compile in init(), never per
     * document. */
    int (*re_compile)(void *ctx, const char *pattern, uint32_t flags,
                      kh_re **out, char *err, size_t err_size);
    /* Search subject[start..len) (the pattern sees the whole subject for
     * lookbehind). Returns 1 and fills *m on a match, 0 on none, negative on
     * a matching error (e.g. the match limit was hit). */
    int (*re_match)(kh_re *re, const char *subject, size_t len, size_t start,
                    kh_match *m);
    /* Index of a named group, or -1. */
    int (*re_group)(const kh_re *re, const char *name);
    void (*re_free)(void *ctx, kh_re *re);

    /* The sentence around a byte offset of the document text: a sentence ends
     * at 。；！？ or a line break; *start is just after the previous end,
     * *end just past this sentence's terminator. */
    void (*sentence_bounds)(const kh_doc *doc, size_t offset, size_t *start,
                            size_t *end);

    /* Hand a fact to the engine. Returns KH_PLUGIN_OK, or KH_PLUGIN_EINVAL for
     * an undeclared key, a span outside the document or a bad enum. */
    int (*emit)(kh_sink *sink, const kh_fact_emit *fact);
} kh_host;

/* ---- the descriptor ----------------------------------------------------- */

typedef struct kh_plugin_descriptor {
    uint32_t abi_version;   /* KH_PLUGIN_ABI_VERSION the plugin was built for */
    uint32_t struct_size;   /* sizeof(kh_plugin_descriptor) */
    const char *name;       /* short id, [a-z0-9_]+, unique among plugins */
    const char *version;    /* the plugin's own version, e.g. "1.0.0" */
    const char *description;
    /* NULL-terminated list of fact keys this plugin may emit. */
    const char *const *provides;

    /* Called once after loading. `config` is NULL or a NUL-terminated string
     * (reserved for plugin options; today always NULL). Stores the plugin's
     * state in *state. Non-zero return: the plugin is unloaded and reported. */
    int (*init)(const kh_host *host, const char *config, void **state);
    /* Called once per document; facts go to `sink` through host->emit.
     * Non-zero return marks the document's extraction by this plugin failed
     * (facts already emitted are kept). */
    int (*extract)(void *state, const kh_doc *doc, kh_sink *sink);
    /* Release everything init() and extract() allocated. state may be NULL. */
    void (*fini)(void *state);
} kh_plugin_descriptor;

typedef const kh_plugin_descriptor *(*kh_plugin_entry_fn)(void);

/* The entry every plugin defines (declared here so a plugin's definition has
 * a prototype and the right visibility). */
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);

#ifdef __cplusplus
}
#endif
#endif /* KAOHE_PLUGIN_H */

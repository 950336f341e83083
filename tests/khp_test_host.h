/*
 * khp_test_host.h — what the tests that include a plugin's source share: a
 * host table over the core's pattern, number and sentence functions (as the
 * engine's is), a document over a string, the normalised text of the seed
 * reports, and the check that a literal set guards a pattern. Include after
 * the plugin's source. Test-only; static functions.
 */
#ifndef KHP_TEST_HOST_H
#define KHP_TEST_HOST_H

#include <check.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "kaohe/number.h"
#include "pattern.h"

#define FIX(rel) KH_FIXTURES_DIR "/" rel

static inline void *t_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size ? size : 1);
}
static inline void *t_realloc(void *ctx, void *p, size_t size)
{
    (void)ctx;
    return realloc(p, size ? size : 1);
}
static inline void t_free(void *ctx, void *p) { (void)ctx; free(p); }
static inline void t_log(void *ctx, kh_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}
static inline int t_compile(void *ctx, const char *pattern, uint32_t flags, kh_re **out,
                            char *err, size_t err_size)
{
    (void)ctx;
    return kh_pattern_compile(pattern, flags, out, err, err_size);
}
static inline void t_re_free(void *ctx, kh_re *re) { (void)ctx; kh_pattern_free(re); }
/* Facts emitted since the test last reset it (tests run one at a time). */
static size_t t_emitted;
static inline int t_emit(kh_sink *sink, const kh_fact_emit *f)
{
    (void)sink;
    (void)f;
    t_emitted++;
    return KH_PLUGIN_OK;
}

static inline kh_host test_host(void)
{
    kh_host h;
    memset(&h, 0, sizeof h);
    h.abi_version = KH_PLUGIN_ABI_VERSION;
    h.struct_size = sizeof h;
    h.alloc = t_alloc;
    h.realloc = t_realloc;
    h.free = t_free;
    h.log = t_log;
    h.parse_number = kh_number_parse;
    h.re_compile = t_compile;
    h.re_match = kh_pattern_match;
    h.re_group = kh_pattern_group;
    h.re_free = t_re_free;
    h.sentence_bounds = kh_host__sentence_bounds;
    h.emit = t_emit;
    return h;
}

static inline kh_doc doc_of(const char *text, size_t len)
{
    kh_doc d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.text = text;
    d.len = len;
    d.path = "test";
    return d;
}

/* Zeroed bytes after a test's text: PCRE2's JIT reads up to 16 bytes past
 * the subject's end with vector loads (the document keeps such a pad too;
 * without it valgrind reports invalid reads). */
#define KHP_TEST_PAD 64

/* The normalised text of a file, followed by KHP_TEST_PAD zero bytes
 * (owned by the caller). */
static inline char *normalised(const char *path, size_t *len)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_document_load_file(&doc, path, NULL, &err), KH_OK);
    *len = kh_document_length(doc);
    char *t = malloc(*len + KHP_TEST_PAD);
    ck_assert_ptr_nonnull(t);
    memcpy(t, kh_document_text(doc), *len);
    memset(t + *len, 0, KHP_TEST_PAD);
    kh_document_free(doc);
    return t;
}

/* How much of a text of len bytes the exhaustive window checks walk: all
 * of it, or under valgrind (KH_VALGRIND=1, scripts/test-valgrind), where
 * they would take a quarter of an hour each and the point is memory
 * errors, its first 2000 bytes — cut on a character boundary. */
static inline size_t khp_test_span(const char *text, size_t len)
{
    const char *vg = getenv("KH_VALGRIND");
    if (!vg || !*vg || len <= 2000)
        return len;
    size_t n = 2000;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static const char *const reports[] = {
    FIX("reports/wendeng-2024.txt"), FIX("reports/chengyang-2024.txt"),
    FIX("reports/rongcheng-2022.txt"), FIX("reports/weihai-gaoqu-2017.txt"),
    FIX("reports/yicheng-2021.txt"),
};
#define N_REPORTS (sizeof reports / sizeof reports[0])

/* Every window [from, to) of text of up to 200 bytes (character
 * boundaries) where ls finds no literal: none of res[0 .. n) matches from
 * its start with the subject cut at its end. Returns the number of such
 * windows (a test asserts there were some). */
static inline size_t check_lits_guard(const kh_host *h, const khp_litset *ls,
                                      kh_re *const *res, size_t n, const kh_doc *d)
{
    size_t skipped = 0;
    for (size_t from = 0; from < d->len; from++) {
        if (((unsigned char)d->text[from] & 0xC0) == 0x80)
            continue;
        for (size_t to = from + 1; to <= d->len && to - from <= 200; to++) {
            if (to < d->len && ((unsigned char)d->text[to] & 0xC0) == 0x80)
                continue;
            if (khp_litset_in(ls, d, from, to))
                continue;
            for (size_t i = 0; i < n; i++) {
                kh_match m;
                ck_assert_msg(h->re_match(res[i], d->text, to, from, &m) == 0,
                              "pattern %zu matches [%zu, %zu) \"%.*s\" without a literal",
                              i, from, to, (int)(to - from), d->text + from);
            }
            skipped++;
        }
    }
    return skipped;
}

/* Each of the phrases is matched by one of res[0 .. n) and holds a literal
 * of ls. */
static inline void check_lits_let_through(const kh_host *h, const khp_litset *ls,
                                          kh_re *const *res, size_t n,
                                          const char *const *phrases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        kh_doc d = doc_of(phrases[i], strlen(phrases[i]));
        bool matched = false;
        for (size_t j = 0; j < n && !matched; j++) {
            kh_match m;
            matched = h->re_match(res[j], d.text, d.len, 0, &m) == 1;
        }
        ck_assert_msg(matched, "\"%s\": no pattern matches", phrases[i]);
        ck_assert_msg(khp_litset_in(ls, &d, 0, d.len), "\"%s\": no literal of the set",
                      phrases[i]);
    }
}

/* Defines `static type *new_state(const kh_host *h)`: the plugin's init
 * (init_fn, a static of the included plugin source) with no configuration,
 * which must succeed. */
#define KHP_TEST_NEW_STATE(type, init_fn)                                          \
    static type *new_state(const kh_host *h)                                       \
    {                                                                              \
        void *state = NULL;                                                        \
        ck_assert_int_eq(init_fn(h, NULL, &state), KH_PLUGIN_OK);                  \
        return state;                                                              \
    }

#endif

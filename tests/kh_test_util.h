/*
 * kh_test_util.h — shared helpers for the Check suites: run one plugin (or
 * all) over a piece of text, the table runner of the plugin suites
 * (KH_TEST_PLUGIN_SUITE: rows that must give a fact, rows that must not,
 * seed reports against their gold), and a standard main. Header-only
 * (static functions), included by tests/check_*.c.
 */
#ifndef KH_TEST_UTIL_H
#define KH_TEST_UTIL_H

#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaohe/kaohe.h"

/* Engine with exactly one plugin, KH_PLUGIN_DIR/<name>.so, loaded.
 * Caller owns; kh_engine_free(). Fails the test when loading fails. */
static inline kh_engine *kh_test_engine_with(const char *plugin_name)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.so", KH_PLUGIN_DIR, plugin_name);
    int rc = kh_engine_load_plugin(e, path);
    ck_assert_msg(rc == KH_OK, "load %s: %s", path, kh_engine_last_error(e)->message);
    return e;
}

/* Extract facts from UTF-8 text with the given engine. Caller owns. */
static inline kh_factset *kh_test_extract_text(kh_engine *e, const char *text)
{
    kh_document *doc = NULL;
    kh_error err;
    int rc = kh_document_load_memory(&doc, "<test>", text, strlen(text), NULL, &err);
    ck_assert_msg(rc == KH_OK, "document: %s", err.message);
    kh_factset *facts = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &facts), KH_OK);
    kh_document_free(doc);
    return facts;
}

/* One-shot: plugin + text → factset (engine freed). Caller owns the set. */
static inline kh_factset *kh_test_extract(const char *plugin_name, const char *text)
{
    kh_engine *e = kh_test_engine_with(plugin_name);
    kh_factset *facts = kh_test_extract_text(e, text);
    kh_engine_free(e);
    return facts;
}

/* ---- table-driven plugin suites ------------------------------------------
 *
 * Every tests/check_plugin_<name>.c is three tables run by the functions
 * below, glued together by KH_TEST_PLUGIN_SUITE:
 *
 *   yields   a short text and the fact it must give for one key
 *   absents  a short text that must give no fact for a key (or any key)
 *   seeds    a seed report (fixtures/reports/<seed>.txt) and what its gold
 *            (fixtures/gold/<seed>.yaml) says about one key
 *
 * One Check loop test per row; a failure names the row, its text (or seed)
 * and the key, and says what was expected and what was found. */

/* A text that must give a fact for `key`: the chosen fact's value (or, for a
 * text fact, `str`), qualifier and basis, with non-empty evidence that
 * contains `evidence` when that is given (whitespace ignored). */
typedef struct kh_test_yield {
    const char *text;
    const char *key;
    double value;           /* number facts */
    kh_qualifier qualifier;
    kh_basis basis;
    const char *evidence;   /* NULL: any non-empty evidence */
    const char *str;        /* text facts: the text, equal; NULL for numbers */
} kh_test_yield;

/* A text that must give no fact for `key`; key NULL: for none of the
 * plugin's keys. */
typedef struct kh_test_absent {
    const char *text;
    const char *key;
} kh_test_absent;

typedef enum kh_test_seed_expect {
    KH_SEED_FACT,     /* number fact: value, qualifier, basis (, evidence) */
    KH_SEED_FACT_OR,  /* as FACT; the value `accept` is also taken (then
                         qualifier, basis and evidence are not checked) */
    KH_SEED_TEXT,     /* text fact equal to `str` (, evidence) */
    KH_SEED_CONTAINS, /* text fact containing `str` (, evidence) */
    KH_SEED_ABSENT,   /* no fact for the key */
    KH_SEED_ANY       /* the gold calls it ambiguous: anything goes */
} kh_test_seed_expect;

/* What one seed report must give for one key. */
typedef struct kh_test_seed {
    const char *seed;       /* fixtures/reports/<seed>.txt */
    const char *key;
    kh_test_seed_expect expect;
    double value;
    kh_qualifier qualifier;
    kh_basis basis;
    const char *evidence;   /* gold evidence (whitespace ignored), or NULL */
    const char *str;        /* TEXT, CONTAINS */
    double accept;          /* FACT_OR */
} kh_test_seed;

/* The plugin under test. */
typedef struct kh_test_plugin {
    const char *name;         /* KH_PLUGIN_DIR/<name>.so */
    const char *const *keys;  /* NULL-terminated, for absent rows with key NULL */
} kh_test_plugin;

/* Write len bytes to a fresh file /tmp/<stem>-XXXXXX; its name goes to
 * path (size bytes) and is returned. Fails the test when it cannot be
 * written. The caller unlinks. */
static inline const char *kh_test_write_tmp(char *path, size_t size, const char *stem,
                                            const void *bytes, size_t len)
{
    snprintf(path, size, "/tmp/%s-XXXXXX", stem);
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "cannot create %s", path);
    ck_assert_msg(write(fd, bytes, len) == (ssize_t)len, "short write to %s", path);
    close(fd);
    return path;
}

/* The whole file at path, NUL-terminated; its length in *len unless len is
 * NULL. Fails the test when it cannot be read. Caller frees. */
static inline char *kh_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_msg(n >= 0, "cannot size %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_msg(fread(buf, 1, (size_t)n, f) == (size_t)n, "short read of %s", path);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

/* s without ASCII whitespace and U+3000 (ideographic space). Caller frees. */
static inline char *kh_test_squeeze(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i]))
            continue;
        if (i + 3 <= n && memcmp(s + i, "\xe3\x80\x80", 3) == 0) {
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

/* The fact's value for a message: its text, or its number. */
static inline const char *kh_test__show(const kh_fact *f, char *buf, size_t size)
{
    if (f->type == KH_VALUE_TEXT)
        snprintf(buf, size, "\"%s\"", f->text ? f->text : "");
    else
        snprintf(buf, size, "%g", f->number);
    return buf;
}

/* Fail unless f has non-empty evidence containing `want` (if not NULL),
 * whitespace ignored. `what` names the row in the message. */
static inline void kh_test_check_evidence(const kh_fact *f, const char *want, const char *what)
{
    ck_assert_msg(f->evidence.text && *f->evidence.text, "%s: %s has no evidence text", what,
                  f->key);
    ck_assert_msg(f->evidence.norm_end > f->evidence.norm_start,
                  "%s: %s has an empty evidence span [%zu, %zu)", what, f->key,
                  f->evidence.norm_start, f->evidence.norm_end);
    if (!want)
        return;
    char *have = kh_test_squeeze(f->evidence.text), *need = kh_test_squeeze(want);
    int found = strstr(have, need) != NULL;
    free(have);
    free(need);
    ck_assert_msg(found, "%s: %s evidence \"%s\" lacks \"%s\"", what, f->key, f->evidence.text,
                  want);
}

/* Fail unless the fact for `key` is absent from set. */
static inline void kh_test_check_no_fact(const kh_factset *set, const char *key,
                                         const char *what)
{
    const kh_fact *f = kh_factset_get(set, key);
    char v[512];
    ck_assert_msg(f == NULL, "%s: %s should be missing, got %s from \"%s\"", what, key,
                  f ? kh_test__show(f, v, sizeof v) : "", f && f->evidence.text ? f->evidence.text : "");
}

/* Row i of a yields table. */
static inline void kh_test_run_yield(const kh_test_plugin *p, const kh_test_yield *c, int i)
{
    char what[1024], v[512];
    snprintf(what, sizeof what, "row %d (\"%s\")", i, c->text);
    kh_factset *set = kh_test_extract(p->name, c->text);
    const kh_fact *f = kh_factset_get(set, c->key);
    ck_assert_msg(f != NULL, "%s: %s missing", what, c->key);
    if (c->str) {
        ck_assert_msg(f->type == KH_VALUE_TEXT && f->text && strcmp(f->text, c->str) == 0,
                      "%s: %s = %s, want \"%s\"", what, c->key, kh_test__show(f, v, sizeof v),
                      c->str);
    } else {
        ck_assert_msg(f->type == KH_VALUE_NUMBER && fabs(f->number - c->value) < 1e-9,
                      "%s: %s = %s, want %g", what, c->key, kh_test__show(f, v, sizeof v),
                      c->value);
    }
    ck_assert_msg(f->qualifier == c->qualifier, "%s: %s qualifier %d, want %d", what, c->key,
                  (int)f->qualifier, (int)c->qualifier);
    ck_assert_msg(f->basis == c->basis, "%s: %s basis %d, want %d", what, c->key, (int)f->basis,
                  (int)c->basis);
    kh_test_check_evidence(f, c->evidence, what);
    kh_factset_free(set);
}

/* Row i of an absents table. */
static inline void kh_test_run_absent(const kh_test_plugin *p, const kh_test_absent *c, int i)
{
    char what[1024];
    snprintf(what, sizeof what, "row %d (\"%s\")", i, c->text);
    kh_factset *set = kh_test_extract(p->name, c->text);
    if (c->key) {
        kh_test_check_no_fact(set, c->key, what);
    } else {
        ck_assert_msg(p->keys != NULL, "%s: key NULL but the plugin lists no keys", what);
        for (const char *const *k = p->keys; *k; k++)
            kh_test_check_no_fact(set, *k, what);
    }
    kh_factset_free(set);
}

/* Row i of a seeds table. */
static inline void kh_test_run_seed(const kh_test_plugin *p, const kh_test_seed *c, int i)
{
    char path[1024], what[1024], v[512];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, c->seed);
    snprintf(what, sizeof what, "seed row %d (%s)", i, c->seed);
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_msg(kh_document_load_file(&doc, path, NULL, &err) == KH_OK, "%s: %s", path,
                  err.message);
    kh_engine *e = kh_test_engine_with(p->name);
    kh_factset *set = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &set), KH_OK);
    kh_engine_free(e);
    kh_document_free(doc);
    const kh_fact *f = kh_factset_get(set, c->key);
    switch (c->expect) {
    case KH_SEED_ANY:
        break;
    case KH_SEED_ABSENT:
        kh_test_check_no_fact(set, c->key, what);
        break;
    case KH_SEED_FACT:
    case KH_SEED_FACT_OR:
        ck_assert_msg(f != NULL, "%s: %s missing", what, c->key);
        ck_assert_msg(f->type == KH_VALUE_NUMBER, "%s: %s = %s, want %g", what, c->key,
                      kh_test__show(f, v, sizeof v), c->value);
        if (c->expect == KH_SEED_FACT_OR && fabs(f->number - c->accept) < 1e-9)
            break; /* the accepted alternative */
        ck_assert_msg(fabs(f->number - c->value) < 1e-9, "%s: %s = %g, want %g", what, c->key,
                      f->number, c->value);
        ck_assert_msg(f->qualifier == c->qualifier, "%s: %s qualifier %d, want %d", what,
                      c->key, (int)f->qualifier, (int)c->qualifier);
        ck_assert_msg(f->basis == c->basis, "%s: %s basis %d, want %d", what, c->key,
                      (int)f->basis, (int)c->basis);
        kh_test_check_evidence(f, c->evidence, what);
        break;
    case KH_SEED_TEXT:
    case KH_SEED_CONTAINS:
        ck_assert_msg(f != NULL, "%s: %s missing", what, c->key);
        ck_assert_msg(f->type == KH_VALUE_TEXT && f->text &&
                          (c->expect == KH_SEED_TEXT ? strcmp(f->text, c->str) == 0
                                                     : strstr(f->text, c->str) != NULL),
                      "%s: %s = %s, want %s\"%s\"", what, c->key, kh_test__show(f, v, sizeof v),
                      c->expect == KH_SEED_TEXT ? "" : "text containing ", c->str);
        kh_test_check_evidence(f, c->evidence, what);
        break;
    }
    kh_factset_free(set);
}

#define KH_TEST_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Defines the suite of a plugin test file and its main(): loop tests
 * test_plugin_<name>__positive_rows, __negative_rows (TCase "rows") and
 * __seed_reports (TCase "seeds") over the tables; keys is a NULL-terminated
 * array of the plugin's keys, or NULL when no absent row has key NULL. */
#define KH_TEST_PLUGIN_SUITE(name, keys, yields, absents, seeds)                         \
    static const kh_test_plugin kh_test_plugin_ = {#name, keys};                           \
    START_TEST(test_plugin_##name##__positive_rows)                                        \
    {                                                                                      \
        kh_test_run_yield(&kh_test_plugin_, &(yields)[_i], _i);                            \
    }                                                                                      \
    END_TEST                                                                               \
    START_TEST(test_plugin_##name##__negative_rows)                                        \
    {                                                                                      \
        kh_test_run_absent(&kh_test_plugin_, &(absents)[_i], _i);                          \
    }                                                                                      \
    END_TEST                                                                               \
    START_TEST(test_plugin_##name##__seed_reports)                                         \
    {                                                                                      \
        kh_test_run_seed(&kh_test_plugin_, &(seeds)[_i], _i);                              \
    }                                                                                      \
    END_TEST                                                                               \
    static Suite *kh_plugin_##name##_suite(void)                                           \
    {                                                                                      \
        Suite *s = suite_create("plugin_" #name);                                          \
        TCase *tc = tcase_create("rows");                                                  \
        tcase_set_timeout(tc, 60);                                                         \
        tcase_add_loop_test(tc, test_plugin_##name##__positive_rows, 0,                    \
                            KH_TEST_COUNT(yields));                                        \
        tcase_add_loop_test(tc, test_plugin_##name##__negative_rows, 0,                    \
                            KH_TEST_COUNT(absents));                                       \
        suite_add_tcase(s, tc);                                                            \
        TCase *sc = tcase_create("seeds");                                                 \
        tcase_set_timeout(sc, 60);                                                         \
        tcase_add_loop_test(sc, test_plugin_##name##__seed_reports, 0, KH_TEST_COUNT(seeds)); \
        suite_add_tcase(s, sc);                                                            \
        return s;                                                                          \
    }                                                                                      \
    KH_TEST_MAIN(kh_plugin_##name##_suite)

/* Standard main for a suite. */
#define KH_TEST_MAIN(suite_fn)                                                     \
    int main(void)                                                                 \
    {                                                                              \
        SRunner *sr = srunner_create(suite_fn());                                  \
        srunner_run_all(sr, CK_NORMAL);                                            \
        int failed = srunner_ntests_failed(sr);                                    \
        srunner_free(sr);                                                          \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                          \
    }

#endif

/*
 * kh_test_util.h — shared helpers for the Check suites: run one plugin (or
 * all) over a piece of text and look facts up. Header-only (static
 * functions), included by tests/check_*.c.
 */
#ifndef KH_TEST_UTIL_H
#define KH_TEST_UTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Assert the chosen fact for key has this value and qualifier. */
#define kh_assert_fact(set, key, val, qual)                                        \
    do {                                                                           \
        const kh_fact *f_ = kh_factset_get((set), (key));                          \
        ck_assert_msg(f_ != NULL, "fact %s missing", (key));                       \
        ck_assert_msg(fabs(f_->number - (val)) < 1e-9, "fact %s = %g, want %g",   \
                      (key), f_->number, (double)(val));                           \
        ck_assert_msg(f_->qualifier == (qual), "fact %s qualifier %d, want %d",    \
                      (key), (int)f_->qualifier, (int)(qual));                     \
    } while (0)

/* Assert no fact for key was extracted. */
#define kh_assert_no_fact(set, key)                                                \
    do {                                                                           \
        const kh_fact *f_ = kh_factset_get((set), (key));                          \
        ck_assert_msg(f_ == NULL, "fact %s should be missing, got %g (%s)", (key), \
                      f_ ? f_->number : 0.0,                                       \
                      f_ && f_->evidence.text ? f_->evidence.text : "");           \
    } while (0)

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

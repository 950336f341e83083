/* check_loader.c — the plugin loader from the outside: good plugins load and
 * extract; bad ones (wrong ABI, short struct, missing symbol, init failure,
 * not ELF, missing file) are refused with one "path: reason" line each while
 * the others still load; bad emits are refused by the sink. */
#include "kh_test_util.h"

static char *tp(const char *name)
{
    static char buf[8][1024];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s.so", KH_TEST_PLUGIN_DIR, name);
    return b;
}

typedef struct bad_case {
    const char *name;
    int code;
    const char *reason;
} bad_case;

static const bad_case bad_cases[] = {
    {"wrong_abi", KH_EABI, "plugin ABI 99.0, this kaohe speaks ABI 1.x"},
    {"short_struct", KH_EABI, "truncated struct"},
    {"no_symbol", KH_ENOTFOUND, "no symbol kh_plugin_entry"},
    {"init_fail", KH_EABI, "init failed"},
    {"not_elf", KH_EABI, "cannot load"},
    {"does_not_exist", KH_EABI, "cannot load"},
};

START_TEST(test_loader__refuses_bad_plugin)
{
    const bad_case *c = &bad_cases[_i];
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    const char *path = tp(c->name);
    int rc = kh_engine_load_plugin(e, path);
    ck_assert_int_eq(rc, c->code);
    const char *msg = kh_engine_last_error(e)->message;
    /* one line: "path: reason" */
    ck_assert_msg(strncmp(msg, path, strlen(path)) == 0, "message starts with path: %s", msg);
    ck_assert_msg(strstr(msg, c->reason) != NULL, "'%s' lacks '%s'", msg, c->reason);
    ck_assert_ptr_null(strchr(msg, '\n'));
    ck_assert_uint_eq(kh_engine_plugin_count(e), 0);
    ck_assert_uint_eq(kh_engine_load_error_count(e), 1);
    /* the engine still works: a good plugin loads after the bad one */
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("good")), KH_OK);
    ck_assert_uint_eq(kh_engine_plugin_count(e), 1);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__directory_goes_on_past_failures)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    size_t loaded = 0;
    ck_assert_int_eq(kh_engine_load_plugin_dir(e, KH_TEST_PLUGIN_DIR, &loaded), KH_OK);
    /* good, bad_emit, fail_extract load; wrong_abi, short_struct, no_symbol,
     * init_fail, not_elf are refused */
    ck_assert_uint_eq(loaded, 3);
    ck_assert_uint_eq(kh_engine_plugin_count(e), 3);
    ck_assert_uint_eq(kh_engine_load_error_count(e), 5);
    for (size_t i = 0; i < kh_engine_load_error_count(e); i++)
        ck_assert_ptr_nonnull(strstr(kh_engine_load_error_at(e, i), KH_TEST_PLUGIN_DIR));
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__missing_directory)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin_dir(e, "/nonexistent/kaohe/plugins", NULL),
                     KH_ENOTFOUND);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__duplicate_name_refused)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("good")), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("good")), KH_EABI);
    ck_assert_ptr_nonnull(strstr(kh_engine_last_error(e)->message, "already loaded"));
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__good_plugin_extracts_with_evidence)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("good")), KH_OK);
    const kh_plugin_info *info = kh_engine_plugin_at(e, 0);
    ck_assert_str_eq(info->name, "good");
    ck_assert_str_eq(info->provides[0], "test.value");
    ck_assert_str_eq(kh_engine_provider(e, "test.value"), "good");
    ck_assert_ptr_null(kh_engine_provider(e, "test.other"));
    kh_factset *f = kh_test_extract_text(e, "第一行\n第二行有答案\n42，完毕。答案7");
    const kh_fact_entry *en = kh_factset_entry(f, "test.value");
    ck_assert_ptr_nonnull(en);
    ck_assert_uint_eq(en->count, 2);
    /* equal confidence: the earlier statement is chosen */
    ck_assert_double_eq(en->facts[0].number, 42);
    ck_assert_double_eq(en->facts[1].number, 7);
    /* evidence is the ORIGINAL text, line break included, at line 2 */
    ck_assert_int_eq(en->facts[0].evidence.line, 2);
    ck_assert_int_eq(en->facts[0].evidence.column, 5);
    ck_assert_str_eq(en->facts[0].evidence.text, "答案\n42");
    ck_assert_str_eq(en->facts[0].plugin, "good");
    ck_assert_uint_eq(kh_factset_error_count(f), 0);
    kh_factset_free(f);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__bad_emits_refused_and_reported)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("bad_emit")), KH_OK);
    kh_factset *f = kh_test_extract_text(e, "答案5");
    /* the good emit is kept, the three bad ones refused */
    ck_assert_uint_eq(kh_factset_count(f), 1);
    ck_assert_double_eq(kh_factset_get(f, "test.value")->number, 5);
    ck_assert_ptr_null(kh_factset_get(f, "test.undeclared"));
    ck_assert_uint_eq(kh_factset_error_count(f), 1);
    ck_assert_ptr_nonnull(strstr(kh_factset_error_at(f, 0), "3 fact(s) refused"));
    kh_factset_free(f);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_loader__failing_extract_keeps_other_plugins)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, tp("fail_extract")), KH_OK);
    kh_factset *f = kh_test_extract_text(e, "答案9");
    ck_assert_double_eq(kh_factset_get(f, "test.value")->number, 9);
    ck_assert_uint_eq(kh_factset_error_count(f), 1);
    ck_assert_ptr_nonnull(strstr(kh_factset_error_at(f, 0), "plugin fail_extract failed"));
    kh_factset_free(f);
    kh_engine_free(e);
}
END_TEST

static Suite *kh_loader_suite(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_loader__refuses_bad_plugin, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_loader__directory_goes_on_past_failures);
    tcase_add_test(tc, test_loader__missing_directory);
    tcase_add_test(tc, test_loader__duplicate_name_refused);
    tcase_add_test(tc, test_loader__good_plugin_extracts_with_evidence);
    tcase_add_test(tc, test_loader__bad_emits_refused_and_reported);
    tcase_add_test(tc, test_loader__failing_extract_keeps_other_plugins);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_loader_suite)

/* check_dl.c — optional libraries loaded on demand: every function resolved
 * into its slot, a missing library or symbol named in the reason. */
#include "kh_test_util.h"

#include "dl.h"

typedef size_t (*strlen_fn)(const char *);
typedef int (*abs_fn)(int);

START_TEST(test_dl__resolves_into_slots)
{
    strlen_fn my_strlen = NULL;
    abs_fn my_abs = NULL;
    const kh_dl_sym syms[] = {{&my_strlen, "strlen"}, {&my_abs, "abs"}};
    char why[256] = "";
    void *dl = kh_dl_open("libc.so.6", syms, 2, why, sizeof why);
    ck_assert_msg(dl != NULL, "%s", why);
    ck_assert_ptr_nonnull(my_strlen);
    ck_assert_uint_eq(my_strlen("考核"), 6);
    ck_assert_int_eq(my_abs(-7), 7);
    kh_dl_close(dl);
    /* RTLD_NODELETE: still callable after the close */
    ck_assert_uint_eq(my_strlen("abc"), 3);
    kh_dl_close(NULL);
}
END_TEST

START_TEST(test_dl__missing_library_is_named)
{
    strlen_fn f = NULL;
    const kh_dl_sym syms[] = {{&f, "strlen"}};
    char why[256] = "";
    ck_assert_ptr_null(kh_dl_open("libkaohe-no-such.so.9", syms, 1, why, sizeof why));
    ck_assert_msg(strstr(why, "libkaohe-no-such.so.9") != NULL, "%s", why);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(test_dl__missing_symbol_is_named)
{
    strlen_fn f = NULL, g = NULL;
    const kh_dl_sym syms[] = {{&f, "strlen"}, {&g, "kh_no_such_function"}};
    char why[256] = "";
    ck_assert_ptr_null(kh_dl_open("libc.so.6", syms, 2, why, sizeof why));
    ck_assert_str_eq(why, "libc.so.6 has no kh_no_such_function");
    ck_assert_ptr_null(g);
}
END_TEST

START_TEST(test_dl__long_reason_is_cut_not_overrun)
{
    strlen_fn f = NULL;
    const kh_dl_sym syms[] = {{&f, "kh_no_such_function"}};
    char why[8];
    memset(why, 'x', sizeof why);
    ck_assert_ptr_null(kh_dl_open("libc.so.6", syms, 1, why, sizeof why));
    ck_assert_uint_eq(strlen(why), sizeof why - 1);
}
END_TEST

static Suite *kh_dl_suite(void)
{
    Suite *s = suite_create("dl");
    TCase *tc = tcase_create("dl");
    tcase_add_test(tc, test_dl__resolves_into_slots);
    tcase_add_test(tc, test_dl__missing_library_is_named);
    tcase_add_test(tc, test_dl__missing_symbol_is_named);
    tcase_add_test(tc, test_dl__long_reason_is_cut_not_overrun);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_dl_suite)

/*
 * check_normative_lits.c — the normative plugin reads a sentence only when
 * it holds 备案 or 报备 (file_lits in plugins/normative/normative.c). Over
 * every window of the seed reports where neither lies, none of the eight
 * figure patterns matches; and the figures the plugin is there for hold one.
 *
 * The plugin's source is included (its state and literal set are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry normative_plugin_entry
#define emit normative_emit /* khp.c has an emit() of its own */
#include "../plugins/normative/normative.c"
#undef kh_plugin_entry
#undef emit

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(normative_state, normative_init)

#define FIGURES(st)                                                                 \
    {(st)->filed_vo, (st)->filed_ov, (st)->filed_bare, (st)->rate, (st)->rate_pre,   \
     (st)->implied, (st)->unfiled, (st)->unfiled_ov}

START_TEST(test_normative_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    normative_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, khp_test_span(text, len));
    ck_assert_uint_gt(check_lits_guard(&h, &st->file_lits, figures, 8, &d), 0);
    free(text);
    normative_fini(st);
}
END_TEST

START_TEST(test_normative_lits__figures_hold_one)
{
    kh_host h = test_host();
    normative_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    static const char *const phrases[] = {
        "制定并报备规范性文件12件",     "规范性文件向市政府报送备案8件", "报市政府备案3件",
        "报备率达100%",                 "备案及时率为100%",              "100%按时报备",
        "均已按规定报送市政府备案",     "未按规定报备的规范性文件2件",
        "规范性文件逾期报备1件",
    };
    check_lits_let_through(&h, &st->file_lits, figures, 8, phrases,
                           sizeof phrases / sizeof phrases[0]);
    normative_fini(st);
}
END_TEST

Suite *kh_normative_lits_suite(void);
Suite *kh_normative_lits_suite(void)
{
    Suite *s = suite_create("normative_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_normative_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_normative_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_normative_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

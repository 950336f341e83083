/*
 * check_mediation_lits.c — the mediation plugin reads a sentence only when
 * it holds one of its figure literals (件 起 宗 % 百分之, figure_lits in
 * plugins/mediation/mediation.c). Over every window of the seed reports
 * where none of them lies, none of the five figure patterns matches; and
 * the figures the plugin is there for hold one.
 *
 * The plugin's source is included (its state and literal set are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry mediation_plugin_entry
#define emit mediation_emit /* khp.c has an emit() of its own */
#include "../plugins/mediation/mediation.c"
#undef kh_plugin_entry
#undef emit

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(mediation_state, mediation_init)

START_TEST(test_mediation_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    mediation_state *st = new_state(&h);
    kh_re *const figures[] = {st->success, st->resolve, st->rate, st->rate_loose,
                              st->rate_bare};
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, khp_test_span(text, len));
    ck_assert_uint_gt(check_lits_guard(&h, &st->figure_lits, figures, 5, &d), 0);
    free(text);
    mediation_fini(st);
}
END_TEST

START_TEST(test_mediation_lits__figures_hold_one)
{
    kh_host h = test_host();
    mediation_state *st = new_state(&h);
    kh_re *const figures[] = {st->success, st->resolve, st->rate, st->rate_loose,
                              st->rate_bare};
    static const char *const phrases[] = {
        "全年共调解成功矛盾纠纷1260件", "成功化解各类纠纷三百余起", "调处成功12宗",
        "化解矛盾纠纷共计86件",        "调解成功率达98.6%",          "纠纷化解率为百分之百",
        "调解成功,成功率99%",
    };
    check_lits_let_through(&h, &st->figure_lits, figures, 5, phrases,
                           sizeof phrases / sizeof phrases[0]);
    mediation_fini(st);
}
END_TEST

Suite *kh_mediation_lits_suite(void);
Suite *kh_mediation_lits_suite(void)
{
    Suite *s = suite_create("mediation_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_mediation_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_mediation_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_mediation_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * check_legality_lits.c — the legality plugin looks for rates only in a
 * sentence holding % or 百分之 (pct_lits in plugins/legality/legality.c).
 * Over every window of the seed reports where neither lies, neither rate
 * pattern matches; and the rates the plugin is there for hold one.
 *
 * The plugin's source is included (its state and literal set are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry legality_plugin_entry
#include "../plugins/legality/legality.c"
#undef kh_plugin_entry

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(legality_state, legality_init)

#define FIGURES(st) {st->rate, st->rate_pre}

START_TEST(test_legality_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    legality_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, khp_test_span(text, len));
    ck_assert_uint_gt(check_lits_guard(&h, &st->pct_lits, figures, 2, &d), 0);
    free(text);
    legality_fini(st);
}
END_TEST

START_TEST(test_legality_lits__figures_hold_one)
{
    kh_host h = test_host();
    legality_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    static const char *const phrases[] = {
        "合法性审查率达100%", "合法性审核覆盖率为百分之百", "合法性审查率、备案率均为100%",
        "100%的重大行政决策经过合法性审查", "98.5%纳入合法性审核",
    };
    check_lits_let_through(&h, &st->pct_lits, figures, 2, phrases,
                           sizeof phrases / sizeof phrases[0]);
    legality_fini(st);
}
END_TEST

Suite *kh_legality_lits_suite(void);
Suite *kh_legality_lits_suite(void)
{
    Suite *s = suite_create("legality_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_legality_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_legality_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_legality_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

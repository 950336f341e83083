/*
 * check_litigation_lits.c — the litigation plugin reads a sentence for the
 * head-appearance rate only when it holds 出庭, and for lost cases only
 * when it holds 败诉 (lits_head, lits_lost in plugins/litigation/
 * litigation.c). Over every window of the seed reports without the
 * literal, none of the patterns behind it matches; and the figures they are
 * there for hold it.
 *
 * The plugin's source is included (its state and literal sets are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry litigation_plugin_entry
#define emit litigation_emit /* khp.c has an emit() of its own */
#include "../plugins/litigation/litigation.c"
#undef kh_plugin_entry
#undef emit

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(lit_state, lit_init)

#define HEAD(st)                                                                    \
    {(st)->rate, (st)->rate_pct_first, (st)->rate_bare, (st)->implied_all,          \
     (st)->implied_cover}
#define LOST(st) {(st)->lost, (st)->lost_zero, (st)->loss_rate, (st)->lost_qi_tail}

START_TEST(test_litigation_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    lit_state *st = new_state(&h);
    kh_re *const head[] = HEAD(st);
    kh_re *const lost_res[] = LOST(st);
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, khp_test_span(text, len));
    ck_assert_uint_gt(check_lits_guard(&h, &st->lits_head, head, 5, &d), 0);
    ck_assert_uint_gt(check_lits_guard(&h, &st->lits_lost, lost_res, 4, &d), 0);
    free(text);
    lit_fini(st);
}
END_TEST

START_TEST(test_litigation_lits__figures_hold_one)
{
    kh_host h = test_host();
    lit_state *st = new_state(&h);
    kh_re *const head[] = HEAD(st);
    kh_re *const lost_res[] = LOST(st);
    static const char *const head_phrases[] = {
        "行政机关负责人出庭应诉率达100%", "负责人100%出庭", "其中出庭率为95%",
        "行政机关负责人均出庭应诉",       "负责人出庭应诉全覆盖",
    };
    static const char *const lost_phrases[] = {
        "败诉2件", "实现零败诉", "败诉率为3.5%", "被法院判决败诉",
    };
    check_lits_let_through(&h, &st->lits_head, head, 5, head_phrases,
                           sizeof head_phrases / sizeof head_phrases[0]);
    check_lits_let_through(&h, &st->lits_lost, lost_res, 4, lost_phrases,
                           sizeof lost_phrases / sizeof lost_phrases[0]);
    lit_fini(st);
}
END_TEST

Suite *kh_litigation_lits_suite(void);
Suite *kh_litigation_lits_suite(void)
{
    Suite *s = suite_create("litigation_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_litigation_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_litigation_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_litigation_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * check_training_lits.c — the training plugin looks for hours only in a
 * sentence holding 学时 or 小时 (hours_lits in plugins/training/training.c).
 * Over every window of the seed reports where neither lies, the hours
 * pattern does not match; and the hours the plugin is there for hold one.
 *
 * The plugin's source is included (its state and literal set are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry training_plugin_entry
#include "../plugins/training/training.c"
#undef kh_plugin_entry

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(tr_state, tr_init)

#define FIGURES(st) {st->hours}

START_TEST(test_training_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    tr_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, khp_test_span(text, len));
    ck_assert_uint_gt(check_lits_guard(&h, &st->hours_lits, figures, 1, &d), 0);
    free(text);
    tr_fini(st);
}
END_TEST

START_TEST(test_training_lits__figures_hold_one)
{
    kh_host h = test_host();
    tr_state *st = new_state(&h);
    kh_re *const figures[] = FIGURES(st);
    static const char *const phrases[] = {
        "人均参加法治培训40学时", "累计培训1200余学时", "完成30个学时的培训",
        "学法时间不少于40小时",
    };
    check_lits_let_through(&h, &st->hours_lits, figures, 1, phrases,
                           sizeof phrases / sizeof phrases[0]);
    tr_fini(st);
}
END_TEST

Suite *kh_training_lits_suite(void);
Suite *kh_training_lits_suite(void)
{
    Suite *s = suite_create("training_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_training_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_training_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_training_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * check_leaders_lits.c — the leaders plugin reads a 学法 sentence only when
 * it holds 会前学法 or 常务会 (st->named in plugins/leaders/leaders.c), the
 * words consider() requires inside a match. The figures the three shapes
 * are there for hold one; a sentence whose figure a shape matches but which
 * names neither yields nothing, and one naming them yields its figure.
 *
 * The plugin's source is included (its state and literal set are static).
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/khp.c"
#define kh_plugin_entry leaders_plugin_entry
#include "../plugins/leaders/leaders.c"
#undef kh_plugin_entry

#include "khp_test_host.h"

KHP_TEST_NEW_STATE(ls_state, ls_init)

START_TEST(test_leaders_lits__figures_hold_one)
{
    kh_host h = test_host();
    ls_state *st = new_state(&h);
    kh_re *const shapes[] = {st->lead, st->num_first, st->next};
    static const char *const phrases[] = {
        "已开展区政府常务会议会前学法12次", "会前学法共6期",
        "4次常务会议会前学法",             "会前学法制度,全年共开展10次",
    };
    check_lits_let_through(&h, &st->named, shapes, 3, phrases,
                           sizeof phrases / sizeof phrases[0]);
    ls_fini(st);
}
END_TEST

/* Whole sentences through the plugin: the figure only when named. */
START_TEST(test_leaders_lits__named_sentences_only)
{
    kh_host h = test_host();
    ls_state *st = new_state(&h);
    static const struct {
        const char *text;
        size_t facts;
    } cases[] = {
        {"全年召开区政府常务会议会前学法12次。", 1},
        {"全年开展专题学法活动12次。", 0}, /* `lead` matches; not named */
        {"组织集体学法8次。", 0},
        {"4次常务会议会前学法。", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kh_doc d = doc_of(cases[i].text, strlen(cases[i].text));
        t_emitted = 0;
        ck_assert_int_eq(ls_extract(st, &d, NULL), KH_PLUGIN_OK);
        ck_assert_msg(t_emitted == cases[i].facts, "\"%s\": %zu facts, expected %zu",
                      cases[i].text, t_emitted, cases[i].facts);
    }
    ls_fini(st);
}
END_TEST

Suite *kh_leaders_lits_suite(void);
Suite *kh_leaders_lits_suite(void)
{
    Suite *s = suite_create("leaders_lits");
    TCase *tc = tcase_create("literals");
    tcase_add_test(tc, test_leaders_lits__figures_hold_one);
    tcase_add_test(tc, test_leaders_lits__named_sentences_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_leaders_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

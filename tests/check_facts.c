/* check_facts.c — the fact store: choosing among repeated statements,
 * candidates in document order, overrides, errors, sorted iteration. */
#include "kh_test_util.h"

static kh_fact mk(const char *key, double v, int conf, size_t pos)
{
    kh_fact f;
    memset(&f, 0, sizeof f);
    f.key = (char *)key;
    f.type = KH_VALUE_NUMBER;
    f.number = v;
    f.unit = (char *)"cases";
    f.confidence = conf;
    f.evidence.norm_start = pos;
    f.evidence.norm_end = pos + 3;
    f.evidence.text = (char *)"证据";
    f.evidence.line = 1;
    f.evidence.column = (int)pos + 1;
    f.plugin = (char *)"t";
    return f;
}

START_TEST(test_facts__missing_is_null_not_zero)
{
    kh_factset *s = NULL;
    ck_assert_int_eq(kh_factset_new(&s), KH_OK);
    ck_assert_ptr_null(kh_factset_get(s, "litigation.cases"));
    ck_assert_ptr_null(kh_factset_entry(s, "litigation.cases"));
    ck_assert_uint_eq(kh_factset_count(s), 0);
    kh_factset_free(s);
    kh_factset_free(NULL);
}
END_TEST

START_TEST(test_facts__highest_confidence_chosen_others_candidates)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    kh_fact a = mk("review.closed", 25, 60, 100);
    kh_fact b = mk("review.closed", 27, 90, 300);
    kh_fact c = mk("review.closed", 20, 60, 50);
    ck_assert_int_eq(kh_factset_add(s, &a), KH_OK);
    ck_assert_int_eq(kh_factset_add(s, &b), KH_OK);
    ck_assert_int_eq(kh_factset_add(s, &c), KH_OK);
    const kh_fact_entry *e = kh_factset_entry(s, "review.closed");
    ck_assert_uint_eq(e->count, 3);
    ck_assert_double_eq(e->facts[0].number, 27);
    /* candidates in document order */
    ck_assert_double_eq(e->facts[1].number, 20);
    ck_assert_double_eq(e->facts[2].number, 25);
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__tie_goes_to_the_earliest)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    kh_fact a = mk("k.a", 1, 80, 500);
    kh_fact b = mk("k.a", 2, 80, 10);
    kh_factset_add(s, &a);
    kh_factset_add(s, &b);
    ck_assert_double_eq(kh_factset_get(s, "k.a")->number, 2);
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__same_statement_twice_is_one_candidate)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    kh_fact a = mk("k.a", 5, 50, 10);
    kh_fact b = mk("k.a", 5, 70, 10);
    kh_factset_add(s, &a);
    kh_factset_add(s, &b);
    const kh_fact_entry *e = kh_factset_entry(s, "k.a");
    ck_assert_uint_eq(e->count, 1);
    ck_assert_int_eq(e->facts[0].confidence, 70);
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__override_wins_and_keeps_extracted)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    kh_fact a = mk("k.a", 5, 100, 10);
    kh_factset_add(s, &a);
    kh_fact o = mk("k.a", 7, 0, 0);
    o.evidence.text = NULL;
    o.note = (char *)"核查更正：原文为 7 件";
    ck_assert_int_eq(kh_factset_override(s, &o), KH_OK);
    const kh_fact_entry *e = kh_factset_entry(s, "k.a");
    ck_assert_uint_eq(e->count, 2);
    ck_assert_double_eq(e->facts[0].number, 7);
    ck_assert_int_eq(e->facts[0].origin, KH_ORIGIN_OVERRIDE);
    ck_assert_str_eq(e->facts[0].note, "核查更正：原文为 7 件");
    ck_assert_double_eq(e->facts[1].number, 5);
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__strings_are_copied)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    char key[] = "report.unit";
    char text[] = "威海市文登区";
    kh_fact f = mk(key, 0, 90, 0);
    f.type = KH_VALUE_TEXT;
    f.text = text;
    kh_factset_add(s, &f);
    key[0] = 'X';
    text[0] = 'X';
    const kh_fact *g = kh_factset_get(s, "report.unit");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->text, "威海市文登区");
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__sorted_iteration_and_errors)
{
    kh_factset *s = NULL;
    kh_factset_new(&s);
    const char *keys[] = {"review.closed", "litigation.cases", "report.year", "mediation.resolved"};
    for (int i = 0; i < 4; i++) {
        kh_fact f = mk(keys[i], i, 50, (size_t)i);
        kh_factset_add(s, &f);
    }
    ck_assert_uint_eq(kh_factset_count(s), 4);
    ck_assert_str_eq(kh_factset_at(s, 0)->key, "litigation.cases");
    ck_assert_str_eq(kh_factset_at(s, 3)->key, "review.closed");
    ck_assert_ptr_null(kh_factset_at(s, 4));
    ck_assert_int_eq(kh_factset_add_error(s, "plugin x failed"), KH_OK);
    ck_assert_uint_eq(kh_factset_error_count(s), 1);
    ck_assert_str_eq(kh_factset_error_at(s, 0), "plugin x failed");
    ck_assert_ptr_null(kh_factset_error_at(s, 1));
    kh_factset_free(s);
}
END_TEST

START_TEST(test_facts__names_round_trip)
{
    for (int q = 0; q < 4; q++)
        ck_assert_int_eq(kh_qualifier_from_name(kh_qualifier_name((kh_qualifier)q)), q);
    for (int b = 0; b < 3; b++)
        ck_assert_int_eq(kh_basis_from_name(kh_basis_name((kh_basis)b)), b);
    ck_assert_int_eq(kh_qualifier_from_name("roughly"), -1);
    ck_assert_int_eq(kh_basis_from_name(NULL), -1);
    ck_assert_str_eq(kh_origin_name(KH_ORIGIN_OVERRIDE), "override");
}
END_TEST

static Suite *kh_facts_suite(void)
{
    Suite *s = suite_create("facts");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_facts__missing_is_null_not_zero);
    tcase_add_test(tc, test_facts__highest_confidence_chosen_others_candidates);
    tcase_add_test(tc, test_facts__tie_goes_to_the_earliest);
    tcase_add_test(tc, test_facts__same_statement_twice_is_one_candidate);
    tcase_add_test(tc, test_facts__override_wins_and_keeps_extracted);
    tcase_add_test(tc, test_facts__strings_are_copied);
    tcase_add_test(tc, test_facts__sorted_iteration_and_errors);
    tcase_add_test(tc, test_facts__names_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_facts_suite)

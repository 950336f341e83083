/* check_overrides.c — overrides.yaml: loading with file:line errors, unit
 * matching, planning over a run, applying with the replaced value kept, and
 * scoring with the hand-entered value. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kh_test_run.h"
#include "kh_test_util.h"
#include "overrides.h"

static char tmp_path[256];

/* Write text to a fresh temporary file; returns its path (static). */
static const char *write_tmp(const char *text)
{
    return kh_test_write_tmp(tmp_path, sizeof tmp_path, "kh-overrides", text, strlen(text));
}

#define GOOD_ENTRY                                                                 \
    "- unit: 威海市文登区\n"                                                       \
    "  key: litigation.cases\n"                                                    \
    "  value: 26\n"                                                                \
    "  reason: 法院统计口径\n"                                                     \
    "  author: 王敏\n"                                                             \
    "  date: 2025-03-04\n"

START_TEST(test_overrides__loads_example)
{
    kh_override_list l;
    kh_error err;
    char path[1024];
    snprintf(path, sizeof path, "%s/overrides/example.yaml", KH_FIXTURES_DIR);
    ck_assert_int_eq(kh_overrides_load(&l, path, &err), KH_OK);
    ck_assert_uint_eq(l.count, 5);
    const kh_override *o = &l.items[0];
    ck_assert_str_eq(o->unit, "威海市文登区");
    ck_assert_str_eq(o->key, "proposals.reply_rate");
    ck_assert_int_eq(o->type, KH_VALUE_NUMBER);
    ck_assert(o->number == 100);
    ck_assert_int_eq(o->qualifier, KH_QUAL_EXACT);
    ck_assert_str_eq(o->author, "王敏");
    ck_assert_str_eq(o->date, "2025-03-04");
    ck_assert_int_eq(o->line, 7);
    /* 95.2% is the number 95.2; an ISO date stays text */
    ck_assert_int_eq(l.items[3].type, KH_VALUE_NUMBER);
    ck_assert(l.items[3].number == 95.2);
    ck_assert_int_eq(l.items[4].type, KH_VALUE_TEXT);
    ck_assert_str_eq(l.items[4].text, "2023-01-18");
    ck_assert_str_eq(l.items[2].text, "枣庄市峄城区");
    ck_assert_str_eq(l.items[1].unit, "文登区"); /* trailing comment and spaces gone */
    kh_override_list_free(&l);
    ck_assert_ptr_null(l.items);
}
END_TEST

static const struct bad_case {
    const char *yaml;
    int line;
    const char *fragment;
} bad_cases[] = {
    {GOOD_ENTRY "- unit: 荣成市\n  key: report.published_date\n  value: 2023-01-18\n"
                "  author: 赵丽\n  date: 2025-03-06\n",
     7, "reason"},
    {"- unit: 荣成市\n  key: Report Date\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     2, "not a fact key"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 2025-02-30\n",
     6, "not an ISO date"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 3/6/2025\n",
     6, "not an ISO date"},
    {GOOD_ENTRY "- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: \"  \"\n"
                "  author: a\n  date: 2025-03-06\n",
     10, "reason is empty"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: \"\"\n"
     "  date: 2025-03-06\n",
     5, "author is empty"},
    {"- unit: 荣成市\n  key: review.closed\n  valeu: 1\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     3, "valeu"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  qualifier: roughly\n"
     "  reason: r\n  author: a\n  date: 2025-03-06\n",
     4, "qualifier"},
    {GOOD_ENTRY GOOD_ENTRY, 7, "twice"},
    {"- unit: 荣成市\n  key: report.published_date\n  value: 2023年1月18日\n  reason: r\n"
     "  author: a\n  date: 2025-03-06\n",
     3, "not an ISO date"},
    {"- unit: 荣成市\n  key: review.closed\n  value: [1, 2]\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     3, "value"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: [r\n", 5, "YAML"},
    {"unit: 荣成市\nkey: review.closed\n", 1, ""},
    {"- unit: \"\"\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     1, "unit is empty"},
    {"- unit: \"荣成市\\r\\n市\"\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     1, "entry 1: unit has a line break or control character"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: \"a\\tb\"\n"
     "  date: 2025-03-06\n",
     5, "entry 1: author has a line break"},
    {"- unit: 荣成市\n  key: review.closed\n  value: ~\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n",
     3, "value is empty"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason:\n  author: a\n"
     "  date: 2025-03-06\n",
     4, "reason is empty"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  reason: s\n"
     "  author: a\n  date: 2025-03-06\n",
     5, "given twice"},
    {"- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n"
     "  date: 2025-03-06\n- just text\n",
     7, "must be a mapping"},
};

START_TEST(test_overrides__errors_name_file_and_line)
{
    const struct bad_case *c = &bad_cases[_i];
    const char *path = write_tmp(c->yaml);
    kh_override_list l;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_overrides_load(&l, path, &err);
    ck_assert_int_eq(rc, KH_ECONFIG);
    ck_assert_str_eq(err.file, path);
    ck_assert_msg(err.line == c->line, "case %d: line %d, want %d (%s)", _i, err.line, c->line,
                  err.message);
    ck_assert_msg(strstr(err.message, c->fragment), "case %d: '%s' lacks '%s'", _i,
                  err.message, c->fragment);
    /* a failure leaves no half list behind */
    ck_assert_msg(l.count == 0 && l.items == NULL, "case %d: %zu entries left", _i, l.count);
    kh_override_list_free(&l);
    unlink(path);
}
END_TEST

START_TEST(test_overrides__missing_and_empty_files)
{
    kh_override_list l;
    kh_error err;
    ck_assert_int_eq(kh_overrides_load(&l, "/nonexistent/overrides.yaml", &err), KH_ENOTFOUND);
    ck_assert_str_eq(err.file, "/nonexistent/overrides.yaml");
    kh_override_list_free(&l);
    const char *path = write_tmp("# nothing yet\n\n");
    ck_assert_int_eq(kh_overrides_load(&l, path, &err), KH_OK);
    ck_assert_uint_eq(l.count, 0);
    kh_override_list_free(&l);
    unlink(path);
    path = write_tmp("[]\n");
    ck_assert_int_eq(kh_overrides_load(&l, path, &err), KH_OK);
    ck_assert_uint_eq(l.count, 0);
    kh_override_list_free(&l);
    unlink(path);
}
END_TEST

START_TEST(test_overrides__unit_match)
{
    ck_assert_int_eq(kh_overrides_unit_match("威海市文登区", "威海市文登区"), 2);
    ck_assert_int_eq(kh_overrides_unit_match(" 威海市文登区　", "威海市文登区"), 2);
    ck_assert_int_eq(kh_overrides_unit_match("文登区", "威海市文登区"), 1);
    ck_assert_int_eq(kh_overrides_unit_match("威海市文登区人民政府", "威海市文登区"), 1);
    ck_assert_int_eq(kh_overrides_unit_match("区", "威海市文登区"), 0); /* too short */
    ck_assert_int_eq(kh_overrides_unit_match("荣成市", "威海市文登区"), 0);
    ck_assert_int_eq(kh_overrides_unit_match("荣成市", NULL), 0);
}
END_TEST

/* A factset with one extracted fact key = value at line 5. */
static kh_factset *facts_with(const char *key, double value)
{
    kh_factset *fs = NULL;
    ck_assert_int_eq(kh_factset_new(&fs), KH_OK);
    kh_fact f = {0};
    f.key = (char *)key;
    f.number = value;
    f.unit = "cases";
    f.evidence.text = "行政诉讼案件24件";
    f.evidence.line = 5;
    f.evidence.column = 9;
    f.evidence.norm_start = 100;
    f.evidence.norm_end = 120;
    f.plugin = "litigation";
    f.confidence = 80;
    ck_assert_int_eq(kh_factset_add(fs, &f), KH_OK);
    return fs;
}

static kh_override_list load_text(const char *yaml)
{
    kh_override_list l;
    kh_error err;
    const char *path = write_tmp(yaml);
    ck_assert_msg(kh_overrides_load(&l, path, &err) == KH_OK, "%d: %s", err.line, err.message);
    unlink(path);
    return l;
}

START_TEST(test_overrides__apply_replaces_and_keeps_the_extracted)
{
    kh_override_list l = load_text(GOOD_ENTRY);
    kh_factset *fs = facts_with("litigation.cases", 24);
    const char *units[] = {"威海市文登区"};
    kh_overrides_result res;
    ck_assert_int_eq(kh_overrides_plan(&res, &l, units, 1), KH_OK);
    ck_assert_uint_eq(res.warnings_count, 0);
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市文登区", "a.txt", fs, &res), KH_OK);
    const kh_fact *f = kh_factset_get(fs, "litigation.cases");
    ck_assert(f->number == 26);
    ck_assert_int_eq(f->origin, KH_ORIGIN_OVERRIDE);
    ck_assert_str_eq(f->unit, "cases");
    ck_assert_ptr_nonnull(strstr(f->note, "法院统计口径"));
    ck_assert_ptr_nonnull(strstr(f->note, "王敏"));
    ck_assert_ptr_nonnull(strstr(f->note, "2025-03-04"));
    ck_assert_ptr_nonnull(strstr(f->note, "replaces 24"));
    const kh_fact_entry *e = kh_factset_entry(fs, "litigation.cases");
    ck_assert_uint_eq(e->count, 2);
    ck_assert(e->facts[1].number == 24); /* the extracted one is a candidate */
    ck_assert_uint_eq(res.applied_count, 1);
    const kh_override_applied *a = &res.applied[0];
    ck_assert_str_eq(a->path, "a.txt");
    ck_assert_str_eq(a->key, "litigation.cases");
    ck_assert_ptr_nonnull(a->extracted);
    ck_assert(a->extracted->number == 24);
    ck_assert_int_eq(a->extracted->evidence.line, 5);
    ck_assert_str_eq(a->extracted->evidence.text, "行政诉讼案件24件");
    ck_assert(a->value->number == 26);
    ck_assert_int_eq(a->value->origin, KH_ORIGIN_OVERRIDE);
    ck_assert_str_eq(a->reason, "法院统计口径");
    ck_assert_str_eq(a->author, "王敏");
    ck_assert_str_eq(a->date, "2025-03-04");
    ck_assert_uint_eq(kh_overrides_times_applied(&res, 0), 1);
    /* the record owns copies: freeing the factset leaves it intact */
    kh_factset_free(fs);
    ck_assert(res.applied[0].extracted->number == 24);
    kh_overrides_result_free(&res);
    kh_override_list_free(&l);
}
END_TEST

START_TEST(test_overrides__supplies_a_missing_fact)
{
    kh_override_list l = load_text(
        "- unit: 文登区\n  key: proposals.reply_rate\n  value: 98.5%\n  qualifier: about\n"
        "  reason: 台账\n  author: 王敏\n  date: 2025-03-04\n");
    kh_factset *fs = facts_with("litigation.cases", 24);
    const char *units[] = {"威海市文登区", "威海市荣成市"};
    kh_overrides_result res;
    ck_assert_int_eq(kh_overrides_plan(&res, &l, units, 2), KH_OK);
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市荣成市", "b.txt", fs, &res), KH_OK);
    ck_assert_uint_eq(res.applied_count, 0);
    ck_assert_ptr_null(kh_factset_get(fs, "proposals.reply_rate"));
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市文登区", "a.txt", fs, &res), KH_OK);
    const kh_fact *f = kh_factset_get(fs, "proposals.reply_rate");
    ck_assert_ptr_nonnull(f);
    ck_assert(f->number == 98.5);
    ck_assert_int_eq(f->qualifier, KH_QUAL_ABOUT);
    ck_assert_uint_eq(res.applied_count, 1);
    ck_assert_ptr_null(res.applied[0].extracted);
    ck_assert_ptr_nonnull(strstr(f->note, "nothing was extracted"));
    kh_factset_free(fs);
    kh_overrides_result_free(&res);
    kh_override_list_free(&l);
}
END_TEST

static bool any_warning(const kh_overrides_result *r, const char *a, const char *b)
{
    for (size_t i = 0; i < r->warnings_count; i++)
        if (strstr(r->warnings[i], a) && (!b || strstr(r->warnings[i], b)))
            return true;
    return false;
}

START_TEST(test_overrides__plan_warns_unmatched_and_ambiguous)
{
    kh_override_list l = load_text(
        "- unit: 荣成市\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n  date: 2025-03-06\n"
        "- unit: 威海\n  key: review.closed\n  value: 2\n  reason: r\n  author: a\n  date: 2025-03-06\n"
        "- unit: 城阳区\n  key: review.closed\n  value: 3\n  reason: r\n  author: a\n  date: 2025-03-06\n");
    const char *units[] = {"威海市文登区", "威海火炬高技术产业开发区", NULL, "城阳区",
                           "青岛市城阳区"};
    kh_overrides_result res;
    ck_assert_int_eq(kh_overrides_plan(&res, &l, units, 5), KH_OK);
    ck_assert(any_warning(&res, ":1:", "matches no input"));
    ck_assert(any_warning(&res, ":7:", "ambiguous"));
    ck_assert(any_warning(&res, ":7:", "威海火炬高技术产业开发区"));
    ck_assert(any_warning(&res, ":13:", "exact unit only"));
    /* 威海 is applied to neither; 城阳区 only to the exact 城阳区 */
    kh_factset *a = facts_with("review.closed", 9), *b = facts_with("review.closed", 9),
               *c = facts_with("review.closed", 9);
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市文登区", "a", a, &res), KH_OK);
    ck_assert_int_eq(kh_overrides_apply(&l, "城阳区", "c", b, &res), KH_OK);
    ck_assert_int_eq(kh_overrides_apply(&l, "青岛市城阳区", "d", c, &res), KH_OK);
    ck_assert(kh_factset_get(a, "review.closed")->number == 9);
    ck_assert(kh_factset_get(b, "review.closed")->number == 3);
    ck_assert(kh_factset_get(c, "review.closed")->number == 9);
    ck_assert_uint_eq(kh_overrides_times_applied(&res, 0), 0);
    ck_assert_uint_eq(kh_overrides_times_applied(&res, 1), 0);
    ck_assert_uint_eq(kh_overrides_times_applied(&res, 2), 1);
    kh_factset_free(a);
    kh_factset_free(b);
    kh_factset_free(c);
    kh_overrides_result_free(&res);
    kh_override_list_free(&l);
}
END_TEST

START_TEST(test_overrides__same_key_exact_wins_two_contained_refused)
{
    kh_override_list l = load_text(
        "- unit: 文登区\n  key: review.closed\n  value: 1\n  reason: r\n  author: a\n  date: 2025-03-06\n"
        "- unit: 威海市文登区\n  key: review.closed\n  value: 2\n  reason: r\n  author: a\n  date: 2025-03-06\n"
        "- unit: 文登区\n  key: review.accepted\n  value: 3\n  reason: r\n  author: a\n  date: 2025-03-06\n"
        "- unit: 威海市文登区人民政府\n  key: review.accepted\n  value: 4\n  reason: r\n  author: a\n  date: 2025-03-06\n");
    const char *units[] = {"威海市文登区"};
    kh_overrides_result res;
    ck_assert_int_eq(kh_overrides_plan(&res, &l, units, 1), KH_OK);
    kh_factset *fs = facts_with("review.accepted", 9);
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市文登区", "a", fs, &res), KH_OK);
    ck_assert(kh_factset_get(fs, "review.closed")->number == 2);   /* exact wins */
    ck_assert(kh_factset_get(fs, "review.accepted")->number == 9); /* neither applied */
    ck_assert(any_warning(&res, ":1:", "exact override at line 7"));
    ck_assert(any_warning(&res, ":13:", "ambiguous"));
    ck_assert(any_warning(&res, ":19:", "ambiguous"));
    ck_assert_uint_eq(res.applied_count, 1);
    kh_factset_free(fs);
    kh_overrides_result_free(&res);
    kh_override_list_free(&l);
}
END_TEST

START_TEST(test_overrides__type_mismatch_is_refused)
{
    kh_override_list l = load_text(
        "- unit: 文登区\n  key: litigation.cases\n  value: 二十六件\n  reason: r\n  author: a\n"
        "  date: 2025-03-06\n");
    const char *units[] = {"威海市文登区"};
    kh_overrides_result res;
    ck_assert_int_eq(kh_overrides_plan(&res, &l, units, 1), KH_OK);
    kh_factset *fs = facts_with("litigation.cases", 24);
    ck_assert_int_eq(kh_overrides_apply(&l, "威海市文登区", "a", fs, &res), KH_OK);
    ck_assert(kh_factset_get(fs, "litigation.cases")->number == 24);
    ck_assert_uint_eq(res.applied_count, 0);
    ck_assert(any_warning(&res, ":1:", "not applied"));
    /* apply without a plan for this list is refused */
    kh_override_list other = load_text(GOOD_ENTRY);
    ck_assert_int_eq(kh_overrides_apply(&other, "威海市文登区", "a", fs, &res), KH_EINVAL);
    kh_override_list_free(&other);
    kh_factset_free(fs);
    kh_overrides_result_free(&res);
    kh_override_list_free(&l);
}
END_TEST

/* The seed reports with the example overrides: the override is what the
 * scripts score, and the extracted value is still there. */
START_TEST(test_overrides__scoring_uses_the_override)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/overrides/example.yaml", KH_FIXTURES_DIR);
    kh_test_run_options opt = {.overrides = path};
    kh_test_run t;
    ck_assert_msg(kh_test_run_build(&t, &opt) == 0, "%s", t.message);
    ck_assert_uint_eq(t.applied.warnings_count, 0);
    ck_assert_uint_eq(t.run.overrides_count, 5);
    size_t checked = 0;
    for (size_t i = 0; i < t.count; i++) {
        if (!strstr(t.paths[i], "wendeng-2024"))
            continue;
        const kh_report_score *s = t.scores[i];
        for (size_t k = 0; k < s->indicators_count; k++) {
            const kh_indicator_result *r = &s->indicators[k];
            for (size_t f = 0; f < r->facts_count; f++) {
                const kh_fact *fa = &r->facts[f];
                if (strcmp(fa->key, "proposals.reply_rate") == 0) {
                    ck_assert_int_eq(fa->origin, KH_ORIGIN_OVERRIDE);
                    ck_assert_int_eq(r->status, KH_STATUS_SCORED);
                    ck_assert(fabs(r->points - r->indicator->max) < 1e-9);
                    checked++;
                }
                if (strcmp(fa->key, "litigation.cases") == 0) {
                    ck_assert(fa->number == 26);
                    ck_assert_int_eq(fa->origin, KH_ORIGIN_OVERRIDE);
                    checked++;
                }
            }
        }
        const kh_fact_entry *e = kh_factset_entry(t.facts[i], "litigation.cases");
        ck_assert_uint_ge(e->count, 2);
        bool kept = false;
        for (size_t c = 1; c < e->count; c++)
            kept |= e->facts[c].number == 24 && e->facts[c].origin == KH_ORIGIN_EXTRACTED;
        ck_assert_msg(kept, "extracted litigation.cases 24 not kept as a candidate");
    }
    ck_assert_uint_ge(checked, 2);
    kh_test_run_free(&t);
}
END_TEST

static Suite *kh_overrides_suite(void)
{
    Suite *s = suite_create("overrides");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_overrides__loads_example);
    tcase_add_loop_test(tc, test_overrides__errors_name_file_and_line, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(tc, test_overrides__missing_and_empty_files);
    tcase_add_test(tc, test_overrides__unit_match);
    tcase_add_test(tc, test_overrides__apply_replaces_and_keeps_the_extracted);
    tcase_add_test(tc, test_overrides__supplies_a_missing_fact);
    tcase_add_test(tc, test_overrides__plan_warns_unmatched_and_ambiguous);
    tcase_add_test(tc, test_overrides__same_key_exact_wins_two_contained_refused);
    tcase_add_test(tc, test_overrides__type_mismatch_is_refused);
    tcase_add_test(tc, test_overrides__scoring_uses_the_override);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_overrides_suite)

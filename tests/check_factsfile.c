/* check_factsfile.c — facts files (score --facts): YAML and JSON give the
 * same facts, numbers versus text, the full {value, qualifier, basis, unit}
 * form, labels, origin "given" without evidence; every malformed input
 * refused with its file:line; files that are missing or directories; and
 * given facts scored by the default rules. */
#include "kh_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include "factsfile.h"
#include "kaohe/score.h"
#include "yamltree.h"

static kh_factsfile parse_ok(const char *text)
{
    kh_factsfile ff;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_factsfile_parse(&ff, "t.yaml", text, strlen(text), &err);
    ck_assert_msg(rc == KH_OK, "parse failed: %s:%d: %s", err.file, err.line, err.message);
    return ff;
}

static const kh_fact *given(const kh_factsfile *ff, size_t unit, const char *key)
{
    ck_assert_uint_lt(unit, ff->count);
    const kh_fact *f = kh_factset_get(ff->units[unit].facts, key);
    ck_assert_msg(f != NULL, "unit %zu: no fact %s", unit, key);
    return f;
}

static const char *const YAML_TEXT =
    "# two units\n"                                              /* 1 */
    "- unit: 威海市文登区\n"                                     /* 2 */
    "  year: 2024\n"                                             /* 3 */
    "  path: wendeng-2024\n"                                     /* 4 */
    "  facts:\n"                                                 /* 5 */
    "    litigation.cases: 24\n"                                 /* 6 */
    "    proposals.reply_rate: 98.5%\n"                          /* 7 */
    "    report.published_date: 2025-01-08\n"                    /* 8 */
    "    survey.public_satisfaction: {value: 92.3, qualifier: about, basis: derived,\n"
    "                                 unit: percent, note: 第三方测评}\n" /* 10 */
    "    training.participants: \"1110\"\n"                      /* 11 */
    "- unit: 荣成市\n"                                           /* 12 */
    "  year: 2022\n"                                             /* 13 */
    "  facts: {}\n";                                             /* 14 */

static const char *const JSON_TEXT =
    "{\"units\": [\n"
    "\t{\n"
    "\t\t\"unit\": \"\\u5a01\\u6d77\\u5e02\\u6587\\u767b\\u533a\",\n"
    "\t\t\"year\": 2024,\n"
    "\t\t\"path\": \"wendeng-2024\",\n"
    "\t\t\"facts\": {\n"
    "\t\t\t\"litigation.cases\": 24,\n"
    "\t\t\t\"proposals.reply_rate\": 98.5,\n"
    "\t\t\t\"report.published_date\": \"2025-01-08\",\n"
    "\t\t\t\"survey.public_satisfaction\": {\"value\": 92.3, \"qualifier\": \"about\",\n"
    "\t\t\t\t\"basis\": \"derived\", \"unit\": \"percent\", \"note\": \"第三方测评\"},\n"
    "\t\t\t\"training.participants\": \"1110\"\n"
    "\t\t}\n"
    "\t},\n"
    "\t{\"unit\": \"荣成市\", \"year\": 2022, \"facts\": {}}\n"
    "]}\n";

static void check_two_units(const kh_factsfile *ff)
{
    ck_assert_uint_eq(ff->count, 2);
    ck_assert_str_eq(ff->units[0].unit, "威海市文登区");
    ck_assert_int_eq(ff->units[0].year, 2024);
    ck_assert_str_eq(ff->units[0].label, "wendeng-2024");
    ck_assert_str_eq(ff->units[1].unit, "荣成市");
    ck_assert_int_eq(ff->units[1].year, 2022);
    ck_assert_uint_eq(kh_factset_count(ff->units[1].facts), 0);

    const kh_fact *f = given(ff, 0, "litigation.cases");
    ck_assert_int_eq(f->type, KH_VALUE_NUMBER);
    ck_assert_double_eq(f->number, 24);
    ck_assert_int_eq(f->origin, KH_ORIGIN_GIVEN);
    ck_assert_ptr_null(f->evidence.text);
    ck_assert_int_eq(f->evidence.line, 0);
    ck_assert_ptr_null(f->plugin);
    ck_assert_int_eq(f->confidence, 100);
    ck_assert_int_eq(f->qualifier, KH_QUAL_EXACT);
    ck_assert_int_eq(f->basis, KH_BASIS_STATED);

    f = given(ff, 0, "proposals.reply_rate");
    ck_assert_int_eq(f->type, KH_VALUE_NUMBER);
    ck_assert_double_eq_tol(f->number, 98.5, 1e-12);

    f = given(ff, 0, "report.published_date");
    ck_assert_int_eq(f->type, KH_VALUE_TEXT);
    ck_assert_str_eq(f->text, "2025-01-08");

    f = given(ff, 0, "survey.public_satisfaction");
    ck_assert_double_eq_tol(f->number, 92.3, 1e-12);
    ck_assert_int_eq(f->qualifier, KH_QUAL_ABOUT);
    ck_assert_int_eq(f->basis, KH_BASIS_DERIVED);
    ck_assert_str_eq(f->unit, "percent");
    ck_assert_str_eq(f->note, "第三方测评");

    /* quoted digits stay text */
    f = given(ff, 0, "training.participants");
    ck_assert_int_eq(f->type, KH_VALUE_TEXT);
    ck_assert_str_eq(f->text, "1110");
    ck_assert_int_eq(f->origin, KH_ORIGIN_GIVEN);
}

START_TEST(test_factsfile__yaml_list)
{
    kh_factsfile ff = parse_ok(YAML_TEXT);
    check_two_units(&ff);
    /* 98.5% is a percent */
    ck_assert_str_eq(given(&ff, 0, "proposals.reply_rate")->unit, "percent");
    ck_assert_ptr_null(given(&ff, 0, "litigation.cases")->unit);
    /* lines of the entries and keys; the default label is FILE:LINE */
    ck_assert_int_eq(ff.units[0].line, 2);
    ck_assert_int_eq(ff.units[1].line, 12);
    ck_assert_str_eq(ff.units[1].label, "t.yaml:12");
    ck_assert_uint_eq(ff.units[0].keys_count, 5);
    ck_assert_str_eq(ff.units[0].keys[0].key, "litigation.cases");
    ck_assert_int_eq(ff.units[0].keys[0].line, 6);
    ck_assert_str_eq(ff.units[0].keys[3].key, "survey.public_satisfaction");
    ck_assert_int_eq(ff.units[0].keys[3].line, 9);
    kh_factsfile_free(&ff);
    ck_assert_uint_eq(ff.count, 0);
    ck_assert_ptr_null(ff.units);
}
END_TEST

START_TEST(test_factsfile__json_reads_like_yaml)
{
    kh_factsfile ff = parse_ok(JSON_TEXT);
    check_two_units(&ff);
    ck_assert_int_eq(ff.units[0].keys[0].line, 7);
    ck_assert_int_eq(ff.units[1].line, 15);
    kh_factsfile_free(&ff);

    /* a bare JSON array on one line */
    ff = parse_ok("[{\"unit\":\"A区\",\"year\":2023,\"facts\":{\"litigation.cases\":-0.5e1}}]");
    ck_assert_uint_eq(ff.count, 1);
    ck_assert_double_eq(given(&ff, 0, "litigation.cases")->number, -5);
    kh_factsfile_free(&ff);
}
END_TEST

START_TEST(test_factsfile__numbers_and_text)
{
    kh_factsfile ff = parse_ok("- unit: 某区\n  year: 2024\n  facts:\n"
                               "    a.int: 7\n"
                               "    a.neg: -3.25\n"
                               "    a.exp: 1.5e2\n"
                               "    a.plus: +4\n"
                               "    a.pct: 100%\n"
                               "    a.word: 威海\n"
                               "    a.mixed: 12.6万件\n"
                               "    a.hex: 0x10\n"
                               "    a.inf: .inf\n"
                               "    a.sq: '5'\n"
                               "    a.tagged: !!str 6\n"
                               "    a.full: {value: \"7\"}\n");
    struct {
        const char *key;
        bool number;
        double v;
        const char *text;
    } want[] = {
        {"a.int", true, 7, NULL},      {"a.neg", true, -3.25, NULL},
        {"a.exp", true, 150, NULL},    {"a.plus", true, 4, NULL},
        {"a.pct", true, 100, NULL},    {"a.word", false, 0, "威海"},
        {"a.mixed", false, 0, "12.6万件"}, {"a.hex", false, 0, "0x10"},
        {"a.inf", false, 0, ".inf"},   {"a.sq", false, 0, "5"},
        {"a.tagged", false, 0, "6"},   {"a.full", false, 0, "7"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const kh_fact *f = given(&ff, 0, want[i].key);
        if (want[i].number) {
            ck_assert_msg(f->type == KH_VALUE_NUMBER, "%s should be a number", want[i].key);
            ck_assert_double_eq_tol(f->number, want[i].v, 1e-12);
        } else {
            ck_assert_msg(f->type == KH_VALUE_TEXT, "%s should be text", want[i].key);
            ck_assert_str_eq(f->text, want[i].text);
        }
    }
    kh_factsfile_free(&ff);
}
END_TEST

/* Each malformed input: its line and a fragment of the message. */
static const struct bad_case {
    const char *text;
    int line;
    const char *fragment;
} BAD[] = {
    {"- unit: A\n  year: 2024\n  facts:\n    litigation.cases: [1, 2]\n", 4,
     "fact 'litigation.cases': bad value type: a list"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: {value: 1, qualifier: roughly}\n", 4,
     "unknown qualifier 'roughly'"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b:\n      value: 1\n      basis: guessed\n", 6,
     "unknown basis 'guessed'"},
    {"- unit: A\n  year: 2024\n  facts:\n    \"\": 5\n", 4, "empty fact key"},
    {"- unit: A\n  year: 2024\n  facts:\n    Litigation.Cases: 5\n", 4,
     "is not family.name"},
    {"- unit: A\n  year: 2024\n  facts:\n    litigation: 5\n", 4, "is not family.name"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: null\n", 4, "the value is null"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b:\n", 4, "the value is null"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: true\n", 4, "is a boolean"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: \"\"\n", 4, "the value is empty"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: 1e999\n", 4, "out of range"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: {qualifier: about}\n", 4,
     "has no 'value'"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: {value: 1, source: x}\n", 4,
     "unknown field 'source'"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: {value: [1]}\n", 4, "bad value type"},
    {"- unit: A\n  year: 2024\n  facts:\n    a.b: 1\n    a.c: 2\n    a.b: 3\n", 6,
     "key 'a.b' given twice (first on line 4)"},
    {"- year: 2024\n  facts: {}\n", 1, "missing 'unit'"},
    {"- unit: A\n  facts: {}\n", 1, "missing 'year'"},
    {"- unit: A\n  year: 2024\n", 1, "missing 'facts'"},
    {"- unit: A\n  year: 2024\n  facts: {}\n  district: B\n", 4, "unknown field 'district'"},
    {"- unit: A\n  year: twenty\n  facts: {}\n", 2, "year: must be a year"},
    {"- unit: A\n  year: 2024.5\n  facts: {}\n", 2, "year: must be a year"},
    {"- unit: A\n  year: 1066\n  facts: {}\n", 2, "year: must be a year"},
    {"- unit: \"\"\n  year: 2024\n  facts: {}\n", 1, "unit: must not be empty"},
    {"- unit: [A]\n  year: 2024\n  facts: {}\n", 1, "unit: must be text"},
    {"- unit: A\n  year: 2024\n  facts: [a.b]\n", 3, "facts: must be a mapping"},
    {"- just a string\n", 1, "a unit must be a mapping"},
    {"42\n", 1, "expected a list of units"},
    {"", 1, "the file is empty"},
    {"# only a comment\n", 1, "the file is empty"},
    {"[]\n", 1, "the list of units is empty"},
    {"units: []\nextra: 1\n", 2, "unknown top-level field 'extra'"},
    {"other: 1\n", 1, "unknown top-level field 'other'"},
    {"- unit: A\n  year: 2024\n  facts: {a.b: 1\n", 4, "syntax error"},
    {"[{\"unit\": \"A\", \"year\": 2024,\n \"facts\": {\"a.b\": 1}}}\n", 2, "syntax error"},
    {"- unit: &u A\n  year: 2024\n  facts: {}\n- unit: *u\n  year: 2024\n  facts: {}\n", 4,
     "aliases are not supported"},
    {"- unit: A\n  year: 2024\n  facts: {}\n---\n- unit: B\n", 4, "only one document"},
    {"- unit: A\n  year: 2024\n  facts:\n    ? [x]\n    : 1\n", 4,
     "a mapping key must be a plain string"},
    {"- unit: A\n  year: 2024\n  facts: {a.b: \"x\\0y\"}\n", 3, "NUL"},
    {"- unit: A\n  year: 2024\n  facts: {a.b: \xff}\n", 3, "not valid UTF-8"},
};

START_TEST(test_factsfile__errors_name_file_and_line)
{
    const struct bad_case *c = &BAD[_i];
    kh_factsfile ff;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_factsfile_parse(&ff, "bad.yaml", c->text, strlen(c->text), &err);
    ck_assert_msg(rc == KH_EINPUT, "case %d: rc %d (%s)", _i, rc, err.message);
    ck_assert_str_eq(err.file, "bad.yaml");
    ck_assert_msg(err.line == c->line, "case %d: line %d, want %d (%s)", _i, err.line, c->line,
                  err.message);
    ck_assert_msg(strstr(err.message, c->fragment) != NULL, "case %d: '%s' lacks '%s'", _i,
                  err.message, c->fragment);
    ck_assert_uint_eq(ff.count, 0);
    ck_assert_ptr_null(ff.units);
    kh_factsfile_free(&ff);
}
END_TEST

START_TEST(test_factsfile__limits)
{
    /* nesting deeper than the tree allows */
    char deep[512];
    size_t n = 0;
    n += (size_t)snprintf(deep + n, sizeof deep - n, "- unit: A\n  year: 2024\n  facts: {a.b: ");
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    for (int i = 0; i < 40; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof deep - n, "}\n");
    kh_factsfile ff;
    kh_error err;
    ck_assert_int_eq(kh_factsfile_parse(&ff, "deep.yaml", deep, n, &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "nesting is deeper"));
    ck_assert_int_eq(err.line, 3);

    /* a text value over the limit */
    size_t big = 5000;
    char *text = malloc(big + 64);
    ck_assert_ptr_nonnull(text);
    n = (size_t)sprintf(text, "- unit: A\n  year: 2024\n  facts: {a.b: ");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)sprintf(text + n, "}\n");
    ck_assert_int_eq(kh_factsfile_parse(&ff, "big.yaml", text, n, &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "longer than"));
    free(text);

    /* the tree's own node limit, directly */
    kh_ytree *t = NULL;
    kh_ytree_limits lim = KH_YTREE_LIMITS_INIT;
    lim.nodes_max = 5;
    const char *six = "[1, 2, 3, 4, 5]";
    ck_assert_int_eq(kh_ytree_parse(&t, "n.yaml", six, strlen(six), &lim, &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "more than 5 nodes"));
    ck_assert_ptr_null(t);
    lim.nodes_max = 6;
    ck_assert_int_eq(kh_ytree_parse(&t, "n.yaml", six, strlen(six), &lim, &err), KH_OK);
    ck_assert_uint_eq(kh_ytree_root(t)->count, 5);
    kh_ytree_free(t);
}
END_TEST

START_TEST(test_factsfile__files)
{
    kh_factsfile ff;
    kh_error err;
    ck_assert_int_eq(kh_factsfile_load(&ff, "/nonexistent/facts.yaml", &err), KH_ENOTFOUND);
    ck_assert_str_eq(err.file, "/nonexistent/facts.yaml");
    ck_assert_int_eq(kh_factsfile_load(&ff, "/tmp", &err), KH_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "directory"));

    char path[64];
    kh_test_write_tmp(path, sizeof path, "kh_facts", YAML_TEXT, strlen(YAML_TEXT));
    ck_assert_int_eq(kh_factsfile_load(&ff, path, &err), KH_OK);
    check_two_units(&ff);
    ck_assert_str_eq(ff.path, path);
    /* take moves ownership once */
    kh_factset *set = kh_factsfile_take(&ff, 0);
    ck_assert_ptr_nonnull(set);
    ck_assert_ptr_null(ff.units[0].facts);
    ck_assert_ptr_null(kh_factsfile_take(&ff, 0));
    ck_assert_ptr_null(kh_factsfile_take(&ff, 7));
    kh_factsfile_free(&ff);
    ck_assert_ptr_nonnull(kh_factset_get(set, "litigation.cases"));
    kh_factset_free(set);

    /* an error in a file names the file */
    FILE *f = fopen(path, "w");
    fputs("- unit: A\n  year: 2024\n  facts:\n    a.b: {value: 1, qualifier: nah}\n", f);
    fclose(f);
    ck_assert_int_eq(kh_factsfile_load(&ff, path, &err), KH_EINPUT);
    ck_assert_str_eq(err.file, path);
    ck_assert_int_eq(err.line, 4);
    char buf[KH_ERROR_FILE_MAX + KH_ERROR_MSG_MAX + 32];
    kh_error_format(&err, buf, sizeof buf);
    char want[256];
    snprintf(want, sizeof want, "%s:4", path);
    ck_assert_msg(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
    unlink(path);
}
END_TEST

START_TEST(test_factsfile__given_facts_score)
{
    kh_factsfile ff = parse_ok("units:\n"
                               "  - unit: 某区\n"
                               "    year: 2024\n"
                               "    facts:\n"
                               "      proposals.reply_rate: 98.5\n"
                               "      litigation.cases: 0\n"
                               "      report.sections: 4\n"
                               "      report.published_date: 2025-01-08\n");
    kh_scheme *scheme = NULL;
    kh_error err;
    ck_assert_int_eq(kh_scheme_load(&scheme, KH_RULES_DIR, NULL, &err), KH_OK);
    kh_rules *rules = NULL;
    ck_assert_int_eq(kh_rules_new(&rules, scheme, NULL, &err), KH_OK);
    kh_report_score *s = NULL;
    const kh_given_unit *u = &ff.units[0];
    ck_assert_int_eq(kh_rules_score(rules, u->facts, u->label, u->unit, u->year, &s, &err),
                     KH_OK);
    double want[] = {14, 8, -1, 8.5, -1, -1, -1, -1, -1, -1, 8};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const kh_indicator_result *r = &s->indicators[i];
        if (want[i] < 0) {
            ck_assert_msg(r->status == KH_STATUS_MISSING, "%s should be missing",
                          r->indicator->id);
            continue;
        }
        ck_assert_msg(r->status == KH_STATUS_SCORED, "%s: %s", r->indicator->id,
                      r->error ? r->error : "not scored");
        ck_assert_msg(fabs(r->points - want[i]) < 1e-9, "%s: %g, want %g", r->indicator->id,
                      r->points, want[i]);
    }
    /* the facts the rule read keep origin given */
    const kh_indicator_result *fz04 = &s->indicators[3];
    ck_assert_uint_eq(fz04->facts_count, 1);
    ck_assert_int_eq(fz04->facts[0].origin, KH_ORIGIN_GIVEN);
    ck_assert_ptr_null(fz04->facts[0].evidence.text);
    ck_assert_double_eq_tol(s->total, 14 + 8 + 8.5 + 8, 1e-9);
    kh_report_score_free(s);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    kh_factsfile_free(&ff);
}
END_TEST

static Suite *kh_factsfile_suite(void)
{
    Suite *s = suite_create("factsfile");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_factsfile__yaml_list);
    tcase_add_test(tc, test_factsfile__json_reads_like_yaml);
    tcase_add_test(tc, test_factsfile__numbers_and_text);
    tcase_add_loop_test(tc, test_factsfile__errors_name_file_and_line, 0,
                        (int)(sizeof BAD / sizeof *BAD));
    tcase_add_test(tc, test_factsfile__limits);
    tcase_add_test(tc, test_factsfile__files);
    tcase_add_test(tc, test_factsfile__given_facts_score);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_factsfile_suite)

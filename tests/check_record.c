/* check_record.c — a report's record (facts, score, unit) written as JSON
 * and read back: the seed reports round-trip to the same text, numbers
 * bit-exactly, failed records too, and a record is refused by a scheme of
 * another shape or from another record version. */
#include "kh_test_util.h"

#include "record.h"

static const char *const seeds[] = {"chengyang-2024", "rongcheng-2022", "weihai-gaoqu-2017",
                                    "wendeng-2024", "yicheng-2021"};

static kh_scheme *load_scheme(const char *dir)
{
    kh_scheme *scheme = NULL;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_msg(kh_scheme_load(&scheme, dir, NULL, &err) == KH_OK, "%s", err.message);
    return scheme;
}

/* The engine with the bundled plugins, the default scheme and its compiled
 * rules: made before each test that extracts, freed after it (a checked
 * fixture). Owned here. */
static kh_engine *engine;
static kh_scheme *scheme;
static kh_rules *rules;

static void world_setup(void)
{
    ck_assert_int_eq(kh_engine_new(&engine, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin_dir(engine, KH_PLUGIN_DIR, NULL), KH_OK);
    scheme = load_scheme(KH_RULES_DIR);
    kh_error err;
    kh_error_clear(&err);
    ck_assert_msg(kh_rules_new(&rules, scheme, NULL, &err) == KH_OK, "%s", err.message);
}

static void world_teardown(void)
{
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    kh_engine_free(engine);
    rules = NULL;
    scheme = NULL;
    engine = NULL;
}

/* The record of a seed report as a batch worker makes it. */
static void seed_record(const char *seed, kh_record *r)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, seed);
    memset(r, 0, sizeof *r);
    r->path = strdup(path);
    r->sha256 = strdup("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_document_load_file(&doc, path, NULL, &err), KH_OK);
    r->encoding = strdup(kh_encoding_name(kh_document_encoding(doc)));
    ck_assert_int_eq(kh_engine_extract(engine, doc, &r->facts), KH_OK);
    kh_document_free(doc);
    const kh_fact *u = kh_factset_get(r->facts, "report.unit");
    r->unit_reported = u ? strdup(u->text) : NULL;
    r->unit = u ? strdup(u->text) : NULL;
    r->unit_status = KH_UNIT_DOUBTFUL;
    r->unit_note = strdup("doubtful: a note with \"quotes\" and 中文");
    r->year = 2024;
    kh_record_add_warning(r, "published 2025-02-01, after the deadline 2025-01-31");
    ck_assert_int_eq(kh_rules_score(rules, r->facts, r->path, r->unit, r->year, &r->score, &err),
                     KH_OK);
}

static char *text_of(const kh_record *r)
{
    char *text = NULL;
    size_t len = 0;
    ck_assert_int_eq(kh_record_to_text(r, &text, &len), KH_OK);
    ck_assert_uint_eq(strlen(text), len);
    return text;
}

START_TEST(test_record__seed_round_trips)
{
    kh_error err;
    kh_record r;
    seed_record(seeds[_i], &r);
    char *text = text_of(&r);

    kh_record back;
    kh_error_clear(&err);
    ck_assert_msg(kh_record_parse(&back, text, strlen(text), scheme, &err) == KH_OK, "%s",
                  err.message);
    /* written again, the same text: nothing lost or changed */
    char *again = text_of(&back);
    ck_assert_str_eq(again, text);
    /* and the structures agree */
    ck_assert_str_eq(back.path, r.path);
    ck_assert_int_eq(back.unit_status, KH_UNIT_DOUBTFUL);
    ck_assert_str_eq(back.unit_note, r.unit_note);
    ck_assert_uint_eq(back.warnings_count, 1);
    ck_assert_uint_eq(kh_factset_count(back.facts), kh_factset_count(r.facts));
    for (size_t i = 0; i < kh_factset_count(r.facts); i++) {
        const kh_fact_entry *a = kh_factset_at(r.facts, i), *b = kh_factset_at(back.facts, i);
        ck_assert_str_eq(a->key, b->key);
        ck_assert_uint_eq(a->count, b->count);
        for (size_t k = 0; k < a->count; k++) {
            ck_assert(a->facts[k].number == b->facts[k].number);
            ck_assert_int_eq(a->facts[k].evidence.line, b->facts[k].evidence.line);
            ck_assert_int_eq(a->facts[k].evidence.column, b->facts[k].evidence.column);
            ck_assert_uint_eq(a->facts[k].evidence.norm_start, b->facts[k].evidence.norm_start);
        }
    }
    ck_assert_uint_eq(kh_factset_error_count(back.facts), kh_factset_error_count(r.facts));
    ck_assert(back.score->total == r.score->total);
    ck_assert_str_eq(back.score->grade, r.score->grade);
    ck_assert_uint_eq(back.score->indicators_count, scheme->indicators_count);
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        const kh_indicator_result *a = &r.score->indicators[i], *b = &back.score->indicators[i];
        ck_assert_ptr_eq(b->indicator, &scheme->indicators[i]);
        ck_assert_int_eq(a->status, b->status);
        ck_assert(a->points == b->points);
        ck_assert_uint_eq(a->facts_count, b->facts_count);
        ck_assert_uint_eq(a->missing_count, b->missing_count);
        if (a->explanation)
            ck_assert_str_eq(a->explanation, b->explanation);
    }
    free(again);
    free(text);
    kh_record_clear(&back);
    kh_record_clear(&r);
}
END_TEST

/* The light read a batch parent summarises from: everything but the facts,
 * and the facts still checked to be JSON. */
START_TEST(test_record__light_parse)
{
    kh_error err;
    kh_record r;
    seed_record(seeds[_i], &r);
    ck_assert_int_eq(kh_factset_add_error(r.facts, "plugin x: a warning"), KH_OK);
    char *text = text_of(&r);
    kh_record full, light;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_record_parse(&full, text, strlen(text), scheme, &err), KH_OK);
    ck_assert_msg(kh_record_parse_light(&light, text, strlen(text), scheme, &err) == KH_OK, "%s",
                  err.message);
    ck_assert_str_eq(light.path, full.path);
    ck_assert_str_eq(light.unit_note, full.unit_note);
    ck_assert_int_eq(light.unit_status, full.unit_status);
    ck_assert_uint_eq(light.warnings_count, full.warnings_count);
    ck_assert_uint_gt(kh_factset_count(full.facts), 0);
    ck_assert_uint_eq(kh_factset_count(light.facts), 0);
    ck_assert_uint_eq(kh_factset_error_count(light.facts), kh_factset_error_count(full.facts));
    ck_assert_str_eq(kh_factset_error_at(light.facts, 0), "plugin x: a warning");
    ck_assert(light.score->total == full.score->total);
    ck_assert_str_eq(light.score->grade, full.score->grade);
    size_t with_facts = 0;
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        const kh_indicator_result *a = &full.score->indicators[i], *b = &light.score->indicators[i];
        ck_assert_ptr_eq(b->indicator, a->indicator);
        ck_assert_int_eq(b->status, a->status);
        ck_assert(memcmp(&a->points, &b->points, sizeof a->points) == 0);
        ck_assert_int_eq(b->excluded, a->excluded);
        ck_assert_uint_eq(b->missing_count, a->missing_count);
        for (size_t m = 0; m < a->missing_count; m++)
            ck_assert_str_eq(b->missing[m], a->missing[m]);
        if (a->explanation)
            ck_assert_str_eq(b->explanation, a->explanation);
        ck_assert_uint_eq(b->facts_count, 0);
        with_facts += a->facts_count > 0;
    }
    ck_assert_uint_gt(with_facts, 0);
    kh_record_clear(&light);
    /* a fact that is not JSON fails the light read too */
    char *at = strstr(text, "\"entries\":[");
    ck_assert_ptr_nonnull(at);
    char *colon = strchr(at + 12, ':');
    ck_assert_ptr_nonnull(colon);
    *colon = ';';
    ck_assert_int_eq(kh_record_parse_light(&light, text, strlen(text), scheme, &err), KH_EINPUT);
    kh_record_clear(&full);
    free(text);
    kh_record_clear(&r);
}
END_TEST

START_TEST(test_record__numbers_are_exact)
{
    static const double values[] = {0.1 + 0.2, 1e-7, 98.5, 12774, 1.0 / 3, 123456789.123456789,
                                    -0.0, 5e-324, 1.7976931348623157e308};
    kh_record r;
    memset(&r, 0, sizeof r);
    r.path = strdup("numbers.txt");
    ck_assert_int_eq(kh_factset_new(&r.facts), KH_OK);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "test.n%zu", i);
        kh_fact f;
        memset(&f, 0, sizeof f);
        f.key = key;
        f.type = KH_VALUE_NUMBER;
        f.number = values[i];
        f.origin = KH_ORIGIN_GIVEN;
        ck_assert_int_eq(kh_factset_add(r.facts, &f), KH_OK);
    }
    char *text = text_of(&r);
    kh_record back;
    kh_error err;
    ck_assert_int_eq(kh_record_parse(&back, text, strlen(text), NULL, &err), KH_OK);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "test.n%zu", i);
        const kh_fact *f = kh_factset_get(back.facts, key);
        ck_assert_ptr_nonnull(f);
        ck_assert_msg(memcmp(&f->number, &values[i], sizeof(double)) == 0, "%s: %.17g != %.17g",
                      key, f->number, values[i]);
    }
    free(text);
    kh_record_clear(&back);
    kh_record_clear(&r);
}
END_TEST

START_TEST(test_record__failed_input_round_trips)
{
    kh_record r;
    memset(&r, 0, sizeof r);
    r.path = strdup("gone.txt");
    r.error = strdup("gone.txt: worker killed by signal 11 (Segmentation fault) while running "
                     "plugin segv on gone.txt");
    r.unit_status = KH_UNIT_UNKNOWN;
    r.unit_note = strdup("unknown: the report names no unit");
    char *text = text_of(&r);
    kh_record back;
    kh_error err;
    ck_assert_int_eq(kh_record_parse(&back, text, strlen(text), NULL, &err), KH_OK);
    ck_assert_str_eq(back.error, r.error);
    ck_assert_ptr_null(back.facts);
    ck_assert_ptr_null(back.score);
    ck_assert_ptr_null(back.sha256);
    ck_assert_int_eq(back.unit_status, KH_UNIT_UNKNOWN);
    char *again = text_of(&back);
    ck_assert_str_eq(again, text);
    free(again);
    free(text);
    kh_record_clear(&back);
    kh_record_clear(&r);
}
END_TEST

START_TEST(test_record__refused_by_another_scheme_or_version)
{
    kh_scheme *other = load_scheme(KH_FIXTURES_DIR "/schemes/minimal");
    kh_error err;
    kh_record r;
    seed_record("wendeng-2024", &r);
    char *text = text_of(&r);
    kh_record back;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_record_parse(&back, text, strlen(text), other, &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "scheme"));
    ck_assert_ptr_null(back.path); /* left cleared */
    /* another record version */
    char *v = strstr(text, "\"v\":1");
    ck_assert_ptr_nonnull(v);
    v[4] = '9';
    ck_assert_int_eq(kh_record_parse(&back, text, strlen(text), scheme, &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "version"));
    /* not JSON at all */
    ck_assert_int_eq(kh_record_parse(&back, "{\"v\":1,", 7, scheme, &err), KH_EINPUT);
    free(text);
    kh_record_clear(&r);
    kh_scheme_free(other);
}
END_TEST

static Suite *kh_record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("seeds");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, world_setup, world_teardown);
    tcase_add_loop_test(tc, test_record__seed_round_trips, 0,
                        (int)(sizeof seeds / sizeof seeds[0]));
    tcase_add_loop_test(tc, test_record__light_parse, 0, sizeof seeds / sizeof seeds[0]);
    tcase_add_test(tc, test_record__refused_by_another_scheme_or_version);
    suite_add_tcase(s, tc);
    tc = tcase_create("records");
    tcase_add_test(tc, test_record__numbers_are_exact);
    tcase_add_test(tc, test_record__failed_input_round_trips);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_record_suite)

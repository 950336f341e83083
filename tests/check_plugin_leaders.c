/*
 * check_plugin_leaders.c — tests of the leaders extractor plugin (leaders.law_study_sessions):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */
#include <ctype.h>
#include <math.h>

#include "kh_test_util.h"

#define PLUGIN "leaders"

/* A sentence and the fact it must yield. `evidence`: a substring of the
 * chosen fact's evidence (whitespace ignored), or NULL. */
typedef struct pos_row {
    const char *text;
    const char *key;
    double value;
    kh_qualifier qualifier;
    kh_basis basis;
    const char *evidence;
} pos_row;

/* A sentence that must yield no fact for `key` (NULL: for any key of the
 * plugin). */
typedef struct neg_row {
    const char *text;
    const char *key;
} neg_row;

typedef enum seed_expect { SEED_FACT, SEED_ABSENT, SEED_ANY } seed_expect;

/* The gold of one seed report for one key: FACT (value, or `accept`),
 * ABSENT (neither in facts nor ambiguous), ANY (ambiguous). */
typedef struct seed_row {
    const char *seed;
    const char *key;
    seed_expect expect;
    double value;
    kh_qualifier qualifier;
    double accept; /* NAN: none */
    const char *evidence;
} seed_row;

static const char *const plugin_keys[] = { "leaders.law_study_sessions", NULL };

static const pos_row positive[] = {
    { "区政府常务会议会前学法12次。",
      "leaders.law_study_sessions", 12, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法12次" },
    { "全年组织区政府常务会议学法10次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "组织区政府常务会议学法10次" },
    { "坚持会前学法制度,全年共开展会前学法14次。",
      "leaders.law_study_sessions", 14, KH_QUAL_EXACT, KH_BASIS_STATED, "开展会前学法14次" },
    { "组织召开8次常务会议会前学法。",
      "leaders.law_study_sessions", 8, KH_QUAL_EXACT, KH_BASIS_STATED, "8次常务会议会前学法" },
    { "县政府常务会议开展会前学法十二次。",
      "leaders.law_study_sessions", 12, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法十二次" },
    { "已开展政府常务会议会前学法9期。",
      "leaders.law_study_sessions", 9, KH_QUAL_EXACT, KH_BASIS_STATED, "已开展政府常务会议会前学法9期" },
    { "市政府常务会议会前学法共计11次,学习法律法规23部。",
      "leaders.law_study_sessions", 11, KH_QUAL_EXACT, KH_BASIS_STATED, "市政府常务会议会前学法共计11次" },
    { "常务会议学法6次",
      "leaders.law_study_sessions", 6, KH_QUAL_EXACT, KH_BASIS_STATED, "常务会议学法6次" },
    { "坚持会前学法,今年以来共开展15次。",
      "leaders.law_study_sessions", 15, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法,今年以来共开展15次" },
    { "全年开展会前学法活动８次",
      "leaders.law_study_sessions", 8, KH_QUAL_EXACT, KH_BASIS_STATED, "会前学法活动８次" },
    { "区政府常务会议会前学法18场",
      "leaders.law_study_sessions", 18, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法18场" },
    { "组织区政府常务会议集体学法7次",
      "leaders.law_study_sessions", 7, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议集体学法7次" },
    { "今年以来,区政府常务会议先后开展会前学法9次",
      "leaders.law_study_sessions", 9, KH_QUAL_EXACT, KH_BASIS_STATED, "开展会前学法9次" },
    { "区政府常务会议会前学法十次,邀请法律顾问授课3次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会议会前学法十次" },
    { "全年区政府常务会议会前学法约20次。",
      "leaders.law_study_sessions", 20, KH_QUAL_ABOUT, KH_BASIS_STATED, "区政府常务会议会前学法约20次" },
    { "区政府常务会\n会前学法 10 次。",
      "leaders.law_study_sessions", 10, KH_QUAL_EXACT, KH_BASIS_STATED, "区政府常务会会前学法10次" },
};

static const neg_row negative[] = {
    { "区委理论学习中心组集体学法6次。", NULL },
    { "每年安排区政府常务会议会前学法不少于4次。", NULL },
    { "先后8次利用区委常委会、政府常务会等形式专题学习习近平法治思想。", NULL },
    { "制定《区政府常务会议2024年学法计划》。", NULL },
    { "区政府党组会议会前学法5次。", NULL },
    { "在第12次常务会议上专题学法。", NULL },
    { "力争全年开展会前学法12次。", NULL },
    { "组织领导干部旁听庭审3次。", NULL },
    { "集体学法12次。", NULL },
    { "近三年来开展会前学法36次。", NULL },
    { "上半年开展会前学法4次。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年区政府常务会议会前学法10次。", NULL },
    { "区政府常务会议研究法治政府建设工作3次。", NULL },
    { "街道办事处会前学法8次。", NULL },
    { "每季度开展会前学法1次。", NULL },
    { "区政府第12次常务会议会前学法。", NULL },
};

static const seed_row seeds[] = {
    { "chengyang-2024", "leaders.law_study_sessions", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "leaders.law_study_sessions", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "leaders.law_study_sessions", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "leaders.law_study_sessions", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "yicheng-2021", "leaders.law_study_sessions", SEED_FACT, 6, KH_QUAL_EXACT, NAN, "已开展会前学法 6 期" },
};

/* Copy of s without ASCII whitespace (caller frees). */
static char *squeeze(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            out[j++] = s[i];
    out[j] = '\0';
    return out;
}

static void assert_evidence(const kh_fact *f, const char *want)
{
    ck_assert_ptr_nonnull(f->evidence.text);
    char *have = squeeze(f->evidence.text);
    char *need = squeeze(want);
    ck_assert_msg(strstr(have, need) != NULL, "%s: evidence \"%s\" lacks \"%s\"", f->key,
                  f->evidence.text, want);
    free(have);
    free(need);
}

START_TEST(test_plugin_leaders__positive_rows)
{
    const pos_row *r = &positive[_i];
    kh_factset *set = kh_test_extract(PLUGIN, r->text);
    const kh_fact *f = kh_factset_get(set, r->key);
    ck_assert_msg(f != NULL, "row %d: %s missing in \"%s\"", _i, r->key, r->text);
    ck_assert_msg(fabs(f->number - r->value) < 1e-9, "row %d: %s = %g, want %g (\"%s\")", _i,
                  r->key, f->number, r->value, r->text);
    ck_assert_msg(f->qualifier == r->qualifier, "row %d: %s qualifier %d, want %d", _i,
                  r->key, (int)f->qualifier, (int)r->qualifier);
    ck_assert_msg(f->basis == r->basis, "row %d: %s basis %d, want %d", _i, r->key,
                  (int)f->basis, (int)r->basis);
    if (r->evidence)
        assert_evidence(f, r->evidence);
    kh_factset_free(set);
}
END_TEST

START_TEST(test_plugin_leaders__negative_rows)
{
    const neg_row *r = &negative[_i];
    kh_factset *set = kh_test_extract(PLUGIN, r->text);
    for (const char *const *k = plugin_keys; *k; k++) {
        if (r->key && strcmp(r->key, *k) != 0)
            continue;
        const kh_fact *f = kh_factset_get(set, *k);
        ck_assert_msg(f == NULL, "row %d: %s = %g from \"%s\" (evidence \"%s\")", _i, *k,
                      f ? f->number : 0.0, r->text,
                      f && f->evidence.text ? f->evidence.text : "");
    }
    kh_factset_free(set);
}
END_TEST

START_TEST(test_plugin_leaders__seed_reports)
{
    const seed_row *r = &seeds[_i];
    char path[1024];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, r->seed);
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_msg(kh_document_load_file(&doc, path, NULL, &err) == KH_OK, "%s: %s", path,
                  err.message);
    kh_engine *e = kh_test_engine_with(PLUGIN);
    kh_factset *set = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &set), KH_OK);
    const kh_fact *f = kh_factset_get(set, r->key);
    switch (r->expect) {
    case SEED_ABSENT:
        ck_assert_msg(f == NULL, "%s: %s = %g should be absent (evidence \"%s\")", r->seed,
                      r->key, f ? f->number : 0.0, f && f->evidence.text ? f->evidence.text : "");
        break;
    case SEED_FACT:
        ck_assert_msg(f != NULL, "%s: %s missing", r->seed, r->key);
        if (fabs(f->number - r->value) < 1e-9) {
            ck_assert_msg(f->qualifier == r->qualifier, "%s: %s qualifier %d, want %d", r->seed,
                          r->key, (int)f->qualifier, (int)r->qualifier);
            assert_evidence(f, r->evidence);
        } else {
            ck_assert_msg(!isnan(r->accept) && fabs(f->number - r->accept) < 1e-9,
                          "%s: %s = %g, want %g", r->seed, r->key, f->number, r->value);
        }
        break;
    case SEED_ANY:
        break;
    }
    kh_factset_free(set);
    kh_engine_free(e);
    kh_document_free(doc);
}
END_TEST

#define N_ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *kh_plugin_leaders_suite(void)
{
    Suite *s = suite_create("plugin_leaders");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_plugin_leaders__positive_rows, 0, N_ROWS(positive));
    tcase_add_loop_test(tc, test_plugin_leaders__negative_rows, 0, N_ROWS(negative));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_set_timeout(seed, 60);
    tcase_add_loop_test(seed, test_plugin_leaders__seed_reports, 0, N_ROWS(seeds));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_leaders_suite)

/*
 * check_plugin_enforcement.c — tests of the enforcement extractor plugin (enforcement.officers):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */
#include <ctype.h>
#include <math.h>

#include "kh_test_util.h"

#define PLUGIN "enforcement"

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

static const char *const plugin_keys[] = { "enforcement.officers", NULL };

static const pos_row positive[] = {
    { "全区共有持证行政执法人员1256名。",
      "enforcement.officers", 1256, KH_QUAL_EXACT, KH_BASIS_STATED, "全区共有持证行政执法人员1256名" },
    { "目前,全市行政执法人员总数为3,420人。",
      "enforcement.officers", 3420, KH_QUAL_EXACT, KH_BASIS_STATED, "全市行政执法人员总数为3,420人" },
    { "全县现有在岗执法人员约860名。",
      "enforcement.officers", 860, KH_QUAL_ABOUT, KH_BASIS_STATED, "全县现有在岗执法人员约860名" },
    { "我区1500余名持证执法人员全部纳入平台管理。",
      "enforcement.officers", 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "我区1500余名持证执法人员" },
    { "对全市２８００余名行政执法人员的信息进行公示。",
      "enforcement.officers", 2800, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全市２８００余名行政执法人员" },
    { "全区各行政执法部门共有执法人员612人。",
      "enforcement.officers", 612, KH_QUAL_EXACT, KH_BASIS_STATED, "共有执法人员612人" },
    { "全旗持有行政执法证件的人员共计745人。",
      "enforcement.officers", 745, KH_QUAL_EXACT, KH_BASIS_STATED, "全旗持有行政执法证件的人员共计745人" },
    { "全区行政执法人员共1,086人,均已取得执法证件。",
      "enforcement.officers", 1086, KH_QUAL_EXACT, KH_BASIS_STATED, "全区行政执法人员共1,086人" },
    { "全县执法人员数量达到九百二十名。",
      "enforcement.officers", 920, KH_QUAL_EXACT, KH_BASIS_STATED, "执法人员数量达到九百二十名" },
    { "全区在编在岗行政\n执法人员 1300 余人。",
      "enforcement.officers", 1300, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全区在编在岗行政执法人员1300余人" },
    { "我市现有持证执法人员4200余名,辅助人员1800名。",
      "enforcement.officers", 4200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "我市现有持证执法人员4200余名" },
    { "截至12月底,全区持证执法人员达1180名。",
      "enforcement.officers", 1180, KH_QUAL_EXACT, KH_BASIS_STATED, "全区持证执法人员达1180名" },
    { "全市有效持证的执法人员2100名。",
      "enforcement.officers", 2100, KH_QUAL_EXACT, KH_BASIS_STATED, "全市有效持证的执法人员2100名" },
    { "全区现有执法队员316名。",
      "enforcement.officers", 316, KH_QUAL_EXACT, KH_BASIS_STATED, "全区现有执法队员316名" },
    { "现有持证行政执法人员856名。",
      "enforcement.officers", 856, KH_QUAL_EXACT, KH_BASIS_STATED, "持证行政执法人员856名" },
    { "从全县900余名持证执法人员中随机抽取10%参加测试。",
      "enforcement.officers", 900, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "全县900余名持证执法人员" },
};

static const neg_row negative[] = {
    { "镇街共配备综合执法人员126名。", NULL },
    /* a district's report quoting the city above it */
    { "某市某区人民政府2023年法治政府建设情况报告\n全市共有行政执法人员1.2万名。", NULL },
    { "全年新增持证执法人员85名。", NULL },
    { "为218名执法人员办理执法证件年审。", NULL },
    { "出动执法人员3200余人次。", NULL },
    { "区综合行政执法局现有执法人员150名。", NULL },
    { "招录执法辅助人员60名。", NULL },
    { "组织120名执法人员开展联合检查。", NULL },
    { "注销执法证件23个。", NULL },
    { "随机抽取150名执法人员参加考试。", NULL },
    { "其中,市场监管领域执法人员210名。", NULL },
    { "各镇街执法人员平均不足10名。", NULL },
    { "新申领执法证的286名人员参加了培训考试。", NULL },
    { "协管员、执法辅助人员共420名。", NULL },
    { "下沉到镇街的执法人员共计350名。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年全区持证执法人员1100名。", NULL },
    { "截至6月底,全区持证执法人员1050名。", NULL },
    { "对380名执法人员进行法律知识培训。", NULL },
};

static const seed_row seeds[] = {
    { "chengyang-2024", "enforcement.officers", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "enforcement.officers", SEED_ANY, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "enforcement.officers", SEED_FACT, 201, KH_QUAL_EXACT, NAN, "全区现行201名行政执法人员" },
    { "wendeng-2024", "enforcement.officers", SEED_FACT, 1000, KH_QUAL_MORE_THAN, NAN, "1000 余名持有" },
    { "yicheng-2021", "enforcement.officers", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
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

START_TEST(test_plugin_enforcement__positive_rows)
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

START_TEST(test_plugin_enforcement__negative_rows)
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

START_TEST(test_plugin_enforcement__seed_reports)
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

static Suite *kh_plugin_enforcement_suite(void)
{
    Suite *s = suite_create("plugin_enforcement");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_plugin_enforcement__positive_rows, 0, N_ROWS(positive));
    tcase_add_loop_test(tc, test_plugin_enforcement__negative_rows, 0, N_ROWS(negative));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_set_timeout(seed, 60);
    tcase_add_loop_test(seed, test_plugin_enforcement__seed_reports, 0, N_ROWS(seeds));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_enforcement_suite)

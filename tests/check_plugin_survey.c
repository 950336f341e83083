/*
 * check_plugin_survey.c — tests of the survey extractor plugin (survey.public_satisfaction):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */
#include <ctype.h>
#include <math.h>

#include "kh_test_util.h"

#define PLUGIN "survey"

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

static const char *const plugin_keys[] = { "survey.public_satisfaction", NULL };

static const pos_row positive[] = {
    { "群众对法治政府建设的满意度达96.5%。",
      "survey.public_satisfaction", 96.5, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设的满意度达96.5%" },
    { "在全市法治建设满意度调查中,我区群众满意度为95.8%,位列全市第二。",
      "survey.public_satisfaction", 95.8, KH_QUAL_EXACT, KH_BASIS_STATED, "满意度为95.8%" },
    { "法治建设群众满意度达到97.2%,较上年提高1.3个百分点。",
      "survey.public_satisfaction", 97.2, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度达到97.2%" },
    { "全区法治政府建设满意度测评结果为94.6%。",
      "survey.public_satisfaction", 94.6, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设满意度测评结果为94.6%" },
    { "法治建设满意度百分之九十五点二。",
      "survey.public_satisfaction", 95.2, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设满意度百分之九十五点二" },
    { "群众安全感和法治建设满意度均为98%以上。",
      "survey.public_satisfaction", 98, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "法治建设满意度均为98%以上" },
    { "法治建设群众满意度调查得分96.5%。",
      "survey.public_satisfaction", 96.5, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度调查得分96.5%" },
    { "法治县建设群众满意度达９５．３％。",
      "survey.public_satisfaction", 95.3, KH_QUAL_EXACT, KH_BASIS_STATED, "法治县建设群众满意度达９５．３％" },
    { "法治政府建设公众满意率达到93%。",
      "survey.public_satisfaction", 93, KH_QUAL_EXACT, KH_BASIS_STATED, "法治政府建设公众满意率达到93%" },
    { "群众对法治建设工作满意度提升至96.1%。",
      "survey.public_satisfaction", 96.1, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设工作满意度提升至96.1%" },
    { "法治建设满意度、知晓率分别为95.1%、88.7%。",
      "survey.public_satisfaction", 95.1, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设满意度、知晓率分别为95.1%" },
    { "据第三方测评,全区法治\n建设群众满意度 97.6%。",
      "survey.public_satisfaction", 97.6, KH_QUAL_EXACT, KH_BASIS_STATED, "法治建设群众满意度97.6%" },
    { "我市法治政府建设满意度调查结果显示,群众满意率为94.2%。",
      "survey.public_satisfaction", 94.2, KH_QUAL_EXACT, KH_BASIS_STATED, "满意率为94.2%" },
    { "法治广东建设群众满意度约95%。",
      "survey.public_satisfaction", 95, KH_QUAL_ABOUT, KH_BASIS_STATED, "满意度约95%" },
    { "群众对全县法治环境的满意度达93.8%。",
      "survey.public_satisfaction", 93.8, KH_QUAL_EXACT, KH_BASIS_STATED, "满意度达93.8%" },
};

static const neg_row negative[] = {
    { "政务服务满意度99.9%。", NULL },
    { "某县人民政府2023年法治政府建设工作报告\n全省法治建设群众满意度为95.1%。", NULL },
    { "12345热线满意率98.6%。", NULL },
    { "成功调解矛盾纠纷3200件,满意率达到96.7%。", NULL },
    { "法治建设群众满意度调查得分96.5分。", NULL },
    { "全省法治建设满意度为92.3%。", NULL },
    { "法治建设群众满意度位居全省第3位。", NULL },
    { "力争法治建设群众满意度达到95%以上。", NULL },
    { "法治建设满意度同比提升2.1%。", NULL },
    { "代表委员对法治政府建设意见建议办理满意率100%。", NULL },
    { "公共法律服务满意度98%,法治宣传覆盖面不断扩大。", NULL },
    { "群众安全感满意度98.2%。", NULL },
    { "行政执法满意度测评中,群众满意度达97%。", NULL },
    { "法治政府建设扎实推进,政务服务好差评满意率100%。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年法治建设满意度为94%。", NULL },
    { "近三年法治建设满意度平均95%。", NULL },
    { "上半年法治建设群众满意度96%。", NULL },
    { "关于XX区2024年法治政府建设情况的报告\n\n全市法治建设群众满意度为95.5%。", NULL },
};

static const seed_row seeds[] = {
    { "chengyang-2024", "survey.public_satisfaction", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "survey.public_satisfaction", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "survey.public_satisfaction", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "survey.public_satisfaction", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "yicheng-2021", "survey.public_satisfaction", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
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

START_TEST(test_plugin_survey__positive_rows)
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

START_TEST(test_plugin_survey__negative_rows)
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

START_TEST(test_plugin_survey__seed_reports)
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

static Suite *kh_plugin_survey_suite(void)
{
    Suite *s = suite_create("plugin_survey");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_plugin_survey__positive_rows, 0, N_ROWS(positive));
    tcase_add_loop_test(tc, test_plugin_survey__negative_rows, 0, N_ROWS(negative));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_set_timeout(seed, 60);
    tcase_add_loop_test(seed, test_plugin_survey__seed_reports, 0, N_ROWS(seeds));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_survey_suite)

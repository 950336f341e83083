/*
 * check_plugin_proposals.c — tests of the proposals extractor plugin (proposals.reply_rate, proposals.handled, proposals.satisfaction_rate):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */
#include <ctype.h>
#include <math.h>

#include "kh_test_util.h"

#define PLUGIN "proposals"

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

static const char *const plugin_keys[] = { "proposals.reply_rate", "proposals.handled", "proposals.satisfaction_rate", NULL };

static const pos_row positive[] = {
    { "全年共承办人大代表建议86件、政协委员提案105件,按期办复率100%。",
      "proposals.handled", 191, KH_QUAL_EXACT, KH_BASIS_DERIVED, "承办人大代表建议86件、政协委员提案105件" },
    { "全年共承办人大代表建议86件、政协委员提案105件,按期办复率100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按期办复率100%" },
    { "办理省市区人大代表建议和政协提案共计213件,办复率、满意率均为100%。",
      "proposals.handled", 213, KH_QUAL_EXACT, KH_BASIS_STATED, "办理省市区人大代表建议和政协提案共计213件" },
    { "办理省市区人大代表建议和政协提案共计213件,办复率、满意率均为100%。",
      "proposals.satisfaction_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "满意率均为100%" },
    { "区政府共承办人大代表建议和政协委员提案一百二十件,答复率达到百分之百。",
      "proposals.handled", 120, KH_QUAL_EXACT, KH_BASIS_STATED, "承办人大代表建议和政协委员提案一百二十件" },
    { "区政府共承办人大代表建议和政协委员提案一百二十件,答复率达到百分之百。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "答复率达到百分之百" },
    { "建议提案全部在规定时限内办结答复。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "建议提案全部在规定时限内办结答复" },
    { "办理人大代表建议45件、议案2件、政协提案60件,共107件,代表委员满意率98.5%。",
      "proposals.handled", 107, KH_QUAL_EXACT, KH_BASIS_STATED, "共107件" },
    { "办理人大代表建议45件、议案2件、政协提案60件,共107件,代表委员满意率98.5%。",
      "proposals.satisfaction_rate", 98.5, KH_QUAL_EXACT, KH_BASIS_STATED, "代表委员满意率98.5%" },
    { "今年以来,承办人大建议和政协提案156件,按时办结率100%,代表委员对办理结果满意率达99.2%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按时办结率100%" },
    { "今年以来,承办人大建议和政协提案156件,按时办结率100%,代表委员对办理结果满意率达99.2%。",
      "proposals.satisfaction_rate", 99.2, KH_QUAL_EXACT, KH_BASIS_STATED, "代表委员对办理结果满意率达99.2%" },
    { "全年办理人大代表建议52件,已全部按期办复。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "全部按期办复" },
    { "全年办理人大代表建议52件,已全部按期办复。",
      "proposals.handled", 52, KH_QUAL_EXACT, KH_BASIS_STATED, "办理人大代表建议52件" },
    { "全年共办理人大代表建议和政协提案98件。办复率、满意率均达100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率、满意率均达100%" },
    { "办理人大代表建议和政协提案１２２件，办复率１００％。",
      "proposals.handled", 122, KH_QUAL_EXACT, KH_BASIS_STATED, "政协提案１２２件" },
    { "办理人大代表建议和政协提案１２２件，办复率１００％。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率１００％" },
    { "办理人大代表建议\n和政协提案 76 件,办复率\n100%。",
      "proposals.handled", 76, KH_QUAL_EXACT, KH_BASIS_STATED, "办理人大代表建议和政协提案76件" },
    { "办理人大代表建议\n和政协提案 76 件,办复率\n100%。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "办复率100%" },
    { "办理各级人大代表建议、政协委员提案200余件,办复率100%",
      "proposals.handled", 200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "政协委员提案200余件" },
    { "人大代表建议和政协提案按期答复率100%",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按期答复率100%" },
    { "承办人大代表建议38件、政协提案41件,满意和基本满意率100%。",
      "proposals.satisfaction_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "满意和基本满意率100%" },
    { "建议、提案按时办结率达100%",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_STATED, "按时办结率达100%" },
    { "全区共承办人大代表议案3件、建议66件,均按期办结。",
      "proposals.handled", 69, KH_QUAL_EXACT, KH_BASIS_DERIVED, "议案3件、建议66件" },
    { "全区共承办人大代表议案3件、建议66件,均按期办结。",
      "proposals.reply_rate", 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED, "均按期办结" },
    { "全年办理人大代表建议58件。\n\n全年办理政协委员提案73件。",
      "proposals.handled", 131, KH_QUAL_EXACT, KH_BASIS_DERIVED, "办理人大代表建议58件" },
};

static const neg_row negative[] = {
    { "收集各类意见建议140余条,办结率100%。", NULL },
    { "办理检察建议12件,回复率100%。", NULL },
    { "2024年人大代表建议和政协提案交办会上,共交办建议提案136件。", NULL },
    { "12345热线受理群众诉求8.6万件,按时办结率99.8%,满意率98%。", NULL },
    { "力争人大代表建议和政协提案办复率达到100%。", NULL },
    { "今年共交办人大代表建议124件、政协提案156件,将于6月底前全部办结。", "proposals.reply_rate" },
    { "建立政府内部监督机制,各类意见建议办复率、满意率达到100%。", NULL },
    { "收到司法建议3件,均已按期回复。", NULL },
    { "其中重点提案12件,均由区长领衔督办。", NULL },
    { "近三年来共办理人大代表建议和政协提案468件。", NULL },
    { "信访事项按期办结率100%,群众满意率95%。", NULL },
    { "审计发现问题整改建议26条,已全部办结。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2023年办理人大代表建议和政协提案115件。", "proposals.handled" },
    { "政务服务好差评满意率100%,人大代表建议办理有序推进。", NULL },
    { "办理人大代表建议和政协提案,满意率同比提高5%。", NULL },
    { "上半年承办人大代表建议和政协提案60件,办复率100%。", NULL },
    { "确保人大代表建议和政协提案全部按期办结。", NULL },
    { "办理人大代表建议和政协提案,化解信访积案共32件。", "proposals.handled" },
    { "全年办理人大代表建议31件、人大代表建议12件。", "proposals.handled" },
    { "区司法局承办人大代表建议5件、政协提案7件,均按期办结,办复率100%。", NULL },
};

static const seed_row seeds[] = {
    { "chengyang-2024", "proposals.reply_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "chengyang-2024", "proposals.handled", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "chengyang-2024", "proposals.satisfaction_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "proposals.reply_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "proposals.handled", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "proposals.satisfaction_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "proposals.reply_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "proposals.handled", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "proposals.satisfaction_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "proposals.reply_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "proposals.handled", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "proposals.satisfaction_rate", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "yicheng-2021", "proposals.reply_rate", SEED_FACT, 100, KH_QUAL_EXACT, NAN, "办复率均为 100%" },
    { "yicheng-2021", "proposals.handled", SEED_FACT, 122, KH_QUAL_EXACT, NAN, "办理回复市区人大政协议案 122 件" },
    { "yicheng-2021", "proposals.satisfaction_rate", SEED_ANY, 0, KH_QUAL_EXACT, NAN, NULL },
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

START_TEST(test_plugin_proposals__positive_rows)
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

START_TEST(test_plugin_proposals__negative_rows)
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

START_TEST(test_plugin_proposals__seed_reports)
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

static Suite *kh_plugin_proposals_suite(void)
{
    Suite *s = suite_create("plugin_proposals");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_plugin_proposals__positive_rows, 0, N_ROWS(positive));
    tcase_add_loop_test(tc, test_plugin_proposals__negative_rows, 0, N_ROWS(negative));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_set_timeout(seed, 60);
    tcase_add_loop_test(seed, test_plugin_proposals__seed_reports, 0, N_ROWS(seeds));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_proposals_suite)

/*
 * check_plugin_review.c — the review (行政复议) plugin: table-driven rows of
 * report language that must (or must not) yield each review.* fact, and the
 * five seed reports against their gold expectations.
 */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kh_test_util.h"

#define RECEIVED "review.received"
#define ACCEPTED "review.accepted"
#define CLOSED "review.closed"
#define CORRECTED "review.corrected"
#define CRATE "review.correction_rate"

typedef struct pos_row {
    const char *text;
    const char *key;
    double value;
    kh_qualifier qual;
    kh_basis basis;
} pos_row;

/* Sentences in the language of such reports (not the seeds' wording). */
static const pos_row positive[] = {
    {"全年共收到行政复议申请86件，受理72件，审结65件。", RECEIVED, 86, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年共收到行政复议申请86件，受理72件，审结65件。", ACCEPTED, 72, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年共收到行政复议申请86件，受理72件，审结65件。", CLOSED, 65, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新收行政复议案件312件，依法受理298件。", RECEIVED, 312, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"新收行政复议案件312件，依法受理298件。", ACCEPTED, 298, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府依法受理行政复议案件一百零五件。", ACCEPTED, 105, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CLOSED, 58, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CORRECTED, 9, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年办结行政复议案件58宗，直接纠错9宗，综合纠错率15.5%。", CRATE, 15.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议工作中，通过撤销、变更、确认违法等方式纠错12件。", CORRECTED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议决定撤销、变更、确认违法共计23件。", CORRECTED, 23, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议案件收案数量为140余件。", RECEIVED, 140, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"受理行政复议申请\n１２０件，当场受理率显著提高。", ACCEPTED, 120, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议纠错率为8.3%。", CRATE, 8.3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"共收到行政復議申請45件。", RECEIVED, 45, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"審結行政復議案件約200件。", CLOSED, 200, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"行政复议案件审结率98%，结案76件。", CLOSED, 76, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府受理行政复议案件 1,024 件，同比增长 18%。", ACCEPTED, 1024, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"截至11月底，共收到行政复议申请412件，受理368件。", ACCEPTED, 368, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政复议案件审结115件，其中维持82件，撤销、确认违法等纠错18件。", CORRECTED, 18, KH_QUAL_EXACT, KH_BASIS_STATED},
};

typedef struct neg_row {
    const char *text;
    const char *key; /* must be absent */
} neg_row;

/* A district's report title, so that 全市 names the level above. */
#define DISTRICT_TITLE "某市某某区人民政府关于2023年法治政府建设情况的报告\n\n"

static const neg_row negative[] = {
    {"上半年，共收到行政复议申请39件。", RECEIVED},
    {"不予受理行政复议申请5件。", ACCEPTED},
    {"区政府作出的行政行为在行政复议中被纠错3件。", CORRECTED},
    {"受理行政复议案件27件。承办行政诉讼案件24件，已审结8件。", CLOSED},
    {"收到行政复议申请30件，行政诉讼案件18件，审结15件。", CLOSED},
    {"近三年共受理行政复议案件300件。", ACCEPTED},
    {DISTRICT_TITLE "全市共受理行政复议案件1200件。", ACCEPTED},
    {"以区政府为被申请人的行政复议案件15件，已审结12件。", CLOSED},
    {"行政复议案件中以调解方式结案15件。", CLOSED},
    {"受理行政复议案件同比增加25件。", ACCEPTED},
    {"行政复议纠错率同比下降3%。", CRATE},
    {"市中级人民法院审结涉行政复议案件40件。", CLOSED},
    {"全省行政复议案件纠错率为12%。", CRATE},
    {"行政复议工作中加强监督，行政执法案卷评查纠错率为5%。", CRATE},
    {"接受行政复议咨询300人次。", RECEIVED},
    {"2019年以来，共受理行政复议案件820件。", ACCEPTED},
    {"去年受理行政复议案件50件。", ACCEPTED},
    {"行政复议撤销3件、变更2件。", CORRECTED},
    {"力争行政复议纠错率达到15%。", CRATE},
    {"整合行政复议、公证、法律援助等职能，受理各类案件560件。", ACCEPTED},
    {DISTRICT_TITLE "市行政复议局受理我区行政复议案件38件。", ACCEPTED},
    {"行政复议被纠错率为3%。", CRATE},
    {"行政复议服务窗口接待群众来访120人次。", RECEIVED},
};

static void check_evidence_nonempty(const kh_factset *set, const char *key)
{
    const kh_fact *f = kh_factset_get(set, key);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(f->evidence.text);
    ck_assert_msg(f->evidence.norm_end > f->evidence.norm_start, "empty evidence for %s", key);
}

START_TEST(test_plugin_review__positive_rows)
{
    const pos_row *row = &positive[_i];
    kh_factset *set = kh_test_extract("review", row->text);
    const kh_fact *f = kh_factset_get(set, row->key);
    ck_assert_msg(f != NULL, "row %d (%s): %s missing", _i, row->text, row->key);
    ck_assert_msg(fabs(f->number - row->value) < 1e-9, "row %d (%s): %s = %g, want %g", _i,
                  row->text, row->key, f->number, row->value);
    ck_assert_msg(f->qualifier == row->qual, "row %d: qualifier %d, want %d", _i,
                  (int)f->qualifier, (int)row->qual);
    ck_assert_msg(f->basis == row->basis, "row %d: basis %d, want %d", _i, (int)f->basis,
                  (int)row->basis);
    check_evidence_nonempty(set, row->key);
    kh_factset_free(set);
}
END_TEST

START_TEST(test_plugin_review__negative_rows)
{
    const neg_row *row = &negative[_i];
    kh_factset *set = kh_test_extract("review", row->text);
    const kh_fact *f = kh_factset_get(set, row->key);
    ck_assert_msg(f == NULL, "row %d (%s): %s should be missing, got %g from \"%s\"", _i,
                  row->text, row->key, f ? f->number : 0.0,
                  f && f->evidence.text ? f->evidence.text : "");
    kh_factset_free(set);
}
END_TEST

/* ---- seeds --------------------------------------------------------------- */

/* Expectations for this plugin's keys, read by eye from fixtures/gold/. A key
 * with evidence NULL must be absent. */
typedef struct seed_row {
    const char *seed;
    const char *key;
    double value;
    kh_qualifier qual;
    kh_basis basis;
    const char *evidence; /* gold evidence; NULL = key must be absent */
} seed_row;

static const seed_row seeds[] = {
    {"chengyang-2024", RECEIVED, 0, 0, 0, NULL},
    {"chengyang-2024", ACCEPTED, 666, KH_QUAL_EXACT, KH_BASIS_STATED, "受理行政复议案件666件"},
    {"chengyang-2024", CLOSED, 594, KH_QUAL_EXACT, KH_BASIS_STATED, "结案594件"},
    {"chengyang-2024", CORRECTED, 0, 0, 0, NULL},
    {"chengyang-2024", CRATE, 0, 0, 0, NULL},
    {"rongcheng-2022", RECEIVED, 0, 0, 0, NULL},
    {"rongcheng-2022", ACCEPTED, 0, 0, 0, NULL},
    {"rongcheng-2022", CLOSED, 0, 0, 0, NULL},
    {"rongcheng-2022", CORRECTED, 0, 0, 0, NULL},
    {"rongcheng-2022", CRATE, 0, 0, 0, NULL},
    {"weihai-gaoqu-2017", RECEIVED, 0, 0, 0, NULL},
    {"weihai-gaoqu-2017", ACCEPTED, 0, 0, 0, NULL},
    {"weihai-gaoqu-2017", CLOSED, 0, 0, 0, NULL},
    {"weihai-gaoqu-2017", CORRECTED, 0, 0, 0, NULL},
    {"weihai-gaoqu-2017", CRATE, 0, 0, 0, NULL},
    {"wendeng-2024", RECEIVED, 0, 0, 0, NULL},
    {"wendeng-2024", ACCEPTED, 150, KH_QUAL_EXACT, KH_BASIS_STATED, "行政复议申请 150 件"},
    {"wendeng-2024", CLOSED, 115, KH_QUAL_EXACT, KH_BASIS_STATED, "已结案 115 件"},
    {"wendeng-2024", CORRECTED, 40, KH_QUAL_EXACT, KH_BASIS_STATED, "纠错 40 件"},
    {"wendeng-2024", CRATE, 0, 0, 0, NULL},
    {"yicheng-2021", RECEIVED, 39, KH_QUAL_EXACT, KH_BASIS_STATED, "共收到行政复议申请 39 件"},
    {"yicheng-2021", ACCEPTED, 27, KH_QUAL_EXACT, KH_BASIS_STATED, "受理行政复议案件 27 件"},
    {"yicheng-2021", CLOSED, 25, KH_QUAL_EXACT, KH_BASIS_STATED, "已审结 25 件"},
    {"yicheng-2021", CORRECTED, 0, 0, 0, NULL},
    {"yicheng-2021", CRATE, 0, 0, 0, NULL},
};

/* s without ASCII whitespace and U+3000; caller frees. */
static char *squeeze(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) continue;
        if (i + 3 <= n && memcmp(s + i, "\xe3\x80\x80", 3) == 0) {
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

START_TEST(test_plugin_review__seed_reports)
{
    const seed_row *row = &seeds[_i];
    char path[1024];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, row->seed);
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_msg(kh_document_load_file(&doc, path, NULL, &err) == KH_OK, "%s: %s", path,
                  err.message);
    kh_engine *e = kh_test_engine_with("review");
    kh_factset *set = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &set), KH_OK);
    const kh_fact *f = kh_factset_get(set, row->key);
    if (!row->evidence) {
        ck_assert_msg(f == NULL, "%s: %s should be missing, got %g from \"%s\"", row->seed,
                      row->key, f ? f->number : 0.0,
                      f && f->evidence.text ? f->evidence.text : "");
    } else {
        ck_assert_msg(f != NULL, "%s: %s missing", row->seed, row->key);
        ck_assert_msg(fabs(f->number - row->value) < 1e-9, "%s: %s = %g, want %g", row->seed,
                      row->key, f->number, row->value);
        ck_assert_int_eq(f->qualifier, row->qual);
        ck_assert_int_eq(f->basis, row->basis);
        ck_assert_ptr_nonnull(f->evidence.text);
        char *have = squeeze(f->evidence.text), *want = squeeze(row->evidence);
        ck_assert_msg(strstr(have, want) != NULL, "%s: %s evidence \"%s\" lacks \"%s\"",
                      row->seed, row->key, f->evidence.text, row->evidence);
        free(have);
        free(want);
    }
    kh_factset_free(set);
    kh_engine_free(e);
    kh_document_free(doc);
}
END_TEST

static Suite *kh_plugin_review_suite(void)
{
    Suite *s = suite_create("plugin_review");
    TCase *tc = tcase_create("rows");
    tcase_add_loop_test(tc, test_plugin_review__positive_rows, 0,
                        (int)(sizeof positive / sizeof positive[0]));
    tcase_add_loop_test(tc, test_plugin_review__negative_rows, 0,
                        (int)(sizeof negative / sizeof negative[0]));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_add_loop_test(seed, test_plugin_review__seed_reports, 0,
                        (int)(sizeof seeds / sizeof seeds[0]));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_review_suite)

/*
 * check_plugin_training.c — tests of the training extractor plugin (training.hours_per_person, training.hours_total, training.participants):
 * table-driven positive and negative sentences in the language of such
 * reports, and the five seed reports against fixtures/gold (expectations
 * read from the gold files by eye).
 */
#include <ctype.h>
#include <math.h>

#include "kh_test_util.h"

#define PLUGIN "training"

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

static const char *const plugin_keys[] = { "training.hours_per_person", "training.hours_total", "training.participants", NULL };

static const pos_row positive[] = {
    { "全区行政执法人员人均完成网络学法42学时。",
      "training.hours_per_person", 42, KH_QUAL_EXACT, KH_BASIS_STATED, "人均完成网络学法42学时" },
    { "组织全区2600余名国家工作人员参加网上学法,人均学习时长达到52学时。",
      "training.hours_per_person", 52, KH_QUAL_EXACT, KH_BASIS_STATED, "人均学习时长达到52学时" },
    { "举办领导干部法治专题培训班3期,培训领导干部280余人次。",
      "training.participants", 280, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "培训领导干部280余人次" },
    { "依托网络学法平台,组织执法人员开展公共法律知识培训,培训总时长达8600学时。",
      "training.hours_total", 8600, KH_QUAL_EXACT, KH_BASIS_STATED, "培训总时长达8600学时" },
    { "全年共对1,250名行政执法人员进行法律知识轮训。",
      "training.participants", 1250, KH_QUAL_EXACT, KH_BASIS_STATED, "1,250名行政执法人员进行法律知识轮训" },
    { "对全县行政执法人员开展为期3天的集中培训,参训人员共计460人。",
      "training.participants", 460, KH_QUAL_EXACT, KH_BASIS_STATED, "参训人员共计460人" },
    { "全市国家工作人员累计完成学法培训共36000学时。",
      "training.hours_total", 36000, KH_QUAL_EXACT, KH_BASIS_STATED, "36000学时" },
    { "依托学法平台,执法人员人均学法时长达到48.5小时。",
      "training.hours_per_person", 48.5, KH_QUAL_EXACT, KH_BASIS_STATED, "人均学法时长达到48.5小时" },
    { "完成全区８６０名执法人员的年度法律知识培训。",
      "training.participants", 860, KH_QUAL_EXACT, KH_BASIS_STATED, "８６０名执法人员的年度法律知识培训" },
    { "1200余名执法人员参加了全员\n法治轮训,每人完成40学时。",
      "training.hours_per_person", 40, KH_QUAL_EXACT, KH_BASIS_STATED, "每人完成40学时" },
    { "1200余名执法人员参加了全员\n法治轮训,每人完成40学时。",
      "training.participants", 1200, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "1200余名执法人员参加了全员法治轮训" },
    { "组织开展依法行政专题培训4期,培训国家工作人员约900人次。",
      "training.participants", 900, KH_QUAL_ABOUT, KH_BASIS_STATED, "培训国家工作人员约900人次" },
    { "为政府部门工作人员举办民法典专题培训,共培训1500余人次。",
      "training.participants", 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED, "培训1500余人次" },
    { "区政府各部门共计320名领导干部参加宪法专题轮训。",
      "training.participants", 320, KH_QUAL_EXACT, KH_BASIS_STATED, "320名领导干部参加宪法专题轮训" },
    { "新任职领导干部85人全部参加任前法律知识培训。",
      "training.participants", 85, KH_QUAL_EXACT, KH_BASIS_STATED, "85人全部参加任前法律知识培训" },
    { "执法人员培训总学时累计达12,600学时。",
      "training.hours_total", 12600, KH_QUAL_EXACT, KH_BASIS_STATED, "培训总学时累计达12,600学时" },
    { "一千二百名执法人员完成了二十学时的法律知识培训。",
      "training.hours_per_person", 20, KH_QUAL_EXACT, KH_BASIS_STATED, "完成了二十学时的法律知识培训" },
    { "一千二百名执法人员完成了二十学时的法律知识培训。",
      "training.participants", 1200, KH_QUAL_EXACT, KH_BASIS_STATED, "一千二百名执法人员" },
    { "区司法局牵头,全区共培训行政执法人员1460人次。",
      "training.participants", 1460, KH_QUAL_EXACT, KH_BASIS_STATED, "培训行政执法人员1460人次" },
};

static const neg_row negative[] = {
    { "按照要求,执法人员每人每年参加法律知识培训不少于60学时。", NULL },
    { "培训法律明白人1200名,实现村居全覆盖。", NULL },
    { "组织人民调解员业务培训3期,培训调解员460人次。", NULL },
    { "2950余名国家工作人员参加年度普法考试,参考率100%。", NULL },
    { "组织执法人员旁听庭审12次,旁听人数320人。", NULL },
    { "开展网格员法治培训,参训网格员800余人。", NULL },
    { "对企业从业人员开展安全生产培训,参训6000余人次。", NULL },
    { "力争全区执法人员年度培训率达到100%,人均学时达到50学时。", NULL },
    { "全区群众参加普法讲座12000余人次。", NULL },
    { "开展普法志愿者培训,培训志愿者320名。", NULL },
    { "邀请律师为村(社区)干部开展法律培训,参训600余人次。", NULL },
    { "举办法治培训班5期。", NULL },
    { "近三年来累计培训执法人员3600余人次。", NULL },
    { "上半年组织执法人员法律培训420人次。", NULL },
    { "培训考试通过率98%。", NULL },
    { "关于2024年法治政府建设情况的报告\n\n2019年全市培训执法人员1500名。", NULL },
    { "计划培训执法人员800人次。", NULL },
    { "全区共计1300余人次参加法治培训,完成网上学法考试。", "training.hours_total" },
    { "区市场监管局举办食品安全法律知识培训,培训执法人员120人次。", NULL },
};

static const seed_row seeds[] = {
    { "chengyang-2024", "training.hours_per_person", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "chengyang-2024", "training.hours_total", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "chengyang-2024", "training.participants", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "training.hours_per_person", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "rongcheng-2022", "training.hours_total", SEED_FACT, 12774, KH_QUAL_EXACT, NAN, "培训总时长12774学时" },
    { "rongcheng-2022", "training.participants", SEED_FACT, 563, KH_QUAL_EXACT, 1300, "563名人员进行线上公共法律知识培训考试" },
    { "weihai-gaoqu-2017", "training.hours_per_person", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "training.hours_total", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "weihai-gaoqu-2017", "training.participants", SEED_FACT, 201, KH_QUAL_EXACT, NAN, "201名执法人员均接受过法治教育培训" },
    { "wendeng-2024", "training.hours_per_person", SEED_FACT, 30, KH_QUAL_EXACT, NAN, "完成30学时的公共法律知识培训" },
    { "wendeng-2024", "training.hours_total", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "wendeng-2024", "training.participants", SEED_FACT, 1110, KH_QUAL_MORE_THAN, NAN, "1110 余人次完成30学时" },
    { "yicheng-2021", "training.hours_per_person", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "yicheng-2021", "training.hours_total", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
    { "yicheng-2021", "training.participants", SEED_ABSENT, 0, KH_QUAL_EXACT, NAN, NULL },
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

START_TEST(test_plugin_training__positive_rows)
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

START_TEST(test_plugin_training__negative_rows)
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

START_TEST(test_plugin_training__seed_reports)
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

static Suite *kh_plugin_training_suite(void)
{
    Suite *s = suite_create("plugin_training");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_plugin_training__positive_rows, 0, N_ROWS(positive));
    tcase_add_loop_test(tc, test_plugin_training__negative_rows, 0, N_ROWS(negative));
    suite_add_tcase(s, tc);
    TCase *seed = tcase_create("seeds");
    tcase_set_timeout(seed, 60);
    tcase_add_loop_test(seed, test_plugin_training__seed_reports, 0, N_ROWS(seeds));
    suite_add_tcase(s, seed);
    return s;
}

KH_TEST_MAIN(kh_plugin_training_suite)

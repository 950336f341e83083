/*
 * check_plugin_legality.c — the legality plugin (legality_review.count,
 * legality_review.rate): table-driven sentences that must give a fact, and
 * sentences that must give none, then the five seed reports against the
 * expectations read from fixtures/gold/<seed>.yaml.
 */
#include <ctype.h>

#include "kh_test_util.h"

#define PLUGIN "legality"
#define COUNT "legality_review.count"
#define RATE "legality_review.rate"

typedef struct pos_row {
    const char *text;
    const char *key;
    double value;
    kh_qualifier qual;
    kh_basis basis;
} pos_row;

typedef struct neg_row {
    const char *text;
    const char *key;
} neg_row;

static const pos_row pos_rows[] = {
    {"全年共对区政府常务会议议题、行政规范性文件等开展合法性审查,审查各类文件326件。", COUNT,
     326, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"今年以来,合法性审查各类文件合同218件,提出审查意见400余条。", COUNT, 218, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"共对152件行政规范性文件和重大行政决策进行合法性审查。", COUNT, 152, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"合法性审核区政府及部门文件1,205件,提出修改意见300余条。", COUNT, 1205, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年完成合法性审查80余件。", COUNT, 80, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"出具合法性审查意见书四十五份。", COUNT, 45, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年合法性审查各类\n文件 1500 余件。", COUNT, 1500, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"合法性审核规范性文件３２件。", COUNT, 32, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"对区政府出台的政策措施共计96件进行了合法性审查。", COUNT, 96, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"合法性审查各类文件约300件。", COUNT, 300, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"区政府重大行政决策合法性审查率达到100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件合法性审核率、备案率均为100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"重大行政决策事项100%经过合法性审查。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政执法决定法制审核与合法性审查覆盖率达98.5%。", RATE, 98.5, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年出台的行政规范性文件均经过合法性审查。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"提交区政府常务会议研究的议题全部按程序进行了合法性审核。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_IMPLIED},
    {"区政府签订的各类合同一律经合法性审查后签订。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"县政府重大行政决策合法性审查率\n为 100 %。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters (read as simplified by the normaliser, which needs
     * at least three traditional-only characters to call a text traditional) */
    {"區政府全年合法性審查各類文件120件。", COUNT, 120, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"區政府規範性文件均經過合法性審核。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"对15个重大行政决策事项进行了合法性审查。", COUNT, 15, KH_QUAL_EXACT, KH_BASIS_STATED},
};

static const neg_row neg_rows[] = {
    {"审查政府合同45件,出具法律意见书20份。", COUNT},
    {"对3个重大行政决策、12个规范性文件进行合法性审查。", COUNT},
    {"力争重大行政决策合法性审查率达到100%。", RATE},
    {"近三年来累计合法性审查各类文件1200件。", COUNT},
    {"上半年合法性审查文件60件。", COUNT},
    {"6个合法性审查典型案例入选全市案例汇编。", COUNT},
    {"开展合法性审查业务培训3次,培训人员120人。", COUNT},
    {"《城区道路改造方案》《老旧小区改造实施方案》等重大事项都经过了合法性审查。", RATE},
    {"部分单位规范性文件未全部进行合法性审查。", RATE},
    {"合法性审查工作有待进一步加强。", RATE},
    {"要求重大行政决策必须经过合法性审查。", RATE},
    {"城南街道合法性审查文件35件。", COUNT},
    {"合法性审查意见采纳率95%。", RATE},
    {"确保规范性文件全部经过合法性审查。", RATE},
    {"审查规范性文件12件、合同45件,合法性审查工作规范有序。", COUNT},
    {"审查合同协议82件,合法性审查机制进一步完善。", COUNT},
    {"合法性审查率较上年提高5个百分点。", RATE},
    {"近三年來累計合法性審查各類文件1200件。", COUNT},
    {"区司法局对12个部门报送的合同进行合法性审查。", COUNT},
};

START_TEST(test_plugin_legality__positive)
{
    const pos_row *r = &pos_rows[_i];
    kh_factset *fs = kh_test_extract(PLUGIN, r->text);
    kh_assert_fact(fs, r->key, r->value, r->qual);
    const kh_fact *f = kh_factset_get(fs, r->key);
    ck_assert_msg(f->basis == r->basis, "%s: basis %d, want %d", r->text, (int)f->basis,
                  (int)r->basis);
    ck_assert_msg(f->evidence.text && *f->evidence.text, "%s: no evidence", r->text);
    kh_factset_free(fs);
}
END_TEST

START_TEST(test_plugin_legality__negative)
{
    const neg_row *r = &neg_rows[_i];
    kh_factset *fs = kh_test_extract(PLUGIN, r->text);
    kh_assert_no_fact(fs, r->key);
    kh_factset_free(fs);
}
END_TEST

/* ---- seeds -------------------------------------------------------------- */

typedef enum seed_kind {
    SEED_VALUE,  /* the gold value (or `accept`) */
    SEED_ABSENT, /* neither in facts nor in ambiguous */
    SEED_ANY     /* ambiguous */
} seed_kind;

typedef struct seed_row {
    const char *seed;
    const char *key;
    seed_kind kind;
    double value;
    kh_qualifier qual;
    const char *evidence; /* gold evidence, or NULL */
} seed_row;

static const seed_row seed_rows[] = {
    {"chengyang-2024", COUNT, SEED_VALUE, 600, KH_QUAL_MORE_THAN, "政府协议等600余件"},
    {"chengyang-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"rongcheng-2022", COUNT, SEED_ANY, 0, 0, NULL},
    {"rongcheng-2022", RATE, SEED_VALUE, 100, KH_QUAL_EXACT, "全部按规定进行了合法性审核并备案"},
    {"weihai-gaoqu-2017", COUNT, SEED_ANY, 0, 0, NULL},
    {"weihai-gaoqu-2017", RATE, SEED_ABSENT, 0, 0, NULL},
    {"wendeng-2024", COUNT, SEED_ANY, 0, 0, NULL},
    {"wendeng-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"yicheng-2021", COUNT, SEED_ANY, 0, 0, NULL},
    {"yicheng-2021", RATE, SEED_ABSENT, 0, 0, NULL},
};

/* Copy s without whitespace (ASCII and U+3000) into out. */
static void squeeze(const char *s, char *out, size_t size)
{
    size_t n = 0;
    while (*s && n + 1 < size) {
        if (isspace((unsigned char)*s)) {
            s++;
            continue;
        }
        if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
            (unsigned char)s[2] == 0x80) {
            s += 3;
            continue;
        }
        out[n++] = *s++;
    }
    out[n] = '\0';
}

static kh_factset *extract_seed(const char *seed)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reports/%s.txt", KH_FIXTURES_DIR, seed);
    kh_engine *e = kh_test_engine_with(PLUGIN);
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_msg(kh_document_load_file(&doc, path, NULL, &err) == KH_OK, "%s: %s", path,
                  err.message);
    kh_factset *fs = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &fs), KH_OK);
    kh_document_free(doc);
    kh_engine_free(e);
    return fs;
}

START_TEST(test_plugin_legality__seeds)
{
    const seed_row *r = &seed_rows[_i];
    kh_factset *fs = extract_seed(r->seed);
    const kh_fact *f = kh_factset_get(fs, r->key);
    switch (r->kind) {
    case SEED_ABSENT:
        ck_assert_msg(f == NULL, "%s %s: should be missing, got %g (%s)", r->seed, r->key,
                      f ? f->number : 0.0, f && f->evidence.text ? f->evidence.text : "");
        break;
    case SEED_ANY:
        break;
    case SEED_VALUE: {
        ck_assert_msg(f != NULL, "%s %s: missing", r->seed, r->key);
        ck_assert_msg(fabs(f->number - r->value) < 1e-9, "%s %s = %g, want %g", r->seed,
                      r->key, f->number, r->value);
        ck_assert_msg(f->qualifier == r->qual, "%s %s: qualifier %d, want %d", r->seed,
                      r->key, (int)f->qualifier, (int)r->qual);
        if (r->evidence) {
            char have[2048], want[512];
            squeeze(f->evidence.text ? f->evidence.text : "", have, sizeof have);
            squeeze(r->evidence, want, sizeof want);
            ck_assert_msg(strstr(have, want) != NULL, "%s %s: evidence \"%s\" lacks \"%s\"",
                          r->seed, r->key, have, want);
        }
        break;
    }
    }
    kh_factset_free(fs);
}
END_TEST

static Suite *kh_plugin_legality_suite(void)
{
    Suite *s = suite_create("plugin_legality");
    TCase *tc = tcase_create("sentences");
    tcase_add_loop_test(tc, test_plugin_legality__positive, 0,
                        (int)(sizeof pos_rows / sizeof pos_rows[0]));
    tcase_add_loop_test(tc, test_plugin_legality__negative, 0,
                        (int)(sizeof neg_rows / sizeof neg_rows[0]));
    suite_add_tcase(s, tc);
    TCase *seeds = tcase_create("seeds");
    tcase_set_timeout(seeds, 60);
    tcase_add_loop_test(seeds, test_plugin_legality__seeds, 0,
                        (int)(sizeof seed_rows / sizeof seed_rows[0]));
    suite_add_tcase(s, seeds);
    return s;
}

KH_TEST_MAIN(kh_plugin_legality_suite)

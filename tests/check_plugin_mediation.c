/*
 * check_plugin_mediation.c — the mediation plugin (mediation.resolved,
 * mediation.success_rate): table-driven sentences that must give a fact, and
 * sentences that must give none (court-side, multi-year, one township or one
 * committee, screening counts …), then the five seed reports against the
 * expectations read from fixtures/gold/<seed>.yaml.
 */
#include <ctype.h>

#include "kh_test_util.h"

#define PLUGIN "mediation"
#define RESOLVED "mediation.resolved"
#define RATE "mediation.success_rate"

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
    {"全区各级人民调解组织共调解成功矛盾纠纷3,562件。", RESOLVED, 3562, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"成功调解各类矛盾纠纷2100余起,调解成功率98.6%。", RESOLVED, 2100, KH_QUAL_MORE_THAN,
     KH_BASIS_STATED},
    {"成功调解各类矛盾纠纷2100余起,调解成功率98.6%。", RATE, 98.6, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"全年化解矛盾纠纷1.2万件。", RESOLVED, 12000, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"调处成功各类纠纷850宗。", RESOLVED, 850, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全县共排查矛盾纠纷1500起,调解成功1460起,调解成功率97.3%。", RESOLVED, 1460,
     KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全县共排查矛盾纠纷1500起,调解成功1460起,调解成功率97.3%。", RATE, 97.3, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"人民调解成功率达到99%以上。", RATE, 99, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"受理纠纷800件,调解成功780件,成功率97.5%。", RATE, 97.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全市矛盾纠纷化解率达96%。", RATE, 96, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"调解成功纠纷１２００件。", RESOLVED, 1200, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"人民调解组织调解成功各类纠纷\n4500 余件。", RESOLVED, 4500, KH_QUAL_MORE_THAN,
     KH_BASIS_STATED},
    {"成功调解纠纷三百余件。", RESOLVED, 300, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"全市共调解成功各类民间纠纷约9000件。", RESOLVED, 9000, KH_QUAL_ABOUT, KH_BASIS_STATED},
    {"依托区矛盾纠纷调解中心,全区共调解成功纠纷1800件。", RESOLVED, 1800, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"今年以来,全区人民调解组织化解矛盾纠纷2300件,调解成功率99.2%。", RESOLVED, 2300,
     KH_QUAL_EXACT, KH_BASIS_STATED},
    {"各级调委会共调解成功纠纷600件。", RESOLVED, 600, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters */
    {"全區共調解成功各類糾紛2300餘件。", RESOLVED, 2300, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
};

static const neg_row neg_rows[] = {
    {"诉前委派调解案件236件,调解成功139件。", RESOLVED},
    {"去年以来,成功调解矛盾纠纷3276件。", RESOLVED},
    {"城关镇调委会调解成功纠纷120件。", RESOLVED},
    {"排查矛盾纠纷1200起。", RESOLVED},
    {"排查化解矛盾纠纷860件。", RESOLVED},
    {"律师事务所调处矛盾纠纷42起、成功化解纠纷30件。", RESOLVED},
    {"化解信访积案35件。", RESOLVED},
    {"信访案件化解率为100%。", RATE},
    {"全区共有人民调解员1200名。", RESOLVED},
    {"智慧调解平台录入调解案件1367件。", RESOLVED},
    {"法院诉调对接中心调解成功纠纷500件。", RESOLVED},
    {"其中运用调解方式化解行政复议案件6件。", RESOLVED},
    {"力争调解成功率达到98%以上。", RATE},
    {"上半年调解成功纠纷800件。", RESOLVED},
    {"派出所调解成功治安纠纷300起。", RESOLVED},
    {"调解成功率同比提高2个百分点。", RATE},
    {"近三年累计调解成功纠纷1.5万件。", RESOLVED},
    {"参与人民调解、矛盾纠纷化解2500件次。", RESOLVED},
    {"医患纠纷人民调解委员会调解成功医疗纠纷95件,调解成功率100%。", RATE},
    {"訴前委派調解案件200件,調解成功150件。", RESOLVED},
};

START_TEST(test_plugin_mediation__positive)
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

START_TEST(test_plugin_mediation__negative)
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
    {"chengyang-2024", RESOLVED, SEED_ABSENT, 0, 0, NULL},
    {"chengyang-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"rongcheng-2022", RESOLVED, SEED_ANY, 0, 0, NULL},
    {"rongcheng-2022", RATE, SEED_ABSENT, 0, 0, NULL},
    {"weihai-gaoqu-2017", RESOLVED, SEED_ANY, 0, 0, NULL},
    {"weihai-gaoqu-2017", RATE, SEED_ABSENT, 0, 0, NULL},
    {"wendeng-2024", RESOLVED, SEED_VALUE, 6700, KH_QUAL_MORE_THAN, "调解成功各类纠纷案件6700余起"},
    {"wendeng-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"yicheng-2021", RESOLVED, SEED_ANY, 0, 0, NULL},
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

START_TEST(test_plugin_mediation__seeds)
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

static Suite *kh_plugin_mediation_suite(void)
{
    Suite *s = suite_create("plugin_mediation");
    TCase *tc = tcase_create("sentences");
    tcase_add_loop_test(tc, test_plugin_mediation__positive, 0,
                        (int)(sizeof pos_rows / sizeof pos_rows[0]));
    tcase_add_loop_test(tc, test_plugin_mediation__negative, 0,
                        (int)(sizeof neg_rows / sizeof neg_rows[0]));
    suite_add_tcase(s, tc);
    TCase *seeds = tcase_create("seeds");
    tcase_set_timeout(seeds, 60);
    tcase_add_loop_test(seeds, test_plugin_mediation__seeds, 0,
                        (int)(sizeof seed_rows / sizeof seed_rows[0]));
    suite_add_tcase(s, seeds);
    return s;
}

KH_TEST_MAIN(kh_plugin_mediation_suite)

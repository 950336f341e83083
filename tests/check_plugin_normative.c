/*
 * check_plugin_normative.c — the normative plugin (normative_docs.filed,
 * normative_docs.filing_rate, normative_docs.unfiled): table-driven sentences
 * that must give a fact, and sentences that must give none, then the five
 * seed reports against the expectations read from fixtures/gold/<seed>.yaml.
 */
#include <ctype.h>

#include "kh_test_util.h"

#define PLUGIN "normative"
#define FILED "normative_docs.filed"
#define RATE "normative_docs.filing_rate"
#define UNFILED "normative_docs.unfiled"

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
    {"全年向市政府报备规范性文件12件。", FILED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"制定并报备县政府行政规范性文件5件,涉及农村宅基地管理。", FILED, 5, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"区政府规范性文件报备8件,报备率、报备及时率均达100%。", FILED, 8, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"区政府规范性文件报备8件,报备率、报备及时率均达100%。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_STATED},
    {"报送市政府备案规范性文件3件。", FILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"依法报备规范性文件十二件。", FILED, 12, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"报备规范性文件１５件,无逾期情况。", FILED, 15, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年报备规范性文件20余件。", FILED, 20, KH_QUAL_MORE_THAN, KH_BASIS_STATED},
    {"向市政府报备规范性\n文件 6 件。", FILED, 6, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件备案率100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"行政规范性文件报备及时率为99.5%。", RATE, 99.5, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件100%按时报备。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府制发的规范性文件均按规定报市政府备案。", RATE, 100, KH_QUAL_EXACT,
     KH_BASIS_IMPLIED},
    {"出台行政规范性文件9件,全部报送备案。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_IMPLIED},
    {"出台行政规范性文件9件,全部报送备案。", FILED, 9, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"全年制定政府规范性文件4件、部门规范性文件11件,均已按时备案。", FILED, 15, KH_QUAL_EXACT,
     KH_BASIS_DERIVED},
    {"未按规定报备规范性文件2件,已督促整改。", UNFILED, 2, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"部门规范性文件逾期报备3件。", UNFILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"规范性文件逾期报备0件。", UNFILED, 0, KH_QUAL_EXACT, KH_BASIS_STATED},
    /* traditional characters */
    {"向市政府報備規範性文件7件。", FILED, 7, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"規範性文件報備率100%。", RATE, 100, KH_QUAL_EXACT, KH_BASIS_STATED},
    {"区政府制发规范性文件3件,报市政府备案3件。", FILED, 3, KH_QUAL_EXACT, KH_BASIS_STATED},
};

static const neg_row neg_rows[] = {
    {"对镇街报送的规范性文件进行备案审查,纠正5件。", FILED},
    {"清理规范性文件45件,废止6件。", FILED},
    {"截至目前全区现行有效的政府规范性文件17件。", FILED},
    {"力争规范性文件报备率达到100%。", RATE},
    {"建立规范性文件备案审查制度。", RATE},
    {"涉企检查计划全部报备。", RATE},
    {"企业投资项目备案率100%。", RATE},
    {"规范性文件做到有件必备、有备必审、有错必纠。", RATE},
    {"规范性文件报备工作有待加强。", FILED},
    {"评估规范性文件6件,应评尽评率100%。", RATE},
    {"部分部门规范性文件未全部按时报备。", RATE},
    {"要求各部门制定的规范性文件均须报区政府备案。", RATE},
    {"报送备案的部门合同274件。", FILED},
    {"近三年累计报备规范性文件60件。", FILED},
    {"上半年报备规范性文件5件。", FILED},
    {"规范性文件备案审查率100%。", RATE},
    {"规范性文件无逾期报备情况。", UNFILED},
    {"逾期报备规范性文件2件。", FILED},
    {"規範性文件備案審查率100%。", RATE},
    {"规范性文件管理规范,报送备案的部门合同274件。", FILED},
};

START_TEST(test_plugin_normative__positive)
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

START_TEST(test_plugin_normative__negative)
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
    {"chengyang-2024", FILED, SEED_VALUE, 2, KH_QUAL_EXACT, "制定并报备区政府及部门行政规范性文件2件"},
    {"chengyang-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"chengyang-2024", UNFILED, SEED_ABSENT, 0, 0, NULL},
    {"rongcheng-2022", FILED, SEED_ANY, 0, 0, NULL},
    {"rongcheng-2022", RATE, SEED_VALUE, 100, KH_QUAL_EXACT, "全部按规定进行了合法性审核并备案"},
    {"rongcheng-2022", UNFILED, SEED_ABSENT, 0, 0, NULL},
    {"weihai-gaoqu-2017", FILED, SEED_ABSENT, 0, 0, NULL},
    {"weihai-gaoqu-2017", RATE, SEED_ABSENT, 0, 0, NULL},
    {"weihai-gaoqu-2017", UNFILED, SEED_ABSENT, 0, 0, NULL},
    {"wendeng-2024", FILED, SEED_ABSENT, 0, 0, NULL},
    {"wendeng-2024", RATE, SEED_ABSENT, 0, 0, NULL},
    {"wendeng-2024", UNFILED, SEED_ABSENT, 0, 0, NULL},
    {"yicheng-2021", FILED, SEED_ABSENT, 0, 0, NULL},
    {"yicheng-2021", RATE, SEED_ABSENT, 0, 0, NULL},
    {"yicheng-2021", UNFILED, SEED_ABSENT, 0, 0, NULL},
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

START_TEST(test_plugin_normative__seeds)
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

static Suite *kh_plugin_normative_suite(void)
{
    Suite *s = suite_create("plugin_normative");
    TCase *tc = tcase_create("sentences");
    tcase_add_loop_test(tc, test_plugin_normative__positive, 0,
                        (int)(sizeof pos_rows / sizeof pos_rows[0]));
    tcase_add_loop_test(tc, test_plugin_normative__negative, 0,
                        (int)(sizeof neg_rows / sizeof neg_rows[0]));
    suite_add_tcase(s, tc);
    TCase *seeds = tcase_create("seeds");
    tcase_set_timeout(seeds, 60);
    tcase_add_loop_test(seeds, test_plugin_normative__seeds, 0,
                        (int)(sizeof seed_rows / sizeof seed_rows[0]));
    suite_add_tcase(s, seeds);
    return s;
}

KH_TEST_MAIN(kh_plugin_normative_suite)

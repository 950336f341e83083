/* check_score.c — scoring with a scheme's Lua rules: every branch of every
 * default-scheme formula on hand-built facts, the missing policies, grades
 * and rounding at the boundaries, ranking ties, adjustments with caps, the
 * rule API (facts read, params, constants, results, misuse) and a failing
 * script that leaves the other indicators scored. */
#include "kh_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include "kaohe/score.h"

/* ---- helpers -------------------------------------------------------------- */

/* Factset from "key=value;key=value": a value that parses whole as a number
 * is a number, anything else text. Evidence is "<key> evidence". */
static kh_factset *facts_from(const char *spec)
{
    kh_factset *set = NULL;
    ck_assert_int_eq(kh_factset_new(&set), KH_OK);
    char *copy = strdup(spec ? spec : "");
    char *save = NULL;
    int pos = 1;
    for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        kh_fact f;
        memset(&f, 0, sizeof f);
        f.key = item;
        char *end = NULL;
        double v = strtod(eq + 1, &end);
        if (end && *end == '\0' && end != eq + 1) {
            f.type = KH_VALUE_NUMBER;
            f.number = v;
        } else {
            f.type = KH_VALUE_TEXT;
            f.text = eq + 1;
        }
        char ev[256];
        snprintf(ev, sizeof ev, "%s evidence", item);
        f.evidence.text = ev;
        f.evidence.line = pos;
        f.evidence.column = 3;
        f.evidence.norm_start = (size_t)pos * 10;
        f.evidence.norm_end = (size_t)pos * 10 + 5;
        f.unit = (char *)"unit";
        f.plugin = (char *)"testplugin";
        f.confidence = 90;
        f.qualifier = KH_QUAL_MORE_THAN;
        f.basis = KH_BASIS_STATED;
        ck_assert_int_eq(kh_factset_add(set, &f), KH_OK);
        pos++;
    }
    free(copy);
    return set;
}

static const kh_indicator_result *result_of(const kh_report_score *s, const char *id)
{
    for (size_t i = 0; i < s->indicators_count; i++)
        if (strcmp(s->indicators[i].indicator->id, id) == 0)
            return &s->indicators[i];
    ck_abort_msg("no result for %s", id);
    return NULL;
}

static kh_report_score *score_with(kh_rules *rules, const char *spec, int year)
{
    kh_factset *facts = facts_from(spec);
    kh_report_score *s = NULL;
    kh_error err;
    ck_assert_int_eq(kh_rules_score(rules, facts, "r.txt", "某区", year, &s, &err), KH_OK);
    kh_factset_free(facts);
    return s;
}

static void assert_missing(const kh_indicator_result *r, const char *expected)
{
    char got[1024] = "";
    for (size_t i = 0; i < r->missing_count; i++) {
        if (i)
            strcat(got, ",");
        strcat(got, r->missing[i]);
    }
    ck_assert_msg(strcmp(got, expected ? expected : "") == 0, "%s missing [%s], want [%s]",
                  r->indicator->id, got, expected ? expected : "");
}

#define assert_points(r, want)                                                   \
    ck_assert_msg(fabs((r)->points - (want)) < 1e-9, "%s: %.6f points, want %.6f (%s)", \
                  (r)->indicator->id, (r)->points, (double)(want),               \
                  (r)->error ? (r)->error : (r)->explanation ? (r)->explanation : "")

/* A scheme directory written from specs, loaded with kh_scheme_load. */
typedef struct mini_ind {
    const char *id;
    double max;
    bool monitor;
    const char *facts;  /* YAML flow list, e.g. "[litigation.cases]" */
    const char *script; /* Lua source; NULL = no file (missing script) */
} mini_ind;

static char mini_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && (size_t)n < sizeof path, "path too long: %s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static kh_scheme *mini_scheme(const mini_ind *inds, size_t n, const char *extra)
{
    snprintf(mini_dir, sizeof mini_dir, "/tmp/kh_score_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(mini_dir));
    char yaml[16384];
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += inds[i].monitor ? 0 : inds[i].max;
    int len = snprintf(yaml, sizeof yaml,
                       "id: mini\nname: mini\nversion: \"1\"\ntotal: %g\nmissing: zero\n"
                       "grades:\n  - {name: 优秀, min: 90}\n  - {name: 良好, min: 80}\n"
                       "  - {name: 合格, min: 60}\n  - {name: 不合格, min: 0}\n"
                       "params:\n  pts: 1\n  rate: 2.5\n  deadline: \"03-01\"\n%s"
                       "indicators:\n",
                       total, extra ? extra : "");
    for (size_t i = 0; i < n; i++) {
        char script[32];
        snprintf(script, sizeof script, "t%02zu.lua", i + 1);
        len += snprintf(yaml + len, sizeof yaml - (size_t)len,
                        "  - id: %s\n    name: 指标%zu\n    max: %g\n    monitor: %s\n"
                        "    facts: %s\n    script: %s\n",
                        inds[i].id, i + 1, inds[i].max, inds[i].monitor ? "true" : "false",
                        inds[i].facts, script);
        if (inds[i].script)
            write_file(mini_dir, script, inds[i].script);
    }
    write_file(mini_dir, "scheme.yaml", yaml);
    kh_scheme *scheme = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_scheme_load(&scheme, mini_dir, &diags, &err);
    ck_assert_msg(rc == KH_OK, "mini scheme: %s (line %d)", err.message, err.line);
    kh_diag_list_free(&diags);
    return scheme;
}

static void mini_cleanup(void)
{
    char cmd[128];
    if (!mini_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", mini_dir);
    ck_assert_int_eq(system(cmd), 0);
    mini_dir[0] = '\0';
}

static kh_rules *rules_for(const kh_scheme *scheme)
{
    kh_rules *rules = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_rules_new(&rules, scheme, &diags, &err);
    ck_assert_msg(rc == KH_OK, "rules: %s:%d: %s", err.file, err.line, err.message);
    kh_diag_list_free(&diags);
    return rules;
}

/* The default scheme, loaded once per test case (forked tests inherit it). */
static kh_scheme *def_scheme;
static kh_rules *def_rules;

static void default_setup(void)
{
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_scheme_load(&def_scheme, KH_RULES_DIR, &diags, &err);
    if (rc != KH_OK) {
        fprintf(stderr, "default scheme: %s:%d: %s\n", err.file, err.line, err.message);
        abort();
    }
    kh_diag_list_free(&diags);
    rc = kh_rules_new(&def_rules, def_scheme, &diags, &err);
    if (rc != KH_OK) {
        fprintf(stderr, "default rules: %s:%d: %s\n", err.file, err.line, err.message);
        abort();
    }
    kh_diag_list_free(&diags);
}

static void default_teardown(void)
{
    kh_rules_free(def_rules);
    kh_scheme_free(def_scheme);
    def_rules = NULL;
    def_scheme = NULL;
}

/* ---- the default scheme ---------------------------------------------------- */

START_TEST(test_score__default_scheme_is_valid)
{
    kh_diag_list diags = {0};
    ck_assert_int_eq(kh_scheme_validate(def_scheme, &diags), KH_OK);
    ck_assert_uint_eq(kh_diag_list_errors(&diags), 0);
    kh_diag_list_free(&diags);
    ck_assert_str_eq(def_scheme->id, "fazhi-default");
    ck_assert_str_eq(def_scheme->version, "2025.1");
    ck_assert_uint_eq(def_scheme->indicators_count, 13);
    double sum = 0;
    for (size_t i = 0; i < def_scheme->indicators_count; i++)
        if (!def_scheme->indicators[i].monitor)
            sum += def_scheme->indicators[i].max;
    ck_assert_double_eq(sum, 100);
    ck_assert(kh_scheme_indicator(def_scheme, "FZ-M1")->monitor);
    ck_assert_double_eq(def_scheme->bonus_cap, 3);
    ck_assert_double_eq(def_scheme->penalty_cap, 5);
    ck_assert_int_eq(def_scheme->missing, KH_MISSING_ZERO);
}
END_TEST

typedef struct formula_case {
    const char *id;
    const char *facts;
    int year;
    kh_indicator_status status;
    double points;
    const char *branch;  /* NULL: not checked */
    const char *missing; /* keys awaiting review, comma-separated */
} formula_case;

#define SC KH_STATUS_SCORED
#define MI KH_STATUS_MISSING
static const formula_case formula_cases[] = {
    /* FZ-01: 14 × clamp((r − 60) / 40, 0, 1); cases stated 0 → full. */
    {"FZ-01", "litigation.head_appearance_rate=98.5", 2024, SC, 13.48, "rate", NULL},
    {"FZ-01", "litigation.head_appearance_rate=100;litigation.cases=24", 2024, SC, 14, "rate", NULL},
    {"FZ-01", "litigation.head_appearance_rate=80", 2024, SC, 7, "rate", NULL},
    {"FZ-01", "litigation.head_appearance_rate=60", 2024, SC, 0, "rate", NULL},
    {"FZ-01", "litigation.head_appearance_rate=41.8", 2024, SC, 0, "rate", NULL},
    {"FZ-01", "litigation.cases=0", 2024, SC, 14, "no_cases", NULL},
    {"FZ-01", "litigation.cases=0;litigation.head_appearance_rate=0", 2024, SC, 14, "no_cases", NULL},
    {"FZ-01", "litigation.cases=24", 2024, MI, 0, "rate", "litigation.head_appearance_rate"},
    {"FZ-01", "", 2024, MI, 0, "rate", "litigation.head_appearance_rate"},
    /* FZ-02: ≤ 5% → 8, linear to 0 at 20%; lost only → 8 − 2 per case. */
    {"FZ-02", "litigation.loss_rate=4.2", 2024, SC, 8, "rate", NULL},
    {"FZ-02", "litigation.loss_rate=12.5", 2024, SC, 4, "rate", NULL},
    {"FZ-02", "litigation.loss_rate=20", 2024, SC, 0, "rate", NULL},
    {"FZ-02", "litigation.loss_rate=31", 2024, SC, 0, "rate", NULL},
    {"FZ-02", "litigation.loss_rate=10;litigation.lost=0;litigation.cases=24", 2024, SC, 5.33, "rate", NULL},
    {"FZ-02", "litigation.lost=1;litigation.cases=24", 2024, SC, 8, "lost_of_cases", NULL},
    {"FZ-02", "litigation.lost=3;litigation.cases=24", 2024, SC, 4, "lost_of_cases", NULL},
    {"FZ-02", "litigation.lost=6;litigation.cases=24", 2024, SC, 0, "lost_of_cases", NULL},
    {"FZ-02", "litigation.lost=1", 2024, SC, 6, "lost_only", NULL},
    {"FZ-02", "litigation.lost=0", 2024, SC, 8, "lost_only", NULL},
    {"FZ-02", "litigation.lost=5", 2024, SC, 0, "lost_only", NULL},
    {"FZ-02", "litigation.cases=0", 2024, SC, 8, "no_cases", NULL},
    {"FZ-02", "litigation.cases=24", 2024, MI, 0, NULL, "litigation.loss_rate,litigation.lost"},
    {"FZ-02", "", 2024, MI, 0, NULL, "litigation.loss_rate,litigation.cases,litigation.lost"},
    /* FZ-03: closed / accepted (else received) ≥ 90% → 6, −2 per started 10 points. */
    {"FZ-03", "review.accepted=150;review.closed=115", 2024, SC, 2, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=90", 2024, SC, 6, "rate", NULL},
    {"FZ-03", "review.accepted=80;review.closed=72", 2024, SC, 6, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=104", 2024, SC, 6, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=89", 2024, SC, 4, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=80", 2024, SC, 4, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=79", 2024, SC, 2, "rate", NULL},
    {"FZ-03", "review.accepted=100;review.closed=50", 2024, SC, 0, "rate", NULL},
    {"FZ-03", "review.received=40;review.closed=36", 2024, SC, 6, "rate", NULL},
    {"FZ-03", "review.received=40;review.accepted=30;review.closed=27", 2024, SC, 6, "rate", NULL},
    {"FZ-03", "review.accepted=0;review.closed=0", 2024, SC, 6, "no_cases", NULL},
    {"FZ-03", "review.accepted=150", 2024, MI, 0, NULL, "review.closed"},
    {"FZ-03", "review.closed=25", 2024, MI, 0, NULL, "review.accepted,review.received"},
    /* FZ-04: 10 − 1 per point below 100. */
    {"FZ-04", "proposals.reply_rate=100", 2024, SC, 10, "rate", NULL},
    {"FZ-04", "proposals.reply_rate=98.5", 2024, SC, 8.5, "rate", NULL},
    {"FZ-04", "proposals.reply_rate=85", 2024, SC, 0, "rate", NULL},
    {"FZ-04", "", 2024, MI, 0, NULL, "proposals.reply_rate"},
    /* FZ-05: 10 × min(1, h / 60). */
    {"FZ-05", "training.hours_per_person=30", 2024, SC, 5, "per_person", NULL},
    {"FZ-05", "training.hours_per_person=90;training.hours_total=1", 2024, SC, 10, "per_person", NULL},
    {"FZ-05", "training.hours_total=12774;training.participants=563", 2024, SC, 3.78, "total_over_participants", NULL},
    {"FZ-05", "training.hours_total=12774;training.participants=0", 2024, MI, 0, "total_over_participants", "training.participants"},
    {"FZ-05", "training.hours_total=12774", 2024, MI, 0, NULL, "training.hours_per_person,training.participants"},
    /* FZ-06: 6 × min(1, participants / officers). */
    {"FZ-06", "training.participants=1110;enforcement.officers=1000", 2024, SC, 6, "coverage", NULL},
    {"FZ-06", "training.participants=563;enforcement.officers=1000", 2024, SC, 3.38, "coverage", NULL},
    {"FZ-06", "training.participants=563;enforcement.officers=0", 2024, MI, 0, "coverage", "enforcement.officers"},
    {"FZ-06", "training.participants=563", 2024, MI, 0, NULL, "enforcement.officers"},
    /* FZ-07: rate → 10 − 1 per point; count > 0 only → 8; count 0 → 0. */
    {"FZ-07", "legality_review.rate=100;legality_review.count=600", 2024, SC, 10, "rate", NULL},
    {"FZ-07", "legality_review.rate=97", 2024, SC, 7, "rate", NULL},
    {"FZ-07", "legality_review.count=600", 2024, SC, 8, "count_only", NULL},
    {"FZ-07", "legality_review.count=0", 2024, SC, 0, "none", NULL},
    {"FZ-07", "", 2024, MI, 0, NULL, "legality_review.rate,legality_review.count"},
    /* FZ-08: rate → 6 − 1 per point; unfiled → 6 − 1 each; filed > 0 → 5. */
    {"FZ-08", "normative_docs.filing_rate=100;normative_docs.unfiled=3", 2024, SC, 6, "rate", NULL},
    {"FZ-08", "normative_docs.filing_rate=98", 2024, SC, 4, "rate", NULL},
    {"FZ-08", "normative_docs.unfiled=2;normative_docs.filed=12", 2024, SC, 4, "unfiled", NULL},
    {"FZ-08", "normative_docs.unfiled=10", 2024, SC, 0, "unfiled", NULL},
    {"FZ-08", "normative_docs.filed=12", 2024, SC, 5, "filed_only", NULL},
    {"FZ-08", "normative_docs.filed=0", 2024, SC, 0, "none", NULL},
    {"FZ-08", "", 2024, MI, 0, NULL, "normative_docs.filing_rate,normative_docs.unfiled,normative_docs.filed"},
    /* FZ-09: rate → 6 × min(1, rate / 95); resolved > 0 only → 4.5. */
    {"FZ-09", "mediation.success_rate=98.6;mediation.resolved=6700", 2024, SC, 6, "rate", NULL},
    {"FZ-09", "mediation.success_rate=90", 2024, SC, 5.68, "rate", NULL},
    {"FZ-09", "mediation.resolved=6700", 2024, SC, 4.5, "resolved_only", NULL},
    {"FZ-09", "mediation.resolved=0", 2024, SC, 0, "none", NULL},
    {"FZ-09", "", 2024, MI, 0, NULL, "mediation.success_rate,mediation.resolved"},
    /* FZ-10: min(6, 1.5 × sessions). */
    {"FZ-10", "leaders.law_study_sessions=6", 2024, SC, 6, "sessions", NULL},
    {"FZ-10", "leaders.law_study_sessions=4", 2024, SC, 6, "sessions", NULL},
    {"FZ-10", "leaders.law_study_sessions=3", 2024, SC, 4.5, "sessions", NULL},
    {"FZ-10", "leaders.law_study_sessions=0", 2024, SC, 0, "sessions", NULL},
    {"FZ-10", "", 2024, MI, 0, NULL, "leaders.law_study_sessions"},
    /* FZ-11: sections × 1 + 4 if published by 03-01 of the next year, else
     * −1 per started 15 days late. */
    {"FZ-11", "report.sections=4;report.published_date=2025-01-08", 2024, SC, 8, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4;report.published_date=2025-03-01", 2024, SC, 8, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4;report.published_date=2025-03-02", 2024, SC, 7, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4;report.published_date=2025-03-16", 2024, SC, 7, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4;report.published_date=2025-03-17", 2024, SC, 6, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4;report.published_date=2025-06-30", 2024, SC, 4, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=2;report.published_date=2017-12-20", 2017, SC, 6, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=7;report.published_date=2025-01-08", 2024, SC, 8, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=4", 2024, SC, 4, "sections", "report.published_date"},
    {"FZ-11", "report.published_date=2025-02-01", 2024, SC, 4, "timeliness", "report.sections"},
    {"FZ-11", "report.sections=3;report.published_date=2025-01-08;report.year=2024", 0, SC, 7, "sections+timeliness", NULL},
    {"FZ-11", "report.sections=3;report.published_date=2025-01-08", 0, SC, 3, "sections", "report.year"},
    {"FZ-11", "", 2024, MI, 0, NULL, "report.sections,report.published_date"},
    /* FZ-12: 10 × clamp((s − 60) / 35, 0, 1). */
    {"FZ-12", "survey.public_satisfaction=96.5", 2024, SC, 10, "rate", NULL},
    {"FZ-12", "survey.public_satisfaction=95", 2024, SC, 10, "rate", NULL},
    {"FZ-12", "survey.public_satisfaction=80", 2024, SC, 5.71, "rate", NULL},
    {"FZ-12", "survey.public_satisfaction=55", 2024, SC, 0, "rate", NULL},
    {"FZ-12", "", 2024, MI, 0, NULL, "survey.public_satisfaction"},
    /* FZ-M1 (monitor): corrected / closed × 100, else the stated rate. */
    {"FZ-M1", "review.corrected=40;review.closed=115", 2024, SC, 34.78, "counts", NULL},
    {"FZ-M1", "review.corrected=40;review.closed=115;review.correction_rate=12.5", 2024, SC, 34.78, "counts", NULL},
    {"FZ-M1", "review.correction_rate=12.5", 2024, SC, 12.5, "stated", NULL},
    {"FZ-M1", "review.corrected=3;review.closed=0;review.correction_rate=12.5", 2024, SC, 12.5, "stated", NULL},
    {"FZ-M1", "review.closed=115", 2024, MI, 0, NULL, "review.corrected,review.correction_rate"},
};
#undef SC
#undef MI

START_TEST(test_score__default_formulas)
{
    const formula_case *c = &formula_cases[_i];
    kh_report_score *s = score_with(def_rules, c->facts, c->year);
    const kh_indicator_result *r = result_of(s, c->id);
    ck_assert_msg(r->status == c->status, "case %d %s [%s]: status %s, want %s (%s)", _i,
                  c->id, c->facts, kh_status_name(r->status), kh_status_name(c->status),
                  r->error ? r->error : "");
    assert_points(r, c->points);
    if (c->branch)
        ck_assert_msg(r->branch && strcmp(r->branch, c->branch) == 0,
                      "case %d %s: branch %s, want %s", _i, c->id,
                      r->branch ? r->branch : "(null)", c->branch);
    assert_missing(r, c->missing);
    ck_assert_ptr_null(r->error);
    ck_assert(!r->excluded);
    ck_assert_int_gt(r->line, 0);
    /* No other indicator failed either. */
    for (size_t i = 0; i < s->indicators_count; i++)
        ck_assert_msg(s->indicators[i].status != KH_STATUS_ERROR, "%s: %s",
                      s->indicators[i].indicator->id, s->indicators[i].error);
    kh_report_score_free(s);
}
END_TEST

START_TEST(test_score__explanations_show_the_arithmetic)
{
    static const struct {
        const char *id, *facts, *explanation;
    } cases[] = {
        {"FZ-01", "litigation.head_appearance_rate=98.5",
         "出庭应诉率 98.5% → 14 × (98.5 − 60) / 40 = 13.48"},
        {"FZ-02", "litigation.lost=3;litigation.cases=24",
         "败诉率 12.5%（败诉 3 / 案件 24） → 8 × (20 − 12.5) / (20 − 5) = 4"},
        {"FZ-03", "review.accepted=150;review.closed=115",
         "审结 115 / 受理 150 = 76.67% → 6 − 2 × ⌈(90 − 76.67) / 10⌉ = 2"},
        {"FZ-04", "proposals.reply_rate=98.5", "办复率 98.5% → 10 − 1 × (100 − 98.5) = 8.5"},
        {"FZ-05", "training.hours_total=12774;training.participants=563",
         "人均学时 22.69（12774 / 563） → 10 × min(1, 22.69 / 60) = 3.78"},
        {"FZ-10", "leaders.law_study_sessions=3", "会前学法 3 次 → min(6, 1.5 × 3) = 4.5"},
        {"FZ-11", "report.sections=4;report.published_date=2025-03-17",
         "要素 4 / 4 项 × 1 = 4；发布日期 2025-03-17 晚于 2025-03-01 16 天 → 4 − 1 × ⌈16 / 15⌉ = 2；合计 6"},
        {"FZ-11", "report.sections=4", "要素 4 / 4 项 × 1 = 4；发布日期未知（待核查）→ 时效 0；合计 4"},
        {"FZ-12", "survey.public_satisfaction=80", "群众满意度 80% → 10 × (80 − 60) / 35 = 5.71"},
        {"FZ-M1", "review.corrected=40;review.closed=115", "纠错 40 / 审结 115 = 34.78%"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kh_report_score *s = score_with(def_rules, cases[i].facts, 2024);
        const kh_indicator_result *r = result_of(s, cases[i].id);
        ck_assert_ptr_nonnull(r->explanation);
        ck_assert_str_eq(r->explanation, cases[i].explanation);
        kh_report_score_free(s);
    }
}
END_TEST

START_TEST(test_score__facts_read_are_recorded_in_order)
{
    kh_report_score *s = score_with(def_rules,
                                    "litigation.lost=1;litigation.cases=24;"
                                    "litigation.head_appearance_rate=97.2",
                                    2024);
    const kh_indicator_result *r = result_of(s, "FZ-02");
    /* loss_rate was read but is missing: not among the facts. */
    ck_assert_uint_eq(r->facts_count, 2);
    ck_assert_str_eq(r->facts[0].key, "litigation.cases");
    ck_assert_str_eq(r->facts[1].key, "litigation.lost");
    ck_assert_double_eq(r->facts[1].number, 1);
    ck_assert_str_eq(r->facts[1].evidence.text, "litigation.lost evidence");
    ck_assert_str_eq(r->facts[1].plugin, "testplugin");
    r = result_of(s, "FZ-01");
    ck_assert_uint_eq(r->facts_count, 2);
    ck_assert_str_eq(r->facts[0].key, "litigation.cases");
    ck_assert_str_eq(r->facts[1].key, "litigation.head_appearance_rate");
    ck_assert_int_eq(r->line, 17);
    r = result_of(s, "FZ-12");
    ck_assert_uint_eq(r->facts_count, 0);
    ck_assert_int_eq(r->status, KH_STATUS_MISSING);
    ck_assert_ptr_null(r->explanation);
    ck_assert_str_eq(s->path, "r.txt");
    ck_assert_str_eq(s->unit, "某区");
    ck_assert_int_eq(s->year, 2024);
    ck_assert_int_eq(s->rank, 0);
    kh_report_score_free(s);
}
END_TEST

/* Every indicator at full marks, except FZ-01 (rate 80 → 7) and the two
 * left out (FZ-04 and FZ-12: missing). Scored points: 73 of 80. */
#define PARTIAL_FACTS                                                                   \
    "litigation.head_appearance_rate=80;litigation.loss_rate=0;review.accepted=10;"    \
    "review.closed=10;training.hours_per_person=60;training.participants=100;"          \
    "enforcement.officers=100;legality_review.rate=100;normative_docs.filing_rate=100;" \
    "mediation.success_rate=100;leaders.law_study_sessions=4;report.sections=4;"        \
    "report.published_date=2025-02-01;review.corrected=1"

START_TEST(test_score__missing_policies)
{
    kh_missing_policy saved = def_scheme->missing;

    def_scheme->missing = KH_MISSING_ZERO;
    kh_report_score *s = score_with(def_rules, PARTIAL_FACTS, 2024);
    ck_assert_double_eq(s->total, 73);
    ck_assert_str_eq(s->grade, "合格");
    const kh_indicator_result *r = result_of(s, "FZ-04");
    ck_assert_int_eq(r->status, KH_STATUS_MISSING);
    ck_assert_double_eq(r->points, 0);
    ck_assert(!r->excluded);
    /* The monitor scored its value but counts for nothing. */
    r = result_of(s, "FZ-M1");
    ck_assert_int_eq(r->status, KH_STATUS_SCORED);
    ck_assert_double_eq(r->points, 10);
    kh_report_score_free(s);

    def_scheme->missing = KH_MISSING_HALF;
    s = score_with(def_rules, PARTIAL_FACTS, 2024);
    ck_assert_double_eq(result_of(s, "FZ-04")->points, 5);
    ck_assert_double_eq(result_of(s, "FZ-12")->points, 5);
    ck_assert_int_eq(result_of(s, "FZ-12")->status, KH_STATUS_MISSING);
    ck_assert_double_eq(s->total, 83);
    ck_assert_str_eq(s->grade, "良好");
    kh_report_score_free(s);

    def_scheme->missing = KH_MISSING_EXCLUDE;
    s = score_with(def_rules, PARTIAL_FACTS, 2024);
    r = result_of(s, "FZ-04");
    ck_assert(r->excluded);
    ck_assert_double_eq(r->points, 0);
    ck_assert(result_of(s, "FZ-12")->excluded);
    ck_assert(!result_of(s, "FZ-01")->excluded);
    /* 73 / 80 × 100 */
    ck_assert_double_eq(s->total, 91.25);
    ck_assert_str_eq(s->grade, "优秀");
    kh_report_score_free(s);

    /* Nothing known: everything excluded, total 0. */
    s = score_with(def_rules, "", 2024);
    ck_assert_double_eq(s->total, 0);
    ck_assert_str_eq(s->grade, "不合格");
    for (size_t i = 0; i < s->indicators_count; i++)
        ck_assert_int_eq(s->indicators[i].status, KH_STATUS_MISSING);
    kh_report_score_free(s);

    def_scheme->missing = saved;
}
END_TEST

START_TEST(test_score__adjustments_with_caps)
{
    /* 100 − 10 (FZ-12 missing) − 2 (FZ-04 at 98%) = 88. */
    kh_report_score *s = score_with(def_rules,
                                    "litigation.head_appearance_rate=100;litigation.loss_rate=0;"
                                    "review.accepted=10;review.closed=10;training.hours_per_person=60;"
                                    "training.participants=100;enforcement.officers=100;"
                                    "legality_review.rate=100;normative_docs.filing_rate=100;"
                                    "mediation.success_rate=100;leaders.law_study_sessions=4;"
                                    "report.sections=4;report.published_date=2025-02-01;"
                                    "proposals.reply_rate=98",
                                    2024);
    ck_assert_double_eq(s->total, 88);
    ck_assert_str_eq(s->grade, "良好");
    kh_error err;

    const char *bonus[] = {"demonstration"};
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, bonus, 1, &err), KH_OK);
    ck_assert_double_eq(s->total, 91);
    ck_assert_str_eq(s->grade, "优秀");
    ck_assert_uint_eq(s->adjustments_count, 1);
    ck_assert_str_eq(s->adjustments[0].id, "demonstration");
    ck_assert_double_eq(s->adjustments[0].points, 3);

    /* Two bonuses of 3: capped at +3, shown as a cap line. Replaces the
     * earlier adjustments. */
    const char *two[] = {"demonstration", "demonstration"};
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, two, 2, &err), KH_OK);
    ck_assert_uint_eq(s->adjustments_count, 3);
    ck_assert_str_eq(s->adjustments[2].id, "bonus_cap");
    ck_assert_double_eq(s->adjustments[2].points, -3);
    ck_assert_double_eq(s->total, 91);

    /* Penalties: −2 × 3 = −6, capped at −5. */
    const char *pen[] = {"judgment_not_executed", "judgment_not_executed",
                         "decision_without_review"};
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, pen, 3, &err), KH_OK);
    ck_assert_uint_eq(s->adjustments_count, 4);
    ck_assert_str_eq(s->adjustments[3].id, "penalty_cap");
    ck_assert_double_eq(s->adjustments[3].points, 1);
    ck_assert_double_eq(s->total, 83);
    ck_assert_str_eq(s->grade, "良好");

    /* Bonus and penalty together: each capped on its own. */
    const char *mix[] = {"demonstration", "judgment_not_executed"};
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, mix, 2, &err), KH_OK);
    ck_assert_double_eq(s->total, 89);
    ck_assert_str_eq(s->grade, "良好");

    /* Unknown id: KH_ECONFIG and nothing changes. */
    const char *bad[] = {"demonstration", "no_such_event"};
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, bad, 2, &err), KH_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "no_such_event"));
    ck_assert_double_eq(s->total, 89);
    ck_assert_uint_eq(s->adjustments_count, 2);

    /* None: back to the indicators' total. */
    ck_assert_int_eq(kh_report_score_adjust(s, def_scheme, NULL, 0, &err), KH_OK);
    ck_assert_double_eq(s->total, 88);
    ck_assert_uint_eq(s->adjustments_count, 0);
    kh_report_score_free(s);
}
END_TEST

START_TEST(test_score__next_report_starts_clean)
{
    /* A full report, then an empty one: nothing carries over. */
    kh_report_score *a = score_with(def_rules, PARTIAL_FACTS, 2024);
    kh_report_score *b = score_with(def_rules, "", 0);
    ck_assert_double_eq(a->total, 73);
    ck_assert_double_eq(b->total, 0);
    for (size_t i = 0; i < b->indicators_count; i++) {
        ck_assert_int_eq(b->indicators[i].status, KH_STATUS_MISSING);
        ck_assert_uint_eq(b->indicators[i].facts_count, 0);
    }
    ck_assert_int_eq(b->year, 0);
    kh_report_score_free(a);
    kh_report_score_free(b);
    kh_report_score_free(NULL);
}
END_TEST

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_score(const kh_report_score *a, const kh_report_score *b, int after)
{
    ck_assert_uint_eq(a->indicators_count, b->indicators_count);
    for (size_t i = 0; i < a->indicators_count; i++) {
        const kh_indicator_result *x = &a->indicators[i], *y = &b->indicators[i];
        const char *id = x->indicator->id;
        ck_assert_msg(x->status == y->status && x->points == y->points && x->line == y->line,
                      "after %d reports %s: %s %g, alone %s %g (%s)", after, id,
                      kh_status_name(y->status), y->points, kh_status_name(x->status),
                      x->points, y->error ? y->error : "");
        ck_assert_msg(same_text(x->branch, y->branch) &&
                          same_text(x->explanation, y->explanation) &&
                          same_text(x->error, y->error),
                      "after %d reports %s: '%s' '%s', alone '%s' '%s'", after, id,
                      y->branch ? y->branch : "", y->explanation ? y->explanation : "",
                      x->branch ? x->branch : "", x->explanation ? x->explanation : "");
        ck_assert_uint_eq(x->missing_count, y->missing_count);
        ck_assert_uint_eq(x->facts_count, y->facts_count);
        for (size_t k = 0; k < x->facts_count; k++)
            ck_assert_str_eq(x->facts[k].key, y->facts[k].key);
    }
    ck_assert(a->total == b->total);
    ck_assert(same_text(a->grade, b->grade));
}

START_TEST(test_score__same_scores_alone_and_after_others)
{
    /* The sandbox collects garbage between runs only once enough piled up,
     * and within a run only when it reaches its memory cap (a run that
     * reaches it with earlier garbage on the heap starts over on a
     * collected heap). A report scores the same alone as after 50 others:
     * the default scheme, and a scheme whose scripts leave garbage, work
     * near their cap and make a table weak behind setmetatable's back. */
    mini_ind inds[] = {
        {"G-01", 10, false, "[litigation.cases]",
         "local t = {} for i = 1, 3000 do t[i] = ('g'):rep(100) .. i end\n"
         "return score(fact('litigation.cases') or 0, 'garbage', #t .. ' strings')\n"},
        {"M-01", 10, false, "[litigation.cases, review.closed]",
         "local c = fact('litigation.cases')\n"
         "local keep = {} for i = 1, 3000 do keep[i] = ('k'):rep(300) .. i end\n"
         "local s for i = 1, 3000 do s = ('x'):rep(1000) .. i end\n"
         "return score((c or 0) + 1, 'mem', #keep .. ' ' .. tostring(fact('review.closed')))\n"},
        {"W-01", 10, false, "[litigation.cases]",
         "local mt = {} local t = setmetatable({}, mt) mt.__mode = 'k'\n"
         "t[{}] = true for i = 1, 5000 do local x = {i} end\n"
         "return score(next(t) and 1 or 0, next(t) and 'kept' or 'collected')\n"},
    };
    kh_scheme *scheme = mini_scheme(inds, 3, "limits:\n  memory_mb: 2\n");
    struct {
        kh_rules *rules;
        const char *target;
    } sets[] = {{def_rules, PARTIAL_FACTS}, {rules_for(scheme), "litigation.cases=3;review.closed=9"}};
    for (size_t k = 0; k < 2; k++) {
        /* fresh rules that score nothing before the target */
        kh_rules *alone_rules = rules_for(k == 0 ? def_scheme : scheme);
        kh_report_score *alone = score_with(alone_rules, sets[k].target, 2024);
        for (int i = 0; i < 50; i++) {
            char spec[256];
            snprintf(spec, sizeof spec,
                     "litigation.cases=%d;review.closed=%d;litigation.head_appearance_rate=%d;"
                     "training.hours_per_person=%d;report.published_date=2025-0%d-1%d",
                     i % 7, i * 3, 50 + i, 20 + i, 1 + i % 5, i % 10);
            kh_report_score_free(score_with(sets[k].rules, i % 9 ? spec : "", 2024 - i % 3));
        }
        kh_report_score *after = score_with(sets[k].rules, sets[k].target, 2024);
        assert_same_score(alone, after, 50);
        if (k == 1) {
            ck_assert_str_eq(result_of(after, "M-01")->branch, "mem");
            ck_assert_str_eq(result_of(after, "M-01")->explanation, "3000 9.0");
            ck_assert_uint_eq(result_of(after, "M-01")->facts_count, 2);
            ck_assert_str_eq(result_of(after, "W-01")->branch, "kept");
        }
        kh_report_score_free(alone);
        kh_report_score_free(after);
        kh_rules_free(alone_rules);
    }
    kh_rules_free(sets[1].rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

/* ---- rounding, grades, ranking ---------------------------------------------- */

START_TEST(test_score__grades_and_rounding_boundaries)
{
    mini_ind inds[] = {{"T-01", 100, false, "[litigation.cases]",
                        "return score(param('pts'), 'fixed')\n"}};
    kh_scheme *scheme = mini_scheme(inds, 1, NULL);
    kh_rules *rules = rules_for(scheme);
    kh_param *pts = (kh_param *)kh_scheme_param(scheme, "pts");
    static const struct {
        double points, total;
        const char *grade;
    } cases[] = {
        {89.995, 90, "优秀"},   /* points are kept to cents, half away from zero */
        {89.994, 89.99, "良好"},
        {90, 90, "优秀"},
        {89.99, 89.99, "良好"},
        {79.995, 80, "良好"},
        {79.9949, 79.99, "合格"},
        {60, 60, "合格"},
        {59.99, 59.99, "不合格"},
        {13.475, 13.48, "不合格"},
        {0, 0, "不合格"},
        {-3, 0, "不合格"},     /* clamped to 0..max */
        {100.5, 100, "优秀"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pts->number = cases[i].points;
        kh_report_score *s = score_with(rules, "", 0);
        ck_assert_msg(fabs(s->total - cases[i].total) < 1e-9, "%g → total %.4f, want %g",
                      cases[i].points, s->total, cases[i].total);
        ck_assert_str_eq(s->grade, cases[i].grade);
        ck_assert_double_eq(s->indicators[0].points, s->total);
        kh_report_score_free(s);
    }
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

static kh_report_score *fake(double total)
{
    kh_report_score *s = calloc(1, sizeof *s);
    s->total = total;
    return s;
}

START_TEST(test_score__rank_ties_share_a_place)
{
    kh_report_score *a = fake(80), *b = fake(92.5), *c = fake(80), *d = fake(61),
                    *e = fake(92.5), *f = fake(80.0000001);
    kh_report_score *list[] = {a, b, c, d, e, f};
    kh_rank(list, 6);
    /* 92.5 (b, e), 80 (a, c, f in input order), 61. */
    ck_assert_ptr_eq(list[0], b);
    ck_assert_ptr_eq(list[1], e);
    ck_assert_ptr_eq(list[2], a);
    ck_assert_ptr_eq(list[3], c);
    ck_assert_ptr_eq(list[4], f);
    ck_assert_ptr_eq(list[5], d);
    ck_assert_int_eq(b->rank, 1);
    ck_assert_int_eq(e->rank, 1);
    ck_assert_int_eq(a->rank, 3);
    ck_assert_int_eq(c->rank, 3);
    ck_assert_int_eq(f->rank, 3);
    ck_assert_int_eq(d->rank, 6);

    kh_report_score *g = fake(70), *h = fake(90), *k = fake(90), *m = fake(50);
    kh_report_score *two[] = {g, h, k, m};
    kh_rank(two, 4);
    ck_assert_int_eq(h->rank, 1);
    ck_assert_int_eq(k->rank, 1);
    ck_assert_int_eq(g->rank, 3);
    ck_assert_int_eq(m->rank, 4);
    kh_rank(NULL, 0);
    kh_rank(two, 0);
    for (size_t i = 0; i < 6; i++)
        kh_report_score_free(list[i]);
    for (size_t i = 0; i < 4; i++)
        kh_report_score_free(two[i]);
}
END_TEST

/* Each assessment year is ranked among its own reports; the latest year
 * comes first, a year of 0 (unknown) last. */
START_TEST(test_score__ranks_per_year)
{
    kh_report_score *a = fake(80), *b = fake(92.5), *c = fake(61), *d = fake(99),
                    *e = fake(92.5), *f = fake(70), *g = fake(10);
    a->year = 2024;
    b->year = 2023;
    c->year = 2024;
    d->year = 2023;
    e->year = 2024;
    f->year = 0;
    g->year = 2023;
    kh_report_score *list[] = {a, b, c, d, e, f, g};
    kh_rank(list, 7);
    kh_report_score *want[] = {e, a, c, d, b, g, f};
    for (size_t i = 0; i < 7; i++)
        ck_assert_msg(list[i] == want[i], "place %zu", i);
    ck_assert_int_eq(e->rank, 1); /* 2024: 92.5, 80, 61 */
    ck_assert_int_eq(a->rank, 2);
    ck_assert_int_eq(c->rank, 3);
    ck_assert_int_eq(d->rank, 1); /* 2023: 99, 92.5, 10 */
    ck_assert_int_eq(b->rank, 2);
    ck_assert_int_eq(g->rank, 3);
    ck_assert_int_eq(f->rank, 1); /* year unknown: alone */
    /* a tie across years is no tie */
    kh_report_score *x = fake(50), *y = fake(50), *z = fake(50);
    x->year = 2022;
    y->year = 2021;
    z->year = 2022;
    kh_report_score *three[] = {y, x, z};
    kh_rank(three, 3);
    ck_assert_ptr_eq(three[0], x);
    ck_assert_ptr_eq(three[1], z);
    ck_assert_ptr_eq(three[2], y);
    ck_assert_int_eq(x->rank, 1);
    ck_assert_int_eq(z->rank, 1);
    ck_assert_int_eq(y->rank, 1);
    for (size_t i = 0; i < 7; i++)
        kh_report_score_free(list[i]);
    for (size_t i = 0; i < 3; i++)
        kh_report_score_free(three[i]);
}
END_TEST

/* ---- the rule API ------------------------------------------------------------- */

START_TEST(test_score__script_error_leaves_others_scored)
{
    mini_ind inds[] = {
        {"T-01", 10, false, "[litigation.cases]", "return score(4, 'a')\n"},
        {"T-02", 10, false, "[litigation.cases]", "local x = 1\nerror('boom')\n"},
        {"T-03", 10, false, "[litigation.cases]", "while true do end\n"},
        {"T-04", 10, false, "[litigation.cases]", "local s = 'x' while true do s = s .. s end\n"},
        {"T-05", 10, false, "[litigation.cases]", "return nil + 1\n"},
        {"T-06", 50, false, "[litigation.cases]",
         "return score(fact('litigation.cases') + (string.rep and 1 or 100), 'b')\n"},
    };
    kh_scheme *scheme = mini_scheme(inds, 6, "limits:\n  instructions: 100000\n  memory_mb: 4\n");
    kh_rules *rules = rules_for(scheme);
    kh_report_score *s = score_with(rules, "litigation.cases=5", 2024);
    ck_assert_int_eq(s->indicators[0].status, KH_STATUS_SCORED);
    ck_assert_double_eq(s->indicators[0].points, 4);
    ck_assert_int_eq(s->indicators[1].status, KH_STATUS_ERROR);
    ck_assert_str_eq(s->indicators[1].error, "t02.lua:2: boom");
    ck_assert_double_eq(s->indicators[1].points, 0);
    ck_assert_int_eq(s->indicators[2].status, KH_STATUS_ERROR);
    ck_assert_str_eq(s->indicators[2].error, "t03.lua: instruction limit exceeded (100000)");
    ck_assert_int_eq(s->indicators[3].status, KH_STATUS_ERROR);
    ck_assert_str_eq(s->indicators[3].error, "t04.lua: memory limit exceeded (4 MiB)");
    ck_assert_int_eq(s->indicators[4].status, KH_STATUS_ERROR);
    ck_assert_str_eq(s->indicators[4].error,
                     "t05.lua:1: attempt to perform arithmetic on a nil value");
    ck_assert_int_eq(s->indicators[5].status, KH_STATUS_SCORED);
    ck_assert_double_eq(s->indicators[5].points, 6);
    ck_assert_uint_eq(s->indicators[5].facts_count, 1);
    /* Errors count 0; the others add up. */
    ck_assert_double_eq(s->total, 10);
    ck_assert_str_eq(s->grade, "不合格");
    kh_report_score_free(s);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

START_TEST(test_score__rule_api_misuse_is_an_indicator_error)
{
    mini_ind inds[] = {
        {"T-01", 5, false, "[litigation.cases]",
         "return score(fact('survey.public_satisfaction'), 'x')\n"},
        {"T-02", 5, false, "[litigation.cases]", "return score(param('nope'), 'x')\n"},
        {"T-03", 5, false, "[litigation.cases]", "local p = score(1, 'x')\n"},
        {"T-04", 5, false, "[litigation.cases]", "return {points = 5}\n"},
        {"T-05", 5, false, "[litigation.cases]", "return 0/0\n"},
        {"T-06", 5, false, "[litigation.cases]", "return score(0/0, 'nan')\n"},
        {"T-07", 5, false, "[litigation.cases]", "return score(1/0, 'inf')\n"},
        {"T-08", 5, false, "[litigation.cases]", "return score('5', 'str')\n"},
        {"T-09", 5, false, "[litigation.cases]", "return monitor(3, 'x')\n"},
        {"T-10", 5, false, "[litigation.cases]", "return missing('review.closed')\n"},
        {"T-11", 5, false, "[litigation.cases]", "return score(1, 'x', string.rep('y', 5000))\n"},
        {"T-12", 5, false, "[litigation.cases]", "return score(1, {})\n"},
        {"T-13", 5, false, "[litigation.cases]", "return missing({'litigation.cases', 3})\n"},
        {"T-14", 5, false, "[litigation.cases]", "return\n"},
        {"T-15", 5, false, "[litigation.cases]", "return has(nil)\n"},
        {"T-16", 25, false, "[litigation.cases]", "return score(MAX, 'ok')\n"},
    };
    size_t n = sizeof inds / sizeof inds[0];
    kh_scheme *scheme = mini_scheme(inds, n, NULL);
    kh_rules *rules = rules_for(scheme);
    kh_report_score *s = score_with(rules, "litigation.cases=5;survey.public_satisfaction=90", 2024);
    static const char *const errors[] = {
        "t01.lua:1: fact key 'survey.public_satisfaction' is not declared for T-01 in scheme.yaml",
        "t02.lua:1: unknown param 'nope' (declare it under params: in scheme.yaml)",
        "t03.lua: rule returned no result (use score(), missing() or monitor())",
        "t04.lua: rule returned no result (use score(), missing() or monitor())",
        "t05.lua: rule returned no result (use score(), missing() or monitor())",
        "t06.lua:1: bad argument #1 to 'score' (points must be a finite number)",
        "t07.lua:1: bad argument #1 to 'score' (points must be a finite number)",
        "t08.lua:1: bad argument #1 to 'score' (number expected, got string)",
        "t09.lua:1: monitor() is only for monitoring indicators (monitor: true in scheme.yaml); use score()",
        "t10.lua:1: fact key 'review.closed' is not declared for T-10 in scheme.yaml",
        "t11.lua:1: explanation longer than 4096 bytes",
        "t12.lua:1: bad argument #2 to 'score' (string or nil expected, got table)",
        "t13.lua:1: fact key list: entry 2 is not a string",
        "t14.lua: rule returned no result (use score(), missing() or monitor())",
        "t15.lua:1: bad argument #1 to 'has' (string expected, got nil)",
    };
    for (size_t i = 0; i < n - 1; i++) {
        ck_assert_msg(s->indicators[i].status == KH_STATUS_ERROR, "T-%02zu not an error", i + 1);
        ck_assert_str_eq(s->indicators[i].error, errors[i]);
        ck_assert_ptr_null(s->indicators[i].branch);
        ck_assert_uint_eq(s->indicators[i].missing_count, 0);
    }
    ck_assert_int_eq(s->indicators[n - 1].status, KH_STATUS_SCORED);
    ck_assert_double_eq(s->total, 25);
    kh_report_score_free(s);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

START_TEST(test_score__rule_api_values)
{
    mini_ind inds[] = {
        {"T-01", 10, false, "[litigation.cases, report.published_date, review.closed]",
         "local n = fact('litigation.cases')\n"
         "local d = fact('report.published_date')\n"
         "local i = fact_info('litigation.cases')\n"
         "local e = i.evidence\n"
         "local s = string.format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%d|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s',\n"
         "  fmt(n), d, tostring(has('review.closed')), tostring(fact('review.closed')),\n"
         "  tostring(fact_info('review.closed')), i.key, fmt(i.value), i.unit, i.qualifier,\n"
         "  e.line, e.column, e.text, i.basis, i.origin, i.plugin, fmt(i.confidence),\n"
         "  fmt(param('rate')), param('deadline'), ID, fmt(MAX) .. '/' .. fmt(TOTAL) .. '/' .. tostring(YEAR))\n"
         "\n"
         "return score(12, 'all', s)\n"},
        {"T-02", 10, false, "[litigation.cases, review.closed, review.accepted]",
         "local a, b = fact('review.closed'), fact('review.accepted')\n"
         "return missing()\n"},
        {"T-03", 10, false, "[litigation.cases, review.closed, review.accepted]",
         "return missing({'review.accepted', 'litigation.cases', 'review.accepted'}, 'explicit', 'why')\n"},
        {"T-04", 10, false, "[litigation.cases, review.closed]",
         "local a = fact('litigation.cases')\n"
         "return score(-4, 'partial', 'x', 'review.closed')\n"},
        {"T-05", 0, true, "[litigation.cases]", "return monitor(250.456, 'big', 'm')\n"},
        {"T-06", 0, true, "[litigation.cases]", "return score(-7, 'neg')\n"},
        {"T-07", 10, false, "[litigation.cases]",
         "SEEN_BEFORE = SEEN_BEFORE or 0\nSEEN_BEFORE = SEEN_BEFORE + 1\n"
         "local function helper() return score(SEEN_BEFORE, 'count') end\nreturn helper()\n"},
    };
    kh_scheme *scheme = mini_scheme(inds, 7, NULL);
    kh_rules *rules = rules_for(scheme);
    for (int round = 0; round < 2; round++) {
        kh_report_score *s = score_with(rules, "litigation.cases=5;report.published_date=2025-01-08",
                                        round ? 0 : 2024);
        const kh_indicator_result *r = &s->indicators[0];
        ck_assert_int_eq(r->status, KH_STATUS_SCORED);
        ck_assert_double_eq(r->points, 10); /* 12 clamped to max */
        ck_assert_str_eq(r->branch, "all");
        char want[512];
        snprintf(want, sizeof want,
                 "5|2025-01-08|false|nil|nil|litigation.cases|5|unit|more_than|1|3|"
                 "litigation.cases evidence|stated|extracted|testplugin|90|2.5|03-01|T-01|10/50/%s",
                 round ? "nil" : "2024");
        ck_assert_str_eq(r->explanation, want);
        ck_assert_int_eq(r->line, 11);
        ck_assert_uint_eq(r->facts_count, 2); /* review.closed read, but missing */
        ck_assert_str_eq(r->facts[0].key, "litigation.cases");
        ck_assert_str_eq(r->facts[1].key, "report.published_date");
        ck_assert_str_eq(r->facts[1].text, "2025-01-08");

        r = &s->indicators[1];
        ck_assert_int_eq(r->status, KH_STATUS_MISSING);
        assert_missing(r, "review.closed,review.accepted");
        ck_assert_int_eq(r->line, 2);

        r = &s->indicators[2];
        ck_assert_int_eq(r->status, KH_STATUS_MISSING);
        assert_missing(r, "review.accepted,litigation.cases");
        ck_assert_str_eq(r->branch, "explicit");
        ck_assert_str_eq(r->explanation, "why");
        ck_assert_uint_eq(r->facts_count, 0);

        r = &s->indicators[3];
        ck_assert_int_eq(r->status, KH_STATUS_SCORED);
        ck_assert_double_eq(r->points, 0); /* −4 clamped */
        assert_missing(r, "review.closed");

        r = &s->indicators[4];
        ck_assert_int_eq(r->status, KH_STATUS_SCORED);
        ck_assert_double_eq(r->points, 250.46); /* a monitor is not clamped */
        ck_assert_str_eq(r->branch, "m");
        ck_assert_str_eq(r->explanation, "big");
        r = &s->indicators[5];
        ck_assert_double_eq(r->points, -7);

        /* A global set by one run is gone in the next; the line is the
         * script's, inside the local helper. */
        r = &s->indicators[6];
        ck_assert_double_eq(r->points, 1);
        ck_assert_int_eq(r->line, 3);

        /* 10 + 0 + 0 + 0 + 1 of 50; monitors never count. */
        ck_assert_double_eq(s->total, 11);
        kh_report_score_free(s);
    }
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

START_TEST(test_score__libraries_load_in_sorted_order)
{
    mini_ind inds[] = {
        {"T-01", 10, false, "[litigation.cases]",
         "return score(#ORDER, ORDER, ORDER .. '|' .. tostring(twice(2)))\n"},
    };
    kh_scheme *scheme = mini_scheme(inds, 1, NULL);
    char lib[600];
    snprintf(lib, sizeof lib, "%s/lib", mini_dir);
    ck_assert_int_eq(mkdir(lib, 0700), 0);
    write_file(lib, "b_second.lua", "ORDER = (ORDER or '') .. 'b'\n");
    write_file(lib, "a_first.lua", "ORDER = (ORDER or '') .. 'a'\nfunction twice(x) return 2 * x end\n");
    write_file(lib, "notes.txt", "not lua");
    kh_rules *rules = rules_for(scheme);
    for (int i = 0; i < 2; i++) {
        kh_report_score *s = score_with(rules, "", 0);
        ck_assert_str_eq(s->indicators[0].explanation, "ab|4");
        ck_assert_double_eq(s->indicators[0].points, 2);
        kh_report_score_free(s);
    }
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    mini_cleanup();
}
END_TEST

START_TEST(test_score__compile_errors_are_reported)
{
    mini_ind inds[] = {
        {"T-01", 10, false, "[litigation.cases]", "return score(1, 'ok')\n"},
        {"T-02", 10, false, "[litigation.cases]", "local x = \nreturn score(1, 'ok'\n"},
        {"T-03", 10, false, "[litigation.cases]", NULL},
        {"T-04", 10, false, "[litigation.cases]", "\x1bLua\x54\x00garbage"},
    };
    kh_scheme *scheme = mini_scheme(inds, 4, NULL);
    kh_rules *rules = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_rules_new(&rules, scheme, &diags, &err);
    ck_assert_int_eq(rc, KH_ESCRIPT);
    ck_assert_ptr_null(rules);
    ck_assert_uint_eq(diags.count, 3);
    char buf[2048];
    kh_error_format(&diags.items[0].where, buf, sizeof buf);
    ck_assert_msg(strncmp(buf, "t02.lua:2: ", 11) == 0, "%s", buf);
    ck_assert_int_eq(diags.items[1].where.line, 0);
    ck_assert_ptr_nonnull(strstr(diags.items[1].where.file, "t03.lua"));
    kh_error_format(&diags.items[2].where, buf, sizeof buf);
    ck_assert_str_eq(buf, "t04.lua: precompiled Lua bytecode is refused; rules must be Lua "
                          "source text");
    ck_assert_str_eq(err.file, "t02.lua");
    kh_diag_list_free(&diags);
    kh_scheme_free(scheme);
    mini_cleanup();
    kh_rules_free(NULL);
}
END_TEST

START_TEST(test_score__status_names)
{
    ck_assert_str_eq(kh_status_name(KH_STATUS_SCORED), "scored");
    ck_assert_str_eq(kh_status_name(KH_STATUS_MISSING), "missing");
    ck_assert_str_eq(kh_status_name(KH_STATUS_ERROR), "error");
    ck_assert_str_eq(kh_status_name((kh_indicator_status)42), "unknown");
}
END_TEST

static Suite *kh_score_suite(void)
{
    Suite *s = suite_create("score");
    TCase *tc = tcase_create("default");
    tcase_add_unchecked_fixture(tc, default_setup, default_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_score__default_scheme_is_valid);
    tcase_add_loop_test(tc, test_score__default_formulas, 0,
                        (int)(sizeof formula_cases / sizeof formula_cases[0]));
    tcase_add_test(tc, test_score__explanations_show_the_arithmetic);
    tcase_add_test(tc, test_score__facts_read_are_recorded_in_order);
    tcase_add_test(tc, test_score__missing_policies);
    tcase_add_test(tc, test_score__adjustments_with_caps);
    tcase_add_test(tc, test_score__next_report_starts_clean);
    tcase_add_test(tc, test_score__same_scores_alone_and_after_others);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_score__grades_and_rounding_boundaries);
    tcase_add_test(tc, test_score__rank_ties_share_a_place);
    tcase_add_test(tc, test_score__ranks_per_year);
    tcase_add_test(tc, test_score__script_error_leaves_others_scored);
    tcase_add_test(tc, test_score__rule_api_misuse_is_an_indicator_error);
    tcase_add_test(tc, test_score__rule_api_values);
    tcase_add_test(tc, test_score__libraries_load_in_sorted_order);
    tcase_add_test(tc, test_score__compile_errors_are_reported);
    tcase_add_test(tc, test_score__status_names);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_score_suite)

/*
 * check_khp.c — tests for plugins/common/khp.c, the helpers kaohe's own
 * plugins share, and for the report plugin's windowed searches: that the
 * shortcuts taken for speed give what the plain searches give.
 *
 *   - khp_litset_in(): a literal counts only when it lies wholly inside the
 *     window; khp_find/khp_has/khp_find_last and the clause splitter the
 *     litigation and review plugins share;
 *   - the literal sets khp_scope() checks before each scope pattern, and
 *     khp_find_dept_subject() before KHP_PAT_DEPT_SUBJECT: over
 *     every window of the seed reports where the set says "none here", the
 *     pattern itself finds nothing either;
 *   - report.c's match_windowed(): the same match (start, end, groups) as
 *     re_match() over the whole range, for every rule with a window, on the
 *     seed reports and on generated heads, tails and signatures.
 *
 * The sources are included (their helpers are static); the host table
 * (tests/khp_test_host.h) is built from the core's pattern, number and
 * sentence functions, as the engine's is.
 */
#include <check.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "kaohe/number.h"
#include "pattern.h"

#include "../plugins/common/khp.c"
#define kh_plugin_entry report_plugin_entry /* keep the test's symbols apart */
#include "../plugins/report/report.c"
#undef kh_plugin_entry

#include "khp_test_host.h" /* the host table, doc_of, normalised, reports */

/* ---- khp_litset_in ------------------------------------------------------ */

START_TEST(test_khp__litset_needs_the_whole_literal_inside)
{
    static const char *const lits[] = {"半年", "季度", "x", NULL};
    khp_litset ls;
    khp_litset_init(&ls, lits);
    const char *t = "上半年,一季度";
    kh_doc d = doc_of(t, strlen(t));
    ck_assert(khp_litset_in(&ls, &d, 0, d.len));
    ck_assert(khp_litset_in(&ls, &d, 3, 9));   /* 半年 exactly */
    ck_assert(!khp_litset_in(&ls, &d, 3, 8));  /* its last byte outside */
    ck_assert(!khp_litset_in(&ls, &d, 4, 9));  /* its first byte outside */
    ck_assert(!khp_litset_in(&ls, &d, 0, 3));
    ck_assert(!khp_litset_in(&ls, &d, 9, 9));  /* empty */
    ck_assert(khp_litset_in(&ls, &d, 10, d.len + 5)); /* clipped to the text */
    const char *a = "abcx";
    kh_doc da = doc_of(a, strlen(a));
    ck_assert(khp_litset_in(&ls, &da, 3, 4));
    ck_assert(!khp_litset_in(&ls, &da, 0, 3));
}
END_TEST

/* ---- the matching and clause helpers the plugins share ------------------ */

START_TEST(test_khp__find_has_find_last)
{
    kh_host h = test_host();
    khp k;
    ck_assert_int_eq(khp_init(&k, &h, "test"), KH_PLUGIN_OK);
    kh_re *re = khp_compile(&k, "[0-9]+件");
    ck_assert_ptr_nonnull(re);
    const char *t = "受理12件,办结8件,其中3件";
    kh_doc d = doc_of(t, strlen(t));
    kh_match m;
    ck_assert(khp_find(&k, re, &d, 0, d.len, &m));
    ck_assert_uint_eq(m.start, 6);
    ck_assert(!khp_find(&k, re, &d, 5, 5, &m));   /* empty range */
    ck_assert(!khp_find(&k, re, &d, 0, 10, &m));  /* the subject is cut at b */
    ck_assert(khp_has(&k, re, &d, 0, 11));
    ck_assert(khp_find_last(&k, re, &d, 0, d.len, &m));
    ck_assert_str_eq(t + m.start, "3件");
    ck_assert(khp_find_last(&k, re, &d, 0, 23, &m)); /* up to 办结8件 */
    ck_assert_uint_eq(m.start, 18);
    ck_assert(!khp_find_last(&k, re, &d, 0, 3, &m));
    khp_free_re(&k, &re);
    khp_fini(&k);
}
END_TEST

START_TEST(test_khp__clause_splitter)
{
    const char *t = "共1,200件:其中,办结98%。下一步;继续";
    kh_doc d = doc_of(t, strlen(t));
    ck_assert_uint_eq(khp_sep_at(t, d.len, 4), 0);  /* 1,200: thousands */
    ck_assert_uint_eq(khp_sep_at(t, d.len, 11), 1); /* ':' before 其 */
    ck_assert_uint_eq(khp_sep_at(t, d.len, 18), 1); /* ',' */
    const char *stop = strstr(t, "。");
    ck_assert_uint_eq(khp_sep_at(t, d.len, (size_t)(stop - t)), 3);
    const char *c2 = "比例:98%";
    ck_assert_uint_eq(khp_sep_at(c2, strlen(c2), 6), 0); /* ':' before a digit */
    size_t pos = (size_t)(strstr(t, "办结") - t);
    ck_assert_uint_eq(khp_clause_start(&d, 0, pos), 19);
    ck_assert_uint_eq(khp_clause_end(&d, pos, d.len), (size_t)(stop - t));
    ck_assert_uint_eq(khp_clause_start(&d, 0, 3), 0);
    ck_assert_uint_eq(khp_clause_start(&d, 25, pos), 25); /* not before lo */
    ck_assert_uint_eq(khp_clause_end(&d, pos, pos + 3), pos + 3); /* not after hi */
    size_t after_stop = (size_t)(stop - t) + 3 + 6; /* inside 下一步 */
    ck_assert_uint_eq(khp_clause_start(&d, 0, after_stop), (size_t)(stop - t) + 3);
}
END_TEST

/* ---- the scope patterns' literal sets ----------------------------------- */

/* Every window [from, to) of text whose start is a character boundary and
 * whose length is at most 160 bytes, stepping both ends by characters:
 * where the set says no literal, the pattern must not match. */
static void check_set(khp *k, kh_re *re, const khp_litset *ls, const kh_doc *d,
                      const char *what)
{
    size_t checked = 0, skipped = 0;
    for (size_t from = 0; from < d->len; from++) {
        if (((unsigned char)d->text[from] & 0xC0) == 0x80)
            continue;
        for (size_t to = from + 1; to <= d->len && to - from <= 160; to++) {
            if (to < d->len && ((unsigned char)d->text[to] & 0xC0) == 0x80)
                continue;
            if (khp_litset_in(ls, d, from, to))
                continue;
            kh_match m;
            int rc = k->host->re_match(re, d->text, to, from, &m);
            ck_assert_msg(rc == 0, "%s matches [%zu, %zu) of \"%.*s\" without a literal of its set",
                          what, from, to, (int)(to - from), d->text + from);
            skipped++;
        }
        checked++;
    }
    ck_assert_uint_gt(skipped, 0);
    (void)checked;
}

START_TEST(test_khp__scope_literal_sets_hold)
{
    kh_host h = test_host();
    khp k;
    ck_assert_int_eq(khp_init(&k, &h, "test"), KH_PLUGIN_OK);
    size_t len;
    char *text = normalised(reports[_i], &len);
    /* a stretch of each report is enough: every window of it is tried */
    size_t span = khp_test_span(text, len < 6000 ? len : 6000);
    kh_doc d = doc_of(text, span);
    check_set(&k, k.scope_target, &k.lits_target, &d, "target");
    check_set(&k, k.scope_require, &k.lits_require, &d, "require");
    check_set(&k, k.scope_multiyear, &k.lits_multiyear, &d, "multiyear");
    check_set(&k, k.scope_partial, &k.lits_partial, &d, "partial");
    check_set(&k, k.scope_month, &k.lits_month, &d, "month");
    check_set(&k, k.scope_court, &k.lits_court, &d, "court");
    check_set(&k, k.scope_prior, &k.lits_prior, &d, "prior");
    check_set(&k, k.scope_part, &k.lits_part, &d, "part");
    kh_re *dept = khp_compile(&k, KHP_PAT_DEPT_SUBJECT);
    ck_assert_ptr_nonnull(dept);
    check_set(&k, dept, &k.lits_dept, &d, "dept subject");
    khp_free_re(&k, &dept);
    khp_fini(&k);
    free(text);
}
END_TEST

/* Phrases each scope pattern is there for: the set must let them through. */
START_TEST(test_khp__scope_literal_sets_let_the_vetoes_through)
{
    kh_host h = test_host();
    khp k;
    ck_assert_int_eq(khp_init(&k, &h, "test"), KH_PLUGIN_OK);
    static const struct {
        const char *text;
        int which;
    } cases[] = {
        {"力争全年办结100件", 0}, {"将全部完成", 0},     {"每人每年不少于60学时", 1},
        {"十三五期间共办理", 2},  {"近三年来", 2},       {"2019-2023年累计", 2},
        {"上半年受理", 3},        {"前三季度", 3},       {"截至9月底", 4},
        {"1-7月", 4},             {"3月份", 4},          {"法院受理", 5},
        {"审判机关", 5},          {"新收一审行政诉讼案件", 5}, {"去年的", 6},
        {"由", 6},                {"同比增长", 6},       {"某镇共", 7},
        {"社区", 7},
        {"区市场监管局举办", 8},  {"执法大队对", 8},    {"综合执法队共", 8},
        {"司法所全年", 8},        {"县医院开展", 8},    {"调解中心联合各镇组织", 8},
        {"某公司承办", 8},        {"实验学校牵头", 8},  {"城关派出所累计", 8},
    };
    kh_re *dept = khp_compile(&k, KHP_PAT_DEPT_SUBJECT);
    ck_assert_ptr_nonnull(dept);
    const khp_litset *sets[] = {&k.lits_target, &k.lits_require, &k.lits_multiyear,
                                &k.lits_partial, &k.lits_month, &k.lits_court,
                                &k.lits_prior, &k.lits_part, &k.lits_dept};
    kh_re *res[] = {k.scope_target, k.scope_require, k.scope_multiyear, k.scope_partial,
                    k.scope_month, k.scope_court, k.scope_prior, k.scope_part, dept};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kh_doc d = doc_of(cases[i].text, strlen(cases[i].text));
        kh_match m;
        ck_assert_msg(h.re_match(res[cases[i].which], d.text, d.len, 0, &m) == 1,
                      "case %zu: the pattern itself does not match", i);
        ck_assert_msg(khp_litset_in(sets[cases[i].which], &d, 0, d.len),
                      "case %zu (\"%s\"): no literal of its set", i, cases[i].text);
        if (cases[i].which == 8)
            ck_assert(khp_find_dept_subject(&k, dept, &d, 0, d.len, &m));
    }
    khp_free_re(&k, &dept);
    khp_fini(&k);
}
END_TEST

/* ---- report.c: windows against the plain search ------------------------- */

/* match_windowed(win) and re_match agree at every start position of text
 * (the rule's whole range: [pos, to)). */
static void agree(report_state *st, kh_re *re, int win, const kh_doc *d, size_t to,
                  const char *what)
{
    for (size_t pos = 0; pos < to; pos++) {
        if (((unsigned char)d->text[pos] & 0xC0) == 0x80)
            continue;
        kh_match a, b;
        int ra = match_windowed(st, re, win, d, pos, to, &a);
        int rb = st->k.host->re_match(re, d->text, to, pos, &b);
        ck_assert_msg(ra == rb, "%s from %zu: windowed %d, plain %d", what, pos, ra, rb);
        if (ra != 1)
            continue;
        ck_assert_msg(a.start == b.start && a.end == b.end,
                      "%s from %zu: windowed [%zu, %zu), plain [%zu, %zu)", what, pos,
                      a.start, a.end, b.start, b.end);
        ck_assert(memcmp(a.group_start, b.group_start, sizeof a.group_start) == 0);
        ck_assert(memcmp(a.group_end, b.group_end, sizeof a.group_end) == 0);
    }
}

static void agree_all(report_state *st, const kh_doc *d)
{
    size_t to = d->len;
    for (size_t r = 0; r < N_UNIT_RULES; r++)
        if (unit_rules[r].window != WIN_NONE)
            agree(st, st->unit_re[r], unit_rules[r].window, d, to, unit_rules[r].pattern);
    for (size_t r = 0; r < N_YEAR_RULES; r++)
        if (year_rules[r].window != WIN_NONE)
            agree(st, st->year_re[r], year_rules[r].window, d, to, year_rules[r].pattern);
    agree(st, st->sign_date, WIN_SIGN_DATE, d, to, "sign_date");
}

static report_state *report_state_new(kh_host *h)
{
    void *state = NULL;
    ck_assert_int_eq(report_init(h, NULL, &state), KH_PLUGIN_OK);
    return state;
}

START_TEST(test_khp__report_windows_on_the_seed_reports)
{
    kh_host h = test_host();
    report_state *st = report_state_new(&h);
    size_t len;
    char *text = normalised(reports[_i], &len);
    /* the head and the tail, where the rules run */
    kh_doc head = doc_of(text, len < HEAD_BYTES ? len : utf8_floor(text, HEAD_BYTES));
    agree_all(st, &head);
    size_t t0 = len > TAIL_BYTES ? utf8_floor(text, len - TAIL_BYTES) : 0;
    kh_doc tail = doc_of(text + t0, len - t0);
    agree_all(st, &tail);
    report_fini(st);
    free(text);
}
END_TEST

/* Generated heads and signatures: names, suffixes, 关于, years, topics and
 * dates in random order, with blanks, markup, line breaks and noise. */
START_TEST(test_khp__report_windows_on_generated_text)
{
    static const char *const pieces[] = {
        "威海市文登区", "城阳区", "𠀀区", "中共", "区委", "委员会", "人民政府", "管理委员会",
        "管委会", "关于", "2024", "1999", "年", "度", "以来", "法治政府建设", "依法行政",
        "情况的报告", "一、", "现将", ",", "。", ":", ";", "\n", "\n", " ", "\t", "#", "*",
        ">", "(", ")", "坚持", "报告", "2025年1月8日", "二〇二四年十二月三十一日", "O",
        "日照市", "月", "日", "抄送", "12", "x", "、",
    };
    kh_host h = test_host();
    report_state *st = report_state_new(&h);
    uint32_t seed = 2024;
    char buf[1024];
    for (int round = 0; round < 400; round++) {
        size_t n = 0;
        for (int k = 0; k < 60; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(p);
            if (n + l >= sizeof buf - 64)
                break;
            memcpy(buf + n, p, l);
            n += l;
        }
        memset(buf + n, 0, 64);
        kh_doc d = doc_of(buf, n);
        agree_all(st, &d);
    }
    report_fini(st);
}
END_TEST

Suite *kh_khp_suite(void);
Suite *kh_khp_suite(void)
{
    Suite *s = suite_create("khp");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_khp__litset_needs_the_whole_literal_inside);
    tcase_add_test(tc, test_khp__find_has_find_last);
    tcase_add_test(tc, test_khp__clause_splitter);
    tcase_add_loop_test(tc, test_khp__scope_literal_sets_hold, 0, N_REPORTS);
    tcase_add_test(tc, test_khp__scope_literal_sets_let_the_vetoes_through);
    suite_add_tcase(s, tc);
    tc = tcase_create("report_windows");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_khp__report_windows_on_the_seed_reports, 0, N_REPORTS);
    tcase_add_test(tc, test_khp__report_windows_on_generated_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_khp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

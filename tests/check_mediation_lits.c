/*
 * check_mediation_lits.c — the mediation plugin reads a sentence only when
 * it holds one of its figure literals (件 起 宗 % 百分之, figure_lits in
 * plugins/mediation/mediation.c). Over every window of the seed reports
 * where none of them lies, none of the five figure patterns matches; and
 * the figures the plugin is there for hold one.
 *
 * The plugin's source is included (the state and literal set are static);
 * the host table is built from the core's pattern, number and sentence
 * functions, as the engine's is.
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
#define kh_plugin_entry mediation_plugin_entry
#define emit mediation_emit /* khp.c has an emit() of its own */
#include "../plugins/mediation/mediation.c"
#undef kh_plugin_entry
#undef emit

#define FIX(rel) KH_FIXTURES_DIR "/" rel

static void *t_alloc(void *ctx, size_t size) { (void)ctx; return malloc(size ? size : 1); }
static void *t_realloc(void *ctx, void *p, size_t size)
{
    (void)ctx;
    return realloc(p, size ? size : 1);
}
static void t_free(void *ctx, void *p) { (void)ctx; free(p); }
static void t_log(void *ctx, kh_log_level level, const char *fmt, ...)
{
    (void)ctx;
    (void)level;
    (void)fmt;
}
static int t_compile(void *ctx, const char *pattern, uint32_t flags, kh_re **out, char *err,
                     size_t err_size)
{
    (void)ctx;
    return kh_pattern_compile(pattern, flags, out, err, err_size);
}
static void t_re_free(void *ctx, kh_re *re) { (void)ctx; kh_pattern_free(re); }

static kh_host test_host(void)
{
    kh_host h;
    memset(&h, 0, sizeof h);
    h.abi_version = KH_PLUGIN_ABI_VERSION;
    h.struct_size = sizeof h;
    h.alloc = t_alloc;
    h.realloc = t_realloc;
    h.free = t_free;
    h.log = t_log;
    h.parse_number = kh_number_parse;
    h.re_compile = t_compile;
    h.re_match = kh_pattern_match;
    h.re_group = kh_pattern_group;
    h.re_free = t_re_free;
    h.sentence_bounds = kh_host__sentence_bounds;
    return h;
}

static kh_doc doc_of(const char *text, size_t len)
{
    kh_doc d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.text = text;
    d.len = len;
    d.path = "test";
    return d;
}

/* The normalised text of a file (owned by the caller). */
static char *normalised(const char *path, size_t *len)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_document_load_file(&doc, path, NULL, &err), KH_OK);
    *len = kh_document_length(doc);
    char *t = malloc(*len + 1);
    ck_assert_ptr_nonnull(t);
    memcpy(t, kh_document_text(doc), *len);
    t[*len] = '\0';
    kh_document_free(doc);
    return t;
}

static const char *const reports[] = {
    FIX("reports/wendeng-2024.txt"), FIX("reports/chengyang-2024.txt"),
    FIX("reports/rongcheng-2022.txt"), FIX("reports/weihai-gaoqu-2017.txt"),
    FIX("reports/yicheng-2021.txt"),
};
#define N_REPORTS (sizeof reports / sizeof reports[0])

static mediation_state *new_state(const kh_host *h)
{
    void *state = NULL;
    ck_assert_int_eq(mediation_init(h, NULL, &state), KH_PLUGIN_OK);
    return state;
}

/* Every window [from, to) of up to 200 bytes (character boundaries) where
 * the set finds no literal: no figure pattern matches from its start. */
START_TEST(test_mediation_lits__no_literal_no_figure)
{
    kh_host h = test_host();
    mediation_state *st = new_state(&h);
    kh_re *figures[] = {st->success, st->resolve, st->rate, st->rate_loose, st->rate_bare};
    size_t len;
    char *text = normalised(reports[_i], &len);
    kh_doc d = doc_of(text, len);
    size_t skipped = 0;
    for (size_t from = 0; from < d.len; from++) {
        if (((unsigned char)d.text[from] & 0xC0) == 0x80)
            continue;
        for (size_t to = from + 1; to <= d.len && to - from <= 200; to++) {
            if (to < d.len && ((unsigned char)d.text[to] & 0xC0) == 0x80)
                continue;
            if (khp_litset_in(&st->figure_lits, &d, from, to))
                continue;
            for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
                kh_match m;
                ck_assert_msg(h.re_match(figures[i], d.text, to, from, &m) == 0,
                              "figure pattern %zu matches [%zu, %zu) \"%.*s\" without a "
                              "literal", i, from, to, (int)(to - from), d.text + from);
            }
            skipped++;
        }
    }
    ck_assert_uint_gt(skipped, 0);
    free(text);
    mediation_fini(st);
}
END_TEST

/* The figures the patterns are there for hold a literal of the set. */
START_TEST(test_mediation_lits__figures_hold_one)
{
    kh_host h = test_host();
    mediation_state *st = new_state(&h);
    static const char *const cases[] = {
        "全年共调解成功矛盾纠纷1260件", "成功化解各类纠纷三百余起", "调处成功12宗",
        "化解矛盾纠纷共计86件",        "调解成功率达98.6%",          "纠纷化解率为百分之百",
        "调解成功,成功率99%",
    };
    kh_re *figures[] = {st->success, st->resolve, st->rate, st->rate_loose, st->rate_bare};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kh_doc d = doc_of(cases[i], strlen(cases[i]));
        bool matched = false;
        for (size_t j = 0; j < sizeof figures / sizeof figures[0]; j++) {
            kh_match m;
            matched = matched || h.re_match(figures[j], d.text, d.len, 0, &m) == 1;
        }
        ck_assert_msg(matched, "case %zu (\"%s\"): no figure pattern matches", i, cases[i]);
        ck_assert_msg(khp_litset_in(&st->figure_lits, &d, 0, d.len),
                      "case %zu (\"%s\"): no literal of the set", i, cases[i]);
    }
    mediation_fini(st);
}
END_TEST

Suite *kh_mediation_lits_suite(void);
Suite *kh_mediation_lits_suite(void)
{
    Suite *s = suite_create("mediation_lits");
    TCase *tc = tcase_create("literals");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_mediation_lits__no_literal_no_figure, 0, N_REPORTS);
    tcase_add_test(tc, test_mediation_lits__figures_hold_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_mediation_lits_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_batch_summary.c — the batch parent's compact summaries: a light item
 * rebuilt from a summary carries what the item did (points bit for bit,
 * statuses, missing keys, the explanations of indicators awaiting review,
 * 加分/扣分 adjustments, extraction errors), the office's files written
 * from summaries are the files written from the items, ranks are kh_rank's,
 * and a report costs a few hundred bytes whatever its strings. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_summary.h"
#include "kh_test_run.h"
#include "kh_test_util.h"
#include "outputs.h"

static kh_test_run run_;

static void setup(void)
{
    ck_assert_msg(kh_test_run_build_example(&run_) == 0, "%s", run_.message);
}

static void teardown(void)
{
    kh_test_run_free(&run_);
}

static kh_batch_summary *summarise_run(const kh_run *run)
{
    kh_batch_summary *s = NULL;
    ck_assert_int_eq(kh_batch_summary_new(&s, run->scheme, run->count), KH_OK);
    for (size_t i = 0; i < run->count; i++)
        ck_assert_int_eq(kh_batch_summary_set(s, i, &run->items[i]), KH_OK);
    return s;
}

static void assert_same_str(const char *a, const char *b)
{
    if (!a || !b)
        ck_assert_ptr_eq(a, b);
    else
        ck_assert_str_eq(a, b);
}

START_TEST(test_batch_summary__light_items)
{
    const kh_run *run = &run_.run;
    kh_batch_summary *s = summarise_run(run);
    size_t with_missing = 0, with_errors = 0, with_adjust = 0;
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *a = &run->items[i];
        const kh_run_item *b = kh_batch_summary_item(s, i);
        ck_assert_ptr_nonnull(b);
        ck_assert_ptr_eq(b->path, a->path); /* borrowed */
        assert_same_str(b->unit, a->unit);
        assert_same_str(b->unit_code, a->unit_code);
        assert_same_str(b->unit_note, a->unit_note);
        assert_same_str(b->error, a->error);
        ck_assert_int_eq(b->year, a->year);
        ck_assert_int_eq(kh_batch_summary_scored(s, i), a->score && !a->error);
        size_t ne = a->facts ? kh_factset_error_count(a->facts) : 0;
        ck_assert_uint_eq(b->facts ? kh_factset_error_count(b->facts) : 0, ne);
        for (size_t e = 0; e < ne; e++)
            ck_assert_str_eq(kh_factset_error_at(b->facts, e), kh_factset_error_at(a->facts, e));
        with_errors += ne > 0;
        ck_assert_int_eq(b->score != NULL, a->score != NULL);
        if (!a->score)
            continue;
        const kh_report_score *x = a->score, *y = b->score;
        ck_assert(memcmp(&x->total, &y->total, sizeof x->total) == 0);
        assert_same_str(y->grade, x->grade);
        assert_same_str(y->unit, x->unit);
        ck_assert_int_eq(y->rank, x->rank);
        ck_assert_uint_eq(y->adjustments_count, x->adjustments_count);
        for (size_t j = 0; j < x->adjustments_count; j++) {
            ck_assert_str_eq(y->adjustments[j].id, x->adjustments[j].id);
            ck_assert_str_eq(y->adjustments[j].name, x->adjustments[j].name);
            ck_assert(memcmp(&x->adjustments[j].points, &y->adjustments[j].points,
                             sizeof(double)) == 0);
        }
        with_adjust += x->adjustments_count > 0;
        ck_assert_uint_eq(y->indicators_count, x->indicators_count);
        for (size_t k = 0; k < x->indicators_count; k++) {
            const kh_indicator_result *p = &x->indicators[k], *q = &y->indicators[k];
            ck_assert_ptr_eq(q->indicator, p->indicator);
            ck_assert_int_eq(q->status, p->status);
            ck_assert_int_eq(q->excluded, p->excluded);
            ck_assert(memcmp(&p->points, &q->points, sizeof p->points) == 0);
            assert_same_str(q->error, p->error);
            assert_same_str(q->explanation, p->status != KH_STATUS_SCORED || p->missing_count
                                                ? p->explanation
                                                : NULL);
            ck_assert_uint_eq(q->missing_count, p->missing_count);
            for (size_t m = 0; m < p->missing_count; m++)
                ck_assert_str_eq(q->missing[m], p->missing[m]);
            with_missing += p->missing_count > 0;
            ck_assert_uint_eq(q->facts_count, 0); /* light: facts come from full */
        }
    }
    ck_assert_uint_gt(with_missing, 0); /* the fixtures exercise what matters */
    ck_assert_uint_ge(with_adjust, 2);
    ck_assert_uint_gt(with_errors, 0);
    ck_assert_ptr_null(kh_batch_summary_item(s, run->count));
    kh_batch_summary_free(s);
}
END_TEST

/* kh_run.item over a summary */
static const kh_run_item *item_of(void *ctx, size_t i)
{
    return kh_batch_summary_item(ctx, i);
}

/* kh_run.full: the complete items of the test run */
static const kh_run_item *full_of(void *ctx, size_t i)
{
    const kh_run *run = ctx;
    return &run->items[i];
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return kh_test_slurp(p, len);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

START_TEST(test_batch_summary__outputs_identical)
{
    const kh_run *run = &run_.run;
    kh_batch_summary *s = summarise_run(run);
    kh_run light = *run;
    light.items = NULL;
    light.item = item_of;
    light.item_ctx = s;
    light.full = full_of;
    light.full_ctx = (void *)run;
    char a[] = "/tmp/kh-sum-a-XXXXXX", b[] = "/tmp/kh-sum-b-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(a));
    ck_assert_ptr_nonnull(mkdtemp(b));
    kh_error err;
    kh_error_clear(&err);
    ck_assert_msg(kh_outputs_write(a, run, &err) == KH_OK, "%s", err.message);
    ck_assert_msg(kh_outputs_write(b, &light, &err) == KH_OK, "%s", err.message);
    static const char *const names[] = {KH_OUTPUT_RANKING_CSV, KH_OUTPUT_HTML, KH_OUTPUT_XLSX};
    for (size_t f = 0; f < 3; f++) {
        size_t la, lb;
        char *x = slurp(a, names[f], &la), *y = slurp(b, names[f], &lb);
        ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs", names[f]);
        free(x);
        free(y);
    }
    remove_dir(a);
    remove_dir(b);
    kh_batch_summary_free(s);
}
END_TEST

START_TEST(test_batch_summary__rank_as_kh_rank)
{
    /* ties by cents (80.004 and 80.0), failed items, a given order, three
     * years and an unknown one, ranked each among its own */
    static const double totals[] = {71.5, 80.004, 80.0, 92.25, 0, 71.5, 99.999, 100.0, 55,
                                    88, 71.5, 60, 100.0};
    static const int years[] = {2024, 2024, 2024, 2024, 2024, 2023, 2024, 2024, 2024,
                                2023, 2023, 0, 2022};
    enum { N = sizeof totals / sizeof totals[0] };
    kh_batch_summary *s = NULL;
    ck_assert_int_eq(kh_batch_summary_new(&s, run_.scheme, N), KH_OK);
    kh_report_score scores[N];
    kh_indicator_result *ind = calloc(run_.scheme->indicators_count, sizeof *ind);
    ck_assert_ptr_nonnull(ind);
    for (size_t k = 0; k < run_.scheme->indicators_count; k++)
        ind[k].indicator = &run_.scheme->indicators[k];
    for (size_t i = 0; i < N; i++) {
        memset(&scores[i], 0, sizeof scores[i]);
        scores[i].total = totals[i];
        scores[i].year = years[i];
        scores[i].indicators = ind;
        scores[i].indicators_count = run_.scheme->indicators_count;
        kh_run_item it = {0};
        it.path = "x";
        it.score = &scores[i];
        it.error = i == 4 ? "x: unreadable" : NULL;
        it.year = years[i];
        ck_assert_int_eq(kh_batch_summary_set(s, i, &it), KH_OK);
    }
    /* the order items are ranked in: reversed */
    size_t order[N];
    kh_report_score *ptrs[N];
    size_t m = 0;
    for (size_t k = 0; k < N; k++) {
        order[k] = N - 1 - k;
        if (order[k] != 4)
            ptrs[m++] = &scores[order[k]];
    }
    ck_assert_int_eq(kh_batch_summary_rank_all(s, order, N), KH_OK);
    kh_rank(ptrs, m);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(kh_batch_summary_rank(s, i), i == 4 ? 0 : scores[i].rank);
    ck_assert_int_eq(kh_batch_summary_rank(s, 2), kh_batch_summary_rank(s, 1)); /* 80.00 */
    ck_assert_int_eq(kh_batch_summary_rank(s, 10), 2);  /* 2023: 88, 71.5 */
    ck_assert_int_eq(kh_batch_summary_rank(s, 11), 1);  /* year unknown */
    ck_assert_int_eq(kh_batch_summary_rank(s, 12), 1);  /* 2022 */
    ck_assert_int_eq(kh_batch_summary_rank(s, 7), 1);   /* 2024: 100 */
    free(ind);
    kh_batch_summary_free(s);
}
END_TEST

START_TEST(test_batch_summary__points_exact)
{
    const kh_run *run = &run_.run;
    const kh_report_score *src = NULL;
    for (size_t i = 0; i < run->count && !src; i++)
        if (run->items[i].score && !run->items[i].error)
            src = run->items[i].score;
    ck_assert_ptr_nonnull(src);
    /* points that are not whole cents go aside, bit for bit */
    static const double odd[] = {1.0 / 3, -0.0, 13.48, 1e300, -2.5, 12345678.91, 0.005,
                                 21474836.48};
    size_t n = src->indicators_count;
    kh_indicator_result *ind = malloc(n * sizeof *ind);
    ck_assert_ptr_nonnull(ind);
    memcpy(ind, src->indicators, n * sizeof *ind);
    for (size_t k = 0; k < n; k++)
        ind[k].points = odd[k % (sizeof odd / sizeof odd[0])];
    kh_report_score sc = *src;
    sc.indicators = ind;
    kh_run_item it = {0};
    it.path = "p";
    it.score = &sc;
    kh_batch_summary *s = NULL;
    ck_assert_int_eq(kh_batch_summary_new(&s, run->scheme, 1), KH_OK);
    ck_assert_int_eq(kh_batch_summary_set(s, 0, &it), KH_OK);
    const kh_run_item *b = kh_batch_summary_item(s, 0);
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(memcmp(&b->score->indicators[k].points, &ind[k].points, sizeof(double)) == 0,
                      "indicator %zu: %.17g read back as %.17g", k, ind[k].points,
                      b->score->indicators[k].points);
    free(ind);
    kh_batch_summary_free(s);
}
END_TEST

START_TEST(test_batch_summary__compact)
{
    /* 20,000 reports of the seed run's items: strings are interned, so the
     * summaries grow by the fixed part of an item only */
    const kh_run *run = &run_.run;
    enum { N = 20000 };
    kh_batch_summary *s = NULL;
    ck_assert_int_eq(kh_batch_summary_new(&s, run->scheme, N), KH_OK);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(kh_batch_summary_set(s, i, &run->items[i % run->count]), KH_OK);
    size_t per = kh_batch_summary_bytes(s) / N;
    ck_assert_msg(per <= 128, "%zu bytes a report", per);
    const kh_run_item *it = kh_batch_summary_item(s, N - 1);
    ck_assert_ptr_eq(it->path, run->items[(N - 1) % run->count].path);
    kh_batch_summary_free(s);
}
END_TEST

static Suite *kh_batch_summary_suite(void)
{
    Suite *s = suite_create("batch_summary");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_batch_summary__light_items);
    tcase_add_test(tc, test_batch_summary__outputs_identical);
    tcase_add_test(tc, test_batch_summary__rank_as_kh_rank);
    tcase_add_test(tc, test_batch_summary__points_exact);
    tcase_add_test(tc, test_batch_summary__compact);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_batch_summary_suite)

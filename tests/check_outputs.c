/* check_outputs.c — the OUTDIR writers on a run of the seed reports (with
 * overrides, a failed input and a hostile report): which files appear and
 * how they are written, ranking.csv byte for byte, report.html escaping and
 * sections, kaohe.xlsx container. The xlsx contents and the page rendering
 * are read back by independent readers in e2e/test_outputs.py. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kh_test_run.h"
#include "kh_test_util.h"
#include "outputs.h"

static char outdir[256];

static void make_outdir(void)
{
    snprintf(outdir, sizeof outdir, "/tmp/kh-outputs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(outdir));
}

static void remove_outdir(void)
{
    DIR *d = opendir(outdir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", outdir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(outdir);
}

/* Whole file; caller frees. */
static char *slurp(const char *name, size_t *len)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", outdir, name);
    return kh_test_slurp(p, len);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static kh_test_run run_;

static void build_full(void)
{
    ck_assert_msg(kh_test_run_build_example(&run_) == 0, "%s", run_.message);
    make_outdir();
}

static void teardown_full(void)
{
    kh_test_run_free(&run_);
    remove_outdir();
}

static void write_all(void)
{
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_outputs_write(outdir, &run_.run, &err);
    ck_assert_msg(rc == KH_OK, "%s: %s", err.file, err.message);
}

START_TEST(test_outputs__writes_three_files_and_no_temporaries)
{
    write_all();
    write_all(); /* a second run replaces the files */
    DIR *d = opendir(outdir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ck_assert_msg(strcmp(de->d_name, KH_OUTPUT_RANKING_CSV) == 0 ||
                          strcmp(de->d_name, KH_OUTPUT_XLSX) == 0 ||
                          strcmp(de->d_name, KH_OUTPUT_HTML) == 0,
                      "unexpected file %s in OUTDIR", de->d_name);
        char p[600];
        snprintf(p, sizeof p, "%s/%s", outdir, de->d_name);
        struct stat st;
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0644);
        ck_assert_int_gt(st.st_size, 500);
        n++;
    }
    closedir(d);
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(test_outputs__creates_outdir_and_reports_failures)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/new", outdir);
    kh_error err;
    ck_assert_int_eq(kh_outputs_write(sub, &run_.run, &err), KH_OK);
    char p[400];
    snprintf(p, sizeof p, "%s/%s", sub, KH_OUTPUT_HTML);
    ck_assert_int_eq(access(p, F_OK), 0);
    const char *names[] = {KH_OUTPUT_RANKING_CSV, KH_OUTPUT_XLSX, KH_OUTPUT_HTML};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", sub, names[i]);
        unlink(p);
    }
    rmdir(sub);
    /* a parent that does not exist, and a file where the directory should be */
    snprintf(sub, sizeof sub, "%s/no/such/dir", outdir);
    kh_error_clear(&err);
    ck_assert_int_eq(kh_outputs_write(sub, &run_.run, &err), KH_EIO);
    ck_assert_str_eq(err.file, sub);
    snprintf(sub, sizeof sub, "%s/plain", outdir);
    FILE *f = fopen(sub, "w");
    fclose(f);
    kh_error_clear(&err);
    ck_assert_int_eq(kh_outputs_write(sub, &run_.run, &err), KH_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "not a directory"));
    unlink(sub);
    ck_assert_int_eq(kh_outputs_write(NULL, &run_.run, &err), KH_EINVAL);
}
END_TEST

/* Line i (0-based) of CRLF text, without the CRLF; static buffer. */
static const char *csv_line(const char *text, size_t i)
{
    static char buf[4096];
    const char *p = text;
    for (size_t k = 0; k < i && p; k++) {
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    ck_assert_ptr_nonnull(p);
    const char *e = strstr(p, "\r\n");
    ck_assert_ptr_nonnull(e);
    snprintf(buf, sizeof buf, "%.*s", (int)(e - p), p);
    return buf;
}

START_TEST(test_outputs__ranking_csv_is_excel_ready)
{
    /* a unit Excel would read as a formula, with a comma and a quote */
    static const char evil[] = "=HYPERLINK(\"x\"),区";
    for (size_t i = 0; i < run_.count; i++)
        if (strstr(run_.items[i].path, "weihai-gaoqu"))
            run_.items[i].unit = evil;
    write_all();
    size_t len;
    char *csv = slurp(KH_OUTPUT_RANKING_CSV, &len);
    ck_assert(memcmp(csv, "\xEF\xBB\xBF", 3) == 0);
    /* every line ends CRLF: no bare LF, no bare CR */
    for (size_t i = 0; i < len; i++) {
        if (csv[i] == '\n')
            ck_assert_msg(i > 0 && csv[i - 1] == '\r', "bare LF at %zu", i);
        if (csv[i] == '\r')
            ck_assert_msg(i + 1 < len && csv[i + 1] == '\n', "bare CR at %zu", i);
    }
    ck_assert(len > 2 && csv[len - 2] == '\r' && csv[len - 1] == '\n');
    ck_assert_str_eq(csv_line(csv + 3, 0),
                     "排名,单位,行政区划代码,年度,总分,等次,待核查项数,FZ-01,FZ-02,FZ-03,"
                     "FZ-04,FZ-05,FZ-06,FZ-07,FZ-08,FZ-09,FZ-10,FZ-11,FZ-12,加分/扣分,文件,"
                     "备注");
    /* 加分/扣分 (fixtures/events/example.yaml): 文登区's two bonuses capped */
    ck_assert_ptr_nonnull(strstr(csv_line(csv + 3, 1), ",3.00,"));
    /* rank 1 is 威海市文登区 with its code; rows in rank order */
    ck_assert_ptr_nonnull(strstr(csv_line(csv + 3, 1), "1,威海市文登区,371003,2024,"));
    ck_assert_uint_eq(count_of(csv, "\r\n"), run_.count + 1);
    ck_assert_ptr_nonnull(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\"),区\","));
    ck_assert_ptr_nonnull(strstr(csv, "\"hostile/<b>报告</b>&\"\"x\"\".txt\""));
    /* the failed input last: no rank, no total, the reason in 备注 */
    const char *last = csv_line(csv + 3, run_.count);
    ck_assert_msg(last[0] == ',', "failed row has a rank: %s", last);
    ck_assert_ptr_nonnull(strstr(last, "binary.bin: binary data"));
    /* a failed input never gets points */
    ck_assert_ptr_null(strstr(last, ".00"));
    free(csv);
}
END_TEST

START_TEST(test_outputs__html_escapes_report_text)
{
    write_all();
    char *html = slurp(KH_OUTPUT_HTML, NULL);
    /* nothing from the hostile report became markup */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<img"));
    ck_assert_ptr_null(strstr(html, "<svg onload"));
    ck_assert_ptr_null(strstr(html, "<b>报告"));
    ck_assert_ptr_null(strstr(html, "<u>unknown"));
    ck_assert_ptr_null(strstr(html, "<i>note"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&#39;kaohe&#39;)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=alert(1)&gt;示范区"));
    ck_assert_ptr_nonnull(strstr(html, "hostile/&lt;b&gt;报告&lt;/b&gt;&amp;&quot;x&quot;.txt"));
    ck_assert_ptr_nonnull(strstr(html, "plugin &lt;svg onload=alert(2)&gt;: failed"));
    /* self-contained: no scripts, no fetches, and a policy that forbids both */
    ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
    ck_assert_ptr_nonnull(strstr(html, "default-src 'none'"));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, "<iframe"));
    ck_assert_ptr_null(strstr(html, "url("));
    ck_assert_ptr_null(strstr(html, "@import"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_uint_eq(count_of(html, "http://"), 1); /* the SVG namespace only */
    ck_assert_ptr_nonnull(strstr(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    free(html);
}
END_TEST

START_TEST(test_outputs__html_has_every_section)
{
    write_all();
    char *html = slurp(KH_OUTPUT_HTML, NULL);
    size_t scored = 0;
    for (size_t i = 0; i < run_.count; i++)
        scored += run_.items[i].score != NULL;
    ck_assert_uint_eq(count_of(html, "<tr class=\"rank-row\">"), scored);
    ck_assert_uint_eq(count_of(html, "<g class=\"bar\">"), scored);
    ck_assert_uint_eq(count_of(html, "<article id=\"d"), run_.count);
    ck_assert_ptr_nonnull(strstr(html, "<title>2024年度法治政府建设考核</title>"));
    /* the heat map's 加分/扣分 column (fixtures/events/example.yaml) */
    ck_assert_ptr_nonnull(strstr(html, "<th class=\"num\">加分/扣分</th>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"num\">+3.00</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"num\">-4.00</td>"));
    ck_assert_ptr_nonnull(strstr(html, run_.scheme->name));
    ck_assert_ptr_nonnull(strstr(html, run_.scheme->sha256));
    ck_assert_ptr_nonnull(strstr(html, "<table class=\"heat\">"));
    ck_assert_ptr_nonnull(strstr(html, "hsl(120,70%,82%)")); /* a full-marks cell */
    ck_assert_ptr_nonnull(strstr(html, "class=\"missing\""));
    for (size_t i = 0; i < run_.count; i++)
        if (run_.items[i].unit && run_.items[i].score && !strchr(run_.items[i].unit, '<'))
            ck_assert_msg(strstr(html, run_.items[i].unit), "unit %s missing",
                          run_.items[i].unit);
    /* evidence: fact, value, line:column, original text */
    ck_assert_ptr_nonnull(strstr(html, "<code>review.closed</code> = <b>115</b>"));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"pos\">第"));
    /* 待核查: a missing indicator and the failed input with its reason */
    const char *review = strstr(html, "<section id=\"review\">");
    ck_assert_ptr_nonnull(review);
    ck_assert_ptr_nonnull(strstr(review, "缺少事实"));
    ck_assert_ptr_nonnull(strstr(review, "binary.bin: binary data"));
    /* 修改记录: every override with reason, author, date, old and new value */
    const char *ov = strstr(html, "<section id=\"overrides\">");
    ck_assert_ptr_nonnull(ov);
    ck_assert_uint_eq(count_of(ov, "<tr><td>"), run_.run.overrides_count);
    ck_assert_ptr_nonnull(strstr(ov, "法院统计口径为26件"));
    ck_assert_ptr_nonnull(strstr(ov, "<td class=\"num\">24</td><td class=\"num\">26</td>"));
    ck_assert_ptr_nonnull(strstr(ov, "2025-03-04"));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"badge override\">人工修改</span>"));
    free(html);
}
END_TEST

START_TEST(test_outputs__xlsx_container)
{
    write_all();
    size_t len;
    char *x = slurp(KH_OUTPUT_XLSX, &len);
    ck_assert(len > 4 && memcmp(x, "PK\x03\x04", 4) == 0);
    /* zip entry names are stored uncompressed: five worksheets */
    char name[64];
    for (int i = 1; i <= 5; i++) {
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i);
        ck_assert_msg(memmem(x, len, name, strlen(name)) != NULL, "%s missing", name);
    }
    ck_assert_ptr_null(memmem(x, len, "xl/worksheets/sheet6.xml", 24));
    ck_assert_ptr_nonnull(memmem(x, len, "xl/sharedStrings.xml", 20));
    free(x);
}
END_TEST

/* Two writes of the same run, a clock second apart, give the same bytes:
 * the workbook records a fixed creation time, not the clock. */
START_TEST(test_outputs__xlsx_is_reproducible)
{
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/a.xlsx", outdir);
    snprintf(b, sizeof b, "%s/b.xlsx", outdir);
    kh_error err;
    kh_error_clear(&err);
    ck_assert_msg(kh_outputs_xlsx(a, &run_.run, &err) == KH_OK, "%s", err.message);
    time_t t0 = time(NULL);
    while (time(NULL) == t0)
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    ck_assert_msg(kh_outputs_xlsx(b, &run_.run, &err) == KH_OK, "%s", err.message);
    size_t la, lb;
    char *xa = slurp("a.xlsx", &la);
    char *xb = slurp("b.xlsx", &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_msg(memcmp(xa, xb, la) == 0, "kaohe.xlsx differs between two writes");
    free(xa);
    free(xb);
}
END_TEST

START_TEST(test_outputs__run_without_overrides_or_failures)
{
    kh_test_run t;
    kh_test_run_options opt = {0};
    ck_assert_msg(kh_test_run_build(&t, &opt) == 0, "%s", t.message);
    kh_error err;
    ck_assert_int_eq(kh_outputs_write(outdir, &t.run, &err), KH_OK);
    char *html = slurp(KH_OUTPUT_HTML, NULL);
    ck_assert_ptr_nonnull(strstr(html, "本次评分没有人工修改的事实"));
    ck_assert_ptr_nonnull(strstr(html, "<title>法治政府建设考核结果</title>"));
    ck_assert_ptr_null(strstr(html, "人工修改</span>"));
    free(html);
    char *csv = slurp(KH_OUTPUT_RANKING_CSV, NULL);
    ck_assert_uint_eq(count_of(csv, "\r\n"), t.count + 1);
    free(csv);
    kh_test_run_free(&t);
}
END_TEST

/* The single writers report a failed stream. */
START_TEST(test_outputs__write_errors_are_reported)
{
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        return; /* no /dev/full here: nothing to test against */
    setvbuf(full, NULL, _IONBF, 0);
    ck_assert_int_eq(kh_outputs_report_html(full, &run_.run), KH_EIO);
    clearerr(full);
    ck_assert_int_eq(kh_outputs_ranking_csv(full, &run_.run), KH_EIO);
    fclose(full);
    kh_error err;
    ck_assert_int_eq(kh_outputs_xlsx("/nonexistent-dir/k.xlsx", &run_.run, &err), KH_EIO);
    ck_assert_str_eq(err.file, "/nonexistent-dir/k.xlsx");
}
END_TEST

static Suite *kh_outputs_suite(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("outdir");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, build_full, teardown_full);
    tcase_add_test(tc, test_outputs__writes_three_files_and_no_temporaries);
    tcase_add_test(tc, test_outputs__creates_outdir_and_reports_failures);
    tcase_add_test(tc, test_outputs__ranking_csv_is_excel_ready);
    tcase_add_test(tc, test_outputs__html_escapes_report_text);
    tcase_add_test(tc, test_outputs__html_has_every_section);
    tcase_add_test(tc, test_outputs__xlsx_container);
    tcase_add_test(tc, test_outputs__xlsx_is_reproducible);
    tcase_add_test(tc, test_outputs__run_without_overrides_or_failures);
    tcase_add_test(tc, test_outputs__write_errors_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_outputs_suite)

/* outputs.c — the files of OUTDIR (ranking.csv, kaohe.xlsx, report.html)
 * from one kh_run, each written atomically (see outputs.h). */
#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"  /* kh_format_double */
#include "score_internal.h" /* kh_rank_place */
#include "kaohe/kaohe.h"
#include "overrides.h" /* the value text and record lookup of overrides */
#include "table.h"     /* kh_display_width */
#include "xlsxapi.h"   /* libxlsxwriter, loaded on first use */

/* ---- shared helpers ---- */

static const char *const policy_names[] = {"zero", "half", "exclude"};

static const char *item_unit(const kh_run_item *it)
{
    if (it->unit)
        return it->unit;
    if (it->score && it->score->unit)
        return it->score->unit;
    return NULL;
}

static const char *unit_label(const kh_run_item *it)
{
    const char *u = item_unit(it);
    return u ? u : "单位未识别";
}

static size_t review_count(const kh_report_score *s)
{
    size_t n = 0;
    for (size_t k = 0; s && k < s->indicators_count; k++)
        n += kh_awaits_review(&s->indicators[k]);
    return n;
}

/* Its 状态 on the 待核查 list. */
static const char *review_label(const kh_indicator_result *r)
{
    if (r->status == KH_STATUS_ERROR)
        return "规则错误";
    return r->status == KH_STATUS_MISSING ? "缺少事实" : "部分事实缺失";
}

static bool scored(const kh_run_item *it)
{
    return it->score != NULL && it->error == NULL;
}

/* The 加分/扣分 column and row: only for a scheme that declares adjustments. */
#define ADJUST_LABEL "加分/扣分"
static bool has_adjustments(const kh_scheme *sc)
{
    return sc->adjustments_count > 0;
}

/* Display order: scored items by year (latest first) and rank (ties in run
 * order), failed ones last. Caller frees. */
static size_t *display_order(const kh_run *run)
{
    size_t n = run->count, *ord = malloc((n ? n : 1) * sizeof *ord), m = 0;
    if (!ord)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (scored(kh_run_item_at(run, i)))
            ord[m++] = i;
    /* by year and rank, ties in run order: qsort on (year, rank, index) — a
     * batch has 100,000 items — else (out of memory) a stable insertion
     * sort */
    kh_rank_place *keys = m > 1 ? malloc(m * sizeof *keys) : NULL;
    if (keys) {
        for (size_t i = 0; i < m; i++) {
            const kh_report_score *sc = kh_run_item_at(run, ord[i])->score;
            keys[i] = (kh_rank_place){sc->year, sc->rank, ord[i]};
        }
        qsort(keys, m, sizeof *keys, kh_cmp_rank_place);
        for (size_t i = 0; i < m; i++)
            ord[i] = keys[i].index;
        free(keys);
    }
    for (size_t i = 1; i < m; i++) { /* stable insertion sort by year, rank */
        size_t v = ord[i], k = i;
        const kh_report_score *sv = kh_run_item_at(run, v)->score;
        int yv = sv->year, rv = sv->rank;
        while (k > 0) {
            const kh_report_score *sk = kh_run_item_at(run, ord[k - 1])->score;
            if (!kh_rank_before(yv, rv, sk->year, sk->rank))
                break;
            ord[k] = ord[k - 1];
            k--;
        }
        ord[k] = v;
    }
    for (size_t i = 0; i < n; i++)
        if (!scored(kh_run_item_at(run, i)))
            ord[m++] = i;
    return ord;
}

static char *fmt_points(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.2f", round(v * 100) / 100 + 0.0);
    return buf;
}


/* The unit of the report an override went to (its label), else as written. */
static const char *override_unit(const kh_run *run, const kh_override_applied *o)
{
    for (size_t i = 0; o->path && i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, i); /* its strings outlive it */
        if (it->path && strcmp(it->path, o->path) == 0 && item_unit(it))
            return item_unit(it);
    }
    return o->unit;
}

static const char *status_label(const kh_indicator_result *r)
{
    if (r->status == KH_STATUS_ERROR)
        return "规则错误";
    if (r->status == KH_STATUS_MISSING)
        return "待核查";
    return "已评分";
}

static const char *title_of(const kh_run *run)
{
    return run->title && *run->title ? run->title : "法治政府建设考核结果";
}

/* ---- ranking.csv ---- */

static void csv_text(FILE *out, const char *s)
{
    if (!s)
        return;
    /* Excel and WPS read =, +, -, @ (and a leading tab/CR) as a formula. */
    bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    bool quote = formula || strpbrk(s, ",\"\n\r") != NULL;
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    if (quote)
        fputc('"', out);
}

int kh_outputs_ranking_csv(FILE *out, const kh_run *run)
{
    const kh_scheme *sc = run->scheme;
    size_t *ord = display_order(run);
    if (!ord)
        return KH_ENOMEM;
    fputs("\xEF\xBB\xBF", out); /* BOM: Excel then reads UTF-8 */
    fputs("排名,单位,行政区划代码,年度,总分,等次,待核查项数", out);
    for (size_t k = 0; k < sc->indicators_count; k++)
        if (!sc->indicators[k].monitor) {
            fputc(',', out);
            csv_text(out, sc->indicators[k].id);
        }
    if (has_adjustments(sc))
        fputs("," ADJUST_LABEL, out);
    fputs(",文件,备注\r\n", out);
    for (size_t n = 0; n < run->count; n++) {
        const kh_run_item *it = kh_run_item_at(run, ord[n]);
        const kh_report_score *s = scored(it) ? it->score : NULL;
        char buf[64];
        if (s)
            fprintf(out, "%d", s->rank);
        fputc(',', out);
        csv_text(out, item_unit(it));
        fputc(',', out);
        csv_text(out, it->unit_code);
        fputc(',', out);
        if (it->year)
            fprintf(out, "%d", it->year);
        fputc(',', out);
        if (s) {
            fputs(fmt_points(s->total, buf, sizeof buf), out);
            fputc(',', out);
            csv_text(out, s->grade);
            fprintf(out, ",%zu", review_count(s));
        } else {
            fputs(",,", out);
        }
        for (size_t k = 0; k < sc->indicators_count; k++) {
            if (sc->indicators[k].monitor)
                continue;
            fputc(',', out);
            if (!s || k >= s->indicators_count)
                continue;
            const kh_indicator_result *r = &s->indicators[k];
            if (r->status == KH_STATUS_ERROR)
                fputs("错误", out);
            else if (r->excluded)
                fputs("不计", out);
            else
                fputs(fmt_points(r->points, buf, sizeof buf), out);
        }
        if (has_adjustments(sc)) {
            fputc(',', out);
            if (s)
                fputs(fmt_points(kh_adjust_sum(s), buf, sizeof buf), out);
        }
        fputc(',', out);
        csv_text(out, it->path);
        fputc(',', out);
        csv_text(out, s ? it->unit_note : (it->error ? it->error : "未能处理"));
        fputs("\r\n", out);
    }
    free(ord);
    return ferror(out) ? KH_EIO : KH_OK;
}

/* ---- kaohe.xlsx ---- */

#define XL_MAX_COLS 64
#define XL_STR_MAX 32000 /* Excel's cell limit is 32767 characters */
/* A sheet's last data row: the row after it says how many were left out
 * (Excel's limit is 1,048,576 rows; 100,000 reports state 2.5 million facts). */
#define XL_LAST_ROW ((lxw_row_t)(LXW_ROW_MAX - 2))
/* Runs of more reports than this are written in libxlsxwriter's
 * constant-memory mode (each finished row goes to a temporary file; strings
 * are stored inline rather than in a shared table): its cell tables would
 * otherwise hold about 20 KB per report until the file is closed. */
#ifndef XL_CONSTANT_MEMORY_ITEMS
#define XL_CONSTANT_MEMORY_ITEMS 1000
#endif

typedef struct xl_sheet {
    const kh_xlsxapi *x;       /* borrowed from the xl_book */
    lxw_worksheet *ws;
    double width[XL_MAX_COLS]; /* widest content, in Excel character units */
    double cap[XL_MAX_COLS];   /* widest allowed (long text wraps) */
    lxw_error err;             /* first write error */
    bool filtered;             /* the autofilter is set (xl_filter) */
} xl_sheet;

typedef struct xl_formats {
    lxw_format *header, *text, *wrap, *points, *missing, *error, *muted, *number;
} xl_formats;

static void xl_track(xl_sheet *s, lxw_col_t col, const char *text)
{
    if (col >= XL_MAX_COLS || !text)
        return;
    /* Excel's unit is about one Latin digit; a CJK character is two. A
     * character is never wider than its UTF-8 bytes, so when even that
     * bound would not widen the column (or it is already at its cap) the
     * text need not be measured. */
    double w = s->width[col];
    size_t n = strlen(text);
    if ((s->cap[col] > 0 && w >= s->cap[col]) || (double)n * 1.1 + 2 <= w)
        return;
    w = (double)kh_display_width(text, n) * 1.1 + 2;
    if (w > s->width[col])
        s->width[col] = w;
}

static void xl_note(xl_sheet *s, lxw_error e)
{
    if (e != LXW_NO_ERROR && s->err == LXW_NO_ERROR)
        s->err = e;
}

static void xl_str(xl_sheet *s, lxw_row_t row, lxw_col_t col, const char *text,
                   lxw_format *f)
{
    if (!text)
        text = "";
    size_t n = strlen(text);
    char *cut = NULL;
    if (n > XL_STR_MAX) { /* cut on a UTF-8 boundary */
        size_t k = XL_STR_MAX;
        while (k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80)
            k--;
        cut = malloc(k + 1);
        if (cut) {
            memcpy(cut, text, k);
            cut[k] = '\0';
            text = cut;
        }
    }
    xl_note(s, s->x->worksheet_write_string(s->ws, row, col, text, f));
    xl_track(s, col, text);
    free(cut);
}

static void xl_num(xl_sheet *s, lxw_row_t row, lxw_col_t col, double v, lxw_format *f,
                   bool points)
{
    xl_note(s, s->x->worksheet_write_number(s->ws, row, col, v, f));
    if (col < XL_MAX_COLS && s->cap[col] > 0 && s->width[col] >= s->cap[col])
        return; /* the column is as wide as it gets */
    char buf[64];
    if (points)
        fmt_points(v, buf, sizeof buf);
    else
        kh_format_double(v, buf, sizeof buf);
    xl_track(s, col, buf);
}

static void xl_header(xl_sheet *s, const xl_formats *fm, const char *const *names, size_t n,
                      const double *caps)
{
    for (size_t c = 0; c < n && c < XL_MAX_COLS; c++) {
        xl_str(s, 0, (lxw_col_t)c, names[c], fm->header);
        s->cap[c] = caps ? caps[c] : 40;
    }
}

static void xl_finish(xl_sheet *s, size_t ncols, lxw_row_t last_row, lxw_col_t freeze_cols,
                      const xl_formats *fm)
{
    for (size_t c = 0; c < ncols && c < XL_MAX_COLS; c++) {
        double w = s->width[c] < 6 ? 6 : s->width[c];
        if (s->cap[c] > 0 && w > s->cap[c])
            w = s->cap[c];
        xl_note(s, s->x->worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL));
    }
    s->x->worksheet_freeze_panes(s->ws, 1, freeze_cols);
    if (!s->filtered && ncols && last_row > 0)
        xl_note(s, s->x->worksheet_autofilter(s->ws, 0, 0, last_row, (lxw_col_t)(ncols - 1)));
    (void)fm;
}

/* The autofilter over rows 0..last_row, set before rows below it are
 * written: in constant-memory mode its rows cannot lie before the last row
 * written (xl_finish then leaves it). */
static void xl_filter(xl_sheet *s, size_t ncols, lxw_row_t last_row)
{
    if (ncols && last_row > 0)
        xl_note(s, s->x->worksheet_autofilter(s->ws, 0, 0, last_row, (lxw_col_t)(ncols - 1)));
    s->filtered = true;
}

static lxw_format *xl_format(const kh_xlsxapi *x, lxw_workbook *wb, bool bold, lxw_color_t bg,
                             const char *num, bool wrap)
{
    lxw_format *f = x->workbook_add_format(wb);
    if (!f)
        return NULL;
    x->format_set_font_name(f, "等线");
    x->format_set_font_size(f, 11);
    x->format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    if (bold)
        x->format_set_bold(f);
    if (bg)
        x->format_set_bg_color(f, bg);
    if (num)
        x->format_set_num_format(f, num);
    if (wrap)
        x->format_set_text_wrap(f);
    return f;
}

static void sheet_ranking(xl_sheet *s, const xl_formats *fm, const kh_run *run,
                          const size_t *ord)
{
    const kh_scheme *sc = run->scheme;
    const char *names[XL_MAX_COLS];
    double caps[XL_MAX_COLS];
    size_t n = 0;
    static const char *const fixed[] = {"排名", "单位", "行政区划代码", "年度", "总分", "等次", "待核查项数"};
    for (size_t c = 0; c < 7; c++) {
        caps[n] = 30;
        names[n++] = fixed[c];
    }
    size_t first_ind = n;
    for (size_t k = 0; k < sc->indicators_count && n < XL_MAX_COLS - 3; k++)
        if (!sc->indicators[k].monitor) {
            caps[n] = 12;
            names[n++] = sc->indicators[k].id;
        }
    size_t col_adjust = n;
    if (has_adjustments(sc)) {
        caps[n] = 12;
        names[n++] = ADJUST_LABEL;
    }
    size_t col_path = n;
    caps[n] = 50;
    names[n++] = "文件";
    caps[n] = 60;
    names[n++] = "备注";
    xl_header(s, fm, names, n, caps);
    lxw_row_t row = 1;
    for (size_t i = 0; i < run->count; i++, row++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        const kh_report_score *sco = scored(it) ? it->score : NULL;
        if (sco)
            xl_num(s, row, 0, sco->rank, fm->number, false);
        xl_str(s, row, 1, item_unit(it), fm->text);
        if (it->unit_code)
            xl_str(s, row, 2, it->unit_code, fm->text);
        if (it->year)
            xl_num(s, row, 3, it->year, fm->number, false);
        if (sco) {
            xl_num(s, row, 4, sco->total, fm->points, true);
            xl_str(s, row, 5, sco->grade, fm->text);
            xl_num(s, row, 6, (double)review_count(sco), fm->number, false);
        }
        size_t c = first_ind;
        for (size_t k = 0; k < sc->indicators_count && c < col_adjust; k++) {
            if (sc->indicators[k].monitor)
                continue;
            if (sco && k < sco->indicators_count) {
                const kh_indicator_result *r = &sco->indicators[k];
                if (r->status == KH_STATUS_ERROR)
                    xl_str(s, row, (lxw_col_t)c, "错误", fm->error);
                else if (r->excluded)
                    xl_str(s, row, (lxw_col_t)c, "不计", fm->muted);
                else
                    xl_num(s, row, (lxw_col_t)c, r->points,
                           r->status == KH_STATUS_MISSING ? fm->missing : fm->points, true);
            }
            c++;
        }
        if (sco && col_adjust < col_path)
            xl_num(s, row, (lxw_col_t)col_adjust, kh_adjust_sum(sco), fm->points, true);
        xl_str(s, row, (lxw_col_t)col_path, it->path, fm->text);
        const char *note = sco ? it->unit_note : (it->error ? it->error : "未能处理");
        if (note)
            xl_str(s, row, (lxw_col_t)(col_path + 1), note, sco ? fm->wrap : fm->error);
    }
    xl_finish(s, n, row - 1, 2, fm);
}

static void sheet_points(xl_sheet *s, const xl_formats *fm, const kh_run *run,
                         const size_t *ord)
{
    const kh_scheme *sc = run->scheme;
    const char *names[XL_MAX_COLS];
    double caps[XL_MAX_COLS];
    size_t n = 0;
    names[n] = "指标";
    caps[n++] = 10;
    names[n] = "名称";
    caps[n++] = 36;
    names[n] = "满分";
    caps[n++] = 8;
    size_t nscored = 0;
    for (size_t i = 0; i < run->count && n < XL_MAX_COLS; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it))
            continue;
        caps[n] = 26;
        names[n++] = unit_label(it);
        nscored++;
    }
    xl_header(s, fm, names, n, caps);
    lxw_row_t row = 1;
    for (size_t k = 0; k < sc->indicators_count; k++, row++) {
        const kh_indicator *ind = &sc->indicators[k];
        xl_str(s, row, 0, ind->id, fm->text);
        xl_str(s, row, 1, ind->name, fm->text);
        if (ind->monitor)
            xl_str(s, row, 2, "监测", fm->muted);
        else
            xl_num(s, row, 2, ind->max, fm->points, true);
        lxw_col_t c = 3;
        for (size_t i = 0; i < run->count && c < n; i++) {
            const kh_run_item *it = kh_run_item_at(run, ord[i]);
            if (!scored(it))
                continue;
            const kh_report_score *sco = it->score;
            if (k < sco->indicators_count) {
                const kh_indicator_result *r = &sco->indicators[k];
                if (r->status == KH_STATUS_ERROR)
                    xl_str(s, row, c, "错误", fm->error);
                else if (r->excluded)
                    xl_str(s, row, c, "不计", fm->muted);
                else if (ind->monitor)
                    xl_str(s, row, c, r->status == KH_STATUS_SCORED ? "监测" : "监测?",
                           r->status == KH_STATUS_SCORED ? fm->muted : fm->missing);
                else
                    xl_num(s, row, c, r->points,
                           r->status == KH_STATUS_MISSING ? fm->missing : fm->points, true);
            }
            c++;
        }
    }
    xl_filter(s, n, row - 1); /* the indicator rows */
    /* 加分/扣分, totals and grades under the indicators */
    if (has_adjustments(sc)) {
        xl_str(s, row, 0, ADJUST_LABEL, fm->header);
        xl_str(s, row, 1, "", fm->header);
        lxw_col_t c = 3;
        for (size_t i = 0; i < run->count && c < n; i++) {
            const kh_run_item *it = kh_run_item_at(run, ord[i]);
            if (!scored(it))
                continue;
            xl_num(s, row, c, kh_adjust_sum(it->score), fm->points, true);
            c++;
        }
        row++;
    }
    lxw_row_t total_row = row, grade_row = row + 1;
    xl_str(s, total_row, 0, "总分", fm->header);
    xl_str(s, total_row, 1, "", fm->header);
    xl_num(s, total_row, 2, sc->total, fm->points, true);
    /* row by row (constant-memory mode cannot go back to a row) */
    lxw_col_t c = 3;
    for (size_t i = 0; i < run->count && c < n; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it))
            continue;
        xl_num(s, total_row, c, it->score->total, fm->points, true);
        c++;
    }
    xl_str(s, grade_row, 0, "等次", fm->header);
    c = 3;
    for (size_t i = 0; i < run->count && c < n; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it))
            continue;
        xl_str(s, grade_row, c, it->score->grade, fm->text);
        c++;
    }
    xl_str(s, grade_row + 2, 0,
           "图例：黄色 = 待核查（缺少事实，按方案的缺失规则计分，带 ? 号）；红色 = 规则错误（0 分）；"
           "不计 = 按 exclude 规则不计入总分；监测 = 不计分的监测指标。",
           NULL);
    s->width[0] = 10; /* the legend must not widen the id column */
    (void)nscored;
    xl_finish(s, n, row - 1, 3, fm);
}

/* The 事实与佐证 sheet, one report at a time (in display order) so that
 * kh_outputs_write_all writes it in the same pass as results.json and
 * report.html's sections. */
typedef struct xl_facts {
    lxw_row_t row;     /* the next row */
    size_t left_out;   /* facts past Excel's row limit */
} xl_facts;

static void facts_begin(xl_sheet *s, const xl_formats *fm, xl_facts *st)
{
    static const char *const names[] = {"单位", "指标", "事实", "值", "计量单位", "限定", "依据",
                                        "来源", "佐证位置(行:列)", "佐证原文", "插件", "备注",
                                        "文件"};
    static const double caps[] = {26, 10, 34, 14, 10, 11, 9, 9, 12, 60, 14, 50, 40};
    xl_header(s, fm, names, 13, caps);
    st->row = 1;
    st->left_out = 0;
}

/* The rows of item it (complete: kh_run_full_item), when it was scored. */
static void facts_item(xl_sheet *s, const xl_formats *fm, xl_facts *st, const kh_run_item *it)
{
    if (!scored(it))
        return;
    const kh_report_score *sco = it->score;
    lxw_row_t row = st->row;
    for (size_t k = 0; k < sco->indicators_count; k++) {
        const kh_indicator_result *r = &sco->indicators[k];
        if (row + r->facts_count > XL_LAST_ROW + 1) {
            st->left_out += r->facts_count;
            continue;
        }
        for (size_t f = 0; f < r->facts_count; f++, row++) {
            const kh_fact *fa = &r->facts[f];
            char pos[32] = "", val[256];
            xl_str(s, row, 0, unit_label(it), fm->text);
            xl_str(s, row, 1, r->indicator->id, fm->text);
            xl_str(s, row, 2, fa->key, fm->text);
            if (fa->type == KH_VALUE_NUMBER)
                xl_num(s, row, 3, fa->number, fm->number, false);
            else
                xl_str(s, row, 3, kh_overrides_value_text(fa, val, sizeof val), fm->text);
            xl_str(s, row, 4, fa->unit, fm->text);
            xl_str(s, row, 5, kh_qualifier_name(fa->qualifier), fm->text);
            xl_str(s, row, 6, kh_basis_name(fa->basis), fm->text);
            xl_str(s, row, 7, kh_origin_name(fa->origin),
                   fa->origin == KH_ORIGIN_OVERRIDE ? fm->missing : fm->text);
            if (fa->evidence.text)
                snprintf(pos, sizeof pos, "%d:%d", fa->evidence.line, fa->evidence.column);
            xl_str(s, row, 8, pos, fm->text);
            xl_str(s, row, 9, fa->evidence.text, fm->wrap);
            xl_str(s, row, 10, fa->plugin, fm->text);
            xl_str(s, row, 11, fa->note, fm->wrap);
            xl_str(s, row, 12, it->path, fm->text);
        }
    }
    st->row = row;
}

static void facts_end(xl_sheet *s, const xl_formats *fm, const xl_facts *st)
{
    xl_finish(s, 13, st->row - 1, 0, fm);
    if (st->left_out) { /* after xl_finish, as the legend of sheet_points */
        char note[160];
        snprintf(note, sizeof note, "另有 %zu 条事实超出本表行数上限，未列出；全部事实见 results.json",
                 st->left_out);
        xl_str(s, st->row, 0, note, fm->missing);
    }
}

static void join_missing(const kh_indicator_result *r, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t m = 0; m < r->missing_count && used + 1 < size; m++) {
        int w = snprintf(buf + used, size - used, "%s%s", m ? "、" : "", r->missing[m]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void sheet_review(xl_sheet *s, const xl_formats *fm, const kh_run *run,
                         const size_t *ord)
{
    static const char *const names[] = {"单位", "指标", "名称", "状态", "原因", "说明", "文件"};
    static const double caps[] = {26, 10, 30, 18, 50, 60, 40};
    xl_header(s, fm, names, 7, caps);
    lxw_row_t row = 1;
    size_t left_out = 0;
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        size_t need = !scored(it) || it->unit_note ? 1 : 0; /* this report's rows */
        for (size_t k = 0; scored(it) && k < it->score->indicators_count; k++)
            need += kh_awaits_review(&it->score->indicators[k]);
        need += scored(it) && it->facts ? kh_factset_error_count(it->facts) : 0;
        if (row + need > XL_LAST_ROW + 1) { /* Excel's row limit */
            left_out += need;
            continue;
        }
        if (!scored(it)) {
            xl_str(s, row, 0, unit_label(it), fm->text);
            xl_str(s, row, 3, "文件未能处理", fm->error);
            xl_str(s, row, 4, it->error ? it->error : "未能处理", fm->wrap);
            xl_str(s, row, 6, it->path, fm->text);
            row++;
            continue;
        }
        if (it->unit_note) {
            xl_str(s, row, 0, unit_label(it), fm->text);
            xl_str(s, row, 3, "单位存疑", fm->missing);
            xl_str(s, row, 4, it->unit_note, fm->wrap);
            xl_str(s, row, 6, it->path, fm->text);
            row++;
        }
        const kh_report_score *sco = it->score;
        for (size_t k = 0; k < sco->indicators_count; k++) {
            const kh_indicator_result *r = &sco->indicators[k];
            if (!kh_awaits_review(r))
                continue;
            char why[2048];
            xl_str(s, row, 0, unit_label(it), fm->text);
            xl_str(s, row, 1, r->indicator->id, fm->text);
            xl_str(s, row, 2, r->indicator->name, fm->text);
            if (r->status == KH_STATUS_ERROR) {
                xl_str(s, row, 3, review_label(r), fm->error);
                xl_str(s, row, 4, r->error, fm->wrap);
            } else {
                join_missing(r, why, sizeof why);
                xl_str(s, row, 3, review_label(r), fm->missing);
                xl_str(s, row, 4, why, fm->wrap);
            }
            xl_str(s, row, 5, r->explanation, fm->wrap);
            xl_str(s, row, 6, it->path, fm->text);
            row++;
        }
        for (size_t e = 0; it->facts && e < kh_factset_error_count(it->facts); e++, row++) {
            xl_str(s, row, 0, unit_label(it), fm->text);
            xl_str(s, row, 3, "提取警告", fm->missing);
            xl_str(s, row, 4, kh_factset_error_at(it->facts, e), fm->wrap);
            xl_str(s, row, 6, it->path, fm->text);
        }
    }
    xl_finish(s, 7, row - 1, 0, fm);
    if (left_out) { /* after xl_finish, as the legend of sheet_points */
        char note[160];
        snprintf(note, sizeof note, "另有 %zu 条超出本表行数上限，未列出；见 results.json", left_out);
        xl_str(s, row, 0, note, fm->missing);
    }
}

static void sheet_overrides(xl_sheet *s, const xl_formats *fm, const kh_run *run)
{
    static const char *const names[] = {"单位", "事实", "原值", "新值", "限定", "原因", "修改人",
                                        "日期", "原值佐证", "文件", "修改文件所写单位"};
    static const double caps[] = {26, 34, 14, 14, 11, 50, 12, 12, 50, 40, 26};
    xl_header(s, fm, names, 11, caps);
    lxw_row_t row = 1;
    for (size_t i = 0; i < run->overrides_count; i++, row++) {
        const kh_override_applied *o = &run->overrides[i];
        char ev[1200] = "";
        xl_str(s, row, 0, override_unit(run, o), fm->text);
        xl_str(s, row, 1, o->key, fm->text);
        if (o->extracted && o->extracted->type == KH_VALUE_NUMBER)
            xl_num(s, row, 2, o->extracted->number, fm->number, false);
        else
            xl_str(s, row, 2, o->extracted ? o->extracted->text : "（无提取值）", fm->text);
        if (o->value && o->value->type == KH_VALUE_NUMBER)
            xl_num(s, row, 3, o->value->number, fm->number, false);
        else
            xl_str(s, row, 3, o->value ? o->value->text : "", fm->text);
        xl_str(s, row, 4, o->value ? kh_qualifier_name(o->value->qualifier) : "", fm->text);
        xl_str(s, row, 5, o->reason, fm->wrap);
        xl_str(s, row, 6, o->author, fm->text);
        xl_str(s, row, 7, o->date, fm->text);
        if (o->extracted && o->extracted->evidence.text)
            snprintf(ev, sizeof ev, "%d:%d %s", o->extracted->evidence.line,
                     o->extracted->evidence.column, o->extracted->evidence.text);
        xl_str(s, row, 8, ev, fm->wrap);
        xl_str(s, row, 9, o->path, fm->text);
        xl_str(s, row, 10, o->unit, fm->text);
    }
    xl_finish(s, 11, row - 1, 0, fm);
}

/* kaohe.xlsx while it is written: its formats and sheets. */
typedef struct xl_book {
    kh_xlsxapi api;    /* libxlsxwriter's functions (the sheets point here) */
    lxw_workbook *wb;
    xl_formats fm;
    xl_sheet sheets[5];
    bool ok;           /* the sheets were added */
    xl_facts facts;
} xl_book;

/* Load libxlsxwriter, create the workbook at path and write the sheets
 * before 事实与佐证 (and its header). KH_OK, or KH_ENOTFOUND (libxlsxwriter
 * missing) / KH_EIO / KH_ENOMEM with err set (nothing to close). */
static int xl_open(xl_book *bk, const char *path, const kh_run *run, const size_t *ord,
                   kh_error *err)
{
    memset(bk, 0, sizeof *bk);
    int rc = kh_xlsxapi_load(&bk->api, path, err);
    if (rc != KH_OK)
        return rc;
    /* libxlsxwriter prints its own errors on stderr: find out first whether
     * the file can be written, and say so the kaohe way. */
    FILE *probe = fopen(path, "wb");
    if (!probe)
        return kh_error_set(err, KH_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    fclose(probe);
    lxw_workbook_options wo = {0};
    char tmpdir[4096];
    if (run->count > XL_CONSTANT_MEMORY_ITEMS) {
        wo.constant_memory = 1;
        /* its temporary files beside the output, not in /tmp */
        const char *slash = strrchr(path, '/');
        snprintf(tmpdir, sizeof tmpdir, "%.*s", slash ? (int)(slash - path) : 1,
                 slash ? path : ".");
        wo.tmpdir = slash == path ? "/" : tmpdir;
    }
    lxw_workbook *wb = bk->api.workbook_new_opt(path, &wo);
    if (!wb)
        return kh_error_set(err, KH_EIO, path, 0, 0, "cannot create the workbook");
    bk->wb = wb;
    lxw_doc_properties props = {0};
    props.title = (char *)title_of(run);
    props.subject = run->scheme->name;
    props.author = "kaohe";
    props.comments = "kaohe " KH_VERSION_STRING;
    props.created = KH_OUTPUT_XLSX_CREATED; /* not the clock: reproducible bytes */
    bk->api.workbook_set_properties(wb, &props);

    xl_formats *fm = &bk->fm;
    fm->header = xl_format(&bk->api, wb, true, 0xD9E1F2, NULL, true);
    if (fm->header)
        bk->api.format_set_bottom(fm->header, LXW_BORDER_THIN);
    fm->text = xl_format(&bk->api, wb, false, 0, NULL, false);
    fm->wrap = xl_format(&bk->api, wb, false, 0, NULL, true);
    fm->points = xl_format(&bk->api, wb, false, 0, "0.00", false);
    fm->number = xl_format(&bk->api, wb, false, 0, "General", false);
    fm->missing = xl_format(&bk->api, wb, false, 0xFFF2CC, "0.00\"?\"", false);
    fm->error = xl_format(&bk->api, wb, false, 0xF8CBAD, NULL, true);
    fm->muted = xl_format(&bk->api, wb, false, 0xEDEDED, NULL, false);

    static const char *const sheet_names[] = {"排名", "指标得分", "事实与佐证", "待核查", "修改记录"};
    bk->ok = true;
    for (int i = 0; i < 5; i++) {
        bk->sheets[i].x = &bk->api;
        bk->sheets[i].ws = bk->api.workbook_add_worksheet(wb, sheet_names[i]);
        bk->ok = bk->ok && bk->sheets[i].ws != NULL;
    }
    if (bk->ok) {
        sheet_ranking(&bk->sheets[0], fm, run, ord);
        sheet_points(&bk->sheets[1], fm, run, ord);
        facts_begin(&bk->sheets[2], fm, &bk->facts);
    }
    return KH_OK;
}

/* The 事实与佐证 rows of one item (complete), in display order. */
static void xl_item(xl_book *bk, const kh_run_item *it)
{
    if (bk->ok)
        facts_item(&bk->sheets[2], &bk->fm, &bk->facts, it);
}

/* The sheets after 事实与佐证, then close (and free) the workbook. */
static int xl_close(xl_book *bk, const char *path, const kh_run *run, const size_t *ord,
                    kh_error *err)
{
    if (bk->ok) {
        facts_end(&bk->sheets[2], &bk->fm, &bk->facts);
        sheet_review(&bk->sheets[3], &bk->fm, run, ord);
        sheet_overrides(&bk->sheets[4], &bk->fm, run);
    }
    lxw_error werr = LXW_NO_ERROR;
    for (int i = 0; i < 5 && werr == LXW_NO_ERROR; i++)
        werr = bk->sheets[i].err;
    lxw_error cerr = bk->api.workbook_close(bk->wb); /* frees wb */
    bk->wb = NULL;
    if (!bk->ok)
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "cannot add the worksheets");
    if (werr != LXW_NO_ERROR)
        return kh_error_set(err, KH_EIO, path, 0, 0, "writing a cell: %s", bk->api.lxw_strerror(werr));
    if (cerr != LXW_NO_ERROR)
        return kh_error_set(err, KH_EIO, path, 0, 0, "%s", bk->api.lxw_strerror(cerr));
    return KH_OK;
}

int kh_outputs_xlsx(const char *path, const kh_run *run, kh_error *err)
{
    if (!run || !run->scheme)
        return kh_error_set(err, KH_EINVAL, path, 0, 0, "no run to write");
    size_t *ord = display_order(run);
    if (!ord)
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    xl_book bk;
    int rc = xl_open(&bk, path, run, ord, err);
    if (rc == KH_OK) {
        for (size_t i = 0; i < run->count; i++)
            if (scored(kh_run_item_at(run, ord[i])))
                xl_item(&bk, kh_run_full_item(run, ord[i])); /* the facts */
        rc = xl_close(&bk, path, run, ord, err);
    }
    free(ord);
    return rc;
}

/* ---- report.html ---- */

/* Text as HTML: & < > " ' escaped, so nothing from a report can become markup. */
static void h(FILE *out, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc(' ', out); /* control characters are not text */
            else
                fputc(*s, out);
        }
    }
}

static const char html_css[] =
    ":root{--ink:#1f2328;--mute:#59636e;--line:#d0d7de;--bg:#f6f8fa;--warn:#fff2cc;"
    "--bad:#f8cbad;--ok:#2e7d32}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;padding:24px 32px;color:var(--ink);background:#fff;font:14px/1.6 "
    "\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\","
    "\"PingFang SC\",sans-serif}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;padding-bottom:4px;"
    "border-bottom:2px solid var(--line)}h3{font-size:16px;margin:24px 0 6px}\n"
    ".meta{color:var(--mute);margin:0}.meta code{font-size:12px}\n"
    "nav a{margin-right:14px}\n"
    "table{border-collapse:collapse;margin:6px 0 12px}\n"
    "th,td{border:1px solid var(--line);padding:3px 8px;vertical-align:top;text-align:left}\n"
    "th{background:var(--bg);font-weight:600}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.heat td{text-align:center;min-width:52px;white-space:nowrap}\n"
    "table.heat td.missing{outline:2px dashed #b58900;outline-offset:-3px}\n"
    "table.heat td.error{background:#9e9e9e;color:#fff}\n"
    "table.heat td.muted{background:#eee;color:var(--mute)}\n"
    ".badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;"
    "background:var(--bg);border:1px solid var(--line);margin-left:4px}\n"
    ".badge.missing{background:var(--warn);border-color:#e0c060}\n"
    ".badge.error{background:var(--bad);border-color:#d08060}\n"
    ".badge.override{background:#e1d5f5;border-color:#9575cd}\n"
    ".ev{margin:2px 0;font-size:13px}.ev q{color:#0b4f9c;background:#f0f6ff;quotes:\"「\" \"」\"}\n"
    ".ev .pos{color:var(--mute);font-size:12px}\n"
    ".expl{color:var(--mute);font-size:13px}\n"
    "table.ind{width:100%}\n"
    "table.ind td:nth-child(1),table.ind td:nth-child(4){white-space:nowrap}\n"
    "th{white-space:nowrap}\n"
    "table.overrides td:nth-child(6),table.overrides td:nth-child(7),"
    "table.review td:nth-child(1),table.review td:nth-child(3){white-space:nowrap}\n"
    ".failed{color:#b71c1c}\n"
    "svg text{font-family:inherit}\n"
    "article{border-top:1px solid var(--line);margin-top:12px}\n"
    ".legend span{display:inline-block;width:14px;height:14px;vertical-align:-2px;"
    "margin:0 4px 0 12px;border:1px solid var(--line)}\n"
    "footer{margin-top:40px;color:var(--mute);font-size:12px}\n";

/* Colour of a grade: by its place in the scheme's grades (best first). */
static const char *grade_colour(const kh_scheme *sc, const char *grade)
{
    static const char *const colours[] = {"#2e7d32", "#1565c0", "#ef8f00", "#c62828"};
    for (size_t i = 0; grade && i < sc->grades_count; i++)
        if (strcmp(sc->grades[i].name, grade) == 0) {
            size_t last = sc->grades_count - 1;
            return i == last ? colours[3] : colours[i < 3 ? i : 2];
        }
    return "#757575";
}

/* Background for points / max: red (0) → yellow → green (1), light. */
static void heat_colour(double ratio, char *buf, size_t size)
{
    if (ratio < 0)
        ratio = 0;
    if (ratio > 1)
        ratio = 1;
    snprintf(buf, size, "hsl(%d,70%%,%d%%)", (int)lround(ratio * 120), 82);
}

/* s cut to at most max display cells, "…" added when cut. */
static void cut_cells(const char *s, size_t max, char *buf, size_t size)
{
    size_t n = strlen(s), w = 0, i = 0;
    if (kh_display_width(s, n) <= max) {
        snprintf(buf, size, "%s", s);
        return;
    }
    while (i < n) {
        size_t len = 1;
        while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80)
            len++;
        size_t cw = kh_display_width(s + i, len);
        if (w + cw > max - 1 || i + len + 4 > size)
            break;
        w += cw;
        i += len;
    }
    snprintf(buf, size, "%.*s…", (int)i, s);
}

static void html_bar_chart(FILE *out, const kh_run *run, const size_t *ord, size_t nscored)
{
    const kh_scheme *sc = run->scheme;
    const int label_w = 300, bar_w = 560, row_h = 30, top = 28;
    int height = top + (int)nscored * row_h + 10;
    double total = sc->total > 0 ? sc->total : 100;
    fprintf(out, "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                 "height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
            label_w + bar_w + 120, height, label_w + bar_w + 120, height);
    fputs("<title>总分排名</title>\n", out);
    /* grade lines */
    for (size_t g = 0; g < sc->grades_count; g++) {
        if (sc->grades[g].min <= 0)
            continue;
        double x = label_w + bar_w * sc->grades[g].min / total;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9e9e9e\" "
                     "stroke-dasharray=\"4 3\"/>\n", x, top - 6, x, height - 6);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#59636e\" "
                     "text-anchor=\"middle\">", x, top - 10);
        h(out, sc->grades[g].name);
        char b[32];
        fprintf(out, " %s</text>\n", kh_format_double(sc->grades[g].min, b, sizeof b));
    }
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#59636e\"/>\n", label_w,
            top - 6, label_w, height - 6);
    int y = top;
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it))
            continue;
        const kh_report_score *s = it->score;
        double t = s->total < 0 ? 0 : s->total;
        double w = bar_w * (t > total ? total : t) / total;
        char pts[32];
        fmt_points(s->total, pts, sizeof pts);
        fprintf(out, "<g class=\"bar\"><title>");
        h(out, unit_label(it));
        fprintf(out, " %s ", pts);
        h(out, s->grade);
        fprintf(out, "</title>\n<text x=\"%d\" y=\"%d\" font-size=\"14\" text-anchor=\"end\">"
                     "%d. ", label_w - 8, y + 16, s->rank);
        char label[256];
        cut_cells(unit_label(it), 30, label, sizeof label);
        h(out, label);
        if (it->year)
            fprintf(out, "（%d）", it->year);
        fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"2\" "
                     "fill=\"%s\"/>\n", label_w, y + 3, w, row_h - 10,
                grade_colour(run->scheme, s->grade));
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"13\">%s ", label_w + w + 6, y + 16,
                pts);
        h(out, s->grade);
        fputs("</text></g>\n", out);
        y += row_h;
    }
    fputs("</svg>\n", out);
}

static void html_ranking(FILE *out, const kh_run *run, const size_t *ord)
{
    fputs("<table class=\"ranking\"><thead><tr><th class=\"num\">排名</th><th>单位</th>"
          "<th>行政区划代码</th><th class=\"num\">年度</th><th class=\"num\">总分</th>"
          "<th>等次</th><th class=\"num\">待核查</th><th>文件</th></tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        const kh_report_score *s = scored(it) ? it->score : NULL;
        char pts[32];
        fputs(s ? "<tr class=\"rank-row\">" : "<tr class=\"failed\">", out);
        if (s)
            fprintf(out, "<td class=\"num\">%d</td>", s->rank);
        else
            fputs("<td class=\"num\">—</td>", out);
        fprintf(out, "<td><a href=\"#d%zu\">", ord[i] + 1);
        h(out, unit_label(it));
        fputs("</a>", out);
        if (it->unit_note) {
            fputs(" <span class=\"badge missing\" title=\"", out);
            h(out, it->unit_note);
            fputs("\">单位存疑</span>", out);
        }
        fputs("</td><td>", out);
        h(out, it->unit_code ? it->unit_code : "—");
        fputs("</td><td class=\"num\">", out);
        if (it->year)
            fprintf(out, "%d", it->year);
        fputs("</td>", out);
        if (s) {
            fprintf(out, "<td class=\"num\">%s</td><td>", fmt_points(s->total, pts, sizeof pts));
            h(out, s->grade);
            fprintf(out, "</td><td class=\"num\">%zu</td>", review_count(s));
        } else {
            fputs("<td class=\"num\">—</td><td>未能处理</td><td class=\"num\">—</td>", out);
        }
        fputs("<td>", out);
        h(out, it->path);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void html_heatmap(FILE *out, const kh_run *run, const size_t *ord)
{
    const kh_scheme *sc = run->scheme;
    fputs("<table class=\"heat\"><thead><tr><th>单位</th>", out);
    for (size_t k = 0; k < sc->indicators_count; k++) {
        char mx[32];
        fputs("<th title=\"", out);
        h(out, sc->indicators[k].name);
        fputs("\">", out);
        h(out, sc->indicators[k].id);
        fputs("<br><small>", out);
        if (sc->indicators[k].monitor)
            fputs("监测", out);
        else
            fprintf(out, "%s分", kh_format_double(sc->indicators[k].max, mx, sizeof mx));
        fputs("</small></th>", out);
    }
    if (has_adjustments(sc))
        fputs("<th class=\"num\">" ADJUST_LABEL "</th>", out);
    fputs("<th class=\"num\">总分</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it))
            continue;
        const kh_report_score *s = it->score;
        char pts[32], col[48];
        fputs("<tr><th>", out);
        h(out, unit_label(it));
        fputs("</th>", out);
        for (size_t k = 0; k < s->indicators_count; k++) {
            const kh_indicator_result *r = &s->indicators[k];
            const kh_indicator *ind = r->indicator;
            fputs("<td", out);
            if (r->status == KH_STATUS_ERROR) {
                fputs(" class=\"error\" title=\"", out);
                h(out, r->error);
                fputs("\">错误", out);
            } else if (r->excluded) {
                fputs(" class=\"muted\" title=\"不计入总分\">不计", out);
            } else if (ind->monitor) {
                fprintf(out, " class=\"muted%s\">监测%s",
                        r->status == KH_STATUS_MISSING ? " missing" : "",
                        r->status == KH_STATUS_MISSING ? "?" : "");
            } else {
                heat_colour(ind->max > 0 ? r->points / ind->max : 0, col, sizeof col);
                fprintf(out, " style=\"background:%s\"%s title=\"", col,
                        r->status == KH_STATUS_MISSING ? " class=\"missing\"" : "");
                h(out, ind->name);
                if (r->status == KH_STATUS_MISSING)
                    fputs("：待核查", out);
                fprintf(out, "\">%s%s", fmt_points(r->points, pts, sizeof pts),
                        r->status == KH_STATUS_MISSING ? "?" : "");
            }
            fputs("</td>", out);
        }
        if (has_adjustments(sc)) {
            double adj = kh_adjust_sum(s);
            fprintf(out, "<td class=\"num\">%s%s</td>", adj > 0 ? "+" : "",
                    fmt_points(adj, pts, sizeof pts));
        }
        fprintf(out, "<td class=\"num\"><b>%s</b></td></tr>\n",
                fmt_points(s->total, pts, sizeof pts));
    }
    fputs("</tbody></table>\n<p class=\"legend\">颜色 = 得分 / 满分："
          "<span style=\"background:hsl(0,70%,82%)\"></span>0"
          "<span style=\"background:hsl(60,70%,82%)\"></span>50%"
          "<span style=\"background:hsl(120,70%,82%)\"></span>100%"
          "<span style=\"outline:2px dashed #b58900\"></span>? 待核查（缺少事实，按方案计分）"
          "<span style=\"background:#9e9e9e\"></span>规则错误</p>\n", out);
}

static void html_fact(FILE *out, const kh_run *run, const kh_run_item *it, const kh_fact *f)
{
    char val[512];
    fputs("<div class=\"ev\"><code>", out);
    h(out, f->key);
    fputs("</code> = <b>", out);
    h(out, kh_overrides_value_text(f, val, sizeof val));
    fputs("</b>", out);
    if (f->qualifier != KH_QUAL_EXACT) {
        fputs(" <span class=\"badge\">", out);
        h(out, kh_qualifier_name(f->qualifier));
        fputs("</span>", out);
    }
    if (f->basis != KH_BASIS_STATED) {
        fputs(" <span class=\"badge\">", out);
        h(out, kh_basis_name(f->basis));
        fputs("</span>", out);
    }
    if (f->origin == KH_ORIGIN_OVERRIDE) {
        const kh_override_applied *o =
            kh_overrides_find(run->overrides, run->overrides_count, it->path, f->key);
        fputs(" <span class=\"badge override\">人工修改</span> ", out);
        if (o) {
            char old[512];
            if (o->extracted) {
                fputs("<span class=\"expl\">原值 ", out);
                h(out, kh_overrides_value_text(o->extracted, old, sizeof old));
                fputs("；", out);
            } else {
                fputs("<span class=\"expl\">原无提取值；", out);
            }
            h(out, o->reason);
            fputs("（", out);
            h(out, o->author);
            fputs("，", out);
            h(out, o->date);
            fputs("）</span>", out);
        } else if (f->note) {
            fputs("<span class=\"expl\">", out);
            h(out, f->note);
            fputs("</span>", out);
        }
    }
    if (f->evidence.text) {
        fprintf(out, " <span class=\"pos\">第%d行第%d列</span> <q>", f->evidence.line,
                f->evidence.column);
        h(out, f->evidence.text);
        fputs("</q>", out);
    } else if (f->origin == KH_ORIGIN_GIVEN) {
        fputs(" <span class=\"pos\">（录入）</span>", out);
    }
    fputs("</div>", out);
}

/* The section of item idx; it is the item complete (kh_run_full_item). */
static void html_district(FILE *out, const kh_run *run, size_t idx, const kh_run_item *it)
{
    const kh_report_score *s = scored(it) ? it->score : NULL;
    char pts[32], mx[32];
    fprintf(out, "<article id=\"d%zu\"><h3>", idx + 1);
    if (s)
        fprintf(out, "%d. ", s->rank);
    h(out, unit_label(it));
    if (it->year)
        fprintf(out, " %d年度", it->year);
    if (s) {
        fprintf(out, " — %s / %s 分 ", fmt_points(s->total, pts, sizeof pts),
                kh_format_double(run->scheme->total, mx, sizeof mx));
        h(out, s->grade);
    }
    fputs("</h3>\n<p class=\"meta\">文件 <code>", out);
    h(out, it->path);
    fputs("</code>", out);
    if (it->unit_code) {
        fputs(" · 行政区划代码 ", out);
        h(out, it->unit_code);
    }
    if (it->sha256) {
        fputs(" · SHA-256 <code>", out);
        h(out, it->sha256);
        fputs("</code>", out);
    }
    if (it->unit_note) {
        fputs(" · <span class=\"badge missing\">单位存疑</span> ", out);
        h(out, it->unit_note);
    }
    fputs("</p>\n", out);
    if (!s) {
        fputs("<p class=\"failed\">未能处理：", out);
        h(out, it->error ? it->error : "未评分");
        fputs("</p></article>\n", out);
        return;
    }
    fputs("<table class=\"ind\"><thead><tr><th>指标</th><th>名称</th><th class=\"num\">得分</th>"
          "<th>状态</th><th>计算与佐证</th></tr></thead><tbody>\n", out);
    for (size_t k = 0; k < s->indicators_count; k++) {
        const kh_indicator_result *r = &s->indicators[k];
        const kh_indicator *ind = r->indicator;
        fputs("<tr><td>", out);
        h(out, ind->id);
        fputs("</td><td>", out);
        h(out, ind->name);
        fputs("</td><td class=\"num\">", out);
        if (ind->monitor)
            fputs("监测", out);
        else if (r->excluded)
            fputs("不计", out);
        else
            fprintf(out, "%s / %s", fmt_points(r->points, pts, sizeof pts),
                    kh_format_double(ind->max, mx, sizeof mx));
        fputs("</td><td>", out);
        if (r->status == KH_STATUS_SCORED && r->missing_count)
            fputs("<span class=\"badge missing\">部分事实缺失</span>", out);
        else if (r->status == KH_STATUS_SCORED)
            fputs("已评分", out);
        else
            fprintf(out, "<span class=\"badge %s\">%s</span>",
                    r->status == KH_STATUS_ERROR ? "error" : "missing", status_label(r));
        fputs("</td><td>", out);
        if (r->explanation && *r->explanation) {
            fputs("<div class=\"expl\">", out);
            h(out, r->explanation);
            fputs("</div>", out);
        }
        if (r->status == KH_STATUS_ERROR && r->error) {
            fputs("<div class=\"failed\">", out);
            h(out, r->error);
            fputs("</div>", out);
        }
        if (r->missing_count) {
            char why[2048];
            join_missing(r, why, sizeof why);
            fputs("<div class=\"expl\">缺少：", out);
            h(out, why);
            fputs("</div>", out);
        }
        for (size_t f = 0; f < r->facts_count; f++)
            html_fact(out, run, it, &r->facts[f]);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    if (s->adjustments_count) {
        fputs("<p>加分/扣分：", out);
        for (size_t a = 0; a < s->adjustments_count; a++) {
            char b[32];
            if (a)
                fputs("；", out);
            h(out, s->adjustments[a].name);
            fprintf(out, " %s%s", s->adjustments[a].points > 0 ? "+" : "",
                    kh_format_double(s->adjustments[a].points, b, sizeof b));
        }
        fputs("</p>\n", out);
    }
    for (size_t e = 0; it->facts && e < kh_factset_error_count(it->facts); e++) {
        fputs("<p class=\"expl\">提取警告：", out);
        h(out, kh_factset_error_at(it->facts, e));
        fputs("</p>\n", out);
    }
    fputs("</article>\n", out);
}

static void html_review(FILE *out, const kh_run *run, const size_t *ord)
{
    size_t rows = 0;
    fputs("<table class=\"review\"><thead><tr><th>单位</th><th>指标</th><th>状态</th>"
          "<th>原因</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < run->count; i++) {
        const kh_run_item *it = kh_run_item_at(run, ord[i]);
        if (!scored(it)) {
            fputs("<tr class=\"failed\"><td>", out);
            h(out, unit_label(it));
            fputs("</td><td>—</td><td>文件未能处理</td><td>", out);
            h(out, it->error ? it->error : it->path);
            fputs("</td></tr>\n", out);
            rows++;
            continue;
        }
        for (size_t k = 0; k < it->score->indicators_count; k++) {
            const kh_indicator_result *r = &it->score->indicators[k];
            if (!kh_awaits_review(r))
                continue;
            fputs("<tr><td>", out);
            h(out, unit_label(it));
            fputs("</td><td>", out);
            h(out, r->indicator->id);
            fputs(" ", out);
            h(out, r->indicator->name);
            fputs("</td><td>", out);
            fputs(review_label(r), out);
            fputs("</td><td>", out);
            if (r->status == KH_STATUS_ERROR) {
                h(out, r->error);
            } else {
                char why[2048];
                join_missing(r, why, sizeof why);
                h(out, why);
            }
            fputs("</td></tr>\n", out);
            rows++;
        }
    }
    fputs("</tbody></table>\n", out);
    if (!rows)
        fputs("<p>没有待核查的项目。</p>\n", out);
}

static void html_overrides(FILE *out, const kh_run *run)
{
    if (!run->overrides_count) {
        fputs("<p>本次评分没有人工修改的事实。</p>\n", out);
        return;
    }
    fputs("<table class=\"overrides\"><thead><tr><th>单位</th><th>事实</th><th class=\"num\">原值"
          "</th><th class=\"num\">新值</th><th>原因</th><th>修改人</th><th>日期</th><th>原值佐证"
          "</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < run->overrides_count; i++) {
        const kh_override_applied *o = &run->overrides[i];
        char a[512], b[512];
        fputs("<tr><td>", out);
        h(out, override_unit(run, o));
        if (o->unit && strcmp(o->unit, override_unit(run, o)) != 0) {
            fputs("<br><small class=\"expl\">写作 ", out);
            h(out, o->unit);
            fputs("</small>", out);
        }
        fputs("</td><td><code>", out);
        h(out, o->key);
        fputs("</code></td><td class=\"num\">", out);
        h(out, o->extracted ? kh_overrides_value_text(o->extracted, a, sizeof a) : "（无）");
        fputs("</td><td class=\"num\">", out);
        h(out, kh_overrides_value_text(o->value, b, sizeof b));
        fputs("</td><td>", out);
        h(out, o->reason);
        fputs("</td><td>", out);
        h(out, o->author);
        fputs("</td><td>", out);
        h(out, o->date);
        fputs("</td><td>", out);
        if (o->extracted && o->extracted->evidence.text) {
            fprintf(out, "<span class=\"pos\">第%d行第%d列</span> <q>",
                    o->extracted->evidence.line, o->extracted->evidence.column);
            h(out, o->extracted->evidence.text);
            fputs("</q>", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* report.html up to the sections of the reports (display order ord). */
static void html_begin(FILE *out, const kh_run *run, const size_t *ord)
{
    const kh_scheme *sc = run->scheme;
    size_t nscored = 0, nfailed = 0;
    for (size_t i = 0; i < run->count; i++) {
        if (scored(kh_run_item_at(run, i)))
            nscored++;
        else
            nfailed++;
    }
    char tot[32];
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"kaohe " KH_VERSION_STRING "\">\n<title>", out);
    h(out, title_of(run));
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", html_css);
    h(out, title_of(run));
    fputs("</h1>\n<p class=\"meta\">评分方案：", out);
    h(out, sc->name);
    fputs(" ", out);
    h(out, sc->version);
    fputs("（", out);
    h(out, sc->id);
    fprintf(out, "）· 满分 %s · 缺失事实按 ", kh_format_double(sc->total, tot, sizeof tot));
    h(out, policy_names[sc->missing % 3]);
    fputs(" 处理 · 方案指纹 <code>", out);
    h(out, sc->sha256);
    fprintf(out, "</code></p>\n<p class=\"meta\">共 %zu 份报告：已评分 %zu 份，未能处理 %zu 份；"
                 "人工修改 %zu 处。</p>\n",
            run->count, nscored, nfailed, run->overrides_count);
    fputs("<nav><a href=\"#ranking\">排名</a><a href=\"#heatmap\">指标得分</a>"
          "<a href=\"#districts\">各单位详情</a><a href=\"#review\">待核查</a>"
          "<a href=\"#overrides\">修改记录</a></nav>\n</header>\n", out);

    fputs("<section id=\"ranking\"><h2>排名</h2>\n", out);
    if (nscored)
        html_bar_chart(out, run, ord, nscored);
    html_ranking(out, run, ord);
    fputs("</section>\n<section id=\"heatmap\"><h2>指标得分</h2>\n", out);
    html_heatmap(out, run, ord);
    fputs("</section>\n<section id=\"districts\"><h2>各单位详情</h2>\n", out);
}

/* report.html after the sections of the reports. */
static void html_end(FILE *out, const kh_run *run, const size_t *ord)
{
    fputs("</section>\n<section id=\"review\"><h2>待核查</h2>\n", out);
    html_review(out, run, ord);
    fputs("</section>\n<section id=\"overrides\"><h2>修改记录</h2>\n", out);
    html_overrides(out, run);
    fputs("</section>\n<footer>由 kaohe " KH_VERSION_STRING " 生成。佐证为报告原文，行、列指原始文件中的位置。"
          "</footer>\n</body>\n</html>\n", out);
}

int kh_outputs_report_html(FILE *out, const kh_run *run)
{
    size_t *ord = display_order(run);
    if (!ord)
        return KH_ENOMEM;
    html_begin(out, run, ord);
    for (size_t i = 0; i < run->count; i++)
        html_district(out, run, ord[i], kh_run_full_item(run, ord[i])); /* facts, explanations */
    html_end(out, run, ord);
    free(ord);
    return ferror(out) ? KH_EIO : KH_OK;
}

/* ---- atomic files in OUTDIR ---- */

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* A new temporary file "<outdir>/.<name>.XXXXXX"; fd open, mode 0644. */
static int make_temp(const char *outdir, const char *name, char *tmp, size_t size,
                     kh_error *err)
{
    int n = snprintf(tmp, size, "%s/.%s.XXXXXX", outdir, name);
    if (n < 0 || (size_t)n >= size)
        return kh_error_set(err, KH_EINVAL, outdir, 0, 0, "output directory path too long");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return kh_error_set(err, KH_EIO, outdir, 0, 0, "cannot create a file for %s: %s",
                            name, strerror(errno));
    (void)fchmod(fd, 0644);
    return fd;
}

/* fsync the finished temporary file, rename it over outdir/name, sync outdir. */
static int commit(const char *outdir, const char *name, const char *tmp, kh_error *err)
{
    char final[4096];
    int n = snprintf(final, sizeof final, "%s/%s", outdir, name);
    if (n < 0 || (size_t)n >= sizeof final) {
        unlink(tmp);
        return kh_error_set(err, KH_EINVAL, outdir, 0, 0, "output directory path too long");
    }
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return kh_error_set(err, KH_EIO, final, 0, 0, "cannot flush to disk: %s", strerror(e));
    }
    close(fd);
    if (rename(tmp, final) != 0) {
        int e = errno;
        unlink(tmp);
        return kh_error_set(err, KH_EIO, final, 0, 0, "cannot rename into place: %s",
                            strerror(e));
    }
    (void)sync_dir(outdir);
    return KH_OK;
}

/* ---- the one pass: ranking.csv, kaohe.xlsx and report.html together ---- */

/* A file of OUTDIR while it is written: a temporary beside it. */
typedef struct out_file {
    const char *name;
    char tmp[4096];
    FILE *f;          /* NULL for kaohe.xlsx (libxlsxwriter writes by name) */
    bool exists;      /* tmp is on disk */
    int rc;           /* KH_OK, or what went wrong writing it (err) */
    kh_error err;
} out_file;

enum { OUT_CSV, OUT_XLSX, OUT_HTML, OUT_FILES };

struct kh_outputs_writer {
    const char *outdir;        /* borrowed */
    const kh_run *run;         /* borrowed */
    size_t *ord;               /* owned: display order */
    out_file files[OUT_FILES];
    xl_book book;
    bool have_book;            /* book open: xl_close pending */
};

static int out_open(out_file *o, const char *outdir, const char *name, bool stream,
                    kh_error *err)
{
    o->name = name;
    int fd = make_temp(outdir, name, o->tmp, sizeof o->tmp, err);
    if (fd < 0)
        return fd;
    o->exists = true;
    if (!stream) {
        close(fd);
        return KH_OK;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        return kh_error_set(err, KH_EIO, o->tmp, 0, 0, "cannot open: %s", strerror(errno));
    }
    return KH_OK;
}

/* Close the stream of o; rc is its writer's result. */
static void out_finish(out_file *o, const char *outdir, int rc)
{
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    if (o->rc == KH_OK && (rc != KH_OK || e))
        o->rc = kh_error_set(&o->err, rc == KH_ENOMEM ? KH_ENOMEM : KH_EIO, outdir, 0, 0,
                             "cannot write %s: %s", o->name,
                             rc == KH_ENOMEM ? "out of memory" : strerror(e ? e : EIO));
}

size_t *kh_outputs_display_order(const kh_run *run)
{
    return display_order(run);
}

int kh_outputs_open(kh_outputs_writer **out, const char *outdir, const kh_run *run,
                    kh_error *err)
{
    *out = NULL;
    if (!outdir || !*outdir || !run || !run->scheme)
        return kh_error_set(err, KH_EINVAL, outdir, 0, 0, "no output directory or run");
    struct stat st;
    if (stat(outdir, &st) != 0) {
        if (errno != ENOENT || mkdir(outdir, 0755) != 0)
            return kh_error_set(err, KH_EIO, outdir, 0, 0, "cannot create the output directory: %s",
                                strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return kh_error_set(err, KH_EIO, outdir, 0, 0, "not a directory");
    }
    kh_outputs_writer *w = calloc(1, sizeof *w);
    if (!w)
        return kh_error_set(err, KH_ENOMEM, outdir, 0, 0, "out of memory");
    w->outdir = outdir;
    w->run = run;
    int rc = KH_OK;
    static const char *const names[OUT_FILES] = {KH_OUTPUT_RANKING_CSV, KH_OUTPUT_XLSX,
                                                 KH_OUTPUT_HTML};
    for (int k = 0; k < OUT_FILES && rc == KH_OK; k++)
        rc = out_open(&w->files[k], outdir, names[k], k != OUT_XLSX, err);
    if (rc == KH_OK && !(w->ord = display_order(run)))
        rc = kh_error_set(err, KH_ENOMEM, outdir, 0, 0, "out of memory");
    if (rc != KH_OK) {
        kh_outputs_close(w);
        return rc;
    }
    /* ranking.csv whole; the parts of the others before the reports' details */
    out_file *csv = &w->files[OUT_CSV], *xl = &w->files[OUT_XLSX];
    out_finish(csv, outdir, kh_outputs_ranking_csv(csv->f, run));
    xl->rc = xl_open(&w->book, xl->tmp, run, w->ord, &xl->err);
    if (xl->rc == KH_ENOTFOUND) /* no libxlsxwriter: name the file, not its temporary */
        snprintf(xl->err.file, sizeof xl->err.file, "%s/%s", outdir, KH_OUTPUT_XLSX);
    w->have_book = xl->rc == KH_OK;
    html_begin(w->files[OUT_HTML].f, run, w->ord);
    *out = w;
    return KH_OK;
}

int kh_outputs_pass(kh_outputs_writer *w,
                    void (*each)(void *ctx, size_t i, const kh_run_item *it), void *ctx)
{
    const kh_run *run = w->run;
    FILE *html = w->files[OUT_HTML].f;
    for (size_t n = 0; n < run->count; n++) {
        size_t i = w->ord[n];
        const kh_run_item *it = kh_run_full_item(run, i); /* facts, explanations */
        if (each)
            each(ctx, i, it);
        if (w->have_book)
            xl_item(&w->book, it);
        html_district(html, run, i, it);
    }
    if (w->have_book) {
        out_file *xl = &w->files[OUT_XLSX];
        xl->rc = xl_close(&w->book, xl->tmp, run, w->ord, &xl->err);
        w->have_book = false;
    }
    html_end(html, run, w->ord);
    out_finish(&w->files[OUT_HTML], w->outdir, ferror(html) ? KH_EIO : KH_OK);
    for (int k = 0; k < OUT_FILES; k++)
        if (w->files[k].rc != KH_OK)
            return w->files[k].rc;
    return KH_OK;
}

int kh_outputs_commit(kh_outputs_writer *w, kh_error *err)
{
    /* A file that could not be written (kaohe.xlsx without libxlsxwriter,
     * say) keeps the others from nothing: they are committed, and the first
     * failure is returned. Its copy from an earlier run is removed: next to
     * this run's files it would look like this run's. */
    int first = KH_OK;
    for (int k = 0; k < OUT_FILES; k++) {
        out_file *o = &w->files[k];
        kh_error e;
        kh_error_clear(&e);
        int rc = o->rc;
        if (rc != KH_OK) {
            e = o->err;
            char stale[4200];
            int n = snprintf(stale, sizeof stale, "%s/%s", w->outdir, o->name);
            if (n > 0 && (size_t)n < sizeof stale)
                unlink(stale);
        } else {
            o->exists = false; /* commit renames it, or removes it on failure */
            rc = commit(w->outdir, o->name, o->tmp, &e);
        }
        if (rc != KH_OK && first == KH_OK) {
            first = rc;
            *err = e;
        }
    }
    return first;
}

void kh_outputs_close(kh_outputs_writer *w)
{
    if (!w)
        return;
    if (w->have_book)
        w->book.api.workbook_close(w->book.wb);
    for (int k = 0; k < OUT_FILES; k++) {
        if (w->files[k].f)
            fclose(w->files[k].f);
        if (w->files[k].exists)
            unlink(w->files[k].tmp);
    }
    free(w->ord);
    free(w);
}

int kh_outputs_write(const char *outdir, const kh_run *run, kh_error *err)
{
    kh_outputs_writer *w = NULL;
    int rc = kh_outputs_open(&w, outdir, run, err);
    if (rc != KH_OK)
        return rc;
    kh_outputs_pass(w, NULL, NULL);
    rc = kh_outputs_commit(w, err);
    kh_outputs_close(w);
    return rc;
}

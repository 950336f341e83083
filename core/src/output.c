/* output.c — table / JSON / CSV renderings of extract and score results. */
#include "output.h"
#include "score_internal.h" /* kh_rank_place */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_score.h" /* kh_cli_points_cell */
#include "overrides.h"
#include "table.h"

char *kh_output_fact_value(const kh_fact *f, char *buf, size_t size)
{
    kh_overrides_value_text(f, buf, size);
    return buf;
}

static void evidence_json(kh_json *j, const kh_evidence *ev)
{
    kh_json_key(j, "evidence");
    if (!ev->text) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    kh_json_kstring(j, "text", ev->text);
    kh_json_kint(j, "line", ev->line);
    kh_json_kint(j, "column", ev->column);
    if (ev->page > 0)
        kh_json_kint(j, "page", ev->page);
    kh_json_object_end(j);
}

static void fact_body_json(kh_json *j, const kh_fact *f)
{
    kh_json_kstring(j, "key", f->key);
    kh_json_key(j, "value");
    if (f->type == KH_VALUE_TEXT)
        kh_json_string(j, f->text);
    else
        kh_json_number(j, f->number);
    kh_json_kstring(j, "unit", f->unit ? f->unit : "");
    kh_json_kstring(j, "qualifier", kh_qualifier_name(f->qualifier));
    kh_json_kstring(j, "basis", kh_basis_name(f->basis));
    evidence_json(j, &f->evidence);
    kh_json_kstring(j, "plugin", f->plugin);
    kh_json_kstring(j, "origin", kh_origin_name(f->origin));
    kh_json_kint(j, "confidence", f->confidence);
    if (f->note)
        kh_json_kstring(j, "note", f->note);
}

/* A fact object; ov, when not NULL, is the override the fact came from. */
static void fact_json(kh_json *j, const kh_fact *f, bool with_candidates,
                      const kh_fact_entry *entry, const kh_override_applied *ov)
{
    kh_json_object(j);
    fact_body_json(j, f);
    if (ov) {
        kh_json_key(j, "override");
        kh_overrides_fact_json(j, ov);
    }
    if (with_candidates && entry) {
        kh_json_key(j, "candidates");
        kh_json_array(j);
        for (size_t i = 1; i < entry->count; i++) {
            kh_json_object(j);
            fact_body_json(j, &entry->facts[i]);
            kh_json_object_end(j);
        }
        kh_json_array_end(j);
    }
    kh_json_object_end(j);
}

void kh_output_fact_json(kh_json *j, const kh_fact *f, bool with_candidates,
                         const kh_fact_entry *entry)
{
    fact_json(j, f, with_candidates, entry, NULL);
}

static void unit_year_json(kh_json *j, const kh_input *in)
{
    kh_json_kstring(j, "path", in->path);
    kh_json_kstring(j, "unit", in->unit);
    kh_json_key(j, "year");
    if (in->year)
        kh_json_int(j, in->year);
    else
        kh_json_null(j);
}

static void errors_json(kh_json *j, const kh_input *in)
{
    kh_json_key(j, "errors");
    kh_json_array(j);
    if (in->error)
        kh_json_string(j, in->error);
    for (size_t i = 0; in->facts && i < kh_factset_error_count(in->facts); i++)
        kh_json_string(j, kh_factset_error_at(in->facts, i));
    kh_json_array_end(j);
}

static void extract_json(FILE *out, const kh_input *inputs, size_t count)
{
    kh_json j;
    kh_json_init(&j, out, true);
    kh_json_object(&j);
    kh_json_key(&j, "documents");
    kh_json_array(&j);
    for (size_t i = 0; i < count; i++) {
        const kh_input *in = &inputs[i];
        kh_json_object(&j);
        unit_year_json(&j, in);
        kh_json_kstring(&j, "encoding", in->encoding);
        kh_json_kbool(&j, "ok", in->error == NULL);
        kh_json_key(&j, "facts");
        kh_json_array(&j);
        for (size_t k = 0; in->facts && k < kh_factset_count(in->facts); k++) {
            const kh_fact_entry *e = kh_factset_at(in->facts, k);
            kh_output_fact_json(&j, &e->facts[0], true, e);
        }
        kh_json_array_end(&j);
        errors_json(&j, in);
        kh_json_object_end(&j);
    }
    kh_json_array_end(&j);
    kh_json_object_end(&j);
    kh_json_end(&j);
}

static void evidence_cell(const kh_evidence *ev, char *buf, size_t size)
{
    if (!ev->text)
        snprintf(buf, size, "-");
    else if (ev->page > 0)
        snprintf(buf, size, "p%d %d:%d %s", ev->page, ev->line, ev->column, ev->text);
    else
        snprintf(buf, size, "%d:%d %s", ev->line, ev->column, ev->text);
}

static void extract_table(FILE *out, const kh_input *inputs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const kh_input *in = &inputs[i];
        if (i)
            fputc('\n', out);
        if (in->error) {
            fprintf(out, "%s\n  FAILED: %s\n", in->path, in->error);
            continue;
        }
        fprintf(out, "%s  (%s, %s)\n", in->path, in->unit ? in->unit : "单位未识别",
                in->encoding);
        if (in->year)
            fprintf(out, "  年度 %d\n", in->year);
        static const char *const hdr[] = {"事实", "值", "限定", "依据", "其他候选", "佐证 行:列 原文"};
        kh_table *t = kh_table_new(6, hdr);
        kh_table_align_right(t, 1);
        kh_table_max_width(t, 5, 60);
        for (size_t k = 0; k < kh_factset_count(in->facts); k++) {
            const kh_fact_entry *e = kh_factset_at(in->facts, k);
            const kh_fact *f = &e->facts[0];
            char val[128], ev[1024], cand[128] = "";
            kh_output_fact_value(f, val, sizeof val);
            evidence_cell(&f->evidence, ev, sizeof ev);
            size_t used = 0;
            for (size_t c = 1; c < e->count && used < sizeof cand - 24; c++) {
                char v[64];
                int n = snprintf(cand + used, sizeof cand - used, "%s%s", c > 1 ? "," : "",
                                 kh_output_fact_value(&e->facts[c], v, sizeof v));
                if (n > 0)
                    used += (size_t)n;
            }
            const char *row[] = {f->key, val, kh_qualifier_name(f->qualifier),
                                 kh_basis_name(f->basis), cand, ev};
            kh_table_add(t, row);
        }
        kh_table_print(t, out);
        kh_table_free(t);
        for (size_t k = 0; k < kh_factset_error_count(in->facts); k++)
            fprintf(out, "  warning: %s\n", kh_factset_error_at(in->facts, k));
    }
}

void kh_output_extract(FILE *out, kh_format fmt, const kh_input *inputs,
                       size_t count)
{
    if (fmt == KH_FMT_JSON)
        extract_json(out, inputs, count);
    else
        extract_table(out, inputs, count);
}

/* ---- score ---- */

const char *kh_output_missing_name(kh_missing_policy p)
{
    switch (p) {
    case KH_MISSING_HALF: return "half";
    case KH_MISSING_EXCLUDE: return "exclude";
    default: return "zero";
    }
}

void kh_output_scheme_json(kh_json *j, const kh_scheme *scheme)
{
    kh_json_object(j);
    kh_json_kstring(j, "id", scheme->id);
    kh_json_kstring(j, "name", scheme->name);
    kh_json_kstring(j, "version", scheme->version);
    kh_json_kstring(j, "sha256", scheme->sha256);
    kh_json_knumber(j, "total", scheme->total);
    kh_json_kstring(j, "missing", kh_output_missing_name(scheme->missing));
    kh_json_object_end(j);
}

size_t *kh_output_rank_order(kh_report_score *const *scores, size_t count)
{
    size_t *ord = malloc((count ? count : 1) * sizeof *ord);
    if (!ord)
        return NULL;
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < count; i++)
            if ((pass == 0) == (scores[i] != NULL))
                ord[n++] = i;
    /* the scored prefix by year and rank, ties in input order: qsort on
     * (year, rank, index), else (out of memory) an insertion sort */
    size_t scored = 0;
    while (scored < count && scores[ord[scored]])
        scored++;
    kh_rank_place *keys = scored > 1 ? malloc(scored * sizeof *keys) : NULL;
    if (keys) {
        for (size_t i = 0; i < scored; i++)
            keys[i] = (kh_rank_place){scores[ord[i]]->year, scores[ord[i]]->rank, ord[i]};
        qsort(keys, scored, sizeof *keys, kh_cmp_rank_place);
        for (size_t i = 0; i < scored; i++)
            ord[i] = keys[i].index;
        free(keys);
    }
    for (size_t i = 1; i < scored; i++) {
        size_t v = ord[i], k = i;
        while (k > 0 && kh_rank_before(scores[v]->year, scores[v]->rank, scores[ord[k - 1]]->year,
                                       scores[ord[k - 1]]->rank)) {
            ord[k] = ord[k - 1];
            k--;
        }
        ord[k] = v;
    }
    return ord;
}

/* One indicator's result; a fact of origin override carries its record
 * from the run's overrides (the report at path). */
static void indicator_json(kh_json *j, const kh_indicator_result *r, const kh_run *run,
                           const char *path)
{
    const kh_indicator *ind = r->indicator;
    kh_json_object(j);
    kh_json_kstring(j, "id", ind->id);
    kh_json_kstring(j, "name", ind->name);
    kh_json_kstring(j, "category", ind->category);
    kh_json_knumber(j, "max", ind->max);
    kh_json_key(j, "points");
    if (r->excluded)
        kh_json_null(j);
    else
        kh_json_number(j, r->points);
    kh_json_kstring(j, "status", kh_status_name(r->status));
    kh_json_kbool(j, "monitor", ind->monitor);
    kh_json_kbool(j, "review", kh_awaits_review(r));
    kh_json_key(j, "facts");
    kh_json_array(j);
    for (size_t i = 0; i < r->facts_count; i++) {
        const kh_fact *f = &r->facts[i];
        const kh_override_applied *ov =
            f->origin == KH_ORIGIN_OVERRIDE
                ? kh_overrides_find(run->overrides, run->overrides_count, path, f->key)
                : NULL;
        fact_json(j, f, false, NULL, ov);
    }
    kh_json_array_end(j);
    kh_json_key(j, "missing");
    kh_json_array(j);
    for (size_t i = 0; i < r->missing_count; i++)
        kh_json_string(j, r->missing[i]);
    kh_json_array_end(j);
    kh_json_kstring(j, "branch", r->branch);
    kh_json_kstring(j, "explanation", r->explanation);
    if (r->error)
        kh_json_kstring(j, "error", r->error);
    kh_json_kstring(j, "script", ind->script);
    if (r->line)
        kh_json_kint(j, "line", r->line);
    kh_json_object_end(j);
}

static void item_errors_json(kh_json *j, const kh_run_item *it)
{
    kh_json_key(j, "errors");
    kh_json_array(j);
    if (it->error)
        kh_json_string(j, it->error);
    for (size_t i = 0; it->facts && i < kh_factset_error_count(it->facts); i++)
        kh_json_string(j, kh_factset_error_at(it->facts, i));
    kh_json_array_end(j);
}

void kh_output_run_results_begin(kh_json *j, const kh_run *run)
{
    kh_json_key(j, "scheme");
    kh_output_scheme_json(j, run->scheme);
    kh_json_key(j, "results");
    kh_json_array(j);
}

void kh_output_run_result_json(kh_json *j, const kh_run *run, const kh_run_item *it, size_t i,
                               void (*extra)(kh_json *j, size_t item, void *ctx), void *ctx)
{
    const kh_report_score *s = it->score;
    kh_json_object(j);
    kh_json_kstring(j, "path", it->path);
    kh_json_kstring(j, "unit", it->unit);
    kh_json_key(j, "year");
    if (it->year)
        kh_json_int(j, it->year);
    else
        kh_json_null(j);
    if (!s) {
        kh_json_knull(j, "total");
        kh_json_knull(j, "grade");
        kh_json_knull(j, "rank");
        kh_json_key(j, "indicators");
        kh_json_array(j);
        kh_json_array_end(j);
        kh_json_key(j, "adjustments");
        kh_json_array(j);
        kh_json_array_end(j);
        item_errors_json(j, it);
        if (extra)
            extra(j, i, ctx);
        kh_json_object_end(j);
        return;
    }
    kh_json_knumber(j, "total", s->total);
    kh_json_kstring(j, "grade", s->grade);
    kh_json_kint(j, "rank", s->rank);
    kh_json_key(j, "indicators");
    kh_json_array(j);
    for (size_t k = 0; k < s->indicators_count; k++)
        indicator_json(j, &s->indicators[k], run, it->path);
    kh_json_array_end(j);
    kh_json_key(j, "adjustments");
    kh_json_array(j);
    for (size_t k = 0; k < s->adjustments_count; k++) {
        kh_json_object(j);
        kh_json_kstring(j, "id", s->adjustments[k].id);
        kh_json_kstring(j, "name", s->adjustments[k].name);
        kh_json_knumber(j, "points", s->adjustments[k].points);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "review");
    kh_json_array(j);
    for (size_t k = 0; k < s->indicators_count; k++)
        if (kh_awaits_review(&s->indicators[k]))
            kh_json_string(j, s->indicators[k].indicator->id);
    kh_json_array_end(j);
    item_errors_json(j, it);
    if (extra)
        extra(j, i, ctx);
    kh_json_object_end(j);
}

void kh_output_run_results_json(kh_json *j, const kh_run *run,
                                void (*extra)(kh_json *j, size_t item, void *ctx),
                                void *ctx)
{
    size_t count = run->count;
    kh_output_run_results_begin(j, run);
    kh_report_score **scores = calloc(count ? count : 1, sizeof *scores);
    for (size_t i = 0; scores && i < count; i++)
        scores[i] = (kh_report_score *)run->items[i].score;
    size_t *ord = scores ? kh_output_rank_order(scores, count) : NULL;
    for (size_t n = 0; ord && n < count; n++)
        kh_output_run_result_json(j, run, kh_run_full_item(run, ord[n]), ord[n], extra, ctx);
    free(ord);
    free(scores);
    kh_json_array_end(j);
}

static void score_json(FILE *out, const kh_scheme *scheme, const kh_input *inputs,
                       kh_report_score *const *scores, size_t count,
                       const kh_overrides_result *ov)
{
    kh_run_item *items = calloc(count ? count : 1, sizeof *items);
    if (!items)
        return;
    for (size_t i = 0; i < count; i++) {
        items[i].path = inputs[i].path;
        items[i].unit = inputs[i].unit;
        items[i].year = inputs[i].year;
        items[i].facts = inputs[i].facts;
        items[i].score = scores[i];
        items[i].error = inputs[i].error;
    }
    kh_run run = {scheme, items, count, ov ? ov->applied : NULL, ov ? ov->applied_count : 0,
                  NULL, NULL, NULL, NULL, NULL};
    kh_json j;
    kh_json_init(&j, out, true);
    kh_json_object(&j);
    kh_output_run_results_json(&j, &run, NULL, NULL);
    if (ov) {
        kh_json_key(&j, "overrides");
        kh_overrides_json(&j, ov->applied, ov->applied_count);
    }
    kh_json_object_end(&j);
    kh_json_end(&j);
    free(items);
}

const char *kh_output_unit_label(const kh_input *in)
{
    return in->unit ? in->unit : "单位未识别";
}

size_t kh_output_review_count(const kh_report_score *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->indicators_count; k++)
        n += kh_awaits_review(&s->indicators[k]);
    return n;
}

void kh_output_ranking_table(FILE *out, const kh_input *inputs, kh_report_score *const *scores,
                             size_t count)
{
    size_t *ord = kh_output_rank_order(scores, count);
    if (!ord)
        return;
    static const char *const hdr[] = {"排名", "单位", "年度", "总分", "等次", "待核查", "文件"};
    kh_table *t = kh_table_new(7, hdr);
    kh_table_align_right(t, 0);
    kh_table_align_right(t, 3);
    kh_table_align_right(t, 5);
    for (size_t n = 0; n < count; n++) {
        size_t i = ord[n];
        const kh_report_score *s = scores[i];
        if (!s)
            continue;
        char rank[16], year[16], total[32], review[16];
        snprintf(rank, sizeof rank, "%d", s->rank);
        snprintf(year, sizeof year, "%d", inputs[i].year);
        snprintf(total, sizeof total, "%.2f", s->total);
        snprintf(review, sizeof review, "%zu", kh_output_review_count(s));
        const char *row[] = {rank, kh_output_unit_label(&inputs[i]), inputs[i].year ? year : "-",
                             total, s->grade ? s->grade : "-", review, inputs[i].path};
        kh_table_add(t, row);
    }
    kh_table_print(t, out);
    kh_table_free(t);
    free(ord);
}

static void score_table(FILE *out, const kh_scheme *scheme, const kh_input *inputs,
                        kh_report_score *const *scores, size_t count)
{
    size_t *ord = kh_output_rank_order(scores, count);
    if (!ord)
        return;
    fprintf(out, "%s  %s  (%s)\n\n", scheme->name, scheme->version, scheme->id);
    kh_output_ranking_table(out, inputs, scores, count);

    /* indicator by district, then 加分/扣分 when the scheme has them */
    bool adjust = scheme->adjustments_count > 0;
    size_t ncols = 2 + scheme->indicators_count + adjust;
    const char **h = calloc(ncols, sizeof *h);
    const char **row = calloc(ncols, sizeof *row);
    char (*cells)[32] = calloc(ncols, sizeof *cells);
    if (h && row && cells) {
        h[0] = "排名";
        h[1] = "单位";
        for (size_t k = 0; k < scheme->indicators_count; k++)
            h[2 + k] = scheme->indicators[k].id;
        if (adjust)
            h[ncols - 1] = "加分/扣分";
        kh_table *t = kh_table_new(ncols, h);
        for (size_t c = 2; c < ncols; c++)
            kh_table_align_right(t, c);
        size_t rows = 0;
        for (size_t n = 0; n < count; n++) {
            size_t i = ord[n];
            const kh_report_score *s = scores[i];
            if (!s)
                continue;
            snprintf(cells[0], sizeof cells[0], "%d", s->rank);
            row[0] = cells[0];
            row[1] = kh_output_unit_label(&inputs[i]);
            for (size_t k = 0; k < s->indicators_count && 2 + k < ncols - adjust; k++)
                row[2 + k] = kh_cli_points_cell(&s->indicators[k], cells[2 + k], sizeof cells[0]);
            if (adjust) {
                double a = kh_adjust_sum(s);
                snprintf(cells[ncols - 1], sizeof cells[0], "%s%.2f", a > 0 ? "+" : "", a);
                row[ncols - 1] = cells[ncols - 1];
            }
            kh_table_add(t, row);
            rows++;
        }
        if (rows) {
            fprintf(out, "\n指标得分（? = 待核查）\n");
            kh_table_print(t, out);
        }
        kh_table_free(t);
    }
    free(h);
    free(row);
    free(cells);

    /* the 加分/扣分 events applied, unit by unit */
    bool adj_header = false;
    for (size_t n = 0; n < count; n++) {
        const kh_report_score *s = scores[ord[n]];
        for (size_t a = 0; s && a < s->adjustments_count; a++) {
            if (!adj_header) {
                fprintf(out, "\n加分/扣分\n");
                adj_header = true;
            }
            char b[32];
            fprintf(out, "  %s  %s %s%s\n", kh_output_unit_label(&inputs[ord[n]]),
                    s->adjustments[a].name, s->adjustments[a].points > 0 ? "+" : "",
                    kh_format_double(s->adjustments[a].points, b, sizeof b));
        }
    }

    /* the 待核查 list */
    bool header = false;
    for (size_t n = 0; n < count; n++) {
        size_t i = ord[n];
        const kh_report_score *s = scores[i];
        if (!s)
            continue;
        for (size_t k = 0; k < s->indicators_count; k++) {
            const kh_indicator_result *r = &s->indicators[k];
            if (!kh_awaits_review(r))
                continue;
            if (!header) {
                fprintf(out, "\n待核查\n");
                header = true;
            }
            fprintf(out, "  %s  %s %s: ", kh_output_unit_label(&inputs[i]), r->indicator->id,
                    r->indicator->name);
            if (r->status == KH_STATUS_ERROR)
                fprintf(out, "规则错误 %s\n", r->error ? r->error : "");
            else {
                fprintf(out, "%s ", r->status == KH_STATUS_MISSING ? "缺少事实" : "部分事实缺失（已按现有事实计分）");
                for (size_t m = 0; m < r->missing_count; m++)
                    fprintf(out, "%s%s", m ? ", " : "", r->missing[m]);
                fputc('\n', out);
            }
        }
    }
    bool failed_header = false;
    for (size_t i = 0; i < count; i++) {
        if (scores[i])
            continue;
        if (!failed_header) {
            fprintf(out, "\n未能处理的文件\n");
            failed_header = true;
        }
        fprintf(out, "  %s\n", inputs[i].error ? inputs[i].error : inputs[i].path);
    }
    free(ord);
}

void kh_output_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void score_csv(FILE *out, const kh_scheme *scheme, const kh_input *inputs,
                      kh_report_score *const *scores, size_t count)
{
    size_t *ord = kh_output_rank_order(scores, count);
    if (!ord)
        return;
    bool adjust = scheme->adjustments_count > 0;
    fputs("rank,unit,year,total,grade,review,path", out);
    for (size_t k = 0; k < scheme->indicators_count; k++) {
        fputc(',', out);
        kh_output_csv_field(out, scheme->indicators[k].id);
    }
    fputs(adjust ? ",adjustments,error\r\n" : ",error\r\n", out);
    for (size_t n = 0; n < count; n++) {
        size_t i = ord[n];
        const kh_report_score *s = scores[i];
        char buf[64];
        if (s)
            fprintf(out, "%d,", s->rank);
        else
            fputc(',', out);
        kh_output_csv_field(out, inputs[i].unit);
        fputc(',', out);
        if (inputs[i].year)
            fprintf(out, "%d", inputs[i].year);
        fputc(',', out);
        if (s) {
            fprintf(out, "%.2f,", s->total);
            kh_output_csv_field(out, s->grade);
            fprintf(out, ",%zu,", kh_output_review_count(s));
        } else {
            fputs(",,,", out);
        }
        kh_output_csv_field(out, inputs[i].path);
        for (size_t k = 0; k < scheme->indicators_count; k++) {
            fputc(',', out);
            if (!s || k >= s->indicators_count)
                continue;
            const kh_indicator_result *r = &s->indicators[k];
            if (r->status == KH_STATUS_ERROR)
                fputs("error", out);
            else if (!r->excluded && !r->indicator->monitor)
                fputs(kh_format_double(round(r->points * 100) / 100, buf, sizeof buf), out);
        }
        if (adjust) {
            fputc(',', out);
            if (s)
                fputs(kh_format_double(round(kh_adjust_sum(s) * 100) / 100, buf,
                                       sizeof buf), out);
        }
        fputc(',', out);
        kh_output_csv_field(out, s ? "" : inputs[i].error);
        fputs("\r\n", out);
    }
    free(ord);
}

void kh_output_score(FILE *out, kh_format fmt, const kh_scheme *scheme,
                     const kh_input *inputs, kh_report_score *const *scores,
                     size_t count, const kh_overrides_result *overrides)
{
    if (fmt == KH_FMT_JSON) {
        score_json(out, scheme, inputs, scores, count, overrides);
    } else if (fmt == KH_FMT_CSV) {
        score_csv(out, scheme, inputs, scores, count);
    } else {
        score_table(out, scheme, inputs, scores, count);
        if (overrides && overrides->applied_count)
            kh_overrides_print_table(out, overrides->applied, overrides->applied_count);
        else if (overrides)
            fputs("\n修改记录：没有应用任何修改\n", out);
    }
}

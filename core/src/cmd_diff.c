/* cmd_diff.c — `kaohe diff --rules A --rules B REPORT...`: the reports
 * extracted once and scored under two schemes; per district and indicator
 * the points under each, the grade and rank changes, and a summary of how
 * many districts move up or down a grade and how many change rank. Table
 * (CJK-aligned), JSON and CSV (contracts in README and docs/rules.md). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_score.h"
#include "json.h"
#include "output.h"
#include "table.h"

#define MAX_FACTS_FILES 16

static void usage(FILE *out)
{
    fputs("usage: kaohe diff --rules A --rules B [options] REPORT...\n"
          "Score the same reports under two schemes (extracted once) and show, per\n"
          "district and per indicator, the points under A and under B, the grade and\n"
          "rank changes, and how many districts move up or down a grade or change rank.\n"
          "  --rules DIR       scheme A, then scheme B (directories with scheme.yaml);\n"
          "                    with only one --rules, A is the default scheme\n"
          "  --facts FILE      also score the units of a facts file (JSON or YAML),\n"
          "                    without extraction (repeatable)\n"
          "  --format table|json|csv  output format (default table; the table lists\n"
          "                    only the indicators whose points differ)\n"
          KH_CLI_ISOLATE_HELP
          KH_CLI_COMMON_HELP, out);
}

typedef enum change { SAME = 0, UP = 1, DOWN = -1 } change;

/* Level of a grade in a scheme: 0 = lowest; -1 when the scheme has none of
 * that name. Grades are sorted highest first. */
static int grade_level(const kh_scheme *s, const char *name)
{
    for (size_t i = 0; name && i < s->grades_count; i++)
        if (strcmp(s->grades[i].name, name) == 0)
            return (int)(s->grades_count - 1 - i);
    return -1;
}

static double grade_min(const kh_scheme *s, const char *name)
{
    for (size_t i = 0; name && i < s->grades_count; i++)
        if (strcmp(s->grades[i].name, name) == 0)
            return s->grades[i].min;
    return 0;
}

/* Did the district move up or down a grade from A to B? Same names are the
 * same grade; otherwise the grades are compared in B's list, else in A's,
 * else by their thresholds. */
static change grade_change(const kh_scheme *a, const kh_scheme *b, const char *ga,
                           const char *gb)
{
    if (!ga || !gb || strcmp(ga, gb) == 0)
        return SAME;
    int la = grade_level(b, ga), lb = grade_level(b, gb);
    if (la < 0 || lb < 0) {
        la = grade_level(a, ga);
        lb = grade_level(a, gb);
    }
    if (la >= 0 && lb >= 0)
        return lb > la ? UP : lb < la ? DOWN : SAME;
    double ma = grade_min(a, ga), mb = grade_min(b, gb);
    return mb > ma ? UP : mb < ma ? DOWN : SAME;
}

static const char *change_name(change c)
{
    return c == UP ? "up" : c == DOWN ? "down" : "same";
}

static const kh_indicator_result *result_by_id(const kh_report_score *s, const char *id)
{
    for (size_t i = 0; s && i < s->indicators_count; i++)
        if (strcmp(s->indicators[i].indicator->id, id) == 0)
            return &s->indicators[i];
    return NULL;
}

/* Indicator ids of A in order, then those only B has. Borrowed strings. */
typedef struct id_list {
    const char **ids;
    const char **names;
    size_t count;
} id_list;

static bool ids_build(id_list *l, const kh_scheme *a, const kh_scheme *b)
{
    size_t cap = a->indicators_count + b->indicators_count;
    l->ids = calloc(cap ? cap : 1, sizeof *l->ids);
    l->names = calloc(cap ? cap : 1, sizeof *l->names);
    l->count = 0;
    if (!l->ids || !l->names)
        return false;
    for (size_t i = 0; i < a->indicators_count; i++) {
        l->ids[l->count] = a->indicators[i].id;
        l->names[l->count++] = a->indicators[i].name;
    }
    for (size_t i = 0; i < b->indicators_count; i++)
        if (!kh_scheme_indicator(a, b->indicators[i].id)) {
            l->ids[l->count] = b->indicators[i].id;
            l->names[l->count++] = b->indicators[i].name;
        }
    return true;
}

static void ids_free(id_list *l)
{
    free(l->ids);
    free(l->names);
}

/* Points as a number for deltas, or false (missing result, excluded,
 * monitor, error counts 0). */
static bool counted_points(const kh_indicator_result *r, double *p)
{
    if (!r || r->excluded || r->indicator->monitor)
        return false;
    *p = r->points;
    return true;
}

typedef struct diff_ctx {
    const kh_scheme *a, *b;
    const char *dir_a, *dir_b;
    const kh_input *inputs;
    kh_report_score *const *sa;
    kh_report_score *const *sb;
    size_t n;
    id_list ids;
} diff_ctx;

typedef struct summary {
    size_t units, grade_up, grade_down, grade_same, rank_changed, rank_up, rank_down,
        indicators_changed, units_changed;
} summary;

static summary summarise(const diff_ctx *d)
{
    summary s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < d->n; i++) {
        const kh_report_score *a = d->sa[i], *b = d->sb[i];
        if (!a || !b)
            continue;
        s.units++;
        change g = grade_change(d->a, d->b, a->grade, b->grade);
        if (g == UP)
            s.grade_up++;
        else if (g == DOWN)
            s.grade_down++;
        else
            s.grade_same++;
        if (a->rank != b->rank) {
            s.rank_changed++;
            if (b->rank < a->rank)
                s.rank_up++;
            else
                s.rank_down++;
        }
        bool any = kh_cli_cents(a->total) != kh_cli_cents(b->total);
        for (size_t k = 0; k < d->ids.count; k++)
            if (kh_cli_result_changed(result_by_id(a, d->ids.ids[k]),
                                      result_by_id(b, d->ids.ids[k]))) {
                s.indicators_changed++;
                any = true;
            }
        s.units_changed += any;
    }
    return s;
}

/* ---- table -------------------------------------------------------------- */

static void diff_table(FILE *out, const diff_ctx *d)
{
    fprintf(out, "方案 A  %s %s（%s）  %s\n", d->a->name, d->a->version, d->a->id, d->dir_a);
    fprintf(out, "方案 B  %s %s（%s）  %s\n\n", d->b->name, d->b->version, d->b->id, d->dir_b);
    size_t *ord = kh_output_rank_order(d->sb, d->n);
    if (!ord)
        return;
    static const char *const hdr[] = {"排名A", "排名B", "单位",  "年度",  "总分A",
                                      "总分B", "变化",  "等次A", "等次B", "文件"};
    kh_table *t = kh_table_new(10, hdr);
    for (size_t c = 0; c < 7; c++)
        if (c != 2)
            kh_table_align_right(t, c);
    for (size_t k = 0; k < d->n; k++) {
        size_t i = ord[k];
        const kh_report_score *a = d->sa[i], *b = d->sb[i];
        if (!a || !b)
            continue;
        char ra[16], rb[16], year[16], ta[32], tb[32], delta[32], ga[128], gb[128];
        snprintf(ra, sizeof ra, "%d", a->rank);
        snprintf(rb, sizeof rb, "%d", b->rank);
        snprintf(year, sizeof year, "%d", d->inputs[i].year);
        snprintf(ta, sizeof ta, "%.2f", a->total);
        snprintf(tb, sizeof tb, "%.2f", b->total);
        long long cents = kh_cli_cents(b->total) - kh_cli_cents(a->total);
        if (cents == 0)
            snprintf(delta, sizeof delta, "0");
        else
            snprintf(delta, sizeof delta, "%+.2f", (double)cents / 100);
        change g = grade_change(d->a, d->b, a->grade, b->grade);
        snprintf(ga, sizeof ga, "%s", a->grade ? a->grade : "-");
        snprintf(gb, sizeof gb, "%s%s", b->grade ? b->grade : "-",
                 g == UP ? " ↑" : g == DOWN ? " ↓" : "");
        const char *row[] = {ra, rb, kh_output_unit_label(&d->inputs[i]),
                             d->inputs[i].year ? year : "-", ta, tb, delta, ga, gb,
                             d->inputs[i].path};
        kh_table_add(t, row);
    }
    kh_table_print(t, out);
    kh_table_free(t);

    static const char *const hdr2[] = {"单位", "指标", "名称", "A", "B", "变化"};
    t = kh_table_new(6, hdr2);
    kh_table_align_right(t, 3);
    kh_table_align_right(t, 4);
    kh_table_align_right(t, 5);
    kh_table_max_width(t, 2, 24);
    size_t rows = 0;
    for (size_t k = 0; k < d->n; k++) {
        size_t i = ord[k];
        const kh_report_score *a = d->sa[i], *b = d->sb[i];
        if (!a || !b)
            continue;
        for (size_t x = 0; x < d->ids.count; x++) {
            const kh_indicator_result *ra = result_by_id(a, d->ids.ids[x]);
            const kh_indicator_result *rb = result_by_id(b, d->ids.ids[x]);
            if (!kh_cli_result_changed(ra, rb))
                continue;
            char ca[64], cb[64], delta[32] = "";
            double pa, pb;
            if (counted_points(ra, &pa) && counted_points(rb, &pb)) {
                long long cents = kh_cli_cents(pb) - kh_cli_cents(pa);
                if (cents)
                    snprintf(delta, sizeof delta, "%+.2f", (double)cents / 100);
                else
                    snprintf(delta, sizeof delta, "0");
            }
            const char *row[] = {kh_output_unit_label(&d->inputs[i]), d->ids.ids[x],
                                 d->ids.names[x], kh_cli_points_cell(ra, ca, sizeof ca),
                                 kh_cli_points_cell(rb, cb, sizeof cb), delta};
            kh_table_add(t, row);
            rows++;
        }
    }
    if (rows) {
        fputs("\n指标得分变化（A → B；? = 待核查，— = 不计入或方案无此指标）\n", out);
        kh_table_print(t, out);
    } else {
        fputs("\n指标得分：两个方案下完全相同\n", out);
    }
    kh_table_free(t);

    summary s = summarise(d);
    fprintf(out,
            "\n汇总  %zu 个单位：等次上升 %zu，下降 %zu，不变 %zu；排名变化 %zu（上升 %zu，"
            "下降 %zu）；得分有变化的单位 %zu，指标得分变化 %zu 项\n",
            s.units, s.grade_up, s.grade_down, s.grade_same, s.rank_changed, s.rank_up,
            s.rank_down, s.units_changed, s.indicators_changed);
    bool header = false;
    for (size_t i = 0; i < d->n; i++)
        if (!d->sa[i] || !d->sb[i]) {
            if (!header)
                fputs("\n未能处理的文件\n", out);
            header = true;
            fprintf(out, "  %s\n", d->inputs[i].error ? d->inputs[i].error : d->inputs[i].path);
        }
    free(ord);
}

/* ---- JSON --------------------------------------------------------------- */

static void scheme_json(kh_json *j, const char *key, const kh_scheme *s, const char *dir)
{
    kh_json_key(j, key);
    kh_json_object(j);
    kh_json_kstring(j, "id", s->id);
    kh_json_kstring(j, "name", s->name);
    kh_json_kstring(j, "version", s->version);
    kh_json_kstring(j, "sha256", s->sha256);
    kh_json_kstring(j, "dir", dir);
    kh_json_object_end(j);
}

static void side_json(kh_json *j, const char *key, const kh_indicator_result *r)
{
    kh_json_key(j, key);
    if (!r) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    kh_json_key(j, "points");
    if (r->excluded)
        kh_json_null(j);
    else
        kh_json_number(j, r->points);
    kh_json_kstring(j, "status", kh_status_name(r->status));
    kh_json_kbool(j, "excluded", r->excluded);
    kh_json_object_end(j);
}

static void total_json(kh_json *j, const char *key, const kh_report_score *s)
{
    kh_json_key(j, key);
    if (!s) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    kh_json_knumber(j, "total", s->total);
    kh_json_kstring(j, "grade", s->grade);
    kh_json_kint(j, "rank", s->rank);
    kh_json_object_end(j);
}

static void diff_json(FILE *out, const diff_ctx *d)
{
    kh_json j;
    kh_json_init(&j, out, true);
    kh_json_object(&j);
    scheme_json(&j, "a", d->a, d->dir_a);
    scheme_json(&j, "b", d->b, d->dir_b);
    kh_json_key(&j, "results");
    kh_json_array(&j);
    size_t *ord = kh_output_rank_order(d->sb, d->n);
    for (size_t k = 0; ord && k < d->n; k++) {
        size_t i = ord[k];
        const kh_input *in = &d->inputs[i];
        const kh_report_score *a = d->sa[i], *b = d->sb[i];
        kh_json_object(&j);
        kh_json_kstring(&j, "path", in->path);
        kh_json_kstring(&j, "unit", in->unit);
        kh_json_key(&j, "year");
        if (in->year)
            kh_json_int(&j, in->year);
        else
            kh_json_null(&j);
        total_json(&j, "a", a);
        total_json(&j, "b", b);
        if (a && b) {
            kh_json_knumber(&j, "delta",
                            (double)(kh_cli_cents(b->total) - kh_cli_cents(a->total)) / 100);
            kh_json_kstring(&j, "grade_change",
                            change_name(grade_change(d->a, d->b, a->grade, b->grade)));
            kh_json_kint(&j, "rank_change", a->rank - b->rank);
        } else {
            kh_json_knull(&j, "delta");
            kh_json_knull(&j, "grade_change");
            kh_json_knull(&j, "rank_change");
        }
        kh_json_key(&j, "indicators");
        kh_json_array(&j);
        for (size_t x = 0; a && b && x < d->ids.count; x++) {
            const kh_indicator_result *ra = result_by_id(a, d->ids.ids[x]);
            const kh_indicator_result *rb = result_by_id(b, d->ids.ids[x]);
            kh_json_object(&j);
            kh_json_kstring(&j, "id", d->ids.ids[x]);
            kh_json_kstring(&j, "name", d->ids.names[x]);
            side_json(&j, "a", ra);
            side_json(&j, "b", rb);
            double pa, pb;
            if (counted_points(ra, &pa) && counted_points(rb, &pb))
                kh_json_knumber(&j, "delta", (double)(kh_cli_cents(pb) - kh_cli_cents(pa)) / 100);
            else
                kh_json_knull(&j, "delta");
            kh_json_kbool(&j, "changed", kh_cli_result_changed(ra, rb));
            kh_json_object_end(&j);
        }
        kh_json_array_end(&j);
        kh_json_key(&j, "errors");
        kh_json_array(&j);
        if (in->error)
            kh_json_string(&j, in->error);
        kh_json_array_end(&j);
        kh_json_object_end(&j);
    }
    free(ord);
    kh_json_array_end(&j);
    summary s = summarise(d);
    kh_json_key(&j, "summary");
    kh_json_object(&j);
    kh_json_kint(&j, "units", (long long)s.units);
    kh_json_kint(&j, "grade_up", (long long)s.grade_up);
    kh_json_kint(&j, "grade_down", (long long)s.grade_down);
    kh_json_kint(&j, "grade_same", (long long)s.grade_same);
    kh_json_kint(&j, "rank_changed", (long long)s.rank_changed);
    kh_json_kint(&j, "rank_up", (long long)s.rank_up);
    kh_json_kint(&j, "rank_down", (long long)s.rank_down);
    kh_json_kint(&j, "units_changed", (long long)s.units_changed);
    kh_json_kint(&j, "indicators_changed", (long long)s.indicators_changed);
    kh_json_object_end(&j);
    kh_json_object_end(&j);
    kh_json_end(&j);
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_points(FILE *out, const kh_indicator_result *r)
{
    char buf[64];
    if (r && !r->excluded && r->status != KH_STATUS_ERROR)
        fputs(kh_format_double((double)kh_cli_cents(r->points) / 100, buf, sizeof buf), out);
}

/* One row per district (indicator "total") and per district × indicator. */
static void diff_csv(FILE *out, const diff_ctx *d)
{
    fputs("path,unit,year,indicator,name,points_a,points_b,delta,status_a,status_b,"
          "grade_a,grade_b,rank_a,rank_b\r\n",
          out);
    size_t *ord = kh_output_rank_order(d->sb, d->n);
    for (size_t k = 0; ord && k < d->n; k++) {
        size_t i = ord[k];
        const kh_input *in = &d->inputs[i];
        const kh_report_score *a = d->sa[i], *b = d->sb[i];
        if (!a || !b)
            continue;
        char year[16] = "", buf[64];
        if (in->year)
            snprintf(year, sizeof year, "%d", in->year);
        kh_output_csv_field(out, in->path);
        fputc(',', out);
        kh_output_csv_field(out, in->unit);
        char ta[64], tb[64];
        fprintf(out, ",%s,total,,%s,%s,%s,,,", year,
                kh_format_double((double)kh_cli_cents(a->total) / 100, ta, sizeof ta),
                kh_format_double((double)kh_cli_cents(b->total) / 100, tb, sizeof tb),
                kh_format_double((double)(kh_cli_cents(b->total) - kh_cli_cents(a->total)) / 100,
                                 buf, sizeof buf));
        kh_output_csv_field(out, a->grade);
        fputc(',', out);
        kh_output_csv_field(out, b->grade);
        fprintf(out, ",%d,%d\r\n", a->rank, b->rank);
        for (size_t x = 0; x < d->ids.count; x++) {
            const kh_indicator_result *ra = result_by_id(a, d->ids.ids[x]);
            const kh_indicator_result *rb = result_by_id(b, d->ids.ids[x]);
            kh_output_csv_field(out, in->path);
            fputc(',', out);
            kh_output_csv_field(out, in->unit);
            fprintf(out, ",%s,", year);
            kh_output_csv_field(out, d->ids.ids[x]);
            fputc(',', out);
            kh_output_csv_field(out, d->ids.names[x]);
            fputc(',', out);
            csv_points(out, ra);
            fputc(',', out);
            csv_points(out, rb);
            fputc(',', out);
            double pa, pb;
            if (counted_points(ra, &pa) && counted_points(rb, &pb))
                fputs(kh_format_double((double)(kh_cli_cents(pb) - kh_cli_cents(pa)) / 100, buf,
                                       sizeof buf),
                      out);
            fprintf(out, ",%s,%s,,,,\r\n", ra ? kh_status_name(ra->status) : "",
                    rb ? kh_status_name(rb->status) : "");
        }
    }
    free(ord);
}

int kh_cmd_diff(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS, KH_CLI_ISOLATE_LONGOPTS, {"facts", required_argument, NULL, 'F'},
        {0, 0, 0, 0}};
    const char *dirs[2] = {NULL, NULL};
    size_t ndirs = 0, nfacts = 0;
    const char *facts_paths[MAX_FACTS_FILES];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c == KH_OPT_RULES) {
            if (ndirs == 2) {
                fprintf(stderr, "kaohe diff: give --rules at most twice (A and B)\n");
                return KH_EXIT_USAGE;
            }
            dirs[ndirs++] = optarg;
            continue;
        }
        if (c == 'F') {
            if (nfacts == MAX_FACTS_FILES) {
                fprintf(stderr, "kaohe diff: too many --facts options\n");
                return KH_EXIT_USAGE;
            }
            facts_paths[nfacts++] = optarg;
            continue;
        }
        int r = kh_cli_common_option(cli, c, optarg);
        if (r <= 0) {
            if (r == 0)
                usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (ndirs == 0) {
        fprintf(stderr, "kaohe diff: give the schemes to compare: --rules A --rules B\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    if (optind >= argc && nfacts == 0) {
        fprintf(stderr, "kaohe diff: no input files\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli); /* the default scheme when only B is given */
    if (ndirs == 1) {
        dirs[1] = dirs[0];
        dirs[0] = cli->rules_dir;
    }
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;
    int status = KH_EXIT_USAGE;
    kh_rules *rules_a = NULL, *rules_b = NULL;
    kh_scheme *a = NULL, *b = NULL;
    kh_cli_given given = {0};
    kh_input *inputs = NULL;
    kh_report_score **sa = NULL, **sb = NULL;
    size_t n = 0;
    diff_ctx d;
    memset(&d, 0, sizeof d);
    a = kh_cli_load_scheme(dirs[0], engine, stderr, &rules_a);
    if (!a) {
        fprintf(stderr, "kaohe: %s: scheme A not usable, nothing compared\n", dirs[0]);
        goto done;
    }
    b = kh_cli_load_scheme(dirs[1], engine, stderr, &rules_b);
    if (!b) {
        fprintf(stderr, "kaohe: %s: scheme B not usable, nothing compared\n", dirs[1]);
        goto done;
    }
    if (!kh_cli_given_load(&given, cli, facts_paths, nfacts, NULL))
        goto done;
    size_t failed = kh_cli_read_inputs(cli, engine, argv + optind, (size_t)(argc - optind),
                                       &given, &inputs, &n);
    if (failed == (size_t)-1)
        goto done;
    sa = calloc(n ? n : 1, sizeof *sa);
    sb = calloc(n ? n : 1, sizeof *sb);
    if (!sa || !sb || !ids_build(&d.ids, a, b)) {
        fprintf(stderr, "kaohe: out of memory\n");
        goto done;
    }
    failed += kh_cli_score_all(rules_a, inputs, n, sa);
    for (size_t i = 0; i < n; i++) /* an input that failed under A is left out of B too */
        if (inputs[i].error && sa[i]) {
            kh_report_score_free(sa[i]);
            sa[i] = NULL;
        }
    failed += kh_cli_score_all(rules_b, inputs, n, sb);
    d.a = a;
    d.b = b;
    d.dir_a = dirs[0];
    d.dir_b = dirs[1];
    d.inputs = inputs;
    d.sa = sa;
    d.sb = sb;
    d.n = n;
    if (cli->format == KH_FMT_JSON)
        diff_json(stdout, &d);
    else if (cli->format == KH_FMT_CSV)
        diff_csv(stdout, &d);
    else
        diff_table(stdout, &d);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", inputs[i].error);
    status = failed ? KH_EXIT_INPUT : KH_EXIT_OK;
done:
    ids_free(&d.ids);
    for (size_t i = 0; i < n; i++) {
        if (sa)
            kh_report_score_free(sa[i]);
        if (sb)
            kh_report_score_free(sb[i]);
    }
    free(sa);
    free(sb);
    kh_cli_inputs_free(inputs, n);
    free(inputs);
    kh_cli_given_free(&given);
    kh_rules_free(rules_a);
    kh_rules_free(rules_b);
    kh_scheme_free(a);
    kh_scheme_free(b);
    kh_engine_free(engine);
    return status;
}

/* cmd_explain.c — `kaohe explain REPORT...`: for each indicator, the facts
 * the rule read (value, qualifier, basis, evidence and the other candidates
 * the report stated), the formula branch and its arithmetic, the points, and
 * how the scheme's missing policy treated a missing fact. Table for people,
 * JSON for programs (contract in README and docs/rules.md). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_score.h"
#include "output.h"
#include "table.h"

#define MAX_SELECTED 64
#define MAX_FACTS_FILES 16

static void usage(FILE *out)
{
    fputs("usage: kaohe explain [options] REPORT...\n"
          "       kaohe explain [options] --facts FILE [REPORT...]\n"
          "Show how each indicator was scored: the facts the rule read (value, qualifier,\n"
          "basis, evidence line:column and text, other candidates the report stated), the\n"
          "formula branch and its arithmetic, the points, and how the scheme's missing\n"
          "policy treated a missing fact.\n"
          "  --indicator ID    only this indicator (repeatable), e.g. FZ-01\n"
          "  --facts FILE      score the units of a facts file (JSON or YAML) too,\n"
          "                    without extraction (repeatable)\n"
          "  --rules DIR       scheme directory with scheme.yaml (default: the bundled\n"
          "                    default scheme; env KAOHE_RULES)\n"
          "  --format table|json  output format (default table)\n"
          KH_CLI_ISOLATE_HELP
          KH_CLI_COMMON_HELP, out);
}

static const char *qualifier_gloss(kh_qualifier q)
{
    switch (q) {
    case KH_QUAL_MORE_THAN: return "余/以上";
    case KH_QUAL_ABOUT: return "约";
    case KH_QUAL_LESS_THAN: return "不足";
    default: return "确数";
    }
}

static const char *basis_gloss(kh_basis b)
{
    switch (b) {
    case KH_BASIS_IMPLIED: return "由“均/全部”推定";
    case KH_BASIS_DERIVED: return "由分项推算";
    default: return "报告明示";
    }
}

/* How the missing policy (or a partial score) treated the indicator: the
 * policy word and a sentence, or false when nothing is missing. */
static bool missing_treatment(const kh_scheme *scheme, const kh_indicator_result *r,
                              const char **policy, double *points, char *text, size_t size)
{
    const kh_indicator *ind = r->indicator;
    char num[64];
    if (r->status == KH_STATUS_MISSING) {
        if (ind->monitor) {
            *policy = "monitor";
            *points = 0;
            snprintf(text, size, "监测指标，不计分，待核查");
            return true;
        }
        *policy = kh_output_missing_name(scheme->missing);
        *points = r->points;
        switch (scheme->missing) {
        case KH_MISSING_HALF:
            snprintf(text, size, "按一半计 %s 分，待核查",
                     kh_format_double(r->points, num, sizeof num));
            break;
        case KH_MISSING_EXCLUDE:
            snprintf(text, size, "不计入总分，总分按比例折算");
            break;
        default:
            snprintf(text, size, "0 分，待核查");
            break;
        }
        return true;
    }
    if (r->status == KH_STATUS_SCORED && r->missing_count) {
        *policy = "partial";
        *points = r->points;
        snprintf(text, size, "部分事实缺失，已按现有事实计 %s 分，待核查",
                 kh_format_double(r->points, num, sizeof num));
        return true;
    }
    return false;
}

static bool was_read(const kh_indicator_result *r, const char *key)
{
    for (size_t i = 0; i < r->facts_count; i++)
        if (strcmp(r->facts[i].key, key) == 0)
            return true;
    return false;
}

static bool selected(const char *id, const char *const *ids, size_t nids)
{
    if (nids == 0)
        return true;
    for (size_t i = 0; i < nids; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

/* ---- JSON --------------------------------------------------------------- */

static void fact_with_candidates(kh_json *j, const kh_fact *f, const kh_factset *facts)
{
    const kh_fact_entry *e = kh_factset_entry(facts, f->key);
    kh_output_fact_json(j, f, true, e);
}

static void indicator_json(kh_json *j, const kh_scheme *scheme, const kh_indicator_result *r,
                           const kh_factset *facts)
{
    const kh_indicator *ind = r->indicator;
    kh_json_object(j);
    kh_json_kstring(j, "id", ind->id);
    kh_json_kstring(j, "name", ind->name);
    kh_json_kstring(j, "category", ind->category);
    kh_json_knumber(j, "max", ind->max);
    kh_json_kbool(j, "monitor", ind->monitor);
    kh_json_kstring(j, "script", ind->script);
    if (r->line)
        kh_json_kint(j, "line", r->line);
    else
        kh_json_knull(j, "line");
    kh_json_kstring(j, "status", kh_status_name(r->status));
    kh_json_key(j, "points");
    if (r->excluded)
        kh_json_null(j);
    else
        kh_json_number(j, r->points);
    kh_json_kbool(j, "excluded", r->excluded);
    kh_json_kstring(j, "branch", r->branch);
    kh_json_kstring(j, "explanation", r->explanation);
    kh_json_kstring(j, "error", r->error);
    kh_json_key(j, "facts");
    kh_json_array(j);
    for (size_t i = 0; i < r->facts_count; i++)
        fact_with_candidates(j, &r->facts[i], facts);
    kh_json_array_end(j);
    kh_json_key(j, "unread");
    kh_json_array(j);
    for (size_t k = 0; k < ind->facts_count; k++) {
        const kh_fact *f = kh_factset_get(facts, ind->facts[k]);
        if (f && !was_read(r, ind->facts[k]))
            fact_with_candidates(j, f, facts);
    }
    kh_json_array_end(j);
    kh_json_key(j, "absent");
    kh_json_array(j);
    for (size_t k = 0; k < ind->facts_count; k++)
        if (!kh_factset_get(facts, ind->facts[k]))
            kh_json_string(j, ind->facts[k]);
    kh_json_array_end(j);
    kh_json_key(j, "missing");
    kh_json_array(j);
    for (size_t i = 0; i < r->missing_count; i++)
        kh_json_string(j, r->missing[i]);
    kh_json_array_end(j);
    const char *policy = NULL;
    double points = 0;
    char text[256];
    kh_json_key(j, "missing_policy");
    if (missing_treatment(scheme, r, &policy, &points, text, sizeof text)) {
        kh_json_object(j);
        kh_json_kstring(j, "policy", policy);
        kh_json_key(j, "points");
        if (r->excluded)
            kh_json_null(j);
        else
            kh_json_number(j, points);
        kh_json_kstring(j, "text", text);
        kh_json_object_end(j);
    } else {
        kh_json_null(j);
    }
    kh_json_object_end(j);
}

static void explain_json(FILE *out, const kh_scheme *scheme, const kh_input *inputs,
                         kh_report_score *const *scores, size_t n, const char *const *ids,
                         size_t nids)
{
    kh_json j;
    kh_json_init(&j, out, true);
    kh_json_object(&j);
    kh_json_key(&j, "scheme");
    kh_output_scheme_json(&j, scheme);
    kh_json_key(&j, "reports");
    kh_json_array(&j);
    for (size_t i = 0; i < n; i++) {
        const kh_input *in = &inputs[i];
        const kh_report_score *s = scores[i];
        kh_json_object(&j);
        kh_json_kstring(&j, "path", in->path);
        kh_json_kstring(&j, "unit", in->unit);
        kh_json_key(&j, "year");
        if (in->year)
            kh_json_int(&j, in->year);
        else
            kh_json_null(&j);
        if (s) {
            kh_json_knumber(&j, "total", s->total);
            kh_json_kstring(&j, "grade", s->grade);
            kh_json_kint(&j, "rank", s->rank);
        } else {
            kh_json_knull(&j, "total");
            kh_json_knull(&j, "grade");
            kh_json_knull(&j, "rank");
        }
        kh_json_key(&j, "indicators");
        kh_json_array(&j);
        for (size_t k = 0; s && k < s->indicators_count; k++)
            if (selected(s->indicators[k].indicator->id, ids, nids))
                indicator_json(&j, scheme, &s->indicators[k], in->facts);
        kh_json_array_end(&j);
        kh_json_key(&j, "errors");
        kh_json_array(&j);
        if (in->error)
            kh_json_string(&j, in->error);
        for (size_t e = 0; in->facts && e < kh_factset_error_count(in->facts); e++)
            kh_json_string(&j, kh_factset_error_at(in->facts, e));
        kh_json_array_end(&j);
        kh_json_object_end(&j);
    }
    kh_json_array_end(&j);
    kh_json_object_end(&j);
    kh_json_end(&j);
}

/* ---- table ------------------------------------------------------------- */

#define LABEL_CELLS 10 /* label column: 8 cells (公式分支) and two spaces */

/* "label" padded to LABEL_CELLS cells; "" gives a continuation indent. */
static void label(FILE *out, const char *text)
{
    fputs(text, out);
    size_t w = kh_display_width(text, strlen(text));
    for (; w < LABEL_CELLS; w++)
        fputc(' ', out);
}

static void fact_detail(FILE *out, const kh_fact *f)
{
    char val[256];
    kh_output_fact_value(f, val, sizeof val);
    fprintf(out, "%s = %s", f->key, val);
    fputs("（", out);
    if (f->unit && *f->unit)
        fprintf(out, "单位 %s；", f->unit);
    fprintf(out, "限定 %s %s；依据 %s %s；来源 %s", kh_qualifier_name(f->qualifier),
            qualifier_gloss(f->qualifier), kh_basis_name(f->basis), basis_gloss(f->basis),
            kh_origin_name(f->origin));
    if (f->plugin)
        fprintf(out, " %s", f->plugin);
    if (f->origin == KH_ORIGIN_EXTRACTED)
        fprintf(out, "，置信 %d", f->confidence);
    fputs("）\n", out);
}

static void evidence_line(FILE *out, const char *prefix, const kh_fact *f)
{
    label(out, "");
    if (f->evidence.text)
        fprintf(out, "  %s %d:%d「%s」\n", prefix, f->evidence.line, f->evidence.column,
                f->evidence.text);
    else
        fprintf(out, "  %s 无（%s）\n", prefix,
                f->origin == KH_ORIGIN_GIVEN ? "以数据给出，无原文" : "无原文");
}

/* The chosen fact, its evidence and note, and the other candidates. */
static void fact_block(FILE *out, const kh_fact *f, const kh_factset *facts, bool first,
                       const char *heading)
{
    label(out, first ? heading : "");
    fact_detail(out, f);
    evidence_line(out, "佐证", f);
    if (f->note) {
        label(out, "");
        fprintf(out, "  备注 %s\n", f->note);
    }
    const kh_fact_entry *e = kh_factset_entry(facts, f->key);
    for (size_t c = 1; e && c < e->count; c++) {
        const kh_fact *o = &e->facts[c];
        char val[256];
        kh_output_fact_value(o, val, sizeof val);
        label(out, "");
        fprintf(out, "  其他候选 %s（限定 %s，置信 %d）", val, kh_qualifier_name(o->qualifier),
                o->confidence);
        if (o->evidence.text)
            fprintf(out, " %d:%d「%s」", o->evidence.line, o->evidence.column,
                    o->evidence.text);
        fputc('\n', out);
    }
}

static void indicator_table(FILE *out, const kh_scheme *scheme, const kh_indicator_result *r,
                            const kh_factset *facts)
{
    const kh_indicator *ind = r->indicator;
    char num[64];
    label(out, "指标");
    fprintf(out, "%s %s（", ind->id, ind->name);
    if (ind->category)
        fprintf(out, "%s，", ind->category);
    if (ind->monitor)
        fputs("监测指标，不计入总分", out);
    else
        fprintf(out, "满分 %s", kh_format_double(ind->max, num, sizeof num));
    fprintf(out, "，%s）\n", ind->script);

    /* facts the rule read, in reading order */
    if (r->facts_count == 0) {
        label(out, "事实");
        fputs("（规则没有读到报告载明的事实）\n", out);
    }
    for (size_t i = 0; i < r->facts_count; i++)
        fact_block(out, &r->facts[i], facts, i == 0, "事实");
    /* stated but not read by the branch taken */
    bool first = true;
    for (size_t k = 0; k < ind->facts_count; k++) {
        const kh_fact *f = kh_factset_get(facts, ind->facts[k]);
        if (f && !was_read(r, ind->facts[k])) {
            fact_block(out, f, facts, first, "未读取");
            first = false;
        }
    }
    first = true;
    for (size_t k = 0; k < ind->facts_count; k++)
        if (!kh_factset_get(facts, ind->facts[k])) {
            if (first)
                label(out, "未载明");
            fprintf(out, "%s%s", first ? "" : ", ", ind->facts[k]);
            first = false;
        }
    if (!first)
        fputc('\n', out);

    label(out, "公式分支");
    if (r->branch && r->line)
        fprintf(out, "%s（%s:%d）\n", r->branch, ind->script, r->line);
    else if (r->branch)
        fprintf(out, "%s\n", r->branch);
    else if (r->line)
        fprintf(out, "—（%s:%d）\n", ind->script, r->line);
    else
        fputs("—\n", out);

    label(out, "计算");
    if (r->status == KH_STATUS_ERROR)
        fprintf(out, "规则错误：%s\n", r->error ? r->error : "");
    else if (r->explanation && *r->explanation)
        fprintf(out, "%s\n", r->explanation);
    else
        fputs(r->status == KH_STATUS_MISSING ? "—（缺少事实，未计算）\n" : "—\n", out);

    label(out, "得分");
    if (r->status == KH_STATUS_ERROR)
        fprintf(out, "0 / %s（规则错误，待核查）\n", kh_format_double(ind->max, num, sizeof num));
    else if (r->excluded)
        fputs("不计入总分\n", out);
    else if (ind->monitor && r->status == KH_STATUS_SCORED)
        fprintf(out, "监测值 %s（不计入总分）\n", kh_format_double(r->points, num, sizeof num));
    else if (ind->monitor)
        fputs("—（不计入总分）\n", out);
    else
        fprintf(out, "%.2f / %s\n", r->points, kh_format_double(ind->max, num, sizeof num));

    const char *policy = NULL;
    double points = 0;
    char text[256];
    if (missing_treatment(scheme, r, &policy, &points, text, sizeof text)) {
        label(out, "缺失处理");
        if (r->missing_count) {
            fputs("缺少 ", out);
            for (size_t m = 0; m < r->missing_count; m++)
                fprintf(out, "%s%s", m ? ", " : "", r->missing[m]);
            fputs(" → ", out);
        }
        fprintf(out, "%s（missing: %s）\n", text, policy);
    }
}

static void explain_table(FILE *out, const kh_scheme *scheme, const kh_input *inputs,
                          kh_report_score *const *scores, size_t n, const char *const *ids,
                          size_t nids)
{
    char num[64];
    for (size_t i = 0; i < n; i++) {
        const kh_input *in = &inputs[i];
        const kh_report_score *s = scores[i];
        if (i)
            fputs("\n", out);
        fprintf(out, "== %s", in->unit ? in->unit : "单位未识别");
        if (in->year)
            fprintf(out, "  %d年度", in->year);
        fprintf(out, "  %s\n", in->path);
        if (!s) {
            fprintf(out, "  未能处理: %s\n", in->error ? in->error : "");
            continue;
        }
        label(out, "方案");
        fprintf(out, "%s %s（%s）；缺失事实处理 %s\n", scheme->name, scheme->version, scheme->id,
                kh_output_missing_name(scheme->missing));
        label(out, "总分");
        fprintf(out, "%.2f / %s  等次 %s  排名 %d\n", s->total,
                kh_format_double(scheme->total, num, sizeof num), s->grade ? s->grade : "-",
                s->rank);
        for (size_t e = 0; in->facts && e < kh_factset_error_count(in->facts); e++) {
            label(out, "警告");
            fprintf(out, "%s\n", kh_factset_error_at(in->facts, e));
        }
        for (size_t k = 0; k < s->indicators_count; k++) {
            if (!selected(s->indicators[k].indicator->id, ids, nids))
                continue;
            fputc('\n', out);
            indicator_table(out, scheme, &s->indicators[k], in->facts);
        }
        for (size_t a = 0; a < s->adjustments_count && nids == 0; a++) {
            if (a == 0)
                fputc('\n', out);
            label(out, a == 0 ? "加减分" : "");
            fprintf(out, "%s %s%s\n", s->adjustments[a].name,
                    s->adjustments[a].points > 0 ? "+" : "",
                    kh_format_double(s->adjustments[a].points, num, sizeof num));
        }
    }
}

int kh_cmd_explain(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {KH_CLI_COMMON_LONGOPTS, KH_CLI_ISOLATE_LONGOPTS,
                                              {"indicator", required_argument, NULL, 'I'},
                                              {"facts", required_argument, NULL, 'F'},
                                              {0, 0, 0, 0}};
    const char *ids[MAX_SELECTED];
    const char *facts_paths[MAX_FACTS_FILES];
    size_t nids = 0, nfacts = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c == 'I' || c == 'F') {
            if ((c == 'I' && nids == MAX_SELECTED) || (c == 'F' && nfacts == MAX_FACTS_FILES)) {
                fprintf(stderr, "kaohe explain: too many --%s options\n",
                        c == 'I' ? "indicator" : "facts");
                return KH_EXIT_USAGE;
            }
            if (c == 'I')
                ids[nids++] = optarg;
            else
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
    if (cli->format == KH_FMT_CSV) {
        fprintf(stderr, "kaohe explain: --format csv is not available (table or json)\n");
        return KH_EXIT_USAGE;
    }
    if (optind >= argc && nfacts == 0) {
        fprintf(stderr, "kaohe explain: no report (give REPORT... or --facts FILE)\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli);
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;
    kh_rules *rules = NULL;
    kh_scheme *scheme = kh_cli_load_scheme(cli->rules_dir, engine, stderr, &rules);
    if (!scheme) {
        fprintf(stderr, "kaohe: %s: scheme not usable, nothing scored\n", cli->rules_dir);
        kh_engine_free(engine);
        return KH_EXIT_USAGE;
    }
    int status = KH_EXIT_USAGE;
    kh_cli_given given = {0};
    kh_input *inputs = NULL;
    kh_report_score **scores = NULL;
    size_t n = 0;
    for (size_t i = 0; i < nids; i++)
        if (!kh_scheme_indicator(scheme, ids[i])) {
            fprintf(stderr, "kaohe explain: --indicator %s: scheme %s has no such indicator (",
                    ids[i], scheme->id);
            for (size_t k = 0; k < scheme->indicators_count; k++)
                fprintf(stderr, "%s%s", k ? ", " : "", scheme->indicators[k].id);
            fputs(")\n", stderr);
            goto done;
        }
    if (!kh_cli_given_load(&given, cli, facts_paths, nfacts, scheme))
        goto done;
    size_t failed = kh_cli_read_inputs(cli, engine, argv + optind, (size_t)(argc - optind),
                                       &given, &inputs, &n);
    if (failed == (size_t)-1)
        goto done;
    scores = calloc(n ? n : 1, sizeof *scores);
    if (!scores) {
        fprintf(stderr, "kaohe: out of memory\n");
        goto done;
    }
    failed += kh_cli_score_all(rules, inputs, n, scores);
    if (cli->format == KH_FMT_JSON)
        explain_json(stdout, scheme, inputs, scores, n, ids, nids);
    else
        explain_table(stdout, scheme, inputs, scores, n, ids, nids);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", inputs[i].error);
    status = failed ? KH_EXIT_INPUT : KH_EXIT_OK;
done:
    for (size_t i = 0; scores && i < n; i++)
        kh_report_score_free(scores[i]);
    free(scores);
    kh_cli_inputs_free(inputs, n);
    free(inputs);
    kh_cli_given_free(&given);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    kh_engine_free(engine);
    return status;
}

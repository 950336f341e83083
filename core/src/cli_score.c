/* cli_score.c — scheme loading, facts files, scoring and ranking shared by
 * the scoring subcommands (see cli_score.h). */
#define _GNU_SOURCE
#include "cli_score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rulescheck.h"

void kh_cli_print_diags(FILE *out, const kh_diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        kh_error_format(&d->items[i].where, buf, sizeof buf);
        fprintf(out, "kaohe: %s: %s\n", d->items[i].warning ? "warning" : "error", buf);
    }
}

kh_scheme *kh_cli_load_scheme(const char *dir, kh_engine *engine, FILE *out, kh_rules **rules)
{
    *rules = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    kh_scheme *scheme = NULL;
    char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
    if (kh_scheme_load(&scheme, dir, &diags, &err) != KH_OK) {
        if (diags.count)
            kh_cli_print_diags(out, &diags);
        else
            fprintf(out, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
        kh_diag_list_free(&diags);
        return NULL;
    }
    kh_scheme_validate(scheme, &diags);
    if (engine)
        kh_rulescheck_providers(scheme, engine, &diags);
    if (kh_diag_list_errors(&diags) == 0 &&
        kh_rules_new(rules, scheme, &diags, &err) != KH_OK && diags.count == 0)
        kh_diag_list_add(&diags, false, NULL, 0, "%s", kh_error_format(&err, buf, sizeof buf));
    kh_cli_print_diags(out, &diags);
    size_t errors = kh_diag_list_errors(&diags);
    kh_diag_list_free(&diags);
    if (errors || !*rules) {
        kh_rules_free(*rules);
        *rules = NULL;
        kh_scheme_free(scheme);
        return NULL;
    }
    return scheme;
}

bool kh_cli_load_overrides(const char *path, kh_engine *engine, kh_override_list *list)
{
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_overrides_load(list, path, &err);
    for (size_t i = 0; engine && rc == KH_OK && i < list->count; i++)
        if (!kh_engine_provider(engine, list->items[i].key))
            rc = kh_error_set(&err, KH_ECONFIG, path, list->items[i].line, 0,
                              "key '%s' is provided by no loaded plugin", list->items[i].key);
    if (rc == KH_OK)
        return true;
    char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
    fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
    return false;
}

static bool declared(const kh_scheme *scheme, const char *key)
{
    for (size_t i = 0; i < scheme->indicators_count; i++)
        for (size_t k = 0; k < scheme->indicators[i].facts_count; k++)
            if (strcmp(scheme->indicators[i].facts[k], key) == 0)
                return true;
    return false;
}

void kh_cli_given_free(kh_cli_given *given)
{
    if (!given)
        return;
    for (size_t i = 0; i < given->files_count; i++)
        kh_factsfile_free(&given->files[i]);
    free(given->files);
    memset(given, 0, sizeof *given);
}

bool kh_cli_given_load(kh_cli_given *given, const kh_cli *cli, const char *const *paths,
                       size_t n, const kh_scheme *scheme)
{
    memset(given, 0, sizeof *given);
    if (n == 0)
        return true;
    given->files = calloc(n, sizeof *given->files);
    if (!given->files) {
        fprintf(stderr, "kaohe: out of memory\n");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        kh_error err;
        kh_error_clear(&err);
        int rc = kh_factsfile_load(&given->files[i], paths[i], &err);
        given->files_count = i + 1;
        if (rc != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
            kh_cli_given_free(given);
            return false;
        }
        const kh_factsfile *ff = &given->files[i];
        given->count += ff->count;
        for (size_t u = 0; scheme && !cli->quiet && u < ff->count; u++)
            for (size_t k = 0; k < ff->units[u].keys_count; k++)
                if (!declared(scheme, ff->units[u].keys[k].key))
                    fprintf(stderr,
                            "kaohe: warning: %s:%d: fact key '%s' is read by no indicator of "
                            "scheme %s\n",
                            ff->path, ff->units[u].keys[k].line, ff->units[u].keys[k].key,
                            scheme->id);
    }
    return true;
}

void kh_cli_given_fill(kh_cli_given *given, kh_input *inputs)
{
    size_t n = 0;
    for (size_t f = 0; f < given->files_count; f++) {
        kh_factsfile *ff = &given->files[f];
        for (size_t u = 0; u < ff->count; u++, n++) {
            kh_input *in = &inputs[n];
            memset(in, 0, sizeof *in);
            in->path = ff->units[u].label;
            in->unit = ff->units[u].unit;
            in->year = ff->units[u].year;
            in->facts = kh_factsfile_take(ff, u);
        }
    }
}

size_t kh_cli_read_inputs(kh_cli *cli, kh_engine *engine, char **reports, size_t nreports,
                          kh_cli_given *given, kh_input **out, size_t *count)
{
    size_t n = nreports + (given ? given->count : 0);
    *out = calloc(n ? n : 1, sizeof **out);
    *count = 0;
    if (!*out) {
        fprintf(stderr, "kaohe: out of memory\n");
        return (size_t)-1;
    }
    size_t failed = nreports ? kh_cli_extract_all(cli, engine, reports, nreports, *out) : 0;
    if (given)
        kh_cli_given_fill(given, *out + nreports);
    *count = n;
    return failed;
}

void kh_cli_rank(kh_report_score *const *scores, size_t count)
{
    kh_report_score **ranked = calloc(count ? count : 1, sizeof *ranked);
    if (!ranked)
        return;
    size_t nr = 0;
    for (size_t i = 0; i < count; i++)
        if (scores[i])
            ranked[nr++] = scores[i];
    kh_rank(ranked, nr);
    free(ranked);
}

size_t kh_cli_score_all(kh_rules *rules, kh_input *inputs, size_t count,
                        kh_report_score **scores)
{
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        scores[i] = NULL;
        if (inputs[i].error)
            continue;
        kh_error err;
        kh_error_clear(&err);
        if (kh_rules_score(rules, inputs[i].facts, inputs[i].path, inputs[i].unit,
                           inputs[i].year, &scores[i], &err) != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            char msg[KH_ERROR_MSG_MAX * 2 + KH_ERROR_FILE_MAX];
            snprintf(msg, sizeof msg, "%s: scoring failed: %s", inputs[i].path,
                     kh_error_format(&err, buf, sizeof buf));
            inputs[i].error = strdup(msg);
            scores[i] = NULL;
            failed++;
        }
    }
    kh_cli_rank(scores, count);
    return failed;
}

const char *kh_cli_points_cell(const kh_indicator_result *r, char *buf, size_t size)
{
    if (!r)
        snprintf(buf, size, "—");
    else if (r->status == KH_STATUS_ERROR)
        snprintf(buf, size, "错误");
    else if (r->excluded)
        snprintf(buf, size, "—");
    else if (r->indicator && r->indicator->monitor)
        snprintf(buf, size, "%s", r->status == KH_STATUS_SCORED ? "监测" : "?");
    else
        snprintf(buf, size, "%.2f%s", r->points, r->status == KH_STATUS_MISSING ? "?" : "");
    return buf;
}

long long kh_cli_cents(double v)
{
    return llround(v * 100);
}

bool kh_cli_result_changed(const kh_indicator_result *a, const kh_indicator_result *b)
{
    if (!a || !b)
        return a != b;
    if (a->status != b->status || a->excluded != b->excluded ||
        kh_cli_cents(a->points) != kh_cli_cents(b->points) ||
        a->missing_count != b->missing_count)
        return true;
    for (size_t i = 0; i < a->missing_count; i++)
        if (strcmp(a->missing[i], b->missing[i]) != 0)
            return true;
    if (a->status == KH_STATUS_ERROR)
        return (a->error && b->error) ? strcmp(a->error, b->error) != 0 : a->error != b->error;
    return false;
}

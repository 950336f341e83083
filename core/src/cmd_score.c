/* cmd_score.c — `kaohe score FILE...`: extract, score with a scheme, rank. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_score.h"
#include "events.h"
#include "output.h"
#include "overrides.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe score [options] FILE...\n"
          "Extract the facts of each report, score them with a scheme's Lua rules and\n"
          "rank the reports. Missing facts are listed as 待核查 (awaiting review).\n"
          "  --rules DIR       scheme directory with scheme.yaml (default: the bundled\n"
          "                    default scheme; env KAOHE_RULES)\n"
          "  --facts FILE      also score the units of a facts file (JSON or YAML list of\n"
          "                    {unit, year, path?, facts: {key: value}}), without\n"
          "                    extraction; FILE... may then be left out (repeatable)\n"
          "  --format table|json|csv  output format (default table)\n"
          "  --events FILE     office-supplied 加分/扣分 events (YAML list of\n"
          "                    {unit | file, event, reason}); event ids are the\n"
          "                    scheme's adjustments, capped by its bonus/penalty caps\n"
          "  --overrides FILE  hand-entered facts (YAML list of {unit, key, value,\n"
          "                    qualifier?, reason, author, date}); each replaces the\n"
          "                    extracted fact before scoring and is listed under\n"
          "                    修改记录 (JSON: \"overrides\"); unit matches exactly or\n"
          "                    by one name containing the other\n"
          KH_CLI_ISOLATE_HELP
          KH_CLI_COMMON_HELP, out);
}

static void print_diags(const kh_diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        kh_error_format(&d->items[i].where, buf, sizeof buf);
        fprintf(stderr, "kaohe: %s: %s\n", d->items[i].warning ? "warning" : "error", buf);
    }
}

/* Load, validate and compile the scheme; every problem printed. NULL on a
 * configuration error. */
static kh_scheme *load_scheme(kh_cli *cli, kh_engine *engine, kh_rules **rules)
{
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    kh_scheme *scheme = NULL;
    int rc = kh_scheme_load(&scheme, cli->rules_dir, &diags, &err);
    if (rc != KH_OK) {
        if (diags.count)
            print_diags(&diags);
        else {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
        }
        kh_diag_list_free(&diags);
        return NULL;
    }
    kh_scheme_validate(scheme, &diags);
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        const kh_indicator *ind = &scheme->indicators[i];
        for (size_t k = 0; k < ind->facts_count; k++)
            if (!kh_engine_provider(engine, ind->facts[k]))
                kh_diag_list_add(&diags, false, scheme->yaml_path, ind->line,
                                 "indicators[%zu] %s: fact key '%s' is provided by no loaded plugin",
                                 i, ind->id, ind->facts[k]);
    }
    if (kh_diag_list_errors(&diags) == 0 &&
        kh_rules_new(rules, scheme, &diags, &err) != KH_OK && diags.count == 0) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        kh_diag_list_add(&diags, false, NULL, 0, "%s", kh_error_format(&err, buf, sizeof buf));
    }
    print_diags(&diags);
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

/* Load the overrides file; a key no loaded plugin provides is an error too.
 * Prints the problem; false on failure. */
static bool load_overrides(const char *path, kh_engine *engine, kh_override_list *list)
{
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_overrides_load(list, path, &err);
    for (size_t i = 0; rc == KH_OK && i < list->count; i++)
        if (!kh_engine_provider(engine, list->items[i].key))
            rc = kh_error_set(&err, KH_ECONFIG, path, list->items[i].line, 0,
                              "key '%s' is provided by no loaded plugin", list->items[i].key);
    if (rc == KH_OK)
        return true;
    char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
    fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
    return false;
}

/* Apply the overrides to every extracted input (after extraction, before
 * scoring); an override of report.unit / report.year renames the report.
 * Warnings (unmatched, ambiguous, refused) go to stderr unless -q. */
static int apply_overrides(const kh_cli *cli, const kh_override_list *list,
                           kh_input *inputs, size_t n, kh_overrides_result *res)
{
    const char **units = calloc(n ? n : 1, sizeof *units);
    if (!units)
        return KH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        units[i] = inputs[i].error ? NULL : inputs[i].unit;
    int rc = kh_overrides_plan(res, list, units, n);
    free(units);
    for (size_t i = 0; rc == KH_OK && i < n; i++) {
        if (inputs[i].error)
            continue;
        rc = kh_overrides_apply(list, inputs[i].unit, inputs[i].path, inputs[i].facts, res);
        const kh_fact *u = kh_factset_get(inputs[i].facts, "report.unit");
        const kh_fact *y = kh_factset_get(inputs[i].facts, "report.year");
        if (u && u->type == KH_VALUE_TEXT)
            inputs[i].unit = u->text;
        if (y && y->type == KH_VALUE_NUMBER)
            inputs[i].year = (int)y->number;
    }
    for (size_t i = 0; !cli->quiet && i < res->warnings_count; i++)
        fprintf(stderr, "kaohe: warning: %s\n", res->warnings[i]);
    return rc;
}

/* The score output plus the applied overrides: a 修改记录 section after the
 * table, a top-level "overrides" array in the JSON (CSV unchanged). */
static void output_with_overrides(kh_format fmt, const kh_scheme *scheme,
                                  const kh_input *inputs, kh_report_score *const *scores,
                                  size_t n, const kh_overrides_result *ov)
{
    if (fmt == KH_FMT_TABLE) {
        kh_output_score(stdout, fmt, scheme, inputs, scores, n);
        if (ov->applied_count)
            kh_overrides_print_table(stdout, ov->applied, ov->applied_count);
        else
            fputs("\n修改记录：没有应用任何修改\n", stdout);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = fmt == KH_FMT_JSON ? open_memstream(&buf, &len) : NULL;
    if (!mem) {
        kh_output_score(stdout, fmt, scheme, inputs, scores, n);
        return;
    }
    kh_output_score(mem, fmt, scheme, inputs, scores, n);
    fclose(mem);
    /* The score object ends "…\n}\n": reopen it for one more member. */
    size_t end = len;
    while (end && buf[end - 1] != '}')
        end--;
    if (end) {
        end--;
        while (end && (buf[end - 1] == '\n' || buf[end - 1] == ' '))
            end--;
    }
    fwrite(buf, 1, end ? end : len, stdout); /* no object: pass it through */
    if (end) {
        kh_json j;
        kh_json_init(&j, stdout, true);
        j.depth = 1;
        j.first[1] = false;
        kh_json_key(&j, "overrides");
        kh_overrides_json(&j, ov->applied, ov->applied_count);
        fputs("\n}\n", stdout);
    }
    free(buf);
}

int kh_cmd_score(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS, KH_CLI_ISOLATE_LONGOPTS, {"events", required_argument, NULL, 'E'},
        {"overrides", required_argument, NULL, 'O'}, {"facts", required_argument, NULL, 'F'},
        {0, 0, 0, 0}};
    const char *events_path = NULL, *overrides_path = NULL;
    const char *facts_paths[16];
    size_t nfacts = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c == 'E') {
            events_path = optarg;
            continue;
        }
        if (c == 'O') {
            overrides_path = optarg;
            continue;
        }
        if (c == 'F') {
            if (nfacts == sizeof facts_paths / sizeof *facts_paths) {
                fprintf(stderr, "kaohe score: too many --facts options\n");
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
    if (optind >= argc && nfacts == 0) {
        fprintf(stderr, "kaohe score: no input files\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli);
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;
    kh_rules *rules = NULL;
    kh_scheme *scheme = load_scheme(cli, engine, &rules);
    if (!scheme) {
        fprintf(stderr, "kaohe: %s: scheme not usable, nothing scored\n", cli->rules_dir);
        kh_engine_free(engine);
        return KH_EXIT_USAGE;
    }
    kh_event_list events = {0};
    if (events_path) {
        kh_error eerr;
        kh_error_clear(&eerr);
        int erc = kh_events_load(&events, events_path, &eerr);
        for (size_t i = 0; erc == KH_OK && i < events.count; i++) {
            int known = 0;
            for (size_t k = 0; k < scheme->adjustments_count; k++)
                known |= strcmp(scheme->adjustments[k].id, events.items[i].event) == 0;
            if (!known)
                erc = kh_error_set(&eerr, KH_ECONFIG, events_path, 0, 0,
                                   "event '%s' is not an adjustment of scheme %s",
                                   events.items[i].event, scheme->id);
        }
        if (erc != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&eerr, buf, sizeof buf));
            kh_event_list_free(&events);
            kh_rules_free(rules);
            kh_scheme_free(scheme);
            kh_engine_free(engine);
            return KH_EXIT_USAGE;
        }
    }
    kh_override_list overrides = {0};
    kh_overrides_result applied = {0};
    if (overrides_path && !load_overrides(overrides_path, engine, &overrides)) {
        kh_override_list_free(&overrides);
        kh_event_list_free(&events);
        kh_rules_free(rules);
        kh_scheme_free(scheme);
        kh_engine_free(engine);
        return KH_EXIT_USAGE;
    }
    kh_cli_given given = {0};
    if (!kh_cli_given_load(&given, cli, facts_paths, nfacts, scheme)) {
        kh_override_list_free(&overrides);
        kh_event_list_free(&events);
        kh_rules_free(rules);
        kh_scheme_free(scheme);
        kh_engine_free(engine);
        return KH_EXIT_USAGE;
    }
    size_t nrep = (size_t)(argc - optind);
    size_t n = nrep + given.count;
    kh_input *inputs = calloc(n, sizeof *inputs);
    kh_report_score **scores = calloc(n, sizeof *scores);
    int status = KH_EXIT_OK;
    if (!inputs || !scores) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    size_t failed = kh_cli_extract_all(cli, engine, argv + optind, nrep, inputs);
    kh_cli_given_fill(&given, inputs + nrep); /* facts files: no extraction */
    if (overrides_path && apply_overrides(cli, &overrides, inputs, n, &applied) != KH_OK) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (inputs[i].error)
            continue;
        kh_error err;
        kh_error_clear(&err);
        if (kh_rules_score(rules, inputs[i].facts, inputs[i].path, inputs[i].unit,
                           inputs[i].year, &scores[i], &err) != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
            char msg[KH_ERROR_MSG_MAX * 2];
            snprintf(msg, sizeof msg, "%s: scoring failed: %s", inputs[i].path,
                     kh_error_format(&err, buf, sizeof buf));
            inputs[i].error = strdup(msg);
            scores[i] = NULL;
            failed++;
            continue;
        }
        const char *ids[64];
        size_t nid = kh_events_for(&events, inputs[i].path, inputs[i].unit, ids, 64);
        if (nid && kh_report_score_adjust(scores[i], scheme, ids, nid, &err) != KH_OK)
            fprintf(stderr, "kaohe: warning: %s: %s\n", inputs[i].path, err.message);
    }
    /* rank the scored reports */
    kh_report_score **ranked = calloc(n ? n : 1, sizeof *ranked);
    size_t nr = 0;
    for (size_t i = 0; ranked && i < n; i++)
        if (scores[i])
            ranked[nr++] = scores[i];
    if (ranked)
        kh_rank(ranked, nr);
    free(ranked);
    if (overrides_path)
        output_with_overrides(cli->format, scheme, inputs, scores, n, &applied);
    else
        kh_output_score(stdout, cli->format, scheme, inputs, scores, n);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", inputs[i].error);
    status = failed ? KH_EXIT_INPUT : KH_EXIT_OK;
done:
    kh_overrides_result_free(&applied);
    kh_override_list_free(&overrides);
    kh_event_list_free(&events);
    for (size_t i = 0; scores && i < n; i++)
        kh_report_score_free(scores[i]);
    free(scores);
    kh_cli_inputs_free(inputs, n);
    free(inputs);
    kh_cli_given_free(&given); /* after the inputs, which borrow from it */
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    kh_engine_free(engine);
    return status;
}

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
    int status = KH_EXIT_USAGE;
    kh_rules *rules = NULL;
    kh_event_list events = {0};
    kh_override_list overrides = {0};
    kh_overrides_result applied = {0};
    kh_cli_given given = {0};
    kh_input *inputs = NULL;
    kh_report_score **scores = NULL;
    size_t n = 0, failed = 0;
    kh_scheme *scheme = kh_cli_load_scheme(cli->rules_dir, engine, stderr, &rules);
    if (!scheme) {
        fprintf(stderr, "kaohe: %s: scheme not usable, nothing scored\n", cli->rules_dir);
        goto done;
    }
    if (events_path && !kh_cli_load_events(events_path, scheme, &events))
        goto done;
    if (overrides_path && !kh_cli_load_overrides(overrides_path, engine, &overrides))
        goto done;
    if (!kh_cli_given_load(&given, cli, facts_paths, nfacts, scheme))
        goto done;
    failed = kh_cli_read_inputs(cli, engine, argv + optind, (size_t)(argc - optind), &given,
                                &inputs, &n);
    if (failed == (size_t)-1)
        goto done;
    scores = calloc(n ? n : 1, sizeof *scores);
    if (!scores ||
        (overrides_path && apply_overrides(cli, &overrides, inputs, n, &applied) != KH_OK)) {
        fprintf(stderr, "kaohe: out of memory\n");
        goto done;
    }
    failed += kh_cli_score_all(rules, inputs, n, scores);
    if (events.count) {
        /* 加分/扣分 change the totals: rank again. Every entry may apply
         * to one report. */
        const char **ids = calloc(events.count, sizeof *ids);
        if (!ids) {
            fprintf(stderr, "kaohe: out of memory\n");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            size_t nid = scores[i] ? kh_events_for(&events, inputs[i].path, inputs[i].unit,
                                                   ids, events.count)
                                   : 0;
            kh_error err;
            kh_error_clear(&err);
            if (nid && kh_report_score_adjust(scores[i], scheme, ids, nid, &err) != KH_OK)
                fprintf(stderr, "kaohe: warning: %s: %s\n", inputs[i].path, err.message);
        }
        free(ids);
        kh_cli_rank(scores, n);
    }
    kh_output_score(stdout, cli->format, scheme, inputs, scores, n,
                    overrides_path ? &applied : NULL);
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

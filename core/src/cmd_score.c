/* cmd_score.c — `kaohe score FILE...`: extract, score with a scheme, rank. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "output.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe score [options] FILE...\n"
          "Extract the facts of each report, score them with a scheme's Lua rules and\n"
          "rank the reports. Missing facts are listed as 待核查 (awaiting review).\n"
          "  --rules DIR       scheme directory with scheme.yaml (default: the bundled\n"
          "                    default scheme; env KAOHE_RULES)\n"
          "  --format table|json|csv  output format (default table)\n"
          "  --events FILE     office-supplied 加分/扣分 events (YAML list of\n"
          "                    {unit | file, event, reason}); event ids are the\n"
          "                    scheme's adjustments, capped by its bonus/penalty caps\n"
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

int kh_cmd_score(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS, {"events", required_argument, NULL, 'E'}, {0, 0, 0, 0}};
    const char *events_path = NULL;
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
        int r = kh_cli_common_option(cli, c, optarg);
        if (r <= 0) {
            if (r == 0)
                usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
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
    size_t n = (size_t)(argc - optind);
    kh_input *inputs = calloc(n, sizeof *inputs);
    kh_report_score **scores = calloc(n, sizeof *scores);
    int status = KH_EXIT_OK;
    if (!inputs || !scores) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    size_t failed = kh_cli_extract_all(cli, engine, argv + optind, n, inputs);
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
    kh_output_score(stdout, cli->format, scheme, inputs, scores, n);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", inputs[i].error);
    status = failed ? KH_EXIT_INPUT : KH_EXIT_OK;
done:
    kh_event_list_free(&events);
    for (size_t i = 0; scores && i < n; i++)
        kh_report_score_free(scores[i]);
    free(scores);
    kh_cli_inputs_free(inputs, n);
    free(inputs);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    kh_engine_free(engine);
    return status;
}

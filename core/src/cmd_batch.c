/* cmd_batch.c — `kaohe batch DIR|MANIFEST -o OUTDIR`: score many reports in
 * worker processes into an output directory, resumably (see batch.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "batch.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe batch [options] DIR|MANIFEST -o OUTDIR\n"
          "Score every report below DIR (regular files, recursively, dot-files skipped), or\n"
          "the files a MANIFEST lists per unit (YAML: year, scheme, deadline, units:\n"
          "[{unit, files}]), in worker processes, into OUTDIR: results.json (the run\n"
          "manifest and every result), ranking.csv, kaohe.xlsx and report.html. Each\n"
          "report's unit is identified against a unit registry (GB/T 2260 codes) and\n"
          "flagged when doubtful or unknown. A journal and cache in OUTDIR make an\n"
          "interrupted run resume, and a re-run skip reports whose input, scheme and\n"
          "plugins are unchanged. Output is the same for any -j.\n"
          "  -o, --output OUTDIR  where the results go (created if missing)\n"
          "  -j, --jobs N      worker processes (default: the number of CPUs)\n"
          "  --shard K/N       score only inputs K, K+N, K+2N, … (1-based, in path order)\n"
          "                    into OUTDIR/shard-K-of-N.json, for `kaohe merge`\n"
          "  --rules DIR       scheme directory (default: the manifest's scheme, then the\n"
          "                    bundled default scheme; env KAOHE_RULES)\n"
          "  --registry FILE   unit registry (default: registry.yaml beside the scheme\n"
          "                    directory, i.e. the bundled scoring-rules/registry.yaml;\n"
          "                    env KAOHE_REGISTRY)\n"
          "  --overrides FILE  hand-entered facts applied before scoring (as in score)\n"
          "  --events FILE     office-supplied 加分/扣分 events (as in score: a YAML list\n"
          "                    of {unit | file, event, reason}); each event id must be\n"
          "                    an adjustment of the scheme. Overrides and events are\n"
          "                    applied after the cache: changing them re-scores the\n"
          "                    reports they touch without extracting them again\n"
          "  --isolate         accepted for symmetry: the workers always isolate plugins\n"
          KH_CLI_LIMITS_HELP
          "  --plugins DIR     extractor plugins (default: beside the binary, then the\n"
          "                    install prefix; env KAOHE_PLUGINS)\n"
          "  --max-size SIZE   refuse inputs larger than SIZE (default 50M)\n"
          "  -v, --verbose     a line per report even on a terminal, and timings\n"
          "  -q, --quiet       no progress, no summary\n"
          "  -h, --help        this help\n"
          "Exit: 0 all inputs fine; 1 some inputs failed (each is in results.json with\n"
          "its reason); 2 usage or configuration error.\n",
          out);
}

#define OPT_SHARD 300
#define OPT_REGISTRY 301
#define OPT_OVERRIDES 302
#define OPT_EVENTS 303

static bool parse_shard(const char *s, unsigned *k, unsigned *n)
{
    char tail;
    if (sscanf(s, "%u/%u%c", k, n, &tail) != 2)
        return false;
    return *n >= 1 && *k >= 1 && *k <= *n && *n <= 100000;
}

int kh_cmd_batch(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS,
        KH_CLI_ISOLATE_LONGOPTS,
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"registry", required_argument, NULL, OPT_REGISTRY},
        {"overrides", required_argument, NULL, OPT_OVERRIDES},
        {"events", required_argument, NULL, OPT_EVENTS},
        {0, 0, 0, 0}};
    kh_batch_opts opts;
    memset(&opts, 0, sizeof opts);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    opts.jobs = ncpu > 0 ? (unsigned)(ncpu > 64 ? 64 : ncpu) : 1;
    opts.use_cache = true;
    opts.write_files = true;
    opts.progress = true;
    const char *registry = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return KH_EXIT_OK;
        case 'o':
            opts.outdir = optarg;
            continue;
        case 'j': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 1024) {
                fprintf(stderr, "kaohe batch: -j: '%s' is not a number of workers (1-1024)\n",
                        optarg);
                return KH_EXIT_USAGE;
            }
            opts.jobs = (unsigned)v;
            continue;
        }
        case OPT_SHARD:
            if (!parse_shard(optarg, &opts.shard_k, &opts.shard_n)) {
                fprintf(stderr, "kaohe batch: --shard: '%s' is not K/N with 1 <= K <= N\n",
                        optarg);
                return KH_EXIT_USAGE;
            }
            continue;
        case OPT_REGISTRY:
            registry = optarg;
            continue;
        case OPT_OVERRIDES:
            opts.overrides_path = optarg;
            continue;
        case OPT_EVENTS:
            opts.events_path = optarg;
            continue;
        case KH_OPT_FORMAT:
            fprintf(stderr, "kaohe batch: --format is for score; batch writes every format\n");
            return KH_EXIT_USAGE;
        default:
            break;
        }
        int r = kh_cli_common_option(cli, c, optarg);
        if (r <= 0) {
            if (r == 0)
                usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !opts.outdir) {
        fprintf(stderr, "kaohe batch: %s\n",
                optind >= argc ? "no DIR or MANIFEST" : !opts.outdir ? "no -o OUTDIR"
                                                                     : "one DIR or MANIFEST only");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_error err;
    if (kh_atomic_mkdirs(opts.outdir, &err) != KH_OK) {
        char ebuf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, ebuf, sizeof ebuf));
        return KH_EXIT_USAGE;
    }
    kh_batch_source src;
    if (!kh_batch_source_load(&src, argv[optind], opts.outdir))
        return KH_EXIT_USAGE;
    if (!cli->rules_dir && src.scheme)
        cli->rules_dir = src.scheme; /* --rules beats the manifest's scheme */
    kh_cli_resolve_paths(cli);
    char found[4300];
    opts.registry_path = registry ? registry : kh_batch_find_registry(cli, found, sizeof found);
    if (!opts.registry_path && !cli->quiet)
        fprintf(stderr, "kaohe: warning: no unit registry found (--registry FILE): every unit "
                        "is 'unknown'\n");
    kh_batch b;
    if (!kh_batch_setup(&b, cli, &opts, &src)) {
        kh_batch_teardown(&b);
        kh_batch_source_free(&src);
        return KH_EXIT_USAGE;
    }
    kh_batch_counts counts;
    int status = kh_batch_run(&b, &counts, NULL);
    if (status != KH_EXIT_USAGE && !cli->quiet) {
        char target[4300];
        if (opts.shard_n)
            snprintf(target, sizeof target, "%s/shard-%u-of-%u.json", opts.outdir, opts.shard_k,
                     opts.shard_n);
        else
            snprintf(target, sizeof target, "%s/%s", opts.outdir, KH_BATCH_RESULTS);
        fprintf(stderr, "kaohe batch: %zu report%s: %zu scored, %zu failed; %zu processed now, "
                        "%zu unchanged, skipped; %s\n",
                counts.inputs, counts.inputs == 1 ? "" : "s", counts.scored, counts.failed,
                counts.computed, counts.cached, target);
        if (cli->verbose && counts.computed)
            fprintf(stderr, "kaohe batch: %zu report%s in %.2f s with %u worker%s (%.0f/s); "
                            "%.2f s in all\n",
                    counts.computed, counts.computed == 1 ? "" : "s", counts.pool_seconds,
                    opts.jobs, opts.jobs == 1 ? "" : "s",
                    counts.pool_seconds > 0 ? (double)counts.computed / counts.pool_seconds : 0.0,
                    counts.total_seconds);
    }
    kh_batch_teardown(&b);
    kh_batch_source_free(&src);
    return status;
}

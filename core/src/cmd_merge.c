/* cmd_merge.c — `kaohe merge -o OUTDIR SHARD.json...`: the outputs of a
 * single run from the shard files of `kaohe batch --shard K/N`. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "batch.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe merge [options] -o OUTDIR SHARD.json...\n"
          "Join the shard files written by `kaohe batch --shard K/N` (all N of them, in\n"
          "any order) into the outputs a single run writes: OUTDIR/results.json (equal\n"
          "to a single run's, ranks recomputed over all reports), ranking.csv,\n"
          "kaohe.xlsx and report.html. The shards must come from one run (same scheme,\n"
          "plugins, registry, source and options).\n"
          "  -o, --output OUTDIR  where the results go (created if missing)\n"
          "  --rules DIR       the scheme (default: the directory the shards recorded);\n"
          "                    its SHA-256 must match the shards'\n"
          "  --overrides FILE  hand-entered facts (default: the file the shards recorded)\n"
          "  --events FILE     加分/扣分 events (default: the file the shards recorded)\n"
          "  -q, --quiet       no summary;  -h, --help  this help\n"
          "Exit: 0 all inputs fine; 1 some inputs failed; 2 usage or configuration error\n"
          "(a shard missing, shards of different runs, a changed scheme).\n",
          out);
}

int kh_cmd_merge(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"rules", required_argument, NULL, KH_OPT_RULES},
        {"overrides", required_argument, NULL, 'O'},
        {"events", required_argument, NULL, 'E'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    const char *outdir = NULL, *overrides = NULL, *events = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return KH_EXIT_OK;
        case 'o': outdir = optarg; break;
        case 'O': overrides = optarg; break;
        case 'E': events = optarg; break;
        case KH_OPT_RULES: cli->rules_dir = optarg; break;
        case 'q': cli->quiet = true; break;
        case 'v': cli->verbose++; break;
        default: usage(stderr); return KH_EXIT_USAGE;
        }
    }
    if (!outdir || optind >= argc) {
        fprintf(stderr, "kaohe merge: %s\n", !outdir ? "no -o OUTDIR" : "no shard files");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    return kh_batch_merge(cli, outdir, argv + optind, (size_t)(argc - optind), overrides,
                          events);
}

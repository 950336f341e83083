/* cmd_verify.c — `kaohe verify OUTDIR`: re-score a batch run from the inputs,
 * scheme and plugins its manifest records, and say whether results.json is
 * reproduced. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe verify [options] OUTDIR\n"
          "Re-score the reports of a `kaohe batch` run from what OUTDIR/results.json\n"
          "records (input paths, scheme directory, plugin directory, registry,\n"
          "overrides, options) and compare. Reported: an input whose SHA-256 changed\n"
          "or that is gone, a scheme, plugin, registry or overrides file that differs\n"
          "from the recorded SHA-256, and every difference in the results, per report\n"
          "and per indicator (\"wendeng-2024.txt: FZ-01: points: 14 → 12\").\n"
          "  -j, --jobs N      worker processes (default: the number of CPUs)\n"
          "  -q, --quiet       only the differences;  -h, --help  this help\n"
          "Exit: 0 identical; 1 something differs; 2 usage error (no results.json).\n",
          out);
}

int kh_cmd_verify(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {{"jobs", required_argument, NULL, 'j'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {0, 0, 0, 0}};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = ncpu > 0 ? (unsigned)(ncpu > 64 ? 64 : ncpu) : 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:vqh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return KH_EXIT_OK;
        case 'j': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 1024) {
                fprintf(stderr, "kaohe verify: -j: '%s' is not a number of workers\n", optarg);
                return KH_EXIT_USAGE;
            }
            jobs = (unsigned)v;
            break;
        }
        case 'q': cli->quiet = true; break;
        case 'v': cli->verbose++; break;
        default: usage(stderr); return KH_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "kaohe verify: %s\n", optind >= argc ? "no OUTDIR" : "one OUTDIR only");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    return kh_batch_verify(cli, argv[optind], jobs);
}

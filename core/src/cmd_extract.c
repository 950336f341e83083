/* cmd_extract.c — `kaohe extract FILE...`: facts with evidence per report. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe extract [options] FILE...\n"
          "Read each report (UTF-8, UTF-16 with BOM or GB18030/GBK text) and print\n"
          "the facts the plugins find, each with its evidence (line:column and the\n"
          "original text) and the other candidate values.\n"
          "  --format table|json  output format (default table)\n"
          KH_CLI_ISOLATE_HELP
          KH_CLI_COMMON_HELP, out);
}

int kh_cmd_extract(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {KH_CLI_COMMON_LONGOPTS,
                                             KH_CLI_ISOLATE_LONGOPTS, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        int r = kh_cli_common_option(cli, c, optarg);
        if (r < 0)
            return KH_EXIT_USAGE;
        if (r == 0 || c == KH_OPT_RULES) {
            if (c != KH_OPT_RULES) {
                usage(stderr);
                return KH_EXIT_USAGE;
            }
        }
    }
    if (cli->format == KH_FMT_CSV) {
        fprintf(stderr, "kaohe extract: --format csv is for score; use table or json\n");
        return KH_EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "kaohe extract: no input files\n");
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli);
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;
    size_t n = (size_t)(argc - optind);
    kh_input *inputs = calloc(n, sizeof *inputs);
    if (!inputs) {
        kh_engine_free(engine);
        fprintf(stderr, "kaohe: out of memory\n");
        return KH_EXIT_USAGE;
    }
    size_t failed = kh_cli_extract_all(cli, engine, argv + optind, n, inputs);
    kh_output_extract(stdout, cli->format, inputs, n);
    for (size_t i = 0; i < n; i++)
        if (inputs[i].error)
            fprintf(stderr, "kaohe: %s\n", inputs[i].error);
    kh_cli_inputs_free(inputs, n);
    free(inputs);
    kh_engine_free(engine);
    return failed ? KH_EXIT_INPUT : KH_EXIT_OK;
}

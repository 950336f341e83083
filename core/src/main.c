/* main.c — the `kaohe` command: dispatches to the subcommands. The only
 * place that decides the process exit status. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "batch.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe COMMAND [options] [args]\n"
          "kaohe turns districts' annual 法治政府建设情况报告 into 法治建设考核 scores.\n\n"
          "Commands:\n"
          "  extract FILE...   facts read from each report, with evidence\n"
          "  score FILE...     facts → per-indicator points, total, grade and ranking\n"
          "  number TEXT...    how kaohe reads a number (12.6万件, 百分之九十八点五)\n"
          "  plugins           the extractor plugins found and what they provide\n"
          "  explain FILE...   per indicator: facts read, formula branch, arithmetic, points\n"
          "  diff --rules A --rules B FILE...  points, grades and ranks under two schemes\n"
          "  watch DIR FILE... re-test and re-score when a rule file under DIR changes\n"
          "  rules test [DIR]  run a scheme's YAML test cases (--coverage: lines and\n"
          "                    branches of each rule script the cases reach)\n"
          "  rules check [DIR] validate a scheme without scoring: every error and warning\n"
          "  batch DIR|MANIFEST -o OUTDIR  score many reports in worker processes into\n"
          "                    OUTDIR (results.json, ranking.csv, kaohe.xlsx, report.html),\n"
          "                    resumably; --shard K/N for several machines\n"
          "  merge -o OUTDIR SHARD.json...  the single-run outputs from shard files\n"
          "  verify OUTDIR     re-score a batch run from its recorded inputs and compare\n\n"
          "Run 'kaohe COMMAND --help' for a command's options.\n"
          "  --version         print the version\n"
          "Exit: 0 all inputs fine; 1 some inputs failed (the others are still in the\n"
          "output); 2 usage or configuration error.\n", out);
}

int main(int argc, char **argv)
{
    kh_cli cli;
    kh_cli_init(&cli, argv[0]);
    if (argc < 2) {
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("kaohe %s (plugin ABI %u.%u)\n", KH_VERSION_STRING, KH_PLUGIN_ABI_MAJOR,
               KH_PLUGIN_ABI_MINOR);
        return KH_EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return KH_EXIT_OK;
    }
    /* the subcommand sees argv[0] = its name */
    if (strcmp(cmd, "extract") == 0)
        return kh_cmd_extract(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "score") == 0)
        return kh_cmd_score(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "number") == 0)
        return kh_cmd_number(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "plugins") == 0)
        return kh_cmd_plugins(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "explain") == 0)
        return kh_cmd_explain(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "diff") == 0)
        return kh_cmd_diff(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "watch") == 0)
        return kh_cmd_watch(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "rules") == 0)
        return kh_cmd_rules(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "batch") == 0)
        return kh_cmd_batch(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "merge") == 0)
        return kh_cmd_merge(argc - 1, argv + 1, &cli);
    if (strcmp(cmd, "verify") == 0)
        return kh_cmd_verify(argc - 1, argv + 1, &cli);
    fprintf(stderr, "kaohe: unknown command '%s'\n", cmd);
    usage(stderr);
    return KH_EXIT_USAGE;
}

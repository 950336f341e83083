/*
 * cli.h — what the `kaohe` subcommands share: common options, finding the
 * default plugins and rules, setting up an engine, reading the inputs, and
 * the documented exit codes. Only the CLI prints; library code never does.
 */
#ifndef KH_CLI_H
#define KH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kaohe/kaohe.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"
#include "events.h"
#include "isolate.h"

/* Exit codes (documented in README and --help). */
enum {
    KH_EXIT_OK = 0,      /* every input fine */
    KH_EXIT_INPUT = 1,   /* some inputs failed; the others are in the output */
    KH_EXIT_USAGE = 2    /* usage or configuration error; nothing scored */
};

typedef enum kh_format { KH_FMT_TABLE = 0, KH_FMT_JSON, KH_FMT_CSV } kh_format;

typedef struct kh_cli {
    const char *argv0;
    const char *plugins_dir;   /* --plugins / KAOHE_PLUGINS / discovered */
    const char *rules_dir;     /* --rules / KAOHE_RULES / discovered */
    kh_format format;
    size_t max_bytes;          /* --max-size / KAOHE_MAX_SIZE */
    int verbose;               /* -v: more log lines on stderr */
    bool quiet;                /* -q: no warnings on stderr */
    bool isolate;              /* --isolate: extraction in a child process */
    kh_limits limits;          /* --limit-cpu / --limit-mem / --timeout */
    char found_plugins[4160];  /* storage for discovered paths */
    char found_rules[4160];
} kh_cli;

/* One input after extraction. */
typedef struct kh_input {
    const char *path;          /* borrowed from argv */
    kh_factset *facts;         /* owned; NULL when the input failed */
    char *error;               /* owned; "path: problem" when it failed */
    const char *encoding;      /* static name, NULL when failed */
    const char *unit;          /* borrowed from facts (report.unit) or NULL */
    int year;                  /* report.year or 0 */
} kh_input;

void kh_cli_init(kh_cli *cli, const char *argv0);
/* Parse a common option; returns 1 if handled, 0 if not common, -1 on a bad
 * value (message printed). `opt` is the getopt code. */
int kh_cli_common_option(kh_cli *cli, int opt, const char *arg);
/* Fill plugins_dir / rules_dir from env and discovery where not given. */
void kh_cli_resolve_paths(kh_cli *cli);

/* Engine with the plugins loaded; load failures are printed as warnings.
 * Returns NULL (message printed) when no plugin directory is usable. */
kh_engine *kh_cli_engine(kh_cli *cli);

/* Read and extract each input. Never stops at a failing input. Returns the
 * number of failed inputs. inputs[] must have count slots (zeroed). */
size_t kh_cli_extract_all(kh_cli *cli, kh_engine *engine, char **paths,
                          size_t count, kh_input *inputs);
void kh_cli_inputs_free(kh_input *inputs, size_t count);

/* Load an office events file (--events: score, batch, merge) into *events
 * and check it against scheme: an event id that is not one of the scheme's
 * adjustments is an error naming the file and the entry's line
 * (kh_event.line; omitted when 0). The problem is printed to stderr
 * ("kaohe: error: file:line: message"); false on failure. *events is the
 * caller's: free with kh_event_list_free() in any case. */
bool kh_cli_load_events(const char *path, const kh_scheme *scheme, kh_event_list *events);

/* Parse "50M", "1024", "2G" → bytes; false on nonsense. */
bool kh_cli_parse_size(const char *s, size_t *out);

/* Common getopt long options (codes >= 256) shared by subcommands. */
#define KH_OPT_PLUGINS 256
#define KH_OPT_RULES 257
#define KH_OPT_FORMAT 258
#define KH_OPT_MAX_SIZE 259
/* Extractor isolation (extract, score, explain, diff, watch: through
 * kh_cli_extract_all; batch always isolates). */
#define KH_OPT_ISOLATE 280
#define KH_OPT_LIMIT_CPU 281
#define KH_OPT_LIMIT_MEM 282
#define KH_OPT_TIMEOUT 283
#define KH_CLI_ISOLATE_LONGOPTS                                  \
    {"isolate", no_argument, NULL, KH_OPT_ISOLATE},              \
    {"limit-cpu", required_argument, NULL, KH_OPT_LIMIT_CPU},    \
    {"limit-mem", required_argument, NULL, KH_OPT_LIMIT_MEM},    \
    {"timeout", required_argument, NULL, KH_OPT_TIMEOUT}
#define KH_CLI_LIMITS_HELP                                                        \
    "  --limit-cpu SEC   CPU seconds per report (default 30; 0 = none)\n"         \
    "  --limit-mem MB    address space of the extraction process (default 1024;\n" \
    "                    0 = none)\n"                                             \
    "  --timeout SEC     wall-clock seconds per report (default 60; 0 = none)\n"
#define KH_CLI_ISOLATE_HELP                                                       \
    "  --isolate         run the plugins in a child process per report, under the\n" \
    "                    limits below: a plugin that crashes, loops or leaks fails\n"  \
    "                    that report only, naming the plugin\n"                    \
    KH_CLI_LIMITS_HELP
#define KH_CLI_COMMON_LONGOPTS                                   \
    {"plugins", required_argument, NULL, KH_OPT_PLUGINS},        \
    {"rules", required_argument, NULL, KH_OPT_RULES},            \
    {"format", required_argument, NULL, KH_OPT_FORMAT},          \
    {"max-size", required_argument, NULL, KH_OPT_MAX_SIZE},      \
    {"verbose", no_argument, NULL, 'v'},                         \
    {"quiet", no_argument, NULL, 'q'},                           \
    {"help", no_argument, NULL, 'h'}

#define KH_CLI_COMMON_HELP                                                        \
    "  --plugins DIR     extractor plugins (default: beside the binary, then the\n" \
    "                    install prefix; env KAOHE_PLUGINS)\n"                     \
    "  --max-size SIZE   refuse inputs larger than SIZE (default 50M; env\n"       \
    "                    KAOHE_MAX_SIZE)\n"                                         \
    "  -v, --verbose     log more on stderr;  -q, --quiet  warnings off\n"          \
    "  -h, --help        this help\n"                                               \
    "Exit: 0 all inputs fine; 1 some inputs failed (the others are still in the\n"  \
    "output); 2 usage or configuration error.\n"

/* Subcommands (cmd_*.c). */
int kh_cmd_extract(int argc, char **argv, kh_cli *cli);
int kh_cmd_score(int argc, char **argv, kh_cli *cli);
int kh_cmd_number(int argc, char **argv, kh_cli *cli);
int kh_cmd_plugins(int argc, char **argv, kh_cli *cli);
int kh_cmd_explain(int argc, char **argv, kh_cli *cli);
int kh_cmd_diff(int argc, char **argv, kh_cli *cli);
int kh_cmd_watch(int argc, char **argv, kh_cli *cli);
int kh_cmd_rules(int argc, char **argv, kh_cli *cli); /* rules test | rules check */

#endif

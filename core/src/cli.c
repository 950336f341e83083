/* cli.c — options, default paths, engine set-up and input reading shared by
 * the `kaohe` subcommands (see cli.h). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KH_PLUGIN_INSTALL_DIR
#define KH_PLUGIN_INSTALL_DIR "/usr/local/lib/kaohe/plugins"
#endif
#ifndef KH_LIBDIR_NAME
#define KH_LIBDIR_NAME "lib"
#endif
#ifndef KH_RULES_INSTALL_DIR
#define KH_RULES_INSTALL_DIR "/usr/local/share/kaohe/scoring-rules"
#endif

void kh_cli_init(kh_cli *cli, const char *argv0)
{
    memset(cli, 0, sizeof *cli);
    cli->argv0 = argv0;
    cli->max_bytes = KH_DOCUMENT_DEFAULT_MAX_BYTES;
    kh_limits lim = KH_LIMITS_INIT;
    cli->limits = lim;
}

/* A whole number of seconds / MiB, 0 allowed. */
static bool parse_count(const char *s, unsigned *out)
{
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > 1000000000UL)
        return false;
    *out = (unsigned)v;
    return true;
}

bool kh_cli_parse_size(const char *s, size_t *out)
{
    if (!s || !*s)
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return false;
    unsigned long long mul = 1;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': mul = 1024ULL; break;
        case 'm': case 'M': mul = 1024ULL * 1024; break;
        case 'g': case 'G': mul = 1024ULL * 1024 * 1024; break;
        default: return false;
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return false;
    }
    if (v == 0 || v > (unsigned long long)SIZE_MAX / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

int kh_cli_common_option(kh_cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case KH_OPT_PLUGINS: cli->plugins_dir = arg; return 1;
    case KH_OPT_RULES: cli->rules_dir = arg; return 1;
    case KH_OPT_FORMAT:
        if (strcmp(arg, "table") == 0) cli->format = KH_FMT_TABLE;
        else if (strcmp(arg, "json") == 0) cli->format = KH_FMT_JSON;
        else if (strcmp(arg, "csv") == 0) cli->format = KH_FMT_CSV;
        else {
            fprintf(stderr, "kaohe: unknown format '%s' (table, json or csv)\n", arg);
            return -1;
        }
        return 1;
    case KH_OPT_MAX_SIZE:
        if (!kh_cli_parse_size(arg, &cli->max_bytes)) {
            fprintf(stderr, "kaohe: --max-size: '%s' is not a size (e.g. 50M)\n", arg);
            return -1;
        }
        return 1;
    case KH_OPT_ISOLATE: cli->isolate = true; return 1;
    case KH_OPT_LIMIT_CPU:
    case KH_OPT_LIMIT_MEM:
    case KH_OPT_TIMEOUT: {
        unsigned *dst = opt == KH_OPT_LIMIT_CPU   ? &cli->limits.cpu_seconds
                        : opt == KH_OPT_LIMIT_MEM ? &cli->limits.mem_mb
                                                  : &cli->limits.timeout_seconds;
        if (!parse_count(arg, dst)) {
            fprintf(stderr, "kaohe: --%s: '%s' is not a whole number\n",
                    opt == KH_OPT_LIMIT_CPU   ? "limit-cpu"
                    : opt == KH_OPT_LIMIT_MEM ? "limit-mem"
                                              : "timeout",
                    arg);
            return -1;
        }
        return 1;
    }
    case 'v': cli->verbose++; return 1;
    case 'q': cli->quiet = true; return 1;
    default: return 0;
    }
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Directory of the running executable, or "" */
static void exe_dir(char *buf, size_t size)
{
    buf[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
}

void kh_cli_resolve_paths(kh_cli *cli)
{
    char dir[4096], cand[4160];
    exe_dir(dir, sizeof dir);
    if (!cli->plugins_dir && getenv("KAOHE_PLUGINS") && *getenv("KAOHE_PLUGINS"))
        cli->plugins_dir = getenv("KAOHE_PLUGINS");
    if (!cli->rules_dir && getenv("KAOHE_RULES") && *getenv("KAOHE_RULES"))
        cli->rules_dir = getenv("KAOHE_RULES");
    if (!cli->plugins_dir) {
        /* build tree: <bin>/plugins; relocatable install: <bin>/../lib/kaohe/plugins */
        static const char *const tries[] = {"/plugins", "/../lib/kaohe/plugins",
                                            "/../" KH_LIBDIR_NAME "/kaohe/plugins"};
        for (size_t i = 0; i < 3 && dir[0]; i++) {
            snprintf(cand, sizeof cand, "%s%s", dir, tries[i]);
            if (is_dir(cand)) {
                snprintf(cli->found_plugins, sizeof cli->found_plugins, "%s", cand);
                cli->plugins_dir = cli->found_plugins;
                break;
            }
        }
        if (!cli->plugins_dir)
            cli->plugins_dir = KH_PLUGIN_INSTALL_DIR;
    }
    if (!cli->rules_dir) {
        static const char *const tries[] = {"/scoring-rules/default",
                                            "/../share/kaohe/scoring-rules/default"};
        for (size_t i = 0; i < 2 && dir[0]; i++) {
            snprintf(cand, sizeof cand, "%s%s", dir, tries[i]);
            if (is_dir(cand)) {
                snprintf(cli->found_rules, sizeof cli->found_rules, "%s", cand);
                cli->rules_dir = cli->found_rules;
                break;
            }
        }
        if (!cli->rules_dir)
            cli->rules_dir = KH_RULES_INSTALL_DIR "/default";
    }
    if (getenv("KAOHE_MAX_SIZE") && cli->max_bytes == KH_DOCUMENT_DEFAULT_MAX_BYTES) {
        size_t v;
        if (kh_cli_parse_size(getenv("KAOHE_MAX_SIZE"), &v))
            cli->max_bytes = v;
        else
            fprintf(stderr, "kaohe: warning: KAOHE_MAX_SIZE='%s' is not a size; using %zu\n",
                    getenv("KAOHE_MAX_SIZE"), cli->max_bytes);
    }
}

static void log_to_stderr(void *ctx, kh_log_level level, const char *origin,
                          const char *message)
{
    (void)ctx;
    static const char *const names[] = {"debug", "info", "warning", "error"};
    fprintf(stderr, "kaohe: %s: [%s] %s\n", names[level & 3], origin, message);
}

kh_engine *kh_cli_engine(kh_cli *cli)
{
    kh_engine_options opts = KH_ENGINE_OPTIONS_INIT;
    opts.log = log_to_stderr;
    /* a plugin that fails to load is logged ("path: reason") at error level,
     * so even --quiet shows it */
    opts.log_level = cli->quiet ? KH_LOG_ERROR
                     : cli->verbose >= 2 ? KH_LOG_DEBUG
                     : cli->verbose ? KH_LOG_INFO
                                    : KH_LOG_WARN;
    kh_engine *e = NULL;
    if (kh_engine_new(&e, &opts) != KH_OK) {
        fprintf(stderr, "kaohe: out of memory\n");
        return NULL;
    }
    size_t loaded = 0;
    if (kh_engine_load_plugin_dir(e, cli->plugins_dir, &loaded) != KH_OK) {
        fprintf(stderr, "kaohe: %s: plugin directory not found (use --plugins DIR or KAOHE_PLUGINS)\n",
                cli->plugins_dir);
        kh_engine_free(e);
        return NULL;
    }
    if (loaded == 0) {
        fprintf(stderr, "kaohe: %s: no usable plugin in this directory\n", cli->plugins_dir);
        kh_engine_free(e);
        return NULL;
    }
    return e;
}

size_t kh_cli_extract_all(kh_cli *cli, kh_engine *engine, char **paths,
                          size_t count, kh_input *inputs)
{
    size_t failed = 0;
    kh_document_options dopts = KH_DOCUMENT_OPTIONS_INIT;
    dopts.max_bytes = cli->max_bytes;
    for (size_t i = 0; i < count; i++) {
        kh_input *in = &inputs[i];
        in->path = paths[i];
        if (cli->isolate) {
            /* read and extract in a child that runs the plugins under limits */
            if (kh_isolate_extract_file(engine, paths[i], &dopts, &cli->limits, &in->facts,
                                        &in->encoding, &in->error) != KH_OK && !in->error) {
                char buf[KH_ERROR_FILE_MAX + 64];
                snprintf(buf, sizeof buf, "%s: cannot start an isolated extraction", paths[i]);
                in->error = strdup(buf);
            }
            if (in->error) {
                failed++;
                continue;
            }
            const kh_fact *u = kh_factset_get(in->facts, "report.unit");
            const kh_fact *y = kh_factset_get(in->facts, "report.year");
            in->unit = u && u->type == KH_VALUE_TEXT ? u->text : NULL;
            in->year = y && y->type == KH_VALUE_NUMBER ? (int)y->number : 0;
            continue;
        }
        kh_document *doc = NULL;
        kh_error err;
        kh_error_clear(&err);
        int rc = kh_document_load_file(&doc, paths[i], &dopts, &err);
        if (rc != KH_OK) {
            char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 8];
            snprintf(buf, sizeof buf, "%s: %s", paths[i], err.message);
            in->error = strdup(buf);
            failed++;
            continue;
        }
        in->encoding = kh_encoding_name(kh_document_encoding(doc));
        if (kh_engine_extract(engine, doc, &in->facts) != KH_OK) {
            char buf[KH_ERROR_FILE_MAX + 64];
            snprintf(buf, sizeof buf, "%s: out of memory during extraction", paths[i]);
            in->error = strdup(buf);
            failed++;
        } else {
            const kh_fact *u = kh_factset_get(in->facts, "report.unit");
            const kh_fact *y = kh_factset_get(in->facts, "report.year");
            in->unit = u && u->type == KH_VALUE_TEXT ? u->text : NULL;
            in->year = y && y->type == KH_VALUE_NUMBER ? (int)y->number : 0;
        }
        kh_document_free(doc);
    }
    return failed;
}

void kh_cli_inputs_free(kh_input *inputs, size_t count)
{
    for (size_t i = 0; inputs && i < count; i++) {
        kh_factset_free(inputs[i].facts);
        free(inputs[i].error);
    }
}

bool kh_cli_load_events(const char *path, const kh_scheme *scheme, kh_event_list *events)
{
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_events_load(events, path, &err);
    for (size_t i = 0; rc == KH_OK && i < events->count; i++) {
        bool known = false;
        for (size_t k = 0; k < scheme->adjustments_count; k++)
            known |= strcmp(scheme->adjustments[k].id, events->items[i].event) == 0;
        if (!known)
            rc = kh_error_set(&err, KH_ECONFIG, path, events->items[i].line, 0,
                              "event '%s' is not an adjustment of scheme %s",
                              events->items[i].event, scheme->id);
    }
    if (rc == KH_OK)
        return true;
    char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
    fprintf(stderr, "kaohe: error: %s\n", kh_error_format(&err, buf, sizeof buf));
    return false;
}

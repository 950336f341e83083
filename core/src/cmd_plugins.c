/* cmd_plugins.c — `kaohe plugins`: what is loaded, from where, providing
 * which fact keys, and what failed to load. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "table.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe plugins [--plugins DIR] [--format table|json]\n"
          "List the extractor plugins found, their versions, ABI and fact keys, and\n"
          "any plugin that could not be loaded (with the reason).\n"
          "Exit: 0 all loaded; 1 some plugin failed to load; 2 no plugin directory.\n", out);
}

int kh_cmd_plugins(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {KH_CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (kh_cli_common_option(cli, c, optarg) <= 0) {
            usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (optind < argc || cli->format == KH_FMT_CSV) {
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    kh_cli_resolve_paths(cli);
    cli->quiet = true; /* load errors are part of this command's output */
    kh_engine *e = kh_cli_engine(cli);
    if (!e)
        return KH_EXIT_USAGE;
    size_t n = kh_engine_plugin_count(e), nerr = kh_engine_load_error_count(e);
    if (cli->format == KH_FMT_JSON) {
        kh_json j;
        kh_json_init(&j, stdout, true);
        kh_json_object(&j);
        kh_json_kstring(&j, "directory", cli->plugins_dir);
        kh_json_key(&j, "plugins");
        kh_json_array(&j);
        for (size_t i = 0; i < n; i++) {
            const kh_plugin_info *p = kh_engine_plugin_at(e, i);
            char abi[32];
            snprintf(abi, sizeof abi, "%u.%u", p->abi_version >> 16, p->abi_version & 0xffffu);
            kh_json_object(&j);
            kh_json_kstring(&j, "name", p->name);
            kh_json_kstring(&j, "version", p->version);
            kh_json_kstring(&j, "abi", abi);
            kh_json_kstring(&j, "description", p->description);
            kh_json_kstring(&j, "path", p->path);
            kh_json_key(&j, "provides");
            kh_json_array(&j);
            for (const char *const *k = p->provides; *k; k++)
                kh_json_string(&j, *k);
            kh_json_array_end(&j);
            kh_json_object_end(&j);
        }
        kh_json_array_end(&j);
        kh_json_key(&j, "errors");
        kh_json_array(&j);
        for (size_t i = 0; i < nerr; i++)
            kh_json_string(&j, kh_engine_load_error_at(e, i));
        kh_json_array_end(&j);
        kh_json_object_end(&j);
        kh_json_end(&j);
    } else {
        printf("plugins in %s (host ABI %u.%u)\n\n", cli->plugins_dir, KH_PLUGIN_ABI_MAJOR,
               KH_PLUGIN_ABI_MINOR);
        static const char *const hdr[] = {"插件", "版本", "ABI", "事实键"};
        kh_table *t = kh_table_new(4, hdr);
        for (size_t i = 0; i < n; i++) {
            const kh_plugin_info *p = kh_engine_plugin_at(e, i);
            char abi[32], keys[1024] = "";
            snprintf(abi, sizeof abi, "%u.%u", p->abi_version >> 16, p->abi_version & 0xffffu);
            size_t used = 0;
            for (const char *const *k = p->provides; *k && used < sizeof keys - 1; k++) {
                int w = snprintf(keys + used, sizeof keys - used, "%s%s",
                                 k == p->provides ? "" : " ", *k);
                if (w > 0)
                    used += (size_t)w;
            }
            const char *row[] = {p->name, p->version, abi, keys};
            kh_table_add(t, row);
        }
        kh_table_print(t, stdout);
        kh_table_free(t);
        for (size_t i = 0; i < nerr; i++)
            printf("not loaded: %s\n", kh_engine_load_error_at(e, i));
    }
    kh_engine_free(e);
    return nerr ? KH_EXIT_INPUT : KH_EXIT_OK;
}

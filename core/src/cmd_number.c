/* cmd_number.c — `kaohe number TEXT...`: the engine's number parser for
 * people ("12.6万件", "百分之九十八点五", "1110余人次"). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "table.h"

static void usage(FILE *out)
{
    fputs("usage: kaohe number [--format table|json] TEXT...\n"
          "       kaohe number [--format table|json] -      (one input per line on stdin)\n"
          "Parse each TEXT as one number the way the extractors read them: Arabic or\n"
          "Chinese numerals, 万/亿, percentages (98.5%, 百分之九十八点五, 九成) and\n"
          "qualifiers (余/多/以上 → more_than, 约/近/左右 → about, 不足/以下 → less_than).\n"
          "One trailing measure word (件, 人次, 学时 …) is allowed.\n"
          "Exit: 0 all read; 1 some input is not a number; 2 usage error.\n", out);
}

typedef struct row {
    char *input;          /* owned */
    kh_number n;
    const char *error;    /* static reason, NULL when read */
} row;

int kh_cmd_number(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, KH_OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c != KH_OPT_FORMAT || kh_cli_common_option(cli, c, optarg) < 0) {
            usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (cli->format == KH_FMT_CSV) {
        fprintf(stderr, "kaohe number: use --format table or json\n");
        return KH_EXIT_USAGE;
    }
    if (optind >= argc) {
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    row *rows = NULL;
    size_t count = 0, cap = 0;
    bool from_stdin = argc - optind == 1 && strcmp(argv[optind], "-") == 0;
    char *line = NULL;
    size_t line_cap = 0;
    for (int i = optind;; i++) {
        const char *text;
        if (from_stdin) {
            ssize_t len = getline(&line, &line_cap, stdin);
            if (len < 0)
                break;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                line[--len] = '\0';
            text = line;
        } else {
            if (i >= argc)
                break;
            text = argv[i];
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            row *n = realloc(rows, cap * sizeof *n);
            if (!n)
                break;
            rows = n;
        }
        row *r = &rows[count++];
        memset(r, 0, sizeof *r);
        r->input = strdup(text);
        if (kh_number_parse_all(text, strlen(text), &r->n, &r->error) != 0 && !r->error)
            r->error = "not a number";
    }
    free(line);
    size_t bad = 0;
    if (cli->format == KH_FMT_JSON) {
        kh_json j;
        kh_json_init(&j, stdout, true);
        kh_json_object(&j);
        kh_json_key(&j, "numbers");
        kh_json_array(&j);
        for (size_t i = 0; i < count; i++) {
            kh_json_object(&j);
            kh_json_kstring(&j, "input", rows[i].input);
            if (rows[i].error) {
                kh_json_kstring(&j, "error", rows[i].error);
                bad++;
            } else {
                char buf[64];
                kh_json_key(&j, "value");
                /* the exact decimal, written as a JSON number */
                kh_number_format(&rows[i].n, buf, sizeof buf);
                kh_json_raw(&j, buf);
                kh_json_kstring(&j, "kind", kh_number_kind_name(rows[i].n.kind));
                kh_json_kstring(&j, "qualifier", kh_qualifier_name(rows[i].n.qualifier));
            }
            kh_json_object_end(&j);
        }
        kh_json_array_end(&j);
        kh_json_object_end(&j);
        kh_json_end(&j);
    } else {
        static const char *const hdr[] = {"输入", "值", "类型", "限定"};
        kh_table *t = kh_table_new(4, hdr);
        kh_table_align_right(t, 1);
        for (size_t i = 0; i < count; i++) {
            char buf[64];
            if (rows[i].error) {
                const char *cells[] = {rows[i].input, "-", "error", rows[i].error};
                kh_table_add(t, cells);
                bad++;
            } else {
                kh_number_format(&rows[i].n, buf, sizeof buf);
                const char *cells[] = {rows[i].input, buf, kh_number_kind_name(rows[i].n.kind),
                                       kh_qualifier_name(rows[i].n.qualifier)};
                kh_table_add(t, cells);
            }
        }
        kh_table_print(t, stdout);
        kh_table_free(t);
    }
    for (size_t i = 0; i < count; i++)
        free(rows[i].input);
    free(rows);
    return bad ? KH_EXIT_INPUT : KH_EXIT_OK;
}

/* cmd_rules.c — `kaohe rules test [DIR]` (run a scheme's YAML test cases,
 * optionally with line and branch coverage) and `kaohe rules check [DIR]`
 * (every static check of a scheme); see docs/rules.md. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_score.h"
#include "coverage.h"
#include "json.h"
#include "rulescheck.h"
#include "rulestest.h"
#include "table.h"

typedef enum rules_format { FMT_TABLE, FMT_TAP, FMT_JSON } rules_format;

static void usage(FILE *out)
{
    fputs("usage: kaohe rules test [options] [DIR]\n"
          "       kaohe rules check [options] [DIR]\n"
          "Tools for rule authors. DIR is a scheme directory (scheme.yaml, the Lua\n"
          "scripts, lib/, tests/); default: the bundled default scheme, or --rules /\n"
          "KAOHE_RULES.\n"
          "  test    run the YAML test cases in DIR/tests/<file>.yaml: one line per case\n"
          "          (ok / FAIL) and, for a failure, what differs and the rule line\n"
          "          that produced it\n"
          "  check   validate the scheme without scoring: YAML, points and grades,\n"
          "          scripts compile, fact keys provided by the plugins, params and\n"
          "          facts the scripts read are declared, test cases well-formed;\n"
          "          lists every error and warning\n"
          "  --format table|tap|json  output (default table; tap for test only)\n"
          "  --coverage        test: report the lines of each indicator's script the\n"
          "                    cases ran and the branches (if/elseif/else arms,\n"
          "                    score/missing/monitor calls) no case reaches\n"
          "  --rules DIR       the scheme, when DIR is not given\n"
          KH_CLI_COMMON_HELP
          "For test: 0 every case passed; 1 some case failed; 2 configuration error\n"
          "(the scheme does not load, a test file is malformed, no test cases).\n"
          "For check: 0 no errors (warnings allowed); 1 errors found; 2 usage error.\n",
          out);
}

static void print_diag_lines(FILE *out, const kh_diag_list *d, bool warnings,
                             const char *prefix)
{
    for (size_t i = 0; i < d->count; i++) {
        if (d->items[i].warning != warnings)
            continue;
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        fprintf(out, "%s%s\n", prefix, kh_error_format(&d->items[i].where, buf, sizeof buf));
    }
}

static void json_diags(kh_json *j, const char *key, const kh_diag_list *d, bool warnings)
{
    kh_json_key(j, key);
    kh_json_array(j);
    for (size_t i = 0; i < d->count; i++) {
        if (d->items[i].warning != warnings)
            continue;
        const kh_error *w = &d->items[i].where;
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        kh_json_object(j);
        kh_json_kstring(j, "file", w->file[0] ? w->file : NULL);
        kh_json_kint(j, "line", w->line);
        kh_json_kstring(j, "message", w->message);
        kh_json_kstring(j, "text", kh_error_format(w, buf, sizeof buf));
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
}

/* ---- rules check ------------------------------------------------------------ */

static int run_check(kh_cli *cli, const char *dir, rules_format fmt)
{
    kh_engine *engine = kh_cli_engine(cli);
    if (!engine)
        return KH_EXIT_USAGE;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    if (kh_rulescheck_run(dir, engine, &diags, &err) != KH_OK) {
        fprintf(stderr, "kaohe: %s\n", err.message);
        kh_diag_list_free(&diags);
        kh_engine_free(engine);
        return KH_EXIT_USAGE;
    }
    size_t errors = kh_diag_list_errors(&diags);
    size_t warnings = diags.count - errors;
    if (fmt == FMT_JSON) {
        kh_json j;
        kh_json_init(&j, stdout, true);
        kh_json_object(&j);
        kh_json_kstring(&j, "scheme", dir);
        kh_json_kbool(&j, "ok", errors == 0);
        json_diags(&j, "errors", &diags, false);
        json_diags(&j, "warnings", &diags, true);
        kh_json_object_end(&j);
        kh_json_end(&j);
    } else {
        printf("kaohe rules check: %s\n", dir);
        if (errors) {
            printf("errors (%zu):\n", errors);
            print_diag_lines(stdout, &diags, false, "  ");
        }
        if (warnings) {
            printf("warnings (%zu):\n", warnings);
            print_diag_lines(stdout, &diags, true, "  ");
        }
        printf("%s: %zu error%s, %zu warning%s\n", errors ? "FAILED" : "ok", errors,
               errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    }
    kh_diag_list_free(&diags);
    kh_engine_free(engine);
    return errors ? 1 : KH_EXIT_OK;
}

/* ---- rules test -------------------------------------------------------------- */

static void pct(char *buf, size_t size, size_t hit, size_t total)
{
    if (total == 0)
        snprintf(buf, size, "—");
    else
        snprintf(buf, size, "%.1f%%", 100.0 * (double)hit / (double)total);
}

static void coverage_table(FILE *out, const kh_coverage *cov, const char *prefix)
{
    static const char *const hdr[] = {"indicator", "script", "lines", "%", "branches", "%"};
    kh_table *t = kh_table_new(6, hdr);
    if (!t)
        return;
    for (size_t c = 2; c < 6; c++)
        kh_table_align_right(t, c);
    size_t lt = 0, lh = 0, bt = 0, bh = 0;
    for (size_t i = 0; i < cov->count; i++) {
        const kh_coverage_script *s = &cov->scripts[i];
        size_t l, b;
        kh_coverage_counts(s, &l, &b);
        char lines[48], lp[16], br[48], bp[16];
        snprintf(lines, sizeof lines, "%zu/%zu", l, s->lines_count);
        snprintf(br, sizeof br, "%zu/%zu", b, s->branches_count);
        pct(lp, sizeof lp, l, s->lines_count);
        pct(bp, sizeof bp, b, s->branches_count);
        const char *row[] = {s->indicator->id, s->indicator->script, lines, lp, br, bp};
        kh_table_add(t, row);
        lt += s->lines_count;
        lh += l;
        bt += s->branches_count;
        bh += b;
    }
    char lines[48], lp[16], br[48], bp[16];
    snprintf(lines, sizeof lines, "%zu/%zu", lh, lt);
    snprintf(br, sizeof br, "%zu/%zu", bh, bt);
    pct(lp, sizeof lp, lh, lt);
    pct(bp, sizeof bp, bh, bt);
    const char *row[] = {"total", "", lines, lp, br, bp};
    kh_table_add(t, row);
    if (!prefix[0]) {
        kh_table_print(t, out);
    } else {
        /* TAP: every line a comment */
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (mem) {
            kh_table_print(t, mem);
            fclose(mem);
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
                fprintf(out, "%s%s\n", prefix, line);
            free(text);
        }
    }
    kh_table_free(t);
}

static void coverage_misses(FILE *out, const kh_coverage *cov, const char *prefix)
{
    bool any = false;
    for (size_t i = 0; i < cov->count; i++) {
        const kh_coverage_script *s = &cov->scripts[i];
        if (s->problem) {
            fprintf(out, "%s%s %s: not analysed: %s\n", prefix, s->indicator->id,
                    s->indicator->script, s->problem);
            continue;
        }
        for (size_t b = 0; b < s->branches_count; b++) {
            const kh_coverage_branch *br = &s->branches[b];
            if (br->reached)
                continue;
            if (!any)
                fprintf(out, "%sbranches no case reaches:\n", prefix);
            any = true;
            if (br->first == br->last && br->first == br->line &&
                (strcmp(br->kind, "score") == 0 || strcmp(br->kind, "missing") == 0 ||
                 strcmp(br->kind, "monitor") == 0))
                fprintf(out, "%s  %s:%d  %s() call (%s)\n", prefix, s->indicator->script,
                        br->line, br->kind, s->indicator->id);
            else
                fprintf(out, "%s  %s:%d  %s arm, lines %d-%d (%s)\n", prefix,
                        s->indicator->script, br->line, br->kind, br->first, br->last,
                        s->indicator->id);
        }
    }
    bool header = false;
    for (size_t i = 0; i < cov->count; i++) {
        const kh_coverage_script *s = &cov->scripts[i];
        size_t l;
        kh_coverage_counts(s, &l, NULL);
        if (l == s->lines_count)
            continue;
        if (!header)
            fprintf(out, "%slines no case runs:\n", prefix);
        header = true;
        fprintf(out, "%s  %s:", prefix, s->indicator->script);
        for (size_t k = 0; k < s->lines_count; k++)
            if (!s->hit[k])
                fprintf(out, " %d", s->lines[k]);
        fprintf(out, "\n");
    }
}

static void coverage_json(kh_json *j, const kh_coverage *cov)
{
    size_t lt = 0, lh = 0, bt = 0, bh = 0;
    kh_json_key(j, "coverage");
    kh_json_object(j);
    kh_json_key(j, "indicators");
    kh_json_array(j);
    for (size_t i = 0; i < cov->count; i++) {
        const kh_coverage_script *s = &cov->scripts[i];
        size_t l, b;
        kh_coverage_counts(s, &l, &b);
        lt += s->lines_count;
        lh += l;
        bt += s->branches_count;
        bh += b;
        kh_json_object(j);
        kh_json_kstring(j, "id", s->indicator->id);
        kh_json_kstring(j, "script", s->indicator->script);
        if (s->problem)
            kh_json_kstring(j, "problem", s->problem);
        kh_json_key(j, "lines");
        kh_json_object(j);
        kh_json_kint(j, "total", (long long)s->lines_count);
        kh_json_kint(j, "covered", (long long)l);
        kh_json_key(j, "missed");
        kh_json_array(j);
        for (size_t k = 0; k < s->lines_count; k++)
            if (!s->hit[k])
                kh_json_int(j, s->lines[k]);
        kh_json_array_end(j);
        kh_json_object_end(j);
        kh_json_key(j, "branches");
        kh_json_object(j);
        kh_json_kint(j, "total", (long long)s->branches_count);
        kh_json_kint(j, "covered", (long long)b);
        kh_json_key(j, "list");
        kh_json_array(j);
        for (size_t k = 0; k < s->branches_count; k++) {
            const kh_coverage_branch *br = &s->branches[k];
            kh_json_object(j);
            kh_json_kstring(j, "kind", br->kind);
            kh_json_kint(j, "line", br->line);
            kh_json_kint(j, "first", br->first);
            kh_json_kint(j, "last", br->last);
            kh_json_kbool(j, "reached", br->reached);
            kh_json_object_end(j);
        }
        kh_json_array_end(j);
        kh_json_object_end(j);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "lines");
    kh_json_object(j);
    kh_json_kint(j, "total", (long long)lt);
    kh_json_kint(j, "covered", (long long)lh);
    kh_json_object_end(j);
    kh_json_key(j, "branches");
    kh_json_object(j);
    kh_json_kint(j, "total", (long long)bt);
    kh_json_kint(j, "covered", (long long)bh);
    kh_json_object_end(j);
    kh_json_object_end(j);
}

static void json_result(kh_json *j, const kh_indicator_result *ir)
{
    kh_json_object(j);
    kh_json_knumber(j, "points", ir->points);
    kh_json_kstring(j, "status", kh_status_name(ir->status));
    kh_json_kstring(j, "branch", ir->branch);
    kh_json_kstring(j, "script", ir->indicator ? ir->indicator->script : NULL);
    if (ir->line > 0)
        kh_json_kint(j, "line", ir->line);
    else
        kh_json_knull(j, "line");
    kh_json_kstring(j, "error", ir->error);
    kh_json_key(j, "missing");
    kh_json_array(j);
    for (size_t i = 0; i < ir->missing_count; i++)
        kh_json_string(j, ir->missing[i]);
    kh_json_array_end(j);
    kh_json_object_end(j);
}

static void json_expect(kh_json *j, const kh_rulestest_expect *e)
{
    kh_json_object(j);
    if (e->has_points)
        kh_json_knumber(j, "points", e->points);
    if (e->has_status)
        kh_json_kstring(j, "status", kh_status_name(e->status));
    if (e->branch)
        kh_json_kstring(j, "branch", e->branch);
    if (e->has_missing) {
        kh_json_key(j, "missing");
        kh_json_array(j);
        for (size_t i = 0; i < e->missing_count; i++)
            kh_json_string(j, e->missing[i]);
        kh_json_array_end(j);
    }
    if (e->error)
        kh_json_kstring(j, "error", e->error);
    kh_json_object_end(j);
}

static void json_case(kh_json *j, const kh_rulestest_case *c, const kh_rulestest_outcome *o)
{
    kh_json_object(j);
    kh_json_kstring(j, "name", c->name);
    kh_json_kstring(j, "file", c->file);
    kh_json_kint(j, "line", c->line);
    kh_json_kbool(j, "ok", o->passed);
    if (o->score) {
        kh_json_knumber(j, "total", o->score->total);
        kh_json_kstring(j, "grade", o->score->grade);
    } else {
        kh_json_knull(j, "total");
        kh_json_knull(j, "grade");
    }
    kh_json_key(j, "failures");
    kh_json_array(j);
    for (size_t i = 0; i < o->failures_count; i++) {
        const kh_rulestest_failure *f = &o->failures[i];
        kh_json_object(j);
        kh_json_kstring(j, "indicator", f->expect ? f->expect->indicator->id : NULL);
        kh_json_kstring(j, "message", f->message);
        if (f->expect) {
            kh_json_key(j, "expected");
            json_expect(j, f->expect);
        }
        if (f->actual) {
            kh_json_key(j, "actual");
            json_result(j, f->actual);
        }
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
    kh_json_key(j, "notes");
    kh_json_array(j);
    for (size_t i = 0; i < o->notes_count; i++)
        kh_json_string(j, o->notes[i]);
    kh_json_array_end(j);
    kh_json_object_end(j);
}

static int run_test(kh_cli *cli, const char *dir, rules_format fmt, bool coverage)
{
    kh_rules *rules = NULL;
    kh_scheme *scheme = kh_cli_load_scheme(dir, NULL, stderr, &rules);
    if (!scheme) {
        fprintf(stderr, "kaohe: %s: scheme not usable, no test run\n", dir);
        return KH_EXIT_USAGE;
    }
    int status = KH_EXIT_OK;
    kh_engine *engine = NULL;
    kh_rulestest_runner *runner = NULL;
    kh_coverage cov;
    memset(&cov, 0, sizeof cov);
    kh_rulestest_suite suite;
    memset(&suite, 0, sizeof suite);
    kh_diag_list diags = {0};
    kh_rulestest_outcome *outcomes = NULL;
    kh_error err;
    kh_error_clear(&err);

    size_t tlen = strlen(scheme->dir ? scheme->dir : ".") + 8;
    char *tests = malloc(tlen);
    if (!tests) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    snprintf(tests, tlen, "%s/tests", scheme->dir ? scheme->dir : ".");
    int rc = kh_rulestest_load(&suite, scheme, tests, &diags, &err);
    if (rc != KH_OK) {
        fprintf(stderr, "kaohe: %s: %s\n", tests, rc == KH_ENOTFOUND
                ? "no tests directory (put YAML test cases in DIR/tests/<file>.yaml)"
                : err.message);
        status = KH_EXIT_USAGE;
        goto done;
    }
    size_t malformed = kh_diag_list_errors(&diags);
    print_diag_lines(stderr, &diags, false, "kaohe: error: ");
    if (suite.count == 0 && malformed == 0) {
        fprintf(stderr, "kaohe: %s: no test cases (no .yaml file with a case)\n", tests);
        status = KH_EXIT_USAGE;
        goto done;
    }
    if (kh_rulestest_needs_engine(&suite) && !(engine = kh_cli_engine(cli))) {
        status = KH_EXIT_USAGE;
        goto done;
    }
    if (coverage) {
        if (kh_coverage_init(&cov, scheme, &err) != KH_OK) {
            fprintf(stderr, "kaohe: %s\n", err.message);
            status = KH_EXIT_USAGE;
            goto done;
        }
        kh_coverage_attach(&cov, rules);
    }
    outcomes = calloc(suite.count ? suite.count : 1, sizeof *outcomes);
    if (!outcomes || kh_rulestest_runner_new(&runner, scheme, rules, engine,
                                             coverage ? &cov : NULL) != KH_OK) {
        fprintf(stderr, "kaohe: out of memory\n");
        status = KH_EXIT_USAGE;
        goto done;
    }
    if (fmt == FMT_TAP) {
        printf("TAP version 13\n1..%zu\n", suite.count);
        print_diag_lines(stdout, &diags, false, "# error: ");
    }
    size_t failed = 0;
    for (size_t i = 0; i < suite.count; i++) {
        const kh_rulestest_case *c = &suite.cases[i];
        kh_rulestest_outcome *o = &outcomes[i];
        if (kh_rulestest_run(runner, c, o, &err) != KH_OK) {
            fprintf(stderr, "kaohe: %s\n", err.message);
            status = KH_EXIT_USAGE;
            goto done;
        }
        failed += !o->passed;
        if (fmt == FMT_JSON)
            continue;
        if (fmt == FMT_TAP)
            printf("%s %zu - %s\n", o->passed ? "ok" : "not ok", i + 1, c->name);
        else
            printf("%s %s\n", o->passed ? "ok  " : "FAIL", c->name);
        const char *indent = fmt == FMT_TAP ? "# " : "     ";
        for (size_t k = 0; k < o->failures_count; k++)
            printf("%s%s\n", indent, o->failures[k].message);
        for (size_t k = 0; k < o->notes_count; k++)
            printf("%snote: %s\n", indent, o->notes[k]);
        if (!o->passed)
            printf("%scase at %s:%d\n", indent, c->file, c->line);
    }
    kh_coverage_detach(&cov);
    if (coverage)
        kh_coverage_finish(&cov);
    if (fmt == FMT_JSON) {
        kh_json j;
        kh_json_init(&j, stdout, true);
        kh_json_object(&j);
        kh_json_key(&j, "scheme");
        kh_json_object(&j);
        kh_json_kstring(&j, "id", scheme->id);
        kh_json_kstring(&j, "version", scheme->version);
        kh_json_kstring(&j, "dir", scheme->dir);
        kh_json_object_end(&j);
        kh_json_key(&j, "cases");
        kh_json_array(&j);
        for (size_t i = 0; i < suite.count; i++)
            json_case(&j, &suite.cases[i], &outcomes[i]);
        kh_json_array_end(&j);
        json_diags(&j, "errors", &diags, false);
        kh_json_key(&j, "summary");
        kh_json_object(&j);
        kh_json_kint(&j, "cases", (long long)suite.count);
        kh_json_kint(&j, "passed", (long long)(suite.count - failed));
        kh_json_kint(&j, "failed", (long long)failed);
        kh_json_kint(&j, "malformed", (long long)malformed);
        kh_json_object_end(&j);
        if (coverage)
            coverage_json(&j, &cov);
        kh_json_object_end(&j);
        kh_json_end(&j);
    } else {
        const char *prefix = fmt == FMT_TAP ? "# " : "";
        if (coverage) {
            printf("%scoverage: lines of each indicator's script run by the cases; "
                   "branches = if/elseif/else arms and score/missing/monitor calls\n",
                   prefix);
            coverage_table(stdout, &cov, prefix);
            coverage_misses(stdout, &cov, prefix);
        }
        printf("%s%zu case%s: %zu passed, %zu failed", prefix, suite.count,
               suite.count == 1 ? "" : "s", suite.count - failed, failed);
        if (malformed)
            printf(", %zu malformed (not run)", malformed);
        printf("\n");
    }
    status = malformed ? KH_EXIT_USAGE : failed ? 1 : KH_EXIT_OK;
done:
    for (size_t i = 0; outcomes && i < suite.count; i++)
        kh_rulestest_outcome_free(&outcomes[i]);
    free(outcomes);
    kh_rulestest_runner_free(runner);
    kh_coverage_free(&cov);
    kh_rulestest_suite_free(&suite);
    kh_diag_list_free(&diags);
    free(tests);
    kh_engine_free(engine);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    return status;
}

int kh_cmd_rules(int argc, char **argv, kh_cli *cli)
{
    static const struct option longopts[] = {
        KH_CLI_COMMON_LONGOPTS, {"coverage", no_argument, NULL, 'C'}, {0, 0, 0, 0}};
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KH_EXIT_USAGE : KH_EXIT_OK;
    }
    const char *action = argv[1];
    bool test = strcmp(action, "test") == 0;
    if (!test && strcmp(action, "check") != 0) {
        fprintf(stderr, "kaohe rules: unknown action '%s' (test or check)\n", action);
        usage(stderr);
        return KH_EXIT_USAGE;
    }
    rules_format fmt = FMT_TABLE;
    bool coverage = false;
    int c;
    optind = 1;
    argc--;
    argv++; /* argv[0] = the action */
    while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return KH_EXIT_OK;
        }
        if (c == 'C') {
            coverage = true;
            continue;
        }
        if (c == KH_OPT_FORMAT) {
            if (strcmp(optarg, "table") == 0)
                fmt = FMT_TABLE;
            else if (strcmp(optarg, "json") == 0)
                fmt = FMT_JSON;
            else if (strcmp(optarg, "tap") == 0 && test)
                fmt = FMT_TAP;
            else {
                fprintf(stderr, "kaohe rules %s: unknown format '%s' (table, %sjson)\n",
                        action, optarg, test ? "tap, " : "");
                return KH_EXIT_USAGE;
            }
            continue;
        }
        int r = kh_cli_common_option(cli, c, optarg);
        if (r <= 0) {
            if (r == 0)
                usage(stderr);
            return KH_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "kaohe rules %s: one scheme directory at a time\n", action);
        return KH_EXIT_USAGE;
    }
    if (coverage && !test) {
        fprintf(stderr, "kaohe rules check: --coverage is for rules test\n");
        return KH_EXIT_USAGE;
    }
    if (optind < argc)
        cli->rules_dir = argv[optind];
    kh_cli_resolve_paths(cli);
    return test ? run_test(cli, cli->rules_dir, fmt, coverage)
                : run_check(cli, cli->rules_dir, fmt);
}

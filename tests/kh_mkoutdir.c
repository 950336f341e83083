/*
 * kh_mkoutdir.c — test tool: write an OUTDIR (ranking.csv, kaohe.xlsx,
 * report.html) for the seed reports with kh_outputs_write(), so the
 * end-to-end test can read the files with independent readers (Python's
 * zipfile, headless Chromium) until `kaohe batch` exists.
 *
 *   kh_mkoutdir OUTDIR [--overrides FILE] [--failed] [--hostile]
 */
#include <stdio.h>
#include <string.h>

#include "kh_test_run.h"
#include "outputs.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kh_mkoutdir OUTDIR [--overrides FILE] [--events FILE] [--failed] [--hostile]\n");
        return 2;
    }
    kh_test_run_options opt = {0};
    opt.title = "2024年度法治政府建设考核（测试）";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--overrides") == 0 && i + 1 < argc)
            opt.overrides = argv[++i];
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            opt.events = argv[++i];
        else if (strcmp(argv[i], "--failed") == 0)
            opt.with_failed = 1;
        else if (strcmp(argv[i], "--hostile") == 0)
            opt.with_hostile = 1;
        else {
            fprintf(stderr, "kh_mkoutdir: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    kh_test_run t;
    if (kh_test_run_build(&t, &opt) != 0) {
        fprintf(stderr, "kh_mkoutdir: %s\n", t.message);
        kh_test_run_free(&t);
        return 1;
    }
    for (size_t i = 0; i < t.applied.warnings_count; i++)
        fprintf(stderr, "kh_mkoutdir: warning: %s\n", t.applied.warnings[i]);
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_outputs_write(argv[1], &t.run, &err);
    if (rc != KH_OK)
        fprintf(stderr, "kh_mkoutdir: %s: %s\n", err.file, err.message);
    kh_test_run_free(&t);
    return rc == KH_OK ? 0 : 1;
}

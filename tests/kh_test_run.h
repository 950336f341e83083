/*
 * kh_test_run.h — build a kh_run (run.h) the way a batch run would, for the
 * OUTDIR writer tests until `kaohe batch` exists: every seed report in
 * fixtures/reports/ extracted with the built plugins, overrides applied,
 * scored with the default scheme and ranked; optionally a failed input and a
 * hostile report whose unit, path and evidence text hold HTML. The unit and
 * its division code come from the report's gold file (as a unit registry
 * would give them). Header-only, no Check calls: check_outputs.c and the
 * kh_mkoutdir tool both use it.
 */
#ifndef KH_TEST_RUN_H
#define KH_TEST_RUN_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaohe/kaohe.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"
#include "events.h"
#include "overrides.h"
#include "run.h"
#include "sha256.h"

#define KH_TEST_RUN_MAX 32

/* Text a hostile report would carry (checked escaped in every output). */
#define KH_TEST_HOSTILE_EVIDENCE "行政机关负责人出庭应诉率100%<script>alert('kaohe')</script>"
#define KH_TEST_HOSTILE_UNIT "<img src=x onerror=alert(1)>示范区"
#define KH_TEST_HOSTILE_PATH "hostile/<b>报告</b>&\"x\".txt"

typedef struct kh_test_run_options {
    const char *overrides;  /* overrides.yaml or NULL */
    const char *events;     /* events.yaml (加分/扣分) or NULL */
    int with_failed;        /* add fixtures/bad/binary.bin (fails to load) */
    int with_hostile;       /* add a hand-made report with HTML in its text */
    const char *title;
} kh_test_run_options;

typedef struct kh_test_run {
    kh_engine *engine;
    kh_scheme *scheme;
    kh_rules *rules;
    size_t count;
    char *paths[KH_TEST_RUN_MAX];
    kh_factset *facts[KH_TEST_RUN_MAX];
    kh_report_score *scores[KH_TEST_RUN_MAX];
    char *units[KH_TEST_RUN_MAX];
    char *codes[KH_TEST_RUN_MAX];
    char *errors[KH_TEST_RUN_MAX];
    char sha[KH_TEST_RUN_MAX][KH_SHA256_HEX_SIZE];
    kh_run_item items[KH_TEST_RUN_MAX];
    kh_override_list overrides;
    kh_overrides_result applied;
    kh_event_list events;
    kh_run run;
    char message[2048]; /* why building failed */
} kh_test_run;

static inline int kh_test_run__cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The value of a top-level "name: value" line of a gold YAML file (quotes
 * stripped), or NULL ("null" too). Caller frees. */
static inline char *kh_test_run__gold(const char *report_path, const char *name)
{
    const char *base = strrchr(report_path, '/');
    base = base ? base + 1 : report_path;
    char gold[1024];
    snprintf(gold, sizeof gold, "%s/gold/%.*s.yaml", KH_FIXTURES_DIR,
             (int)(strlen(base) > 4 ? strlen(base) - 4 : strlen(base)), base);
    FILE *f = fopen(gold, "r");
    if (!f)
        return NULL;
    char line[1024], *out = NULL;
    size_t nl = strlen(name);
    while (!out && fgets(line, sizeof line, f)) {
        if (strncmp(line, name, nl) != 0 || line[nl] != ':')
            continue;
        char *v = line + nl + 1;
        while (*v == ' ')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
            v[n - 1] = '\0';
            v++;
        }
        if (*v && strcmp(v, "null") != 0)
            out = strdup(v);
    }
    fclose(f);
    return out;
}

static inline void kh_test_run_free(kh_test_run *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->paths[i]);
        kh_factset_free(t->facts[i]);
        kh_report_score_free(t->scores[i]);
        free(t->units[i]);
        free(t->codes[i]);
        free(t->errors[i]);
    }
    kh_overrides_result_free(&t->applied);
    kh_event_list_free(&t->events);
    kh_override_list_free(&t->overrides);
    kh_rules_free(t->rules);
    kh_scheme_free(t->scheme);
    kh_engine_free(t->engine);
    memset(t, 0, sizeof *t);
}

/* A hand-made factset for the hostile report. */
static inline kh_factset *kh_test_run__hostile_facts(void)
{
    kh_factset *fs = NULL;
    if (kh_factset_new(&fs) != KH_OK)
        return NULL;
    kh_fact f = {0};
    f.key = "litigation.head_appearance_rate";
    f.type = KH_VALUE_NUMBER;
    f.number = 100;
    f.unit = "percent";
    f.evidence.text = KH_TEST_HOSTILE_EVIDENCE;
    f.evidence.line = 7;
    f.evidence.column = 3;
    f.plugin = "litigation";
    f.confidence = 90;
    f.note = "<i>note</i>";
    kh_factset_add(fs, &f);
    kh_fact u = {0};
    u.key = "report.unit";
    u.type = KH_VALUE_TEXT;
    u.text = KH_TEST_HOSTILE_UNIT;
    u.unit = "name";
    u.evidence.text = KH_TEST_HOSTILE_UNIT "人民政府";
    u.evidence.line = 1;
    u.evidence.column = 1;
    u.plugin = "report";
    u.confidence = 90;
    kh_factset_add(fs, &u);
    kh_fact y = {0};
    y.key = "report.year";
    y.type = KH_VALUE_NUMBER;
    y.number = 2024;
    y.unit = "year";
    y.evidence.text = "2024年";
    y.evidence.line = 1;
    y.evidence.column = 20;
    y.plugin = "report";
    y.confidence = 90;
    kh_factset_add(fs, &y);
    kh_factset_add_error(fs, "plugin <svg onload=alert(2)>: failed");
    return fs;
}

/* Build the run. Returns 0, or -1 with t->message saying why. */
static inline int kh_test_run_build(kh_test_run *t, const kh_test_run_options *opt)
{
    memset(t, 0, sizeof *t);
    kh_error err;
    kh_error_clear(&err);
    if (kh_engine_new(&t->engine, NULL) != KH_OK ||
        kh_engine_load_plugin_dir(t->engine, KH_PLUGIN_DIR, NULL) != KH_OK) {
        snprintf(t->message, sizeof t->message, "plugins in %s", KH_PLUGIN_DIR);
        return -1;
    }
    if (kh_scheme_load(&t->scheme, KH_RULES_DIR, NULL, &err) != KH_OK ||
        kh_rules_new(&t->rules, t->scheme, NULL, &err) != KH_OK) {
        snprintf(t->message, sizeof t->message, "scheme: %s", err.message);
        return -1;
    }
    /* the seed reports, sorted by path */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/reports", KH_FIXTURES_DIR);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(t->message, sizeof t->message, "cannot read %s", dir);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) && t->count < KH_TEST_RUN_MAX - 2) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".txt") == 0) {
            char p[2048];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            t->paths[t->count++] = strdup(p);
        }
    }
    closedir(d);
    if (opt && opt->with_failed) {
        char p[1024];
        snprintf(p, sizeof p, "%s/bad/binary.bin", KH_FIXTURES_DIR);
        t->paths[t->count++] = strdup(p);
    }
    if (opt && opt->with_hostile)
        t->paths[t->count++] = strdup(KH_TEST_HOSTILE_PATH);
    qsort(t->paths, t->count, sizeof t->paths[0], kh_test_run__cmp);

    const char *match_units[KH_TEST_RUN_MAX] = {0};
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->paths[i], KH_TEST_HOSTILE_PATH) == 0) {
            t->facts[i] = kh_test_run__hostile_facts();
        } else {
            kh_document *doc = NULL;
            if (kh_document_load_file(&doc, t->paths[i], NULL, &err) != KH_OK) {
                char m[2048];
                snprintf(m, sizeof m, "%s: %s", t->paths[i], err.message);
                t->errors[i] = strdup(m);
                continue;
            }
            kh_engine_extract(t->engine, doc, &t->facts[i]);
            kh_document_free(doc);
            uint8_t dg[KH_SHA256_DIGEST_SIZE];
            if (kh_sha256_file(t->paths[i], dg) == KH_OK)
                kh_sha256_hex(dg, t->sha[i]);
        }
        const kh_fact *u = kh_factset_get(t->facts[i], "report.unit");
        match_units[i] = u && u->type == KH_VALUE_TEXT ? u->text : NULL;
    }
    if (opt && opt->overrides) {
        if (kh_overrides_load(&t->overrides, opt->overrides, &err) != KH_OK) {
            snprintf(t->message, sizeof t->message, "overrides: %s:%d: %s", err.file,
                     err.line, err.message);
            return -1;
        }
        if (kh_overrides_plan(&t->applied, &t->overrides, match_units, t->count) != KH_OK) {
            snprintf(t->message, sizeof t->message, "overrides: out of memory");
            return -1;
        }
        for (size_t i = 0; i < t->count; i++)
            if (t->facts[i] && kh_overrides_apply(&t->overrides, match_units[i], t->paths[i],
                                                  t->facts[i], &t->applied) != KH_OK) {
                snprintf(t->message, sizeof t->message, "overrides: apply failed");
                return -1;
            }
    }
    if (opt && opt->events && kh_events_load(&t->events, opt->events, &err) != KH_OK) {
        snprintf(t->message, sizeof t->message, "events: %s:%d: %s", err.file, err.line,
                 err.message);
        return -1;
    }
    kh_report_score *ranked[KH_TEST_RUN_MAX];
    size_t nr = 0;
    for (size_t i = 0; i < t->count; i++) {
        kh_run_item *it = &t->items[i];
        it->path = t->paths[i];
        if (!t->facts[i]) {
            it->error = t->errors[i];
            continue;
        }
        const kh_fact *u = kh_factset_get(t->facts[i], "report.unit");
        const kh_fact *y = kh_factset_get(t->facts[i], "report.year");
        t->units[i] = kh_test_run__gold(t->paths[i], "unit");
        t->codes[i] = kh_test_run__gold(t->paths[i], "division_code");
        if (!t->units[i] && u && u->type == KH_VALUE_TEXT)
            t->units[i] = strdup(u->text);
        it->unit = t->units[i];
        it->unit_code = t->codes[i];
        it->year = y && y->type == KH_VALUE_NUMBER ? (int)y->number : 0;
        it->sha256 = t->sha[i][0] ? t->sha[i] : NULL;
        if (!t->codes[i] && strcmp(t->paths[i], KH_TEST_HOSTILE_PATH) == 0)
            it->unit_note = "not in the registry: <u>unknown</u>";
        if (kh_rules_score(t->rules, t->facts[i], it->path, it->unit, it->year, &t->scores[i],
                           &err) != KH_OK) {
            snprintf(t->message, sizeof t->message, "score %s: %s", it->path, err.message);
            return -1;
        }
        const char *ids[16];
        size_t nid = kh_events_for(&t->events, it->path, it->unit, ids, 16);
        if (nid && kh_report_score_adjust(t->scores[i], t->scheme, ids, nid, &err) != KH_OK) {
            snprintf(t->message, sizeof t->message, "events %s: %s", it->path, err.message);
            return -1;
        }
        it->facts = t->facts[i];
        it->score = t->scores[i];
        ranked[nr++] = t->scores[i];
    }
    kh_rank(ranked, nr);
    t->run.scheme = t->scheme;
    t->run.items = t->items;
    t->run.count = t->count;
    t->run.overrides = t->applied.applied;
    t->run.overrides_count = t->applied.applied_count;
    t->run.title = opt && opt->title ? opt->title : NULL;
    return 0;
}

/* The run most suites check: the seed reports with the example overrides
 * and 加分/扣分 events of fixtures/, a failed input and the hostile report,
 * under a title. Returns kh_test_run_build's result. */
static inline int kh_test_run_build_example(kh_test_run *t)
{
    static char overrides[1024], events[1024];
    snprintf(overrides, sizeof overrides, "%s/overrides/example.yaml", KH_FIXTURES_DIR);
    snprintf(events, sizeof events, "%s/events/example.yaml", KH_FIXTURES_DIR);
    kh_test_run_options opt = {.overrides = overrides, .events = events, .with_failed = 1,
                               .with_hostile = 1, .title = "2024年度法治政府建设考核"};
    return kh_test_run_build(t, &opt);
}

#endif

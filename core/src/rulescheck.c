/*
 * rulescheck.c — the static checks of `kaohe rules check` (see rulescheck.h):
 * load, validate and compile the scheme, then scan each script's tokens for
 * the params and facts it reads and compare them with scheme.yaml.
 */
#include "rulescheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kaohe/score.h"
#include "luascan.h"
#include "rulestest.h"
#include "sandbox.h"
#include "scheme_internal.h" /* kh_scheme__lib_scripts */

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *read_source(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(KH_SANDBOX_MAX_SOURCE + 1);
    size_t n = buf ? fread(buf, 1, KH_SANDBOX_MAX_SOURCE + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad || n > KH_SANDBOX_MAX_SOURCE) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* A list of strings (names read), each once. */
typedef struct names {
    char **v;
    size_t n, cap;
} names;

static bool names_has(const names *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return true;
    return false;
}

static int names_add(names *s, const char *x)
{
    if (names_has(s, x))
        return KH_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return KH_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    if (!(s->v[s->n] = strdup(x)))
        return KH_ENOMEM;
    s->n++;
    return KH_OK;
}

static void names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

typedef struct checker {
    const kh_scheme *scheme;
    kh_diag_list *diags;
    names params_read;       /* param names read anywhere */
    names lib_facts;         /* fact keys read by lib/<name>.lua */
    bool dynamic_param;      /* some param name is not a literal */
    bool dynamic_lib_fact;   /* some lib fact key is not a literal */
    names broken;            /* chunks that do not compile */
    bool oom;
} checker;

#define ADD(ck, warning, file, line, ...)                                       \
    do {                                                                         \
        if (kh_diag_list_add((ck)->diags, (warning), (file), (line), __VA_ARGS__) \
            != KH_OK)                                                            \
            (ck)->oom = true;                                                    \
    } while (0)

static bool declares(const kh_indicator *ind, const char *key)
{
    for (size_t i = 0; i < ind->facts_count; i++)
        if (strcmp(ind->facts[i], key) == 0)
            return true;
    return false;
}

/* Scan one chunk. ind is its indicator, or NULL for a library; facts_read
 * collects literal fact keys; *dynamic_facts is set by non-literal ones. */
static void scan(checker *ck, const char *chunk, const char *path,
                 const kh_indicator *ind, names *facts_read, bool *dynamic_facts)
{
    size_t len = 0;
    char *src = read_source(path, &len);
    if (!src)
        return; /* missing or unreadable: validation / compilation said so */
    kh_luatoks toks;
    kh_error e;
    kh_error_clear(&e);
    int rc = kh_luascan_tokens(&toks, src, len, &e);
    if (rc == KH_ENOMEM)
        ck->oom = true;
    if (rc != KH_OK)
        goto done; /* does not compile: reported by kh_rules_new */
    static const char *const fns[] = {"param", "fact", "has", "fact_info", NULL};
    kh_luacall *calls = NULL;
    size_t n = 0;
    if (kh_luascan_calls(&toks, fns, &calls, &n) != KH_OK) {
        ck->oom = true;
        goto done;
    }
    for (size_t i = 0; i < n && !ck->oom; i++) {
        const kh_luacall *c = &calls[i];
        bool is_param = strcmp(c->name, "param") == 0;
        if (c->no_args) {
            ADD(ck, false, chunk, c->line, "%s() without a %s", c->name,
                is_param ? "param name" : "fact key");
        } else if (!c->arg) {
            ADD(ck, true, chunk, c->line,
                "%s(…) with a name that is not a literal string: rules check cannot "
                "check it", c->name);
            if (is_param)
                ck->dynamic_param = true;
            else
                *dynamic_facts = true;
        } else if (is_param) {
            if (!kh_scheme_param(ck->scheme, c->arg))
                ADD(ck, false, chunk, c->line,
                    "param '%s' is not declared under params: in scheme.yaml", c->arg);
            else if (names_add(&ck->params_read, c->arg) != KH_OK)
                ck->oom = true;
        } else {
            if (ind && !declares(ind, c->arg))
                ADD(ck, false, chunk, c->line,
                    "%s reads fact '%s', which is not listed under its facts: in "
                    "scheme.yaml", ind->id, c->arg);
            else if (names_add(facts_read, c->arg) != KH_OK)
                ck->oom = true;
        }
    }
    free(calls);
done:
    kh_luatoks_free(&toks);
    free(src);
}

static void scan_libs(checker *ck)
{
    if (!ck->scheme->dir)
        return;
    char **chunks = NULL; /* "lib/<name>.lua", in the order they run */
    size_t n = 0;
    if (kh_scheme__lib_scripts(ck->scheme->dir, &chunks, &n) != KH_OK)
        ck->oom = true;
    for (size_t i = 0; i < n && !ck->oom; i++) {
        char *path = join_path(ck->scheme->dir, chunks[i]);
        if (path)
            scan(ck, chunks[i], path, NULL, &ck->lib_facts, &ck->dynamic_lib_fact);
        else
            ck->oom = true;
        free(path);
    }
    kh_scheme__lib_scripts_free(chunks, n);
}

static void check_scripts(checker *ck)
{
    const kh_scheme *s = ck->scheme;
    scan_libs(ck);
    for (size_t i = 0; i < s->indicators_count && !ck->oom; i++) {
        const kh_indicator *ind = &s->indicators[i];
        if (!ind->script || !ind->script_path)
            continue;
        names read = {0};
        bool dynamic = names_has(&ck->broken, ind->script);
        scan(ck, ind->script, ind->script_path, ind, &read, &dynamic);
        struct stat st;
        bool exists = stat(ind->script_path, &st) == 0;
        for (size_t k = 0; exists && !dynamic && !ck->dynamic_lib_fact &&
                           k < ind->facts_count && !ck->oom; k++)
            if (!names_has(&read, ind->facts[k]) && !names_has(&ck->lib_facts, ind->facts[k]))
                ADD(ck, true, s->yaml_path, ind->line,
                    "%s declares fact '%s' but %s never reads it (fact, has or fact_info)",
                    ind->id, ind->facts[k], ind->script);
        names_free(&read);
    }
    for (size_t i = 0; !ck->dynamic_param && i < s->params_count && !ck->oom; i++)
        if (!names_has(&ck->params_read, s->params[i].name))
            ADD(ck, true, s->yaml_path, s->params[i].line,
                "params.%s: declared but no script reads it", s->params[i].name);
}

int kh_rulescheck_providers(const kh_scheme *scheme, const kh_engine *engine,
                            kh_diag_list *diags)
{
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        const kh_indicator *ind = &scheme->indicators[i];
        for (size_t k = 0; k < ind->facts_count; k++)
            if (!kh_engine_provider(engine, ind->facts[k]) &&
                kh_diag_list_add(diags, false, scheme->yaml_path, ind->line,
                                 "indicators[%zu] %s: fact key '%s' is provided by no "
                                 "loaded plugin",
                                 i, ind->id, ind->facts[k]) != KH_OK)
                return KH_ENOMEM;
    }
    return KH_OK;
}

static void check_providers(checker *ck, kh_engine *engine)
{
    const kh_scheme *s = ck->scheme;
    if (!engine)
        ADD(ck, true, s->yaml_path, 0, "no plugins loaded: fact keys were not checked "
            "against what the plugins provide");
    else if (kh_rulescheck_providers(s, engine, ck->diags) != KH_OK)
        ck->oom = true;
}

/* Compile every script and library; a missing script was already reported
 * by validation, so "cannot open" problems are not repeated. */
static void check_compile(checker *ck)
{
    kh_diag_list d = {0};
    kh_rules *rules = NULL;
    kh_error e;
    kh_error_clear(&e);
    int rc = kh_rules_new(&rules, ck->scheme, &d, &e);
    if (rc == KH_ENOMEM)
        ck->oom = true;
    for (size_t i = 0; i < d.count && !ck->oom; i++) {
        const kh_error *w = &d.items[i].where;
        if (strncmp(w->message, "cannot open", 11) == 0)
            continue;
        if (w->file[0] && names_add(&ck->broken, w->file) != KH_OK)
            ck->oom = true;
        ADD(ck, d.items[i].warning, w->file[0] ? w->file : NULL, w->line, "%s", w->message);
    }
    if (rc != KH_OK && rc != KH_ENOMEM && d.count == 0)
        ADD(ck, false, e.file[0] ? e.file : NULL, e.line, "%s", e.message);
    kh_diag_list_free(&d);
    kh_rules_free(rules);
}

static void check_tests(checker *ck)
{
    const kh_scheme *s = ck->scheme;
    char *dir = join_path(s->dir ? s->dir : ".", "tests");
    if (!dir) {
        ck->oom = true;
        return;
    }
    kh_rulestest_suite suite;
    kh_error e;
    kh_error_clear(&e);
    int rc = kh_rulestest_load(&suite, s, dir, ck->diags, &e);
    if (rc == KH_ENOMEM)
        ck->oom = true;
    else if (rc == KH_ENOTFOUND)
        ADD(ck, true, dir, 0, "no tests directory: add test cases (see docs/rules.md)");
    else if (suite.count == 0 && kh_diag_list_errors(ck->diags) == 0)
        ADD(ck, true, dir, 0, "no test cases (no .yaml file with a case)");
    kh_rulestest_suite_free(&suite);
    free(dir);
}

int kh_rulescheck_run(const char *dir, kh_engine *engine, kh_diag_list *diags,
                      kh_error *err)
{
    kh_scheme *scheme = NULL;
    kh_error e;
    kh_error_clear(&e);
    size_t before = diags->count;
    int rc = kh_scheme_load(&scheme, dir, diags, &e);
    if (rc == KH_ENOMEM)
        return kh_error_set(err, KH_ENOMEM, dir, 0, 0, "out of memory");
    if (rc != KH_OK) {
        if (diags->count == before &&
            kh_diag_list_add(diags, false, e.file[0] ? e.file : dir, e.line, "%s",
                             e.message) != KH_OK)
            return kh_error_set(err, KH_ENOMEM, dir, 0, 0, "out of memory");
        return KH_OK; /* nothing more can be checked without a scheme */
    }
    checker ck;
    memset(&ck, 0, sizeof ck);
    ck.scheme = scheme;
    ck.diags = diags;
    if (kh_scheme_validate(scheme, diags) == KH_ENOMEM)
        ck.oom = true;
    if (!ck.oom)
        check_providers(&ck, engine);
    if (!ck.oom)
        check_compile(&ck);
    if (!ck.oom)
        check_scripts(&ck);
    if (!ck.oom)
        check_tests(&ck);
    names_free(&ck.params_read);
    names_free(&ck.lib_facts);
    names_free(&ck.broken);
    kh_scheme_free(scheme);
    if (ck.oom)
        return kh_error_set(err, KH_ENOMEM, dir, 0, 0, "out of memory");
    return KH_OK;
}

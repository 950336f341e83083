/*
 * rulestest.c — loading a scheme's YAML test cases and running them (see
 * rulestest.h). Test files are read into a tree of located nodes by the
 * shared yamltree.c (syntax errors, duplicate keys and aliases refused with
 * file:line), then each case is checked here by hand: facts, params and
 * expectations are free-form mappings keyed by the scheme, which a libcyaml
 * schema cannot describe — the same reason scheme.c reads `params:` from
 * libyaml events. Fact values are read by the facts files' reader
 * (kh_factsfile_read_value, factsfile.h).
 */
#include "rulestest.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "factsfile.h"
#include "yamltree.h"

#ifndef KH_PRINTF
#if defined(__GNUC__)
#define KH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KH_PRINTF(fmt, args)
#endif
#endif

#define MSG_MAX 1024

/* ---- small helpers -------------------------------------------------------- */

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool grow(void **items, size_t count, size_t size)
{
    /* capacity follows count: 4, 8, 16 … */
    if (count && (count < 4 || (count & (count - 1)) != 0))
        return true;
    size_t cap = count < 4 ? 4 : count * 2;
    void *p = realloc(*items, cap * size);
    if (!p)
        return false;
    *items = p;
    return true;
}

/* ---- loading --------------------------------------------------------------- */

typedef struct load_ctx {
    const kh_scheme *scheme;
    kh_diag_list *diags;
    const char *file;          /* as shown in messages */
    const char *file_dir;      /* reports are relative to it */
    const char *case_name;     /* for messages, or NULL */
    bool bad;                  /* the current case has a problem */
    bool oom;
} load_ctx;

static void problem(load_ctx *lc, int line, const char *fmt, ...) KH_PRINTF(3, 4);
static void problem(load_ctx *lc, int line, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rc;
    if (lc->case_name)
        rc = kh_diag_list_add(lc->diags, false, lc->file, line, "case '%s': %s",
                              lc->case_name, msg);
    else
        rc = kh_diag_list_add(lc->diags, false, lc->file, line, "%s", msg);
    if (rc != KH_OK)
        lc->oom = true;
    lc->bad = true;
}

static const char *describe(const kh_ynode *n, char *buf, size_t size)
{
    return kh_ynode_describe(n, buf, size);
}

/* A plain scalar that reads as a number (no %). */
static bool number_of(const kh_ynode *n, double *out)
{
    bool percent = false;
    return n->kind == KH_YNODE_SCALAR && n->plain &&
           kh_factsfile_number(n->text, out, &percent) && !percent;
}

static bool want_number(load_ctx *lc, const kh_ynode *n, const char *what, double *out)
{
    char buf[64];
    if (number_of(n, out))
        return true;
    problem(lc, n->line, "%s: expected a number, got %s", what, describe(n, buf, sizeof buf));
    return false;
}

/* A non-null, non-empty scalar. */
static const char *want_string(load_ctx *lc, const kh_ynode *n, const char *what)
{
    char buf[64];
    if (n->kind == KH_YNODE_SCALAR && !kh_ynode_is_null(n) && n->len)
        return n->text;
    problem(lc, n->line, "%s: expected a non-empty string, got %s", what,
            describe(n, buf, sizeof buf));
    return NULL;
}

/* Walk a mapping, calling fn for each pair (yamltree refused duplicate and
 * non-scalar keys already). */
typedef void (*pair_fn)(load_ctx *lc, const char *key, const kh_ynode *k,
                        const kh_ynode *v, void *ctx);

static bool each_pair(load_ctx *lc, const kh_ynode *map, const char *what, pair_fn fn,
                      void *ctx)
{
    char buf[64];
    if (map->kind != KH_YNODE_MAPPING) {
        problem(lc, map->line, "%s: expected a mapping, got %s", what,
                describe(map, buf, sizeof buf));
        return false;
    }
    for (size_t i = 0; i + 1 < map->count && !lc->oom; i += 2)
        fn(lc, map->items[i]->text, map->items[i], map->items[i + 1], ctx);
    return true;
}

/* Is key a fact some indicator declares (or one the engine itself uses)? */
static bool known_fact(const kh_scheme *s, const char *key)
{
    if (strcmp(key, "report.year") == 0 || strcmp(key, "report.unit") == 0)
        return true;
    for (size_t i = 0; i < s->indicators_count; i++)
        for (size_t k = 0; k < s->indicators[i].facts_count; k++)
            if (strcmp(s->indicators[i].facts[k], key) == 0)
                return true;
    return false;
}

static void fact_clear(kh_rulestest_fact *f)
{
    free(f->key);
    free(f->text);
    free(f->unit);
    free(f->note);
}

/* facts: / overrides: entries. */
typedef struct facts_ctx {
    kh_rulestest_fact **items;
    size_t *count;
    const char *section;     /* "facts" or "overrides" */
} facts_ctx;

static void on_fact(load_ctx *lc, const char *key, const kh_ynode *k, const kh_ynode *v,
                    void *ctx)
{
    facts_ctx *fc = ctx;
    char what[300];
    snprintf(what, sizeof what, "%s.%s", fc->section, key);
    if (!known_fact(lc->scheme, key)) {
        problem(lc, k->line, "%s: no indicator of scheme %s reads this fact (a typo?)",
                what, lc->scheme->id ? lc->scheme->id : "");
        return;
    }
    bool removal = strcmp(fc->section, "overrides") == 0;
    if (kh_ynode_is_null(v) && !removal)
        return; /* `key: null` in facts: the report does not state it */
    kh_rulestest_fact f;
    memset(&f, 0, sizeof f);
    f.line = k->line;
    f.qualifier = KH_QUAL_EXACT;
    f.basis = KH_BASIS_STATED;
    bool ok = true;
    if (kh_ynode_is_null(v)) {
        f.remove = true;
    } else {
        /* the value as facts files give it; strings copied from the tree */
        kh_fact given;
        kh_error err;
        kh_error_clear(&err);
        memset(&given, 0, sizeof given);
        if (kh_factsfile_read_value(v, lc->file, what, &given, &err) != KH_OK) {
            problem(lc, err.line, "%s", err.message);
            ok = false;
        } else {
            f.type = given.type;
            f.number = given.number;
            f.qualifier = given.qualifier;
            f.basis = given.basis;
            if ((given.text && !(f.text = strdup(given.text))) ||
                (given.unit && !(f.unit = strdup(given.unit))) ||
                (given.note && !(f.note = strdup(given.note))))
                lc->oom = true;
        }
    }
    if (ok && !lc->oom) {
        if (!(f.key = strdup(key)) || !grow((void **)fc->items, *fc->count, sizeof **fc->items))
            lc->oom = true;
        else {
            (*fc->items)[(*fc->count)++] = f;
            return;
        }
    }
    fact_clear(&f);
}

static void on_param(load_ctx *lc, const char *key, const kh_ynode *k, const kh_ynode *v,
                     void *ctx)
{
    kh_rulestest_case *c = ctx;
    char what[300], buf[64];
    snprintf(what, sizeof what, "params.%s", key);
    const kh_param *decl = kh_scheme_param(lc->scheme, key);
    if (!decl) {
        problem(lc, k->line, "%s: scheme.yaml declares no such param", what);
        return;
    }
    if (v->kind != KH_YNODE_SCALAR || kh_ynode_is_null(v)) {
        problem(lc, v->line, "%s: expected a number or text, got %s", what,
                describe(v, buf, sizeof buf));
        return;
    }
    kh_rulestest_param p;
    memset(&p, 0, sizeof p);
    p.line = k->line;
    p.type = number_of(v, &p.number) ? KH_PARAM_NUMBER : KH_PARAM_STRING;
    if (p.type != decl->type) {
        problem(lc, v->line, "%s: scheme.yaml declares a %s, got %s", what,
                decl->type == KH_PARAM_NUMBER ? "number" : "text",
                describe(v, buf, sizeof buf));
        return;
    }
    if ((p.type == KH_PARAM_STRING && !(p.string = strdup(v->text))) ||
        !(p.name = strdup(key)) ||
        !grow((void **)&c->params, c->params_count, sizeof *c->params)) {
        free(p.name);
        free(p.string);
        lc->oom = true;
        return;
    }
    c->params[c->params_count++] = p;
}

static bool indicator_declares(const kh_indicator *ind, const char *key)
{
    for (size_t i = 0; i < ind->facts_count; i++)
        if (strcmp(ind->facts[i], key) == 0)
            return true;
    return false;
}

static void add_missing_key(load_ctx *lc, kh_rulestest_expect *e, const kh_ynode *n,
                            const char *what)
{
    const char *key = want_string(lc, n, what);
    if (!key)
        return;
    if (!indicator_declares(e->indicator, key)) {
        problem(lc, n->line, "%s: '%s' is not a fact of %s", what, key, e->indicator->id);
        return;
    }
    char *copy = strdup(key);
    if (!copy || !grow((void **)&e->missing, e->missing_count, sizeof *e->missing)) {
        free(copy);
        lc->oom = true;
        return;
    }
    e->missing[e->missing_count++] = copy;
}

typedef struct expect_fields {
    kh_rulestest_expect *e;
    const char *what;
} expect_fields;

static void on_expect_field(load_ctx *lc, const char *key, const kh_ynode *k,
                            const kh_ynode *v, void *ctx)
{
    expect_fields *ef = ctx;
    kh_rulestest_expect *e = ef->e;
    char what[640]; /* the parent's label (< 300 bytes) + "." + key */
    snprintf(what, sizeof what, "%s.%s", ef->what, key);
    const char *s;
    if (strcmp(key, "points") == 0) {
        e->has_points = want_number(lc, v, what, &e->points);
    } else if (strcmp(key, "status") == 0) {
        if ((s = want_string(lc, v, what))) {
            static const kh_indicator_status all[] = {KH_STATUS_SCORED, KH_STATUS_MISSING,
                                                      KH_STATUS_ERROR};
            for (size_t i = 0; i < 3; i++)
                if (strcmp(s, kh_status_name(all[i])) == 0) {
                    e->status = all[i];
                    e->has_status = true;
                }
            if (!e->has_status)
                problem(lc, v->line, "%s: '%s' is not scored, missing or error", what, s);
        }
    } else if (strcmp(key, "branch") == 0) {
        if ((s = want_string(lc, v, what)) && !(e->branch = strdup(s)))
            lc->oom = true;
    } else if (strcmp(key, "error") == 0) {
        if ((s = want_string(lc, v, what)) && !(e->error = strdup(s)))
            lc->oom = true;
    } else if (strcmp(key, "missing") == 0) {
        e->has_missing = true;
        if (v->kind == KH_YNODE_SEQUENCE) {
            for (size_t i = 0; i < v->count && !lc->oom; i++)
                add_missing_key(lc, e, v->items[i], what);
        } else if (!kh_ynode_is_null(v)) {
            add_missing_key(lc, e, v, what);
        }
    } else {
        problem(lc, k->line, "%s: unknown key (points, status, branch, missing, error)",
                what);
    }
}

static void expect_clear(kh_rulestest_expect *e)
{
    free(e->branch);
    free(e->error);
    for (size_t i = 0; i < e->missing_count; i++)
        free(e->missing[i]);
    free(e->missing);
}

static void on_expect(load_ctx *lc, const char *key, const kh_ynode *k, const kh_ynode *v,
                      void *ctx)
{
    kh_rulestest_case *c = ctx;
    char what[300];
    snprintf(what, sizeof what, "expect.%s", key);
    if (strcmp(key, "total") == 0) {
        c->has_total = want_number(lc, v, what, &c->total);
        c->total_line = k->line;
        return;
    }
    if (strcmp(key, "grade") == 0) {
        const char *g = want_string(lc, v, what);
        if (!g)
            return;
        bool known = false;
        for (size_t i = 0; i < lc->scheme->grades_count; i++)
            known |= strcmp(lc->scheme->grades[i].name, g) == 0;
        if (!known)
            problem(lc, v->line, "%s: '%s' is not a grade of the scheme", what, g);
        else if (!(c->grade = strdup(g)))
            lc->oom = true;
        c->grade_line = k->line;
        return;
    }
    size_t index = lc->scheme->indicators_count;
    for (size_t i = 0; i < lc->scheme->indicators_count; i++)
        if (strcmp(lc->scheme->indicators[i].id, key) == 0)
            index = i;
    if (index == lc->scheme->indicators_count) {
        problem(lc, k->line, "%s: no indicator %s in the scheme (expect: takes indicator "
                "ids, total and grade)", what, key);
        return;
    }
    kh_rulestest_expect e;
    memset(&e, 0, sizeof e);
    e.indicator = &lc->scheme->indicators[index];
    e.index = index;
    e.line = k->line;
    bool was_bad = lc->bad;
    lc->bad = false;
    if (v->kind == KH_YNODE_SCALAR) {
        e.has_points = want_number(lc, v, what, &e.points);
    } else {
        expect_fields ef = {&e, what};
        if (each_pair(lc, v, what, on_expect_field, &ef) && !e.has_points &&
            !e.has_status && !e.branch && !e.has_missing && !e.error && !lc->bad)
            problem(lc, v->line, "%s: nothing to check (points, status, branch, "
                    "missing or error)", what);
    }
    bool bad = lc->bad;
    lc->bad = lc->bad || was_bad;
    if (bad || lc->oom || !grow((void **)&c->expect, c->expect_count, sizeof *c->expect)) {
        if (!bad)
            lc->oom = true;
        expect_clear(&e);
        return;
    }
    c->expect[c->expect_count++] = e;
}

static void case_clear(kh_rulestest_case *c)
{
    free(c->name);
    free(c->file);
    free(c->report);
    for (size_t i = 0; i < c->facts_count; i++)
        fact_clear(&c->facts[i]);
    free(c->facts);
    for (size_t i = 0; i < c->overrides_count; i++)
        fact_clear(&c->overrides[i]);
    free(c->overrides);
    for (size_t i = 0; i < c->params_count; i++) {
        free(c->params[i].name);
        free(c->params[i].string);
    }
    free(c->params);
    for (size_t i = 0; i < c->adjustments_count; i++)
        free(c->adjustments[i]);
    free(c->adjustments);
    for (size_t i = 0; i < c->expect_count; i++)
        expect_clear(&c->expect[i]);
    free(c->expect);
    free(c->grade);
    memset(c, 0, sizeof *c);
}

static void add_adjustment(load_ctx *lc, kh_rulestest_case *c, const kh_ynode *n)
{
    const char *id = want_string(lc, n, "adjustments");
    if (!id)
        return;
    bool known = false;
    for (size_t i = 0; i < lc->scheme->adjustments_count; i++)
        known |= strcmp(lc->scheme->adjustments[i].id, id) == 0;
    if (!known) {
        problem(lc, n->line, "adjustments: '%s' is not an adjustment event of the scheme", id);
        return;
    }
    char *copy = strdup(id);
    if (!copy || !grow((void **)&c->adjustments, c->adjustments_count,
                       sizeof *c->adjustments)) {
        free(copy);
        lc->oom = true;
        return;
    }
    c->adjustments[c->adjustments_count++] = copy;
}

/* Every field of a case (name was read first, for messages). */
static void on_case_field(load_ctx *lc, const char *key, const kh_ynode *k,
                          const kh_ynode *v, void *ctx)
{
    kh_rulestest_case *c = ctx;
    char buf[64];
    if (strcmp(key, "name") == 0 || strcmp(key, "note") == 0) {
        (void)want_string(lc, v, key);
    } else if (strcmp(key, "year") == 0) {
        double y;
        c->has_year = true;
        if (kh_ynode_is_null(v))
            c->year = 0;
        else if (want_number(lc, v, "year", &y)) {
            if (y < 0 || y > 9999 || y != floor(y))
                problem(lc, v->line, "year: expected a year such as 2024 (or 0 / null "
                        "for unknown), got %s", describe(v, buf, sizeof buf));
            else
                c->year = (int)y;
        }
    } else if (strcmp(key, "facts") == 0) {
        facts_ctx fc = {&c->facts, &c->facts_count, "facts"};
        if (!kh_ynode_is_null(v))
            (void)each_pair(lc, v, "facts", on_fact, &fc);
    } else if (strcmp(key, "overrides") == 0) {
        facts_ctx fc = {&c->overrides, &c->overrides_count, "overrides"};
        (void)each_pair(lc, v, "overrides", on_fact, &fc);
    } else if (strcmp(key, "params") == 0) {
        (void)each_pair(lc, v, "params", on_param, c);
    } else if (strcmp(key, "report") == 0) {
        const char *r = want_string(lc, v, "report");
        if (!r)
            return;
        c->report = r[0] == '/' ? strdup(r) : join_path(lc->file_dir, r);
        if (!c->report) {
            lc->oom = true;
            return;
        }
        struct stat st;
        if (stat(c->report, &st) != 0)
            problem(lc, v->line, "report: %s: %s", c->report, strerror(errno));
        else if (!S_ISREG(st.st_mode))
            problem(lc, v->line, "report: %s: not a regular file", c->report);
    } else if (strcmp(key, "adjustments") == 0) {
        if (v->kind == KH_YNODE_SEQUENCE) {
            for (size_t i = 0; i < v->count && !lc->oom; i++)
                add_adjustment(lc, c, v->items[i]);
        } else {
            add_adjustment(lc, c, v);
        }
    } else if (strcmp(key, "tolerance") == 0) {
        if (want_number(lc, v, "tolerance", &c->tolerance) && c->tolerance < 0)
            problem(lc, v->line, "tolerance: must not be negative");
    } else if (strcmp(key, "expect") == 0) {
        if (each_pair(lc, v, "expect", on_expect, c) && !c->expect_count &&
            !c->has_total && !c->grade && !lc->bad)
            problem(lc, v->line, "expect: nothing to check");
    } else {
        problem(lc, k->line, "unknown key '%s' (name, note, year, facts, report, "
                "overrides, params, adjustments, tolerance, expect)", key);
    }
}

static void load_case(load_ctx *lc, const kh_ynode *n, kh_rulestest_suite *suite,
                      size_t index)
{
    char buf[64];
    lc->bad = false;
    lc->case_name = NULL;
    if (n->kind != KH_YNODE_MAPPING) {
        problem(lc, n->line, "case %zu: expected a mapping (name, facts, expect …), got %s",
                index + 1, describe(n, buf, sizeof buf));
        return;
    }
    int name_line = 0;
    const kh_ynode *name = kh_ynode_get(n, "name", &name_line);
    if (!name || name->kind != KH_YNODE_SCALAR || kh_ynode_is_null(name) || !name->len) {
        problem(lc, n->line, "case %zu: no name (every case needs `name:`)", index + 1);
        return;
    }
    lc->case_name = name->text;
    for (size_t i = 0; i < suite->count; i++)
        if (strcmp(suite->cases[i].name, lc->case_name) == 0) {
            problem(lc, name_line, "name given twice (first at %s:%d)",
                    suite->cases[i].file, suite->cases[i].line);
            return;
        }
    kh_rulestest_case c;
    memset(&c, 0, sizeof c);
    c.tolerance = KH_RULESTEST_TOLERANCE;
    c.line = n->line;
    (void)each_pair(lc, n, "case", on_case_field, &c);
    if (!lc->bad && c.report && c.facts_count)
        problem(lc, c.line, "give facts or a report, not both (use overrides: to change "
                "a report's facts)");
    if (!lc->bad && !lc->oom && !kh_ynode_get(n, "expect", NULL))
        problem(lc, c.line, "no expect: (what the case checks)");
    if (!lc->bad && !lc->oom) {
        c.name = strdup(lc->case_name);
        c.file = strdup(lc->file);
        if (!c.name || !c.file ||
            !grow((void **)&suite->cases, suite->count, sizeof *suite->cases))
            lc->oom = true;
        else {
            suite->cases[suite->count++] = c;
            return;
        }
    }
    case_clear(&c);
}

static int read_file(const char *path, char **out, size_t *len, kh_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return kh_error_set(err, errno == ENOENT ? KH_ENOTFOUND : KH_EIO, path, 0, 0,
                            "cannot open: %s", strerror(errno));
    char *buf = malloc(KH_RULESTEST_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t n = fread(buf, 1, KH_RULESTEST_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > KH_RULESTEST_FILE_MAX) {
        free(buf);
        return kh_error_set(err, KH_EIO, path, 0, 0,
                            bad ? "read error" : "larger than 4 MiB");
    }
    *out = buf;
    *len = n;
    return KH_OK;
}

static int load_file(kh_rulestest_suite *suite, const kh_scheme *scheme,
                     const char *dir, const char *name, kh_diag_list *diags)
{
    char *path = join_path(dir, name);
    if (!path)
        return KH_ENOMEM;
    load_ctx lc;
    memset(&lc, 0, sizeof lc);
    lc.scheme = scheme;
    lc.diags = diags;
    lc.file = path;
    lc.file_dir = dir;
    char *buf = NULL;
    size_t len = 0;
    kh_ytree *tree = NULL;
    kh_error e;
    kh_error_clear(&e);
    int rc = read_file(path, &buf, &len, &e);
    if (rc == KH_OK)
        rc = kh_ytree_parse(&tree, path, buf, len, NULL, &e);
    if (rc == KH_ENOMEM) {
        free(buf);
        free(path);
        return rc;
    }
    if (rc != KH_OK) {
        problem(&lc, e.line, "%s", e.message);
    } else {
        const kh_ynode *root = kh_ytree_root(tree);
        if (!root)
            problem(&lc, 1, "empty file (expected a list of cases)");
        else if (root->kind != KH_YNODE_SEQUENCE)
            problem(&lc, root->line, "expected a list of cases (- name: …), got %s",
                    root->kind == KH_YNODE_MAPPING ? "a mapping" : "a scalar");
        else
            for (size_t i = 0; i < root->count && !lc.oom; i++)
                load_case(&lc, root->items[i], suite, i);
    }
    kh_ytree_free(tree);
    free(buf);
    free(path);
    suite->files++;
    return lc.oom ? KH_ENOMEM : KH_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_test_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' &&
           ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
            (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

int kh_rulestest_load(kh_rulestest_suite *out, const kh_scheme *scheme,
                      const char *dir, kh_diag_list *diags, kh_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(dir);
    if (!d)
        return kh_error_set(err, KH_ENOTFOUND, dir, 0, 0, "cannot open the tests "
                            "directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0;
    int rc = KH_OK;
    struct dirent *de;
    while (rc == KH_OK && (de = readdir(d))) {
        if (!is_test_file(de->d_name))
            continue;
        if (!grow((void **)&names, n, sizeof *names) || !(names[n] = strdup(de->d_name)))
            rc = KH_ENOMEM;
        else
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; rc == KH_OK && i < n; i++)
        rc = load_file(out, scheme, dir, names[i], diags);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != KH_OK)
        return kh_error_set(err, rc, dir, 0, 0, "out of memory");
    return KH_OK;
}

void kh_rulestest_suite_free(kh_rulestest_suite *suite)
{
    if (!suite)
        return;
    for (size_t i = 0; i < suite->count; i++)
        case_clear(&suite->cases[i]);
    free(suite->cases);
    memset(suite, 0, sizeof *suite);
}

bool kh_rulestest_needs_engine(const kh_rulestest_suite *suite)
{
    for (size_t i = 0; suite && i < suite->count; i++)
        if (suite->cases[i].report)
            return true;
    return false;
}

/* ---- running ----------------------------------------------------------------- */

typedef struct extracted {
    char *path;
    kh_factset *facts;   /* NULL when it failed */
    char *error;
} extracted;

struct kh_rulestest_runner {
    kh_scheme *scheme;       /* borrowed */
    kh_rules *rules;         /* borrowed */
    kh_engine *engine;       /* borrowed; may be NULL */
    kh_coverage *cov;        /* borrowed; may be NULL */
    extracted *reports;      /* owned: each report extracted once */
    size_t reports_count;
};

int kh_rulestest_runner_new(kh_rulestest_runner **out, kh_scheme *scheme,
                            kh_rules *rules, kh_engine *engine, kh_coverage *cov)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return KH_ENOMEM;
    (*out)->scheme = scheme;
    (*out)->rules = rules;
    (*out)->engine = engine;
    (*out)->cov = cov;
    return KH_OK;
}

void kh_rulestest_runner_free(kh_rulestest_runner *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->reports_count; i++) {
        free(r->reports[i].path);
        kh_factset_free(r->reports[i].facts);
        free(r->reports[i].error);
    }
    free(r->reports);
    free(r);
}

/* The extracted facts of path (cached), or NULL with *error set. */
static int extract(kh_rulestest_runner *r, const char *path, const kh_factset **facts,
                   const char **error)
{
    for (size_t i = 0; i < r->reports_count; i++)
        if (strcmp(r->reports[i].path, path) == 0) {
            *facts = r->reports[i].facts;
            *error = r->reports[i].error;
            return KH_OK;
        }
    if (!grow((void **)&r->reports, r->reports_count, sizeof *r->reports))
        return KH_ENOMEM;
    extracted x = {strdup(path), NULL, NULL};
    if (!x.path)
        return KH_ENOMEM;
    char msg[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 64];
    msg[0] = '\0';
    if (!r->engine) {
        snprintf(msg, sizeof msg, "%s: no plugins to extract it with", path);
    } else {
        kh_document_options opts = KH_DOCUMENT_OPTIONS_INIT;
        kh_document *doc = NULL;
        kh_error e;
        kh_error_clear(&e);
        if (kh_document_load_file(&doc, path, &opts, &e) != KH_OK)
            snprintf(msg, sizeof msg, "%s: %s", path, e.message);
        else if (kh_engine_extract(r->engine, doc, &x.facts) != KH_OK)
            snprintf(msg, sizeof msg, "%s: extraction failed (out of memory)", path);
        kh_document_free(doc);
    }
    if (msg[0] && !(x.error = strdup(msg))) {
        free(x.path);
        kh_factset_free(x.facts);
        return KH_ENOMEM;
    }
    r->reports[r->reports_count++] = x;
    *facts = x.facts;
    *error = x.error;
    return KH_OK;
}

static void to_fact(kh_fact *f, const kh_rulestest_fact *g, kh_fact_origin origin)
{
    memset(f, 0, sizeof *f);
    f->key = g->key;
    f->type = g->type;
    f->number = g->number;
    f->text = g->text;
    f->unit = g->unit;
    f->note = g->note;
    f->qualifier = g->qualifier;
    f->basis = g->basis;
    f->confidence = 100;
    f->origin = origin;
}

static bool removed(const kh_rulestest_case *c, const char *key)
{
    for (size_t i = 0; i < c->overrides_count; i++)
        if (c->overrides[i].remove && strcmp(c->overrides[i].key, key) == 0)
            return true;
    return false;
}

/* The facts the case scores: given, or extracted (copied when overrides
 * change them). *owned is set when the caller must free the set. */
static int case_facts(kh_rulestest_runner *r, const kh_rulestest_case *c,
                      const kh_factset **facts, kh_factset **owned, const char **error)
{
    *facts = NULL;
    *owned = NULL;
    *error = NULL;
    const kh_factset *base = NULL;
    if (c->report) {
        int rc = extract(r, c->report, &base, error);
        if (rc != KH_OK || *error)
            return rc;
        if (!c->overrides_count) {
            *facts = base;
            return KH_OK;
        }
    }
    kh_factset *set = NULL;
    if (kh_factset_new(&set) != KH_OK)
        return KH_ENOMEM;
    int rc = KH_OK;
    for (size_t i = 0; base && rc == KH_OK && i < kh_factset_count(base); i++) {
        const kh_fact_entry *e = kh_factset_at(base, i);
        if (removed(c, e->key))
            continue;
        for (size_t k = 0; rc == KH_OK && k < e->count; k++)
            rc = kh_factset_add(set, &e->facts[k]);
    }
    for (size_t i = 0; rc == KH_OK && i < c->facts_count; i++) {
        kh_fact f;
        to_fact(&f, &c->facts[i], KH_ORIGIN_GIVEN);
        if (!removed(c, f.key))
            rc = kh_factset_add(set, &f);
    }
    for (size_t i = 0; rc == KH_OK && i < c->overrides_count; i++) {
        if (c->overrides[i].remove)
            continue;
        kh_fact f;
        to_fact(&f, &c->overrides[i], KH_ORIGIN_OVERRIDE);
        rc = kh_factset_override(set, &f);
    }
    if (rc != KH_OK) {
        kh_factset_free(set);
        return KH_ENOMEM;
    }
    *facts = *owned = set;
    return KH_OK;
}

/* ---- comparing ---------------------------------------------------------------- */

typedef struct text {
    char s[2048];
    size_t n;
} text;

static void put(text *t, const char *fmt, ...) KH_PRINTF(2, 3);
static void put(text *t, const char *fmt, ...)
{
    if (t->n >= sizeof t->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n = t->n + (size_t)k < sizeof t->s ? t->n + (size_t)k : sizeof t->s - 1;
}

static void put_keys(text *t, char *const *keys, size_t n)
{
    put(t, "待核查 [");
    for (size_t i = 0; i < n; i++)
        put(t, "%s%s", i ? ", " : "", keys[i]);
    put(t, "]");
}

static bool same_keys(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t k = 0; k < nb && !found; k++)
            found = strcmp(a[i], b[k]) == 0;
        if (!found)
            return false;
    }
    return true;
}

static bool close_enough(double actual, double expected, double tol)
{
    return fabs(actual - expected) <= tol + 1e-9;
}

static int add_failure(kh_rulestest_outcome *o, const char *message,
                       const kh_rulestest_expect *e, const kh_indicator_result *ir)
{
    if (!grow((void **)&o->failures, o->failures_count, sizeof *o->failures))
        return KH_ENOMEM;
    kh_rulestest_failure *f = &o->failures[o->failures_count];
    if (!(f->message = strdup(message)))
        return KH_ENOMEM;
    f->expect = e;
    f->actual = ir;
    o->failures_count++;
    return KH_OK;
}

static int add_note(kh_rulestest_outcome *o, const char *message)
{
    if (!grow((void **)&o->notes, o->notes_count, sizeof *o->notes))
        return KH_ENOMEM;
    if (!(o->notes[o->notes_count] = strdup(message)))
        return KH_ENOMEM;
    o->notes_count++;
    return KH_OK;
}

/* " — branch 'rate' at fz01.lua:14" or " — fz01.lua:12: message". */
static void put_where(text *t, const kh_indicator_result *ir)
{
    const char *script = ir->indicator && ir->indicator->script ? ir->indicator->script : "?";
    if (ir->status == KH_STATUS_ERROR) {
        put(t, " — %s", ir->error ? ir->error : "error");
        return;
    }
    if (ir->branch)
        put(t, " — branch '%s' at %s", ir->branch, script);
    else
        put(t, " — no branch, at %s", script);
    if (ir->line > 0)
        put(t, ":%d", ir->line);
}

/* "FZ-01 expected 13.48 (scored), got 14.00 (scored) — branch 'rate' at
 * fz01.lua:14": expected points and status always (as context), branch,
 * 待核查 keys and error only when they differ. */
static int compare_indicator(kh_rulestest_outcome *o, const kh_rulestest_case *c,
                             const kh_rulestest_expect *e, const kh_indicator_result *ir)
{
    bool bad_points = e->has_points && !close_enough(ir->points, e->points, c->tolerance);
    bool bad_status = e->has_status && ir->status != e->status;
    bool bad_branch = e->branch && (!ir->branch || strcmp(ir->branch, e->branch) != 0);
    bool bad_missing = e->has_missing &&
                       !same_keys(e->missing, e->missing_count, ir->missing, ir->missing_count);
    bool bad_error = e->error && (!ir->error || !strstr(ir->error, e->error));
    if (!bad_points && !bad_status && !bad_branch && !bad_missing && !bad_error)
        return KH_OK;
    /* An unexpected error explains a missing branch and keys: show the
     * points and status with the error message only. */
    if (ir->status == KH_STATUS_ERROR && !e->error && (e->has_points || e->has_status))
        bad_branch = bad_missing = false;
    text t = {{0}, 0};
    put(&t, "%s expected", e->indicator->id);
    if (e->has_points)
        put(&t, " %.2f", e->points);
    if (e->has_status)
        put(&t, e->has_points ? " (%s)" : " %s", kh_status_name(e->status));
    if (bad_branch)
        put(&t, " branch '%s'", e->branch);
    if (bad_missing) {
        put(&t, " ");
        put_keys(&t, e->missing, e->missing_count);
    }
    if (bad_error)
        put(&t, " error containing '%s'", e->error);
    put(&t, ", got %.2f (%s)", ir->points, kh_status_name(ir->status));
    if (bad_missing) {
        put(&t, " ");
        put_keys(&t, ir->missing, ir->missing_count);
    }
    put_where(&t, ir);
    return add_failure(o, t.s, e, ir);
}

static bool checked(const kh_rulestest_case *c, size_t index)
{
    for (size_t i = 0; i < c->expect_count; i++)
        if (c->expect[i].index == index)
            return true;
    return false;
}

static int compare(kh_rulestest_outcome *o, const kh_rulestest_case *c,
                   const kh_report_score *s)
{
    int rc = KH_OK;
    for (size_t i = 0; rc == KH_OK && i < c->expect_count; i++) {
        const kh_rulestest_expect *e = &c->expect[i];
        if (e->index < s->indicators_count)
            rc = compare_indicator(o, c, e, &s->indicators[e->index]);
    }
    text t = {{0}, 0};
    if (rc == KH_OK && c->has_total && !close_enough(s->total, c->total, c->tolerance)) {
        put(&t, "total expected %.2f, got %.2f (grade %s)", c->total, s->total,
            s->grade ? s->grade : "none");
        rc = add_failure(o, t.s, NULL, NULL);
    }
    if (rc == KH_OK && c->grade && (!s->grade || strcmp(s->grade, c->grade) != 0)) {
        t.n = 0;
        put(&t, "grade expected %s, got %s (total %.2f)", c->grade,
            s->grade ? s->grade : "none", s->total);
        rc = add_failure(o, t.s, NULL, NULL);
    }
    for (size_t i = 0; rc == KH_OK && i < s->indicators_count; i++) {
        const kh_indicator_result *ir = &s->indicators[i];
        if (ir->status != KH_STATUS_ERROR || checked(c, i))
            continue;
        t.n = 0;
        put(&t, "%s raised (not checked by this case): %s",
            ir->indicator ? ir->indicator->id : "?", ir->error ? ir->error : "error");
        rc = add_note(o, t.s);
    }
    return rc;
}

/* ---- one case ------------------------------------------------------------------- */

typedef struct saved_param {
    kh_param *param;     /* borrowed from the scheme */
    kh_param_type type;
    double number;
    char *string;
} saved_param;

static void swap_params(kh_scheme *scheme, const kh_rulestest_case *c, saved_param *saved)
{
    for (size_t i = 0; i < c->params_count; i++) {
        saved[i].param = NULL;
        for (size_t k = 0; k < scheme->params_count; k++)
            if (strcmp(scheme->params[k].name, c->params[i].name) == 0)
                saved[i].param = &scheme->params[k];
        kh_param *p = saved[i].param;
        if (!p)
            continue;
        saved[i].type = p->type;
        saved[i].number = p->number;
        saved[i].string = p->string;
        p->type = c->params[i].type;
        p->number = c->params[i].number;
        p->string = c->params[i].string; /* borrowed until restore */
    }
}

static void restore_params(const kh_rulestest_case *c, saved_param *saved)
{
    for (size_t i = c->params_count; i > 0; i--) {
        kh_param *p = saved[i - 1].param;
        if (!p)
            continue;
        p->type = saved[i - 1].type;
        p->number = saved[i - 1].number;
        p->string = saved[i - 1].string;
    }
}

void kh_rulestest_outcome_free(kh_rulestest_outcome *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->failures_count; i++)
        free(o->failures[i].message);
    free(o->failures);
    for (size_t i = 0; i < o->notes_count; i++)
        free(o->notes[i]);
    free(o->notes);
    kh_report_score_free(o->score);
    memset(o, 0, sizeof *o);
}

int kh_rulestest_run(kh_rulestest_runner *r, const kh_rulestest_case *c,
                     kh_rulestest_outcome *out, kh_error *err)
{
    memset(out, 0, sizeof *out);
    const kh_factset *facts = NULL;
    kh_factset *owned = NULL;
    const char *problem_text = NULL;
    saved_param *saved = NULL;
    int rc = case_facts(r, c, &facts, &owned, &problem_text);
    if (rc != KH_OK)
        goto done;
    if (problem_text) {
        char msg[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 64];
        snprintf(msg, sizeof msg, "report %s", problem_text);
        rc = add_failure(out, msg, NULL, NULL);
        goto done;
    }
    int year = c->has_year ? c->year : 0;
    const kh_fact *y = facts ? kh_factset_get(facts, "report.year") : NULL;
    if (!c->has_year && y && y->type == KH_VALUE_NUMBER && y->number > 0 && y->number < 10000)
        year = (int)y->number;
    const kh_fact *u = facts ? kh_factset_get(facts, "report.unit") : NULL;
    const char *unit = u && u->type == KH_VALUE_TEXT ? u->text : NULL;

    if (c->params_count && !(saved = calloc(c->params_count, sizeof *saved))) {
        rc = KH_ENOMEM;
        goto done;
    }
    swap_params(r->scheme, c, saved);
    kh_error e;
    kh_error_clear(&e);
    rc = kh_rules_score(r->rules, facts, c->report ? c->report : c->file, unit, year,
                        &out->score, &e);
    restore_params(c, saved);
    if (rc != KH_OK)
        goto done;
    if (c->adjustments_count &&
        kh_report_score_adjust(out->score, r->scheme, (const char *const *)c->adjustments,
                               c->adjustments_count, &e) != KH_OK) {
        char msg[KH_ERROR_MSG_MAX + 32];
        snprintf(msg, sizeof msg, "adjustments: %s", e.message);
        if ((rc = add_failure(out, msg, NULL, NULL)) != KH_OK)
            goto done;
    }
    if (r->cov)
        kh_coverage_add_score(r->cov, out->score);
    rc = compare(out, c, out->score);
done:
    free(saved);
    kh_factset_free(owned);
    out->passed = rc == KH_OK && out->failures_count == 0;
    if (rc != KH_OK)
        return kh_error_set(err, KH_ENOMEM, c->file, c->line, 0,
                            "case '%s': out of memory", c->name);
    return KH_OK;
}

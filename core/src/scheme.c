/*
 * scheme.c — load and validate a scoring scheme: scheme.yaml, read through a
 * libcyaml schema into private structs and copied into the public kh_scheme,
 * plus the Lua scripts beside it (checked to exist and fingerprinted).
 *
 * Loading makes three passes over one in-memory copy of the file:
 *   1. libyaml events build a small node tree. Syntax errors, a file over
 *      1 MiB, nesting over 32 levels, huge scalars and alias bombs (anchors
 *      that expand past KH_SCHEME_NODES_MAX nodes) are refused here.
 *   2. The tree is checked against the libcyaml schema below, which is the
 *      one description of the format: unknown, missing and duplicate keys,
 *      wrong node kinds and every scalar, parsed strictly (libcyaml 1.3.1
 *      itself reads "3abc" as 3, "maybe" as true and "-5" as a huge
 *      unsigned). `params`, a free-form mapping libcyaml cannot describe, is
 *      read from the tree. Every problem is collected, with line and key.
 *   3. libcyaml loads the checked text into the private cfg_* structs. Its
 *      own errors, captured through log_fn (never printed), are mapped to a
 *      line through the tree's path -> line map.
 * Then the public kh_scheme is built — every string copied, the whole of it
 * owned by the caller and freed by kh_scheme_free() — and the cfg_* data is
 * freed with cyaml_free() and the same schema.
 */
#include "kaohe/scheme.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "facts_internal.h" /* kh_facts__key_ok */
#include "scheme_internal.h"
#include "sha256.h"

#ifndef KH_PRINTF /* kaohe/plugin.h (through kaohe/facts.h) has it too */
#if defined(__GNUC__)
#define KH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KH_PRINTF(fmt, args)
#endif
#endif

#define PATH_BUF 512                    /* a YAML path in a message */
#define DEFAULT_INSTRUCTIONS 10000000UL
#define DEFAULT_MEMORY ((size_t)16 * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS 2000u
#define MIB ((uint64_t)1024 * 1024)
#define POINTS_TOLERANCE 1e-9
#define PARAMS_MAX 1000

/* ------------------------------------------------------------------------ */
/* The YAML format: private structs libcyaml fills, and their schema.       */

typedef struct cfg_grade {
    char *name;
    double min;
} cfg_grade;

typedef struct cfg_limits {
    uint64_t *instructions;  /* NULL when absent */
    uint64_t *memory_mb;     /* NULL when absent */
    unsigned *timeout_ms;    /* NULL when absent */
} cfg_limits;

typedef struct cfg_event {
    char *id;
    char *name;
    double points;
} cfg_event;

typedef struct cfg_adjustments {
    double bonus_cap;
    double penalty_cap;
    cfg_event *events;
    unsigned events_count;
} cfg_adjustments;

typedef struct cfg_indicator {
    char *id;
    char *name;
    char *category;          /* NULL when absent */
    double max;
    bool monitor;
    char **facts;
    unsigned facts_count;
    char *script;
} cfg_indicator;

typedef struct cfg_scheme {
    char *id;
    char *name;
    char *version;
    double total;
    kh_missing_policy missing;
    cfg_grade *grades;
    unsigned grades_count;
    cfg_limits *limits;            /* NULL when absent */
    cfg_adjustments *adjustments;  /* NULL when absent */
    cfg_indicator *indicators;
    unsigned indicators_count;
} cfg_scheme;

/* missing: zero | half | exclude */
static const cyaml_strval_t missing_values[] = {
    {"zero", KH_MISSING_ZERO},
    {"half", KH_MISSING_HALF},
    {"exclude", KH_MISSING_EXCLUDE},
};

/* grades[]: one 等次 */
static const cyaml_schema_field_t grade_fields[] = {
    /* name → cfg_grade.name (优秀) */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, cfg_grade, name, 1,
                           CYAML_UNLIMITED),
    /* min → cfg_grade.min (lowest total that earns it) */
    CYAML_FIELD_FLOAT("min", CYAML_FLAG_DEFAULT, cfg_grade, min),
    CYAML_FIELD_END};

static const cyaml_schema_value_t grade_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cfg_grade, grade_fields)};

/* limits: per indicator run */
static const cyaml_schema_field_t limits_fields[] = {
    /* instructions → cfg_limits.instructions (Lua VM instructions) */
    CYAML_FIELD_UINT_PTR("instructions", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         cfg_limits, instructions),
    /* memory_mb → cfg_limits.memory_mb (MiB for one Lua state) */
    CYAML_FIELD_UINT_PTR("memory_mb", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         cfg_limits, memory_mb),
    /* timeout_ms → cfg_limits.timeout_ms (wall clock) */
    CYAML_FIELD_UINT_PTR("timeout_ms", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         cfg_limits, timeout_ms),
    CYAML_FIELD_END};

/* adjustments.events[]: one 加分/扣分 event */
static const cyaml_schema_field_t event_fields[] = {
    /* id → cfg_event.id */
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, cfg_event, id, 1,
                           CYAML_UNLIMITED),
    /* name → cfg_event.name */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, cfg_event, name, 1,
                           CYAML_UNLIMITED),
    /* points → cfg_event.points (bonus > 0, penalty < 0) */
    CYAML_FIELD_FLOAT("points", CYAML_FLAG_DEFAULT, cfg_event, points),
    CYAML_FIELD_END};

static const cyaml_schema_value_t event_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cfg_event, event_fields)};

/* adjustments: caps and the events an office may apply */
static const cyaml_schema_field_t adjustments_fields[] = {
    /* bonus_cap → cfg_adjustments.bonus_cap (default 0) */
    CYAML_FIELD_FLOAT("bonus_cap", CYAML_FLAG_OPTIONAL, cfg_adjustments,
                      bonus_cap),
    /* penalty_cap → cfg_adjustments.penalty_cap (positive; default 0) */
    CYAML_FIELD_FLOAT("penalty_cap", CYAML_FLAG_OPTIONAL, cfg_adjustments,
                      penalty_cap),
    /* events → cfg_adjustments.events / events_count */
    CYAML_FIELD_SEQUENCE("events", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         cfg_adjustments, events, &event_schema, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END};

/* indicators[].facts[]: one fact key */
static const cyaml_schema_value_t fact_schema = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CYAML_UNLIMITED)};

/* indicators[]: one scored (or monitored) indicator */
static const cyaml_schema_field_t indicator_fields[] = {
    /* id → cfg_indicator.id (FZ-01) */
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, cfg_indicator, id, 1,
                           CYAML_UNLIMITED),
    /* name → cfg_indicator.name */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, cfg_indicator, name, 1,
                           CYAML_UNLIMITED),
    /* category → cfg_indicator.category (optional) */
    CYAML_FIELD_STRING_PTR("category", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           cfg_indicator, category, 1, CYAML_UNLIMITED),
    /* max → cfg_indicator.max (points; 0 for a monitor) */
    CYAML_FIELD_FLOAT("max", CYAML_FLAG_DEFAULT, cfg_indicator, max),
    /* monitor → cfg_indicator.monitor (default false) */
    CYAML_FIELD_BOOL("monitor", CYAML_FLAG_OPTIONAL, cfg_indicator, monitor),
    /* facts → cfg_indicator.facts / facts_count */
    CYAML_FIELD_SEQUENCE("facts", CYAML_FLAG_POINTER, cfg_indicator, facts,
                         &fact_schema, 0, CYAML_UNLIMITED),
    /* script → cfg_indicator.script (relative to the scheme directory) */
    CYAML_FIELD_STRING_PTR("script", CYAML_FLAG_POINTER, cfg_indicator, script,
                           1, CYAML_UNLIMITED),
    CYAML_FIELD_END};

static const cyaml_schema_value_t indicator_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cfg_indicator, indicator_fields)};

/* the scheme document */
static const cyaml_schema_field_t scheme_fields[] = {
    /* id → cfg_scheme.id */
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, cfg_scheme, id, 1,
                           CYAML_UNLIMITED),
    /* name → cfg_scheme.name */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, cfg_scheme, name, 1,
                           CYAML_UNLIMITED),
    /* version → cfg_scheme.version */
    CYAML_FIELD_STRING_PTR("version", CYAML_FLAG_POINTER, cfg_scheme, version,
                           1, CYAML_UNLIMITED),
    /* total → cfg_scheme.total */
    CYAML_FIELD_FLOAT("total", CYAML_FLAG_DEFAULT, cfg_scheme, total),
    /* missing → cfg_scheme.missing (default zero) */
    CYAML_FIELD_ENUM("missing", CYAML_FLAG_OPTIONAL | CYAML_FLAG_STRICT,
                     cfg_scheme, missing, missing_values,
                     CYAML_ARRAY_LEN(missing_values)),
    /* grades → cfg_scheme.grades / grades_count */
    CYAML_FIELD_SEQUENCE("grades", CYAML_FLAG_POINTER, cfg_scheme, grades,
                         &grade_schema, 0, CYAML_UNLIMITED),
    /* params → (read from the libyaml tree: free-form name → number|string) */
    CYAML_FIELD_IGNORE("params", CYAML_FLAG_OPTIONAL),
    /* limits → cfg_scheme.limits (optional) */
    CYAML_FIELD_MAPPING_PTR("limits", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            cfg_scheme, limits, limits_fields),
    /* adjustments → cfg_scheme.adjustments (optional) */
    CYAML_FIELD_MAPPING_PTR("adjustments",
                            CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, cfg_scheme,
                            adjustments, adjustments_fields),
    /* indicators → cfg_scheme.indicators / indicators_count */
    CYAML_FIELD_SEQUENCE("indicators", CYAML_FLAG_POINTER, cfg_scheme,
                         indicators, &indicator_schema, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END};

static const cyaml_schema_value_t scheme_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, cfg_scheme, scheme_fields)};

/* The most fields any mapping above has (checked by check_mapping). */
#define FIELDS_MAX 16

/* A loaded scheme: the public struct first, so the pointer handed out is
 * also the pointer kh_scheme_free() frees; then what validation needs to
 * name lines that kh_scheme has no member for. */
typedef struct kh_scheme__loaded {
    kh_scheme pub;
    kh_scheme__locmap locs;  /* owned: YAML path -> line */
    size_t *grade_order;     /* owned: YAML index of pub.grades[i] */
} kh_scheme__loaded;

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */

/* Items grow geometrically; the capacity follows from count (8, 16, 32…),
 * so the public struct needs no capacity member. */
static int diag_push(kh_diag_list *list, const kh_diag *diag)
{
    size_t n = list->count;
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 8 : n * 2;
        kh_diag *items = realloc(list->items, cap * sizeof *items);
        if (!items)
            return KH_ENOMEM;
        list->items = items;
    }
    list->items[list->count++] = *diag;
    return KH_OK;
}

KH_PRINTF(6, 0)
static int diag_vadd(kh_diag_list *list, bool warning, int code,
                     const char *file, int line, const char *fmt, va_list ap)
{
    char msg[KH_ERROR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    kh_diag diag;
    diag.warning = warning;
    kh_error_set(&diag.where, code, file, line, 0, "%s", msg);
    return diag_push(list, &diag);
}

void kh_diag_list_free(kh_diag_list *list)
{
    if (!list)
        return;
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

int kh_diag_list_add(kh_diag_list *list, bool warning, const char *file,
                     int line, const char *fmt, ...)
{
    if (!list || !fmt)
        return KH_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    int rc = diag_vadd(list, warning, KH_ECONFIG, file, line, fmt, ap);
    va_end(ap);
    return rc;
}

size_t kh_diag_list_errors(const kh_diag_list *list)
{
    size_t n = 0;
    if (!list)
        return 0;
    for (size_t i = 0; i < list->count; i++)
        if (!list->items[i].warning)
            n++;
    return n;
}

/* Problems found while loading one file. */
typedef struct load_ctx {
    const char *file;    /* the scheme.yaml named in messages; borrowed */
    kh_diag_list diags;  /* owned until handed to the caller */
    size_t errors;
    bool full;           /* KH_SCHEME_DIAGS_MAX reached: later ones dropped */
    bool oom;
} load_ctx;

KH_PRINTF(4, 0)
static void vproblem(load_ctx *lc, int code, int line, const char *fmt,
                     va_list ap)
{
    if (lc->full)
        return;
    if (lc->errors == KH_SCHEME_DIAGS_MAX) {
        lc->full = true;
        if (kh_diag_list_add(&lc->diags, false, lc->file, line,
                             "too many problems; stopped after %d",
                             KH_SCHEME_DIAGS_MAX) != KH_OK)
            lc->oom = true;
        return;
    }
    if (diag_vadd(&lc->diags, false, code, lc->file, line, fmt, ap) != KH_OK)
        lc->oom = true;
    else
        lc->errors++;
}

/* An error in the YAML: "<key>: <problem>" at line. */
KH_PRINTF(3, 4)
static void problem(load_ctx *lc, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(lc, KH_ECONFIG, line, fmt, ap);
    va_end(ap);
}

/* An error that is not about the YAML's content (not found, I/O). */
KH_PRINTF(4, 5)
static void problem_code(load_ctx *lc, int code, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(lc, code, line, fmt, ap);
    va_end(ap);
}

/* "<path>: " or "" for the top level, to prefix a message. */
static const char *sep(const char *path)
{
    return path[0] ? ": " : "";
}

/* Append s to out (holding used bytes), cutting what does not fit: a path
 * in a message may be shortened, never overrun. Returns the new length. */
static size_t append(char *out, size_t size, size_t used, const char *s)
{
    if (used + 1 >= size)
        return used;
    size_t len = strlen(s);
    if (len > size - used - 1)
        len = size - used - 1;
    memcpy(out + used, s, len);
    out[used + len] = '\0';
    return used + len;
}

/* "parent.key" (or "key" at the top level) into out, which must not be
 * parent. */
static void path_key(char *out, size_t size, const char *parent,
                     const char *key)
{
    out[0] = '\0';
    size_t used = append(out, size, 0, parent);
    if (parent[0])
        used = append(out, size, used, ".");
    append(out, size, used, key);
}

/* "parent[i]" into out, which must not be parent. */
static void path_index(char *out, size_t size, const char *parent, size_t i)
{
    char index[32];
    snprintf(index, sizeof index, "[%zu]", i);
    out[0] = '\0';
    append(out, size, append(out, size, 0, parent), index);
}

/* ------------------------------------------------------------------------ */
/* Pass 1: the node tree                                                    */

typedef enum node_kind { NODE_SCALAR, NODE_SEQUENCE, NODE_MAPPING } node_kind;

typedef struct node {
    node_kind kind;
    int line;              /* 1-based line where the node starts */
    char *text;            /* scalar: its bytes, NUL-terminated; owned */
    size_t len;
    bool plain;            /* scalar written without quotes */
    struct node **items;   /* sequence entries, or key, value, key, value…;
                              borrowed from the tree (an alias shares the
                              anchored node) */
    size_t count;
    size_t cap;
    uint64_t weight;       /* nodes once aliases are expanded, self included */
    int height;            /* collection levels once expanded (scalar 0) */
    struct node *next;     /* the tree's list of every node it allocated */
} node;

typedef struct anchor {
    char *name;    /* owned */
    node *target;  /* borrowed */
} anchor;

typedef struct tree {
    node *root;         /* borrowed from all; NULL for an empty stream */
    node *all;          /* every node; owned */
    anchor *anchors;    /* owned */
    size_t anchors_count;
    size_t anchors_cap;
} tree;

static void tree_free(tree *t)
{
    for (node *n = t->all, *next; n; n = next) {
        next = n->next;
        free(n->text);
        free(n->items);
        free(n);
    }
    for (size_t i = 0; i < t->anchors_count; i++)
        free(t->anchors[i].name);
    free(t->anchors);
    memset(t, 0, sizeof *t);
}

static node *node_new(tree *t, node_kind kind, int line)
{
    node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = line;
    n->weight = 1;
    n->height = kind == NODE_SCALAR ? 0 : 1;
    n->next = t->all;
    t->all = n;
    return n;
}

static bool node_is_null(const node *n)
{
    return n->kind == NODE_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->text, "~") == 0 ||
            strcmp(n->text, "null") == 0 || strcmp(n->text, "Null") == 0 ||
            strcmp(n->text, "NULL") == 0);
}

/* "a list", "a mapping", "null" or the quoted scalar (shortened). */
static const char *describe(const node *n, char *buf, size_t size)
{
    if (n->kind == NODE_SEQUENCE)
        return "a list";
    if (n->kind == NODE_MAPPING)
        return "a mapping";
    if (node_is_null(n))
        return "null";
    size_t len = n->len;
    const char *more = "";
    if (len > 40) {
        len = 40;
        while (len > 0 && ((unsigned char)n->text[len] & 0xC0) == 0x80)
            len--; /* do not cut a UTF-8 character */
        more = "...";
    }
    snprintf(buf, size, "\"%.*s%s\"", (int)len, n->text, more);
    return buf;
}

typedef struct frame {
    node *n;               /* the open collection; borrowed */
    char *anchor;          /* its anchor name, owned, or NULL */
    char path[PATH_BUF];   /* its YAML path */
} frame;

typedef struct builder {
    tree *t;
    load_ctx *lc;
    frame stack[KH_SCHEME_DEPTH_MAX];
    size_t depth;          /* open collections */
    int documents;
} builder;

/* The path of the node about to be added under the innermost collection.
 * A mapping key is named by its mapping's path. */
static void next_path(const builder *b, char *out, size_t size)
{
    if (b->depth == 0) {
        out[0] = '\0';
        return;
    }
    const frame *f = &b->stack[b->depth - 1];
    const node *p = f->n;
    if (p->kind == NODE_SEQUENCE)
        path_index(out, size, f->path, p->count);
    else if (p->count % 2 == 0)
        snprintf(out, size, "%s", f->path);
    else
        path_key(out, size, f->path, p->items[p->count - 1]->text);
}

static int attach(builder *b, node *child, int line, const char *path)
{
    if (b->depth == 0) {
        b->t->root = child;
        return KH_OK;
    }
    node *p = b->stack[b->depth - 1].n;
    if (p->kind == NODE_MAPPING && p->count % 2 == 0 &&
        child->kind != NODE_SCALAR) {
        char got[64];
        problem(b->lc, line, "%s%skeys must be plain strings, got %s", path,
                sep(path), describe(child, got, sizeof got));
        return KH_ECONFIG;
    }
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        node **items = realloc(p->items, cap * sizeof *items);
        if (!items)
            return KH_ENOMEM;
        p->items = items;
        p->cap = cap;
    }
    p->items[p->count++] = child;
    return KH_OK;
}

/* child is complete: count it into its parent's expanded size. */
static int settle(builder *b, const node *child, int line, const char *path)
{
    if (b->depth == 0)
        return KH_OK;
    node *p = b->stack[b->depth - 1].n;
    p->weight += child->weight;
    if (child->height + 1 > p->height)
        p->height = child->height + 1;
    if (p->weight > KH_SCHEME_NODES_MAX) {
        problem(b->lc, line,
                "%s%sthe document expands to more than %d nodes "
                "(aliases repeating aliases?)",
                path, sep(path), KH_SCHEME_NODES_MAX);
        return KH_ECONFIG;
    }
    return KH_OK;
}

static int define_anchor(builder *b, const char *name, node *target, int line)
{
    tree *t = b->t;
    if (t->anchors_count == KH_SCHEME_ANCHORS_MAX) {
        problem(b->lc, line, "more than %d anchors", KH_SCHEME_ANCHORS_MAX);
        return KH_ECONFIG;
    }
    if (t->anchors_count == t->anchors_cap) {
        size_t cap = t->anchors_cap ? t->anchors_cap * 2 : 8;
        anchor *a = realloc(t->anchors, cap * sizeof *a);
        if (!a)
            return KH_ENOMEM;
        t->anchors = a;
        t->anchors_cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return KH_ENOMEM;
    t->anchors[t->anchors_count].name = copy;
    t->anchors[t->anchors_count].target = target;
    t->anchors_count++;
    return KH_OK;
}

/* Anchors may be redefined; an alias means the latest. Only complete nodes
 * are registered, so an alias cannot point into its own anchor (no cycles). */
static node *find_anchor(const tree *t, const char *name)
{
    for (size_t i = t->anchors_count; i > 0; i--)
        if (strcmp(t->anchors[i - 1].name, name) == 0)
            return t->anchors[i - 1].target;
    return NULL;
}

static int on_scalar(builder *b, const yaml_event_t *ev, int line)
{
    char path[PATH_BUF];
    next_path(b, path, sizeof path);
    size_t len = ev->data.scalar.length;
    if (len > KH_SCHEME_SCALAR_MAX) {
        problem(b->lc, line, "%s%sa scalar of %zu bytes; at most %d allowed",
                path, sep(path), len, KH_SCHEME_SCALAR_MAX);
        return KH_ECONFIG;
    }
    if (memchr(ev->data.scalar.value, '\0', len)) {
        problem(b->lc, line, "%s%scontains a NUL character", path, sep(path));
        return KH_ECONFIG;
    }
    node *n = node_new(b->t, NODE_SCALAR, line);
    if (!n)
        return KH_ENOMEM;
    n->text = malloc(len + 1);
    if (!n->text)
        return KH_ENOMEM;
    memcpy(n->text, ev->data.scalar.value, len);
    n->text[len] = '\0';
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    int rc = attach(b, n, line, path);
    if (rc == KH_OK && ev->data.scalar.anchor)
        rc = define_anchor(b, (const char *)ev->data.scalar.anchor, n, line);
    if (rc == KH_OK)
        rc = settle(b, n, line, path);
    return rc;
}

static int on_alias(builder *b, const yaml_event_t *ev, int line)
{
    char path[PATH_BUF];
    next_path(b, path, sizeof path);
    const char *name = (const char *)ev->data.alias.anchor;
    node *target = find_anchor(b->t, name);
    if (!target) {
        problem(b->lc, line, "%s%salias *%s has no anchor &%s before it", path,
                sep(path), name, name);
        return KH_ECONFIG;
    }
    if (b->depth + (size_t)target->height > KH_SCHEME_DEPTH_MAX) {
        problem(b->lc, line,
                "%s%salias *%s nests deeper than %d levels", path, sep(path),
                name, KH_SCHEME_DEPTH_MAX);
        return KH_ECONFIG;
    }
    int rc = attach(b, target, line, path);
    if (rc == KH_OK)
        rc = settle(b, target, line, path);
    return rc;
}

static int on_start(builder *b, const yaml_event_t *ev, node_kind kind,
                    int line)
{
    char path[PATH_BUF];
    next_path(b, path, sizeof path);
    if (b->depth == KH_SCHEME_DEPTH_MAX) {
        problem(b->lc, line, "%s%snesting is deeper than %d levels", path,
                sep(path), KH_SCHEME_DEPTH_MAX);
        return KH_ECONFIG;
    }
    node *n = node_new(b->t, kind, line);
    if (!n)
        return KH_ENOMEM;
    int rc = attach(b, n, line, path);
    if (rc != KH_OK)
        return rc;
    const yaml_char_t *anchor_name = kind == NODE_MAPPING
                                         ? ev->data.mapping_start.anchor
                                         : ev->data.sequence_start.anchor;
    frame *f = &b->stack[b->depth];
    f->n = n;
    f->anchor = NULL;
    snprintf(f->path, sizeof f->path, "%s", path);
    if (anchor_name) {
        f->anchor = strdup((const char *)anchor_name);
        if (!f->anchor)
            return KH_ENOMEM;
    }
    b->depth++;
    return KH_OK;
}

static int on_end(builder *b, int line)
{
    frame *f = &b->stack[--b->depth];
    int rc = KH_OK;
    if (f->anchor)
        rc = define_anchor(b, f->anchor, f->n, line);
    free(f->anchor);
    f->anchor = NULL;
    if (rc == KH_OK)
        rc = settle(b, f->n, line, f->path);
    return rc;
}

static void syntax_error(load_ctx *lc, const yaml_parser_t *parser,
                         const unsigned char *buf, size_t len)
{
    if (parser->error == YAML_READER_ERROR) {
        /* reader errors carry only a byte offset */
        int line = 1;
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            if (buf[i] == '\n')
                line++;
        problem(lc, line, "not valid UTF-8 text: %s",
                parser->problem ? parser->problem : "unreadable");
        return;
    }
    problem(lc, (int)parser->problem_mark.line + 1, "YAML syntax error: %s%s%s%s",
            parser->problem ? parser->problem : "unknown",
            parser->context ? " (" : "", parser->context ? parser->context : "",
            parser->context ? ")" : "");
}

static int tree_build(tree *t, const unsigned char *buf, size_t len,
                      load_ctx *lc)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.t = t;
    b.lc = lc;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return KH_ENOMEM;
    yaml_parser_set_input_string(&parser, buf, len);

    int rc = KH_OK;
    bool done = false;
    while (!done && rc == KH_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                rc = KH_ENOMEM;
            } else {
                syntax_error(lc, &parser, buf, len);
                rc = KH_ECONFIG;
            }
            break;
        }
        int line = (int)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++b.documents > 1) {
                problem(lc, line, "only one YAML document is allowed");
                rc = KH_ECONFIG;
            }
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev, line);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&b, &ev, line);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(&b, &ev, NODE_SEQUENCE, line);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev, NODE_MAPPING, line);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b, line);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    for (size_t i = 0; i < b.depth; i++)
        free(b.stack[i].anchor);
    yaml_parser_delete(&parser);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Pass 2: the tree against the schema                                      */

typedef enum number_status { NUMBER_OK, NUMBER_BAD, NUMBER_RANGE } number_status;

/* A decimal number, whole text, finite. No inf/nan, hex or spaces. */
static number_status parse_number(const char *s, double *out)
{
    if (!*s)
        return NUMBER_BAD;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return NUMBER_BAD;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end)
        return NUMBER_BAD;
    if (!isfinite(d))
        return NUMBER_RANGE;
    *out = d;
    return NUMBER_OK;
}

/* Digits only, at most max. */
static number_status parse_uint(const char *s, uint64_t max)
{
    if (!*s)
        return NUMBER_BAD;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return NUMBER_BAD;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v > max)
        return NUMBER_RANGE;
    return NUMBER_OK;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The spellings libcyaml reads the way YAML 1.1 means them. */
static bool is_bool(const char *s)
{
    static const char *const words[] = {"true", "false", "yes",
                                        "no",   "on",    "off"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (ascii_ieq(s, words[i]))
            return true;
    return false;
}

static void enum_values(const cyaml_schema_value_t *schema, char *buf,
                        size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < schema->enumeration.count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? ", " : "",
                                 schema->enumeration.strings[i].str);
}

static const char *expected_kind(const cyaml_schema_value_t *schema)
{
    switch (schema->type) {
    case CYAML_MAPPING: return "a mapping";
    case CYAML_SEQUENCE:
    case CYAML_SEQUENCE_FIXED: return "a list";
    case CYAML_STRING: return "a string";
    case CYAML_FLOAT: return "a number";
    case CYAML_INT:
    case CYAML_UINT: return "a whole number";
    case CYAML_BOOL: return "true or false";
    default: return "a scalar";
    }
}

static void check_value(load_ctx *lc, const node *n, int line,
                        const cyaml_schema_value_t *schema, const char *path);

static void check_scalar(load_ctx *lc, const node *n, int line,
                         const cyaml_schema_value_t *schema, const char *path)
{
    char got[64];
    char values[128];
    if (schema->type == CYAML_ENUM)
        enum_values(schema, values, sizeof values);
    if (n->kind != NODE_SCALAR) {
        if (schema->type == CYAML_ENUM)
            problem(lc, line, "%s: expected one of %s, got %s", path,
                    values, describe(n, got, sizeof got));
        else
            problem(lc, line, "%s: expected %s, got %s", path,
                    expected_kind(schema), describe(n, got, sizeof got));
        return;
    }
    double d;
    switch (schema->type) {
    case CYAML_STRING:
        if (node_is_null(n))
            problem(lc, line, "%s: expected a string, got null", path);
        else if (n->len < schema->string.min)
            problem(lc, line, "%s: must not be empty", path);
        else if (schema->string.max != CYAML_UNLIMITED &&
                 n->len > schema->string.max)
            problem(lc, line, "%s: longer than %u bytes", path,
                    (unsigned)schema->string.max);
        break;
    case CYAML_FLOAT:
        switch (parse_number(n->text, &d)) {
        case NUMBER_OK: break;
        case NUMBER_BAD:
            problem(lc, line, "%s: expected a number, got %s", path,
                    describe(n, got, sizeof got));
            break;
        case NUMBER_RANGE:
            problem(lc, line, "%s: %s is out of range", path,
                    describe(n, got, sizeof got));
            break;
        }
        break;
    case CYAML_UINT: {
        uint64_t max = schema->data_size >= 8
                           ? UINT64_MAX
                           : ((uint64_t)1 << (8 * schema->data_size)) - 1;
        switch (parse_uint(n->text, max)) {
        case NUMBER_OK: break;
        case NUMBER_BAD:
            problem(lc, line, "%s: expected a whole number, got %s", path,
                    describe(n, got, sizeof got));
            break;
        case NUMBER_RANGE:
            problem(lc, line, "%s: %s is too large (at most %llu)", path,
                    describe(n, got, sizeof got), (unsigned long long)max);
            break;
        }
        break;
    }
    case CYAML_BOOL:
        if (!is_bool(n->text))
            problem(lc, line, "%s: expected true or false, got %s", path,
                    describe(n, got, sizeof got));
        break;
    case CYAML_ENUM: {
        bool found = false;
        for (uint32_t i = 0; i < schema->enumeration.count; i++)
            if (strcmp(n->text, schema->enumeration.strings[i].str) == 0)
                found = true;
        if (!found)
            problem(lc, line, "%s: expected one of %s, got %s", path,
                    values, describe(n, got, sizeof got));
        break;
    }
    default:
        break;
    }
}

static void check_mapping(load_ctx *lc, const node *n, int line,
                          const cyaml_schema_value_t *schema, const char *path)
{
    char got[64];
    char child[PATH_BUF];
    if (n->kind != NODE_MAPPING) {
        problem(lc, line, "%s%sexpected a mapping, got %s", path, sep(path),
                describe(n, got, sizeof got));
        return;
    }
    const cyaml_schema_field_t *fields = schema->mapping.fields;
    size_t nfields = 0;
    while (fields[nfields].key)
        nfields++;
    int seen[FIELDS_MAX] = {0}; /* line of each field's key, 0 = absent */
    if (nfields > FIELDS_MAX)
        nfields = FIELDS_MAX;   /* cannot happen: the schema is static */

    for (size_t i = 0; i + 1 < n->count; i += 2) {
        const node *key = n->items[i];
        const node *value = n->items[i + 1];
        path_key(child, sizeof child, path, key->text);
        size_t f = 0;
        while (f < nfields && strcmp(fields[f].key, key->text) != 0)
            f++;
        if (f == nfields) {
            char allowed[256];
            size_t used = 0;
            allowed[0] = '\0';
            for (size_t k = 0; k < nfields && used < sizeof allowed; k++)
                used += (size_t)snprintf(allowed + used, sizeof allowed - used,
                                         "%s%s", k ? ", " : "", fields[k].key);
            problem(lc, key->line, "%s: unknown key (allowed: %s)", child,
                    allowed);
            continue;
        }
        if (seen[f]) {
            problem(lc, key->line, "%s: duplicate key (first at line %d)",
                    child, seen[f]);
            continue;
        }
        seen[f] = key->line;
        check_value(lc, value, key->line, &fields[f].value, child);
    }
    for (size_t f = 0; f < nfields; f++) {
        if (seen[f] || (fields[f].value.flags & CYAML_FLAG_OPTIONAL))
            continue;
        path_key(child, sizeof child, path, fields[f].key);
        problem(lc, line, "%s: required key is missing", child);
    }
}

static void check_sequence(load_ctx *lc, const node *n, int line,
                           const cyaml_schema_value_t *schema, const char *path)
{
    char got[64];
    char child[PATH_BUF];
    if (n->kind != NODE_SEQUENCE) {
        problem(lc, line, "%s: expected a list, got %s", path,
                describe(n, got, sizeof got));
        return;
    }
    if (n->count < schema->sequence.min)
        problem(lc, line, "%s: needs at least %u entries, has %zu", path,
                (unsigned)schema->sequence.min, n->count);
    if (schema->sequence.max != CYAML_UNLIMITED &&
        n->count > schema->sequence.max)
        problem(lc, line, "%s: at most %u entries allowed, has %zu", path,
                (unsigned)schema->sequence.max, n->count);
    for (size_t i = 0; i < n->count; i++) {
        path_index(child, sizeof child, path, i);
        check_value(lc, n->items[i], n->items[i]->line, schema->sequence.entry,
                    child);
    }
}

/* Recursion is bounded by KH_SCHEME_DEPTH_MAX and the work by
 * KH_SCHEME_NODES_MAX, both enforced while the tree was built. */
static void check_value(load_ctx *lc, const node *n, int line,
                        const cyaml_schema_value_t *schema, const char *path)
{
    switch (schema->type) {
    case CYAML_MAPPING: check_mapping(lc, n, line, schema, path); break;
    case CYAML_SEQUENCE:
    case CYAML_SEQUENCE_FIXED: check_sequence(lc, n, line, schema, path); break;
    case CYAML_IGNORE: break;
    default: check_scalar(lc, n, line, schema, path); break;
    }
}

/* The value under key (the first, if repeated), and the key's line. */
static const node *mapping_get(const node *map, const char *key, int *line)
{
    if (map->kind != NODE_MAPPING)
        return NULL;
    for (size_t i = 0; i + 1 < map->count; i += 2)
        if (strcmp(map->items[i]->text, key) == 0) {
            *line = map->items[i]->line;
            return map->items[i + 1];
        }
    return NULL;
}

static void params_free(kh_param *params, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(params[i].name);
        free(params[i].string);
    }
    free(params);
}

/* `params:` — name → number (a plain scalar that reads as one) or string. */
static int read_params(load_ctx *lc, const node *root, kh_param **out,
                       size_t *out_count)
{
    char got[64];
    *out = NULL;
    *out_count = 0;
    int line = 0;
    const node *map = mapping_get(root, "params", &line);
    if (!map || node_is_null(map))
        return KH_OK;
    if (map->kind != NODE_MAPPING) {
        problem(lc, line,
                "params: expected a mapping of names to numbers or strings, "
                "got %s", describe(map, got, sizeof got));
        return KH_OK;
    }
    size_t n = map->count / 2;
    if (n > PARAMS_MAX) {
        problem(lc, line, "params: %zu entries; at most %d allowed", n,
                PARAMS_MAX);
        return KH_OK;
    }
    if (n == 0)
        return KH_OK;
    kh_param *params = calloc(n, sizeof *params);
    if (!params)
        return KH_ENOMEM;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const node *key = map->items[2 * i];
        const node *value = map->items[2 * i + 1];
        bool duplicate = false;
        for (size_t j = 0; j < i && !duplicate; j++) {
            const node *other = map->items[2 * j];
            if (strcmp(other->text, key->text) == 0) {
                problem(lc, key->line,
                        "params.%s: duplicate key (first at line %d)",
                        key->text, other->line);
                duplicate = true;
            }
        }
        if (duplicate)
            continue;
        if (value->kind != NODE_SCALAR || node_is_null(value)) {
            problem(lc, key->line,
                    "params.%s: expected a number or a string, got %s",
                    key->text, describe(value, got, sizeof got));
            continue;
        }
        kh_param *p = &params[count];
        double d = 0;
        number_status st = value->plain ? parse_number(value->text, &d)
                                        : NUMBER_BAD;
        if (st == NUMBER_RANGE) {
            problem(lc, value->line, "params.%s: %s is out of range",
                    key->text, describe(value, got, sizeof got));
            continue;
        }
        p->name = strdup(key->text);
        if (st == NUMBER_OK) {
            p->type = KH_PARAM_NUMBER;
            p->number = d;
        } else {
            p->type = KH_PARAM_STRING;
            p->string = strdup(value->text);
        }
        p->line = key->line;
        count++;
        if (!p->name || (p->type == KH_PARAM_STRING && !p->string)) {
            params_free(params, count);
            return KH_ENOMEM;
        }
    }
    *out = params;
    *out_count = count;
    return KH_OK;
}

/* ------------------------------------------------------------------------ */
/* Path -> line map                                                         */

typedef struct locmap_builder {
    kh_scheme__locmap *map;
    size_t cap;
} locmap_builder;

static int locmap_add(locmap_builder *lb, const char *path, int line)
{
    kh_scheme__locmap *m = lb->map;
    if (m->count == lb->cap) {
        size_t cap = lb->cap ? lb->cap * 2 : 64;
        kh_scheme__loc *items = realloc(m->items, cap * sizeof *items);
        if (!items)
            return KH_ENOMEM;
        m->items = items;
        lb->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return KH_ENOMEM;
    m->items[m->count].path = copy;
    m->items[m->count].line = line;
    m->count++;
    return KH_OK;
}

static int locmap_walk(locmap_builder *lb, const node *n, const char *path)
{
    char child[PATH_BUF];
    int rc = KH_OK;
    if (n->kind == NODE_MAPPING) {
        for (size_t i = 0; rc == KH_OK && i + 1 < n->count; i += 2) {
            path_key(child, sizeof child, path, n->items[i]->text);
            rc = locmap_add(lb, child, n->items[i]->line);
            if (rc == KH_OK)
                rc = locmap_walk(lb, n->items[i + 1], child);
        }
    } else if (n->kind == NODE_SEQUENCE) {
        for (size_t i = 0; rc == KH_OK && i < n->count; i++) {
            path_index(child, sizeof child, path, i);
            rc = locmap_add(lb, child, n->items[i]->line);
            if (rc == KH_OK)
                rc = locmap_walk(lb, n->items[i], child);
        }
    }
    return rc;
}

static int loc_compare(const void *a, const void *b)
{
    const kh_scheme__loc *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

static void locmap_free(kh_scheme__locmap *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->items[i].path);
    free(m->items);
    m->items = NULL;
    m->count = 0;
}

static int locmap_build(kh_scheme__locmap *m, const node *root)
{
    locmap_builder lb = {m, 0};
    int rc = locmap_add(&lb, "", root->line);
    if (rc == KH_OK)
        rc = locmap_walk(&lb, root, "");
    if (rc != KH_OK) {
        locmap_free(m);
        return rc;
    }
    qsort(m->items, m->count, sizeof *m->items, loc_compare);
    return KH_OK;
}

int kh_scheme__locmap_line(const kh_scheme__locmap *map, const char *path)
{
    if (!map || !path)
        return 0;
    size_t lo = 0, hi = map->count;
    while (lo < hi) { /* first entry >= path */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(map->items[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < map->count && strcmp(map->items[lo].path, path) == 0)
        return map->items[lo].line;
    return 0;
}

KH_PRINTF(2, 3)
static int locmap_linef(const kh_scheme__locmap *map, const char *fmt, ...)
{
    char path[PATH_BUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    return kh_scheme__locmap_line(map, path);
}

/* ------------------------------------------------------------------------ */
/* Pass 3: libcyaml, and its errors                                         */

typedef struct cyaml_log_buf {
    char text[4096];
    size_t len;
} cyaml_log_buf;

KH_PRINTF(3, 0)
static void capture_log(cyaml_log_t level, void *ctx, const char *fmt,
                        va_list args)
{
    (void)level;
    cyaml_log_buf *log = ctx;
    size_t room = sizeof log->text - log->len;
    if (room <= 1)
        return;
    int n = vsnprintf(log->text + log->len, room, fmt, args);
    if (n > 0)
        log->len += (size_t)n < room ? (size_t)n : room - 1;
}

static cyaml_config_t cyaml_config_for(cyaml_log_buf *log)
{
    cyaml_config_t config = {
        .log_fn = capture_log,
        .log_ctx = log,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT, /* unknown keys are errors */
    };
    return config;
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
    for (; *prefix; s++, prefix++)
        if (*s != *prefix)
            return false;
    if (rest)
        *rest = s;
    return true;
}

/* libcyaml's type and event names in words. */
static const char *cyaml_word(const char *name)
{
    static const char *const words[][2] = {
        {"MAPPING", "a mapping"},       {"MAPPING_START", "a mapping"},
        {"SEQUENCE", "a list"},         {"SEQUENCE_START", "a list"},
        {"STRING", "a string"},         {"SCALAR", "a scalar"},
        {"FLOAT", "a number"},          {"INT", "a whole number"},
        {"UINT", "a whole number"},     {"BOOL", "true or false"},
        {"ENUM", "a known value"},      {"ALIAS", "an alias"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(name, words[i][0]) == 0)
            return words[i][1];
    return name;
}

typedef struct cyaml_frame {
    enum { FRAME_FIELD, FRAME_ENTRY, FRAME_OTHER } kind;
    char key[128];
    unsigned entry;   /* libcyaml counts entries from 1 */
    int line;
} cyaml_frame;

int kh_scheme__cyaml_error(kh_diag_list *diags, const char *file,
                           const char *log, const kh_scheme__locmap *map)
{
    char message[512] = "";
    cyaml_frame frames[KH_SCHEME_DEPTH_MAX * 2];
    size_t nframes = 0;

    /* "Load: <message>", "Load: Backtrace:", then "  in …" innermost first */
    for (const char *p = log ? log : ""; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(n < 511 ? n : 511), p);
        p = eol ? eol + 1 : p + n;

        const char *rest;
        char *s = line;
        while (*s == ' ')
            s++;
        if (has_prefix(s, "Load: ", &rest)) {
            if (!message[0] && strcmp(rest, "Backtrace:") != 0)
                snprintf(message, sizeof message, "%s", rest);
            continue;
        }
        if (!has_prefix(s, "in ", NULL) || nframes == sizeof frames / sizeof frames[0])
            continue;
        cyaml_frame *f = &frames[nframes];
        memset(f, 0, sizeof *f);
        if (sscanf(s, "in mapping field '%127[^']' (line: %d", f->key,
                   &f->line) >= 1)
            f->kind = FRAME_FIELD;
        else if (sscanf(s, "in sequence entry '%u' (line: %d", &f->entry,
                        &f->line) >= 1)
            f->kind = FRAME_ENTRY;
        else {
            f->kind = FRAME_OTHER;
            const char *l = strstr(s, "(line: ");
            if (l)
                f->line = atoi(l + 7);
        }
        nframes++;
    }

    const char *rest;
    const char *extra_key = NULL; /* a key the message names below the path */
    size_t skip = 0;              /* innermost frames not part of the path */
    char problem_text[640];
    if (has_prefix(message, "Unexpected key: ", &rest)) {
        extra_key = rest;
        snprintf(problem_text, sizeof problem_text, "unknown key");
    } else if (has_prefix(message, "Missing required mapping field: ", &rest)) {
        /* the innermost frame names the last field libcyaml looked at, not
         * the missing one */
        extra_key = rest;
        if (nframes > 0 && frames[0].kind == FRAME_FIELD)
            skip = 1;
        snprintf(problem_text, sizeof problem_text, "required key is missing");
    } else if (has_prefix(message, "Mapping field already seen: ", NULL)) {
        snprintf(problem_text, sizeof problem_text, "duplicate key");
    } else if (has_prefix(message, "Invalid ", &rest) && strstr(rest, " value: ")) {
        char type[16] = "";
        sscanf(rest, "%15s", type);
        const char *value = strstr(rest, " value: ") + 8;
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '\'' && value[vlen - 1] == '\'') {
            value++;
            vlen -= 2;
        }
        snprintf(problem_text, sizeof problem_text, "expected %s, got \"%.*s\"",
                 cyaml_word(type), (int)vlen, value);
    } else if (has_prefix(message, "Expecting ", &rest)) {
        char want[32] = "", got[32] = "";
        if (sscanf(rest, "%31[^,], got event: %31s", want, got) == 2)
            snprintf(problem_text, sizeof problem_text, "expected %s, got %s",
                     cyaml_word(want), cyaml_word(got));
        else
            snprintf(problem_text, sizeof problem_text, "%s", message);
    } else {
        snprintf(problem_text, sizeof problem_text, "%s",
                 message[0] ? message : "libcyaml could not load the file");
    }

    char path[PATH_BUF] = "";
    char tmp[PATH_BUF];
    for (size_t i = nframes; i > skip; i--) {
        const cyaml_frame *f = &frames[i - 1];
        if (f->kind == FRAME_FIELD)
            path_key(tmp, sizeof tmp, path, f->key);
        else if (f->kind == FRAME_ENTRY)
            path_index(tmp, sizeof tmp, path, f->entry ? f->entry - 1 : 0);
        else
            continue;
        memcpy(path, tmp, sizeof path);
    }
    int line = 0;
    if (extra_key) {
        char container[PATH_BUF];
        memcpy(container, path, sizeof container);
        path_key(path, sizeof path, container, extra_key);
        line = kh_scheme__locmap_line(map, path);
        if (line == 0 && skip == 1) { /* the mapping the key is missing from */
            line = kh_scheme__locmap_line(map, container);
            if (line == 0)
                line = nframes > 1 ? frames[1].line : 1;
        }
    } else {
        line = kh_scheme__locmap_line(map, path);
    }
    if (line == 0 && nframes > 0)
        line = frames[0].line;
    return kh_diag_list_add(diags, false, file, line, "%s%s%s", path, sep(path),
                            problem_text);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

static char *join_path(const char *dir, const char *name)
{
    size_t d = strlen(dir), n = strlen(name);
    size_t slash = (d > 0 && dir[d - 1] != '/') ? 1 : 0;
    char *s = malloc(d + slash + n + 1);
    if (!s)
        return NULL;
    memcpy(s, dir, d);
    if (slash)
        s[d] = '/';
    memcpy(s + d + slash, name, n + 1);
    return s;
}

static void report_errno(load_ctx *lc, int e)
{
    char msg[128];
    if (strerror_r(e, msg, sizeof msg) != 0)
        snprintf(msg, sizeof msg, "error %d", e);
    problem_code(lc, (e == ENOENT || e == ENOTDIR) ? KH_ENOTFOUND : KH_EIO, 0,
                 "cannot open: %s", msg);
}

/* path is a scheme directory or a YAML file; find scheme.yaml and its
 * directory. */
static int resolve_paths(load_ctx *lc, const char *path, char **yaml_out,
                         char **dir_out)
{
    struct stat st;
    char *yaml = NULL;
    if (stat(path, &st) != 0) {
        report_errno(lc, errno);
        return KH_ENOTFOUND;
    }
    if (S_ISDIR(st.st_mode)) {
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        yaml = malloc(n + sizeof "/scheme.yaml");
        if (!yaml)
            return KH_ENOMEM;
        snprintf(yaml, n + sizeof "/scheme.yaml", "%.*s/scheme.yaml", (int)n,
                 path);
        lc->file = yaml;
        if (stat(yaml, &st) != 0) {
            report_errno(lc, errno);
            *yaml_out = yaml; /* the caller frees it, after messages use it */
            return KH_ENOTFOUND;
        }
    } else {
        yaml = strdup(path);
        if (!yaml)
            return KH_ENOMEM;
        lc->file = yaml;
    }
    *yaml_out = yaml;
    if (!S_ISREG(st.st_mode)) {
        problem(lc, 0, "not a regular file");
        return KH_ECONFIG;
    }
    const char *slash = strrchr(yaml, '/');
    if (!slash)
        *dir_out = strdup(".");
    else if (slash == yaml)
        *dir_out = strdup("/");
    else
        *dir_out = strndup(yaml, (size_t)(slash - yaml));
    return *dir_out ? KH_OK : KH_ENOMEM;
}

static void too_large(load_ctx *lc, unsigned long long size)
{
    problem(lc, 0, "the file is %llu bytes; a scheme may be at most %zu bytes",
            size, KH_SCHEME_FILE_MAX);
}

/* The whole file, refusing more than KH_SCHEME_FILE_MAX bytes. */
static int read_file(load_ctx *lc, const char *path, unsigned char **out,
                     size_t *out_len)
{
    int rc = KH_OK;
    unsigned char *buf = NULL;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        report_errno(lc, e);
        rc = (e == ENOENT || e == ENOTDIR) ? KH_ENOTFOUND : KH_EIO;
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        report_errno(lc, errno);
        rc = KH_EIO;
        goto done;
    }
    if ((unsigned long long)st.st_size > KH_SCHEME_FILE_MAX) {
        too_large(lc, (unsigned long long)st.st_size);
        rc = KH_ECONFIG;
        goto done;
    }
    size_t cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        rc = KH_ENOMEM;
        goto done;
    }
    for (;;) {
        if (len == cap) { /* the file grew while we read it */
            if (cap > KH_SCHEME_FILE_MAX)
                break;
            size_t grown = cap * 2 > KH_SCHEME_FILE_MAX + 1
                               ? KH_SCHEME_FILE_MAX + 1 : cap * 2;
            unsigned char *b = realloc(buf, grown);
            if (!b) {
                rc = KH_ENOMEM;
                goto done;
            }
            buf = b;
            cap = grown;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            report_errno(lc, errno);
            rc = KH_EIO;
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > KH_SCHEME_FILE_MAX) {
        too_large(lc, (unsigned long long)len);
        rc = KH_ECONFIG;
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc != KH_OK) {
        free(buf);
        buf = NULL;
        len = 0;
    }
    *out = buf;
    *out_len = len;
    return rc;
}

/* NULL when name is a plain relative path to a .lua file inside the scheme
 * directory; otherwise what is wrong with it. */
static const char *script_name_problem(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '/')
        return "must be a path relative to the scheme directory";
    if (strchr(name, '\\'))
        return "must separate directories with /";
    if (n < 5 || strcmp(name + n - 4, ".lua") != 0)
        return "must name a .lua file";
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return "must not contain a \"..\" component";
        p += len;
        if (*p == '/')
            p++;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Fingerprint                                                              */

/* Each file contributes its name (as the scheme refers to it), a NUL and
 * the SHA-256 of its bytes, so moving text between files changes the
 * result. Missing files are skipped: validation reports them. */
static int fingerprint_file(load_ctx *lc, kh_sha256_ctx *ctx, const char *name,
                            const char *path)
{
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    int rc = kh_sha256_file(path, digest);
    if (rc == KH_ENOTFOUND)
        return KH_OK;
    if (rc != KH_OK) {
        problem_code(lc, rc, 0, "cannot read %s to fingerprint the scheme",
                     path);
        return rc;
    }
    kh_sha256_update(ctx, name, strlen(name) + 1);
    kh_sha256_update(ctx, digest, sizeof digest);
    return KH_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int kh_scheme__lib_scripts(const char *dir, char ***out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    char *lib = join_path(dir, "lib");
    if (!lib)
        return KH_ENOMEM;
    DIR *d = opendir(lib);
    free(lib);
    if (!d)
        return KH_OK;
    int rc = KH_OK;
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || e->d_name[0] == '.' ||
            strcmp(e->d_name + n - 4, ".lua") != 0)
            continue;
        if (count == cap) {
            size_t grown = cap ? cap * 2 : 16;
            char **more = realloc(names, grown * sizeof *more);
            if (!more) {
                rc = KH_ENOMEM;
                break;
            }
            names = more;
            cap = grown;
        }
        names[count] = join_path("lib", e->d_name);
        if (!names[count]) {
            rc = KH_ENOMEM;
            break;
        }
        count++;
    }
    closedir(d);
    if (rc != KH_OK) {
        kh_scheme__lib_scripts_free(names, count);
        return rc;
    }
    if (count)
        qsort(names, count, sizeof *names, compare_names);
    *out = names;
    *out_count = count;
    return KH_OK;
}

void kh_scheme__lib_scripts_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* scheme.yaml, then lib/<name>.lua by name, then each indicator's script in YAML
 * order. */
static int fingerprint(load_ctx *lc, kh_scheme *s)
{
    kh_sha256_ctx ctx;
    kh_sha256_init(&ctx);
    const char *slash = strrchr(s->yaml_path, '/');
    int rc = fingerprint_file(lc, &ctx, slash ? slash + 1 : s->yaml_path,
                              s->yaml_path);
    char **libs = NULL;
    size_t libs_count = 0;
    if (rc == KH_OK)
        rc = kh_scheme__lib_scripts(s->dir, &libs, &libs_count);
    for (size_t i = 0; rc == KH_OK && i < libs_count; i++) {
        char *path = join_path(s->dir, libs[i]);
        rc = path ? fingerprint_file(lc, &ctx, libs[i], path) : KH_ENOMEM;
        free(path);
    }
    kh_scheme__lib_scripts_free(libs, libs_count);
    for (size_t i = 0; rc == KH_OK && i < s->indicators_count; i++) {
        const kh_indicator *ind = &s->indicators[i];
        if (script_name_problem(ind->script))
            continue; /* never read outside the scheme; validation reports */
        rc = fingerprint_file(lc, &ctx, ind->script, ind->script_path);
    }
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    kh_sha256_final(&ctx, digest);
    kh_sha256_hex(digest, s->sha256);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Building the public scheme                                               */

static char *copy_str(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = true;
    return c;
}

/* Indicator ids are what results and overrides refer to: unique. */
static void check_indicator_ids(load_ctx *lc, const cfg_scheme *c,
                                const kh_scheme__locmap *locs)
{
    for (unsigned j = 1; j < c->indicators_count; j++) {
        for (unsigned i = 0; i < j; i++) {
            if (strcmp(c->indicators[i].id, c->indicators[j].id) != 0)
                continue;
            problem(lc, locmap_linef(locs, "indicators[%u].id", j),
                    "indicators[%u].id: duplicate indicator id %s (first at "
                    "line %d)",
                    j, c->indicators[j].id,
                    locmap_linef(locs, "indicators[%u].id", i));
            break;
        }
    }
}

static int build_grades(kh_scheme__loaded *ls, const cfg_scheme *c, bool *oom)
{
    kh_scheme *s = &ls->pub;
    size_t n = c->grades_count;
    if (n == 0)
        return KH_OK;
    s->grades = calloc(n, sizeof *s->grades);
    ls->grade_order = calloc(n, sizeof *ls->grade_order);
    if (!s->grades || !ls->grade_order)
        return KH_ENOMEM;
    s->grades_count = n;
    for (size_t i = 0; i < n; i++) {
        s->grades[i].name = copy_str(c->grades[i].name, oom);
        s->grades[i].min = c->grades[i].min;
        ls->grade_order[i] = i;
    }
    /* insertion sort, highest min first, stable */
    for (size_t i = 1; i < n; i++) {
        kh_grade g = s->grades[i];
        size_t order = ls->grade_order[i];
        size_t j = i;
        for (; j > 0 && s->grades[j - 1].min < g.min; j--) {
            s->grades[j] = s->grades[j - 1];
            ls->grade_order[j] = ls->grade_order[j - 1];
        }
        s->grades[j] = g;
        ls->grade_order[j] = order;
    }
    return KH_OK;
}

static int build_limits(load_ctx *lc, kh_scheme *s, const cfg_limits *l,
                        const kh_scheme__locmap *locs)
{
    s->instruction_limit = DEFAULT_INSTRUCTIONS;
    s->memory_limit = DEFAULT_MEMORY;
    s->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (!l)
        return KH_OK;
    int rc = KH_OK;
    if (l->instructions) {
        s->instruction_limit = (unsigned long)*l->instructions;
        if ((uint64_t)s->instruction_limit != *l->instructions) {
            problem(lc, kh_scheme__locmap_line(locs, "limits.instructions"),
                    "limits.instructions: %llu is out of range",
                    (unsigned long long)*l->instructions);
            rc = KH_ECONFIG;
        }
    }
    if (l->memory_mb) {
        if (*l->memory_mb > SIZE_MAX / MIB) {
            problem(lc, kh_scheme__locmap_line(locs, "limits.memory_mb"),
                    "limits.memory_mb: %llu is out of range",
                    (unsigned long long)*l->memory_mb);
            rc = KH_ECONFIG;
        } else {
            s->memory_limit = (size_t)(*l->memory_mb * MIB);
        }
    }
    if (l->timeout_ms)
        s->timeout_ms = *l->timeout_ms;
    return rc;
}

static int build_indicators(kh_scheme *s, const cfg_scheme *c,
                            const kh_scheme__locmap *locs, bool *oom)
{
    size_t n = c->indicators_count;
    if (n == 0)
        return KH_OK;
    s->indicators = calloc(n, sizeof *s->indicators);
    if (!s->indicators)
        return KH_ENOMEM;
    s->indicators_count = n;
    for (size_t i = 0; i < n; i++) {
        const cfg_indicator *from = &c->indicators[i];
        kh_indicator *to = &s->indicators[i];
        to->id = copy_str(from->id, oom);
        to->name = copy_str(from->name, oom);
        to->category = copy_str(from->category, oom);
        to->max = from->max;
        to->monitor = from->monitor;
        to->script = copy_str(from->script, oom);
        to->script_path = join_path(s->dir, from->script);
        if (!to->script_path)
            *oom = true;
        to->line = locmap_linef(locs, "indicators[%zu]", i);
        if (from->facts_count == 0)
            continue;
        to->facts = calloc(from->facts_count, sizeof *to->facts);
        if (!to->facts)
            return KH_ENOMEM;
        to->facts_count = from->facts_count;
        for (size_t j = 0; j < from->facts_count; j++)
            to->facts[j] = copy_str(from->facts[j], oom);
    }
    return KH_OK;
}

static int build_adjustments(kh_scheme *s, const cfg_adjustments *a,
                             bool *oom)
{
    if (!a)
        return KH_OK;
    s->bonus_cap = a->bonus_cap;
    s->penalty_cap = a->penalty_cap;
    if (a->events_count == 0)
        return KH_OK;
    s->adjustments = calloc(a->events_count, sizeof *s->adjustments);
    if (!s->adjustments)
        return KH_ENOMEM;
    s->adjustments_count = a->events_count;
    for (size_t i = 0; i < a->events_count; i++) {
        s->adjustments[i].id = copy_str(a->events[i].id, oom);
        s->adjustments[i].name = copy_str(a->events[i].name, oom);
        s->adjustments[i].points = a->events[i].points;
    }
    return KH_OK;
}

/* Copy the cfg_* data into ls->pub (whose dir, yaml_path and params the
 * caller has set). */
static int build_public(load_ctx *lc, kh_scheme__loaded *ls,
                        const cfg_scheme *c)
{
    kh_scheme *s = &ls->pub;
    bool oom = false;
    s->id = copy_str(c->id, &oom);
    s->name = copy_str(c->name, &oom);
    s->version = copy_str(c->version, &oom);
    s->total = c->total;
    s->missing = c->missing;
    int rc = build_grades(ls, c, &oom);
    if (rc == KH_OK)
        rc = build_limits(lc, s, c->limits, &ls->locs);
    if (rc == KH_OK)
        rc = build_indicators(s, c, &ls->locs, &oom);
    if (rc == KH_OK)
        rc = build_adjustments(s, c->adjustments, &oom);
    if (rc == KH_OK && oom)
        rc = KH_ENOMEM;
    return rc;
}

void kh_scheme_free(kh_scheme *scheme)
{
    if (!scheme)
        return;
    kh_scheme__loaded *ls = (kh_scheme__loaded *)scheme;
    free(scheme->id);
    free(scheme->name);
    free(scheme->version);
    for (size_t i = 0; i < scheme->grades_count; i++)
        free(scheme->grades[i].name);
    free(scheme->grades);
    params_free(scheme->params, scheme->params_count);
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        kh_indicator *ind = &scheme->indicators[i];
        free(ind->id);
        free(ind->name);
        free(ind->category);
        for (size_t j = 0; j < ind->facts_count; j++)
            free(ind->facts[j]);
        free(ind->facts);
        free(ind->script);
        free(ind->script_path);
    }
    free(scheme->indicators);
    for (size_t i = 0; i < scheme->adjustments_count; i++) {
        free(scheme->adjustments[i].id);
        free(scheme->adjustments[i].name);
    }
    free(scheme->adjustments);
    free(scheme->dir);
    free(scheme->yaml_path);
    locmap_free(&ls->locs);
    free(ls->grade_order);
    free(ls);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

typedef struct diag_order {
    int line;
    size_t index;
} diag_order;

static int compare_diag_order(const void *a, const void *b)
{
    const diag_order *x = a, *y = b;
    if (x->line != y->line)
        return (x->line > y->line) - (x->line < y->line);
    return (x->index > y->index) - (x->index < y->index);
}

/* Stable, by line, from index `from` on (load and validation report in the
 * order a reader meets the problems). Left as it is if memory is short. */
static void sort_diags(kh_diag_list *list, size_t from)
{
    size_t n = list->count - from;
    if (n < 2)
        return; /* nothing to order; items may be NULL (NULL + 0 is UB) */
    kh_diag *items = list->items + from;
    size_t i = 1;
    while (i < n && items[i - 1].where.line <= items[i].where.line)
        i++;
    if (i >= n)
        return; /* already in order: the usual case */
    diag_order *order = malloc(n * sizeof *order);
    kh_diag *copy = malloc(n * sizeof *copy);
    if (order && copy) {
        for (i = 0; i < n; i++) {
            order[i].line = items[i].where.line;
            order[i].index = i;
        }
        qsort(order, n, sizeof *order, compare_diag_order);
        memcpy(copy, items, n * sizeof *copy);
        for (i = 0; i < n; i++)
            items[i] = copy[order[i].index];
    }
    free(order);
    free(copy);
}

/* Settle the status, fill err with the first error, hand the diagnostics
 * over. */
static int finish_load(load_ctx *lc, int rc, kh_diag_list *diags,
                       kh_error *err)
{
    if (lc->oom)
        rc = KH_ENOMEM;
    sort_diags(&lc->diags, 0);
    const kh_diag *first = NULL;
    for (size_t i = 0; i < lc->diags.count && !first; i++)
        if (!lc->diags.items[i].warning)
            first = &lc->diags.items[i];
    if (rc == KH_ENOMEM) {
        kh_error_set(err, KH_ENOMEM, lc->file, 0, 0,
                     "out of memory loading the scheme");
    } else if (rc != KH_OK) {
        if (first) {
            rc = first->where.code;
            if (err)
                *err = first->where;
        } else {
            kh_error_set(err, rc, lc->file, 0, 0, "%s", kh_strerror(rc));
        }
    }
    for (size_t i = 0; diags && i < lc->diags.count; i++) {
        if (diag_push(diags, &lc->diags.items[i]) != KH_OK) {
            if (rc == KH_OK) {
                rc = KH_ENOMEM;
                kh_error_set(err, KH_ENOMEM, lc->file, 0, 0,
                             "out of memory loading the scheme");
            }
            break;
        }
    }
    kh_diag_list_free(&lc->diags);
    return rc;
}

int kh_scheme_load(kh_scheme **out, const char *path, kh_diag_list *diags,
                   kh_error *err)
{
    load_ctx lc;
    memset(&lc, 0, sizeof lc);
    lc.file = path;
    char *yaml_path = NULL;          /* owned until moved into the scheme */
    char *dir = NULL;                /* owned until moved into the scheme */
    unsigned char *buf = NULL;       /* the file's bytes; owned */
    size_t len = 0;
    tree t;                          /* pass 1; owned */
    memset(&t, 0, sizeof t);
    kh_param *params = NULL;         /* owned until moved into the scheme */
    size_t params_count = 0;
    kh_scheme__locmap locs = {NULL, 0}; /* owned until moved */
    cyaml_log_buf log;
    log.len = 0;
    log.text[0] = '\0';
    const cyaml_config_t config = cyaml_config_for(&log);
    cfg_scheme *cfg = NULL;          /* libcyaml's; freed with cyaml_free */
    kh_scheme__loaded *ls = NULL;    /* the result; owned until handed out */
    int rc;

    kh_error_clear(err);
    if (out)
        *out = NULL;
    if (!out || !path)
        return kh_error_set(err, KH_EINVAL, NULL, 0, 0,
                            "kh_scheme_load: out and path are required");

    rc = resolve_paths(&lc, path, &yaml_path, &dir);
    if (rc != KH_OK)
        goto done;
    rc = read_file(&lc, yaml_path, &buf, &len);
    if (rc != KH_OK)
        goto done;

    /* pass 1 */
    rc = tree_build(&t, buf, len, &lc);
    if (rc != KH_OK)
        goto done;
    if (!t.root || node_is_null(t.root)) {
        problem(&lc, 1, "the file is empty: a scheme is a mapping with id, "
                        "name, version, total, grades and indicators");
        rc = KH_ECONFIG;
        goto done;
    }
    if (t.root->kind != NODE_MAPPING) {
        char got[64];
        problem(&lc, t.root->line, "expected a mapping at the top level, got %s",
                describe(t.root, got, sizeof got));
        rc = KH_ECONFIG;
        goto done;
    }

    /* pass 2 */
    check_value(&lc, t.root, t.root->line, &scheme_schema, "");
    rc = read_params(&lc, t.root, &params, &params_count);
    if (rc == KH_OK && lc.errors)
        rc = KH_ECONFIG;
    if (rc == KH_OK)
        rc = locmap_build(&locs, t.root);
    if (rc != KH_OK)
        goto done;

    /* pass 3 */
    cyaml_err_t cerr = cyaml_load_data(buf, len, &config, &scheme_schema,
                                       (cyaml_data_t **)&cfg, NULL);
    if (cerr == CYAML_ERR_OOM) {
        rc = KH_ENOMEM;
        goto done;
    }
    if (cerr != CYAML_OK || !cfg) {
        if (log.len == 0)
            problem(&lc, 0, "libcyaml: %s", cyaml_strerror(cerr));
        else if (kh_scheme__cyaml_error(&lc.diags, lc.file, log.text, &locs) !=
                 KH_OK)
            lc.oom = true;
        else
            lc.errors++;
        rc = KH_ECONFIG;
        goto done;
    }
    check_indicator_ids(&lc, cfg, &locs);
    if (lc.errors) {
        rc = KH_ECONFIG;
        goto done;
    }

    ls = calloc(1, sizeof *ls);
    if (!ls) {
        rc = KH_ENOMEM;
        goto done;
    }
    ls->pub.yaml_path = yaml_path;
    yaml_path = NULL;
    ls->pub.dir = dir;
    dir = NULL;
    ls->pub.params = params;
    ls->pub.params_count = params_count;
    params = NULL;
    params_count = 0;
    ls->locs = locs;
    locs.items = NULL;
    locs.count = 0;
    rc = build_public(&lc, ls, cfg);
    if (rc == KH_OK)
        rc = fingerprint(&lc, &ls->pub);

done:
    rc = finish_load(&lc, rc, diags, err); /* before lc.file is freed */
    if (rc == KH_OK) {
        *out = &ls->pub;
        ls = NULL;
    }
    if (cfg)
        cyaml_free(&config, &scheme_schema, cfg, 0);
    kh_scheme_free(ls ? &ls->pub : NULL);
    locmap_free(&locs);
    params_free(params, params_count);
    tree_free(&t);
    free(buf);
    free(yaml_path);
    free(dir);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

typedef struct validation {
    kh_diag_list *diags;
    const char *file;
    const kh_scheme__locmap *locs;
    size_t errors;
    bool oom;
} validation;

KH_PRINTF(4, 5)
static void report(validation *v, bool warning, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (diag_vadd(v->diags, warning, KH_ECONFIG, v->file, line, fmt, ap) !=
        KH_OK)
        v->oom = true;
    else if (!warning)
        v->errors++;
    va_end(ap);
}

static void validate_indicator(validation *v, size_t i, const kh_indicator *ind)
{
    int max_line = locmap_linef(v->locs, "indicators[%zu].max", i);
    if (!max_line)
        max_line = ind->line;
    if (ind->monitor && ind->max != 0)
        report(v, false, max_line,
               "indicators[%zu].max: %s is a monitor indicator and must have "
               "max 0, got %g",
               i, ind->id, ind->max);
    else if (!ind->monitor && ind->max < 0)
        report(v, false, max_line,
               "indicators[%zu].max: must not be negative, got %g", i,
               ind->max);
    else if (!ind->monitor && ind->max == 0)
        report(v, true, max_line,
               "indicators[%zu].max: %s is worth 0 points; mark it "
               "`monitor: true` if it is only shown to reviewers",
               i, ind->id);

    if (ind->facts_count == 0) {
        int line = locmap_linef(v->locs, "indicators[%zu].facts", i);
        report(v, false, line ? line : ind->line,
               "indicators[%zu].facts: %s reads no facts; list the fact keys "
               "its script uses",
               i, ind->id);
    }
    for (size_t j = 0; j < ind->facts_count; j++) {
        int line = locmap_linef(v->locs, "indicators[%zu].facts[%zu]", i, j);
        if (!line)
            line = ind->line;
        if (!kh_facts__key_ok(ind->facts[j])) {
            report(v, false, line,
                   "indicators[%zu].facts[%zu]: \"%s\" is not a fact key "
                   "(family.name in a-z and _)",
                   i, j, ind->facts[j]);
            continue;
        }
        for (size_t k = 0; k < j; k++)
            if (strcmp(ind->facts[k], ind->facts[j]) == 0) {
                report(v, true, line,
                       "indicators[%zu].facts[%zu]: %s is listed twice", i, j,
                       ind->facts[j]);
                break;
            }
    }

    const char *why = ind->script ? script_name_problem(ind->script)
                                  : "is missing";
    struct stat st;
    if (why)
        report(v, false, ind->line, "indicators[%zu].script: \"%s\" %s", i,
               ind->script ? ind->script : "", why);
    else if (!ind->script_path || stat(ind->script_path, &st) != 0)
        report(v, false, ind->line,
               "indicators[%zu].script: %s not found (looked for %s)", i,
               ind->script, ind->script_path ? ind->script_path : "?");
    else if (!S_ISREG(st.st_mode))
        report(v, false, ind->line,
               "indicators[%zu].script: %s is not a regular file", i,
               ind->script_path);
}

static void validate_points(validation *v, const kh_scheme *s)
{
    int total_line = kh_scheme__locmap_line(v->locs, "total");
    if (!(s->total > 0))
        report(v, false, total_line, "total: must be greater than 0, got %g",
               s->total);
    if (s->indicators_count == 0)
        report(v, false, kh_scheme__locmap_line(v->locs, "indicators"),
               "indicators: the scheme has no indicators");
    double sum = 0;
    for (size_t i = 0; i < s->indicators_count; i++) {
        validate_indicator(v, i, &s->indicators[i]);
        if (!s->indicators[i].monitor)
            sum += s->indicators[i].max;
    }
    if (fabs(sum - s->total) > POINTS_TOLERANCE)
        report(v, false, total_line, "total: points add up to %g, total is %g",
               sum, s->total);
}

static void validate_grades(validation *v, const kh_scheme *s,
                            const size_t *order)
{
    size_t n = s->grades_count;
    if (n == 0) {
        report(v, false, kh_scheme__locmap_line(v->locs, "grades"),
               "grades: at least one grade is required");
        return;
    }
    /* the grades as written (s->grades is sorted) */
    const kh_grade **yaml = calloc(n, sizeof *yaml);
    if (!yaml) {
        v->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++)
        yaml[order ? order[i] : i] = &s->grades[i];

    for (size_t k = 0; k < n; k++) {
        double min = yaml[k]->min;
        int line = locmap_linef(v->locs, "grades[%zu].min", k);
        if (min < 0)
            report(v, false, line, "grades[%zu].min: %g is below 0", k, min);
        else if (min > s->total)
            report(v, false, line, "grades[%zu].min: %g is above the total %g",
                   k, min, s->total);
        if (k > 0 && min == yaml[k - 1]->min)
            report(v, false, line,
                   "grades[%zu].min: %s starts at %g, the same as %s", k,
                   yaml[k]->name, min, yaml[k - 1]->name);
        else if (k > 0 && min > yaml[k - 1]->min)
            report(v, false, line,
                   "grades[%zu].min: %s (%g) is listed after %s (%g); list "
                   "grades from the highest min down",
                   k, yaml[k]->name, min, yaml[k - 1]->name, yaml[k - 1]->min);
        for (size_t j = 0; j < k; j++)
            if (strcmp(yaml[j]->name, yaml[k]->name) == 0) {
                report(v, false, locmap_linef(v->locs, "grades[%zu].name", k),
                       "grades[%zu].name: grade %s is listed twice", k,
                       yaml[k]->name);
                break;
            }
    }
    const kh_grade *lowest = &s->grades[n - 1];
    if (lowest->min > 0) {
        size_t k = order ? order[n - 1] : n - 1;
        report(v, false, locmap_linef(v->locs, "grades[%zu].min", k),
               "grades[%zu].min: the lowest grade, %s, starts at %g, so totals "
               "below %g get no grade; it must start at 0",
               k, lowest->name, lowest->min, lowest->min);
    }
    free(yaml);
}

static void validate_limits(validation *v, const kh_scheme *s)
{
    int line = kh_scheme__locmap_line(v->locs, "limits.instructions");
    if (s->instruction_limit == 0)
        report(v, false, line, "limits.instructions: must be greater than 0");
    else if ((double)s->instruction_limit > KH_SCHEME_INSTRUCTIONS_MAX)
        report(v, false, line,
               "limits.instructions: %lu is above the maximum %.0f",
               s->instruction_limit, KH_SCHEME_INSTRUCTIONS_MAX);
    line = kh_scheme__locmap_line(v->locs, "limits.memory_mb");
    if (s->memory_limit == 0)
        report(v, false, line, "limits.memory_mb: must be greater than 0");
    else if (s->memory_limit > (size_t)KH_SCHEME_MEMORY_MB_MAX * MIB)
        report(v, false, line,
               "limits.memory_mb: %zu MiB is above the maximum %u MiB",
               s->memory_limit / (size_t)MIB, KH_SCHEME_MEMORY_MB_MAX);
    line = kh_scheme__locmap_line(v->locs, "limits.timeout_ms");
    if (s->timeout_ms == 0)
        report(v, false, line, "limits.timeout_ms: must be greater than 0");
    else if (s->timeout_ms > KH_SCHEME_TIMEOUT_MS_MAX)
        report(v, false, line,
               "limits.timeout_ms: %u is above the maximum %u",
               s->timeout_ms, KH_SCHEME_TIMEOUT_MS_MAX);
}

static void validate_adjustments(validation *v, const kh_scheme *s)
{
    if (!(s->bonus_cap >= 0))
        report(v, false,
               kh_scheme__locmap_line(v->locs, "adjustments.bonus_cap"),
               "adjustments.bonus_cap: must not be negative, got %g",
               s->bonus_cap);
    if (!(s->penalty_cap >= 0))
        report(v, false,
               kh_scheme__locmap_line(v->locs, "adjustments.penalty_cap"),
               "adjustments.penalty_cap: must not be negative (it caps the "
               "total penalty as a positive number), got %g",
               s->penalty_cap);
    for (size_t j = 0; j < s->adjustments_count; j++) {
        const kh_adjustment_def *e = &s->adjustments[j];
        for (size_t i = 0; i < j; i++)
            if (strcmp(s->adjustments[i].id, e->id) == 0) {
                report(v, false,
                       locmap_linef(v->locs, "adjustments.events[%zu].id", j),
                       "adjustments.events[%zu].id: duplicate event id %s "
                       "(first at line %d)",
                       j, e->id,
                       locmap_linef(v->locs, "adjustments.events[%zu].id", i));
                break;
            }
        if (e->points == 0)
            report(v, true,
                   locmap_linef(v->locs, "adjustments.events[%zu].points", j),
                   "adjustments.events[%zu].points: event %s is worth 0 points",
                   j, e->id);
    }
}

static void validate_params(validation *v, const kh_scheme *s)
{
    for (size_t j = 0; j < s->params_count; j++)
        for (size_t i = 0; i < j; i++)
            if (strcmp(s->params[i].name, s->params[j].name) == 0) {
                report(v, false, s->params[j].line,
                       "params.%s: duplicate parameter (first at line %d)",
                       s->params[j].name, s->params[i].line);
                break;
            }
}

int kh_scheme_validate(const kh_scheme *scheme, kh_diag_list *diags)
{
    if (!scheme)
        return KH_EINVAL;
    const kh_scheme__loaded *ls = (const kh_scheme__loaded *)scheme;
    kh_diag_list local = {NULL, 0};
    validation v = {diags ? diags : &local, scheme->yaml_path, &ls->locs, 0,
                    false};
    size_t first = v.diags->count;

    validate_points(&v, scheme);
    validate_grades(&v, scheme, ls->grade_order);
    validate_params(&v, scheme);
    validate_limits(&v, scheme);
    validate_adjustments(&v, scheme);

    sort_diags(v.diags, first);
    kh_diag_list_free(&local);
    if (v.oom)
        return KH_ENOMEM;
    return v.errors ? KH_ECONFIG : KH_OK;
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                  */

const kh_param *kh_scheme_param(const kh_scheme *scheme, const char *name)
{
    if (!scheme || !name)
        return NULL;
    for (size_t i = 0; i < scheme->params_count; i++)
        if (strcmp(scheme->params[i].name, name) == 0)
            return &scheme->params[i];
    return NULL;
}

const kh_indicator *kh_scheme_indicator(const kh_scheme *scheme, const char *id)
{
    if (!scheme || !id)
        return NULL;
    for (size_t i = 0; i < scheme->indicators_count; i++)
        if (strcmp(scheme->indicators[i].id, id) == 0)
            return &scheme->indicators[i];
    return NULL;
}

const char *kh_scheme_grade(const kh_scheme *scheme, double total)
{
    if (!scheme)
        return NULL;
    for (size_t i = 0; i < scheme->grades_count; i++)
        if (scheme->grades[i].min <= total)
            return scheme->grades[i].name;
    return NULL;
}

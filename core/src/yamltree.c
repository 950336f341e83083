/* yamltree.c — a YAML/JSON document as a tree of located nodes, built by one
 * libyaml event pass under size limits (see yamltree.h). */
#include "yamltree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define SCALAR_MAX_DEFAULT ((size_t)64 * 1024)
#define NODES_MAX_DEFAULT ((size_t)2000000)
#define DEPTH_MAX_DEFAULT ((size_t)32)
#define DEPTH_MAX_HARD ((size_t)256)

struct kh_ytree {
    kh_ynode *root; /* owned; NULL for an empty document */
};

typedef struct builder {
    const char *name;       /* file name for messages; borrowed */
    kh_error *err;          /* may be NULL */
    kh_ytree_limits lim;
    kh_ynode *stack[DEPTH_MAX_HARD]; /* open collections; borrowed from the tree */
    size_t depth;
    size_t nodes;
    int documents;
    kh_ynode *root;         /* owned until handed to the tree */
} builder;

static void node_free(kh_ynode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->count; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->text);
    free(n);
}

void kh_ytree_free(kh_ytree *tree)
{
    if (!tree)
        return;
    node_free(tree->root);
    free(tree);
}

const kh_ynode *kh_ytree_root(const kh_ytree *tree)
{
    return tree ? tree->root : NULL;
}

bool kh_ynode_is_null(const kh_ynode *n)
{
    return n && n->kind == KH_YNODE_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
            strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
}

const char *kh_ynode_describe(const kh_ynode *n, char *buf, size_t size)
{
    if (!n)
        return "nothing";
    if (n->kind == KH_YNODE_SEQUENCE)
        return "a list";
    if (n->kind == KH_YNODE_MAPPING)
        return "a mapping";
    if (kh_ynode_is_null(n))
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

const kh_ynode *kh_ynode_get(const kh_ynode *map, const char *key, int *key_line)
{
    if (!map || map->kind != KH_YNODE_MAPPING || !key)
        return NULL;
    for (size_t i = 0; i + 1 < map->count; i += 2) {
        const kh_ynode *k = map->items[i];
        if (k->kind == KH_YNODE_SCALAR && strcmp(k->text, key) == 0) {
            if (key_line)
                *key_line = k->line;
            return map->items[i + 1];
        }
    }
    return NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(builder *b, int line, int column, const char *fmt, ...)
{
    char msg[KH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kh_error_set(b->err, KH_EINPUT, b->name, line, column, "%s", msg);
}

static int nomem(builder *b)
{
    return kh_error_set(b->err, KH_ENOMEM, b->name, 0, 0, "out of memory");
}

static int add_child(builder *b, kh_ynode *p, kh_ynode *child)
{
    /* capacity 4, 8, 16 …: full when count is 0 or a power of two >= 4 */
    if (p->count == 0 || (p->count >= 4 && (p->count & (p->count - 1)) == 0)) {
        size_t ncap = p->count ? p->count * 2 : 4;
        kh_ynode **items = realloc(p->items, ncap * sizeof *items);
        if (!items)
            return nomem(b);
        p->items = items;
    }
    p->items[p->count++] = child;
    return KH_OK;
}

/* Attach a complete or just-opened node to the innermost open collection
 * (or make it the root). On failure the node is freed. */
static int attach(builder *b, kh_ynode *n)
{
    if (++b->nodes > b->lim.nodes_max) {
        int line = n->line, col = n->column;
        node_free(n);
        return fail(b, line, col, "the document has more than %zu nodes", b->lim.nodes_max);
    }
    if (b->depth == 0) {
        if (b->root) { /* cannot happen with one document; be safe */
            node_free(n);
            return fail(b, 0, 0, "more than one top-level node");
        }
        b->root = n;
        return KH_OK;
    }
    kh_ynode *p = b->stack[b->depth - 1];
    if (p->kind == KH_YNODE_MAPPING && p->count % 2 == 0 && n->kind != KH_YNODE_SCALAR) {
        int line = n->line, col = n->column;
        node_free(n);
        return fail(b, line, col, "a mapping key must be a plain string, not a collection");
    }
    int rc = add_child(b, p, n);
    if (rc != KH_OK)
        node_free(n);
    return rc;
}

static kh_ynode *node_new(kh_ynode_kind kind, const yaml_event_t *ev)
{
    kh_ynode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->column = (int)ev->start_mark.column + 1;
    return n;
}

static int on_scalar(builder *b, const yaml_event_t *ev)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    size_t len = ev->data.scalar.length;
    if (len > b->lim.scalar_max) {
        return fail(b, line, col, "a scalar of %zu bytes (at most %zu allowed)", len,
                    b->lim.scalar_max);
    }
    if (memchr(ev->data.scalar.value, '\0', len))
        return fail(b, line, col, "a scalar contains a NUL character");
    kh_ynode *n = node_new(KH_YNODE_SCALAR, ev);
    if (!n || !(n->text = malloc(len + 1))) {
        free(n);
        return nomem(b);
    }
    memcpy(n->text, ev->data.scalar.value, len);
    n->text[len] = '\0';
    n->len = len;
    const char *tag = (const char *)ev->data.scalar.tag;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
               (!tag || strcmp(tag, YAML_STR_TAG) != 0);
    return attach(b, n);
}

static int on_start(builder *b, const yaml_event_t *ev, kh_ynode_kind kind)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (b->depth >= b->lim.depth_max) {
        return fail(b, line, col, "nesting is deeper than %zu levels", b->lim.depth_max);
    }
    kh_ynode *n = node_new(kind, ev);
    if (!n)
        return nomem(b);
    int rc = attach(b, n);
    if (rc != KH_OK)
        return rc;
    b->stack[b->depth++] = n;
    return KH_OK;
}

typedef struct key_ref {
    const kh_ynode *key;
} key_ref;

static int cmp_keys(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    int c = strcmp(a->key->text, b->key->text);
    if (c)
        return c;
    return (a->key->line > b->key->line) - (a->key->line < b->key->line);
}

/* A mapping is complete: refuse a key given twice (named at its second
 * occurrence). */
static int check_duplicates(builder *b, const kh_ynode *map)
{
    size_t n = map->count / 2;
    if (n < 2)
        return KH_OK;
    key_ref *keys = malloc(n * sizeof *keys);
    if (!keys)
        return nomem(b);
    for (size_t i = 0; i < n; i++)
        keys[i].key = map->items[2 * i];
    qsort(keys, n, sizeof *keys, cmp_keys);
    int rc = KH_OK;
    for (size_t i = 1; i < n && rc == KH_OK; i++)
        if (strcmp(keys[i - 1].key->text, keys[i].key->text) == 0) {
            rc = fail(b, keys[i].key->line, keys[i].key->column,
                      "key '%s' given twice (first on line %d)", keys[i].key->text,
                      keys[i - 1].key->line);
        }
    free(keys);
    return rc;
}

static int on_end(builder *b)
{
    kh_ynode *n = b->stack[--b->depth];
    if (n->kind == KH_YNODE_MAPPING)
        return check_duplicates(b, n);
    return KH_OK;
}

static int syntax_error(builder *b, const yaml_parser_t *parser, const unsigned char *buf,
                        size_t len)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return nomem(b);
    if (parser->error == YAML_READER_ERROR) {
        /* reader errors carry only a byte offset */
        int line = 1;
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            if (buf[i] == '\n')
                line++;
        return fail(b, line, 0, "not valid UTF-8 text: %s",
                    parser->problem ? parser->problem : "unreadable");
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s%s%s", parser->problem ? parser->problem : "unknown problem",
             parser->context ? " (" : "", parser->context ? parser->context : "",
             parser->context ? ")" : "");
    return fail(b, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1,
                "YAML/JSON syntax error: %s", msg);
}

int kh_ytree_parse(kh_ytree **out, const char *name, const void *buf, size_t len,
                   const kh_ytree_limits *lim, kh_error *err)
{
    *out = NULL;
    builder b;
    memset(&b, 0, sizeof b);
    b.name = name;
    b.err = err;
    if (lim)
        b.lim = *lim;
    if (!b.lim.scalar_max)
        b.lim.scalar_max = SCALAR_MAX_DEFAULT;
    if (!b.lim.nodes_max)
        b.lim.nodes_max = NODES_MAX_DEFAULT;
    if (!b.lim.depth_max)
        b.lim.depth_max = DEPTH_MAX_DEFAULT;
    if (b.lim.depth_max > DEPTH_MAX_HARD)
        b.lim.depth_max = DEPTH_MAX_HARD;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return nomem(&b);
    yaml_parser_set_input_string(&parser, buf, len);
    int rc = KH_OK;
    bool done = false;
    while (!done && rc == KH_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&b, &parser, buf, len);
            break;
        }
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++b.documents > 1)
                rc = fail(&b, line, col, "only one document is allowed (found a second '---')");
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = fail(&b, line, col, "alias *%s: aliases are not supported in data files",
                      (const char *)ev.data.alias.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(&b, &ev, KH_YNODE_SEQUENCE);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev, KH_YNODE_MAPPING);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc != KH_OK) {
        node_free(b.root);
        return rc;
    }
    kh_ytree *t = calloc(1, sizeof *t);
    if (!t) {
        node_free(b.root);
        return nomem(&b);
    }
    t->root = b.root;
    *out = t;
    return KH_OK;
}

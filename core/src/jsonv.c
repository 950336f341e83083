/* jsonv.c — a recursive-descent JSON parser into a value tree (see jsonv.h). */
#include "jsonv.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The tree's memory: every node array, key and string of a parsed text
 * comes from blocks of one arena, freed together with the root. */
typedef struct block {
    struct block *next;
    size_t cap, used;
    max_align_t data[];
} block;

/* What kh_jv_parse hands out: the root value first, so a kh_jv * to the
 * root is a tree * too (kh_jv_free). */
typedef struct tree {
    kh_jv root;
    block *blocks;    /* owned; the newest first */
} tree;

typedef struct parser {
    const char *s;
    size_t len, pos;
    int depth;
    kh_error *err;
    int rc;           /* first failure */
    tree *t;          /* the arena */
    kh_jv *stack;     /* owned: members of the open containers, innermost last */
    char **keys;      /* owned: their keys (objects), parallel to stack */
    size_t sp, cap;
    const kh_jv_parse_opts *opts; /* borrowed, or NULL */
    int discard;      /* > 0: inside a value being left out (checked only) */
    char *scratch;    /* owned: where left-out strings are decoded */
    size_t scratch_cap;
} parser;

static int fail(parser *p, int code, const char *what)
{
    if (p->rc != KH_OK)
        return p->rc;
    int line = 1, col = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++) {
        if (p->s[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)p->s[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    p->rc = code;
    if (code == KH_ENOMEM)
        kh_error_set(p->err, code, NULL, 0, 0, "out of memory");
    else
        kh_error_set(p->err, code, NULL, line, col, "JSON: %s", what);
    return code;
}

static void *alloc(parser *p, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    block *b = p->t->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : p->len + 4096;
        if (cap < n)
            cap = n;
        block *nb = malloc(sizeof *nb + cap);
        if (!nb) {
            fail(p, KH_ENOMEM, "");
            return NULL;
        }
        nb->next = b;
        nb->cap = cap;
        nb->used = 0;
        p->t->blocks = b = nb;
    }
    void *r = (char *)b->data + b->used;
    b->used += n;
    return r;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int parse_value(parser *p, kh_jv *out);

static void put_utf8(char *buf, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        buf[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*n)++] = (char)(0xC0 | (cp >> 6));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[(*n)++] = (char)(0xE0 | (cp >> 12));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[(*n)++] = (char)(0xF0 | (cp >> 18));
        buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int hex4(parser *p, uint32_t *out)
{
    if (p->pos + 4 > p->len)
        return fail(p, KH_EINPUT, "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return fail(p, KH_EINPUT, "bad \\u escape");
    }
    *out = v;
    return KH_OK;
}

/* At the opening quote. The decoded string is never longer than its JSON. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
    p->pos++; /* " */
    size_t start = p->pos;
    size_t end = start;
    while (end < p->len && p->s[end] != '"') {
        if (p->s[end] == '\\')
            end++;
        end++;
    }
    if (end >= p->len)
        return fail(p, KH_EINPUT, "unterminated string");
    char *buf;
    if (p->discard) { /* checked and decoded, not kept */
        if (p->scratch_cap < end - start + 1) {
            size_t cap = end - start + 1 > 4096 ? end - start + 1 : 4096;
            char *nb = realloc(p->scratch, cap);
            if (!nb)
                return fail(p, KH_ENOMEM, "");
            p->scratch = nb;
            p->scratch_cap = cap;
        }
        buf = p->scratch;
    } else if (!(buf = alloc(p, end - start + 1))) {
        return p->rc;
    }
    size_t n = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20)
            return fail(p, KH_EINPUT, "control character in string");
        if (c != '\\') {
            buf[n++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        char e = p->s[p->pos++];
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (hex4(p, &cp) != KH_OK)
                return p->rc;
            if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 <= end &&
                p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                size_t save = p->pos;
                p->pos += 2;
                uint32_t lo;
                if (hex4(p, &lo) != KH_OK)
                    return p->rc;
                if (lo >= 0xDC00 && lo < 0xE000)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else
                    p->pos = save;
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD; /* a lone surrogate */
            put_utf8(buf, &n, cp); /* at most 4 bytes for 6+ bytes read */
            break;
        }
        default:
            return fail(p, KH_EINPUT, "bad escape in string");
        }
    }
    buf[n] = '\0';
    p->pos = end + 1;
    *out = buf;
    *out_len = n;
    return KH_OK;
}

static int parse_number(parser *p, kh_jv *out)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    if (p->pos == digits)
        return fail(p, KH_EINPUT, "bad number");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        size_t f = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
        if (p->pos == f)
            return fail(p, KH_EINPUT, "bad number");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        size_t f = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
        if (p->pos == f)
            return fail(p, KH_EINPUT, "bad number");
    }
    size_t n = p->pos - start;
    out->type = KH_JV_NUMBER;
    if (p->discard)
        return KH_OK;
    out->text = alloc(p, n + 1);
    if (!out->text)
        return p->rc;
    memcpy(out->text, p->s + start, n);
    out->text[n] = '\0';
    out->len = n;
    out->type = KH_JV_NUMBER;
    errno = 0;
    out->number = strtod(out->text, NULL);
    return KH_OK;
}

/* Push a member of the innermost open container. */
static int push(parser *p, const kh_jv *v, char *key)
{
    if (p->sp == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        kh_jv *st = realloc(p->stack, cap * sizeof *st);
        if (!st)
            return fail(p, KH_ENOMEM, "");
        p->stack = st;
        char **ks = realloc(p->keys, cap * sizeof *ks);
        if (!ks)
            return fail(p, KH_ENOMEM, "");
        p->keys = ks;
        p->cap = cap;
    }
    p->stack[p->sp] = *v;
    p->keys[p->sp] = key;
    p->sp++;
    return KH_OK;
}

/* Members are gathered on the parser's stack and copied into the arena in
 * one piece when the container closes. */
static int parse_container(parser *p, kh_jv *out, bool object)
{
    if (++p->depth > KH_JSONV_MAX_DEPTH)
        return fail(p, KH_EINPUT, "nested too deeply");
    out->type = object ? KH_JV_OBJECT : KH_JV_ARRAY;
    p->pos++; /* { or [ */
    size_t base = p->sp;
    char close = object ? '}' : ']';
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return KH_OK;
    }
    for (;;) {
        skip_ws(p);
        kh_jv item;
        memset(&item, 0, sizeof item);
        char *key = NULL;
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return fail(p, KH_EINPUT, "expected a string key");
            size_t klen;
            if (parse_string(p, &key, &klen) != KH_OK)
                return p->rc;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return fail(p, KH_EINPUT, "expected ':'");
            p->pos++;
            skip_ws(p);
        }
        /* a member left out is checked, then kept as null */
        bool leave = object && !p->discard && p->opts && p->opts->skip &&
                     p->opts->skip(p->opts->ctx, p->depth, key);
        p->discard += leave;
        int rc = parse_value(p, &item);
        p->discard -= leave;
        if (leave)
            memset(&item, 0, sizeof item);
        if (rc != KH_OK || (!p->discard && push(p, &item, key) != KH_OK))
            return p->rc;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            p->depth--;
            if (p->discard)
                return KH_OK;
            size_t n = p->sp - base;
            out->items = alloc(p, n * sizeof *out->items);
            if (object && out->items)
                out->keys = alloc(p, n * sizeof *out->keys);
            if (!out->items || (object && !out->keys))
                return p->rc;
            memcpy(out->items, p->stack + base, n * sizeof *out->items);
            if (object)
                memcpy(out->keys, p->keys + base, n * sizeof *out->keys);
            out->count = n;
            p->sp = base;
            return KH_OK;
        }
        return fail(p, KH_EINPUT, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->pos + n <= p->len && memcmp(p->s + p->pos, word, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int parse_value(parser *p, kh_jv *out)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, KH_EINPUT, "unexpected end of text");
    char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return parse_container(p, out, c == '{');
    if (c == '"') {
        out->type = KH_JV_STRING;
        return parse_string(p, &out->text, &out->len);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, out);
    if (literal(p, "true")) {
        out->type = KH_JV_BOOL;
        out->boolean = true;
        return KH_OK;
    }
    if (literal(p, "false")) {
        out->type = KH_JV_BOOL;
        return KH_OK;
    }
    if (literal(p, "null")) {
        out->type = KH_JV_NULL;
        return KH_OK;
    }
    return fail(p, KH_EINPUT, "unexpected character");
}

void kh_jv_free(kh_jv *v)
{
    if (!v)
        return;
    tree *t = (tree *)(void *)v; /* a root from kh_jv_parse */
    for (block *b = t->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(t);
}

int kh_jv_parse(kh_jv **out, const char *text, size_t len, kh_error *err)
{
    return kh_jv_parse_ex(out, text, len, NULL, err);
}

int kh_jv_parse_ex(kh_jv **out, const char *text, size_t len, const kh_jv_parse_opts *opts,
                   kh_error *err)
{
    *out = NULL;
    tree *t = calloc(1, sizeof *t);
    if (!t)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    parser p = {text, len, 0, 0, err, KH_OK, t, NULL, NULL, 0, 0, opts, 0, NULL, 0};
    if (parse_value(&p, &t->root) == KH_OK) {
        skip_ws(&p);
        if (p.pos != p.len)
            fail(&p, KH_EINPUT, "text after the value");
    }
    free(p.stack);
    free(p.keys);
    free(p.scratch);
    if (p.rc != KH_OK) {
        kh_jv_free(&t->root);
        return p.rc;
    }
    *out = &t->root;
    return KH_OK;
}

const kh_jv *kh_jv_get(const kh_jv *v, const char *key)
{
    if (!v || v->type != KH_JV_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const char *kh_jv_str(const kh_jv *v)
{
    return v && v->type == KH_JV_STRING ? v->text : NULL;
}

const char *kh_jv_gstr(const kh_jv *v, const char *key)
{
    return kh_jv_str(kh_jv_get(v, key));
}

double kh_jv_gnum(const kh_jv *v, const char *key, double def)
{
    const kh_jv *m = kh_jv_get(v, key);
    return m && m->type == KH_JV_NUMBER ? m->number : def;
}

bool kh_jv_gbool(const kh_jv *v, const char *key, bool def)
{
    const kh_jv *m = kh_jv_get(v, key);
    return m && m->type == KH_JV_BOOL ? m->boolean : def;
}

const kh_jv *kh_jv_at(const kh_jv *v, size_t i)
{
    return v && v->type == KH_JV_ARRAY && i < v->count ? &v->items[i] : NULL;
}

size_t kh_jv_len(const kh_jv *v)
{
    return v && v->type == KH_JV_ARRAY ? v->count : 0;
}

bool kh_jv_equal(const kh_jv *a, const kh_jv *b)
{
    if (!a || !b)
        return a == b;
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case KH_JV_NULL: return true;
    case KH_JV_BOOL: return a->boolean == b->boolean;
    case KH_JV_NUMBER:
        return a->number == b->number || (isnan(a->number) && isnan(b->number));
    case KH_JV_STRING: return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
    case KH_JV_ARRAY:
    case KH_JV_OBJECT:
        if (a->count != b->count)
            return false;
        for (size_t i = 0; i < a->count; i++) {
            if (a->type == KH_JV_OBJECT && strcmp(a->keys[i], b->keys[i]) != 0)
                return false;
            if (!kh_jv_equal(&a->items[i], &b->items[i]))
                return false;
        }
        return true;
    }
    return false;
}

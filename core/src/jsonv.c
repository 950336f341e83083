/* jsonv.c — a recursive-descent JSON parser into a value tree (see jsonv.h). */
#include "jsonv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *s;
    size_t len, pos;
    int depth;
    kh_error *err;
    int rc;           /* first failure */
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
    char *buf = malloc(end - start + 1);
    if (!buf)
        return fail(p, KH_ENOMEM, "");
    size_t n = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) {
            free(buf);
            return fail(p, KH_EINPUT, "control character in string");
        }
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
            if (hex4(p, &cp) != KH_OK) {
                free(buf);
                return p->rc;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 <= end &&
                p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                size_t save = p->pos;
                p->pos += 2;
                uint32_t lo;
                if (hex4(p, &lo) != KH_OK) {
                    free(buf);
                    return p->rc;
                }
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
            free(buf);
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
    out->text = malloc(n + 1);
    if (!out->text)
        return fail(p, KH_ENOMEM, "");
    memcpy(out->text, p->s + start, n);
    out->text[n] = '\0';
    out->len = n;
    out->type = KH_JV_NUMBER;
    errno = 0;
    out->number = strtod(out->text, NULL);
    return KH_OK;
}

static int grow(parser *p, kh_jv *v, size_t *cap, bool with_keys)
{
    if (v->count < *cap)
        return KH_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    kh_jv *items = realloc(v->items, ncap * sizeof *items);
    if (!items)
        return fail(p, KH_ENOMEM, "");
    v->items = items;
    if (with_keys) {
        char **keys = realloc(v->keys, ncap * sizeof *keys);
        if (!keys)
            return fail(p, KH_ENOMEM, "");
        v->keys = keys;
    }
    *cap = ncap;
    return KH_OK;
}

static int parse_container(parser *p, kh_jv *out, bool object)
{
    if (++p->depth > KH_JSONV_MAX_DEPTH)
        return fail(p, KH_EINPUT, "nested too deeply");
    out->type = object ? KH_JV_OBJECT : KH_JV_ARRAY;
    p->pos++; /* { or [ */
    size_t cap = 0;
    char close = object ? '}' : ']';
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return KH_OK;
    }
    for (;;) {
        skip_ws(p);
        if (grow(p, out, &cap, object) != KH_OK)
            return p->rc;
        kh_jv *item = &out->items[out->count];
        memset(item, 0, sizeof *item);
        if (object) {
            out->keys[out->count] = NULL;
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return fail(p, KH_EINPUT, "expected a string key");
            size_t klen;
            char *key = NULL;
            if (parse_string(p, &key, &klen) != KH_OK)
                return p->rc;
            out->keys[out->count] = key;
            out->count++; /* counted now so a failure below frees the key */
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return fail(p, KH_EINPUT, "expected ':'");
            p->pos++;
            skip_ws(p);
            if (parse_value(p, item) != KH_OK)
                return p->rc;
        } else {
            out->count++;
            if (parse_value(p, item) != KH_OK)
                return p->rc;
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            p->depth--;
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

static void clear(kh_jv *v)
{
    for (size_t i = 0; i < v->count; i++) {
        clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
}

void kh_jv_free(kh_jv *v)
{
    if (!v)
        return;
    clear(v);
    free(v);
}

int kh_jv_parse(kh_jv **out, const char *text, size_t len, kh_error *err)
{
    *out = NULL;
    kh_jv *v = calloc(1, sizeof *v);
    if (!v)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    parser p = {text, len, 0, 0, err, KH_OK};
    if (parse_value(&p, v) == KH_OK) {
        skip_ws(&p);
        if (p.pos != p.len)
            fail(&p, KH_EINPUT, "text after the value");
    }
    if (p.rc != KH_OK) {
        kh_jv_free(v);
        return p.rc;
    }
    *out = v;
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

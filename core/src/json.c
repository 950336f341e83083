/* json.c — streaming JSON writer (see json.h). */
#define _GNU_SOURCE /* fputc_unlocked, fwrite_unlocked */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void kh_json_init(kh_json *j, FILE *out, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
    j->first[0] = true;
}

/* kaohe writes a FILE from one thread: the writer takes no stdio locks
 * (a results.json is millions of small writes). */
#define PUTC(c, f) fputc_unlocked((c), (f))
#define WRITE(p, n, f) fwrite_unlocked((p), 1, (n), (f))
#define PUTS(s, f) WRITE((s), strlen(s), (f))

static void indent(kh_json *j)
{
    static const char spaces[] = "\n                                                  "
                                 "                                                  "
                                 "                              ";
    if (!j->pretty)
        return;
    size_t n = 1 + 2 * (size_t)j->depth; /* depth < KH_JSON_MAX_DEPTH */
    if (n <= sizeof spaces - 1) {
        WRITE(spaces, n, j->out);
        return;
    }
    PUTC('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        PUTS("  ", j->out);
}

/* Before any value or key: comma and indentation as needed. */
static void before_value(kh_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth])
        PUTC(',', j->out);
    j->first[j->depth] = false;
    if (j->depth > 0)
        indent(j);
}

static void open(kh_json *j, char c)
{
    before_value(j);
    PUTC(c, j->out);
    if (j->depth + 1 < KH_JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void close_(kh_json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        indent(j);
    PUTC(c, j->out);
}

void kh_json_object(kh_json *j) { open(j, '{'); }
void kh_json_object_end(kh_json *j) { close_(j, '}'); }
void kh_json_array(kh_json *j) { open(j, '['); }
void kh_json_array_end(kh_json *j) { close_(j, ']'); }

/* Runs of bytes that need no escape go out in one fwrite (a locked stdio
 * call per byte made JSON writing a tenth of a batch worker's time). */
static void write_escaped(FILE *out, const char *s, size_t n)
{
    PUTC('"', out);
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
            continue;
        if (i > run)
            WRITE(s + run, i - run, out);
        run = i + 1;
        switch (c) {
        case '"': PUTS("\\\"", out); break;
        case '\\': PUTS("\\\\", out); break;
        case '\n': PUTS("\\n", out); break;
        case '\r': PUTS("\\r", out); break;
        case '\t': PUTS("\\t", out); break;
        default: fprintf(out, "\\u%04x", c);
        }
    }
    if (n > run)
        WRITE(s + run, n - run, out);
    PUTC('"', out);
}

void kh_json_key(kh_json *j, const char *key)
{
    before_value(j);
    write_escaped(j->out, key, strlen(key));
    PUTS(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void kh_json_string_n(kh_json *j, const char *s, size_t n)
{
    before_value(j);
    write_escaped(j->out, s, n);
}

void kh_json_string(kh_json *j, const char *s)
{
    if (!s) {
        kh_json_null(j);
        return;
    }
    kh_json_string_n(j, s, strlen(s));
}

bool kh_json__cents_text(double v, bool g_notation, char *buf, size_t size)
{
    if (!(fabs(v) < 1e9) || v == 0 || size < 24)
        return false;
    long long c = llround(v * 100);
    if ((double)c / 100.0 != v)
        return false;
    /* the significant digits of |c| */
    char d[16];
    int len = 0;
    for (unsigned long long u = c < 0 ? 0ull - (unsigned long long)c : (unsigned long long)c; u;
         u /= 10)
        d[len++] = (char)('0' + u % 10);
    for (int i = 0; i < len / 2; i++) { /* most significant first */
        char t = d[i];
        d[i] = d[len - 1 - i];
        d[len - 1 - i] = t;
    }
    int x = len - 3; /* decimal exponent of the first digit */
    int p = len;     /* significant digits: the shortest %.*g precision */
    while (p > 1 && d[p - 1] == '0')
        p--;
    char *o = buf;
    if (c < 0)
        *o++ = '-';
    if (g_notation && x >= p) { /* %g's exponent form: 1e+03, 1.5e+03 */
        *o++ = d[0];
        if (p > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(p - 1));
            o += p - 1;
        }
        *o++ = 'e';
        *o++ = '+';
        if (x >= 10)
            *o++ = (char)('0' + x / 10);
        else
            *o++ = '0';
        *o++ = (char)('0' + x % 10);
    } else if (x < 0) { /* 0.05, 0.5 */
        *o++ = '0';
        *o++ = '.';
        for (int i = x; i < -1; i++)
            *o++ = '0';
        memcpy(o, d, (size_t)p);
        o += p;
    } else { /* 13, 13.5, 13.48 */
        memcpy(o, d, (size_t)(x + 1));
        o += x + 1;
        if (p > x + 1) {
            *o++ = '.';
            memcpy(o, d + x + 1, (size_t)(p - x - 1));
            o += p - x - 1;
        }
    }
    *o = '\0';
    return true;
}

char *kh_format_double(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "null");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, size, "0");
        return buf;
    }
    /* whole numbers and cents: their digits, as the search below finds */
    if (kh_json__cents_text(v, false, buf, size))
        return buf;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* avoid exponent notation for ordinary magnitudes */
    if (strchr(buf, 'e') && fabs(v) < 1e15 && fabs(v) >= 1e-6) {
        snprintf(buf, size, "%.6f", v);
        char *p = buf + strlen(buf) - 1;
        while (p > buf && *p == '0')
            *p-- = '\0';
        if (*p == '.')
            *p = '\0';
    }
    return buf;
}

void kh_json_number(kh_json *j, double v)
{
    char buf[64];
    before_value(j);
    PUTS(kh_format_double(v, buf, sizeof buf), j->out);
}

void kh_json_int(kh_json *j, long long v)
{
    char buf[24], *p = buf + sizeof buf;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (v < 0)
        *--p = '-';
    before_value(j);
    WRITE(p, (size_t)(buf + sizeof buf - p), j->out);
}

void kh_json_bool(kh_json *j, bool v)
{
    before_value(j);
    PUTS(v ? "true" : "false", j->out);
}

void kh_json_null(kh_json *j)
{
    before_value(j);
    PUTS("null", j->out);
}

void kh_json_raw(kh_json *j, const char *json)
{
    before_value(j);
    PUTS(json, j->out);
}

void kh_json_kstring(kh_json *j, const char *key, const char *s) { kh_json_key(j, key); kh_json_string(j, s); }
void kh_json_knumber(kh_json *j, const char *key, double v) { kh_json_key(j, key); kh_json_number(j, v); }
void kh_json_kint(kh_json *j, const char *key, long long v) { kh_json_key(j, key); kh_json_int(j, v); }
void kh_json_kbool(kh_json *j, const char *key, bool v) { kh_json_key(j, key); kh_json_bool(j, v); }
void kh_json_knull(kh_json *j, const char *key) { kh_json_key(j, key); kh_json_null(j); }

void kh_json_end(kh_json *j)
{
    PUTC('\n', j->out);
}

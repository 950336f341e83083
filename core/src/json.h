/*
 * json.h — a small streaming JSON writer (UTF-8 in, valid JSON out) used by
 * the CLI outputs. Keeps a nesting stack so commas are placed correctly.
 */
#ifndef KH_JSON_H
#define KH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define KH_JSON_MAX_DEPTH 32

typedef struct kh_json {
    FILE *out;                       /* borrowed */
    int depth;
    bool first[KH_JSON_MAX_DEPTH];   /* no member written yet at this depth */
    bool pretty;
    bool after_key;                  /* a key was written, value comes next */
} kh_json;

void kh_json_init(kh_json *j, FILE *out, bool pretty);
void kh_json_object(kh_json *j);             /* { */
void kh_json_object_end(kh_json *j);         /* } */
void kh_json_array(kh_json *j);              /* [ */
void kh_json_array_end(kh_json *j);          /* ] */
void kh_json_key(kh_json *j, const char *key);
void kh_json_string(kh_json *j, const char *s);   /* NULL → null */
void kh_json_string_n(kh_json *j, const char *s, size_t n);
void kh_json_number(kh_json *j, double v);        /* shortest round-trip form; NaN/inf → null */
void kh_json_int(kh_json *j, long long v);
void kh_json_bool(kh_json *j, bool v);
void kh_json_null(kh_json *j);
/* A value already in JSON syntax (e.g. an exact decimal "45200"). */
void kh_json_raw(kh_json *j, const char *json);
/* key + value shortcuts */
void kh_json_kstring(kh_json *j, const char *key, const char *s);
void kh_json_knumber(kh_json *j, const char *key, double v);
void kh_json_kint(kh_json *j, const char *key, long long v);
void kh_json_kbool(kh_json *j, const char *key, bool v);
void kh_json_knull(kh_json *j, const char *key);
void kh_json_end(kh_json *j);                /* final newline */

/* Shortest decimal text that reads back as v ("45200", "98.5", "13.48"). */
char *kh_format_double(double v, char *buf, size_t size);
/* Internal (json.c, record.c): when v is a whole number of cents below 10^9
 * (not 0), its shortest round-trip text — what searching "%.*g" precisions
 * upwards until strtod reads v back gives — in buf (size >= 24) and true:
 * in %g's own notation (1e+03 for 1000) when g_notation, else plain
 * digits (1000). False, buf untouched, for any other v. */
bool kh_json__cents_text(double v, bool g_notation, char *buf, size_t size);

#endif

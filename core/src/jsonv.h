/*
 * jsonv.h — reading JSON back: parse a UTF-8 JSON text into a tree of values
 * (the counterpart of the writer in json.h). Used for what kaohe writes and
 * reads again: worker results over a pipe, the per-report cache, shard files,
 * and results.json for `kaohe verify`.
 */
#ifndef KH_JSONV_H
#define KH_JSONV_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"

/* Containers nested deeper than this are refused. */
#define KH_JSONV_MAX_DEPTH 64

typedef enum kh_jv_type {
    KH_JV_NULL = 0,
    KH_JV_BOOL,
    KH_JV_NUMBER,
    KH_JV_STRING,
    KH_JV_ARRAY,
    KH_JV_OBJECT
} kh_jv_type;

typedef struct kh_jv kh_jv;
struct kh_jv {
    kh_jv_type type;
    bool boolean;      /* KH_JV_BOOL */
    double number;     /* KH_JV_NUMBER */
    char *text;        /* the string (NUL-terminated; may contain NUL, see
                          len) or the number as written */
    size_t len;        /* bytes in text */
    kh_jv *items;      /* array elements / object member values */
    char **keys;       /* object member keys, parallel to items */
    /* text, items and keys belong to the tree: they are allocated in one
     * arena with it and freed with its root (kh_jv_free) */
    size_t count;      /* elements or members */
};

/* Parse text[0..len). Trailing whitespace is allowed, anything else after the
 * value is an error. On failure returns KH_EINPUT with err->line/column set
 * and a message ("expected ',' or '}'"), or KH_ENOMEM.
 * *out: caller owns the whole tree; free with kh_jv_free(). */
int kh_jv_parse(kh_jv **out, const char *text, size_t len, kh_error *err);
/* What a parse may leave out. skip(ctx, depth, key) is asked for every
 * member of an object (depth 1: the members of the outermost object, 2: of
 * an object inside it, ...; arrays count as a level): when it returns true
 * the member's value is checked like any other but not kept — the member
 * reads as null — which spares building what the caller will not read. */
typedef struct kh_jv_parse_opts {
    bool (*skip)(void *ctx, int depth, const char *key);
    void *ctx;
} kh_jv_parse_opts;

/* kh_jv_parse with opts (NULL: keep everything). */
int kh_jv_parse_ex(kh_jv **out, const char *text, size_t len, const kh_jv_parse_opts *opts,
                   kh_error *err);

/* Free a tree: v must be a root kh_jv_parse gave (its values cannot be
 * freed one by one). Accepts NULL. */
void kh_jv_free(kh_jv *v);

/* Member of an object by key (the first one), or NULL when v is not an
 * object or has no such member. Borrowed. */
const kh_jv *kh_jv_get(const kh_jv *v, const char *key);
/* The string of v, or NULL when v is not a string. Borrowed. */
const char *kh_jv_str(const kh_jv *v);
/* The string member key of object v, or NULL. Borrowed. */
const char *kh_jv_gstr(const kh_jv *v, const char *key);
/* The number member key of v, or def when absent or not a number. */
double kh_jv_gnum(const kh_jv *v, const char *key, double def);
/* The boolean member key of v, or def. */
bool kh_jv_gbool(const kh_jv *v, const char *key, bool def);
/* Element i of an array (NULL when out of range or not an array). */
const kh_jv *kh_jv_at(const kh_jv *v, size_t i);
/* Elements of an array (0 when v is NULL or not an array). */
size_t kh_jv_len(const kh_jv *v);

/* Deep equality (object members compared in order, numbers by value). */
bool kh_jv_equal(const kh_jv *a, const kh_jv *b);

#endif

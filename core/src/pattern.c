/* pattern.c — PCRE2 behind the plugin pattern helpers (see pattern.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits that stop catastrophic backtracking on hostile text. */
#define KH_RE_MATCH_LIMIT 1000000u
#define KH_RE_DEPTH_LIMIT 10000u

/* Compiled code, shared by every kh_re made from the same pattern. */
typedef struct kh_re_code {
    pcre2_code *code;            /* owned */
    unsigned refs;               /* handles + the cache's own reference */
    int jit;                     /* 0 not tried yet, 1 JIT code, -1 none */
    int groups;
    uint32_t flags;
    char *pattern;               /* owned; NULL when not in a cache */
} kh_re_code;

struct kh_re {
    kh_re_code *rc;              /* shared, one reference */
    pcre2_match_data *md;        /* owned; makes a kh_re single-threaded */
    pcre2_match_context *mctx;   /* owned */
};

struct kh_pattern_cache {
    kh_re_code **slots;          /* open addressing; NULL = empty */
    size_t cap, count;           /* cap a power of two */
};

static void code_unref(kh_re_code *rc)
{
    if (!rc || --rc->refs > 0)
        return;
    pcre2_code_free(rc->code);
    free(rc->pattern);
    free(rc);
}

/* Compile pattern into a new kh_re_code with one reference. */
static int code_new(const char *pattern, uint32_t flags, kh_re_code **out, char *err,
                    size_t err_size)
{
    *out = NULL;
    uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
    if (flags & KH_RE_CASELESS)
        opts |= PCRE2_CASELESS;
    if (flags & KH_RE_ANCHORED)
        opts |= PCRE2_ANCHORED;
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     opts, &ecode, &eoff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(err, err_size, "offset %zu: %s", (size_t)eoff, (char *)msg);
        return KH_PLUGIN_EINVAL;
    }
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    if (n > KH_RE_MAX_GROUPS) {
        pcre2_code_free(code);
        snprintf(err, err_size, "%u capture groups, at most %d allowed", n,
                 KH_RE_MAX_GROUPS);
        return KH_PLUGIN_EINVAL;
    }
    kh_re_code *rc = calloc(1, sizeof *rc);
    if (!rc) {
        pcre2_code_free(code);
        snprintf(err, err_size, "out of memory");
        return KH_PLUGIN_ENOMEM;
    }
    rc->code = code;
    rc->refs = 1;
    rc->groups = (int)n;
    rc->flags = flags;
    *out = rc;
    return KH_PLUGIN_OK;
}

/* A handle on rc (takes over one reference of rc, also on failure). */
static int handle_new(kh_re_code *rc, kh_re **out, char *err, size_t err_size)
{
    *out = NULL;
    kh_re *re = calloc(1, sizeof *re);
    if (!re) {
        code_unref(rc);
        snprintf(err, err_size, "out of memory");
        return KH_PLUGIN_ENOMEM;
    }
    re->rc = rc;
    re->md = pcre2_match_data_create_from_pattern(rc->code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->md || !re->mctx) {
        kh_pattern_free(re);
        snprintf(err, err_size, "out of memory");
        return KH_PLUGIN_ENOMEM;
    }
    pcre2_set_match_limit(re->mctx, KH_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, KH_RE_DEPTH_LIMIT);
    *out = re;
    return KH_PLUGIN_OK;
}

int kh_pattern_compile(const char *pattern, uint32_t flags, kh_re **out,
                       char *err, size_t err_size)
{
    return kh_pattern_compile_cached(NULL, pattern, flags, out, err, err_size);
}

int kh_pattern_cache_new(kh_pattern_cache **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? KH_PLUGIN_OK : KH_PLUGIN_ENOMEM;
}

void kh_pattern_cache_free(kh_pattern_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < cache->cap; i++)
        code_unref(cache->slots[i]);
    free(cache->slots);
    free(cache);
}

static size_t hash_of(const char *pattern, uint32_t flags)
{
    uint64_t h = 14695981039346656037u ^ flags; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)pattern; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)h;
}

/* The slot of (pattern, flags): where it is, or the empty slot it goes to. */
static size_t cache_slot(const kh_pattern_cache *c, const char *pattern, uint32_t flags)
{
    size_t i = hash_of(pattern, flags) & (c->cap - 1);
    while (c->slots[i] &&
           (c->slots[i]->flags != flags || strcmp(c->slots[i]->pattern, pattern) != 0))
        i = (i + 1) & (c->cap - 1);
    return i;
}

static bool cache_grow(kh_pattern_cache *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 64;
    kh_re_code **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    kh_pattern_cache old = *c;
    c->slots = ns;
    c->cap = ncap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i])
            c->slots[cache_slot(c, old.slots[i]->pattern, old.slots[i]->flags)] = old.slots[i];
    free(old.slots);
    return true;
}

int kh_pattern_compile_cached(kh_pattern_cache *cache, const char *pattern,
                              uint32_t flags, kh_re **out, char *err, size_t err_size)
{
    *out = NULL;
    if (!pattern) {
        snprintf(err, err_size, "NULL pattern");
        return KH_PLUGIN_EINVAL;
    }
    kh_re_code *rc = NULL;
    if (cache && (cache->count + 1) * 2 > cache->cap && !cache_grow(cache))
        cache = NULL; /* out of memory for the table: compile unshared */
    size_t slot = cache ? cache_slot(cache, pattern, flags) : 0;
    if (cache && cache->slots[slot]) {
        rc = cache->slots[slot];
        rc->refs++;
        return handle_new(rc, out, err, err_size);
    }
    int rc_status = code_new(pattern, flags, &rc, err, err_size);
    if (rc_status != KH_PLUGIN_OK)
        return rc_status;
    if (cache && (rc->pattern = strdup(pattern)) != NULL) {
        rc->refs++; /* the cache's */
        cache->slots[slot] = rc;
        cache->count++;
    }
    return handle_new(rc, out, err, err_size);
}

void kh_pattern_cache_jit_all(kh_pattern_cache *cache)
{
    for (size_t i = 0; cache && i < cache->cap; i++) {
        kh_re_code *rc = cache->slots[i];
        if (rc && rc->jit == 0)
            rc->jit = pcre2_jit_compile(rc->code, PCRE2_JIT_COMPLETE) == 0 ? 1 : -1;
    }
}

int kh_pattern_match(kh_re *re, const char *subject, size_t len, size_t start,
                     kh_match *m)
{
    if (!re || !subject || !m || start > len)
        return KH_PLUGIN_EINVAL;
    kh_re_code *rc = re->rc;
    if (rc->jit == 0) /* first use (pattern.h) */
        rc->jit = pcre2_jit_compile(rc->code, PCRE2_JIT_COMPLETE) == 0 ? 1 : -1;
    /* JIT code straight through pcre2_jit_match(): pcre2_match() would only
     * check options the host never passes and then call it (the subject
     * needs no UTF check: PCRE2_MATCH_INVALID_UTF) */
    int rc_match = rc->jit == 1
                       ? pcre2_jit_match(rc->code, (PCRE2_SPTR)subject, len, start, 0,
                                         re->md, re->mctx)
                       : pcre2_match(rc->code, (PCRE2_SPTR)subject, len, start, 0, re->md,
                                     re->mctx);
    if (rc_match == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc_match < 0)
        return KH_PLUGIN_ERROR;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    int groups = rc->groups;
    m->groups = groups;
    /* KH_RE_UNSET is all ones: every group unset at once, then the set ones */
    memset(m->group_start, 0xFF, sizeof m->group_start);
    memset(m->group_end, 0xFF, sizeof m->group_end);
    int filled = groups < rc_match - 1 ? groups : rc_match - 1;
    for (int i = 0; i <= filled && i <= KH_RE_MAX_GROUPS; i++) {
        if (ov[2 * i] != PCRE2_UNSET) {
            m->group_start[i] = ov[2 * i];
            m->group_end[i] = ov[2 * i + 1];
        }
    }
    m->start = ov[0];
    m->end = ov[1];
    return 1;
}

int kh_pattern_group(const kh_re *re, const char *name)
{
    if (!re || !name)
        return -1;
    int n = pcre2_substring_number_from_name(re->rc->code, (PCRE2_SPTR)name);
    return n < 0 ? -1 : n;
}

void kh_pattern_free(kh_re *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->md);
    pcre2_match_context_free(re->mctx);
    code_unref(re->rc);
    free(re);
}

/* pattern.c — PCRE2 behind the plugin pattern helpers (see pattern.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

/* Limits that stop catastrophic backtracking on hostile text. */
#define KH_RE_MATCH_LIMIT 1000000u
#define KH_RE_DEPTH_LIMIT 10000u

struct kh_re {
    pcre2_code *code;            /* owned */
    pcre2_match_data *md;        /* owned; makes a kh_re single-threaded */
    pcre2_match_context *mctx;   /* owned */
    int groups;
    int jit;                     /* JIT compiled successfully */
};

int kh_pattern_compile(const char *pattern, uint32_t flags, kh_re **out,
                       char *err, size_t err_size)
{
    *out = NULL;
    if (!pattern) {
        snprintf(err, err_size, "NULL pattern");
        return KH_PLUGIN_EINVAL;
    }
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
    kh_re *re = calloc(1, sizeof *re);
    if (!re) {
        pcre2_code_free(code);
        snprintf(err, err_size, "out of memory");
        return KH_PLUGIN_ENOMEM;
    }
    re->code = code;
    re->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    re->md = pcre2_match_data_create_from_pattern(code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->md || !re->mctx) {
        kh_pattern_free(re);
        snprintf(err, err_size, "out of memory");
        return KH_PLUGIN_ENOMEM;
    }
    pcre2_set_match_limit(re->mctx, KH_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(re->mctx, KH_RE_DEPTH_LIMIT);
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    if (n > KH_RE_MAX_GROUPS) {
        kh_pattern_free(re);
        snprintf(err, err_size, "%u capture groups, at most %d allowed", n,
                 KH_RE_MAX_GROUPS);
        return KH_PLUGIN_EINVAL;
    }
    re->groups = (int)n;
    *out = re;
    return KH_PLUGIN_OK;
}

int kh_pattern_match(kh_re *re, const char *subject, size_t len, size_t start,
                     kh_match *m)
{
    if (!re || !subject || !m || start > len)
        return KH_PLUGIN_EINVAL;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, start, 0, re->md,
                         re->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return KH_PLUGIN_ERROR;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    m->groups = re->groups;
    for (int i = 0; i <= KH_RE_MAX_GROUPS; i++) {
        if (i <= re->groups && i < rc && ov[2 * i] != PCRE2_UNSET) {
            m->group_start[i] = ov[2 * i];
            m->group_end[i] = ov[2 * i + 1];
        } else {
            m->group_start[i] = KH_RE_UNSET;
            m->group_end[i] = KH_RE_UNSET;
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
    int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
    return n < 0 ? -1 : n;
}

void kh_pattern_free(kh_re *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->md);
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    free(re);
}

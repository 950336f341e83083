/*
 * pattern.h — compiled patterns for plugins (host->re_*): PCRE2 in UTF + UCP
 * mode, JIT when the platform has it, a match limit so no pattern can run
 * away on hostile text. Private to the core.
 */
#ifndef KH_PATTERN_H
#define KH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "kaohe/plugin.h"

/* Compile; *out is the caller's, free with kh_pattern_free(). On failure
 * returns KH_PLUGIN_EINVAL with "offset N: message" in err. */
int kh_pattern_compile(const char *pattern, uint32_t flags, kh_re **out,
                       char *err, size_t err_size);
int kh_pattern_match(kh_re *re, const char *subject, size_t len, size_t start,
                     kh_match *m);
int kh_pattern_group(const kh_re *re, const char *name);
void kh_pattern_free(kh_re *re); /* accepts NULL */

#endif

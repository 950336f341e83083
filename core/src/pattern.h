/*
 * pattern.h — compiled patterns for plugins (host->re_*): PCRE2 in UTF + UCP
 * mode, JIT (lazily) when the platform has it, a match limit so no pattern
 * can run away on hostile text, and a per-engine cache that compiles a
 * pattern several plugins share only once. Private to the core.
 */
#ifndef KH_PATTERN_H
#define KH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "kaohe/plugin.h"

/* Patterns are JIT-compiled on their first match, not when compiled: a run
 * JIT-compiles only the patterns its documents reach (compiling JIT code
 * costs as much as running it over tens of kilobytes, and a plugin compiles
 * dozens of patterns a report may never need). Every match runs the JIT
 * code when the platform has a JIT, as before: interpreting even the short
 * clause-sized matches made extraction of a batch nearly four times slower. */

/* Compile; *out is the caller's, free with kh_pattern_free(). On failure
 * returns KH_PLUGIN_EINVAL with "offset N: message" in err. */
int kh_pattern_compile(const char *pattern, uint32_t flags, kh_re **out,
                       char *err, size_t err_size);

/* A set of compiled patterns shared by the kh_re handles made from it: the
 * same (pattern, flags) is compiled once (kaohe's plugins all compile the
 * scope patterns of plugins/common/khp.c). Each kh_re keeps its own match
 * data, so handles stay independent; the compiled code is reference
 * counted and lives as long as the cache or a handle needs it. One engine
 * owns one cache; not thread-safe (neither is a kh_re). */
typedef struct kh_pattern_cache kh_pattern_cache;

/* *out is the caller's; free with kh_pattern_cache_free(). KH_PLUGIN_OK or
 * KH_PLUGIN_ENOMEM. */
int kh_pattern_cache_new(kh_pattern_cache **out);
/* Drops the cache's references; handles made from it stay valid until
 * kh_pattern_free(). Accepts NULL. */
void kh_pattern_cache_free(kh_pattern_cache *cache);
/* kh_pattern_compile through cache (which may be NULL: no sharing). */
int kh_pattern_compile_cached(kh_pattern_cache *cache, const char *pattern,
                              uint32_t flags, kh_re **out, char *err, size_t err_size);
/* JIT-compile every pattern of cache not compiled yet: before fork()ing
 * short-lived children (extract/score --isolate, one per report), which
 * would otherwise each compile what they use and lose it. Accepts NULL. */
void kh_pattern_cache_jit_all(kh_pattern_cache *cache);
int kh_pattern_match(kh_re *re, const char *subject, size_t len, size_t start,
                     kh_match *m);
int kh_pattern_group(const kh_re *re, const char *name);
void kh_pattern_free(kh_re *re); /* accepts NULL */

#endif

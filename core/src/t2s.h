/*
 * t2s.h — traditional Chinese characters → simplified, one character for one
 * character, for the normaliser: decide whether a text is written in
 * traditional characters and list the characters OpenCC's t2s conversion
 * changes, with their byte offsets (private to the engine).
 */
#ifndef KH_T2S_H
#define KH_T2S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kaohe/error.h"

/* One character to replace: the ideograph at byte `offset` of the text reads
 * as code point `cp` (also an ideograph). */
typedef struct kh_t2s_sub {
    size_t offset;
    int32_t cp;
} kh_t2s_sub;

/* Does the UTF-8 text look traditional: at least 5% of its CJK ideographs
 * (and at least 3 of them) from a list of ~480 frequent characters that
 * exist only in traditional script (們 個 這 說 對 發 議 訴 審 …)? A
 * simplified report scores 0; a traditional one about 30%. One pass, no
 * allocation. */
bool kh_t2s__looks_traditional(const char *text, size_t len);

/* The simplified form of every ideograph of text (valid UTF-8) that OpenCC's
 * t2s conversion changes, in offset order. Each line is converted whole,
 * so OpenCC's phrase tables pick the reading (乾淨 → 干净 but 乾隆 stays);
 * where a line's conversion changes its length in characters, its
 * ideographs are converted one at a time. Only ideograph → ideograph
 * changes are kept, so every substitution is one character for one.
 * *subs: caller owns, free(); NULL when *count is 0. Errors: KH_EIO when
 * OpenCC or its t2s configuration cannot be loaded, KH_ENOMEM; err->file =
 * name. OpenCC is dlopen'ed and its converter opened on the first call and
 * kept for the process (a once-only cache, see t2s.c); later calls, from
 * any thread, reuse it. */
int kh_t2s__substitutions(kh_t2s_sub **subs, size_t *count, const char *text,
                          size_t len, const char *name, kh_error *err);

/* The OpenCC configuration file used (absolute path, static). */
const char *kh_t2s__config(void);

#endif

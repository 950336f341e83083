/*
 * luascan.h — private: a small Lua 5.4 tokenizer for static looks at rule
 * scripts (never for running them). It knows comments, short and long
 * strings, numbers, names and symbols, and the line of every token; on top
 * of it, two questions the rule tools ask: which calls of a global function
 * a script makes (param("x"), fact("k"), score(...)) and where the arms of
 * its if/elseif/else statements are.
 */
#ifndef KH_LUASCAN_H
#define KH_LUASCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "kaohe/error.h"

typedef enum kh_luatok_kind {
    KH_LUATOK_NAME = 0,   /* names and keywords */
    KH_LUATOK_STRING = 1, /* '…' "…" [[…]] */
    KH_LUATOK_NUMBER = 2,
    KH_LUATOK_SYMBOL = 3  /* ( ) , . .. ... : :: == ~= <= >= // << >> and single bytes */
} kh_luatok_kind;

typedef struct kh_luatok {
    kh_luatok_kind kind;
    const char *text;   /* borrowed from the source: the token as written */
    size_t len;
    char *value;        /* STRING only: the decoded value, owned by the list */
    int line;           /* 1-based line where the token starts */
} kh_luatok;

typedef struct kh_luatoks {
    kh_luatok *items;   /* owned; free with kh_luatoks_free() */
    size_t count;
} kh_luatoks;

/* Tokenize src (len bytes; need not be NUL-terminated; borrowed and must
 * outlive *out). An unfinished string or long comment is KH_EINPUT with
 * err->line (err->file left empty); KH_ENOMEM. *out is zeroed first and is
 * the caller's to free (also after a failure). */
int kh_luascan_tokens(kh_luatoks *out, const char *src, size_t len,
                      kh_error *err);
void kh_luatoks_free(kh_luatoks *toks); /* zeroes it; accepts NULL */

/* Is tok a NAME or SYMBOL spelled s? */
bool kh_luatok_is(const kh_luatok *tok, const char *s);

/* A call of a global function: name(…), name "…", name {…}. Not a field or
 * method (x.name(), x:name()), not a definition (function name, local name). */
typedef struct kh_luacall {
    const char *name;   /* borrowed: one of the names asked for */
    const char *arg;    /* borrowed from the token list: the first argument
                           when it is a literal string alone (name("x") or
                           name("x", …)), else NULL (dynamic or none) */
    bool no_args;       /* name() */
    int line;           /* line of the name */
} kh_luacall;

/* Every call of one of names (NULL-terminated) in toks, in source order.
 * *out: caller frees with free(); *count may be 0 (then *out is NULL).
 * Returns KH_OK or KH_ENOMEM. */
int kh_luascan_calls(const kh_luatoks *toks, const char *const *names,
                     kh_luacall **out, size_t *count);

/* One arm of an if statement. */
typedef struct kh_luaarm {
    const char *kind;   /* static: "if" (the then-arm), "elseif" or "else" */
    int line;           /* line of the if/elseif/else keyword */
    int first;          /* first line of the arm's body; 0 when it is empty */
    int last;           /* last line of the arm's body */
} kh_luaarm;

/* Every if/elseif/else arm in toks, in source order. Blocks are matched by
 * keyword (if/function/do/repeat open, end/until close), so a script that
 * does not compile may give odd arms. *out: caller frees with free().
 * Returns KH_OK or KH_ENOMEM. */
int kh_luascan_arms(const kh_luatoks *toks, kh_luaarm **out, size_t *count);

#endif

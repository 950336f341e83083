/*
 * luascan.c — a small Lua 5.4 tokenizer and two static questions over its
 * tokens: global function calls with a literal first argument, and the arms
 * of if statements (see luascan.h). Used by `kaohe rules check` and the
 * branch list of `kaohe rules test --coverage`; never to run code.
 */
#include "luascan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct lexer {
    const char *s;     /* borrowed source */
    size_t len;
    size_t pos;
    int line;
    kh_luatoks *out;
    kh_error *err;
} lexer;

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_xdigit(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int peek(const lexer *lx, size_t ahead)
{
    size_t p = lx->pos + ahead;
    return p < lx->len ? (unsigned char)lx->s[p] : -1;
}

/* At a line break: step over it ("\r\n" and "\n\r" count once). */
static void newline(lexer *lx)
{
    int c = peek(lx, 0);
    lx->pos++;
    int d = peek(lx, 0);
    if ((d == '\n' || d == '\r') && d != c)
        lx->pos++;
    lx->line++;
}

static int push(lexer *lx, kh_luatok_kind kind, size_t start, int line,
                char *value)
{
    kh_luatoks *t = lx->out;
    /* capacity grows geometrically from count: 0 → 64 → 128 … */
    if (t->count == 0 || (t->count >= 64 && (t->count & (t->count - 1)) == 0)) {
        size_t cap = t->count < 64 ? 64 : t->count * 2;
        kh_luatok *items = realloc(t->items, cap * sizeof *items);
        if (!items) {
            free(value);
            return KH_ENOMEM;
        }
        t->items = items;
    }
    kh_luatok *tok = &t->items[t->count++];
    tok->kind = kind;
    tok->text = lx->s + start;
    tok->len = lx->pos - start;
    tok->value = value;
    tok->line = line;
    return KH_OK;
}

/* At '[': the level of a long bracket "[==[" (0 for "[["), or -1. */
static int long_bracket_level(const lexer *lx)
{
    size_t i = 1;
    while (peek(lx, i) == '=')
        i++;
    return peek(lx, i) == '[' ? (int)(i - 1) : -1;
}

/* A growing byte buffer for decoded strings. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return KH_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return KH_OK;
}

static int buf_byte(buf *b, int c)
{
    char ch = (char)c;
    return buf_put(b, &ch, 1);
}

/* Read a long bracket of `level` starting at '['; the value is its body
 * (with a first line break dropped) when want_value. */
static int read_long(lexer *lx, int level, bool want_value, char **value,
                     const char *what)
{
    int start_line = lx->line;
    buf b = {0};
    lx->pos += (size_t)level + 2;
    if (peek(lx, 0) == '\n' || peek(lx, 0) == '\r')
        newline(lx);
    for (;;) {
        int c = peek(lx, 0);
        if (c < 0) {
            free(b.p);
            return kh_error_set(lx->err, KH_EINPUT, NULL, start_line, 0,
                                "unfinished long %s", what);
        }
        if (c == ']') {
            int i = 1;
            while (peek(lx, (size_t)i) == '=')
                i++;
            if (i - 1 == level && peek(lx, (size_t)i) == ']') {
                lx->pos += (size_t)i + 1;
                break;
            }
        }
        if (c == '\n' || c == '\r') {
            newline(lx);
            if (want_value && buf_byte(&b, '\n') != KH_OK)
                goto nomem;
            continue;
        }
        if (want_value && buf_byte(&b, c) != KH_OK)
            goto nomem;
        lx->pos++;
    }
    if (want_value) {
        if (!b.p && buf_put(&b, "", 0) != KH_OK)
            goto nomem;
        *value = b.p;
    } else {
        free(b.p);
    }
    return KH_OK;
nomem:
    free(b.p);
    return KH_ENOMEM;
}

static int put_utf8(buf *b, unsigned long cp)
{
    char out[6];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | ((cp >> 18) & 0x07));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_put(b, out, n);
}

/* A short string; escapes are decoded (a malformed escape is kept as
 * written: the compiler reports it, this scanner only looks). */
static int read_short(lexer *lx, char **value)
{
    int quote = peek(lx, 0);
    int start_line = lx->line;
    buf b = {0};
    lx->pos++;
    for (;;) {
        int c = peek(lx, 0);
        if (c < 0 || c == '\n' || c == '\r') {
            free(b.p);
            return kh_error_set(lx->err, KH_EINPUT, NULL, start_line, 0,
                                "unfinished string");
        }
        if (c == quote) {
            lx->pos++;
            break;
        }
        if (c != '\\') {
            if (buf_byte(&b, c) != KH_OK)
                goto nomem;
            lx->pos++;
            continue;
        }
        int e = peek(lx, 1);
        int rc = KH_OK;
        lx->pos += 2;
        switch (e) {
        case 'a': rc = buf_byte(&b, '\a'); break;
        case 'b': rc = buf_byte(&b, '\b'); break;
        case 'f': rc = buf_byte(&b, '\f'); break;
        case 'n': rc = buf_byte(&b, '\n'); break;
        case 'r': rc = buf_byte(&b, '\r'); break;
        case 't': rc = buf_byte(&b, '\t'); break;
        case 'v': rc = buf_byte(&b, '\v'); break;
        case '\n':
        case '\r':
            lx->pos--;
            newline(lx);
            rc = buf_byte(&b, '\n');
            break;
        case 'z':
            for (int w = peek(lx, 0); w == ' ' || w == '\t' || w == '\f' || w == '\v' ||
                                      w == '\n' || w == '\r';
                 w = peek(lx, 0)) {
                if (w == '\n' || w == '\r')
                    newline(lx);
                else
                    lx->pos++;
            }
            break;
        case 'x':
            if (is_xdigit(peek(lx, 0)) && is_xdigit(peek(lx, 1))) {
                char hex[3] = {(char)peek(lx, 0), (char)peek(lx, 1), 0};
                rc = buf_byte(&b, (int)strtol(hex, NULL, 16));
                lx->pos += 2;
            }
            break;
        case 'u':
            if (peek(lx, 0) == '{') {
                unsigned long cp = 0;
                size_t i = 1;
                while (is_xdigit(peek(lx, i)) && cp <= 0x7FFFFFFFUL) {
                    char h[2] = {(char)peek(lx, i), 0};
                    cp = cp * 16 + (unsigned long)strtol(h, NULL, 16);
                    i++;
                }
                if (peek(lx, i) == '}') {
                    lx->pos += i + 1;
                    rc = put_utf8(&b, cp);
                }
            }
            break;
        case -1:
            lx->pos--;
            break;
        default:
            if (is_digit(e)) {
                int v = e - '0';
                for (int k = 0; k < 2 && is_digit(peek(lx, 0)); k++) {
                    v = v * 10 + (peek(lx, 0) - '0');
                    lx->pos++;
                }
                rc = buf_byte(&b, v & 0xFF);
            } else {
                rc = buf_byte(&b, e); /* \\ \" \' */
            }
            break;
        }
        if (rc != KH_OK)
            goto nomem;
    }
    if (!b.p && buf_put(&b, "", 0) != KH_OK)
        goto nomem;
    *value = b.p;
    return KH_OK;
nomem:
    free(b.p);
    return KH_ENOMEM;
}

static void read_number(lexer *lx)
{
    const char *expo = "Ee";
    if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X')) {
        expo = "Pp";
        lx->pos += 2;
    }
    for (;;) {
        int c = peek(lx, 0);
        if (c > 0 && strchr(expo, c)) {
            lx->pos++;
            if (peek(lx, 0) == '+' || peek(lx, 0) == '-')
                lx->pos++;
        } else if (is_name_char(c) || c == '.') {
            lx->pos++;
        } else {
            break;
        }
    }
}

static size_t symbol_length(const lexer *lx)
{
    static const char *const multi[] = {"...", "..", "==", "~=", "<=", ">=",
                                        "//", "::", "<<", ">>", NULL};
    for (size_t i = 0; multi[i]; i++) {
        size_t n = strlen(multi[i]);
        if (lx->pos + n <= lx->len && memcmp(lx->s + lx->pos, multi[i], n) == 0)
            return n;
    }
    return 1;
}

int kh_luascan_tokens(kh_luatoks *out, const char *src, size_t len,
                      kh_error *err)
{
    memset(out, 0, sizeof *out);
    lexer lx = {src, len, 0, 1, out, err};
    int rc = KH_OK;
    while (rc == KH_OK && lx.pos < lx.len) {
        int c = peek(&lx, 0);
        size_t start = lx.pos;
        int line = lx.line;
        if (c == '\n' || c == '\r') {
            newline(&lx);
        } else if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
            lx.pos++;
        } else if (c == '-' && peek(&lx, 1) == '-') {
            lx.pos += 2;
            int level = peek(&lx, 0) == '[' ? long_bracket_level(&lx) : -1;
            if (level >= 0) {
                rc = read_long(&lx, level, false, NULL, "comment");
            } else {
                while (lx.pos < lx.len && peek(&lx, 0) != '\n' && peek(&lx, 0) != '\r')
                    lx.pos++;
            }
        } else if (c == '[' && long_bracket_level(&lx) >= 0) {
            char *value = NULL;
            rc = read_long(&lx, long_bracket_level(&lx), true, &value, "string");
            if (rc == KH_OK)
                rc = push(&lx, KH_LUATOK_STRING, start, line, value);
        } else if (c == '"' || c == '\'') {
            char *value = NULL;
            rc = read_short(&lx, &value);
            if (rc == KH_OK)
                rc = push(&lx, KH_LUATOK_STRING, start, line, value);
        } else if (is_digit(c) || (c == '.' && is_digit(peek(&lx, 1)))) {
            read_number(&lx);
            rc = push(&lx, KH_LUATOK_NUMBER, start, line, NULL);
        } else if (is_name_start(c)) {
            while (is_name_char(peek(&lx, 0)))
                lx.pos++;
            rc = push(&lx, KH_LUATOK_NAME, start, line, NULL);
        } else {
            lx.pos += symbol_length(&lx);
            rc = push(&lx, KH_LUATOK_SYMBOL, start, line, NULL);
        }
    }
    if (rc == KH_ENOMEM)
        kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    return rc;
}

void kh_luatoks_free(kh_luatoks *toks)
{
    if (!toks)
        return;
    for (size_t i = 0; i < toks->count; i++)
        free(toks->items[i].value);
    free(toks->items);
    memset(toks, 0, sizeof *toks);
}

bool kh_luatok_is(const kh_luatok *tok, const char *s)
{
    if (!tok || (tok->kind != KH_LUATOK_NAME && tok->kind != KH_LUATOK_SYMBOL))
        return false;
    size_t n = strlen(s);
    return tok->len == n && memcmp(tok->text, s, n) == 0;
}

/* ---- calls ------------------------------------------------------------- */

static const char *match_name(const kh_luatok *t, const char *const *names)
{
    if (t->kind != KH_LUATOK_NAME)
        return NULL;
    for (size_t i = 0; names[i]; i++)
        if (kh_luatok_is(t, names[i]))
            return names[i];
    return NULL;
}

int kh_luascan_calls(const kh_luatoks *toks, const char *const *names,
                     kh_luacall **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    size_t cap = 0;
    const kh_luatok *t = toks->items;
    size_t n = toks->count;
    for (size_t i = 0; i < n; i++) {
        const char *name = match_name(&t[i], names);
        if (!name || i + 1 >= n)
            continue;
        if (i > 0 && (kh_luatok_is(&t[i - 1], ".") || kh_luatok_is(&t[i - 1], ":") ||
                      kh_luatok_is(&t[i - 1], "function") ||
                      kh_luatok_is(&t[i - 1], "local")))
            continue;
        kh_luacall call = {name, NULL, false, t[i].line};
        const kh_luatok *next = &t[i + 1];
        if (next->kind == KH_LUATOK_STRING) {
            call.arg = next->value;
        } else if (kh_luatok_is(next, "(")) {
            if (i + 2 < n && kh_luatok_is(&t[i + 2], ")"))
                call.no_args = true;
            else if (i + 3 < n && t[i + 2].kind == KH_LUATOK_STRING &&
                     (kh_luatok_is(&t[i + 3], ")") || kh_luatok_is(&t[i + 3], ",")))
                call.arg = t[i + 2].value;
        } else if (!kh_luatok_is(next, "{")) {
            continue; /* not a call: a value, an assignment target … */
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            kh_luacall *c = realloc(*out, cap * sizeof *c);
            if (!c) {
                free(*out);
                *out = NULL;
                *count = 0;
                return KH_ENOMEM;
            }
            *out = c;
        }
        (*out)[(*count)++] = call;
    }
    return KH_OK;
}

/* ---- if arms ------------------------------------------------------------ */

enum frame_kind { FRAME_BLOCK, FRAME_IF, FRAME_REPEAT };

typedef struct arm_frame {
    enum frame_kind kind;
    size_t arm;          /* IF: index of its current arm in the output */
    bool open;           /* IF: the current arm's body has begun */
} arm_frame;

typedef struct arm_state {
    kh_luaarm *arms;
    size_t count, cap;
    arm_frame *stack;
    size_t depth, stack_cap;
} arm_state;

static int push_frame(arm_state *s, enum frame_kind kind)
{
    if (s->depth == s->stack_cap) {
        size_t cap = s->stack_cap ? s->stack_cap * 2 : 16;
        arm_frame *f = realloc(s->stack, cap * sizeof *f);
        if (!f)
            return KH_ENOMEM;
        s->stack = f;
        s->stack_cap = cap;
    }
    s->stack[s->depth++] = (arm_frame){kind, 0, false};
    return KH_OK;
}

static int new_arm(arm_state *s, const char *kind, int line)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        kh_luaarm *a = realloc(s->arms, cap * sizeof *a);
        if (!a)
            return KH_ENOMEM;
        s->arms = a;
        s->cap = cap;
    }
    s->arms[s->count] = (kh_luaarm){kind, line, 0, 0};
    s->stack[s->depth - 1].arm = s->count++;
    return KH_OK;
}

/* The arm of the IF frame on top ends before token i. */
static void close_arm(arm_state *s, const kh_luatok *t, size_t i)
{
    arm_frame *f = &s->stack[s->depth - 1];
    if (!f->open)
        return;
    kh_luaarm *a = &s->arms[f->arm];
    if (a->first && i > 0)
        a->last = t[i - 1].line;
    f->open = false;
}

int kh_luascan_arms(const kh_luatoks *toks, kh_luaarm **out, size_t *count)
{
    arm_state s;
    memset(&s, 0, sizeof s);
    const kh_luatok *t = toks->items;
    int rc = KH_OK;
    for (size_t i = 0; rc == KH_OK && i < toks->count; i++) {
        const kh_luatok *tok = &t[i];
        bool closer = kh_luatok_is(tok, "elseif") || kh_luatok_is(tok, "else") ||
                      kh_luatok_is(tok, "end");
        arm_frame *top = s.depth ? &s.stack[s.depth - 1] : NULL;
        if (top && top->kind == FRAME_IF && top->open && !closer &&
            s.arms[top->arm].first == 0)
            s.arms[top->arm].first = tok->line;
        if (tok->kind != KH_LUATOK_NAME)
            continue;
        if (kh_luatok_is(tok, "if")) {
            if ((rc = push_frame(&s, FRAME_IF)) == KH_OK)
                rc = new_arm(&s, "if", tok->line);
        } else if (kh_luatok_is(tok, "then")) {
            if (top && top->kind == FRAME_IF)
                top->open = true;
        } else if (kh_luatok_is(tok, "elseif")) {
            if (top && top->kind == FRAME_IF) {
                close_arm(&s, t, i);
                rc = new_arm(&s, "elseif", tok->line);
            }
        } else if (kh_luatok_is(tok, "else")) {
            if (top && top->kind == FRAME_IF) {
                close_arm(&s, t, i);
                if ((rc = new_arm(&s, "else", tok->line)) == KH_OK)
                    s.stack[s.depth - 1].open = true;
            }
        } else if (kh_luatok_is(tok, "end")) {
            if (top) {
                if (top->kind == FRAME_IF)
                    close_arm(&s, t, i);
                s.depth--;
            }
        } else if (kh_luatok_is(tok, "function") || kh_luatok_is(tok, "do")) {
            rc = push_frame(&s, FRAME_BLOCK);
        } else if (kh_luatok_is(tok, "repeat")) {
            rc = push_frame(&s, FRAME_REPEAT);
        } else if (kh_luatok_is(tok, "until")) {
            if (top && top->kind == FRAME_REPEAT)
                s.depth--;
        }
    }
    free(s.stack);
    if (rc != KH_OK) {
        free(s.arms);
        *out = NULL;
        *count = 0;
        return rc;
    }
    *out = s.arms;
    *count = s.count;
    return KH_OK;
}

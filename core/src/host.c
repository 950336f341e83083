/* host.c — the services table (kh_host) every plugin receives, and the fact
 * sink that checks what plugins emit and maps evidence back to the original
 * file. */
#include "engine_internal.h"
#include "pattern.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sentence search looks at most this far either way, so a document without
 * punctuation (one 100 MB line) cannot make extraction quadratic. */
#define KH_SENTENCE_MAX_REACH 1536

void kh_host__log(struct kh_engine *e, kh_log_level level, const char *origin,
                  const char *fmt, ...)
{
    if (!e || !e->opts.log || level < e->opts.log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->opts.log(e->opts.log_ctx, level, origin ? origin : "engine", msg);
}

static void *host_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size ? size : 1);
}

static void *host_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size ? size : 1);
}

static void host_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static void host_log(void *ctx, kh_log_level level, const char *fmt, ...) KH_PRINTF(3, 4);

static void host_log(void *ctx, kh_log_level level, const char *fmt, ...)
{
    kh_plugin_slot *slot = ctx;
    if (!slot || !slot->engine->opts.log || level < slot->engine->opts.log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    slot->engine->opts.log(slot->engine->opts.log_ctx, level, slot->desc->name, msg);
}

static int host_re_compile(void *ctx, const char *pattern, uint32_t flags,
                           kh_re **out, char *err, size_t err_size)
{
    kh_plugin_slot *slot = ctx;
    char dummy[8];
    if (!err || err_size == 0) {
        err = dummy;
        err_size = sizeof dummy;
    }
    /* shared with the other plugins of the engine (the khp scope patterns) */
    return kh_pattern_compile_cached(slot && slot->engine ? slot->engine->patterns : NULL,
                                     pattern, flags, out, err, err_size);
}

static void host_re_free(void *ctx, kh_re *re)
{
    (void)ctx;
    kh_pattern_free(re);
}

/* Does a sentence terminator end at text[i]? Returns its length or 0. */
static size_t terminator_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == '\n' || c == ';' || c == '!' || c == '?')
        return 1;
    /* 。 U+3002 = E3 80 82; ； U+FF1B = EF BC 9B; ！ EF BC 81; ？ EF BC 9F */
    if (c == 0xE3 && i + 2 < len + 0 && (unsigned char)t[i + 1] == 0x80 &&
        (unsigned char)t[i + 2] == 0x82)
        return 3;
    if (c == 0xEF && i + 2 < len && (unsigned char)t[i + 1] == 0xBC) {
        unsigned char d = (unsigned char)t[i + 2];
        if (d == 0x9B || d == 0x81 || d == 0x9F)
            return 3;
    }
    return 0;
}

static size_t utf8_back_to_start(const char *t, size_t i)
{
    while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The bytes a terminator starts with ('\n' ; ! ? and the lead bytes E3 of
 * 。 and EF of ；！？): none is a UTF-8 continuation byte, so a byte not in
 * this set needs no further look. */
#define T_ 1
static const unsigned char terminator_lead[256] = {
    ['\n'] = T_, [';'] = T_, ['!'] = T_, ['?'] = T_, [0xE3] = T_, [0xEF] = T_,
};
#undef T_

void kh_host__sentence_bounds(const kh_doc *doc, size_t offset, size_t *start,
                              size_t *end)
{
    const char *t = doc->text;
    const unsigned char *u = (const unsigned char *)t;
    size_t len = doc->len;
    if (offset > len)
        offset = len;
    size_t lo = offset > KH_SENTENCE_MAX_REACH ? offset - KH_SENTENCE_MAX_REACH : 0;
    lo = utf8_back_to_start(t, lo);
    size_t s = lo;
    /* the last terminator that ends at or before offset */
    for (size_t i = offset; i > lo;) {
        i--;
        size_t n;
        if (terminator_lead[u[i]] && (n = terminator_at(t, len, i)) && i + n <= offset) {
            s = i + n;
            break;
        }
    }
    size_t hi = offset + KH_SENTENCE_MAX_REACH < len ? offset + KH_SENTENCE_MAX_REACH : len;
    hi = hi < len ? utf8_back_to_start(t, hi) : len;
    size_t e = hi;
    for (size_t i = offset; i < hi; i++) {
        size_t n;
        if (terminator_lead[u[i]] && (n = terminator_at(t, len, i))) {
            e = i + n;
            break;
        }
    }
    *start = s;
    *end = e;
}

static int declared(const kh_plugin_slot *slot, const char *key)
{
    for (const char *const *p = slot->desc->provides; *p; p++)
        if (strcmp(*p, key) == 0)
            return 1;
    return 0;
}

static int refuse(kh_sink *sink, const char *what, const char *key)
{
    sink->refused++;
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s%s", what, key ? " " : "", key ? key : "");
    kh_host__log(sink->slot->engine, KH_LOG_WARN, sink->slot->desc->name,
                 "%s: refused fact: %s", sink->view->path ? sink->view->path : "?", msg);
    return KH_PLUGIN_EINVAL;
}

#define KH_EMIT_MIN_SIZE \
    (offsetof(kh_fact_emit, confidence) + sizeof(((kh_fact_emit *)0)->confidence))

static int host_emit(kh_sink *sink, const kh_fact_emit *f)
{
    if (!sink || !f)
        return KH_PLUGIN_EINVAL;
    if (f->struct_size < KH_EMIT_MIN_SIZE)
        return refuse(sink, "kh_fact_emit struct_size too small", NULL);
    if (!f->key || !declared(sink->slot, f->key))
        return refuse(sink, "key not declared in provides:", f->key);
    if (f->type != KH_VALUE_NUMBER && f->type != KH_VALUE_TEXT)
        return refuse(sink, "bad value type for", f->key);
    if (f->type == KH_VALUE_NUMBER && !isfinite(f->number))
        return refuse(sink, "non-finite value for", f->key);
    if (f->type == KH_VALUE_TEXT && (!f->text || !*f->text))
        return refuse(sink, "empty text value for", f->key);
    if ((unsigned)f->qualifier > KH_QUAL_LESS_THAN || (unsigned)f->basis > KH_BASIS_DERIVED)
        return refuse(sink, "bad qualifier or basis for", f->key);
    if (f->ev_start >= f->ev_end || f->ev_end > sink->view->len)
        return refuse(sink, "evidence span outside the document for", f->key);

    kh_fact fact;
    memset(&fact, 0, sizeof fact);
    fact.key = (char *)f->key;
    fact.type = f->type;
    fact.number = f->type == KH_VALUE_NUMBER ? f->number : 0;
    fact.text = f->type == KH_VALUE_TEXT ? (char *)f->text : NULL;
    fact.unit = (char *)(f->unit ? f->unit : "");
    fact.qualifier = f->qualifier;
    fact.basis = f->basis;
    fact.plugin = (char *)sink->slot->desc->name;
    fact.confidence = f->confidence < 0 ? 0 : f->confidence > 100 ? 100 : f->confidence;
    fact.note = KH_HAS_MEMBER(f->struct_size, kh_fact_emit, note) ? (char *)f->note : NULL;
    fact.origin = KH_ORIGIN_EXTRACTED;
    fact.evidence.norm_start = f->ev_start;
    fact.evidence.norm_end = f->ev_end;
    kh_position pos;
    char *text = NULL;
    if (kh_document_original_span(sink->document, f->ev_start, f->ev_end, &text, &pos) != KH_OK)
        return refuse(sink, "cannot map evidence of", f->key);
    fact.evidence.text = text;
    fact.evidence.line = pos.line;
    fact.evidence.column = pos.column;
    fact.evidence.page = pos.page;
    int rc = kh_factset_add(sink->facts, &fact);
    free(text);
    return rc == KH_OK ? KH_PLUGIN_OK : KH_PLUGIN_ENOMEM;
}

void kh_host__init(kh_plugin_slot *slot)
{
    kh_host *h = &slot->host;
    memset(h, 0, sizeof *h);
    h->abi_version = KH_PLUGIN_ABI_VERSION;
    h->struct_size = sizeof *h;
    h->ctx = slot;
    h->alloc = host_alloc;
    h->realloc = host_realloc;
    h->free = host_free;
    h->log = host_log;
    h->parse_number = kh_number_parse;
    h->re_compile = host_re_compile;
    h->re_match = kh_pattern_match;
    h->re_group = kh_pattern_group;
    h->re_free = host_re_free;
    h->sentence_bounds = kh_host__sentence_bounds;
    h->emit = host_emit;
}

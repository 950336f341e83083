/*
 * testplugin.c — deliberately good and bad plugins for check_loader, built
 * from this one file with a -DKH_TP_<KIND> definition each:
 *   GOOD        a working plugin: emits test.value (42) at "答案42"
 *   WRONG_ABI   abi_version major 99
 *   SHORT       struct_size cut below the fini member
 *   NO_SYMBOL   exports no kh_plugin_entry
 *   INIT_FAIL   init returns an error
 *   BAD_EMIT    emits an undeclared key, a span outside the text and a NaN
 *   FAIL_EXTRACT extract returns an error after emitting one fact
 */
#include <math.h>
#include <string.h>

#include "kaohe/plugin.h"

static const char *const provides[] = {"test.value", NULL};

typedef struct state {
    const kh_host *host;
    kh_re *re;
} state;

static int tp_init(const kh_host *host, const char *config, void **out)
{
    (void)config;
#ifdef KH_TP_INIT_FAIL
    (void)host;
    *out = NULL;
    return KH_PLUGIN_ERROR;
#else
    state *s = host->alloc(host->ctx, sizeof *s);
    if (!s)
        return KH_PLUGIN_ENOMEM;
    s->host = host;
    char err[128];
    if (host->re_compile(host->ctx, "答案(\\d+)", 0, &s->re, err, sizeof err) != KH_PLUGIN_OK) {
        host->free(host->ctx, s);
        return KH_PLUGIN_ERROR;
    }
    *out = s;
    return KH_PLUGIN_OK;
#endif
}

static void emit_value(state *s, const kh_doc *doc, kh_sink *sink, const char *key,
                       double v, size_t a, size_t b)
{
    kh_fact_emit f;
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.key = key;
    f.type = KH_VALUE_NUMBER;
    f.number = v;
    f.unit = "items";
    f.ev_start = a;
    f.ev_end = b;
    f.confidence = 90;
    (void)doc;
    s->host->emit(sink, &f);
}

static int tp_extract(void *st, const kh_doc *doc, kh_sink *sink)
{
    state *s = st;
    kh_match m;
    size_t pos = 0;
    while (s->host->re_match(s->re, doc->text, doc->len, pos, &m) == 1) {
        kh_number n;
        size_t g = m.group_start[1];
        if (s->host->parse_number(doc->text + g, m.group_end[1] - g, &n))
            emit_value(s, doc, sink, "test.value", n.value, m.start, m.end);
#ifdef KH_TP_BAD_EMIT
        emit_value(s, doc, sink, "test.undeclared", 1, m.start, m.end);
        emit_value(s, doc, sink, "test.value", 1, m.start, doc->len + 10);
        emit_value(s, doc, sink, "test.value", NAN, m.start, m.end);
#endif
#ifdef KH_TP_FAIL_EXTRACT
        return KH_PLUGIN_ERROR;
#endif
        pos = m.end;
    }
    return KH_PLUGIN_OK;
}

static void tp_fini(void *st)
{
    state *s = st;
    if (!s)
        return;
    s->host->re_free(s->host->ctx, s->re);
    s->host->free(s->host->ctx, s);
}

static const kh_plugin_descriptor descriptor = {
#ifdef KH_TP_WRONG_ABI
    .abi_version = (99u << 16),
#else
    .abi_version = KH_PLUGIN_ABI_VERSION,
#endif
#ifdef KH_TP_SHORT
    .struct_size = (uint32_t)offsetof(kh_plugin_descriptor, extract),
#else
    .struct_size = sizeof(kh_plugin_descriptor),
#endif
    .name = KH_TP_NAME,
    .version = "0.0.1",
    .description = "test plugin",
    .provides = provides,
    .init = tp_init,
    .extract = tp_extract,
    .fini = tp_fini,
};

#ifdef KH_TP_NO_SYMBOL
KH_PLUGIN_EXPORT const kh_plugin_descriptor *not_the_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *not_the_entry(void)
#else
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
#endif
{
    return &descriptor;
}

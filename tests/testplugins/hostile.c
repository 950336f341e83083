/*
 * hostile.c — plugins that misbehave on purpose, for the isolation tests
 * (tests/e2e/test_batch.py), built from this one file with a -DKH_HP_<KIND>
 * definition each, into their own directory (not the check_loader one):
 *   SEGV  writes through a NULL pointer when the text holds KH-TEST-SEGV
 *   LOOP  spins forever when the text holds KH-TEST-LOOP
 *   LEAK  allocates (and touches) 1 MiB after 1 MiB, never freeing, when the
 *         text holds KH-TEST-LEAK — until malloc fails and it writes through
 *         the NULL it got, as a careless plugin would
 *   SLOW  sleeps KH_HP_SLOW_MS (default 100) milliseconds on every document
 * Otherwise they emit nothing. Each provides one key of its own.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kaohe/plugin.h"

static const char *const provides[] = {"test." KH_HP_NAME, NULL};

typedef struct chunk {
    struct chunk *next;
} chunk;

typedef struct state {
    const kh_host *host;
    chunk *leaked; /* kept reachable so no compiler drops the allocations */
} state;

static int hp_init(const kh_host *host, const char *config, void **out)
{
    (void)config;
    state *s = host->alloc(host->ctx, sizeof *s);
    if (!s)
        return KH_PLUGIN_ENOMEM;
    s->host = host;
    s->leaked = NULL;
    *out = s;
    return KH_PLUGIN_OK;
}

static int hp_extract(void *st, const kh_doc *doc, kh_sink *sink)
{
    state *s = st;
    (void)sink;
    (void)s;
    const char *text = doc->text;
#if defined(KH_HP_SEGV)
    if (strstr(text, "KH-TEST-SEGV")) {
        volatile int *volatile p = NULL;
        *p = 1;
    }
#elif defined(KH_HP_LOOP)
    if (strstr(text, "KH-TEST-LOOP")) {
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
#elif defined(KH_HP_LEAK)
    if (strstr(text, "KH-TEST-LEAK")) {
        for (;;) {
            chunk *c = malloc(1 << 20);
            memset(c, 0x5a, 1 << 20); /* c may be NULL: the careless part */
            c->next = s->leaked;
            s->leaked = c;
        }
    }
#elif defined(KH_HP_SLOW)
    (void)text;
#ifndef KH_HP_SLOW_MS
#define KH_HP_SLOW_MS 100
#endif
    struct timespec ts = {KH_HP_SLOW_MS / 1000, (KH_HP_SLOW_MS % 1000) * 1000000L};
    nanosleep(&ts, NULL);
#endif
    return KH_PLUGIN_OK;
}

static void hp_fini(void *st)
{
    state *s = st;
    if (!s)
        return;
    while (s->leaked) {
        chunk *n = s->leaked->next;
        free(s->leaked);
        s->leaked = n;
    }
    s->host->free(s->host->ctx, s);
}

static const kh_plugin_descriptor descriptor = {
    .abi_version = KH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(kh_plugin_descriptor),
    .name = KH_HP_NAME,
    .version = "0.0.1",
    .description = "deliberately hostile test plugin",
    .provides = provides,
    .init = hp_init,
    .extract = hp_extract,
    .fini = hp_fini,
};

KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void);
KH_PLUGIN_EXPORT const kh_plugin_descriptor *kh_plugin_entry(void)
{
    return &descriptor;
}

/*
 * engine_internal.h — the engine's private structs, shared by engine.c (the
 * registry and the extraction loop, which isolate.c runs too), loader.c
 * (dlopen and descriptor checks) and host.c (the services table handed to
 * plugins).
 */
#ifndef KH_ENGINE_INTERNAL_H
#define KH_ENGINE_INTERNAL_H

#include "kaohe/kaohe.h"

/* One loaded plugin. */
typedef struct kh_plugin_slot {
    struct kh_engine *engine;          /* back pointer, borrowed */
    void *dl;                          /* dlopen handle, owned */
    const kh_plugin_descriptor *desc;  /* static in the plugin */
    void *state;                       /* plugin's, released by desc->fini */
    kh_host host;                      /* the table given to init; ctx = slot */
    kh_plugin_info info;               /* strings borrowed from desc / path */
    char *path;                        /* owned */
} kh_plugin_slot;

struct kh_engine {
    kh_engine_options opts;
    kh_error last;                     /* kh_engine_last_error() */
    kh_plugin_slot **slots;            /* owned array of owned slots */
    size_t slots_count;
    char **load_errors;                /* owned "path: reason" lines */
    size_t load_errors_count;
    struct kh_pattern_cache *patterns; /* owned (pattern.h): what plugins
                                          compile, each pattern once; NULL
                                          when it could not be allocated */
};

/* Where one plugin's facts for one document go (host->emit's kh_sink). */
struct kh_sink {
    kh_plugin_slot *slot;              /* the emitting plugin */
    const kh_document *document;       /* borrowed */
    const kh_doc *view;                /* borrowed */
    kh_factset *facts;                 /* borrowed, receives the facts */
    unsigned refused;                  /* emits refused (bad key, span …) */
};

/* host.c: fill slot->host for a plugin slot. */
void kh_host__init(kh_plugin_slot *slot);
/* host.c: log through the engine's callback (origin may be NULL = engine). */
void kh_host__log(struct kh_engine *e, kh_log_level level, const char *origin,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* host.c: the sentence around offset (also used by the core). */
void kh_host__sentence_bounds(const kh_doc *doc, size_t offset, size_t *start,
                              size_t *end);

/* engine.c: the extraction loop of kh_engine_extract — every loaded plugin
 * over doc, in load order, into a new factset (*out, caller owns; free with
 * kh_factset_free). before, when not NULL, is called with ctx and the
 * plugin's name just before each plugin runs (isolate.c tells its parent
 * which plugin a crash happened in). A plugin that fails, or whose emits
 * were refused, adds a line to the factset's errors. Returns KH_OK or
 * KH_ENOMEM (on e's last error). */
int kh_engine__extract_each(struct kh_engine *e, const kh_document *doc, kh_factset **out,
                            void (*before)(void *ctx, const char *plugin), void *ctx);

/* engine.c: JIT-compile every pattern the plugins compiled (pattern.h:
 * kh_pattern_cache_jit_all), before forking children that extract. */
void kh_engine__jit_patterns(struct kh_engine *e);

/* loader.c: dlopen path and check its descriptor; on success *out is a new
 * slot (not yet initialised). On failure returns a KH_E* code with
 * "reason" (without the path) in reason. */
int kh_loader__open(struct kh_engine *e, const char *path, kh_plugin_slot **out,
                    char *reason, size_t reason_size);
/* loader.c: fini (if initialised), dlclose and free. Accepts NULL. */
void kh_loader__close(kh_plugin_slot *slot);

#endif

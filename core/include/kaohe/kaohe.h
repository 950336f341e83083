/*
 * kaohe/kaohe.h — the engine: plugin registry, logging and extraction. The
 * header a program embedding kaohe includes (it pulls in the others).
 */
#ifndef KAOHE_KAOHE_H
#define KAOHE_KAOHE_H

#include <stddef.h>

#include "kaohe/document.h"
#include "kaohe/error.h"
#include "kaohe/facts.h"
#include "kaohe/number.h"
#include "kaohe/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KH_VERSION_STRING "0.1.0"

typedef struct kh_engine kh_engine;

/* Log sink; `origin` is "engine" or a plugin name. Library code never prints. */
typedef void (*kh_log_fn)(void *ctx, kh_log_level level, const char *origin,
                          const char *message);

#define KH_ENGINE_OPTIONS_VERSION 1
typedef struct kh_engine_options {
    unsigned version;        /* KH_ENGINE_OPTIONS_VERSION */
    kh_log_fn log;           /* NULL: messages are dropped */
    void *log_ctx;
    kh_log_level log_level;  /* drop messages below this level */
} kh_engine_options;
#define KH_ENGINE_OPTIONS_INIT { KH_ENGINE_OPTIONS_VERSION, NULL, NULL, KH_LOG_WARN }

/* *out: caller owns; free with kh_engine_free(). opts may be NULL. */
int kh_engine_new(kh_engine **out, const kh_engine_options *opts);
void kh_engine_free(kh_engine *engine); /* accepts NULL; calls plugins' fini */

/* Detail of the last failing call on this engine. Borrowed. */
const kh_error *kh_engine_last_error(const kh_engine *engine);

/* Load one plugin. On failure returns KH_EABI / KH_ENOTFOUND / KH_EINVAL with
 * last error "path: reason" (also logged at KH_LOG_ERROR and recorded in the
 * load-error list), and leaves other plugins untouched. */
int kh_engine_load_plugin(kh_engine *engine, const char *path);

/* Load every "*.so" in dir (sorted by file name, non-recursive; also one
 * level down, in dir/<name>/, as in the build tree). Failures are recorded
 * and skipped. Returns KH_OK if the directory could be read (even if some
 * plugins failed), KH_ENOTFOUND otherwise. *loaded may be NULL. */
int kh_engine_load_plugin_dir(kh_engine *engine, const char *dir, size_t *loaded);

/* Plugins that failed to load: "path: reason" lines. Borrowed. */
size_t kh_engine_load_error_count(const kh_engine *engine);
const char *kh_engine_load_error_at(const kh_engine *engine, size_t i);

/* What a loaded plugin is. Borrowed; valid while the engine lives. */
typedef struct kh_plugin_info {
    const char *name;
    const char *version;
    const char *description;
    const char *path;
    unsigned abi_version;
    const char *const *provides; /* NULL-terminated */
} kh_plugin_info;
size_t kh_engine_plugin_count(const kh_engine *engine);
const kh_plugin_info *kh_engine_plugin_at(const kh_engine *engine, size_t i);

/* Name of the loaded plugin that provides key, or NULL. */
const char *kh_engine_provider(const kh_engine *engine, const char *key);

/* Run every plugin over doc. *out (caller owns; kh_factset_free) receives the
 * facts; a plugin's failure is recorded in the factset's errors and the other
 * plugins still run. Returns KH_OK, or KH_ENOMEM. */
int kh_engine_extract(kh_engine *engine, const kh_document *doc,
                      kh_factset **out);

#ifdef __cplusplus
}
#endif
#endif

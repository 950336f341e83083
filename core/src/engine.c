/* engine.c — the engine handle: plugin registry, load errors and the
 * extraction loop that runs every plugin over a document. */
#include "engine_internal.h"
#include "pattern.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int kh_engine_new(kh_engine **out, const kh_engine_options *opts)
{
    *out = NULL;
    kh_engine *e = calloc(1, sizeof *e);
    if (!e)
        return KH_ENOMEM;
    kh_engine_options def = KH_ENGINE_OPTIONS_INIT;
    e->opts = opts ? *opts : def;
    if (kh_pattern_cache_new(&e->patterns) != KH_PLUGIN_OK)
        e->patterns = NULL; /* patterns are then compiled unshared */
    *out = e;
    return KH_OK;
}

void kh_engine_free(kh_engine *e)
{
    if (!e)
        return;
    for (size_t i = e->slots_count; i > 0; i--)
        kh_loader__close(e->slots[i - 1]);
    free(e->slots);
    for (size_t i = 0; i < e->load_errors_count; i++)
        free(e->load_errors[i]);
    free(e->load_errors);
    kh_pattern_cache_free(e->patterns);
    free(e);
}

void kh_engine__jit_patterns(kh_engine *e)
{
    if (e)
        kh_pattern_cache_jit_all(e->patterns);
}

const kh_error *kh_engine_last_error(const kh_engine *e)
{
    return &e->last;
}

static void record_load_error(kh_engine *e, int code, const char *path,
                              const char *reason)
{
    kh_error_set(&e->last, code, path, 0, 0, "%s: %s", path, reason);
    kh_host__log(e, KH_LOG_ERROR, NULL, "%s", e->last.message);
    char **n = realloc(e->load_errors, (e->load_errors_count + 1) * sizeof *n);
    if (!n)
        return;
    e->load_errors = n;
    char *line = strdup(e->last.message);
    if (line)
        e->load_errors[e->load_errors_count++] = line;
}

int kh_engine_load_plugin(kh_engine *e, const char *path)
{
    char reason[512];
    kh_plugin_slot *slot = NULL;
    int rc = kh_loader__open(e, path, &slot, reason, sizeof reason);
    if (rc != KH_OK) {
        record_load_error(e, rc, path, reason);
        return rc;
    }
    kh_plugin_slot **n = realloc(e->slots, (e->slots_count + 1) * sizeof *n);
    if (!n) {
        slot->desc = NULL; /* not initialised: no fini */
        kh_loader__close(slot);
        record_load_error(e, KH_ENOMEM, path, "out of memory");
        return KH_ENOMEM;
    }
    e->slots = n;
    void *state = NULL;
    int irc = slot->desc->init(&slot->host, NULL, &state);
    if (irc != KH_PLUGIN_OK) {
        snprintf(reason, sizeof reason, "init failed (%d)", irc);
        /* init failed: the plugin cleaned up after itself; no fini */
        slot->desc = NULL;
        kh_loader__close(slot);
        record_load_error(e, KH_EABI, path, reason);
        return KH_EABI;
    }
    slot->state = state;
    e->slots[e->slots_count++] = slot;
    kh_host__log(e, KH_LOG_DEBUG, NULL, "loaded %s %s from %s", slot->info.name,
                 slot->info.version, path);
    return KH_OK;
}

static int ends_with_so(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the .so files in dir and its subdirectories (one level) as owned
 * path strings into *list. */
static int collect(const char *dir, int depth, char ***list, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return KH_ENOTFOUND;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        size_t need = strlen(dir) + strlen(ent->d_name) + 2;
        char *path = malloc(need);
        if (!path)
            break;
        snprintf(path, need, "%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth == 0)
                collect(path, 1, list, count);
            free(path);
        } else if (S_ISREG(st.st_mode) && ends_with_so(ent->d_name)) {
            char **n = realloc(*list, (*count + 1) * sizeof *n);
            if (!n) {
                free(path);
                break;
            }
            *list = n;
            (*list)[(*count)++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    return KH_OK;
}

int kh_engine_load_plugin_dir(kh_engine *e, const char *dir, size_t *loaded)
{
    char **list = NULL;
    size_t count = 0, ok = 0;
    if (loaded)
        *loaded = 0;
    if (collect(dir, 0, &list, &count) != KH_OK)
        return kh_error_set(&e->last, KH_ENOTFOUND, dir, 0, 0,
                            "%s: plugin directory not found", dir);
    qsort(list, count, sizeof *list, cmp_str);
    for (size_t i = 0; i < count; i++) {
        if (kh_engine_load_plugin(e, list[i]) == KH_OK)
            ok++;
        free(list[i]);
    }
    free(list);
    if (loaded)
        *loaded = ok;
    return KH_OK;
}

size_t kh_engine_load_error_count(const kh_engine *e)
{
    return e->load_errors_count;
}

const char *kh_engine_load_error_at(const kh_engine *e, size_t i)
{
    return i < e->load_errors_count ? e->load_errors[i] : NULL;
}

size_t kh_engine_plugin_count(const kh_engine *e)
{
    return e->slots_count;
}

const kh_plugin_info *kh_engine_plugin_at(const kh_engine *e, size_t i)
{
    return i < e->slots_count ? &e->slots[i]->info : NULL;
}

const char *kh_engine_provider(const kh_engine *e, const char *key)
{
    for (size_t i = 0; i < e->slots_count; i++)
        for (const char *const *p = e->slots[i]->desc->provides; *p; p++)
            if (strcmp(*p, key) == 0)
                return e->slots[i]->desc->name;
    return NULL;
}

int kh_engine_extract(kh_engine *e, const kh_document *doc, kh_factset **out)
{
    return kh_engine__extract_each(e, doc, out, NULL, NULL);
}

int kh_engine__extract_each(kh_engine *e, const kh_document *doc, kh_factset **out,
                            void (*before)(void *ctx, const char *plugin), void *ctx)
{
    *out = NULL;
    kh_factset *facts = NULL;
    if (kh_factset_new(&facts) != KH_OK)
        return kh_error_set(&e->last, KH_ENOMEM, NULL, 0, 0, "out of memory");
    kh_doc view;
    memset(&view, 0, sizeof view);
    view.struct_size = sizeof view;
    view.text = kh_document_text(doc);
    view.len = kh_document_length(doc);
    view.path = kh_document_path(doc);
    for (size_t i = 0; i < e->slots_count; i++) {
        kh_plugin_slot *slot = e->slots[i];
        if (before)
            before(ctx, slot->desc->name);
        kh_sink sink = {slot, doc, &view, facts, 0};
        int rc = slot->desc->extract(slot->state, &view, &sink);
        if (rc != KH_PLUGIN_OK) {
            char msg[512];
            snprintf(msg, sizeof msg, "plugin %s failed on %s (%d)",
                     slot->desc->name, view.path ? view.path : "?", rc);
            kh_factset_add_error(facts, msg);
            kh_host__log(e, KH_LOG_ERROR, slot->desc->name, "%s", msg);
        }
        if (sink.refused) {
            char msg[512];
            snprintf(msg, sizeof msg, "plugin %s: %u fact(s) refused (see log)",
                     slot->desc->name, sink.refused);
            kh_factset_add_error(facts, msg);
        }
    }
    *out = facts;
    return KH_OK;
}

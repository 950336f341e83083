/* loader.c — dlopen a plugin, find its one entry symbol and check its
 * descriptor before anything of it runs. */
#include "engine_internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The descriptor must reach at least up to and including fini. */
#define KH_DESCRIPTOR_MIN_SIZE \
    (offsetof(kh_plugin_descriptor, fini) + sizeof(((kh_plugin_descriptor *)0)->fini))

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

static int valid_key(const char *s)
{
    /* family.name, lower case and underscores */
    const char *dot = s ? strchr(s, '.') : NULL;
    if (!dot || dot == s || !dot[1] || strchr(dot + 1, '.') || strlen(s) > 96)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.'))
            return 0;
    return 1;
}

int kh_loader__open(struct kh_engine *e, const char *path, kh_plugin_slot **out,
                    char *reason, size_t reason_size)
{
    *out = NULL;
    int rc = KH_EABI;
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *msg = dlerror();
        /* dlerror repeats the path; keep only the reason after it */
        const char *p = msg ? strstr(msg, ": ") : NULL;
        snprintf(reason, reason_size, "cannot load: %s", p ? p + 2 : (msg ? msg : "?"));
        return KH_EABI;
    }
    dlerror();
    void *sym = dlsym(dl, KH_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        snprintf(reason, reason_size, "no symbol %s (not a kaohe plugin)",
                 KH_PLUGIN_ENTRY_SYMBOL);
        rc = KH_ENOTFOUND;
        goto fail;
    }
    kh_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object → function pointer, POSIX */
    const kh_plugin_descriptor *d = entry();
    if (!d) {
        snprintf(reason, reason_size, "%s returned NULL", KH_PLUGIN_ENTRY_SYMBOL);
        goto fail;
    }
    if (KH_PLUGIN_ABI_MAJOR_OF(d->abi_version) != KH_PLUGIN_ABI_MAJOR) {
        snprintf(reason, reason_size,
                 "plugin ABI %u.%u, this kaohe speaks ABI %u.x",
                 KH_PLUGIN_ABI_MAJOR_OF(d->abi_version), d->abi_version & 0xffffu,
                 KH_PLUGIN_ABI_MAJOR);
        goto fail;
    }
    if (d->struct_size < KH_DESCRIPTOR_MIN_SIZE) {
        snprintf(reason, reason_size,
                 "descriptor is %u bytes, at least %zu expected (truncated struct)",
                 d->struct_size, (size_t)KH_DESCRIPTOR_MIN_SIZE);
        goto fail;
    }
    if (!valid_name(d->name)) {
        snprintf(reason, reason_size, "invalid plugin name (want [a-z0-9_]+)");
        goto fail;
    }
    if (!d->version || !d->init || !d->extract || !d->provides) {
        snprintf(reason, reason_size, "descriptor lacks %s",
                 !d->version ? "version" : !d->init ? "init" :
                 !d->extract ? "extract" : "provides");
        goto fail;
    }
    size_t nkeys = 0;
    for (; d->provides[nkeys]; nkeys++) {
        if (nkeys >= 256) {
            snprintf(reason, reason_size, "provides more than 256 keys (missing NULL end?)");
            goto fail;
        }
        if (!valid_key(d->provides[nkeys])) {
            snprintf(reason, reason_size, "invalid fact key \"%.80s\"", d->provides[nkeys]);
            goto fail;
        }
    }
    for (size_t i = 0; i < e->slots_count; i++)
        if (strcmp(e->slots[i]->desc->name, d->name) == 0) {
            snprintf(reason, reason_size, "a plugin named %s is already loaded from %s",
                     d->name, e->slots[i]->path);
            goto fail;
        }

    kh_plugin_slot *slot = calloc(1, sizeof *slot);
    char *copy = strdup(path);
    if (!slot || !copy) {
        free(slot);
        free(copy);
        snprintf(reason, reason_size, "out of memory");
        rc = KH_ENOMEM;
        goto fail;
    }
    slot->engine = e;
    slot->dl = dl;
    slot->desc = d;
    slot->path = copy;
    slot->info.name = d->name;
    slot->info.version = d->version;
    slot->info.description = d->description ? d->description : "";
    slot->info.path = copy;
    slot->info.abi_version = d->abi_version;
    slot->info.provides = d->provides;
    kh_host__init(slot);
    *out = slot;
    return KH_OK;
fail:
    dlclose(dl);
    return rc;
}

void kh_loader__close(kh_plugin_slot *slot)
{
    if (!slot)
        return;
    if (slot->desc && slot->desc->fini)
        slot->desc->fini(slot->state);
    if (slot->dl)
        dlclose(slot->dl);
    free(slot->path);
    free(slot);
}

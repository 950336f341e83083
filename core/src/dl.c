/* dl.c — optional libraries loaded on demand (see dl.h). */
#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

void *kh_dl_open(const char *soname, const kh_dl_sym *syms, size_t n, char *why,
                 size_t why_size)
{
    void *dl = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl) {
        const char *e = dlerror();
        snprintf(why, why_size, "%s", e ? e : soname);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        void *f = dlsym(dl, syms[i].symbol);
        if (!f) {
            snprintf(why, why_size, "%s has no %s", soname, syms[i].symbol);
            dlclose(dl);
            return NULL;
        }
        memcpy(syms[i].slot, &f, sizeof f); /* object → function pointer (ISO C has no cast) */
    }
    return dl;
}

void kh_dl_close(void *dl)
{
    if (dl)
        dlclose(dl); /* RTLD_NODELETE: stays mapped for the next user */
}

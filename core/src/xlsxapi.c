/* xlsxapi.c — libxlsxwriter on demand: dlopen'ed when kaohe.xlsx is
 * written, not linked. Linked, it and its dependencies (libcrypto, minizip,
 * zlib) were 4.9 M of the 5.0 M instructions of dynamic linking that every
 * kaohe run paid at start-up, although only `kaohe batch` and `merge` write
 * kaohe.xlsx. Loaded RTLD_NODELETE like the converters' libraries
 * (convert.c, t2s.c): once per process, then only looked up again. The
 * table lives with the workbook that uses it: no global state. */
#include "xlsxapi.h"

#include <dlfcn.h>
#include <string.h>

#ifndef KH_XLSXWRITER_SONAME
#define KH_XLSXWRITER_SONAME "libxlsxwriter.so.4"
#endif

int kh_xlsxapi_load(kh_xlsxapi *api, const char *file, kh_error *err)
{
    memset(api, 0, sizeof *api);
    void *dl = dlopen(KH_XLSXWRITER_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!dl) {
        const char *why = dlerror();
        return kh_error_set(err, KH_ENOTFOUND, file, 0, 0, "cannot be written: %s",
                            why ? why : KH_XLSXWRITER_SONAME);
    }
    const char *missing = NULL;
    void *f;
    /* object pointer → function pointer through memcpy (ISO C has no cast) */
#define KH_XLSXAPI_RESOLVE(name)                                                   \
    if (!missing) {                                                                \
        f = dlsym(dl, #name);                                                      \
        if (f)                                                                     \
            memcpy(&api->name, &f, sizeof f);                                      \
        else                                                                       \
            missing = #name;                                                       \
    }
    KH_XLSXAPI_FUNCTIONS(KH_XLSXAPI_RESOLVE)
#undef KH_XLSXAPI_RESOLVE
    dlclose(dl); /* RTLD_NODELETE: stays mapped, the pointers stay valid */
    if (missing) {
        memset(api, 0, sizeof *api);
        return kh_error_set(err, KH_ENOTFOUND, file, 0, 0,
                            "cannot be written: %s has no %s", KH_XLSXWRITER_SONAME,
                            missing);
    }
    return KH_OK;
}

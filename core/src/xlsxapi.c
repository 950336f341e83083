/* xlsxapi.c — libxlsxwriter on demand: dlopen'ed when kaohe.xlsx is
 * written, not linked. Linked, it and its dependencies (libcrypto, minizip,
 * zlib) were 4.9 M of the 5.0 M instructions of dynamic linking that every
 * kaohe run paid at start-up, although only `kaohe batch` and `merge` write
 * kaohe.xlsx. Loaded RTLD_NODELETE like the converters' libraries
 * (convert.c, t2s.c): once per process, then only looked up again. The
 * table lives with the workbook that uses it: no global state. */
#include "xlsxapi.h"

#include "dl.h"

#include <string.h>

#ifndef KH_XLSXWRITER_SONAME
#define KH_XLSXWRITER_SONAME "libxlsxwriter.so.4"
#endif

int kh_xlsxapi_load(kh_xlsxapi *api, const char *file, kh_error *err)
{
    memset(api, 0, sizeof *api);
#define KH_XLSXAPI_SYM(name) {&api->name, #name},
    const kh_dl_sym syms[] = {KH_XLSXAPI_FUNCTIONS(KH_XLSXAPI_SYM)};
#undef KH_XLSXAPI_SYM
    char why[256];
    void *dl = kh_dl_open(KH_XLSXWRITER_SONAME, syms, sizeof syms / sizeof syms[0], why,
                          sizeof why);
    if (!dl) {
        memset(api, 0, sizeof *api);
        return kh_error_set(err, KH_ENOTFOUND, file, 0, 0, "cannot be written: %s", why);
    }
    kh_dl_close(dl); /* RTLD_NODELETE: stays mapped, the pointers stay valid */
    return KH_OK;
}

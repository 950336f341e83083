/*
 * dl.h — load an optional shared library on demand (dlopen) and resolve the
 * functions a module needs into its own table of pointers. Used for the
 * libraries only some inputs or outputs need (libxml2, libzip, poppler-glib,
 * OpenCC, libxlsxwriter): linked, every kaohe run would pay their dynamic
 * linking at start-up. Loaded RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE: a
 * library stays mapped once loaded, so a later load is only a lookup and
 * resolved pointers stay valid after kh_dl_close.
 */
#ifndef KH_DL_H
#define KH_DL_H

#include <stddef.h>

/* One function to resolve: its name in the library and where its address
 * goes (a pointer to a function pointer). */
typedef struct kh_dl_sym {
    void *slot;
    const char *symbol;
} kh_dl_sym;

/* dlopen soname and resolve every syms[i].symbol into syms[i].slot. Returns
 * the handle (close with kh_dl_close), or NULL with the reason in why (the
 * loader's message, or "<soname> has no <symbol>"); on failure no slot is
 * left half filled in a way a caller may use: treat the table as unset. */
void *kh_dl_open(const char *soname, const kh_dl_sym *syms, size_t n, char *why,
                 size_t why_size);

/* Accepts NULL. The library stays mapped (RTLD_NODELETE). */
void kh_dl_close(void *dl);

#endif

/* xlsxapi.h — the libxlsxwriter functions outputs.c calls, through a table
 * of pointers filled from dlopen (see xlsxapi.c). */
#ifndef KH_XLSXAPI_H
#define KH_XLSXAPI_H

#include <xlsxwriter.h> /* types and constants only: nothing is linked */

#include "kaohe/error.h"

/* Every function used, once: the table's members and the symbols looked up
 * are both generated from this list. */
#define KH_XLSXAPI_FUNCTIONS(X)                                                    \
    X(workbook_new_opt)                                                            \
    X(workbook_set_properties)                                                     \
    X(workbook_add_format)                                                         \
    X(workbook_add_worksheet)                                                      \
    X(workbook_close)                                                              \
    X(worksheet_write_string)                                                      \
    X(worksheet_write_number)                                                      \
    X(worksheet_set_column)                                                        \
    X(worksheet_freeze_panes)                                                      \
    X(worksheet_autofilter)                                                        \
    X(format_set_font_name)                                                        \
    X(format_set_font_size)                                                        \
    X(format_set_align)                                                            \
    X(format_set_bold)                                                             \
    X(format_set_bg_color)                                                         \
    X(format_set_num_format)                                                       \
    X(format_set_text_wrap)                                                        \
    X(format_set_bottom)                                                           \
    X(lxw_strerror)

/* Member f has the type of a pointer to libxlsxwriter's f, as its header
 * declares it: a call through the table is checked like a direct one. */
typedef struct kh_xlsxapi {
#define KH_XLSXAPI_MEMBER(f) __typeof__(f) *f;
    KH_XLSXAPI_FUNCTIONS(KH_XLSXAPI_MEMBER)
#undef KH_XLSXAPI_MEMBER
} kh_xlsxapi;

/* Load libxlsxwriter (once per process: RTLD_NODELETE) and fill *api. On
 * failure KH_ENOTFOUND with err->file = file and a message naming the
 * library ("cannot be written: libxlsxwriter.so.4: cannot open shared
 * object file: …"), and *api is zeroed. */
int kh_xlsxapi_load(kh_xlsxapi *api, const char *file, kh_error *err);

#endif

/* table.c — aligned text tables with CJK-aware widths (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct kh_table {
    size_t ncols;
    char **headers;        /* owned */
    bool *right;           /* owned, per column */
    size_t *cap;           /* owned, per column max width (0 = none) */
    char **cells;          /* owned, rows * ncols */
    size_t rows, rows_cap;
};

static char *dup(const char *s)
{
    return strdup(s ? s : "");
}

kh_table *kh_table_new(size_t ncols, const char *const *headers)
{
    kh_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    t->headers = calloc(ncols, sizeof *t->headers);
    t->right = calloc(ncols, sizeof *t->right);
    t->cap = calloc(ncols, sizeof *t->cap);
    if (!t->headers || !t->right || !t->cap) {
        kh_table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++)
        t->headers[i] = dup(headers[i]);
    return t;
}

void kh_table_free(kh_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->headers && i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->rows * t->ncols; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->right);
    free(t->cap);
    free(t->cells);
    free(t);
}

void kh_table_align_right(kh_table *t, size_t col)
{
    if (col < t->ncols)
        t->right[col] = true;
}

void kh_table_max_width(kh_table *t, size_t col, size_t width)
{
    if (col < t->ncols)
        t->cap[col] = width;
}

int kh_table_add(kh_table *t, const char *const *cells)
{
    if (t->rows == t->rows_cap) {
        size_t cap = t->rows_cap ? t->rows_cap * 2 : 16;
        char **n = realloc(t->cells, cap * t->ncols * sizeof *n);
        if (!n)
            return -1;
        t->cells = n;
        t->rows_cap = cap;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        /* a cell is one line: line breaks become spaces */
        char *c = dup(cells[i]);
        for (char *p = c; p && *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t')
                *p = ' ';
        t->cells[t->rows * t->ncols + i] = c;
    }
    t->rows++;
    return 0;
}

/* Width of one code point in cells; invalid bytes count as one. */
static size_t cp_width(const char *s, size_t n, size_t *len)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
    if (k <= 0) {
        *len = 1;
        return 1;
    }
    *len = (size_t)k;
    int w = utf8proc_charwidth(cp);
    return w < 0 ? 0 : (size_t)w;
}

size_t kh_display_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        w += cp_width(s + i, n - i, &len);
        i += len;
    }
    return w;
}

/* Print s cut to at most max cells (adding "…"), padded to width. */
static void print_cell(FILE *out, const char *s, size_t width, size_t max, bool right)
{
    size_t n = strlen(s), w = kh_display_width(s, n), bytes = n;
    bool cut = false;
    if (max && w > max) {
        size_t acc = 0, i = 0;
        while (i < n) {
            size_t len, cw = cp_width(s + i, n - i, &len);
            if (acc + cw > max - 1)
                break;
            acc += cw;
            i += len;
        }
        bytes = i;
        w = acc + 1;
        cut = true;
    }
    size_t pad = width > w ? width - w : 0;
    if (right)
        for (size_t i = 0; i < pad; i++)
            fputc(' ', out);
    fwrite(s, 1, bytes, out);
    if (cut)
        fputs("…", out);
    if (!right)
        for (size_t i = 0; i < pad; i++)
            fputc(' ', out);
}

void kh_table_print(const kh_table *t, FILE *out)
{
    size_t *width = calloc(t->ncols, sizeof *width);
    if (!width)
        return;
    for (size_t c = 0; c < t->ncols; c++) {
        width[c] = kh_display_width(t->headers[c], strlen(t->headers[c]));
        for (size_t r = 0; r < t->rows; r++) {
            const char *s = t->cells[r * t->ncols + c];
            size_t w = kh_display_width(s, strlen(s));
            if (w > width[c])
                width[c] = w;
        }
        if (t->cap[c] && width[c] > t->cap[c])
            width[c] = t->cap[c];
    }
    for (size_t c = 0; c < t->ncols; c++) {
        print_cell(out, t->headers[c], c + 1 < t->ncols ? width[c] : 0, t->cap[c], t->right[c]);
        if (c + 1 < t->ncols)
            fputs("  ", out);
    }
    fputc('\n', out);
    for (size_t c = 0; c < t->ncols; c++) {
        for (size_t i = 0; i < width[c]; i++)
            fputc('-', out);
        if (c + 1 < t->ncols)
            fputs("  ", out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            bool last = c + 1 == t->ncols;
            print_cell(out, t->cells[r * t->ncols + c],
                       last && !t->right[c] ? 0 : width[c], t->cap[c], t->right[c]);
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
    free(width);
}

/*
 * table.h — aligned text tables for people: column widths measured in
 * terminal cells (CJK characters are two cells wide), long cells cut with
 * "…", numbers right-aligned.
 */
#ifndef KH_TABLE_H
#define KH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct kh_table kh_table;

/* ncols columns with these headers (copied). Caller owns; kh_table_free. */
kh_table *kh_table_new(size_t ncols, const char *const *headers);
void kh_table_free(kh_table *t);
/* Right-align column col (numbers). */
void kh_table_align_right(kh_table *t, size_t col);
/* Cap column col at width cells (0 = no cap). */
void kh_table_max_width(kh_table *t, size_t col, size_t width);
/* Append a row of ncols cells (copied; NULL prints as empty). 0 or -1. */
int kh_table_add(kh_table *t, const char *const *cells);
void kh_table_print(const kh_table *t, FILE *out);

/* Display width in terminal cells of UTF-8 text (n bytes). */
size_t kh_display_width(const char *s, size_t n);

#endif

/*
 * convert.h — turn the bytes of an HTML page, a DOCX document or a PDF into
 * UTF-8 text with one block (paragraph, heading, list item, table row; for a
 * PDF, one text line) per line, and say where each line came from: its page
 * (PDF) or its line in the source file (HTML). Private to the engine:
 * document.c calls it before normalising.
 *
 * The converted text uses '\n' only (no '\r', no NUL) and is valid UTF-8, so
 * its lines are exactly the lines document.c counts.
 */
#ifndef KH_CONVERT_H
#define KH_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "kaohe/document.h"
#include "kaohe/error.h"

typedef enum kh_format {
    KH_FORMAT_TEXT = 0, /* plain text: document.c decodes it itself */
    KH_FORMAT_HTML,
    KH_FORMAT_DOCX,     /* any ZIP archive is tried as a DOCX */
    KH_FORMAT_PDF
} kh_format;

/* Where one line of converted text came from. */
typedef struct kh_line_origin {
    int page; /* PDF: 1-based page; 0 = not paged */
    int line; /* PDF: 1-based line within the page's text; HTML: 1-based
               * line of the source file where the line's text starts;
               * 0 = unknown (DOCX, generated lines) */
} kh_line_origin;

typedef struct kh_converted {
    char *text;              /* owned, free(); NUL-terminated */
    size_t len;              /* bytes, without the NUL */
    kh_line_origin *origins; /* owned, free(); one per line (nlines) */
    size_t nlines;           /* number of '\n' in text + 1 */
    kh_encoding enc;         /* the HTML source's charset; UTF-8 otherwise */
    int pages;               /* PDF: page count; 0 otherwise */
} kh_converted;

/* Refusal thresholds for ZIP containers (DOCX): more entries than this, more
 * uncompressed bytes in all entries together, or one entry of more than
 * KH_CONVERT_ZIP_RATIO_MIN bytes that expands more than KH_CONVERT_ZIP_MAX_RATIO
 * times is treated as a zip bomb. Real .docx files have tens of entries, a
 * few MiB and ratios below 20. */
#define KH_CONVERT_ZIP_MAX_ENTRIES 10000
#define KH_CONVERT_ZIP_MAX_TOTAL ((uint64_t)256 * 1024 * 1024)
#define KH_CONVERT_ZIP_MAX_RATIO 100
#define KH_CONVERT_ZIP_RATIO_MIN ((uint64_t)1024 * 1024)

/* The format of a file, from its first bytes and, for HTML, its name:
 * "%PDF-" at the start (or within the first 1 KiB of a *.pdf) → PDF; a ZIP
 * local-file or empty-archive signature → DOCX; a *.html / *.htm / *.xhtml /
 * *.shtml name, or text that starts (after a UTF-8 BOM and whitespace) with
 * <!DOCTYPE html, <html, <head, <body or <meta → HTML; else TEXT. */
kh_format kh_convert__detect(const char *name, const unsigned char *raw, size_t n);

/* "text", "html", "docx", "pdf". Static. */
const char *kh_convert__format_name(kh_format fmt);

/* Convert raw (n bytes, borrowed) of format fmt (not TEXT) into *out (the
 * caller owns its members; release with kh_convert__clear). max_text caps
 * the converted text (0 = no cap). Returns KH_OK, KH_EINPUT with err->file
 * = name and a message a person understands ("encrypted PDF (password
 * required)", "not a readable PDF: …", "refusing a possible zip bomb: …",
 * "a ZIP archive but not a .docx (no word/document.xml)", …), or KH_ENOMEM. */
int kh_convert__run(kh_converted *out, kh_format fmt, const char *name,
                    const unsigned char *raw, size_t n, size_t max_text,
                    kh_error *err);

/* Free the members of c and zero it. Accepts NULL. */
void kh_convert__clear(kh_converted *c);

#endif

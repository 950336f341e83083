/*
 * kaohe/document.h — a report read from disk or memory: encoding detected and
 * decoded to UTF-8, normalised for matching, with a map from every byte of
 * the normalised text back to the original file (line, column, text).
 *
 * Pipeline: bytes → detect (UTF-8 ± BOM, UTF-16 LE/BE with BOM, GB18030/GBK;
 * HTML, DOCX and PDF when kaohe is built with its converters; other binary
 * formats refused) → decode or convert to UTF-8 ("decoded text", line
 * structure as in the file; for HTML/DOCX one block per line, for PDF the
 * pages' text lines) → normalise: NFKC (full-width digits/letters/punctuation folded),
 * CRLF/CR → LF, and removal of the whitespace that PDF/OCR conversion leaves
 * inside phrases (between two CJK characters, between a digit and a CJK
 * character, in either order, including a single line break). Blank lines
 * (paragraph breaks) survive as one '\n'; other runs of whitespace become one
 * space. A document in traditional characters (復議) is read as simplified
 * (复议) character by character, and a parenthesised pinyin gloss right
 * after an ideograph (復(fù)議) is dropped; evidence still quotes the original.
 */
#ifndef KAOHE_DOCUMENT_H
#define KAOHE_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "kaohe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_document kh_document;

typedef enum kh_encoding {
    KH_ENC_UTF8 = 0,
    KH_ENC_UTF8_BOM,
    KH_ENC_UTF16LE,
    KH_ENC_UTF16BE,
    KH_ENC_GB18030 /* also covers GBK and GB2312 input */
} kh_encoding;

#define KH_DOCUMENT_OPTIONS_VERSION 1
typedef struct kh_document_options {
    unsigned version;     /* KH_DOCUMENT_OPTIONS_VERSION */
    size_t max_bytes;     /* refuse larger files; 0 = default 50 MiB */
} kh_document_options;
#define KH_DOCUMENT_OPTIONS_INIT { KH_DOCUMENT_OPTIONS_VERSION, 0 }
#define KH_DOCUMENT_DEFAULT_MAX_BYTES ((size_t)50 * 1024 * 1024)

/* Read and prepare a file. On failure returns KH_EINPUT (empty, binary,
 * undecodable, too large, a directory), KH_ENOTFOUND (no such file) or KH_EIO
 * (unreadable) with err->file = path and a message a person understands, e.g.
 * "binary data (NUL byte at offset 12), not a text report".
 * *out: caller owns; free with kh_document_free(). opts may be NULL. */
int kh_document_load_file(kh_document **out, const char *path,
                          const kh_document_options *opts, kh_error *err);

/* Same for bytes in memory (copied). `name` is used as the path in errors
 * and evidence. */
int kh_document_load_memory(kh_document **out, const char *name,
                            const void *bytes, size_t size,
                            const kh_document_options *opts, kh_error *err);

void kh_document_free(kh_document *doc); /* accepts NULL */

/* Borrowed; valid until kh_document_free(). */
const char *kh_document_path(const kh_document *doc);
kh_encoding kh_document_encoding(const kh_document *doc);
const char *kh_encoding_name(kh_encoding enc); /* "utf-8", "gb18030", ... */

/* The normalised text (NUL-terminated UTF-8) and its length in bytes. */
const char *kh_document_text(const kh_document *doc);
size_t kh_document_length(const kh_document *doc);

/* The decoded original text (UTF-8, lines as in the file). */
const char *kh_document_original(const kh_document *doc);
size_t kh_document_original_length(const kh_document *doc);

/* A position in the original file: 1-based line, 1-based column counted in
 * characters (code points) of the decoded line, and the byte offset into the
 * decoded original text.
 * For a converted input the "decoded original" is the converted text
 * (kh_document_original): for an HTML page or a DOCX document, line and
 * column are those of the converted text, where every block (paragraph,
 * heading, list item, table row with its cells joined by tabs) is one line;
 * for a PDF, page is the 1-based page and line the line within that page's
 * text. page is 0 for every input that is not paged. */
typedef struct kh_position {
    int line;
    int column;
    size_t offset;
    int page;       /* 1-based PDF page; 0 = not paged */
} kh_position;

/* Map a byte offset of the normalised text (0..length) to the original. An
 * offset inside a multi-byte character maps to that character. */
kh_position kh_document_locate(const kh_document *doc, size_t norm_offset);

/* The original text behind normalised span [start, end): writes the
 * decoded original bytes (line breaks included, as in the file) to *text_out
 * (caller owns, free()) and the start position to *pos. Returns KH_OK or
 * KH_EINVAL for a span outside the text, KH_ENOMEM. */
int kh_document_original_span(const kh_document *doc, size_t start, size_t end,
                              char **text_out, kh_position *pos);

#ifdef __cplusplus
}
#endif
#endif

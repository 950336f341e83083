/*
 * document.c — read a report, detect and decode its encoding to UTF-8, and
 * build the normalised text that extractors match against, with a map from
 * every normalised byte back to the decoded original.
 *
 * Detection, in this order (byte offsets in messages are 0-based offsets
 * into the file):
 *   0. Built with the converters (KH_HAVE_CONVERT, the default): a PDF, a
 *      ZIP archive (tried as DOCX) or an HTML page (by name or by its first
 *      tag; see convert.h) is converted by convert.c to UTF-8 text with one
 *      block per line; that text is the "decoded original" from then on,
 *      and each of its lines keeps its origin (PDF page and line in page).
 *      Its errors ("encrypted PDF (password required)", "not a readable
 *      PDF: …", "refusing a possible zip bomb: …") are the document's.
 *   1. 0 bytes → "empty file".
 *   2. A known binary signature at offset 0 (ELF, PNG, JPEG, GIF, OLE2
 *      .doc/.xls, gzip, RAR, 7z, RTF, TIFF; PDF and ZIP too when built
 *      without the converters) → "looks like an ELF executable; kaohe reads
 *      text, HTML, .docx and PDF reports" ("…; convert it to text first"
 *      without the converters).
 *   3. BOM: EF BB BF → UTF-8 (must then be valid UTF-8); FF FE / FE FF →
 *      UTF-16 LE / BE (odd byte count, an unpaired surrogate or a U+0000 is
 *      an error); a UTF-32 BOM is refused. The BOM is not part of the text.
 *   4. Any NUL byte in a non-UTF-16 file → "binary data (NUL byte at offset
 *      N), not a text report" (with a hint when the NULs look like UTF-16
 *      without a BOM).
 *   5. Valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF) → UTF-8.
 *   6. Otherwise GB18030 (a superset of GBK and GB2312) through iconv,
 *      accepted only if the decode is clean and the bytes look like Chinese
 *      text: no C0 control other than \t \n \r \f and no DEL, at least 30%
 *      of the two-byte sequences in the GB2312 rows (lead A1–F7, trail
 *      A1–FE: where nearly every character of real Chinese text lives,
 *      while Latin-1 or random bytes that happen to pair up land in the GBK
 *      extension rows), and at most 5% of the non-space characters outside
 *      the repertoire of Chinese documents (ASCII, CJK, punctuation and
 *      symbol blocks, Greek/Cyrillic/pinyin letters). Otherwise "invalid
 *      UTF-8 at byte N (and not GB18030 text)".
 * A file that normalises to nothing (whitespace, BOM, zero-width characters
 * only) is "empty file (only whitespace)".
 *
 * Traditional script: when the decoded text looks traditional (t2s.h: a
 * share of characters that exist only in traditional script), t2s.c lists
 * the ideographs OpenCC's t2s conversion changes, each one character for
 * one; the normaliser writes the simplified character in place of each (a
 * UNIT segment, so evidence quotes the traditional original). Simplified
 * reports skip all of this after one counting pass.
 *
 * Normalisation works on "units": one base code point plus the combining
 * marks that follow it (at most UNIT_MAX_CPS code points; longer mark runs
 * are split, which only matters for pathological text). Each unit becomes:
 *   - dropped: zero-width characters (U+200B–U+200D, U+2060, U+FEFF), the
 *     soft hyphen U+00AD, C0/C1 control characters other than whitespace;
 *   - a line break: LF, CRLF, CR, NEL (U+0085), LINE SEPARATOR (U+2028);
 *     PARAGRAPH SEPARATOR (U+2029) counts as two line breaks;
 *   - a space: space, tab, VT, FF, NBSP, U+1680, U+2000–U+200A, U+202F,
 *     U+205F, U+3000 (ideographic space);
 *   - text: its NFKC form (utf8proc COMPAT|COMPOSE|STABLE, the options of
 *     utf8proc_NFKC), so full-width digits, letters and punctuation fold to
 *     ASCII ("１２３" → "123", "％" → "%", "，" → ","), "①" → "1", "㎡" → "m2".
 * A run of space and line-break units (dropped units inside it are
 * transparent) is then rewritten by looking at the text on both sides,
 * L (last character written) and R (first character of the next unit):
 *   - at the start or end of the text: removed;
 *   - two or more line breaks (a blank line, a paragraph break): one '\n';
 *   - one line break after a sentence end (。！？；：), after a heading line
 *     (一、… (一)… 1、… 第一部分…) or before one: one '\n' (the file writes a
 *     paragraph per line; a line wrapped mid-sentence is still joined);
 *   - otherwise, i.e. spaces and at most one line break, removed when
 *     one side is CJK-like and the other side is CJK-like, a digit or
 *     punctuation ("行政机关\n负责人" → "行政机关负责人", "1110 余人次" →
 *     "1110余人次", "98.5 %。" → "98.5%。");
 *   - otherwise one ' ' ("two\nwords" → "two words", "2 0 2 4" stays: two
 *     numbers are never merged; "PPP 项目" stays: letters and CJK are kept
 *     apart).
 * CJK-like: a CJK ideograph (Unified incl. Ext A–H, compatibility,
 * radicals, 〇), CJK symbols and punctuation U+3001–U+303F, kana, bopomofo,
 * enclosed CJK, CJK compatibility/vertical forms and the half/full-width
 * block; or a punctuation character (ASCII punctuation and the general
 * punctuation, currency, arrow, math, box and shape blocks) that touches a
 * CJK-like character on its far side (so after NFKC "梳理, 我区" and
 * "规定, “首违" join like CJK punctuation does, but "Hello, world" does not;
 * on the right the look-ahead through punctuation stops after 8 units).
 *
 * Converted HTML and DOCX text has one block per line, so there every line
 * break is a paragraph break (written as '\n'). Converted PDF text marks
 * each paragraph end with a blank line (convert.c), so there a single line
 * break is a wrap, joined by the rules above, unless the next line starts
 * a heading (a paragraph that filled its last line).
 *
 * Pinyin glosses: "(" or "（" right after an ideograph (no space between),
 * then 1–6 lowercase pinyin letters (a–z, ü, tone-marked vowels, also as a
 * letter plus combining tone mark, which NFKC composes), then ")" or "）",
 * is dropped when it has a tone mark or is one plausible syllable:
 * "復(fù)議" → "复议", "(fu)" too, but "(a)", "(PPP)", "(2024)" stay. The
 * span of the characters around it still covers it in the original.
 *
 * Mapping: a written ' ' stands for the first unit of its run, a written
 * '\n' for the first line break of its run; offset == length maps to the end
 * of the decoded original; a span ends at the original end of its last
 * character, so removed line breaks and spaces inside it come back.
 *
 * The offset map is run-length encoded: a list of segments, each either a
 * COPY run (normalised bytes identical to a contiguous stretch of the
 * original; byte k maps to orig + (k - norm)) or one UNIT whose output
 * differs from its source (every byte maps to the unit's first original
 * byte; its original end is found by reading that unit again). A new
 * segment starts only where the normalised text stops being a copy of the
 * original: the report fixtures need 15–650 segments (16 bytes each, on
 * 64-bit) against 16 KB of text, i.e. well under one byte of map per text
 * byte, where a size_t per byte would cost 8. Worst cases: every character
 * folded (all full-width, "１２３…") is one segment per 3 input bytes, about
 * 5 bytes of map per input byte; letters separated by lone CRs ("a\rb\r…")
 * reach 16 bytes per input byte. Line starts of the decoded original (one
 * size_t per line) give line and column by binary search; inside a line
 * longer than 4 KiB a (byte offset, column) checkpoint every 4 KiB bounds
 * the counting a column takes. Everything is built in one linear pass;
 * lookups are O(log n) plus, for the column, at most 4 KiB of counting.
 */
#include "kaohe/document.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <utf8proc.h>

#include "convert.h"
#include "document_internal.h"
#include "t2s.h"

/* One segment of the offset map (see the header comment). */
typedef struct doc_seg {
    size_t norm; /* first normalised byte of the segment */
    size_t orig; /* original offset of that byte, | SEG_UNIT for a UNIT */
} doc_seg;
/* A column checkpoint: the column of original byte `off`, which lies inside
 * a line longer than COL_MARK_EVERY bytes (see build_lines). */
typedef struct col_mark {
    size_t off;
    size_t col;
} col_mark;
/* Bytes of a long line between two column checkpoints: a column lookup
 * counts at most this many bytes, however long the line. */
#define COL_MARK_EVERY 4096
/* Original offsets stay below SIZE_MAX / 2 (see check_opts): the top bit is
 * free. */
#define SEG_UNIT ((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1))

struct kh_document {
    char *path;        /* owned */
    kh_encoding enc;
    char *orig;        /* owned; decoded original, NUL-terminated */
    size_t orig_len;
    char *text;        /* owned; normalised, NUL-terminated */
    size_t text_len;
    doc_seg *segs;     /* owned; sorted by norm, segs[0].norm == 0 */
    size_t nsegs;
    size_t *lines;     /* owned; start offset of each line in orig */
    size_t nlines;     /* >= 1 */
    col_mark *marks;   /* owned or NULL; column checkpoints inside long
                          lines, sorted by offset */
    size_t nmarks;
    kh_format format;  /* what the bytes were: text, HTML, DOCX, PDF */
    kh_line_origin *origins; /* owned or NULL; one per line (converted input) */
    size_t nsubs;      /* traditional characters substituted (0 = none) */
};

#define MEMORY_NAME "<memory>"

/* ------------------------------------------------------------------------ */
/* small helpers                                                             */

static int oom(kh_error *err, const char *name)
{
    return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
}

/* Length of the UTF-8 sequence that starts with lead byte b (valid input). */
static size_t utf8_len(unsigned char b)
{
    if (b < 0x80)
        return 1;
    if (b < 0xE0)
        return 2;
    if (b < 0xF0)
        return 3;
    return 4;
}

/* Decode the code point at s[i] of valid UTF-8 (bounded by n); returns its
 * length. A truncated sequence (impossible for our own buffers) yields
 * U+FFFD and length 1 so callers always advance. */
static size_t utf8_decode(const unsigned char *s, size_t n, size_t i, int32_t *cp)
{
    unsigned char b = s[i];
    size_t len = utf8_len(b);
    if (i + len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    switch (len) {
    case 1: *cp = b; break;
    case 2: *cp = ((int32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3F); break;
    case 3:
        *cp = ((int32_t)(b & 0x0F) << 12) | ((int32_t)(s[i + 1] & 0x3F) << 6) |
              (s[i + 2] & 0x3F);
        break;
    default:
        *cp = ((int32_t)(b & 0x07) << 18) | ((int32_t)(s[i + 1] & 0x3F) << 12) |
              ((int32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        break;
    }
    return len;
}

static size_t utf8_encode(int32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Offset of the first byte that is not part of valid UTF-8, or n. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        /* CJK fast path: three-byte characters whose lead byte (E1–EC,
         * EE–EF) allows any continuation bytes */
        while (i + 3 <= n) {
            unsigned char c = s[i];
            if (c < 0xE1 || c > 0xEF || c == 0xED || (s[i + 1] & 0xC0) != 0x80 ||
                (s[i + 2] & 0xC0) != 0x80)
                break;
            i += 3;
        }
        if (i >= n)
            break;
        unsigned char b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of 2nd byte */
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            if (b == 0xE0)
                lo = 0xA0; /* no overlongs */
            else if (b == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F; /* <= U+10FFFF */
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

/* Line (1-based) and column (1-based, code points) of byte `at` in raw
 * bytes that are valid UTF-8 before `at`. For error messages. */
static void raw_line_col(const unsigned char *s, size_t at, int *line, int *col)
{
    long l = 1, c = 1;
    for (size_t i = 0; i < at; i++) {
        if (s[i] == '\n') {
            l++;
            c = 1;
        } else if ((s[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l > INT_MAX ? INT_MAX : (int)l;
    *col = c > INT_MAX ? INT_MAX : (int)c;
}

/* ------------------------------------------------------------------------ */
/* reading                                                                   */

static void errno_text(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0)
        snprintf(buf, size, "error %d", e);
}

/* Read at most max+1 bytes of path into *out (malloc'd, one spare byte for a
 * terminator). Never trusts st_size beyond a first allocation guess. */
static int read_file(const char *path, size_t max, unsigned char **out,
                     size_t *out_len, kh_error *err)
{
    int rc = KH_OK;
    unsigned char *buf = NULL;
    size_t len = 0, cap;
    char why[256];
    int fd;

    *out = NULL;
    *out_len = 0;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "no such file");
        errno_text(e, why, sizeof why);
        return kh_error_set(err, KH_EIO, path, 0, 0, "cannot open: %s", why);
    }

    struct stat st;
    if (fstat(fd, &st) != 0) {
        errno_text(errno, why, sizeof why);
        rc = kh_error_set(err, KH_EIO, path, 0, 0, "cannot stat: %s", why);
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = kh_error_set(err, KH_EINPUT, path, 0, 0, "is a directory");
        goto done;
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size > max) {
        rc = kh_error_set(err, KH_EINPUT, path, 0, 0,
                          "file is %ju bytes, over the limit of %zu bytes",
                          (uintmax_t)st.st_size, max);
        goto done;
    }
    /* first guess: the stated size (+1 to see EOF or growth), else 64 KiB */
    cap = (S_ISREG(st.st_mode) && st.st_size > 0) ? (size_t)st.st_size + 1 : 65536;
    if (cap > max + 1)
        cap = max + 1;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = oom(err, path);
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max + 1)
                break; /* read max+1 bytes: over the limit */
            size_t ncap = cap < (SIZE_MAX - 1) / 2 ? cap * 2 : SIZE_MAX - 1;
            if (ncap > max + 1)
                ncap = max + 1;
            unsigned char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = oom(err, path);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            if (e == EISDIR) {
                rc = kh_error_set(err, KH_EINPUT, path, 0, 0, "is a directory");
            } else {
                errno_text(e, why, sizeof why);
                rc = kh_error_set(err, KH_EIO, path, 0, 0, "read failed: %s", why);
            }
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (len > max) {
        rc = kh_error_set(err, KH_EINPUT, path, 0, 0,
                          "file is more than %zu bytes, over the limit of %zu bytes",
                          max, max);
        goto done;
    }
    *out = buf;
    *out_len = len;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* detection and decoding                                                    */

typedef struct magic {
    const char *bytes;
    size_t len;
    const char *what;
} magic;

static const magic magics[] = {
    { "%PDF-", 5, "a PDF file" },
    { "PK\x03\x04", 4, "a ZIP archive (or a .docx/.xlsx/.odt document)" },
    { "\x7f" "ELF", 4, "an ELF executable" },
    { "\x89PNG\r\n\x1a\n", 8, "a PNG image" },
    { "\xff\xd8\xff", 3, "a JPEG image" },
    { "GIF87a", 6, "a GIF image" },
    { "GIF89a", 6, "a GIF image" },
    { "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8,
      "a Microsoft Office file (.doc/.xls/.ppt)" },
    { "\x1f\x8b", 2, "a gzip archive" },
    { "Rar!\x1a\x07", 6, "a RAR archive" },
    { "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive" },
    { "{\\rtf", 5, "an RTF document" },
    { "II*\0", 4, "a TIFF image" },
    { "MM\0*", 4, "a TIFF image" },
};

static const char *magic_kind(const unsigned char *raw, size_t n)
{
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (n >= magics[i].len && memcmp(raw, magics[i].bytes, magics[i].len) == 0)
            return magics[i].what;
    return NULL;
}

static int refuse_nul(const unsigned char *raw, size_t n, size_t at,
                      const char *name, kh_error *err)
{
    /* UTF-16 without a BOM: ASCII characters leave NULs in every other
     * byte. Look at the first few hundred bytes. */
    size_t even = 0, odd = 0, lim = n < 512 ? n : 512;
    for (size_t i = 0; i < lim; i++)
        if (raw[i] == 0) {
            if (i & 1)
                odd++;
            else
                even++;
        }
    bool utf16ish = lim >= 8 && (even + odd) * 4 >= lim && (even == 0 || odd == 0);
    return kh_error_set(err, KH_EINPUT, name, 0, 0,
                        "binary data (NUL byte at offset %zu), not a text report%s",
                        at, utf16ish ? " (UTF-16 without a byte-order mark?)" : "");
}

/* UTF-16 (after the BOM) → UTF-8. `base` is the file offset of p[0]. */
static int decode_utf16(const unsigned char *p, size_t n, bool le, size_t base,
                        const char *name, char **out, size_t *out_len,
                        kh_error *err)
{
    const char *label = le ? "UTF-16LE" : "UTF-16BE";
    if (n % 2)
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "%s text with an odd number of bytes (%zu); the file "
                            "is truncated or not UTF-16", label, n + base);
    unsigned char *o = malloc(n / 2 * 3 + 1);
    if (!o)
        return oom(err, name);
    size_t w = 0;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t u = le ? (uint32_t)(p[i] | p[i + 1] << 8)
                        : (uint32_t)(p[i] << 8 | p[i + 1]);
        int32_t cp = (int32_t)u;
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t u2 = 0;
            if (i + 4 <= n)
                u2 = le ? (uint32_t)(p[i + 2] | p[i + 3] << 8)
                        : (uint32_t)(p[i + 2] << 8 | p[i + 3]);
            if (u2 < 0xDC00 || u2 > 0xDFFF) {
                free(o);
                return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                    "invalid %s: unpaired surrogate at byte %zu",
                                    label, base + i);
            }
            cp = (int32_t)(0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            free(o);
            return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                "invalid %s: unpaired surrogate at byte %zu",
                                label, base + i);
        } else if (u == 0) {
            free(o);
            return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                "binary data (NUL character at offset %zu), not a "
                                "text report", base + i);
        }
        w += utf8_encode(cp, o + w);
    }
    o[w] = '\0';
    *out = (char *)o;
    *out_len = w;
    return KH_OK;
}

/* Characters a Chinese document in GB18030 plausibly contains, beyond ASCII
 * printables and whitespace. */
static bool gb_repertoire(int32_t cp)
{
    return (cp >= 0x00A0 && cp <= 0x024F) ||  /* Latin-1 symbols, pinyin */
           (cp >= 0x02C6 && cp <= 0x02DD) ||  /* ˇ ˉ ˊ ˋ ˙ */
           (cp >= 0x0391 && cp <= 0x03C9) ||  /* Greek */
           (cp >= 0x0401 && cp <= 0x0451) ||  /* Cyrillic */
           (cp >= 0x2010 && cp <= 0x2BFF) ||  /* punctuation … symbols */
           (cp >= 0x2E80 && cp <= 0x9FFF) ||  /* CJK radicals … ideographs */
           (cp >= 0xF900 && cp <= 0xFAFF) ||  /* compatibility ideographs */
           (cp >= 0xFE10 && cp <= 0xFE6F) ||  /* vertical/compat/small forms */
           (cp >= 0xFF00 && cp <= 0xFFEF) ||  /* half/full-width forms */
           (cp >= 0x20000 && cp <= 0x3FFFF);  /* CJK extensions B… */
}

/* Clean GB18030 → UTF-8 that looks like Chinese text; false otherwise (or
 * *oom set when memory ran out). */
static bool decode_gb18030(const unsigned char *raw, size_t n, char **out,
                           size_t *out_len, bool *oom_hit)
{
    *oom_hit = false;

    /* Byte structure: share of two-byte sequences in the GB2312 rows. */
    size_t pairs = 0, gb2312 = 0;
    for (size_t i = 0; i < n;) {
        unsigned char b = raw[i];
        if (b < 0x80) {
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f')
                return false;
            if (b == 0x7F)
                return false;
            i++;
        } else if (i + 1 < n && raw[i + 1] >= 0x30 && raw[i + 1] <= 0x39) {
            i += 4;
        } else {
            pairs++;
            if (b >= 0xA1 && b <= 0xF7 && i + 1 < n && raw[i + 1] >= 0xA1 &&
                raw[i + 1] <= 0xFE)
                gb2312++;
            i += 2;
        }
    }
    if (pairs == 0 || gb2312 * 10 < pairs * 3)
        return false;

    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return false;
    size_t cap = n / 2 * 3 + 16; /* 2 bytes → at most 3; 4 bytes → 4 */
    char *o = malloc(cap + 1);
    bool ok = false;
    if (!o) {
        *oom_hit = true;
        goto done;
    }
    char *in = (char *)(uintptr_t)raw; /* iconv's prototype is not const */
    size_t inleft = n, outleft = cap;
    char *op = o;
    while (inleft > 0) {
        size_t r = iconv(cd, &in, &inleft, &op, &outleft);
        if (r != (size_t)-1)
            continue;
        if (errno != E2BIG)
            goto done; /* EILSEQ / EINVAL: not clean */
        size_t used = (size_t)(op - o);
        size_t ncap = cap * 2;
        char *no = realloc(o, ncap + 1);
        if (!no) {
            *oom_hit = true;
            goto done;
        }
        o = no;
        op = o + used;
        outleft = ncap - used;
        cap = ncap;
    }
    size_t len = (size_t)(op - o);
    o[len] = '\0';

    /* Repertoire: at most 5% of the non-space characters outside it. */
    size_t chars = 0, bad = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        i += utf8_decode((const unsigned char *)o, len, i, &cp);
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f')
            continue;
        chars++;
        if (!((cp > 0x20 && cp < 0x7F) || gb_repertoire(cp)))
            bad++;
    }
    if (bad * 20 > chars)
        goto done;
    *out = o;
    *out_len = len;
    o = NULL;
    ok = true;
done:
    free(o);
    iconv_close(cd);
    return ok;
}

/* Raw bytes → decoded original. If raw_owned, raw (allocated with one spare
 * byte) may be taken over as the result; the caller must then not free it
 * (*taken is set). */
static int decode(const char *name, unsigned char *raw, size_t n, bool raw_owned,
                  bool *taken, char **out, size_t *out_len, kh_encoding *enc,
                  kh_error *err)
{
    const char *kind;
    size_t bad;

    *taken = false;
    if (n == 0)
        return kh_error_set(err, KH_EINPUT, name, 0, 0, "empty file");
    if ((kind = magic_kind(raw, n)) != NULL)
#ifdef KH_HAVE_CONVERT
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "looks like %s; kaohe reads text, HTML, .docx and PDF "
                            "reports", kind);
#else
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "looks like %s; convert it to text first", kind);
#endif
    if ((n >= 4 && memcmp(raw, "\xff\xfe\0\0", 4) == 0) ||
        (n >= 4 && memcmp(raw, "\0\0\xfe\xff", 4) == 0))
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "UTF-32 text is not supported; save it as UTF-8");
    if (n >= 2 && raw[0] == 0xFF && raw[1] == 0xFE) {
        *enc = KH_ENC_UTF16LE;
        return decode_utf16(raw + 2, n - 2, true, 2, name, out, out_len, err);
    }
    if (n >= 2 && raw[0] == 0xFE && raw[1] == 0xFF) {
        *enc = KH_ENC_UTF16BE;
        return decode_utf16(raw + 2, n - 2, false, 2, name, out, out_len, err);
    }

    const unsigned char *nul = memchr(raw, 0, n);
    if (nul)
        return refuse_nul(raw, n, (size_t)(nul - raw), name, err);

    size_t skip = 0;
    *enc = KH_ENC_UTF8;
    if (n >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
        skip = 3;
        *enc = KH_ENC_UTF8_BOM;
    }
    bad = skip + utf8_invalid_at(raw + skip, n - skip);
    if (bad == n) {
        size_t len = n - skip;
        char *o;
        if (raw_owned) {
            memmove(raw, raw + skip, len);
            o = (char *)raw;
            *taken = true;
        } else {
            o = malloc(len + 1);
            if (!o)
                return oom(err, name);
            memcpy(o, raw + skip, len);
        }
        o[len] = '\0';
        *out = o;
        *out_len = len;
        return KH_OK;
    }

    int line, col;
    raw_line_col(raw, bad, &line, &col);
    if (skip)
        return kh_error_set(err, KH_EINPUT, name, line, col,
                            "invalid UTF-8 at byte %zu (the file starts with a "
                            "UTF-8 byte-order mark)", bad);
    bool no_mem;
    if (decode_gb18030(raw, n, out, out_len, &no_mem)) {
        *enc = KH_ENC_GB18030;
        return KH_OK;
    }
    if (no_mem)
        return oom(err, name);
    return kh_error_set(err, KH_EINPUT, name, line, col,
                        "invalid UTF-8 at byte %zu (and not GB18030 text)", bad);
}

/* ------------------------------------------------------------------------ */
/* character classes                                                         */

enum { CL_OTHER = 0, CL_DIGIT, CL_PUNCT, CL_CJK };

static int char_class(int32_t cp)
{
    if (cp < 0x80) {
        if (cp >= '0' && cp <= '9')
            return CL_DIGIT;
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return CL_OTHER;
        return (cp > 0x20 && cp < 0x7F) ? CL_PUNCT : CL_OTHER;
    }
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x3001 && cp <= 0x303F) || (cp >= 0x3040 && cp <= 0x312F) ||
        (cp >= 0x3190 && cp <= 0x32FF) || (cp >= 0x2E80 && cp <= 0x2FDF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE10 && cp <= 0xFE1F) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
        (cp >= 0x20000 && cp <= 0x3FFFF))
        return CL_CJK;
    if ((cp >= 0x00A1 && cp <= 0x00BF) || cp == 0x00D7 || cp == 0x00F7 ||
        (cp >= 0x2010 && cp <= 0x205E) || (cp >= 0x20A0 && cp <= 0x20CF) ||
        (cp >= 0x2190 && cp <= 0x23FF) || (cp >= 0x2460 && cp <= 0x27BF) ||
        (cp >= 0x2B00 && cp <= 0x2BFF))
        return CL_PUNCT;
    return CL_OTHER;
}

/* A CJK ideograph (Unified, Ext A–H, compatibility): a character a pinyin
 * gloss can follow. */
static bool is_ideograph(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Does cp continue the unit of the code point before it (a combining mark,
 * or a Hangul medial/final jamo that composes with the syllable before)? */
static bool continues_unit(int32_t cp)
{
    if (cp < 0x300 || (cp >= 0x3400 && cp <= 0x9FFF) ||
        (cp >= 0xFF01 && cp <= 0xFF5E) || (cp >= 0x3001 && cp <= 0x3029))
        return false;
    if (cp >= 0x1160 && cp <= 0x11FF)
        return true;
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    return p->combining_class != 0 || p->category == UTF8PROC_CATEGORY_MN ||
           p->category == UTF8PROC_CATEGORY_MC || p->category == UTF8PROC_CATEGORY_ME;
}

/* Code points whose NFKC form is themselves (checked exhaustively by the
 * tests against utf8proc_NFKC). */
static bool nfkc_stable_fast(int32_t cp)
{
    return (cp > 0x20 && cp < 0x7F) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x3001 && cp <= 0x3029);
}

/* ------------------------------------------------------------------------ */
/* units                                                                     */

#define UNIT_MAX_CPS 8 /* base + 7 marks */
#define UNIT_MAX_OUT (UNIT_MAX_CPS * 18 + 8) /* 18: longest NFKC expansion */

enum { U_DROP, U_SPACE, U_BREAK, U_TEXT };

typedef struct unit {
    int kind;
    int breaks;                  /* U_BREAK: 1, or 2 for U+2029 */
    size_t start, end;           /* source bytes in the decoded original */
    const unsigned char *out;    /* U_TEXT output bytes (source or buf) */
    size_t out_len;
    bool identity;               /* output == source bytes */
    int32_t first;               /* first output code point */
    int32_t cps[UNIT_MAX_OUT];
    unsigned char buf[UNIT_MAX_OUT * 4];
} unit;

static const utf8proc_option_t NFKC_OPTS =
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;

/* Kind of a code point before NFKC: U_BREAK (with *breaks), U_SPACE,
 * U_DROP, or U_TEXT for everything else. */
static int special_kind(int32_t cp, int *breaks)
{
    if ((cp > 0x20 && cp < 0x7F) || (cp >= 0x3400 && cp <= 0x9FFF))
        return U_TEXT;
    switch (cp) {
    case '\n': case '\r': case 0x85: case 0x2028:
        *breaks = 1;
        return U_BREAK;
    case 0x2029: /* paragraph separator */
        *breaks = 2;
        return U_BREAK;
    case ' ': case '\t': case '\v': case '\f': case 0xA0: case 0x1680:
    case 0x202F: case 0x205F: case 0x3000:
        return U_SPACE;
    case 0xAD: case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
        return U_DROP;
    default:
        break;
    }
    if (cp >= 0x2000 && cp <= 0x200A)
        return U_SPACE;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return U_DROP;
    return U_TEXT;
}

/* Read the unit at s[pos] into *u; returns the position after it. */
static size_t read_unit(const unsigned char *s, size_t n, size_t pos, unit *u)
{
    int32_t cp;
    size_t len = utf8_decode(s, n, pos, &cp);
    size_t end = pos + len;

    u->start = pos;
    u->breaks = 0;
    u->identity = false;
    u->kind = special_kind(cp, &u->breaks);
    if (u->kind != U_TEXT) {
        if (cp == '\r' && end < n && s[end] == '\n')
            end++; /* CRLF is one line break */
        u->end = end;
        return end;
    }

    /* text: base plus following marks */
    u->kind = U_TEXT;
    size_t ncps = 1;
    while (end < n && ncps < UNIT_MAX_CPS) {
        int32_t next;
        size_t nl = utf8_decode(s, n, end, &next);
        if (!continues_unit(next))
            break;
        end += nl;
        ncps++;
    }
    u->end = end;
    if (ncps == 1 && nfkc_stable_fast(cp)) {
        u->out = s + pos;
        u->out_len = len;
        u->identity = true;
        u->first = cp;
        return end;
    }
    if (ncps == 1 && cp >= 0xFF01 && cp <= 0xFF5E) { /* full-width ASCII */
        u->buf[0] = (unsigned char)(cp - 0xFEE0);
        u->out = u->buf;
        u->out_len = 1;
        u->first = cp - 0xFEE0;
        return end;
    }
    utf8proc_ssize_t k = utf8proc_decompose(s + pos, (utf8proc_ssize_t)(end - pos),
                                            u->cps, UNIT_MAX_OUT, NFKC_OPTS);
    if (k >= 0 && k <= UNIT_MAX_OUT)
        k = utf8proc_normalize_utf32(u->cps, k, NFKC_OPTS);
    if (k < 0 || k > UNIT_MAX_OUT) { /* cannot happen for valid input */
        u->out = s + pos;
        u->out_len = end - pos;
        u->identity = true;
        u->first = cp;
        return end;
    }
    if (k == 0) {
        u->kind = U_DROP;
        return end;
    }
    size_t w = 0;
    for (utf8proc_ssize_t i = 0; i < k; i++)
        w += utf8_encode(u->cps[i], u->buf + w);
    u->out = u->buf;
    u->out_len = w;
    u->first = u->cps[0];
    u->identity = (w == end - pos && memcmp(u->buf, s + pos, w) == 0);
    return end;
}

/* ------------------------------------------------------------------------ */
/* the normaliser                                                            */

typedef struct normaliser {
    const unsigned char *src;
    size_t n;
    unsigned char *text;
    size_t len, cap;
    doc_seg *segs;
    size_t nsegs, segcap;
    /* the last character written */
    bool have_last;
    int last_class;
    bool last_cjkish; /* CJK, or punctuation whose left neighbour is */
    bool last_ideo;   /* an ideograph (a pinyin gloss may follow) */
    /* every single line break is a paragraph break (converted HTML/DOCX,
     * whose lines are blocks) */
    bool paragraphs;
    /* a single line break is a wrap unless a heading follows (converted
     * PDF: paragraph ends are blank lines) */
    bool wrapped;
    /* traditional characters to read as simplified, by original offset */
    const kh_t2s_sub *subs;
    size_t nsubs, subi;
    /* the pending whitespace run */
    bool pending;
    int breaks;
    size_t ws_start;               /* first unit of the run */
    bool ws_plain_space;           /* ... and it is an ASCII space */
    size_t br_start;               /* first line-break unit of the run */
    bool br_plain_lf;              /* ... and it is a bare "\n" */
    unit cur, peek;
} normaliser;

/* Zeroed bytes kept after the normalised text's NUL: PCRE2's JIT reads up to
 * 16 bytes past a subject's end with vector loads (harmless, but valgrind
 * reports it as a read of uninitialised or unallocated memory). */
#define TEXT_PAD 32

static bool reserve(normaliser *z, size_t more)
{
    if (z->len + more + 1 + TEXT_PAD <= z->cap)
        return true;
    size_t ncap = z->cap ? z->cap : 64;
    while (ncap < z->len + more + 1 + TEXT_PAD)
        ncap = ncap < SIZE_MAX / 2 ? ncap * 2 : SIZE_MAX;
    unsigned char *t = realloc(z->text, ncap);
    if (!t)
        return false;
    z->text = t;
    z->cap = ncap;
    return true;
}

static bool push_seg(normaliser *z, size_t orig)
{
    if (z->nsegs == z->segcap) {
        size_t ncap = z->segcap ? z->segcap * 2 : 64;
        doc_seg *ns = realloc(z->segs, ncap * sizeof *ns);
        if (!ns)
            return false;
        z->segs = ns;
        z->segcap = ncap;
    }
    z->segs[z->nsegs++] = (doc_seg){ z->len, orig };
    return true;
}

/* Append bytes that are a copy of the original at orig_off. */
static bool emit_copy(normaliser *z, const unsigned char *p, size_t len, size_t orig_off)
{
    if (!reserve(z, len))
        return false;
    const doc_seg *last = z->nsegs ? &z->segs[z->nsegs - 1] : NULL;
    if (!last || (last->orig & SEG_UNIT) || last->orig + (z->len - last->norm) != orig_off)
        if (!push_seg(z, orig_off))
            return false;
    memcpy(z->text + z->len, p, len);
    z->len += len;
    return true;
}

/* Append the output of the unit at orig_off, which differs from its
 * source. Its original end is found again with read_unit when needed. */
static bool emit_unit(normaliser *z, const unsigned char *p, size_t len,
                      size_t orig_off)
{
    if (!reserve(z, len) || !push_seg(z, orig_off | SEG_UNIT))
        return false;
    memcpy(z->text + z->len, p, len);
    z->len += len;
    return true;
}

/* Is the character run starting with the text unit u (the next unit begins
 * at `after`) CJK-like on its left edge? Punctuation inherits from what
 * follows it directly (at most a few units ahead). */
static bool right_cjkish(normaliser *z, const unit *u, size_t after)
{
    const unsigned char *p = u->out;
    size_t n = u->out_len, i = 0;
    while (i < n) {
        int32_t cp;
        i += utf8_decode(p, n, i, &cp);
        int c = char_class(cp);
        if (c != CL_PUNCT)
            return c == CL_CJK;
    }
    size_t pos = after;
    for (int steps = 0; steps < 8 && pos < z->n; steps++) {
        pos = read_unit(z->src, z->n, pos, &z->peek);
        if (z->peek.kind == U_DROP)
            continue;
        if (z->peek.kind != U_TEXT)
            return false;
        p = z->peek.out;
        n = z->peek.out_len;
        i = 0;
        while (i < n) {
            int32_t cp;
            i += utf8_decode(p, n, i, &cp);
            int c = char_class(cp);
            if (c != CL_PUNCT)
                return c == CL_CJK;
        }
    }
    return false;
}

/* ---- pinyin glosses: 復(fù)議 ---- */

/* A lowercase pinyin letter in NFKC form: a–z, ü, ê, or a vowel (or n, m)
 * with a tone mark (then *toned is set). */
static bool pinyin_letter(int32_t cp, bool *toned)
{
    static const int32_t marked[] = {
        0xE0, 0xE1, 0xE8, 0xE9, 0xEC, 0xED, 0xF2, 0xF3, 0xF9, 0xFA,   /* à á è é ì í ò ó ù ú */
        0x101, 0x113, 0x11B, 0x12B, 0x14D, 0x16B,                     /* ā ē ě ī ō ū */
        0x1CE, 0x1D0, 0x1D2, 0x1D4, 0x1D6, 0x1D8, 0x1DA, 0x1DC,       /* ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ */
        0x144, 0x148, 0x1F9, 0x1E3F, 0x1EBF, 0x1EC1                   /* ń ň ǹ ḿ ế ề */
    };
    if ((cp >= 'a' && cp <= 'z') || cp == 0xFC || cp == 0xEA)
        return true;
    for (size_t i = 0; i < sizeof marked / sizeof marked[0]; i++)
        if (marked[i] == cp) {
            *toned = true;
            return true;
        }
    return false;
}

/* An untoned gloss must look like one syllable: initial, vowels, final. */
static bool pinyin_syllable(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 2 && (s[1] == 'h') && (s[0] == 'z' || s[0] == 'c' || s[0] == 's'))
        i = 2;
    else if (n >= 1 && strchr("bpmfdtnlgkhjqxrzcsyw", s[0]))
        i = 1;
    else
        return false;
    size_t v = i;
    while (i < n && strchr("aeiouv", s[i]))
        i++;
    if (i == v)
        return false;
    if (i + 2 == n && s[i] == 'n' && s[i + 1] == 'g')
        return true;
    if (i + 1 == n && (s[i] == 'n' || s[i] == 'r'))
        return true;
    return i == n;
}

/* If the units from pos are 1–6 pinyin letters and a closing ")" or "）"
 * (the "(" or "（" before pos was just read), the position after the ")";
 * else 0. Letters may carry their tone as a combining mark (u + U+0300);
 * the gloss must have a tone mark or be one plausible syllable ("(fu)"),
 * so "(a)", "(PPP)" and "(abc)" stay. */
static size_t pinyin_gloss_end(normaliser *z, size_t pos)
{
    char plain[8];
    size_t letters = 0;
    bool toned = false, ascii = true;
    while (pos < z->n) {
        unit *p = &z->peek;
        size_t next = read_unit(z->src, z->n, pos, p);
        if (p->kind != U_TEXT)
            return 0;
        int32_t cp;
        size_t i = utf8_decode(p->out, p->out_len, 0, &cp);
        if (cp == ')' && p->out_len == 1) {
            if (letters == 0)
                return 0;
            return toned || (ascii && pinyin_syllable(plain, letters)) ? next : 0;
        }
        if (letters == 6 || !pinyin_letter(cp, &toned))
            return 0;
        while (i < p->out_len) { /* marks NFKC could not compose */
            int32_t m;
            i += utf8_decode(p->out, p->out_len, i, &m);
            if (m < 0x300 || m > 0x36F)
                return 0;
            toned = true;
        }
        if (cp < 0x80)
            plain[letters] = (char)cp;
        else
            ascii = false;
        letters++;
        pos = next;
    }
    return 0;
}

/* ---- paragraph breaks that a single line break still marks ---- */

static bool is_cn_numeral(int32_t cp)
{
    static const char digits[] = "一二三四五六七八九十〇零";
    for (size_t i = 0; i < sizeof digits - 1;) {
        int32_t d;
        i += utf8_decode((const unsigned char *)digits, sizeof digits - 1, i, &d);
        if (d == cp)
            return true;
    }
    return false;
}

/* Does text (n bytes) begin with a heading marker: 一、 (一) （一） 1、 1.
 * 第一部分 / 第二章 / 第三节? */
static bool starts_heading(const unsigned char *t, size_t n)
{
    size_t i = 0;
    int32_t cp = 0;
    if (n == 0)
        return false;
    i += utf8_decode(t, n, 0, &cp);
    bool paren = cp == '(' || cp == 0xFF08;
    if (paren) {
        if (i >= n)
            return false;
        i += utf8_decode(t, n, i, &cp);
    }
    if (cp == 0x7B2C && !paren) { /* 第一部分 第二章 第三节 (not 第一责任人) */
        size_t k = 0;
        while (i < n && k < 3) {
            size_t step = utf8_decode(t, n, i, &cp);
            if (!is_cn_numeral(cp))
                break;
            i += step;
            k++;
        }
        if (!k || i >= n)
            return false;
        utf8_decode(t, n, i, &cp);
        return cp == 0x90E8 /* 部 */ || cp == 0x7AE0 /* 章 */ || cp == 0x8282 /* 节 */ ||
               cp == 0x7BC7 /* 篇 */;
    }
    size_t digits = 0;
    while (i <= n && (is_cn_numeral(cp) || (cp >= '0' && cp <= '9'))) {
        digits++;
        if (i >= n || digits > 3)
            return false;
        i += utf8_decode(t, n, i, &cp);
    }
    if (!digits)
        return false;
    if (paren)
        return cp == ')' || cp == 0xFF09;
    if (cp == 0x3001) /* 、 */
        return true;
    if (cp == '.' || cp == 0xFF0E) { /* "1." is a heading, "3.5万" is not */
        int32_t next = 0;
        if (i < n)
            utf8_decode(t, n, i, &next);
        return !(next >= '0' && next <= '9') && !(next >= 0xFF10 && next <= 0xFF19);
    }
    return false;
}

/* A single line break is kept as '\n' (not joined) when the line before it
 * ends a sentence (。！？；：) or is a heading, or the next line starts a
 * heading: a file that writes one paragraph per line keeps its paragraphs,
 * while a line wrapped mid-sentence by PDF conversion is still joined. In
 * converted PDF text (z->wrapped), whose paragraph ends are blank lines
 * already, only a heading on the next line keeps the break (a paragraph
 * that filled its last line). */
static bool keep_single_break(const normaliser *z, const unit *u)
{
    if (z->len == 0)
        return false;
    if (z->wrapped)
        return starts_heading(z->src + u->start, z->n - u->start < 16 ? z->n - u->start : 16);
    size_t i = z->len - 1;
    while (i > 0 && (z->text[i] & 0xC0) == 0x80)
        i--;
    int32_t last = 0;
    utf8_decode(z->text, z->len, i, &last);
    if (last == 0x3002 || last == '!' || last == '?' || last == ';' || last == ':' ||
        last == 0xFF01 || last == 0xFF1F || last == 0xFF1B || last == 0xFF1A)
        return true;
    size_t ls = z->len;
    while (ls > 0 && z->text[ls - 1] != '\n')
        ls--;
    if (z->len - ls <= 180 && starts_heading(z->text + ls, z->len - ls))
        return true;
    return starts_heading(z->src + u->start, z->n - u->start < 16 ? z->n - u->start : 16);
}

/* Write the pending whitespace run (if any) before text unit u. */
static bool flush_space(normaliser *z, const unit *u, size_t after)
{
    if (!z->pending)
        return true;
    z->pending = false;
    if (!z->have_last)
        return true; /* leading whitespace */
    if (z->breaks >= 2 || (z->breaks == 1 && (z->paragraphs || keep_single_break(z, u)))) {
        z->last_class = CL_OTHER;
        z->last_cjkish = false;
        z->last_ideo = false;
        if (z->br_plain_lf)
            return emit_copy(z, (const unsigned char *)"\n", 1, z->br_start);
        return emit_unit(z, (const unsigned char *)"\n", 1, z->br_start);
    }
    int rc = char_class(u->first);
    int lc = z->last_class;
    bool joinable_l = lc == CL_CJK || lc == CL_DIGIT || lc == CL_PUNCT;
    bool joinable_r = rc == CL_CJK || rc == CL_DIGIT || rc == CL_PUNCT;
    if (z->last_cjkish && joinable_r)
        return true;
    if (joinable_l && (rc == CL_CJK || (rc == CL_PUNCT && right_cjkish(z, u, after))))
        return true;
    z->last_class = CL_OTHER;
    z->last_cjkish = false;
    z->last_ideo = false;
    if (z->ws_plain_space)
        return emit_copy(z, (const unsigned char *)" ", 1, z->ws_start);
    return emit_unit(z, (const unsigned char *)" ", 1, z->ws_start);
}

static bool emit_text(normaliser *z, const unit *u)
{
    bool ok = u->identity ? emit_copy(z, u->out, u->out_len, u->start)
                          : emit_unit(z, u->out, u->out_len, u->start);
    if (!ok)
        return false;
    z->have_last = true;
    if (u->out_len == utf8_len(u->out[0])) { /* one code point: common case */
        int c = char_class(u->first);
        z->last_class = c;
        if (c != CL_PUNCT)
            z->last_cjkish = (c == CL_CJK);
        z->last_ideo = is_ideograph(u->first);
        return true;
    }
    for (size_t i = 0; i < u->out_len;) {
        int32_t cp;
        i += utf8_decode(u->out, u->out_len, i, &cp);
        int c = char_class(cp);
        z->last_class = c;
        if (c != CL_PUNCT)
            z->last_cjkish = (c == CL_CJK);
        z->last_ideo = is_ideograph(cp);
    }
    return true;
}

/* The fast path: from pos, the longest run of units that are single code
 * points copied unchanged (printable ASCII, CJK ideographs, common CJK
 * punctuation) with no combining mark after them, ending before `lim` (the
 * next traditional character to substitute) and before a '(' right after an
 * ideograph (a possible pinyin gloss). Updates the last-character state as
 * emit_text would; returns the end of the run. */
static size_t fast_run(normaliser *z, size_t pos, size_t lim)
{
    const unsigned char *s = z->src;
    size_t n = lim, start = pos;
    int last_class = z->last_class;
    bool cjkish = z->last_cjkish, ideo = z->last_ideo;
    while (pos < n) {
        unsigned char b = s[pos];
        size_t len;
        int c;
        bool this_ideo = false;
        if (b >= 0xE5 && b <= 0xE9 && pos + 2 < z->n) {
            /* a run of ideographs U+5000–U+9FFF (lead bytes E5–E9): only
             * the byte after the run can start a combining mark */
            size_t p = pos + 3;
            while (p < n && s[p] >= 0xE5 && s[p] <= 0xE9 && p + 2 < z->n)
                p += 3;
            if (p < z->n && s[p] >= 0xCC && (s[p] < 0xE4 || s[p] > 0xE9)) {
                int32_t next;
                utf8_decode(s, z->n, p, &next);
                if (continues_unit(next))
                    p -= 3; /* the last ideograph and its mark are a unit */
            }
            if (p > pos) {
                last_class = CL_CJK;
                cjkish = true;
                ideo = true;
            }
            if (p == pos) /* one ideograph, with a mark: read_unit's */
                break;
            pos = p;
            continue;
        }
        if (b < 0x80) {
            if (b <= 0x20 || b == 0x7F || (b == '(' && ideo))
                break;
            c = char_class(b);
            len = 1;
        } else if ((b & 0xF0) == 0xE0 && pos + 2 < z->n) {
            int32_t cp = ((int32_t)(b & 0x0F) << 12) |
                         ((int32_t)(s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
            if (!((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                  (cp >= 0x3001 && cp <= 0x3029)))
                break;
            c = CL_CJK;
            len = 3;
            this_ideo = cp >= 0x3400;
        } else {
            break;
        }
        /* a mark is >= U+0300 (lead byte >= CC); U+4000–U+9FFF (lead E4–E9)
         * has none */
        if (pos + len < z->n && s[pos + len] >= 0xCC &&
            (s[pos + len] < 0xE4 || s[pos + len] > 0xE9)) {
            int32_t next;
            utf8_decode(s, z->n, pos + len, &next);
            if (continues_unit(next))
                break;
        }
        last_class = c;
        if (c != CL_PUNCT)
            cjkish = (c == CL_CJK);
        ideo = this_ideo;
        pos += len;
    }
    if (pos > start) {
        z->have_last = true;
        z->last_class = last_class;
        z->last_cjkish = cjkish;
        z->last_ideo = ideo;
    }
    return pos;
}

/* Normalise z->src into z->text / z->segs. */
static bool normalise(normaliser *z)
{
    size_t pos = 0;
    if (!reserve(z, z->n))
        return false;
    while (pos < z->n) {
        while (z->subi < z->nsubs && z->subs[z->subi].offset < pos)
            z->subi++;
        if (!z->pending) {
            size_t lim = z->subi < z->nsubs ? z->subs[z->subi].offset : z->n;
            size_t end = fast_run(z, pos, lim);
            if (end > pos) {
                if (!emit_copy(z, z->src + pos, end - pos, pos))
                    return false;
                pos = end;
                continue;
            }
        }
        unit *u = &z->cur;
        size_t next = read_unit(z->src, z->n, pos, u);
        if (u->kind == U_TEXT) {
            /* a parenthesised pinyin gloss right after an ideograph:
             * dropped (the map still spans it) */
            if (!z->pending && z->last_ideo && u->first == '(' && u->out_len == 1) {
                size_t gend = pinyin_gloss_end(z, next);
                if (gend) {
                    pos = gend;
                    continue;
                }
            }
            /* a traditional character read as simplified */
            if (z->subi < z->nsubs && z->subs[z->subi].offset == pos &&
                u->end == pos + utf8_len(z->src[pos])) {
                int32_t cp = z->subs[z->subi].cp;
                u->out_len = utf8_encode(cp, u->buf);
                u->out = u->buf;
                u->first = cp;
                u->identity = false;
            }
        }
        switch (u->kind) {
        case U_DROP:
            break;
        case U_SPACE:
        case U_BREAK:
            if (!z->pending) {
                z->pending = true;
                z->breaks = 0;
                z->ws_start = u->start;
                z->ws_plain_space = u->end - u->start == 1 && z->src[u->start] == ' ';
            }
            if (u->kind == U_BREAK) {
                if (z->breaks == 0) {
                    z->br_start = u->start;
                    z->br_plain_lf = u->end - u->start == 1 && z->src[u->start] == '\n';
                }
                z->breaks += u->breaks;
            }
            break;
        default:
            if (!flush_space(z, u, next) || !emit_text(z, u))
                return false;
            break;
        }
        pos = next;
    }
    /* trailing whitespace is dropped; NUL plus zeroed padding */
    if (!reserve(z, 0))
        return false;
    memset(z->text + z->len, 0, 1 + TEXT_PAD);
    return true;
}

/* Column checkpoints every COL_MARK_EVERY bytes of each line longer than
 * that, so that a column costs O(COL_MARK_EVERY) and not O(line length): a
 * report whose line breaks were lost is one huge line, and each of its
 * facts' evidence asks for a column. Short lines (every ordinary report)
 * get none and cost nothing here. */
static bool build_col_marks(kh_document *doc)
{
    size_t cap = 0, n = 0;
    col_mark *ms = NULL;
    const unsigned char *s = (const unsigned char *)doc->orig;
    for (size_t l = 0; l < doc->nlines; l++) {
        size_t start = doc->lines[l];
        size_t end = l + 1 < doc->nlines ? doc->lines[l + 1] : doc->orig_len;
        if (end - start <= COL_MARK_EVERY)
            continue;
        size_t col = 1;
        for (size_t at = start; at + COL_MARK_EVERY < end;) {
            size_t next = at + COL_MARK_EVERY;
            for (size_t i = at; i < next; i++)
                col += (s[i] & 0xC0) != 0x80;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                col_mark *nm = realloc(ms, ncap * sizeof *nm);
                if (!nm) {
                    free(ms);
                    return false;
                }
                ms = nm;
                cap = ncap;
            }
            ms[n].off = next;
            ms[n].col = col;
            n++;
            at = next;
        }
    }
    doc->marks = ms;
    doc->nmarks = n;
    return true;
}

static bool build_lines(kh_document *doc)
{
    size_t cap = 64, n = 0;
    size_t *ls = malloc(cap * sizeof *ls);
    if (!ls)
        return false;
    ls[n++] = 0;
    const char *s = doc->orig;
    size_t len = doc->orig_len;
    bool has_cr = memchr(s, '\r', len) != NULL;
    for (size_t i = 0; i < len; i++) {
        if (!has_cr) { /* the common case: jump from LF to LF */
            const char *lf = memchr(s + i, '\n', len - i);
            if (!lf)
                break;
            i = (size_t)(lf - s);
        }
        char c = s[i];
        if (c != '\n' && c != '\r')
            continue;
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
            i++;
        if (n == cap) {
            size_t *nl = realloc(ls, cap * 2 * sizeof *nl);
            if (!nl) {
                free(ls);
                return false;
            }
            ls = nl;
            cap *= 2;
        }
        ls[n++] = i + 1;
    }
    doc->lines = ls;
    doc->nlines = n;
    return build_col_marks(doc);
}

/* ------------------------------------------------------------------------ */
/* loading                                                                   */

/* Lines of converted text: its '\n' count + 1. */
static size_t count_lines(const char *s, size_t n)
{
    size_t k = 1;
    for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))) != NULL; p++)
        k++;
    return k;
}

static int check_opts(const kh_document_options *opts, const char *name,
                      size_t *max, kh_error *err)
{
    *max = KH_DOCUMENT_DEFAULT_MAX_BYTES;
    if (!opts)
        return KH_OK;
    if (opts->version != KH_DOCUMENT_OPTIONS_VERSION)
        return kh_error_set(err, KH_EINVAL, name, 0, 0,
                            "unsupported kh_document_options version %u",
                            opts->version);
    if (opts->max_bytes)
        *max = opts->max_bytes;
    /* decoding can grow the text by half (UTF-16 → UTF-8): keep every
     * original offset below SIZE_MAX / 2, whose top bit marks UNIT segments */
    if (*max > SIZE_MAX / 4)
        *max = SIZE_MAX / 4;
    return KH_OK;
}

/* Decode and normalise raw bytes into a new document. */
static int prepare(kh_document **out, const char *name, unsigned char *raw,
                   size_t n, bool raw_owned, bool *taken, size_t max, kh_error *err)
{
    int rc;
    normaliser *z = NULL;
    kh_t2s_sub *subs = NULL;
    size_t nsubs = 0;
    kh_document *doc = calloc(1, sizeof *doc);

    *taken = false;
    if (!doc || !(doc->path = strdup(name))) {
        rc = oom(err, name);
        goto done;
    }
    doc->format = KH_FORMAT_TEXT;
#ifdef KH_HAVE_CONVERT
    if (n > 0)
        doc->format = kh_convert__detect(name, raw, n);
#endif
    if (doc->format != KH_FORMAT_TEXT) {
#ifdef KH_HAVE_CONVERT
        kh_converted cv;
        /* the converted text may outgrow the file a little (DOCX) */
        size_t max_text = max < SIZE_MAX / 8 ? max * 2 : SIZE_MAX / 4;
        rc = kh_convert__run(&cv, doc->format, name, raw, n, max_text, err);
        if (rc != KH_OK)
            goto done;
        doc->orig = cv.text;
        doc->orig_len = cv.len;
        doc->enc = cv.enc;
        doc->origins = cv.origins;
        cv.text = NULL;
        cv.origins = NULL;
        kh_convert__clear(&cv);
#endif
    } else {
        rc = decode(name, raw, n, raw_owned, taken, &doc->orig, &doc->orig_len,
                    &doc->enc, err);
        if (rc != KH_OK)
            goto done;
    }
#ifdef KH_HAVE_CONVERT
    if (kh_t2s__looks_traditional(doc->orig, doc->orig_len)) {
        rc = kh_t2s__substitutions(&subs, &nsubs, doc->orig, doc->orig_len, name, err);
        if (rc != KH_OK)
            goto done;
        doc->nsubs = nsubs;
    }
#endif

    z = calloc(1, sizeof *z);
    if (!z) {
        rc = oom(err, name);
        goto done;
    }
    z->src = (const unsigned char *)doc->orig;
    z->n = doc->orig_len;
    z->subs = subs;
    z->nsubs = nsubs;
    /* converted HTML and DOCX write one block per line; a converted PDF
     * marks paragraph ends with a blank line and wraps everything else */
    z->paragraphs = doc->format == KH_FORMAT_HTML || doc->format == KH_FORMAT_DOCX;
    z->wrapped = doc->format == KH_FORMAT_PDF;
    if (!normalise(z) || !build_lines(doc)) {
        rc = oom(err, name);
        goto done;
    }
    if (doc->origins && doc->nlines != count_lines(doc->orig, doc->orig_len)) {
        /* cannot happen: converted text has '\n' line breaks only */
        free(doc->origins);
        doc->origins = NULL;
    }
    if (z->len == 0) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "empty file (only whitespace)");
        goto done;
    }
    doc->text = (char *)z->text;
    doc->text_len = z->len;
    doc->segs = z->segs;
    doc->nsegs = z->nsegs;
    z->text = NULL;
    z->segs = NULL;
    /* give back what the estimate over-reserved (cheap, in place) */
    if (z->cap > doc->text_len + 1 + TEXT_PAD + 4096) {
        char *t = realloc(doc->text, doc->text_len + 1 + TEXT_PAD); /* keep the pad */
        if (t)
            doc->text = t;
    }
    *out = doc;
    doc = NULL;
done:
    if (z) {
        free(z->text);
        free(z->segs);
        free(z);
    }
    free(subs);
    kh_document_free(doc);
    return rc;
}

int kh_document_load_file(kh_document **out, const char *path,
                          const kh_document_options *opts, kh_error *err)
{
    unsigned char *raw = NULL;
    size_t n = 0, max;
    bool taken = false;
    int rc;

    if (!out || !path)
        return kh_error_set(err, KH_EINVAL, path, 0, 0,
                            "kh_document_load_file: NULL argument");
    *out = NULL;
    rc = check_opts(opts, path, &max, err);
    if (rc != KH_OK)
        return rc;
    rc = read_file(path, max, &raw, &n, err);
    if (rc != KH_OK)
        return rc;
    rc = prepare(out, path, raw, n, true, &taken, max, err);
    if (!taken)
        free(raw);
    return rc;
}

int kh_document_load_memory(kh_document **out, const char *name,
                            const void *bytes, size_t size,
                            const kh_document_options *opts, kh_error *err)
{
    size_t max;
    bool taken = false;
    int rc;

    if (!name)
        name = MEMORY_NAME;
    if (!out || (!bytes && size > 0))
        return kh_error_set(err, KH_EINVAL, name, 0, 0,
                            "kh_document_load_memory: NULL argument");
    *out = NULL;
    rc = check_opts(opts, name, &max, err);
    if (rc != KH_OK)
        return rc;
    if (size > max)
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "file is %zu bytes, over the limit of %zu bytes",
                            size, max);
    return prepare(out, name, (unsigned char *)(uintptr_t)(bytes ? bytes : ""),
                   size, false, &taken, max, err);
}

void kh_document_free(kh_document *doc)
{
    if (!doc)
        return;
    free(doc->path);
    free(doc->orig);
    free(doc->text);
    free(doc->segs);
    free(doc->lines);
    free(doc->marks);
    free(doc->origins);
    free(doc);
}

/* ------------------------------------------------------------------------ */
/* accessors                                                                 */

const char *kh_document_path(const kh_document *doc)
{
    return doc ? doc->path : NULL;
}

kh_encoding kh_document_encoding(const kh_document *doc)
{
    return doc ? doc->enc : KH_ENC_UTF8;
}

const char *kh_encoding_name(kh_encoding enc)
{
    switch (enc) {
    case KH_ENC_UTF8: return "utf-8";
    case KH_ENC_UTF8_BOM: return "utf-8-bom";
    case KH_ENC_UTF16LE: return "utf-16le";
    case KH_ENC_UTF16BE: return "utf-16be";
    case KH_ENC_GB18030: return "gb18030";
    default: return "unknown";
    }
}

const char *kh_document_text(const kh_document *doc)
{
    return doc ? doc->text : NULL;
}

size_t kh_document_length(const kh_document *doc)
{
    return doc ? doc->text_len : 0;
}

const char *kh_document_original(const kh_document *doc)
{
    return doc ? doc->orig : NULL;
}

size_t kh_document_original_length(const kh_document *doc)
{
    return doc ? doc->orig_len : 0;
}

/* ------------------------------------------------------------------------ */
/* mapping                                                                   */

/* The segment holding normalised byte off (< text_len). */
static const doc_seg *find_seg(const kh_document *doc, size_t off)
{
    size_t lo = 0, hi = doc->nsegs; /* segs[lo].norm <= off < segs[hi].norm */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->segs[mid].norm <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &doc->segs[lo];
}

/* Original [start, end) of the character at normalised byte off < text_len. */
static void orig_char(const kh_document *doc, size_t off, size_t *start, size_t *end)
{
    const doc_seg *sg = find_seg(doc, off);
    if (sg->orig & SEG_UNIT) {
        unit u; /* the unit boundaries the normaliser used */
        *start = sg->orig & ~SEG_UNIT;
        *end = read_unit((const unsigned char *)doc->orig, doc->orig_len, *start, &u);
        return;
    }
    const unsigned char *t = (const unsigned char *)doc->text;
    while (off > sg->norm && (t[off] & 0xC0) == 0x80)
        off--;
    *start = sg->orig + (off - sg->norm);
    *end = *start + utf8_len(t[off]);
}

static kh_position position_of(const kh_document *doc, size_t orig)
{
    kh_position p = { 0, 0, orig, 0 };
    size_t lo = 0, hi = doc->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->lines[mid] <= orig)
            lo = mid;
        else
            hi = mid;
    }
    size_t col = 1, from = doc->lines[lo];
    if (doc->nmarks && doc->marks[0].off <= orig) {
        /* the last checkpoint at or before orig, if it is on this line */
        size_t mlo = 0, mhi = doc->nmarks;
        while (mhi - mlo > 1) {
            size_t mid = mlo + (mhi - mlo) / 2;
            if (doc->marks[mid].off <= orig)
                mlo = mid;
            else
                mhi = mid;
        }
        if (doc->marks[mlo].off > from) {
            from = doc->marks[mlo].off;
            col = doc->marks[mlo].col;
        }
    }
    for (size_t i = from; i < orig; i++)
        if (((unsigned char)doc->orig[i] & 0xC0) != 0x80)
            col++;
    p.line = lo + 1 > (size_t)INT_MAX ? INT_MAX : (int)(lo + 1);
    p.column = col > (size_t)INT_MAX ? INT_MAX : (int)col;
    if (doc->origins && doc->origins[lo].page > 0) { /* PDF: line within the page */
        p.page = doc->origins[lo].page;
        p.line = doc->origins[lo].line;
    }
    return p;
}

kh_position kh_document_locate(const kh_document *doc, size_t norm_offset)
{
    kh_position none = { 0, 0, 0, 0 };
    if (!doc)
        return none;
    if (norm_offset >= doc->text_len)
        return position_of(doc, doc->orig_len);
    size_t s, e;
    orig_char(doc, norm_offset, &s, &e);
    return position_of(doc, s);
}

int kh_document_original_span(const kh_document *doc, size_t start, size_t end,
                              char **text_out, kh_position *pos)
{
    if (text_out)
        *text_out = NULL;
    if (!doc || start > end || end > doc->text_len)
        return KH_EINVAL;
    size_t os, oe, dummy;
    if (start == end) {
        os = oe = kh_document_locate(doc, start).offset;
    } else {
        orig_char(doc, start, &os, &dummy);
        orig_char(doc, end - 1, &dummy, &oe);
    }
    if (text_out) {
        char *t = malloc(oe - os + 1);
        if (!t)
            return KH_ENOMEM;
        memcpy(t, doc->orig + os, oe - os);
        t[oe - os] = '\0';
        *text_out = t;
    }
    if (pos)
        *pos = position_of(doc, os);
    return KH_OK;
}

/* ------------------------------------------------------------------------ */
/* engine-private accessors (document_internal.h)                            */

kh_format kh_document__format(const kh_document *doc)
{
    return doc ? doc->format : KH_FORMAT_TEXT;
}

int kh_document__source_line(const kh_document *doc, size_t norm_offset)
{
    if (!doc || !doc->origins || doc->format != KH_FORMAT_HTML)
        return 0;
    kh_position p = kh_document_locate(doc, norm_offset);
    if (p.line < 1 || (size_t)p.line > doc->nlines)
        return 0;
    return doc->origins[p.line - 1].line;
}

size_t kh_document__substitutions(const kh_document *doc)
{
    return doc ? doc->nsubs : 0;
}

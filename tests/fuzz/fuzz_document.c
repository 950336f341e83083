/*
 * fuzz_document.c — fuzz harness for kh_document_load_memory on arbitrary
 * bytes, then kh_document_locate and kh_document_original_span on offsets
 * drawn from the input. Invariants:
 *   - a refusal returns a kh_status, no document, and a one-line message;
 *   - the normalised and the decoded original text are NUL-terminated,
 *     well-formed UTF-8 of the stated length, without embedded NULs;
 *   - every normalised offset 0..length maps into the original, in order
 *     (non-decreasing), with line >= 1 and column >= 1 that agree with the
 *     original's line breaks (LF, CRLF, CR) and code points; length maps to
 *     the end of the original;
 *   - original_span of a non-empty span is the non-empty original text at the
 *     located start position; spans outside the text are KH_EINVAL.
 */
#include <string.h>

#include "kaohe/document.h"

#include "fuzz.h"

/* Offsets of the starts of the lines of s (line breaks LF, CRLF, CR). */
static size_t *line_starts(const char *s, size_t n, size_t *count)
{
    size_t cap = 16, k = 0;
    size_t *ls = malloc(cap * sizeof *ls);
    KH_FUZZ_CHECK(ls != NULL, "out of memory");
    ls[k++] = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n' && s[i] != '\r')
            continue;
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            i++;
        if (k == cap) {
            cap *= 2;
            ls = realloc(ls, cap * sizeof *ls);
            KH_FUZZ_CHECK(ls != NULL, "out of memory");
        }
        ls[k++] = i + 1;
    }
    *count = k;
    return ls;
}

/* Line and column of original offset `at`, computed independently. */
static void expect_line_col(const char *orig, const size_t *ls, size_t nls,
                            size_t at, long *line, long *col)
{
    size_t lo = 0, hi = nls;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ls[mid] <= at)
            lo = mid;
        else
            hi = mid;
    }
    long c = 1;
    for (size_t i = ls[lo]; i < at; i++)
        if (((unsigned char)orig[i] & 0xC0) != 0x80)
            c++;
    *line = (long)lo + 1;
    *col = c;
}

static void check_position(const kh_document *doc, const size_t *ls, size_t nls,
                           size_t norm, kh_position p)
{
    const char *orig = kh_document_original(doc);
    size_t olen = kh_document_original_length(doc);
    KH_FUZZ_CHECK(p.offset <= olen, "locate(%zu).offset %zu > original length %zu",
                  norm, p.offset, olen);
    KH_FUZZ_CHECK(p.line >= 1 && p.column >= 1, "locate(%zu) = line %d column %d",
                  norm, p.line, p.column);
    KH_FUZZ_CHECK(p.offset == olen || ((unsigned char)orig[p.offset] & 0xC0) != 0x80,
                  "locate(%zu).offset %zu is inside a character", norm, p.offset);
    if (p.page > 0)
        return; /* a converted PDF: lines count within the page */
    long line, col;
    expect_line_col(orig, ls, nls, p.offset, &line, &col);
    KH_FUZZ_CHECK(p.line == line && p.column == col,
                  "locate(%zu) = %d:%d, the original says %ld:%ld (offset %zu)",
                  norm, p.line, p.column, line, col, p.offset);
}

static void check_span(const kh_document *doc, size_t start, size_t end)
{
    const char *orig = kh_document_original(doc);
    size_t olen = kh_document_original_length(doc);
    char *text = NULL;
    kh_position pos;
    int rc = kh_document_original_span(doc, start, end, &text, &pos);
    KH_FUZZ_CHECK(rc == KH_OK, "original_span(%zu, %zu) = %d", start, end, rc);
    KH_FUZZ_CHECK(text != NULL, "original_span(%zu, %zu): no text", start, end);
    kh_position at = kh_document_locate(doc, start);
    KH_FUZZ_CHECK(pos.offset == at.offset && pos.line == at.line &&
                  pos.column == at.column,
                  "original_span(%zu, %zu) starts at %zu (%d:%d), locate says %zu (%d:%d)",
                  start, end, pos.offset, pos.line, pos.column, at.offset,
                  at.line, at.column);
    size_t tl = strlen(text);
    KH_FUZZ_CHECK(pos.offset + tl <= olen && memcmp(orig + pos.offset, text, tl) == 0,
                  "original_span(%zu, %zu): \"%.40s\" is not the original at %zu",
                  start, end, text, pos.offset);
    KH_FUZZ_CHECK(start == end || tl > 0,
                  "original_span(%zu, %zu): a non-empty span maps to no text", start, end);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_memory(&doc, "fuzz", data, size, NULL, &err);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(doc == NULL, "failed load (%d) returned a document", rc);
        KH_FUZZ_CHECK(rc == KH_EINPUT || rc == KH_ENOMEM || rc == KH_ELIMIT,
                      "unexpected status %d (%s)", rc, err.message);
        KH_FUZZ_CHECK(err.code == rc, "err.code %d, returned %d", err.code, rc);
        KH_FUZZ_CHECK(err.message[0] != '\0', "refusal %d without a message", rc);
        KH_FUZZ_CHECK(strchr(err.message, '\n') == NULL,
                      "message is not one line: \"%s\"", err.message);
        return 0;
    }
    KH_FUZZ_CHECK(doc != NULL, "KH_OK without a document");

    const char *text = kh_document_text(doc);
    size_t len = kh_document_length(doc);
    const char *orig = kh_document_original(doc);
    size_t olen = kh_document_original_length(doc);
    KH_FUZZ_CHECK(text && orig, "NULL text");
    KH_FUZZ_CHECK(len > 0, "a loaded document with empty text");
    KH_FUZZ_CHECK(text[len] == '\0' && memchr(text, 0, len) == NULL,
                  "normalised text is not a C string of length %zu", len);
    KH_FUZZ_CHECK(orig[olen] == '\0' && memchr(orig, 0, olen) == NULL,
                  "original text is not a C string of length %zu", olen);
    size_t bad = kh_fuzz_utf8_invalid_at((const unsigned char *)text, len);
    KH_FUZZ_CHECK(bad == len, "normalised text: invalid UTF-8 at %zu", bad);
    bad = kh_fuzz_utf8_invalid_at((const unsigned char *)orig, olen);
    KH_FUZZ_CHECK(bad == olen, "original text: invalid UTF-8 at %zu", bad);

    size_t nls;
    size_t *ls = line_starts(orig, olen, &nls);
    kh_fuzz_rng rng = kh_fuzz_rng_from(data, size);

    /* every offset of a small document, a sorted sample of a large one */
    size_t steps = len < 4096 ? len + 1 : 512;
    size_t prev = 0;
    for (size_t k = 0; k < steps; k++) {
        size_t off = steps == len + 1 ? k : (size_t)((double)k / (double)(steps - 1) * (double)len);
        kh_position p = kh_document_locate(doc, off);
        check_position(doc, ls, nls, off, p);
        KH_FUZZ_CHECK(p.offset >= prev, "locate(%zu).offset %zu < %zu of an earlier offset",
                      off, p.offset, prev);
        prev = p.offset;
    }
    kh_position end = kh_document_locate(doc, len);
    KH_FUZZ_CHECK(end.offset == olen, "locate(length) = %zu, original length %zu",
                  end.offset, olen);
    KH_FUZZ_CHECK(kh_document_locate(doc, len + 1 + kh_fuzz_upto(&rng, 1000)).offset == olen,
                  "locate past the end is not the end");

    for (int k = 0; k < 64; k++) {
        size_t a = kh_fuzz_upto(&rng, len), b = kh_fuzz_upto(&rng, len);
        if (a > b) {
            size_t t = a;
            a = b;
            b = t;
        }
        if (k % 4 == 0 && a < len) /* short spans, where evidence lives */
            b = a + 1 + kh_fuzz_upto(&rng, len - a - 1 < 24 ? len - a - 1 : 24);
        check_span(doc, a, b);
    }
    check_span(doc, 0, len);

    char *none = (char *)"unchanged";
    KH_FUZZ_CHECK(kh_document_original_span(doc, 0, len + 1, &none, NULL) == KH_EINVAL &&
                  none == NULL, "a span past the end is accepted");
    if (len >= 2)
        KH_FUZZ_CHECK(kh_document_original_span(doc, 2, 1, NULL, NULL) == KH_EINVAL,
                      "a reversed span is accepted");

    free(ls);
    kh_document_free(doc);
    return 0;
}

/*
 * fuzz_convert.c — fuzz harness for HTML and DOCX conversion (convert.c),
 * called directly rather than through the document loader, so that every
 * input reaches the converter and its limits: the input is converted as
 * kh_convert__detect sees it under the name "fuzz.html" (a ZIP signature →
 * DOCX, anything else → HTML; a PDF is converted as HTML too, because
 * poppler is outside the sanitizers' reach — fuzz_document covers PDF), with
 * a cap on the converted text drawn from the input (none, or 0..2n bytes).
 * Invariants:
 *   - a refusal is KH_EINPUT or KH_ENOMEM with a one-line message naming
 *     the file, and leaves the kh_converted empty;
 *   - a conversion: NUL-terminated text of len bytes without NUL or '\r',
 *     valid UTF-8, within the cap; nlines = the '\n's + 1, one origin each,
 *     page 0, line >= 0, an HTML origin line within the source's lines;
 *     pages 0.
 */
#include <string.h>

#include "convert.h"

#include "fuzz.h"

#define NAME "fuzz.html"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_format fmt = kh_convert__detect(NAME, data, size);
    if (fmt != KH_FORMAT_DOCX)
        fmt = KH_FORMAT_HTML;
    kh_fuzz_rng rng = kh_fuzz_rng_from(data, size);
    size_t cap = kh_fuzz_upto(&rng, 3) == 0 ? kh_fuzz_upto(&rng, 2 * size) : 0;
    kh_converted c;
    memset(&c, 0, sizeof c);
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_convert__run(&c, fmt, NAME, data, size, cap, &err);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(rc == KH_EINPUT || rc == KH_ENOMEM, "%s: status %d: %s",
                      kh_convert__format_name(fmt), rc, err.message);
        KH_FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'), "refusal message \"%s\"",
                      err.message);
        KH_FUZZ_CHECK(strcmp(err.file, NAME) == 0, "refusal names \"%s\"", err.file);
        KH_FUZZ_CHECK(c.text == NULL && c.origins == NULL, "refusal left text or origins");
        kh_convert__clear(&c);
        return 0;
    }
    const char *f = kh_convert__format_name(fmt);
    KH_FUZZ_CHECK(c.text != NULL, "%s: no text", f);
    KH_FUZZ_CHECK(strlen(c.text) == c.len, "%s: a NUL at %zu of %zu bytes", f, strlen(c.text),
                  c.len);
    KH_FUZZ_CHECK(!memchr(c.text, '\r', c.len), "%s: a CR in the text", f);
    size_t bad = kh_fuzz_utf8_invalid_at((const unsigned char *)c.text, c.len);
    KH_FUZZ_CHECK(bad == c.len, "%s: invalid UTF-8 at byte %zu of %zu", f, bad, c.len);
    KH_FUZZ_CHECK(!cap || c.len <= cap, "%s: %zu bytes over the cap of %zu", f, c.len, cap);
    size_t lines = 1;
    for (size_t i = 0; i < c.len; i++)
        lines += c.text[i] == '\n';
    KH_FUZZ_CHECK(c.nlines == lines, "%s: nlines %zu, text has %zu lines", f, c.nlines, lines);
    KH_FUZZ_CHECK(c.origins != NULL, "%s: no origins", f);
    /* docs/security.md, finding 8: an HTML line's origin lay past the
     * source's last line (tests/fuzz/regressions/fuzz_convert/). */
    size_t src_lines = 1;
    for (size_t i = 0; i < size; i++)
        src_lines += data[i] == '\n';
    for (size_t i = 0; i < c.nlines; i++) {
        KH_FUZZ_CHECK(c.origins[i].page == 0, "%s: line %zu on page %d", f, i, c.origins[i].page);
        KH_FUZZ_CHECK(c.origins[i].line >= 0, "%s: line %zu from line %d", f, i,
                      c.origins[i].line);
        if (fmt == KH_FORMAT_HTML)
            KH_FUZZ_CHECK((size_t)c.origins[i].line <= src_lines,
                          "line %zu from source line %d of %zu", i, c.origins[i].line, src_lines);
    }
    KH_FUZZ_CHECK(c.pages == 0, "%s: %d pages", f, c.pages);
    kh_convert__clear(&c);
    return 0;
}

/*
 * convert.c — HTML pages (libxml2's HTML parser), DOCX documents (libzip +
 * libxml2) and PDFs (poppler-glib) to UTF-8 text, one block per line, with
 * the origin of every line.
 *
 * HTML: the charset is found before parsing — a byte-order mark, else the
 * first <meta charset=…> / <meta http-equiv=Content-Type content="…;
 * charset=…"> in the first 4 KiB, else UTF-8 if the bytes are valid UTF-8,
 * else GB18030 — and the page is decoded with iconv (GB2312/GBK labels are
 * read as GB18030, their superset; Big5 as BIG5-HKSCS) and parsed as UTF-8
 * with the page's own declaration ignored. Dropped: comments, <head>,
 * <script>, <style>, <noscript>, <template>, <nav>, form controls, embedded
 * objects, hidden elements (hidden, aria-hidden="true", display:none), page
 * <header>/<footer> (kept inside <article>/<main>), and elements whose class
 * or id has a navigation-chrome word (nav, navbar, navigation, menu,
 * breadcrumb(s), crumb(s), sidebar, topbar, toolbar; header, head, footer,
 * foot outside <article>/<main>) unless they contain <article> or <main>.
 * Words are the parts of the class/id split at non-letters and at
 * lower→upper case changes ("main-nav", "topMenu"). Text collapses its
 * whitespace as a browser does (not inside <pre>); block elements and <br>
 * end a line; a table row is one line with its cells joined by a tab.
 * Entities are decoded by the parser. A line's origin is the source line of
 * the first text written to it (xmlGetLineNo).
 *
 * DOCX: the main part is word/document.xml (or what _rels/.rels names as the
 * officeDocument). Before anything is inflated the archive is checked
 * against the zip-bomb limits of convert.h (entry count, total uncompressed
 * size, per-entry ratio), and a part is never read past its declared size.
 * Paragraphs (w:p) become lines; w:t text, w:tab → tab, w:br/w:cr → line
 * break, w:noBreakHyphen → '-'; deleted text (w:del, w:delText, w:moveFrom),
 * field codes (w:instrText), drawings and alternate content are skipped;
 * w:ins, w:hyperlink, w:smartTag, w:fldSimple, w:sdt, w:customXml are read
 * through. A table row (w:tr) is one line, its cells (w:tc) joined by a tab,
 * a cell's paragraphs joined by a space.
 *
 * PDF: poppler_page_get_text per page; each text line of a page becomes a
 * line with origin (page, line in page); a last line that is only a page
 * number ("3", "- 3 -", "第3页", "3/12", "第3页 共12页") is dropped. A line
 * clearly shorter than a full line (under 80% of the 90th percentile of the
 * document's line widths, CJK counting double) ends its paragraph: a blank
 * line follows it, so the normaliser can join every other line break (a
 * wrap, also across a page break) and keep the paragraphs. An
 * encrypted PDF is "encrypted PDF (password required)", a damaged one
 * "not a readable PDF: <poppler's reason>", one without any text (a scan)
 * "PDF has no text layer …".
 *
 * None of the three libraries is linked: each conversion dlopen's what it
 * needs (see "loading the libraries"), and a missing library fails only the
 * documents that need it ("cannot read PDFs: libpoppler-glib.so.8: cannot
 * open shared object file …").
 */
#include "convert.h"
#include "dl.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers for types and constants only: libxml2, libzip and poppler-glib
 * are dlopen'ed when a document needs them (see "loading the libraries"). */
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poppler.h>
#include <zip.h>

/* ------------------------------------------------------------------------ */
/* loading the libraries                                                     */

/* libxml2 (HTML, DOCX), libzip (DOCX) and poppler-glib (PDF) are not linked
 * but dlopen'ed by the conversion that needs them, RTLD_NODELETE: loaded
 * once per process, then only looked up again. Linked, they cost every
 * kaohe run their start-up (libxml2 brings ICU, libzip bzip2 and lzma,
 * poppler some fifty libraries) although most runs read plain text. Each
 * conversion resolves the functions it calls into a table of pointers on
 * its stack: no global state. */

#ifndef KH_LIBXML2_SONAME
#define KH_LIBXML2_SONAME "libxml2.so.2"
#endif
#ifndef KH_LIBZIP_SONAME
#define KH_LIBZIP_SONAME "libzip.so.4"
#endif
#ifndef KH_POPPLER_GLIB_SONAME
#define KH_POPPLER_GLIB_SONAME "libpoppler-glib.so.8"
#endif

/* dlopen soname and resolve syms into their slots (dl.h). On failure
 * KH_EINPUT "cannot read <what>: <reason>" with err->file = name, and *dl is
 * NULL. */
static int dl_load(void **dl, const char *soname, const kh_dl_sym *syms, size_t n,
                   const char *what, const char *name, kh_error *err)
{
    char why[256];
    *dl = kh_dl_open(soname, syms, n, why, sizeof why);
    if (!*dl)
        return kh_error_set(err, KH_EINPUT, name, 0, 0, "cannot read %s: %s", what, why);
    return KH_OK;
}

/* The libxml2 functions the HTML and DOCX conversions call. */
typedef struct xml_api {
    void *dl;
    htmlDocPtr (*html_read_memory)(const char *buffer, int size, const char *url,
                                   const char *encoding, int options);
    xmlDocPtr (*read_memory)(const char *buffer, int size, const char *url,
                             const char *encoding, int options);
    void (*free_doc)(xmlDocPtr doc);
    xmlNodePtr (*doc_get_root_element)(const xmlDoc *doc);
    xmlChar *(*get_prop)(const xmlNode *node, const xmlChar *name);
    xmlAttrPtr (*has_prop)(const xmlNode *node, const xmlChar *name);
    long (*get_line_no)(const xmlNode *node);
    xmlChar *(*node_get_content)(const xmlNode *cur);
    xmlErrorPtr (*get_last_error)(void);
#ifdef LIBXML_THREAD_ALLOC_ENABLED
    xmlFreeFunc *(*free_fn)(void); /* __xmlFree(): xmlFree is per thread */
#else
    xmlFreeFunc *free_var;         /* &xmlFree, a variable of libxml2 */
#endif
} xml_api;

static int xml_open(xml_api *x, const char *what, const char *name, kh_error *err)
{
    memset(x, 0, sizeof *x);
    const kh_dl_sym syms[] = {
        {&x->html_read_memory, "htmlReadMemory"},
        {&x->read_memory, "xmlReadMemory"},
        {&x->free_doc, "xmlFreeDoc"},
        {&x->doc_get_root_element, "xmlDocGetRootElement"},
        {&x->get_prop, "xmlGetProp"},
        {&x->has_prop, "xmlHasProp"},
        {&x->get_line_no, "xmlGetLineNo"},
        {&x->node_get_content, "xmlNodeGetContent"},
        {&x->get_last_error, "xmlGetLastError"},
#ifdef LIBXML_THREAD_ALLOC_ENABLED
        {&x->free_fn, "__xmlFree"},
#else
        {&x->free_var, "xmlFree"},
#endif
    };
    return dl_load(&x->dl, KH_LIBXML2_SONAME, syms, sizeof syms / sizeof syms[0], what,
                   name, err);
}

/* xmlFree(p), as libxml/globals.h defines it */
static void xml_free(const xml_api *x, void *p)
{
    if (!p)
        return;
#ifdef LIBXML_THREAD_ALLOC_ENABLED
    (*x->free_fn())(p);
#else
    (*x->free_var)(p);
#endif
}

/* The libzip functions the DOCX conversion calls. */
typedef struct zip_api {
    void *dl;
    void (*error_init)(zip_error_t *ze);
    void (*error_fini)(zip_error_t *ze);
    const char *(*error_strerror)(zip_error_t *ze);
    zip_source_t *(*source_buffer_create)(const void *data, zip_uint64_t len, int freep,
                                          zip_error_t *ze);
    void (*source_free)(zip_source_t *src);
    zip_t *(*open_from_source)(zip_source_t *src, int flags, zip_error_t *ze);
    zip_int64_t (*get_num_entries)(zip_t *za, zip_flags_t flags);
    int (*stat_index)(zip_t *za, zip_uint64_t index, zip_flags_t flags, zip_stat_t *st);
    zip_int64_t (*name_locate)(zip_t *za, const char *fname, zip_flags_t flags);
    zip_file_t *(*fopen_index)(zip_t *za, zip_uint64_t index, zip_flags_t flags);
    zip_int64_t (*fread)(zip_file_t *zf, void *buf, zip_uint64_t nbytes);
    int (*fclose)(zip_file_t *zf);
    const char *(*strerror)(zip_t *za);
    const char *(*file_strerror)(zip_file_t *zf);
    void (*discard)(zip_t *za);
} zip_api;

static int zip_open_api(zip_api *z, const char *name, kh_error *err)
{
    memset(z, 0, sizeof *z);
    const kh_dl_sym syms[] = {
        {&z->error_init, "zip_error_init"},
        {&z->error_fini, "zip_error_fini"},
        {&z->error_strerror, "zip_error_strerror"},
        {&z->source_buffer_create, "zip_source_buffer_create"},
        {&z->source_free, "zip_source_free"},
        {&z->open_from_source, "zip_open_from_source"},
        {&z->get_num_entries, "zip_get_num_entries"},
        {&z->stat_index, "zip_stat_index"},
        {&z->name_locate, "zip_name_locate"},
        {&z->fopen_index, "zip_fopen_index"},
        {&z->fread, "zip_fread"},
        {&z->fclose, "zip_fclose"},
        {&z->strerror, "zip_strerror"},
        {&z->file_strerror, "zip_file_strerror"},
        {&z->discard, "zip_discard"},
    };
    return dl_load(&z->dl, KH_LIBZIP_SONAME, syms, sizeof syms / sizeof syms[0],
                   "DOCX documents", name, err);
}

/* ------------------------------------------------------------------------ */
/* the text builder                                                          */

typedef struct tbuf {
    char *s;                 /* text; always room for a NUL */
    size_t len, cap;
    kh_line_origin *lines;   /* origin of every line; the last is current */
    size_t nlines, lcap;
    size_t line_start;       /* offset of the current line */
    bool space;              /* a collapsed space is pending */
    int src;                 /* source line of the text being written */
    int page;                /* page being written (PDF) */
    int cell_depth;          /* > 0 inside a table cell: blocks → spaces */
    size_t max;              /* cap on len; 0 = none */
    bool oom, over;
} tbuf;

static bool tb_init(tbuf *tb, size_t max)
{
    memset(tb, 0, sizeof *tb);
    tb->max = max;
    tb->cap = 4096;
    tb->s = malloc(tb->cap);
    tb->lcap = 64;
    tb->lines = malloc(tb->lcap * sizeof *tb->lines);
    if (!tb->s || !tb->lines) {
        free(tb->s);
        free(tb->lines);
        return false;
    }
    tb->s[0] = '\0';
    tb->lines[0] = (kh_line_origin){ 0, 0 };
    tb->nlines = 1;
    return true;
}

static void tb_free(tbuf *tb)
{
    free(tb->s);
    free(tb->lines);
    tb->s = NULL;
    tb->lines = NULL;
}

static bool tb_ok(const tbuf *tb)
{
    return !tb->oom && !tb->over;
}

static bool tb_reserve(tbuf *tb, size_t more)
{
    if (!tb_ok(tb))
        return false;
    if (tb->max && tb->len + more > tb->max) {
        tb->over = true;
        return false;
    }
    if (tb->len + more + 1 <= tb->cap)
        return true;
    size_t ncap = tb->cap;
    while (ncap < tb->len + more + 1) {
        if (ncap > SIZE_MAX / 2) {
            tb->oom = true;
            return false;
        }
        ncap *= 2;
    }
    char *ns = realloc(tb->s, ncap);
    if (!ns) {
        tb->oom = true;
        return false;
    }
    tb->s = ns;
    tb->cap = ncap;
    return true;
}

static bool tb_line_empty(const tbuf *tb)
{
    return tb->len == tb->line_start;
}

/* Append bytes that contain no line break. */
static void tb_put(tbuf *tb, const char *p, size_t n)
{
    if (n == 0 || !tb_reserve(tb, n))
        return;
    if (tb_line_empty(tb) && tb->lines[tb->nlines - 1].line == 0) {
        tb->lines[tb->nlines - 1].line = tb->src > 0 ? tb->src : 0;
        tb->lines[tb->nlines - 1].page = tb->page;
    }
    memcpy(tb->s + tb->len, p, n);
    tb->len += n;
    tb->s[tb->len] = '\0';
}

/* End the current line, empty or not. */
static void tb_break(tbuf *tb)
{
    tb->space = false;
    if (!tb_reserve(tb, 1))
        return;
    if (tb->nlines == tb->lcap) {
        kh_line_origin *nl = realloc(tb->lines, tb->lcap * 2 * sizeof *nl);
        if (!nl) {
            tb->oom = true;
            return;
        }
        tb->lines = nl;
        tb->lcap *= 2;
    }
    tb->s[tb->len++] = '\n';
    tb->s[tb->len] = '\0';
    tb->line_start = tb->len;
    tb->lines[tb->nlines++] = (kh_line_origin){ tb->page, 0 };
}

/* A block boundary: end a non-empty line; inside a table cell, a space. */
static void tb_end_block(tbuf *tb)
{
    if (tb->cell_depth > 0) {
        if (!tb_line_empty(tb))
            tb->space = true;
        return;
    }
    tb->space = false;
    if (!tb_line_empty(tb))
        tb_break(tb);
}

static void tb_tab(tbuf *tb)
{
    tb->space = false;
    tb_put(tb, "\t", 1);
}

static bool ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Emit a pending collapsed space (not at the start of a line, nor after a
 * space or a cell's tab). */
static void tb_flush_space(tbuf *tb)
{
    if (tb->space && !tb_line_empty(tb) && tb->s[tb->len - 1] != '\t' &&
        tb->s[tb->len - 1] != ' ')
        tb_put(tb, " ", 1);
    tb->space = false;
}

/* Append text that starts on source line `line`, collapsing whitespace as
 * HTML rendering does, or keeping it (pre: '\n' ends the line, '\r' is
 * dropped). Each piece is attributed to the source line it is on, but never
 * to one after `last` (the last line the text can be on: its start may have
 * been raised past some of its own line breaks). */
static void tb_text(tbuf *tb, const char *p, size_t n, int line, int last, bool pre)
{
    size_t i = 0;
    while (i < n && tb_ok(tb)) {
        unsigned char c = (unsigned char)p[i];
        if (pre) {
            size_t j = i;
            while (j < n && p[j] != '\n' && p[j] != '\r')
                j++;
            tb->src = line < last ? line : last;
            if (j > i)
                tb_flush_space(tb);
            tb_put(tb, p + i, j - i);
            if (j < n) {
                if (p[j] == '\n') {
                    line++;
                    if (tb->cell_depth > 0)
                        tb->space = true;
                    else
                        tb_break(tb);
                }
                j++;
            }
            i = j;
            continue;
        }
        if (ascii_space(c)) {
            if (c == '\n')
                line++;
            tb->space = true;
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !ascii_space((unsigned char)p[j]))
            j++;
        tb->src = line < last ? line : last;
        tb_flush_space(tb);
        tb_put(tb, p + i, j - i);
        i = j;
    }
}

static int tb_finish(tbuf *tb, kh_converted *out, const char *name, const char *what,
                     kh_error *err)
{
    if (tb->oom)
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    if (tb->over)
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "the text of this %s is over the limit of %zu bytes",
                            what, tb->max);
    /* drop trailing empty lines */
    while (tb->nlines > 1 && tb->len > 0 && tb->s[tb->len - 1] == '\n') {
        tb->len--;
        tb->nlines--;
        tb->line_start = tb->len;
        while (tb->line_start > 0 && tb->s[tb->line_start - 1] != '\n')
            tb->line_start--;
    }
    tb->s[tb->len] = '\0';
    bool blank = true;
    for (size_t i = 0; i < tb->len && blank; i++)
        blank = ascii_space((unsigned char)tb->s[i]);
    if (blank)
        return kh_error_set(err, KH_EINPUT, name, 0, 0, "no text in this %s", what);
    out->text = tb->s;
    out->len = tb->len;
    out->origins = tb->lines;
    out->nlines = tb->nlines;
    tb->s = NULL;
    tb->lines = NULL;
    return KH_OK;
}

/* ------------------------------------------------------------------------ */
/* small helpers                                                             */

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII) prefix test. */
static bool has_prefix_ci(const unsigned char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (ascii_lower((char)s[i]) != prefix[i])
            return false;
    return true;
}

/* Case-insensitive search for needle (lowercase) in s[0..n). */
static const unsigned char *find_ci(const unsigned char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (has_prefix_ci(s + i, n - i, needle))
            return s + i;
    return NULL;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (ascii_lower(s[n - k + i]) != suffix[i])
            return false;
    return true;
}

/* Offset of the first byte that is not valid UTF-8, or n. */
static size_t utf8_bad_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b >= 0xE0 && b <= 0xEF) {
            len = 3;
            if (b == 0xE0)
                lo = 0xA0;
            else if (b == 0xED)
                hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4;
            if (b == 0xF0)
                lo = 0x90;
            else if (b == 0xF4)
                hi = 0x8F;
        } else
            return i;
        if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* detection                                                                 */

kh_format kh_convert__detect(const char *name, const unsigned char *raw, size_t n)
{
    if (n >= 5 && memcmp(raw, "%PDF-", 5) == 0)
        return KH_FORMAT_PDF;
    if (name && ends_with_ci(name, ".pdf") &&
        find_ci(raw, n < 1024 ? n : 1024, "%pdf-") != NULL)
        return KH_FORMAT_PDF;
    if (n >= 4 && (memcmp(raw, "PK\x03\x04", 4) == 0 || memcmp(raw, "PK\x05\x06", 4) == 0))
        return KH_FORMAT_DOCX;
    if (name && (ends_with_ci(name, ".html") || ends_with_ci(name, ".htm") ||
                 ends_with_ci(name, ".xhtml") || ends_with_ci(name, ".shtml")))
        return KH_FORMAT_HTML;
    size_t i = 0;
    if (n >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < n && ascii_space(raw[i]))
        i++;
    static const char *const starts[] = { "<!doctype html", "<html", "<head", "<body",
                                          "<meta" };
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++)
        if (has_prefix_ci(raw + i, n - i, starts[k]))
            return KH_FORMAT_HTML;
    return KH_FORMAT_TEXT;
}

const char *kh_convert__format_name(kh_format fmt)
{
    switch (fmt) {
    case KH_FORMAT_HTML: return "html";
    case KH_FORMAT_DOCX: return "docx";
    case KH_FORMAT_PDF: return "pdf";
    default: return "text";
    }
}

/* ------------------------------------------------------------------------ */
/* HTML: charset                                                             */

/* The charset named by the first <meta> that names one, in the first 4 KiB
 * (lowercased into cs), or false. */
static bool html_meta_charset(const unsigned char *raw, size_t n, char *cs, size_t size)
{
    size_t lim = n < 4096 ? n : 4096;
    const unsigned char *p = raw, *end = raw + lim;
    while ((p = find_ci(p, (size_t)(end - p), "<meta")) != NULL) {
        const unsigned char *gt = memchr(p, '>', (size_t)(end - p));
        const unsigned char *tag_end = gt ? gt : end;
        const unsigned char *c = find_ci(p, (size_t)(tag_end - p), "charset");
        if (c) {
            c += 7;
            while (c < tag_end && ascii_space(*c))
                c++;
            if (c < tag_end && *c == '=') {
                c++;
                while (c < tag_end && (ascii_space(*c) || *c == '"' || *c == '\''))
                    c++;
                size_t k = 0;
                while (c < tag_end && k + 1 < size &&
                       ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                        (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
                        *c == '.' || *c == ':')) {
                    cs[k++] = ascii_lower((char)*c);
                    c++;
                }
                cs[k] = '\0';
                if (k > 0)
                    return true;
            }
        }
        p = tag_end;
    }
    return false;
}

/* iconv from `from` to UTF-8; false on an invalid or incomplete sequence
 * (*bad_at set) or when the charset is unknown (*unknown set). */
static bool iconv_all(const char *from, const unsigned char *raw, size_t n, char **out,
                      size_t *out_len, size_t *bad_at, bool *unknown, bool *no_mem)
{
    *unknown = *no_mem = false;
    *bad_at = 0;
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) {
        *unknown = true;
        return false;
    }
    size_t cap = n * 2 + 16;
    char *o = malloc(cap + 1);
    bool ok = false;
    if (!o) {
        *no_mem = true;
        goto done;
    }
    char *in = (char *)(uintptr_t)raw;
    size_t inleft = n, outleft = cap;
    char *op = o;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1)
            continue;
        if (errno != E2BIG) {
            *bad_at = n - inleft;
            goto done;
        }
        size_t used = (size_t)(op - o);
        char *no = realloc(o, cap * 2 + 1);
        if (!no) {
            *no_mem = true;
            goto done;
        }
        o = no;
        op = o + used;
        outleft = cap * 2 - used;
        cap *= 2;
    }
    *out_len = (size_t)(op - o);
    o[*out_len] = '\0';
    *out = o;
    o = NULL;
    ok = true;
done:
    free(o);
    iconv_close(cd);
    return ok;
}

/* Map a declared charset label to an iconv name and a kh_encoding. */
static const char *charset_iconv_name(const char *label, kh_encoding *enc)
{
    *enc = KH_ENC_UTF8;
    if (!strcmp(label, "utf-8") || !strcmp(label, "utf8"))
        return "UTF-8";
    if (!strcmp(label, "gb2312") || !strcmp(label, "gbk") || !strcmp(label, "gb18030") ||
        !strcmp(label, "x-gbk") || !strcmp(label, "cp936") || !strcmp(label, "euc-cn") ||
        !strcmp(label, "x-euc-cn") || !strcmp(label, "csgb2312") ||
        !strcmp(label, "windows-936")) {
        *enc = KH_ENC_GB18030;
        return "GB18030";
    }
    if (!strcmp(label, "big5") || !strcmp(label, "big5-hkscs") || !strcmp(label, "x-big5") ||
        !strcmp(label, "cp950"))
        return "BIG5-HKSCS";
    if (!strcmp(label, "utf-16") || !strcmp(label, "utf-16le") || !strcmp(label, "utf-16be"))
        return NULL; /* a UTF-16 page has a BOM; a label alone is wrong */
    return label;
}

/* The page's bytes as UTF-8 (*out, malloc'd). */
static int html_decode(const char *name, const unsigned char *raw, size_t n, char **out,
                       size_t *out_len, kh_encoding *enc, kh_error *err)
{
    size_t bad;
    bool unknown, no_mem;

    if (n >= 3 && memcmp(raw, "\xef\xbb\xbf", 3) == 0) {
        *enc = KH_ENC_UTF8_BOM;
        raw += 3;
        n -= 3;
        bad = utf8_bad_at(raw, n);
        if (bad < n)
            return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                "HTML page is not valid UTF-8 at byte %zu", bad + 3);
        if (!(*out = malloc(n + 1)))
            return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        memcpy(*out, raw, n);
        (*out)[n] = '\0';
        *out_len = n;
        return KH_OK;
    }
    if (n >= 2 && ((raw[0] == 0xFF && raw[1] == 0xFE) || (raw[0] == 0xFE && raw[1] == 0xFF))) {
        bool le = raw[0] == 0xFF;
        *enc = le ? KH_ENC_UTF16LE : KH_ENC_UTF16BE;
        if (iconv_all(le ? "UTF-16LE" : "UTF-16BE", raw + 2, n - 2, out, out_len, &bad,
                      &unknown, &no_mem))
            return KH_OK;
        if (no_mem)
            return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "HTML page is not valid %s at byte %zu",
                            le ? "UTF-16LE" : "UTF-16BE", bad + 2);
    }

    char label[64];
    if (html_meta_charset(raw, n, label, sizeof label)) {
        const char *cs = charset_iconv_name(label, enc);
        if (cs && strcmp(cs, "UTF-8") == 0) {
            if (utf8_bad_at(raw, n) == n)
                goto utf8;
            /* declared UTF-8 but is not: fall through to GB18030 */
        } else if (cs) {
            if (iconv_all(cs, raw, n, out, out_len, &bad, &unknown, &no_mem))
                return KH_OK;
            if (no_mem)
                return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
            if (unknown)
                return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                    "HTML page declares an unknown charset \"%s\"", label);
            return kh_error_set(err, KH_EINPUT, name, 0, 0,
                                "HTML page declares charset \"%s\" but is not valid %s "
                                "at byte %zu", label, cs, bad);
        }
    } else if (utf8_bad_at(raw, n) == n) {
        goto utf8;
    }
    bad = utf8_bad_at(raw, n);
    *enc = KH_ENC_GB18030;
    if (iconv_all("GB18030", raw, n, out, out_len, &bad, &unknown, &no_mem))
        return KH_OK;
    if (no_mem)
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    return kh_error_set(err, KH_EINPUT, name, 0, 0,
                        "HTML page is neither UTF-8 nor GB18030 (byte %zu) and "
                        "declares no usable charset", bad);
utf8:
    *enc = KH_ENC_UTF8;
    if (!(*out = malloc(n + 1)))
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    memcpy(*out, raw, n);
    (*out)[n] = '\0';
    *out_len = n;
    return KH_OK;
}

/* ------------------------------------------------------------------------ */
/* HTML: the tree walk                                                       */

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

static const char *const html_dropped[] = {
    "head", "script", "style", "noscript", "template", "nav", "iframe", "object",
    "embed", "svg", "math", "canvas", "select", "button", "input", "textarea",
    "audio", "video", "map", NULL
};

static const char *const html_blocks[] = {
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li",
    "main", "menu", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
    "tfoot", "ul", "caption", "title", "tr", "br", NULL
};

/* Words of a class or id that mark navigation chrome anywhere, and those
 * that mark page chrome only outside <article>/<main>. */
static const char *const chrome_always[] = {
    "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs",
    "crumb", "crumbs", "sidebar", "topbar", "toolbar", NULL
};
static const char *const chrome_page[] = { "header", "head", "footer", "foot", NULL };

/* Does the attribute value (class or id) contain a chrome word? */
static bool chrome_words(const char *v, bool in_article)
{
    char word[32];
    size_t k = 0;
    for (size_t i = 0;; i++) {
        char c = v[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool camel = c >= 'A' && c <= 'Z' && i > 0 && v[i - 1] >= 'a' && v[i - 1] <= 'z';
        if (!letter || camel) {
            if (k > 0 && k < sizeof word) {
                word[k] = '\0';
                if (name_in(word, chrome_always) ||
                    (!in_article && name_in(word, chrome_page)))
                    return true;
            }
            k = 0;
            if (!c)
                return false;
            if (!letter)
                continue;
        }
        if (k < sizeof word - 1)
            word[k] = ascii_lower(c);
        k++;
    }
}

static bool has_descendant(const xmlNode *n, const char *a, const char *b, int depth)
{
    if (depth > 64)
        return false;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *nm = (const char *)c->name;
        if (!strcmp(nm, a) || !strcmp(nm, b) || has_descendant(c, a, b, depth + 1))
            return true;
    }
    return false;
}

static bool html_hidden(const xml_api *x, xmlNode *n)
{
    bool hidden = false;
    if (x->has_prop(n, (const xmlChar *)"hidden"))
        return true;
    xmlChar *v = x->get_prop(n, (const xmlChar *)"aria-hidden");
    if (v) {
        hidden = strcmp((const char *)v, "true") == 0;
        xml_free(x, v);
        if (hidden)
            return true;
    }
    v = x->get_prop(n, (const xmlChar *)"style");
    if (v) {
        char buf[64];
        size_t k = 0;
        for (const xmlChar *p = v; *p; p++) {
            if (ascii_space(*p))
                continue;
            buf[k++] = ascii_lower((char)*p);
            if (k == sizeof buf - 1)
                break;
        }
        buf[k] = '\0';
        /* squeezed: "display:none" anywhere in the first bytes */
        if (find_ci((const unsigned char *)buf, k, "display:none"))
            hidden = true;
        xml_free(x, v);
    }
    return hidden;
}

static bool html_chrome(const xml_api *x, xmlNode *n, const char *nm, bool in_article)
{
    if (!strcmp(nm, "html") || !strcmp(nm, "body") || !strcmp(nm, "main") ||
        !strcmp(nm, "article"))
        return false;
    bool chrome = false;
    static const char *const attrs[] = { "class", "id", NULL };
    for (int i = 0; attrs[i] && !chrome; i++) {
        xmlChar *v = x->get_prop(n, (const xmlChar *)attrs[i]);
        if (v) {
            chrome = chrome_words((const char *)v, in_article);
            xml_free(x, v);
        }
    }
    return chrome && !has_descendant(n, "article", "main", 0);
}

typedef struct html_walk {
    const xml_api *x;
    tbuf *tb;
    int cell;  /* cells written in the current row */
    int floor; /* start line of the last element seen, in document order */
} html_walk;

static void html_children(html_walk *w, xmlNode *n, bool pre, bool in_article, int depth);

static void html_element(html_walk *w, xmlNode *n, bool pre, bool in_article, int depth)
{
    tbuf *tb = w->tb;
    const char *nm = (const char *)n->name;
    if (name_in(nm, html_dropped))
        return;
    if ((!strcmp(nm, "header") || !strcmp(nm, "footer")) && !in_article)
        return;
    if (html_hidden(w->x, n) || html_chrome(w->x, n, nm, in_article))
        return;
    long ln = w->x->get_line_no(n);
    if (ln > 0 && ln <= INT_MAX && (int)ln > w->floor)
        w->floor = (int)ln;

    if (!strcmp(nm, "br")) {
        if (tb->cell_depth > 0)
            tb->space = true;
        else if (!tb_line_empty(tb))
            tb_break(tb);
        return;
    }
    if (!strcmp(nm, "td") || !strcmp(nm, "th")) {
        if (tb->cell_depth > 0) { /* a nested table's cell: part of the cell */
            tb->space = !tb_line_empty(tb);
        } else if (w->cell++ > 0) {
            tb_tab(tb);
        }
        tb->cell_depth++;
        html_children(w, n, pre, in_article, depth + 1);
        tb->cell_depth--;
        if (tb->cell_depth == 0)
            tb->space = false;
        return;
    }
    bool block = name_in(nm, html_blocks);
    if (!strcmp(nm, "tr")) {
        if (tb->cell_depth > 0) { /* a nested table's row: part of the cell */
            if (!tb_line_empty(tb))
                tb->space = true;
            html_children(w, n, pre, in_article, depth + 1);
            return;
        }
        tb_end_block(tb);
        w->cell = 0;
        html_children(w, n, pre, in_article, depth + 1);
        tb_end_block(tb);
        return;
    }
    if (block)
        tb_end_block(tb);
    html_children(w, n, pre || !strcmp(nm, "pre") || !strcmp(nm, "textarea"),
                  in_article || !strcmp(nm, "article") || !strcmp(nm, "main"), depth + 1);
    if (block)
        tb_end_block(tb);
}

static void html_children(html_walk *w, xmlNode *n, bool pre, bool in_article, int depth)
{
    if (depth > 512)
        return;
    for (xmlNode *c = n->children; c && tb_ok(w->tb); c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE: {
            if (!c->content)
                break;
            const char *t = (const char *)c->content;
            size_t len = strlen(t), nl = 0;
            for (size_t i = 0; i < len; i++)
                nl += t[i] == '\n';
            /* libxml2 gives a text node the line where the parser had read
             * its first chunk (often its end): step back over its line
             * breaks, but not before the element seen last */
            long ln = w->x->get_line_no(c);
            long start = ln > 0 ? ln - (long)nl : 0;
            if (start < w->floor)
                start = w->floor;
            if (start > INT_MAX)
                start = INT_MAX;
            /* raising the start to the floor counts the line breaks before
             * the floor twice: no piece goes past the node's own line */
            long last = ln > start ? ln : start;
            if (last > INT_MAX)
                last = INT_MAX;
            tb_text(w->tb, t, len, (int)start, (int)last, pre);
            break;
        }
        case XML_ELEMENT_NODE:
            html_element(w, c, pre, in_article, depth);
            break;
        default: /* comments, processing instructions, DTD */
            break;
        }
    }
}

static int convert_html(kh_converted *out, const char *name, const unsigned char *raw,
                        size_t n, size_t max_text, kh_error *err)
{
    char *utf8 = NULL;
    size_t len = 0;
    htmlDocPtr d = NULL;
    tbuf tb;
    bool tb_live = false;
    xml_api x;
    int rc = xml_open(&x, "HTML pages", name, err);
    if (rc != KH_OK)
        return rc;
    rc = html_decode(name, raw, n, &utf8, &len, &out->enc, err);
    if (rc != KH_OK)
        goto done;
    if (len > INT_MAX) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "HTML page too large to parse");
        goto done;
    }
    d = x.html_read_memory(utf8, (int)len, NULL, "UTF-8",
                       HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                       HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
    if (!d) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable HTML page");
        goto done;
    }
    if (!tb_init(&tb, max_text)) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        goto done;
    }
    tb_live = true;
    html_walk w = { &x, &tb, 0, 0 };
    html_children(&w, (xmlNode *)d, false, false, 0);
    rc = tb_finish(&tb, out, name, "HTML page", err);
done:
    if (tb_live)
        tb_free(&tb);
    if (d)
        x.free_doc(d);
    free(utf8);
    kh_dl_close(x.dl);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* DOCX                                                                      */

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define W_NS_STRICT "http://purl.oclc.org/ooxml/wordprocessingml/main"
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

/* Is n the WordprocessingML element `local`? */
static bool w_is(const xmlNode *n, const char *local)
{
    if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, local) != 0)
        return false;
    if (!n->ns || !n->ns->href)
        return false;
    const char *h = (const char *)n->ns->href;
    return !strcmp(h, W_NS) || !strcmp(h, W_NS_STRICT);
}

static bool w_any(const xmlNode *n, const char *const *locals)
{
    for (; *locals; locals++)
        if (w_is(n, *locals))
            return true;
    return false;
}

static const char *const w_skipped[] = {
    "del", "delText", "moveFrom", "instrText", "drawing", "pict", "object", "rPr",
    "pPr", "sectPr", "tblPr", "trPr", "tcPr", "tblGrid", "footnoteReference",
    "endnoteReference", NULL
};

static void docx_block(const xml_api *x, tbuf *tb, xmlNode *n, int depth);

/* The inline content of a paragraph (runs and their wrappers). */
static void docx_inline(const xml_api *x, tbuf *tb, xmlNode *n, int depth)
{
    if (depth > 256)
        return;
    for (xmlNode *c = n->children; c && tb_ok(tb); c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && c->ns->href && !strcmp((const char *)c->ns->href, MC_NS))
            continue; /* mc:AlternateContent: drawings, twice */
        if (w_any(c, w_skipped))
            continue;
        if (w_is(c, "t")) {
            xmlChar *t = x->node_get_content(c);
            if (t) {
                /* w:t keeps its spaces; a stray line break or tab is a space */
                for (xmlChar *p = t; *p; p++)
                    if (*p == '\n' || *p == '\r' || *p == '\t')
                        *p = ' ';
                tb_flush_space(tb);
                tb_put(tb, (const char *)t, strlen((const char *)t));
                xml_free(x, t);
            }
        } else if (w_is(c, "tab") || w_is(c, "ptab")) {
            tb_tab(tb);
        } else if (w_is(c, "br") || w_is(c, "cr")) {
            if (tb->cell_depth > 0)
                tb->space = true;
            else if (!tb_line_empty(tb))
                tb_break(tb);
        } else if (w_is(c, "noBreakHyphen")) {
            tb_put(tb, "-", 1);
        } else if (w_is(c, "p") || w_is(c, "tbl")) {
            docx_block(x, tb, c, depth + 1); /* text box content and the like */
        } else {
            docx_inline(x, tb, c, depth + 1); /* r, ins, hyperlink, smartTag, sdt, ... */
        }
    }
}

static void docx_row(const xml_api *x, tbuf *tb, xmlNode *tr, int depth)
{
    int cells = 0;
    for (xmlNode *c = tr->children; c && tb_ok(tb); c = c->next) {
        if (w_is(c, "tc")) {
            if (tb->cell_depth > 0) /* a nested table's cell: part of the cell */
                tb->space = !tb_line_empty(tb);
            else if (cells++ > 0)
                tb_tab(tb);
            tb->cell_depth++;
            docx_block(x, tb, c, depth + 1);
            tb->cell_depth--;
            if (tb->cell_depth == 0)
                tb->space = false;
        } else if (w_is(c, "sdt") || w_is(c, "customXml") || w_is(c, "sdtContent")) {
            docx_row(x, tb, c, depth + 1); /* cells wrapped in a content control */
        }
    }
}

/* Block-level content: paragraphs, tables, and their wrappers. */
static void docx_block(const xml_api *x, tbuf *tb, xmlNode *n, int depth)
{
    if (depth > 256)
        return;
    for (xmlNode *c = n->children; c && tb_ok(tb); c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (w_is(c, "p")) {
            tb_end_block(tb);
            docx_inline(x, tb, c, depth + 1);
            tb_end_block(tb);
        } else if (w_is(c, "tbl")) {
            for (xmlNode *r = c->children; r && tb_ok(tb); r = r->next) {
                if (w_is(r, "tr")) {
                    if (tb->cell_depth > 0) {
                        tb->space = !tb_line_empty(tb);
                        docx_row(x, tb, r, depth + 1);
                    } else {
                        tb_end_block(tb);
                        docx_row(x, tb, r, depth + 1);
                        tb_end_block(tb);
                    }
                } else if (w_is(r, "sdt") || w_is(r, "customXml")) {
                    docx_block(x, tb, r, depth + 1);
                }
            }
        } else if (w_any(c, w_skipped) ||
                   (c->ns && c->ns->href && !strcmp((const char *)c->ns->href, MC_NS))) {
            continue;
        } else if (w_is(c, "tr")) { /* rows inside a wrapper of a table */
            tb_end_block(tb);
            docx_row(x, tb, c, depth + 1);
            tb_end_block(tb);
        } else {
            docx_block(x, tb, c, depth + 1); /* body, sdt, sdtContent, customXml, ins */
        }
    }
}

/* Read entry idx of za (declared size `size`) into *out (malloc'd). */
static int zip_read_entry(const zip_api *z, zip_t *za, zip_uint64_t idx, zip_uint64_t size,
                          const char *entry, const char *name, char **out, size_t *out_len,
                          kh_error *err)
{
    int rc = KH_OK;
    char *buf = NULL;
    zip_file_t *zf = NULL;
    if (size > KH_CONVERT_ZIP_MAX_TOTAL)
        return kh_error_set(err, KH_EINPUT, name, 0, 0,
                            "refusing a possible zip bomb: %s is %ju bytes uncompressed",
                            entry, (uintmax_t)size);
    buf = malloc((size_t)size + 2);
    if (!buf)
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    zf = z->fopen_index(za, idx, 0);
    if (!zf) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable DOCX: %s: %s", entry,
                          z->strerror(za));
        goto done;
    }
    size_t got = 0;
    for (;;) {
        /* read one byte more than declared to catch a lying header */
        zip_int64_t r = z->fread(zf, buf + got, (zip_uint64_t)(size + 1 - got));
        if (r < 0) {
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable DOCX: %s: %s",
                              entry, z->file_strerror(zf));
            goto done;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > size) {
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                              "refusing a possible zip bomb: %s inflates past its "
                              "declared size of %ju bytes", entry, (uintmax_t)size);
            goto done;
        }
    }
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    buf = NULL;
done:
    if (zf)
        z->fclose(zf);
    free(buf);
    return rc;
}

/* The main part's name from _rels/.rels (into part), if it names one. */
static void docx_main_part(const zip_api *z, const xml_api *x, zip_t *za, const char *name,
                           char *part, size_t size)
{
    zip_stat_t st;
    zip_int64_t idx = z->name_locate(za, "_rels/.rels", ZIP_FL_NOCASE);
    if (idx < 0 || z->stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE) || st.size > 1024 * 1024)
        return;
    char *xml = NULL;
    size_t len = 0;
    kh_error ignored;
    if (zip_read_entry(z, za, (zip_uint64_t)idx, st.size, "_rels/.rels", name, &xml, &len,
                       &ignored) != KH_OK)
        return;
    xmlDocPtr d = x->read_memory(xml, (int)len, "rels.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    free(xml);
    if (!d)
        return;
    xmlNode *root = x->doc_get_root_element(d);
    for (xmlNode *c = root ? root->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Relationship"))
            continue;
        xmlChar *type = x->get_prop(c, (const xmlChar *)"Type");
        xmlChar *target = x->get_prop(c, (const xmlChar *)"Target");
        bool main_doc = type && ends_with_ci((const char *)type, "/officedocument");
        if (main_doc && target) {
            const char *t = (const char *)target;
            while (*t == '/')
                t++;
            snprintf(part, size, "%s", t);
        }
        xml_free(x, type);
        xml_free(x, target);
        if (main_doc)
            break;
    }
    x->free_doc(d);
}

static int convert_docx(kh_converted *out, const char *name, const unsigned char *raw,
                        size_t n, size_t max_text, kh_error *err)
{
    int rc = KH_OK;
    zip_error_t ze;
    zip_source_t *src = NULL;
    zip_t *za = NULL;
    char *xml = NULL;
    size_t xml_len = 0;
    xmlDocPtr d = NULL;
    tbuf tb;
    bool tb_live = false;
    zip_api z;
    xml_api x;

    rc = zip_open_api(&z, name, err);
    if (rc != KH_OK)
        return rc;
    rc = xml_open(&x, "DOCX documents", name, err);
    if (rc != KH_OK) {
        kh_dl_close(z.dl);
        return rc;
    }
    z.error_init(&ze);
    src = z.source_buffer_create(raw, n, 0, &ze);
    if (!src) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        goto done;
    }
    za = z.open_from_source(src, ZIP_RDONLY, &ze);
    if (!za) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable DOCX: %s",
                          z.error_strerror(&ze));
        z.source_free(src);
        goto done;
    }

    /* zip-bomb checks, before anything is inflated */
    zip_int64_t count = z.get_num_entries(za, 0);
    if (count > KH_CONVERT_ZIP_MAX_ENTRIES) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                          "refusing a possible zip bomb: %jd entries (limit %d)",
                          (intmax_t)count, KH_CONVERT_ZIP_MAX_ENTRIES);
        goto done;
    }
    uint64_t total = 0;
    for (zip_int64_t i = 0; i < count; i++) {
        zip_stat_t st;
        if (z.stat_index(za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            continue;
        const char *en = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "an entry";
        if (st.size > KH_CONVERT_ZIP_MAX_TOTAL - total) {
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                              "refusing a possible zip bomb: over %ju bytes uncompressed "
                              "(limit %ju)", (uintmax_t)KH_CONVERT_ZIP_MAX_TOTAL,
                              (uintmax_t)KH_CONVERT_ZIP_MAX_TOTAL);
            goto done;
        }
        total += st.size;
        if (st.size > KH_CONVERT_ZIP_RATIO_MIN && (st.valid & ZIP_STAT_COMP_SIZE) &&
            (st.comp_size == 0 || st.size / st.comp_size > KH_CONVERT_ZIP_MAX_RATIO)) {
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                              "refusing a possible zip bomb: %s expands %ju bytes to %ju "
                              "(more than %d times)", en, (uintmax_t)st.comp_size,
                              (uintmax_t)st.size, KH_CONVERT_ZIP_MAX_RATIO);
            goto done;
        }
    }

    char part[256] = "word/document.xml";
    zip_int64_t idx = z.name_locate(za, part, ZIP_FL_NOCASE);
    if (idx < 0) {
        docx_main_part(&z, &x, za, name, part, sizeof part);
        idx = z.name_locate(za, part, ZIP_FL_NOCASE);
    }
    if (idx < 0) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                          "a ZIP archive but not a .docx (no word/document.xml)");
        goto done;
    }
    zip_stat_t st;
    if (z.stat_index(za, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable DOCX: %s: %s", part,
                          z.strerror(za));
        goto done;
    }
    rc = zip_read_entry(&z, za, (zip_uint64_t)idx, st.size, part, name, &xml, &xml_len, err);
    if (rc != KH_OK)
        goto done;
    if (xml_len > INT_MAX) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "%s is too large to parse", part);
        goto done;
    }
    d = x.read_memory(xml, (int)xml_len, "document.xml", NULL,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!d) {
        const xmlError *xe = x.get_last_error();
        rc = kh_error_set(err, KH_EINPUT, name, xe ? xe->line : 0, 0,
                          "not a readable DOCX: %s is not well-formed XML%s%s", part,
                          xe && xe->message ? ": " : "",
                          xe && xe->message ? xe->message : "");
        /* libxml2 messages end with a newline */
        size_t ml = strlen(err ? err->message : "");
        if (err && ml > 0 && err->message[ml - 1] == '\n')
            err->message[ml - 1] = '\0';
        goto done;
    }
    if (!tb_init(&tb, max_text)) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        goto done;
    }
    tb_live = true;
    xmlNode *root = x.doc_get_root_element(d);
    if (root)
        docx_block(&x, &tb, root, 0);
    rc = tb_finish(&tb, out, name, "DOCX document", err);
    out->enc = KH_ENC_UTF8;
done:
    if (tb_live)
        tb_free(&tb);
    if (d)
        x.free_doc(d);
    free(xml);
    if (za)
        z.discard(za); /* read-only: nothing to write back */
    z.error_fini(&ze);
    kh_dl_close(x.dl);
    kh_dl_close(z.dl);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* PDF                                                                       */

/* Is the line (without '\n') only a page number: "3", "- 3 -", "—3—",
 * "第3页", "第 3 页 共 12 页", "3/12", "3 / 12"? */
static bool page_number_line(const char *s, size_t n)
{
    char b[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (ascii_space(c))
            continue;
        if (i + 2 < n && c == 0xE3 && (unsigned char)s[i + 1] == 0x80 &&
            (unsigned char)s[i + 2] == 0x80) { /* ideographic space */
            i += 2;
            continue;
        }
        if (k + 1 >= sizeof b)
            return false;
        b[k++] = (char)c;
    }
    b[k] = '\0';
    /* strip dashes on both ends: - – — */
    const char *p = b, *e = b + k;
    for (;;) {
        if (p < e && *p == '-')
            p++;
        else if (e - p >= 3 && (!memcmp(p, "\xe2\x80\x93", 3) || !memcmp(p, "\xe2\x80\x94", 3)))
            p += 3;
        else
            break;
    }
    for (;;) {
        if (e > p && e[-1] == '-')
            e--;
        else if (e - p >= 3 && (!memcmp(e - 3, "\xe2\x80\x93", 3) ||
                                !memcmp(e - 3, "\xe2\x80\x94", 3)))
            e -= 3;
        else
            break;
    }
    static const char di[] = "\xe7\xac\xac", ye[] = "\xe9\xa1\xb5", gong[] = "\xe5\x85\xb1";
    bool di_form = (size_t)(e - p) >= 3 && !memcmp(p, di, 3);
    if (di_form)
        p += 3;
    size_t digits = 0;
    while (p < e && *p >= '0' && *p <= '9' && digits < 5) {
        p++;
        digits++;
    }
    if (digits == 0 || digits > 4)
        return false;
    if (di_form) { /* 第N页 [共M页] */
        if (e - p < 3 || memcmp(p, ye, 3) != 0)
            return false;
        p += 3;
        if (p == e)
            return true;
        if (e - p < 3 || memcmp(p, gong, 3) != 0)
            return false;
        p += 3;
        digits = 0;
        while (p < e && *p >= '0' && *p <= '9') {
            p++;
            digits++;
        }
        return digits > 0 && digits <= 4 && e - p == 3 && memcmp(p, ye, 3) == 0;
    }
    if (p == e)
        return true;
    if (*p != '/')
        return false;
    p++;
    digits = 0;
    while (p < e && *p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    return digits > 0 && digits <= 4 && p == e;
}

/* Display width of a line in half-width units: ASCII 1, anything else 2. */
static size_t line_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80)
            w += !ascii_space(c);
        else if ((c & 0xC0) != 0x80)
            w += 2;
    }
    return w;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* One page's text, trimmed of trailing blank lines and a final page-number
 * line: [0, end). */
static size_t page_text_end(const char *text)
{
    size_t end = strlen(text);
    for (;;) {
        while (end > 0 && ascii_space((unsigned char)text[end - 1]))
            end--;
        size_t ls = end;
        while (ls > 0 && text[ls - 1] != '\n')
            ls--;
        if (ls > 0 && page_number_line(text + ls, end - ls))
            end = ls;
        else
            return end;
    }
}

/* The poppler-glib (and GLib) functions convert_pdf uses, from dlopen. */
typedef struct poppler_api {
    void *dl;
    GBytes *(*bytes_new_static)(gconstpointer data, gsize size);
    void (*bytes_unref)(GBytes *bytes);
    PopplerDocument *(*document_new_from_bytes)(GBytes *bytes, const char *password,
                                                GError **error);
    int (*document_get_n_pages)(PopplerDocument *document);
    PopplerPage *(*document_get_page)(PopplerDocument *document, int index);
    char *(*page_get_text)(PopplerPage *page);
    void (*object_unref)(gpointer object);
    void (*free)(gpointer mem);
    void (*error_free)(GError *error);
    GQuark (*error_quark)(void);
} poppler_api;

static void poppler_close(poppler_api *p)
{
    kh_dl_close(p->dl);
    memset(p, 0, sizeof *p);
}

/* Load poppler-glib: KH_OK, or KH_EINPUT with the reason in err. */
static int poppler_open(poppler_api *p, const char *name, kh_error *err)
{
    memset(p, 0, sizeof *p);
    const kh_dl_sym syms[] = {
        {&p->bytes_new_static, "g_bytes_new_static"},
        {&p->bytes_unref, "g_bytes_unref"},
        {&p->document_new_from_bytes, "poppler_document_new_from_bytes"},
        {&p->document_get_n_pages, "poppler_document_get_n_pages"},
        {&p->document_get_page, "poppler_document_get_page"},
        {&p->page_get_text, "poppler_page_get_text"},
        {&p->object_unref, "g_object_unref"},
        {&p->free, "g_free"},
        {&p->error_free, "g_error_free"},
        {&p->error_quark, "poppler_error_quark"},
    };
    return dl_load(&p->dl, KH_POPPLER_GLIB_SONAME, syms, sizeof syms / sizeof syms[0],
                   "PDFs", name, err);
}

static int convert_pdf(kh_converted *out, const char *name, const unsigned char *raw,
                       size_t n, size_t max_text, kh_error *err)
{
    poppler_api pp;
    int rc = poppler_open(&pp, name, err);
    if (rc != KH_OK)
        return rc;
    GError *ge = NULL;
    GBytes *bytes = pp.bytes_new_static(raw, n);
    PopplerDocument *pd = pp.document_new_from_bytes(bytes, NULL, &ge);
    tbuf tb;
    bool tb_live = false;
    char **texts = NULL;
    size_t *widths = NULL;
    int pages = 0;

    if (!pd) {
        if (ge && ge->domain == pp.error_quark() && ge->code == POPPLER_ERROR_ENCRYPTED)
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "encrypted PDF (password required)");
        else
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0, "not a readable PDF: %s",
                              ge && ge->message ? ge->message : "unknown error");
        goto done;
    }
    pages = pp.document_get_n_pages(pd);
    texts = calloc(pages > 0 ? (size_t)pages : 1, sizeof *texts);
    if (!texts || !tb_init(&tb, max_text)) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        goto done;
    }
    tb_live = true;

    /* pass 1: every page's text, and the width of its lines */
    size_t nwidths = 0, wcap = 0, total = 0;
    for (int pi = 0; pi < pages; pi++) {
        PopplerPage *pg = pp.document_get_page(pd, pi);
        if (!pg)
            continue;
        texts[pi] = pp.page_get_text(pg);
        pp.object_unref(pg);
        if (!texts[pi])
            continue;
        size_t end = page_text_end(texts[pi]);
        total += end;
        if (max_text && total > max_text) {
            rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                              "the text of this PDF is over the limit of %zu bytes", max_text);
            goto done;
        }
        for (size_t i = 0; i < end;) {
            size_t j = i;
            while (j < end && texts[pi][j] != '\n')
                j++;
            size_t w = line_width(texts[pi] + i, j - i);
            if (w > 0) {
                if (nwidths == wcap) {
                    size_t ncap = wcap ? wcap * 2 : 256;
                    size_t *nw = realloc(widths, ncap * sizeof *nw);
                    if (!nw) {
                        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
                        goto done;
                    }
                    widths = nw;
                    wcap = ncap;
                }
                widths[nwidths++] = w;
            }
            i = j + 1;
        }
    }
    if (nwidths == 0) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                          "PDF has no text layer (%d page%s of images?); run OCR first",
                          pages, pages == 1 ? "" : "s");
        goto done;
    }
    /* a full line: the 90th percentile of line widths; a line clearly
     * shorter than that ends its paragraph */
    qsort(widths, nwidths, sizeof *widths, cmp_size);
    size_t full = widths[nwidths * 9 / 10];

    /* pass 2: the lines, with a blank line after each paragraph's end */
    for (int pi = 0; pi < pages && tb_ok(&tb); pi++) {
        const char *text = texts[pi];
        if (!text)
            continue;
        size_t end = page_text_end(text);
        if (end == 0)
            continue;
        tb.page = pi + 1;
        if (!tb_line_empty(&tb))
            tb_break(&tb); /* the previous page's last line continues here */
        int line_no = 1;
        for (size_t i = 0; i < end && tb_ok(&tb);) {
            size_t j = i;
            while (j < end && text[j] != '\n')
                j++;
            tb.lines[tb.nlines - 1] = (kh_line_origin){ pi + 1, line_no };
            size_t a = i; /* poppler's text has no NUL; drop any '\r' */
            for (size_t k = i; k < j; k++)
                if (text[k] == '\r') {
                    tb_put(&tb, text + a, k - a);
                    a = k + 1;
                }
            tb_put(&tb, text + a, j - a);
            size_t w = line_width(text + i, j - i);
            bool short_line = w > 0 && w * 10 < full * 8;
            if (j < end) {
                tb_break(&tb);
                if (short_line || w == 0)
                    tb_break(&tb); /* paragraph end: a blank line */
                tb.lines[tb.nlines - 1] = (kh_line_origin){ pi + 1, 0 };
            } else if (short_line) {
                tb_break(&tb);
                tb_break(&tb);
            }
            line_no++;
            i = j + 1;
        }
    }
    if (tb_ok(&tb) && utf8_bad_at((const unsigned char *)tb.s, tb.len) < tb.len) {
        rc = kh_error_set(err, KH_EINPUT, name, 0, 0,
                          "not a readable PDF: its text is not valid UTF-8");
        goto done;
    }
    rc = tb_finish(&tb, out, name, "PDF", err);
    out->enc = KH_ENC_UTF8;
    out->pages = pages;
done:
    if (texts) {
        for (int pi = 0; pi < pages; pi++)
            pp.free(texts[pi]);
        free(texts);
    }
    free(widths);
    if (tb_live)
        tb_free(&tb);
    if (pd)
        pp.object_unref(pd);
    if (ge)
        pp.error_free(ge);
    pp.bytes_unref(bytes);
    poppler_close(&pp);
    return rc;
}

/* ------------------------------------------------------------------------ */

int kh_convert__run(kh_converted *out, kh_format fmt, const char *name,
                    const unsigned char *raw, size_t n, size_t max_text, kh_error *err)
{
    memset(out, 0, sizeof *out);
    switch (fmt) {
    case KH_FORMAT_HTML: return convert_html(out, name, raw, n, max_text, err);
    case KH_FORMAT_DOCX: return convert_docx(out, name, raw, n, max_text, err);
    case KH_FORMAT_PDF: return convert_pdf(out, name, raw, n, max_text, err);
    default:
        return kh_error_set(err, KH_EINVAL, name, 0, 0, "kh_convert__run: not a converted format");
    }
}

void kh_convert__clear(kh_converted *c)
{
    if (!c)
        return;
    free(c->text);
    free(c->origins);
    memset(c, 0, sizeof *c);
}

/*
 * check_convert.c — tests for core/src/convert.c (HTML, DOCX and PDF to text
 * with line origins), core/src/t2s.c and the document.c parts that use them:
 * format detection, chrome removal, tables, charsets, zip-bomb refusal, PDF
 * pages and errors, traditional characters and pinyin glosses, and that a
 * converted seed report normalises like its text original.
 */
#include <check.h>

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "convert.h"
#include "document_internal.h"
#include "kaohe/document.h"
#include "t2s.h"
#include "kh_test_util.h"

#define FIX(rel) KH_FIXTURES_DIR "/" rel
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define B(lit) lit, sizeof(lit) - 1

/* ---- helpers ------------------------------------------------------------ */

static kh_document *load_ok(const char *path)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_file(&doc, path, NULL, &err);
    ck_assert_msg(rc == KH_OK, "%s: %d %s", path, rc, err.message);
    return doc;
}

static kh_document *mem_ok(const char *name, const void *bytes, size_t len)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_memory(&doc, name, bytes, len, NULL, &err);
    ck_assert_msg(rc == KH_OK, "%s: %d %s", name, rc, err.message);
    return doc;
}

static void mem_err(const char *name, const void *bytes, size_t len, const char *fragment)
{
    kh_document *doc = (kh_document *)&doc;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_memory(&doc, name, bytes, len, NULL, &err);
    ck_assert_msg(rc == KH_EINPUT, "%s: rc %d (%s), want KH_EINPUT", name, rc, err.message);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.file, name);
    ck_assert_msg(strstr(err.message, fragment) != NULL, "%s: message \"%s\" lacks \"%s\"",
                  name, err.message, fragment);
}

/* Normalised offset of the first occurrence of needle (must occur). */
static size_t norm_find(const kh_document *doc, const char *needle)
{
    const char *t = kh_document_text(doc);
    const char *p = strstr(t, needle);
    ck_assert_msg(p != NULL, "\"%s\" not in the normalised text", needle);
    return (size_t)(p - t);
}

/* The original text behind the normalised occurrence of needle. */
static char *quote(const kh_document *doc, const char *needle, kh_position *pos)
{
    size_t s = norm_find(doc, needle);
    char *text = NULL;
    ck_assert_int_eq(kh_document_original_span(doc, s, s + strlen(needle), &text, pos), KH_OK);
    return text;
}

/* Every normalised character maps into the original, in order, onto a
 * non-empty original span. */
static void check_offsets(const kh_document *doc)
{
    size_t n = kh_document_length(doc), olen = kh_document_original_length(doc);
    const unsigned char *t = (const unsigned char *)kh_document_text(doc);
    size_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        if ((t[i] & 0xC0) == 0x80)
            continue;
        kh_position p = kh_document_locate(doc, i);
        ck_assert_uint_le(p.offset, olen);
        ck_assert_uint_ge(p.offset, prev);
        ck_assert_int_ge(p.line, 1);
        ck_assert_int_ge(p.column, 1);
        prev = p.offset;
    }
}

/* ---- detection ---------------------------------------------------------- */

static const struct detect_case {
    const char *name;
    const char *bytes;
    size_t len;
    kh_format want;
} detect_cases[] = {
    { "r.txt", B("%PDF-1.7\n"), KH_FORMAT_PDF },
    { "r.pdf", B("\r\n%PDF-1.4\n"), KH_FORMAT_PDF },      /* junk before the header */
    { "r.txt", B("\r\n%PDF-1.4\n"), KH_FORMAT_TEXT },
    { "r", B("PK\x03\x04\x14\0"), KH_FORMAT_DOCX },
    { "r.docx", B("PK\x05\x06\0\0"), KH_FORMAT_DOCX },     /* empty archive */
    { "r.HTM", B("行政复议"), KH_FORMAT_HTML },
    { "r.html", B("<p>x</p>"), KH_FORMAT_HTML },
    { "r.txt", B("\xef\xbb\xbf  <!DOCTYPE HTML>\n<html>"), KH_FORMAT_HTML },
    { "r", B("<html><body>"), KH_FORMAT_HTML },
    { "r", B("\n<meta charset=gbk>"), KH_FORMAT_HTML },
    { "r.txt", B("行政复议 <html>"), KH_FORMAT_TEXT },
    { "r.txt", B("<一>行政复议"), KH_FORMAT_TEXT },
    { "r.txt", B("\x7f" "ELF\x02"), KH_FORMAT_TEXT },      /* refused by document.c */
};

START_TEST(test_convert__detects_formats)
{
    const struct detect_case *c = &detect_cases[_i];
    ck_assert_int_eq(kh_convert__detect(c->name, (const unsigned char *)c->bytes, c->len),
                     c->want);
}
END_TEST

START_TEST(test_convert__format_names)
{
    ck_assert_str_eq(kh_convert__format_name(KH_FORMAT_TEXT), "text");
    ck_assert_str_eq(kh_convert__format_name(KH_FORMAT_HTML), "html");
    ck_assert_str_eq(kh_convert__format_name(KH_FORMAT_DOCX), "docx");
    ck_assert_str_eq(kh_convert__format_name(KH_FORMAT_PDF), "pdf");
}
END_TEST

START_TEST(test_convert__unknown_binary_still_refused)
{
    mem_err("a.bin", B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "looks like a PNG image");
    mem_err("a.doc", B("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"),
            "looks like a Microsoft Office file");
}
END_TEST

/* ---- HTML --------------------------------------------------------------- */

/* The seed report's HTML copy (GBK, declared in <meta http-equiv>) is read
 * without any of its chrome, scripts, styles or comments, all of which carry
 * decoy figures. */
START_TEST(test_convert__html_fixture_drops_chrome)
{
    kh_document *doc = load_ok(FIX("formats/wendeng-2024.html"));
    ck_assert_int_eq(kh_document__format(doc), KH_FORMAT_HTML);
    ck_assert_int_eq(kh_document_encoding(doc), KH_ENC_GB18030);
    const char *o = kh_document_original(doc);
    static const char *const decoys[] = { "999件", "888件", "777件", "666件", "应诉率50%",
                                          "应诉率1%", "首页", "版权所有", "门户网站", "var ",
                                          "font-family", "<h3>", "document.write" };
    for (int i = 0; i < N(decoys); i++)
        ck_assert_msg(strstr(o, decoys[i]) == NULL, "chrome \"%s\" kept", decoys[i]);
    /* the first line is the report's title (the <title> in <head> is not) */
    ck_assert_msg(strncmp(o, "威海市文登区人民政府 关于 2024 年法治政府建设情况的报告\n",
                          strlen("威海市文登区人民政府 关于 2024 年法治政府建设情况的报告\n")) == 0,
                  "first line: %.80s", o);
    /* entities decoded: &#37; and &#x300A; */
    ck_assert_ptr_null(strstr(o, "&#"));
    ck_assert_ptr_nonnull(strstr(o, "《法治政府建设实施纲要"));
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* Converted HTML and DOCX copies of the seed normalise to exactly the text
 * the plain-text original does; the traditional copy (with pinyin glosses)
 * too. */
static const char *const same_as_text[] = {
    FIX("formats/wendeng-2024.html"),
    FIX("formats/wendeng-2024.docx"),
    FIX("formats/wendeng-2024.trad.txt"),
};

START_TEST(test_convert__copies_normalise_like_the_text)
{
    kh_document *ref = load_ok(FIX("reports/wendeng-2024.txt"));
    kh_document *doc = load_ok(same_as_text[_i]);
    ck_assert_uint_eq(kh_document_length(doc), kh_document_length(ref));
    ck_assert_str_eq(kh_document_text(doc), kh_document_text(ref));
    kh_document_free(doc);
    kh_document_free(ref);
}
END_TEST

/* The line of the HTML source behind a position. */
START_TEST(test_convert__html_source_lines)
{
    size_t len;
    char *raw = kh_test_slurp(FIX("formats/wendeng-2024.html"), &len);
    /* decode the page ourselves to count its lines */
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    ck_assert(cd != (iconv_t)-1);
    size_t cap = len * 2 + 1, left = cap, inleft = len;
    char *u = malloc(cap), *in = raw, *op = u;
    ck_assert(iconv(cd, &in, &inleft, &op, &left) != (size_t)-1);
    *op = '\0';
    iconv_close(cd);

    kh_document *doc = load_ok(FIX("formats/wendeng-2024.html"));
    static const char *const probes[] = { "威文政发", "调解成功各类纠纷案件6700余起",
                                          "2025年1月8日" };
    for (int i = 0; i < N(probes); i++) {
        const char *hit = strstr(u, probes[i]);
        ck_assert_ptr_nonnull(hit);
        int want = 1;
        for (const char *p = u; p < hit; p++)
            want += *p == '\n';
        int got = kh_document__source_line(doc, norm_find(doc, probes[i]));
        ck_assert_msg(got == want, "%s: source line %d, want %d", probes[i], got, want);
        /* the reported line is the converted text's line */
        kh_position pos = kh_document_locate(doc, norm_find(doc, probes[i]));
        ck_assert_int_eq(pos.page, 0);
        const char *o = kh_document_original(doc);
        int line = 1;
        for (size_t k = 0; k < pos.offset; k++)
            line += o[k] == '\n';
        ck_assert_int_eq(pos.line, line);
    }
    kh_document_free(doc);
    free(u);
    free(raw);
}
END_TEST

static const struct html_case {
    const char *html;
    const char *want; /* the converted ("original") text */
} html_cases[] = {
    /* chrome by class / id words, camelCase and dashes */
    { "<div class=\"mainNav\">导航</div><p>正文</p>", "正文" },
    { "<div id=\"left-sidebar\">侧栏</div><p>正文</p>", "正文" },
    { "<ul class=\"top menu\"><li>菜单</li></ul><p>正文</p>", "正文" },
    { "<div class=\"crumbs\">位置</div><p>正文</p>", "正文" },
    { "<div class=\"navigator\">不是导航词</div>", "不是导航词" },
    { "<div class=\"NAV\">大写</div><p>正文</p>", "正文" },
    /* a layout wrapper named like chrome that holds the article is kept */
    { "<div id=\"header-wrap\"><main><p>正文</p></main></div>", "正文" },
    /* page header/footer dropped; an article's own header kept */
    { "<header>站名</header><article><header><h1>标题</h1></header><p>正文</p>"
      "<footer>发布日期: 2025-01-08</footer></article><footer>版权</footer>",
      "标题\n正文\n发布日期: 2025-01-08" },
    { "<article><div class=\"article-header\">标题</div><p>正文</p></article>",
      "标题\n正文" },
    { "<div class=\"page-header\">站名</div><p>正文</p>", "正文" },
    { "<nav><a>首页</a></nav><p>正文</p>", "正文" },
    /* scripts, styles, comments, hidden elements, form controls */
    { "<script>var a='x';</script><style>p{}</style><p>a<!-- 注释 -->b</p>", "ab" },
    { "<p style=\"color: red; display: none\">x</p><p hidden>y</p>"
      "<p aria-hidden=\"true\">z</p><p>可见</p>", "可见" },
    { "<form><input value=\"搜索\"><button>提交</button><p>正文</p></form>", "正文" },
    /* blocks and line breaks; whitespace collapses, <pre> keeps it */
    { "<p>一<br>二</p><p>\n  三\n  四  </p>", "一\n二\n三 四" },
    { "<pre>a\n  b\r\nc</pre>", "a\n  b\nc" },
    { "<div>甲<span>乙</span><div>丙</div>丁</div>", "甲乙\n丙\n丁" },
    { "<ul><li>一项</li><li>二项</li></ul>", "一项\n二项" },
    /* tables: a row per line, cells joined by a tab, nested cells by a space */
    { "<table><tr><th>项目</th><th>数量</th></tr><tr><td>行政复议</td><td>39件</td></tr>"
      "</table>", "项目\t数量\n行政复议\t39件" },
    { "<table><tr><td><p>第一段</p><p>第二段</p></td><td></td><td>丙</td></tr></table>",
      "第一段 第二段\t\t丙" },
    { "<table><tr><td>外<table><tr><td>内1</td><td>内2</td></tr></table></td>"
      "<td>右</td></tr></table>", "外 内1 内2\t右" },
    /* entities */
    { "<p>a&nbsp;b &amp; &#x4E00;&#20108;&lt;&gt;&ldquo;&rdquo;</p>",
      "a\xc2\xa0" "b & 一二<>\xe2\x80\x9c\xe2\x80\x9d" },
};

START_TEST(test_convert__html_cases)
{
    const struct html_case *c = &html_cases[_i];
    kh_document *doc = mem_ok("page.html", c->html, strlen(c->html));
    ck_assert_msg(strcmp(kh_document_original(doc), c->want) == 0,
                  "case %d: got \"%s\", want \"%s\"", _i, kh_document_original(doc), c->want);
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* Charsets: found before parsing, the page's own declaration then ignored. */
START_TEST(test_convert__html_charsets)
{
    /* 行政复议 in GBK: D0D0 D5FE B8B4 D2E9 */
    static const char gbk_meta[] = "<html><head><meta charset=\"GBK\"></head><body><p>"
                                   "\xd0\xd0\xd5\xfe\xb8\xb4\xd2\xe9</p></body></html>";
    static const char gbk_equiv[] =
        "<html><head><meta http-equiv=Content-Type content='text/html; charset=gb2312'>"
        "</head><body><p>\xd0\xd0\xd5\xfe\xb8\xb4\xd2\xe9</p></body></html>";
    static const char gbk_none[] = "<html><body><p>\xd0\xd0\xd5\xfe\xb8\xb4\xd2\xe9</p>"
                                   "</body></html>";
    /* a UTF-8 page that wrongly declares GBK: the bytes are not valid GBK */
    static const char utf8_meta[] = "<html><head><meta charset=utf-8></head><body><p>"
                                    "行政复议</p></body></html>";
    static const char *const good[] = { gbk_meta, gbk_equiv, gbk_none, utf8_meta };
    for (int i = 0; i < N(good); i++) {
        kh_document *doc = mem_ok("p.html", good[i], strlen(good[i]));
        ck_assert_msg(strcmp(kh_document_original(doc), "行政复议") == 0, "page %d: \"%s\"", i,
                      kh_document_original(doc));
        kh_document_free(doc);
    }
    /* UTF-16LE with a BOM: "<p>行政</p>" */
    static const char u16[] = "\xff\xfe<\0p\0>\0\x4c\x88\x3f\x65<\0/\0p\0>\0";
    kh_document *doc = mem_ok("p.html", u16, sizeof u16 - 1);
    ck_assert_str_eq(kh_document_original(doc), "行政");
    ck_assert_int_eq(kh_document_encoding(doc), KH_ENC_UTF16LE);
    kh_document_free(doc);
    /* Big5 declared: 行政 = A6E6 AC46 */
    static const char big5[] = "<meta charset=big5><p>\xa6\xe6\xac\x46</p>";
    doc = mem_ok("p.html", big5, sizeof big5 - 1);
    ck_assert_str_eq(kh_document_original(doc), "行政");
    kh_document_free(doc);

    mem_err("p.html", B("<meta charset=\"x-klingon\"><p>a</p>"), "unknown charset \"x-klingon\"");
    mem_err("p.html", B("<meta charset=\"gbk\"><p>\xd0\xd0\xff\xff</p>"),
            "declares charset \"gbk\" but is not valid GB18030");
    mem_err("p.html", B("<html><head><title>标题</title></head><body><nav>导航</nav></body>"),
            "no text in this HTML page");
}
END_TEST

/* ---- DOCX --------------------------------------------------------------- */

/* An in-memory ZIP with the given entries (deflated unless `stored`). */
struct zent {
    const char *name;
    const void *data;
    size_t len;
};

static unsigned char *make_zip(size_t *out_len, const struct zent *e, size_t n, bool stored)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    ck_assert_ptr_nonnull(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    ck_assert_ptr_nonnull(za);
    zip_source_keep(src);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
        ck_assert_ptr_nonnull(s);
        zip_int64_t idx = zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8);
        ck_assert_int_ge(idx, 0);
        zip_set_file_compression(za, (zip_uint64_t)idx, stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
                                 9);
    }
    ck_assert_int_eq(zip_close(za), 0);
    ck_assert_int_eq(zip_source_open(src), 0);
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    ck_assert_int_eq(zip_source_read(src, buf, (zip_uint64_t)size), size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    *out_len = (size_t)size;
    return buf;
}

#define W_DOC_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"" \
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:mc=\"" \
    "http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>"
#define W_DOC_TAIL "<w:sectPr/></w:body></w:document>"

static unsigned char *make_docx(size_t *len, const char *body)
{
    size_t n = strlen(W_DOC_HEAD) + strlen(body) + strlen(W_DOC_TAIL);
    char *xml = malloc(n + 1);
    snprintf(xml, n + 1, "%s%s%s", W_DOC_HEAD, body, W_DOC_TAIL);
    static const char ct[] = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                             "openxmlformats.org/package/2006/content-types\"/>";
    struct zent e[] = { { "[Content_Types].xml", ct, sizeof ct - 1 },
                        { "word/document.xml", xml, n } };
    unsigned char *z = make_zip(len, e, 2, false);
    free(xml);
    return z;
}

#define P(t) "<w:p><w:r><w:t>" t "</w:t></w:r></w:p>"

static const struct docx_case {
    const char *body;
    const char *want;
} docx_cases[] = {
    { P("第一段") P("第二段"), "第一段\n第二段" },
    /* runs split mid-phrase join; xml:space keeps spaces */
    { "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>行政</w:t></w:r><w:r><w:t xml:space=\"preserve\">"
      "机关 </w:t></w:r><w:r><w:t>负责人</w:t></w:r></w:p>", "行政机关 负责人" },
    /* tab, line break, no-break hyphen */
    { "<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t><w:noBreakHyphen/>"
      "<w:t>丁</w:t></w:r></w:p>", "甲\t乙\n丙-丁" },
    /* deleted text, moved-away text and field codes are not read; insertions,
     * hyperlinks, smart tags and content controls are */
    { "<w:p><w:del><w:r><w:delText>旧555件</w:delText></w:r></w:del>"
      "<w:moveFrom><w:r><w:t>移走</w:t></w:r></w:moveFrom>"
      "<w:r><w:instrText> PAGE 444 </w:instrText></w:r>"
      "<w:ins><w:r><w:t>新</w:t></w:r></w:ins><w:hyperlink><w:r><w:t>链接</w:t></w:r>"
      "</w:hyperlink><w:smartTag><w:r><w:t>标记</w:t></w:r></w:smartTag></w:p>"
      "<w:sdt><w:sdtContent>" P("控件") "</w:sdtContent></w:sdt>",
      "新链接标记\n控件" },
    /* drawings and alternate content (text boxes, twice) are skipped */
    { "<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice>" P("框")
      "</mc:Choice><mc:Fallback>" P("框") "</mc:Fallback></mc:AlternateContent></w:r>"
      "<w:r><w:drawing>图</w:drawing></w:r></w:p>", "正文" },
    /* tables: a row per line, cells by tab, a cell's paragraphs by a space,
     * a nested table inside the cell */
    { P("前文") "<w:tbl><w:tblPr/><w:tr><w:tc><w:tcPr/>" P("项目") "</w:tc><w:tc>" P("数量")
      "</w:tc></w:tr><w:tr><w:tc>" P("行政复议") P("(收到)") "</w:tc><w:tc>" P("39件")
      "</w:tc></w:tr><w:tr><w:tc><w:tbl><w:tr><w:tc>" P("内1") "</w:tc><w:tc>" P("内2")
      "</w:tc></w:tr></w:tbl></w:tc><w:tc><w:p/></w:tc><w:tc>" P("丙") "</w:tc></w:tr>"
      "</w:tbl>" P("后文"),
      "前文\n项目\t数量\n行政复议 (收到)\t39件\n内1 内2\t\t丙\n后文" },
    /* empty paragraphs leave no empty lines */
    { P("甲") "<w:p/><w:p><w:r><w:t></w:t></w:r></w:p>" P("乙"), "甲\n乙" },
};

START_TEST(test_convert__docx_cases)
{
    const struct docx_case *c = &docx_cases[_i];
    size_t len;
    unsigned char *z = make_docx(&len, c->body);
    kh_document *doc = mem_ok("r.docx", z, len);
    ck_assert_int_eq(kh_document__format(doc), KH_FORMAT_DOCX);
    ck_assert_msg(strcmp(kh_document_original(doc), c->want) == 0,
                  "case %d: got \"%s\", want \"%s\"", _i, kh_document_original(doc), c->want);
    check_offsets(doc);
    kh_document_free(doc);
    free(z);
}
END_TEST

/* The checked-in DOCX copy of the seed: every paragraph a line, the deleted
 * revision and the field code (decoys) not read. */
START_TEST(test_convert__docx_fixture)
{
    kh_document *doc = load_ok(FIX("formats/wendeng-2024.docx"));
    ck_assert_int_eq(kh_document__format(doc), KH_FORMAT_DOCX);
    const char *o = kh_document_original(doc);
    ck_assert_ptr_null(strstr(o, "555件"));
    ck_assert_ptr_null(strstr(o, "444件"));
    ck_assert_ptr_null(strstr(o, "\n\n"));
    kh_position pos;
    char *t = quote(doc, "威文政发", &pos);
    ck_assert_str_eq(t, "威文政发");
    ck_assert_int_eq(pos.line, 2);
    ck_assert_int_eq(pos.column, 1);
    ck_assert_int_eq(pos.page, 0);
    free(t);
    kh_document_free(doc);
}
END_TEST

/* The main part found through _rels/.rels when it is not word/document.xml. */
START_TEST(test_convert__docx_main_part_from_rels)
{
    static const char xml[] = W_DOC_HEAD P("正文在别处") W_DOC_TAIL;
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/"
        "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas."
        "openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        "Target=\"/word/document2.xml\"/></Relationships>";
    struct zent e[] = { { "_rels/.rels", rels, sizeof rels - 1 },
                        { "word/document2.xml", xml, sizeof xml - 1 } };
    size_t len;
    unsigned char *z = make_zip(&len, e, 2, false);
    kh_document *doc = mem_ok("r.docx", z, len);
    ck_assert_str_eq(kh_document_original(doc), "正文在别处");
    kh_document_free(doc);
    free(z);
}
END_TEST

START_TEST(test_convert__docx_refusals)
{
    size_t len;
    /* a ZIP that is not a DOCX */
    struct zent e1[] = { { "hello.txt", "hello", 5 } };
    unsigned char *z = make_zip(&len, e1, 1, false);
    mem_err("r.docx", z, len, "a ZIP archive but not a .docx (no word/document.xml)");
    /* truncated archive */
    mem_err("r.docx", z, len / 2, "not a readable DOCX: ");
    free(z);
    /* broken XML */
    static const char bad[] = "<w:document><w:body><w:p>";
    struct zent e2[] = { { "word/document.xml", bad, sizeof bad - 1 } };
    z = make_zip(&len, e2, 1, false);
    mem_err("r.docx", z, len, "word/document.xml is not well-formed XML");
    free(z);
    /* a document with no text */
    z = make_docx(&len, "<w:p/>");
    mem_err("r.docx", z, len, "no text in this DOCX document");
    free(z);
}
END_TEST

/* Zip bombs, refused before anything is inflated. */
START_TEST(test_convert__docx_zip_bombs)
{
    size_t len;
    /* 1. the compression ratio: 8 MiB of spaces deflate to ~8 KiB */
    size_t big = 8u << 20;
    char *xml = malloc(big);
    memset(xml, ' ', big);
    memcpy(xml, W_DOC_HEAD, strlen(W_DOC_HEAD));
    memcpy(xml + big - strlen(W_DOC_TAIL), W_DOC_TAIL, strlen(W_DOC_TAIL));
    struct zent e1[] = { { "word/document.xml", xml, big } };
    unsigned char *z = make_zip(&len, e1, 1, false);
    ck_assert_uint_lt(len, big / 200);
    mem_err("bomb.docx", z, len, "refusing a possible zip bomb: word/document.xml expands");
    free(z);
    free(xml);

    /* 2. the entry count */
    size_t ne = KH_CONVERT_ZIP_MAX_ENTRIES + 1;
    struct zent *e2 = calloc(ne, sizeof *e2);
    char (*names)[24] = calloc(ne, sizeof *names);
    for (size_t i = 0; i < ne; i++) {
        snprintf(names[i], sizeof names[i], "f%zu", i);
        e2[i] = (struct zent){ names[i], "", 0 };
    }
    z = make_zip(&len, e2, ne, true);
    mem_err("many.docx", z, len, "refusing a possible zip bomb: 10001 entries (limit 10000)");
    free(z);
    free(e2);
    free(names);

    /* 3. the total size the central directory declares (patched to 4 GiB
     *    - 16 for a stored entry), and 4. a part that inflates past its
     *    declared size (patched to 10 bytes) */
    static const char doc[] = W_DOC_HEAD P("正文") W_DOC_TAIL;
    struct zent e3[] = { { "word/document.xml", doc, sizeof doc - 1 } };
    for (int pass = 0; pass < 2; pass++) {
        z = make_zip(&len, e3, 1, true);
        size_t cd = 0; /* central directory header: PK\1\2; size at +24 */
        for (size_t i = 0; i + 4 <= len; i++)
            if (memcmp(z + i, "PK\x01\x02", 4) == 0) {
                cd = i;
                break;
            }
        ck_assert_uint_gt(cd, 0);
        uint32_t v = pass == 0 ? 0xFFFFFFF0u : 10u;
        for (int k = 0; k < 4; k++)
            z[cd + 24 + k] = (unsigned char)(v >> (8 * k));
        if (pass == 0)
            mem_err("huge.docx", z, len, "refusing a possible zip bomb: over 268435456 bytes");
        else
            mem_err("liar.docx", z, len, "word/document.xml inflates past its declared size");
        free(z);
    }
}
END_TEST

/* ---- PDF ---------------------------------------------------------------- */

/* The seed's PDF copy: 4 pages; positions carry the page and the line within
 * the page; page footers ("- 2 -") are not text. */
START_TEST(test_convert__pdf_pages)
{
    kh_document *doc = load_ok(FIX("formats/wendeng-2024.pdf"));
    ck_assert_int_eq(kh_document__format(doc), KH_FORMAT_PDF);
    const char *o = kh_document_original(doc);
    ck_assert_ptr_null(strstr(o, "- 1 -"));
    ck_assert_ptr_null(strstr(o, "- 4 -"));

    kh_position pos;
    char *t = quote(doc, "威文政发", &pos);
    ck_assert_int_eq(pos.page, 1);
    ck_assert_int_eq(pos.line, 2);
    ck_assert_int_eq(pos.column, 1);
    free(t);
    t = quote(doc, "承办区政府为被告的行政诉讼案件共24件", &pos);
    ck_assert_str_eq(t, "承办区政府为 被告的行政诉讼案件共24件");
    ck_assert_int_eq(pos.page, 3);
    ck_assert_int_eq(pos.line, 27);
    free(t);

    /* pages never go back, start at 1 and reach 4; a line's number within
     * its page restarts at each new page */
    size_t n = kh_document_length(doc);
    int last_page = 0, max_line = 0;
    for (size_t i = 0; i < n; i += 1 + (i % 7)) {
        kh_position p = kh_document_locate(doc, i);
        ck_assert_int_ge(p.page, last_page);
        ck_assert_int_ge(p.line, 1);
        if (p.page > last_page)
            max_line = 0;
        ck_assert_int_ge(p.line, max_line);
        last_page = p.page;
        max_line = p.line;
    }
    ck_assert_int_eq(kh_document_locate(doc, 0).page, 1);
    ck_assert_int_eq(last_page, 4);
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* A sentence wrapped across lines and pages is one sentence again. */
START_TEST(test_convert__pdf_joins_wrapped_lines)
{
    kh_document *doc = load_ok(FIX("formats/wendeng-2024.pdf"));
    kh_position pos;
    char *t = quote(doc, "调解成功各类纠纷案件6700余起", &pos);
    ck_assert_ptr_nonnull(strchr(t, '\n')); /* wrapped in the PDF */
    free(t);
    /* headings stay on their own line */
    norm_find(doc, "\n一、2024年推进法治政府建设的主要举措和成效\n");
    kh_document_free(doc);
}
END_TEST

static const struct pdf_bad {
    const char *file;
    const char *fragment;
} pdf_bad_cases[] = {
    { FIX("formats/encrypted.pdf"), "encrypted PDF (password required)" },
    { FIX("bad/fake.pdf"), "not a readable PDF: " },
    { FIX("formats/no-text.pdf"), "PDF has no text layer (1 page of images?); run OCR first" },
};

START_TEST(test_convert__pdf_refusals)
{
    const struct pdf_bad *c = &pdf_bad_cases[_i];
    kh_document *doc = (kh_document *)&doc;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_document_load_file(&doc, c->file, NULL, &err), KH_EINPUT);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.file, c->file);
    ck_assert_msg(strstr(err.message, c->fragment) != NULL, "%s: \"%s\"", c->file, err.message);
}
END_TEST

START_TEST(test_convert__pdf_truncated)
{
    size_t len;
    char *raw = kh_test_slurp(FIX("formats/wendeng-2024.pdf"), &len);
    mem_err("cut.pdf", raw, 400, "not a readable PDF: ");
    mem_err("tiny.pdf", B("%PDF-1.4\n%%EOF\n"), "not a readable PDF: ");
    free(raw);
}
END_TEST

/* ---- page numbers in text inputs ---------------------------------------- */

START_TEST(test_convert__text_inputs_are_not_paged)
{
    kh_document *doc = load_ok(FIX("reports/wendeng-2024.txt"));
    for (size_t i = 0; i < kh_document_length(doc); i += 97)
        ck_assert_int_eq(kh_document_locate(doc, i).page, 0);
    kh_position p;
    ck_assert_int_eq(kh_document_original_span(doc, 0, 3, NULL, &p), KH_OK);
    ck_assert_int_eq(p.page, 0);
    kh_document_free(doc);
}
END_TEST

/* ---- traditional script ------------------------------------------------- */

/* Simplified reports (every seed, every encoding) are left alone. */
static const char *const simplified_files[] = {
    FIX("reports/chengyang-2024.txt"), FIX("reports/rongcheng-2022.txt"),
    FIX("reports/weihai-gaoqu-2017.txt"), FIX("reports/wendeng-2024.txt"),
    FIX("reports/yicheng-2021.txt"), FIX("encodings/wendeng-2024.gbk.txt"),
    FIX("formats/wendeng-2024.html"), FIX("formats/wendeng-2024.pdf"),
};

START_TEST(test_convert__simplified_untouched)
{
    kh_document *doc = load_ok(simplified_files[_i]);
    ck_assert_uint_eq(kh_document__substitutions(doc), 0);
    ck_assert(!kh_t2s__looks_traditional(kh_document_original(doc),
                                         kh_document_original_length(doc)));
    kh_document_free(doc);
}
END_TEST

/* The traditional copy: read as simplified, evidence quotes the original
 * with its glosses. */
START_TEST(test_convert__traditional_fixture)
{
    kh_document *doc = load_ok(FIX("formats/wendeng-2024.trad.txt"));
    ck_assert_uint_gt(kh_document__substitutions(doc), 1000);
    kh_position pos;
    char *t = quote(doc, "承办区政府为被告的行政诉讼案件共24件", &pos);
    ck_assert_str_eq(t, "承辦區政府爲 被告的行政訴(sù)訟案件共24件");
    ck_assert_int_eq(pos.line, 32);
    free(t);
    t = quote(doc, "已结案115件", &pos); /* the gloss has a combining accent */
    ck_assert_str_eq(t, "已結(jie\xcc\x81)案 115 件");
    free(t);
    t = quote(doc, "负责人均按规定出庭应诉", &pos);
    ck_assert_str_eq(t, "負責人均按規定出庭應（yìng）訴");
    free(t);
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* Enough traditional-only characters to count as a traditional document. */
#define TRAD_PREFIX "這個國家關於對發展與說明的報告。"

static const struct trad_case {
    const char *in;
    const char *want; /* normalised, after the prefix */
} trad_cases[] = {
    { "行政復議申請39件", "行政复议申请39件" },
    { "行政復(fù)議申請39件", "行政复议申请39件" },
    { "行政復（fù）議申請", "行政复议申请" },                  /* full-width parentheses */
    { "行政復(fu\xcc\x80)議", "行政复议" },                      /* combining grave */
    { "復(fu)議", "复议" },                                     /* untoned syllable */
    { "應(ying)訴", "应诉" },
    { "綠(lǜ)化", "绿化" },
    /* not glosses */
    { "項目(a)", "项目(a)" },
    { "項目(PPP)", "项目(PPP)" },
    { "項目(abc)", "项目(abc)" },
    { "項目(2024)", "项目(2024)" },
    { "項目(fùfùfùfù)", "项目(fùfùfùfù)" },                    /* 8 letters */
    { "項目 (fù)", "项目(fù)" },                                /* not right after */
    { "PPP(fù)", "PPP(fù)" },                                  /* not after an ideograph */
    /* OpenCC's phrases pick the reading */
    { "乾淨的乾隆年間", "干净的乾隆年间" },
    { "負責人出庭應訴率100%", "负责人出庭应诉率100%" },
};

START_TEST(test_convert__traditional_cases)
{
    const struct trad_case *c = &trad_cases[_i];
    char in[512], want[512];
    snprintf(in, sizeof in, "%s%s", TRAD_PREFIX, c->in);
    kh_document *doc = mem_ok("t.txt", in, strlen(in));
    ck_assert_uint_gt(kh_document__substitutions(doc), 0);
    const char *t = kh_document_text(doc);
    snprintf(want, sizeof want, "%s", "这个国家关于对发展与说明的报告。");
    ck_assert_msg(strncmp(t, want, strlen(want)) == 0, "prefix: \"%s\"", t);
    snprintf(want, sizeof want, "%s", c->want);
    ck_assert_msg(strcmp(t + strlen("这个国家关于对发展与说明的报告。"), want) == 0,
                  "case %d: \"%s\" -> \"%s\", want \"%s\"", _i, c->in, t, c->want);
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* A span over a dropped gloss quotes it; a span ending right before it does
 * not. */
START_TEST(test_convert__gloss_spans)
{
    static const char in[] = TRAD_PREFIX "收到行政復(fù)議申請39件";
    kh_document *doc = mem_ok("t.txt", in, sizeof in - 1);
    kh_position pos;
    char *t = quote(doc, "复议", &pos);
    ck_assert_str_eq(t, "復(fù)議");
    free(t);
    t = quote(doc, "行政复", &pos);
    ck_assert_str_eq(t, "行政復");
    free(t);
    t = quote(doc, "议申请39件", &pos);
    ck_assert_str_eq(t, "議申請39件");
    free(t);
    kh_document_free(doc);
}
END_TEST

/* A document that does not look traditional keeps its few traditional
 * characters (a name, a quotation) as they are. */
START_TEST(test_convert__few_traditional_characters_kept)
{
    static const char in[] = "全区共受理行政复议申请150件,其中涉及臺灣同胞的申请2件。"
                             "行政机关负责人出庭应诉率100%。";
    kh_document *doc = mem_ok("t.txt", in, sizeof in - 1);
    ck_assert_uint_eq(kh_document__substitutions(doc), 0);
    ck_assert_ptr_nonnull(strstr(kh_document_text(doc), "臺灣"));
    kh_document_free(doc);
}
END_TEST

/* The traditional check is one counting pass: traditional-only characters
 * are counted only in U+4E00–U+9FFF (Ext A shares lead byte E4). */
START_TEST(test_convert__looks_traditional_bounds)
{
    ck_assert(!kh_t2s__looks_traditional("", 0));
    ck_assert(!kh_t2s__looks_traditional("\xe4\x80\x80\xe4\x80\x81", 6)); /* U+4000 */
    ck_assert(kh_t2s__looks_traditional("這個國家", strlen("這個國家")));
    ck_assert(!kh_t2s__looks_traditional("這個", strlen("這個"))); /* fewer than 3 */
    ck_assert_ptr_nonnull(kh_t2s__config());
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

Suite *kh_convert_suite(void);
Suite *kh_convert_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc;

    tc = tcase_create("detect");
    tcase_add_loop_test(tc, test_convert__detects_formats, 0, N(detect_cases));
    tcase_add_test(tc, test_convert__format_names);
    tcase_add_test(tc, test_convert__unknown_binary_still_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("html");
    tcase_add_test(tc, test_convert__html_fixture_drops_chrome);
    tcase_add_test(tc, test_convert__html_source_lines);
    tcase_add_loop_test(tc, test_convert__html_cases, 0, N(html_cases));
    tcase_add_test(tc, test_convert__html_charsets);
    suite_add_tcase(s, tc);

    tc = tcase_create("docx");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_convert__docx_cases, 0, N(docx_cases));
    tcase_add_test(tc, test_convert__docx_fixture);
    tcase_add_test(tc, test_convert__docx_main_part_from_rels);
    tcase_add_test(tc, test_convert__docx_refusals);
    tcase_add_test(tc, test_convert__docx_zip_bombs);
    suite_add_tcase(s, tc);

    tc = tcase_create("pdf");
    tcase_add_test(tc, test_convert__pdf_pages);
    tcase_add_test(tc, test_convert__pdf_joins_wrapped_lines);
    tcase_add_loop_test(tc, test_convert__pdf_refusals, 0, N(pdf_bad_cases));
    tcase_add_test(tc, test_convert__pdf_truncated);
    tcase_add_test(tc, test_convert__text_inputs_are_not_paged);
    suite_add_tcase(s, tc);

    tc = tcase_create("same_as_text");
    tcase_add_loop_test(tc, test_convert__copies_normalise_like_the_text, 0, N(same_as_text));
    suite_add_tcase(s, tc);

    tc = tcase_create("traditional");
    tcase_add_loop_test(tc, test_convert__simplified_untouched, 0, N(simplified_files));
    tcase_add_test(tc, test_convert__traditional_fixture);
    tcase_add_loop_test(tc, test_convert__traditional_cases, 0, N(trad_cases));
    tcase_add_test(tc, test_convert__gloss_spans);
    tcase_add_test(tc, test_convert__few_traditional_characters_kept);
    tcase_add_test(tc, test_convert__looks_traditional_bounds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_convert_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

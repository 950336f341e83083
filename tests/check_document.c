/*
 * check_document.c — tests for core/src/document.c: encoding detection and
 * decoding, refusal of bad input, normalisation, and the map from the
 * normalised text back to the original (line, column, text).
 */
#include <check.h>

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utf8proc.h>

#include "kaohe/document.h"
#include "kh_test_util.h"

#define FIX(rel) KH_FIXTURES_DIR "/" rel

/* PDF and ZIP input: converted when kaohe is built with its converters (the
 * default; check_convert tests them), refused otherwise. */
#ifdef KH_HAVE_CONVERT
#define PDF_REFUSED "not a readable PDF: "
#define ZIP_REFUSED "not a readable DOCX: "
#else
#define PDF_REFUSED "looks like a PDF file; convert it to text first"
#define ZIP_REFUSED "looks like a ZIP archive"
#endif

/* ---- helpers ------------------------------------------------------------ */

static kh_document *load_ok(const char *path)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_file(&doc, path, NULL, &err);
    ck_assert_msg(rc == KH_OK, "%s: %d %s", path, rc, err.message);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static kh_document *mem_ok(const char *bytes, size_t len)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_memory(&doc, "mem", bytes, len, NULL, &err);
    ck_assert_msg(rc == KH_OK, "load_memory: %d %s", rc, err.message);
    return doc;
}

/* Normalised offsets map to non-decreasing original offsets inside the
 * original; spans of single characters give non-empty original text. */
static void check_offsets(const kh_document *doc)
{
    size_t len = kh_document_length(doc), olen = kh_document_original_length(doc);
    size_t prev = 0;
    int prev_line = 1;
    for (size_t i = 0; i <= len; i++) {
        kh_position p = kh_document_locate(doc, i);
        ck_assert_msg(p.offset >= prev, "offset %zu maps back to %zu < %zu", i,
                      p.offset, prev);
        ck_assert_uint_le(p.offset, olen);
        ck_assert_int_ge(p.line, prev_line);
        ck_assert_int_ge(p.column, 1);
        prev = p.offset;
        prev_line = p.line;
    }
    ck_assert_uint_eq(kh_document_locate(doc, len).offset, olen);
}

/* UTF-8 → another encoding with iconv (for building test input). */
static char *convert(const char *to, const char *utf8, size_t *out_len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    ck_assert(cd != (iconv_t)-1);
    size_t inleft = strlen(utf8), cap = inleft * 4 + 16, outleft = cap;
    char *out = malloc(cap), *op = out, *in = (char *)(uintptr_t)utf8;
    ck_assert_ptr_nonnull(out);
    ck_assert(iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1);
    iconv_close(cd);
    *out_len = cap - outleft;
    return out;
}

/* ---- encodings ---------------------------------------------------------- */

static const struct enc_case {
    const char *file;
    kh_encoding enc;
    const char *name;
} enc_cases[] = {
    { FIX("reports/wendeng-2024.txt"), KH_ENC_UTF8, "utf-8" },
    { FIX("encodings/wendeng-2024.utf8bom.txt"), KH_ENC_UTF8_BOM, "utf-8-bom" },
    { FIX("encodings/wendeng-2024.utf16le.txt"), KH_ENC_UTF16LE, "utf-16le" },
    { FIX("encodings/wendeng-2024.utf16be.txt"), KH_ENC_UTF16BE, "utf-16be" },
    { FIX("encodings/wendeng-2024.gbk.txt"), KH_ENC_GB18030, "gb18030" },
};

START_TEST(test_document__decodes_every_encoding_to_the_same_text)
{
    const struct enc_case *c = &enc_cases[_i];
    size_t want_len;
    char *want_orig = kh_test_slurp(FIX("reports/wendeng-2024.txt"), &want_len);
    kh_document *ref = load_ok(FIX("reports/wendeng-2024.txt"));
    kh_document *doc = load_ok(c->file);

    ck_assert_int_eq(kh_document_encoding(doc), c->enc);
    ck_assert_str_eq(kh_encoding_name(kh_document_encoding(doc)), c->name);
    ck_assert_str_eq(kh_document_path(doc), c->file);
    /* decoded original: exactly the UTF-8 file, BOM dropped */
    ck_assert_uint_eq(kh_document_original_length(doc), want_len);
    ck_assert(memcmp(kh_document_original(doc), want_orig, want_len) == 0);
    /* normalised text: exactly the UTF-8 original's */
    ck_assert_uint_eq(kh_document_length(doc), kh_document_length(ref));
    ck_assert_str_eq(kh_document_text(doc), kh_document_text(ref));
    ck_assert_uint_eq(strlen(kh_document_text(doc)), kh_document_length(doc));
    check_offsets(doc);

    kh_document_free(doc);
    kh_document_free(ref);
    free(want_orig);
}
END_TEST

/* ---- bad input ---------------------------------------------------------- */

static const struct bad_case {
    const char *file;
    int code;
    const char *fragment;
} bad_cases[] = {
    { FIX("bad/empty.txt"), KH_EINPUT, "empty file" },
    { FIX("bad/binary.bin"), KH_EINPUT,
      "binary data (NUL byte at offset 12), not a text report" },
    { FIX("bad/invalid-utf8.txt"), KH_EINPUT,
      "invalid UTF-8 at byte 57 (and not GB18030 text)" },
    { FIX("bad/odd-utf16.txt"), KH_EINPUT,
      "UTF-16LE text with an odd number of bytes (11)" },
    { FIX("bad/fake.pdf"), KH_EINPUT, PDF_REFUSED },
    { FIX("bad"), KH_EINPUT, "is a directory" },
    { FIX("bad/no-such-report.txt"), KH_ENOTFOUND, "no such file" },
    { FIX("bad/empty.txt/child"), KH_ENOTFOUND, "no such file" },
};

START_TEST(test_document__refuses_bad_input_naming_the_file)
{
    const struct bad_case *c = &bad_cases[_i];
    kh_document *doc = (kh_document *)&doc; /* must be reset to NULL */
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_file(&doc, c->file, NULL, &err);
    ck_assert_int_eq(rc, c->code);
    ck_assert_int_eq(err.code, c->code);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.file, c->file);
    ck_assert_msg(strstr(err.message, c->fragment) != NULL, "%s: message \"%s\"",
                  c->file, err.message);
}
END_TEST

START_TEST(test_document__invalid_utf8_error_has_line_and_column)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_document_load_file(&doc, FIX("bad/invalid-utf8.txt"), NULL, &err);
    /* line 2 starts at byte 45 ("行政复议申请150件，已结案115件。\n");
     * "纠错40件" is 5 characters, so the bad byte is column 6 */
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.column, 6);
    char buf[2048];
    kh_error_format(&err, buf, sizeof buf);
    ck_assert(strstr(buf, "invalid-utf8.txt:2:6: invalid UTF-8") != NULL);
}
END_TEST

/* 0 when loading path gives KH_EIO, no document, the path and the strerror
 * text of EACCES; else which check failed. */
static int load_is_eacces(const char *path)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_document_load_file(&doc, path, NULL, &err) != KH_EIO)
        return 1;
    if (doc != NULL)
        return 2;
    if (strcmp(err.file, path) != 0)
        return 3;
    if (strstr(err.message, strerror(EACCES)) == NULL)
        return 4;
    return 0;
}

START_TEST(test_document__unreadable_file_is_eio)
{
    char path[] = "/tmp/kh-check-document-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "text\n", 5), 5);
    close(fd);
    ck_assert_int_eq(chmod(path, 0), 0);
    int result;
    if (geteuid() != 0) {
        result = load_is_eacces(path);
    } else {
        /* root reads anything: try as an unprivileged user in a child */
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(10);
            _exit(load_is_eacces(path));
        }
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        result = WEXITSTATUS(status);
    }
    unlink(path);
    ck_assert_msg(result == 0, "unreadable file: check %d failed", result);
}
END_TEST

START_TEST(test_document__size_limit_from_options)
{
    kh_document_options opts = KH_DOCUMENT_OPTIONS_INIT;
    kh_document *doc = NULL;
    kh_error err;
    char want[128];

    opts.max_bytes = 1000;
    int rc = kh_document_load_file(&doc, FIX("reports/wendeng-2024.txt"), &opts, &err);
    ck_assert_int_eq(rc, KH_EINPUT);
    ck_assert_ptr_null(doc);
    snprintf(want, sizeof want, "file is 16155 bytes, over the limit of 1000 bytes");
    ck_assert_str_eq(err.message, want);

    /* exactly at the limit is fine */
    opts.max_bytes = 16155;
    rc = kh_document_load_file(&doc, FIX("reports/wendeng-2024.txt"), &opts, &err);
    ck_assert_int_eq(rc, KH_OK);
    kh_document_free(doc);
    doc = NULL;

    opts.max_bytes = 4;
    rc = kh_document_load_memory(&doc, "small", "abcde", 5, &opts, &err);
    ck_assert_int_eq(rc, KH_EINPUT);
    ck_assert_str_eq(err.file, "small");
    ck_assert_str_eq(err.message, "file is 5 bytes, over the limit of 4 bytes");

    /* the default limit: 50 MiB */
    size_t big = KH_DOCUMENT_DEFAULT_MAX_BYTES + 1;
    char *mem = calloc(big, 1);
    ck_assert_ptr_nonnull(mem);
    rc = kh_document_load_memory(&doc, "big", mem, big, NULL, &err);
    free(mem);
    ck_assert_int_eq(rc, KH_EINPUT);
    snprintf(want, sizeof want, "file is %zu bytes, over the limit of %zu bytes", big,
             KH_DOCUMENT_DEFAULT_MAX_BYTES);
    ck_assert_str_eq(err.message, want);

    /* an options struct from a future version is refused */
    opts.version = 99;
    rc = kh_document_load_memory(&doc, "v", "abc", 3, &opts, &err);
    ck_assert_int_eq(rc, KH_EINVAL);
}
END_TEST

START_TEST(test_document__non_regular_file_is_read)
{
    kh_document *doc = NULL;
    kh_error err;
    int rc = kh_document_load_file(&doc, "/dev/null", NULL, &err);
    ck_assert_int_eq(rc, KH_EINPUT);
    ck_assert_str_eq(err.message, "empty file");

    /* a pipe: size unknown to fstat */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    const char msg[] = "行政复议申请 150 件\n";
    ck_assert_int_eq(write(fds[1], msg, sizeof msg - 1), (int)(sizeof msg - 1));
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    rc = kh_document_load_file(&doc, path, NULL, &err);
    close(fds[0]);
    ck_assert_msg(rc == KH_OK, "%s", err.message);
    ck_assert_str_eq(kh_document_text(doc), "行政复议申请150件");
    kh_document_free(doc);
}
END_TEST

/* bytes given in memory that must be refused */
#define B(lit) lit, sizeof(lit) - 1
/* Latin-1 French whose accented letters all pair up into valid GBK */
#define LATIN1_TEXT "Les caf\xe9s na\xefvement r\xe9sum\xe9s et \xe9tudi\xe9s ici\n"

static const struct mem_bad {
    const char *bytes;
    size_t len;
    const char *fragment;
} mem_bad_cases[] = {
    { B(""), "empty file" },
    { B(" \t\r\n\xe3\x80\x80\n"), "empty file" },
    { B("\xef\xbb\xbf"), "empty file" },
    { B("\xef\xbb\xbf\n\n  "), "empty file" },
    { B("\xff\xfe"), "empty file" },
    { B("\xe2\x80\x8b\xef\xbb\xbf"), "empty file" }, /* zero-width only */
    { B("PK\x03\x04\x14\0\x06\0"), ZIP_REFUSED },
    { B("\x7f" "ELF\x02\x01\x01\0"), "looks like an ELF executable" },
    { B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "looks like a PNG image" },
    { B("\xff\xd8\xff\xe0\0\x10JFIF"), "looks like a JPEG image" },
    { B("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"), "looks like a Microsoft Office file" },
    { B("\x1f\x8b\x08\0"), "looks like a gzip archive" },
    { B("%PDF-1.7\n"), PDF_REFUSED },
    { B("GIF89a\x01\0"), "looks like a GIF image" },
    { B("{\\rtf1\\ansi 行政}"), "looks like an RTF document" },
    { B("\xff\xfe\0\0a\0\0\0"), "UTF-32 text is not supported" },
    /* UTF-16 without a BOM: NULs in every other byte */
    { B("a\0b\0c\0d\0e\0f\0g\0h\0"),
      "binary data (NUL byte at offset 1), not a text report (UTF-16 without" },
    { B("abc\0"), "binary data (NUL byte at offset 3)" },
    /* UTF-16 problems: unpaired surrogates (high then 'A', lone low), NUL */
    { B("\xff\xfe" "A\0\x3d\xd8" "A\0"), "invalid UTF-16LE: unpaired surrogate at byte 4" },
    { B("\xfe\xff\0A\xdc\x00"), "invalid UTF-16BE: unpaired surrogate at byte 4" },
    { B("\xff\xfe\x3d\xd8"), "invalid UTF-16LE: unpaired surrogate at byte 2" },
    { B("\xff\xfe" "A\0\0\0"), "binary data (NUL character at offset 4)" },
    { B("\xfe\xff\0A\0"), "UTF-16BE text with an odd number of bytes (5)" },
    /* UTF-8 BOM but not UTF-8 */
    { B("\xef\xbb\xbf" "abc\xff"),
      "invalid UTF-8 at byte 6 (the file starts with a UTF-8 byte-order mark)" },
    /* overlong, surrogate, beyond U+10FFFF, lone continuation */
    { B("ab\xe0\x80\xaf\xff"), "invalid UTF-8 at byte 2 (and not GB18030 text)" },
    { B("ab\xed\xa0\x80\xff"), "invalid UTF-8 at byte 2 (and not GB18030 text)" },
    { B("ab\xf4\x90\x80\x80\xff"), "invalid UTF-8 at byte 2 (and not GB18030 text)" },
    { B("ab\x80"), "invalid UTF-8 at byte 2 (and not GB18030 text)" },
    /* Latin-1 whose accented letters pair up into valid GBK: decodes cleanly
     * as GB18030 but is not Chinese */
    { B(LATIN1_TEXT),
      "invalid UTF-8 at byte 7 (and not GB18030 text)" },
    /* GBK Chinese with a control character */
    { B("\xd0\xd0\xd5\xfe\x01\xbb\xfa\xb9\xd8"), "invalid UTF-8 at byte 0" },
};

START_TEST(test_document__refuses_bad_bytes_in_memory)
{
    const struct mem_bad *c = &mem_bad_cases[_i];
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_document_load_memory(&doc, "buffer.txt", c->bytes, c->len, NULL, &err);
    ck_assert_msg(rc == KH_EINPUT, "case %d: rc %d (%s)", _i, rc, err.message);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.file, "buffer.txt");
    ck_assert_msg(strstr(err.message, c->fragment) != NULL, "case %d: \"%s\"", _i,
                  err.message);
}
END_TEST

START_TEST(test_document__latin1_case_really_is_clean_gbk)
{
    /* guard for the case above: the bytes decode as GBK without error, so
     * it is the "looks like Chinese" check that refuses them */
    const char *s = LATIN1_TEXT;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    char out[256], *op = out, *in = (char *)(uintptr_t)s;
    size_t inleft = strlen(s), outleft = sizeof out;
    ck_assert(iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1);
    iconv_close(cd);
}
END_TEST

START_TEST(test_document__gbk_in_memory)
{
    const char *utf8 = "威海市文登区人民政府\n\n行政复议申请 150 件，纠错 40 件。“首违不罚”事项266项。";
    size_t len;
    char *gbk = convert("GBK", utf8, &len);
    kh_document *doc = mem_ok(gbk, len);
    ck_assert_int_eq(kh_document_encoding(doc), KH_ENC_GB18030);
    ck_assert_str_eq(kh_document_original(doc), utf8);
    ck_assert_str_eq(kh_document_text(doc),
                     "威海市文登区人民政府\n行政复议申请150件,纠错40件。“首违不罚”事项266项。");
    kh_document_free(doc);
    free(gbk);

    /* a GB18030 four-byte sequence (€ in GB18030, U+20AC) */
    gbk = convert("GB18030", "行政机关 €100 负责人", &len);
    doc = mem_ok(gbk, len);
    ck_assert_int_eq(kh_document_encoding(doc), KH_ENC_GB18030);
    ck_assert_str_eq(kh_document_original(doc), "行政机关 €100 负责人");
    kh_document_free(doc);
    free(gbk);
}
END_TEST

START_TEST(test_document__utf16_in_memory)
{
    /* a supplementary-plane ideograph (U+20000) needs a surrogate pair */
    const char *utf8 = "行政\r\n机关 \xf0\xa0\x80\x80 2024 年";
    size_t len;
    char *le = convert("UTF-16LE", utf8, &len);
    char *buf = malloc(len + 2);
    memcpy(buf, "\xff\xfe", 2);
    memcpy(buf + 2, le, len);
    kh_document *doc = mem_ok(buf, len + 2);
    ck_assert_int_eq(kh_document_encoding(doc), KH_ENC_UTF16LE);
    ck_assert_str_eq(kh_document_original(doc), utf8);
    ck_assert_str_eq(kh_document_text(doc), "行政机关\xf0\xa0\x80\x80" "2024年");
    kh_document_free(doc);
    free(buf);
    free(le);
}
END_TEST

/* ---- normalisation ------------------------------------------------------ */

static const struct norm_case {
    const char *in;
    const char *out;
} norm_cases[] = {
    /* PDF/OCR artefacts inside phrases */
    { "行政机关\n负责人", "行政机关负责人" },
    { "区政府为 被告", "区政府为被告" },
    { "1110 余人次", "1110余人次" },
    { "行政复议申请 150 件", "行政复议申请150件" },
    { "行政机关 \n  负责人", "行政机关负责人" },
    { "2024 年 1 月 8 日", "2024年1月8日" },
    { "3.5 万元", "3.5万元" },
    { "工作。\n一是加强", "工作。\n一是加强" },
    /* a single line break still ends a paragraph after a sentence end or
     * around a heading; a line wrapped mid-sentence is joined */
    { "一、主要举措和成效\n(一)依法履行", "一、主要举措和成效\n(一)依法履行" },
    { "二、存在的不足和原因\n虽然法治建设", "二、存在的不足和原因\n虽然法治建设" },
    { "全面履行\n政府职能。\n三、下一步", "全面履行政府职能。\n三、下一步" },
    { "情况如下:\n一是", "情况如下:\n一是" },
    { "推进法治\n（二）", "推进法治\n(二)" },
    { "第一部分\n正文", "第一部分\n正文" },
    { "共12件,\n一是", "共12件,一是" },
    { "答案\n42，完毕", "答案42,完毕" },
    { "共计\n3.5万元", "共计3.5万元" },
    { "要点\n1.依法", "要点\n1.依法" },
    { "落实第一\n责任人职责", "落实第一责任人职责" },
    { "二 〇 二 四 年", "二〇二四年" },
    { "文本\f下一页", "文本下一页" },
    { "行政\t机关", "行政机关" },
    /* NFKC folding */
    { "１２３４５", "12345" },
    { "98.5％", "98.5%" },
    { "（一）依法履行", "(一)依法履行" },
    { "ＡＢＣ ｄｅｆ", "ABC def" },
    { "①项", "1项" },
    { "面积㎡", "面积m2" },
    { "e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9" }, /* e + U+0301 composes */
    /* a pinyin gloss after an ideograph is dropped (too few traditional
     * characters here to read them as simplified: check_convert does) */
    { "復(fù)議", "復議" },
    { "復(fu\xcc\x80)議", "復議" },                      /* u + U+0300 composes */
    { "復 (fù)議", "復(fù)議" },                          /* not right after */
    { "行政\xf0\xa0\x80\x80机关", "行政\xf0\xa0\x80\x80机关" }, /* Ext B */
    /* punctuation next to CJK joins like CJK */
    { "经调整梳理， 我区", "经调整梳理,我区" },
    { "规定， “首违不罚”", "规定,“首违不罚”" },
    { "达 98.5 %。", "达98.5%。" },
    { "1. 总体情况", "1.总体情况" },
    /* line breaks */
    { "第一行\r\n\r\n第二行", "第一行\n第二行" },
    { "甲\r乙", "甲乙" },
    { "one\r\ntwo", "one two" },
    { "one\rtwo", "one two" },
    { "第一段。\n\n第二段。", "第一段。\n第二段。" },
    { "第一段。\n\n\n\n第二段。", "第一段。\n第二段。" },
    { "第一段。\n \t\n第二段。", "第一段。\n第二段。" },
    { "a\xe2\x80\xa9" "b", "a\nb" },                /* U+2029 paragraph sep */
    { "行政\xe2\x80\xa8机关", "行政机关" },           /* U+2028 line sep */
    { "行政\xc2\x85机关", "行政机关" },               /* NEL */
    /* non-CJK stays apart */
    { "hello\nworld", "hello world" },
    { "hello   world", "hello world" },
    { "hello\t \tworld", "hello world" },
    { "Hello, world", "Hello, world" },
    { "PPP 项目", "PPP 项目" },
    { "2 0 2 4", "2 0 2 4" },
    { "100 200", "100 200" },
    { "12\n34", "12 34" },
    /* zero-width, soft hyphen, controls, odd spaces */
    { "行\u200b政\u200c机\u200d关\ufeff", "行政机关" },
    { "soft\u00adhyphen", "softhyphen" },
    { "行政 \u200b 机关", "行政机关" },
    { "甲\x01乙\x7f丙", "甲乙丙" },
    { "行政\u3000机关", "行政机关" },
    { "\u3000\u3000一、总体情况", "一、总体情况" },
    { "Hello\u3000World", "Hello World" },
    { "行政\u00a0机关", "行政机关" },
    { "Hello\u2003World", "Hello World" },
    /* trimming */
    { "  leading and trailing  \n\n", "leading and trailing" },
    { "\n\n\n正文\n\n\n", "正文" },
};

START_TEST(test_document__normalises)
{
    const struct norm_case *c = &norm_cases[_i];
    kh_document *doc = mem_ok(c->in, strlen(c->in));
    ck_assert_msg(strcmp(kh_document_text(doc), c->out) == 0,
                  "case %d: \"%s\" -> \"%s\", want \"%s\"", _i, c->in,
                  kh_document_text(doc), c->out);
    ck_assert_uint_eq(kh_document_length(doc), strlen(c->out));
    ck_assert_str_eq(kh_document_original(doc), c->in);
    check_offsets(doc);
    kh_document_free(doc);
}
END_TEST

/* The code points the normaliser copies without asking utf8proc really are
 * their own NFKC form. */
START_TEST(test_document__fast_path_matches_utf8proc_nfkc)
{
    static const int32_t ranges[][2] = {
        { 0x21, 0x7E }, { 0x3001, 0x3029 }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF },
        { 0xFF01, 0xFF5E },
    };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        size_t n = (size_t)(ranges[r][1] - ranges[r][0] + 1);
        unsigned char *s = malloc(n * 4 + 1);
        size_t w = 0;
        for (int32_t cp = ranges[r][0]; cp <= ranges[r][1]; cp++)
            w += (size_t)utf8proc_encode_char(cp, s + w);
        s[w] = '\0';
        unsigned char *want = utf8proc_NFKC(s);
        kh_document *doc = mem_ok((const char *)s, w);
        ck_assert_msg(strcmp(kh_document_text(doc), (const char *)want) == 0,
                      "range %zu differs from utf8proc_NFKC", r);
        kh_document_free(doc);
        free(want);
        free(s);
    }
}
END_TEST

/* Runs of ideographs (the normaliser's fastest path) mixed with what ends a
 * run: combining marks and variation selectors after an ideograph (which
 * then forms a unit with it), ideographs outside U+5000–U+9FFF, full-width
 * and ASCII characters. The text must be the NFKC form, character by
 * character, and the map monotonic. */
START_TEST(test_document__ideograph_runs_with_marks)
{
    static const char *const pieces[] = {
        "法", "治", "政", "府", "建", "设", "丁",   /* U+4E01: lead byte E4 */
        "㐀", "䷀", "、", "\xcc\x81", "\xcc\x81",  /* U+3400, U+4DC0, U+0301 */
        "\xef\xb8\x80", "\xe2\x83\x90",              /* U+FE00, U+20D0 */
        "a", "1", "，", "９", "\xf0\xa0\x80\x80",  /* full-width, U+20000 */
        "\xcd\x80",                                 /* U+0340: NFKC → U+0300 */
    };
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char in[256];
        size_t n = 0;
        int marks = 0;
        for (int k = 0; k < 24; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])];
            bool mark = (unsigned char)p[0] == 0xCC || (unsigned char)p[0] == 0xCD ||
                        (unsigned char)p[0] == 0xEF || (unsigned char)p[0] == 0xE2;
            if (mark && (k == 0 || ++marks > 2))
                continue; /* no leading mark, no long mark runs */
            if (!mark)
                marks = 0;
            memcpy(in + n, p, strlen(p));
            n += strlen(p);
        }
        in[n] = '\0';
        if (n == 0)
            continue;
        unsigned char *want = utf8proc_NFKC((const unsigned char *)in);
        kh_document *doc = mem_ok(in, n);
        ck_assert_msg(strcmp(kh_document_text(doc), (const char *)want) == 0,
                      "round %d: \"%s\" normalised to \"%s\", NFKC \"%s\"", round, in,
                      kh_document_text(doc), want);
        check_offsets(doc);
        kh_document_free(doc);
        free(want);
    }
    /* a mark NFKC changes (U+0340 → U+0300) after the last ideograph of a
     * run: that ideograph and its mark are one unit, so the ideograph's
     * evidence quotes the mark too */
    static const char *const runs[] = {"法治\xcd\x80政府", "法\xcd\x80", "建设法治\xcd\x80",
                                       "a法治政\xcd\x80府"};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        kh_document *doc = mem_ok(runs[r], strlen(runs[r]));
        const char *text = kh_document_text(doc);
        const char *mark = strstr(text, "\xcc\x80");
        ck_assert_ptr_nonnull(mark);
        size_t at = (size_t)(mark - text) - 3;
        char *orig = NULL;
        ck_assert_int_eq(kh_document_original_span(doc, at, at + 3, &orig, NULL), KH_OK);
        const char *src = strstr(runs[r], "\xcd\x80") - 3;
        ck_assert_msg(strncmp(orig, src, 5) == 0 && strlen(orig) == 5,
                      "case %zu: the ideograph before the mark quotes \"%s\"", r, orig);
        free(orig);
        kh_document_free(doc);
    }
}
END_TEST

/* ---- offsets ------------------------------------------------------------ */

/* Spans in the real report: what the normalised text says, what the file
 * says, and where. */
static const struct span_case {
    const char *norm;
    const char *orig;
    int line, column;
    size_t offset;
} span_cases[] = {
    { "行政机关负责人均按规定出庭应诉", "行政机关 负责人均按规定出庭应诉", 32, 607, 11810 },
    { "1110余人次", "1110 余人次", 24, 498, 8051 },
    { "行政复议申请150件", "行政复议申请 150 件", 32, 542, 11665 },
    { "区政府为被告", "区政府为 被告", 32, 577, 11734 },
    { "纠错40件", "纠错 40 件", 32, 567, 11712 },
    { "6700余起", "6700余起", 32, 346, 11125 },
    { "威海市文登区人民政府", "威海市文登区人民政府", 1, 1, 0 },
    { "首违不罚", "首违不罚", 24, 34, 6819 },
};

START_TEST(test_document__spans_map_back_to_the_file)
{
    const struct span_case *c = &span_cases[_i];
    /* the same spans in every encoding of the report */
    for (size_t e = 0; e < sizeof enc_cases / sizeof enc_cases[0]; e++) {
        kh_document *doc = load_ok(enc_cases[e].file);
        const char *text = kh_document_text(doc);
        const char *hit = strstr(text, c->norm);
        ck_assert_msg(hit != NULL, "%s not found", c->norm);
        size_t start = (size_t)(hit - text), end = start + strlen(c->norm);

        kh_position p = kh_document_locate(doc, start);
        ck_assert_int_eq(p.line, c->line);
        ck_assert_int_eq(p.column, c->column);
        ck_assert_uint_eq(p.offset, c->offset);

        char *orig = NULL;
        kh_position q;
        ck_assert_int_eq(kh_document_original_span(doc, start, end, &orig, &q), KH_OK);
        ck_assert_str_eq(orig, c->orig);
        ck_assert_int_eq(q.line, c->line);
        ck_assert_int_eq(q.column, c->column);
        ck_assert_uint_eq(q.offset, c->offset);
        free(orig);
        kh_document_free(doc);
    }
}
END_TEST

/* Spans in small documents: line breaks, CRLF, folded characters. */
static const struct mem_span {
    const char *in;
    const char *norm;  /* a substring of the normalised text */
    const char *orig;  /* what original_span gives back */
    int line, column;
} mem_spans[] = {
    { "第一行文字行政机关\n负责人出庭", "行政机关负责人", "行政机关\n负责人", 1, 6 },
    { "第一行文字行政机关\n负责人出庭", "负责人", "负责人", 2, 1 },
    { "第一行文字行政机关\n负责人出庭", "关负", "关\n负", 1, 9 },
    { "甲乙\r\n丙丁", "乙丙", "乙\r\n丙", 1, 2 },
    { "甲乙\r\n\r\n丙丁", "乙\n丙", "乙\r\n\r\n丙", 1, 2 },
    { "共计１１１０ 余人次", "1110余", "１１１０ 余", 1, 3 },
    { "共计１１１０ 余人次", "11", "１１", 1, 3 },
    { "达到98.5％。", "98.5%", "98.5％", 1, 3 },
    { "hello\n  world", "hello world", "hello\n  world", 1, 1 },
    { "x\n\n\n  y", "\n", "\n", 1, 2 },
    { "面积 ㎡ 左右", "m2", "㎡", 1, 4 },
    { "cafe\xcc\x81!", "\xc3\xa9!", "e\xcc\x81!", 1, 4 },
    { "\xef\xbb\xbf行政\u200b机关", "政机", "政\u200b机", 1, 2 },
    { "  \n  行政", "行政", "行政", 2, 3 },
};

START_TEST(test_document__spans_in_memory)
{
    const struct mem_span *c = &mem_spans[_i];
    kh_document *doc = mem_ok(c->in, strlen(c->in));
    const char *text = kh_document_text(doc);
    const char *hit = strstr(text, c->norm);
    ck_assert_msg(hit != NULL, "case %d: \"%s\" not in \"%s\"", _i, c->norm, text);
    size_t start = (size_t)(hit - text), end = start + strlen(c->norm);
    char *orig = NULL;
    kh_position p;
    ck_assert_int_eq(kh_document_original_span(doc, start, end, &orig, &p), KH_OK);
    ck_assert_msg(strcmp(orig, c->orig) == 0, "case %d: got \"%s\"", _i, orig);
    ck_assert_int_eq(p.line, c->line);
    ck_assert_int_eq(p.column, c->column);
    free(orig);
    kh_document_free(doc);
}
END_TEST

/* Inside lines longer than the 4 KiB between column checkpoints, every
 * position still gets the column a count from the line start gives: at the
 * checkpoints, between them, on the line after a long one, with 1-, 2- and
 * 3-byte characters straddling the checkpoint offsets. */
START_TEST(test_document__columns_in_long_lines)
{
    static const char *const pieces[] = {"法治", "a", "é", "政府", "12", "建设,", "ü"};
    size_t cap = 64 * 1024, n = 0;
    char *in = malloc(cap);
    ck_assert_ptr_nonnull(in);
    for (int line = 0; line < 3; line++) {
        size_t want = line == 1 ? 40 : 13000 + 7 * (size_t)line; /* long, short, long */
        size_t start = n;
        for (int k = 0; n - start < want; k++) {
            const char *p = pieces[(k * 5 + line) % 7];
            memcpy(in + n, p, strlen(p));
            n += strlen(p);
        }
        in[n++] = '\n';
        in[n++] = '\n'; /* a paragraph break: kept */
    }
    kh_document *doc = mem_ok(in, n);
    const char *orig = kh_document_original(doc);
    size_t len = kh_document_length(doc);
    size_t j = 0; /* offsets map to non-decreasing originals: count on */
    int line = 1, col = 1;
    for (size_t i = 0; i < len; i++) {
        kh_position p = kh_document_locate(doc, i);
        ck_assert_uint_ge(p.offset, j);
        for (; j < p.offset; j++) {
            if (orig[j] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)orig[j] & 0xC0) != 0x80) {
                col++;
            }
        }
        ck_assert_msg(p.line == line && p.column == col,
                      "offset %zu (orig %zu): %d:%d, counted %d:%d", i, p.offset,
                      p.line, p.column, line, col);
    }
    kh_document_free(doc);
    free(in);
}
END_TEST

START_TEST(test_document__locate_edges)
{
    const char *in = "甲乙\n\n丙丁\n";
    kh_document *doc = mem_ok(in, strlen(in));
    ck_assert_str_eq(kh_document_text(doc), "甲乙\n丙丁");
    /* inside a multi-byte character: that character */
    kh_position p = kh_document_locate(doc, 4);
    ck_assert_int_eq(p.line, 1);
    ck_assert_int_eq(p.column, 2);
    ck_assert_uint_eq(p.offset, 3);
    /* "丙" is on line 3 */
    p = kh_document_locate(doc, 7);
    ck_assert_int_eq(p.line, 3);
    ck_assert_int_eq(p.column, 1);
    ck_assert_uint_eq(p.offset, 8);
    /* the end maps to the end of the original */
    p = kh_document_locate(doc, kh_document_length(doc));
    ck_assert_uint_eq(p.offset, strlen(in));
    ck_assert_int_eq(p.line, 4);
    ck_assert_int_eq(p.column, 1);
    /* an empty span */
    char *orig = NULL;
    ck_assert_int_eq(kh_document_original_span(doc, 3, 3, &orig, &p), KH_OK);
    ck_assert_str_eq(orig, "");
    ck_assert_uint_eq(p.offset, 3);
    free(orig);
    /* the whole text */
    ck_assert_int_eq(kh_document_original_span(doc, 0, kh_document_length(doc), &orig, NULL),
                     KH_OK);
    ck_assert_str_eq(orig, "甲乙\n\n丙丁");
    free(orig);
    /* spans outside the text */
    orig = (char *)&orig;
    ck_assert_int_eq(kh_document_original_span(doc, 0, kh_document_length(doc) + 1, &orig,
                                               &p),
                     KH_EINVAL);
    ck_assert_ptr_null(orig);
    ck_assert_int_eq(kh_document_original_span(doc, 5, 4, &orig, &p), KH_EINVAL);
    kh_document_free(doc);
}
END_TEST

static const char *const property_files[] = {
    FIX("reports/chengyang-2024.txt"),
    FIX("reports/rongcheng-2022.txt"),
    FIX("reports/weihai-gaoqu-2017.txt"),
    FIX("reports/wendeng-2024.txt"),
    FIX("reports/yicheng-2021.txt"),
    FIX("encodings/wendeng-2024.gbk.txt"),
    FIX("encodings/wendeng-2024.utf16be.txt"),
};

/* For every normalised offset: original offsets non-decreasing and in
 * bounds. For every character of the normalised text: its original span is
 * where locate says, and (unless it stands for whitespace) its NFKC form
 * contains that character. */
START_TEST(test_document__offset_map_is_monotonic)
{
    kh_document *doc = load_ok(property_files[_i]);
    check_offsets(doc);
    const char *text = kh_document_text(doc), *orig = kh_document_original(doc);
    size_t len = kh_document_length(doc);
    for (size_t i = 0; i < len;) {
        size_t n = 1;
        while (i + n < len && ((unsigned char)text[i + n] & 0xC0) == 0x80)
            n++;
        char *span = NULL;
        kh_position p;
        ck_assert_int_eq(kh_document_original_span(doc, i, i + n, &span, &p), KH_OK);
        ck_assert_uint_gt(strlen(span), 0);
        ck_assert_uint_eq(p.offset, kh_document_locate(doc, i).offset);
        ck_assert(memcmp(orig + p.offset, span, strlen(span)) == 0);
        if (text[i] != ' ' && text[i] != '\n') {
            char ch[8] = { 0 };
            memcpy(ch, text + i, n);
            unsigned char *nf = utf8proc_NFKC((const unsigned char *)span);
            ck_assert_msg(strstr((const char *)nf, ch) != NULL,
                          "offset %zu: \"%s\" comes from \"%s\"", i, ch, span);
            free(nf);
        }
        free(span);
        i += n;
    }
    kh_document_free(doc);
}
END_TEST

/* The character that starts at or before byte i of t. */
static int32_t cp_before(const unsigned char *t, size_t i)
{
    if (i == 0)
        return -1;
    size_t s = i - 1;
    while (s > 0 && (t[s] & 0xC0) == 0x80)
        s--;
    int32_t cp = -1;
    utf8proc_iterate(t + s, (utf8proc_ssize_t)(i - s), &cp);
    return cp;
}

static int is_han(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3001 && cp <= 0x303F);
}

static int is_digit(int32_t cp)
{
    return cp >= '0' && cp <= '9';
}

/* In the normalised fixtures no space touches CJK on one side and CJK or a
 * digit on the other; paragraphs are single '\n's; no CR, no double space. */
START_TEST(test_document__fixture_has_no_space_next_to_cjk)
{
    kh_document *doc = load_ok(property_files[_i]);
    const unsigned char *t = (const unsigned char *)kh_document_text(doc);
    size_t len = kh_document_length(doc);
    for (size_t i = 0; i < len; i++) {
        if (t[i] != ' ')
            continue;
        int32_t before = cp_before(t, i), after = -1;
        if (i + 1 < len)
            utf8proc_iterate(t + i + 1, (utf8proc_ssize_t)(len - i - 1), &after);
        ck_assert_msg(!(is_han(before) && (is_han(after) || is_digit(after))) &&
                      !(is_han(after) && is_digit(before)),
                      "space between U+%04X and U+%04X at %zu", (unsigned)before,
                      (unsigned)after, i);
    }
    ck_assert_ptr_null(strstr((const char *)t, "\n\n"));
    ck_assert_ptr_null(strstr((const char *)t, "  "));
    ck_assert_ptr_null(strchr((const char *)t, '\r'));
    ck_assert(t[0] != ' ' && t[0] != '\n');
    ck_assert(t[len - 1] != ' ' && t[len - 1] != '\n');
    kh_document_free(doc);
}
END_TEST

/* A few MB of mixed text: the map stays consistent (a quadratic step would
 * also blow the test timeout). */
START_TEST(test_document__large_input)
{
    static const char *const pieces[] = {
        "行政复议申请 150 件，", "纠错\n40 件。", "\r\n\r\n", "１２３４５％ ", "English words\nhere ",
        "“首违不罚”", "\u200b", "e\xcc\x81", "  ", "①", "2 0 2 4",
    };
    size_t cap = 4u << 20, w = 0;
    char *buf = malloc(cap + 64);
    for (size_t k = 0; w < cap; k = (k * 7 + 3) % 11) {
        size_t n = strlen(pieces[k]);
        memcpy(buf + w, pieces[k], n);
        w += n;
    }
    kh_document *doc = mem_ok(buf, w);
    size_t len = kh_document_length(doc);
    ck_assert_uint_gt(len, w / 2);
    size_t prev = 0;
    for (size_t i = 0; i <= len; i += 97) {
        kh_position p = kh_document_locate(doc, i);
        ck_assert_uint_ge(p.offset, prev);
        prev = p.offset;
    }
    char *orig = NULL;
    ck_assert_int_eq(kh_document_original_span(doc, 0, len, &orig, NULL), KH_OK);
    ck_assert_uint_le(strlen(orig), w);
    free(orig);
    kh_document_free(doc);
    free(buf);
}
END_TEST

START_TEST(test_document__null_arguments)
{
    kh_document *doc = NULL;
    kh_error err;
    kh_document_free(NULL);
    ck_assert_ptr_null(kh_document_path(NULL));
    ck_assert_ptr_null(kh_document_text(NULL));
    ck_assert_ptr_null(kh_document_original(NULL));
    ck_assert_uint_eq(kh_document_length(NULL), 0);
    ck_assert_uint_eq(kh_document_original_length(NULL), 0);
    ck_assert_int_eq(kh_document_locate(NULL, 0).line, 0);
    ck_assert_str_eq(kh_encoding_name((kh_encoding)42), "unknown");
    char *t = NULL;
    ck_assert_int_eq(kh_document_original_span(NULL, 0, 0, &t, NULL), KH_EINVAL);
    ck_assert_int_eq(kh_document_load_file(NULL, "x", NULL, &err), KH_EINVAL);
    ck_assert_int_eq(kh_document_load_file(&doc, NULL, NULL, &err), KH_EINVAL);
    ck_assert_int_eq(kh_document_load_memory(&doc, "x", NULL, 3, NULL, &err), KH_EINVAL);
    /* err may be NULL */
    ck_assert_int_eq(kh_document_load_file(&doc, FIX("bad/binary.bin"), NULL, NULL),
                     KH_EINPUT);
    /* a NULL name is "<memory>"; NULL bytes with size 0 is an empty file */
    ck_assert_int_eq(kh_document_load_memory(&doc, NULL, NULL, 0, NULL, &err), KH_EINPUT);
    ck_assert_str_eq(err.file, "<memory>");
    ck_assert_str_eq(err.message, "empty file");
    doc = mem_ok("abc", 3);
    ck_assert_str_eq(kh_document_path(doc), "mem");
    kh_document_free(doc);
    ck_assert_int_eq(kh_document_load_memory(&doc, NULL, "abc", 3, NULL, NULL), KH_OK);
    ck_assert_str_eq(kh_document_path(doc), "<memory>");
    kh_document_free(doc);
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *kh_document_suite(void);
Suite *kh_document_suite(void)
{
    Suite *s = suite_create("document");
    TCase *tc;

    tc = tcase_create("encodings");
    tcase_add_loop_test(tc, test_document__decodes_every_encoding_to_the_same_text, 0,
                        N(enc_cases));
    tcase_add_test(tc, test_document__gbk_in_memory);
    tcase_add_test(tc, test_document__utf16_in_memory);
    tcase_add_test(tc, test_document__latin1_case_really_is_clean_gbk);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad_input");
    tcase_add_loop_test(tc, test_document__refuses_bad_input_naming_the_file, 0,
                        N(bad_cases));
    tcase_add_loop_test(tc, test_document__refuses_bad_bytes_in_memory, 0,
                        N(mem_bad_cases));
    tcase_add_test(tc, test_document__invalid_utf8_error_has_line_and_column);
    tcase_add_test(tc, test_document__unreadable_file_is_eio);
    tcase_add_test(tc, test_document__size_limit_from_options);
    tcase_add_test(tc, test_document__non_regular_file_is_read);
    tcase_add_test(tc, test_document__null_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("normalise");
    tcase_add_loop_test(tc, test_document__normalises, 0, N(norm_cases));
    tcase_add_test(tc, test_document__fast_path_matches_utf8proc_nfkc);
    tcase_add_test(tc, test_document__ideograph_runs_with_marks);
    suite_add_tcase(s, tc);

    tc = tcase_create("offsets");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_document__spans_map_back_to_the_file, 0, N(span_cases));
    tcase_add_loop_test(tc, test_document__spans_in_memory, 0, N(mem_spans));
    tcase_add_test(tc, test_document__locate_edges);
    tcase_add_test(tc, test_document__columns_in_long_lines);
    tcase_add_loop_test(tc, test_document__offset_map_is_monotonic, 0, N(property_files));
    tcase_add_loop_test(tc, test_document__fixture_has_no_space_next_to_cjk, 0,
                        N(property_files));
    tcase_add_test(tc, test_document__large_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kh_document_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

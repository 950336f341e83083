/* check_jsonv.c — the JSON reader: values, escapes, errors with line and
 * column, limits, equality, and reading back what the writer (json.h) wrote. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>

#include "kh_test_util.h"

#include "json.h"
#include "jsonv.h"

static kh_jv *parse_ok(const char *text)
{
    kh_jv *v = NULL;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_jv_parse(&v, text, strlen(text), &err);
    ck_assert_msg(rc == KH_OK, "%s: %s", text, err.message);
    return v;
}

START_TEST(test_jsonv__values)
{
    kh_jv *v = parse_ok(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}, \"c\": []} ");
    ck_assert_int_eq(v->type, KH_JV_OBJECT);
    ck_assert_uint_eq(v->count, 3);
    const kh_jv *a = kh_jv_get(v, "a");
    ck_assert_uint_eq(kh_jv_len(a), 6);
    ck_assert_double_eq(kh_jv_at(a, 0)->number, 1);
    ck_assert_double_eq(kh_jv_at(a, 1)->number, -2500);
    ck_assert_str_eq(kh_jv_at(a, 1)->text, "-2.5e3"); /* as written */
    ck_assert(kh_jv_at(a, 2)->boolean);
    ck_assert_int_eq(kh_jv_at(a, 3)->type, KH_JV_BOOL);
    ck_assert_int_eq(kh_jv_at(a, 4)->type, KH_JV_NULL);
    ck_assert_str_eq(kh_jv_str(kh_jv_at(a, 5)), "x");
    ck_assert_ptr_null(kh_jv_at(a, 6));
    ck_assert_int_eq(kh_jv_get(v, "b")->type, KH_JV_OBJECT);
    ck_assert_uint_eq(kh_jv_len(kh_jv_get(v, "c")), 0);
    ck_assert_ptr_null(kh_jv_get(v, "zz"));
    ck_assert_double_eq(kh_jv_gnum(v, "zz", 7), 7);
    ck_assert_ptr_null(kh_jv_gstr(v, "a"));
    kh_jv_free(v);
}
END_TEST

START_TEST(test_jsonv__escapes)
{
    kh_jv *v = parse_ok("\"q\\\" b\\\\ s\\/ n\\n t\\t \\u4e2d\\u6587 \\ud83d\\ude00 \\u0000z\"");
    ck_assert_uint_eq(v->len, strlen("q\" b\\ s/ n\n t\t 中文 😀 ") + 2);
    ck_assert_int_eq(memcmp(v->text, "q\" b\\ s/ n\n t\t 中文 😀 \0z", v->len), 0);
    kh_jv_free(v);
    v = parse_ok("\"\\ud800x\""); /* a lone surrogate becomes U+FFFD */
    ck_assert_str_eq(v->text, "\xEF\xBF\xBDx");
    kh_jv_free(v);
}
END_TEST

static const struct bad {
    const char *text;
    int line, column;
    const char *fragment;
} bads[] = {
    {"{\n  \"a\": [1, 2,]\n}", 2, 14, "unexpected character"},
    {"{\"a\" 1}", 1, 6, "expected ':'"},
    {"[1 2]", 1, 4, "expected ',' or ']'"},
    {"\"abc", 1, 2, "unterminated"},
    {"\"a\tb\"", 1, 3, "control character"},
    {"\"\\x\"", 1, 4, "bad escape"},
    {"01x", 1, 3, "text after the value"},
    {"-", 1, 2, "bad number"},
    {"1.", 1, 3, "bad number"},
    {"nul", 1, 1, "unexpected character"},
    {"", 1, 1, "unexpected end"},
    {"{} {}", 1, 4, "text after the value"},
};

START_TEST(test_jsonv__errors_have_line_and_column)
{
    const struct bad *b = &bads[_i];
    kh_jv *v = NULL;
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_jv_parse(&v, b->text, strlen(b->text), &err), KH_EINPUT);
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(err.message, b->fragment), "%s: '%s'", b->text, err.message);
    ck_assert_msg(err.line == b->line && err.column == b->column, "%s: at %d:%d, want %d:%d",
                  b->text, err.line, err.column, b->line, b->column);
}
END_TEST

START_TEST(test_jsonv__depth_limit)
{
    char deep[2 * (KH_JSONV_MAX_DEPTH + 2) + 1];
    size_t n = KH_JSONV_MAX_DEPTH + 1;
    for (size_t i = 0; i < n; i++) {
        deep[i] = '[';
        deep[2 * n - 1 - i] = ']';
    }
    deep[2 * n] = '\0';
    kh_jv *v = NULL;
    kh_error err;
    ck_assert_int_eq(kh_jv_parse(&v, deep, strlen(deep), &err), KH_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "deeply"));
    deep[2 * n - 1] = '\0'; /* one level less is fine */
    ck_assert_int_eq(kh_jv_parse(&v, deep + 1, strlen(deep + 1), &err), KH_OK);
    kh_jv_free(v);
}
END_TEST

START_TEST(test_jsonv__equal)
{
    kh_jv *a = parse_ok("{\"a\": [1, 2.0, \"x\"], \"b\": null}");
    kh_jv *b = parse_ok("{\"a\":[1,2,\"x\"],\"b\":null}");
    kh_jv *c = parse_ok("{\"b\":null,\"a\":[1,2,\"x\"]}");
    kh_jv *d = parse_ok("{\"a\":[1,2,\"y\"],\"b\":null}");
    ck_assert(kh_jv_equal(a, b));
    ck_assert(!kh_jv_equal(a, c)); /* members in order */
    ck_assert(!kh_jv_equal(a, d));
    ck_assert(!kh_jv_equal(a, NULL));
    kh_jv_free(a);
    kh_jv_free(b);
    kh_jv_free(c);
    kh_jv_free(d);
}
END_TEST

START_TEST(test_jsonv__reads_what_the_writer_wrote)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    kh_json j;
    kh_json_init(&j, f, true);
    kh_json_object(&j);
    kh_json_kstring(&j, "s", "引号\"反斜杠\\换行\n控制\x01");
    kh_json_knumber(&j, "n", 98.5);
    kh_json_kint(&j, "i", -42);
    kh_json_key(&j, "a");
    kh_json_array(&j);
    kh_json_null(&j);
    kh_json_bool(&j, true);
    kh_json_array_end(&j);
    kh_json_object_end(&j);
    kh_json_end(&j);
    fclose(f);
    kh_jv *v = parse_ok(buf);
    ck_assert_str_eq(kh_jv_gstr(v, "s"), "引号\"反斜杠\\换行\n控制\x01");
    ck_assert_double_eq(kh_jv_gnum(v, "n", 0), 98.5);
    ck_assert_double_eq(kh_jv_gnum(v, "i", 0), -42);
    ck_assert_uint_eq(kh_jv_len(kh_jv_get(v, "a")), 2);
    kh_jv_free(v);
    free(buf);
}
END_TEST

/* Containers nested inside big containers: members are gathered on the
 * parser's stack (which grows while outer members wait on it) and copied
 * into the tree's arena when each container closes. */
START_TEST(test_jsonv__large_nested)
{
    size_t cap = 1 << 22, n = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    enum { N = 5000 };
    n += (size_t)snprintf(text + n, cap - n, "{\"head\": \"h\", \"rows\": [");
    for (int i = 0; i < N; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              "%s{\"i\": %d, \"name\": \"行%d\", \"v\": [%d, [%d, {\"k\": \"x%d\"}], []], "
                              "\"e\": {}}",
                              i ? ", " : "", i, i, i, -i, i);
    n += (size_t)snprintf(text + n, cap - n, "], \"tail\": [true, null]}");
    kh_jv *v = parse_ok(text);
    ck_assert_str_eq(kh_jv_gstr(v, "head"), "h");
    const kh_jv *rows = kh_jv_get(v, "rows");
    ck_assert_uint_eq(kh_jv_len(rows), N);
    for (int i = 0; i < N; i += 97) {
        const kh_jv *r = kh_jv_at(rows, (size_t)i);
        char want[32];
        ck_assert_double_eq(kh_jv_gnum(r, "i", -1), i);
        snprintf(want, sizeof want, "行%d", i);
        ck_assert_str_eq(kh_jv_gstr(r, "name"), want);
        const kh_jv *vv = kh_jv_get(r, "v");
        ck_assert_uint_eq(kh_jv_len(vv), 3);
        ck_assert_double_eq(kh_jv_at(vv, 0)->number, i);
        const kh_jv *inner = kh_jv_at(vv, 1);
        ck_assert_double_eq(kh_jv_at(inner, 0)->number, -i);
        snprintf(want, sizeof want, "x%d", i);
        ck_assert_str_eq(kh_jv_gstr(kh_jv_at(inner, 1), "k"), want);
        ck_assert_uint_eq(kh_jv_len(kh_jv_at(vv, 2)), 0);
        ck_assert_int_eq(kh_jv_get(r, "e")->type, KH_JV_OBJECT);
        ck_assert_uint_eq(kh_jv_get(r, "e")->count, 0);
    }
    ck_assert_uint_eq(kh_jv_len(kh_jv_get(v, "tail")), 2);
    ck_assert_uint_eq(v->count, 3);
    kh_jv_free(v);
    /* a failure deep inside frees what was parsed (valgrind/ASan runs) */
    text[n - 3] = ',';
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_jv_parse(&v, text, n, &err), KH_EINPUT);
    ck_assert_ptr_null(v);
    free(text);
}
END_TEST

/* The writer's shortest round-trip text: what the search over precisions
 * (the reference below, kh_format_double before its fast path) gives. */
static void reference_g(double v, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}

static void reference_double(double v, char *buf, size_t size)
{
    if (v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    reference_g(v, buf, size);
    if (strchr(buf, 'e') && fabs(v) < 1e15 && fabs(v) >= 1e-6) {
        snprintf(buf, size, "%.6f", v);
        char *p = buf + strlen(buf) - 1;
        while (p > buf && *p == '0')
            *p-- = '\0';
        if (*p == '.')
            *p = '\0';
    }
}

static void check_double(double v)
{
    char a[64], b[64];
    reference_double(v, a, sizeof a);
    kh_format_double(v, b, sizeof b);
    ck_assert_msg(strcmp(a, b) == 0, "%.17g: %s, expected %s", v, b, a);
    /* %g notation (records): the search's own text, 1e+03 for 1000 */
    if (v != 0 && kh_json__cents_text(v, true, b, sizeof b)) {
        reference_g(v, a, sizeof a);
        ck_assert_msg(strcmp(a, b) == 0, "%.17g: %s, expected %s (g)", v, b, a);
    }
}

START_TEST(test_json__format_double)
{
    for (long long c = -30000; c <= 30000; c++)
        check_double((double)c / 100.0);
    static const double tens[] = {10, 100, 1000, 1500, 120, 1e8, 2e8, 123000000, 999999999.99,
                                  -1000, 0.1, 0.05, 0.5, 100.5, 10.1};
    for (size_t i = 0; i < sizeof tens / sizeof tens[0]; i++)
        check_double(tens[i]);
    for (long long c = 99999990000LL; c <= 100000010000LL; c += 997)
        check_double((double)c / 100.0); /* around 10^9 */
    static const double odd[] = {0.1 + 0.2, 1.0 / 3, 2.0 / 3, 1e-7, 0.001, 0.015, 123.456,
                                 -0.125, 98.5, 14.0 * (98.5 - 60) / 40, 1e15, 123456789012.0,
                                 4.35, 4.345, 1e300, -1e-300, 5e-324, 0.1, 100.0 / 7};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        check_double(odd[i]);
    unsigned long long x = 88172645463325252ULL; /* xorshift: arbitrary doubles */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_double((double)(x % 2000000000ULL) / (double)(1 + x % 1000));
        check_double((double)(long long)(x % 20000000000ULL - 10000000000ULL) / 100.0);
    }
}
END_TEST

static Suite *kh_jsonv_suite(void)
{
    Suite *s = suite_create("jsonv");
    TCase *tc = tcase_create("jsonv");
    tcase_add_test(tc, test_jsonv__values);
    tcase_add_test(tc, test_jsonv__escapes);
    tcase_add_loop_test(tc, test_jsonv__errors_have_line_and_column, 0,
                        (int)(sizeof bads / sizeof bads[0]));
    tcase_add_test(tc, test_jsonv__depth_limit);
    tcase_add_test(tc, test_jsonv__equal);
    tcase_add_test(tc, test_jsonv__reads_what_the_writer_wrote);
    tcase_add_test(tc, test_jsonv__large_nested);
    tcase_add_test(tc, test_json__format_double);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_jsonv_suite)

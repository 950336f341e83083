/* check_output.c — the JSON writer (escaping, commas, numbers) and the
 * CJK-aware table (display widths, alignment, cut cells). */
#include "kh_test_util.h"

#include "json.h"
#include "table.h"

static char *capture(void (*fn)(FILE *))
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    fn(f);
    fclose(f);
    return buf;
}

static void write_doc(FILE *f)
{
    kh_json j;
    kh_json_init(&j, f, false);
    kh_json_object(&j);
    kh_json_kstring(&j, "s", "引号\"反斜杠\\换行\n控制\x01");
    kh_json_knumber(&j, "n", 98.5);
    kh_json_knumber(&j, "big", 45200);
    kh_json_knumber(&j, "nan", 0.0 / 0.0);
    kh_json_key(&j, "a");
    kh_json_array(&j);
    kh_json_int(&j, 1);
    kh_json_null(&j);
    kh_json_bool(&j, true);
    kh_json_array(&j);
    kh_json_array_end(&j);
    kh_json_raw(&j, "0.05");
    kh_json_array_end(&j);
    kh_json_kstring(&j, "null", NULL);
    kh_json_object_end(&j);
}

START_TEST(test_output__json_escapes_and_commas)
{
    char *s = capture(write_doc);
    ck_assert_str_eq(s, "{\"s\":\"引号\\\"反斜杠\\\\换行\\n控制\\u0001\",\"n\":98.5,"
                        "\"big\":45200,\"nan\":null,\"a\":[1,null,true,[],0.05],\"null\":null}");
    free(s);
}
END_TEST

START_TEST(test_output__shortest_doubles)
{
    char b[64];
    ck_assert_str_eq(kh_format_double(13.48, b, sizeof b), "13.48");
    ck_assert_str_eq(kh_format_double(0.1 + 0.2, b, sizeof b), "0.30000000000000004");
    ck_assert_str_eq(kh_format_double(100, b, sizeof b), "100");
    ck_assert_str_eq(kh_format_double(-2.5, b, sizeof b), "-2.5");
    ck_assert_str_eq(kh_format_double(1e-7, b, sizeof b), "1e-07");
    ck_assert_str_eq(kh_format_double(123456789012, b, sizeof b), "123456789012");
}
END_TEST

START_TEST(test_output__display_width_counts_cjk_double)
{
    ck_assert_uint_eq(kh_display_width("abc", 3), 3);
    ck_assert_uint_eq(kh_display_width("文登区", strlen("文登区")), 6);
    ck_assert_uint_eq(kh_display_width("FZ-01 出庭", strlen("FZ-01 出庭")), 10);
    ck_assert_uint_eq(kh_display_width("", 0), 0);
}
END_TEST

static void write_table(FILE *f)
{
    static const char *const hdr[] = {"单位", "总分"};
    kh_table *t = kh_table_new(2, hdr);
    kh_table_align_right(t, 1);
    const char *r1[] = {"威海市文登区", "78.50"};
    const char *r2[] = {"ab", "9.00"};
    kh_table_add(t, r1);
    kh_table_add(t, r2);
    kh_table_print(t, f);
    kh_table_free(t);
}

START_TEST(test_output__table_aligns_by_display_width)
{
    char *s = capture(write_table);
    ck_assert_str_eq(s, "单位          总分\n"
                        "------------  -----\n"
                        "威海市文登区  78.50\n"
                        "ab             9.00\n");
    free(s);
}
END_TEST

static void write_cut(FILE *f)
{
    static const char *const hdr[] = {"佐证"};
    kh_table *t = kh_table_new(1, hdr);
    kh_table_max_width(t, 0, 7);
    const char *r1[] = {"行政机关负责人出庭率100%"};
    kh_table_add(t, r1);
    kh_table_print(t, f);
    kh_table_free(t);
}

START_TEST(test_output__long_cells_cut_with_ellipsis)
{
    char *s = capture(write_cut);
    ck_assert_str_eq(s, "佐证\n-------\n行政机…\n");
    free(s);
}
END_TEST

static Suite *kh_output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_output__json_escapes_and_commas);
    tcase_add_test(tc, test_output__shortest_doubles);
    tcase_add_test(tc, test_output__display_width_counts_cjk_double);
    tcase_add_test(tc, test_output__table_aligns_by_display_width);
    tcase_add_test(tc, test_output__long_cells_cut_with_ellipsis);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_output_suite)

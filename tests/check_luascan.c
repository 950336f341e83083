/* check_luascan.c — the rule-script tokenizer: comments, strings and long
 * brackets are skipped or decoded with the right lines; global calls with a
 * literal first argument are found (fields, methods and definitions are
 * not); if/elseif/else arms get their body lines through nested blocks. */
#include "kh_test_util.h"

#include "luascan.h"

static kh_luatoks scan(const char *src)
{
    kh_luatoks t;
    kh_error e;
    kh_error_clear(&e);
    ck_assert_int_eq(kh_luascan_tokens(&t, src, strlen(src), &e), KH_OK);
    return t;
}

START_TEST(test_luascan__tokens_and_lines)
{
    const char *src = "-- a comment with param(\"no\")\n"
                      "local s = 'it''s' .. \"a\\\"b\\n\" --[==[ long\n"
                      "comment ]] still ]==] x = [[\n"
                      "first\r\nsecond]] y = 0x1p+4 + 1e-3 ... z\n"
                      "w = \"\\z\n   joined\\x41\\65\\u{4E2D}\"\n";
    kh_luatoks t = scan(src);
    /* local s = 'it' 'it's'... → tokens: local s = 'it' 's' .. "a\"b\n" x = [[..]] y = 0x1p+4 + 1e-3 ... z w = "..." */
    ck_assert(kh_luatok_is(&t.items[0], "local"));
    ck_assert_int_eq(t.items[0].line, 2);
    ck_assert_int_eq(t.items[3].kind, KH_LUATOK_STRING);
    ck_assert_str_eq(t.items[3].value, "it");
    ck_assert_int_eq(t.items[4].kind, KH_LUATOK_STRING);
    ck_assert_str_eq(t.items[4].value, "s");
    ck_assert(kh_luatok_is(&t.items[5], ".."));
    ck_assert_str_eq(t.items[6].value, "a\"b\n");
    ck_assert(kh_luatok_is(&t.items[7], "x"));
    ck_assert_int_eq(t.items[7].line, 3);
    ck_assert_str_eq(t.items[9].value, "first\nsecond");
    ck_assert_int_eq(t.items[9].line, 3);
    ck_assert(kh_luatok_is(&t.items[10], "y"));
    ck_assert_int_eq(t.items[10].line, 5); /* \r\n counted once */
    ck_assert_int_eq(t.items[12].kind, KH_LUATOK_NUMBER);
    ck_assert_uint_eq(t.items[12].len, 6); /* 0x1p+4 */
    ck_assert(kh_luatok_is(&t.items[13], "+"));
    ck_assert_int_eq(t.items[14].kind, KH_LUATOK_NUMBER);
    ck_assert(kh_luatok_is(&t.items[15], "..."));
    ck_assert(kh_luatok_is(&t.items[17], "w"));
    ck_assert_int_eq(t.items[17].line, 6);
    ck_assert_str_eq(t.items[19].value, "joinedAA\xE4\xB8\xAD");
    ck_assert_uint_eq(t.count, 20);
    kh_luatoks_free(&t);
    kh_luatoks_free(&t);
}
END_TEST

START_TEST(test_luascan__unfinished_is_an_error_with_its_line)
{
    static const struct {
        const char *src;
        int line;
    } bad[] = {{"x = 1\ny = 'abc\n", 2}, {"x = 1\n--[[ never\nclosed", 2},
               {"s = [==[ a ]=] b", 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kh_luatoks t;
        kh_error e;
        kh_error_clear(&e);
        ck_assert_int_eq(kh_luascan_tokens(&t, bad[i].src, strlen(bad[i].src), &e), KH_EINPUT);
        ck_assert_int_eq(e.line, bad[i].line);
        kh_luatoks_free(&t);
    }
}
END_TEST

START_TEST(test_luascan__calls_with_literal_names)
{
    const char *src = "local a = param(\"fz01_floor\")\n"
                      "local b = param 'short' .. param[[long]]\n"
                      "local c = x.param(\"field\") + y:param('method')\n"
                      "local function param(n) return n end\n"
                      "local d = param(name) + param() + param(\"a\" .. b)\n"
                      "-- param(\"commented\")\n"
                      "local e = fact(\"k.one\", 2), has {\"t\"}\n"
                      "local s = \"param('inside a string')\"\n";
    kh_luatoks t = scan(src);
    static const char *const names[] = {"param", "fact", "has", NULL};
    kh_luacall *calls = NULL;
    size_t n = 0;
    ck_assert_int_eq(kh_luascan_calls(&t, names, &calls, &n), KH_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_str_eq(calls[0].arg, "fz01_floor");
    ck_assert_int_eq(calls[0].line, 1);
    ck_assert_str_eq(calls[1].arg, "short");
    ck_assert_str_eq(calls[2].arg, "long");
    ck_assert_int_eq(calls[2].line, 2);
    ck_assert_ptr_null(calls[3].arg); /* param(name) */
    ck_assert(!calls[3].no_args);
    ck_assert_int_eq(calls[3].line, 5);
    ck_assert(calls[4].no_args);
    ck_assert_ptr_null(calls[5].arg); /* "a" .. b */
    ck_assert_str_eq(calls[6].name, "fact");
    ck_assert_str_eq(calls[6].arg, "k.one");
    ck_assert_str_eq(calls[7].name, "has");
    ck_assert_ptr_null(calls[7].arg);
    free(calls);
    kh_luatoks_free(&t);
}
END_TEST

START_TEST(test_luascan__if_arms)
{
    const char *src = "if a then\n"                 /* 1 */
                      "  x = 1\n"                   /* 2 */
                      "elseif b then\n"             /* 3 */
                      "  if c then y = 2 end\n"     /* 4 */
                      "  while d do\n"              /* 5 */
                      "    z = function() end\n"    /* 6 */
                      "  end\n"                     /* 7 */
                      "else\n"                      /* 8 */
                      "end\n"                       /* 9 */
                      "if (function() return 1 end)() then\n" /* 10 */
                      "  repeat w = 1 until w\n"   /* 11 */
                      "  v = 2\n"                   /* 12 */
                      "end\n";                      /* 13 */
    kh_luatoks t = scan(src);
    kh_luaarm *arms = NULL;
    size_t n = 0;
    ck_assert_int_eq(kh_luascan_arms(&t, &arms, &n), KH_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(arms[0].kind, "if");
    ck_assert_int_eq(arms[0].line, 1);
    ck_assert_int_eq(arms[0].first, 2);
    ck_assert_int_eq(arms[0].last, 2);
    ck_assert_str_eq(arms[1].kind, "elseif");
    ck_assert_int_eq(arms[1].line, 3);
    ck_assert_int_eq(arms[1].first, 4);
    ck_assert_int_eq(arms[1].last, 7);
    ck_assert_str_eq(arms[2].kind, "if"); /* nested, one line */
    ck_assert_int_eq(arms[2].line, 4);
    ck_assert_int_eq(arms[2].first, 4);
    ck_assert_int_eq(arms[2].last, 4);
    ck_assert_str_eq(arms[3].kind, "else"); /* empty */
    ck_assert_int_eq(arms[3].line, 8);
    ck_assert_int_eq(arms[3].first, 0);
    ck_assert_str_eq(arms[4].kind, "if");
    ck_assert_int_eq(arms[4].line, 10);
    ck_assert_int_eq(arms[4].first, 11);
    ck_assert_int_eq(arms[4].last, 12);
    free(arms);
    kh_luatoks_free(&t);
}
END_TEST

static Suite *kh_luascan_suite(void)
{
    Suite *s = suite_create("luascan");
    TCase *tc = tcase_create("scan");
    tcase_add_test(tc, test_luascan__tokens_and_lines);
    tcase_add_test(tc, test_luascan__unfinished_is_an_error_with_its_line);
    tcase_add_test(tc, test_luascan__calls_with_literal_names);
    tcase_add_test(tc, test_luascan__if_arms);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_luascan_suite)

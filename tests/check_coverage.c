/* check_coverage.c — coverage of rule scripts: the executable lines read
 * from a chunk's bytecode are Lua's own activelines (nested functions and
 * absolute line entries included), less a final unreachable implicit return;
 * the sandbox's line hook reports only lines that ran, names their chunk,
 * changes no result and does not weaken the instruction limit. */
#include "kh_test_util.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "coverage.h"
#include "sandbox.h"

/* Lua's view: the union of debug.getinfo(f, "L").activelines over the main
 * chunk and every function it registers in the global table F (the chunk
 * calls each F entry once so nested ones register too). Returns a sorted
 * "1 2 5" string. */
static void lua_activelines(const char *src, char *out, size_t size)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    static const char DRIVER[] =
        "local src = ...\n"
        "F = {}\n"
        "local main = assert(load(src, '=t.lua'))\n"
        "local lines = {}\n"
        "local function add(f)\n"
        "  for l in pairs(debug.getinfo(f, 'L').activelines) do lines[l] = true end\n"
        "end\n"
        "add(main)\n"
        "pcall(main)\n"
        "local i = 1\n"
        "while F[i] do add(F[i]); pcall(F[i]); i = i + 1 end\n"
        "local t = {}\n"
        "for l in pairs(lines) do t[#t + 1] = l end\n"
        "table.sort(t)\n"
        "return table.concat(t, ' ')\n";
    ck_assert_int_eq(luaL_loadstring(L, DRIVER), LUA_OK);
    lua_pushstring(L, src);
    ck_assert_msg(lua_pcall(L, 1, 1, 0) == LUA_OK, "%s", lua_tostring(L, -1));
    snprintf(out, size, "%s", lua_tostring(L, -1));
    lua_close(L);
}

static void mine(const char *src, char *out, size_t size)
{
    int *lines = NULL;
    size_t n = 0;
    kh_error e;
    kh_error_clear(&e);
    ck_assert_int_eq(kh_coverage_lines("t.lua", src, strlen(src), &lines, &n, &e), KH_OK);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%d", i ? " " : "", lines[i]);
    free(lines);
}

START_TEST(test_coverage__lines_are_luas_activelines)
{
    static const char *const chunks[] = {
        /* nested functions, called or not */
        "local t = {}\n"
        "local function f(x)\n"
        "  if x then\n"
        "    return 1\n"
        "  end\n"
        "  return 2\n"
        "end\n"
        "F[#F + 1] = f\n"
        "F[#F + 1] = function()\n"
        "  local h = function()\n"
        "    return 3\n"
        "  end\n"
        "  F[#F + 1] = h\n"
        "  return h\n"
        "end\n"
        "-- a comment\n"
        "\n"
        "return t\n",
        /* a multi-line call and a loop */
        "local s = 0\n"
        "for i = 1, 3 do\n"
        "  s = s + i\n"
        "end\n"
        "return string.format('%d',\n"
        "  s)\n",
    };
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        char a[4096], b[4096];
        lua_activelines(chunks[i], a, sizeof a);
        mine(chunks[i], b, sizeof b);
        ck_assert_msg(strcmp(a, b) == 0, "chunk %zu: lua [%s] mine [%s]", i, a, b);
    }
}
END_TEST

/* More than 128 instructions and a jump of more than 127 lines: the dump
 * then carries absolute line entries. */
START_TEST(test_coverage__absolute_line_entries)
{
    char src[64 * 1024];
    size_t n = 0;
    n += (size_t)snprintf(src + n, sizeof src - n, "local x = 0\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, "x = x + %d\n", i);
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(src + n, sizeof src - n, "\n");
    n += (size_t)snprintf(src + n, sizeof src - n,
                          "F[#F + 1] = function()\n  x = 1\n%s  return x\nend\nreturn x\n",
                          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                          "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
                          "\n\n\n\n\n\n\n\n\n\n");
    char *a = malloc(64 * 1024), *b = malloc(64 * 1024);
    lua_activelines(src, a, 64 * 1024);
    mine(src, b, 64 * 1024);
    ck_assert_str_eq(a, b);
    /* 1: local; 2–301: the sums; 302–501 blank; 502: the function, 503 its
     * first line, 138 blank lines, 642 its return, 643 end, 644 return */
    ck_assert_ptr_nonnull(strstr(b, " 300 301 502 503 642 643 644"));
    free(a);
    free(b);
}
END_TEST

/* The implicit return after a final if/else that returns on both arms can
 * never run: Lua lists its line, coverage does not. */
START_TEST(test_coverage__unreachable_final_return_not_counted)
{
    const char *src = "local r = fact('x')\n"
                      "if r then\n"
                      "  return score(1)\n"
                      "else\n"
                      "  return missing()\n"
                      "end\n";
    char a[256], b[256];
    lua_activelines(src, a, sizeof a);
    mine(src, b, sizeof b);
    ck_assert_str_eq(a, "1 2 3 5 6");
    ck_assert_str_eq(b, "1 2 3 5");
}
END_TEST

START_TEST(test_coverage__compile_error_is_reported)
{
    int *lines = NULL;
    size_t n = 0;
    kh_error e;
    kh_error_clear(&e);
    const char *src = "local x = 1\nreturn score(1, 'a'\n";
    ck_assert_int_eq(kh_coverage_lines("bad.lua", src, strlen(src), &lines, &n, &e),
                     KH_ESCRIPT);
    ck_assert_int_eq(e.line, 3);
    ck_assert_str_eq(e.file, "bad.lua");
    ck_assert_ptr_null(lines);
}
END_TEST

/* ---- the line hook ---------------------------------------------------------- */

typedef struct seen {
    char chunks[16][32];
    int lines[16][64];
    int count[16];
    int chunks_count;
} seen;

static void on_line(void *ctx, const char *chunk, int line)
{
    seen *s = ctx;
    int c = 0;
    while (c < s->chunks_count && strcmp(s->chunks[c], chunk) != 0)
        c++;
    if (c == s->chunks_count) {
        if (c == 16)
            return;
        snprintf(s->chunks[c], sizeof s->chunks[c], "%s", chunk);
        s->chunks_count++;
    }
    if (s->count[c] < 64)
        s->lines[c][s->count[c]++] = line;
}

typedef struct result {
    double number;
} result;

static void take_number(lua_State *L, int idx, void *ctx)
{
    ((result *)ctx)->number = lua_tonumber(L, idx);
}

static bool has_line(const seen *s, const char *chunk, int line)
{
    for (int c = 0; c < s->chunks_count; c++)
        if (strcmp(s->chunks[c], chunk) == 0)
            for (int i = 0; i < s->count[c]; i++)
                if (s->lines[c][i] == line)
                    return true;
    return false;
}

START_TEST(test_coverage__hook_reports_lines_run_and_changes_nothing)
{
    kh_sandbox *sb = NULL;
    kh_error e;
    kh_error_clear(&e);
    ck_assert_int_eq(kh_sandbox_new(&sb, NULL, &e), KH_OK);
    const char *lib = "function twice(x)\n  return x * 2\nend\n";
    const char *src = "local x = clamp(5, 0, 3)\n"   /* 1: a prelude helper */
                      "if x > 10 then\n"             /* 2 */
                      "  x = 0\n"                    /* 3: never runs */
                      "end\n"                        /* 4 */
                      "return twice(x)\n";           /* 5 */
    int lib_id, id;
    ck_assert_int_eq(kh_sandbox_compile(sb, "lib/l.lua", lib, strlen(lib), &lib_id, &e), KH_OK);
    ck_assert_int_eq(kh_sandbox_add_library(sb, lib_id), KH_OK);
    ck_assert_int_eq(kh_sandbox_compile(sb, "s.lua", src, strlen(src), &id, &e), KH_OK);

    result plain = {0}, hooked = {0};
    ck_assert_int_eq(kh_sandbox_run(sb, id, NULL, take_number, &plain, &e), KH_OK);
    kh_sandbox_end(sb);
    seen s;
    memset(&s, 0, sizeof s);
    kh_sandbox_set_line_hook(sb, on_line, &s);
    ck_assert_int_eq(kh_sandbox_run(sb, id, NULL, take_number, &hooked, &e), KH_OK);
    kh_sandbox_end(sb);
    ck_assert(plain.number == 6 && hooked.number == 6);
    ck_assert(has_line(&s, "s.lua", 1));
    ck_assert(has_line(&s, "s.lua", 2));
    ck_assert(!has_line(&s, "s.lua", 3));
    ck_assert(has_line(&s, "s.lua", 5));
    ck_assert(has_line(&s, "lib/l.lua", 2)); /* library lines under their own name */
    ck_assert(has_line(&s, "(prelude)", 1) || s.chunks_count >= 2);
    for (int c = 0; c < s.chunks_count; c++)
        ck_assert_msg(strcmp(s.chunks[c], "s.lua") == 0 || strcmp(s.chunks[c], "lib/l.lua") == 0 ||
                      strcmp(s.chunks[c], "(prelude)") == 0, "chunk %s", s.chunks[c]);

    /* switched off: nothing more is reported */
    kh_sandbox_set_line_hook(sb, NULL, NULL);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(kh_sandbox_run(sb, id, NULL, take_number, &plain, &e), KH_OK);
    kh_sandbox_end(sb);
    ck_assert_int_eq(s.chunks_count, 0);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_coverage__limits_still_trip_with_the_hook)
{
    kh_sandbox_limits lim = {200000, 0, 5000};
    kh_sandbox *sb = NULL;
    kh_error e;
    kh_error_clear(&e);
    ck_assert_int_eq(kh_sandbox_new(&sb, &lim, &e), KH_OK);
    const char *loop = "local n = 0\nwhile true do\n  n = n + 1\nend\n";
    const char *caught = "pcall(function() while true do end end)\nreturn 1\n";
    int id1, id2;
    ck_assert_int_eq(kh_sandbox_compile(sb, "loop.lua", loop, strlen(loop), &id1, &e), KH_OK);
    ck_assert_int_eq(kh_sandbox_compile(sb, "caught.lua", caught, strlen(caught), &id2, &e), KH_OK);
    seen s;
    memset(&s, 0, sizeof s);
    kh_sandbox_set_line_hook(sb, on_line, &s);
    ck_assert_int_eq(kh_sandbox_run(sb, id1, NULL, NULL, NULL, &e), KH_ELIMIT);
    ck_assert_ptr_nonnull(strstr(e.message, "instruction limit exceeded (200000)"));
    ck_assert_int_eq(kh_sandbox_run(sb, id2, NULL, NULL, NULL, &e), KH_ELIMIT);
    ck_assert(has_line(&s, "loop.lua", 3));
    kh_sandbox_free(sb);
}
END_TEST

static Suite *kh_coverage_suite(void)
{
    Suite *s = suite_create("coverage");
    TCase *tc = tcase_create("lines");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_coverage__lines_are_luas_activelines);
    tcase_add_test(tc, test_coverage__absolute_line_entries);
    tcase_add_test(tc, test_coverage__unreachable_final_return_not_counted);
    tcase_add_test(tc, test_coverage__compile_error_is_reported);
    tcase_add_test(tc, test_coverage__hook_reports_lines_run_and_changes_nothing);
    tcase_add_test(tc, test_coverage__limits_still_trip_with_the_hook);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_coverage_suite)

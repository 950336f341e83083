/* check_sandbox.c — the Lua sandbox: escape attempts (missing libraries,
 * bytecode, endless loops, memory bombs, metatable and library tampering,
 * deep recursion, hostile error objects) each fail that run only, and the
 * next run is unaffected; the prelude helpers compute what docs/rules.md
 * says. Uses the private sandbox.h directly. */
#define _GNU_SOURCE /* gettid, SIGEV_THREAD_ID: the watchdog tests */
#include "kh_test_util.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

/* What a run returned: its first value as a string or number. */
typedef struct capture {
    int type;
    double number;
    int boolean;
    char text[512];
} capture;

static void cap_inspect(lua_State *L, int idx, void *ctx)
{
    capture *c = ctx;
    c->type = lua_type(L, idx);
    if (c->type == LUA_TNUMBER)
        c->number = lua_tonumber(L, idx);
    else if (c->type == LUA_TBOOLEAN)
        c->boolean = lua_toboolean(L, idx);
    else if (c->type == LUA_TSTRING)
        snprintf(c->text, sizeof c->text, "%s", lua_tostring(L, idx));
}

static kh_sandbox *new_sandbox(unsigned long instructions, size_t memory,
                               unsigned timeout_ms)
{
    kh_sandbox_limits lim = {instructions, memory, timeout_ms};
    kh_sandbox *sb = NULL;
    kh_error err;
    int rc = kh_sandbox_new(&sb, &lim, &err);
    ck_assert_msg(rc == KH_OK, "sandbox: %s", err.message);
    return sb;
}

/* Compile src as `name` and run it; on success *cap has the result. The
 * formatted error ("t.lua:1: message") goes to msg. No Check assertions:
 * a forked child uses it too (see watchdog_after_fork). A stack top not
 * restored is reported as rc -1 with that message. */
static int try_run_named(kh_sandbox *sb, const char *name, const char *src,
                         capture *cap, char *msg, size_t msg_size)
{
    lua_State *L = kh_sandbox__state(sb);
    int top = lua_gettop(L);
    kh_error err;
    kh_error_clear(&err);
    capture local;
    if (!cap)
        cap = &local;
    memset(cap, 0, sizeof *cap);
    int id;
    int rc = kh_sandbox_compile(sb, name, src, strlen(src), &id, &err);
    if (rc == KH_OK) {
        rc = kh_sandbox_run(sb, id, NULL, cap_inspect, cap, &err);
        if (rc == KH_OK)
            kh_sandbox_end(sb);
    }
    if (msg)
        kh_error_format(&err, msg, msg_size);
    if (lua_gettop(L) != top) {
        if (msg)
            snprintf(msg, msg_size, "stack top %d after the run, %d before", lua_gettop(L), top);
        return -1;
    }
    return rc;
}

/* The same, with the stack check as a test failure. */
static int run_named(kh_sandbox *sb, const char *name, const char *src,
                     capture *cap, char *msg, size_t msg_size)
{
    char own[1024] = "";
    int rc = try_run_named(sb, name, src, cap, own, sizeof own);
    ck_assert_msg(rc != -1, "%s", own);
    if (msg)
        snprintf(msg, msg_size, "%s", own);
    return rc;
}

static int run(kh_sandbox *sb, const char *src, capture *cap, char *msg, size_t n)
{
    return run_named(sb, "t.lua", src, cap, msg, n);
}

/* The canary: a run after an attack sees intact libraries and helpers.
 * Returns 0, or -1 with the reason in why (no Check assertions: a forked
 * child uses it too). */
static int canary(kh_sandbox *sb, char *why, size_t why_size)
{
    capture c;
    char msg[1024] = "";
    int rc = try_run_named(sb, "t.lua",
                 "assert(x_leak == nil, 'global leaked')\n"
                 "assert(getmetatable(_G) == nil, 'env metatable leaked')\n"
                 "assert(string.rep('a', 3) == 'aaa')\n"
                 "assert(('x'):upper() == 'X')\n"
                 "assert(('abc'):rep(2) == 'abcabc')\n"
                 "assert(math.floor(2.5) == 2)\n"
                 "assert(table.concat({'a', 'b'}) == 'ab')\n"
                 "assert(type(pcall) == 'function' and type(clamp) == 'function')\n"
                 "assert(fmt(13.475) == '13.48')\n"
                 "local s = 0 for i = 1, 10000 do s = s + i end\n"
                 "local t = {} for i = 1, 1000 do t[i] = tostring(i) end\n"
                 "return 'ok ' .. s\n",
                 &c, msg, sizeof msg);
    if (rc != KH_OK) {
        snprintf(why, why_size, "canary failed: %s", msg);
        return -1;
    }
    if (strcmp(c.text, "ok 50005000") != 0) {
        snprintf(why, why_size, "canary returned '%s'", c.text);
        return -1;
    }
    return 0;
}

static void assert_unaffected(kh_sandbox *sb)
{
    char why[1200] = "";
    ck_assert_msg(canary(sb, why, sizeof why) == 0, "%s", why);
}

/* Expect failure with this exact formatted message. */
#define assert_fails_with(sb, src, code, expected)                               \
    do {                                                                       \
        char m_[1024] = "";                                                    \
        int rc_ = run((sb), (src), NULL, m_, sizeof m_);                       \
        ck_assert_msg(rc_ == (code), "rc %d (%s), want %d", rc_, m_, (code));  \
        ck_assert_str_eq(m_, (expected));                                      \
    } while (0)

/* Expect failure whose message contains a fragment. */
#define assert_fails_matching(sb, src, code, fragment)                         \
    do {                                                                       \
        char m_[1024] = "";                                                    \
        int rc_ = run((sb), (src), NULL, m_, sizeof m_);                       \
        ck_assert_msg(rc_ == (code), "rc %d (%s), want %d", rc_, m_, (code));  \
        ck_assert_msg(strstr(m_, (fragment)) != NULL, "'%s' lacks '%s'", m_,   \
                      (fragment));                                             \
    } while (0)

START_TEST(test_sandbox__dangerous_libraries_absent)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    static const char *const absent[] = {
        "io", "os", "debug", "package", "require", "load", "loadfile",
        "dofile", "collectgarbage", "rawset", "print", "warn", "coroutine",
        "loadstring", "string.dump", "math.random", "math.randomseed",
        "('').dump", NULL};
    for (size_t i = 0; absent[i]; i++) {
        char src[256];
        capture c;
        snprintf(src, sizeof src, "return %s == nil", absent[i]);
        ck_assert_int_eq(run(sb, src, &c, NULL, 0), KH_OK);
        ck_assert_msg(c.type == LUA_TBOOLEAN && c.boolean, "%s is reachable", absent[i]);
    }
    assert_fails_with(sb, "return io.open('/etc/passwd')", KH_ESCRIPT,
                      "t.lua:1: attempt to index a nil value (global 'io')");
    assert_fails_with(sb, "\nreturn os.execute('true')", KH_ESCRIPT,
                      "t.lua:2: attempt to index a nil value (global 'os')");
    assert_fails_matching(sb, "return require('io')", KH_ESCRIPT,
                          "attempt to call a nil value (global 'require')");
    assert_fails_matching(sb, "return load('return 1')()", KH_ESCRIPT,
                          "global 'load'");
    assert_fails_matching(sb, "return dofile('/etc/passwd')", KH_ESCRIPT,
                          "global 'dofile'");
    assert_fails_matching(sb, "return loadfile('/etc/passwd')", KH_ESCRIPT,
                          "global 'loadfile'");
    assert_fails_matching(sb, "return string.dump(function() end)", KH_ESCRIPT,
                          "field 'dump'");
    assert_fails_matching(sb, "return debug.getregistry()", KH_ESCRIPT,
                          "global 'debug'");
    /* What stays. */
    capture c;
    ck_assert_int_eq(run(sb, "return type(string.format) .. type(table.sort) .. "
                             "type(math.floor) .. type(utf8.char) .. type(rawget) .. "
                             "type(setmetatable) .. type(select)",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "functionfunctionfunctionfunctionfunctionfunctionfunction");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

/* Make bytecode with a separate, ordinary Lua state. */
static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    luaL_Buffer *b = ud;
    luaL_addlstring(b, p, sz);
    return 0;
}

START_TEST(test_sandbox__bytecode_refused)
{
    lua_State *L = luaL_newstate();
    ck_assert_int_eq(luaL_loadstring(L, "return 42"), LUA_OK);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushvalue(L, -2);
    lua_dump(L, dump_writer, &b, 0);
    lua_pop(L, 1);
    luaL_pushresult(&b);
    size_t len;
    const char *code = lua_tolstring(L, -1, &len);
    ck_assert_int_eq(memcmp(code, "\x1bLua", 4), 0);

    kh_sandbox *sb = new_sandbox(0, 0, 0);
    kh_error err;
    int id;
    ck_assert_int_eq(kh_sandbox_compile(sb, "fz01.lua", code, len, &id, &err), KH_ESCRIPT);
    char msg[1024];
    ck_assert_str_eq(kh_error_format(&err, msg, sizeof msg),
                     "fz01.lua: precompiled Lua bytecode is refused; rules must "
                     "be Lua source text");
    /* A file with the signature is refused the same way. */
    char path[64];
    kh_test_write_tmp(path, sizeof path, "kh_sandbox", code, len);
    ck_assert_int_eq(kh_sandbox_compile_file(sb, "fz02.lua", path, &id, &err), KH_ESCRIPT);
    ck_assert_str_eq(err.file, "fz02.lua");
    ck_assert_ptr_nonnull(strstr(err.message, "bytecode"));
    unlink(path);
    lua_close(L);
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__compile_error_names_file_and_line)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    kh_error err;
    int id;
    const char *src = "local x = 1\nlocal = 2\n";
    ck_assert_int_eq(kh_sandbox_compile(sb, "fz07.lua", src, strlen(src), &id, &err),
                     KH_ESCRIPT);
    ck_assert_str_eq(err.file, "fz07.lua");
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.message, "<name> expected"));
    ck_assert_int_eq(kh_sandbox_compile_file(sb, "x.lua", "/nonexistent/x.lua", &id, &err),
                     KH_ENOTFOUND);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__endless_loop_stopped)
{
    /* A generous clock, so that only the instruction budget trips (also
     * under valgrind). */
    kh_sandbox *sb = new_sandbox(0, 0, 60000);
    assert_fails_with(sb, "while true do end", KH_ELIMIT,
                      "t.lua: instruction limit exceeded (10000000)");
    assert_unaffected(sb);
    kh_sandbox_free(sb);

    sb = new_sandbox(100000, 0, 0);
    assert_fails_with(sb, "local i = 0 repeat i = i + 1 until false", KH_ELIMIT,
                      "t.lua: instruction limit exceeded (100000)");
    /* Just under the budget is fine. */
    capture c;
    ck_assert_int_eq(run(sb, "local s = 0 for i = 1, 20000 do s = s + i end return s",
                         &c, NULL, 0), KH_OK);
    ck_assert_double_eq(c.number, 200010000);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__pcall_cannot_swallow_a_limit)
{
    kh_sandbox *sb = new_sandbox(200000, 0, 0);
    assert_fails_with(sb,
                      "for i = 1, 100 do pcall(function() while true do end end) end\n"
                      "return 'escaped'",
                      KH_ELIMIT, "t.lua: instruction limit exceeded (200000)");
    assert_fails_with(sb,
                      "local ok = xpcall(function() while true do end end,\n"
                      "                  function(m) return m end)\n"
                      "while not ok do end return 'escaped'",
                      KH_ELIMIT, "t.lua: instruction limit exceeded (200000)");
    /* A handler that loops forever is stopped too. */
    assert_fails_with(sb,
                      "xpcall(error, function() while true do end end)\n"
                      "return 'escaped'",
                      KH_ELIMIT, "t.lua: instruction limit exceeded (200000)");
    /* Nested pcalls, and error handlers that try to keep going. */
    assert_fails_with(sb,
                      "local function spin() while true do end end\n"
                      "for i = 1, 100 do pcall(pcall, pcall, spin) end\n"
                      "return 'escaped'",
                      KH_ELIMIT, "t.lua: instruction limit exceeded (200000)");
    /* to-be-closed variables run, but cannot resume the script. */
    assert_fails_with(sb,
                      "local t = setmetatable({}, {__close = function() while true do end end})\n"
                      "do local x <close> = t; while true do end end\n"
                      "return 'escaped'",
                      KH_ELIMIT, "t.lua: instruction limit exceeded (200000)");
    /* pcall still works for ordinary errors. */
    capture c;
    ck_assert_int_eq(run(sb, "local ok, m = pcall(error, 'x', 0) return tostring(ok) .. m",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "falsex");
    ck_assert_int_eq(run(sb, "local ok, a, b = pcall(function() return 1, 2 end)\n"
                             "return tostring(ok) .. a .. b",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "true12");
    ck_assert_int_eq(run(sb, "local ok, m = xpcall(error, function(e) return 'h:' .. e end, 'y', 0)\n"
                             "return tostring(ok) .. m",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "falseh:y");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__wall_clock_stops_a_slow_script)
{
    /* A huge instruction budget: only the clock can stop this. */
    kh_sandbox *sb = new_sandbox(4000000000UL, 0, 100);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_fails_with(sb, "while true do end", KH_ELIMIT,
                      "t.lua: time limit exceeded (100 ms)");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms >= 100 && ms < 2000, "stopped after %.0f ms", ms);
    assert_fails_with(sb, "while true do pcall(function() while true do end end) end",
                      KH_ELIMIT, "t.lua: time limit exceeded (100 ms)");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__memory_bombs_stopped)
{
    kh_sandbox *sb = new_sandbox(0, 0, 60000);
    size_t base = kh_sandbox_memory(sb);
    static const char *const bombs[] = {
        "return string.rep('x', 1e9)",
        "return ('x'):rep(1 << 30)",
        "local t = {} for i = 1, 1e9 do t[i] = i end",
        "local t = {} local i = 0 while true do i = i + 1 t['k' .. i] = {} end",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} for i = 1, 1e9 do t[i] = 'abcdefgh' .. i end",
        "local t = {} for i = 1, 1e9 do t[#t + 1] = string.rep('y', 1000) .. i end",
        "local ok = pcall(string.rep, 'x', 1e9) return 'escaped'",
        "while true do pcall(function() local s = 'x' while true do s = s .. s end end) end",
        "return table.concat(setmetatable({}, {__index = function() return ('z'):rep(1e6) end}), '', 1, 100)",
        NULL};
    for (size_t i = 0; bombs[i]; i++) {
        char msg[1024];
        int rc = run(sb, bombs[i], NULL, msg, sizeof msg);
        ck_assert_msg(rc == KH_ELIMIT, "bomb %zu: rc %d %s", i, rc, msg);
        ck_assert_msg(strcmp(msg, "t.lua: memory limit exceeded (16 MiB)") == 0,
                      "bomb %zu: %s", i, msg);
        /* What the bomb took is given back; the state's string table may
         * stay grown until later collections shrink it. */
        ck_assert_msg(kh_sandbox_memory(sb) < base + 8 * 1024 * 1024,
                      "bomb %zu: %zu bytes held, base %zu", i, kh_sandbox_memory(sb), base);
        assert_unaffected(sb);
    }
    for (int i = 0; i < 20; i++)
        lua_gc(kh_sandbox__state(sb), LUA_GCCOLLECT, 0);
    ck_assert_msg(kh_sandbox_memory(sb) < base + 256 * 1024, "%zu bytes held, base %zu",
                  kh_sandbox_memory(sb), base);
    kh_sandbox_free(sb);

    sb = new_sandbox(0, 1536 * 1024, 0);
    assert_fails_with(sb, "return string.rep('x', 2e6)", KH_ELIMIT,
                      "t.lua: memory limit exceeded (1536 KiB)");
    /* Garbage of earlier runs does not count against the next one. */
    capture c;
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(run(sb, "local s = string.rep('x', 5e5) return #s", &c, NULL, 0),
                         KH_OK);
    kh_sandbox_free(sb);
}
END_TEST

/* prepare that counts its calls and sets a per-run constant. */
static void count_prepare(lua_State *L, int env, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    lua_pushinteger(L, 7);
    lua_setfield(L, env, "SEVEN");
}

static void number_inspect(lua_State *L, int idx, void *ctx)
{
    (void)ctx;
    if (!lua_isinteger(L, idx))
        luaL_error(L, "no integer");
}

START_TEST(test_sandbox__collections_between_runs_and_at_the_cap)
{
    /* The collector only runs between runs and when a run reaches its cap:
     * a run may churn many times its cap in garbage... */
    /* the default 2 s clock is too short under valgrind on a loaded
     * machine (CI measured it): the point here is memory, not time */
    kh_sandbox *sb = new_sandbox(0, 1536 * 1024, getenv("KH_VALGRIND") ? 60000 : 0);
    capture c;
    char msg[1024] = "";
    static const char churn[] =
        "local keep = {} for i = 1, 2000 do keep[i] = ('k'):rep(300) .. i end\n"
        "local s for i = 1, 20000 do s = ('x'):rep(1000) .. i end\n"
        "return #keep + #s\n";
    ck_assert_msg(run(sb, churn, &c, msg, sizeof msg) == KH_OK, "%s", msg);
    ck_assert_double_eq(c.number, 2000 + 1005);
    /* ...and garbage of earlier runs is collected once it piles up. */
    size_t base = kh_sandbox_memory(sb);
    for (int i = 0; i < 200; i++)
        ck_assert_int_eq(run(sb, "local t = {} for i = 1, 300 do t[i] = {i} end return #t",
                             &c, NULL, 0), KH_OK);
    ck_assert_msg(kh_sandbox_memory(sb) < base + 1536 * 1024, "%zu bytes held, base %zu",
                  kh_sandbox_memory(sb), base);

    /* A run that reaches its cap while earlier runs' garbage is on the heap
     * starts over on a collected heap: prepare runs twice, the script's
     * result is that of the second attempt. */
    kh_error err;
    int id, calls = 0;
    static const char big[] =
        "local keep = {} for i = 1, 3000 do keep[i] = ('k'):rep(300) .. i end\n"
        "local s for i = 1, 4000 do s = ('x'):rep(1000) .. i end\n"
        "return #keep * SEVEN\n";
    ck_assert_int_eq(kh_sandbox_compile(sb, "big.lua", big, strlen(big), &id, &err), KH_OK);
    /* a failing bomb leaves a collected heap */
    assert_fails_matching(sb, "return ('x'):rep(1e8)", KH_ELIMIT, "memory limit exceeded");
    ck_assert_int_eq(run(sb, "local t = {} for i = 1, 2000 do t[i] = {i} end return 1", &c,
                         NULL, 0), KH_OK); /* leaves ~150 KB of garbage */
    ck_assert_int_eq(kh_sandbox_run(sb, id, count_prepare, number_inspect, &calls, &err),
                     KH_OK);
    kh_sandbox_end(sb);
    ck_assert_int_eq(calls, 2);
    /* On a collected heap it runs once. */
    assert_fails_matching(sb, "return ('x'):rep(1e8)", KH_ELIMIT, "memory limit exceeded");
    calls = 0;
    ck_assert_int_eq(kh_sandbox_run(sb, id, count_prepare, number_inspect, &calls, &err),
                     KH_OK);
    kh_sandbox_end(sb);
    ck_assert_int_eq(calls, 1);
    /* A run too big for its cap fails the same way either way. */
    static const char too_big[] =
        "local keep = {} for i = 1, 1e5 do keep[i] = ('k'):rep(300) .. i end return 1\n";
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(run(sb, "local t = {} for i = 1, 2000 do t[i] = {i} end return 1",
                             &c, NULL, 0), KH_OK);
        assert_fails_with(sb, too_big, KH_ELIMIT, "t.lua: memory limit exceeded (1536 KiB)");
    }
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__string_metatable_is_locked)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    capture c;
    ck_assert_int_eq(run(sb, "return getmetatable('')", &c, NULL, 0), KH_OK);
    ck_assert_int_eq(c.type, LUA_TBOOLEAN);
    ck_assert_int_eq(c.boolean, 0);
    assert_fails_matching(sb, "getmetatable('').__index.upper = function() return 'pwned' end",
                          KH_ESCRIPT, "t.lua:1: attempt to index a boolean value");
    assert_fails_matching(sb, "('').upper = 1", KH_ESCRIPT, "t.lua:1:");
    assert_fails_matching(sb, "setmetatable('', {})", KH_ESCRIPT, "bad argument #1");
    /* Replacing a function in the run's string table does not reach the
     * methods of string values, nor the next run. */
    ck_assert_int_eq(run(sb, "string.upper = function() return 'pwned' end\n"
                             "return ('a'):upper() .. string.upper('a')",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "Apwned");
    ck_assert_int_eq(run(sb, "return ('a'):upper() .. string.upper('b')", &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "AB");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__tampering_does_not_leak_into_the_next_run)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    capture c;
    ck_assert_int_eq(run(sb,
                         "string.rep = nil; math.floor = nil; utf8.char = nil\n"
                         "table.concat = function() return 'pwned' end\n"
                         "clamp = nil; fmt = function() return 'pwned' end; pcall = nil\n"
                         "x_leak = 1\n"
                         "setmetatable(_G, {__index = function() return 'p' end})\n"
                         "return 'ok'",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "ok");
    assert_unaffected(sb);
    ck_assert_int_eq(run(sb, "return type(utf8.char)", &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "function");
    /* A failing run's tampering does not leak either. */
    assert_fails_matching(sb, "string.rep = nil; x_leak = 2; error('after tampering')",
                          KH_ESCRIPT, "t.lua:1: after tampering");
    assert_unaffected(sb);
    /* Locked metatables stay locked; __gc is refused. */
    assert_fails_matching(sb,
                          "local t = setmetatable({}, {__metatable = 'locked'})\n"
                          "setmetatable(t, {})",
                          KH_ESCRIPT, "t.lua:2: cannot change a protected metatable");
    assert_fails_matching(sb, "setmetatable({}, {__gc = function() while true do end end})",
                          KH_ESCRIPT, "__gc metamethods are not allowed");
    /* Weak tables too, named with the line that tried. */
    assert_fails_with(sb, "local t = {}\nsetmetatable(t, {__mode = 'k'})", KH_ESCRIPT,
                      "t.lua:2: __mode (weak tables) is not allowed in rules");
    assert_fails_matching(sb, "setmetatable({}, {__mode = false})", KH_ESCRIPT,
                          "__mode (weak tables) is not allowed");
    assert_fails_matching(sb, "rawset(_G, 'x', 1)", KH_ESCRIPT, "global 'rawset'");
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__libraries_run_in_each_fresh_environment)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    kh_error err;
    int lib, a, b;
    const char *lsrc = "counter = (counter or 0) + 1\nfunction twice(x) return 2 * x end\n";
    ck_assert_int_eq(kh_sandbox_compile(sb, "lib/util.lua", lsrc, strlen(lsrc), &lib, &err), KH_OK);
    ck_assert_int_eq(kh_sandbox_add_library(sb, lib), KH_OK);
    const char *asrc = "twice = nil; counter = counter + 10; return counter";
    const char *bsrc = "return twice(counter)";
    ck_assert_int_eq(kh_sandbox_compile(sb, "a.lua", asrc, strlen(asrc), &a, &err), KH_OK);
    ck_assert_int_eq(kh_sandbox_compile(sb, "b.lua", bsrc, strlen(bsrc), &b, &err), KH_OK);
    for (int i = 0; i < 3; i++) {
        capture c;
        ck_assert_int_eq(kh_sandbox_run(sb, a, NULL, cap_inspect, &c, &err), KH_OK);
        kh_sandbox_end(sb);
        ck_assert_double_eq(c.number, 11);
        ck_assert_int_eq(kh_sandbox_run(sb, b, NULL, cap_inspect, &c, &err), KH_OK);
        kh_sandbox_end(sb);
        ck_assert_double_eq(c.number, 2);
    }
    /* An error inside a library function names the library's line. */
    const char *esrc = "return twice({})";
    int e;
    ck_assert_int_eq(kh_sandbox_compile(sb, "e.lua", esrc, strlen(esrc), &e, &err), KH_OK);
    ck_assert_int_eq(kh_sandbox_run(sb, e, NULL, cap_inspect, NULL, &err), KH_ESCRIPT);
    ck_assert_str_eq(err.file, "lib/util.lua");
    ck_assert_int_eq(err.line, 2);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__deep_recursion_is_an_error_not_a_crash)
{
    /* A generous clock: the stack or the memory cap must stop it, not the
     * default 2 s (which a loaded machine under valgrind can reach). */
    kh_sandbox *sb = new_sandbox(0, 0, 60000);
    char msg[1024];
    /* Lua-to-Lua recursion: the stack or the memory cap stops it. */
    int rc = run(sb, "local function f(n) return f(n + 1) + 1 end return f(1)", NULL,
                 msg, sizeof msg);
    ck_assert_msg(rc == KH_ESCRIPT || rc == KH_ELIMIT, "rc %d", rc);
    ck_assert_msg(strstr(msg, "stack overflow") || strstr(msg, "memory limit exceeded"),
                  "%s", msg);
    /* Recursion through C (metamethods, pcall, sort, gsub callbacks). */
    assert_fails_matching(sb,
                          "local t = setmetatable({}, {__index = function(t, k) return t[k] end})\n"
                          "return t.x",
                          KH_ESCRIPT, "stack overflow");
    assert_fails_matching(sb,
                          "local function f(s) return (s:gsub('.', f)) end return f('ab')",
                          KH_ESCRIPT, "stack overflow");
    capture c;
    ck_assert_int_eq(run(sb, "local function f() return pcall(f) end return tostring(f())",
                         &c, NULL, 0), KH_OK);
    assert_fails_matching(sb,
                          "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end})\n"
                          "return tostring(t)",
                          KH_ESCRIPT, "stack overflow");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__error_objects)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    assert_fails_with(sb, "error({code = 1})", KH_ESCRIPT, "t.lua: error object is a table");
    assert_fails_with(sb, "error()", KH_ESCRIPT, "t.lua: error object is a nil");
    assert_fails_with(sb, "error(42)", KH_ESCRIPT, "t.lua: error object is a number");
    assert_fails_with(sb, "error(print)", KH_ESCRIPT, "t.lua: error object is a nil");
    /* A hostile __tostring is never called. */
    assert_fails_with(sb,
                      "error(setmetatable({}, {__tostring = function() while true do end end}))",
                      KH_ESCRIPT, "t.lua: error object is a table");
    assert_fails_with(sb, "error('plain', 0)", KH_ESCRIPT, "t.lua: plain");
    assert_fails_with(sb, "\n\nerror('boom')", KH_ESCRIPT, "t.lua:3: boom");
    assert_fails_with(sb, "local x = nil + 1", KH_ESCRIPT,
                      "t.lua:1: attempt to perform arithmetic on a nil value");
    assert_fails_with(sb, "error('two\\nlines')", KH_ESCRIPT, "t.lua:1: two lines");
    char msg[1024];
    ck_assert_int_eq(run_named(sb, "fz01.lua", "error('x')", NULL, msg, sizeof msg),
                     KH_ESCRIPT);
    ck_assert_str_eq(msg, "fz01.lua:1: x");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__costly_c_calls_refused)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    /* Backtracking patterns run in C, where no hook fires. */
    assert_fails_matching(sb, "return string.find(string.rep('a', 5000), '.-.-.-.-b')",
                          KH_ESCRIPT, "pattern too complex for a 5000-byte subject");
    assert_fails_matching(sb, "return (string.rep('a', 3000)):match('(a*)*b')",
                          KH_ESCRIPT, "pattern too complex");
    assert_fails_matching(sb, "for x in string.rep('a', 3000):gmatch('a-a-a-b') do end",
                          KH_ESCRIPT, "pattern too complex");
    assert_fails_matching(sb, "return table.move({}, 1, 1e12, 2)", KH_ESCRIPT,
                          "table.move: more than 1000000 elements");
    /* Ordinary uses pass. */
    capture c;
    ck_assert_int_eq(run(sb,
                         "local y, m, d = ('2025-01-08'):match('^(%d+)-(%d+)-(%d+)$')\n"
                         "local s = ('a  b   c'):gsub('%s+', ' ')\n"
                         "local n = 0 for w in ('x,y,z'):gmatch('[^,]+') do n = n + 1 end\n"
                         "return y .. m .. d .. s .. n .. string.find('hello', 'll', 1, true)\n"
                         "  .. #table.move({1, 2, 3}, 1, 3, 2)",
                         &c, NULL, 0), KH_OK);
    ck_assert_str_eq(c.text, "20250108a b c334");
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

START_TEST(test_sandbox__prelude_helpers)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    capture c;
    char msg[1024] = "";
    int rc = run(sb,
                 "local function eq(a, b) assert(a == b, tostring(a) .. ' ~= ' .. tostring(b)) end\n"
                 "eq(clamp(5, 0, 3), 3) eq(clamp(-1, 0, 3), 0) eq(clamp(2, 0, 3), 2)\n"
                 "eq(linear(12.5, 5, 20, 8, 0), 4) eq(linear(3, 5, 20, 8, 0), 8)\n"
                 "eq(linear(25, 5, 20, 8, 0), 0) eq(linear(80, 60, 100, 0, 14), 7)\n"
                 "eq(per_point_below(98.5, 100, 1, 1), 1.5) eq(per_point_below(100, 100), 0)\n"
                 "eq(per_point_below(95, 100, 10, 2), 1)\n"
                 "eq(per_started_below(80, 90, 10, 2), 2) eq(per_started_below(79.9, 90, 10, 2), 4)\n"
                 "eq(per_started_below(89.99, 90, 10, 2), 2) eq(per_started_below(90, 90, 10, 2), 0)\n"
                 "eq(bands(85, {{90, 10}, {80, 8}, {60, 5}}), 8) eq(bands(90, {{90, 10}, {80, 8}}), 10)\n"
                 "eq(bands(10, {{60, 5}}), 0) eq(bands(70, {{60, 5}, {0, 1}}), 5)\n"
                 "eq(capped(2.4, 1.2), 1.2) eq(capped(0.6, 1.2), 0.6)\n"
                 "eq(round2(13.475), 13.48) eq(round2(89.995), 90) eq(round2(-1.005), -1.01)\n"
                 "eq(round2(2.675), 2.68) eq(round2(1.004999), 1)\n"
                 "eq(fmt(98.5), '98.5') eq(fmt(13.475), '13.48') eq(fmt(100), '100')\n"
                 "eq(fmt(6700.0), '6700') eq(fmt(1/3), '0.33') eq(fmt(-0.0), '0') eq(fmt(2.10), '2.1')\n"
                 "eq(fmt(nil), 'nil') eq(fmt('x'), 'x')\n"
                 "eq(percent(115, 150) > 76.66, true) eq(percent(72, 80), 90) eq(percent(1, 0), nil)\n"
                 "eq(percent(nil, 5), nil)\n"
                 "eq(days_between('2025-03-01', '2025-03-16'), 15)\n"
                 "eq(days_between('2025-03-01', '2025-01-08'), -52)\n"
                 "eq(days_between('2024-02-28', '2024-03-01'), 2)\n"
                 "eq(days_between('2023-02-28', '2023-03-01'), 1)\n"
                 "eq(days_between('1999-12-31', '2000-01-01'), 1)\n"
                 "local y, m, d = date_parts('2017-12-20') eq(y, 2017) eq(m, 12) eq(d, 20)\n"
                 "return 'ok'",
                 &c, msg, sizeof msg);
    ck_assert_msg(rc == KH_OK, "%s", msg);
    ck_assert_str_eq(c.text, "ok");
    /* Bad arguments blame the caller's line. */
    /* (A Lua function in tail position, `return clamp(...)`, has no caller
     * frame left to blame, so these use locals.) */
    assert_fails_with(sb, "\nlocal _ = clamp('x', 0, 1)", KH_ESCRIPT,
                      "t.lua:2: clamp: x must be a finite number (got string)");
    assert_fails_with(sb, "local _ = linear(1, 2, 2, 0, 1)", KH_ESCRIPT,
                      "t.lua:1: linear: x0 and x1 must differ");
    assert_fails_with(sb, "local _ = per_started_below(1, 2, 0, 1)", KH_ESCRIPT,
                      "t.lua:1: per_started_below: step must be positive");
    assert_fails_matching(sb, "local _ = per_point_below(0/0, 2)", KH_ESCRIPT,
                          "t.lua:1: per_point_below: value must be a finite number (got ");
    assert_fails_with(sb, "local _ = days_between('2025-02-30', '2025-03-01')", KH_ESCRIPT,
                      "t.lua:1: days_between: no such date: \"2025-02-30\"");
    assert_fails_with(sb, "local _ = date_parts('2025/01/08')", KH_ESCRIPT,
                      "t.lua:1: date_parts: not an ISO date YYYY-MM-DD: \"2025/01/08\"");
    ck_assert_double_eq(kh_sandbox__round2(13.475), 13.48);
    ck_assert_double_eq(kh_sandbox__round2(89.995), 90.0);
    ck_assert_double_eq(kh_sandbox__round2(89.994), 89.99);
    ck_assert_double_eq(kh_sandbox__round2(-0.001), 0.0);
    kh_sandbox_free(sb);
}
END_TEST

typedef struct pc_ctx {
    int k;
    capture c;
} pc_ctx;

static void prepare_const(lua_State *L, int env, void *ctx)
{
    lua_pushinteger(L, ((pc_ctx *)ctx)->k);
    lua_setfield(L, env, "K");
}

static void pc_inspect(lua_State *L, int idx, void *ctx)
{
    cap_inspect(L, idx, &((pc_ctx *)ctx)->c);
}

static void reject_inspect(lua_State *L, int idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    luaL_error(L, "result refused");
}

START_TEST(test_sandbox__prepare_and_inspect_callbacks)
{
    kh_sandbox *sb = new_sandbox(0, 0, 0);
    lua_State *L = kh_sandbox__state(sb);
    lua_pushinteger(L, 7);
    ck_assert_int_eq(kh_sandbox_add_global(sb, "SEVEN"), KH_OK);
    lua_newtable(L);
    ck_assert_int_eq(kh_sandbox_add_global(sb, "T"), KH_EINVAL); /* mutable */
    kh_error err;
    int id;
    const char *src = "return K * SEVEN + (T == nil and 0 or 1000)";
    ck_assert_int_eq(kh_sandbox_compile(sb, "k.lua", src, strlen(src), &id, &err), KH_OK);
    pc_ctx pc = {6, {0}};
    ck_assert_int_eq(kh_sandbox_run(sb, id, prepare_const, pc_inspect, &pc, &err), KH_OK);
    kh_sandbox_end(sb);
    ck_assert_double_eq(pc.c.number, 42);
    pc.k = 3;
    ck_assert_int_eq(kh_sandbox_run(sb, id, prepare_const, pc_inspect, &pc, &err), KH_OK);
    kh_sandbox_end(sb);
    ck_assert_double_eq(pc.c.number, 21);
    ck_assert_int_eq(kh_sandbox_run(sb, id, prepare_const, reject_inspect, &pc, &err),
                     KH_ESCRIPT);
    ck_assert_str_eq(err.file, "k.lua");
    ck_assert_str_eq(err.message, "result refused");
    ck_assert_ptr_null(kh_sandbox_chunk_name(sb, 99));
    ck_assert_str_eq(kh_sandbox_chunk_name(sb, id), "k.lua");
    kh_sandbox_free(sb);
    kh_sandbox_free(NULL);
}
END_TEST


/* ---- the watchdog ----------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* capture first: cap_inspect fills it */
typedef struct run_ctx {
    capture cap;
    lua_Integer n;
} run_ctx;

static void set_n(lua_State *L, int index, void *ctx)
{
    lua_pushinteger(L, ((const run_ctx *)ctx)->n);
    lua_setfield(L, index, "N");
}

/* Run a compiled chunk with N set; the result's number in *number. */
static int run_n(kh_sandbox *sb, int id, lua_Integer n, double *number, char *msg, size_t size)
{
    lua_State *L = kh_sandbox__state(sb);
    int top = lua_gettop(L);
    kh_error err;
    kh_error_clear(&err);
    run_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.n = n;
    int rc = kh_sandbox_run(sb, id, set_n, cap_inspect, &ctx, &err);
    if (rc == KH_OK)
        kh_sandbox_end(sb);
    ck_assert_int_eq(lua_gettop(L), top);
    *number = ctx.cap.number;
    kh_error_format(&err, msg, size);
    return rc;
}

static int compile(kh_sandbox *sb, const char *name, const char *src)
{
    int id;
    kh_error err;
    ck_assert_int_eq(kh_sandbox_compile(sb, name, src, strlen(src), &id, &err), KH_OK);
    return id;
}

/* The timer is kept per sandbox and re-armed per run: runs with a tiny
 * deadline — stopped by it, or ending right around it — back to back with
 * ordinary runs. No signal of a stopped run may trip the next one. */
START_TEST(test_sandbox__watchdog_tiny_deadlines_trip_no_normal_run)
{
    kh_sandbox *sb = new_sandbox(4000000000UL, 0, 60000);
    int heavy = compile(sb, "heavy.lua",
                        "local s = ('ab'):rep(2e4) while true do s = s:gsub('a', 'a') end");
    int count = compile(sb, "count.lua", "local n = 0 for i = 1, N do n = n + i end return n");
    char msg[256];
    double v;
    int tripped = 0, finished = 0;
    for (int i = 0; i < 150; i++) {
        kh_sandbox__set_timeout(sb, 1);
        ck_assert_int_eq(run_n(sb, heavy, 0, &v, msg, sizeof msg), KH_ELIMIT);
        ck_assert_str_eq(msg, "heavy.lua: time limit exceeded (1 ms)");
        /* 0..58,000 iterations: some end before the deadline, some after */
        int rc = run_n(sb, count, (i % 30) * 2000, &v, msg, sizeof msg);
        if (rc == KH_OK) {
            finished++;
        } else {
            ck_assert_int_eq(rc, KH_ELIMIT);
            ck_assert_str_eq(msg, "count.lua: time limit exceeded (1 ms)");
            tripped++;
        }
        kh_sandbox__set_timeout(sb, 60000);
        rc = run_n(sb, count, 100000, &v, msg, sizeof msg);
        ck_assert_msg(rc == KH_OK, "ordinary run %d: %s", i, msg);
        ck_assert(v == 5000050000.0);
    }
    ck_assert_int_gt(finished, 0);
    kh_sandbox_free(sb);
}
END_TEST

/* A timer signal that is not the run's own (here from a timer of the test,
 * aimed at this thread with the sandbox as its value, every 50 µs) only
 * makes the hook read the clock: ordinary runs are not tripped, and the
 * limits still hold. */
START_TEST(test_sandbox__watchdog_stray_signals_trip_nothing)
{
    kh_sandbox *sb = new_sandbox(2000000, 0, 60000);
    int count = compile(sb, "count.lua", "local n = 0 for i = 1, N do n = n + i end return n");
    int spin = compile(sb, "spin.lua", "while true do end");
    char msg[256];
    double v;
    ck_assert_int_eq(run_n(sb, count, 10, &v, msg, sizeof msg), KH_OK); /* installs */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGRTMIN + 6;
    sev.sigev_value.sival_ptr = sb;
#ifdef sigev_notify_thread_id
    sev.sigev_notify_thread_id = gettid();
#else
    sev._sigev_un._tid = gettid();
#endif
    timer_t t;
    ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
    struct itimerspec its = {{0, 50000}, {0, 50000}};
    ck_assert_int_eq(timer_settime(t, 0, &its, NULL), 0);
    for (int i = 0; i < 100; i++) {
        int rc = run_n(sb, count, 100000, &v, msg, sizeof msg);
        ck_assert_msg(rc == KH_OK, "run %d: %s", i, msg);
        ck_assert(v == 5000050000.0);
    }
    ck_assert_int_eq(run_n(sb, spin, 0, &v, msg, sizeof msg), KH_ELIMIT);
    ck_assert_str_eq(msg, "spin.lua: instruction limit exceeded (2000000)");
    ck_assert_int_eq(timer_delete(t), 0);
    kh_sandbox_free(sb);
}
END_TEST

/* One call of `call` in a plain Lua state, in ms (valgrind or not); -1 if
 * the snippets do not run. */
static double one_call_ms(const char *setup, const char *call)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    double ms = -1;
    if (luaL_dostring(L, setup) == LUA_OK && luaL_loadstring(L, call) == LUA_OK) {
        double t0 = now_ms();
        if (lua_pcall(L, 0, 0, 0) == LUA_OK)
            ms = now_ms() - t0;
    }
    lua_close(L);
    return ms;
}

/* A loop of heavy C calls (6 VM instructions per call: the hook's own clock
 * reads come ~160 calls apart, seconds) is stopped within a call or two of
 * its deadline: string.rep and table.concat. Returns 0, or -1 with the
 * reason in why (no Check assertions: a forked child uses it too). */
static int c_loop_stops(kh_sandbox *sb, const char *setup, const char *call, char *why,
                        size_t why_size)
{
    double one = one_call_ms(setup, call);
    if (one < 0) {
        snprintf(why, why_size, "%s / %s: does not run in plain Lua", setup, call);
        return -1;
    }
    char src[512];
    snprintf(src, sizeof src, "%s while true do %s end", setup, call);
    char msg[256] = "";
    double t0 = now_ms();
    int rc = try_run_named(sb, "loop.lua", src, NULL, msg, sizeof msg);
    double ms = now_ms() - t0;
    if (rc != KH_ELIMIT || strcmp(msg, "loop.lua: time limit exceeded (300 ms)") != 0) {
        snprintf(why, why_size, "%s: rc %d, '%s', want the 300 ms time limit", call, rc, msg);
        return -1;
    }
    /* under valgrind (KH_VALGRIND) on a loaded machine, wider: there the
     * point is memory errors, and a stop at all shows the watchdog works */
    double slack = getenv("KH_VALGRIND") ? 10000 : 1000;
    if (!(ms >= 300 && ms < 300 + 20 * one + slack)) {
        snprintf(why, why_size, "%s: stopped after %.0f ms (one call: %.1f ms)", call, ms, one);
        return -1;
    }
    return 0;
}

static void assert_c_loop_stopped(kh_sandbox *sb, const char *setup, const char *call)
{
    char why[512] = "";
    ck_assert_msg(c_loop_stops(sb, setup, call, why, sizeof why) == 0, "%s", why);
}

START_TEST(test_sandbox__watchdog_stops_runaway_c_loops)
{
    kh_sandbox *sb = new_sandbox(4000000000UL, (size_t)96 << 20, 300);
    assert_c_loop_stopped(sb, "t = {} for i = 1, 1e6 do t[i] = 'abcdefghij' end",
                          "local s = table.concat(t)");
    assert_c_loop_stopped(sb, "u = 'abcdefghij'", "local s = u:rep(2e6)");
    /* and the next ordinary run is not affected */
    kh_sandbox__set_timeout(sb, 60000);
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

/* The watchdog's signal landing in the count hook between its clock read
 * (deadline not yet passed) and its re-arm is not lost: the run stops on
 * the next instruction, not a chunk of instructions later (in a loop of
 * heavy C calls, seconds). The probe sleeps through the deadline at that
 * very point, so the timer's signal arrives there every time. */
typedef struct race_probe {
    int fired;
    long ticks;          /* calls of tick() so far */
    long ticks_at_probe; /* ... when the probe returned */
    double deadline_ms;  /* now_ms() at the deadline, roughly */
} race_probe;

static int race_tick(lua_State *L)
{
    race_probe *p = lua_touserdata(L, lua_upvalueindex(1));
    p->ticks++;
    return 0;
}

static void race_prepare(lua_State *L, int env, void *ctx)
{
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, race_tick, 1);
    lua_setfield(L, env, "tick");
}

static void race_sleep_through_deadline(lua_State *L, void *ctx)
{
    (void)L;
    race_probe *p = ctx;
    if (p->fired)
        return;
    p->fired = 1;
    /* the signal interrupts the sleep (EINTR): sleep on until well past */
    while (now_ms() < p->deadline_ms + 50) {
        struct timespec ms10 = {0, 10 * 1000000L};
        nanosleep(&ms10, NULL);
    }
    p->ticks_at_probe = p->ticks;
}

START_TEST(test_sandbox__watchdog_signal_at_rearm_not_lost)
{
    kh_sandbox *sb = new_sandbox(4000000000UL, 0, 200);
    race_probe p = {0};
    kh_sandbox__set_hook_probe(sb, race_sleep_through_deadline, &p);
    int id = compile(sb, "race.lua", "while true do tick() end");
    kh_error err;
    kh_error_clear(&err);
    p.deadline_ms = now_ms() + 200;
    ck_assert_int_eq(kh_sandbox_run(sb, id, race_prepare, NULL, &p, &err), KH_ELIMIT);
    char msg[256];
    ck_assert_str_eq(kh_error_format(&err, msg, sizeof msg),
                     "race.lua: time limit exceeded (200 ms)");
    ck_assert_int_eq(p.fired, 1);
    /* one loop iteration is 4 instructions: a lost signal lets ~250 more
     * ticks run before the next chunk's clock read */
    ck_assert_msg(p.ticks - p.ticks_at_probe <= 1, "%ld ticks after the deadline's signal",
                  p.ticks - p.ticks_at_probe);
    kh_sandbox__set_hook_probe(sb, NULL, NULL);
    kh_sandbox__set_timeout(sb, 60000); /* the canary, under valgrind too */
    assert_unaffected(sb);
    kh_sandbox_free(sb);
}
END_TEST

/* A POSIX timer is not inherited: a sandbox that ran (and made its timer)
 * before a fork makes its own in the child, and the watchdog still stops a
 * C-heavy loop there; the parent's timer still works afterwards. */
START_TEST(test_sandbox__watchdog_after_fork)
{
    kh_sandbox *sb = new_sandbox(4000000000UL, (size_t)96 << 20, 300);
    assert_unaffected(sb);
    /* The child checks without Check's assertions (under CK_FORK=no a
     * failed one would unwind into the child's copy of the test runner) and
     * sends its first failure back through a pipe. */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        char why[1200] = "";
        kh_sandbox *other = new_sandbox(4000000000UL, 0, 60000);
        int bad = canary(other, why, sizeof why) /* a timer of the child's, maybe with the parent's id */
               || c_loop_stops(sb, "u = 'abcdefghij'", "local s = u:rep(2e6)", why, sizeof why)
               || canary(other, why, sizeof why);
        kh_sandbox_free(other);
        kh_sandbox_free(sb);
        if (bad && write(fds[1], why, strlen(why)) < 0)
            bad = 2;
        close(fds[1]);
        _exit(bad ? 1 : 0);
    }
    close(fds[1]);
    char why[1200] = "";
    ssize_t got = read(fds[0], why, sizeof why - 1);
    why[got > 0 ? got : 0] = '\0';
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %d): %s",
                  status, why);
    assert_c_loop_stopped(sb, "u = 'abcdefghij'", "local s = u:rep(2e6)");
    kh_sandbox_free(sb);
}
END_TEST

static Suite *kh_sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("escapes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sandbox__dangerous_libraries_absent);
    tcase_add_test(tc, test_sandbox__bytecode_refused);
    tcase_add_test(tc, test_sandbox__compile_error_names_file_and_line);
    tcase_add_test(tc, test_sandbox__endless_loop_stopped);
    tcase_add_test(tc, test_sandbox__pcall_cannot_swallow_a_limit);
    tcase_add_test(tc, test_sandbox__wall_clock_stops_a_slow_script);
    tcase_add_test(tc, test_sandbox__memory_bombs_stopped);
    tcase_add_test(tc, test_sandbox__collections_between_runs_and_at_the_cap);
    tcase_add_test(tc, test_sandbox__string_metatable_is_locked);
    tcase_add_test(tc, test_sandbox__tampering_does_not_leak_into_the_next_run);
    tcase_add_test(tc, test_sandbox__libraries_run_in_each_fresh_environment);
    tcase_add_test(tc, test_sandbox__deep_recursion_is_an_error_not_a_crash);
    tcase_add_test(tc, test_sandbox__error_objects);
    tcase_add_test(tc, test_sandbox__costly_c_calls_refused);
    tcase_add_test(tc, test_sandbox__prelude_helpers);
    tcase_add_test(tc, test_sandbox__prepare_and_inspect_callbacks);
    suite_add_tcase(s, tc);
    tc = tcase_create("watchdog");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_sandbox__watchdog_tiny_deadlines_trip_no_normal_run);
    tcase_add_test(tc, test_sandbox__watchdog_stray_signals_trip_nothing);
    tcase_add_test(tc, test_sandbox__watchdog_stops_runaway_c_loops);
    tcase_add_test(tc, test_sandbox__watchdog_after_fork);
    tcase_add_test(tc, test_sandbox__watchdog_signal_at_rearm_not_lost);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_sandbox_suite)

/* check_sandbox_escape.c — the Lua sandbox escape suite: hostile rule
 * scripts (bytecode, the debug library, tampering, endless loops, memory
 * bombs, backtracking patterns, deep recursion, __gc/__close abuse, hostile
 * error objects and return values, rule API abuse, address leaks, state
 * carried between runs, limits a pcall would like to catch, C calls that
 * burn time without running VM instructions). Every case runs through the
 * public kh_rules API in a scheme of four indicators: the hostile one must
 * be `error` (a message fragment, its script's name, 0 points), the other
 * three must score as usual, and the next report scored with the same
 * kh_rules must equal a clean baseline. */
#include "kh_test_util.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kaohe/score.h"
#include "sandbox.h"

/* ---- the scheme the hostile script runs in ------------------------------- */

/* Limits of the ordinary cases: low, so that a hostile loop costs little
 * (also under valgrind), with a clock generous enough that only the
 * instruction and memory limits trip. */
#define LIMITS_DEFAULT "  instructions: 1000000\n  memory_mb: 8\n  timeout_ms: 120000\n"
/* Limits of the watchdog cases: only the clock can stop them. */
#define LIMITS_CLOCK "  instructions: 4000000000\n  memory_mb: 64\n  timeout_ms: 300\n"

#define INSTRUCTION_TRIP "x01.lua: instruction limit exceeded (1000000)"
#define MEMORY_TRIP "x01.lua: memory limit exceeded (8 MiB)"
#define TIME_TRIP "x01.lua: time limit exceeded (300 ms)"

/* A-01 (10 points): rate × MAX / 100. */
static const char A01[] =
    "local r = fact('litigation.head_appearance_rate')\n"
    "if r == nil then return missing() end\n"
    "return score(MAX * r / 100, 'rate', string.format('r = %s', fmt(r)))\n";

/* B-01 (30 points): the closed count, clamped. */
static const char B01[] =
    "local c = fact('review.closed')\n"
    "return score(clamp(c, 0, MAX), 'closed', 'closed ' .. fmt(c))\n";

/* C-01 (40 points), the canary: runs after the hostile script in the same
 * report and fails if anything the hostile script did is visible. */
static const char C01[] =
    "assert(stash == nil and leak == nil and LEAK == nil and saved == nil, 'global leaked')\n"
    "assert(getmetatable(_G) == nil and _G == _ENV, 'environment tampered')\n"
    "assert(getmetatable('') == false, 'string metatable unlocked')\n"
    "assert(string.rep('ab', 2) == 'abab' and ('x'):rep(3) == 'xxx', 'string.rep tampered')\n"
    "assert(('%d|%s'):format(7, 'y') == '7|y' and string.format('%5.1f', 2.25) == '  2.2', 'format tampered')\n"
    "assert(('abc'):upper() == 'ABC' and string.upper('a') == 'A' and ('abc'):len() == 3, 'string methods tampered')\n"
    "assert(('a,b'):find(',') == 2 and ('x=1'):match('=(%d)') == '1', 'patterns tampered')\n"
    "assert(math.floor(2.5) == 2 and math.huge > 0 and math.pi > 3.14 and math.pi < 3.15, 'math tampered')\n"
    "local t = {3, 1, 2} table.sort(t) table.insert(t, 4) table.insert(t, 1, 0)\n"
    "assert(table.remove(t, 1) == 0 and table.concat(t, ',') == '1,2,3,4', 'table tampered')\n"
    "assert(#table.move({1, 2}, 1, 2, 1, {}) == 2 and select('#', table.unpack({1, 2})) == 2, 'table tampered')\n"
    "assert(utf8.char(72) == 'H' and utf8.len('考核') == 2, 'utf8 tampered')\n"
    "assert(type(pcall) == 'function' and type(xpcall) == 'function' and type(error) == 'function', 'base tampered')\n"
    "assert(type(setmetatable) == 'function' and type(next) == 'function' and type(select) == 'function', 'base tampered')\n"
    "assert(tostring(nil) == 'nil' and tostring(1.5) == '1.5' and tostring({}) == 'table: 0x…', 'tostring tampered')\n"
    "assert(fmt(13.475) == '13.48' and clamp(5, 0, 3) == 3 and round2(2.675) == 2.68, 'helpers tampered')\n"
    "assert(percent(1, 4) == 25 and days_between('2025-03-01', '2025-03-02') == 1, 'helpers tampered')\n"
    "assert(lib_helper(2) == 4 and LIB_TABLE.x == 1 and LIB_TABLE.y == nil and LIB_COUNT == 1, 'lib tampered')\n"
    "assert(MAX == 40 and ID == 'C-01' and TOTAL == 100 and YEAR == 2024, 'constants tampered')\n"
    "assert(type(fact) == 'function' and type(score) == 'function' and param('pts') == 1, 'API tampered')\n"
    "assert(load == nil and debug == nil and io == nil and os == nil and print == nil, 'library reachable')\n"
    "local ok, m = pcall(error, 'e', 0) assert(not ok and m == 'e', 'pcall tampered')\n"
    "return score(MAX, 'canary', 'cases ' .. fmt(fact('litigation.cases')))\n";

/* Every run defines these afresh; C-01 checks them. */
static const char LIB_UTIL[] =
    "LIB_COUNT = (LIB_COUNT or 0) + 1\n"
    "LIB_TABLE = {x = 1}\n"
    "function lib_helper(x) return 2 * x end\n";

/* The two reports, and what the ordinary indicators make of them. */
typedef struct report_spec {
    double cases, rate, closed;
    double a01, b01;           /* points */
    const char *a01_why, *b01_why, *c01_why;
} report_spec;

static const report_spec REPORT_A = {24, 80, 12, 8, 12, "r = 80", "closed 12", "cases 24"};
static const report_spec REPORT_B = {7, 50, 25, 5, 25, "r = 50", "closed 25", "cases 7"};

static char scheme_dir[64];

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    write_file(dir, name, text, strlen(text));
}

/* Write the scheme with the hostile script x01.lua (len bytes: it may be
 * bytecode) and an extra library file (NULL: none). Loads it; caller frees. */
static kh_scheme *escape_scheme(const char *hostile, size_t len, const char *limits,
                                const char *extra_lib, size_t extra_len)
{
    snprintf(scheme_dir, sizeof scheme_dir, "/tmp/kh_escape_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scheme_dir));
    char lib[128];
    snprintf(lib, sizeof lib, "%s/lib", scheme_dir);
    ck_assert_int_eq(mkdir(lib, 0700), 0);
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "id: escape\nname: escape\nversion: \"1\"\ntotal: 100\nmissing: zero\n"
             "grades:\n  - {name: 优秀, min: 90}\n  - {name: 合格, min: 60}\n"
             "  - {name: 不合格, min: 0}\n"
             "params:\n  pts: 1\n"
             "limits:\n%s"
             "indicators:\n"
             "  - {id: A-01, name: 甲, max: 10, script: a01.lua,\n"
             "     facts: [litigation.head_appearance_rate]}\n"
             "  - {id: X-01, name: 敌, max: 20, script: x01.lua,\n"
             "     facts: [litigation.cases, review.closed, litigation.head_appearance_rate]}\n"
             "  - {id: B-01, name: 乙, max: 30, script: b01.lua, facts: [review.closed]}\n"
             "  - {id: C-01, name: 丙, max: 40, script: c01.lua, facts: [litigation.cases]}\n",
             limits ? limits : LIMITS_DEFAULT);
    write_text(scheme_dir, "scheme.yaml", yaml);
    write_text(scheme_dir, "a01.lua", A01);
    write_text(scheme_dir, "b01.lua", B01);
    write_text(scheme_dir, "c01.lua", C01);
    write_file(scheme_dir, "x01.lua", hostile, len);
    write_text(scheme_dir, "lib/util.lua", LIB_UTIL);
    if (extra_lib)
        write_file(scheme_dir, "lib/zz_extra.lua", extra_lib, extra_len);
    kh_scheme *scheme = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_scheme_load(&scheme, scheme_dir, &diags, &err);
    ck_assert_msg(rc == KH_OK, "scheme: %s (line %d)", err.message, err.line);
    kh_diag_list_free(&diags);
    return scheme;
}

static void scheme_cleanup(void)
{
    char cmd[128];
    if (!scheme_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scheme_dir);
    ck_assert_int_eq(system(cmd), 0);
    scheme_dir[0] = '\0';
}

static kh_rules *rules_for(const kh_scheme *scheme)
{
    kh_rules *rules = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    int rc = kh_rules_new(&rules, scheme, &diags, &err);
    ck_assert_msg(rc == KH_OK, "rules: %s:%d: %s", err.file, err.line, err.message);
    kh_diag_list_free(&diags);
    return rules;
}

static void add_number(kh_factset *set, const char *key, double v, int line)
{
    kh_fact f;
    memset(&f, 0, sizeof f);
    char ev[128];
    snprintf(ev, sizeof ev, "%s evidence", key);
    f.key = (char *)key;
    f.type = KH_VALUE_NUMBER;
    f.number = v;
    f.evidence.text = ev;
    f.evidence.line = line;
    f.evidence.column = 1;
    f.unit = (char *)"count";
    f.plugin = (char *)"escape";
    f.confidence = 90;
    ck_assert_int_eq(kh_factset_add(set, &f), KH_OK);
}

static kh_report_score *score_report(kh_rules *rules, const report_spec *r)
{
    kh_factset *facts = NULL;
    ck_assert_int_eq(kh_factset_new(&facts), KH_OK);
    add_number(facts, "litigation.cases", r->cases, 1);
    add_number(facts, "litigation.head_appearance_rate", r->rate, 2);
    add_number(facts, "review.closed", r->closed, 3);
    kh_report_score *s = NULL;
    kh_error err;
    ck_assert_int_eq(kh_rules_score(rules, facts, "r.txt", "某区", 2024, &s, &err), KH_OK);
    kh_factset_free(facts);
    return s;
}

/* ---- assertions ------------------------------------------------------------ */

/* "0x" and four hex digits or more: a heap, stack or code address. */
static int shows_address(const char *s)
{
    for (const char *p = s ? strstr(s, "0x") : NULL; p; p = strstr(p + 2, "0x")) {
        int n = 0;
        while (n < 4 && ((p[2 + n] >= '0' && p[2 + n] <= '9') ||
                         (p[2 + n] >= 'a' && p[2 + n] <= 'f') ||
                         (p[2 + n] >= 'A' && p[2 + n] <= 'F')))
            n++;
        if (n == 4)
            return 1;
    }
    return 0;
}

/* fragment, or one of "a|b|c". */
static int contains_one_of(const char *s, const char *fragments)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", fragments);
    char *save = NULL;
    for (char *f = strtok_r(buf, "|", &save); f; f = strtok_r(NULL, "|", &save))
        if (strstr(s, f))
            return 1;
    return 0;
}

static const kh_indicator_result *result_of(const kh_report_score *s, const char *id)
{
    for (size_t i = 0; i < s->indicators_count; i++)
        if (strcmp(s->indicators[i].indicator->id, id) == 0)
            return &s->indicators[i];
    ck_abort_msg("no result for %s", id);
    return NULL;
}

static void assert_scored(const kh_indicator_result *r, double points, const char *branch,
                          const char *why, const char *name)
{
    ck_assert_msg(r->status == KH_STATUS_SCORED, "%s: %s is %s (%s)", name, r->indicator->id,
                  kh_status_name(r->status), r->error ? r->error : "");
    ck_assert_msg(r->points == points, "%s: %s has %g points, want %g", name,
                  r->indicator->id, r->points, points);
    ck_assert_str_eq(r->branch, branch);
    ck_assert_str_eq(r->explanation, why);
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_same_result(const kh_indicator_result *a, const kh_indicator_result *b,
                               const char *name)
{
    const char *id = a->indicator->id;
    ck_assert_msg(a->status == b->status && a->points == b->points && a->line == b->line &&
                      a->excluded == b->excluded,
                  "%s: %s differs from the baseline: %s %g line %d vs %s %g line %d", name, id,
                  kh_status_name(a->status), a->points, a->line, kh_status_name(b->status),
                  b->points, b->line);
    ck_assert_msg(str_eq(a->error, b->error), "%s: %s error '%s', baseline '%s'", name, id,
                  a->error ? a->error : "(none)", b->error ? b->error : "(none)");
    ck_assert_msg(str_eq(a->branch, b->branch) && str_eq(a->explanation, b->explanation),
                  "%s: %s explanation '%s', baseline '%s'", name, id,
                  a->explanation ? a->explanation : "(none)",
                  b->explanation ? b->explanation : "(none)");
    ck_assert_uint_eq(a->missing_count, b->missing_count);
    for (size_t k = 0; k < a->missing_count; k++)
        ck_assert_str_eq(a->missing[k], b->missing[k]);
    ck_assert_uint_eq(a->facts_count, b->facts_count);
    for (size_t k = 0; k < a->facts_count; k++) {
        ck_assert_str_eq(a->facts[k].key, b->facts[k].key);
        ck_assert(a->facts[k].number == b->facts[k].number);
        ck_assert(str_eq(a->facts[k].evidence.text, b->facts[k].evidence.text));
    }
}

static void assert_same_report(const kh_report_score *a, const kh_report_score *b,
                               const char *name)
{
    ck_assert_uint_eq(a->indicators_count, b->indicators_count);
    for (size_t i = 0; i < a->indicators_count; i++)
        assert_same_result(&a->indicators[i], &b->indicators[i], name);
    ck_assert_msg(a->total == b->total, "%s: total %g, baseline %g", name, a->total, b->total);
    ck_assert(str_eq(a->grade, b->grade));
}

/* ---- the cases ---------------------------------------------------------------- */

typedef struct escape_case {
    const char *name;
    const char *script;   /* x01.lua */
    const char *fragment; /* in X-01's error ("a|b": one of them) */
    const char *limits;   /* YAML lines under limits:, NULL = LIMITS_DEFAULT */
    double points;        /* < 0: X-01 must be an error; else scored, fragment = branch */
} escape_case;

#define ERR(name, script, fragment) {name, script, fragment, NULL, -1}
#define CLOCK(name, script) {name, script, TIME_TRIP, LIMITS_CLOCK, -1}
#define SCORED(name, script, branch, points) {name, script, branch, NULL, points}

static const escape_case cases[] = {
    /* -- bytecode: no loader is reachable (files: see bytecode_files_refused) */
    ERR("bytecode_load_dump", "return load(string.dump(function() end))()", "field 'dump'"),
    ERR("bytecode_header_chunk",
        "local f = load or loadstring or dofile or loadfile or require\n"
        "return f('\\27Lua\\84\\0\\25\\147\\13\\10\\26\\10')", "local 'f'"),
    ERR("bytecode_mode_b", "return load('return 1', 'x', 'b')", "global 'load'"),
    ERR("bytecode_dump_method", "return ('').dump(function() end)", "field 'dump'"),

    /* -- the debug library, directly and by the usual back doors */
    ERR("debug_global", "return debug.getregistry()", "global 'debug'"),
    ERR("debug_via_G", "local d = _G.debug or _ENV.debug or rawget(_G, 'debug')\n"
                       "error('debug is ' .. type(d))", "debug is nil"),
    ERR("debug_via_package", "return package.loaded.debug", "global 'package'"),
    ERR("debug_via_string_metatable",
        "local mt = getmetatable('')\n"
        "local d = mt and mt.__index and mt.__index.debug or nil\n"
        "error('string metatable: ' .. tostring(mt) .. ' ' .. type(d) .. ' ' .. type(('').debug))",
        "string metatable: false nil nil"),
    ERR("debug_via_getmetatable_of_functions",
        "error('metatables: ' .. type(getmetatable(print or tostring)) .. ' ' ..\n"
        "      type(getmetatable(fact)) .. ' ' .. type(getmetatable(1)) .. ' ' .. type(getmetatable(nil)))",
        "metatables: nil nil nil nil"),
    ERR("debug_scan_everything",
        "local banned = {debug = 1, load = 1, loadstring = 1, dofile = 1, loadfile = 1,\n"
        "  require = 1, package = 1, io = 1, os = 1, coroutine = 1, collectgarbage = 1,\n"
        "  rawset = 1, print = 1, warn = 1, dump = 1, random = 1, randomseed = 1,\n"
        "  getregistry = 1, getupvalue = 1, setupvalue = 1, sethook = 1, upvaluejoin = 1,\n"
        "  getlocal = 1, setlocal = 1, getinfo = 1, newproxy = 1, setfenv = 1, getfenv = 1}\n"
        "local bad, seen = {}, {}\n"
        "local function scan(t, path)\n"
        "  if seen[t] then return end seen[t] = true\n"
        "  for k, v in pairs(t) do\n"
        "    if banned[k] then bad[#bad + 1] = path .. tostring(k) end\n"
        "    if type(v) == 'table' then scan(v, path .. tostring(k) .. '.') end\n"
        "  end\n"
        "end\n"
        "scan(_G, '')\n"
        "table.sort(bad)\n"
        "error('reachable: [' .. table.concat(bad, ',') .. ']')",
        "reachable: []"),

    /* -- tampering: nothing reaches the next indicator (C-01 checks) */
    ERR("tamper_G",
        "setmetatable(_G, {__index = function(_, k) return 'fake_' .. k end,\n"
        "                  __newindex = function() end})\n"
        "stash = 1 leak = 1\n"
        "error('env: ' .. tostring(undefined_global))", "env: fake_undefined_global"),
    ERR("tamper_G_replace", "_G = nil _ENV.string = nil stash = {} error('replaced')",
        "x01.lua:1: replaced"),
    ERR("tamper_string_metatable",
        "local ok1 = pcall(function() getmetatable('').__index.rep = function() return 'p' end end)\n"
        "local ok2 = pcall(function() local s = '' s.rep = nil end)\n"
        "local ok3 = pcall(setmetatable, '', {})\n"
        "error(string.format('string mt: %s %s %s', tostring(ok1), tostring(ok2), tostring(ok3)))",
        "string mt: false false false"),
    ERR("tamper_libraries",
        "string.rep = function() return 'p' end string.format = nil string.find = nil\n"
        "table.insert = function() end table.sort = nil table.concat = nil\n"
        "math.floor = function() return 99 end math.pi = 3 utf8.char = nil\n"
        "error('libs: ' .. ('x'):rep(2) .. ('%d'):format(1) .. ('abc'):find('b'))",
        "libs: xx12"),
    ERR("tamper_string_copy_vs_methods",
        "string.upper = function() return 'pwned' end\n"
        "error(('a'):upper() .. string.upper('a'))", "Apwned"),
    ERR("tamper_api",
        "fact = nil score = function() return 'fake' end missing = nil param = 42\n"
        "fmt = nil clamp = nil MAX = 1e9 ID = 'A-01' TOTAL = 0 YEAR = 1\n"
        "error('api tampered')", "api tampered"),
    ERR("tamper_base",
        "pcall = function() return true end xpcall = nil setmetatable = nil\n"
        "tostring = nil next = nil select = nil getmetatable = nil\n"
        "error('base tampered')", "base tampered"),
    ERR("tamper_lib_globals",
        "LIB_TABLE.x = 2 LIB_TABLE.y = 'p' lib_helper = function() return 99 end\n"
        "LIB_COUNT = 99 error('lib: ' .. LIB_COUNT)", "lib: 99"),

    /* -- endless loops */
    ERR("loop_plain", "while true do end", INSTRUCTION_TRIP),
    ERR("loop_repeat", "local i = 0 repeat i = i + 1 until false", INSTRUCTION_TRIP),
    ERR("loop_goto", "::top:: goto top", INSTRUCTION_TRIP),
    ERR("loop_recursive_tail_call", "local function f() return f() end return f()",
        INSTRUCTION_TRIP),
    ERR("loop_coroutine_absent",
        "local co = coroutine and coroutine.wrap(function() while true do end end)\n"
        "error('coroutine is ' .. type(coroutine))", "coroutine is nil"),
    ERR("loop_in_index",
        "local t = setmetatable({}, {__index = function() while true do end end})\n"
        "return t.x", INSTRUCTION_TRIP),
    ERR("loop_in_eq",
        "local mt = {__eq = function() while true do end end}\n"
        "local a, b = setmetatable({}, mt), setmetatable({}, mt) return a == b", INSTRUCTION_TRIP),
    ERR("loop_in_lt",
        "local mt = {__lt = function() while true do end end}\n"
        "local a, b = setmetatable({}, mt), setmetatable({}, mt) return a < b", INSTRUCTION_TRIP),
    ERR("loop_in_concat",
        "local t = setmetatable({}, {__concat = function() while true do end end})\n"
        "return t .. 'x'", INSTRUCTION_TRIP),
    ERR("loop_in_len", "return #setmetatable({}, {__len = function() while true do end end})",
        INSTRUCTION_TRIP),
    ERR("loop_in_pairs",
        "for k in pairs(setmetatable({}, {__pairs = function() while true do end end})) do end",
        INSTRUCTION_TRIP),
    ERR("loop_ipairs_forever",
        "for i in ipairs(setmetatable({}, {__index = function(_, i) return i end})) do end",
        INSTRUCTION_TRIP),
    ERR("loop_in_gsub_callback", "return ('aaa'):gsub('a', function() while true do end end)",
        INSTRUCTION_TRIP),
    ERR("loop_in_sort_comparator",
        "local t = {3, 2, 1} table.sort(t, function() while true do end end)", INSTRUCTION_TRIP),
    ERR("loop_in_pcall",
        "for i = 1, 100 do pcall(function() while true do end end) end error('escaped')",
        INSTRUCTION_TRIP),
    ERR("loop_in_xpcall",
        "local ok = xpcall(function() while true do end end, function(m) return m end)\n"
        "error('escaped')", INSTRUCTION_TRIP),
    ERR("loop_in_xpcall_handler",
        "xpcall(error, function() while true do end end) error('escaped')", INSTRUCTION_TRIP),
    ERR("loop_handler_keeps_going",
        "local function h(m) return select(2, pcall(function() while true do end end)) end\n"
        "for i = 1, 50 do xpcall(function() while true do end end, h) end error('escaped')",
        INSTRUCTION_TRIP),
    ERR("loop_nested_pcall",
        "local function spin() while true do end end\n"
        "for i = 1, 100 do pcall(pcall, pcall, spin) end error('escaped')", INSTRUCTION_TRIP),
    ERR("loop_in_close",
        "local t = setmetatable({}, {__close = function() while true do end end})\n"
        "do local x <close> = t end error('escaped')", INSTRUCTION_TRIP),
    ERR("loop_close_after_limit",
        "local t = setmetatable({}, {__close = function() while true do end end})\n"
        "do local x <close> = t; while true do end end error('escaped')", INSTRUCTION_TRIP),
    ERR("loop_close_swallows_limit",
        "local ok, m = pcall(function()\n"
        "  local g <close> = setmetatable({}, {__close = function() error('swallowed', 0) end})\n"
        "  while true do end\n"
        "end)\n"
        "error('escaped: ' .. tostring(m))", INSTRUCTION_TRIP),

    /* -- memory bombs */
    ERR("mem_string_rep", "return string.rep('x', 1e9)", MEMORY_TRIP),
    ERR("mem_rep_separator", "return ('x'):rep(1 << 29, ',')", MEMORY_TRIP),
    ERR("mem_one_huge_allocation", "return ('x'):rep((1 << 31) - 2)", MEMORY_TRIP),
    ERR("mem_too_large_for_lua", "return ('x'):rep(1 << 40)", "resulting string too large"),
    ERR("mem_concat_loop", "local s = 'x' while true do s = s .. s end", MEMORY_TRIP),
    ERR("mem_table_growth", "local t = {} for i = 1, 1e9 do t[i] = i end", MEMORY_TRIP),
    ERR("mem_table_hash_growth",
        "local t = {} local i = 0 while true do i = i + 1 t['k' .. i] = {} end", MEMORY_TRIP),
    ERR("mem_unpack_huge_range", "return table.unpack({}, 1, 1e8)", "too many results to unpack"),
    ERR("mem_unpack_via_index",
        "return select('#', table.unpack(setmetatable({}, {__index = function() return 1 end}), 1, 900000))",
        MEMORY_TRIP "|" INSTRUCTION_TRIP "|too many results"),
    ERR("mem_concat_huge",
        "return table.concat(setmetatable({}, {__index = function() return ('z'):rep(1e5) end}), '', 1, 1000)",
        MEMORY_TRIP),
    ERR("mem_format_width", "return string.format('%099999d', 1)", "invalid conversion"),
    ERR("mem_format_many",
        "local t = {} for i = 1, 1e6 do t[i] = string.format('%99.99f', 1e308) end", MEMORY_TRIP),
    ERR("mem_coroutine_spam_absent",
        "for i = 1, 1e6 do coroutine.create(function() end) end", "global 'coroutine'"),
    ERR("mem_pcall_swallow",
        "for i = 1, 100 do pcall(string.rep, 'x', 1e9) end error('escaped')", MEMORY_TRIP),
    ERR("mem_xpcall_swallow",
        "xpcall(function() local s = 'x' while true do s = s .. s end end, function(e) return e end)\n"
        "error('escaped')", MEMORY_TRIP),
    ERR("mem_close_swallows_error",
        "local ok, m = pcall(function()\n"
        "  local g <close> = setmetatable({}, {__close = function() error('swallowed', 0) end})\n"
        "  local s = 'x' while true do s = s .. s end\n"
        "end)\n"
        "error('escaped: ' .. tostring(m))", MEMORY_TRIP),
    ERR("mem_close_swallows_buffer_error",
        "local ok, m = pcall(function()\n"
        "  local g <close> = setmetatable({}, {__close = function() error('swallowed', 0) end})\n"
        "  return string.rep('x', 1e9)\n"
        "end)\n"
        "error('escaped: ' .. tostring(m))", MEMORY_TRIP),
    ERR("mem_in_recursion",
        "local function f(n) local s = ('x'):rep(1e5) .. n return f(n + 1) .. s end return f(1)",
        MEMORY_TRIP "|stack overflow"),

    /* -- pattern backtracking */
    ERR("pattern_optional_run",
        "return ('a'):rep(40):match(('a?'):rep(40) .. ('a'):rep(40))", "pattern too complex"),
    ERR("pattern_nested_quantifiers", "return ('a'):rep(5000):find('.-.-.-.-b')",
        "pattern too complex"),
    ERR("pattern_star_star", "return ('a'):rep(3000):match('(a*)*b')", "pattern too complex"),
    ERR("pattern_gsub_many_captures",
        "return ('ab'):rep(2000):gsub('(a)(b)(.-)(.-)(.-)x', '%1')", "pattern too complex"),
    ERR("pattern_too_many_captures", "return ('a'):gsub(('(a?)'):rep(40), '')",
        "pattern too complex|too many captures"),
    ERR("pattern_backreferences", "return ('a'):rep(5000):find('(.*)%1%1%1b')",
        "pattern too complex"),
    ERR("pattern_balance", "return ('('):rep(20000):find('%b()%b()')", "pattern too complex"),
    ERR("pattern_gmatch", "for x in ('a'):rep(3000):gmatch('a-a-a-b') do end",
        "pattern too complex"),
    ERR("pattern_plain_find",
        "return ('a'):rep(2e6):find(('a'):rep(2500) .. 'b', 1, true)", "plain find too costly"),
    ERR("pattern_find_huge_init",
        "error('find: ' .. tostring(string.find(('a'):rep(100), 'a', 1 << 62)) .. ' ' ..\n"
        "      tostring(string.find('abc', 'b', math.mininteger)) .. ' ' ..\n"
        "      tostring(('abc'):find('c', -(1 << 62), true)))", "find: nil 2 3"),

    /* -- deep recursion */
    ERR("recursion_lua", "local function f(n) return f(n + 1) + 1 end return f(1)",
        "stack overflow|" MEMORY_TRIP),
    ERR("recursion_index",
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x",
        "stack overflow"),
    ERR("recursion_tostring",
        "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end})\n"
        "return tostring(t)", "stack overflow"),
    ERR("recursion_concat",
        "local mt = {} mt.__concat = function(a, b) return a .. b end\n"
        "return setmetatable({}, mt) .. 'x'", "stack overflow"),
    ERR("recursion_gsub", "local function f(s) return (s:gsub('.', f)) end return f('ab')",
        "stack overflow"),
    ERR("recursion_sort",
        "local t = {1, 2, 3} local function c(a, b) table.sort(t, c) return a < b end\n"
        "table.sort(t, c)", "stack overflow"),
    ERR("recursion_rep",
        "local function f(n) return f(n + 1) .. ('y'):rep(1000) end return f(1)",
        "stack overflow|" MEMORY_TRIP),
    ERR("recursion_nested_pcall",
        "local function f() return pcall(f) end f() error('survived')", "x01.lua:1: survived"),
    ERR("recursion_error_handler",
        "local function h(e) error(e) end local ok, m = xpcall(error, h)\n"
        "error('handler: ' .. tostring(ok))", "handler: false"),

    /* -- __gc and __close */
    ERR("gc_refused", "setmetatable({}, {__gc = function() while true do end end})",
        "__gc metamethods are not allowed"),
    ERR("gc_false_refused", "setmetatable({}, {__gc = false})",
        "__gc metamethods are not allowed"),
    ERR("gc_added_later",
        "local mt = {} local t = setmetatable({}, mt)\n"
        "mt.__gc = function() stash = 1 while true do end end t = nil\n"
        "error('late __gc')", "late __gc"),
    /* -- weak tables: refused in setmetatable; one made weak afterwards (Lua
     *    reads __mode at collection time) sees no collection unless its run
     *    reaches the memory cap, and that run starts on a collected heap, so
     *    what it sees never depends on earlier runs or reports. */
    ERR("weak_mode_refused", "setmetatable({}, {__mode = 'k'})",
        "x01.lua:1: __mode (weak tables) is not allowed"),
    ERR("weak_mode_false_refused", "local mt = {__mode = false}\nsetmetatable({}, mt)",
        "x01.lua:2: __mode (weak tables) is not allowed"),
    SCORED("weak_mode_added_later_sees_no_collection",
           "local mt = {} local t = setmetatable({}, mt) mt.__mode = 'k'\n"
           "t[{}] = true for i = 1, 20000 do local x = {i} end\n"
           "return score(1, next(t) and 'kept' or 'collected')", "kept", 1),
    SCORED("weak_mode_added_later_at_the_cap",
           "local mt = {} local t = setmetatable({}, mt) mt.__mode = 'k' t[{}] = true\n"
           "local keep = {} for i = 1, 12000 do keep[i] = ('k'):rep(300) .. i end\n"
           "local s for i = 1, 20000 do s = ('x'):rep(1000) .. i end\n"
           "return score(#keep // 6000, next(t) and 'kept' or 'collected')", "collected", 2),
    ERR("memory_live_over_the_cap_after_garbage",
        "local s for i = 1, 5000 do s = ('x'):rep(1000) .. i end\n"
        "local keep = {} for i = 1, 1e5 do keep[i] = ('k'):rep(300) .. i end", MEMORY_TRIP),
    ERR("close_error", "do local x <close> = setmetatable({}, {__close = function() error('close failed') end}) end\n"
                       "error('not reached')", "close failed"),
    ERR("close_not_closable", "local x <close> = {}", "non-closable value"),
    ERR("close_after_score",
        "local x <close> = setmetatable({}, {__close = function() error('close after score') end})\n"
        "return score(1, 'x')", "close after score"),

    /* -- error objects */
    ERR("error_tostring_loops",
        "error(setmetatable({}, {__tostring = function() while true do end end}))",
        "x01.lua: error object is a table"),
    ERR("error_tostring_huge",
        "error(setmetatable({}, {__tostring = function() return ('x'):rep(1e7) end}))",
        "x01.lua: error object is a table"),
    ERR("error_huge_message", "error(('x'):rep(1e6))", "x01.lua:1: xxxxxxxx"),
    ERR("error_nil", "error()", "x01.lua: error object is a nil"),
    ERR("error_number", "error(42)", "x01.lua: error object is a number"),
    ERR("error_spoofs_a_file", "error('a01.lua:3: spoofed', 0)", "x01.lua: a01.lua:3: spoofed"),
    ERR("error_terminal_escapes", "error('a\\27]0;title\\7\\27[2J\\194\\155' .. '31mb', 0)",
        "x01.lua: a ]0;title  [2J  31mb"),
    ERR("error_handler_returns_object",
        "local ok, e = xpcall(error, function() return setmetatable({}, {__tostring = function() while true do end end}) end)\n"
        "error(e)", "x01.lua: error object is a table"),

    /* -- hostile return values */
    ERR("return_cycle", "local t = {} t.t = t return t", "rule returned no result"),
    ERR("return_nan", "return score(0/0, 'nan')", "points must be a finite number"),
    ERR("return_inf", "return score(math.huge, 'inf')", "points must be a finite number"),
    ERR("return_minus_inf", "return score(-1/0, '-inf')", "points must be a finite number"),
    ERR("return_huge_branch", "return score(1, ('b'):rep(65))", "branch longer than 64 bytes"),
    ERR("return_huge_explanation", "return score(1, 'x', ('e'):rep(4097))",
        "explanation longer than 4096 bytes"),
    ERR("return_huge_missing_explanation", "return missing(nil, 'x', ('e'):rep(1e6))",
        "explanation longer than 4096 bytes"),
    ERR("return_number_branch", "return score(1, 42)", "string or nil expected, got number"),
    ERR("return_table_branch",
        "return score(1, setmetatable({}, {__tostring = function() return 'b' end}))",
        "string or nil expected, got table"),
    ERR("return_string", "return 'score(20)'", "rule returned no result"),
    ERR("return_wrapped_result", "return {score(1)}", "rule returned no result"),
    ERR("return_forged_result",
        "return setmetatable({}, {__name = 'kaohe.result', __metatable = 'kaohe.result'})",
        "rule returned no result"),
    ERR("return_too_many_pending",
        "local t = {} for i = 1, 2000 do t[i] = 'litigation.cases' end return score(1, 'x', 'y', t)",
        "too many fact keys (2000)"),
    ERR("return_nan_pending", "return score(1, 'x', 'y', {0/0})", "entry 1 is not a string"),
    ERR("return_extremes_helpers",
        "error(fmt(1e308) .. ' ' .. fmt(-1e308) .. ' ' .. tostring(round2(1e308) == 1e308) ..\n"
        "      ' ' .. fmt(-0.0) .. ' ' .. fmt(0/0) .. ' ' .. fmt(1/0))",
        "1e+308 -1e+308 true 0 nan inf"),
    SCORED("return_1e308", "return score(1e308, 'big', 'x')", "big", 20),
    SCORED("return_maxinteger", "return score(math.maxinteger, 'maxint', 'x')", "maxint", 20),
    SCORED("return_negative_zero", "return score(-0.0, 'negzero', 'x')", "negzero", 0),
    SCORED("return_first_value_only", "return score(3, 'first', 'x'), score(19, 'second', 'y')",
           "first", 3),

    /* -- rule API abuse */
    ERR("api_fact_number", "return score(fact(123))", "bad argument #1 to 'fact' (string expected, got number)"),
    ERR("api_fact_nil", "return score(fact(nil))", "bad argument #1 to 'fact' (string expected, got nil)"),
    ERR("api_fact_undeclared", "return score(fact('survey.public_satisfaction'))",
        "fact key 'survey.public_satisfaction' is not declared for X-01 in scheme.yaml"),
    ERR("api_fact_nul_byte", "return score(fact('litigation.cases\\0x'))",
        "fact key contains a NUL byte"),
    ERR("api_has_table", "return has({})", "bad argument #1 to 'has' (string expected, got table)"),
    ERR("api_param_table", "return param({})", "bad argument #1 to 'param' (string expected, got table)"),
    ERR("api_param_unknown", "return param('nope')", "unknown param 'nope'"),
    ERR("api_param_nul_byte", "return param('pts\\0x')", "param name contains a NUL byte"),
    ERR("api_score_string", "return score('x')", "bad argument #1 to 'score' (number expected, got string)"),
    ERR("api_score_table_branch", "return score(1, {})", "bad argument #2 to 'score' (string or nil expected, got table)"),
    ERR("api_missing_number", "return missing(42)", "bad argument #1 to 'missing'"),
    ERR("api_missing_undeclared", "return missing({'litigation.cases', 'survey.x'})",
        "fact key 'survey.x' is not declared"),
    ERR("api_monitor_not_monitor", "return monitor(3)", "monitor() is only for monitoring indicators"),
    ERR("api_result_metatable",
        "local r = score(1)\n"
        "local ok = pcall(setmetatable, r, {})\n"
        "error('result: ' .. tostring(getmetatable(r)) .. ' ' .. tostring(ok) .. ' ' .. tostring(r))",
        "result: kaohe.result false kaohe.result: 0x…"),
    ERR("api_fact_info_mutation",
        "local i = fact_info('litigation.cases')\n"
        "i.value = 999 i.evidence.text = 'forged' i.key = 'x' setmetatable(i, {__index = function() return 1 end})\n"
        "local j = fact_info('litigation.cases')\n"
        "error(string.format('fact_info: %s %s %s %s', fmt(j.value), j.evidence.text, j.key, fmt(fact('litigation.cases'))))",
        "fact_info: 24 litigation.cases evidence litigation.cases 24"),
    ERR("api_stale_closure",
        "if stash ~= nil then return score(MAX, 'leaked', 'stale: ' .. fmt(stash.get())) end\n"
        "stash = {get = function() return fact('litigation.cases') end, fact = fact, score = score}\n"
        "error('stashed: cases ' .. fmt(stash.get()))", "stashed: cases 24"),
    ERR("api_result_kept_for_later",
        "if saved ~= nil then return saved end saved = score(MAX, 'saved') error('saved a result')",
        "saved a result"),

    /* -- address leaks */
    ERR("address_tostring",
        "error(tostring({}) .. ' ' .. tostring(function() end) .. ' ' .. tostring(fact) .. ' ' ..\n"
        "      tostring(setmetatable({}, {__name = 'X'})))",
        "table: 0x… function: 0x… function: 0x… X: 0x…"),
    ERR("address_format_p", "return string.format('%p', {})", "'%p' is not available in rules"),
    ERR("address_format_p_method", "return ('%5p'):format('x')", "'%p' is not available in rules"),
    ERR("address_format_s",
        "error(string.format('%s|%-10s|%.5s', {}, tostring, setmetatable({}, {__name = 'X'})))",
        "table: 0x…|function: 0x…|X: 0x"),
    ERR("address_format_s_method", "error(('[%s]'):format({}))", "[table: 0x…]"),
    ERR("address_fmt_helper", "error(fmt({}) .. ' ' .. fmt(fact))", "table: 0x… function: 0x…"),
    ERR("address_print_io", "error('print ' .. type(print) .. ' io ' .. type(io) .. ' os ' .. type(os))",
        "print nil io nil os nil"),
    ERR("address_tostring_returns_table",
        "return tostring(setmetatable({}, {__tostring = function() return {} end}))",
        "'__tostring' must return a string"),
    ERR("address_format_bad_arg", "return string.format('%d', {})",
        "bad argument #2 to 'format' (number expected, got table)"),
    ERR("address_format_missing_arg", "return string.format('%s %s', 'x')",
        "bad argument #3 to 'format' (no value)"),
    ERR("address_format_missing_arg_method", "return ('%s %s'):format('x')",
        "to 'format' (no value)"),

    /* -- state carried from one run to the next */
    ERR("state_global",
        "if leak ~= nil or LEAK ~= nil then error('leak seen: ' .. tostring(leak)) end\n"
        "leak = 'cases ' .. fmt(fact('litigation.cases')) _G.LEAK = leak\n"
        "error('set ' .. leak)", "set cases 24"),
    ERR("state_shared_functions",
        "local ok1 = pcall(function() string.format.x = 1 end)\n"
        "local ok2 = pcall(function() fmt.x = 1 end)\n"
        "local ok3 = pcall(function() getmetatable('').__index.x = 1 end)\n"
        "local ok4 = pcall(function() local s = 'x' s.upper = nil end)\n"
        "error(string.format('shared: %s %s %s %s %s', tostring(ok1), tostring(ok2),\n"
        "      tostring(ok3), tostring(ok4), type(getmetatable(clamp))))",
        "shared: false false false false nil"),
    ERR("state_env_metatable",
        "setmetatable(_G, {__newindex = function(t, k, v) rawequal(t, k) end, __metatable = 'locked'})\n"
        "error('env: ' .. tostring(getmetatable(_G)))", "env: locked"),

    /* -- C calls that burn time without VM instructions */
    ERR("cpu_rep_empty",
        "error('empty rep: ' .. #string.rep('', 1 << 62) .. #('').rep('', 1 << 62, ''))",
        "empty rep: 00"),
    ERR("cpu_insert_len", "table.insert(setmetatable({}, {__len = function() return 1 << 50 end}), 1, 'x')",
        "table.insert: more than 1000000 elements to shift"),
    ERR("cpu_remove_len", "table.remove(setmetatable({}, {__len = function() return 1e12 end}), 1)",
        "table.remove: more than 1000000 elements to shift"),
    ERR("cpu_insert_sparse_border",
        "local t = {1} for k = 1, 40 do t[1 << k] = 1 end\n"
        "local u = {1, [2]=1, [4]=1, [8]=1, [16]=1, [32]=1, [64]=1, [128]=1, [256]=1, [512]=1,\n"
        "  [1024]=1, [2048]=1, [4096]=1, [8192]=1, [16384]=1, [32768]=1, [65536]=1,\n"
        "  [131072]=1, [262144]=1, [524288]=1, [1048576]=1, [2097152]=1, [4194304]=1,\n"
        "  [8388608]=1, [16777216]=1, [33554432]=1, [67108864]=1, [134217728]=1,\n"
        "  [268435456]=1, [536870912]=1, [1073741824]=1, [2147483648]=1, [4294967296]=1,\n"
        "  [8589934592]=1, [17179869184]=1, [34359738368]=1, [68719476736]=1,\n"
        "  [137438953472]=1, [274877906944]=1, [549755813888]=1, [1099511627776]=1}\n"
        "table.insert(#u > 1e6 and u or t, 1, 'x') table.remove(t, 1) error('border ' .. #u)",
        "table.insert: more than 1000000 elements to shift"),
    ERR("cpu_sort_proxy",
        "table.sort(setmetatable({}, {__len = function() return (1 << 31) - 2 end,\n"
        "                             __index = type, __newindex = rawequal}))",
        "table.sort: more than 1000000 elements"),
    ERR("cpu_concat_proxy",
        "return table.concat(setmetatable({}, {__index = table.concat, __len = rawlen}), '', 1, 1 << 50)",
        "table.concat: more than 1000000 elements"),
    ERR("cpu_concat_len_read_once",
        "local n = 0\n"
        "local t = setmetatable({}, {__index = function() return 'v' end,\n"
        "  __len = function() n = n + 1 return n == 1 and 3 or 1 << 50 end})\n"
        "error('concat: ' .. table.concat(t, ',') .. ' ' .. n)", "concat: v,v,v "),
    ERR("cpu_sort_len_read_once",
        "local n = 0\n"
        "local t = setmetatable({3, 1, 2}, {__len = function() n = n + 1 return n == 1 and 3 or 1 << 40 end})\n"
        "table.sort(t) error('sort: ' .. table.concat({t[1], t[2], t[3]}, ',') .. ' ' .. n)",
        "sort: 1,2,3 1"),
    ERR("cpu_insert_len_read_once",
        "local n = 0\n"
        "local t = setmetatable({1, 2}, {__len = function() n = n + 1 return n == 1 and 2 or 1 << 40 end})\n"
        "table.insert(t, 1, 0) error('insert: ' .. rawget(t, 1) .. rawget(t, 2) .. rawget(t, 3) .. ' ' .. n)",
        "insert: 012 1"),
    ERR("cpu_sort_c_comparator",
        "local t = {} for i = 1, 1000 do t[i] = i end table.sort(t, rawequal) error('sorted')",
        "x01.lua:1: sorted|invalid order function for sorting"),
    ERR("cpu_move_huge", "return table.move({}, 1, 1e12, 2)",
        "table.move: more than 1000000 elements"),
    CLOCK("clock_gsub_loop",
          "local s = ('ab'):rep(5e5) while true do local r = s:gsub('a', 'c') end"),
    CLOCK("clock_sort_loop",
          "local t = {} for i = 1, 2e5 do t[i] = (i * 7919) % 200003 end\n"
          "while true do local u = table.move(t, 1, #t, 1, {}) table.sort(u) end"),
    CLOCK("clock_upper_loop",
          "local s = ('ab'):rep(1e6) while true do local r = s:upper() end"),
};

#define CASES_COUNT ((int)(sizeof cases / sizeof cases[0]))

static void assert_hostile(const kh_indicator_result *x, const escape_case *c, int check_fragment)
{
    if (c->points >= 0) {
        ck_assert_msg(x->status == KH_STATUS_SCORED, "%s: X-01 is %s (%s)", c->name,
                      kh_status_name(x->status), x->error ? x->error : "");
        ck_assert_msg(x->points == c->points && !signbit(x->points),
                      "%s: X-01 %g points, want %g", c->name, x->points, c->points);
        ck_assert_str_eq(x->branch, c->fragment);
        return;
    }
    ck_assert_msg(x->status == KH_STATUS_ERROR, "%s: X-01 is %s, not an error (%s, %g points)",
                  c->name, kh_status_name(x->status), x->branch ? x->branch : "", x->points);
    ck_assert_ptr_nonnull(x->error);
    ck_assert_msg(strncmp(x->error, "x01.lua:", 8) == 0 || strncmp(x->error, "x01.lua ", 8) == 0,
                  "%s: error does not name x01.lua: %s", c->name, x->error);
    if (check_fragment)
        ck_assert_msg(contains_one_of(x->error, c->fragment), "%s: error '%s' lacks '%s'",
                      c->name, x->error, c->fragment);
    ck_assert_msg(strlen(x->error) < KH_ERROR_FILE_MAX + KH_ERROR_MSG_MAX + 32,
                  "%s: error of %zu bytes", c->name, strlen(x->error));
    ck_assert_msg(x->points == 0 && !signbit(x->points), "%s: X-01 emitted %g points",
                  c->name, x->points);
    ck_assert_ptr_null(x->branch);
    ck_assert_ptr_null(x->explanation);
    ck_assert_uint_eq(x->missing_count, 0);
    ck_assert(!x->excluded);
}

/* X-01 as the case wants, everything else as in a clean run. */
static void assert_report(const kh_report_score *s, const escape_case *c, const report_spec *r,
                          int check_fragment)
{
    ck_assert_uint_eq(s->indicators_count, 4);
    const kh_indicator_result *x = result_of(s, "X-01");
    assert_hostile(x, c, check_fragment);
    assert_scored(result_of(s, "A-01"), r->a01, "rate", r->a01_why, c->name);
    assert_scored(result_of(s, "B-01"), r->b01, "closed", r->b01_why, c->name);
    assert_scored(result_of(s, "C-01"), 40, "canary", r->c01_why, c->name);
    double want = r->a01 + r->b01 + 40 + (c->points > 0 ? c->points : 0);
    ck_assert_msg(s->total == want, "%s: total %g, want %g", c->name, s->total, want);
    for (size_t i = 0; i < s->indicators_count; i++) {
        const kh_indicator_result *ir = &s->indicators[i];
        ck_assert_msg(!shows_address(ir->error) && !shows_address(ir->explanation) &&
                          !shows_address(ir->branch),
                      "%s: %s shows an address: %s", c->name, ir->indicator->id,
                      ir->error ? ir->error : ir->explanation);
    }
}

START_TEST(test_sandbox_escape__hostile_script_fails_alone)
{
    const escape_case *c = &cases[_i];
    kh_scheme *scheme = escape_scheme(c->script, strlen(c->script), c->limits, NULL, 0);

    /* The baseline: report B scored by rules that never saw report A. */
    kh_rules *clean = rules_for(scheme);
    kh_report_score *baseline = score_report(clean, &REPORT_B);
    kh_rules_free(clean);
    assert_report(baseline, c, &REPORT_B, 0);

    kh_rules *rules = rules_for(scheme);
    kh_report_score *a = score_report(rules, &REPORT_A);
    assert_report(a, c, &REPORT_A, 1);
    /* The next report with the same rules: as if report A never ran. */
    kh_report_score *b = score_report(rules, &REPORT_B);
    assert_same_report(b, baseline, c->name);
    /* And report A again: the same as the first time. */
    kh_report_score *a2 = score_report(rules, &REPORT_A);
    assert_same_report(a2, a, c->name);

    kh_report_score_free(a2);
    kh_report_score_free(b);
    kh_report_score_free(a);
    kh_report_score_free(baseline);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    scheme_cleanup();
}
END_TEST

/* ---- bytecode files --------------------------------------------------------- */

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    luaL_addlstring(ud, p, sz);
    return 0;
}

/* Compile `return 42` to bytecode with an ordinary Lua state. */
static char *make_bytecode(size_t *len)
{
    lua_State *L = luaL_newstate();
    ck_assert_int_eq(luaL_loadstring(L, "return score(MAX, 'bytecode')"), LUA_OK);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushvalue(L, -2);
    ck_assert_int_eq(lua_dump(L, dump_writer, &b, 0), 0);
    lua_pop(L, 1);
    luaL_pushresult(&b);
    const char *code = lua_tolstring(L, -1, len);
    char *copy = malloc(*len);
    memcpy(copy, code, *len);
    lua_close(L);
    ck_assert_int_eq(memcmp(copy, "\x1bLua", 4), 0);
    return copy;
}

/* kh_rules_new refuses the scheme; the diagnostics name the file. */
static void assert_rules_refused(kh_scheme *scheme, const char *file, const char *fragment)
{
    kh_rules *rules = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_rules_new(&rules, scheme, &diags, &err), KH_ESCRIPT);
    ck_assert_ptr_null(rules);
    ck_assert_str_eq(err.file, file);
    ck_assert_msg(strstr(err.message, fragment), "'%s' lacks '%s'", err.message, fragment);
    ck_assert_uint_ge(kh_diag_list_errors(&diags), 1);
    kh_diag_list_free(&diags);
}

START_TEST(test_sandbox_escape__bytecode_files_refused)
{
    size_t len;
    char *code = make_bytecode(&len);
    /* As the indicator's script. */
    kh_scheme *scheme = escape_scheme(code, len, NULL, NULL, 0);
    assert_rules_refused(scheme, "x01.lua", "precompiled Lua bytecode is refused");
    kh_scheme_free(scheme);
    scheme_cleanup();
    /* As a library. */
    static const char plain[] = "return score(1, 'x')";
    scheme = escape_scheme(plain, strlen(plain), NULL, code, len);
    assert_rules_refused(scheme, "lib/zz_extra.lua", "precompiled Lua bytecode is refused");
    kh_scheme_free(scheme);
    scheme_cleanup();
    /* Any binary chunk (ESC first), signature or not. */
    static const char esc[] = "\x1bLuZ\x54\x00 return 1";
    scheme = escape_scheme(esc, sizeof esc - 1, NULL, NULL, 0);
    assert_rules_refused(scheme, "x01.lua", "binary chunk");
    kh_scheme_free(scheme);
    scheme_cleanup();
    /* A BOM or a shebang does not smuggle it in either. */
    char bom[64] = "\xef\xbb\xbf";
    memcpy(bom + 3, code, len < 60 ? len : 60);
    scheme = escape_scheme(bom, 3 + (len < 60 ? len : 60), NULL, NULL, 0);
    assert_rules_refused(scheme, "x01.lua", "unexpected symbol");
    kh_scheme_free(scheme);
    scheme_cleanup();
    free(code);
}
END_TEST

/* ---- the watchdog ------------------------------------------------------------ */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* How long one call of `call` takes in a plain Lua state (valgrind or not). */
static double one_call_ms(const char *setup, const char *call)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    ck_assert_int_eq(luaL_dostring(L, setup), LUA_OK);
    ck_assert_int_eq(luaL_loadstring(L, call), LUA_OK);
    double t0 = now_ms();
    ck_assert_int_eq(lua_pcall(L, 0, 0, 0), LUA_OK);
    double ms = now_ms() - t0;
    lua_close(L);
    return ms;
}

START_TEST(test_sandbox_escape__watchdog_stops_c_heavy_loops)
{
    /* About six VM instructions per gsub: the hook's own clock reads come
     * every ~160 calls, seconds apart. The watchdog stops the run within
     * one call of the deadline. */
    double one = one_call_ms("s = ('ab'):rep(5e5)", "local r = s:gsub('a', 'c')");
    static const char loop[] =
        "local s = ('ab'):rep(5e5) while true do local r = s:gsub('a', 'c') end";
    kh_scheme *scheme = escape_scheme(loop, strlen(loop), LIMITS_CLOCK, NULL, 0);
    kh_rules *rules = rules_for(scheme);
    double t0 = now_ms();
    kh_report_score *a = score_report(rules, &REPORT_A);
    double ms = now_ms() - t0;
    const escape_case c = CLOCK("watchdog", "");
    assert_report(a, &c, &REPORT_A, 1);
    /* under valgrind (KH_VALGRIND) on a loaded machine, wider, as in
     * check_sandbox: there a stop at all shows the watchdog works */
    double slack = getenv("KH_VALGRIND") ? 10000 : 1000;
    ck_assert_msg(ms >= 300 && ms < 300 + 20 * one + slack,
                  "stopped after %.0f ms (one gsub: %.1f ms)", ms, one);
    kh_report_score_free(a);

    /* No timer outlives its run: well past the old deadlines, nothing fires. */
    a = score_report(rules, &REPORT_B);
    kh_rules_free(rules);
    kh_report_score_free(a);
    struct timespec pause = {0, 400 * 1000000L};
    nanosleep(&pause, NULL);
    kh_scheme_free(scheme);
    scheme_cleanup();
}
END_TEST

/* The embedder owns the signal: runs fall back to the hook's clock reads,
 * and the embedder's disposition is left alone. */
START_TEST(test_sandbox_escape__watchdog_leaves_a_taken_signal_alone)
{
    int sig = SIGRTMIN + 6;
    struct sigaction ign, old, before;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ck_assert_int_eq(sigaction(sig, &ign, &before), 0);
    static const char spin[] = "while true do end";
    kh_scheme *scheme = escape_scheme(spin, strlen(spin),
                                      "  instructions: 4000000000\n  timeout_ms: 200\n", NULL, 0);
    kh_rules *rules = rules_for(scheme);
    kh_report_score *a = score_report(rules, &REPORT_A);
    const kh_indicator_result *x = result_of(a, "X-01");
    ck_assert_int_eq(x->status, KH_STATUS_ERROR);
    ck_assert_str_eq(x->error, "x01.lua: time limit exceeded (200 ms)");
    ck_assert_int_eq(sigaction(sig, NULL, &old), 0);
    ck_assert(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN);
    ck_assert_int_eq(sigaction(sig, &before, NULL), 0);
    kh_report_score_free(a);
    kh_rules_free(rules);
    kh_scheme_free(scheme);
    scheme_cleanup();
}
END_TEST

START_TEST(test_sandbox_escape__round2_extremes)
{
    ck_assert(kh_sandbox__round2(1e308) == 1e308);
    ck_assert(kh_sandbox__round2(-1e308) == -1e308);
    ck_assert(kh_sandbox__round2(1.7976931348623157e308) == 1.7976931348623157e308);
    ck_assert(kh_sandbox__round2(1e15) == 1e15);
    ck_assert(kh_sandbox__round2(123456789012.345) == 123456789012.35);
    ck_assert(kh_sandbox__round2(13.475) == 13.48);
    double z = kh_sandbox__round2(-0.0);
    ck_assert(z == 0 && !signbit(z));
    z = kh_sandbox__round2(-0.004);
    ck_assert(z == 0 && !signbit(z));
    ck_assert(isinf(kh_sandbox__round2(INFINITY)));
    ck_assert(isnan(kh_sandbox__round2(NAN)));
}
END_TEST

static Suite *kh_sandbox_escape_suite(void)
{
    Suite *s = suite_create("sandbox_escape");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_sandbox_escape__hostile_script_fails_alone, 0, CASES_COUNT);
    suite_add_tcase(s, tc);
    tc = tcase_create("files_and_clock");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_sandbox_escape__bytecode_files_refused);
    tcase_add_test(tc, test_sandbox_escape__watchdog_stops_c_heavy_loops);
    tcase_add_test(tc, test_sandbox_escape__watchdog_leaves_a_taken_signal_alone);
    tcase_add_test(tc, test_sandbox_escape__round2_extremes);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_sandbox_escape_suite)

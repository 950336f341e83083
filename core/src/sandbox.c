/*
 * sandbox.c — the Lua sandbox for untrusted rule scripts: a counting
 * allocator with a per-run cap, an instruction/wall-clock hook, curated
 * libraries, a fresh environment per run and limit errors a script cannot
 * catch. See sandbox.h for what a script sees.
 */
/* Linux: the watchdog timer targets the running thread (SIGEV_THREAD_ID,
 * gettid); must come before the first system header. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

/* Instructions between two hook calls (the hook also reads the clock). */
#define HOOK_CHUNK 1000
/* Upper bound of backtracking steps a pattern call may need (estimated). */
#define PATTERN_BUDGET 1e8
/* Upper bound of bytes compared by a plain (no-magic) find. */
#define PLAIN_FIND_BUDGET 4e9
/* Most elements one table.move, table.concat, table.sort, or the shift of
 * one table.insert/table.remove, may touch: these loop in C, where no hook
 * fires, over a range a script chooses (a __len, or a sparse table whose
 * border is 2^40). */
#define MAX_MOVE 1000000
/* Garbage that may pile up between two full collections, at most: the
 * collector is stopped (see kh_sandbox_run), so a run starts with a full
 * collection only when the state grew by this much since the last one, or
 * by a quarter of the memory limit if that is less. */
#define COLLECT_EVERY ((size_t)1024 * 1024)

/* The wall-clock watchdog (see "watchdog" below): Linux only. */
#if defined(__linux__) && defined(SIGEV_THREAD_ID) && defined(SA_SIGINFO)
#define HAVE_WATCHDOG 1
#define WATCHDOG_SIGNAL_OFFSET 6
#endif

/* The watchdog's timer, kept per sandbox and re-armed per run (see
 * "watchdog" below). */
typedef struct watchdog {
    unsigned long thread;  /* serial of the thread it was set up for; 0: none */
    unsigned long process; /* fork generation of the process it was set up in */
    int armed;             /* during a run: the timer is armed */
#ifdef HAVE_WATCHDOG
    int has_timer;         /* timer is valid (in process `process`) */
    int unblock;           /* the signal is blocked on that thread: unblock it
                            * for each run */
    timer_t timer;
    sigset_t saved_mask;
    kh_sandbox *outer;     /* the thread's running sandbox before this run */
#endif
} watchdog;

/* TRIP_RESTART: a run on a heap holding earlier runs' garbage reached its
 * memory cap; it is abandoned and run again after a full collection. */
enum trip { TRIP_NONE = 0, TRIP_INSTRUCTIONS, TRIP_MEMORY, TRIP_TIME, TRIP_RESTART };

typedef struct chunk {
    char *name; /* owned: "fz01.lua" */
} chunk;

struct kh_sandbox {
    lua_State *L;            /* owned */
    kh_sandbox_limits limits;
    size_t used;             /* bytes the state holds */
    size_t cap;              /* refuse growth past this; SIZE_MAX outside runs */
    int cap_refused;         /* the allocator refused growth during this run */
    enum trip trip;          /* a limit tripped during this run */
    unsigned long executed;  /* instructions counted this run */
    int hook_count;          /* count the hook is armed with */
    struct timespec deadline;
    chunk *chunks;           /* owned; chunk i is chunks_table[i + 1] */
    size_t chunks_count, chunks_cap;
    int *libs;               /* owned; chunk ids run before every script */
    size_t libs_count, libs_cap;
    int chunks_ref;          /* registry: sequence of compiled chunks */
    int globals_ref;         /* registry: name -> shared immutable value */
    int libtpl_ref;          /* registry: library name -> template table */
    int top;                 /* stack top saved by kh_sandbox_run */
    int anchored;            /* a successful run's result is on the stack */
    kh_sandbox_line_fn line_fn; /* coverage: called per new line run, or NULL */
    void *line_ctx;
    /* Refusals of the cap this run that Lua's emergency collection did not
     * make good (the retry of the same request succeeding cancels one): a
     * failed pcall during which this grew was a memory error, even when a
     * __close handler replaced the error object. */
    unsigned long mem_refusals;
    void *refused_ptr;       /* the last refused request */
    size_t refused_osize, refused_nsize;
    volatile sig_atomic_t alarm; /* the watchdog's signal came; the hook
                                  * reads the clock at once */
    watchdog wd;
    /* tests only (kh_sandbox__set_hook_probe): called in the count hook
     * just before it re-arms, where a watchdog signal may land */
    void (*probe)(lua_State *L, void *ctx);
    void *probe_ctx;
    /* The collection schedule (kh_sandbox_run). allocs counts the blocks
     * the allocator handed out; when it still equals allocs_collected the
     * heap holds nothing but what survived the last full collection. */
    unsigned long allocs, allocs_collected;
    size_t collected_used;   /* bytes held right after that collection */
    int restartable;         /* this run started with earlier garbage */
    int env_ref;             /* registry: the environment builder, or LUA_NOREF */
    size_t env_size;         /* globals + libraries + _G */
};

static void sb_hook(lua_State *L, lua_Debug *ar);
static void watchdog_free(kh_sandbox *sb);

/* ---- allocator ---------------------------------------------------------- */

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    kh_sandbox *sb = ud;
    size_t old = ptr ? osize : 0; /* for a fresh block osize is a type tag */
    if (nsize == 0) {
        free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (nsize > old) {
        size_t grow = nsize - old;
        if (sb->used + grow < sb->used || sb->used + grow > sb->cap) {
            if (sb->restartable && sb->trip == TRIP_NONE) {
                /* Abandon this attempt (kh_sandbox_run reruns it on a
                 * collected heap); nothing after this refusal, such as
                 * Lua's emergency collection, can be seen by the script:
                 * the hook raises on its next instruction. */
                sb->trip = TRIP_RESTART;
                sb->hook_count = 1;
                lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, 1);
            }
            sb->cap_refused = 1;
            sb->mem_refusals++;
            sb->refused_ptr = ptr;
            sb->refused_osize = osize;
            sb->refused_nsize = nsize;
            return NULL;
        }
    }
    void *p = realloc(ptr, nsize);
    if (!p) {
        if (ptr && nsize <= old)
            return ptr; /* a failed shrink: the old block still fits */
        return NULL;
    }
    if (sb->mem_refusals && ptr == sb->refused_ptr && osize == sb->refused_osize &&
        nsize == sb->refused_nsize) {
        sb->mem_refusals--; /* the retry after an emergency collection */
        sb->refused_nsize = 0;
    }
    sb->used = sb->used - old + nsize;
    sb->allocs++;
    return p;
}

static kh_sandbox *sandbox_of(lua_State *L)
{
    void *ud = NULL;
    (void)lua_getallocf(L, &ud);
    return ud;
}

/* ---- limits ------------------------------------------------------------- */

static void format_memory(char *buf, size_t size, size_t bytes)
{
    const size_t mib = (size_t)1024 * 1024;
    if (bytes % mib == 0)
        snprintf(buf, size, "%zu MiB", bytes / mib);
    else if (bytes % 1024 == 0)
        snprintf(buf, size, "%zu KiB", bytes / 1024);
    else
        snprintf(buf, size, "%zu bytes", bytes);
}

static void trip_message(const kh_sandbox *sb, enum trip t, char *buf, size_t size)
{
    char mem[64];
    switch (t) {
    case TRIP_INSTRUCTIONS:
        snprintf(buf, size, "instruction limit exceeded (%lu)", sb->limits.instructions);
        break;
    case TRIP_MEMORY:
        format_memory(mem, sizeof mem, sb->limits.memory);
        snprintf(buf, size, "memory limit exceeded (%s)", mem);
        break;
    case TRIP_TIME:
        snprintf(buf, size, "time limit exceeded (%u ms)", sb->limits.timeout_ms);
        break;
    default:
        snprintf(buf, size, "no limit exceeded");
        break;
    }
}

/* The events the hook is armed for: the count, and lines in coverage mode. */
static int hook_mask(const kh_sandbox *sb)
{
    return LUA_MASKCOUNT | (sb->line_fn ? LUA_MASKLINE : 0);
}

/* Arm the count hook for `count` instructions. The watchdog's handler sets
 * sb->alarm and a count of 1; a signal that came since the caller last read
 * sb->alarm — its count of 1 overwritten by this call — or during this call
 * keeps its effect: the count goes back to 1 and the hook reads the clock
 * on the next instruction. Without the second look, a signal landing
 * between the hook's clock read (deadline not yet passed) and its re-arm
 * would wait for the next chunk of instructions: seconds, in a loop of
 * heavy C calls (CI, loaded, under ASan: a 300 ms deadline stopped at
 * 19 s). */
static void arm_hook(lua_State *L, kh_sandbox *sb, int count)
{
    lua_sethook(L, sb_hook, hook_mask(sb), count);
    atomic_signal_fence(memory_order_seq_cst);
    if (sb->alarm)
        lua_sethook(L, sb_hook, hook_mask(sb), 1);
}

/* Once a limit tripped: keep the hook firing on every instruction and raise.
 * The message object is informative only; kh_sandbox_run reports the trip
 * from sb->trip, whatever error object reaches it. */
static int raise_trip(lua_State *L, kh_sandbox *sb)
{
    sb->hook_count = 1;
    lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
    lua_pushliteral(L, "sandbox limit exceeded");
    return lua_error(L);
}

static int deadline_passed(const kh_sandbox *sb)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > sb->deadline.tv_sec ||
           (now.tv_sec == sb->deadline.tv_sec && now.tv_nsec >= sb->deadline.tv_nsec);
}

static void sb_hook(lua_State *L, lua_Debug *ar)
{
    kh_sandbox *sb = sandbox_of(L);
    if (ar->event == LUA_HOOKLINE) {
        /* coverage only: report the line, never raise (limits are the
         * count event's job) */
        if (sb->line_fn && sb->trip == TRIP_NONE && lua_getinfo(L, "S", ar) &&
            ar->source[0] == '=')
            sb->line_fn(sb->line_ctx, ar->source + 1, ar->currentline);
        return;
    }
    if (sb->trip == TRIP_NONE) {
        /* The watchdog's handler set the count to 1 without telling us: how
         * many instructions ran since the previous call is not known (fewer
         * than hook_count), so charge one. Only the clock decides whether
         * the deadline passed: the signal merely makes us read it now, so a
         * signal that is not this run's (see "watchdog") trips nothing. */
        int nudged = sb->alarm;
        sb->alarm = 0;
        sb->executed += nudged ? 1UL : (unsigned long)sb->hook_count;
        if (sb->executed >= sb->limits.instructions)
            sb->trip = TRIP_INSTRUCTIONS;
        else if (deadline_passed(sb))
            sb->trip = TRIP_TIME;
        else {
            unsigned long left = sb->limits.instructions - sb->executed;
            int next = left < HOOK_CHUNK ? (int)left : HOOK_CHUNK;
            /* Always re-armed, even when the count is unchanged: a signal
             * that came after `alarm` was read above has set the count to 1
             * behind our back, and left so, every later call would be
             * charged hook_count instructions for one (a run tripping its
             * instruction limit far too early). Re-armed here, such a
             * signal only costs its clock read; one that comes after this
             * line is seen as `alarm` by arm_hook, which fires the hook
             * on the next instruction. */
            if (sb->probe)
                sb->probe(L, sb->probe_ctx);
            sb->hook_count = next;
            arm_hook(L, sb, next);
            return;
        }
    }
    raise_trip(L, sb);
}

/* ---- base library replacements ------------------------------------------ */

/* After a protected call failed: was it a memory error? LUA_ERRMEM, or any
 * error while the allocator refused the cap (lauxlib buffers raise a plain
 * "not enough memory", and an erroring __close handler replaces the memory
 * error by its own while the stack unwinds). */
static void note_memory_error(kh_sandbox *sb, int status, unsigned long refusals)
{
    if (status != LUA_OK && sb->trip == TRIP_NONE &&
        (status == LUA_ERRMEM || sb->mem_refusals != refusals))
        sb->trip = TRIP_MEMORY;
}

/* pcall that cannot swallow a tripped limit (or a memory error, which in a
 * run means the memory cap). */
static int sb_pcall(lua_State *L)
{
    kh_sandbox *sb = sandbox_of(L);
    unsigned long refusals = sb->mem_refusals;
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    note_memory_error(sb, status, refusals);
    if (sb->trip != TRIP_NONE)
        return raise_trip(L, sb);
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L);
}

/* The message handler xpcall installs around the script's one. A count hook
 * that raises runs the message handler with hooks still disabled, so once a
 * limit tripped the script's handler must not run at all: it could loop
 * forever unobserved. */
static int sb_xpcall_handler(lua_State *L)
{
    if (sandbox_of(L)->trip != TRIP_NONE)
        return 1; /* keep the error object; kh_sandbox_run reports the trip */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sb_xpcall(lua_State *L)
{
    kh_sandbox *sb = sandbox_of(L);
    unsigned long refusals = sb->mem_refusals;
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sb_xpcall_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* f, handler, true, f, args... */
    int status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    note_memory_error(sb, status, refusals);
    if (sb->trip != TRIP_NONE)
        return raise_trip(L, sb);
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - 2;
}

/* setmetatable without finalizers or weak tables: a __gc would run outside
 * any run's limits (hooks are off in finalizers) and possibly during another
 * run; a __mode would let a script watch when collections happen, which
 * depends on what earlier runs left behind (docs/security.md). */
static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int gc = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (gc != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in rules");
        lua_pushliteral(L, "__mode");
        int mode = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (mode != LUA_TNIL)
            return luaL_error(L, "__mode (weak tables) is not allowed in rules");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* ---- string and table guards -------------------------------------------- */

enum { PAT_FIND = 0, PAT_MATCH = 1, PAT_GMATCH = 2, PAT_GSUB = 3 };

static int has_specials(const char *p, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0')
            return 1;
    return 0;
}

/* An upper bound on the backtracking of Lua's matcher: every start position
 * times, per unbounded quantifier (* + - %b), every length it may try, times
 * two per optional item. Sets are skipped; escapes are literal. */
static double pattern_cost(const char *p, size_t m, size_t n)
{
    double N = (double)n + 1.0, cost = (double)m + 1.0;
    size_t i = 0;
    if (m > 0 && p[0] == '^')
        i = 1;
    else
        cost *= N;
    while (i < m && cost < 1e300) {
        char c = p[i];
        if (c == '%') {
            if (i + 1 < m && p[i + 1] == 'b')
                cost *= N;
            i += 2;
            continue;
        }
        if (c == '[') {
            i++;
            if (i < m && p[i] == '^')
                i++;
            do { /* the first character of a set may be ']' */
                if (i >= m)
                    break;
                if (p[i] == '%')
                    i++;
                i++;
            } while (i < m && p[i] != ']');
            i++;
            continue;
        }
        if (c == '*' || c == '+' || c == '-')
            cost *= N;
        else if (c == '?')
            cost *= 2.0;
        i++;
    }
    return cost;
}

static int sb_pattern_guard(lua_State *L)
{
    size_t n, m;
    (void)luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &m);
    int kind = (int)lua_tointeger(L, lua_upvalueindex(2));
    int plain = kind == PAT_FIND && (lua_toboolean(L, 4) || !has_specials(p, m));
    if (plain) {
        if ((double)(n + 1) * (double)(m + 1) > PLAIN_FIND_BUDGET)
            return luaL_error(L, "plain find too costly for a %I-byte subject "
                              "(sandbox limit)", (lua_Integer)n);
    } else if (pattern_cost(p, m, n) > PATTERN_BUDGET) {
        return luaL_error(L, "pattern too complex for a %I-byte subject "
                          "(sandbox limit: use fewer repetitions or a shorter "
                          "string)", (lua_Integer)n);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_table_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= (lua_Unsigned)MAX_MOVE)
        return luaL_error(L, "table.move: more than %d elements (sandbox limit)",
                          MAX_MOVE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep: with an empty string and an empty separator Lua's loop runs n
 * times copying nothing, so ('').rep('', 1 << 62) would spin in C for
 * centuries where no hook fires. Any other call allocates its whole result
 * first, which the memory cap bounds. */
static int sb_string_rep(lua_State *L)
{
    size_t l, lsep;
    (void)luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    (void)luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l == 0 && lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.insert, table.remove, table.concat and table.sort loop in C over a
 * length the script controls: a __len, or a sparse table such as
 * {1, [2]=1, [4]=1, …, [2^40]=1} whose border is 2^40. Each reads the length
 * once (a __len may answer differently the second time) and refuses more
 * than MAX_MOVE elements. insert and remove are Lua's own code plus that
 * check. */
static int sb_table_insert(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer e = (lua_Integer)((lua_Unsigned)luaL_len(L, 1) + 1u); /* first empty */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2,
                      "position out of bounds");
        if ((lua_Unsigned)e - (lua_Unsigned)pos > (lua_Unsigned)MAX_MOVE)
            return luaL_error(L, "table.insert: more than %d elements to shift "
                              "(sandbox limit)", MAX_MOVE);
        for (lua_Integer i = e; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int sb_table_remove(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer size = luaL_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
                      "position out of bounds");
    if (pos < size && (lua_Unsigned)size - (lua_Unsigned)pos > (lua_Unsigned)MAX_MOVE)
        return luaL_error(L, "table.remove: more than %d elements to shift "
                          "(sandbox limit)", MAX_MOVE);
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

/* table.concat with the end made explicit (the length read once). */
static int sb_table_concat(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    (void)luaL_optlstring(L, 2, "", NULL);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    lua_Integer last = lua_isnoneornil(L, 4) ? luaL_len(L, 1) : luaL_checkinteger(L, 4);
    if (last >= i && (lua_Unsigned)last - (lua_Unsigned)i >= (lua_Unsigned)MAX_MOVE)
        return luaL_error(L, "table.concat: more than %d elements (sandbox limit)",
                          MAX_MOVE);
    lua_settop(L, 3);
    lua_pushinteger(L, last);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, 1);
    return 1;
}

/* table.sort sorts a copy of t[1..n] (n read once) with Lua's sort, then
 * writes the values back: the copy is a plain array whose length cannot
 * exceed n, whatever __len or the border of t would say. */
static int sb_table_sort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    if (n <= 1)
        return 0;
    if (n > MAX_MOVE)
        return luaL_error(L, "table.sort: more than %d elements (sandbox limit)",
                          MAX_MOVE);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer k = 1; k <= n; k++) {
        lua_geti(L, 1, k);
        lua_seti(L, 3, k);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 2);
    lua_call(L, 2, 0);
    for (lua_Integer k = 1; k <= n; k++) {
        lua_geti(L, 3, k);
        lua_seti(L, 1, k);
    }
    return 0;
}

/* ---- values as text, without addresses ------------------------------------ */

/* luaL_tolstring without the heap address: a table, function or userdata
 * without __tostring reads "table: 0x…" (its __name, when a string, for the
 * type). Outputs stay the same from run to run, and a script learns nothing
 * of the address space (ASLR) from tostring, string.format("%s") or fmt().
 * Pushes the text and returns it. */
static const char *sb_tolstring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    if (luaL_callmeta(L, idx, "__tostring")) {
        if (!lua_isstring(L, -1))
            luaL_error(L, "'__tostring' must return a string");
        return lua_tolstring(L, -1, len);
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
        return luaL_tolstring(L, idx, len); /* no address in these */
    default: {
        int tt = luaL_getmetafield(L, idx, "__name");
        const char *kind = tt == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, idx);
        lua_pushfstring(L, "%s: 0x…", kind);
        if (tt != LUA_TNIL)
            lua_remove(L, -2);
        return lua_tolstring(L, -1, len);
    }
    }
}

static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    (void)sb_tolstring(L, 1, NULL);
    return 1;
}

/* string.format: "%p" (a raw address) is refused, and a "%s" argument that
 * is not a string or a number goes through sb_tolstring first. The
 * arguments of the numeric conversions are checked here, so that the usual
 * mistakes read "fz01.lua:12: bad argument #2 to 'format' (number expected,
 * got nil)" as with Lua's own format. */
static int sb_format(lua_State *L)
{
    size_t len;
    const char *fmt = luaL_checklstring(L, 1, &len);
    int top = lua_gettop(L), arg = 1;
    for (size_t i = 0; i < len; i++) {
        if (fmt[i] != '%')
            continue;
        if (++i < len && fmt[i] == '%')
            continue;
        while (i < len && fmt[i] != '\0' && strchr("-+ #0123456789.", fmt[i]))
            i++;
        if (i >= len)
            break; /* Lua reports the incomplete conversion */
        if (fmt[i] == 'p')
            return luaL_error(L, "string.format: '%%p' is not available in rules "
                              "(it shows a memory address)");
        if (++arg > top)
            return luaL_argerror(L, arg, "no value");
        switch (fmt[i]) {
        case 's':
            if (lua_type(L, arg) != LUA_TSTRING && lua_type(L, arg) != LUA_TNUMBER) {
                (void)sb_tolstring(L, arg, NULL);
                lua_replace(L, arg);
            }
            break;
        case 'c': case 'd': case 'i': case 'o': case 'x': case 'X':
            (void)luaL_checkinteger(L, arg);
            break;
        case 'a': case 'A': case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
            (void)luaL_checknumber(L, arg);
            break;
        default:
            break; /* %q, or a conversion Lua reports as invalid */
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, 1);
    return 1;
}

/* Replace lib[name] by guard with the original and `kind` as upvalues. */
static void wrap_field(lua_State *L, int lib, const char *name, lua_CFunction guard,
                       int kind)
{
    lua_getfield(L, lib, name);
    lua_pushinteger(L, kind);
    lua_pushcclosure(L, guard, 2);
    lua_setfield(L, lib, name);
}

/* ---- the prelude: generic helpers every scheme may use -------------------- */

/* Runs once with a private environment; returns the table of helpers. Errors
 * blame the caller (level 2/3). Dates are ISO "YYYY-MM-DD" (no os library). */
static const char PRELUDE[] =
"local math, string, type, error, tostring, tonumber = math, string, type, error, tostring, tonumber\n"
"local floor, ceil, abs, huge = math.floor, math.ceil, math.abs, math.huge\n"
"local format, match = string.format, string.match\n"
"local EPS = 1e-9\n"
"local H = {}\n"
"local function num(x, what, fname, level)\n"
"  if type(x) ~= 'number' or x ~= x or x == huge or x == -huge then\n"
"    error(format('%s: %s must be a finite number (got %s)', fname, what,\n"
"          type(x) == 'number' and tostring(x) or type(x)), level or 3)\n"
"  end\n"
"  return x\n"
"end\n"
"local function round2(x)\n"
"  if abs(x) >= 1e15 then return x end -- whole already; x * 100 could overflow\n"
"  local r = abs(x) * 100\n"
"  local e = (r > 1 and r or 1) * 1e-12\n"
"  local v = floor(r + 0.5 + (e < 1e-3 and e or 1e-3)) / 100\n"
"  if v == 0 then return 0.0 end\n"
"  if x < 0 then return -v end\n"
"  return v\n"
"end\n"
"function H.round2(x) num(x, 'x', 'round2') return round2(x) end\n"
"function H.clamp(x, lo, hi)\n"
"  num(x, 'x', 'clamp') num(lo, 'lo', 'clamp') num(hi, 'hi', 'clamp')\n"
"  if lo > hi then error('clamp: lo is greater than hi', 2) end\n"
"  if x < lo then return lo elseif x > hi then return hi end\n"
"  return x\n"
"end\n"
"function H.linear(x, x0, x1, y0, y1)\n"
"  num(x, 'x', 'linear') num(x0, 'x0', 'linear') num(x1, 'x1', 'linear')\n"
"  num(y0, 'y0', 'linear') num(y1, 'y1', 'linear')\n"
"  if x0 == x1 then error('linear: x0 and x1 must differ', 2) end\n"
"  local t = (x - x0) / (x1 - x0)\n"
"  if t <= 0 then return y0 elseif t >= 1 then return y1 end\n"
"  return y0 + (y1 - y0) * t\n"
"end\n"
"local function steps_args(fname, value, target, step, per)\n"
"  num(value, 'value', fname, 4) num(target, 'target', fname, 4)\n"
"  if step == nil then step = 1 else num(step, 'step', fname, 4) end\n"
"  if per == nil then per = 1 else num(per, 'per', fname, 4) end\n"
"  if step <= 0 then error(fname .. ': step must be positive', 3) end\n"
"  return step, per\n"
"end\n"
"function H.per_point_below(value, target, step, per)\n"
"  step, per = steps_args('per_point_below', value, target, step, per)\n"
"  if value >= target - EPS then return 0 end\n"
"  return per * (target - value) / step\n"
"end\n"
"function H.per_started_below(value, target, step, per)\n"
"  step, per = steps_args('per_started_below', value, target, step, per)\n"
"  if value >= target - EPS then return 0 end\n"
"  return per * ceil((target - value) / step - EPS)\n"
"end\n"
"function H.bands(value, list)\n"
"  num(value, 'value', 'bands')\n"
"  if type(list) ~= 'table' then error('bands: list must be a table of {min, points}', 2) end\n"
"  local best, bestmin = 0, nil\n"
"  for i = 1, #list do\n"
"    local b = list[i]\n"
"    if type(b) ~= 'table' or type(b[1]) ~= 'number' or type(b[2]) ~= 'number' then\n"
"      error(format('bands: entry %d must be {min, points}', i), 2)\n"
"    end\n"
"    if value >= b[1] - EPS and (bestmin == nil or b[1] > bestmin) then\n"
"      best, bestmin = b[2], b[1]\n"
"    end\n"
"  end\n"
"  return best\n"
"end\n"
"function H.capped(deduction, cap)\n"
"  num(deduction, 'deduction', 'capped') num(cap, 'cap', 'capped')\n"
"  if deduction > cap then return cap end\n"
"  return deduction\n"
"end\n"
"function H.percent(part, whole)\n"
"  if part == nil or whole == nil then return nil end\n"
"  num(part, 'part', 'percent') num(whole, 'whole', 'percent')\n"
"  if whole == 0 then return nil end\n"
"  return part * 100 / whole\n"
"end\n"
"function H.fmt(x)\n"
"  if type(x) ~= 'number' then return tostring(x) end\n"
"  if x ~= x then return 'nan' elseif x == huge then return 'inf' elseif x == -huge then return '-inf' end\n"
"  local v = round2(x)\n"
"  if abs(v) >= 1e15 then return format('%.15g', v) end\n"
"  if v == floor(v) then return format('%d', floor(v)) end\n"
"  local s = format('%.2f', v)\n"
"  if s:sub(-1) == '0' then s = s:sub(1, -2) end\n"
"  return s\n"
"end\n"
"local MDAYS = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}\n"
"local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end\n"
"local function parse_date(s, fname)\n"
"  if type(s) ~= 'string' then\n"
"    error(format('%s: expected an ISO date string YYYY-MM-DD (got %s)', fname, type(s)), 3)\n"
"  end\n"
"  local y, m, d = match(s, '^(%d%d%d%d)%-(%d%d)%-(%d%d)$')\n"
"  if not y then error(format('%s: not an ISO date YYYY-MM-DD: %q', fname, s), 3) end\n"
"  y, m, d = tonumber(y), tonumber(m), tonumber(d)\n"
"  local md = MDAYS[m]\n"
"  if md and m == 2 and leap(y) then md = 29 end\n"
"  if not md or d < 1 or d > md then error(format('%s: no such date: %q', fname, s), 3) end\n"
"  return y, m, d\n"
"end\n"
"local function day_number(y, m, d)\n"
"  if m <= 2 then y = y - 1 end\n"
"  local era = y // 400\n"
"  local yoe = y - era * 400\n"
"  local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1\n"
"  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy\n"
"  return era * 146097 + doe - 719468\n"
"end\n"
"function H.days_between(a, b)\n"
"  local ya, ma, da = parse_date(a, 'days_between')\n"
"  local yb, mb, db = parse_date(b, 'days_between')\n"
"  return day_number(yb, mb, db) - day_number(ya, ma, da)\n"
"end\n"
"function H.date_parts(iso)\n"
"  local y, m, d = parse_date(iso, 'date_parts')\n"
"  return y, m, d\n"
"end\n"
"return H\n";

/* ---- setup ---------------------------------------------------------------- */

static void copy_fields(lua_State *L, int from, int to, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        lua_getfield(L, from, names[i]);
        lua_setfield(L, to, names[i]);
    }
}

static int open_lib(lua_State *L, lua_CFunction open, int tpl, const char *name)
{
    luaL_requiref(L, name, open, 0);
    int lib = lua_gettop(L);
    lua_pushvalue(L, lib);
    lua_setfield(L, tpl, name);
    return lib;
}

/* Protected: build the templates and load the prelude. */
static int sb_setup(lua_State *L)
{
    kh_sandbox *sb = lua_touserdata(L, 1);
    static const char *const keep_base[] = {
        "assert", "error", "getmetatable", "ipairs", "next", "pairs",
        "rawequal", "rawget", "rawlen", "select", "tonumber", "tostring",
        "type", "_VERSION", NULL};

    lua_newtable(L);
    sb->chunks_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    int globals = lua_gettop(L);
    lua_newtable(L);
    int tpl = lua_gettop(L);

    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
    int base = lua_gettop(L);
    copy_fields(L, base, globals, keep_base);
    lua_pushcfunction(L, sb_pcall);
    lua_setfield(L, globals, "pcall");
    lua_pushcfunction(L, sb_xpcall);
    lua_setfield(L, globals, "xpcall");
    lua_pushcfunction(L, sb_setmetatable);
    lua_setfield(L, globals, "setmetatable");
    lua_pushcfunction(L, sb_tostring); /* no addresses */
    lua_setfield(L, globals, "tostring");

    int str = open_lib(L, luaopen_string, tpl, LUA_STRLIBNAME);
    int tab = open_lib(L, luaopen_table, tpl, LUA_TABLIBNAME);
    int mth = open_lib(L, luaopen_math, tpl, LUA_MATHLIBNAME);
    (void)open_lib(L, luaopen_utf8, tpl, LUA_UTF8LIBNAME);

    /* The prelude, with the raw libraries, before the guards go in. */
    if (luaL_loadbufferx(L, PRELUDE, sizeof PRELUDE - 1, "=(prelude)", "t") != LUA_OK)
        return lua_error(L);
    lua_newtable(L); /* the prelude's private environment */
    copy_fields(L, base, lua_gettop(L), keep_base);
    lua_pushcfunction(L, sb_tostring); /* fmt({}) shows no address either */
    lua_setfield(L, -2, "tostring");
    lua_pushvalue(L, str);
    lua_setfield(L, -2, "string");
    lua_pushvalue(L, mth);
    lua_setfield(L, -2, "math");
    if (!lua_setupvalue(L, -2, 1))
        return luaL_error(L, "prelude has no _ENV");
    lua_call(L, 0, 1);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, globals);
    }
    lua_pop(L, 1);

    /* string: no dump; guarded patterns; the metatable is locked so
     * getmetatable("") cannot reach the real string table. The guards go
     * into the real table, which string values index. */
    lua_pushnil(L);
    lua_setfield(L, str, "dump");
    wrap_field(L, str, "find", sb_pattern_guard, PAT_FIND);
    wrap_field(L, str, "match", sb_pattern_guard, PAT_MATCH);
    wrap_field(L, str, "gmatch", sb_pattern_guard, PAT_GMATCH);
    wrap_field(L, str, "gsub", sb_pattern_guard, PAT_GSUB);
    wrap_field(L, str, "rep", sb_string_rep, 0);
    wrap_field(L, str, "format", sb_format, 0);
    lua_pushliteral(L, "");
    if (!lua_getmetatable(L, -1))
        return luaL_error(L, "string metatable missing");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    wrap_field(L, tab, "move", sb_table_move, 0);
    wrap_field(L, tab, "concat", sb_table_concat, 0);
    wrap_field(L, tab, "sort", sb_table_sort, 0);
    lua_pushcfunction(L, sb_table_insert);
    lua_setfield(L, tab, "insert");
    lua_pushcfunction(L, sb_table_remove);
    lua_setfield(L, tab, "remove");
    lua_pushnil(L);
    lua_setfield(L, mth, "random");
    lua_pushnil(L);
    lua_setfield(L, mth, "randomseed");

    lua_pushvalue(L, tpl);
    sb->libtpl_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, globals);
    sb->globals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* A full collection, and the note that the heap now holds only live data. */
static void full_collect(kh_sandbox *sb)
{
    lua_gc(sb->L, LUA_GCCOLLECT);
    sb->collected_used = sb->used;
    sb->allocs_collected = sb->allocs;
}

int kh_sandbox_call(kh_sandbox *sb, lua_CFunction f, void *ud, kh_error *err,
                    const char *what)
{
    lua_State *L = sb->L;
    int top = lua_gettop(L);
    if (!lua_checkstack(L, 4))
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "%s: out of memory", what);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    int status = lua_pcall(L, 1, 0, 0);
    int rc = KH_OK;
    if (status == LUA_ERRMEM) {
        rc = kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "%s: out of memory", what);
    } else if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        rc = kh_error_set(err, KH_ESCRIPT, NULL, 0, 0, "%s: %s", what,
                          msg ? msg : "error");
    }
    lua_settop(L, top);
    return rc;
}

int kh_sandbox_new(kh_sandbox **out, const kh_sandbox_limits *limits,
                   kh_error *err)
{
    *out = NULL;
    kh_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "sandbox: out of memory");
    sb->cap = SIZE_MAX;
    sb->env_ref = LUA_NOREF;
    if (limits)
        sb->limits = *limits;
    if (sb->limits.instructions == 0)
        sb->limits.instructions = KH_SANDBOX_DEFAULT_INSTRUCTIONS;
    if (sb->limits.memory == 0)
        sb->limits.memory = KH_SANDBOX_DEFAULT_MEMORY;
    if (sb->limits.timeout_ms == 0)
        sb->limits.timeout_ms = KH_SANDBOX_DEFAULT_TIMEOUT_MS;
    sb->L = lua_newstate(sb_alloc, sb);
    if (!sb->L) {
        free(sb);
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "sandbox: out of memory");
    }
    int rc = kh_sandbox_call(sb, sb_setup, sb, err, "sandbox setup");
    if (rc != KH_OK) {
        kh_sandbox_free(sb);
        return rc;
    }
    /* From here on memory is reclaimed only by full collections: those
     * kh_sandbox_run schedules between runs, and Lua's emergency one when
     * the allocator refuses the cap (kh_sandbox_run explains why). */
    lua_gc(sb->L, LUA_GCSTOP);
    full_collect(sb);
    *out = sb;
    return KH_OK;
}

void kh_sandbox_free(kh_sandbox *sb)
{
    if (!sb)
        return;
    watchdog_free(sb);
    if (sb->L)
        lua_close(sb->L);
    for (size_t i = 0; i < sb->chunks_count; i++)
        free(sb->chunks[i].name);
    free(sb->chunks);
    free(sb->libs);
    free(sb);
}

lua_State *kh_sandbox__state(kh_sandbox *sb)
{
    return sb->L;
}

void kh_sandbox_set_line_hook(kh_sandbox *sb, kh_sandbox_line_fn fn, void *ctx)
{
    sb->line_fn = fn;
    sb->line_ctx = fn ? ctx : NULL;
}

size_t kh_sandbox_memory(const kh_sandbox *sb)
{
    return sb->used;
}

void kh_sandbox__set_timeout(kh_sandbox *sb, unsigned timeout_ms)
{
    sb->limits.timeout_ms = timeout_ms ? timeout_ms : KH_SANDBOX_DEFAULT_TIMEOUT_MS;
}

void kh_sandbox__set_hook_probe(kh_sandbox *sb, void (*probe)(lua_State *L, void *ctx),
                                void *ctx)
{
    sb->probe = probe;
    sb->probe_ctx = ctx;
}

const char *kh_sandbox_chunk_name(const kh_sandbox *sb, int id)
{
    if (!sb || id < 0 || (size_t)id >= sb->chunks_count)
        return NULL;
    return sb->chunks[id].name;
}

struct global_args {
    kh_sandbox *sb;
    const char *name;
};

static int sb_add_global(lua_State *L)
{
    struct global_args *a = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->sb->globals_ref);
    lua_pushvalue(L, 2);
    lua_setfield(L, 3, a->name);
    luaL_unref(L, LUA_REGISTRYINDEX, a->sb->env_ref); /* regenerated next run */
    a->sb->env_ref = LUA_NOREF;
    return 0;
}

int kh_sandbox_add_global(kh_sandbox *sb, const char *name)
{
    lua_State *L = sb->L;
    int t = lua_type(L, -1);
    if (t != LUA_TFUNCTION && t != LUA_TNUMBER && t != LUA_TSTRING &&
        t != LUA_TBOOLEAN) {
        lua_pop(L, 1);
        return KH_EINVAL;
    }
    if (!lua_checkstack(L, 4)) {
        lua_pop(L, 1);
        return KH_ENOMEM;
    }
    struct global_args a = {sb, name};
    lua_pushcfunction(L, sb_add_global);
    lua_pushlightuserdata(L, &a);
    lua_pushvalue(L, -3);
    int status = lua_pcall(L, 2, 0, 0);
    if (status != LUA_OK)
        lua_pop(L, 1);
    lua_pop(L, 1);
    return status == LUA_OK ? KH_OK : KH_ENOMEM;
}

/* ---- compiling ------------------------------------------------------------ */

/* Split a Lua message "<file>.lua:<line>: text" or "<file>.lua: text" into
 * its parts; messages without a position get the chunk name. */
static int set_script_error(kh_error *err, int code, const char *chunkname,
                            const char *msg)
{
    const char *p = msg;
    while (*p && *p != ':' && *p != ' ' && *p != '\n')
        p++;
    if (*p == ':' && p - msg > 4 && memcmp(p - 4, ".lua", 4) == 0) {
        int file_len = (int)(p - msg);
        const char *q = p + 1;
        int line = 0;
        const char *digits = q;
        while (*q >= '0' && *q <= '9' && line < 100000000)
            line = line * 10 + (*q++ - '0');
        if (q > digits && *q == ':')
            p = q;
        else
            line = 0;
        p++;
        if (*p == ' ')
            p++;
        char file[KH_ERROR_FILE_MAX];
        snprintf(file, sizeof file, "%.*s", file_len, msg);
        return kh_error_set(err, code, file, line, 0, "%s", p);
    }
    return kh_error_set(err, code, chunkname, 0, 0, "%s", msg);
}

struct compile_args {
    kh_sandbox *sb;
    const char *text;
    size_t len;
    const char *chunkname; /* "=name" */
    int status;
};

static int sb_compile(lua_State *L)
{
    struct compile_args *a = lua_touserdata(L, 1);
    a->status = luaL_loadbufferx(L, a->text, a->len, a->chunkname, "t");
    if (a->status != LUA_OK)
        return 1; /* message on the stack, read by the caller below */
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->sb->chunks_ref);
    lua_insert(L, -2);
    lua_rawseti(L, -2, (lua_Integer)a->sb->chunks_count + 1);
    return 0;
}

int kh_sandbox_compile(kh_sandbox *sb, const char *name, const char *text,
                       size_t len, int *id, kh_error *err)
{
    lua_State *L = sb->L;
    if (len >= 4 && memcmp(text, LUA_SIGNATURE, 4) == 0)
        return kh_error_set(err, KH_ESCRIPT, name, 0, 0,
                            "precompiled Lua bytecode is refused; rules must be "
                            "Lua source text");
    if (sb->chunks_count == sb->chunks_cap) {
        size_t cap = sb->chunks_cap ? sb->chunks_cap * 2 : 16;
        chunk *c = realloc(sb->chunks, cap * sizeof *c);
        if (!c)
            return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        sb->chunks = c;
        sb->chunks_cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    char chunkname[KH_ERROR_FILE_MAX + 2];
    snprintf(chunkname, sizeof chunkname, "=%s", name);

    struct compile_args a = {sb, text, len, chunkname, LUA_OK};
    int top = lua_gettop(L);
    if (!lua_checkstack(L, 4)) {
        free(copy);
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    }
    lua_pushcfunction(L, sb_compile);
    lua_pushlightuserdata(L, &a);
    int status = lua_pcall(L, 1, 1, 0);
    int rc = KH_OK;
    if (status == LUA_ERRMEM || a.status == LUA_ERRMEM) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    } else if (status != LUA_OK || a.status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        rc = set_script_error(err, KH_ESCRIPT, name, msg ? msg : "cannot compile");
    }
    lua_settop(L, top);
    if (rc != KH_OK) {
        free(copy);
        return rc;
    }
    sb->chunks[sb->chunks_count].name = copy;
    *id = (int)sb->chunks_count++;
    return KH_OK;
}

int kh_sandbox_compile_file(kh_sandbox *sb, const char *name, const char *path,
                            int *id, kh_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kh_error_set(err, errno == ENOENT ? KH_ENOTFOUND : KH_EIO, path,
                            0, 0, "cannot open: %s", strerror(errno));
    char *buf = malloc(KH_SANDBOX_MAX_SOURCE + 1);
    if (!buf) {
        fclose(f);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t len = fread(buf, 1, KH_SANDBOX_MAX_SOURCE + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = kh_error_set(err, KH_EIO, path, 0, 0, "read error");
    else if (len > KH_SANDBOX_MAX_SOURCE)
        rc = kh_error_set(err, KH_EINPUT, path, 0, 0,
                          "script larger than %zu bytes", KH_SANDBOX_MAX_SOURCE);
    else
        rc = kh_sandbox_compile(sb, name, buf, len, id, err);
    free(buf);
    return rc;
}

int kh_sandbox_add_library(kh_sandbox *sb, int id)
{
    if (id < 0 || (size_t)id >= sb->chunks_count)
        return KH_EINVAL;
    if (sb->libs_count == sb->libs_cap) {
        size_t cap = sb->libs_cap ? sb->libs_cap * 2 : 8;
        int *l = realloc(sb->libs, cap * sizeof *l);
        if (!l)
            return KH_ENOMEM;
        sb->libs = l;
        sb->libs_cap = cap;
    }
    sb->libs[sb->libs_count++] = id;
    return KH_OK;
}

/* ---- watchdog ------------------------------------------------------------- */

/* The count hook reads the clock only every HOOK_CHUNK instructions, and a
 * C library call runs no instructions at all: a loop of heavy calls (a gsub
 * over a megabyte, a sort of 10^5 elements) would pass the deadline by
 * seconds between two reads. So each run also arms a one-shot POSIX timer
 * for its deadline, aimed at the running thread (SIGEV_THREAD_ID); its
 * signal handler only calls lua_sethook — which Lua allows in a signal
 * handler — to fire the hook on the next instruction, where the clock is
 * read. The overshoot is then one C call, which the guards above bound.
 *
 * The signal is SIGRTMIN + WATCHDOG_SIGNAL_OFFSET. The timer is created
 * once per sandbox and thread (and process: see below), with the thread id
 * fetched once per thread; each run only arms it (timer_settime with the
 * absolute deadline) and disarms it (timer_settime with zero): two system
 * calls per run. When the timer is created, the handler is installed if the
 * signal is at its default disposition (once per process: later it is
 * ours); when the embedding program uses that signal, the sandbox's runs
 * on that thread fall back to the clock reads of the hook. If the signal
 * is blocked on the thread at that moment, it is unblocked for each run and
 * the mask restored after it (two more calls per run); otherwise the mask
 * is not touched.
 *
 * Why no signal outlives its run:
 *  - The signal is thread-directed and not blocked on the thread during the
 *    run. A pending, unblocked signal is delivered on the thread's next
 *    return from the kernel. timer_settime cannot return while the timer's
 *    expiry is being handled (the kernel waits for it), so a signal
 *    generated before the disarm is queued by the time the disarming
 *    timer_settime returns, and is delivered on that return — while the
 *    run, and the sandbox, still expect it. After the return the timer is
 *    disarmed and generates nothing.
 *  - Even so, the handler acts only for the run in progress: it ignores the
 *    signal unless the thread is inside a run of the sandbox the timer
 *    belongs to (wd_running, a thread-local set before the arm and cleared
 *    after the disarm; it never dereferences another pointer). And the
 *    signal decides nothing by itself: sb->alarm, reset per run, only makes
 *    the hook read the clock now, and the run stops only if its own
 *    deadline has passed. A timer signal that came late (say, an embedder
 *    blocked the signal on the thread between runs, so it stayed pending)
 *    therefore trips no later run: it costs one early clock read.
 *
 * fork(): a POSIX timer is not inherited, and the child may create timers
 * with the ids the parent's had. The child of every fork bumps
 * wd_fork_generation and forgets its thread serial (a pthread_atfork
 * handler), so a sandbox created before the fork sees, at its first run in
 * the child, that its timer belongs to another process: it creates its own
 * without deleting the parent's id. kaohe itself creates its rules after
 * forking (batch workers) or does not score in the child (--isolate), but
 * embedders may do otherwise. A sandbox run by another thread of the same
 * process deletes its timer and makes one aimed at the new thread. */
#ifdef HAVE_WATCHDOG
#if defined(__GNUC__) || defined(__clang__)
/* Read by the signal handler: static TLS, never allocated lazily. */
#define WD_TLS _Thread_local __attribute__((tls_model("initial-exec")))
#else
#define WD_TLS _Thread_local
#endif

/* This thread's serial (unique in the process; 0: not yet given) and id. */
static WD_TLS unsigned long wd_serial;
static WD_TLS pid_t wd_tid;
/* The sandbox whose run this thread is in, with its timer armed. */
static WD_TLS kh_sandbox *volatile wd_running;
static atomic_ulong wd_serials;
/* Bumped in the child of every fork (one thread there, no race; threads
 * created later see it through pthread_create). */
static unsigned long wd_fork_generation;
static pthread_once_t wd_once = PTHREAD_ONCE_INIT;

static void wd_atfork_child(void)
{
    wd_fork_generation++;
    wd_serial = 0; /* the child's thread has another id */
}

static void wd_init_once(void)
{
    pthread_atfork(NULL, NULL, wd_atfork_child);
}

static void watchdog_handler(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    kh_sandbox *sb = wd_running;
    if (!sb || !info || info->si_code != SI_TIMER || info->si_value.sival_ptr != sb)
        return;
    sb->alarm = 1;
    lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT | (lua_gethookmask(sb->L) & LUA_MASKLINE), 1);
}

/* Our handler is in place, or the signal was free and now is ours. */
static int watchdog_handler_installed(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0)
        return 0;
    if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == watchdog_handler)
        return 1;
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
        return 0; /* the embedding program's */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = watchdog_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL) == 0;
}

/* The first run of sb on this thread (in this process): a timer aimed at
 * the thread, or none (the hook's clock reads remain). */
static void watchdog_setup(kh_sandbox *sb, unsigned long self)
{
    watchdog *w = &sb->wd;
    if (w->has_timer && w->process == wd_fork_generation)
        timer_delete(w->timer); /* aimed at another thread of this process */
    w->has_timer = 0; /* a timer of a parent process is not ours to delete */
    w->thread = self;
    w->process = wd_fork_generation;
    int sig = SIGRTMIN + WATCHDOG_SIGNAL_OFFSET;
    if (sig > SIGRTMAX || !watchdog_handler_installed(sig))
        return;
    sigset_t mask;
    if (pthread_sigmask(SIG_BLOCK, NULL, &mask) != 0)
        return;
    w->unblock = sigismember(&mask, sig) == 1;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = sig;
    sev.sigev_value.sival_ptr = sb;
#ifdef sigev_notify_thread_id
    sev.sigev_notify_thread_id = wd_tid;
#else
    sev._sigev_un._tid = wd_tid;
#endif
    if (timer_create(CLOCK_MONOTONIC, &sev, &w->timer) == 0)
        w->has_timer = 1;
}
#endif

/* Arm the timer for sb->deadline; without it the hook's clock reads remain. */
static void watchdog_arm(kh_sandbox *sb)
{
    sb->alarm = 0;
    sb->wd.armed = 0;
#ifdef HAVE_WATCHDOG
    watchdog *w = &sb->wd;
    if (!wd_serial) {
        pthread_once(&wd_once, wd_init_once);
        wd_tid = gettid();
        wd_serial = atomic_fetch_add(&wd_serials, 1) + 1;
    }
    if (w->thread != wd_serial || w->process != wd_fork_generation)
        watchdog_setup(sb, wd_serial);
    if (!w->has_timer)
        return;
    int sig = SIGRTMIN + WATCHDOG_SIGNAL_OFFSET;
    if (w->unblock) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        if (pthread_sigmask(SIG_UNBLOCK, &set, &w->saved_mask) != 0)
            return;
    }
    w->outer = wd_running;
    wd_running = sb;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value = sb->deadline;
    if (timer_settime(w->timer, TIMER_ABSTIME, &its, NULL) != 0) {
        wd_running = w->outer;
        if (w->unblock)
            pthread_sigmask(SIG_SETMASK, &w->saved_mask, NULL);
        return;
    }
    w->armed = 1;
#endif
}

/* Before the hook is cleared. A signal generated before the disarm is
 * delivered on the return from timer_settime, still inside the run. */
static void watchdog_disarm(kh_sandbox *sb)
{
#ifdef HAVE_WATCHDOG
    watchdog *w = &sb->wd;
    if (!w->armed)
        return;
    struct itimerspec zero;
    memset(&zero, 0, sizeof zero);
    timer_settime(w->timer, 0, &zero, NULL);
    wd_running = w->outer;
    if (w->unblock)
        pthread_sigmask(SIG_SETMASK, &w->saved_mask, NULL);
    w->armed = 0;
#else
    (void)sb;
#endif
}

/* kh_sandbox_free: the timer, if this process made it. */
static void watchdog_free(kh_sandbox *sb)
{
#ifdef HAVE_WATCHDOG
    if (sb->wd.has_timer && sb->wd.process == wd_fork_generation)
        timer_delete(sb->wd.timer);
    sb->wd.has_timer = 0;
#else
    (void)sb;
#endif
}

/* ---- running -------------------------------------------------------------- */

struct run_args {
    kh_sandbox *sb;
    int id;
    kh_sandbox_fn prepare, inspect;
    void *ctx;
};

/* Message handler: keep string messages (they carry "fz01.lua:12:"); name
 * the type of any other error object without calling its metamethods. */
static int sb_msgh(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        return 1;
    lua_pushfstring(L, "error object is a %s", luaL_typename(L, 1));
    return 1;
}

/* The environment builder: a Lua function, generated once per sandbox from
 * the shared globals and the library templates, that fills the fresh
 * environment it is given:
 *
 *     local e, G, L = ...
 *     e["assert"] = G["assert"]  ...
 *     local l = L["string"] e["string"] = {["byte"] = l["byte"], ...}  ...
 *     e["_G"] = e
 *
 * Each field is one GETFIELD and one SETFIELD of the VM instead of a
 * lua_next, lua_pushvalue, lua_insert and lua_rawset through the C API: the
 * same tables with the same contents, built in a fraction of the time. The
 * builder runs before the hook is armed, so no script is charged for its
 * instructions, and its chunk name has no '=', so coverage never reports
 * it. It is rebuilt when a global is added. */
/* k as a Lua string literal in q (at least 4 * n + 3 bytes). */
static void quote(char *q, const char *k, size_t n)
{
    *q++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
            snprintf(q, 5, "\\%03u", c);
            q += 4;
        } else {
            *q++ = (char)c;
        }
    }
    *q++ = '"';
    *q = '\0';
}

#define ENV_KEY_MAX 128

/* Append a piece of source text to the sequence at parts (*n pieces). */
static void add_piece(lua_State *L, int parts, size_t *n)
{
    lua_rawseti(L, parts, (lua_Integer)++*n);
}

/* Append `<dst>[k] = <src>[k]<sep>` for every string key of the table at t
 * (globals and library fields are named, so there are no others). Returns
 * the number of keys. */
static size_t add_copies(lua_State *L, int parts, size_t *n, int t, const char *dst,
                         const char *src, const char *sep)
{
    size_t count = 0;
    char q[4 * ENV_KEY_MAX + 3];
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        size_t len;
        if (lua_type(L, -1) != LUA_TSTRING)
            continue;
        const char *k = lua_tolstring(L, -1, &len);
        if (len > ENV_KEY_MAX)
            luaL_error(L, "sandbox: global name longer than %d bytes", ENV_KEY_MAX);
        quote(q, k, len);
        lua_pushfstring(L, "%s[%s] = %s[%s]%s", dst, q, src, q, sep);
        add_piece(L, parts, n);
        count++;
    }
    return count;
}

/* Protected: generate and compile the builder; keep it in the registry. */
static void make_env_builder(lua_State *L, kh_sandbox *sb)
{
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->globals_ref);
    int globals = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->libtpl_ref);
    int tpl = lua_gettop(L);
    lua_newtable(L);
    int parts = lua_gettop(L);
    size_t n = 0;
    char q[4 * ENV_KEY_MAX + 3];
    lua_pushliteral(L, "local e, G, L = ...\n");
    add_piece(L, parts, &n);
    size_t size = add_copies(L, parts, &n, globals, "e", "G", "\n") + 1; /* and _G */
    lua_pushnil(L);
    while (lua_next(L, tpl)) { /* name, lib */
        size_t len;
        const char *name = lua_tolstring(L, -2, &len);
        if (len > ENV_KEY_MAX)
            luaL_error(L, "sandbox: library name longer than %d bytes", ENV_KEY_MAX);
        quote(q, name, len);
        lua_pushfstring(L, "do local l = L[%s] e[%s] = {\n", q, q);
        add_piece(L, parts, &n);
        add_copies(L, parts, &n, lua_gettop(L), "", "l", ",\n");
        lua_pushliteral(L, "} end\n");
        add_piece(L, parts, &n);
        lua_pop(L, 1);
        size++;
    }
    lua_pushliteral(L, "e[\"_G\"] = e\n");
    add_piece(L, parts, &n);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, parts, (lua_Integer)i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    if (luaL_loadbufferx(L, src, len, "(sandbox environment)", "t") != LUA_OK)
        lua_error(L);
    sb->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    sb->env_size = size;
    lua_settop(L, top);
}

/* Leave the run's fresh environment on the stack: the shared globals, fresh
 * copies of the library tables, _G. */
static void build_env(lua_State *L, kh_sandbox *sb)
{
    if (sb->env_ref == LUA_NOREF)
        make_env_builder(L, sb);
    /* room for the globals, the libraries, _G and the embedder's per-run
     * constants, so that no insertion rehashes */
    lua_createtable(L, 0, (int)sb->env_size + 8);
    int env = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->env_ref);
    lua_pushvalue(L, env);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->globals_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->libtpl_ref);
    lua_call(L, 3, 0);
}

/* Push chunk id with its _ENV set to the table at env. */
static void push_chunk(lua_State *L, kh_sandbox *sb, int id, int env)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->chunks_ref);
    lua_rawgeti(L, -1, (lua_Integer)id + 1);
    lua_remove(L, -2);
    lua_pushvalue(L, env);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1); /* a chunk without upvalues uses no globals */
}

static int sb_run(lua_State *L)
{
    struct run_args *a = lua_touserdata(L, 1);
    kh_sandbox *sb = a->sb;
    lua_settop(L, 0);
    build_env(L, sb);
    if (a->prepare)
        a->prepare(L, 1, a->ctx);
    lua_settop(L, 1);
    /* The limits apply from the first library on (the allocator's cap
     * already covers the environment). A watchdog signal that came during
     * the build left sb->alarm set: arm_hook makes the first instruction
     * read the clock. */
    arm_hook(L, sb, sb->hook_count);
    for (size_t i = 0; i < sb->libs_count; i++) {
        push_chunk(L, sb, sb->libs[i], 1);
        lua_call(L, 0, 0);
    }
    push_chunk(L, sb, a->id, 1);
    lua_call(L, 0, 1);
    if (a->inspect)
        a->inspect(L, 2, a->ctx);
    lua_settop(L, 2);
    return 1;
}

/* The script writes its error message: no terminal control sequences (ESC,
 * BEL, … and the C1 controls, UTF-8 C2 80..C2 9F) reach a text report. */
static void scrub_controls(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p[0] = ' ';
            p[1] = ' ';
            p++;
        }
    }
}

/* Whether file names chunk id or a library: the only chunks a run's error
 * can come from. A script's own error("fz02.lua:5: …", 0) is otherwise read
 * as another file's error. */
static int ran_chunk(const kh_sandbox *sb, int id, const char *file)
{
    if (strcmp(file, sb->chunks[id].name) == 0)
        return 1;
    for (size_t i = 0; i < sb->libs_count; i++)
        if (strcmp(file, sb->chunks[sb->libs[i]].name) == 0)
            return 1;
    return 0;
}

int kh_sandbox_run(kh_sandbox *sb, int id, kh_sandbox_fn prepare,
                   kh_sandbox_fn inspect, void *ctx, kh_error *err)
{
    lua_State *L = sb->L;
    const char *name = kh_sandbox_chunk_name(sb, id);
    if (!name)
        return kh_error_set(err, KH_EINVAL, NULL, 0, 0, "no chunk %d", id);
    if (sb->anchored)
        kh_sandbox_end(sb);
    sb->top = lua_gettop(L);
    if (!lua_checkstack(L, 8))
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");

    /* The collector is stopped (kh_sandbox_new), so nothing is collected
     * while a script runs unless the allocator refuses the cap and Lua makes
     * its emergency collection. Garbage of earlier runs is swept by a full
     * collection here once it passed COLLECT_EVERY (or a quarter of the
     * memory limit), not before every run.
     *
     * A run that starts with such garbage on the heap ("restartable") and
     * never reaches its cap saw no collection at all: what earlier runs
     * left was invisible to it (and finalizers and weak tables are refused
     * anyway). If it does reach its cap, where the cap lies relative to the
     * earlier garbage would decide whether it fails, and when a collection
     * happens: so the first refusal abandons the attempt (TRIP_RESTART, the
     * hook raises on the next instruction and nothing catches it), and the
     * run starts over after a full collection, under the same deadline,
     * from a heap like the one every run started from before this
     * schedule. prepare is then called again. */
    size_t every = sb->limits.memory / 4 < COLLECT_EVERY ? sb->limits.memory / 4
                                                         : COLLECT_EVERY;
    if (sb->allocs != sb->allocs_collected && sb->used > sb->collected_used + every)
        full_collect(sb);
    int restartable = sb->allocs != sb->allocs_collected;

    clock_gettime(CLOCK_MONOTONIC, &sb->deadline);
    sb->deadline.tv_sec += (time_t)(sb->limits.timeout_ms / 1000);
    sb->deadline.tv_nsec += (long)(sb->limits.timeout_ms % 1000) * 1000000L;
    if (sb->deadline.tv_nsec >= 1000000000L) {
        sb->deadline.tv_sec++;
        sb->deadline.tv_nsec -= 1000000000L;
    }
    watchdog_arm(sb);

    struct run_args a = {sb, id, prepare, inspect, ctx};
    int status;
    for (;;) {
        lua_pushcfunction(L, sb_msgh);
        lua_pushcfunction(L, sb_run);
        lua_pushlightuserdata(L, &a);
        sb->trip = TRIP_NONE;
        sb->executed = 0;
        sb->cap_refused = 0;
        sb->mem_refusals = 0;
        sb->cap = sb->used + sb->limits.memory < sb->used ? SIZE_MAX
                                                          : sb->used + sb->limits.memory;
        sb->hook_count = sb->limits.instructions < HOOK_CHUNK
                             ? (int)sb->limits.instructions : HOOK_CHUNK;
        sb->restartable = restartable;
        status = lua_pcall(L, 1, 1, sb->top + 1);
        sb->restartable = 0;
        lua_sethook(L, NULL, 0, 0);
        sb->cap = SIZE_MAX;
        if (sb->trip != TRIP_RESTART)
            break;
        lua_settop(L, sb->top);
        full_collect(sb);
        restartable = 0;
    }

    watchdog_disarm(sb);
    lua_sethook(L, NULL, 0, 0);

    if (status == LUA_OK && sb->trip == TRIP_NONE) {
        sb->anchored = 1;
        return KH_OK;
    }
    int rc;
    char msg[256];
    if (sb->trip == TRIP_NONE &&
        (sb->mem_refusals || (status == LUA_ERRMEM && sb->cap_refused)))
        sb->trip = TRIP_MEMORY; /* also when a __close replaced the error */
    if (sb->trip != TRIP_NONE) {
        trip_message(sb, sb->trip, msg, sizeof msg);
        rc = kh_error_set(err, KH_ELIMIT, name, 0, 0, "%s", msg);
    } else if (status == LUA_ERRMEM) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "not enough memory");
    } else if (status == LUA_ERRERR) {
        rc = kh_error_set(err, KH_ESCRIPT, name, 0, 0, "error in error handling");
    } else {
        const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        rc = set_script_error(err, KH_ESCRIPT, name, m ? m : "unknown error");
        if (m && err && !ran_chunk(sb, id, err->file)) /* error("fz02.lua:5: …", 0) */
            rc = kh_error_set(err, KH_ESCRIPT, name, 0, 0, "%s", m);
        if (err)
            scrub_controls(err->message);
    }
    lua_settop(L, sb->top);
    if (sb->trip != TRIP_NONE || status == LUA_ERRMEM)
        full_collect(sb); /* give back what a bomb took */
    sb->trip = TRIP_NONE;
    return rc;
}

void kh_sandbox_end(kh_sandbox *sb)
{
    if (!sb || !sb->anchored)
        return;
    lua_settop(sb->L, sb->top);
    sb->anchored = 0;
}

double kh_sandbox__round2(double x)
{
    /* From 1e15 on a double has no cents (and x * 100 could overflow to
     * infinity: 1e308 must stay 1e308). */
    if (!isfinite(x) || fabs(x) >= 1e15)
        return x;
    double r = fabs(x) * 100.0;
    /* The tolerance is relative, but never a thousandth of a cent or more:
     * 1e-12 × r alone would round 1e10 + 0.004 up to 1e10 + 0.01. */
    double eps = (r > 1.0 ? r : 1.0) * 1e-12;
    double v = floor(r + 0.5 + (eps < 1e-3 ? eps : 1e-3)) / 100.0;
    if (v == 0.0)
        return 0.0;
    return x < 0 ? -v : v;
}

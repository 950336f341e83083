/*
 * sandbox.h — private: the Lua sandbox that runs untrusted rule scripts.
 *
 * One kh_sandbox owns one lua_State with a counting allocator. Scripts are
 * compiled once (text only, bytecode refused) and run many times, each run in
 * a FRESH environment table holding fresh copies of the standard library
 * tables, under an instruction budget, a memory cap and a wall-clock
 * deadline. A limit that trips cannot be caught by the script (pcall/xpcall
 * re-raise it, the hook keeps raising; a memory error stays one even when a
 * __close handler replaces it), and the run fails with
 * "fz01.lua: instruction limit exceeded (10000000)". The deadline is also
 * enforced by a per-run POSIX timer (Linux: signal SIGRTMIN + 6, aimed at the
 * running thread, handler installed on first use only if the signal is at
 * its default disposition) whose handler forces the hook on the next
 * instruction, so C library calls cannot carry a run far past it. The
 * collector is stopped: garbage is collected before a run once enough piled
 * up, and within a run only when it reaches its memory cap; a run that
 * reaches the cap with earlier runs' garbage on the heap starts over on a
 * collected heap, so neither its memory budget nor anything it can observe
 * depends on earlier runs (kh_sandbox_run in sandbox.c, docs/security.md).
 *
 * What a script sees: base (no load, loadfile, dofile, require,
 * collectgarbage, rawset, print, warn; setmetatable refuses __gc and __mode;
 * tostring
 * shows no addresses: "table: 0x…"), string (no dump; format refuses "%p"
 * and shows no addresses; rep, find, match, gmatch, gsub guarded; the string
 * metatable is locked), table (insert, remove, concat, sort and move bounded
 * to 1,000,000 elements, the length read once), math (no random,
 * randomseed), utf8, the generic helpers of the embedded prelude (clamp,
 * linear, per_point_below, per_started_below, bands, capped, round2, fmt,
 * percent, days_between, date_parts) and whatever globals the embedder adds
 * (score.c adds the rule API). No io, os, debug, package or coroutine.
 * docs/security.md ("Lua sandbox") describes the design and its limits.
 *
 * The sandbox is not thread-safe; one kh_sandbox is used by one thread.
 */
#ifndef KH_SANDBOX_H
#define KH_SANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "kaohe/error.h"

typedef struct kh_sandbox kh_sandbox;

/* Per-run limits. 0 means the default (1e7 instructions, 16 MiB, 2000 ms). */
typedef struct kh_sandbox_limits {
    unsigned long instructions;
    size_t memory;       /* bytes */
    unsigned timeout_ms;
} kh_sandbox_limits;

#define KH_SANDBOX_DEFAULT_INSTRUCTIONS 10000000UL
#define KH_SANDBOX_DEFAULT_MEMORY ((size_t)16 * 1024 * 1024)
#define KH_SANDBOX_DEFAULT_TIMEOUT_MS 2000U

/* Largest script or library file accepted, in bytes. */
#define KH_SANDBOX_MAX_SOURCE ((size_t)4 * 1024 * 1024)

/* Create a sandbox. limits may be NULL (defaults). *out: caller owns; free
 * with kh_sandbox_free(). Returns KH_OK, KH_ENOMEM or KH_ESCRIPT (the prelude
 * did not load — a build bug). */
int kh_sandbox_new(kh_sandbox **out, const kh_sandbox_limits *limits,
                   kh_error *err);
void kh_sandbox_free(kh_sandbox *sb); /* accepts NULL */

/* The state, for registering host functions. Borrowed. Do not run code on
 * it except through kh_sandbox_run(). */
lua_State *kh_sandbox__state(kh_sandbox *sb);

/* Call f with ud (a light userdata) as its only argument in protected mode,
 * without limits: for registering host functions. On error returns
 * KH_ENOMEM or KH_ESCRIPT with "what: message" in err. */
int kh_sandbox_call(kh_sandbox *sb, lua_CFunction f, void *ud, kh_error *err,
                    const char *what);

/* Pop the value on top of the stack and make it the global `name` of every
 * environment the sandbox builds. The value is shared by all runs, so it must
 * be immutable from Lua: a function, number, string or boolean (a table is
 * refused with KH_EINVAL). Call before the first run. */
int kh_sandbox_add_global(kh_sandbox *sb, const char *name);

/* Compile a text chunk. name is the chunk name as shown in messages
 * ("fz01.lua", "lib/util.lua"); copied. On success *id identifies the chunk.
 * A compile error returns KH_ESCRIPT with err->message "fz01.lua:3: ..." and
 * err->file = name, err->line = the line. A chunk that starts with the Lua
 * bytecode signature is refused with a clear message. */
int kh_sandbox_compile(kh_sandbox *sb, const char *name, const char *text,
                       size_t len, int *id, kh_error *err);
/* Read path (at most KH_SANDBOX_MAX_SOURCE bytes) and compile it as name.
 * KH_ENOTFOUND / KH_EIO when the file cannot be read. */
int kh_sandbox_compile_file(kh_sandbox *sb, const char *name, const char *path,
                            int *id, kh_error *err);

/* Make chunk id a library: every run executes the libraries first, in the
 * order they were added, in the run's environment (so their global
 * definitions are that run's, never shared). */
int kh_sandbox_add_library(kh_sandbox *sb, int id);

/* Called inside the protected run. prepare gets the fresh environment at
 * stack index `index` (add per-run globals with lua_setfield). It may be
 * called twice in one kh_sandbox_run, when the run is started over on a
 * collected heap: it must reset whatever per-run state the embedder's
 * functions keep. inspect gets
 * the chunk's first return value at `index` (nil when it returned nothing)
 * and may reject it with luaL_error (the message is prefixed with the chunk
 * name). Both may raise; neither may malloc memory that outlives a raise. */
typedef void (*kh_sandbox_fn)(lua_State *L, int index, void *ctx);

/* Run chunk id in a fresh environment under the limits: libraries, then the
 * chunk, then inspect. On KH_OK the chunk's first return value stays anchored
 * on the stack until kh_sandbox_end(), so pointers inspect took from it
 * (lua_tostring of its fields) stay valid until then; no Lua code runs in
 * between. On failure returns KH_ESCRIPT (error or bad result) or KH_ELIMIT
 * (a limit tripped), fills err->message with "fz01.lua:12: message" (err->file
 * = chunk name, err->line when known), and the stack is already restored —
 * do not call kh_sandbox_end(). */
int kh_sandbox_run(kh_sandbox *sb, int id, kh_sandbox_fn prepare,
                   kh_sandbox_fn inspect, void *ctx, kh_error *err);
/* Drop the anchored result of a successful run and restore the stack. */
void kh_sandbox_end(kh_sandbox *sb);

/* Coverage mode: fn is called for every new line a run executes (a Lua line
 * hook beside the limit hook), with the chunk name ("fz01.lua",
 * "lib/util.lua", "(prelude)") and the line. Scripts cannot see or change
 * it. NULL turns it off. Call between runs; fn must not raise or run Lua. */
typedef void (*kh_sandbox_line_fn)(void *ctx, const char *chunk, int line);
void kh_sandbox_set_line_hook(kh_sandbox *sb, kh_sandbox_line_fn fn, void *ctx);

/* Chunk name of id (borrowed), or NULL. */
const char *kh_sandbox_chunk_name(const kh_sandbox *sb, int id);

/* Bytes the state holds now (for tests and diagnostics). */
size_t kh_sandbox_memory(const kh_sandbox *sb);

/* Change the wall-clock limit of the next runs (for tests: the watchdog's
 * timer is kept across runs with different deadlines). 0: the default. */
void kh_sandbox__set_timeout(kh_sandbox *sb, unsigned timeout_ms);

/* Tests only: call probe(L, ctx) in the count hook each time it is about
 * to re-arm (after its clock read found the deadline not yet passed) — the
 * moment a watchdog signal must not be lost. NULL removes it. */
void kh_sandbox__set_hook_probe(kh_sandbox *sb, void (*probe)(lua_State *L, void *ctx),
                                void *ctx);

/* Round half away from zero to 2 decimals, decimal-aware: 13.475 → 13.48
 * although 13.475 is stored as 13.4749999…. The prelude's round2 and fmt use
 * the same rule. NaN and infinities are returned unchanged. */
double kh_sandbox__round2(double x);

#endif

/*
 * score.c — scoring reports with a scheme's Lua rules: the rule API the
 * scripts call (fact, fact_info, has, param, score, missing, monitor and the
 * constants MAX, ID, YEAR, TOTAL), turning each run into an indicator result
 * under the scheme's missing policy, totals, grades, adjustments and ranking.
 * The sandbox itself (limits, libraries, fresh environments) is sandbox.c;
 * docs/rules.md is the reference for rule authors.
 */
#include "kaohe/score.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "facts_internal.h"
#include "kaohe/number.h"
#include "sandbox.h"
#include "scheme_internal.h" /* kh_scheme__lib_scripts */
#include "score_internal.h"

#define BRANCH_MAX 64         /* bytes of a branch name */
#define EXPLANATION_MAX 4096  /* bytes of an explanation */
#define RESULT_MT "kaohe.result"

enum result_kind { RES_SCORE = 1, RES_MISSING = 2, RES_MONITOR = 3 };

/* What score()/missing()/monitor() return: a full userdata a script cannot
 * forge. User values: 1 = branch (string or nil), 2 = explanation. */
typedef struct result_ud {
    unsigned serial;     /* the run that made it */
    int kind;            /* enum result_kind */
    double points;       /* score() points or monitor() value, raw */
    int line;            /* line of the call in the indicator's script */
    size_t nkeys;        /* keys awaiting review */
    size_t keys[];       /* indices into indicator->facts */
} result_ud;

/* One (report, indicator) run. Everything is allocated before the script
 * starts; nothing is malloc'ed while it runs. */
typedef struct run {
    const kh_indicator *ind;  /* borrowed */
    const kh_factset *facts;  /* borrowed; may be NULL */
    int year;
    unsigned serial;
    size_t *read;             /* indices into ind->facts, first-read order */
    unsigned char *state;     /* per declared key: 0 unread, 1 found, 2 missing */
    size_t read_count;
    /* Set by inspect; borrowed from the anchored result. */
    const result_ud *res;
    const char *branch;
    const char *explanation;
} run;

struct kh_rules {
    const kh_scheme *scheme; /* borrowed */
    kh_sandbox *sb;          /* owned */
    int *chunk;              /* owned: chunk id per indicator */
    run *current;            /* the run in progress, or NULL */
    unsigned serial;
    int mt_ref;              /* registry ref of the result metatable */
};

const char *kh_status_name(kh_indicator_status s)
{
    switch (s) {
    case KH_STATUS_SCORED: return "scored";
    case KH_STATUS_MISSING: return "missing";
    case KH_STATUS_ERROR: return "error";
    default: return "unknown";
    }
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

static double round2(double x)
{
    return kh_sandbox__round2(x);
}

/* ---- the rule API ------------------------------------------------------- */

static run *current_run(lua_State *L)
{
    kh_rules *rules = lua_touserdata(L, lua_upvalueindex(1));
    if (!rules || !rules->current)
        luaL_error(L, "rule API called outside a rule run");
    return rules->current;
}

static size_t declared_index(const kh_indicator *ind, const char *key)
{
    for (size_t i = 0; i < ind->facts_count; i++)
        if (strcmp(ind->facts[i], key) == 0)
            return i;
    return SIZE_MAX;
}

static size_t check_key_at(lua_State *L, run *r, int idx)
{
    size_t len;
    const char *key = lua_tolstring(L, idx, &len);
    if (strlen(key) != len) /* "litigation.cases\0x" is not litigation.cases */
        luaL_error(L, "fact key contains a NUL byte");
    size_t i = declared_index(r->ind, key);
    if (i == SIZE_MAX)
        luaL_error(L, "fact key '%s' is not declared for %s in scheme.yaml", key,
                   r->ind->id);
    return i;
}

static size_t check_key(lua_State *L, run *r, int arg)
{
    luaL_checktype(L, arg, LUA_TSTRING);
    return check_key_at(L, r, arg);
}

static const kh_fact *read_fact(run *r, size_t i)
{
    const kh_fact *f = r->facts ? kh_factset_get(r->facts, r->ind->facts[i]) : NULL;
    if (!r->state[i]) {
        r->state[i] = f ? 1 : 2;
        r->read[r->read_count++] = i;
    }
    return f;
}

static void push_value(lua_State *L, const kh_fact *f)
{
    if (f->type == KH_VALUE_TEXT)
        lua_pushstring(L, f->text ? f->text : "");
    else
        lua_pushnumber(L, f->number);
}

/* fact(key) → number, string, or nil when missing. */
static int api_fact(lua_State *L)
{
    run *r = current_run(L);
    const kh_fact *f = read_fact(r, check_key(L, r, 1));
    if (f)
        push_value(L, f);
    else
        lua_pushnil(L);
    return 1;
}

/* has(key) → boolean. */
static int api_has(lua_State *L)
{
    run *r = current_run(L);
    lua_pushboolean(L, read_fact(r, check_key(L, r, 1)) != NULL);
    return 1;
}

static void set_string(lua_State *L, int t, const char *name, const char *v)
{
    if (v) {
        lua_pushstring(L, v);
        lua_setfield(L, t, name);
    }
}

/* fact_info(key) → table or nil. */
static int api_fact_info(lua_State *L)
{
    run *r = current_run(L);
    const kh_fact *f = read_fact(r, check_key(L, r, 1));
    if (!f) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 12);
    int t = lua_gettop(L);
    set_string(L, t, "key", f->key);
    push_value(L, f);
    lua_setfield(L, t, "value");
    set_string(L, t, "unit", f->unit);
    set_string(L, t, "qualifier", kh_qualifier_name(f->qualifier));
    set_string(L, t, "basis", kh_basis_name(f->basis));
    set_string(L, t, "origin", kh_origin_name(f->origin));
    set_string(L, t, "plugin", f->plugin);
    set_string(L, t, "note", f->note);
    lua_pushinteger(L, f->confidence);
    lua_setfield(L, t, "confidence");
    lua_createtable(L, 0, 3);
    set_string(L, t + 1, "text", f->evidence.text);
    lua_pushinteger(L, f->evidence.line);
    lua_setfield(L, t + 1, "line");
    lua_pushinteger(L, f->evidence.column);
    lua_setfield(L, t + 1, "column");
    lua_setfield(L, t, "evidence");
    return 1;
}

/* param(name) → number or string. */
static int api_param(lua_State *L)
{
    kh_rules *rules = lua_touserdata(L, lua_upvalueindex(1));
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    if (strlen(name) != len)
        return luaL_error(L, "param name contains a NUL byte");
    const kh_param *p = kh_scheme_param(rules->scheme, name);
    if (!p)
        return luaL_error(L, "unknown param '%s' (declare it under params: in "
                          "scheme.yaml)", name);
    if (p->type == KH_PARAM_STRING)
        lua_pushstring(L, p->string ? p->string : "");
    else
        lua_pushnumber(L, p->number);
    return 1;
}

/* An optional string argument of at most max bytes. */
static void check_opt_text(lua_State *L, int arg, const char *what, size_t max)
{
    int t = lua_type(L, arg);
    if (t == LUA_TNONE || t == LUA_TNIL)
        return;
    if (t != LUA_TSTRING)
        luaL_typeerror(L, arg, "string or nil");
    if (lua_rawlen(L, arg) > max)
        luaL_error(L, "%s longer than %d bytes", what, (int)max);
}

static int caller_line(lua_State *L, const char *script)
{
    lua_Debug ar;
    int first = 0;
    for (int level = 1; level < 256 && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar))
            break;
        int line = ar.currentline > 0 ? ar.currentline : 0;
        if (!first)
            first = line;
        if (script && ar.source[0] == '=' && strcmp(ar.source + 1, script) == 0)
            return line;
    }
    return first;
}

static void add_key(result_ud *u, size_t i)
{
    for (size_t k = 0; k < u->nkeys; k++)
        if (u->keys[k] == i)
            return;
    u->keys[u->nkeys++] = i;
}

/* Read a key list argument (string or sequence of strings) into u->keys. */
static void take_keys(lua_State *L, run *r, int arg, result_ud *u)
{
    int t = lua_type(L, arg);
    if (t == LUA_TSTRING) {
        add_key(u, check_key_at(L, r, arg));
        return;
    }
    if (t != LUA_TTABLE)
        luaL_typeerror(L, arg, "fact key or list of fact keys");
    lua_Unsigned n = lua_rawlen(L, arg);
    if (n > 1000)
        luaL_error(L, "too many fact keys (%I)", (lua_Integer)n);
    for (lua_Unsigned k = 1; k <= n; k++) {
        if (lua_rawgeti(L, arg, (lua_Integer)k) != LUA_TSTRING)
            luaL_error(L, "fact key list: entry %I is not a string", (lua_Integer)k);
        add_key(u, check_key_at(L, r, lua_gettop(L)));
        lua_pop(L, 1);
    }
}

/* Push a new result; branch and explanation come from the stack indices
 * (0 = none). */
static result_ud *push_result(lua_State *L, run *r, int kind, double points,
                              int branch, int explanation)
{
    kh_rules *rules = lua_touserdata(L, lua_upvalueindex(1));
    size_t n = r->ind->facts_count;
    result_ud *u = lua_newuserdatauv(L, sizeof *u + n * sizeof u->keys[0], 2);
    memset(u, 0, sizeof *u);
    u->serial = r->serial;
    u->kind = kind;
    u->points = points;
    u->line = caller_line(L, r->ind->script);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rules->mt_ref);
    lua_setmetatable(L, -2);
    if (branch && lua_type(L, branch) == LUA_TSTRING) {
        lua_pushvalue(L, branch);
        lua_setiuservalue(L, -2, 1);
    }
    if (explanation && lua_type(L, explanation) == LUA_TSTRING) {
        lua_pushvalue(L, explanation);
        lua_setiuservalue(L, -2, 2);
    }
    return u;
}

static double check_finite(lua_State *L, int arg, const char *what)
{
    luaL_checktype(L, arg, LUA_TNUMBER);
    double v = lua_tonumber(L, arg);
    if (!isfinite(v))
        luaL_argerror(L, arg, lua_pushfstring(L, "%s must be a finite number", what));
    return v;
}

/* score(points, branch?, explanation?, pending_keys?) */
static int api_score(lua_State *L)
{
    run *r = current_run(L);
    double p = check_finite(L, 1, "points");
    check_opt_text(L, 2, "branch", BRANCH_MAX);
    check_opt_text(L, 3, "explanation", EXPLANATION_MAX);
    lua_settop(L, 4);
    result_ud *u = push_result(L, r, RES_SCORE, p, 2, 3);
    if (!lua_isnil(L, 4))
        take_keys(L, r, 4, u);
    return 1;
}

/* missing(keys?, branch?, explanation?) */
static int api_missing(lua_State *L)
{
    run *r = current_run(L);
    check_opt_text(L, 2, "branch", BRANCH_MAX);
    check_opt_text(L, 3, "explanation", EXPLANATION_MAX);
    lua_settop(L, 3);
    result_ud *u = push_result(L, r, RES_MISSING, 0, 2, 3);
    if (lua_isnil(L, 1)) {
        for (size_t k = 0; k < r->read_count; k++)
            if (r->state[r->read[k]] == 2)
                add_key(u, r->read[k]);
    } else {
        take_keys(L, r, 1, u);
    }
    return 1;
}

/* monitor(value, explanation?, branch?) — monitoring indicators only. */
static int api_monitor(lua_State *L)
{
    run *r = current_run(L);
    if (!r->ind->monitor)
        return luaL_error(L, "monitor() is only for monitoring indicators "
                          "(monitor: true in scheme.yaml); use score()");
    double v = check_finite(L, 1, "value");
    check_opt_text(L, 2, "explanation", EXPLANATION_MAX);
    check_opt_text(L, 3, "branch", BRANCH_MAX);
    lua_settop(L, 3);
    (void)push_result(L, r, RES_MONITOR, v, 3, 2);
    return 1;
}

static int register_api(lua_State *L)
{
    kh_rules *rules = lua_touserdata(L, 1);
    static const luaL_Reg api[] = {
        {"fact", api_fact},       {"has", api_has},
        {"fact_info", api_fact_info}, {"param", api_param},
        {"score", api_score},     {"missing", api_missing},
        {"monitor", api_monitor}, {NULL, NULL}};
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, RESULT_MT);
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, RESULT_MT);
    lua_setfield(L, -2, "__metatable");
    rules->mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    for (const luaL_Reg *f = api; f->name; f++) {
        lua_pushlightuserdata(L, rules);
        lua_pushcclosure(L, f->func, 1);
        if (kh_sandbox_add_global(rules->sb, f->name) != KH_OK)
            return luaL_error(L, "cannot register %s", f->name);
    }
    return 0;
}

/* ---- one run ------------------------------------------------------------ */

typedef struct run_ctx {
    kh_rules *rules;
    run *r;
} run_ctx;

static void prepare(lua_State *L, int env, void *ctx)
{
    run_ctx *c = ctx;
    const kh_indicator *ind = c->r->ind;
    /* A run the sandbox starts over (see kh_sandbox_run) begins afresh. */
    memset(c->r->state, 0, ind->facts_count ? ind->facts_count : 1);
    c->r->read_count = 0;
    c->r->res = NULL;
    c->r->branch = c->r->explanation = NULL;
    lua_pushnumber(L, ind->max);
    lua_setfield(L, env, "MAX");
    lua_pushstring(L, ind->id ? ind->id : "");
    lua_setfield(L, env, "ID");
    if (c->r->year > 0) {
        lua_pushinteger(L, c->r->year);
        lua_setfield(L, env, "YEAR");
    }
    lua_pushnumber(L, c->rules->scheme->total);
    lua_setfield(L, env, "TOTAL");
}

static void inspect(lua_State *L, int idx, void *ctx)
{
    run_ctx *c = ctx;
    int ok = 0;
    if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->rules->mt_ref);
        ok = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    if (!ok)
        luaL_error(L, "rule returned no result (use score(), missing() or monitor())");
    const result_ud *u = lua_touserdata(L, idx);
    if (u->serial != c->r->serial)
        luaL_error(L, "rule returned a result made by another run");
    c->r->res = u;
    if (lua_getiuservalue(L, idx, 1) == LUA_TSTRING)
        c->r->branch = lua_tostring(L, -1);
    lua_pop(L, 1); /* still referenced by the result */
    if (lua_getiuservalue(L, idx, 2) == LUA_TSTRING)
        c->r->explanation = lua_tostring(L, -1);
    lua_pop(L, 1);
}

/* ---- results ------------------------------------------------------------- */

static void result_clear(kh_indicator_result *ir)
{
    free(ir->branch);
    free(ir->explanation);
    free(ir->error);
    for (size_t i = 0; i < ir->missing_count; i++)
        free(ir->missing[i]);
    free(ir->missing);
    for (size_t i = 0; i < ir->facts_count; i++)
        kh_facts__clear(&ir->facts[i]);
    free(ir->facts);
    memset(ir, 0, sizeof *ir);
}

/* Copy what the script returned (anchored in the sandbox) into ir. */
static int take_result(kh_indicator_result *ir, const kh_scheme *scheme, const run *r)
{
    const kh_indicator *ind = r->ind;
    const result_ud *u = r->res;
    ir->line = u->line;
    ir->branch = dup_str(r->branch);
    ir->explanation = dup_str(r->explanation);
    if ((r->branch && !ir->branch) || (r->explanation && !ir->explanation))
        return KH_ENOMEM;
    if (u->nkeys) {
        ir->missing = calloc(u->nkeys, sizeof *ir->missing);
        if (!ir->missing)
            return KH_ENOMEM;
        for (size_t k = 0; k < u->nkeys; k++) {
            ir->missing[k] = strdup(ind->facts[u->keys[k]]);
            if (!ir->missing[k])
                return KH_ENOMEM;
            ir->missing_count++;
        }
    }
    switch (u->kind) {
    case RES_SCORE:
        ir->status = KH_STATUS_SCORED;
        if (ind->monitor) {
            ir->points = round2(u->points);
        } else {
            double p = u->points < 0 ? 0 : u->points > ind->max ? ind->max : u->points;
            ir->points = round2(p);
        }
        break;
    case RES_MONITOR:
        ir->status = KH_STATUS_SCORED;
        ir->points = round2(u->points);
        break;
    default:
        ir->status = KH_STATUS_MISSING;
        ir->points = 0;
        if (!ind->monitor) {
            if (scheme->missing == KH_MISSING_HALF)
                ir->points = round2(ind->max / 2);
            else if (scheme->missing == KH_MISSING_EXCLUDE)
                ir->excluded = true;
        }
        break;
    }
    return KH_OK;
}

static int take_facts(kh_indicator_result *ir, const run *r)
{
    size_t found = 0;
    for (size_t k = 0; k < r->read_count; k++)
        found += r->state[r->read[k]] == 1;
    if (!found)
        return KH_OK;
    ir->facts = calloc(found, sizeof *ir->facts);
    if (!ir->facts)
        return KH_ENOMEM;
    for (size_t k = 0; k < r->read_count; k++) {
        size_t i = r->read[k];
        if (r->state[i] != 1)
            continue;
        const kh_fact *f = kh_factset_get(r->facts, r->ind->facts[i]);
        if (!f)
            continue;
        if (kh_facts__copy(&ir->facts[ir->facts_count], f) != KH_OK)
            return KH_ENOMEM;
        ir->facts_count++;
    }
    return KH_OK;
}

static int run_indicator(kh_rules *rules, size_t i, const kh_factset *facts,
                         int year, kh_indicator_result *ir)
{
    const kh_indicator *ind = &rules->scheme->indicators[i];
    size_t n = ind->facts_count ? ind->facts_count : 1;
    run r;
    memset(&r, 0, sizeof r);
    r.ind = ind;
    r.facts = facts;
    r.year = year;
    r.serial = ++rules->serial;
    r.read = calloc(n, sizeof *r.read);
    r.state = calloc(n, 1);
    ir->indicator = ind;
    if (!r.read || !r.state) {
        free(r.read);
        free(r.state);
        return KH_ENOMEM;
    }
    run_ctx c = {rules, &r};
    kh_error e;
    kh_error_clear(&e);
    rules->current = &r;
    int rc = kh_sandbox_run(rules->sb, rules->chunk[i], prepare, inspect, &c, &e);
    rules->current = NULL;
    int out = KH_OK;
    if (rc == KH_OK) {
        out = take_result(ir, rules->scheme, &r);
        kh_sandbox_end(rules->sb);
    } else {
        char buf[KH_ERROR_FILE_MAX + KH_ERROR_MSG_MAX + 32];
        ir->status = KH_STATUS_ERROR;
        ir->points = 0;
        ir->error = strdup(kh_error_format(&e, buf, sizeof buf));
        if (!ir->error)
            out = KH_ENOMEM;
    }
    if (out == KH_OK)
        out = take_facts(ir, &r);
    free(r.read);
    free(r.state);
    return out;
}

/* ---- totals --------------------------------------------------------------- */

static void recompute_total(kh_report_score *s, const kh_scheme *scheme)
{
    double sum = 0, max_sum = 0;
    bool excluded = false;
    for (size_t i = 0; i < s->indicators_count; i++) {
        const kh_indicator_result *ir = &s->indicators[i];
        if (!ir->indicator || ir->indicator->monitor)
            continue;
        if (ir->excluded) {
            excluded = true;
            continue;
        }
        sum += ir->points;
        max_sum += ir->indicator->max;
    }
    double base = sum;
    if (excluded)
        base = max_sum > 0 ? sum / max_sum * scheme->total : 0;
    for (size_t i = 0; i < s->adjustments_count; i++)
        base += s->adjustments[i].points;
    s->total = round2(base < 0 ? 0 : base);
}

static int set_grade(kh_report_score *s, const kh_scheme *scheme)
{
    free(s->grade);
    s->grade = NULL;
    const char *g = kh_scheme_grade(scheme, s->total);
    if (g && !(s->grade = strdup(g)))
        return KH_ENOMEM;
    return KH_OK;
}

void kh_report_score_free(kh_report_score *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->unit);
    for (size_t i = 0; i < s->indicators_count; i++)
        result_clear(&s->indicators[i]);
    free(s->indicators);
    for (size_t i = 0; i < s->adjustments_count; i++) {
        free(s->adjustments[i].id);
        free(s->adjustments[i].name);
    }
    free(s->adjustments);
    free(s->grade);
    free(s);
}

int kh_rules_score(kh_rules *rules, const kh_factset *facts, const char *path,
                   const char *unit, int year, kh_report_score **out,
                   kh_error *err)
{
    *out = NULL;
    if (!rules)
        return kh_error_set(err, KH_EINVAL, NULL, 0, 0, "no rules");
    const kh_scheme *scheme = rules->scheme;
    kh_report_score *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->year = year > 0 ? year : 0;
    s->path = dup_str(path);
    s->unit = dup_str(unit);
    if ((path && !s->path) || (unit && !s->unit))
        goto nomem;
    if (scheme->indicators_count) {
        s->indicators = calloc(scheme->indicators_count, sizeof *s->indicators);
        if (!s->indicators)
            goto nomem;
    }
    s->indicators_count = scheme->indicators_count;
    for (size_t i = 0; i < scheme->indicators_count; i++)
        if (run_indicator(rules, i, facts, s->year, &s->indicators[i]) != KH_OK)
            goto nomem;
    recompute_total(s, scheme);
    if (set_grade(s, scheme) != KH_OK)
        goto nomem;
    *out = s;
    return KH_OK;
nomem:
    kh_report_score_free(s);
    return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory while scoring");
}

/* ---- adjustments ---------------------------------------------------------- */

static int push_adjustment(kh_adjustment *list, size_t *count, const char *id,
                           const char *name, double points)
{
    kh_adjustment *a = &list[*count];
    a->id = strdup(id);
    a->name = strdup(name);
    a->points = points;
    if (!a->id || !a->name) {
        free(a->id);
        free(a->name);
        return KH_ENOMEM;
    }
    (*count)++;
    return KH_OK;
}

int kh_report_score_adjust(kh_report_score *score, const kh_scheme *scheme,
                           const char *const *event_ids, size_t count,
                           kh_error *err)
{
    if (!score || !scheme || (count && !event_ids))
        return kh_error_set(err, KH_EINVAL, NULL, 0, 0, "adjust: bad argument");
    const kh_adjustment_def **defs = count ? calloc(count, sizeof *defs) : NULL;
    if (count && !defs)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; event_ids[i] && k < scheme->adjustments_count; k++)
            if (strcmp(scheme->adjustments[k].id, event_ids[i]) == 0)
                defs[i] = &scheme->adjustments[k];
        if (!defs[i]) {
            free(defs);
            return kh_error_set(err, KH_ECONFIG, scheme->yaml_path, 0, 0,
                                "unknown adjustment '%s' (not under adjustments: "
                                "in the scheme)", event_ids[i] ? event_ids[i] : "(null)");
        }
    }
    kh_adjustment *list = calloc(count + 2, sizeof *list);
    size_t n = 0;
    int rc = list ? KH_OK : KH_ENOMEM;
    double bonus = 0, penalty = 0;
    for (size_t i = 0; rc == KH_OK && i < count; i++) {
        const kh_adjustment_def *d = defs[i];
        if (d->points > 0)
            bonus += d->points;
        else
            penalty -= d->points;
        rc = push_adjustment(list, &n, d->id, d->name ? d->name : d->id, d->points);
    }
    char name[96];
    if (rc == KH_OK && bonus > scheme->bonus_cap) {
        snprintf(name, sizeof name, "加分封顶（上限 %g 分）", scheme->bonus_cap);
        rc = push_adjustment(list, &n, "bonus_cap", name, scheme->bonus_cap - bonus);
    }
    if (rc == KH_OK && penalty > scheme->penalty_cap) {
        snprintf(name, sizeof name, "扣分封顶（上限 %g 分）", scheme->penalty_cap);
        rc = push_adjustment(list, &n, "penalty_cap", name, penalty - scheme->penalty_cap);
    }
    free(defs);
    if (rc != KH_OK) {
        for (size_t i = 0; i < n; i++) {
            free(list[i].id);
            free(list[i].name);
        }
        free(list);
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < score->adjustments_count; i++) {
        free(score->adjustments[i].id);
        free(score->adjustments[i].name);
    }
    free(score->adjustments);
    score->adjustments = list;
    score->adjustments_count = n;
    recompute_total(score, scheme);
    if (set_grade(score, scheme) != KH_OK)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    return KH_OK;
}

bool kh_awaits_review(const kh_indicator_result *r)
{
    return r->status != KH_STATUS_SCORED || r->missing_count > 0;
}

double kh_adjust_sum(const kh_report_score *s)
{
    double sum = 0;
    for (size_t a = 0; a < s->adjustments_count; a++)
        sum += s->adjustments[a].points;
    return sum;
}

/* ---- ranking -------------------------------------------------------------- */

static long long cents(double total)
{
    return llround(total * 100.0);
}

/* A score with its sort key and place, for kh_rank's sort. */
typedef struct rank_key {
    int year;
    long long cents;
    size_t index;
    kh_report_score *score;
} rank_key;

/* Latest year first (a year of 0, unknown, sorts last). */
static int cmp_year(int a, int b)
{
    return a != b ? (a > b ? -1 : 1) : 0;
}

static int cmp_rank_key(const void *a, const void *b)
{
    const rank_key *x = a, *y = b;
    int c = cmp_year(x->year, y->year);
    if (c)
        return c;
    if (x->cents != y->cents)
        return x->cents > y->cents ? -1 : 1; /* highest total first */
    return x->index < y->index ? -1 : x->index > y->index; /* stable */
}

bool kh_rank_before(int year_a, int rank_a, int year_b, int rank_b)
{
    int c = cmp_year(year_a, year_b);
    return c ? c < 0 : rank_a < rank_b;
}

int kh_cmp_rank_place(const void *a, const void *b)
{
    const kh_rank_place *x = a, *y = b;
    int c = cmp_year(x->year, y->year);
    if (c)
        return c;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Does a come before b: a later year, or the same year and a higher total? */
static bool score_before(const kh_report_score *a, const kh_report_score *b)
{
    int c = cmp_year(a->year, b->year);
    return c ? c < 0 : cents(a->total) > cents(b->total);
}

void kh_rank(kh_report_score **scores, size_t count)
{
    if (!scores)
        return;
    /* By year, then highest total first, ties in the given order: qsort on
     * (year, total, place) is that stable sort in O(n log n) (a batch ranks
     * 100,000 reports). */
    rank_key *keys = count > 1 ? malloc(count * sizeof *keys) : NULL;
    if (keys) {
        for (size_t i = 0; i < count; i++)
            keys[i] = (rank_key){scores[i]->year, cents(scores[i]->total), i, scores[i]};
        qsort(keys, count, sizeof *keys, cmp_rank_key);
        for (size_t i = 0; i < count; i++)
            scores[i] = keys[i].score;
        free(keys);
    }
    /* Stable insertion sort (only does work when keys could not be had). */
    for (size_t i = 1; i < count; i++) {
        kh_report_score *x = scores[i];
        size_t j = i;
        while (j > 0 && score_before(x, scores[j - 1])) {
            scores[j] = scores[j - 1];
            j--;
        }
        scores[j] = x;
    }
    /* ranks count from 1 in each year; equal totals share one */
    size_t first = 0; /* of the current year */
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && scores[i]->year != scores[i - 1]->year)
            first = i;
        if (i > first && cents(scores[i]->total) == cents(scores[i - 1]->total))
            scores[i]->rank = scores[i - 1]->rank;
        else
            scores[i]->rank = (int)(i - first) + 1;
    }
}

/* ---- building the rules ----------------------------------------------------- */

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Record a problem (diag list and, for the first, err). */
static void note_error(kh_diag_list *diags, kh_error *err, int *first,
                       const kh_error *e)
{
    if (diags)
        kh_diag_list_add(diags, false, e->file[0] ? e->file : NULL, e->line,
                         "%s", e->message);
    if (*first == KH_OK) {
        *first = e->code ? e->code : KH_ESCRIPT;
        if (err)
            *err = *e;
    }
}

/* Compile the .lua files of <dir>/lib in byte order of their names as libraries. */
static int load_libs(kh_rules *rules, kh_diag_list *diags, kh_error *err, int *first)
{
    const char *dir = rules->scheme->dir;
    if (!dir)
        return KH_OK;
    char **chunks = NULL; /* "lib/<name>.lua" */
    size_t n = 0;
    int rc = kh_scheme__lib_scripts(dir, &chunks, &n);
    for (size_t i = 0; rc == KH_OK && i < n; i++) {
        char *path = join_path(dir, chunks[i]);
        struct stat st;
        if (!path) {
            rc = KH_ENOMEM;
        } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            kh_error e;
            kh_error_clear(&e);
            int id;
            int c = kh_sandbox_compile_file(rules->sb, chunks[i], path, &id, &e);
            if (c == KH_ENOMEM)
                rc = c;
            else if (c != KH_OK)
                note_error(diags, err, first, &e);
            else if (kh_sandbox_add_library(rules->sb, id) != KH_OK)
                rc = KH_ENOMEM;
        }
        free(path);
    }
    kh_scheme__lib_scripts_free(chunks, n);
    return rc;
}

int kh_rules_new(kh_rules **out, const kh_scheme *scheme, kh_diag_list *diags,
                 kh_error *err)
{
    *out = NULL;
    if (!scheme)
        return kh_error_set(err, KH_EINVAL, NULL, 0, 0, "no scheme");
    kh_rules *rules = calloc(1, sizeof *rules);
    if (!rules)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    rules->scheme = scheme;
    rules->mt_ref = LUA_NOREF;
    int rc;
    kh_sandbox_limits lim = {scheme->instruction_limit, scheme->memory_limit,
                             scheme->timeout_ms};
    if ((rc = kh_sandbox_new(&rules->sb, &lim, err)) != KH_OK)
        goto fail;
    if ((rc = kh_sandbox_call(rules->sb, register_api, rules, err, "rule API")) != KH_OK)
        goto fail;
    if (scheme->indicators_count &&
        !(rules->chunk = calloc(scheme->indicators_count, sizeof *rules->chunk))) {
        rc = kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    int first = KH_OK;
    if ((rc = load_libs(rules, diags, err, &first)) != KH_OK) {
        kh_error_set(err, rc, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < scheme->indicators_count; i++) {
        const kh_indicator *ind = &scheme->indicators[i];
        kh_error e;
        kh_error_clear(&e);
        rules->chunk[i] = -1;
        if (!ind->script || !ind->script[0]) {
            kh_error_set(&e, KH_ECONFIG, scheme->yaml_path, ind->line, 0,
                         "indicator %s has no script", ind->id ? ind->id : "?");
            note_error(diags, err, &first, &e);
            continue;
        }
        char *joined = NULL;
        const char *path = ind->script_path;
        if (!path) {
            joined = scheme->dir ? join_path(scheme->dir, ind->script) : strdup(ind->script);
            if (!joined) {
                rc = kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
                goto fail;
            }
            path = joined;
        }
        int c = kh_sandbox_compile_file(rules->sb, ind->script, path, &rules->chunk[i], &e);
        free(joined);
        if (c == KH_ENOMEM) {
            rc = kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        if (c != KH_OK)
            note_error(diags, err, &first, &e);
    }
    if (first != KH_OK) {
        rc = first;
        goto fail;
    }
    *out = rules;
    return KH_OK;
fail:
    kh_rules_free(rules);
    return rc;
}

void kh_rules_free(kh_rules *rules)
{
    if (!rules)
        return;
    kh_sandbox_free(rules->sb);
    free(rules->chunk);
    free(rules);
}

kh_sandbox *kh_rules__sandbox(kh_rules *rules)
{
    return rules ? rules->sb : NULL;
}

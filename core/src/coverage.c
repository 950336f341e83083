/*
 * coverage.c — line and branch coverage of indicator scripts for
 * `kaohe rules test --coverage`: executable lines from each chunk's bytecode
 * dump, branches from its tokens (luascan.c), hits from the sandbox's line
 * hook and from the result lines of the runs. Definitions in coverage.h.
 */
#include "coverage.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "luascan.h"
#include "sandbox.h"
#include "score_internal.h"

/* ---- executable lines from a bytecode dump ------------------------------- */

/* Lua 5.4 dump format (ldump.c): header, a byte (upvalues of the main
 * function), then each function: source, linedefined, lastlinedefined,
 * numparams, is_vararg, maxstacksize, code, constants, upvalues, nested
 * functions, debug info (lineinfo deltas, absolute line entries, locals,
 * upvalue names). Sizes are varints, most significant group first, the last
 * byte flagged with 0x80. */
#define ABSLINEINFO (-0x80)
#define TAG_NIL 0x00
#define TAG_FALSE 0x01
#define TAG_TRUE 0x11
#define TAG_INT 0x03
#define TAG_FLT 0x13
#define TAG_SHRSTR 0x04
#define TAG_LNGSTR 0x14
#define MAX_NESTING 250

typedef struct dump {
    unsigned char *p;  /* owned */
    size_t n, cap;
} dump;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    dump *d = ud;
    if (d->n + sz > d->cap) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < d->n + sz)
            cap *= 2;
        unsigned char *q = realloc(d->p, cap);
        if (!q)
            return 1;
        d->p = q;
        d->cap = cap;
    }
    memcpy(d->p + d->n, p, sz);
    d->n += sz;
    return 0;
}

typedef struct reader {
    const unsigned char *p;
    size_t n, pos;
    bool bad;
    size_t int_size, num_size, ins_size;
} reader;

typedef struct intset {
    int *v;
    size_t n, cap;
} intset;

static int intset_add(intset *s, int x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return KH_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return KH_OK;
}

static int rd_byte(reader *r)
{
    if (r->pos >= r->n) {
        r->bad = true;
        return 0;
    }
    return r->p[r->pos++];
}

static size_t rd_size(reader *r)
{
    size_t x = 0;
    int b;
    do {
        b = rd_byte(r);
        if (x > (SIZE_MAX >> 7)) {
            r->bad = true;
            return 0;
        }
        x = (x << 7) | (size_t)(b & 0x7f);
    } while (!(b & 0x80) && !r->bad);
    return x;
}

static void rd_skip(reader *r, size_t k, size_t times)
{
    if (r->bad)
        return;
    if (times && k > (r->n - r->pos) / times) {
        r->bad = true;
        return;
    }
    r->pos += k * times;
}

static void rd_string(reader *r)
{
    size_t len = rd_size(r);
    if (len)
        rd_skip(r, 1, len - 1);
}

typedef struct abs_line {
    size_t pc;
    int line;
} abs_line;

/* One function and its nested ones: add their executable lines to out. */
static int read_function(reader *r, intset *out, int depth)
{
    if (depth > MAX_NESTING) {
        r->bad = true;
        return KH_OK;
    }
    rd_string(r);                                   /* source */
    int linedefined = (int)rd_size(r);
    (void)rd_size(r);                               /* lastlinedefined */
    (void)rd_byte(r);                               /* numparams */
    int is_vararg = rd_byte(r);
    (void)rd_byte(r);                               /* maxstacksize */
    size_t ncode = rd_size(r);
    rd_skip(r, r->ins_size, ncode);
    size_t nk = rd_size(r);
    for (size_t i = 0; i < nk && !r->bad; i++) {
        switch (rd_byte(r)) {
        case TAG_NIL: case TAG_FALSE: case TAG_TRUE: break;
        case TAG_INT: rd_skip(r, r->int_size, 1); break;
        case TAG_FLT: rd_skip(r, r->num_size, 1); break;
        case TAG_SHRSTR: case TAG_LNGSTR: rd_string(r); break;
        default: r->bad = true; break;
        }
    }
    size_t nup = rd_size(r);
    rd_skip(r, 3, nup);
    size_t np = rd_size(r);
    for (size_t i = 0; i < np && !r->bad; i++) {
        int rc = read_function(r, out, depth + 1);
        if (rc != KH_OK)
            return rc;
    }
    size_t nline = rd_size(r);
    size_t line_at = r->pos;
    rd_skip(r, 1, nline);
    size_t nabs = rd_size(r);
    if (r->bad || nabs > r->n - r->pos) {
        r->bad = true;
        return KH_OK;
    }
    abs_line *abs = nabs ? calloc(nabs, sizeof *abs) : NULL;
    if (nabs && !abs)
        return KH_ENOMEM;
    for (size_t i = 0; i < nabs; i++) {
        abs[i].pc = rd_size(r);
        abs[i].line = (int)rd_size(r);
    }
    size_t nloc = rd_size(r);
    for (size_t i = 0; i < nloc && !r->bad; i++) {
        rd_string(r);
        (void)rd_size(r);
        (void)rd_size(r);
    }
    size_t nupn = rd_size(r);
    for (size_t i = 0; i < nupn && !r->bad; i++)
        rd_string(r);
    if (r->bad) {
        free(abs);
        return KH_OK;
    }
    /* Lines as ldebug.c's collectvalidlines walks them (the vararg prelude
     * instruction skipped), then drop the final implicit return's line
     * unless another instruction shares it. */
    const signed char *info = (const signed char *)(r->p + line_at);
    int current = linedefined, last_line = 0;
    size_t first_new = out->n, next_abs = 0;
    int rc = KH_OK;
    for (size_t pc = 0; pc < nline && rc == KH_OK; pc++) {
        if (info[pc] == ABSLINEINFO) {
            while (next_abs < nabs && abs[next_abs].pc < pc)
                next_abs++;
            if (next_abs < nabs && abs[next_abs].pc == pc)
                current = abs[next_abs].line;
        } else {
            current += info[pc];
        }
        if (pc == 0 && is_vararg)
            continue;
        if (pc + 1 == nline) {
            last_line = current;
            break;
        }
        rc = intset_add(out, current);
    }
    free(abs);
    if (rc == KH_OK && last_line > 0) {
        for (size_t i = first_new; i < out->n; i++)
            if (out->v[i] == last_line)
                return KH_OK; /* shared: already in */
    }
    return rc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int kh_coverage_lines(const char *name, const char *src, size_t len, int **out,
                      size_t *count, kh_error *err)
{
    *out = NULL;
    *count = 0;
    lua_State *L = luaL_newstate();
    if (!L)
        return kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    char chunkname[KH_ERROR_FILE_MAX + 2];
    snprintf(chunkname, sizeof chunkname, "=%s", name);
    dump d = {0};
    intset lines = {0};
    int rc = KH_OK;
    if (luaL_loadbufferx(L, src, len, chunkname, "t") != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        const char *colon = msg ? strchr(msg, ':') : NULL;
        int line = colon ? atoi(colon + 1) : 0;
        const char *text = colon ? strchr(colon + 1, ':') : NULL;
        rc = kh_error_set(err, KH_ESCRIPT, name, line, 0, "%s",
                          text ? text + 2 : msg ? msg : "cannot compile");
        goto done;
    }
    if (lua_dump(L, dump_writer, &d, 0) != 0 || !d.p) {
        rc = kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
        goto done;
    }
    /* header: signature(4) version format data(6) sizes(3) int num, then
     * the main function's upvalue count */
    reader r = {d.p, d.n, 0, false, 8, 8, 4};
    if (d.n < 15) {
        r.bad = true;
    } else {
        r.ins_size = d.p[12];
        r.int_size = d.p[13];
        r.num_size = d.p[14];
        r.pos = 15;
        rd_skip(&r, r.int_size + r.num_size, 1);
        (void)rd_byte(&r);
    }
    if (!r.bad)
        rc = read_function(&r, &lines, 0);
    if (rc == KH_OK && r.bad)
        rc = kh_error_set(err, KH_EINVAL, name, 0, 0,
                          "cannot read the line information of the compiled chunk");
    else if (rc == KH_ENOMEM)
        kh_error_set(err, KH_ENOMEM, name, 0, 0, "out of memory");
    if (rc == KH_OK && lines.n) {
        qsort(lines.v, lines.n, sizeof *lines.v, cmp_int);
        size_t k = 0;
        for (size_t i = 0; i < lines.n; i++)
            if (lines.v[i] > 0 && (k == 0 || lines.v[k - 1] != lines.v[i]))
                lines.v[k++] = lines.v[i];
        lines.n = k;
        *out = lines.v;
        *count = lines.n;
        lines.v = NULL;
    }
done:
    free(lines.v);
    free(d.p);
    lua_close(L);
    return rc;
}

/* ---- analysis ---------------------------------------------------------- */

static int read_source(const char *path, char **out, size_t *len, kh_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "cannot open: %s",
                            strerror(errno));
    char *buf = malloc(KH_SANDBOX_MAX_SOURCE + 1);
    if (!buf) {
        fclose(f);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t n = fread(buf, 1, KH_SANDBOX_MAX_SOURCE + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > KH_SANDBOX_MAX_SOURCE) {
        free(buf);
        return kh_error_set(err, KH_EIO, path, 0, 0,
                            bad ? "read error" : "script too large");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return KH_OK;
}

static bool line_in(const kh_coverage_script *s, int first, int last)
{
    for (size_t i = 0; i < s->lines_count; i++)
        if (s->lines[i] >= first && s->lines[i] <= last)
            return true;
    return false;
}

static int add_branch(kh_coverage_script *s, size_t *cap, const char *kind,
                      int line, int first, int last)
{
    if (s->branches_count == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        kh_coverage_branch *b = realloc(s->branches, c * sizeof *b);
        if (!b)
            return KH_ENOMEM;
        s->branches = b;
        *cap = c;
    }
    s->branches[s->branches_count++] = (kh_coverage_branch){kind, line, first, last, false};
    return KH_OK;
}

static bool is_arm(const kh_coverage_branch *b)
{
    return strcmp(b->kind, "if") == 0 || strcmp(b->kind, "elseif") == 0 ||
           strcmp(b->kind, "else") == 0;
}

/* By line; on one line an arm before a call. */
static int cmp_branch(const void *a, const void *b)
{
    const kh_coverage_branch *x = a, *y = b;
    if (x->line != y->line)
        return (x->line > y->line) - (x->line < y->line);
    return is_arm(x) == is_arm(y) ? 0 : is_arm(x) ? -1 : 1;
}

static int set_problem(kh_coverage_script *s, const kh_error *e)
{
    char buf[KH_ERROR_FILE_MAX + KH_ERROR_MSG_MAX + 32];
    s->problem = strdup(kh_error_format(e, buf, sizeof buf));
    return s->problem ? KH_OK : KH_ENOMEM;
}

static int analyse(kh_coverage_script *s, const kh_scheme *scheme)
{
    const kh_indicator *ind = s->indicator;
    kh_error e;
    kh_error_clear(&e);
    char *src = NULL;
    size_t len = 0;
    char joined[4096];
    const char *path = ind->script_path;
    if (!path) {
        snprintf(joined, sizeof joined, "%s/%s", scheme->dir ? scheme->dir : ".",
                 ind->script ? ind->script : "");
        path = joined;
    }
    int rc = read_source(path, &src, &len, &e);
    if (rc == KH_ENOMEM)
        return rc;
    if (rc != KH_OK)
        return set_problem(s, &e);
    rc = kh_coverage_lines(ind->script, src, len, &s->lines, &s->lines_count, &e);
    if (rc == KH_ENOMEM)
        goto done;
    if (rc != KH_OK) {
        rc = set_problem(s, &e);
        goto done;
    }
    if (s->lines_count && !(s->hit = calloc(s->lines_count, sizeof *s->hit))) {
        rc = KH_ENOMEM;
        goto done;
    }
    kh_luatoks toks;
    rc = kh_luascan_tokens(&toks, src, len, &e);
    if (rc != KH_OK) {
        kh_luatoks_free(&toks);
        if (rc != KH_ENOMEM)
            rc = set_problem(s, &e);
        goto done;
    }
    kh_luaarm *arms = NULL;
    kh_luacall *calls = NULL;
    size_t narms = 0, ncalls = 0, cap = 0;
    static const char *const result_fns[] = {"score", "missing", "monitor", NULL};
    rc = kh_luascan_arms(&toks, &arms, &narms);
    if (rc == KH_OK)
        rc = kh_luascan_calls(&toks, result_fns, &calls, &ncalls);
    for (size_t i = 0; rc == KH_OK && i < narms; i++)
        if (arms[i].first && line_in(s, arms[i].first, arms[i].last))
            rc = add_branch(s, &cap, arms[i].kind, arms[i].line, arms[i].first,
                            arms[i].last);
    for (size_t i = 0; rc == KH_OK && i < ncalls; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen |= calls[k].line == calls[i].line;
        if (!seen)
            rc = add_branch(s, &cap, calls[i].name, calls[i].line, calls[i].line,
                            calls[i].line);
    }
    if (rc == KH_OK && s->branches_count)
        qsort(s->branches, s->branches_count, sizeof *s->branches, cmp_branch);
    free(arms);
    free(calls);
    kh_luatoks_free(&toks);
done:
    free(src);
    return rc;
}

int kh_coverage_init(kh_coverage *cov, const kh_scheme *scheme, kh_error *err)
{
    memset(cov, 0, sizeof *cov);
    if (!scheme->indicators_count)
        return KH_OK;
    cov->scripts = calloc(scheme->indicators_count, sizeof *cov->scripts);
    if (!cov->scripts)
        return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    cov->count = scheme->indicators_count;
    for (size_t i = 0; i < cov->count; i++) {
        cov->scripts[i].indicator = &scheme->indicators[i];
        if (analyse(&cov->scripts[i], scheme) != KH_OK)
            return kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return KH_OK;
}

/* ---- recording ---------------------------------------------------------- */

static void mark_line(kh_coverage_script *s, int line)
{
    size_t lo = 0, hi = s->lines_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->lines[mid] < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->lines_count && s->lines[lo] == line)
        s->hit[lo] = true;
}

static void on_line(void *ctx, const char *chunk, int line)
{
    kh_coverage *cov = ctx;
    for (size_t i = 0; i < cov->count; i++) {
        kh_coverage_script *s = &cov->scripts[i];
        if (s->lines_count && s->indicator->script &&
            strcmp(s->indicator->script, chunk) == 0)
            mark_line(s, line);
    }
}

void kh_coverage_attach(kh_coverage *cov, kh_rules *rules)
{
    kh_coverage_detach(cov);
    kh_sandbox *sb = kh_rules__sandbox(rules);
    if (!sb)
        return;
    kh_sandbox_set_line_hook(sb, on_line, cov);
    cov->attached = rules;
}

void kh_coverage_detach(kh_coverage *cov)
{
    if (cov->attached)
        kh_sandbox_set_line_hook(kh_rules__sandbox(cov->attached), NULL, NULL);
    cov->attached = NULL;
}

void kh_coverage_add_score(kh_coverage *cov, const kh_report_score *score)
{
    for (size_t i = 0; score && i < score->indicators_count; i++) {
        const kh_indicator_result *ir = &score->indicators[i];
        if (ir->status == KH_STATUS_ERROR || ir->line <= 0)
            continue;
        for (size_t k = 0; k < cov->count; k++) {
            kh_coverage_script *s = &cov->scripts[k];
            if (s->indicator != ir->indicator)
                continue;
            for (size_t b = 0; b < s->branches_count; b++)
                if (!is_arm(&s->branches[b]) && s->branches[b].line == ir->line)
                    s->branches[b].reached = true;
        }
    }
}

void kh_coverage_finish(kh_coverage *cov)
{
    for (size_t i = 0; i < cov->count; i++) {
        kh_coverage_script *s = &cov->scripts[i];
        for (size_t b = 0; b < s->branches_count; b++) {
            kh_coverage_branch *br = &s->branches[b];
            if (!is_arm(br))
                continue;
            for (size_t k = 0; k < s->lines_count && !br->reached; k++)
                if (s->hit[k] && s->lines[k] >= br->first && s->lines[k] <= br->last)
                    br->reached = true;
        }
    }
}

void kh_coverage_counts(const kh_coverage_script *s, size_t *lines_hit,
                        size_t *branches_hit)
{
    size_t l = 0, b = 0;
    for (size_t i = 0; i < s->lines_count; i++)
        l += s->hit[i];
    for (size_t i = 0; i < s->branches_count; i++)
        b += s->branches[i].reached;
    if (lines_hit)
        *lines_hit = l;
    if (branches_hit)
        *branches_hit = b;
}

void kh_coverage_free(kh_coverage *cov)
{
    if (!cov)
        return;
    kh_coverage_detach(cov);
    for (size_t i = 0; i < cov->count; i++) {
        free(cov->scripts[i].lines);
        free(cov->scripts[i].hit);
        free(cov->scripts[i].branches);
        free(cov->scripts[i].problem);
    }
    free(cov->scripts);
    memset(cov, 0, sizeof *cov);
}

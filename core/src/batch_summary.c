/* batch_summary.c — compact per-report summaries of a batch run and the
 * light kh_run_items rebuilt from them (see batch_summary.h). */
#include "batch_summary.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kaohe/facts.h"
#include "kaohe/score.h"

/* ---- an intern pool of byte strings ---------------------------------------------- */

/* Distinct blobs (strings with their NUL, or arrays of uint32 ids) stored
 * once each in large chunks; id 0 is "none". */
typedef struct blob {
    const unsigned char *data;  /* into a chunk */
    uint32_t len;
    uint32_t hash;
} blob;

typedef struct pool {
    unsigned char **chunks;     /* owned, each owned */
    size_t nchunks, used, cap;  /* used/cap: of the last chunk */
    blob *blobs;                /* owned; blobs[0] unused */
    uint32_t nblobs, blobs_cap;
    uint32_t *table;            /* owned; open addressing of ids, 0 = empty */
    size_t table_cap;           /* a power of two */
    size_t bytes;               /* held, for kh_batch_summary_bytes */
} pool;

#define POOL_CHUNK ((size_t)1 << 16)

static uint32_t hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void pool_free(pool *p)
{
    for (size_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    free(p->blobs);
    free(p->table);
    memset(p, 0, sizeof *p);
}

static unsigned char *pool_store(pool *p, const void *data, size_t len)
{
    size_t need = (len + 7) & ~(size_t)7; /* keeps uint32 arrays aligned */
    if (!p->nchunks || p->cap - p->used < need) {
        size_t cap = need > POOL_CHUNK ? need : POOL_CHUNK;
        unsigned char **cs = realloc(p->chunks, (p->nchunks + 1) * sizeof *cs);
        if (!cs)
            return NULL;
        p->chunks = cs;
        if (!(cs[p->nchunks] = malloc(cap)))
            return NULL;
        p->nchunks++;
        p->used = 0;
        p->cap = cap;
        p->bytes += cap;
    }
    unsigned char *d = p->chunks[p->nchunks - 1] + p->used;
    memcpy(d, data, len);
    p->used += need;
    return d;
}

static bool pool_grow_table(pool *p)
{
    size_t cap = p->table_cap ? p->table_cap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < p->table_cap; i++) {
        uint32_t id = p->table[i];
        if (!id)
            continue;
        size_t k = p->blobs[id].hash & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = id;
    }
    free(p->table);
    p->bytes += (cap - p->table_cap) * sizeof *t;
    p->table = t;
    p->table_cap = cap;
    return true;
}

/* The id of data[0..len), stored if new; 0 when out of memory. */
static uint32_t pool_intern(pool *p, const void *data, size_t len)
{
    if (len > UINT32_MAX)
        return 0;
    if ((size_t)(p->nblobs + 1) * 2 > p->table_cap && !pool_grow_table(p))
        return 0;
    uint32_t h = hash_bytes(data, len);
    size_t k = h & (p->table_cap - 1);
    for (uint32_t id; (id = p->table[k]); k = (k + 1) & (p->table_cap - 1))
        if (p->blobs[id].hash == h && p->blobs[id].len == len &&
            memcmp(p->blobs[id].data, data, len) == 0)
            return id;
    if (p->nblobs + 1 >= p->blobs_cap) {
        uint32_t cap = p->blobs_cap ? p->blobs_cap * 2 : 256;
        blob *b = realloc(p->blobs, cap * sizeof *b);
        if (!b)
            return 0;
        p->bytes += (cap - p->blobs_cap) * sizeof *b;
        p->blobs = b;
        p->blobs_cap = cap;
    }
    const unsigned char *d = pool_store(p, data, len);
    if (!d)
        return 0;
    uint32_t id = ++p->nblobs;
    p->blobs[id] = (blob){d, (uint32_t)len, h};
    p->table[k] = id;
    return id;
}

/* A string's id: 0 for NULL; *ok false when out of memory. */
static uint32_t pool_str(pool *p, const char *s, bool *ok)
{
    if (!s)
        return 0;
    uint32_t id = pool_intern(p, s, strlen(s) + 1);
    if (!id)
        *ok = false;
    return id;
}

static const char *pool_get_str(const pool *p, uint32_t id)
{
    return id ? (const char *)p->blobs[id].data : NULL;
}

/* A list of ids (count first): 0 for an empty list. */
static uint32_t pool_list(pool *p, const uint32_t *ids, size_t n, bool *ok)
{
    if (!n)
        return 0;
    uint32_t id = pool_intern(p, ids, n * sizeof *ids);
    if (!id)
        *ok = false;
    return id;
}

static const uint32_t *pool_get_list(const pool *p, uint32_t id, size_t *n)
{
    *n = id ? p->blobs[id].len / sizeof(uint32_t) : 0;
    return id ? (const uint32_t *)(const void *)p->blobs[id].data : NULL;
}

/* ---- the summaries ------------------------------------------------------------------ */

enum {
    F_SET = 1,        /* the item was set */
    F_SCORE = 2,      /* it has a score */
    F_FACTS = 4,      /* it has facts (its input was read) */
};

enum {
    S_STATUS = 0x03,  /* kh_indicator_status */
    S_EXCLUDED = 0x04,
    S_ASIDE = 0x08,   /* points[k] indexes s->aside, not cents */
};

/* The fixed part of an item; its indicators follow (see stride). */
typedef struct head {
    const char *path;           /* borrowed */
    double total;
    uint32_t unit, unit_code, unit_note, score_unit, grade, error;
    uint32_t errors;            /* list of extraction error strings */
    int32_t year, rank;
    uint8_t flags;
} head;

struct kh_batch_summary {
    const kh_scheme *scheme;    /* borrowed */
    size_t count, nind, stride;
    unsigned char *items;       /* owned; count × stride */
    pool pool;                  /* owned: every string and list */
    double *aside;              /* owned: points that are not whole cents */
    size_t naside, aside_cap;
    /* the item last handed out (kh_batch_summary_item), owned */
    kh_run_item item;
    kh_report_score score;
    kh_indicator_result *ind;   /* nind */
    char **missing;             /* missing keys of all its indicators */
    size_t missing_cap;
    kh_factset *errors;
};

/* Layout of an item: head, then int32 points[nind], uint32 detail[nind]
 * (a list: error, explanation, missing keys list), uint8 status[nind],
 * uint8 scheme index[nind]. */
static head *item_at(const kh_batch_summary *s, size_t i)
{
    return (head *)(void *)(s->items + i * s->stride);
}
static int32_t *points_of(const kh_batch_summary *s, head *h)
{
    return (int32_t *)(void *)((unsigned char *)h + sizeof(head));
}
static uint32_t *detail_of(const kh_batch_summary *s, head *h)
{
    return (uint32_t *)(void *)((unsigned char *)h + sizeof(head) + 4 * s->nind);
}
static uint8_t *status_of(const kh_batch_summary *s, head *h)
{
    return (unsigned char *)h + sizeof(head) + 8 * s->nind;
}
static uint8_t *index_of(const kh_batch_summary *s, head *h)
{
    return (unsigned char *)h + sizeof(head) + 9 * s->nind;
}

int kh_batch_summary_new(kh_batch_summary **out, const kh_scheme *scheme, size_t count)
{
    *out = NULL;
    if (scheme->indicators_count > 255)
        return KH_EINVAL;
    kh_batch_summary *s = calloc(1, sizeof *s);
    if (!s)
        return KH_ENOMEM;
    s->scheme = scheme;
    s->count = count;
    s->nind = scheme->indicators_count;
    s->stride = (sizeof(head) + 10 * s->nind + 7) & ~(size_t)7;
    s->items = calloc(count ? count : 1, s->stride);
    s->ind = calloc(s->nind ? s->nind : 1, sizeof *s->ind);
    if (!s->items || !s->ind) {
        kh_batch_summary_free(s);
        return KH_ENOMEM;
    }
    *out = s;
    return KH_OK;
}

void kh_batch_summary_free(kh_batch_summary *s)
{
    if (!s)
        return;
    free(s->items);
    pool_free(&s->pool);
    free(s->aside);
    free(s->ind);
    free(s->missing);
    kh_factset_free(s->errors);
    free(s);
}

/* points as whole cents when they read back bit for bit, else aside */
static bool put_points(kh_batch_summary *s, double v, int32_t *slot, uint8_t *status)
{
    double c = v * 100.0;
    if (c > -2e9 && c < 2e9) {
        int32_t cents = (int32_t)(c < 0 ? c - 0.5 : c + 0.5);
        double back = (double)cents / 100.0;
        if (memcmp(&back, &v, sizeof v) == 0) {
            *slot = cents;
            return true;
        }
    }
    if (s->naside == s->aside_cap) {
        size_t cap = s->aside_cap ? s->aside_cap * 2 : 64;
        double *a = realloc(s->aside, cap * sizeof *a);
        if (!a || cap > INT32_MAX)
            return false;
        s->aside = a;
        s->aside_cap = cap;
    }
    s->aside[s->naside] = v;
    *slot = (int32_t)s->naside++;
    *status |= S_ASIDE;
    return true;
}

int kh_batch_summary_set(kh_batch_summary *s, size_t i, const kh_run_item *it)
{
    if (i >= s->count)
        return KH_EINVAL;
    const kh_report_score *sc = it->score;
    if (sc && sc->indicators_count != s->nind)
        return KH_EINVAL;
    head *h = item_at(s, i);
    memset(h, 0, s->stride);
    bool ok = true;
    h->path = it->path;
    h->unit = pool_str(&s->pool, it->unit, &ok);
    h->unit_code = pool_str(&s->pool, it->unit_code, &ok);
    h->unit_note = pool_str(&s->pool, it->unit_note, &ok);
    h->error = pool_str(&s->pool, it->error, &ok);
    h->year = it->year;
    h->flags = F_SET | (sc ? F_SCORE : 0) | (it->facts ? F_FACTS : 0);
    size_t ne = it->facts ? kh_factset_error_count(it->facts) : 0;
    if (ne) {
        uint32_t *ids = malloc(ne * sizeof *ids);
        if (!ids)
            return KH_ENOMEM;
        for (size_t e = 0; e < ne; e++)
            ids[e] = pool_str(&s->pool, kh_factset_error_at(it->facts, e), &ok);
        h->errors = pool_list(&s->pool, ids, ne, &ok);
        free(ids);
    }
    if (sc) {
        h->total = sc->total;
        h->rank = sc->rank;
        h->grade = pool_str(&s->pool, sc->grade, &ok);
        h->score_unit = pool_str(&s->pool, sc->unit, &ok);
        int32_t *pts = points_of(s, h);
        uint32_t *det = detail_of(s, h);
        uint8_t *st = status_of(s, h), *ix = index_of(s, h);
        for (size_t k = 0; ok && k < s->nind; k++) {
            const kh_indicator_result *r = &sc->indicators[k];
            ptrdiff_t at = r->indicator - s->scheme->indicators;
            if (!r->indicator || at < 0 || (size_t)at >= s->nind)
                return KH_EINVAL;
            ix[k] = (uint8_t)at;
            st[k] = (uint8_t)((r->status & S_STATUS) | (r->excluded ? S_EXCLUDED : 0));
            if (!put_points(s, r->points, &pts[k], &st[k]))
                return KH_ENOMEM;
            const char *expl = r->status != KH_STATUS_SCORED ? r->explanation : NULL;
            if (!r->error && !expl && !r->missing_count)
                continue;
            uint32_t d[3] = {pool_str(&s->pool, r->error, &ok), pool_str(&s->pool, expl, &ok), 0};
            if (r->missing_count) {
                uint32_t *ids = malloc(r->missing_count * sizeof *ids);
                if (!ids)
                    return KH_ENOMEM;
                for (size_t m = 0; m < r->missing_count; m++)
                    ids[m] = pool_str(&s->pool, r->missing[m], &ok);
                d[2] = pool_list(&s->pool, ids, r->missing_count, &ok);
                free(ids);
            }
            det[k] = pool_list(&s->pool, d, 3, &ok);
        }
    }
    if (!ok) {
        memset(h, 0, s->stride);
        return KH_ENOMEM;
    }
    return KH_OK;
}

const kh_run_item *kh_batch_summary_item(kh_batch_summary *s, size_t i)
{
    if (i >= s->count)
        return NULL;
    head *h = item_at(s, i);
    if (!(h->flags & F_SET))
        return NULL;
    kh_factset_free(s->errors);
    s->errors = NULL;
    const pool *p = &s->pool;
    kh_run_item *it = &s->item;
    memset(it, 0, sizeof *it);
    it->path = h->path;
    it->unit = pool_get_str(p, h->unit);
    it->unit_code = pool_get_str(p, h->unit_code);
    it->unit_note = pool_get_str(p, h->unit_note);
    it->error = pool_get_str(p, h->error);
    it->year = h->year;
    if (h->flags & F_FACTS) {
        if (kh_factset_new(&s->errors) != KH_OK)
            return NULL;
        size_t ne;
        const uint32_t *ids = pool_get_list(p, h->errors, &ne);
        for (size_t e = 0; e < ne; e++)
            if (kh_factset_add_error(s->errors, pool_get_str(p, ids[e])) != KH_OK)
                return NULL;
        it->facts = s->errors;
    }
    if (!(h->flags & F_SCORE))
        return it;
    /* the missing keys of every indicator, in one array */
    const int32_t *pts = points_of(s, h);
    const uint32_t *det = detail_of(s, h);
    const uint8_t *st = status_of(s, h), *ix = index_of(s, h);
    size_t nmiss = 0;
    for (size_t k = 0; k < s->nind; k++) {
        size_t nd, nm = 0;
        const uint32_t *d = pool_get_list(p, det[k], &nd);
        if (nd == 3)
            pool_get_list(p, d[2], &nm);
        nmiss += nm;
    }
    if (nmiss > s->missing_cap) {
        char **m = realloc(s->missing, nmiss * sizeof *m);
        if (!m)
            return NULL;
        s->missing = m;
        s->missing_cap = nmiss;
    }
    kh_report_score *sc = &s->score;
    memset(sc, 0, sizeof *sc);
    sc->path = (char *)h->path;
    sc->unit = (char *)pool_get_str(p, h->score_unit);
    sc->year = h->year;
    sc->total = h->total;
    sc->grade = (char *)pool_get_str(p, h->grade);
    sc->rank = h->rank;
    sc->indicators = s->ind;
    sc->indicators_count = s->nind;
    size_t used = 0;
    for (size_t k = 0; k < s->nind; k++) {
        kh_indicator_result *r = &s->ind[k];
        memset(r, 0, sizeof *r);
        r->indicator = &s->scheme->indicators[ix[k]];
        r->status = (kh_indicator_status)(st[k] & S_STATUS);
        r->excluded = (st[k] & S_EXCLUDED) != 0;
        r->points = st[k] & S_ASIDE ? s->aside[pts[k]] : (double)pts[k] / 100.0;
        size_t nd;
        const uint32_t *d = pool_get_list(p, det[k], &nd);
        if (nd != 3)
            continue;
        r->error = (char *)pool_get_str(p, d[0]);
        r->explanation = (char *)pool_get_str(p, d[1]);
        size_t nm;
        const uint32_t *keys = pool_get_list(p, d[2], &nm);
        if (nm) {
            r->missing = &s->missing[used];
            r->missing_count = nm;
            for (size_t m = 0; m < nm; m++)
                s->missing[used++] = (char *)pool_get_str(p, keys[m]);
        }
    }
    it->score = sc;
    return it;
}

bool kh_batch_summary_scored(const kh_batch_summary *s, size_t i)
{
    const head *h = i < s->count ? item_at(s, i) : NULL;
    return h && (h->flags & F_SCORE) && !h->error;
}

bool kh_batch_summary_has_facts(const kh_batch_summary *s, size_t i)
{
    return i < s->count && (item_at(s, i)->flags & F_FACTS);
}

const char *kh_batch_summary_unit(const kh_batch_summary *s, size_t i)
{
    return i < s->count ? pool_get_str(&s->pool, item_at(s, i)->unit) : NULL;
}

int kh_batch_summary_rank(const kh_batch_summary *s, size_t i)
{
    return i < s->count ? item_at(s, i)->rank : 0;
}

bool kh_batch_summary_isset(const kh_batch_summary *s, size_t i)
{
    return i < s->count && (item_at(s, i)->flags & F_SET);
}

const char *kh_batch_summary_path(const kh_batch_summary *s, size_t i)
{
    return i < s->count ? item_at(s, i)->path : NULL;
}

int kh_batch_summary_rank_all(kh_batch_summary *s, const size_t *order, size_t n)
{
    if (!order)
        n = s->count;
    /* kh_rank itself, over stand-in scores holding only the totals; it
     * reorders the pointers, stand-in k stays item item_of[k]'s */
    kh_report_score *tmp = calloc(n ? n : 1, sizeof *tmp);
    kh_report_score **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    size_t *item_of = calloc(n ? n : 1, sizeof *item_of);
    if (!tmp || !ptrs || !item_of) {
        free(tmp);
        free(ptrs);
        free(item_of);
        return KH_ENOMEM;
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order ? order[k] : k;
        if (!kh_batch_summary_scored(s, i))
            continue;
        tmp[m].total = item_at(s, i)->total;
        item_of[m] = i;
        ptrs[m] = &tmp[m];
        m++;
    }
    kh_rank(ptrs, m);
    for (size_t k = 0; k < m; k++)
        item_at(s, item_of[k])->rank = tmp[k].rank;
    free(item_of);
    free(tmp);
    free(ptrs);
    return KH_OK;
}

size_t kh_batch_summary_bytes(const kh_batch_summary *s)
{
    return sizeof *s + s->count * s->stride + s->pool.bytes + s->aside_cap * sizeof(double);
}

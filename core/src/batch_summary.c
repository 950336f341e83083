/* batch_summary.c — compact per-report summaries of a batch run and the
 * light kh_run_items rebuilt from them (see batch_summary.h). */
#include "batch_summary.h"

#include <math.h>
#include <stddef.h>
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
    F_ASIDE = 8,      /* its points are doubles in the pool (head.aside), not
                         16-bit cents */
};

enum {
    S_STATUS = 0x03,  /* kh_indicator_status */
    S_EXCLUDED = 0x04,
};

/* The fixed part of an item; int16_t cents[nind] and uint8_t status[nind]
 * follow (see stride). Strings and lists are ids in the pool, 0 = none. */
typedef struct head {
    const char *path;           /* borrowed */
    double total;
    uint32_t unit, unit_code, unit_note, score_unit, grade, error;
    uint32_t errors;            /* list of extraction error strings */
    uint32_t details;           /* list of (indicator, detail) pairs for the
                                   indicators with an error, missing keys or
                                   a review explanation; a detail is the list
                                   (error, explanation, missing keys list) */
    uint32_t order;             /* the scheme index of each indicator (bytes)
                                   when they are not in scheme order, or 0 */
    uint32_t aside;             /* the points as doubles when F_ASIDE */
    uint32_t adjust;            /* the 加分/扣分 adjustments: a list of (id,
                                   name, points as a double's bytes), or 0 */
    int32_t year, rank;
    uint8_t flags;
} head;

struct kh_batch_summary {
    const kh_scheme *scheme;    /* borrowed */
    size_t count, nind, stride;
    unsigned char *items;       /* owned; count × stride */
    pool pool;                  /* owned: every string and list */
    /* the item last handed out (kh_batch_summary_item), owned */
    kh_run_item item;
    kh_report_score score;
    kh_indicator_result *ind;   /* nind */
    char **missing;             /* missing keys of all its indicators */
    size_t missing_cap;
    kh_adjustment *adj;         /* its adjustments (strings borrowed from
                                   the pool) */
    size_t adj_cap;
    kh_factset *errors;
};

static head *item_at(const kh_batch_summary *s, size_t i)
{
    return (head *)(void *)(s->items + i * s->stride);
}
static int16_t *cents_of(head *h)
{
    return (int16_t *)(void *)((unsigned char *)h + sizeof(head));
}
static uint8_t *status_of(const kh_batch_summary *s, head *h)
{
    return (unsigned char *)h + sizeof(head) + 2 * s->nind;
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
    s->stride = (sizeof(head) + 3 * s->nind + 7) & ~(size_t)7;
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
    free(s->ind);
    free(s->missing);
    free(s->adj);
    kh_factset_free(s->errors);
    free(s);
}

/* v as 16-bit cents when they read back bit for bit. */
static bool small_cents(double v, int16_t *out)
{
    if (!(v > -327.675 && v < 327.675))
        return false;
    int16_t c = (int16_t)lround(v * 100.0);
    double back = (double)c / 100.0;
    if (memcmp(&back, &v, sizeof v) != 0)
        return false;
    *out = c;
    return true;
}

/* The detail list of indicator result r, or 0 when it has none. */
static uint32_t detail_of_result(pool *p, const kh_indicator_result *r, bool *ok)
{
    /* the explanation of an indicator on the 待核查 list (kaohe.xlsx shows it
     * there): not scored, or scored with facts missing */
    const char *expl = r->status != KH_STATUS_SCORED || r->missing_count ? r->explanation : NULL;
    if (!r->error && !expl && !r->missing_count)
        return 0;
    uint32_t d[3] = {pool_str(p, r->error, ok), pool_str(p, expl, ok), 0};
    if (r->missing_count) {
        uint32_t *ids = malloc(r->missing_count * sizeof *ids);
        if (!ids) {
            *ok = false;
            return 0;
        }
        for (size_t m = 0; m < r->missing_count; m++)
            ids[m] = pool_str(p, r->missing[m], ok);
        d[2] = pool_list(p, ids, r->missing_count, ok);
        free(ids);
    }
    return pool_list(p, d, 3, ok);
}

/* The adjustments of sc as a pool list: (id, name, points) per adjustment,
 * the points a double's bytes interned as they are (read back exactly). */
static uint32_t adjust_list(pool *p, const kh_report_score *sc, bool *ok)
{
    size_t n = sc->adjustments_count;
    uint32_t *ids = malloc(3 * n * sizeof *ids);
    if (!ids) {
        *ok = false;
        return 0;
    }
    for (size_t a = 0; a < n; a++) {
        const kh_adjustment *adj = &sc->adjustments[a];
        ids[3 * a] = pool_str(p, adj->id, ok);
        ids[3 * a + 1] = pool_str(p, adj->name, ok);
        ids[3 * a + 2] = pool_intern(p, &adj->points, sizeof adj->points);
        *ok = *ok && ids[3 * a + 2];
    }
    uint32_t list = pool_list(p, ids, 3 * n, ok);
    free(ids);
    return list;
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
    pool *p = &s->pool;
    h->path = it->path;
    h->unit = pool_str(p, it->unit, &ok);
    h->unit_code = pool_str(p, it->unit_code, &ok);
    h->unit_note = pool_str(p, it->unit_note, &ok);
    h->error = pool_str(p, it->error, &ok);
    h->year = it->year;
    h->flags = F_SCORE * (sc != NULL) | F_FACTS * (it->facts != NULL);
    size_t ne = it->facts ? kh_factset_error_count(it->facts) : 0;
    size_t nd = 0;
    uint32_t *ids = malloc((ne + 2 * s->nind + 1) * sizeof *ids);
    uint8_t *order = malloc(s->nind + 1);
    double *aside = malloc((s->nind + 1) * sizeof *aside);
    if (!ids || !order || !aside) {
        ok = false;
        goto done;
    }
    for (size_t e = 0; e < ne; e++)
        ids[e] = pool_str(p, kh_factset_error_at(it->facts, e), &ok);
    h->errors = pool_list(p, ids, ne, &ok);
    if (!sc)
        goto done;
    h->total = sc->total;
    h->rank = sc->rank;
    h->grade = pool_str(p, sc->grade, &ok);
    h->score_unit = pool_str(p, sc->unit, &ok);
    int16_t *cents = cents_of(h);
    uint8_t *st = status_of(s, h);
    bool ordered = true, small = true;
    for (size_t k = 0; ok && k < s->nind; k++) {
        const kh_indicator_result *r = &sc->indicators[k];
        ptrdiff_t at = r->indicator - s->scheme->indicators;
        if (!r->indicator || at < 0 || (size_t)at >= s->nind) {
            free(ids);
            free(order);
            free(aside);
            memset(h, 0, s->stride);
            return KH_EINVAL;
        }
        order[k] = (uint8_t)at;
        ordered = ordered && (size_t)at == k;
        st[k] = (uint8_t)((r->status & S_STATUS) | (r->excluded ? S_EXCLUDED : 0));
        aside[k] = r->points;
        small = small && small_cents(r->points, &cents[k]);
        uint32_t d = detail_of_result(p, r, &ok);
        if (d) {
            ids[2 * nd] = (uint32_t)k;
            ids[2 * nd + 1] = d;
            nd++;
        }
    }
    h->details = pool_list(p, ids, 2 * nd, &ok);
    if (sc->adjustments_count)
        h->adjust = adjust_list(p, sc, &ok);
    if (!ordered)
        h->order = pool_intern(p, order, s->nind);
    if (!small) {
        h->flags |= F_ASIDE;
        h->aside = pool_intern(p, aside, s->nind * sizeof *aside);
    }
    ok = ok && (ordered || h->order) && (small || h->aside);
done:
    free(ids);
    free(order);
    free(aside);
    if (!ok) {
        memset(h, 0, s->stride);
        return KH_ENOMEM;
    }
    h->flags |= F_SET;
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
    if (h->errors) { /* the extraction errors: the only facts a light item has */
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
    const int16_t *cents = cents_of(h);
    const uint8_t *st = status_of(s, h);
    size_t n;
    const uint8_t *order = h->order ? p->blobs[h->order].data : NULL;
    const double *aside = h->flags & F_ASIDE ? (const void *)p->blobs[h->aside].data : NULL;
    for (size_t k = 0; k < s->nind; k++) {
        kh_indicator_result *r = &s->ind[k];
        memset(r, 0, sizeof *r);
        r->indicator = &s->scheme->indicators[order ? order[k] : k];
        r->status = (kh_indicator_status)(st[k] & S_STATUS);
        r->excluded = (st[k] & S_EXCLUDED) != 0;
        r->points = aside ? aside[k] : (double)cents[k] / 100.0;
    }
    /* errors, explanations and missing keys of the indicators that have them */
    const uint32_t *det = pool_get_list(p, h->details, &n);
    size_t nmiss = 0;
    for (size_t d = 0; d + 1 < n; d += 2) {
        size_t nd, nm = 0;
        const uint32_t *t = pool_get_list(p, det[d + 1], &nd);
        pool_get_list(p, t[2], &nm);
        nmiss += nm;
    }
    if (nmiss > s->missing_cap) {
        char **m = realloc(s->missing, nmiss * sizeof *m);
        if (!m)
            return NULL;
        s->missing = m;
        s->missing_cap = nmiss;
    }
    size_t used = 0;
    for (size_t d = 0; d + 1 < n; d += 2) {
        kh_indicator_result *r = &s->ind[det[d]];
        size_t nd, nm;
        const uint32_t *t = pool_get_list(p, det[d + 1], &nd);
        r->error = (char *)pool_get_str(p, t[0]);
        r->explanation = (char *)pool_get_str(p, t[1]);
        const uint32_t *keys = pool_get_list(p, t[2], &nm);
        if (nm) {
            r->missing = &s->missing[used];
            r->missing_count = nm;
            for (size_t m = 0; m < nm; m++)
                s->missing[used++] = (char *)pool_get_str(p, keys[m]);
        }
    }
    /* the 加分/扣分 adjustments */
    const uint32_t *adj = pool_get_list(p, h->adjust, &n);
    size_t na = n / 3;
    if (na > s->adj_cap) {
        kh_adjustment *a = realloc(s->adj, na * sizeof *a);
        if (!a)
            return NULL;
        s->adj = a;
        s->adj_cap = na;
    }
    for (size_t a = 0; a < na; a++) {
        s->adj[a].id = (char *)pool_get_str(p, adj[3 * a]);
        s->adj[a].name = (char *)pool_get_str(p, adj[3 * a + 1]);
        memcpy(&s->adj[a].points, p->blobs[adj[3 * a + 2]].data, sizeof s->adj[a].points);
    }
    sc->adjustments = na ? s->adj : NULL;
    sc->adjustments_count = na;
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

/* kh_rank's order: year, latest first; total in cents, highest first; ties
 * by place. */
typedef struct rank_key {
    int year;
    long long cents;
    size_t place, item;
} rank_key;

static int cmp_rank_key(const void *a, const void *b)
{
    const rank_key *x = a, *y = b;
    if (x->year != y->year)
        return x->year > y->year ? -1 : 1;
    if (x->cents != y->cents)
        return x->cents > y->cents ? -1 : 1;
    return x->place < y->place ? -1 : x->place > y->place;
}

int kh_batch_summary_rank_all(kh_batch_summary *s, const size_t *order, size_t n)
{
    /* kh_rank's rule on 32-byte keys rather than on stand-in scores (a
     * kh_report_score each: 100,000 of them would double the summaries'
     * memory for a moment); check_batch_summary holds the two together */
    if (!order)
        n = s->count;
    rank_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return KH_ENOMEM;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order ? order[k] : k;
        if (kh_batch_summary_scored(s, i)) {
            const head *h = item_at(s, i);
            keys[m++] = (rank_key){h->year, llround(h->total * 100.0), k, i};
        }
    }
    qsort(keys, m, sizeof *keys, cmp_rank_key);
    /* ranks count from 1 in each year; equal totals share one */
    int rank = 0;
    size_t first = 0;
    for (size_t k = 0; k < m; k++) {
        if (k > 0 && keys[k].year != keys[k - 1].year)
            first = k;
        if (k == first || keys[k].cents != keys[k - 1].cents)
            rank = (int)(k - first) + 1;
        item_at(s, keys[k].item)->rank = rank;
    }
    free(keys);
    return KH_OK;
}

size_t kh_batch_summary_bytes(const kh_batch_summary *s)
{
    return sizeof *s + s->count * s->stride + s->pool.bytes;
}

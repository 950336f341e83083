/* facts.c — the fact store of one document: per key the chosen fact and the
 * other candidates (see kaohe/facts.h). */
#include "kaohe/facts.h"

#include <stdlib.h>
#include <string.h>

#include "facts_internal.h"

struct kh_factset {
    kh_fact_entry *entries; /* owned; each entry owns its facts array */
    size_t count, cap;
    int sorted;             /* entries sorted by key */
    char **errors;          /* owned strings */
    size_t errors_count, errors_cap;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void kh_facts__clear(kh_fact *f)
{
    free(f->key);
    free(f->text);
    free(f->unit);
    free(f->evidence.text);
    free(f->plugin);
    free(f->note);
    memset(f, 0, sizeof *f);
}

bool kh_facts__key_ok(const char *key)
{
    size_t family = strspn(key, "abcdefghijklmnopqrstuvwxyz_");
    if (family == 0 || key[family] != '.')
        return false;
    const char *name = key + family + 1;
    size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz_");
    return len > 0 && name[len] == '\0';
}

int kh_facts__copy(kh_fact *dst, const kh_fact *src)
{
    *dst = *src;
    dst->key = dup_or_null(src->key);
    dst->text = dup_or_null(src->text);
    dst->unit = dup_or_null(src->unit);
    dst->evidence.text = dup_or_null(src->evidence.text);
    dst->plugin = dup_or_null(src->plugin);
    dst->note = dup_or_null(src->note);
    if ((src->key && !dst->key) || (src->text && !dst->text) || (src->unit && !dst->unit) ||
        (src->evidence.text && !dst->evidence.text) || (src->plugin && !dst->plugin) ||
        (src->note && !dst->note)) {
        kh_facts__clear(dst);
        return KH_ENOMEM;
    }
    return KH_OK;
}

int kh_factset_new(kh_factset **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? KH_OK : KH_ENOMEM;
}

void kh_factset_free(kh_factset *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++) {
        for (size_t j = 0; j < set->entries[i].count; j++)
            kh_facts__clear(&set->entries[i].facts[j]);
        free(set->entries[i].facts);
    }
    free(set->entries);
    for (size_t i = 0; i < set->errors_count; i++)
        free(set->errors[i]);
    free(set->errors);
    free(set);
}

static kh_fact_entry *find_entry(const kh_factset *set, const char *key)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->entries[i].key, key) == 0)
            return &set->entries[i];
    return NULL;
}

static kh_fact_entry *get_entry(kh_factset *set, const char *key)
{
    kh_fact_entry *e = find_entry(set, key);
    if (e)
        return e;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        kh_fact_entry *n = realloc(set->entries, cap * sizeof *n);
        if (!n)
            return NULL;
        set->entries = n;
        set->cap = cap;
    }
    e = &set->entries[set->count++];
    memset(e, 0, sizeof *e);
    set->sorted = 0;
    return e;
}

/* Is a better than b as the chosen fact? Overrides beat everything, then
 * confidence, then the earlier evidence. */
static int better(const kh_fact *a, const kh_fact *b)
{
    if ((a->origin == KH_ORIGIN_OVERRIDE) != (b->origin == KH_ORIGIN_OVERRIDE))
        return a->origin == KH_ORIGIN_OVERRIDE;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence;
    return a->evidence.norm_start < b->evidence.norm_start;
}

static int by_position(const void *pa, const void *pb)
{
    const kh_fact *a = pa, *b = pb;
    if (a->evidence.norm_start != b->evidence.norm_start)
        return a->evidence.norm_start < b->evidence.norm_start ? -1 : 1;
    return 0;
}

/* Put the best fact first and the rest in document order. */
static void choose(kh_fact_entry *e)
{
    size_t best = 0;
    for (size_t i = 1; i < e->count; i++)
        if (better(&e->facts[i], &e->facts[best]))
            best = i;
    if (best != 0) {
        kh_fact t = e->facts[0];
        e->facts[0] = e->facts[best];
        e->facts[best] = t;
    }
    if (e->count > 2)
        qsort(e->facts + 1, e->count - 1, sizeof *e->facts, by_position);
    e->key = e->facts[0].key;
}

static int same_statement(const kh_fact *a, const kh_fact *b)
{
    return a->evidence.norm_start == b->evidence.norm_start &&
           a->evidence.norm_end == b->evidence.norm_end && a->type == b->type &&
           a->number == b->number &&
           ((!a->text && !b->text) || (a->text && b->text && !strcmp(a->text, b->text)));
}

static int add_fact(kh_factset *set, const kh_fact *fact)
{
    if (!set || !fact || !fact->key)
        return KH_EINVAL;
    kh_fact_entry *e = get_entry(set, fact->key);
    if (!e)
        return KH_ENOMEM;
    /* One statement read twice (two patterns agreeing) is one candidate. */
    if (fact->origin == KH_ORIGIN_EXTRACTED && fact->evidence.text)
        for (size_t i = 0; i < e->count; i++)
            if (same_statement(&e->facts[i], fact)) {
                if (fact->confidence > e->facts[i].confidence)
                    e->facts[i].confidence = fact->confidence;
                choose(e);
                return KH_OK;
            }
    kh_fact *n = realloc(e->facts, (e->count + 1) * sizeof *n);
    if (!n)
        return KH_ENOMEM;
    e->facts = n;
    int rc = kh_facts__copy(&e->facts[e->count], fact); /* fact->key checked above */
    if (rc != KH_OK) {
        if (e->count == 0)  /* drop the empty entry again */
            set->count--;
        return rc;
    }
    e->count++;
    choose(e);
    return KH_OK;
}

int kh_factset_add(kh_factset *set, const kh_fact *fact)
{
    return add_fact(set, fact);
}

int kh_factset_override(kh_factset *set, const kh_fact *fact)
{
    if (!fact)
        return KH_EINVAL;
    kh_fact copy = *fact;
    copy.origin = KH_ORIGIN_OVERRIDE;
    return add_fact(set, &copy);
}

const kh_fact_entry *kh_factset_entry(const kh_factset *set, const char *key)
{
    if (!set || !key)
        return NULL;
    return find_entry(set, key);
}

const kh_fact *kh_factset_get(const kh_factset *set, const char *key)
{
    const kh_fact_entry *e = kh_factset_entry(set, key);
    return e && e->count ? &e->facts[0] : NULL;
}

static int by_key(const void *pa, const void *pb)
{
    const kh_fact_entry *a = pa, *b = pb;
    return strcmp(a->key, b->key);
}

size_t kh_factset_count(const kh_factset *set)
{
    return set ? set->count : 0;
}

const kh_fact_entry *kh_factset_at(const kh_factset *set, size_t i)
{
    if (!set || i >= set->count)
        return NULL;
    if (!set->sorted) {
        /* Sorting is a cache of an order, not a change of content. */
        kh_factset *s = (kh_factset *)set;
        qsort(s->entries, s->count, sizeof *s->entries, by_key);
        s->sorted = 1;
    }
    return &set->entries[i];
}

int kh_factset_add_error(kh_factset *set, const char *message)
{
    if (!set || !message)
        return KH_EINVAL;
    if (set->errors_count == set->errors_cap) {
        size_t cap = set->errors_cap ? set->errors_cap * 2 : 4;
        char **n = realloc(set->errors, cap * sizeof *n);
        if (!n)
            return KH_ENOMEM;
        set->errors = n;
        set->errors_cap = cap;
    }
    char *copy = strdup(message);
    if (!copy)
        return KH_ENOMEM;
    set->errors[set->errors_count++] = copy;
    return KH_OK;
}

size_t kh_factset_error_count(const kh_factset *set)
{
    return set ? set->errors_count : 0;
}

const char *kh_factset_error_at(const kh_factset *set, size_t i)
{
    return set && i < set->errors_count ? set->errors[i] : NULL;
}

const char *kh_basis_name(kh_basis b)
{
    switch (b) {
    case KH_BASIS_STATED: return "stated";
    case KH_BASIS_IMPLIED: return "implied";
    case KH_BASIS_DERIVED: return "derived";
    }
    return "unknown";
}

const char *kh_origin_name(kh_fact_origin o)
{
    switch (o) {
    case KH_ORIGIN_EXTRACTED: return "extracted";
    case KH_ORIGIN_GIVEN: return "given";
    case KH_ORIGIN_OVERRIDE: return "override";
    }
    return "unknown";
}

int kh_qualifier_from_name(const char *name)
{
    static const char *const names[] = {"exact", "more_than", "about", "less_than"};
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int kh_basis_from_name(const char *name)
{
    static const char *const names[] = {"stated", "implied", "derived"};
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/*
 * kaohe/facts.h — the facts of one document: for each key the chosen fact and
 * the other candidates, each with its evidence in the ORIGINAL file.
 */
#ifndef KAOHE_FACTS_H
#define KAOHE_FACTS_H

#include <stddef.h>

#include "kaohe/error.h"
#include "kaohe/plugin.h" /* kh_qualifier, kh_basis, kh_value_type */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_evidence {
    char *text;         /* owned by the factset: original text of the span */
    int line;           /* 1-based line in the original file */
    int column;         /* 1-based column (characters) */
    size_t norm_start;  /* span in the normalised text */
    size_t norm_end;
    int page;           /* 1-based PDF page (line is then within the page);
                           0 = not paged */
} kh_evidence;

typedef enum kh_fact_origin {
    KH_ORIGIN_EXTRACTED = 0, /* read from the report by a plugin */
    KH_ORIGIN_GIVEN = 1,     /* supplied as data (score --facts) */
    KH_ORIGIN_OVERRIDE = 2   /* entered by hand with a reason */
} kh_fact_origin;

/* One fact. All strings are owned by the factset that holds it. */
typedef struct kh_fact {
    char *key;
    kh_value_type type;
    double number;         /* KH_VALUE_NUMBER */
    char *text;            /* KH_VALUE_TEXT (NULL otherwise) */
    char *unit;
    kh_qualifier qualifier;
    kh_basis basis;
    kh_evidence evidence;  /* evidence.text NULL for given facts */
    char *plugin;          /* plugin name, or NULL for given facts */
    int confidence;
    char *note;            /* may be NULL */
    kh_fact_origin origin;
} kh_fact;

/* All facts for one key: the chosen one first, then the candidates in
 * document order. */
typedef struct kh_fact_entry {
    const char *key;       /* == facts[0].key */
    kh_fact *facts;        /* facts[0] is chosen */
    size_t count;
} kh_fact_entry;

typedef struct kh_factset kh_factset;

int kh_factset_new(kh_factset **out);        /* caller owns */
void kh_factset_free(kh_factset *set);       /* accepts NULL */

/* Add a copy of *fact (all strings copied). The chosen fact of its key is
 * re-decided: highest confidence, then earliest evidence. Returns KH_OK or
 * KH_ENOMEM. */
int kh_factset_add(kh_factset *set, const kh_fact *fact);

/* Replace the chosen value of key with *fact (copied, origin kept as given),
 * keeping the previous chosen fact as the first candidate. */
int kh_factset_override(kh_factset *set, const kh_fact *fact);

/* The chosen fact for key, or NULL (missing). Borrowed. */
const kh_fact *kh_factset_get(const kh_factset *set, const char *key);
/* The entry for key (chosen + candidates) or NULL. Borrowed. */
const kh_fact_entry *kh_factset_entry(const kh_factset *set, const char *key);

/* Entries sorted by key. Borrowed; valid until the set changes. */
size_t kh_factset_count(const kh_factset *set);
const kh_fact_entry *kh_factset_at(const kh_factset *set, size_t i);

/* Problems met while extracting this document (a plugin failed, a fact was
 * refused): one line each, kept in order. */
int kh_factset_add_error(kh_factset *set, const char *message); /* copied */
size_t kh_factset_error_count(const kh_factset *set);
const char *kh_factset_error_at(const kh_factset *set, size_t i); /* borrowed */

const char *kh_basis_name(kh_basis b);        /* "stated", "implied", "derived" */
const char *kh_origin_name(kh_fact_origin o); /* "extracted", "given", "override" */
/* Parse names back (for facts files); return -1 when unknown. */
int kh_qualifier_from_name(const char *name);
int kh_basis_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif

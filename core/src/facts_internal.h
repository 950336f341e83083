/*
 * facts_internal.h — one kh_fact deep-copied and released: the fact store
 * (facts.c) and every module that keeps facts of its own outside a factset
 * (score.c: the facts a rule read; overrides.c: the override and the fact it
 * replaced; record.c: facts read back from a record) use these two; and
 * the form of a fact key that scheme.yaml and facts files accept.
 */
#ifndef KH_FACTS_INTERNAL_H
#define KH_FACTS_INTERNAL_H

#include <stdbool.h>

#include "kaohe/facts.h"

/* *dst = *src with every string (key, text, unit, evidence text, plugin,
 * note) duplicated; a NULL string stays NULL. dst is the caller's; free its
 * strings with kh_facts__clear(). Returns KH_OK, or KH_ENOMEM with dst
 * cleared. */
int kh_facts__copy(kh_fact *dst, const kh_fact *src);

/* Free f's strings and zero it. */
void kh_facts__clear(kh_fact *f);

/* Whether key has the form scheme.yaml and facts files require of a fact
 * key: family.name, lower-case ASCII letters and _ on both sides of one dot
 * (litigation.cases). */
bool kh_facts__key_ok(const char *key);

#endif

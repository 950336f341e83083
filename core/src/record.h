/*
 * record.h — everything kaohe learnt about one input report (its facts, its
 * score, its unit, what went wrong), and its exact JSON serialisation. A
 * record crosses process and run boundaries: from a batch worker or an
 * isolated extraction child to the parent over a pipe, into the per-report
 * cache (OUTDIR/.kaohe-cache), and into shard files for `kaohe merge`.
 * Reading a record back gives the same factset and score (numbers round-trip
 * exactly), so outputs made from it are byte-identical. Overrides are not
 * part of a record: they are applied when a run's records are assembled.
 */
#ifndef KH_RECORD_H
#define KH_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "jsonv.h"
#include "kaohe/facts.h"
#include "kaohe/scheme.h"
#include "kaohe/score.h"
#include "registry.h"

/* Bumped when the serialisation changes; a cached record of another version
 * is not used. */
#define KH_RECORD_VERSION 1

typedef struct kh_record {
    char *path;            /* owned; input path as given */
    char *sha256;          /* owned; hex SHA-256 of the input, NULL if unread */
    char *encoding;        /* owned; "utf-8", …; NULL when the input failed */
    char *error;           /* owned; "path: reason" when the input failed */
    char *unit_reported;   /* owned; the report.unit fact, NULL if none */
    int year;              /* report.year, 0 when unknown */
    kh_unit_status unit_status;
    char *unit;            /* owned; registry name when identified, else
                              unit_reported; may be NULL */
    char *unit_code;       /* owned; GB/T 2260 code, NULL if none */
    char *unit_note;       /* owned; why doubtful/unknown, NULL for a plain match */
    char **warnings;       /* owned; e.g. "published 2025-02-10, after the deadline" */
    size_t warnings_count;
    kh_factset *facts;     /* owned; NULL when the input failed */
    kh_report_score *score;/* owned; NULL when the input failed */
} kh_record;

void kh_record_clear(kh_record *r); /* frees every member, zeroes r */

/* Set r->unit, unit_code, unit_note and unit_status from a match (unit_reported
 * is the fallback name). Returns KH_OK or KH_ENOMEM. */
int kh_record_set_unit(kh_record *r, const kh_unit_match *m);
/* Append a warning (copied). */
int kh_record_add_warning(kh_record *r, const char *warning);

/* Write r as one JSON object value. */
void kh_record_write(kh_json *j, const kh_record *r);
/* r as compact JSON text; *out: caller owns (free()). KH_OK / KH_ENOMEM. */
int kh_record_to_text(const kh_record *r, char **out, size_t *len);

/* Read a record written by kh_record_write. scheme (borrowed, must outlive
 * the score) resolves indicator ids; a record scored with indicators the
 * scheme does not have is KH_EINPUT. *out is cleared first; on failure it is
 * left cleared. */
int kh_record_read(kh_record *out, const kh_jv *v, const kh_scheme *scheme,
                   kh_error *err);
/* Parse text and read it. */
int kh_record_parse(kh_record *out, const char *text, size_t len,
                    const kh_scheme *scheme, kh_error *err);
/* The same without the facts: out->facts holds only the extraction errors
 * and no indicator has its facts (the rest — unit, warnings, statuses,
 * points, explanations, missing keys — is read as by kh_record_parse).
 * The facts are still checked to be JSON, not read: for a summary of a
 * record, which costs a third of reading it whole. */
int kh_record_parse_light(kh_record *out, const char *text, size_t len,
                          const kh_scheme *scheme, kh_error *err);

/* Fact (de)serialisation, shared with the shard and cache files. */
void kh_record_fact_write(kh_json *j, const kh_fact *f);
/* Fill f (strings malloc'd; caller frees them, e.g. via kh_record_fact_clear). */
int kh_record_fact_read(kh_fact *f, const kh_jv *v);
void kh_record_fact_clear(kh_fact *f);

/* Exact text of a double (shortest round trip); "nan"/"inf" never occur in
 * records (non-finite values are written as strings and read back). */
char *kh_record_format_double(double v, char *buf, size_t size);

#endif

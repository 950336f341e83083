/*
 * factsfile.h — reading a facts file: the facts of one or more reporting
 * units given as data (JSON or YAML), scored without extraction by
 * `kaohe score|explain|watch|diff --facts FILE`.
 *
 * Format (docs/rules.md, "Facts files"). The top level is a list of units,
 * or a mapping {units: [...]}. Each unit:
 *
 *   - unit: 威海市文登区          # required, non-empty text
 *     year: 2024                 # required, the report year (1900..2999)
 *     path: wendeng-2024         # optional label shown as the report's path;
 *                                # default "FILE:LINE" of the entry
 *     facts:                     # required mapping (may be empty)
 *       litigation.cases: 24                         # a number
 *       proposals.reply_rate: 98.5%                  # a number; % → unit percent
 *       report.published_date: 2025-01-08            # text (not a number)
 *       survey.public_satisfaction:                  # the full form
 *         {value: 92.3, qualifier: about, basis: stated, unit: percent,
 *          note: 第三方测评}
 *
 * A value is a number when it is an unquoted decimal (98.5, 24, 1e3, 98.5%)
 * and text otherwise; quoted scalars ("98.5") are always text. In JSON:
 * [{"unit": "…", "year": 2024, "facts": {"litigation.cases": 24,
 *   "survey.public_satisfaction": {"value": 92.3, "qualifier": "about"}}}].
 * qualifier: exact (default) | more_than | about | less_than; basis: stated
 * (default) | implied | derived; unit, note: text.
 *
 * Every fact becomes origin "given" (KH_ORIGIN_GIVEN) with no evidence, no
 * plugin and confidence 100. Problems are errors naming file:line — YAML or
 * JSON syntax, the wrong shape, an unknown field, an empty or malformed key
 * (family.name: lower-case letters and _), a value that is a list, null,
 * true/false or empty, a number out of range, an unknown qualifier or basis,
 * a key given twice — and the load stops at the first.
 */
#ifndef KH_FACTSFILE_H
#define KH_FACTSFILE_H

#include <stddef.h>

#include <stdbool.h>

#include "kaohe/error.h"
#include "kaohe/facts.h"
#include "yamltree.h"

/* Refused outright: a facts file larger than this. */
#define KH_FACTSFILE_MAX ((size_t)64 * 1024 * 1024)

/* Where a fact key was written. */
typedef struct kh_given_key {
    char *key;   /* owned by the file */
    int line;    /* 1-based line of the key */
} kh_given_key;

/* One unit of a facts file. All pointers owned by the kh_factsfile. */
typedef struct kh_given_unit {
    char *unit;            /* 威海市文登区 */
    int year;              /* 1900..2999 */
    char *label;           /* `path:` as given, else "FILE:LINE" */
    int line;              /* line of the entry */
    kh_factset *facts;     /* owned; NULL once taken (kh_factsfile_take) */
    kh_given_key *keys;    /* every fact key in file order */
    size_t keys_count;
} kh_given_unit;

typedef struct kh_factsfile {
    char *path;            /* owned copy of the name used in messages */
    kh_given_unit *units;  /* owned, in file order */
    size_t count;
} kh_factsfile;

/* Read and parse the file at path. Returns KH_OK; KH_ENOTFOUND (no such
 * file), KH_EIO (unreadable, a directory), KH_EINPUT (too large, or a
 * problem in the content: err = path:line and the message) or KH_ENOMEM.
 * *out is the caller's; free with kh_factsfile_free() (also after a
 * failure, which leaves it empty). */
int kh_factsfile_load(kh_factsfile *out, const char *path, kh_error *err);

/* The same for len bytes in memory; name is used in messages and labels. */
int kh_factsfile_parse(kh_factsfile *out, const char *name, const void *bytes,
                       size_t len, kh_error *err);

/* Move unit i's factset to the caller (who then owns it; kh_factset_free);
 * the unit keeps NULL. Returns NULL if i is out of range or already taken. */
kh_factset *kh_factsfile_take(kh_factsfile *ff, size_t i);

void kh_factsfile_free(kh_factsfile *ff); /* zeroes it; accepts NULL */

/* One fact value as facts files write it — the reader shared with every
 * other file that gives facts as data (the test cases of `kaohe rules
 * test`). v is a scalar (a plain decimal — 98.5, 24, 1e3, 98.5% — is a
 * number, a trailing % giving unit "percent"; any other text, or a quoted
 * scalar, is text; null, empty, a boolean word or an out-of-range number is
 * refused) or the full form {value, qualifier, basis, unit, note}. Sets
 * f->type, number, text, unit, note, qualifier (default exact) and basis
 * (default stated); the strings are borrowed from v's tree; the other
 * members of f are left alone. what names the fact in messages ("fact
 * 'litigation.cases'"). Returns KH_OK, or KH_EINPUT with err = name:line and
 * "WHAT: problem". */
int kh_factsfile_read_value(const kh_ynode *v, const char *name, const char *what,
                            kh_fact *f, kh_error *err);

/* Whether text is a plain decimal as above (whole text, finite, in range);
 * the value in *out, and in *percent (may be NULL) whether it ended in %. */
bool kh_factsfile_number(const char *text, double *out, bool *percent);

#endif

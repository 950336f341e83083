/*
 * registry.h — the unit registry: which districts, county-level cities,
 * development zones and cities a batch run may meet (registry.yaml, loaded
 * with libcyaml), and identifying the unit a report is about from its
 * `report.unit` fact and its title. An identification is `matched`,
 * `doubtful` (only an alias matched, or the name fits several units) or
 * `unknown`; the last two are flagged with a note, never guessed silently.
 *
 * YAML (see docs/batch.md):
 *   name: 山东省（部分）         # optional label
 *   units:
 *     - code: '371003'            # GB/T 2260; null for a development zone
 *       name: 威海市文登区         # full name, unique
 *       short: 文登区              # what reports usually call it
 *       parent: 威海市
 *       aliases: [文登]            # OCR'd / colloquial names (optional)
 *       level: district            # city | district | county-city | county | dev-zone
 */
#ifndef KH_REGISTRY_H
#define KH_REGISTRY_H

#include <stddef.h>

#include "kaohe/error.h"
#include "kaohe/scheme.h" /* kh_diag_list */
#include "sha256.h"

typedef enum kh_unit_level {
    KH_LEVEL_CITY = 0,
    KH_LEVEL_DISTRICT,
    KH_LEVEL_COUNTY_CITY,
    KH_LEVEL_COUNTY,
    KH_LEVEL_DEV_ZONE
} kh_unit_level;
const char *kh_unit_level_name(kh_unit_level level); /* "district", … */

typedef struct kh_registry_entry {
    char *code;          /* owned; 6-digit GB/T 2260 code, NULL if none */
    char *name;          /* owned; 威海市文登区 */
    char *short_name;    /* owned; 文登区 */
    char *parent;        /* owned; 威海市, may be NULL */
    char **aliases;      /* owned array of owned strings */
    size_t aliases_count;
    kh_unit_level level;
} kh_registry_entry;

typedef struct kh_registry {
    char *label;                 /* owned; YAML `name`, may be NULL */
    char *path;                  /* owned; the file it was read from */
    char sha256[KH_SHA256_HEX_SIZE]; /* of the file's bytes */
    kh_registry_entry *entries;  /* owned; in file order */
    size_t count;
} kh_registry;

/* Load and check a registry file: shape through libcyaml (unknown keys,
 * missing name/short/level, a bad level are errors naming file, line and
 * key), then meaning (codes are 6 digits and unique, names unique, an alias
 * that is another unit's name or short). Every problem is added to diags
 * (may be NULL); on failure returns KH_ECONFIG / KH_ENOTFOUND with the first
 * one in err. *out: caller owns; free with kh_registry_free(). */
int kh_registry_load(kh_registry **out, const char *path, kh_diag_list *diags,
                     kh_error *err);
void kh_registry_free(kh_registry *reg); /* accepts NULL */

typedef enum kh_unit_status {
    KH_UNIT_MATCHED = 0,
    KH_UNIT_DOUBTFUL = 1,
    KH_UNIT_UNKNOWN = 2
} kh_unit_status;
const char *kh_unit_status_name(kh_unit_status s); /* "matched", "doubtful", "unknown" */

#define KH_UNIT_NOTE_MAX 512

typedef struct kh_unit_match {
    kh_unit_status status;
    const kh_registry_entry *entry; /* borrowed from the registry; NULL when
                                       unknown or ambiguous */
    char note[KH_UNIT_NOTE_MAX];    /* why doubtful / unknown, or how a match
                                       was settled; "" for a plain match */
} kh_unit_match;

/* Identify the unit of a report. unit: its `report.unit` fact (may be NULL);
 * title: the first lines of its text (may be NULL); hint: the unit the batch
 * manifest files the report under (may be NULL). reg may be NULL (every
 * report is then unknown). Order: the unit fact equal to a name or short
 * name; else a name or short name contained in it (longest wins; short names
 * of two characters only match whole); else an alias (doubtful); then the
 * title the same way when the unit fact gave nothing. A short name shared by
 * several units is settled by a parent named in the unit fact or title, else
 * doubtful. A hint confirms, supplies or contradicts the result. */
void kh_registry_identify(const kh_registry *reg, const char *unit,
                          const char *title, const char *hint,
                          kh_unit_match *out);

#endif

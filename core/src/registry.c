/* registry.c — loading the unit registry and identifying a report's unit
 * (see registry.h). */
#include "registry.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaohe/plugin.h"  /* KH_PRINTF */
#include "scheme_internal.h" /* kh_scheme__cyaml_error */

/* ---- schema ------------------------------------------------------------- */

typedef struct yaml_unit {
    char *code;
    char *name;
    char *short_name;
    char *parent;
    char **aliases;
    unsigned aliases_count;
    int level;
} yaml_unit;

typedef struct yaml_registry {
    char *name;
    yaml_unit *units;
    unsigned units_count;
} yaml_registry;

static const cyaml_strval_t level_names[] = {
    {"city", KH_LEVEL_CITY},
    {"district", KH_LEVEL_DISTRICT},
    {"county-city", KH_LEVEL_COUNTY_CITY},
    {"county", KH_LEVEL_COUNTY},
    {"dev-zone", KH_LEVEL_DEV_ZONE},
};

static const cyaml_schema_value_t alias_schema = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 256)};

static const cyaml_schema_field_t unit_fields[] = {
    /* code → yaml_unit.code: GB/T 2260 code as a string; null for none */
    CYAML_FIELD_STRING_PTR("code", CYAML_FLAG_POINTER_NULL_STR | CYAML_FLAG_OPTIONAL,
                           yaml_unit, code, 0, 32),
    /* name → yaml_unit.name: full name (威海市文登区) */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, yaml_unit, name, 1, 256),
    /* short → yaml_unit.short_name: the usual short name (文登区) */
    CYAML_FIELD_STRING_PTR("short", CYAML_FLAG_POINTER, yaml_unit, short_name, 1, 256),
    /* parent → yaml_unit.parent: the unit above (威海市) */
    CYAML_FIELD_STRING_PTR("parent", CYAML_FLAG_POINTER_NULL_STR | CYAML_FLAG_OPTIONAL,
                           yaml_unit, parent, 0, 256),
    /* aliases → yaml_unit.aliases: OCR variants and colloquial names */
    CYAML_FIELD_SEQUENCE("aliases", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, yaml_unit,
                         aliases, &alias_schema, 0, 64),
    /* level → yaml_unit.level */
    CYAML_FIELD_ENUM("level", CYAML_FLAG_STRICT, yaml_unit, level, level_names,
                     sizeof level_names / sizeof level_names[0]),
    CYAML_FIELD_END};

static const cyaml_schema_value_t unit_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, yaml_unit, unit_fields)};

static const cyaml_schema_field_t registry_fields[] = {
    /* name → yaml_registry.name: a label for the registry */
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           yaml_registry, name, 0, 256),
    /* units → yaml_registry.units */
    CYAML_FIELD_SEQUENCE("units", CYAML_FLAG_POINTER, yaml_registry, units,
                         &unit_schema, 0, 100000),
    CYAML_FIELD_END};

static const cyaml_schema_value_t registry_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, yaml_registry, registry_fields)};

const char *kh_unit_level_name(kh_unit_level level)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (level_names[i].val == (int64_t)level)
            return level_names[i].str;
    return "unknown";
}

const char *kh_unit_status_name(kh_unit_status s)
{
    switch (s) {
    case KH_UNIT_MATCHED: return "matched";
    case KH_UNIT_DOUBTFUL: return "doubtful";
    case KH_UNIT_UNKNOWN: return "unknown";
    }
    return "unknown";
}

/* ---- loading ------------------------------------------------------------ */

typedef struct log_buf {
    char text[4096];
    size_t len;
} log_buf;

KH_PRINTF(3, 0)
static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    (void)level;
    log_buf *log = ctx;
    size_t room = sizeof log->text - log->len;
    if (room <= 1)
        return;
    int n = vsnprintf(log->text + log->len, room, fmt, args);
    if (n > 0)
        log->len += (size_t)n < room ? (size_t)n : room - 1;
}

void kh_registry_free(kh_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        kh_registry_entry *e = &reg->entries[i];
        free(e->code);
        free(e->name);
        free(e->short_name);
        free(e->parent);
        for (size_t k = 0; k < e->aliases_count; k++)
            free(e->aliases[k]);
        free(e->aliases);
    }
    free(reg->entries);
    free(reg->label);
    free(reg->path);
    free(reg);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Copy the libcyaml tree into our own allocation. */
static int copy_entries(kh_registry *reg, const yaml_registry *y)
{
    reg->entries = calloc(y->units_count ? y->units_count : 1, sizeof *reg->entries);
    if (!reg->entries)
        return KH_ENOMEM;
    for (unsigned i = 0; i < y->units_count; i++) {
        const yaml_unit *u = &y->units[i];
        kh_registry_entry *e = &reg->entries[reg->count++];
        e->code = dup_or_null(u->code);
        e->name = strdup(u->name);
        e->short_name = strdup(u->short_name);
        e->parent = dup_or_null(u->parent);
        e->level = (kh_unit_level)u->level;
        if ((u->code && !e->code) || !e->name || !e->short_name || (u->parent && !e->parent))
            return KH_ENOMEM;
        if (u->aliases_count) {
            e->aliases = calloc(u->aliases_count, sizeof *e->aliases);
            if (!e->aliases)
                return KH_ENOMEM;
            for (unsigned k = 0; k < u->aliases_count; k++) {
                e->aliases[k] = strdup(u->aliases[k]);
                if (!e->aliases[k])
                    return KH_ENOMEM;
                e->aliases_count++;
            }
        }
    }
    return KH_OK;
}

static bool code_ok(const char *c)
{
    if (strlen(c) != 6)
        return false;
    for (const char *p = c; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

/* Meaning checks; returns the number of errors added. */
static size_t check_entries(const kh_registry *reg, kh_diag_list *diags)
{
    size_t errors = 0;
    for (size_t i = 0; i < reg->count; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        if (e->code && !code_ok(e->code)) {
            kh_diag_list_add(diags, false, reg->path, 0,
                             "units[%zu] %s: code '%s' is not a 6-digit GB/T 2260 code", i,
                             e->name, e->code);
            errors++;
        }
        if (!e->code && e->level != KH_LEVEL_DEV_ZONE)
            kh_diag_list_add(diags, true, reg->path, 0,
                             "units[%zu] %s: no code, though it is not a dev-zone", i, e->name);
        for (size_t k = 0; k < i; k++) {
            const kh_registry_entry *o = &reg->entries[k];
            if (strcmp(o->name, e->name) == 0) {
                kh_diag_list_add(diags, false, reg->path, 0,
                                 "units[%zu]: name '%s' already used by units[%zu]", i,
                                 e->name, k);
                errors++;
            }
            /* a short name that is another unit's name: a report naming
             * either could not be told apart (identify would find both) */
            for (int pass = 0; pass < 2; pass++) {
                const kh_registry_entry *sh = pass ? o : e, *nm = pass ? e : o;
                if (strcmp(nm->name, sh->short_name) != 0)
                    continue;
                kh_diag_list_add(diags, false, reg->path, 0,
                                 "units[%zu] %s: short name '%s' is the name of units[%zu]",
                                 pass ? k : i, sh->name, sh->short_name, pass ? i : k);
                errors++;
            }
            if (e->code && o->code && strcmp(o->code, e->code) == 0) {
                kh_diag_list_add(diags, false, reg->path, 0,
                                 "units[%zu] %s: code %s already used by units[%zu] %s", i,
                                 e->name, e->code, k, o->name);
                errors++;
            }
        }
        for (size_t a = 0; a < e->aliases_count; a++)
            for (size_t k = 0; k < reg->count; k++) {
                const kh_registry_entry *o = &reg->entries[k];
                if (k != i && (strcmp(o->name, e->aliases[a]) == 0 ||
                               strcmp(o->short_name, e->aliases[a]) == 0))
                    kh_diag_list_add(diags, true, reg->path, 0,
                                     "units[%zu] %s: alias '%s' is the name of units[%zu] %s",
                                     i, e->name, e->aliases[a], k, o->name);
            }
    }
    return errors;
}

int kh_registry_load(kh_registry **out, const char *path, kh_diag_list *diags,
                     kh_error *err)
{
    *out = NULL;
    kh_diag_list local = {0};
    kh_diag_list *d = diags ? diags : &local;
    size_t first = d->count;
    int rc = KH_OK;
    yaml_registry *y = NULL;
    log_buf log = {{0}, 0};
    cyaml_config_t cfg = {
        .log_fn = capture_log,
        .log_ctx = &log,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    kh_registry *reg = calloc(1, sizeof *reg);
    if (!reg) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    reg->path = strdup(path);
    if (!reg->path) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    if (kh_sha256_file(path, digest) != KH_OK) {
        rc = kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "cannot read the unit registry");
        kh_diag_list_add(d, false, path, 0, "cannot read the unit registry");
        goto done;
    }
    kh_sha256_hex(digest, reg->sha256);
    cyaml_err_t cerr = cyaml_load_file(path, &cfg, &registry_schema, (cyaml_data_t **)&y, NULL);
    if (cerr == CYAML_ERR_OOM) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if (cerr != CYAML_OK || !y) {
        if (log.len == 0 || kh_scheme__cyaml_error(d, path, log.text, NULL) != KH_OK)
            kh_diag_list_add(d, false, path, 0, "unit registry: %s", cyaml_strerror(cerr));
        rc = KH_ECONFIG;
        goto done;
    }
    if (y->name && !(reg->label = strdup(y->name))) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if (copy_entries(reg, y) != KH_OK) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if (check_entries(reg, d))
        rc = KH_ECONFIG;
done:
    if (rc != KH_OK && rc != KH_ENOMEM) {
        /* the first error of this load goes to err */
        for (size_t i = first; i < d->count; i++)
            if (!d->items[i].warning) {
                if (err)
                    *err = d->items[i].where;
                break;
            }
        if (err)
            err->code = rc;
    }
    if (y)
        cyaml_free(&cfg, &registry_schema, y, 0);
    kh_diag_list_free(&local);
    if (rc != KH_OK) {
        kh_registry_free(reg);
        return rc;
    }
    *out = reg;
    return KH_OK;
}

/* ---- identification ----------------------------------------------------- */

#define MAX_CANDS 16

typedef enum how {
    HOW_NONE = 0,
    HOW_EXACT,
    HOW_CONTAINED,
    HOW_ALIAS
} how;

typedef struct cands {
    const kh_registry_entry *e[MAX_CANDS];
    size_t n;
    how how;
    const char *matched; /* the name / short / alias that matched (borrowed) */
    size_t len;          /* its length in bytes */
} cands;

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void add_cand(cands *c, const kh_registry_entry *e)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i] == e)
            return;
    if (c->n < MAX_CANDS)
        c->e[c->n++] = e;
}

/* Consider string s (a name, short name or alias of e) against text. */
static void consider(cands *c, const kh_registry_entry *e, const char *s, const char *text,
                     bool whole_only)
{
    bool exact = strcmp(text, s) == 0;
    /* names and short names of 3+ characters also match inside the text */
    bool inside = !exact && !whole_only && code_points(s) >= 3 && strstr(text, s) != NULL;
    if (!exact && !inside)
        return;
    size_t len = strlen(s);
    if (len < c->len)
        return;
    if (len > c->len) {
        c->n = 0;
        c->len = len;
        c->matched = s;
    }
    add_cand(c, e);
}

/* Drop a candidate when a unit below it also matched (威海市 vs 文登区). */
static void prefer_lower(cands *c)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        bool is_parent = false;
        for (size_t j = 0; j < c->n; j++)
            if (j != i && c->e[j]->parent && strcmp(c->e[j]->parent, c->e[i]->name) == 0)
                is_parent = true;
        if (!is_parent)
            c->e[k++] = c->e[i];
    }
    c->n = k;
}

/* Match one text: exact name/short, then contained name/short, then alias. */
static void match_text(const kh_registry *reg, const char *text, cands *out)
{
    memset(out, 0, sizeof *out);
    if (!reg || !text || !*text)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        if (strcmp(text, e->name) == 0 || strcmp(text, e->short_name) == 0) {
            add_cand(out, e);
            out->matched = strcmp(text, e->name) == 0 ? e->name : e->short_name;
        }
    }
    if (out->n) {
        out->how = HOW_EXACT;
        out->len = strlen(out->matched);
        return;
    }
    for (size_t i = 0; i < reg->count; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        consider(out, e, e->name, text, false);
        consider(out, e, e->short_name, text, false);
    }
    if (out->n) {
        out->how = HOW_CONTAINED;
        prefer_lower(out);
        return;
    }
    for (size_t i = 0; i < reg->count; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        for (size_t a = 0; a < e->aliases_count; a++)
            consider(out, e, e->aliases[a], text, false);
    }
    if (out->n) {
        out->how = HOW_ALIAS;
        prefer_lower(out);
    }
}

/* Does the context name this parent (威海市, or 威海 without the 市)? */
static bool names_parent(const char *context, const char *parent)
{
    if (!context || !parent || !*parent)
        return false;
    if (strstr(context, parent))
        return true;
    size_t n = strlen(parent);
    static const char *const suffixes[] = {"市", "省", "地区", "自治州", "盟"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && strcmp(parent + n - sl, suffixes[i]) == 0) {
            char stem[256];
            if (n - sl >= sizeof stem)
                return false;
            memcpy(stem, parent, n - sl);
            stem[n - sl] = '\0';
            return code_points(stem) >= 2 && strstr(context, stem) != NULL;
        }
    }
    return false;
}

/* Room finish_note needs in front of the reasons: "doubtful: " is the
 * longest status prefix. */
#define NOTE_PREFIX_MAX (sizeof "doubtful: " - 1)
/* A further reason is started only with this much room left. */
#define NOTE_REASON_MIN 16

/* Append text to buf (size bytes, NUL-terminated). When it does not fit,
 * append as much as fits ending on a UTF-8 character boundary, then "…",
 * and return KH_ELIMIT; else KH_OK. */
static int append_utf8(char *buf, size_t size, const char *text)
{
    static const char ellipsis[] = "\u2026";
    size_t used = strlen(buf), n = strlen(text);
    if (used + n < size) {
        memcpy(buf + used, text, n + 1);
        return KH_OK;
    }
    if (used + sizeof ellipsis > size)
        return KH_ELIMIT; /* not even "…" fits */
    size_t keep = size - used - sizeof ellipsis;
    while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
        keep--; /* text[keep] would start the cut-off part: not mid-character */
    memcpy(buf + used, text, keep);
    memcpy(buf + used + keep, ellipsis, sizeof ellipsis);
    return KH_ELIMIT;
}

/* Add "; reason" (or the first reason) to the note, keeping room for the
 * status prefix finish_note adds; a reason that does not fit is cut on a
 * character boundary and ends in "…". */
KH_PRINTF(2, 3)
static void add_reason(kh_unit_match *m, const char *fmt, ...)
{
    char reason[KH_UNIT_NOTE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* a reason vsnprintf cut (anywhere) is longer than limit below, so
     * append_utf8 cuts it again, on a character boundary */
    size_t limit = sizeof m->note - NOTE_PREFIX_MAX, used = strlen(m->note);
    if (used && used + NOTE_REASON_MIN > limit)
        return; /* full (an earlier reason was cut): no "…; …" */
    if (used)
        append_utf8(m->note, limit, "; ");
    append_utf8(m->note, limit, reason);
}

/* "name, name, …": the candidates' names, whole names only; ", …" ends a
 * list that does not fit in size bytes. */
static void list_names(const cands *c, char *buf, size_t size)
{
    static const char more[] = ", \u2026";
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + strlen(c->e[i]->name);
        /* keep room for ", …" unless this is the last name */
        size_t room = size - used - 1 - (i + 1 < c->n ? sizeof more - 1 : 0);
        if (need > room) {
            if (used + sizeof more <= size)
                memcpy(buf + used, more, sizeof more);
            return;
        }
        memcpy(buf + used, sep, strlen(sep));
        memcpy(buf + used + strlen(sep), c->e[i]->name, strlen(c->e[i]->name) + 1);
        used += need;
    }
}

/* Turn candidates into a match (status, entry, reason without a status
 * prefix); context settles a shared short name. False when c is empty. */
static bool settle(const cands *c, const char *context1, const char *context2,
                   const char *source, kh_unit_match *out)
{
    if (c->n == 0)
        return false;
    const kh_registry_entry *pick = NULL;
    if (c->n > 1) {
        size_t hits = 0;
        for (size_t i = 0; i < c->n; i++)
            if (names_parent(context1, c->e[i]->parent) ||
                names_parent(context2, c->e[i]->parent)) {
                pick = c->e[i];
                hits++;
            }
        if (hits != 1) {
            char names[300];
            list_names(c, names, sizeof names);
            out->status = KH_UNIT_DOUBTFUL;
            out->entry = NULL;
            out->note[0] = '\0';
            add_reason(out, "%s「%s」fits %zu units (%s)", source, c->matched, c->n, names);
            return true;
        }
        out->entry = pick;
        out->status = c->how == HOW_ALIAS ? KH_UNIT_DOUBTFUL : KH_UNIT_MATCHED;
        out->note[0] = '\0';
        add_reason(out, "%s「%s」fits %zu units; %s named in the report settles it", source,
                   c->matched, c->n, pick->parent);
        return true;
    }
    pick = c->e[0];
    out->entry = pick;
    if (c->how == HOW_ALIAS) {
        out->status = KH_UNIT_DOUBTFUL;
        out->note[0] = '\0';
        add_reason(out, "%s「%s」matches only an alias of %s (%s)", source, c->matched,
                   pick->name, pick->short_name);
    } else {
        out->status = KH_UNIT_MATCHED;
        out->note[0] = '\0';
    }
    return true;
}

/* Prefix the note with its status ("doubtful: …", "unknown: …"). KH_ELIMIT,
 * leaving the note as it is, when the result would not fit (add_reason
 * keeps room for it, so only a note written some other way can overflow). */
static int finish_note(kh_unit_match *m)
{
    if (m->status == KH_UNIT_MATCHED)
        return KH_OK;
    const char *status = kh_unit_status_name(m->status);
    size_t sl = strlen(status), nl = strlen(m->note);
    size_t sep = nl ? 2 : 0;
    if (sl + sep + nl >= sizeof m->note)
        return KH_ELIMIT;
    memmove(m->note + sl + sep, m->note, nl + 1);
    memcpy(m->note, status, sl);
    if (sep)
        memcpy(m->note + sl, ": ", 2);
    return KH_OK;
}

void kh_registry_identify(const kh_registry *reg, const char *unit,
                          const char *title, const char *hint,
                          kh_unit_match *out)
{
    memset(out, 0, sizeof *out);
    out->status = KH_UNIT_UNKNOWN;
    if (unit && !*unit)
        unit = NULL;
    if (hint && !*hint)
        hint = NULL;
    if (!reg) {
        add_reason(out, "no unit registry loaded");
        (void)finish_note(out); /* fits: add_reason keeps room for the prefix */
        return;
    }
    cands c;
    match_text(reg, unit, &c);
    bool found = settle(&c, unit, title, "report.unit", out);
    if (!found) {
        match_text(reg, title, &c);
        found = settle(&c, title, NULL, "the title's", out);
        if (found && unit && out->entry) {
            out->status = KH_UNIT_DOUBTFUL;
            out->note[0] = '\0';
            add_reason(out, "report.unit「%s」is not in the registry; the title names %s", unit,
                       out->entry->name);
        } else if (found && out->status == KH_UNIT_MATCHED) {
            add_reason(out, "named only in the title");
        }
    }
    if (!found) {
        out->status = KH_UNIT_UNKNOWN;
        if (unit)
            add_reason(out, "「%s」is not in the registry", unit);
        else
            add_reason(out, "the report names no unit");
    }
    if (hint) {
        /* the manifest's word confirms, supplies or contradicts */
        kh_unit_match h;
        memset(&h, 0, sizeof h);
        match_text(reg, hint, &c);
        if (!settle(&c, hint, title, "", &h) || !h.entry) {
            if (out->status == KH_UNIT_MATCHED)
                out->status = KH_UNIT_DOUBTFUL;
            add_reason(out, "the manifest's unit「%s」is not in the registry", hint);
        } else if (out->entry == h.entry) {
            if (out->status == KH_UNIT_DOUBTFUL) {
                out->status = KH_UNIT_MATCHED;
                add_reason(out, "confirmed by the manifest");
            }
        } else if (!out->entry) {
            out->entry = h.entry;
            out->status = KH_UNIT_MATCHED;
            add_reason(out, "unit taken from the manifest: %s", h.entry->name);
        } else {
            char reported[256];
            snprintf(reported, sizeof reported, "%s", out->entry->name);
            out->status = KH_UNIT_DOUBTFUL;
            add_reason(out, "the report names %s but the manifest files it under %s", reported,
                       h.entry->name);
        }
    }
    (void)finish_note(out); /* fits: add_reason keeps room for the prefix */
}

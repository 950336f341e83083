/* overrides.c — loading overrides.yaml and applying hand-entered facts to the
 * reports of a run, keeping the replaced values (see overrides.h). */
#include "overrides.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "facts_internal.h"
#include "kaohe/number.h"
#include "table.h"

#define MAX_FILE_BYTES ((size_t)16 * 1024 * 1024)
#define MAX_KEYS_PER_ENTRY 16

/* ---- the YAML schema (libcyaml), all scalars read as text ---- */

typedef struct raw_override {
    char *unit;
    char *key;
    char *value;
    char *qualifier;
    char *reason;
    char *author;
    char *date;
} raw_override;

static const cyaml_schema_field_t raw_fields[] = {
    /* unit → raw_override.unit: the report's unit name */
    CYAML_FIELD_STRING_PTR("unit", CYAML_FLAG_POINTER, raw_override, unit, 0, 256),
    /* key → raw_override.key: fact key, e.g. litigation.cases */
    CYAML_FIELD_STRING_PTR("key", CYAML_FLAG_POINTER, raw_override, key, 0, 128),
    /* value → raw_override.value: number or text (ISO date) */
    CYAML_FIELD_STRING_PTR("value", CYAML_FLAG_POINTER, raw_override, value, 0, 1024),
    /* qualifier → raw_override.qualifier: exact | more_than | about | less_than */
    CYAML_FIELD_STRING_PTR("qualifier", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                           raw_override, qualifier, 0, 32),
    /* reason → raw_override.reason: why the value was entered by hand */
    CYAML_FIELD_STRING_PTR("reason", CYAML_FLAG_POINTER, raw_override, reason, 0, 4096),
    /* author → raw_override.author: who entered it */
    CYAML_FIELD_STRING_PTR("author", CYAML_FLAG_POINTER, raw_override, author, 0, 256),
    /* date → raw_override.date: when, YYYY-MM-DD */
    CYAML_FIELD_STRING_PTR("date", CYAML_FLAG_POINTER, raw_override, date, 0, 64),
    CYAML_FIELD_END};

static const cyaml_schema_value_t raw_entry_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_override, raw_fields)};

static const cyaml_schema_value_t raw_list_schema = {
    CYAML_VALUE_SEQUENCE(CYAML_FLAG_POINTER, raw_override, &raw_entry_schema, 0, 1000000)};

/* ---- a libyaml pass: the line of every entry and of every key in it ---- */

typedef struct key_line {
    char name[24];
    int line;
    bool collection; /* its value is a list or mapping, not a scalar */
} key_line;

typedef struct entry_lines {
    int line;
    bool is_mapping;
    key_line keys[MAX_KEYS_PER_ENTRY];
    size_t nkeys;
    bool too_many;   /* more keys than MAX_KEYS_PER_ENTRY */
} entry_lines;

typedef struct line_map {
    entry_lines *entries; /* owned */
    size_t count, cap;
    int root;             /* 0 none, 1 sequence, 2 mapping, 3 scalar */
} line_map;

static int line_map_push(line_map *m, int line)
{
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        entry_lines *n = realloc(m->entries, cap * sizeof *n);
        if (!n)
            return KH_ENOMEM;
        m->entries = n;
        m->cap = cap;
    }
    memset(&m->entries[m->count], 0, sizeof *m->entries);
    m->entries[m->count++].line = line;
    return KH_OK;
}

/* Line of entry i (0 when unknown) and of its key (else the entry's line). */
static int entry_line(const line_map *m, size_t i)
{
    return i < m->count ? m->entries[i].line : 0;
}

static int key_line_of(const line_map *m, size_t i, const char *key)
{
    if (i >= m->count)
        return 0;
    for (size_t k = 0; k < m->entries[i].nkeys; k++)
        if (strcmp(m->entries[i].keys[k].name, key) == 0)
            return m->entries[i].keys[k].line;
    return m->entries[i].line;
}

/* Walk the events; on a syntax error fill err with file:line. */
static int map_lines(line_map *m, const char *path, const char *buf, size_t len,
                     kh_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    int rc = KH_OK, depth = 0;
    bool expect_key = false, in_entry = false, done = false;
    while (!done && rc == KH_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = kh_error_set(err, KH_ECONFIG, path, (int)parser.problem_mark.line + 1, 0,
                              "YAML syntax error: %s%s%s",
                              parser.problem ? parser.problem : "unreadable",
                              parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        int line = (int)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth == 0 && !m->root)
                m->root = ev.type == YAML_SEQUENCE_START_EVENT ? 1 : 2;
            if (depth == 1 && ev.type == YAML_MAPPING_START_EVENT) {
                rc = line_map_push(m, line);
                if (rc == KH_OK)
                    m->entries[m->count - 1].is_mapping = true;
                in_entry = true;
                expect_key = true;
            } else if (depth == 2 && in_entry) {
                entry_lines *e = &m->entries[m->count - 1];
                if (!expect_key && e->nkeys)
                    e->keys[e->nkeys - 1].collection = true;
                expect_key = true; /* a collection value: a key comes after it */
            } else if (depth == 1) {
                in_entry = false;
                rc = line_map_push(m, line); /* not a mapping; keeps indices aligned */
            }
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
            if (depth == 0 && !m->root)
                m->root = 3;
            if (depth == 1) {
                in_entry = false;
                rc = line_map_push(m, line);
            } else if (depth == 2 && in_entry) {
                if (expect_key && ev.type == YAML_SCALAR_EVENT && m->count) {
                    entry_lines *e = &m->entries[m->count - 1];
                    if (e->nkeys < MAX_KEYS_PER_ENTRY) {
                        snprintf(e->keys[e->nkeys].name, sizeof e->keys[0].name, "%s",
                                 (const char *)ev.data.scalar.value);
                        e->keys[e->nkeys].collection = false;
                        e->keys[e->nkeys++].line = line;
                    } else {
                        e->too_many = true;
                    }
                }
                expect_key = !expect_key;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- libcyaml log capture: the first error and the first line it names ---- */

typedef struct cyaml_capture {
    char message[512];
    int line;
} cyaml_capture;

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
    KH_PRINTF(3, 0);

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    cyaml_capture *c = ctx;
    if (level < CYAML_LOG_ERROR)
        return;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, args);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    const char *at = strstr(buf, "(line: ");
    if (at && !c->line)
        c->line = atoi(at + 7);
    if (!c->message[0] && !strstr(buf, "Backtrace") && !at) {
        const char *s = strncmp(buf, "Load: ", 6) == 0 ? buf + 6 : buf;
        snprintf(c->message, sizeof c->message, "%s", s);
    }
}

/* ---- validation helpers ---- */

static bool is_space_at(const char *s, size_t *len)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        *len = 1;
        return true;
    }
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
        (unsigned char)s[2] == 0x80) { /* U+3000 ideographic space */
        *len = 3;
        return true;
    }
    return false;
}

/* Copy of s without leading/trailing ASCII and ideographic spaces. */
static char *trimmed_copy(const char *s)
{
    if (!s)
        return NULL;
    size_t len;
    while (*s && is_space_at(s, &len))
        s += len;
    size_t n = strlen(s), end = 0;
    for (size_t i = 0; i < n;) {
        if (is_space_at(s + i, &len)) {
            i += len;
            continue;
        }
        i++;
        end = i;
    }
    char *out = malloc(end + 1);
    if (out) {
        memcpy(out, s, end);
        out[end] = '\0';
    }
    return out;
}

/* Lower-case dotted words: [a-z][a-z0-9_]* ( . [a-z][a-z0-9_]* )+ */
static bool valid_key(const char *k)
{
    int parts = 0;
    const char *p = k;
    for (;;) {
        if (!(*p >= 'a' && *p <= 'z'))
            return false;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        parts++;
        if (*p == '\0')
            return parts >= 2;
        if (*p != '.')
            return false;
        p++;
    }
}

static bool valid_iso_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
            return false;
    int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || mo < 1 || mo > 12 || d < 1)
        return false;
    int max = mdays[mo - 1];
    if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

/* "98.5", "-3", "98.5%" → number; anything else is text. */
static bool parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return false;
    const char *end = p;
    if (*p == '%')
        p++;
    if (*p != '\0')
        return false;
    char buf[64];
    size_t n = (size_t)(end - s);
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static void override_clear(kh_override *o)
{
    free(o->unit);
    free(o->key);
    free(o->text);
    free(o->value_raw);
    free(o->reason);
    free(o->author);
    free(o->date);
    memset(o, 0, sizeof *o);
}

void kh_override_list_free(kh_override_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        override_clear(&list->items[i]);
    free(list->items);
    free(list->path);
    memset(list, 0, sizeof *list);
}

/* Read the whole file (bounded). */
static int read_file(const char *path, char **out, size_t *len, kh_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "cannot open overrides file: %s",
                            strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return kh_error_set(err, KH_ECONFIG, path, 0, 0, "overrides file is not a regular file");
    }
    if ((uintmax_t)st.st_size > MAX_FILE_BYTES) {
        fclose(f);
        return kh_error_set(err, KH_ECONFIG, path, 0, 0, "overrides file larger than %zu bytes",
                            MAX_FILE_BYTES);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return kh_error_set(err, KH_EIO, path, 0, 0, "cannot read overrides file");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return KH_OK;
}

/* A line break or other control character: refused in the fields that
 * messages and tables print on one line (a unit folded over lines by YAML
 * made a two-line warning; found by fuzz_overrides). */
static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Validate raw entry i and convert it into *o. */
static int convert_entry(kh_override *o, const raw_override *r, size_t i,
                         const line_map *lines, const char *path, kh_error *err)
{
    int line = entry_line(lines, i);
    o->line = line;
    o->unit = trimmed_copy(r->unit);
    o->key = trimmed_copy(r->key);
    o->value_raw = trimmed_copy(r->value);
    o->reason = trimmed_copy(r->reason);
    o->author = trimmed_copy(r->author);
    o->date = trimmed_copy(r->date);
    if (!o->unit || !o->key || !o->value_raw || !o->reason || !o->author || !o->date)
        return kh_error_set(err, KH_ENOMEM, path, line, 0, "out of memory");
    if (!*o->unit)
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "unit"), 0,
                            "entry %zu: unit is empty", i + 1);
    const struct {
        const char *name, *text;
    } one_line[] = {{"unit", o->unit}, {"value", o->value_raw}, {"author", o->author}};
    for (size_t f = 0; f < sizeof one_line / sizeof one_line[0]; f++)
        if (has_control(one_line[f].text))
            return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, one_line[f].name),
                                0, "entry %zu: %s has a line break or control character",
                                i + 1, one_line[f].name);
    if (!valid_key(o->key))
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "key"), 0,
                            "entry %zu: key '%s' is not a fact key (lower-case dotted "
                            "words, e.g. litigation.cases)", i + 1, o->key);
    if (!*o->value_raw || strcmp(o->value_raw, "~") == 0 || strcmp(o->value_raw, "null") == 0 ||
        strcmp(o->value_raw, "Null") == 0 || strcmp(o->value_raw, "NULL") == 0)
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "value"), 0,
                            "entry %zu: value is empty", i + 1);
    double v;
    if (parse_number(o->value_raw, &v)) {
        o->type = KH_VALUE_NUMBER;
        o->number = v;
    } else {
        o->type = KH_VALUE_TEXT;
        o->text = strdup(o->value_raw);
        if (!o->text)
            return kh_error_set(err, KH_ENOMEM, path, line, 0, "out of memory");
    }
    size_t kl = strlen(o->key);
    if (kl > 5 && strcmp(o->key + kl - 5, "_date") == 0 &&
        (o->type != KH_VALUE_TEXT || !valid_iso_date(o->text)))
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "value"), 0,
                            "entry %zu: value '%s' of %s is not an ISO date (YYYY-MM-DD)",
                            i + 1, o->value_raw, o->key);
    o->qualifier = KH_QUAL_EXACT;
    if (r->qualifier) {
        char *q = trimmed_copy(r->qualifier);
        int qv = q ? kh_qualifier_from_name(q) : -1;
        if (qv < 0) {
            int rc = kh_error_set(err, q ? KH_ECONFIG : KH_ENOMEM, path,
                                  key_line_of(lines, i, "qualifier"), 0,
                                  "entry %zu: qualifier '%s' is not one of exact, more_than, "
                                  "about, less_than", i + 1, q ? q : "");
            free(q);
            return rc;
        }
        free(q);
        o->qualifier = (kh_qualifier)qv;
    }
    if (!*o->reason)
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "reason"), 0,
                            "entry %zu: reason is empty; every override needs one", i + 1);
    if (!*o->author)
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "author"), 0,
                            "entry %zu: author is empty", i + 1);
    if (!valid_iso_date(o->date))
        return kh_error_set(err, KH_ECONFIG, path, key_line_of(lines, i, "date"), 0,
                            "entry %zu: date '%s' is not an ISO date (YYYY-MM-DD)", i + 1,
                            o->date);
    return KH_OK;
}

/* The shape, with exact lines: a list of mappings with the known fields,
 * each a single value, the required ones present. (libcyaml checks it again
 * while loading, but names lines less precisely.) */
static int check_shape(const line_map *m, const char *path, kh_error *err)
{
    static const char *const fields[] = {"unit", "key", "value", "qualifier",
                                         "reason", "author", "date"};
    static const bool required[] = {true, true, true, false, true, true, true};
    if (m->root && m->root != 1)
        return kh_error_set(err, KH_ECONFIG, path, 1, 0,
                            "the file must be a YAML list of overrides (- unit: …), not a %s",
                            m->root == 2 ? "mapping" : "single value");
    for (size_t i = 0; i < m->count; i++) {
        const entry_lines *e = &m->entries[i];
        if (!e->is_mapping)
            return kh_error_set(err, KH_ECONFIG, path, e->line, 0,
                                "entry %zu: must be a mapping with unit, key, value, reason, "
                                "author, date", i + 1);
        if (e->too_many)
            return kh_error_set(err, KH_ECONFIG, path, e->line, 0, "entry %zu: too many fields",
                                i + 1);
        for (size_t k = 0; k < e->nkeys; k++) {
            const key_line *kl = &e->keys[k];
            size_t f = 0;
            while (f < 7 && strcmp(fields[f], kl->name) != 0)
                f++;
            if (f == 7)
                return kh_error_set(err, KH_ECONFIG, path, kl->line, 0,
                                    "entry %zu: unknown field '%s' (fields: unit, key, value, "
                                    "qualifier, reason, author, date)", i + 1, kl->name);
            for (size_t d = 0; d < k; d++)
                if (strcmp(e->keys[d].name, kl->name) == 0)
                    return kh_error_set(err, KH_ECONFIG, path, kl->line, 0,
                                        "entry %zu: field '%s' given twice", i + 1, kl->name);
            if (kl->collection)
                return kh_error_set(err, KH_ECONFIG, path, kl->line, 0,
                                    "entry %zu: %s must be a single value, not a list or "
                                    "mapping", i + 1, kl->name);
        }
        for (size_t f = 0; f < 7; f++) {
            if (!required[f])
                continue;
            bool found = false;
            for (size_t k = 0; k < e->nkeys && !found; k++)
                found = strcmp(e->keys[k].name, fields[f]) == 0;
            if (!found)
                return kh_error_set(err, KH_ECONFIG, path, e->line, 0,
                                    "entry %zu: missing field '%s'", i + 1, fields[f]);
        }
    }
    return KH_OK;
}

int kh_overrides_load(kh_override_list *out, const char *path, kh_error *err)
{
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    size_t len = 0;
    line_map lines = {0};
    raw_override *raw = NULL;
    unsigned count = 0;
    cyaml_capture cap = {{0}, 0};
    cyaml_config_t cfg = {
        .log_fn = capture_log,
        .log_ctx = &cap,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_ERROR,
        .flags = CYAML_CFG_DEFAULT,
    };
    int rc = read_file(path, &buf, &len, err);
    if (rc != KH_OK)
        goto done;
    out->path = strdup(path);
    if (!out->path) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    rc = map_lines(&lines, path, buf, len, err);
    if (rc == KH_OK)
        rc = check_shape(&lines, path, err);
    if (rc != KH_OK)
        goto done;
    /* An empty file (or only comments) is an empty list. */
    bool blank = true;
    for (size_t i = 0; i < len && blank; i++) {
        if (buf[i] == '#')
            while (i < len && buf[i] != '\n')
                i++;
        else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
            blank = false;
    }
    if (blank)
        goto done;
    cyaml_err_t crc = cyaml_load_data((const uint8_t *)buf, len, &cfg, &raw_list_schema,
                                      (cyaml_data_t **)&raw, &count);
    if (crc != CYAML_OK) {
        raw = NULL;
        rc = kh_error_set(err, KH_ECONFIG, path, cap.line, 0, "%s",
                          cap.message[0] ? cap.message : cyaml_strerror(crc));
        goto done;
    }
    out->items = calloc(count ? count : 1, sizeof *out->items);
    if (!out->items) {
        rc = kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    for (unsigned i = 0; i < count; i++) {
        out->count = i + 1;
        rc = convert_entry(&out->items[i], &raw[i], i, &lines, path, err);
        if (rc != KH_OK)
            goto done;
        for (unsigned k = 0; k < i; k++)
            if (strcmp(out->items[k].unit, out->items[i].unit) == 0 &&
                strcmp(out->items[k].key, out->items[i].key) == 0) {
                rc = kh_error_set(err, KH_ECONFIG, path, out->items[i].line, 0,
                                  "entry %u: %s %s is overridden twice (also at line %d)",
                                  i + 1, out->items[i].unit, out->items[i].key,
                                  out->items[k].line);
                goto done;
            }
    }
done:
    if (raw)
        cyaml_free(&cfg, &raw_list_schema, raw, count);
    free(lines.entries);
    free(buf);
    if (rc != KH_OK) /* no half list (the entries before the bad one) */
        kh_override_list_free(out);
    return rc;
}

/* ---- matching ---- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int kh_overrides_unit_match(const char *override_unit, const char *report_unit)
{
    if (!override_unit || !report_unit)
        return 0;
    char *a = trimmed_copy(override_unit), *b = trimmed_copy(report_unit);
    int m = 0;
    if (a && b && *a && *b) {
        if (strcmp(a, b) == 0)
            m = 2;
        else if (utf8_chars(a) <= utf8_chars(b) ? (utf8_chars(a) >= 2 && strstr(b, a))
                                                : (utf8_chars(b) >= 2 && strstr(a, b)))
            m = 1;
    }
    free(a);
    free(b);
    return m;
}

/* ---- plan and apply ---- */

enum { PLAN_NONE = 0, PLAN_EXACT, PLAN_CONTAINED, PLAN_AMBIGUOUS };

typedef struct plan_entry {
    int mode;
    char *target; /* PLAN_CONTAINED: the (trimmed) report unit it goes to */
    size_t times; /* reports it was applied to */
} plan_entry;

typedef struct applied_block {
    kh_fact extracted;
    kh_fact value;
    bool has_extracted;
    char *path;
} applied_block;

struct kh_overrides_state {
    const kh_override_list *list; /* borrowed */
    plan_entry *plan;             /* list->count entries */
    applied_block **blocks;       /* owned, one per applied record */
    size_t applied_cap;
};

static int add_warning(kh_overrides_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int add_warning(kh_overrides_result *res, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **n = realloc(res->warnings, (res->warnings_count + 1) * sizeof *n);
    if (!n)
        return KH_ENOMEM;
    res->warnings = n;
    if (!(n[res->warnings_count] = strdup(buf)))
        return KH_ENOMEM;
    res->warnings_count++;
    return KH_OK;
}

void kh_overrides_result_free(kh_overrides_result *res)
{
    if (!res)
        return;
    kh_overrides_state *st = res->state;
    if (st) {
        for (size_t i = 0; st->list && i < st->list->count; i++)
            free(st->plan[i].target);
        free(st->plan);
        for (size_t i = 0; i < res->applied_count; i++) {
            applied_block *b = st->blocks[i];
            kh_facts__clear(&b->extracted);
            kh_facts__clear(&b->value);
            free(b->path);
            free(b);
        }
        free(st->blocks);
        free(st);
    }
    free(res->applied);
    for (size_t i = 0; i < res->warnings_count; i++)
        free(res->warnings[i]);
    free(res->warnings);
    memset(res, 0, sizeof *res);
}

int kh_overrides_plan(kh_overrides_result *res, const kh_override_list *list,
                      const char *const *units, size_t count)
{
    memset(res, 0, sizeof *res);
    kh_overrides_state *st = calloc(1, sizeof *st);
    if (!st)
        return KH_ENOMEM;
    res->state = st;
    st->list = list;
    st->plan = calloc(list->count ? list->count : 1, sizeof *st->plan);
    if (!st->plan)
        return KH_ENOMEM;
    int rc = KH_OK;
    for (size_t i = 0; i < list->count && rc == KH_OK; i++) {
        const kh_override *o = &list->items[i];
        plan_entry *p = &st->plan[i];
        bool exact = false;
        /* distinct contained unit names, joined for the message */
        char names[1024] = "";
        size_t ndistinct = 0;
        const char *first = NULL;
        for (size_t u = 0; u < count; u++) {
            int m = kh_overrides_unit_match(o->unit, units[u]);
            if (m == 2)
                exact = true;
            if (m != 1)
                continue;
            bool seen = false;
            for (size_t k = 0; k < u && !seen; k++)
                seen = kh_overrides_unit_match(o->unit, units[k]) == 1 &&
                       kh_overrides_unit_match(units[k], units[u]) == 2;
            if (seen)
                continue;
            if (!first)
                first = units[u];
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s%s", ndistinct ? ", " : "", units[u]);
            ndistinct++;
        }
        if (exact) {
            p->mode = PLAN_EXACT;
            if (ndistinct)
                rc = add_warning(res, "%s:%d: override %s %s: applied to the exact unit "
                                 "only, not to %s", list->path, o->line, o->unit, o->key,
                                 names);
        } else if (ndistinct == 1) {
            p->mode = PLAN_CONTAINED;
            p->target = trimmed_copy(first);
            if (!p->target)
                rc = KH_ENOMEM;
        } else if (ndistinct > 1) {
            p->mode = PLAN_AMBIGUOUS;
            rc = add_warning(res, "%s:%d: override %s %s: unit is ambiguous (matches %s); "
                             "not applied — write the full unit name", list->path, o->line,
                             o->unit, o->key, names);
        } else {
            p->mode = PLAN_NONE;
            rc = add_warning(res, "%s:%d: override %s %s: unit matches no input; not applied",
                             list->path, o->line, o->unit, o->key);
        }
    }
    return rc;
}

size_t kh_overrides_times_applied(const kh_overrides_result *res, size_t i)
{
    if (!res || !res->state || !res->state->list || i >= res->state->list->count)
        return 0;
    return res->state->plan[i].times;
}

/* 2 exact, 1 contained (as planned), 0: override i does not go to unit. */
static int goes_to(const kh_overrides_state *st, size_t i, const char *unit)
{
    const plan_entry *p = &st->plan[i];
    if (p->mode == PLAN_EXACT)
        return kh_overrides_unit_match(st->list->items[i].unit, unit) == 2 ? 2 : 0;
    if (p->mode == PLAN_CONTAINED)
        return kh_overrides_unit_match(p->target, unit) == 2 ? 1 : 0;
    return 0;
}

const char *kh_overrides_value_text(const kh_fact *f, char *buf, size_t size)
{
    if (!f)
        snprintf(buf, size, "—");
    else if (f->type == KH_VALUE_TEXT)
        snprintf(buf, size, "%s", f->text ? f->text : "");
    else
        kh_format_double(f->number, buf, size);
    return buf;
}

static int append_record(kh_overrides_result *res, const kh_override *o, const char *path,
                         const kh_fact *extracted, const kh_fact *value)
{
    kh_overrides_state *st = res->state;
    if (res->applied_count == st->applied_cap) {
        size_t cap = st->applied_cap ? st->applied_cap * 2 : 8;
        kh_override_applied *a = realloc(res->applied, cap * sizeof *a);
        if (!a)
            return KH_ENOMEM;
        res->applied = a;
        applied_block **b = realloc(st->blocks, cap * sizeof *b);
        if (!b)
            return KH_ENOMEM;
        st->blocks = b;
        st->applied_cap = cap;
    }
    applied_block *b = calloc(1, sizeof *b);
    if (!b)
        return KH_ENOMEM;
    if ((path && !(b->path = strdup(path))) || kh_facts__copy(&b->value, value) != KH_OK ||
        (extracted && kh_facts__copy(&b->extracted, extracted) != KH_OK)) {
        kh_facts__clear(&b->value);
        free(b->path);
        free(b);
        return KH_ENOMEM;
    }
    b->has_extracted = extracted != NULL;
    st->blocks[res->applied_count] = b;
    res->applied[res->applied_count++] = (kh_override_applied){
        .unit = o->unit,
        .path = b->path,
        .key = o->key,
        .extracted = b->has_extracted ? &b->extracted : NULL,
        .value = &b->value,
        .reason = o->reason,
        .author = o->author,
        .date = o->date,
    };
    return KH_OK;
}

/* Apply override o to facts and record it. */
static int apply_one(kh_overrides_result *res, const kh_override *o, const char *path,
                     kh_factset *facts)
{
    const kh_fact *cur = kh_factset_get(facts, o->key);
    if (cur && cur->type != o->type) {
        char v[256];
        return add_warning(res, "%s:%d: override %s %s: value '%s' is %s but %s's "
                           "extracted value %s is %s; not applied",
                           res->state->list->path, o->line, o->unit, o->key, o->value_raw,
                           o->type == KH_VALUE_TEXT ? "text" : "a number", path ? path : "",
                           kh_overrides_value_text(cur, v, sizeof v),
                           cur->type == KH_VALUE_TEXT ? "text" : "a number");
    }
    kh_fact extracted;
    bool had = cur != NULL;
    if (had && kh_facts__copy(&extracted, cur) != KH_OK)
        return KH_ENOMEM;
    char old[256], note[6144];
    if (had) {
        kh_overrides_value_text(&extracted, old, sizeof old);
        if (extracted.evidence.text)
            snprintf(note, sizeof note, "override (%s, %s): %s; replaces %s (line %d)",
                     o->author, o->date, o->reason, old, extracted.evidence.line);
        else
            snprintf(note, sizeof note, "override (%s, %s): %s; replaces %s", o->author,
                     o->date, o->reason, old);
    } else {
        snprintf(note, sizeof note, "override (%s, %s): %s; nothing was extracted",
                 o->author, o->date, o->reason);
    }
    kh_fact f = {0};
    f.key = o->key;
    f.type = o->type;
    f.number = o->type == KH_VALUE_NUMBER ? o->number : 0;
    f.text = o->text;
    f.unit = had ? extracted.unit : NULL;
    f.qualifier = o->qualifier;
    f.basis = KH_BASIS_STATED;
    f.confidence = 100;
    f.note = note;
    f.origin = KH_ORIGIN_OVERRIDE;
    int rc = kh_factset_override(facts, &f);
    if (rc == KH_OK)
        rc = append_record(res, o, path, had ? &extracted : NULL, &f);
    if (had)
        kh_facts__clear(&extracted);
    return rc;
}

int kh_overrides_apply(const kh_override_list *list, const char *unit,
                       const char *path, kh_factset *facts,
                       kh_overrides_result *res)
{
    if (!list || !res || !res->state || res->state->list != list || !facts)
        return KH_EINVAL;
    kh_overrides_state *st = res->state;
    int rc = KH_OK;
    for (size_t i = 0; i < list->count && rc == KH_OK; i++) {
        int m = goes_to(st, i, unit);
        if (!m)
            continue;
        const kh_override *o = &list->items[i];
        /* Another override of the same key for this report? */
        bool skip = false;
        for (size_t k = 0; k < list->count && !skip; k++) {
            if (k == i || strcmp(list->items[k].key, o->key) != 0)
                continue;
            int mk = goes_to(st, k, unit);
            if (!mk)
                continue;
            if (mk > m) {
                skip = true; /* the exact one wins */
                rc = add_warning(res, "%s:%d: override %s %s: %s has an exact override "
                                 "at line %d; this one is not applied", list->path, o->line,
                                 o->unit, o->key, unit, list->items[k].line);
            } else if (mk == m) {
                skip = true; /* two contained matches: neither */
                rc = add_warning(res, "%s:%d: override %s %s: %s also matches the override "
                                 "at line %d; ambiguous, not applied", list->path, o->line,
                                 o->unit, o->key, unit, list->items[k].line);
            }
        }
        if (skip)
            continue;
        size_t before = res->applied_count;
        rc = apply_one(res, o, path, facts);
        if (rc == KH_OK && res->applied_count > before)
            st->plan[i].times++;
    }
    return rc;
}

/* ---- renderings ---- */

static void evidence_json(kh_json *j, const char *key, const kh_fact *f)
{
    kh_json_key(j, key);
    if (!f || !f->evidence.text) {
        kh_json_null(j);
        return;
    }
    kh_json_object(j);
    kh_json_kstring(j, "text", f->evidence.text);
    kh_json_kint(j, "line", f->evidence.line);
    kh_json_kint(j, "column", f->evidence.column);
    kh_json_object_end(j);
}

static void value_json(kh_json *j, const char *key, const kh_fact *f)
{
    kh_json_key(j, key);
    if (!f)
        kh_json_null(j);
    else if (f->type == KH_VALUE_TEXT)
        kh_json_string(j, f->text);
    else
        kh_json_number(j, f->number);
}

void kh_overrides_json(kh_json *j, const kh_override_applied *a, size_t n)
{
    kh_json_array(j);
    for (size_t i = 0; i < n; i++) {
        kh_json_object(j);
        kh_json_kstring(j, "unit", a[i].unit);
        kh_json_kstring(j, "path", a[i].path);
        kh_json_kstring(j, "key", a[i].key);
        value_json(j, "value", a[i].value);
        kh_json_kstring(j, "qualifier", kh_qualifier_name(a[i].value->qualifier));
        value_json(j, "replaced", a[i].extracted);
        evidence_json(j, "replaced_evidence", a[i].extracted);
        kh_json_kstring(j, "reason", a[i].reason);
        kh_json_kstring(j, "author", a[i].author);
        kh_json_kstring(j, "date", a[i].date);
        kh_json_object_end(j);
    }
    kh_json_array_end(j);
}

const kh_override_applied *kh_overrides_find(const kh_override_applied *a, size_t n,
                                             const char *path, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (a[i].key && strcmp(a[i].key, key) == 0 &&
            ((!a[i].path && !path) || (a[i].path && path && strcmp(a[i].path, path) == 0)))
            return &a[i];
    return NULL;
}

void kh_overrides_fact_json(kh_json *j, const kh_override_applied *a)
{
    kh_json_object(j);
    kh_json_kstring(j, "reason", a->reason);
    kh_json_kstring(j, "author", a->author);
    kh_json_kstring(j, "date", a->date);
    value_json(j, "replaced", a->extracted);
    kh_json_object_end(j);
}

void kh_overrides_print_table(FILE *out, const kh_override_applied *a, size_t n)
{
    if (!n)
        return;
    static const char *const hdr[] = {"单位", "事实", "原值", "新值", "原因", "修改人", "日期", "文件"};
    kh_table *t = kh_table_new(8, hdr);
    if (!t)
        return;
    kh_table_align_right(t, 2);
    kh_table_align_right(t, 3);
    kh_table_max_width(t, 4, 40);
    for (size_t i = 0; i < n; i++) {
        char old[256], val[256];
        kh_overrides_value_text(a[i].extracted, old, sizeof old);
        kh_overrides_value_text(a[i].value, val, sizeof val);
        const char *row[] = {a[i].unit, a[i].key, old, val, a[i].reason, a[i].author,
                             a[i].date, a[i].path};
        kh_table_add(t, row);
    }
    fprintf(out, "\n修改记录（人工录入的事实，取代提取值参与评分）\n");
    kh_table_print(t, out);
    kh_table_free(t);
}

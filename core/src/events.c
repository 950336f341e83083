/* events.c — loading the office's 加分/扣分 events file (see events.h).
 *
 * Read with yamltree (not a cyaml schema) so that every problem names its
 * line: the office finds "events.yaml:7: entry 3: 'event' is missing" in
 * seconds in a file of hundreds of entries. */
#include "events.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "yamltree.h"

/* An events file is a short hand-written list; anything bigger is a mistake. */
#define EVENTS_FILE_MAX ((size_t)16 << 20)

/* The fields of an entry: name, and the longest text accepted (bytes). */
static const struct field {
    const char *name;
    size_t max;
    bool may_be_empty;
    bool free_text; /* may hold line breaks (else printed on one line) */
} FIELDS[] = {
    {"unit", 256, false, false},
    {"file", 4096, false, false},
    {"event", 128, false, false},
    {"reason", 1024, true, true},
};
enum { F_UNIT, F_FILE, F_EVENT, F_REASON, F_COUNT };

static int bad(kh_error *err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(kh_error *err, const char *path, int line, const char *fmt, ...)
{
    char msg[KH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kh_error_set(err, KH_ECONFIG, path, line, 0, "events file: %s", msg);
}

static int nomem(kh_error *err, const char *path)
{
    return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
}

/* A line break or other control character (refused where a value is
 * printed on one line: warnings name the unit or file). */
static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* Read entry number i (0-based) from node n into *e. */
static int read_entry(const kh_ynode *n, size_t i, kh_event *e, const char *path,
                      kh_error *err)
{
    char desc[64];
    e->line = n->line;
    if (n->kind != KH_YNODE_MAPPING)
        return bad(err, path, n->line,
                   "entry %zu: expected a mapping like {unit: …, event: …}, not %s", i + 1,
                   kh_ynode_describe(n, desc, sizeof desc));
    char **slot[F_COUNT] = {&e->unit, &e->file, &e->event, &e->reason};
    for (size_t k = 0; k + 1 < n->count; k += 2) {
        const kh_ynode *key = n->items[k], *val = n->items[k + 1];
        size_t f = 0;
        while (f < F_COUNT && strcmp(FIELDS[f].name, key->text) != 0)
            f++;
        if (f == F_COUNT)
            return bad(err, path, key->line,
                       "entry %zu: unknown field '%s' (expected unit, file, event, reason)",
                       i + 1, key->text);
        if (val->kind != KH_YNODE_SCALAR || kh_ynode_is_null(val))
            return bad(err, path, val->line, "entry %zu: '%s' must be text, not %s", i + 1,
                       key->text, kh_ynode_describe(val, desc, sizeof desc));
        if (val->len == 0 && !FIELDS[f].may_be_empty)
            return bad(err, path, val->line, "entry %zu: '%s' is empty", i + 1, key->text);
        if (!FIELDS[f].free_text && has_control(val->text))
            return bad(err, path, val->line,
                       "entry %zu: '%s' has a line break or control character", i + 1,
                       key->text);
        if (val->len > FIELDS[f].max)
            return bad(err, path, val->line, "entry %zu: '%s' is longer than %zu bytes", i + 1,
                       key->text, FIELDS[f].max);
        if (!(*slot[f] = strdup(val->text)))
            return nomem(err, path);
    }
    if (!e->event)
        return bad(err, path, n->line, "entry %zu: 'event' is missing (an adjustment id of "
                   "the scheme)", i + 1);
    if (!e->unit && !e->file)
        return bad(err, path, n->line, "entry %zu has neither unit nor file", i + 1);
    return KH_OK;
}

static int read_list(const kh_ynode *root, kh_event_list *out, const char *path,
                     kh_error *err)
{
    char desc[64];
    if (!root) /* empty, or only comments: no events this year */
        return KH_OK;
    if (root->kind != KH_YNODE_SEQUENCE)
        return bad(err, path, root->line, "expected a list of events, not %s",
                   kh_ynode_describe(root, desc, sizeof desc));
    if (root->count == 0)
        return KH_OK;
    if (!(out->items = calloc(root->count, sizeof *out->items)))
        return nomem(err, path);
    for (size_t i = 0; i < root->count; i++) {
        out->count = i + 1; /* so that a failure frees what was read */
        int rc = read_entry(root->items[i], i, &out->items[i], path, err);
        if (rc != KH_OK)
            return rc;
    }
    return KH_OK;
}

/* The whole file, NUL-terminated, in *bytes (caller frees). */
static int slurp(const char *path, char **bytes, size_t *len, kh_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kh_error_set(err, KH_ENOTFOUND, path, 0, 0, "cannot open events file: %s",
                            strerror(errno));
    struct stat st;
    int rc = KH_OK;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        rc = bad(err, path, 0, "not a regular file");
    else if ((unsigned long long)st.st_size > EVENTS_FILE_MAX)
        rc = bad(err, path, 0, "larger than %zu MiB", EVENTS_FILE_MAX >> 20);
    else if (!(*bytes = malloc((size_t)st.st_size + 1)))
        rc = nomem(err, path);
    else {
        /* read to the end: the file may have grown since fstat */
        *len = fread(*bytes, 1, (size_t)st.st_size + 1, f);
        if (ferror(f))
            rc = bad(err, path, 0, "cannot read: %s", strerror(errno));
        else if (*len > (size_t)st.st_size)
            rc = bad(err, path, 0, "changed while being read");
        else
            (*bytes)[*len] = '\0';
    }
    fclose(f);
    if (rc != KH_OK) {
        free(*bytes);
        *bytes = NULL;
    }
    return rc;
}

int kh_events_load(kh_event_list *out, const char *path, kh_error *err)
{
    memset(out, 0, sizeof *out);
    char *bytes = NULL;
    size_t len = 0;
    int rc = slurp(path, &bytes, &len, err);
    if (rc != KH_OK)
        return rc;
    kh_ytree *tree = NULL;
    rc = kh_ytree_parse(&tree, path, bytes, len, NULL, err);
    free(bytes);
    if (rc == KH_EINPUT) { /* path:line:column: the YAML problem */
        rc = KH_ECONFIG;
        if (err)
            err->code = rc;
    }
    if (rc == KH_OK)
        rc = read_list(kh_ytree_root(tree), out, path, err);
    kh_ytree_free(tree);
    if (rc != KH_OK)
        kh_event_list_free(out);
    return rc;
}

void kh_event_list_free(kh_event_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].unit);
        free(list->items[i].file);
        free(list->items[i].event);
        free(list->items[i].reason);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* Does `path` end with `file` at a path-component boundary? */
static int same_file(const char *path, const char *file)
{
    size_t lp = strlen(path), lf = strlen(file);
    if (lf > lp)
        return 0;
    if (strcmp(path + lp - lf, file) != 0)
        return 0;
    return lf == lp || path[lp - lf - 1] == '/';
}

size_t kh_events_for(const kh_event_list *list, const char *path, const char *unit,
                     const char **ids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; list && i < list->count && n < max; i++) {
        const kh_event *e = &list->items[i];
        if ((e->file && path && same_file(path, e->file)) ||
            (e->unit && unit && strcmp(e->unit, unit) == 0))
            ids[n++] = e->event;
    }
    return n;
}

/* factsfile.c — facts of reporting units given as JSON or YAML data (see
 * factsfile.h): the node tree (yamltree.c) checked field by field into one
 * factset per unit, every problem named by file:line. */
#include "factsfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts_internal.h"
#include "yamltree.h"

#define YEAR_MIN 1900
#define YEAR_MAX 2999
#define TEXT_MAX 4096 /* bytes of a text value, unit, label or note */

typedef struct ctx {
    const char *name;  /* file named in messages; borrowed */
    kh_error *err;     /* may be NULL */
} ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int bad(const ctx *c, int line, const char *fmt, ...)
{
    char msg[KH_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kh_error_set(c->err, KH_EINPUT, c->name, line, 0, "%s", msg);
}

static int nomem(const ctx *c)
{
    return kh_error_set(c->err, KH_ENOMEM, c->name, 0, 0, "out of memory");
}

/* ---- values ---------------------------------------------------------------- */

static bool is_bool_word(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (strlen(s) != n)
            continue;
        bool same = true;
        for (size_t k = 0; k < n && same; k++) {
            char ch = s[k];
            if (ch >= 'A' && ch <= 'Z')
                ch = (char)(ch - 'A' + 'a');
            same = ch == words[i][k];
        }
        if (same)
            return true;
    }
    return false;
}

typedef enum num_status { NUM_NO, NUM_OK, NUM_RANGE } num_status;

/* An unquoted decimal: [+-]digits[.digits][e[+-]digits], optionally a
 * trailing %, whole text. *percent tells whether the % was there. */
static num_status read_number(const char *s, double *out, bool *percent)
{
    size_t len = strlen(s);
    *percent = len > 1 && s[len - 1] == '%';
    if (*percent)
        len--;
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return NUM_NO;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, exp++;
        if (exp == 0)
            return NUM_NO;
    }
    if (i != len)
        return NUM_NO;
    char buf[128];
    if (len >= sizeof buf)
        return NUM_RANGE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE && fabs(v) > 1.0)
        return NUM_RANGE;
    if (!isfinite(v))
        return NUM_RANGE;
    *out = v;
    return NUM_OK;
}

bool kh_factsfile_number(const char *text, double *out, bool *percent)
{
    bool pct = false;
    bool ok = read_number(text, out, &pct) == NUM_OK;
    if (percent)
        *percent = pct;
    return ok;
}

static const char *const VALUE_HINT =
    "give a number, a text, or a mapping {value, qualifier, basis, unit}";

/* Read a scalar value node into f (type, number or text; text borrowed from
 * the tree); what names the fact in messages. *percent set when written
 * with %. */
static int read_value(const ctx *c, const kh_ynode *v, const char *what, kh_fact *f,
                      bool *percent)
{
    char desc[64];
    *percent = false;
    if (v->kind != KH_YNODE_SCALAR)
        return bad(c, v->line, "%s: bad value type: %s (%s)", what,
                   kh_ynode_describe(v, desc, sizeof desc), VALUE_HINT);
    if (kh_ynode_is_null(v))
        return bad(c, v->line,
                   "%s: the value is null; leave the key out for a fact the report "
                   "does not state",
                   what);
    if (v->len == 0)
        return bad(c, v->line, "%s: the value is empty", what);
    if (v->len > TEXT_MAX)
        return bad(c, v->line, "%s: the value is longer than %d bytes", what, TEXT_MAX);
    if (v->plain) {
        if (is_bool_word(v->text))
            return bad(c, v->line,
                       "%s: bad value type: %s is a boolean (%s; quote it for text)",
                       what, v->text, VALUE_HINT);
        double d = 0;
        switch (read_number(v->text, &d, percent)) {
        case NUM_OK:
            f->type = KH_VALUE_NUMBER;
            f->number = d;
            f->text = NULL;
            return KH_OK;
        case NUM_RANGE:
            return bad(c, v->line, "%s: the number %s is out of range", what,
                       kh_ynode_describe(v, desc, sizeof desc));
        case NUM_NO:
            break;
        }
    }
    f->type = KH_VALUE_TEXT;
    f->text = v->text;
    return KH_OK;
}

/* A text field of the full form or of a unit entry: a non-null scalar. */
static int read_text_field(const ctx *c, const kh_ynode *v, const char *where,
                           const char *field, bool allow_empty, const char **out)
{
    char desc[64];
    if (v->kind != KH_YNODE_SCALAR || kh_ynode_is_null(v))
        return bad(c, v->line, "%s%s: must be text, not %s", where, field,
                   kh_ynode_describe(v, desc, sizeof desc));
    if (!allow_empty && v->len == 0)
        return bad(c, v->line, "%s%s: must not be empty", where, field);
    if (v->len > TEXT_MAX)
        return bad(c, v->line, "%s%s: longer than %d bytes", where, field, TEXT_MAX);
    *out = v->text;
    return KH_OK;
}

int kh_factsfile_read_value(const kh_ynode *v, const char *name, const char *what,
                            kh_fact *f, kh_error *err)
{
    ctx cc = {name, err};
    const ctx *c = &cc;
    f->type = KH_VALUE_NUMBER;
    f->number = 0;
    f->text = NULL;
    f->unit = NULL;
    f->note = NULL;
    f->qualifier = KH_QUAL_EXACT;
    f->basis = KH_BASIS_STATED;
    bool percent = false;
    const char *unit = NULL, *note = NULL;
    int rc;
    if (v->kind == KH_YNODE_MAPPING) {
        char where[KH_ERROR_MSG_MAX];
        snprintf(where, sizeof where, "%s: ", what);
        const kh_ynode *value = NULL;
        for (size_t i = 0; i + 1 < v->count; i += 2) {
            const kh_ynode *fk = v->items[i], *fv = v->items[i + 1];
            const char *field = fk->text;
            if (strcmp(field, "value") == 0) {
                value = fv;
            } else if (strcmp(field, "qualifier") == 0 || strcmp(field, "basis") == 0) {
                const char *word = NULL;
                if ((rc = read_text_field(c, fv, where, field, false, &word)) != KH_OK)
                    return rc;
                if (field[0] == 'q') {
                    int q = kh_qualifier_from_name(word);
                    if (q < 0)
                        return bad(c, fv->line,
                                   "%sunknown qualifier '%s' (exact, more_than, about or "
                                   "less_than)",
                                   where, word);
                    f->qualifier = (kh_qualifier)q;
                } else {
                    int b = kh_basis_from_name(word);
                    if (b < 0)
                        return bad(c, fv->line,
                                   "%sunknown basis '%s' (stated, implied or derived)", where,
                                   word);
                    f->basis = (kh_basis)b;
                }
            } else if (strcmp(field, "unit") == 0) {
                if ((rc = read_text_field(c, fv, where, field, false, &unit)) != KH_OK)
                    return rc;
            } else if (strcmp(field, "note") == 0) {
                if ((rc = read_text_field(c, fv, where, field, true, &note)) != KH_OK)
                    return rc;
            } else {
                return bad(c, fk->line,
                           "%sunknown field '%s' (value, qualifier, basis, unit, note)", where,
                           field);
            }
        }
        if (!value)
            return bad(c, v->line, "%sthe mapping has no 'value'", where);
        if ((rc = read_value(c, value, what, f, &percent)) != KH_OK)
            return rc;
    } else if ((rc = read_value(c, v, what, f, &percent)) != KH_OK) {
        return rc;
    }
    f->unit = (char *)(unit ? unit : percent ? "percent" : NULL);
    f->note = (char *)note;
    return KH_OK;
}

/* One fact: key node k, value node v. */
static int read_fact(const ctx *c, const kh_ynode *k, const kh_ynode *v, kh_factset *set)
{
    if (k->len == 0)
        return bad(c, k->line, "empty fact key");
    if (!kh_facts__key_ok(k->text)) { /* the rule scheme.yaml applies */
        char desc[64];
        return bad(c, k->line,
                   "fact key %s is not family.name (lower-case letters and _, one dot, "
                   "e.g. litigation.cases)",
                   kh_ynode_describe(k, desc, sizeof desc));
    }
    kh_fact f;
    memset(&f, 0, sizeof f);
    f.key = k->text;
    f.confidence = 100;
    f.origin = KH_ORIGIN_GIVEN;
    char what[KH_ERROR_MSG_MAX];
    snprintf(what, sizeof what, "fact '%s'", k->text);
    int rc = kh_factsfile_read_value(v, c->name, what, &f, c->err);
    if (rc != KH_OK)
        return rc;
    /* the strings are borrowed from the tree; kh_factset_add copies them */
    return kh_factset_add(set, &f) == KH_OK ? KH_OK : nomem(c);
}

/* ---- units ----------------------------------------------------------------- */

static void unit_clear(kh_given_unit *u)
{
    free(u->unit);
    free(u->label);
    kh_factset_free(u->facts);
    for (size_t i = 0; i < u->keys_count; i++)
        free(u->keys[i].key);
    free(u->keys);
    memset(u, 0, sizeof *u);
}

static int read_year(const ctx *c, const kh_ynode *v, const char *where, int *out)
{
    char desc[64];
    bool percent = false;
    double d = 0;
    if (v->kind != KH_YNODE_SCALAR || !v->plain ||
        read_number(v->text, &d, &percent) != NUM_OK || percent || d != floor(d) ||
        d < YEAR_MIN || d > YEAR_MAX)
        return bad(c, v->line, "%syear: must be a year between %d and %d, not %s", where,
                   YEAR_MIN, YEAR_MAX, kh_ynode_describe(v, desc, sizeof desc));
    *out = (int)d;
    return KH_OK;
}

static int read_unit(const ctx *c, const kh_ynode *e, size_t index, kh_given_unit *u)
{
    char where[64], desc[64];
    snprintf(where, sizeof where, "units[%zu]: ", index);
    if (e->kind != KH_YNODE_MAPPING)
        return bad(c, e->line,
                   "%sa unit must be a mapping {unit, year, path, facts}, not %s", where,
                   kh_ynode_describe(e, desc, sizeof desc));
    u->line = e->line;
    const kh_ynode *unit = NULL, *year = NULL, *path = NULL, *facts = NULL;
    for (size_t i = 0; i + 1 < e->count; i += 2) {
        const kh_ynode *k = e->items[i];
        const kh_ynode **slot = strcmp(k->text, "unit") == 0    ? &unit
                                : strcmp(k->text, "year") == 0  ? &year
                                : strcmp(k->text, "path") == 0  ? &path
                                : strcmp(k->text, "facts") == 0 ? &facts
                                                                : NULL;
        if (!slot)
            return bad(c, k->line, "%sunknown field '%s' (unit, year, path, facts)", where,
                       k->text);
        *slot = e->items[i + 1];
    }
    if (!unit)
        return bad(c, e->line, "%smissing 'unit' (the reporting unit's name)", where);
    if (!year)
        return bad(c, e->line, "%smissing 'year' (the report year)", where);
    if (!facts)
        return bad(c, e->line, "%smissing 'facts' (a mapping of fact key to value)", where);
    const char *text = NULL;
    int rc = read_text_field(c, unit, where, "unit", false, &text);
    if (rc != KH_OK)
        return rc;
    if (!(u->unit = strdup(text)))
        return nomem(c);
    if ((rc = read_year(c, year, where, &u->year)) != KH_OK)
        return rc;
    if (path) {
        if ((rc = read_text_field(c, path, where, "path", false, &text)) != KH_OK)
            return rc;
        u->label = strdup(text);
    } else {
        char buf[KH_ERROR_FILE_MAX + 32];
        snprintf(buf, sizeof buf, "%s:%d", c->name, e->line);
        u->label = strdup(buf);
    }
    if (!u->label)
        return nomem(c);
    if (facts->kind != KH_YNODE_MAPPING && !kh_ynode_is_null(facts))
        return bad(c, facts->line, "%sfacts: must be a mapping of fact key to value, not %s",
                   where, kh_ynode_describe(facts, desc, sizeof desc));
    if (kh_factset_new(&u->facts) != KH_OK)
        return nomem(c);
    size_t n = facts->kind == KH_YNODE_MAPPING ? facts->count / 2 : 0;
    if (n && !(u->keys = calloc(n, sizeof *u->keys)))
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        const kh_ynode *k = facts->items[2 * i], *v = facts->items[2 * i + 1];
        if ((rc = read_fact(c, k, v, u->facts)) != KH_OK)
            return rc;
        if (!(u->keys[i].key = strdup(k->text)))
            return nomem(c);
        u->keys[i].line = k->line;
        u->keys_count++;
    }
    return KH_OK;
}

static int read_root(const ctx *c, const kh_ynode *root, kh_factsfile *ff)
{
    char desc[64];
    if (!root)
        return bad(c, 1, "the file is empty (expected a list of units)");
    const kh_ynode *list = root;
    if (root->kind == KH_YNODE_MAPPING) {
        for (size_t i = 0; i + 1 < root->count; i += 2)
            if (strcmp(root->items[i]->text, "units") != 0)
                return bad(c, root->items[i]->line,
                           "unknown top-level field '%s' (expected 'units' or a list of "
                           "units)",
                           root->items[i]->text);
        list = kh_ynode_get(root, "units", NULL);
        if (!list)
            return bad(c, root->line, "missing 'units' (a list of units)");
    }
    if (list->kind != KH_YNODE_SEQUENCE)
        return bad(c, list->line, "expected a list of units, not %s",
                   kh_ynode_describe(list, desc, sizeof desc));
    if (list->count == 0)
        return bad(c, list->line, "the list of units is empty");
    if (!(ff->units = calloc(list->count, sizeof *ff->units)))
        return nomem(c);
    for (size_t i = 0; i < list->count; i++) {
        int rc = read_unit(c, list->items[i], i, &ff->units[i]);
        ff->count = i + 1; /* so that a failure frees what was built */
        if (rc != KH_OK)
            return rc;
    }
    return KH_OK;
}

void kh_factsfile_free(kh_factsfile *ff)
{
    if (!ff)
        return;
    for (size_t i = 0; i < ff->count; i++)
        unit_clear(&ff->units[i]);
    free(ff->units);
    free(ff->path);
    memset(ff, 0, sizeof *ff);
}

int kh_factsfile_parse(kh_factsfile *out, const char *name, const void *bytes, size_t len,
                       kh_error *err)
{
    memset(out, 0, sizeof *out);
    if (!name)
        name = "<facts>";
    ctx c = {name, err};
    if (len > KH_FACTSFILE_MAX)
        return bad(&c, 0, "the file is larger than %zu MiB", KH_FACTSFILE_MAX >> 20);
    if (!(out->path = strdup(name)))
        return nomem(&c);
    c.name = out->path;
    kh_ytree *tree = NULL;
    int rc = kh_ytree_parse(&tree, out->path, bytes, len, NULL, err);
    if (rc == KH_OK)
        rc = read_root(&c, kh_ytree_root(tree), out);
    kh_ytree_free(tree);
    if (rc != KH_OK) {
        /* err names out->path, which is freed now: it was copied into err */
        kh_factsfile_free(out);
    }
    return rc;
}

int kh_factsfile_load(kh_factsfile *out, const char *path, kh_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return kh_error_set(err, e == ENOENT ? KH_ENOTFOUND : KH_EIO, path, 0, 0, "%s",
                            e == ENOENT ? "no such file" : strerror(e));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
        fclose(f);
        return kh_error_set(err, KH_EIO, path, 0, 0, "is a directory, not a facts file");
    }
    if (st.st_size > 0 && (unsigned long long)st.st_size > KH_FACTSFILE_MAX) {
        fclose(f);
        return kh_error_set(err, KH_EINPUT, path, 0, 0, "the file is larger than %zu MiB",
                            KH_FACTSFILE_MAX >> 20);
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
    }
    for (;;) {
        if (len == cap) {
            if (cap > KH_FACTSFILE_MAX) {
                free(buf);
                fclose(f);
                return kh_error_set(err, KH_EINPUT, path, 0, 0,
                                    "the file is larger than %zu MiB", KH_FACTSFILE_MAX >> 20);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return kh_error_set(err, KH_ENOMEM, path, 0, 0, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad_read = ferror(f);
    fclose(f);
    if (bad_read) {
        free(buf);
        return kh_error_set(err, KH_EIO, path, 0, 0, "read error");
    }
    int rc = kh_factsfile_parse(out, path, buf, len, err);
    free(buf);
    return rc;
}

kh_factset *kh_factsfile_take(kh_factsfile *ff, size_t i)
{
    if (!ff || i >= ff->count)
        return NULL;
    kh_factset *s = ff->units[i].facts;
    ff->units[i].facts = NULL;
    return s;
}

/*
 * fuzz_registry.c — fuzz harness for the unit registry (`kaohe batch
 * --registry`): each input is written as registry.yaml into a private
 * temporary directory and loaded with kh_registry_load; a registry that
 * loads identifies units made from its own entries and from the input.
 * Invariants:
 *   - a refusal is KH_ECONFIG, KH_ENOMEM or KH_EIO with a one-line message,
 *     no registry, and at least one error diagnostic for KH_ECONFIG; every
 *     diagnostic one line with a line >= 0;
 *   - a loaded registry: a 64-hex fingerprint; every entry with a name and a
 *     short name, a known level, a code of 6 digits or none; names and
 *     codes unique;
 *   - kh_registry_identify: a known status; an entry when matched; a note
 *     that is NUL-terminated, valid UTF-8, empty for a plain match and
 *     starting with the status otherwise; an entry's own name matches it.
 */
#include <ctype.h>
#include <string.h>

#include "registry.h"

#include "fuzz.h"

static const char *path; /* the input file */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    path = kh_fuzz_input_file("fuzz-registry", "registry.yaml");
    return 0;
}

static void check_diags(const kh_diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const kh_error *w = &d->items[i].where;
        KH_FUZZ_CHECK(w->message[0] && !strchr(w->message, '\n'),
                      "diagnostic %zu: \"%s\"", i, w->message);
        KH_FUZZ_CHECK(w->line >= 0, "diagnostic %zu at line %d", i, w->line);
    }
}

static void check_match(const kh_unit_match *m, const char *what)
{
    KH_FUZZ_CHECK(m->status == KH_UNIT_MATCHED || m->status == KH_UNIT_DOUBTFUL ||
                      m->status == KH_UNIT_UNKNOWN,
                  "%s: status %d", what, (int)m->status);
    size_t n = strnlen(m->note, sizeof m->note);
    KH_FUZZ_CHECK(n < sizeof m->note, "%s: note not terminated", what);
    KH_FUZZ_CHECK(kh_fuzz_is_utf8(m->note),
                  "%s: note is not valid UTF-8: \"%s\"", what, m->note);
    if (m->status == KH_UNIT_MATCHED)
        KH_FUZZ_CHECK(m->entry != NULL, "%s: matched without an entry", what);
    else {
        const char *st = kh_unit_status_name(m->status);
        KH_FUZZ_CHECK(strncmp(m->note, st, strlen(st)) == 0, "%s: note \"%s\" lacks the status",
                      what, m->note);
    }
}

/* The longest valid UTF-8 prefix of data[0..size) (at most cap - 1 bytes),
 * NUL-terminated in buf: what a report's unit fact could be. */
static const char *as_unit(const uint8_t *data, size_t size, char *buf, size_t cap)
{
    size_t n = size < cap - 1 ? size : cap - 1;
    n = kh_fuzz_utf8_invalid_at(data, n);
    memcpy(buf, data, n);
    buf[n] = '\0';
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_fuzz_write_file(path, data, size);
    kh_registry *reg = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_registry_load(&reg, path, &diags, &err);
    check_diags(&diags);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(rc == KH_ECONFIG || rc == KH_ENOMEM || rc == KH_EIO, "status %d: %s", rc,
                      err.message);
        KH_FUZZ_CHECK(reg == NULL, "refusal returned a registry");
        KH_FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'), "refusal message \"%s\"",
                      err.message);
        if (rc == KH_ECONFIG)
            KH_FUZZ_CHECK(kh_diag_list_errors(&diags) > 0, "KH_ECONFIG without an error: %s",
                          err.message);
        kh_diag_list_free(&diags);
        kh_unit_match m;
        char unit[700];
        kh_registry_identify(NULL, as_unit(data, size, unit, sizeof unit), NULL, NULL, &m);
        check_match(&m, "no registry");
        return 0;
    }
    kh_diag_list_free(&diags);
    KH_FUZZ_CHECK(strlen(reg->sha256) == 64 && strspn(reg->sha256, "0123456789abcdef") == 64,
                  "fingerprint \"%s\"", reg->sha256);
    for (size_t i = 0; i < reg->count; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        KH_FUZZ_CHECK(e->name && e->name[0] && e->short_name && e->short_name[0],
                      "entries[%zu] without name or short name", i);
        KH_FUZZ_CHECK(e->level >= KH_LEVEL_CITY && e->level <= KH_LEVEL_DEV_ZONE,
                      "entries[%zu]: level %d", i, (int)e->level);
        if (e->code) {
            KH_FUZZ_CHECK(strlen(e->code) == 6 && strspn(e->code, "0123456789") == 6,
                          "entries[%zu]: code \"%s\"", i, e->code);
        }
        for (size_t k = 0; k < i; k++) {
            KH_FUZZ_CHECK(strcmp(reg->entries[k].name, e->name) != 0,
                          "entries[%zu] and [%zu]: the same name", k, i);
            KH_FUZZ_CHECK(!e->code || !reg->entries[k].code ||
                              strcmp(reg->entries[k].code, e->code) != 0,
                          "entries[%zu] and [%zu]: the same code", k, i);
        }
    }
    kh_unit_match m;
    for (size_t i = 0; i < reg->count && i < 32; i++) {
        const kh_registry_entry *e = &reg->entries[i];
        kh_registry_identify(reg, e->name, NULL, NULL, &m);
        check_match(&m, "own name");
        KH_FUZZ_CHECK(m.entry == e, "entries[%zu] %s: its name identifies %s", i, e->name,
                      m.entry ? m.entry->name : "nothing");
        kh_registry_identify(reg, e->short_name, e->name, i % 2 ? e->short_name : NULL, &m);
        check_match(&m, "short name");
        if (e->aliases_count) {
            kh_registry_identify(reg, e->aliases[0], NULL, e->name, &m);
            check_match(&m, "alias");
        }
    }
    /* the input itself as a report's unit, title and hint */
    char unit[700];
    const char *u = as_unit(data, size, unit, sizeof unit);
    kh_registry_identify(reg, u, u, NULL, &m);
    check_match(&m, "input as unit");
    kh_registry_identify(reg, NULL, u, u, &m);
    check_match(&m, "input as title and hint");
    kh_registry_free(reg);
    return 0;
}

/*
 * fuzz_factsfile.c — fuzz harness for facts files (`kaohe score --facts`):
 * each input is a facts file (JSON or YAML) given to kh_factsfile_parse.
 * Invariants:
 *   - a refusal is KH_EINPUT or KH_ENOMEM with a one-line message naming the
 *     file, a line >= 0, and leaves the kh_factsfile empty;
 *   - a loaded file: every unit has a non-empty unit, a year in 1900..2999,
 *     a label, a line >= 1 and a factset; every fact key is listed in
 *     `keys` (in file order, line >= 1) and found by kh_factset_get; every
 *     fact is origin "given", without evidence or plugin, confidence 100,
 *     a finite number or a non-NULL valid UTF-8 text, a known qualifier and
 *     basis;
 *   - kh_factsfile_take hands each factset over once, then NULL;
 *   - kh_factsfile_number on the input as one string: a finite value.
 */
#include <math.h>
#include <string.h>

#include "factsfile.h"

#include "fuzz.h"

static void check_text(const char *s, const char *what)
{
    KH_FUZZ_CHECK(s != NULL, "%s is NULL", what);
    KH_FUZZ_CHECK(kh_fuzz_is_utf8(s),
                  "%s is not valid UTF-8", what);
}

static void check_unit(const kh_given_unit *u, size_t i)
{
    check_text(u->unit, "unit");
    KH_FUZZ_CHECK(u->unit[0] != '\0', "units[%zu]: empty unit", i);
    KH_FUZZ_CHECK(u->year >= 1900 && u->year <= 2999, "units[%zu]: year %d", i, u->year);
    check_text(u->label, "label");
    KH_FUZZ_CHECK(u->line >= 1, "units[%zu]: line %d", i, u->line);
    KH_FUZZ_CHECK(u->facts != NULL, "units[%zu]: no factset", i);
    size_t n = kh_factset_count(u->facts);
    KH_FUZZ_CHECK(u->keys_count == n, "units[%zu]: %zu keys listed, %zu facts", i,
                  u->keys_count, n);
    for (size_t k = 0; k < u->keys_count; k++) {
        const kh_given_key *gk = &u->keys[k];
        KH_FUZZ_CHECK(gk->key && gk->key[0], "units[%zu].keys[%zu] empty", i, k);
        KH_FUZZ_CHECK(gk->line >= 1, "units[%zu] key %s at line %d", i, gk->key, gk->line);
        const kh_fact *f = kh_factset_get(u->facts, gk->key);
        KH_FUZZ_CHECK(f != NULL, "units[%zu] key %s listed but not in the factset", i, gk->key);
        KH_FUZZ_CHECK(f->origin == KH_ORIGIN_GIVEN, "%s: origin %d", gk->key, (int)f->origin);
        KH_FUZZ_CHECK(f->evidence.text == NULL && f->plugin == NULL,
                      "%s: a given fact with evidence or plugin", gk->key);
        KH_FUZZ_CHECK(f->confidence == 100, "%s: confidence %d", gk->key, f->confidence);
        KH_FUZZ_CHECK(f->qualifier >= KH_QUAL_EXACT && f->qualifier <= KH_QUAL_LESS_THAN,
                      "%s: qualifier %d", gk->key, (int)f->qualifier);
        KH_FUZZ_CHECK(f->basis >= KH_BASIS_STATED && f->basis <= KH_BASIS_DERIVED,
                      "%s: basis %d", gk->key, (int)f->basis);
        if (f->type == KH_VALUE_NUMBER)
            KH_FUZZ_CHECK(isfinite(f->number), "%s: number %g", gk->key, f->number);
        else {
            KH_FUZZ_CHECK(f->type == KH_VALUE_TEXT, "%s: type %d", gk->key, (int)f->type);
            check_text(f->text, "text value");
        }
        if (f->unit)
            check_text(f->unit, "fact unit");
        if (f->note)
            check_text(f->note, "fact note");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_factsfile ff;
    memset(&ff, 0, sizeof ff);
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_factsfile_parse(&ff, "fuzz.yaml", data, size, &err);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(rc == KH_EINPUT || rc == KH_ENOMEM, "status %d: %s", rc, err.message);
        KH_FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'),
                      "refusal message \"%s\"", err.message);
        KH_FUZZ_CHECK(strcmp(err.file, "fuzz.yaml") == 0, "refusal names \"%s\"", err.file);
        KH_FUZZ_CHECK(err.line >= 0, "refusal at line %d", err.line);
        KH_FUZZ_CHECK(ff.count == 0 && ff.units == NULL, "refusal left %zu units", ff.count);
    } else {
        for (size_t i = 0; i < ff.count; i++)
            check_unit(&ff.units[i], i);
        for (size_t i = 0; i < ff.count; i++) {
            kh_factset *fs = kh_factsfile_take(&ff, i);
            KH_FUZZ_CHECK(fs != NULL, "take(%zu) gave NULL", i);
            KH_FUZZ_CHECK(kh_factsfile_take(&ff, i) == NULL, "take(%zu) twice", i);
            if (i % 2) /* half of them freed by the caller, half by the file */
                kh_factset_free(fs);
            else
                ff.units[i].facts = fs;
        }
        KH_FUZZ_CHECK(kh_factsfile_take(&ff, ff.count) == NULL, "take past the end");
    }
    kh_factsfile_free(&ff);

    /* the number reader on the whole input as one scalar */
    if (size < 256) {
        char s[256];
        memcpy(s, data, size);
        s[size] = '\0';
        double v = 0;
        bool pct = false;
        if (kh_factsfile_number(s, &v, &pct))
            KH_FUZZ_CHECK(isfinite(v), "\"%s\" read as %g", s, v);
    }
    return 0;
}

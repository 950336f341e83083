/*
 * fuzz_overrides.c — fuzz harness for overrides files (`kaohe score
 * --overrides`): each input is written as overrides.yaml into a private
 * temporary directory and loaded with kh_overrides_load; a list that loads
 * is then planned and applied to three reports (units taken from the list
 * and two fixed ones, each with a number and a text fact for every key), and
 * its records written as JSON and as the 修改记录 table. Invariants:
 *   - a refusal is KH_ECONFIG, KH_ENOMEM or KH_EIO with a one-line message,
 *     a line >= 0, and leaves the list empty;
 *   - a loaded entry: a trimmed non-empty unit, a key of lower-case dotted
 *     words, a finite number or a text, a known qualifier, a non-empty
 *     reason and author, a YYYY-MM-DD date, a line >= 1; all valid UTF-8;
 *     no two entries with the same unit and key;
 *   - plan and apply return KH_OK; every record names a planned override's
 *     key, its value is origin "override" with the override's value; each
 *     warning is one line; times_applied adds up to the records.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "overrides.h"

#include "fuzz.h"

static const char *path; /* the input file */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    path = kh_fuzz_input_file("fuzz-overrides", "overrides.yaml");
    return 0;
}

static void check_text(const char *s, const char *what, size_t i)
{
    KH_FUZZ_CHECK(s != NULL, "items[%zu].%s is NULL", i, what);
    KH_FUZZ_CHECK(kh_fuzz_is_utf8(s),
                  "items[%zu].%s is not valid UTF-8", i, what);
}

static bool dotted_key(const char *k)
{
    /* lower-case words (letters, digits, _) joined by single dots, two or more */
    size_t words = 0, len = 0;
    for (const char *p = k;; p++) {
        if (*p == '.' || *p == '\0') {
            if (len == 0)
                return false;
            words++;
            len = 0;
            if (*p == '\0')
                break;
        } else if (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_') {
            len++;
        } else {
            return false;
        }
    }
    return words >= 2;
}

static void check_entry(const kh_override_list *l, size_t i)
{
    const kh_override *o = &l->items[i];
    check_text(o->unit, "unit", i);
    check_text(o->key, "key", i);
    check_text(o->value_raw, "value", i);
    check_text(o->reason, "reason", i);
    check_text(o->author, "author", i);
    check_text(o->date, "date", i);
    size_t ul = strlen(o->unit);
    KH_FUZZ_CHECK(ul > 0 && o->unit[0] != ' ' && o->unit[ul - 1] != ' ',
                  "items[%zu]: unit \"%s\" empty or untrimmed", i, o->unit);
    KH_FUZZ_CHECK(dotted_key(o->key), "items[%zu]: key \"%s\"", i, o->key);
    if (o->type == KH_VALUE_NUMBER)
        KH_FUZZ_CHECK(isfinite(o->number) && o->text == NULL, "items[%zu]: number %g", i,
                      o->number);
    else
        KH_FUZZ_CHECK(o->type == KH_VALUE_TEXT && o->text, "items[%zu]: type %d", i,
                      (int)o->type);
    KH_FUZZ_CHECK(o->qualifier >= KH_QUAL_EXACT && o->qualifier <= KH_QUAL_LESS_THAN,
                  "items[%zu]: qualifier %d", i, (int)o->qualifier);
    KH_FUZZ_CHECK(o->reason[0] && o->author[0], "items[%zu]: empty reason or author", i);
    const char *d = o->date;
    KH_FUZZ_CHECK(strlen(d) == 10 && isdigit((unsigned char)d[0]) && d[4] == '-' &&
                      d[7] == '-' && isdigit((unsigned char)d[9]),
                  "items[%zu]: date \"%s\"", i, d);
    KH_FUZZ_CHECK(o->line >= 1, "items[%zu]: line %d", i, o->line);
    for (size_t k = 0; k < i; k++)
        KH_FUZZ_CHECK(strcmp(l->items[k].unit, o->unit) != 0 ||
                          strcmp(l->items[k].key, o->key) != 0,
                      "items[%zu] and [%zu]: the same unit and key", k, i);
}

/* A report's facts: a number and a text fact for every key of the list. */
static kh_factset *facts_for(const kh_override_list *l)
{
    kh_factset *fs = NULL;
    KH_FUZZ_CHECK(kh_factset_new(&fs) == KH_OK, "out of memory");
    for (size_t i = 0; i < l->count; i++) {
        kh_fact f;
        memset(&f, 0, sizeof f);
        f.key = l->items[i].key;
        f.plugin = "fuzz";
        f.confidence = 90;
        f.evidence.text = "证据";
        f.evidence.line = 1;
        f.evidence.column = 1;
        if (i % 2) {
            f.type = KH_VALUE_TEXT;
            f.text = "2025-01-08";
        } else {
            f.type = KH_VALUE_NUMBER;
            f.number = 42;
        }
        kh_factset_add(fs, &f);
    }
    return fs;
}

static void apply_all(const kh_override_list *l)
{
    const char *units[3] = {l->count ? l->items[0].unit : NULL, "威海市文登区", NULL};
    const char *paths[3] = {"a.txt", "b.txt", "c.txt"};
    kh_overrides_result res;
    KH_FUZZ_CHECK(kh_overrides_plan(&res, l, units, 3) == KH_OK, "plan failed");
    kh_factset *fs[3];
    for (size_t r = 0; r < 3; r++) {
        fs[r] = facts_for(l);
        KH_FUZZ_CHECK(kh_overrides_apply(l, units[r], paths[r], fs[r], &res) == KH_OK,
                      "apply failed");
    }
    size_t times = 0;
    for (size_t i = 0; i < l->count; i++)
        times += kh_overrides_times_applied(&res, i);
    KH_FUZZ_CHECK(times == res.applied_count, "%zu applications counted, %zu records", times,
                  res.applied_count);
    for (size_t i = 0; i < res.applied_count; i++) {
        const kh_override_applied *a = &res.applied[i];
        KH_FUZZ_CHECK(a->key && a->value && a->value->origin == KH_ORIGIN_OVERRIDE,
                      "record %zu: no key or value, or not origin override", i);
        KH_FUZZ_CHECK(kh_overrides_find(res.applied, res.applied_count, a->path, a->key) != NULL,
                      "record %zu (%s, %s) not found", i, a->path, a->key);
    }
    for (size_t i = 0; i < res.warnings_count; i++)
        KH_FUZZ_CHECK(res.warnings[i] && !strchr(res.warnings[i], '\n'),
                      "warning %zu not one line", i);
    /* every output of the records: the JSON is valid UTF-8 */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    KH_FUZZ_CHECK(mem != NULL, "open_memstream failed");
    kh_json j;
    kh_json_init(&j, mem, false);
    kh_json_object(&j);
    kh_json_key(&j, "overrides");
    kh_overrides_json(&j, res.applied, res.applied_count);
    kh_json_object_end(&j);
    kh_overrides_print_table(mem, res.applied, res.applied_count);
    fclose(mem);
    KH_FUZZ_CHECK(kh_fuzz_utf8_invalid_at((const unsigned char *)buf, len) == len,
                  "JSON or table output is not valid UTF-8");
    free(buf);
    kh_overrides_result_free(&res);
    for (size_t r = 0; r < 3; r++)
        kh_factset_free(fs[r]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_fuzz_write_file(path, data, size);
    kh_override_list l;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_overrides_load(&l, path, &err);
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(rc == KH_ECONFIG || rc == KH_ENOMEM || rc == KH_EIO, "status %d: %s", rc,
                      err.message);
        KH_FUZZ_CHECK(err.message[0] && !strchr(err.message, '\n'), "refusal message \"%s\"",
                      err.message);
        KH_FUZZ_CHECK(err.line >= 0, "refusal at line %d", err.line);
        KH_FUZZ_CHECK(l.count == 0 && l.items == NULL, "refusal left %zu entries", l.count);
        kh_override_list_free(&l);
        return 0;
    }
    for (size_t i = 0; i < l.count; i++)
        check_entry(&l, i);
    apply_all(&l);
    kh_override_list_free(&l);
    return 0;
}

/*
 * fuzz_scheme.c — fuzz harness for the scheme loader: each input is written
 * as scheme.yaml into a private temporary scheme directory (which also holds
 * the scripts the fixture schemes name, ok.lua, fz01.lua …, rules/fz02.lua
 * and a lib/), then kh_scheme_load and, when it loads, kh_scheme_validate.
 * Invariants:
 *   - a failed load returns a kh_status and no scheme, with a message, and
 *     (for KH_ECONFIG) at least one error diagnostic;
 *   - every diagnostic has a one-line message and a line >= 0;
 *   - a loaded scheme has no error diagnostics, a 64-digit hex fingerprint,
 *     required strings set, unique indicator ids that kh_scheme_indicator
 *     finds, params kh_scheme_param finds, grades sorted highest first;
 *   - validate returns KH_OK exactly when it added no error.
 */
#include <sys/stat.h>

#include "kaohe/scheme.h"

#include "fuzz.h"

static char dir[4096];        /* the temporary scheme directory */
static char yaml[4200];       /* dir/scheme.yaml */

static const char *const scripts[] = {
    "ok.lua", "m1.lua", "fzm1.lua", "fz01.lua", "fz02.lua", "fz03.lua",
    "fz04.lua", "fz05.lua", "fz06.lua", "fz07.lua", "fz08.lua", "fz09.lua",
    "fz10.lua", "fz11.lua", "fz12.lua", "rules/fz02.lua", "lib/util.lua", NULL};

static void remove_dir(void)
{
    char path[4400];
    unlink(yaml);
    for (size_t i = 0; scripts[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, scripts[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/rules", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/lib", dir);
    rmdir(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kh_fuzz_make_tmpdir(dir, sizeof dir, "fuzz-scheme");
    snprintf(yaml, sizeof yaml, "%s/scheme.yaml", dir);
    char path[4400];
    snprintf(path, sizeof path, "%s/rules", dir);
    KH_FUZZ_CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
    snprintf(path, sizeof path, "%s/lib", dir);
    KH_FUZZ_CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
    static const char body[] = "return { points = 0, explanation = \"fuzz\" }\n";
    for (size_t i = 0; scripts[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, scripts[i]);
        kh_fuzz_write_file(path, body, sizeof body - 1);
    }
    atexit(remove_dir);
    return 0;
}

static void check_diags(const kh_diag_list *d, const char *what)
{
    for (size_t i = 0; i < d->count; i++) {
        const kh_error *w = &d->items[i].where;
        KH_FUZZ_CHECK(w->message[0] != '\0', "%s: diagnostic %zu has no message", what, i);
        KH_FUZZ_CHECK(strchr(w->message, '\n') == NULL,
                      "%s: diagnostic is not one line: \"%s\"", what, w->message);
        KH_FUZZ_CHECK(w->line >= 0, "%s: diagnostic at line %d", what, w->line);
    }
}

static void check_scheme(const kh_scheme *s)
{
    KH_FUZZ_CHECK(strlen(s->sha256) == 64 && strspn(s->sha256, "0123456789abcdef") == 64,
                  "fingerprint \"%s\"", s->sha256);
    KH_FUZZ_CHECK(s->id && s->dir && s->yaml_path, "scheme without id, dir or path");
    for (size_t i = 0; i < s->indicators_count; i++) {
        const kh_indicator *ind = &s->indicators[i];
        KH_FUZZ_CHECK(ind->id && ind->name, "indicators[%zu] without id or name", i);
        KH_FUZZ_CHECK(kh_scheme_indicator(s, ind->id) == ind,
                      "indicators[%zu] %s: lookup finds another indicator", i, ind->id);
        for (size_t k = 0; k < ind->facts_count; k++)
            KH_FUZZ_CHECK(ind->facts[k] != NULL, "indicators[%zu].facts[%zu] is NULL", i, k);
    }
    for (size_t i = 0; i < s->params_count; i++) {
        const kh_param *p = &s->params[i];
        KH_FUZZ_CHECK(p->name && kh_scheme_param(s, p->name) != NULL,
                      "params[%zu] not found by name", i);
        KH_FUZZ_CHECK(p->type == KH_PARAM_NUMBER || (p->type == KH_PARAM_STRING && p->string),
                      "params[%zu] %s: type %d", i, p->name, (int)p->type);
    }
    for (size_t i = 0; i < s->grades_count; i++) {
        KH_FUZZ_CHECK(s->grades[i].name, "grades[%zu] without name", i);
        if (i > 0)
            KH_FUZZ_CHECK(s->grades[i - 1].min >= s->grades[i].min,
                          "grades not sorted highest first at %zu", i);
    }
    for (size_t i = 0; i < s->adjustments_count; i++)
        KH_FUZZ_CHECK(s->adjustments[i].id, "adjustments[%zu] without id", i);
    (void)kh_scheme_grade(s, s->total);
    (void)kh_scheme_grade(s, 0);
    (void)kh_scheme_grade(s, -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kh_fuzz_write_file(yaml, data, size);
    kh_scheme *s = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_scheme_load(&s, dir, &diags, &err);
    check_diags(&diags, "load");
    if (rc != KH_OK) {
        KH_FUZZ_CHECK(s == NULL, "failed load (%d) returned a scheme", rc);
        KH_FUZZ_CHECK(rc == KH_ECONFIG || rc == KH_ENOMEM || rc == KH_EIO ||
                      rc == KH_ELIMIT || rc == KH_ENOTFOUND,
                      "unexpected status %d: %s", rc, err.message);
        KH_FUZZ_CHECK(err.message[0] != '\0', "failed load (%d) without a message", rc);
        if (rc == KH_ECONFIG)
            KH_FUZZ_CHECK(kh_diag_list_errors(&diags) > 0,
                          "KH_ECONFIG without an error diagnostic: %s", err.message);
        kh_diag_list_free(&diags);
        return 0;
    }
    KH_FUZZ_CHECK(s != NULL, "KH_OK without a scheme");
    KH_FUZZ_CHECK(kh_diag_list_errors(&diags) == 0, "loaded, yet an error: %s",
                  diags.items[0].where.message);
    check_scheme(s);

    kh_diag_list vd = {0};
    int vrc = kh_scheme_validate(s, &vd);
    check_diags(&vd, "validate");
    KH_FUZZ_CHECK((vrc == KH_OK) == (kh_diag_list_errors(&vd) == 0),
                  "validate returned %d with %zu errors", vrc, kh_diag_list_errors(&vd));
    kh_diag_list_free(&vd);
    kh_diag_list_free(&diags);
    kh_scheme_free(s);
    return 0;
}

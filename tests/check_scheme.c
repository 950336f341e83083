/*
 * check_scheme.c — tests for scheme loading and validation (scheme.c), the
 * kh_diag_list functions and SHA-256 (sha256.c). Fixtures live in
 * fixtures/schemes/: good/, minimal/ and example/ load cleanly; every file in
 * bad/ holds one problem, named in a comment at its end.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kaohe/scheme.h"
#include "scheme_internal.h"
#include "sha256.h"

#define SCHEMES KH_FIXTURES_DIR "/schemes"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static char *format_error(const kh_error *err)
{
    static char buf[KH_ERROR_FILE_MAX + KH_ERROR_MSG_MAX + 64];
    return kh_error_format(err, buf, sizeof buf);
}

static kh_scheme *load_ok(const char *path)
{
    kh_scheme *s = NULL;
    kh_error err;
    kh_diag_list diags = {NULL, 0};
    int rc = kh_scheme_load(&s, path, &diags, &err);
    ck_assert_msg(rc == KH_OK, "loading %s: %s", path, format_error(&err));
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(diags.count, 0);
    kh_diag_list_free(&diags);
    return s;
}

static void hex_of(const char *data, size_t len, char hex[KH_SHA256_HEX_SIZE])
{
    kh_sha256_ctx ctx;
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    kh_sha256_init(&ctx);
    kh_sha256_update(&ctx, data, len);
    kh_sha256_final(&ctx, digest);
    kh_sha256_hex(digest, hex);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

/* A scratch directory in the build tree, removed by the test itself. */
static void make_temp_dir(char *out, size_t size)
{
    snprintf(out, size, "%s/check_scheme.XXXXXX", KH_BINARY_DIR);
    ck_assert_ptr_nonnull(mkdtemp(out));
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* ------------------------------------------------------------------------ */
/* SHA-256                                                                  */

static const struct {
    const char *input;
    size_t repeat;       /* input is fed this many times */
    const char *digest;
} sha_vectors[] = {
    {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", 1,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
     "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"a", 1000000,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

START_TEST(test_scheme__sha256_vectors)
{
    const char *input = sha_vectors[_i].input;
    size_t len = strlen(input) * sha_vectors[_i].repeat;
    char *data = malloc(len + 1);
    ck_assert_ptr_nonnull(data);
    for (size_t r = 0; r < sha_vectors[_i].repeat; r++)
        memcpy(data + r * strlen(input), input, strlen(input));
    data[len] = '\0';

    char hex[KH_SHA256_HEX_SIZE];
    hex_of(data, len, hex);
    ck_assert_str_eq(hex, sha_vectors[_i].digest);

    /* the same bytes in uneven pieces cross every block boundary */
    static const size_t pieces[] = {1, 3, 63, 64, 65, 997};
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        kh_sha256_ctx ctx;
        uint8_t digest[KH_SHA256_DIGEST_SIZE];
        kh_sha256_init(&ctx);
        for (size_t off = 0; off < len; off += pieces[p])
            kh_sha256_update(&ctx, data + off,
                             len - off < pieces[p] ? len - off : pieces[p]);
        kh_sha256_final(&ctx, digest);
        ck_assert_str_eq(kh_sha256_hex(digest, hex), sha_vectors[_i].digest);
    }
    free(data);
}
END_TEST

START_TEST(test_scheme__sha256_file)
{
    uint8_t digest[KH_SHA256_DIGEST_SIZE];
    char hex[KH_SHA256_HEX_SIZE];
    /* sha256sum fixtures/schemes/bad/ok.lua */
    ck_assert_int_eq(kh_sha256_file(SCHEMES "/bad/ok.lua", digest), KH_OK);
    ck_assert_str_eq(kh_sha256_hex(digest, hex),
                     "ade653e282706612be3e4cac28289e1fb2dbbbb370000da60f8503303ec76253");
    ck_assert_int_eq(kh_sha256_file(SCHEMES "/bad/no-such.lua", digest),
                     KH_ENOTFOUND);
    ck_assert_int_eq(kh_sha256_file(SCHEMES "/bad", digest), KH_ENOTFOUND);

    uint64_t size = 0;
    kh_sha256_ctx ctx;
    kh_sha256_init(&ctx);
    ck_assert_int_eq(kh_sha256_update_file(&ctx, SCHEMES "/bad/ok.lua", &size),
                     KH_OK);
    struct stat st;
    ck_assert_int_eq(stat(SCHEMES "/bad/ok.lua", &st), 0);
    ck_assert_uint_eq(size, (uint64_t)st.st_size);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Loading good schemes                                                     */

START_TEST(test_scheme__load_good_reads_every_field)
{
    kh_scheme *s = load_ok(SCHEMES "/good");
    ck_assert_str_eq(s->id, "fazhi-test");
    ck_assert_str_eq(s->name, "法治政府建设考核（测试方案）");
    ck_assert_str_eq(s->version, "2025.1");
    ck_assert_double_eq(s->total, 100);
    ck_assert_int_eq(s->missing, KH_MISSING_HALF);
    ck_assert_str_eq(s->yaml_path, SCHEMES "/good/scheme.yaml");
    ck_assert_str_eq(s->dir, SCHEMES "/good");

    ck_assert_uint_eq(s->grades_count, 4);
    static const char *const grade_names[] = {"优秀", "良好", "合格", "不合格"};
    static const double grade_mins[] = {90, 80, 60, 0};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(s->grades[i].name, grade_names[i]);
        ck_assert_double_eq(s->grades[i].min, grade_mins[i]);
    }

    ck_assert_uint_eq(s->params_count, 5);
    ck_assert_str_eq(s->params[0].name, "training_hours_target");
    ck_assert_int_eq(s->params[0].type, KH_PARAM_NUMBER);
    ck_assert_double_eq(s->params[0].number, 60);
    ck_assert_ptr_null(s->params[0].string);
    ck_assert_int_eq(s->params[0].line, 14);
    ck_assert_str_eq(s->params[1].name, "report_deadline");
    ck_assert_int_eq(s->params[1].type, KH_PARAM_STRING);
    ck_assert_str_eq(s->params[1].string, "03-01");
    ck_assert_int_eq(s->params[1].line, 15);
    ck_assert_int_eq(s->params[2].type, KH_PARAM_NUMBER);
    ck_assert_double_eq(s->params[2].number, 60.5);
    ck_assert_int_eq(s->params[3].type, KH_PARAM_STRING);
    ck_assert_str_eq(s->params[3].string, "出庭应诉");
    /* quoted: a string even though it reads as a number */
    ck_assert_str_eq(s->params[4].name, "quoted_number");
    ck_assert_int_eq(s->params[4].type, KH_PARAM_STRING);
    ck_assert_str_eq(s->params[4].string, "42");
    ck_assert_int_eq(s->params[4].line, 18);

    ck_assert_uint_eq(s->instruction_limit, 5000000);
    ck_assert_uint_eq(s->memory_limit, (size_t)8 * 1024 * 1024);
    ck_assert_uint_eq(s->timeout_ms, 1500);

    ck_assert_double_eq(s->bonus_cap, 3);
    ck_assert_double_eq(s->penalty_cap, 5);
    ck_assert_uint_eq(s->adjustments_count, 2);
    ck_assert_str_eq(s->adjustments[0].id, "demo-title");
    ck_assert_str_eq(s->adjustments[0].name, "获评法治政府建设示范区");
    ck_assert_double_eq(s->adjustments[0].points, 3);
    ck_assert_str_eq(s->adjustments[1].id, "ignored-judgment");
    ck_assert_double_eq(s->adjustments[1].points, -2);

    ck_assert_uint_eq(s->indicators_count, 4);
    const kh_indicator *a = &s->indicators[0];
    ck_assert_str_eq(a->id, "FZ-01");
    ck_assert_str_eq(a->name, "行政机关负责人出庭应诉率");
    ck_assert_str_eq(a->category, "行政争议化解");
    ck_assert_double_eq(a->max, 14);
    ck_assert(!a->monitor);
    ck_assert_uint_eq(a->facts_count, 2);
    ck_assert_str_eq(a->facts[0], "litigation.head_appearance_rate");
    ck_assert_str_eq(a->facts[1], "litigation.cases");
    ck_assert_str_eq(a->script, "fz01.lua");
    ck_assert_str_eq(a->script_path, SCHEMES "/good/fz01.lua");
    ck_assert_int_eq(a->line, 27);

    /* flow style, facts through an alias, a script in a subdirectory */
    const kh_indicator *b = &s->indicators[1];
    ck_assert_str_eq(b->id, "FZ-02");
    ck_assert_double_eq(b->max, 8.5);
    ck_assert_uint_eq(b->facts_count, 2);
    ck_assert_str_eq(b->facts[1], "litigation.cases");
    ck_assert_ptr_ne(b->facts, a->facts); /* copied, not shared */
    ck_assert_str_eq(b->script_path, SCHEMES "/good/rules/fz02.lua");
    ck_assert_int_eq(b->line, 33);

    const kh_indicator *c = &s->indicators[2];
    ck_assert_ptr_null(c->category);
    ck_assert_int_eq(c->line, 35);

    const kh_indicator *m = &s->indicators[3];
    ck_assert_str_eq(m->id, "FZ-M1");
    ck_assert(m->monitor);
    ck_assert_double_eq(m->max, 0);
    ck_assert_uint_eq(m->facts_count, 3);
    ck_assert_str_eq(m->facts[2], "review.correction_rate");
    ck_assert_int_eq(m->line, 40);

    /* computed outside kaohe: for each of scheme.yaml, lib/a_common.lua,
     * lib/b_format.lua, fz01.lua, rules/fz02.lua, fz05.lua, fzm1.lua:
     * printf '%s\0' NAME; sha256sum NAME | cut -c1-64 | xxd -r -p
     * all piped through sha256sum */
    ck_assert_str_eq(s->sha256,
                     "8c85a660500dd778c22304fcaa9c7211cd7840d182a61477d6f6e51c7b2b980a");

    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme_validate(s, &diags), KH_OK);
    ck_assert_uint_eq(diags.count, 0);
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__load_minimal_takes_defaults)
{
    /* a YAML file path rather than a directory */
    kh_scheme *s = load_ok(SCHEMES "/minimal/scheme.yaml");
    ck_assert_str_eq(s->id, "minimal");
    ck_assert_int_eq(s->missing, KH_MISSING_ZERO);
    ck_assert_uint_eq(s->params_count, 0);
    ck_assert_ptr_null(s->params);
    ck_assert_uint_eq(s->instruction_limit, 10000000);
    ck_assert_uint_eq(s->memory_limit, (size_t)16 * 1024 * 1024);
    ck_assert_uint_eq(s->timeout_ms, 2000);
    ck_assert_double_eq(s->bonus_cap, 0);
    ck_assert_double_eq(s->penalty_cap, 0);
    ck_assert_uint_eq(s->adjustments_count, 0);
    ck_assert_uint_eq(s->indicators_count, 1);
    ck_assert(!s->indicators[0].monitor);
    ck_assert_ptr_null(s->indicators[0].category);
    ck_assert_int_eq(s->indicators[0].line, 9);
    ck_assert_str_eq(s->dir, SCHEMES "/minimal");
    ck_assert_str_eq(s->indicators[0].script_path, SCHEMES "/minimal/m1.lua");
    ck_assert_uint_eq(strlen(s->sha256), 64);
    ck_assert_int_eq(kh_scheme_validate(s, NULL), KH_OK);
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__load_accepts_the_documented_example)
{
    kh_scheme *s = load_ok(SCHEMES "/example");
    ck_assert_str_eq(s->id, "fazhi-default");
    ck_assert_uint_eq(s->params_count, 2);
    ck_assert_int_eq(s->params[0].line, 11);
    ck_assert_uint_eq(s->indicators_count, 2);
    ck_assert_int_eq(s->indicators[0].line, 20);
    ck_assert_int_eq(s->indicators[1].line, 22);
    ck_assert(s->indicators[1].monitor);
    /* the excerpt has one scored indicator of 14 points out of 100 */
    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme_validate(s, &diags), KH_ECONFIG);
    ck_assert_uint_eq(diags.count, 1);
    ck_assert_int_eq(diags.items[0].where.line, 4);
    ck_assert_str_eq(diags.items[0].where.message,
                     "total: points add up to 14, total is 100");
    kh_diag_list_free(&diags);
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__load_directory_or_file_same_scheme)
{
    kh_scheme *a = load_ok(SCHEMES "/good/");
    kh_scheme *b = load_ok(SCHEMES "/good/scheme.yaml");
    ck_assert_str_eq(a->sha256, b->sha256);
    ck_assert_str_eq(a->yaml_path, b->yaml_path);
    ck_assert_str_eq(a->dir, b->dir);
    kh_scheme_free(a);
    kh_scheme_free(b);
}
END_TEST

START_TEST(test_scheme__grades_sorted_highest_first)
{
    /* listed 合格 60, 优秀 90, 不合格 0: loads sorted, validation objects */
    kh_scheme *s = load_ok(SCHEMES "/bad/grades-unordered.yaml");
    ck_assert_uint_eq(s->grades_count, 3);
    ck_assert_str_eq(s->grades[0].name, "优秀");
    ck_assert_str_eq(s->grades[1].name, "合格");
    ck_assert_str_eq(s->grades[2].name, "不合格");
    ck_assert_str_eq(kh_scheme_grade(s, 9.5), "优秀");
    ck_assert_str_eq(kh_scheme_grade(s, 6), "合格");
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__lookups)
{
    kh_scheme *s = load_ok(SCHEMES "/good");
    const kh_param *p = kh_scheme_param(s, "training_hours_target");
    ck_assert_ptr_nonnull(p);
    ck_assert_double_eq(p->number, 60);
    ck_assert_ptr_null(kh_scheme_param(s, "training_hours"));
    ck_assert_ptr_null(kh_scheme_param(s, NULL));
    ck_assert_ptr_null(kh_scheme_param(NULL, "x"));

    const kh_indicator *ind = kh_scheme_indicator(s, "FZ-05");
    ck_assert_ptr_nonnull(ind);
    ck_assert_double_eq(ind->max, 77.5);
    ck_assert_ptr_null(kh_scheme_indicator(s, "FZ-5"));
    ck_assert_ptr_null(kh_scheme_indicator(NULL, "FZ-05"));

    ck_assert_str_eq(kh_scheme_grade(s, 100), "优秀");
    ck_assert_str_eq(kh_scheme_grade(s, 90), "优秀");
    ck_assert_str_eq(kh_scheme_grade(s, 89.999), "良好");
    ck_assert_str_eq(kh_scheme_grade(s, 80), "良好");
    ck_assert_str_eq(kh_scheme_grade(s, 60), "合格");
    ck_assert_str_eq(kh_scheme_grade(s, 59.5), "不合格");
    ck_assert_str_eq(kh_scheme_grade(s, 0), "不合格");
    ck_assert_ptr_null(kh_scheme_grade(s, -1));
    ck_assert_ptr_null(kh_scheme_grade(s, NAN));
    ck_assert_ptr_null(kh_scheme_grade(NULL, 50));
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__bad_arguments)
{
    kh_scheme *s = (kh_scheme *)&s; /* must be reset */
    kh_error err;
    ck_assert_int_eq(kh_scheme_load(&s, NULL, NULL, &err), KH_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, KH_EINVAL);
    ck_assert_int_eq(kh_scheme_load(NULL, SCHEMES "/good", NULL, NULL),
                     KH_EINVAL);
    ck_assert_int_eq(kh_scheme_validate(NULL, NULL), KH_EINVAL);
    kh_scheme_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Broken schemes                                                           */

enum { AT_LOAD, AT_VALIDATE };

typedef struct broken_case {
    const char *file;   /* in fixtures/schemes/bad */
    int stage;          /* where it must fail */
    int code;
    size_t errors;      /* problems reported */
    int line;           /* of the first error; 0 = none */
    const char *key;    /* in the first error's message, or NULL */
    const char *text;   /* in the first error's message */
} broken_case;

static const broken_case broken[] = {
    /* shape: found by kh_scheme_load */
    {"wrong-type.yaml", AT_LOAD, KH_ECONFIG, 1, 16, "indicators[1].max",
     "expected a number, got \"ten\""},
    {"number-suffix.yaml", AT_LOAD, KH_ECONFIG, 1, 11, "indicators[0].max",
     "expected a number, got \"6abc\""},
    {"number-range.yaml", AT_LOAD, KH_ECONFIG, 1, 4, "total",
     "\"1e999\" is out of range"},
    {"unknown-key.yaml", AT_LOAD, KH_ECONFIG, 1, 5, "weight",
     "unknown key (allowed: id, name, version, total, missing, grades, "
     "params, limits, adjustments, indicators)"},
    {"missing-id.yaml", AT_LOAD, KH_ECONFIG, 1, 14, "indicators[1].id",
     "required key is missing"},
    {"missing-total.yaml", AT_LOAD, KH_ECONFIG, 1, 1, "total",
     "required key is missing"},
    {"duplicate-key.yaml", AT_LOAD, KH_ECONFIG, 1, 5, "total",
     "duplicate key (first at line 4)"},
    {"duplicate-param.yaml", AT_LOAD, KH_ECONFIG, 1, 7, "params.hours",
     "duplicate key (first at line 6)"},
    {"duplicate-indicator.yaml", AT_LOAD, KH_ECONFIG, 1, 14,
     "indicators[1].id", "duplicate indicator id A (first at line 9)"},
    {"bad-enum.yaml", AT_LOAD, KH_ECONFIG, 1, 5, "missing",
     "expected one of zero, half, exclude, got \"maybe\""},
    {"bad-bool.yaml", AT_LOAD, KH_ECONFIG, 1, 12, "indicators[0].monitor",
     "expected true or false, got \"maybe\""},
    {"null-string.yaml", AT_LOAD, KH_ECONFIG, 1, 12, "indicators[0].category",
     "expected a string, got null"},
    {"negative-limit.yaml", AT_LOAD, KH_ECONFIG, 1, 5, "limits.instructions",
     "expected a whole number, got \"-5\""},
    {"params-list.yaml", AT_LOAD, KH_ECONFIG, 1, 6, "params.targets",
     "expected a number or a string, got a list"},
    {"unknown-alias.yaml", AT_LOAD, KH_ECONFIG, 1, 17, "indicators[1].facts",
     "alias *nope has no anchor"},
    {"syntax-error.yaml", AT_LOAD, KH_ECONFIG, 1, 13, NULL,
     "YAML syntax error: did not find expected ',' or ']'"},
    {"not-mapping.yaml", AT_LOAD, KH_ECONFIG, 1, 2, NULL,
     "expected a mapping at the top level, got a list"},
    {"two-documents.yaml", AT_LOAD, KH_ECONFIG, 1, 19, NULL,
     "only one YAML document is allowed"},
    {"empty.yaml", AT_LOAD, KH_ECONFIG, 1, 1, NULL, "the file is empty"},
    {"deep-nesting.yaml", AT_LOAD, KH_ECONFIG, 1, 5, "params.x",
     "nesting is deeper than 32 levels"},
    {"huge-scalar.yaml", AT_LOAD, KH_ECONFIG, 1, 2, "name",
     "a scalar of 9000 bytes; at most 8192 allowed"},
    {"alias-bomb.yaml", AT_LOAD, KH_ECONFIG, 1, 10, "params.e",
     "the document expands to more than 50000 nodes"},
    {"no-such-scheme.yaml", AT_LOAD, KH_ENOTFOUND, 1, 0, NULL,
     "cannot open: No such file or directory"},
    /* meaning: found by kh_scheme_validate */
    {"points.yaml", AT_VALIDATE, KH_ECONFIG, 1, 4, "total",
     "points add up to 9.5, total is 10"},
    {"grades-unordered.yaml", AT_VALIDATE, KH_ECONFIG, 1, 7, "grades[1].min",
     "优秀 (9) is listed after 合格 (6)"},
    {"grade-above-total.yaml", AT_VALIDATE, KH_ECONFIG, 1, 6, "grades[0].min",
     "12 is above the total 10"},
    {"lowest-grade.yaml", AT_VALIDATE, KH_ECONFIG, 1, 7, "grades[1].min",
     "totals below 3 get no grade"},
    {"missing-script.yaml", AT_VALIDATE, KH_ECONFIG, 1, 14,
     "indicators[1].script", "nope.lua not found"},
    {"script-dotdot.yaml", AT_VALIDATE, KH_ECONFIG, 1, 9,
     "indicators[0].script", "must not contain a \"..\" component"},
    {"script-not-lua.yaml", AT_VALIDATE, KH_ECONFIG, 1, 9,
     "indicators[0].script", "must name a .lua file"},
    {"bad-fact.yaml", AT_VALIDATE, KH_ECONFIG, 1, 17,
     "indicators[1].facts[1]", "\"Litigation.Rate\" is not a fact key"},
    {"empty-facts.yaml", AT_VALIDATE, KH_ECONFIG, 1, 12,
     "indicators[0].facts", "reads no facts"},
    {"monitor-max.yaml", AT_VALIDATE, KH_ECONFIG, 1, 16, "indicators[1].max",
     "monitor indicator and must have max 0, got 4"},
    {"limit-too-big.yaml", AT_VALIDATE, KH_ECONFIG, 1, 5, "limits.timeout_ms",
     "3600000 is above the maximum 600000"},
    {"negative-cap.yaml", AT_VALIDATE, KH_ECONFIG, 1, 6,
     "adjustments.bonus_cap", "must not be negative"},
    {"duplicate-event.yaml", AT_VALIDATE, KH_ECONFIG, 1, 10,
     "adjustments.events[1].id", "duplicate event id x (first at line 9)"},
};

/* err is the first error: it names the file, the line and the key. */
static void assert_located(const broken_case *c, const kh_error *err,
                           const char *path)
{
    const char *text = format_error(err);
    ck_assert_msg(err->code == c->code, "%s: code %d, want %d (%s)", c->file,
                  err->code, c->code, text);
    ck_assert_str_eq(err->file, path);
    ck_assert_msg(err->line == c->line, "%s: line %d, want %d (%s)", c->file,
                  err->line, c->line, text);
    char where[KH_ERROR_FILE_MAX + 32];
    if (c->line > 0)
        snprintf(where, sizeof where, "%s:%d: ", c->file, c->line);
    else
        snprintf(where, sizeof where, "%s: ", c->file);
    ck_assert_msg(strstr(text, where) != NULL, "%s: no \"%s\" in \"%s\"",
                  c->file, where, text);
    if (c->key) {
        char key[128]; /* the path, or a path below it: "params.e[6]" */
        snprintf(key, sizeof key, ": %s", c->key);
        ck_assert_msg(strstr(text, key) != NULL, "%s: no key \"%s\" in \"%s\"",
                      c->file, c->key, text);
    }
    ck_assert_msg(strstr(text, c->text) != NULL, "%s: no \"%s\" in \"%s\"",
                  c->file, c->text, text);
}

START_TEST(test_scheme__broken_fixture_reports_file_line_key)
{
    const broken_case *c = &broken[_i];
    char path[1024];
    snprintf(path, sizeof path, "%s/bad/%s", SCHEMES, c->file);
    kh_scheme *s = NULL;
    kh_error err;
    kh_diag_list diags = {NULL, 0};
    int rc = kh_scheme_load(&s, path, &diags, &err);

    if (c->stage == AT_LOAD) {
        ck_assert_msg(rc == c->code, "%s: load returned %d, want %d (%s)",
                      c->file, rc, c->code, format_error(&err));
        ck_assert_ptr_null(s);
        ck_assert_msg(kh_diag_list_errors(&diags) == c->errors,
                      "%s: %zu errors, want %zu (first: %s)", c->file,
                      kh_diag_list_errors(&diags), c->errors,
                      format_error(&err));
        /* err repeats the first diagnostic */
        ck_assert_str_eq(diags.items[0].where.message, err.message);
        assert_located(c, &err, path);
    } else {
        ck_assert_msg(rc == KH_OK, "%s: load failed: %s", c->file,
                      format_error(&err));
        ck_assert_uint_eq(diags.count, 0);
        ck_assert_int_eq(kh_scheme_validate(s, &diags), c->code);
        ck_assert_msg(kh_diag_list_errors(&diags) == c->errors,
                      "%s: %zu errors, want %zu (first: %s)", c->file,
                      kh_diag_list_errors(&diags), c->errors,
                      diags.count ? format_error(&diags.items[0].where) : "");
        const kh_diag *first = NULL;
        for (size_t i = 0; i < diags.count && !first; i++)
            if (!diags.items[i].warning)
                first = &diags.items[i];
        ck_assert_ptr_nonnull(first);
        assert_located(c, &first->where, path);
    }
    kh_diag_list_free(&diags);
    kh_scheme_free(s);
}
END_TEST

START_TEST(test_scheme__load_collects_every_problem)
{
    kh_scheme *s = NULL;
    kh_error err;
    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme_load(&s, SCHEMES "/bad/many-load-problems.yaml",
                                    &diags, &err),
                     KH_ECONFIG);
    ck_assert_ptr_null(s);
    static const struct { int line; const char *message; } want[] = {
        {5, "missing: expected one of zero, half, exclude, got \"maybe\""},
        {12, "indicators[0].colour: unknown key"},
        {18, "indicators[1].max: expected a number, got \"ten\""},
        {21, "indicators[2].id: required key is missing"},
    };
    ck_assert_uint_eq(diags.count, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert(!diags.items[i].warning);
        ck_assert_int_eq(diags.items[i].where.line, want[i].line);
        ck_assert_msg(strncmp(diags.items[i].where.message, want[i].message,
                              strlen(want[i].message)) == 0,
                      "got \"%s\"", diags.items[i].where.message);
    }
    ck_assert_int_eq(err.line, 5);
    kh_diag_list_free(&diags);
}
END_TEST

START_TEST(test_scheme__validate_collects_every_problem)
{
    kh_scheme *s = load_ok(SCHEMES "/bad/many-problems.yaml");
    kh_diag_list diags = {NULL, 0};
    /* a caller's earlier diagnostics stay first */
    ck_assert_int_eq(kh_diag_list_add(&diags, true, "x.yaml", 99, "earlier"),
                     KH_OK);
    ck_assert_int_eq(kh_scheme_validate(s, &diags), KH_ECONFIG);
    static const struct { int line; const char *message; } want[] = {
        {99, "earlier"},
        {4, "total: points add up to 9, total is 10"},
        {6, "grades[0].min: 60 is above the total 10"},
        {12, "indicators[0].facts[0]: \"A.b\" is not a fact key"},
        {14, "indicators[1].script: nope.lua not found"},
    };
    ck_assert_uint_eq(diags.count, 5);
    ck_assert_uint_eq(kh_diag_list_errors(&diags), 4);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(diags.items[i].where.line, want[i].line);
        ck_assert_msg(strncmp(diags.items[i].where.message, want[i].message,
                              strlen(want[i].message)) == 0,
                      "got \"%s\"", diags.items[i].where.message);
    }
    kh_diag_list_free(&diags);
    kh_scheme_free(s);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Size limit and fingerprint, on schemes written at test time               */

static const char small_scheme[] =
    "id: t\nname: t\nversion: \"1\"\ntotal: 5\n"
    "grades: [{name: g, min: 0}]\n"
    "indicators:\n"
    "  - {id: T-1, name: t, max: 5, facts: [a.b], script: t1.lua}\n";

START_TEST(test_scheme__file_size_limit)
{
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    path_in(path, sizeof path, dir, "scheme.yaml");
    char t1[600];
    path_in(t1, sizeof t1, dir, "t1.lua");
    write_file(t1, "return score(0, \"x\")\n");

    /* exactly the limit loads; one byte more does not */
    for (size_t extra = 0; extra < 2; extra++) {
        size_t size = KH_SCHEME_FILE_MAX + extra;
        char *text = malloc(size + 1);
        ck_assert_ptr_nonnull(text);
        size_t used = strlen(small_scheme);
        memcpy(text, small_scheme, used);
        while (used < size) { /* pad with comment lines */
            size_t n = size - used < 80 ? size - used : 80;
            text[used] = '#';
            memset(text + used + 1, 'x', n - 1);
            text[used + n - 1] = '\n';
            used += n;
        }
        text[size] = '\0';
        write_file(path, text);
        free(text);

        kh_scheme *s = NULL;
        kh_error err;
        int rc = kh_scheme_load(&s, dir, NULL, &err);
        if (extra == 0) {
            ck_assert_msg(rc == KH_OK, "%s", format_error(&err));
            kh_scheme_free(s);
        } else {
            ck_assert_int_eq(rc, KH_ECONFIG);
            ck_assert_ptr_null(s);
            ck_assert_str_eq(err.file, path);
            ck_assert_ptr_nonnull(strstr(err.message, "1048577 bytes"));
            ck_assert_ptr_nonnull(strstr(err.message, "at most 1048576"));
        }
    }
    unlink(path);
    unlink(t1);
    rmdir(dir);
}
END_TEST

START_TEST(test_scheme__fingerprint_covers_yaml_lib_and_scripts)
{
    char dir[512], yaml[600], t1[600], lib[600], lib_a[600], lib_b[600];
    make_temp_dir(dir, sizeof dir);
    path_in(yaml, sizeof yaml, dir, "scheme.yaml");
    path_in(t1, sizeof t1, dir, "t1.lua");
    path_in(lib, sizeof lib, dir, "lib");
    path_in(lib_a, sizeof lib_a, dir, "lib/a.lua");
    path_in(lib_b, sizeof lib_b, dir, "lib/b.lua");
    ck_assert_int_eq(mkdir(lib, 0755), 0);
    write_file(yaml, small_scheme);
    write_file(t1, "return score(0, \"x\")\n");
    write_file(lib_a, "return {}\n");
    write_file(lib_b, "return {}\n");

    char seen[8][KH_SHA256_HEX_SIZE];
    size_t n = 0;
    for (int step = 0; step < 6; step++) {
        switch (step) {
        case 1: write_file(lib_b, "return { b = 1 }\n"); break;
        case 2: write_file(t1, "return score(1, \"y\")\n"); break;
        case 3: write_file(yaml, "# changed\n"); break; /* appended below */
        case 4: unlink(lib_a); break;
        case 5: unlink(t1); break; /* skipped; validation reports it */
        default: break;
        }
        if (step == 3) {
            FILE *f = fopen(yaml, "ab");
            ck_assert_ptr_nonnull(f);
            fputs(small_scheme, f);
            fclose(f);
        }
        kh_scheme *s = load_ok(dir);
        snprintf(seen[n++], KH_SHA256_HEX_SIZE, "%s", s->sha256);
        if (step == 0) { /* stable across loads */
            kh_scheme *again = load_ok(dir);
            ck_assert_str_eq(again->sha256, s->sha256);
            kh_scheme_free(again);
        }
        if (step == 5) {
            kh_diag_list diags = {NULL, 0};
            ck_assert_int_eq(kh_scheme_validate(s, &diags), KH_ECONFIG);
            ck_assert_ptr_nonnull(strstr(diags.items[0].where.message,
                                         "t1.lua not found"));
            kh_diag_list_free(&diags);
        }
        kh_scheme_free(s);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(seen[i], seen[j]);

    /* moving a line from the end of one file to the start of the next
     * leaves the concatenation alone but changes the fingerprint */
    write_file(lib_b, "return {}\n-- moved\n");
    write_file(t1, "return score(0, \"x\")\n");
    kh_scheme *s = load_ok(dir);
    char before[KH_SHA256_HEX_SIZE];
    snprintf(before, sizeof before, "%s", s->sha256);
    kh_scheme_free(s);
    write_file(lib_b, "return {}\n");
    write_file(t1, "-- moved\nreturn score(0, \"x\")\n");
    s = load_ok(dir);
    ck_assert_str_ne(s->sha256, before);
    kh_scheme_free(s);

    unlink(t1);
    unlink(lib_b);
    rmdir(lib);
    unlink(yaml);
    rmdir(dir);
}
END_TEST

/* Guards against hostile or broken input, on text written at test time. */
static const struct {
    const char *what;
    int line;
    const char *message;  /* one diagnostic starts with this */
} guards[] = {
    {"anchors", 1002, "more than 1000 anchors"},
    {"alias depth", 3, "params.b[0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
                       "alias *a nests deeper than 32 levels"},
    {"nul", 1, "id: contains a NUL character"},
    {"utf8", 3, "not valid UTF-8 text"},
    {"complex key", 2, "keys must be plain strings, got a list"},
    {"params count", 8, "params: 1001 entries; at most 1000 allowed"},
};

static char *guard_text(const char *what)
{
    size_t size = 64 * 1024;
    char *t = malloc(size);
    ck_assert_ptr_nonnull(t);
    size_t used = 0;
    if (strcmp(what, "anchors") == 0) {
        used += (size_t)snprintf(t + used, size - used, "params:\n");
        for (int i = 0; i <= 1000; i++)
            used += (size_t)snprintf(t + used, size - used, "  p%d: &a%d 1\n",
                                     i, i);
    } else if (strcmp(what, "alias depth") == 0) {
        /* 20 levels under an anchor, aliased 14 levels down: 2 + 14 + 20 */
        snprintf(t, size, "params:\n  a: &a %.20s1%.20s\n  b: %.14s*a%.14s\n",
                 "[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]",
                 "[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]");
    } else if (strcmp(what, "nul") == 0) {
        snprintf(t, size, "id: \"a\\0b\"\n");
    } else if (strcmp(what, "utf8") == 0) {
        snprintf(t, size, "id: t\nname: t\nversion: \xff\n");
    } else if (strcmp(what, "complex key") == 0) {
        snprintf(t, size, "id: t\n? [a, b]\n: 1\n");
    } else if (strcmp(what, "params count") == 0) {
        used += (size_t)snprintf(t + used, size - used, "%sparams:\n",
                                 small_scheme);
        for (int i = 0; i <= 1000; i++)
            used += (size_t)snprintf(t + used, size - used, "  p%d: 1\n", i);
    }
    return t;
}

START_TEST(test_scheme__guards_refuse_hostile_input)
{
    char dir[512], path[600], script[600];
    make_temp_dir(dir, sizeof dir);
    path_in(path, sizeof path, dir, "scheme.yaml");
    path_in(script, sizeof script, dir, "t1.lua");
    write_file(script, "return score(0, \"x\")\n");
    char *text = guard_text(guards[_i].what);
    write_file(path, text);
    free(text);

    kh_scheme *s = NULL;
    kh_error err;
    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme_load(&s, path, &diags, &err), KH_ECONFIG);
    ck_assert_ptr_null(s);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].where.line == guards[_i].line &&
            strncmp(diags.items[i].where.message, guards[_i].message,
                    strlen(guards[_i].message)) == 0)
            found = true;
    ck_assert_msg(found, "%s: no \"%d: %s\"; first is %s", guards[_i].what,
                  guards[_i].line, guards[_i].message, format_error(&err));
    kh_diag_list_free(&diags);
    unlink(path);
    unlink(script);
    rmdir(dir);
}
END_TEST

START_TEST(test_scheme__load_stops_after_many_problems)
{
    char dir[512], path[600];
    make_temp_dir(dir, sizeof dir);
    path_in(path, sizeof path, dir, "scheme.yaml");
    char text[8192];
    size_t used = (size_t)snprintf(text, sizeof text, "%s", small_scheme);
    for (int i = 0; i < 150; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "extra%d: 1\n",
                                 i);
    write_file(path, text);
    kh_diag_list diags = {NULL, 0};
    kh_scheme *s = NULL;
    ck_assert_int_eq(kh_scheme_load(&s, path, &diags, NULL), KH_ECONFIG);
    ck_assert_uint_eq(diags.count, KH_SCHEME_DIAGS_MAX + 1);
    ck_assert_str_eq(diags.items[0].where.message,
                     "extra0: unknown key (allowed: id, name, version, total, "
                     "missing, grades, params, limits, adjustments, indicators)");
    ck_assert_str_eq(diags.items[KH_SCHEME_DIAGS_MAX].where.message,
                     "too many problems; stopped after 100");
    kh_diag_list_free(&diags);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                              */

START_TEST(test_scheme__diag_list)
{
    kh_diag_list list = {NULL, 0};
    ck_assert_uint_eq(kh_diag_list_errors(&list), 0);
    ck_assert_uint_eq(kh_diag_list_errors(NULL), 0);
    ck_assert_int_eq(kh_diag_list_add(NULL, false, "f", 1, "x"), KH_EINVAL);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(kh_diag_list_add(&list, i % 3 == 0, "s.yaml", i + 1,
                                          "problem %d: %s", i, "detail\nmore"),
                         KH_OK);
    ck_assert_uint_eq(list.count, 100);
    ck_assert_uint_eq(kh_diag_list_errors(&list), 66);
    for (int i = 0; i < 100; i++) {
        char want[64];
        snprintf(want, sizeof want, "problem %d: detail more", i);
        ck_assert_str_eq(list.items[i].where.message, want);
        ck_assert_str_eq(list.items[i].where.file, "s.yaml");
        ck_assert_int_eq(list.items[i].where.line, i + 1);
        ck_assert_int_eq(list.items[i].warning, i % 3 == 0);
        ck_assert_int_eq(list.items[i].where.code, KH_ECONFIG);
    }
    kh_diag_list_free(&list);
    ck_assert_ptr_null(list.items);
    ck_assert_uint_eq(list.count, 0);
    kh_diag_list_free(&list); /* twice is fine */
    kh_diag_list_free(NULL);
}
END_TEST

/* Logs as libcyaml 1.3.1 writes them (captured from real failed loads). */
static const struct {
    const char *log;
    int line_without_map;
    const char *message;
} cyaml_logs[] = {
    {"Load: Invalid FLOAT value: ten\nLoad: Backtrace:\n"
     "  in mapping field 'max' (line: 12, column: 10)\n"
     "  in sequence entry '2' (line: 10, column: 5)\n"
     "  in mapping field 'indicators' (line: 9, column: 3)\n",
     12, "indicators[1].max: expected a number, got \"ten\""},
    {"Load: Unexpected key: bogus\nLoad: Backtrace:\n"
     "  in mapping (line: 1, column: 5)\n",
     1, "bogus: unknown key"},
    {"Load: Missing required mapping field: max\nLoad: Backtrace:\n"
     "  in mapping field 'facts' (line: 3, column: 38)\n"
     "  in sequence entry '1' (line: 3, column: 14)\n"
     "  in mapping field 'indicators' (line: 3, column: 13)\n",
     3, "indicators[0].max: required key is missing"},
    {"Load: Invalid UINT value: '99999999999'\nLoad: Backtrace:\n"
     "  in mapping field 'timeout_ms' (line: 4, column: 22)\n"
     "  in mapping field 'limits' (line: 4, column: 9)\n",
     4, "limits.timeout_ms: expected a whole number, got \"99999999999\""},
    {"Load: Expecting SEQUENCE, got event: MAPPING_START\nLoad: Backtrace:\n"
     "  in mapping field 'facts' (line: 7, column: 12)\n"
     "  in sequence entry '1' (line: 4, column: 5)\n"
     "  in mapping field 'indicators' (line: 4, column: 3)\n",
     7, "indicators[0].facts: expected a list, got a mapping"},
    {"Load: Mapping field already seen: min\nLoad: Backtrace:\n"
     "  in mapping field 'min' (line: 2, column: 26)\n"
     "  in sequence entry '1' (line: 2, column: 11)\n"
     "  in mapping field 'grades' (line: 2, column: 9)\n",
     2, "grades[0].min: duplicate key"},
    {"Load: Something new\n", 0, "Something new"},
};

START_TEST(test_scheme__cyaml_log_becomes_located_error)
{
    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme__cyaml_error(&diags, "s.yaml",
                                            cyaml_logs[_i].log, NULL),
                     KH_OK);
    ck_assert_uint_eq(diags.count, 1);
    ck_assert_str_eq(diags.items[0].where.file, "s.yaml");
    ck_assert_int_eq(diags.items[0].where.line, cyaml_logs[_i].line_without_map);
    ck_assert_str_eq(diags.items[0].where.message, cyaml_logs[_i].message);
    kh_diag_list_free(&diags);
}
END_TEST

START_TEST(test_scheme__cyaml_log_uses_key_lines)
{
    /* the map gives the line of a key, where libcyaml gives its value's */
    kh_scheme__loc items[] = {
        {(char *)"", 1},
        {(char *)"indicators", 9},
        {(char *)"indicators[0]", 10},
        {(char *)"indicators[0].id", 10},
        {(char *)"indicators[1]", 14},
        {(char *)"indicators[1].max", 15},
    };
    kh_scheme__locmap map = {items, sizeof items / sizeof items[0]};
    ck_assert_int_eq(kh_scheme__locmap_line(&map, "indicators[1].max"), 15);
    ck_assert_int_eq(kh_scheme__locmap_line(&map, "indicators[1].id"), 0);
    ck_assert_int_eq(kh_scheme__locmap_line(&map, ""), 1);
    ck_assert_int_eq(kh_scheme__locmap_line(NULL, "x"), 0);

    kh_diag_list diags = {NULL, 0};
    ck_assert_int_eq(kh_scheme__cyaml_error(&diags, "s.yaml",
                     "Load: Invalid FLOAT value: ten\nLoad: Backtrace:\n"
                     "  in mapping field 'max' (line: 16, column: 10)\n"
                     "  in sequence entry '2' (line: 14, column: 5)\n"
                     "  in mapping field 'indicators' (line: 9, column: 3)\n",
                     &map), KH_OK);
    /* missing key: the line of the mapping it is missing from */
    ck_assert_int_eq(kh_scheme__cyaml_error(&diags, "s.yaml",
                     "Load: Missing required mapping field: id\n"
                     "Load: Backtrace:\n"
                     "  in mapping field 'script' (line: 18, column: 13)\n"
                     "  in sequence entry '2' (line: 16, column: 5)\n"
                     "  in mapping field 'indicators' (line: 9, column: 3)\n",
                     &map), KH_OK);
    ck_assert_uint_eq(diags.count, 2);
    ck_assert_int_eq(diags.items[0].where.line, 15);
    ck_assert_int_eq(diags.items[1].where.line, 14);
    ck_assert_str_eq(diags.items[1].where.message,
                     "indicators[1].id: required key is missing");
    kh_diag_list_free(&diags);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *kh_scheme_suite(void)
{
    Suite *s = suite_create("scheme");

    TCase *sha = tcase_create("sha256");
    tcase_add_loop_test(sha, test_scheme__sha256_vectors, 0,
                        (int)(sizeof sha_vectors / sizeof sha_vectors[0]));
    tcase_add_test(sha, test_scheme__sha256_file);
    suite_add_tcase(s, sha);

    TCase *load = tcase_create("load");
    tcase_add_test(load, test_scheme__load_good_reads_every_field);
    tcase_add_test(load, test_scheme__load_minimal_takes_defaults);
    tcase_add_test(load, test_scheme__load_accepts_the_documented_example);
    tcase_add_test(load, test_scheme__load_directory_or_file_same_scheme);
    tcase_add_test(load, test_scheme__grades_sorted_highest_first);
    tcase_add_test(load, test_scheme__lookups);
    tcase_add_test(load, test_scheme__bad_arguments);
    tcase_add_test(load, test_scheme__file_size_limit);
    tcase_add_test(load, test_scheme__fingerprint_covers_yaml_lib_and_scripts);
    suite_add_tcase(s, load);

    TCase *guard = tcase_create("guards");
    tcase_add_loop_test(guard, test_scheme__guards_refuse_hostile_input, 0,
                        (int)(sizeof guards / sizeof guards[0]));
    tcase_add_test(guard, test_scheme__load_stops_after_many_problems);
    suite_add_tcase(s, guard);

    TCase *bad = tcase_create("broken");
    tcase_add_loop_test(bad, test_scheme__broken_fixture_reports_file_line_key,
                        0, (int)(sizeof broken / sizeof broken[0]));
    tcase_add_test(bad, test_scheme__load_collects_every_problem);
    tcase_add_test(bad, test_scheme__validate_collects_every_problem);
    suite_add_tcase(s, bad);

    TCase *diag = tcase_create("diagnostics");
    tcase_add_test(diag, test_scheme__diag_list);
    tcase_add_loop_test(diag, test_scheme__cyaml_log_becomes_located_error, 0,
                        (int)(sizeof cyaml_logs / sizeof cyaml_logs[0]));
    tcase_add_test(diag, test_scheme__cyaml_log_uses_key_lines);
    suite_add_tcase(s, diag);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(kh_scheme_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

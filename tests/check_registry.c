/* check_registry.c — the unit registry: loading (shape and meaning errors
 * naming file and line), and identifying a report's unit by name, short
 * name, containment, alias, title and the manifest's hint. */
#include "kh_test_util.h"

#include "registry.h"
#include "sha256.h"

#define FIX KH_FIXTURES_DIR "/registry/"

static kh_registry *load_ok(const char *path)
{
    kh_registry *reg = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_registry_load(&reg, path, &diags, &err);
    ck_assert_msg(rc == KH_OK, "%s: %s", path, err.message);
    ck_assert_uint_eq(kh_diag_list_errors(&diags), 0);
    kh_diag_list_free(&diags);
    return reg;
}

START_TEST(test_registry__loads_fixture)
{
    kh_registry *reg = load_ok(FIX "shandong.yaml");
    ck_assert_uint_eq(reg->count, 9);
    ck_assert_str_eq(reg->label, "测试用登记表");
    const kh_registry_entry *e = &reg->entries[1];
    ck_assert_str_eq(e->name, "威海市文登区");
    ck_assert_str_eq(e->short_name, "文登区");
    ck_assert_str_eq(e->code, "371003");
    ck_assert_str_eq(e->parent, "威海市");
    ck_assert_int_eq(e->level, KH_LEVEL_DISTRICT);
    ck_assert_uint_eq(e->aliases_count, 1);
    ck_assert_ptr_null(reg->entries[3].code); /* the dev zone: code null */
    ck_assert_int_eq(reg->entries[3].level, KH_LEVEL_DEV_ZONE);
    uint8_t d[KH_SHA256_DIGEST_SIZE];
    char hex[KH_SHA256_HEX_SIZE];
    ck_assert_int_eq(kh_sha256_file(FIX "shandong.yaml", d), KH_OK);
    ck_assert_str_eq(reg->sha256, kh_sha256_hex(d, hex));
    kh_registry_free(reg);
}
END_TEST

START_TEST(test_registry__default_registry_loads)
{
    kh_registry *reg = load_ok(KH_SOURCE_DIR "/scoring-rules/registry.yaml");
    ck_assert_uint_ge(reg->count, 30);
    kh_registry_free(reg);
}
END_TEST

/* A bad file: the error names the file, and a line and key where it can. */
static const struct bad_case {
    const char *file;
    int code;
    const char *fragment;
    bool has_line;
} bad_cases[] = {
    {FIX "bad-level.yaml", KH_ECONFIG, "borough", true},
    {FIX "bad-level-number.yaml", KH_ECONFIG, "6district", true},
    {FIX "bad-code.yaml", KH_ECONFIG, "6-digit", false},
    {FIX "bad-code.yaml", KH_ECONFIG, "already used", false},
    {FIX "bad-key.yaml", KH_ECONFIG, "shortname", true},
    {FIX "bad-short.yaml", KH_ECONFIG, "units[1] 青岛市胶州市: short name '济南市' is the name of units[0]",
     false},
    {FIX "no-such-registry.yaml", KH_ENOTFOUND, "cannot read", false},
};

START_TEST(test_registry__bad_files_are_config_errors)
{
    const struct bad_case *c = &bad_cases[_i];
    kh_registry *reg = NULL;
    kh_diag_list diags = {0};
    kh_error err;
    kh_error_clear(&err);
    ck_assert_int_eq(kh_registry_load(&reg, c->file, &diags, &err), c->code);
    ck_assert_ptr_null(reg);
    bool found = false;
    for (size_t i = 0; i < diags.count; i++) {
        const kh_error *w = &diags.items[i].where;
        ck_assert_str_eq(w->file, c->file);
        if (strstr(w->message, c->fragment)) {
            found = true;
            if (c->has_line)
                ck_assert_int_gt(w->line, 0);
        }
    }
    ck_assert_msg(found, "%s: no diagnostic mentions '%s'", c->file, c->fragment);
    ck_assert_str_eq(err.file, c->file);
    kh_diag_list_free(&diags);
}
END_TEST

/* Identification rows: report.unit, title, hint → status, code (or "" for
 * none), name (or NULL for no entry), a fragment of the note (or NULL for an
 * empty note). */
static const struct id_case {
    const char *unit, *title, *hint;
    kh_unit_status status;
    const char *name, *code, *note;
} id_cases[] = {
    /* exact name, exact short name */
    {"威海市文登区", NULL, NULL, KH_UNIT_MATCHED, "威海市文登区", "371003", NULL},
    {"文登区", NULL, NULL, KH_UNIT_MATCHED, "威海市文登区", "371003", NULL},
    /* contained: the district, not the city named before it */
    {"中共威海市文登区委 威海市文登区人民政府", NULL, NULL, KH_UNIT_MATCHED, "威海市文登区",
     "371003", NULL},
    {"荣成市人民政府", NULL, NULL, KH_UNIT_MATCHED, "威海市荣成市", "371082", NULL},
    /* a city alone */
    {"威海市人民政府", NULL, NULL, KH_UNIT_MATCHED, "威海市", "371000", NULL},
    /* a development zone: no code */
    {"威海火炬高技术产业开发区", NULL, NULL, KH_UNIT_MATCHED, "威海火炬高技术产业开发区", "", NULL},
    {"高区", NULL, NULL, KH_UNIT_MATCHED, "威海火炬高技术产业开发区", "", NULL},
    /* a two-character short name only matches whole */
    {"高区管委会", NULL, NULL, KH_UNIT_UNKNOWN, NULL, "", "高区管委会"},
    /* OCR'd 峄: an alias only, flagged */
    {"峰城区", NULL, NULL, KH_UNIT_DOUBTFUL, "枣庄市峄城区", "370404", "alias"},
    {"中共峯城区委", NULL, NULL, KH_UNIT_DOUBTFUL, "枣庄市峄城区", "370404", "峯城区"},
    {"威海高区管委会", NULL, NULL, KH_UNIT_DOUBTFUL, "威海火炬高技术产业开发区", "", "alias"},
    /* a short name two units share: doubtful, no entry … */
    {"市中区", NULL, NULL, KH_UNIT_DOUBTFUL, NULL, "", "枣庄市市中区, 济南市市中区"},
    {"市中区", "市中区人民政府关于2023年法治政府建设情况的报告", NULL, KH_UNIT_DOUBTFUL, NULL,
     "", "fits 2 units"},
    /* … unless the report names one of the parents */
    {"市中区", "枣庄市市中区人民政府\n关于2023年法治政府建设情况的报告", NULL, KH_UNIT_MATCHED,
     "枣庄市市中区", "370402", "settles"},
    {"市中区", "济南市市中区人民政府", NULL, KH_UNIT_MATCHED, "济南市市中区", "370103",
     "济南市 named in the report"},
    /* not in the registry */
    {"烟台市福山区", NULL, NULL, KH_UNIT_UNKNOWN, NULL, "", "烟台市福山区"},
    {NULL, NULL, NULL, KH_UNIT_UNKNOWN, NULL, "", "names no unit"},
    /* no unit fact: the title */
    {NULL, "当前位置：首页\n威海市荣成市人民政府关于2022年度法治政府建设情况的报告", NULL,
     KH_UNIT_MATCHED, "威海市荣成市", "371082", "title"},
    /* a unit fact the registry does not know, a title it does */
    {"某某区", "威海市文登区人民政府文件", NULL, KH_UNIT_DOUBTFUL, "威海市文登区", "371003",
     "某某区"},
    /* the manifest confirms an alias match */
    {"峰城区", NULL, "枣庄市峄城区", KH_UNIT_MATCHED, "枣庄市峄城区", "370404",
     "confirmed by the manifest"},
    /* … supplies a unit the report does not name */
    {NULL, NULL, "文登区", KH_UNIT_MATCHED, "威海市文登区", "371003", "from the manifest"},
    /* … contradicts the report */
    {"威海市文登区", NULL, "威海市荣成市", KH_UNIT_DOUBTFUL, "威海市文登区", "371003",
     "the manifest files it under 威海市荣成市"},
    /* … is not in the registry */
    {"威海市文登区", NULL, "某某县", KH_UNIT_DOUBTFUL, "威海市文登区", "371003", "某某县"},
    /* … agrees with a plain match: nothing to say */
    {"威海市文登区", NULL, "文登区", KH_UNIT_MATCHED, "威海市文登区", "371003", NULL},
};

START_TEST(test_registry__identifies)
{
    const struct id_case *c = &id_cases[_i];
    kh_registry *reg = load_ok(FIX "shandong.yaml");
    kh_unit_match m;
    kh_registry_identify(reg, c->unit, c->title, c->hint, &m);
    ck_assert_msg(m.status == c->status, "row %d (%s): status %s, want %s; note %s", _i,
                  c->unit ? c->unit : "-", kh_unit_status_name(m.status),
                  kh_unit_status_name(c->status), m.note);
    if (c->name) {
        ck_assert_ptr_nonnull(m.entry);
        ck_assert_str_eq(m.entry->name, c->name);
        if (c->code[0])
            ck_assert_str_eq(m.entry->code, c->code);
        else
            ck_assert_ptr_null(m.entry->code);
    } else {
        ck_assert_msg(m.entry == NULL, "row %d: matched %s", _i, m.entry ? m.entry->name : "");
    }
    if (c->note)
        ck_assert_msg(strstr(m.note, c->note) != NULL, "row %d: note '%s' lacks '%s'", _i,
                      m.note, c->note);
    else
        ck_assert_msg(m.note[0] == '\0', "row %d: unexpected note '%s'", _i, m.note);
    /* doubtful and unknown notes say so first */
    if (m.status != KH_UNIT_MATCHED)
        ck_assert_msg(strncmp(m.note, kh_unit_status_name(m.status),
                              strlen(kh_unit_status_name(m.status))) == 0,
                      "row %d: note '%s'", _i, m.note);
    kh_registry_free(reg);
}
END_TEST

/* The seed reports' report.unit as the plugins read it, against the bundled
 * registry: the gold files' unit and division_code. */
static const struct seed_case {
    const char *unit;
    const char *gold_name, *gold_code;
    kh_unit_status status;
} seed_cases[] = {
    {"威海市文登区", "威海市文登区", "371003", KH_UNIT_MATCHED},
    {"荣成市", "威海市荣成市", "371082", KH_UNIT_MATCHED},
    {"城阳区", "青岛市城阳区", "370214", KH_UNIT_MATCHED},
    {"威海火炬高技术产业开发区", "威海火炬高技术产业开发区", NULL, KH_UNIT_MATCHED},
    {"峰城区", "枣庄市峄城区", "370404", KH_UNIT_DOUBTFUL},
};

START_TEST(test_registry__seed_units_against_the_default_registry)
{
    const struct seed_case *c = &seed_cases[_i];
    kh_registry *reg = load_ok(KH_SOURCE_DIR "/scoring-rules/registry.yaml");
    kh_unit_match m;
    kh_registry_identify(reg, c->unit, NULL, NULL, &m);
    ck_assert_int_eq(m.status, c->status);
    ck_assert_ptr_nonnull(m.entry);
    ck_assert_str_eq(m.entry->name, c->gold_name);
    if (c->gold_code)
        ck_assert_str_eq(m.entry->code, c->gold_code);
    else
        ck_assert_ptr_null(m.entry->code);
    kh_registry_free(reg);
}
END_TEST

START_TEST(test_registry__no_registry_is_unknown)
{
    kh_unit_match m;
    kh_registry_identify(NULL, "威海市文登区", NULL, NULL, &m);
    ck_assert_int_eq(m.status, KH_UNIT_UNKNOWN);
    ck_assert_ptr_null(m.entry);
    ck_assert_ptr_nonnull(strstr(m.note, "no unit registry"));
}
END_TEST

/* A unit name longer than the note: the note keeps its status prefix, is
 * cut on a character boundary and says so with "…". */
START_TEST(test_registry__long_unit_note_is_cut_on_a_character)
{
    kh_registry *reg = load_ok(FIX "shandong.yaml");
    for (size_t len = 490; len < 520; len++) { /* every cut position mod 3 */
        char unit[700];
        size_t n = 0;
        while (n + 3 <= len) {
            memcpy(unit + n, "某", 3);
            n += 3;
        }
        while (n < len)
            unit[n++] = 'x';
        unit[n] = '\0';
        kh_unit_match m;
        kh_registry_identify(reg, unit, NULL, "不存在县", &m);
        ck_assert_int_eq(m.status, KH_UNIT_UNKNOWN);
        size_t nl = strlen(m.note);
        ck_assert_msg(nl < sizeof m.note, "len %zu: note not terminated", len);
        ck_assert_msg(strncmp(m.note, "unknown: ", 9) == 0, "len %zu: note '%s'", len, m.note);
        ck_assert_msg(nl >= 3 && strcmp(m.note + nl - 3, "\u2026") == 0,
                      "len %zu: note does not end in …: '%s'", len, m.note);
        /* valid UTF-8: every lead byte is followed by its continuation bytes */
        for (size_t i = 0; i < nl;) {
            unsigned char b = (unsigned char)m.note[i];
            size_t k = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
            ck_assert_msg(k > 0 && i + k <= nl, "len %zu: broken UTF-8 at byte %zu", len, i);
            for (size_t j = 1; j < k; j++)
                ck_assert_msg(((unsigned char)m.note[i + j] & 0xC0) == 0x80,
                              "len %zu: broken UTF-8 at byte %zu", len, i + j);
            i += k;
        }
    }
    kh_registry_free(reg);
}
END_TEST

static Suite *kh_registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_registry__loads_fixture);
    tcase_add_test(tc, test_registry__default_registry_loads);
    tcase_add_test(tc, test_registry__long_unit_note_is_cut_on_a_character);
    tcase_add_loop_test(tc, test_registry__bad_files_are_config_errors, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_loop_test(tc, test_registry__identifies, 0,
                        (int)(sizeof id_cases / sizeof id_cases[0]));
    tcase_add_loop_test(tc, test_registry__seed_units_against_the_default_registry, 0,
                        (int)(sizeof seed_cases / sizeof seed_cases[0]));
    tcase_add_test(tc, test_registry__no_registry_is_unknown);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_registry_suite)

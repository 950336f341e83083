/* check_events.c — the office's 加分/扣分 events file (score/batch
 * --events): entries by unit or file with their lines; an empty file is no
 * events; every malformed file refused as KH_ECONFIG with file:line and the
 * entry's number; matching by unit and by file at a path boundary. */
#include "kh_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include "events.h"

static char tmp_path[256];

/* Write text to a fresh temporary file; returns its path (static). */
static const char *write_tmp(const char *text)
{
    return kh_test_write_tmp(tmp_path, sizeof tmp_path, "kh-events", text, strlen(text));
}

static kh_event_list load_ok(const char *text)
{
    const char *path = write_tmp(text);
    kh_event_list l;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_events_load(&l, path, &err);
    unlink(path);
    ck_assert_msg(rc == KH_OK, "%s:%d: %s", err.file, err.line, err.message);
    return l;
}

START_TEST(test_events__entries_with_their_lines)
{
    kh_event_list l = load_ok("# 2024 events\n"                                   /* 1 */
                              "- {unit: 威海市文登区, event: demonstration,\n"    /* 2 */
                              "   reason: 获评省级法治政府建设示范区}\n"          /* 3 */
                              "\n"                                                /* 4 */
                              "- file: wendeng-2024.txt\n"                        /* 5 */
                              "  event: judgment_not_executed\n"                  /* 6 */
                              "- unit: 城阳区\n"                                  /* 7 */
                              "  file: chengyang-2024.txt\n"                      /* 8 */
                              "  event: decision_without_review\n"                /* 9 */
                              "  reason: ''\n");                                  /* 10 */
    ck_assert_uint_eq(l.count, 3);
    ck_assert_str_eq(l.items[0].unit, "威海市文登区");
    ck_assert_ptr_null(l.items[0].file);
    ck_assert_str_eq(l.items[0].event, "demonstration");
    ck_assert_str_eq(l.items[0].reason, "获评省级法治政府建设示范区");
    ck_assert_int_eq(l.items[0].line, 2);
    ck_assert_ptr_null(l.items[1].unit);
    ck_assert_str_eq(l.items[1].file, "wendeng-2024.txt");
    ck_assert_ptr_null(l.items[1].reason);
    ck_assert_int_eq(l.items[1].line, 5);
    ck_assert_str_eq(l.items[2].unit, "城阳区");
    ck_assert_str_eq(l.items[2].reason, ""); /* an empty reason is allowed */
    ck_assert_int_eq(l.items[2].line, 7);
    kh_event_list_free(&l);
    ck_assert_uint_eq(l.count, 0);
}
END_TEST

START_TEST(test_events__empty_file_is_no_events)
{
    static const char *const empty[] = {"", "# none this year\n", "[]\n"};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        kh_event_list l = load_ok(empty[i]);
        ck_assert_uint_eq(l.count, 0);
        kh_event_list_free(&l);
    }
}
END_TEST

/* Every malformed file: KH_ECONFIG, the file, the line, the message. */
static const struct bad_case {
    const char *text;
    int line;
    const char *message; /* a fragment of err.message */
} BAD[] = {
    {"unit: 文登区\nevent: demonstration\n", 1, "expected a list of events, not a mapping"},
    {"- {unit: 文登区}\n", 1, "entry 1: 'event' is missing"},
    {"- {unit: 文登区, event: a}\n- {event: b, reason: x}\n", 2,
     "entry 2 has neither unit nor file"},
    {"- {unit: 文登区, event: a}\n- {unit: 文登区, evnt: b}\n", 2,
     "entry 2: unknown field 'evnt' (expected unit, file, event, reason)"},
    {"- unit: 文登区\n  event:\n", 2, "entry 1: 'event' must be text, not null"},
    {"- unit: [a, b]\n  event: a\n", 1, "entry 1: 'unit' must be text, not a list"},
    {"- unit: ''\n  event: a\n", 1, "entry 1: 'unit' is empty"},
    {"- demonstration\n", 1, "entry 1: expected a mapping like {unit: …, event: …}"},
    {"- {unit: 文登区, event: a, event: b}\n", 1, "event"}, /* a key given twice */
    {"- {unit: 文登区, event: a\n", 2, ""},                  /* YAML syntax: line of the problem */
    {"- {unit: \xff\xfe, event: a}\n", 1, "UTF-8"},
    {"- {unit: a, event: a}\n- {file: \"x\\ny.txt\", event: a}\n", 2,
     "entry 2: 'file' has a line break or control character"},
};

START_TEST(test_events__malformed_files_name_file_and_line)
{
    const struct bad_case *c = &BAD[_i];
    const char *path = write_tmp(c->text);
    kh_event_list l;
    kh_error err;
    kh_error_clear(&err);
    int rc = kh_events_load(&l, path, &err);
    unlink(path);
    ck_assert_msg(rc == KH_ECONFIG, "case %d: rc %d (%s)", _i, rc, err.message);
    ck_assert_str_eq(err.file, path);
    ck_assert_msg(err.line == c->line, "case %d: line %d, want %d (%s)", _i, err.line, c->line,
                  err.message);
    ck_assert_msg(strstr(err.message, c->message) != NULL, "case %d: '%s' lacks '%s'", _i,
                  err.message, c->message);
    ck_assert_ptr_null(l.items);
    ck_assert_uint_eq(l.count, 0);
}
END_TEST

START_TEST(test_events__long_fields_refused)
{
    char text[600];
    char unit[300];
    memset(unit, 'x', 257);
    unit[257] = '\0';
    snprintf(text, sizeof text, "- {unit: %s, event: a}\n", unit);
    const char *path = write_tmp(text);
    kh_event_list l;
    kh_error err;
    ck_assert_int_eq(kh_events_load(&l, path, &err), KH_ECONFIG);
    unlink(path);
    ck_assert_int_eq(err.line, 1);
    ck_assert_str_eq(err.message, "events file: entry 1: 'unit' is longer than 256 bytes");
    unit[256] = '\0'; /* 256 is the limit itself */
    snprintf(text, sizeof text, "- {unit: %s, event: a}\n", unit);
    l = load_ok(text);
    ck_assert_uint_eq(strlen(l.items[0].unit), 256);
    kh_event_list_free(&l);
}
END_TEST

START_TEST(test_events__missing_file_and_directory)
{
    kh_event_list l;
    kh_error err;
    ck_assert_int_eq(kh_events_load(&l, "/nonexistent/events.yaml", &err), KH_ENOTFOUND);
    ck_assert_str_eq(err.file, "/nonexistent/events.yaml");
    ck_assert_ptr_nonnull(strstr(err.message, "cannot open events file"));
    ck_assert_int_eq(kh_events_load(&l, "/tmp", &err), KH_ECONFIG);
    ck_assert_str_eq(err.message, "events file: not a regular file");
    ck_assert_uint_eq(l.count, 0);
}
END_TEST

START_TEST(test_events__matching_by_unit_and_file)
{
    kh_event_list l = load_ok("- {unit: 威海市文登区, event: demonstration}\n"
                              "- {file: wendeng-2024.txt, event: judgment_not_executed}\n"
                              "- {file: reports/a/x.txt, event: decision_without_review}\n");
    const char *ids[4];
    /* by unit (exact) and by file name at a path boundary */
    ck_assert_uint_eq(kh_events_for(&l, "in/wendeng-2024.txt", "威海市文登区", ids, 4), 2);
    ck_assert_str_eq(ids[0], "demonstration");
    ck_assert_str_eq(ids[1], "judgment_not_executed");
    ck_assert_uint_eq(kh_events_for(&l, "wendeng-2024.txt", NULL, ids, 4), 1);
    ck_assert_uint_eq(kh_events_for(&l, "in/old-wendeng-2024.txt", "文登区", ids, 4), 0);
    ck_assert_uint_eq(kh_events_for(&l, "/data/reports/a/x.txt", NULL, ids, 4), 1);
    ck_assert_uint_eq(kh_events_for(&l, "/data/reports/ba/x.txt", NULL, ids, 4), 0);
    /* at most max, borrowed from the list */
    ck_assert_uint_eq(kh_events_for(&l, "wendeng-2024.txt", "威海市文登区", ids, 1), 1);
    ck_assert_ptr_eq(ids[0], l.items[0].event);
    ck_assert_uint_eq(kh_events_for(NULL, "x", "y", ids, 4), 0);
    kh_event_list_free(&l);
}
END_TEST

static Suite *kh_events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_events__entries_with_their_lines);
    tcase_add_test(tc, test_events__empty_file_is_no_events);
    tcase_add_loop_test(tc, test_events__malformed_files_name_file_and_line, 0,
                        (int)(sizeof BAD / sizeof *BAD));
    tcase_add_test(tc, test_events__long_fields_refused);
    tcase_add_test(tc, test_events__missing_file_and_directory);
    tcase_add_test(tc, test_events__matching_by_unit_and_file);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_events_suite)

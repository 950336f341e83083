/* check_isolate.c — extraction in a child process: the same facts as in
 * process, and a plugin that crashes or loops reported by name; how a
 * child's end is described. The hostile plugins come from
 * tests/testplugins/hostile.c. */
#define _GNU_SOURCE
#include "kh_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate.h"

#define HOSTILE KH_BINARY_DIR "/tests/hostile-plugins/"
#define WENDENG KH_FIXTURES_DIR "/reports/wendeng-2024.txt"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

static kh_engine *engine_with(const char *extra)
{
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin_dir(e, KH_PLUGIN_DIR, NULL), KH_OK);
    if (extra)
        ck_assert_int_eq(kh_engine_load_plugin(e, extra), KH_OK);
    return e;
}

/* A copy of the Wendeng report with a marker line; caller unlinks. */
static void marked_copy(char *path, size_t size, const char *marker)
{
    snprintf(path, size, "/tmp/kh-isolate-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *in = fopen(WENDENG, "rb");
    ck_assert_ptr_nonnull(in);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
    fclose(in);
    ck_assert_int_eq(write(fd, "\n", 1), 1);
    ck_assert_int_eq(write(fd, marker, strlen(marker)), (ssize_t)strlen(marker));
    close(fd);
}

START_TEST(test_isolate__same_facts_as_in_process)
{
    kh_engine *e = engine_with(NULL);
    kh_limits lim = KH_LIMITS_INIT;
    kh_factset *iso = NULL;
    const char *enc = NULL;
    char *error = NULL;
    ck_assert_int_eq(kh_isolate_extract_file(e, WENDENG, NULL, &lim, &iso, &enc, &error), KH_OK);
    ck_assert_ptr_null(error);
    ck_assert_str_eq(enc, "utf-8");
    kh_document *doc = NULL;
    kh_error err;
    ck_assert_int_eq(kh_document_load_file(&doc, WENDENG, NULL, &err), KH_OK);
    kh_factset *direct = NULL;
    ck_assert_int_eq(kh_engine_extract(e, doc, &direct), KH_OK);
    ck_assert_uint_gt(kh_factset_count(direct), 5);
    ck_assert_uint_eq(kh_factset_count(iso), kh_factset_count(direct));
    for (size_t i = 0; i < kh_factset_count(direct); i++) {
        const kh_fact_entry *a = kh_factset_at(direct, i), *b = kh_factset_at(iso, i);
        ck_assert_str_eq(a->key, b->key);
        ck_assert_uint_eq(a->count, b->count);
        ck_assert(a->facts[0].number == b->facts[0].number);
        ck_assert_str_eq(a->facts[0].evidence.text, b->facts[0].evidence.text);
    }
    kh_factset_free(direct);
    kh_factset_free(iso);
    kh_document_free(doc);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_isolate__unreadable_input)
{
    kh_engine *e = engine_with(NULL);
    kh_limits lim = KH_LIMITS_INIT;
    kh_factset *facts = NULL;
    const char *enc = NULL;
    char *error = NULL;
    ck_assert_int_eq(kh_isolate_extract_file(e, "/nonexistent/x.txt", NULL, &lim, &facts, &enc,
                                             &error),
                     KH_OK);
    ck_assert_ptr_null(facts);
    ck_assert_str_eq(error, "/nonexistent/x.txt: no such file");
    free(error);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_isolate__crash_names_the_plugin)
{
    kh_engine *e = engine_with(HOSTILE "segv.so");
    char path[64];
    marked_copy(path, sizeof path, "KH-TEST-SEGV\n");
    kh_limits lim = KH_LIMITS_INIT;
    kh_factset *facts = NULL;
    const char *enc = NULL;
    char *error = NULL;
    ck_assert_int_eq(kh_isolate_extract_file(e, path, NULL, &lim, &facts, &enc, &error), KH_OK);
    ck_assert_ptr_null(facts);
    ck_assert_ptr_nonnull(error);
    char want[256];
    snprintf(want, sizeof want, "while running plugin segv on %s", path);
    ck_assert_msg(strstr(error, want), "%s", error);
    ck_assert_msg(strstr(error, "plugin crash: "), "%s", error);
#ifndef ASAN
    ck_assert_msg(strstr(error, "killed by signal 11"), "%s", error);
#endif
    free(error);
    /* the same engine goes on with the next report */
    ck_assert_int_eq(kh_isolate_extract_file(e, WENDENG, NULL, &lim, &facts, &enc, &error), KH_OK);
    ck_assert_ptr_null(error);
    ck_assert_uint_gt(kh_factset_count(facts), 5);
    kh_factset_free(facts);
    unlink(path);
    kh_engine_free(e);
}
END_TEST

/* Wall-clock budgets for the runaway plugin. Under Valgrind (KH_VALGRIND,
 * set by scripts/test-valgrind) the child runs 20-50x slower, and on a
 * loaded machine it may get the CPU only now and then: the budget must be
 * long enough for the child to load the report and reach the plugin, or the
 * timeout names an earlier stage. */
static unsigned slow_factor(void)
{
    const char *vg = getenv("KH_VALGRIND");
    return vg && *vg && strcmp(vg, "0") != 0 ? 30 : 1;
}

START_TEST(test_isolate__runaway_loop_times_out)
{
    /* the loop plugin alone: nothing else runs before it */
    kh_engine *e = NULL;
    ck_assert_int_eq(kh_engine_new(&e, NULL), KH_OK);
    ck_assert_int_eq(kh_engine_load_plugin(e, HOSTILE "loop.so"), KH_OK);
    char path[64];
    marked_copy(path, sizeof path, "KH-TEST-LOOP\n");
    /* no CPU limit: the wall clock stops it */
    kh_limits lim = {0, 0, 1 * slow_factor()};
    kh_factset *facts = NULL;
    const char *enc = NULL;
    char *error = NULL;
    ck_assert_int_eq(kh_isolate_extract_file(e, path, NULL, &lim, &facts, &enc, &error), KH_OK);
    ck_assert_ptr_null(facts);
    char want[128];
    snprintf(want, sizeof want, "plugin timeout: timed out after %u s while running plugin loop",
             lim.timeout_seconds);
    ck_assert_msg(error && strstr(error, want), "%s", error ? error : "(no error)");
    free(error);
    /* now the CPU limit stops it first: 1 s of CPU in at most 30 s (under
     * Valgrind 15 min) of wall clock */
    lim.cpu_seconds = 1;
    lim.timeout_seconds = 30 * slow_factor();
    ck_assert_int_eq(kh_isolate_extract_file(e, path, NULL, &lim, &facts, &enc, &error), KH_OK);
    ck_assert_ptr_null(facts);
    ck_assert_msg(error && strstr(error, "plugin crash: killed by signal 24"), "%s",
                  error ? error : "(no error)");
    ck_assert_msg(strstr(error, "(CPU limit 1 s)"), "%s", error);
    free(error);
    unlink(path);
    kh_engine_free(e);
}
END_TEST

START_TEST(test_isolate__describe)
{
    char buf[512];
    kh_limits lim = {30, 256, 60};
    kh_isolate_stage st;
    kh_isolate_stage_parse(&st, "running plugin\tlitigation", 25);
    ck_assert_str_eq(st.what, "running plugin");
    ck_assert_str_eq(st.plugin, "litigation");
    /* a status built the way wait() reports "exited 3" */
    int exited3 = 3 << 8;
    kh_isolate_describe(buf, sizeof buf, exited3, false, &lim, &st, "a.txt", 0);
    ck_assert_str_eq(buf, "exited with status 3 while running plugin litigation on a.txt");
    kh_isolate_stage_parse(&st, "scoring", 7);
    kh_isolate_describe(buf, sizeof buf, SIGSEGV, false, &lim, &st, "a.txt", 250 * 1024);
    ck_assert_msg(strstr(buf, "killed by signal 11 ("), "%s", buf);
    ck_assert_msg(strstr(buf, "while scoring a.txt (peak memory 250 MB of the 256 MB limit)"),
                  "%s", buf);
    kh_isolate_describe(buf, sizeof buf, SIGSEGV, false, &lim, &st, "a.txt", 10 * 1024);
    ck_assert_msg(!strstr(buf, "peak memory"), "%s", buf); /* far from the limit: not said */
    kh_isolate_describe(buf, sizeof buf, SIGKILL, true, &lim, NULL, "a.txt", 0);
    ck_assert_str_eq(buf, "timed out after 60 s");
}
END_TEST

static Suite *kh_isolate_suite(void)
{
    Suite *s = suite_create("isolate");
    TCase *tc = tcase_create("isolate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_isolate__same_facts_as_in_process);
    tcase_add_test(tc, test_isolate__unreadable_input);
    tcase_add_test(tc, test_isolate__crash_names_the_plugin);
    tcase_add_test(tc, test_isolate__runaway_loop_times_out);
    tcase_add_test(tc, test_isolate__describe);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_isolate_suite)

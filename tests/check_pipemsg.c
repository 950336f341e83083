/* check_pipemsg.c — framed messages over a pipe: small and large frames in
 * order, frames split across reads, end of file, malformed headers. */
#define _GNU_SOURCE
#include "kh_test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipemsg.h"

START_TEST(test_pipemsg__frames_in_order)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    size_t big = 1 << 20;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        char *payload = malloc(big);
        for (size_t i = 0; i < big; i++)
            payload[i] = (char)('a' + i % 26);
        kh_pipemsg_send(fds[1], 'R', "", 0);
        kh_pipemsg_sendf(fds[1], 'S', "running plugin\t%s", "review");
        kh_pipemsg_send(fds[1], 'D', payload, big);
        kh_pipemsg_send(fds[1], 'B', "\n\0x", 3);
        _exit(0);
    }
    close(fds[1]);
    kh_pipemsg_reader rd;
    memset(&rd, 0, sizeof rd);
    char type;
    char *payload;
    size_t len;
    ck_assert(kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert_int_eq(type, 'R');
    ck_assert_uint_eq(len, 0);
    ck_assert(kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert_int_eq(type, 'S');
    ck_assert_int_eq(memcmp(payload, "running plugin\treview", len), 0);
    ck_assert(kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert_int_eq(type, 'D');
    ck_assert_uint_eq(len, big);
    for (size_t i = 0; i < big; i += 4099)
        ck_assert_int_eq(payload[i], 'a' + i % 26);
    ck_assert(kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert_int_eq(type, 'B');
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(payload, "\n\0x", 3), 0);
    ck_assert(!kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len)); /* end of file */
    ck_assert(rd.eof);
    int status;
    waitpid(pid, &status, 0);
    kh_pipemsg_reader_free(&rd);
    close(fds[0]);
}
END_TEST

static const char *const malformed[] = {
    "X\n",                 /* no length */
    "XY 3\nabc",           /* two-letter type */
    "D 12a\nabc",          /* not a number */
    "D 999999999999\n",    /* over the limit */
    "D                                        5\n", /* header too long */
};

START_TEST(test_pipemsg__malformed_header_breaks_the_stream)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    const char *m = malformed[_i];
    ck_assert_int_eq(write(fds[1], m, strlen(m)), (ssize_t)strlen(m));
    close(fds[1]);
    kh_pipemsg_reader rd;
    memset(&rd, 0, sizeof rd);
    char type;
    char *payload;
    size_t len;
    ck_assert(!kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert_msg(rd.broken || rd.eof, "%s", m);
    kh_pipemsg_reader_free(&rd);
    close(fds[0]);
}
END_TEST

START_TEST(test_pipemsg__truncated_frame_is_not_delivered)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], "D 10\nabc", 8), 8);
    close(fds[1]);
    kh_pipemsg_reader rd;
    memset(&rd, 0, sizeof rd);
    char type;
    char *payload;
    size_t len;
    ck_assert(!kh_pipemsg_wait(&rd, fds[0], &type, &payload, &len));
    ck_assert(rd.eof);
    kh_pipemsg_reader_free(&rd);
    close(fds[0]);
}
END_TEST

static Suite *kh_pipemsg_suite(void)
{
    Suite *s = suite_create("pipemsg");
    TCase *tc = tcase_create("pipemsg");
    tcase_add_test(tc, test_pipemsg__frames_in_order);
    tcase_add_loop_test(tc, test_pipemsg__malformed_header_breaks_the_stream, 0,
                        (int)(sizeof malformed / sizeof malformed[0]));
    tcase_add_test(tc, test_pipemsg__truncated_frame_is_not_delivered);
    suite_add_tcase(s, tc);
    return s;
}

KH_TEST_MAIN(kh_pipemsg_suite)

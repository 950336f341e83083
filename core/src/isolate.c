/* isolate.c — plugins in a child process under CPU, memory and wall-clock
 * limits, with the running plugin's name reported to the parent (see
 * isolate.h). */
#define _GNU_SOURCE /* wait4, prctl, strsignal */
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "engine_internal.h"
#include "pipemsg.h"
#include "record.h"

#if defined(__SANITIZE_ADDRESS__)
#define KH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KH_ASAN 1
#endif
#endif

bool kh_isolate_mem_limit_usable(void)
{
#ifdef KH_ASAN
    return false;
#else
    return true;
#endif
}

void kh_isolate_child_setup(const kh_limits *lim)
{
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &rl);
    if (lim && lim->mem_mb && kh_isolate_mem_limit_usable()) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)lim->mem_mb * 1024 * 1024;
        setrlimit(RLIMIT_AS, &rl);
    }
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

void kh_isolate_cpu_budget(unsigned cpu_seconds)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_CPU, &rl) != 0)
        return;
    if (!cpu_seconds) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_CPU, &rl);
        return;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    rlim_t used = (rlim_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1;
    rlim_t want = used + cpu_seconds;
    if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
        want = rl.rlim_max;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_CPU, &rl);
}

int kh_isolate_extract_traced(kh_engine *e, const kh_document *doc,
                              kh_factset **out,
                              void (*before)(void *ctx, const char *plugin),
                              void *ctx)
{
    return kh_engine__extract_each(e, doc, out, before, ctx);
}

void kh_isolate_stage_parse(kh_isolate_stage *st, const char *payload, size_t len)
{
    memset(st, 0, sizeof *st);
    const char *tab = memchr(payload, '\t', len);
    size_t wl = tab ? (size_t)(tab - payload) : len;
    snprintf(st->what, sizeof st->what, "%.*s", (int)wl, payload);
    if (tab)
        snprintf(st->plugin, sizeof st->plugin, "%.*s", (int)(len - wl - 1), tab + 1);
}

char *kh_isolate_describe(char *buf, size_t size, int wstatus, bool timed_out,
                          const kh_limits *lim, const kh_isolate_stage *st,
                          const char *path, long maxrss_kb)
{
    char how[256];
    if (timed_out) {
        snprintf(how, sizeof how, "timed out after %u s", lim ? lim->timeout_seconds : 0);
    } else if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        const char *name = strsignal(sig);
        snprintf(how, sizeof how, "killed by signal %d (%s)", sig, name ? name : "?");
    } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(wstatus));
    } else {
        snprintf(how, sizeof how, "ended without a result");
    }
    char during[256] = "";
    if (st && st->what[0] && strcmp(st->what, "running plugin") == 0)
        snprintf(during, sizeof during, " while running plugin %s on %s", st->plugin, path);
    else if (st && st->what[0])
        snprintf(during, sizeof during, " while %s %s", st->what, path);
    char mem[96] = "";
    if (!timed_out && WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGXCPU && lim &&
        lim->cpu_seconds)
        snprintf(mem, sizeof mem, " (CPU limit %u s)", lim->cpu_seconds);
    else if (!timed_out && lim && lim->mem_mb && maxrss_kb / 1024 >= (long)lim->mem_mb / 2)
        snprintf(mem, sizeof mem, " (peak memory %ld MB of the %u MB limit)", maxrss_kb / 1024,
                 lim->mem_mb);
    snprintf(buf, size, "%s%s%s", how, during, mem);
    return buf;
}

const char *kh_isolate_encoding_static(const char *name)
{
    if (!name)
        return NULL;
    for (int k = KH_ENC_UTF8; k <= KH_ENC_GB18030; k++)
        if (strcmp(kh_encoding_name((kh_encoding)k), name) == 0)
            return kh_encoding_name((kh_encoding)k);
    return NULL;
}

/* ---- one extraction in a child ------------------------------------------ */

static void tell_plugin(void *ctx, const char *plugin)
{
    int fd = *(int *)ctx;
    kh_pipemsg_sendf(fd, 'S', "running plugin\t%s", plugin);
}

static void child_main(kh_engine *engine, const char *path, const kh_document_options *dopts,
                       const kh_limits *lim, int fd)
{
    kh_isolate_child_setup(lim);
    kh_isolate_cpu_budget(lim ? lim->cpu_seconds : 0);
    kh_pipemsg_sendf(fd, 'S', "reading");
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_document_load_file(&doc, path, dopts, &err) != KH_OK) {
        kh_pipemsg_sendf(fd, 'E', "%s", err.message);
        _exit(0);
    }
    kh_record r;
    memset(&r, 0, sizeof r);
    if (kh_engine__extract_each(engine, doc, &r.facts, tell_plugin, &fd) != KH_OK) {
        kh_pipemsg_sendf(fd, 'E', "out of memory during extraction");
        _exit(0);
    }
    kh_pipemsg_sendf(fd, 'S', "sending the facts of");
    r.path = (char *)path;
    r.encoding = (char *)kh_encoding_name(kh_document_encoding(doc));
    char *text = NULL;
    size_t len = 0;
    if (kh_record_to_text(&r, &text, &len) != KH_OK) {
        kh_pipemsg_sendf(fd, 'E', "out of memory while sending the facts");
        _exit(3);
    }
    _exit(kh_pipemsg_send(fd, 'D', text, len) == 0 ? 0 : 4);
}

/* "path: prefix text" as an owned string. */
static char *error_line(const char *path, const char *prefix, const char *text)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s: %s%s", path, prefix, text);
    return strdup(buf);
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

int kh_isolate_extract_file(kh_engine *engine, const char *path,
                            const kh_document_options *dopts, const kh_limits *lim,
                            kh_factset **facts, const char **encoding, char **error)
{
    *facts = NULL;
    *encoding = NULL;
    *error = NULL;
    int fds[2];
    if (pipe(fds) != 0)
        return KH_EIO;
    fflush(stdout);
    fflush(stderr);
    /* the child's JIT code would die with it: compile it here, once */
    kh_engine__jit_patterns(engine);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return KH_EIO;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(engine, path, dopts, lim, fds[1]);
        _exit(5);
    }
    close(fds[1]);
    int fd = fds[0];
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    kh_pipemsg_reader rd;
    memset(&rd, 0, sizeof rd);
    kh_isolate_stage st;
    memset(&st, 0, sizeof st);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool timed_out = false, done = false;
    int rc = KH_OK;
    while (!done && !rd.eof && !rd.broken) {
        int wait_ms = -1;
        if (lim && lim->timeout_seconds) {
            long left = (long)lim->timeout_seconds * 1000 - elapsed_ms(&start);
            if (left <= 0) {
                timed_out = true;
                break;
            }
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, wait_ms);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (kh_pipemsg_fill(&rd, fd) < 0 && errno != EAGAIN && errno != EINTR)
            break;
        char type;
        char *payload;
        size_t len;
        while (!done && kh_pipemsg_next(&rd, &type, &payload, &len)) {
            if (type == 'S') {
                kh_isolate_stage_parse(&st, payload, len);
            } else if (type == 'E') {
                char msg[1200];
                snprintf(msg, sizeof msg, "%.*s", (int)(len < 1100 ? len : 1100), payload);
                *error = error_line(path, "", msg);
                if (!*error)
                    rc = KH_ENOMEM;
                done = true;
            } else if (type == 'D') {
                kh_record r;
                kh_error err;
                kh_error_clear(&err);
                if (kh_record_parse(&r, payload, len, NULL, &err) == KH_OK && r.facts) {
                    *facts = r.facts;
                    r.facts = NULL;
                    *encoding = kh_isolate_encoding_static(r.encoding);
                } else {
                    *error = error_line(path, "the isolated extraction sent a bad result: ",
                                        err.message);
                }
                kh_record_clear(&r);
                done = true;
            }
        }
    }
    if (timed_out || (!done && !rd.eof))
        kill(pid, SIGKILL);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    close(fd);
    kh_pipemsg_reader_free(&rd);
    if (!done && rc == KH_OK) {
        char how[1024];
        kh_isolate_describe(how, sizeof how, status, timed_out, lim, &st, path, ru.ru_maxrss);
        bool in_plugin = strcmp(st.what, "running plugin") == 0;
        *error = error_line(path,
                            !in_plugin  ? "isolated extraction "
                            : timed_out ? "plugin timeout: "
                                        : "plugin crash: ",
                            how);
        if (!*error)
            rc = KH_ENOMEM;
    }
    return rc;
}

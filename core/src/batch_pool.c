/* batch_pool.c — the worker processes of a batch run (see batch.h).
 *
 * Protocol (frames of pipemsg.h). Parent → worker: 'J' "<job index>". Worker
 * → parent: 'R' ready (engine and rules built), 'F' fatal (setup failed: the
 * message), 'S' stage ("reading", "running plugin\t<name>", "scoring", …)
 * before each step of a job, 'I' the job's outcome in brief ("ok\t<total>\t
 * <grade>" or "fail\t<error>"), then 'D' its record (JSON, record.h) — or
 * 'C' when it wrote the record to the cache itself (OUTDIR/.kaohe-cache/<key>
 * .json: file creation then happens in parallel, not in the parent) — 'B' bye
 * (the worker retires: its memory grew past half the limit). A worker has at
 * most one job. When a worker's pipe closes while it has a job, the job
 * fails with how the worker ended and the last stage it announced ("worker
 * killed by signal 11 (Segmentation fault) while running plugin segv on X");
 * a job running past the wall-clock timeout gets its worker SIGKILLed. Either
 * way a new worker takes the place of the old one. */
#define _GNU_SOURCE /* wait4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "pipemsg.h"

/* ---- the worker side ---------------------------------------------------- */

typedef struct stage_ctx {
    int fd;
} stage_ctx;

static void tell_plugin(void *ctx, const char *plugin)
{
    kh_pipemsg_sendf(((stage_ctx *)ctx)->fd, 'S', "running plugin\t%s", plugin);
}

static void stage(int fd, const char *what)
{
    if (fd >= 0)
        kh_pipemsg_send(fd, 'S', what, strlen(what));
}

/* The first lines of the normalised text: where a report names itself. */
static char *title_of(const kh_document *doc)
{
    const char *t = kh_document_text(doc);
    size_t len = kh_document_length(doc), n = 0;
    int lines = 0;
    while (n < len && n < 600 && lines < 6) {
        if (t[n] == '\n')
            lines++;
        n++;
    }
    while (n > 0 && n < len && ((unsigned char)t[n] & 0xC0) == 0x80)
        n--; /* not inside a character */
    return strndup(t, n);
}

static int set_error(kh_record *r, const char *path, const char *what)
{
    char buf[KH_ERROR_MSG_MAX * 2 + KH_ERROR_FILE_MAX];
    snprintf(buf, sizeof buf, "%s: %s", path, what);
    free(r->error);
    r->error = strdup(buf);
    return r->error ? KH_OK : KH_ENOMEM;
}

int kh_batch_process(kh_batch *b, kh_engine *engine, kh_rules *rules, size_t idx,
                     int stage_fd, kh_record *r)
{
    const kh_batch_job *job = &b->src->jobs[idx];
    memset(r, 0, sizeof *r);
    r->path = strdup(job->path);
    char hex[KH_SHA256_HEX_SIZE];
    const char *sha = kh_batch_job_sha256(job, hex);
    r->sha256 = sha ? strdup(sha) : NULL;
    if (!r->path || (job->has_sha256 && !r->sha256))
        return KH_ENOMEM;
    kh_unit_match m;
    stage(stage_fd, "reading");
    kh_document_options dopts = KH_DOCUMENT_OPTIONS_INIT;
    dopts.max_bytes = b->cli->max_bytes;
    kh_document *doc = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_document_load_file(&doc, job->path, &dopts, &err) != KH_OK) {
        kh_registry_identify(b->registry, NULL, NULL, job->hint, &m);
        if (set_error(r, job->path, err.message) != KH_OK || kh_record_set_unit(r, &m) != KH_OK)
            return KH_ENOMEM;
        return KH_OK;
    }
    r->encoding = strdup(kh_encoding_name(kh_document_encoding(doc)));
    stage_ctx sc = {stage_fd};
    int rc = kh_isolate_extract_traced(engine, doc, &r->facts,
                                       stage_fd >= 0 ? tell_plugin : NULL, &sc);
    if (rc != KH_OK || !r->encoding) {
        kh_document_free(doc);
        return KH_ENOMEM;
    }
    const kh_fact *u = kh_factset_get(r->facts, "report.unit");
    const kh_fact *y = kh_factset_get(r->facts, "report.year");
    if (u && u->type == KH_VALUE_TEXT && u->text && !(r->unit_reported = strdup(u->text))) {
        kh_document_free(doc);
        return KH_ENOMEM;
    }
    r->year = y && y->type == KH_VALUE_NUMBER ? (int)y->number : 0;

    stage(stage_fd, "identifying the unit of");
    char *title = title_of(doc);
    kh_document_free(doc);
    kh_registry_identify(b->registry, r->unit_reported, title, job->hint, &m);
    free(title);
    if (kh_record_set_unit(r, &m) != KH_OK)
        return KH_ENOMEM;

    char warn[512];
    if (b->src->year && r->year && r->year != b->src->year) {
        snprintf(warn, sizeof warn, "the report is about %d; the manifest's year is %d", r->year,
                 b->src->year);
        kh_record_add_warning(r, warn);
    }
    const kh_fact *pub = kh_factset_get(r->facts, "report.published_date");
    if (b->src->deadline && pub && pub->type == KH_VALUE_TEXT && pub->text &&
        strcmp(pub->text, b->src->deadline) > 0) {
        snprintf(warn, sizeof warn, "published %s, after the deadline %s", pub->text,
                 b->src->deadline);
        kh_record_add_warning(r, warn);
    }

    stage(stage_fd, "scoring");
    kh_error_clear(&err);
    if (kh_rules_score(rules, r->facts, r->path, r->unit_reported, r->year, &r->score, &err) !=
        KH_OK) {
        char buf[KH_ERROR_MSG_MAX + KH_ERROR_FILE_MAX + 32];
        char msg[KH_ERROR_MSG_MAX * 2];
        snprintf(msg, sizeof msg, "scoring failed: %s", kh_error_format(&err, buf, sizeof buf));
        r->score = NULL;
        if (set_error(r, r->path, msg) != KH_OK)
            return KH_ENOMEM;
    }
    return KH_OK;
}

static void log_to_stderr(void *ctx, kh_log_level level, const char *origin, const char *message)
{
    (void)ctx;
    static const char *const names[] = {"debug", "info", "warning", "error"};
    fprintf(stderr, "kaohe: worker %d: %s: [%s] %s\n", (int)getpid(), names[level & 3], origin,
            message);
}

static void worker_main(kh_batch *b, int job_fd, int res_fd)
{
    kh_isolate_child_setup(&b->cli->limits);
    kh_engine_options eo = KH_ENGINE_OPTIONS_INIT;
    /* the parent already reported plugins that do not load */
    if (b->cli->verbose) {
        eo.log = log_to_stderr;
        eo.log_level = b->cli->verbose >= 2 ? KH_LOG_DEBUG : KH_LOG_INFO;
    }
    kh_engine *engine = NULL;
    kh_rules *rules = NULL;
    kh_error err;
    kh_error_clear(&err);
    if (kh_engine_new(&engine, &eo) != KH_OK ||
        kh_engine_load_plugin_dir(engine, b->cli->plugins_dir, NULL) != KH_OK) {
        kh_pipemsg_sendf(res_fd, 'F', "%s: plugin directory not usable", b->cli->plugins_dir);
        _exit(2);
    }
    if (kh_rules_new(&rules, b->scheme, NULL, &err) != KH_OK) {
        kh_pipemsg_sendf(res_fd, 'F', "%s: rules do not compile: %s", b->cli->rules_dir,
                         err.message);
        _exit(2);
    }
    kh_pipemsg_send(res_fd, 'R', "", 0);
    kh_pipemsg_reader rd;
    memset(&rd, 0, sizeof rd);
    char type;
    char *payload;
    size_t len;
    while (kh_pipemsg_wait(&rd, job_fd, &type, &payload, &len)) {
        if (type != 'J')
            continue;
        char num[32];
        snprintf(num, sizeof num, "%.*s", (int)(len < 31 ? len : 31), payload);
        size_t idx = (size_t)strtoull(num, NULL, 10);
        if (idx >= b->src->count)
            _exit(3);
        kh_isolate_cpu_budget(b->cli->limits.cpu_seconds);
        kh_record r;
        if (kh_batch_process(b, engine, rules, idx, res_fd, &r) != KH_OK)
            _exit(3); /* out of memory: the parent reports it */
        char *text = NULL;
        size_t tlen = 0;
        stage(res_fd, "sending the result of");
        if (kh_record_to_text(&r, &text, &tlen) != KH_OK)
            _exit(3);
        if (r.error)
            kh_pipemsg_sendf(res_fd, 'I', "fail\t%s", r.error);
        else
            kh_pipemsg_sendf(res_fd, 'I', "ok\t%.2f\t%s", r.score ? r.score->total : 0.0,
                             r.score && r.score->grade ? r.score->grade : "-");
        const kh_batch_job *job = &b->src->jobs[idx];
        kh_record_clear(&r);
        int sent;
        char key[KH_SHA256_HEX_SIZE];
        if (b->cache_dir[0] && kh_batch_job_key(job, key) &&
            kh_batch_cache_write(b->cache_dir, key, text, tlen) == KH_OK)
            sent = kh_pipemsg_send(res_fd, 'C', "", 0); /* stored: the parent journals it */
        else
            sent = kh_pipemsg_send(res_fd, 'D', text, tlen);
        if (sent != 0)
            _exit(4);
        free(text);
        struct rusage ru;
        if (b->cli->limits.mem_mb && getrusage(RUSAGE_SELF, &ru) == 0 &&
            ru.ru_maxrss / 1024 > (long)b->cli->limits.mem_mb / 2) {
            kh_pipemsg_send(res_fd, 'B', "", 0);
            _exit(0);
        }
    }
    _exit(0);
}

/* ---- the parent side ---------------------------------------------------- */

typedef struct worker {
    pid_t pid;               /* 0 = slot empty */
    int job_fd, res_fd;
    kh_pipemsg_reader rd;
    bool ready, retiring, fatal;
    long job;                /* job index in flight, -1 = idle */
    char info[1024];         /* the job's 'I' frame */
    struct timespec started;
    kh_isolate_stage st;
} worker;

typedef struct pool {
    kh_batch *b;
    worker *w;
    size_t nw;
    kh_batch_done_fn done;
    void *ctx;
    unsigned early_deaths;   /* workers that died before being ready, in a row */
} pool;

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static bool spawn(pool *p, worker *w)
{
    int jp[2], rp[2];
    if (pipe(jp) != 0)
        return false;
    if (pipe(rp) != 0) {
        close(jp[0]);
        close(jp[1]);
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(jp[0]);
        close(jp[1]);
        close(rp[0]);
        close(rp[1]);
        return false;
    }
    if (pid == 0) {
        /* the other workers' pipes are not ours */
        for (size_t i = 0; i < p->nw; i++)
            if (p->w[i].pid > 0 && &p->w[i] != w) {
                close(p->w[i].job_fd);
                close(p->w[i].res_fd);
            }
        close(jp[1]);
        close(rp[0]);
        worker_main(p->b, jp[0], rp[1]);
        _exit(0);
    }
    close(jp[0]);
    close(rp[1]);
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->job_fd = jp[1];
    w->res_fd = rp[0];
    w->job = -1;
    fcntl(w->res_fd, F_SETFL, fcntl(w->res_fd, F_GETFL) | O_NONBLOCK);
    fcntl(w->job_fd, F_SETFD, FD_CLOEXEC);
    fcntl(w->res_fd, F_SETFD, FD_CLOEXEC);
    return true;
}

/* A failure record for a job whose worker ended. */
static void fail_job(pool *p, worker *w, int status, bool timed_out, long maxrss)
{
    const kh_batch_job *job = &p->b->src->jobs[w->job];
    char how[1024];
    kh_isolate_describe(how, sizeof how, status, timed_out, &p->b->cli->limits, &w->st,
                        job->path, maxrss);
    char msg[1400];
    snprintf(msg, sizeof msg, "%s: worker %s", job->path, how);
    kh_record r;
    memset(&r, 0, sizeof r);
    r.path = (char *)job->path;
    char hex[KH_SHA256_HEX_SIZE];
    r.sha256 = (char *)kh_batch_job_sha256(job, hex);
    r.error = msg;
    kh_unit_match m;
    kh_registry_identify(p->b->registry, NULL, NULL, job->hint, &m);
    r.unit_status = m.status;
    r.unit = m.entry ? m.entry->name : NULL;
    r.unit_code = m.entry ? m.entry->code : NULL;
    r.unit_note = m.note[0] ? m.note : NULL;
    char *text = NULL;
    size_t len = 0;
    char info[1500];
    snprintf(info, sizeof info, "fail\t%s", msg);
    if (kh_record_to_text(&r, &text, &len) == KH_OK)
        p->done(p->ctx, (size_t)w->job, text, len, info, false);
    w->job = -1;
}

/* The worker's pipe closed or it was killed: reap it, fail its job. */
static void reap(pool *p, worker *w, bool timed_out)
{
    if (timed_out || !w->rd.eof)
        kill(w->pid, SIGKILL);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(w->pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    if (!w->ready)
        p->early_deaths++;
    if (w->job >= 0)
        fail_job(p, w, status, timed_out, ru.ru_maxrss);
    close(w->job_fd);
    close(w->res_fd);
    kh_pipemsg_reader_free(&w->rd);
    w->pid = 0;
}

/* Handle the frames a worker sent. */
static void frames(pool *p, worker *w)
{
    char type;
    char *payload;
    size_t len;
    while (kh_pipemsg_next(&w->rd, &type, &payload, &len)) {
        switch (type) {
        case 'R':
            w->ready = true;
            p->early_deaths = 0;
            break;
        case 'F':
            fprintf(stderr, "kaohe: error: worker: %.*s\n", (int)len, payload);
            w->fatal = true;
            break;
        case 'S':
            kh_isolate_stage_parse(&w->st, payload, len);
            break;
        case 'I':
            snprintf(w->info, sizeof w->info, "%.*s", (int)(len < 1000 ? len : 1000), payload);
            break;
        case 'D':
            if (w->job >= 0) {
                char *text = malloc(len + 1);
                if (text) {
                    memcpy(text, payload, len);
                    text[len] = '\0';
                    size_t job = (size_t)w->job;
                    w->job = -1;
                    p->done(p->ctx, job, text, len, w->info[0] ? w->info : "ok", true);
                }
            }
            break;
        case 'C':
            if (w->job >= 0) {
                size_t job = (size_t)w->job;
                w->job = -1;
                p->done(p->ctx, job, NULL, 0, w->info[0] ? w->info : "ok", true);
            }
            break;
        case 'B':
            w->retiring = true;
            break;
        default:
            break;
        }
    }
}

int kh_batch_pool_run(kh_batch *b, const size_t *todo, size_t n,
                      kh_batch_done_fn done, void *ctx)
{
    if (n == 0)
        return 0;
    size_t nw = b->opts.jobs ? b->opts.jobs : 1;
    if (nw > n)
        nw = n;
    pool p = {b, calloc(nw, sizeof(worker)), nw, done, ctx, 0};
    struct pollfd *pfd = calloc(nw, sizeof *pfd);
    if (!p.w || !pfd) {
        free(p.w);
        free(pfd);
        fprintf(stderr, "kaohe: out of memory\n");
        return -1;
    }
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    size_t next = 0, finished = 0;
    for (size_t i = 0; i < nw; i++)
        if (!spawn(&p, &p.w[i])) {
            fprintf(stderr, "kaohe: error: cannot start a worker process: %s\n", strerror(errno));
            rc = -1;
            break;
        }
    long long timeout_ms = (long long)b->cli->limits.timeout_seconds * 1000;
    while (rc == 0 && finished < n) {
        /* hand out work */
        size_t alive = 0;
        for (size_t i = 0; i < nw; i++) {
            worker *w = &p.w[i];
            if (w->pid > 0)
                alive++;
            if (w->pid > 0 && w->ready && !w->retiring && !w->fatal && w->job < 0 && next < n) {
                char num[32];
                int len = snprintf(num, sizeof num, "%zu", todo[next]);
                w->job = (long)todo[next];
                memset(&w->st, 0, sizeof w->st);
                w->info[0] = '\0';
                clock_gettime(CLOCK_MONOTONIC, &w->started);
                if (kh_pipemsg_send(w->job_fd, 'J', num, (size_t)len) != 0) {
                    w->job = -1; /* it died; reaped below */
                    continue;
                }
                next++;
            }
        }
        if (alive == 0 && next < n) {
            rc = -1;
            break;
        }
        /* wait */
        int wait_ms = 250;
        size_t np = 0;
        for (size_t i = 0; i < nw; i++) {
            worker *w = &p.w[i];
            if (w->pid <= 0)
                continue;
            pfd[np].fd = w->res_fd;
            pfd[np].events = POLLIN;
            pfd[np].revents = 0;
            np++;
            if (w->job >= 0 && timeout_ms) {
                long long left = timeout_ms - ms_since(&w->started);
                if (left < wait_ms)
                    wait_ms = left < 0 ? 0 : (int)left;
            }
        }
        int pr = poll(pfd, np, wait_ms);
        if (pr < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        size_t k = 0;
        for (size_t i = 0; i < nw; i++) {
            worker *w = &p.w[i];
            if (w->pid <= 0)
                continue;
            short rev = pfd[k++].revents;
            if (rev & (POLLIN | POLLHUP | POLLERR)) {
                long got;
                do {
                    got = kh_pipemsg_fill(&w->rd, w->res_fd);
                    frames(&p, w);
                } while (got > 0);
            }
            bool gone = w->rd.eof || w->rd.broken || w->fatal;
            bool late = !gone && w->job >= 0 && timeout_ms && ms_since(&w->started) >= timeout_ms;
            if (gone || late) {
                bool fatal = w->fatal;
                reap(&p, w, late);
                if (fatal) {
                    rc = -1;
                    break;
                }
                if (p.early_deaths >= 3) {
                    fprintf(stderr, "kaohe: error: worker processes die while starting "
                                    "(a plugin's init?)\n");
                    rc = -1;
                    break;
                }
                if (next < n && !spawn(&p, w)) {
                    fprintf(stderr, "kaohe: error: cannot start a worker process: %s\n",
                            strerror(errno));
                    rc = -1;
                    break;
                }
            }
        }
        /* count what is done: jobs handed out minus jobs in flight */
        size_t inflight = 0;
        for (size_t i = 0; i < nw; i++)
            if (p.w[i].pid > 0 && p.w[i].job >= 0)
                inflight++;
        finished = next - inflight;
        done(ctx, (size_t)-1, NULL, 0, NULL, false); /* a tick: progress, journal commit */
    }
    /* stop the workers: closing their job pipe ends them */
    for (size_t i = 0; i < nw; i++) {
        worker *w = &p.w[i];
        if (w->pid <= 0)
            continue;
        close(w->job_fd);
        if (rc != 0)
            kill(w->pid, SIGKILL);
        int status;
        while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
            ;
        close(w->res_fd);
        kh_pipemsg_reader_free(&w->rd);
    }
    signal(SIGPIPE, old_pipe);
    free(p.w);
    free(pfd);
    return rc;
}

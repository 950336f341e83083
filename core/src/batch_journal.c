/* batch_journal.c — the run journal (OUTDIR/.kaohe-journal, append-only,
 * fsync'd) and the per-report cache (OUTDIR/.kaohe-cache/<key>.json) that
 * let an interrupted or repeated run skip what is done (see batch.h).
 *
 * Journal lines (tab-separated): "kaohe-journal 1" (first line), "start
 * <time> <inputs>", "done <key> <path>", "failed <path> <reason>", "end <time>
 * <computed> <cached> <failed>". Only "done" lines matter for resuming: one is
 * appended after its cache file is on disk, so a key in the journal always
 * has a complete cache file (a cache file without a line is redone). */
#define _GNU_SOURCE /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "batch.h"

static char *read_all(const char *path, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != size) {
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    *len = size;
    return buf;
}

/* The digest of a key as written (64 lowercase hex digits); false for
 * anything else. */
static bool key_digest(const char *key, uint8_t d[KH_SHA256_DIGEST_SIZE])
{
    for (size_t i = 0; i < 2 * KH_SHA256_DIGEST_SIZE; i++) {
        char c = key[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return false;
        if (i % 2 == 0)
            d[i / 2] = (uint8_t)(v << 4);
        else
            d[i / 2] |= (uint8_t)v;
    }
    return key[2 * KH_SHA256_DIGEST_SIZE] == '\0';
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, KH_SHA256_DIGEST_SIZE);
}

/* Collect the keys of "done" lines of one journal file. */
static void read_journal(kh_batch_journal *jn, const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text)
        return;
    char *p = text;
    while (p < text + len) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (!nl)
            break; /* an unfinished last line: not done */
        *nl = '\0';
        if (strncmp(p, "done\t", 5) == 0) {
            char *key = p + 5;
            char *tab = strchr(key, '\t');
            if (tab)
                *tab = '\0';
            uint8_t d[KH_SHA256_DIGEST_SIZE];
            if (key_digest(key, d)) {
                if (jn->done_count == jn->done_cap) {
                    size_t cap = jn->done_cap ? jn->done_cap * 2 : 1024;
                    void *n = realloc(jn->done, cap * sizeof *jn->done);
                    if (!n)
                        break;
                    jn->done = n;
                    jn->done_cap = cap;
                }
                memcpy(jn->done[jn->done_count++], d, sizeof d);
            }
        }
        p = nl + 1;
    }
    free(text);
}

/* A failed open releases what it allocated (the fd is already closed) and
 * leaves jn as after a close. Returns rc. */
static int open_failed(kh_batch_journal *jn, int rc)
{
    free(jn->done);
    free(jn->dir);
    free(jn->cache_dir);
    memset(jn, 0, sizeof *jn);
    jn->fd = -1;
    return rc;
}

int kh_batch_journal_open(kh_batch_journal *jn, const char *outdir, const char *name,
                          kh_error *err)
{
    memset(jn, 0, sizeof *jn);
    jn->fd = -1;
    jn->dir = strdup(outdir);
    size_t n = strlen(outdir) + strlen(KH_BATCH_CACHE_DIR) + 2;
    jn->cache_dir = malloc(n);
    if (!jn->dir || !jn->cache_dir)
        return open_failed(jn, kh_error_set(err, KH_ENOMEM, NULL, 0, 0, "out of memory"));
    snprintf(jn->cache_dir, n, "%s/%s", outdir, KH_BATCH_CACHE_DIR);
    int rc = kh_atomic_mkdirs(jn->cache_dir, err);
    if (rc != KH_OK)
        return open_failed(jn, rc);
    DIR *d = opendir(outdir);
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d)))
            if (strncmp(ent->d_name, KH_BATCH_JOURNAL, strlen(KH_BATCH_JOURNAL)) == 0) {
                char path[4200];
                snprintf(path, sizeof path, "%s/%s", outdir, ent->d_name);
                read_journal(jn, path);
            }
        closedir(d);
    }
    if (jn->done_count > 1)
        qsort(jn->done, jn->done_count, sizeof *jn->done, cmp_digest);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    jn->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (jn->fd < 0)
        return open_failed(jn, kh_error_set(err, KH_EIO, path, 0, 0, "%s", strerror(errno)));
    /* one run per journal at a time (shards have journals of their own) */
    if (flock(jn->fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(jn->fd);
        jn->fd = -1;
        if (e == EWOULDBLOCK)
            return open_failed(jn, kh_error_set(err, KH_EIO, outdir, 0, 0,
                                   "another kaohe batch is writing to this directory"));
        return open_failed(jn, kh_error_set(err, KH_EIO, path, 0, 0, "%s", strerror(e)));
    }
    struct stat st;
    if (fstat(jn->fd, &st) == 0 && st.st_size == 0) {
        static const char head[] = "kaohe-journal 1\n";
        kh_atomic_append(jn->fd, head, sizeof head - 1);
        kh_atomic_sync_dir(outdir);
    } else if (st.st_size > 0) {
        /* a run killed mid-line left no newline: end that line first */
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        char last = '\n';
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, st.st_size - 1) != 1)
                last = '\n';
            close(rfd);
        }
        if (last != '\n')
            kh_atomic_append(jn->fd, "\n", 1);
    }
    return KH_OK;
}

void kh_batch_journal_close(kh_batch_journal *jn)
{
    if (!jn)
        return;
    kh_batch_journal_commit(jn, true);
    if (jn->fd >= 0)
        close(jn->fd);
    free(jn->done);
    for (size_t i = 0; i < jn->pending_count; i++)
        free(jn->pending[i]);
    free(jn->pending);
    free(jn->dir);
    free(jn->cache_dir);
    memset(jn, 0, sizeof *jn);
    jn->fd = -1;
}

static void cache_path(const kh_batch_journal *jn, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s.json", jn->cache_dir, key);
}

bool kh_batch_journal_has(kh_batch_journal *jn, const char *key)
{
    uint8_t d[KH_SHA256_DIGEST_SIZE];
    if (!jn->done_count || !key_digest(key, d))
        return false;
    if (!bsearch(d, jn->done, jn->done_count, sizeof *jn->done, cmp_digest))
        return false;
    char path[4300];
    cache_path(jn, key, path, sizeof path);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

bool kh_batch_journal_load(kh_batch_journal *jn, const char *key, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    if (!key[0])
        return false;
    char path[4300];
    cache_path(jn, key, path, sizeof path);
    *text = read_all(path, len);
    return *text != NULL;
}

int kh_batch_cache_write(const char *cache_dir, const char *key, const char *text,
                         size_t len)
{
    /* straight to the final name: only a journal line makes it trusted, and
     * that comes after the file is synced */
    char target[4300];
    snprintf(target, sizeof target, "%s/%s.json", cache_dir, key);
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return KH_EIO;
    const char *p = text;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(target);
            return KH_EIO;
        }
        p += w;
        left -= (size_t)w;
    }
    return close(fd) == 0 ? KH_OK : KH_EIO;
}

int kh_batch_journal_queue(kh_batch_journal *jn, const char *key, const char *path)
{
    if (!jn)
        return KH_OK;
    size_t n = strlen(key) + strlen(path) + 16;
    char *line = malloc(n);
    char **q = realloc(jn->pending, (jn->pending_count + 1) * sizeof *q);
    if (q)
        jn->pending = q;
    if (!line || !q) {
        free(line);
        return KH_ENOMEM;
    }
    /* a tab or newline in a path would break the line; the path is informative */
    snprintf(line, n, "done\t%s\t", key);
    size_t used = strlen(line);
    for (const char *s = path; *s && used + 2 < n; s++)
        line[used++] = (*s == '\t' || *s == '\n') ? ' ' : *s;
    line[used++] = '\n';
    line[used] = '\0';
    if (jn->pending_count == 0)
        clock_gettime(CLOCK_MONOTONIC, &jn->pending_since);
    jn->pending[jn->pending_count++] = line;
    return kh_batch_journal_commit(jn, false);
}

int kh_batch_journal_commit(kh_batch_journal *jn, bool force)
{
    if (!jn->pending_count || jn->fd < 0)
        return KH_OK;
    if (!force && jn->pending_count < 32) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(now.tv_sec - jn->pending_since.tv_sec) * 1000 +
                  (now.tv_nsec - jn->pending_since.tv_nsec) / 1000000;
        if (ms < 200)
            return KH_OK;
    }
    /* the cache files first: durable before any line names them */
    int dfd = open(jn->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
#ifdef __linux__
        syncfs(dfd);
#else
        sync();
#endif
        fsync(dfd);
        close(dfd);
    }
    size_t total = 0;
    for (size_t i = 0; i < jn->pending_count; i++)
        total += strlen(jn->pending[i]);
    char *buf = malloc(total + 1);
    int rc = KH_OK;
    if (buf) {
        size_t used = 0;
        for (size_t i = 0; i < jn->pending_count; i++) {
            size_t l = strlen(jn->pending[i]);
            memcpy(buf + used, jn->pending[i], l);
            used += l;
        }
        rc = kh_atomic_append(jn->fd, buf, used);
        free(buf);
    } else {
        for (size_t i = 0; rc == KH_OK && i < jn->pending_count; i++)
            rc = kh_atomic_append(jn->fd, jn->pending[i], strlen(jn->pending[i]));
    }
    for (size_t i = 0; i < jn->pending_count; i++)
        free(jn->pending[i]);
    jn->pending_count = 0;
    return rc;
}

int kh_batch_journal_note(kh_batch_journal *jn, const char *line)
{
    if (jn->fd < 0)
        return KH_EIO;
    kh_batch_journal_commit(jn, true);
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (!buf)
        return KH_ENOMEM;
    memcpy(buf, line, n);
    size_t used = n;
    for (size_t i = 0; i < used; i++)
        if (buf[i] == '\n')
            buf[i] = ' ';
    buf[used++] = '\n';
    int rc = kh_atomic_append(jn->fd, buf, used);
    free(buf);
    return rc;
}

/* pipemsg.c — framed messages over pipes (see pipemsg.h). */
#include "pipemsg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int kh_pipemsg_send(int fd, char type, const void *payload, size_t len)
{
    char head[32];
    int h = snprintf(head, sizeof head, "%c %zu\n", type, len);
    /* one write for small frames keeps them whole on the pipe */
    if (len <= 4096) {
        char buf[4096 + 32];
        memcpy(buf, head, (size_t)h);
        if (len)
            memcpy(buf + h, payload, len);
        return write_all(fd, buf, (size_t)h + len);
    }
    if (write_all(fd, head, (size_t)h) != 0)
        return -1;
    return write_all(fd, payload, len);
}

int kh_pipemsg_sendf(int fd, char type, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    return kh_pipemsg_send(fd, type, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

long kh_pipemsg_fill(kh_pipemsg_reader *r, int fd)
{
    if (r->taken) {
        memmove(r->buf, r->buf + r->taken, r->len - r->taken);
        r->len -= r->taken;
        r->taken = 0;
    }
    if (r->cap - r->len < 65536) {
        size_t cap = r->cap ? r->cap * 2 : 131072;
        while (cap - r->len < 65536)
            cap *= 2;
        char *n = realloc(r->buf, cap + 1);
        if (!n) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = n;
        r->cap = cap;
    }
    ssize_t got = read(fd, r->buf + r->len, r->cap - r->len);
    if (got < 0)
        return -1;
    if (got == 0) {
        r->eof = true;
        return 0;
    }
    r->len += (size_t)got;
    return (long)got;
}

bool kh_pipemsg_next(kh_pipemsg_reader *r, char *type, char **payload, size_t *len)
{
    if (r->broken)
        return false;
    size_t avail = r->len - r->taken;
    if (avail == 0)
        return false; /* nothing buffered; r->buf may be NULL (NULL + 0 is UB) */
    char *start = r->buf + r->taken;
    char *nl = memchr(start, '\n', avail < 32 ? avail : 32);
    if (!nl) {
        if (avail >= 32)
            r->broken = true;
        return false;
    }
    if (nl - start < 3 || start[1] != ' ') {
        r->broken = true;
        return false;
    }
    char *end = NULL;
    unsigned long long n = strtoull(start + 2, &end, 10);
    if (end != nl || n > KH_PIPEMSG_MAX) {
        r->broken = true;
        return false;
    }
    size_t head = (size_t)(nl - start) + 1;
    if (avail - head < n)
        return false;
    *type = start[0];
    *payload = start + head;
    *len = (size_t)n;
    r->taken += head + (size_t)n;
    return true;
}

bool kh_pipemsg_wait(kh_pipemsg_reader *r, int fd, char *type, char **payload,
                     size_t *len)
{
    for (;;) {
        if (kh_pipemsg_next(r, type, payload, len))
            return true;
        if (r->eof || r->broken)
            return false;
        long got = kh_pipemsg_fill(r, fd);
        if (got < 0 && errno != EINTR && errno != EAGAIN)
            return false;
    }
}

void kh_pipemsg_reader_free(kh_pipemsg_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

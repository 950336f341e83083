/*
 * pipemsg.h — framed messages between kaohe and its child processes (batch
 * workers, isolated extractions) over pipes: "<type> <length>\n<payload>",
 * type one letter, payload any bytes. Writing blocks until the whole frame is
 * out; reading buffers what a non-blocking descriptor has and hands out whole
 * frames.
 */
#ifndef KH_PIPEMSG_H
#define KH_PIPEMSG_H

#include <stdbool.h>
#include <stddef.h>

/* Frames larger than this are refused (a runaway child, not a report). */
#define KH_PIPEMSG_MAX ((size_t)256 * 1024 * 1024)

/* Send one frame on fd (retries on EINTR and short writes). Returns 0, or -1
 * with errno set (EPIPE when the reader is gone). */
int kh_pipemsg_send(int fd, char type, const void *payload, size_t len);
/* printf-style payload. */
int kh_pipemsg_sendf(int fd, char type, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

typedef struct kh_pipemsg_reader {
    char *buf;        /* owned */
    size_t len, cap;
    size_t taken;     /* bytes of buf already handed out */
    bool eof;         /* the writer closed its end */
    bool broken;      /* a malformed or oversized frame arrived */
} kh_pipemsg_reader;

/* Read what is available on fd (one read() call). Returns bytes read, 0 at
 * end of file (sets eof), -1 on EAGAIN/EINTR or an error (errno). */
long kh_pipemsg_fill(kh_pipemsg_reader *r, int fd);
/* The next whole frame, if one is buffered: *type, *payload (borrowed, valid
 * until the next fill; NOT NUL-terminated) and *len. */
bool kh_pipemsg_next(kh_pipemsg_reader *r, char *type, char **payload, size_t *len);
/* Blocking: read from fd until a whole frame is buffered; false at EOF or on
 * an error. */
bool kh_pipemsg_wait(kh_pipemsg_reader *r, int fd, char *type, char **payload,
                     size_t *len);
void kh_pipemsg_reader_free(kh_pipemsg_reader *r); /* frees buf, zeroes r */

#endif

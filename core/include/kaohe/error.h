/*
 * kaohe/error.h — status codes and the error record every fallible kaohe
 * function fills. Errors are values: a function returns 0 or a negative
 * KH_E* code and, when given a kh_error, writes where and what went wrong.
 */
#ifndef KAOHE_ERROR_H
#define KAOHE_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kh_status {
    KH_OK = 0,
    KH_ENOMEM = -1,    /* out of memory */
    KH_ENOTFOUND = -2, /* file, key or symbol not found */
    KH_EABI = -3,      /* plugin ABI mismatch or malformed plugin */
    KH_ECONFIG = -4,   /* scheme / configuration invalid */
    KH_ESCRIPT = -5,   /* a rule script failed (error, limit, bad result) */
    KH_EINPUT = -6,    /* an input document is unusable */
    KH_ELIMIT = -7,    /* a size, time, instruction or memory limit was hit */
    KH_EIO = -8,       /* read/write failure */
    KH_EINVAL = -9     /* bad argument from the caller */
} kh_status;

#define KH_ERROR_FILE_MAX 512
#define KH_ERROR_MSG_MAX 1024

/* Where and what. file is empty and line/column 0 when unknown. */
typedef struct kh_error {
    int code;                       /* a kh_status */
    char file[KH_ERROR_FILE_MAX];   /* the file the problem is in */
    int line;                       /* 1-based, 0 = unknown */
    int column;                     /* 1-based, 0 = unknown */
    char message[KH_ERROR_MSG_MAX]; /* one line, no trailing newline */
} kh_error;

/* Static English name of a status ("input error"); never NULL. */
const char *kh_strerror(int code);

/* Reset to KH_OK with empty fields. err may be NULL. */
void kh_error_clear(kh_error *err);

/* Fill err (may be NULL) and return code. file may be NULL. */
int kh_error_set(kh_error *err, int code, const char *file, int line,
                 int column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Format as "file:line:column: message" (parts that are unknown left out)
 * into buf; returns buf. */
char *kh_error_format(const kh_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif

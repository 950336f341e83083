/* error.c — status names and filling kh_error records. */
#include "kaohe/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kh_strerror(int code)
{
    switch (code) {
    case KH_OK: return "success";
    case KH_ENOMEM: return "out of memory";
    case KH_ENOTFOUND: return "not found";
    case KH_EABI: return "plugin ABI error";
    case KH_ECONFIG: return "configuration error";
    case KH_ESCRIPT: return "rule script error";
    case KH_EINPUT: return "input error";
    case KH_ELIMIT: return "limit exceeded";
    case KH_EIO: return "I/O error";
    case KH_EINVAL: return "invalid argument";
    default: return "unknown error";
    }
}

void kh_error_clear(kh_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int kh_error_set(kh_error *err, int code, const char *file, int line,
                 int column, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* one line: fold any newline a message source left in */
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

char *kh_error_format(const kh_error *err, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (!err) {
        buf[0] = '\0';
        return buf;
    }
    if (err->file[0] && err->line > 0 && err->column > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column, err->message);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->message);
    else
        snprintf(buf, size, "%s", err->message);
    return buf;
}

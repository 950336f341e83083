/*
 * fuzz.h — what the fuzz harnesses in tests/fuzz share: the two libFuzzer
 * entry points every harness defines, an invariant check that reports and
 * aborts (a crash to libFuzzer, a failure to the ctest replay), a small
 * deterministic PRNG seeded from the input, a UTF-8 validity check, and
 * the private temporary directory the harnesses of file loaders write each
 * input into. Header-only (static functions).
 *
 * Each harness is built twice (tests/fuzz/CMakeLists.txt): as a libFuzzer
 * binary with -DKH_FUZZ=ON (clang), and always as <harness>_replay, linked
 * with replay.c, which runs the harness over the files it is given (the
 * regression and seed corpora) in every build, sanitized or under Valgrind.
 */
#ifndef KH_FUZZ_H
#define KH_FUZZ_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libFuzzer's entry points. Initialize runs once, before any input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 4, 5)))
#endif
static inline void kh_fuzz_fail(const char *file, int line, const char *cond,
                         const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: invariant violated: %s\n  ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* Check an invariant; on violation print where, the condition and the
 * printf-style detail, then abort(). */
#define KH_FUZZ_CHECK(cond, ...)                                  \
    do {                                                          \
        if (!(cond))                                              \
            kh_fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
    } while (0)

/* xorshift64*, seeded from the input so every run of an input is the same. */
typedef struct kh_fuzz_rng {
    uint64_t s;
} kh_fuzz_rng;

static inline kh_fuzz_rng kh_fuzz_rng_from(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    kh_fuzz_rng r = { h ? h : 1 };
    return r;
}

static inline uint64_t kh_fuzz_next(kh_fuzz_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ULL;
}

/* Uniform-ish in [0, n]. */
static inline size_t kh_fuzz_upto(kh_fuzz_rng *r, size_t n)
{
    return (size_t)(kh_fuzz_next(r) % ((uint64_t)n + 1));
}

/* Offset of the first byte that is not well-formed UTF-8 (RFC 3629: no
 * overlongs, no surrogates, at most U+10FFFF), or n when all of it is. */
static inline size_t kh_fuzz_utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}

/* Write n bytes to path (created 0600 or truncated); an I/O error is an
 * invariant violation (the harness cannot go on). */
static inline void kh_fuzz_write_file(const char *path, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    KH_FUZZ_CHECK(fd >= 0, "%s: %s", path, strerror(errno));
    const char *p = bytes;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        KH_FUZZ_CHECK(w > 0, "%s: %s", path, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* Make a private directory $TMPDIR/kaohe-<what>.XXXXXX (size bytes at dir)
 * for the harness's files; the harness removes it at exit. */
static inline void kh_fuzz_make_tmpdir(char *dir, size_t size, const char *what)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/kaohe-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    KH_FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

/* Whether the NUL-terminated s is well-formed UTF-8. */
static inline bool kh_fuzz_is_utf8(const char *s)
{
    size_t n = strlen(s);
    return kh_fuzz_utf8_invalid_at((const unsigned char *)s, n) == n;
}

/* The harness's private directory and its one input file (static storage,
 * one pair per harness). */
static inline char *kh_fuzz__path(int file)
{
    static char dir[4096], path[4200];
    return file ? path : dir;
}

static inline void kh_fuzz__remove_input_file(void)
{
    unlink(kh_fuzz__path(1));
    rmdir(kh_fuzz__path(0));
}

/* For the harness of a file loader: the path $TMPDIR/kaohe-<what>.XXXXXX/
 * <name> it writes each input to (kh_fuzz_write_file); the file and its
 * directory are removed at exit. Call once, from LLVMFuzzerInitialize. */
static inline const char *kh_fuzz_input_file(const char *what, const char *name)
{
    kh_fuzz_make_tmpdir(kh_fuzz__path(0), 4096, what);
    snprintf(kh_fuzz__path(1), 4200, "%s/%s", kh_fuzz__path(0), name);
    atexit(kh_fuzz__remove_input_file);
    return kh_fuzz__path(1);
}

#endif

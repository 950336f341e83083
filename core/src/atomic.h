/*
 * atomic.h — files that are either wholly the old version or wholly the new
 * one: written to a temporary file in the same directory, flushed to disk
 * (fsync), renamed over the target, and the directory synced. A kill at any
 * moment leaves the previous file intact. Also the fsync'd append used by
 * the batch journal.
 */
#ifndef KH_ATOMIC_H
#define KH_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

#include "kaohe/error.h"

/* Write dir/name: fill(f, ctx) writes the content to f and returns 0 (or
 * non-zero to abandon the write, which then returns KH_EIO and leaves the
 * old file). Temporary files are "dir/.name.XXXXXX". Returns KH_OK or
 * KH_EIO with err naming the file and errno's text. */
int kh_atomic_write(const char *dir, const char *name,
                    int (*fill)(FILE *f, void *ctx), void *ctx, kh_error *err);
/* The same for bytes in memory. */
int kh_atomic_write_bytes(const char *dir, const char *name, const void *data,
                          size_t len, kh_error *err);

/* fsync a directory (after creating or renaming entries in it). */
int kh_atomic_sync_dir(const char *dir);

/* Append len bytes to the file open on fd (opened O_APPEND) in one write
 * and fsync it. Returns KH_OK or KH_EIO. */
int kh_atomic_append(int fd, const void *data, size_t len);

/* mkdir -p; KH_OK when dir exists afterwards. */
int kh_atomic_mkdirs(const char *dir, kh_error *err);

#endif

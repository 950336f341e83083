/*
 * sha256.h — a small SHA-256 (FIPS 180-4) for fingerprinting scoring schemes:
 * incremental init/update/final, plus helpers that feed a whole file and
 * format a digest as hex. Private to the core; no allocation, no global state.
 */
#ifndef KH_SHA256_H
#define KH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define KH_SHA256_DIGEST_SIZE 32
#define KH_SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */

/* Running state. Plain value; copy it to fork a hash. */
typedef struct kh_sha256_ctx {
    uint32_t state[8];
    uint64_t length;      /* bytes fed so far */
    uint8_t block[64];    /* partial block */
    size_t block_len;     /* bytes used in block */
} kh_sha256_ctx;

void kh_sha256_init(kh_sha256_ctx *ctx);
/* data may be NULL when len is 0. */
void kh_sha256_update(kh_sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest and leaves ctx unusable until kh_sha256_init. */
void kh_sha256_final(kh_sha256_ctx *ctx, uint8_t out[KH_SHA256_DIGEST_SIZE]);

/* Feed the bytes of the regular file at path into ctx. On failure ctx may have
 * been fed part of the file. Returns KH_OK, KH_ENOTFOUND (no such file or not
 * a regular file) or KH_EIO. *size_out (may be NULL) gets the bytes fed. */
int kh_sha256_update_file(kh_sha256_ctx *ctx, const char *path,
                          uint64_t *size_out);

/* Digest of one whole file. Returns as kh_sha256_update_file. */
int kh_sha256_file(const char *path, uint8_t out[KH_SHA256_DIGEST_SIZE]);

/* Lower-case hex of a digest into hex (NUL-terminated); returns hex. */
char *kh_sha256_hex(const uint8_t digest[KH_SHA256_DIGEST_SIZE],
                    char hex[KH_SHA256_HEX_SIZE]);

#endif

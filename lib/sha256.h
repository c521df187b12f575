/*
 * sha256: the SHA-256 digest (FIPS 180-4), for cache keys that name an input
 * by its content (lib/llm.h hashes a model name and a prompt).
 *
 * Nothing here allocates. Not constant-time: never use it on secrets.
 */
#ifndef DE_SHA256_H
#define DE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed so far */
	unsigned char blk[64];
	size_t used;           /* bytes waiting in blk */
} sha256_t;

/* "e3b0...b855" plus the NUL. */
#define SHA256_HEXLEN 65

void sha256_init(sha256_t *s);
void sha256_update(sha256_t *s, const void *p, size_t n);
/* Finishes: 32 bytes into out. s must be initialized again before reuse. */
void sha256_final(sha256_t *s, unsigned char out[32]);
/* Finishes into 64 lowercase hex digits and a NUL; returns out. */
char *sha256_final_hex(sha256_t *s, char out[SHA256_HEXLEN]);
/* The hex digest of p[0..n) in one call; returns out. */
char *sha256_hex(const void *p, size_t n, char out[SHA256_HEXLEN]);

#endif

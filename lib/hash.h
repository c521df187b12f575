/*
 * hash: the one string hash of the toolkit (FNV-1a, 64 bits).
 *
 * hash_str is for in-memory tables. A value that is written out or stored
 * (deals-extract's synthetic deal IDs, keys in the db) is pinned by a unit
 * test (tests/unit/test_hash.c): changing these functions changes IDs users
 * already hold.
 */
#ifndef DE_HASH_H
#define DE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the start value of a hash. */
#define HASH_FNV_OFFSET 14695981039346656037ULL

/* The hash of the NUL-terminated s. Never fails. */
uint64_t hash_str(const char *s);

/* h continued over the n bytes at p. */
uint64_t hash_add(uint64_t h, const void *p, size_t n);

/* h continued over s with ASCII letters lowercased; s NULL adds nothing. */
uint64_t hash_add_ci(uint64_t h, const char *s);

/*
 * FNV-1a over the n bytes at p, started from HASH_FNV_OFFSET_SHORT: the
 * offset basis with its last digit lost, as the first versions wrote it.
 * Kept because values users already hold depend on it: db_key's digest of
 * an over-long key (keys in their dbs) and deals-filter --shard's choice of
 * shard. Anything new uses hash_str/hash_add.
 */
#define HASH_FNV_OFFSET_SHORT 1469598103934665603ULL
uint64_t hash_short(const void *p, size_t n);

#endif

/*
 * u64set: a set of 64-bit hashes (open addressing, grows at half full), for
 * "seen this key already" in a run: the dry runs' counts, --refresh's asked.
 * A zeroed u64set_t is an empty set; u64set_free() gives its memory back.
 * Any value may be added (0 is kept as 1: a hash, not an exact value).
 */
#ifndef DE_U64SET_H
#define DE_U64SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct u64set {
	uint64_t *v;     /* cap slots, 0 empty */
	size_t n, cap;
} u64set_t;

/* Adds h. Returns 1 when h was not in the set, 0 when it was, -1 when memory ran out (not added). */
int u64set_add(u64set_t *s, uint64_t h);
/* 1 when h is in the set. */
int u64set_has(const u64set_t *s, uint64_t h);
/* The number of values held. */
size_t u64set_len(const u64set_t *s);
void u64set_free(u64set_t *s);

#endif

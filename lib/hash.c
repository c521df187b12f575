/* hash: see hash.h. */
#include "hash.h"

#include <ctype.h>

#define FNV_PRIME 1099511628211ULL

uint64_t
hash_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
hash_str(const char *s)
{
	uint64_t h = HASH_FNV_OFFSET;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
hash_add_ci(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
hash_short(const void *p, size_t n)
{
	return hash_add(HASH_FNV_OFFSET_SHORT, p, n);
}

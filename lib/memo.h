/*
 * memo: a fixed number of slots remembering what short strings gave (two
 * ints each), for lookups worth not repeating (a title's rule, a label's
 * role). Each key has one slot, chosen by its hash: a key landing in a taken
 * slot replaces what was there, so the memory stays fixed whatever the input
 * and a forgotten key is only looked up again. Unlike lib/lru.h it keeps no
 * order and allocates only the keys.
 *
 * Ownership: the memo copies the keys it keeps. Nothing here prints or exits.
 */
#ifndef DE_MEMO_H
#define DE_MEMO_H

#include <stddef.h>

typedef struct memo memo_t;

/* slots >= 1; keys longer than max_key bytes are not remembered. NULL on ENOMEM. */
memo_t *memo_new(size_t slots, size_t max_key);
void memo_free(memo_t *m);
/* Forgets every key. */
void memo_clear(memo_t *m);
/* 1 with the values in *a and *b (either may be NULL) when key is remembered, else 0. */
int memo_get(const memo_t *m, const char *key, int *a, int *b);
/* Remembers key's values (silently not when the key is too long or memory runs out). */
void memo_put(memo_t *m, const char *key, int a, int b);

#endif

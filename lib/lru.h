/*
 * lru: a map of string keys to values with a hard cap on how many it holds;
 * past the cap the value used longest ago goes. For memos that must stay
 * bounded whatever the input (an email on many deals read once).
 *
 * Ownership: lru_put() takes the value over; the map frees it with the
 * free function given to lru_new() when it is replaced, evicted or the map
 * is freed. lru_get() lends it: it lives until the next lru_put() or
 * lru_free() (a caller keeping it longer takes its own reference).
 */
#ifndef DE_LRU_H
#define DE_LRU_H

#include <stddef.h>

typedef struct lru lru_t;

/* NULL when memory runs out. free_fn may be NULL. */
lru_t *lru_new(size_t cap, void (*free_fn)(void *));
void lru_free(lru_t *l);

/* The value of key (now the most recently used), or NULL. */
void *lru_get(lru_t *l, const char *key);

/* The same without making it the most recently used. */
void *lru_peek(const lru_t *l, const char *key);

/*
 * Sets key to val (taken over, even on failure: freed then). Returns 0, or
 * -1 when memory runs out.
 */
int lru_put(lru_t *l, const char *key, void *val);

size_t lru_count(const lru_t *l);

#endif

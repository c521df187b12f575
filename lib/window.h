/*
 * window: a bounded read-ahead window of records that leave in input order.
 *
 * A stage that fills provider calls across records (apollo-enrich packs the
 * emails of several deals into one bulk call; serper-signals asks for the
 * domains of several accounts at once) reads ahead up to `cap` items, notes
 * for each how many answers it still waits for, and lets an item leave only
 * when it is at the head and waits for nothing. Memory is bounded by the cap,
 * whatever the length of the input.
 *
 * The window also holds a table of the keys whose answers are under way (an
 * email, a domain) with a value of the caller's, so that a key wanted by
 * several items in the window is asked for once.
 *
 * Items are numbered in the order they enter (0, 1, 2, ...); the number
 * ("seq") names an item while it is in the window.
 *
 * Ownership: the window stores the caller's pointers and never frees them,
 * except in window_free() through the callbacks given there. Keys are copied.
 */
#ifndef DE_WINDOW_H
#define DE_WINDOW_H

#include <stddef.h>

enum {
	WINDOW_OK = 0,
	WINDOW_ENOMEM = -1,
	WINDOW_EFULL = -2,    /* window_push on a full window */
	WINDOW_EEXIST = -3,   /* window_key_put of a key already there */
	WINDOW_ENOENT = -4    /* a seq that is not in the window */
};

typedef struct window window_t;

/* A window of at most cap items (cap >= 1). NULL when memory runs out or cap is 0. */
window_t *window_new(size_t cap);
/*
 * Frees the window. Items still in it go to free_item, values still in the key
 * table to free_val (either may be NULL).
 */
void window_free(window_t *w, void (*free_item)(void *item), void (*free_val)(void *val));

size_t window_count(const window_t *w);
size_t window_cap(const window_t *w);
int window_full(const window_t *w);

/*
 * Appends item at the tail, waiting for `waits` answers. Returns WINDOW_OK
 * with *seq (may be NULL) set to its number, or WINDOW_EFULL.
 */
int window_push(window_t *w, void *item, unsigned waits, unsigned long long *seq);

/* The item numbered seq, or NULL when it is not (or no longer) in the window. */
void *window_get(const window_t *w, unsigned long long seq);

/*
 * One of the answers item seq waits for has come. Returns how many it still
 * waits for, or WINDOW_ENOENT. Never goes below 0.
 */
int window_done(window_t *w, unsigned long long seq);

/* Item seq waits for n more answers. Returns WINDOW_OK or WINDOW_ENOENT. */
int window_wait_more(window_t *w, unsigned long long seq, unsigned n);

/* How many answers item seq still waits for, or WINDOW_ENOENT. */
int window_waits(const window_t *w, unsigned long long seq);

/*
 * The head (oldest) item, or NULL when the window is empty; *waits (may be
 * NULL) gets how many answers it waits for and *seq (may be NULL) its number.
 */
void *window_head(const window_t *w, unsigned *waits, unsigned long long *seq);

/* Removes and returns the head item when it waits for nothing; NULL otherwise. */
void *window_pop_ready(window_t *w);

/* The key table: the value stored under key, or NULL. */
void *window_key_get(const window_t *w, const char *key);
/* Stores val under key. Returns WINDOW_OK, WINDOW_EEXIST or WINDOW_ENOMEM. */
int window_key_put(window_t *w, const char *key, void *val);
/* Removes key; returns its value, or NULL when it was not there. */
void *window_key_del(window_t *w, const char *key);
size_t window_key_count(const window_t *w);

#endif

#include "lru.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct node {
	struct node *chain;        /* the next in its bucket */
	struct node *newer, *older;
	uint64_t h;
	void *val;
	char key[];
};

struct lru {
	struct node **bucket;
	size_t nbucket, count, cap;
	struct node *newest, *oldest;
	void (*free_fn)(void *);
};

lru_t *
lru_new(size_t cap, void (*free_fn)(void *))
{
	lru_t *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->cap = cap ? cap : 1;
	/* Twice the cap, a power of two: short chains. */
	for (l->nbucket = 16; l->nbucket < 2 * l->cap; l->nbucket *= 2)
		;
	if ((l->bucket = calloc(l->nbucket, sizeof *l->bucket)) == NULL) {
		free(l);
		return NULL;
	}
	l->free_fn = free_fn;
	return l;
}

static void
drop_value(lru_t *l, void *val)
{
	if (l->free_fn && val)
		l->free_fn(val);
}

void
lru_free(lru_t *l)
{
	struct node *n, *next;

	if (l == NULL)
		return;
	for (n = l->newest; n; n = next) {
		next = n->older;
		drop_value(l, n->val);
		free(n);
	}
	free(l->bucket);
	free(l);
}

static void
unlink_age(lru_t *l, struct node *n)
{
	if (n->newer)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	if (n->older)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
	n->newer = n->older = NULL;
}

static void
link_newest(lru_t *l, struct node *n)
{
	n->older = l->newest;
	n->newer = NULL;
	if (l->newest)
		l->newest->newer = n;
	l->newest = n;
	if (l->oldest == NULL)
		l->oldest = n;
}

static struct node **
find(const lru_t *l, const char *key, uint64_t h)
{
	struct node **p = &l->bucket[h & (l->nbucket - 1)];

	for (; *p; p = &(*p)->chain)
		if ((*p)->h == h && strcmp((*p)->key, key) == 0)
			break;
	return p;
}

void *
lru_get(lru_t *l, const char *key)
{
	struct node *n = *find(l, key, hash_str(key));

	if (n == NULL)
		return NULL;
	if (l->newest != n) {
		unlink_age(l, n);
		link_newest(l, n);
	}
	return n->val;
}

void *
lru_peek(const lru_t *l, const char *key)
{
	struct node *n = *find(l, key, hash_str(key));

	return n ? n->val : NULL;
}

int
lru_put(lru_t *l, const char *key, void *val)
{
	uint64_t h = hash_str(key);
	struct node **p = find(l, key, h), *n, *old;
	size_t klen = strlen(key);

	if ((n = *p) != NULL) {
		drop_value(l, n->val);
		n->val = val;
		unlink_age(l, n);
		link_newest(l, n);
		return 0;
	}
	if ((n = malloc(sizeof *n + klen + 1)) == NULL) {
		drop_value(l, val);
		return -1;
	}
	memcpy(n->key, key, klen + 1);
	n->h = h;
	n->val = val;
	n->chain = NULL;
	if (l->count == l->cap) {
		old = l->oldest;
		unlink_age(l, old);
		*find(l, old->key, old->h) = old->chain;
		drop_value(l, old->val);
		free(old);
		l->count--;
		p = find(l, key, h);   /* the chain may have changed */
	}
	*p = n;
	link_newest(l, n);
	l->count++;
	return 0;
}

size_t
lru_count(const lru_t *l)
{
	return l->count;
}

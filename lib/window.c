#include "window.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct wslot {
	void *item;
	unsigned waits;
};

struct wkey {
	struct wkey *next;
	void *val;
	uint64_t hash;
	char key[];
};

struct window {
	struct wslot *ring;
	size_t cap, head, count;
	unsigned long long head_seq;   /* the number of the item at ring[head] */
	struct wkey **bucket;
	size_t nbucket, nkeys;
};

window_t *
window_new(size_t cap)
{
	window_t *w;

	if (cap == 0 || (w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->cap = cap;
	w->nbucket = 64;
	if ((w->ring = calloc(cap, sizeof *w->ring)) == NULL ||
	    (w->bucket = calloc(w->nbucket, sizeof *w->bucket)) == NULL) {
		free(w->ring);
		free(w);
		return NULL;
	}
	return w;
}

void
window_free(window_t *w, void (*free_item)(void *), void (*free_val)(void *))
{
	struct wkey *k, *next;
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->count; i++)
		if (free_item)
			free_item(w->ring[(w->head + i) % w->cap].item);
	for (i = 0; i < w->nbucket; i++)
		for (k = w->bucket[i]; k; k = next) {
			next = k->next;
			if (free_val)
				free_val(k->val);
			free(k);
		}
	free(w->bucket);
	free(w->ring);
	free(w);
}

size_t
window_count(const window_t *w)
{
	return w->count;
}

size_t
window_cap(const window_t *w)
{
	return w->cap;
}

int
window_full(const window_t *w)
{
	return w->count >= w->cap;
}

int
window_push(window_t *w, void *item, unsigned waits, unsigned long long *seq)
{
	struct wslot *s;

	if (w->count >= w->cap)
		return WINDOW_EFULL;
	s = &w->ring[(w->head + w->count) % w->cap];
	s->item = item;
	s->waits = waits;
	if (seq)
		*seq = w->head_seq + w->count;
	w->count++;
	return WINDOW_OK;
}

static struct wslot *
slot_of(const window_t *w, unsigned long long seq)
{
	if (seq < w->head_seq || seq - w->head_seq >= w->count)
		return NULL;
	return &w->ring[(w->head + (size_t)(seq - w->head_seq)) % w->cap];
}

void *
window_get(const window_t *w, unsigned long long seq)
{
	struct wslot *s = slot_of(w, seq);

	return s ? s->item : NULL;
}

int
window_done(window_t *w, unsigned long long seq)
{
	struct wslot *s = slot_of(w, seq);

	if (s == NULL)
		return WINDOW_ENOENT;
	if (s->waits > 0)
		s->waits--;
	return (int)s->waits;
}

int
window_wait_more(window_t *w, unsigned long long seq, unsigned n)
{
	struct wslot *s = slot_of(w, seq);

	if (s == NULL)
		return WINDOW_ENOENT;
	s->waits += n;
	return WINDOW_OK;
}

int
window_waits(const window_t *w, unsigned long long seq)
{
	struct wslot *s = slot_of(w, seq);

	return s ? (int)s->waits : WINDOW_ENOENT;
}

void *
window_head(const window_t *w, unsigned *waits, unsigned long long *seq)
{
	if (w->count == 0)
		return NULL;
	if (waits)
		*waits = w->ring[w->head].waits;
	if (seq)
		*seq = w->head_seq;
	return w->ring[w->head].item;
}

void *
window_pop_ready(window_t *w)
{
	void *item;

	if (w->count == 0 || w->ring[w->head].waits > 0)
		return NULL;
	item = w->ring[w->head].item;
	w->ring[w->head].item = NULL;
	w->head = (w->head + 1) % w->cap;
	w->head_seq++;
	w->count--;
	return item;
}

static struct wkey **
key_find(const window_t *w, const char *key, uint64_t h)
{
	struct wkey **p;

	for (p = &w->bucket[h % w->nbucket]; *p; p = &(*p)->next)
		if ((*p)->hash == h && strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

void *
window_key_get(const window_t *w, const char *key)
{
	struct wkey **p;

	if (w->nkeys == 0)   /* a warm cache asks for nothing: no key to hash */
		return NULL;
	p = key_find(w, key, hash_str(key));
	return *p ? (*p)->val : NULL;
}

static int
grow(window_t *w)
{
	struct wkey **nb, *k, *next;
	size_t i, n = w->nbucket * 2;

	if ((nb = calloc(n, sizeof *nb)) == NULL)
		return WINDOW_ENOMEM;
	for (i = 0; i < w->nbucket; i++)
		for (k = w->bucket[i]; k; k = next) {
			next = k->next;
			k->next = nb[k->hash % n];
			nb[k->hash % n] = k;
		}
	free(w->bucket);
	w->bucket = nb;
	w->nbucket = n;
	return WINDOW_OK;
}

int
window_key_put(window_t *w, const char *key, void *val)
{
	uint64_t h = hash_str(key);
	struct wkey **p = key_find(w, key, h), *k;
	size_t n;

	if (*p)
		return WINDOW_EEXIST;
	if (w->nkeys + 1 > w->nbucket * 2) {
		if (grow(w) != WINDOW_OK)
			return WINDOW_ENOMEM;
		p = key_find(w, key, h);
	}
	n = strlen(key);
	if ((k = malloc(sizeof *k + n + 1)) == NULL)
		return WINDOW_ENOMEM;
	memcpy(k->key, key, n + 1);
	k->hash = h;
	k->val = val;
	k->next = NULL;
	*p = k;
	w->nkeys++;
	return WINDOW_OK;
}

void *
window_key_del(window_t *w, const char *key)
{
	struct wkey **p = key_find(w, key, hash_str(key)), *k;
	void *val;

	if ((k = *p) == NULL)
		return NULL;
	*p = k->next;
	val = k->val;
	free(k);
	w->nkeys--;
	return val;
}

size_t
window_key_count(const window_t *w)
{
	return w->nkeys;
}

/* memo: see memo.h. */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct slot {
	char *key;
	int a, b;
};

struct memo {
	struct slot *slot;
	size_t n, max_key;
};

memo_t *
memo_new(size_t slots, size_t max_key)
{
	memo_t *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->n = slots ? slots : 1;
	m->max_key = max_key;
	if ((m->slot = calloc(m->n, sizeof *m->slot)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
memo_clear(memo_t *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->slot[i].key);
		m->slot[i].key = NULL;
	}
}

void
memo_free(memo_t *m)
{
	if (m == NULL)
		return;
	memo_clear(m);
	free(m->slot);
	free(m);
}

int
memo_get(const memo_t *m, const char *key, int *a, int *b)
{
	const struct slot *s = &m->slot[hash_str(key) % m->n];

	if (s->key == NULL || strcmp(s->key, key) != 0)
		return 0;
	if (a)
		*a = s->a;
	if (b)
		*b = s->b;
	return 1;
}

void
memo_put(memo_t *m, const char *key, int a, int b)
{
	struct slot *s = &m->slot[hash_str(key) % m->n];
	char *copy;

	if (strlen(key) > m->max_key || (copy = strdup(key)) == NULL)
		return;
	free(s->key);
	s->key = copy;
	s->a = a;
	s->b = b;
}

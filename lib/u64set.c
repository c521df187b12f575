#include "u64set.h"

#include <stdlib.h>

int
u64set_has(const u64set_t *s, uint64_t h)
{
	size_t i;

	if (h == 0)
		h = 1;
	if (s->cap == 0)
		return 0;
	for (i = h & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == h)
			return 1;
	return 0;
}

static int
grow(u64set_t *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024, i, j;
	uint64_t *nv = calloc(ncap, sizeof *nv);

	if (nv == NULL)
		return -1;
	for (j = 0; j < s->cap; j++) {
		if (s->v[j] == 0)
			continue;
		for (i = s->v[j] & (ncap - 1); nv[i]; i = (i + 1) & (ncap - 1))
			;
		nv[i] = s->v[j];
	}
	free(s->v);
	s->v = nv;
	s->cap = ncap;
	return 0;
}

int
u64set_add(u64set_t *s, uint64_t h)
{
	size_t i;

	if (h == 0)
		h = 1;
	if (u64set_has(s, h))
		return 0;
	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return -1;
	for (i = h & (s->cap - 1); s->v[i]; i = (i + 1) & (s->cap - 1))
		;
	s->v[i] = h;
	s->n++;
	return 1;
}

size_t
u64set_len(const u64set_t *s)
{
	return s->n;
}

void
u64set_free(u64set_t *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

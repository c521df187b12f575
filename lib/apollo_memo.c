#include "apollo_memo.h"

#include <stdlib.h>

#include "lru.h"

struct apollo_memo {
	lru_t *lru;
};

apollo_answer_t *
apollo_answer_new(json_t *person, time_t fetched)
{
	apollo_answer_t *a = calloc(1, sizeof *a);

	if (a == NULL || (person && (a->facts = apollo_facts_new(person)) == NULL)) {
		json_free(person);
		free(a);
		return NULL;
	}
	/* The facts are all that is needed of the person from now on. */
	json_free(person);
	a->refs = 1;
	a->fetched = fetched;
	return a;
}

apollo_answer_t *
apollo_answer_ref(apollo_answer_t *a)
{
	if (a)
		a->refs++;
	return a;
}

void
apollo_answer_unref(apollo_answer_t *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	apollo_facts_free(a->facts);
	free(a);
}

apollo_answer_t *
apollo_answer_of_cache(const json_t *v, time_t fetched, int *bad)
{
	const json_t *person;
	json_t *p = NULL;
	int k;

	*bad = 0;
	if ((k = apollo_cache_read(v, &person)) < 0) {
		*bad = 1;
		return NULL;
	}
	if (k && (p = json_clone(person)) == NULL)
		return NULL;
	return apollo_answer_new(p, fetched);
}

static void
unref_v(void *a)
{
	apollo_answer_unref(a);
}

apollo_memo_t *
apollo_memo_new(size_t cap)
{
	apollo_memo_t *m = calloc(1, sizeof *m);

	if (m == NULL || (m->lru = lru_new(cap, unref_v)) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
apollo_memo_free(apollo_memo_t *m)
{
	if (m == NULL)
		return;
	lru_free(m->lru);
	free(m);
}

apollo_answer_t *
apollo_memo_get(apollo_memo_t *m, const char *key, long ttl, time_t now)
{
	apollo_answer_t *a;

	if (m == NULL || (a = lru_get(m->lru, key)) == NULL)
		return NULL;
	if (ttl > 0 && (long long)now - (long long)a->fetched > ttl)
		return NULL;
	return a;
}

int
apollo_memo_put(apollo_memo_t *m, const char *key, apollo_answer_t *a)
{
	if (m == NULL)
		return -1;
	/* On failure lru_put drops the reference taken here. */
	return lru_put(m->lru, key, apollo_answer_ref(a));
}

/* jmap: see jmap.h. */
#include "jmap.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct jmap_ent {
	char *key;
	json_t *val;
	struct jmap_ent *next;
};

json_t *
jmap_get(const struct jmap *m, const char *k)
{
	if (m->nb == 0)
		return NULL;
	for (struct jmap_ent *e = m->b[hash_str(k) % m->nb]; e; e = e->next)
		if (strcmp(e->key, k) == 0)
			return e->val;
	return NULL;
}

int
jmap_put(struct jmap *m, const char *k, json_t *owned)
{
	struct jmap_ent *e;
	size_t i;

	if (owned == NULL)
		return -1;
	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 64;
		struct jmap_ent **b = calloc(nb, sizeof *b);
		if (b == NULL) {
			json_free(owned);
			return -1;
		}
		for (i = 0; i < m->nb; i++)
			while (m->b[i]) {
				e = m->b[i];
				m->b[i] = e->next;
				e->next = b[hash_str(e->key) % nb];
				b[hash_str(e->key) % nb] = e;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	i = hash_str(k) % m->nb;
	for (e = m->b[i]; e; e = e->next)
		if (strcmp(e->key, k) == 0) {
			json_free(e->val);
			e->val = owned;
			return 0;
		}
	if ((e = malloc(sizeof *e)) == NULL || (e->key = strdup(k)) == NULL) {
		free(e);
		json_free(owned);
		return -1;
	}
	e->val = owned;
	e->next = m->b[i];
	m->b[i] = e;
	m->n++;
	return 0;
}

void
jmap_free(struct jmap *m)
{
	for (size_t i = 0; i < m->nb; i++)
		while (m->b[i]) {
			struct jmap_ent *e = m->b[i];
			m->b[i] = e->next;
			free(e->key);
			json_free(e->val);
			free(e);
		}
	free(m->b);
	m->b = NULL;
	m->nb = m->n = 0;
}

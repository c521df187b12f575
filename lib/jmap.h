/*
 * jmap: a string -> JSON value hash map (chained, doubling), for the joins of
 * CRM exports: contacts by ID, a deal's contacts by key, accounts by ID and
 * by name. Keys are compared byte for byte: callers normalize them first.
 *
 * A struct jmap is zero-initialized to be empty ({0}) and owns its keys
 * (copies) and its values (taken over by jmap_put); jmap_free() frees both.
 * Nothing here prints or exits.
 */
#ifndef DE_JMAP_H
#define DE_JMAP_H

#include <stddef.h>
#include "json.h"

struct jmap_ent;

struct jmap {
	struct jmap_ent **b;
	size_t nb, n;
};

/* The value under k, borrowed; NULL when there is none. */
json_t *jmap_get(const struct jmap *m, const char *k);
/* Puts owned under k, freeing a value that was there; owned is taken over,
 * also on failure. Returns 0, or -1 when memory runs out (or owned is NULL). */
int jmap_put(struct jmap *m, const char *k, json_t *owned);
/* Frees every key and value; m is empty again. */
void jmap_free(struct jmap *m);

#endif

/*
 * apollo_memo: Apollo's answers held once and shared by reference, and the
 * memo that keeps the most recently used of them by key, so that an email met
 * on many deals is not read from the cache, parsed and serialized again for
 * each (apollo-enrich).
 *
 * Ownership: an answer is reference counted. apollo_answer_new() and
 * apollo_answer_of_cache() return one reference; apollo_answer_ref() takes
 * another; apollo_answer_unref() drops one and frees the answer with the
 * last. The memo holds a reference of its own to each answer it keeps
 * (dropped when the key is evicted or the memo freed); apollo_memo_get()
 * lends one (take a reference to keep it past the next put).
 */
#ifndef DE_APOLLO_MEMO_H
#define DE_APOLLO_MEMO_H

#include <stddef.h>
#include <time.h>
#include "apollo.h"
#include "json.h"

typedef struct apollo_answer {
	size_t refs;
	apollo_facts_t *facts;     /* the kept subset of the person, read for the contact
	                            * fields; NULL: Apollo does not know the email */
	time_t fetched;            /* when Apollo answered */
} apollo_answer_t;

/* Takes person over (NULL: not found). NULL when memory runs out (person freed). */
apollo_answer_t *apollo_answer_new(json_t *person, time_t fetched);
/*
 * A cache value (apollo_cache_value()) as an answer. NULL when it is not one
 * (*bad = 1) or memory ran out (*bad = 0).
 */
apollo_answer_t *apollo_answer_of_cache(const json_t *v, time_t fetched, int *bad);
apollo_answer_t *apollo_answer_ref(apollo_answer_t *a);   /* a may be NULL */
void apollo_answer_unref(apollo_answer_t *a);             /* a may be NULL */

typedef struct apollo_memo apollo_memo_t;

/* A memo of at most cap answers (the least recently used goes); NULL when memory runs out. */
apollo_memo_t *apollo_memo_new(size_t cap);
void apollo_memo_free(apollo_memo_t *m);
/*
 * The answer of key when it is no older than ttl seconds (ttl <= 0: any age);
 * borrowed. A NULL memo (one that could not be made) holds nothing.
 */
apollo_answer_t *apollo_memo_get(apollo_memo_t *m, const char *key, long ttl, time_t now);
/*
 * Keeps a reference to a under key. Returns 0, or -1 when memory runs out (the
 * memo is then only less useful; a is untouched).
 */
int apollo_memo_put(apollo_memo_t *m, const char *key, apollo_answer_t *a);

#endif

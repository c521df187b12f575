/*
 * cache: provider answers kept in the db's cache table, so that no API credit
 * is paid twice (DESIGN §6).
 *
 * An entry is a JSON value with the time it was fetched, under
 * provider + workspace + key (the key already normalized by the caller: a
 * lowercased email, a domain). A "not found" answer is cached like any other:
 * the caller stores whatever value stands for it.
 *
 * Ownership: cache_get() returns a json_t the caller frees.
 */
#ifndef DE_CACHE_H
#define DE_CACHE_H

#include <time.h>
#include "db.h"
#include "json.h"

/*
 * Looks up an entry no older than ttl seconds at now (ttl <= 0: any age).
 * Returns DB_OK with *val and *fetched_at (either may be NULL), DB_NOTFOUND
 * when absent or expired, or a DB_E* error with err set. An entry that does
 * not parse counts as absent.
 */
int cache_get(db_t *db, const char *provider, const char *workspace, const char *key,
    long ttl, time_t now, json_t **val, time_t *fetched_at, char *err, size_t errlen);

/* Stores val fetched at fetched_at, in its own short transaction. */
int cache_put(db_t *db, const char *provider, const char *workspace, const char *key,
    const json_t *val, time_t fetched_at, char *err, size_t errlen);

/*
 * Records val in batch b (lib/db.h), to be committed with the batch's other
 * writes in one transaction: the answers of one call. Returns DB_OK, or
 * DB_ENOMEM or DB_EKEY (err set).
 */
int cache_put_batch(db_batch_t *b, const char *provider, const char *workspace, const char *key,
    const json_t *val, time_t fetched_at, char *err, size_t errlen);

/*
 * A provider's answer as a cache value, the same shape for every provider:
 * {"status":"enriched","<field>":<a copy of found>} or, when found is NULL,
 * {"status":"not_found"} ("not found" is cached like any answer). NULL when
 * memory runs out.
 */
json_t *cache_answer_value(const char *field, const json_t *found);
/*
 * Reads such a value: 1 (found: *found is v's field, an object, borrowed from
 * v), 0 (not found), -1 (not an answer value: treat as a miss).
 */
int cache_answer_read(const json_t *v, const char *field, const json_t **found);

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (at least 21 bytes). */
void cache_time_format(time_t t, char *out, size_t n);
/* Parses that format; returns 0 or -1. */
int cache_time_parse(const char *s, time_t *out);

#endif

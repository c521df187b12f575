/*
 * store_read: a deal's stored value, and scans of the facts and of the role
 * index as JSON trees (store.h for the formats). Values handed to a scan's
 * fn are borrowed for the call; store_get's *val is the caller's to
 * json_free().
 */
#ifndef DE_STORE_READ_H
#define DE_STORE_READ_H

#include <stddef.h>
#include "db.h"
#include "store_schema.h"

/*
 * The stored value of one deal ({"status","loaded_at","record"}). Returns
 * DB_OK with *val, DB_NOTFOUND, or an error.
 */
int store_get(db_t *db, const char *ws, const char *deal_id, json_t **val, char *err,
    size_t errlen);
/*
 * 1 when the store holds ws's deal_id with status "enriched"; 0 when it
 * holds it otherwise, does not hold it, or its value does not parse; -1 on a
 * db error (err says which).
 */
int store_is_enriched(db_t *db, const char *ws, const char *deal_id, char *err,
    size_t errlen);

/*
 * Calls fn with the facts of every deal of ws, in deal_id key order. fn
 * returns 0 to go on. A facts entry that does not parse is skipped and
 * counted in *bad (may be NULL). Returns DB_OK or an error.
 */
typedef int (*store_facts_fn)(const json_t *facts, void *ctx);
int store_scan_facts(db_t *db, const char *ws, store_facts_fn fn, void *ctx,
    size_t *bad, char *err, size_t errlen);

/* The role index entries of an account (for tests and role-resolve): calls fn
 * with the email, the deal_id and the value. */
typedef int (*store_role_fn)(const char *email, const char *deal_id, const json_t *val,
    void *ctx);
int store_scan_roles(db_t *db, const char *ws, const char *account_key, store_role_fn fn,
    void *ctx, char *err, size_t errlen);

#endif

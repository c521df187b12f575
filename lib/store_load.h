/*
 * store_load: deals-load's writes. A loader merges each record over the
 * stored one (store_merge.h), writes the deal, its facts and its role index
 * entries in batches, and merges again inside the commit when another
 * process changed the deal in between. The loader owns its batch.
 */
#ifndef DE_STORE_LOAD_H
#define DE_STORE_LOAD_H

#include <stddef.h>
#include <time.h>
#include "db.h"
#include "store_schema.h"

typedef struct store_loader store_loader_t;

/*
 * A loader writing up to batch_deals deals (1 or more; 0 means 256) in one
 * db_batch. Returns NULL when memory runs out.
 */
store_loader_t *store_loader_new(db_t *db, size_t batch_deals);

/*
 * Merges rec into the store under workspace ws. The write happens in the
 * loader's current batch, committed every batch_deals deals and by
 * store_loader_flush(). now is the load time. Returns DB_OK, DB_ENOMEM or
 * DB_EIO (err set); nums (may be NULL) gets the deal's numbers. A record
 * without a deal_id is the caller's to reject (DB_EKEY).
 */
int store_load(store_loader_t *l, const char *ws, const json_t *rec, time_t now,
    struct store_deal_numbers *nums, char *err, size_t errlen);
/* Commits what is pending. */
int store_loader_flush(store_loader_t *l, char *err, size_t errlen);
/* Frees the loader; pending writes not flushed are dropped. */
void store_loader_free(store_loader_t *l);

/* Records ws's last deals-load run time. */
int store_set_last_run(db_t *db, const char *ws, time_t t, char *err, size_t errlen);
/* Reads it into out (21 bytes); DB_NOTFOUND when never set. */
int store_get_last_run(db_t *db, const char *ws, char *out, size_t n, char *err,
    size_t errlen);

#endif

/*
 * db: the LMDB environment every program shares (DESIGN §2): the provider
 * cache, the deal store, the usage ledger and their indexes, each a named
 * database ("table") in one directory.
 *
 * Transactions are short and never outlive a call of this module, so no
 * transaction is ever held across a network call. When the map fills up
 * (MDB_MAP_FULL) it is grown and the write retried; when another process grew
 * it (MDB_MAP_RESIZED) the new size is adopted. Stale reader slots of killed
 * processes are cleared at open (mdb_reader_check).
 *
 * Keys: db_key() joins parts with the unit separator 0x1f, workspace first, so
 * that one workspace's entries never answer for another's.
 *
 * Ownership: db_get() and db_update() hand out malloc'd copies the caller
 * frees; db_scan() lends the bytes to its callback for the callback's duration.
 * Every function returns DB_OK, DB_NOTFOUND or a negative DB_E* code and, when
 * err is not NULL, fills it with the reason.
 */
#ifndef DE_DB_H
#define DE_DB_H

#include <stddef.h>
#include "buf.h"

typedef enum {
	DB_CACHE,    /* provider answers, by provider + workspace + key */
	DB_DEALS,    /* the deal store, by workspace + deal_id */
	DB_USAGE,    /* the usage ledger, by workspace + provider + month */
	DB_INDEX,    /* contact-by-account and other lookups */
	DB_META,     /* run times, schema version */
	DB_NTABLES
} db_table;

enum {
	DB_OK = 0,
	DB_NOTFOUND = 1,
	DB_ENOMEM = -1,
	DB_EIO = -2,       /* LMDB or the file system failed: exit 74 */
	DB_EKEY = -3,      /* a key that is empty */
	DB_ESTOP = -4      /* a callback asked to stop (not an error for db_scan) */
};

#define DB_KEY_SEP '\x1f'

typedef struct db db_t;

/*
 * Opens (creating when needed, with mode 0700) the environment in directory
 * dir. readonly opens without creating. Returns DB_OK or DB_EIO.
 */
int db_open(const char *dir, int readonly, db_t **out, char *err, size_t errlen);
/*
 * The same for a reader that must not create a db: DB_NOTFOUND (and *out
 * NULL) when dir holds none yet or is absent, so that it can answer "nothing
 * yet"; DB_EIO when something else is in the way (dir is a file).
 */
int db_open_existing(const char *dir, int readonly, db_t **out, char *err, size_t errlen);
void db_close(db_t *db);
const char *db_dir(const db_t *db);

/*
 * Builds a key from the NULL-terminated list of parts joined by DB_KEY_SEP.
 * Keys longer than LMDB allows keep a prefix and end in a 64-bit hash of the
 * whole, so any key can be stored. Returns DB_OK or DB_ENOMEM.
 */
int db_key(buf_t *key, const char *first, ...) __attribute__((sentinel));

/* Reads a copy of the value (NUL-terminated, *vlen without the NUL). */
int db_get(db_t *db, db_table t, const char *key, size_t klen, char **val,
    size_t *vlen, char *err, size_t errlen);
/* Writes in its own short transaction. */
int db_put(db_t *db, db_table t, const char *key, size_t klen, const void *val,
    size_t vlen, char *err, size_t errlen);
int db_del(db_t *db, db_table t, const char *key, size_t klen, char *err, size_t errlen);

/*
 * Read-modify-write in one write transaction: fn gets the current value (NULL
 * when absent) and sets *newval (malloc'd, taken over by db_update) or leaves it
 * NULL to write nothing. fn returns 0, or non-zero to abort (returned as is).
 */
typedef int (*db_update_fn)(const char *old, size_t oldlen, char **newval,
    size_t *newlen, void *ctx);
int db_update(db_t *db, db_table t, const char *key, size_t klen, db_update_fn fn,
    void *ctx, char *err, size_t errlen);

/*
 * Several reads and writes in one write transaction, for what must be decided
 * and written atomically across processes (lib/claim.h). fn reads and writes
 * through txn with db_txn_get/db_txn_put/db_txn_del and returns 0 to commit,
 * or non-zero to abort (returned as is; use negative codes above -100).
 * fn may run more than once (the whole transaction is replayed after the map
 * grows), so it must leave no effect outside the transaction that a replay
 * would repeat wrongly. The handle is valid only inside fn.
 */
typedef struct db_txn db_txn_t;
typedef int (*db_write_fn)(db_txn_t *txn, void *ctx);
int db_write(db_t *db, db_write_fn fn, void *ctx, char *err, size_t errlen);
/*
 * Inside fn: *val is borrowed from the map and valid until the next
 * db_txn_put/db_txn_del or the end of fn. Each returns DB_OK, DB_NOTFOUND
 * (get, del) or DB_EIO; after DB_EIO fn must return non-zero (the
 * transaction is lost; db_write reports why, or replays it).
 */
int db_txn_get(db_txn_t *txn, db_table t, const char *key, size_t klen, const char **val,
    size_t *vlen);
int db_txn_put(db_txn_t *txn, db_table t, const char *key, size_t klen, const void *val,
    size_t vlen);
int db_txn_del(db_txn_t *txn, db_table t, const char *key, size_t klen);
/*
 * Calls fn for every entry whose key starts with prefix, in key order, inside
 * one read transaction. fn returns 0 to go on, non-zero to stop. Returns DB_OK
 * (also when stopped) or an error.
 */
typedef int (*db_scan_fn)(const char *key, size_t klen, const char *val, size_t vlen,
    void *ctx);
int db_scan(db_t *db, db_table t, const char *prefix, size_t plen, db_scan_fn fn,
    void *ctx, char *err, size_t errlen);

/*
 * Batched writes: db_batch_put() only records; db_batch_commit() writes them
 * all in one short transaction (replayed after growing the map if it fills).
 * db_batch_free() frees a batch, committed or not.
 */
typedef struct db_batch db_batch_t;
db_batch_t *db_batch_new(db_t *db);
int db_batch_put(db_batch_t *b, db_table t, const char *key, size_t klen,
    const void *val, size_t vlen);
size_t db_batch_count(const db_batch_t *b);
int db_batch_commit(db_batch_t *b, char *err, size_t errlen);
void db_batch_free(db_batch_t *b);

/* Entries in a table and the bytes the map file uses, for enrich-status. */
int db_stat(db_t *db, db_table t, size_t *entries, size_t *bytes, char *err, size_t errlen);

#endif

#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <lmdb.h>

#include "hash.h"

#define DB_INITIAL_MAP ((size_t)64 << 20)
#define DB_MAX_MAP ((size_t)1 << 40)

static const char *const table_names[DB_NTABLES] = {
	"cache", "deals", "usage", "index", "meta"
};

struct db {
	MDB_env *env;
	MDB_dbi dbi[DB_NTABLES];
	int readonly;
	char dir[4096];
};

struct batch_op {
	db_table t;
	char *key, *val;
	size_t klen, vlen;
};

struct db_batch {
	db_t *db;
	struct batch_op *ops;
	size_t n, alloc;
};

static int
fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int
mkdir_p(const char *path)
{
	char tmp[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, path, n + 1);
	for (i = 1; i < n; i++)
		if (tmp[i] == '/') {
			tmp[i] = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
				return -1;
			tmp[i] = '/';
		}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
db_open(const char *dir, int readonly, db_t **out, char *err, size_t errlen)
{
	MDB_txn *txn = NULL;
	db_t *db;
	int rc, dead, i, tries;
	struct stat st;

	*out = NULL;
	if ((db = calloc(1, sizeof *db)) == NULL)
		return fail(err, errlen, DB_ENOMEM, "out of memory");
	snprintf(db->dir, sizeof db->dir, "%s", dir);
	db->readonly = readonly;
	if (!readonly && mkdir_p(dir) != 0) {
		rc = fail(err, errlen, DB_EIO, "db %s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	if (readonly && stat(dir, &st) != 0) {
		rc = fail(err, errlen, DB_EIO, "db %s: %s", dir, strerror(errno));
		goto out;
	}
	if ((rc = mdb_env_create(&db->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(db->env, DB_NTABLES + 2)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, 254)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, DB_INITIAL_MAP)) != 0) {
		rc = fail(err, errlen, DB_EIO, "db %s: %s", dir, mdb_strerror(rc));
		goto out;
	}
	/*
	 * MDB_NOTLS: read transactions are not tied to a thread's slot. A reader
	 * that opens a db another process is creating at that moment can find its
	 * file still empty (ENOENT, MDB_INVALID): wait a little for the writer.
	 */
	for (i = 0; i < 40; i++) {
		rc = mdb_env_open(db->env, dir, MDB_NOTLS | (readonly ? MDB_RDONLY : 0), 0600);
		if (rc == 0 || !readonly || (rc != ENOENT && rc != MDB_INVALID))
			break;
		mdb_env_close(db->env);
		db->env = NULL;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
		if ((rc = mdb_env_create(&db->env)) != 0 ||
		    (rc = mdb_env_set_maxdbs(db->env, DB_NTABLES + 2)) != 0 ||
		    (rc = mdb_env_set_maxreaders(db->env, 254)) != 0 ||
		    (rc = mdb_env_set_mapsize(db->env, DB_INITIAL_MAP)) != 0)
			break;
		rc = ENOENT;
	}
	if (rc != 0) {
		rc = fail(err, errlen, DB_EIO, "db %s: %s", dir, mdb_strerror(rc));
		goto out;
	}
	mdb_reader_check(db->env, &dead);
	for (tries = 0;; tries++) {
		if ((rc = mdb_txn_begin(db->env, NULL, readonly ? MDB_RDONLY : 0, &txn)) != 0) {
			rc = fail(err, errlen, DB_EIO, "db %s: %s", dir, mdb_strerror(rc));
			goto out;
		}
		for (i = 0; i < DB_NTABLES; i++)
			if ((rc = mdb_dbi_open(txn, table_names[i], readonly ? 0 : MDB_CREATE,
			    &db->dbi[i])) != 0)
				break;
		if (rc != MDB_NOTFOUND || !readonly || tries >= 40)
			break;
		/* A writer creating the db right now commits all its tables at once. */
		mdb_txn_abort(txn);
		txn = NULL;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	if (rc == MDB_NOTFOUND && readonly) {
		rc = fail(err, errlen, DB_EIO, "db %s: no table '%s' yet (nothing was loaded)",
		    dir, table_names[i]);
		goto out;
	}
	if (rc != 0) {
		rc = fail(err, errlen, DB_EIO, "db %s: table %s: %s", dir, table_names[i],
		    mdb_strerror(rc));
		goto out;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		rc = fail(err, errlen, DB_EIO, "db %s: %s", dir, mdb_strerror(rc));
		goto out;
	}
	txn = NULL;
	*out = db;
	return DB_OK;
out:
	if (txn)
		mdb_txn_abort(txn);
	db_close(db);
	return rc;
}

int
db_open_existing(const char *dir, int readonly, db_t **out, char *err, size_t errlen)
{
	char probe[PATH_MAX];
	struct stat st;

	*out = NULL;
	if ((size_t)snprintf(probe, sizeof probe, "%s/data.mdb", dir) >= sizeof probe)
		return fail(err, errlen, DB_EIO, "db %s: path too long", dir);
	if (stat(probe, &st) != 0) {
		/* No db yet, in a directory or none; anything else (a file in the way) is an error. */
		if (errno == ENOENT)
			return DB_NOTFOUND;
		return fail(err, errlen, DB_EIO, "db %s: %s", dir, strerror(errno));
	}
	return db_open(dir, readonly, out, err, errlen);
}

void
db_close(db_t *db)
{
	if (db == NULL)
		return;
	if (db->env)
		mdb_env_close(db->env);
	free(db);
}

const char *
db_dir(const db_t *db)
{
	return db->dir;
}

int
db_key(buf_t *key, const char *first, ...)
{
	const char *part;
	va_list ap;
	int rc = BUF_OK;
	size_t max = 480;

	buf_reset(key);
	va_start(ap, first);
	for (part = first; part && rc == BUF_OK; part = va_arg(ap, const char *)) {
		if (part != first)
			rc = buf_addc(key, DB_KEY_SEP);
		if (rc == BUF_OK)
			rc = buf_adds(key, part);
	}
	va_end(ap);
	if (rc != BUF_OK)
		return DB_ENOMEM;
	if (buf_len(key) > max) {
		uint64_t h = hash_short(buf_ptr(key), buf_len(key));

		key->len = max - 17;
		if (buf_addf(key, "#%016llx", (unsigned long long)h) != BUF_OK)
			return DB_ENOMEM;
	}
	return DB_OK;
}

/* Begins a transaction, adopting a map another process grew. */
static int
txn_begin(db_t *db, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(db->env, NULL, flags, txn);

	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(db->env, 0);
		rc = mdb_txn_begin(db->env, NULL, flags, txn);
	}
	return rc;
}

static int
grow(db_t *db)
{
	MDB_envinfo info;

	mdb_env_info(db->env, &info);
	if (info.me_mapsize >= DB_MAX_MAP)
		return MDB_MAP_FULL;
	return mdb_env_set_mapsize(db->env, info.me_mapsize * 2);
}

int
db_get(db_t *db, db_table t, const char *key, size_t klen, char **val, size_t *vlen,
    char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	*val = NULL;
	if (vlen)
		*vlen = 0;
	if (klen == 0)
		return fail(err, errlen, DB_EKEY, "empty key");
	if ((rc = txn_begin(db, MDB_RDONLY, &txn)) != 0)
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	rc = mdb_get(txn, db->dbi[t], &k, &v);
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return DB_NOTFOUND;
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	}
	if ((*val = malloc(v.mv_size + 1)) == NULL) {
		mdb_txn_abort(txn);
		return fail(err, errlen, DB_ENOMEM, "out of memory");
	}
	memcpy(*val, v.mv_data, v.mv_size);
	(*val)[v.mv_size] = '\0';
	if (vlen)
		*vlen = v.mv_size;
	mdb_txn_abort(txn);
	return DB_OK;
}

/*
 * Runs one write transaction through apply(); on MDB_MAP_FULL the map is
 * grown and the whole transaction replayed, so a write never fails for space
 * while the disk has some.
 */
typedef int (*txn_apply_fn)(db_t *db, MDB_txn *txn, void *ctx);

static int
write_txn(db_t *db, txn_apply_fn apply, void *ctx, char *err, size_t errlen)
{
	MDB_txn *txn;
	int rc, tries;

	if (db->readonly)
		return fail(err, errlen, DB_EIO, "db %s: opened read-only", db->dir);
	for (tries = 0; tries < 40; tries++) {
		if ((rc = txn_begin(db, 0, &txn)) != 0)
			return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
		rc = apply(db, txn, ctx);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
			if (rc == 0)
				return DB_OK;
		} else
			mdb_txn_abort(txn);
		if (rc == MDB_MAP_FULL) {
			if ((rc = grow(db)) != 0)
				return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
			continue;
		}
		if (rc == DB_ENOMEM)
			return fail(err, errlen, DB_ENOMEM, "out of memory");
		if (rc < 0 && rc > -100)
			return rc;   /* a callback's own code */
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	}
	return fail(err, errlen, DB_EIO, "db %s: map cannot grow", db->dir);
}

struct put_ctx {
	db_table t;
	const char *key, *val;
	size_t klen, vlen;
	int del;
};

static int
apply_put(db_t *db, MDB_txn *txn, void *vctx)
{
	struct put_ctx *c = vctx;
	MDB_val k = { c->klen, (void *)c->key }, v = { c->vlen, (void *)c->val };
	int rc;

	if (c->del) {
		rc = mdb_del(txn, db->dbi[c->t], &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	return mdb_put(txn, db->dbi[c->t], &k, &v, 0);
}

int
db_put(db_t *db, db_table t, const char *key, size_t klen, const void *val, size_t vlen,
    char *err, size_t errlen)
{
	struct put_ctx c = { t, key, val, klen, vlen, 0 };

	if (klen == 0)
		return fail(err, errlen, DB_EKEY, "empty key");
	return write_txn(db, apply_put, &c, err, errlen);
}

int
db_del(db_t *db, db_table t, const char *key, size_t klen, char *err, size_t errlen)
{
	struct put_ctx c = { t, key, NULL, klen, 0, 1 };

	if (klen == 0)
		return fail(err, errlen, DB_EKEY, "empty key");
	return write_txn(db, apply_put, &c, err, errlen);
}

struct update_ctx {
	db_table t;
	const char *key;
	size_t klen;
	db_update_fn fn;
	void *ctx;
};

static int
apply_update(db_t *db, MDB_txn *txn, void *vctx)
{
	struct update_ctx *c = vctx;
	MDB_val k = { c->klen, (void *)c->key }, v;
	char *old = NULL, *nv = NULL;
	size_t oldlen = 0, nlen = 0;
	int rc;

	rc = mdb_get(txn, db->dbi[c->t], &k, &v);
	if (rc == 0) {
		/* A NUL-terminated copy, so fn can parse it as a string. */
		if ((old = malloc(v.mv_size + 1)) == NULL)
			return DB_ENOMEM;
		memcpy(old, v.mv_data, v.mv_size);
		old[v.mv_size] = '\0';
		oldlen = v.mv_size;
	} else if (rc != MDB_NOTFOUND)
		return rc;
	rc = c->fn(old, oldlen, &nv, &nlen, c->ctx);
	free(old);
	if (rc != 0) {
		free(nv);
		return rc;
	}
	if (nv == NULL)
		return 0;
	v.mv_size = nlen;
	v.mv_data = nv;
	rc = mdb_put(txn, db->dbi[c->t], &k, &v, 0);
	free(nv);
	return rc;
}

int
db_update(db_t *db, db_table t, const char *key, size_t klen, db_update_fn fn, void *ctx,
    char *err, size_t errlen)
{
	struct update_ctx c = { t, key, klen, fn, ctx };

	if (klen == 0)
		return fail(err, errlen, DB_EKEY, "empty key");
	return write_txn(db, apply_update, &c, err, errlen);
}

struct db_txn {
	db_t *db;
	MDB_txn *txn;
	int mdb_rc;   /* the first LMDB failure inside fn: decides replay or error */
};

struct write_ctx {
	db_write_fn fn;
	void *ctx;
};

static int
apply_write(db_t *db, MDB_txn *txn, void *vctx)
{
	struct write_ctx *c = vctx;
	struct db_txn t = { db, txn, 0 };
	int rc = c->fn(&t, c->ctx);

	if (t.mdb_rc != 0)
		return t.mdb_rc;
	return rc;
}

int
db_write(db_t *db, db_write_fn fn, void *ctx, char *err, size_t errlen)
{
	struct write_ctx c = { fn, ctx };

	return write_txn(db, apply_write, &c, err, errlen);
}

static int
txn_failed(db_txn_t *t, int rc)
{
	if (t->mdb_rc == 0)
		t->mdb_rc = rc;
	return DB_EIO;
}

int
db_txn_get(db_txn_t *t, db_table tb, const char *key, size_t klen, const char **val,
    size_t *vlen)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if (klen == 0)
		return DB_NOTFOUND;
	rc = mdb_get(t->txn, t->db->dbi[tb], &k, &v);
	if (rc == MDB_NOTFOUND)
		return DB_NOTFOUND;
	if (rc != 0)
		return txn_failed(t, rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return DB_OK;
}

int
db_txn_put(db_txn_t *t, db_table tb, const char *key, size_t klen, const void *val,
    size_t vlen)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (klen == 0)
		return txn_failed(t, EINVAL);
	if ((rc = mdb_put(t->txn, t->db->dbi[tb], &k, &v, 0)) != 0)
		return txn_failed(t, rc);
	return DB_OK;
}

int
db_txn_del(db_txn_t *t, db_table tb, const char *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (klen == 0)
		return DB_NOTFOUND;
	rc = mdb_del(t->txn, t->db->dbi[tb], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return DB_NOTFOUND;
	if (rc != 0)
		return txn_failed(t, rc);
	return DB_OK;
}

int
db_scan(db_t *db, db_table t, const char *prefix, size_t plen, db_scan_fn fn, void *ctx,
    char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = txn_begin(db, MDB_RDONLY, &txn)) != 0)
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	if ((rc = mdb_cursor_open(txn, db->dbi[t], &cur)) != 0) {
		mdb_txn_abort(txn);
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	}
	rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size, ctx) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	return DB_OK;
}

db_batch_t *
db_batch_new(db_t *db)
{
	db_batch_t *b = calloc(1, sizeof *b);

	if (b)
		b->db = db;
	return b;
}

int
db_batch_put(db_batch_t *b, db_table t, const char *key, size_t klen, const void *val,
    size_t vlen)
{
	struct batch_op *ops, *op;

	if (klen == 0)
		return DB_EKEY;
	if (b->n == b->alloc) {
		size_t alloc = b->alloc ? b->alloc * 2 : 16;

		if ((ops = realloc(b->ops, alloc * sizeof *ops)) == NULL)
			return DB_ENOMEM;
		b->ops = ops;
		b->alloc = alloc;
	}
	op = &b->ops[b->n];
	op->t = t;
	op->klen = klen;
	op->vlen = vlen;
	op->key = malloc(klen);
	op->val = malloc(vlen ? vlen : 1);
	if (!op->key || !op->val) {
		free(op->key);
		free(op->val);
		return DB_ENOMEM;
	}
	memcpy(op->key, key, klen);
	if (vlen)
		memcpy(op->val, val, vlen);
	b->n++;
	return DB_OK;
}

size_t
db_batch_count(const db_batch_t *b)
{
	return b->n;
}

static int
apply_batch(db_t *db, MDB_txn *txn, void *vctx)
{
	db_batch_t *b = vctx;
	MDB_val k, v;
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		k.mv_size = b->ops[i].klen;
		k.mv_data = b->ops[i].key;
		v.mv_size = b->ops[i].vlen;
		v.mv_data = b->ops[i].val;
		if ((rc = mdb_put(txn, db->dbi[b->ops[i].t], &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

static void
batch_clear(db_batch_t *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->ops[i].key);
		free(b->ops[i].val);
	}
	b->n = 0;
}

int
db_batch_commit(db_batch_t *b, char *err, size_t errlen)
{
	int rc;

	if (b->n == 0)
		return DB_OK;
	rc = write_txn(b->db, apply_batch, b, err, errlen);
	if (rc == DB_OK)
		batch_clear(b);
	return rc;
}

void
db_batch_free(db_batch_t *b)
{
	if (b == NULL)
		return;
	batch_clear(b);
	free(b->ops);
	free(b);
}

int
db_stat(db_t *db, db_table t, size_t *entries, size_t *bytes, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_stat st;
	MDB_envinfo info;
	MDB_stat est;
	int rc;

	if ((rc = txn_begin(db, MDB_RDONLY, &txn)) != 0)
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	rc = mdb_stat(txn, db->dbi[t], &st);
	mdb_txn_abort(txn);
	if (rc != 0)
		return fail(err, errlen, DB_EIO, "db %s: %s", db->dir, mdb_strerror(rc));
	if (entries)
		*entries = st.ms_entries;
	if (bytes) {
		mdb_env_info(db->env, &info);
		mdb_env_stat(db->env, &est);
		*bytes = (size_t)(info.me_last_pgno + 1) * est.ms_psize;
	}
	return DB_OK;
}

/* store_load: see store_load.h. */
#include "store_load.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cache.h"
#include "store_merge.h"
#include "str.h"

/* Lowercased, trimmed copy of s into out (reset first). */
static int
lower_into(buf_t *out, const char *s)
{
	const char *end = s + strlen(s);

	buf_reset(out);
	str_trim_blanks(&s, &end);
	for (; s < end; s++)
		if (buf_addc(out, (char)tolower((unsigned char)*s)) != BUF_OK)
			return -1;
	return 0;
}

/* ---- the role index ---- */

/* The role-index entries of a record: calls fn(key, value-or-NULL) for each. */
typedef int (*index_fn)(const buf_t *key, const json_t *rec, const json_t *contact, void *ctx);

static int
each_index_key(const char *ws, const char *deal_id, const json_t *rec, index_fn fn, void *ctx)
{
	const json_t *cs = json_get(rec, "contacts");
	buf_t acct, email, key;
	size_t i;
	int rc = 0;

	buf_init(&acct, 4096);
	buf_init(&email, 4096);
	buf_init(&key, 4096);
	if ((rc = account_key(rec, &acct)) != 0) {
		rc = rc > 0 ? 0 : -1;   /* no account: no index entry */
		goto out;
	}
	for (i = 0; i < json_len(cs) && rc == 0; i++) {
		const json_t *c = json_at(cs, i);
		const char *src = json_str(json_get(c, "role_source"));

		if (!json_is(c, JSON_OBJECT) || !store_contact_has_role(c) || !store_contact_has_email(c))
			continue;
		if (src && strcmp(src, "cross_deal_pattern") == 0)
			continue;
		if (lower_into(&email, json_str(json_get(c, "email"))) != 0 ||
		    db_key(&key, ws, "role", buf_ptr(&acct), buf_ptr(&email), deal_id,
		    (char *)NULL) != DB_OK) {
			rc = -1;
			break;
		}
		rc = fn(&key, rec, c, ctx);
	}
out:
	buf_free(&acct);
	buf_free(&email);
	buf_free(&key);
	return rc;
}

static int
index_value(const json_t *rec, const json_t *c, buf_t *out)
{
	json_t *v = json_new_object();
	double conf = store_role_confidence(c);
	const char *src = json_str(json_get(c, "role_source"));
	const char *cd = json_str(json_get(rec, "close_date"));
	int rc;

	buf_reset(out);
	if (v == NULL)
		return -1;
	rc = json_set_str(v, "buying_role", json_str(json_get(c, "buying_role")));
	rc |= json_set_double(v, "role_confidence", conf);
	rc |= src ? json_set_str(v, "role_source", src) : json_set_null(v, "role_source");
	rc |= cd ? json_set_str(v, "close_date", cd) : json_set_null(v, "close_date");
	if (rc == 0)
		rc = json_dump(v, out);
	json_free(v);
	return rc == 0 ? 0 : -1;
}

/* ---- the loader ---- */

struct keylist {
	char **k;
	size_t *len;
	size_t n, alloc;
};

static int
keylist_add(struct keylist *l, const char *k, size_t n)
{
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 16;
		char **nk = realloc(l->k, alloc * sizeof *nk);

		if (nk == NULL)
			return -1;
		l->k = nk;
		{
			size_t *nl = realloc(l->len, alloc * sizeof *nl);

			if (nl == NULL)
				return -1;
			l->len = nl;
		}
		l->alloc = alloc;
	}
	if ((l->k[l->n] = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(l->k[l->n], k, n);
	l->len[l->n++] = n;
	return 0;
}

static void
keylist_free(struct keylist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->k[i]);
	free(l->k);
	free(l->len);
}

/* A write a deal's load makes: a put, or a delete when val is NULL. */
struct op {
	db_table t;
	char *key, *val;
	size_t klen, vlen;
};

struct oplist {
	struct op *v;
	size_t n, alloc;
};

static int
op_add(struct oplist *o, db_table t, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	struct op *op;

	if (o->n == o->alloc) {
		size_t alloc = o->alloc ? o->alloc * 2 : 16;
		struct op *nv = realloc(o->v, alloc * sizeof *nv);

		if (nv == NULL)
			return -1;
		o->v = nv;
		o->alloc = alloc;
	}
	op = &o->v[o->n];
	op->t = t;
	op->klen = klen;
	op->vlen = vlen;
	op->val = NULL;
	if ((op->key = malloc(klen ? klen : 1)) == NULL)
		return -1;
	memcpy(op->key, key, klen);
	if (val != NULL) {
		if ((op->val = malloc(vlen ? vlen : 1)) == NULL) {
			free(op->key);
			return -1;
		}
		memcpy(op->val, val, vlen);
	}
	o->n++;
	return 0;
}

/* Drops the ops from n on. */
static void
op_truncate(struct oplist *o, size_t n)
{
	while (o->n > n) {
		o->n--;
		free(o->v[o->n].key);
		free(o->v[o->n].val);
	}
}

static void
op_free(struct oplist *o)
{
	op_truncate(o, 0);
	free(o->v);
	o->v = NULL;
	o->alloc = 0;
}

/*
 * A deal waiting for the batch's commit: what the stored value was when its
 * merge was made (old NULL: absent), and the record to merge again if another
 * process changed the deal in between.
 */
struct pending {
	char *ws, *old;
	size_t oldlen;
	json_t *rec;
	time_t now;
	size_t op0, op1;      /* its ops in the loader's list */
};

struct store_loader {
	db_t *db;
	size_t batch_deals, pending;
	struct pending *p;
	struct oplist ops;
	int broken;
	buf_t b_id, b_key, b_fkey, b_val, b_old, b_facts, b_ix;   /* reused by every load */
};

store_loader_t *
store_loader_new(db_t *db, size_t batch_deals)
{
	store_loader_t *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->db = db;
	l->batch_deals = batch_deals ? batch_deals : 256;
	if ((l->p = calloc(l->batch_deals, sizeof *l->p)) == NULL) {
		free(l);
		return NULL;
	}
	buf_init(&l->b_id, 4096);
	buf_init(&l->b_key, 4096);
	buf_init(&l->b_fkey, 4096);
	buf_init(&l->b_val, STORE_VAL_CAP);
	buf_init(&l->b_old, STORE_VAL_CAP);
	buf_init(&l->b_facts, STORE_VAL_CAP);
	buf_init(&l->b_ix, 65536);
	return l;
}

static void
pending_clear(store_loader_t *l)
{
	size_t i;

	for (i = 0; i < l->pending; i++) {
		free(l->p[i].ws);
		free(l->p[i].old);
		json_free(l->p[i].rec);
	}
	l->pending = 0;
	op_truncate(&l->ops, 0);
}

void
store_loader_free(store_loader_t *l)
{
	if (l == NULL)
		return;
	pending_clear(l);
	free(l->p);
	op_free(&l->ops);
	buf_free(&l->b_id);
	buf_free(&l->b_key);
	buf_free(&l->b_fkey);
	buf_free(&l->b_val);
	buf_free(&l->b_old);
	buf_free(&l->b_facts);
	buf_free(&l->b_ix);
	free(l);
}

struct index_ctx {
	struct oplist *ops;
	struct keylist *keys;    /* collects keys (old record) */
	buf_t *val;
	int put;                 /* 1: put entries; 0: collect keys */
};

static int
index_cb(const buf_t *key, const json_t *rec, const json_t *c, void *vctx)
{
	struct index_ctx *x = vctx;

	if (!x->put)
		return keylist_add(x->keys, buf_ptr(key), buf_len(key));
	if (index_value(rec, c, x->val) != 0)
		return -1;
	/* A key the new record still has is not stale. */
	{
		size_t i;

		for (i = 0; i < x->keys->n; i++)
			if (x->keys->len[i] == buf_len(key) &&
			    memcmp(x->keys->k[i], buf_ptr(key), buf_len(key)) == 0) {
				free(x->keys->k[i]);
				x->keys->k[i] = x->keys->k[x->keys->n - 1];
				x->keys->len[i] = x->keys->len[x->keys->n - 1];
				x->keys->n--;
				break;
			}
	}
	return op_add(x->ops, DB_INDEX, buf_ptr(key), buf_len(key), buf_ptr(x->val),
	    buf_len(x->val));
}

/* The deal's keys into l->b_id, b_key, b_fkey: DB_OK, DB_EKEY or DB_ENOMEM. */
static int
deal_keys(store_loader_t *l, const char *ws, const json_t *rec)
{
	buf_reset(&l->b_id);
	if (store_deal_id(rec, &l->b_id) != 0)
		return DB_EKEY;
	if (db_key(&l->b_key, ws, buf_ptr(&l->b_id), (char *)NULL) != DB_OK ||
	    db_key(&l->b_fkey, ws, "facts", buf_ptr(&l->b_id), (char *)NULL) != DB_OK)
		return DB_ENOMEM;
	return DB_OK;
}

/*
 * The writes that merge rec over the stored value raw (NULL: none) of the
 * deal whose keys deal_keys() made, appended to ops. facts_cur: the stored
 * facts are this version's. Returns DB_OK or DB_ENOMEM (ops then holds a part).
 */
static int
deal_ops(store_loader_t *l, const char *ws, const json_t *rec, const char *raw,
    size_t rawlen, int facts_cur, time_t now, struct oplist *ops,
    struct store_deal_numbers *nums)
{
	buf_t *id = &l->b_id, *key = &l->b_key, *fkey = &l->b_fkey, *val = &l->b_val;
	buf_t *old = &l->b_old, *fv = &l->b_facts;
	char when[32], why[128];
	size_t head, i;
	json_t *oldval = NULL, *mine = NULL, *facts = NULL;
	const json_t *oldrec = NULL, *merged;
	struct keylist oldkeys = { 0 };
	struct index_ctx ix = { ops, &oldkeys, &l->b_ix, 0 };
	store_status st;
	int rc = DB_ENOMEM;

	buf_reset(val);
	buf_reset(old);
	buf_reset(fv);
	if (raw != NULL && json_parse(raw, rawlen, 0, &oldval, NULL, why, sizeof why) == JSON_OK)
		oldrec = json_get(oldval, "record");
	/* Nothing stored: the record itself is the merge. */
	if (oldrec == NULL)
		merged = rec;
	else if ((merged = mine = store_merge(oldrec, rec)) == NULL)
		goto out;
	st = store_deal_status(merged);
	if (nums)
		store_numbers(merged, st, nums);
	cache_time_format(now, when, sizeof when);
	if (buf_addf(val, "{\"status\":\"%s\",\"loaded_at\":\"%s\",\"record\":",
	    store_status_name(st), when) != BUF_OK)
		goto out;
	head = buf_len(val);
	if (json_dump(merged, val) != JSON_OK || buf_addc(val, '}') != BUF_OK)
		goto out;
	if (oldrec != NULL) {
		if (json_dump(oldrec, old) != JSON_OK)
			goto out;
		if (buf_len(old) == buf_len(val) - head - 1 &&
		    memcmp(buf_ptr(old), buf_ptr(val) + head, buf_len(old)) == 0 &&
		    store_status_parse(json_str(json_get(oldval, "status"))) == (int)st) {
			/* Nothing new: the store stays byte for byte as it was, unless its
			 * facts are missing or from another version. */
			if (nums)
				nums->changed = 0;
			if (!facts_cur && ((facts = store_facts(merged, st,
			    json_str(json_get(oldval, "loaded_at")))) == NULL ||
			    json_dump(facts, fv) != JSON_OK ||
			    op_add(ops, DB_INDEX, buf_ptr(fkey), buf_len(fkey), buf_ptr(fv),
			    buf_len(fv)) != 0))
				goto out;
			rc = DB_OK;
			goto out;
		}
	}
	if ((facts = store_facts(merged, st, when)) == NULL || json_dump(facts, fv) != JSON_OK)
		goto out;
	/* The old record's index keys; those the new one lacks are deleted. */
	if (oldrec && each_index_key(ws, buf_ptr(id), oldrec, index_cb, &ix) != 0)
		goto out;
	ix.put = 1;
	if (op_add(ops, DB_DEALS, buf_ptr(key), buf_len(key), buf_ptr(val), buf_len(val)) != 0 ||
	    op_add(ops, DB_INDEX, buf_ptr(fkey), buf_len(fkey), buf_ptr(fv), buf_len(fv)) != 0 ||
	    each_index_key(ws, buf_ptr(id), merged, index_cb, &ix) != 0)
		goto out;
	for (i = 0; i < oldkeys.n; i++)
		if (op_add(ops, DB_INDEX, oldkeys.k[i], oldkeys.len[i], NULL, 0) != 0)
			goto out;
	rc = DB_OK;
out:
	json_free(oldval);
	json_free(mine);
	json_free(facts);
	keylist_free(&oldkeys);
	return rc;
}

static int
apply_ops(db_txn_t *txn, const struct oplist *o, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct op *op = &o->v[i];
		int rc = op->val ? db_txn_put(txn, op->t, op->key, op->klen, op->val, op->vlen) :
		    db_txn_del(txn, op->t, op->key, op->klen);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The batch's commit. A deal whose stored value is still the one its merge
 * was made over gets the writes prepared; one that another process changed
 * since is merged again here, inside the write transaction, so that no
 * concurrent load's contacts are lost (two loaders of one deal serialize on
 * LMDB's single writer).
 */
static int
commit_fn(db_txn_t *txn, void *vctx)
{
	store_loader_t *l = vctx;
	struct oplist again = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < l->pending && rc == 0; i++) {
		const struct pending *p = &l->p[i];
		const char *cur = NULL, *fcur = NULL;
		size_t curlen = 0, fcurlen = 0;
		int got, fc;

		if ((rc = deal_keys(l, p->ws, p->rec)) != DB_OK)
			break;
		got = db_txn_get(txn, DB_DEALS, buf_ptr(&l->b_key), buf_len(&l->b_key), &cur, &curlen);
		if (got < 0) {
			rc = got;
			break;
		}
		if (got == DB_NOTFOUND ? p->old == NULL :
		    p->old != NULL && curlen == p->oldlen && memcmp(cur, p->old, curlen) == 0) {
			rc = apply_ops(txn, &l->ops, p->op0, p->op1);
			continue;
		}
		if ((fc = db_txn_get(txn, DB_INDEX, buf_ptr(&l->b_fkey), buf_len(&l->b_fkey), &fcur,
		    &fcurlen)) < 0) {
			rc = fc;
			break;
		}
		fc = fc == DB_OK && store_facts_current(fcur, fcurlen);
		op_truncate(&again, 0);
		if ((rc = deal_ops(l, p->ws, p->rec, got == DB_OK ? cur : NULL, curlen, fc, p->now,
		    &again, NULL)) == DB_OK)
			rc = apply_ops(txn, &again, 0, again.n);
	}
	op_free(&again);
	return rc;
}

int
store_loader_flush(store_loader_t *l, char *err, size_t errlen)
{
	int rc;

	if (l->broken) {
		str_errf(err, errlen, "an earlier write failed; nothing more is written");
		return DB_EIO;
	}
	if (l->pending == 0)
		return DB_OK;
	if ((rc = db_write(l->db, commit_fn, l, err, errlen)) != DB_OK) {
		if (rc == DB_ENOMEM || rc == DB_EKEY)
			str_errf(err, errlen, "out of memory");
		l->broken = 1;
		return rc == DB_EKEY ? DB_ENOMEM : rc;
	}
	pending_clear(l);
	return DB_OK;
}

int
store_load(store_loader_t *l, const char *ws, const json_t *rec, time_t now,
    struct store_deal_numbers *nums, char *err, size_t errlen)
{
	char *raw = NULL, *fraw = NULL;
	size_t rawlen = 0, fraw_len = 0, op0 = l->ops.n, i;
	struct pending *p;
	int rc, fc;

	if (l->broken) {
		str_errf(err, errlen, "an earlier write failed; nothing more is written");
		return DB_EIO;
	}
	if ((rc = deal_keys(l, ws, rec)) != DB_OK) {
		str_errf(err, errlen, rc == DB_EKEY ? "no deal_id" : "out of memory");
		return rc;
	}
	/* The same deal twice in one batch: commit the first before reading it,
	 * so that the numbers reported are the merge's. */
	for (i = 0; i < l->pending; i++)
		if (strcmp(l->p[i].ws, ws) == 0 && store_deal_id(l->p[i].rec, &l->b_old) == 0 &&
		    strcmp(buf_ptr(&l->b_old), buf_ptr(&l->b_id)) == 0)
			break;
	if (i < l->pending) {
		if ((rc = store_loader_flush(l, err, errlen)) != DB_OK)
			return rc;
		op0 = 0;
		if ((rc = deal_keys(l, ws, rec)) != DB_OK)
			goto nomem;
	}
	rc = db_get(l->db, DB_DEALS, buf_ptr(&l->b_key), buf_len(&l->b_key), &raw, &rawlen, err,
	    errlen);
	if (rc < 0)
		goto out;
	if (rc == DB_NOTFOUND) {
		free(raw);
		raw = NULL;
	}
	if ((fc = db_get(l->db, DB_INDEX, buf_ptr(&l->b_fkey), buf_len(&l->b_fkey), &fraw,
	    &fraw_len, err, errlen)) < 0) {
		rc = fc;
		goto out;
	}
	fc = fc == DB_OK && store_facts_current(fraw, fraw_len);
	if (deal_ops(l, ws, rec, raw, rawlen, fc, now, &l->ops, nums) != DB_OK)
		goto nomem;
	rc = DB_OK;
	if (l->ops.n == op0)
		goto out;   /* the store holds exactly this */
	p = &l->p[l->pending];
	memset(p, 0, sizeof *p);
	if ((p->ws = strdup(ws)) == NULL || (p->rec = json_clone(rec)) == NULL) {
		free(p->ws);
		goto nomem;
	}
	p->old = raw;
	p->oldlen = rawlen;
	raw = NULL;
	p->now = now;
	p->op0 = op0;
	p->op1 = l->ops.n;
	if (++l->pending >= l->batch_deals)
		rc = store_loader_flush(l, err, errlen);
	goto out;
nomem:
	op_truncate(&l->ops, op0);
	str_errf(err, errlen, "out of memory");
	rc = DB_ENOMEM;
out:
	free(raw);
	free(fraw);
	return rc;
}

int
store_set_last_run(db_t *db, const char *ws, time_t t, char *err, size_t errlen)
{
	char when[32];
	buf_t key;
	int rc;

	buf_init(&key, 4096);
	cache_time_format(t, when, sizeof when);
	if (db_key(&key, ws, "deals-load", "last_run", (char *)NULL) != DB_OK) {
		buf_free(&key);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_put(db, DB_META, buf_ptr(&key), buf_len(&key), when, strlen(when), err, errlen);
	buf_free(&key);
	return rc;
}

int
store_get_last_run(db_t *db, const char *ws, char *out, size_t n, char *err, size_t errlen)
{
	buf_t key;
	char *raw = NULL;
	size_t len;
	int rc;

	buf_init(&key, 4096);
	if (n)
		*out = '\0';
	if (db_key(&key, ws, "deals-load", "last_run", (char *)NULL) != DB_OK) {
		buf_free(&key);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_META, buf_ptr(&key), buf_len(&key), &raw, &len, err, errlen);
	buf_free(&key);
	if (rc == DB_OK)
		snprintf(out, n, "%s", raw);
	free(raw);
	return rc;
}

#include "claim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"

/* The keys of one call, built before the transaction so that it allocates nothing. */
struct keys {
	buf_t *claim, *cache;
	size_t n;
};

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		buf_free(&k->claim[i]);
		if (k->cache)
			buf_free(&k->cache[i]);
	}
	free(k->claim);
	free(k->cache);
}

static int
keys_make(struct keys *k, const char *provider, const char *workspace,
    const char *const *keys, size_t n, int with_cache)
{
	size_t i;

	memset(k, 0, sizeof *k);
	if ((k->claim = calloc(n ? n : 1, sizeof *k->claim)) == NULL ||
	    (with_cache && (k->cache = calloc(n ? n : 1, sizeof *k->cache)) == NULL)) {
		free(k->claim);
		return DB_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		buf_init(&k->claim[i], 4096);
		if (k->cache)
			buf_init(&k->cache[i], 4096);
		k->n = i + 1;
		if (db_key(&k->claim[i], "claim", provider, workspace, keys[i], (char *)NULL) != DB_OK ||
		    (k->cache &&
		    db_key(&k->cache[i], provider, workspace, keys[i], (char *)NULL) != DB_OK)) {
			keys_free(k);
			return DB_ENOMEM;
		}
	}
	return DB_OK;
}

long long
claim_entry_time(const char *val, size_t len)
{
	long long t = 0;
	size_t i;

	for (i = 0; i < len && i < 20 && val[i] >= '0' && val[i] <= '9'; i++)
		t = t * 10 + (val[i] - '0');
	if (i == 0 || i >= len || val[i] != '\n')
		return -1;
	return t;
}

/* Whether the claim stored as val belongs to another process that still holds it. */
static int
held_by_other(const char *val, size_t len, time_t now)
{
	char text[64], *end;
	long long pid, at;

	if (len >= sizeof text)
		return 0;
	memcpy(text, val, len);
	text[len] = '\0';
	pid = strtoll(text, &end, 10);
	if (end == text || *end != ' ')
		return 0;
	at = strtoll(end + 1, &end, 10);
	if (*end != '\0' || pid <= 0 || pid == (long long)getpid())
		return 0;
	if ((long long)now - at >= CLAIM_MAX_AGE || at - (long long)now > CLAIM_MAX_AGE)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

struct take_ctx {
	struct keys *k;
	claim_answered_fn answered;
	void *ctx;
	time_t now;
	enum claim_state *state;
	char mine[64];
};

static int
take_in(db_txn_t *txn, void *vctx)
{
	struct take_ctx *c = vctx;
	const char *v;
	size_t i, vl;
	int rc;

	for (i = 0; i < c->k->n; i++) {
		if (c->answered) {
			rc = db_txn_get(txn, DB_CACHE, buf_ptr(&c->k->cache[i]),
			    buf_len(&c->k->cache[i]), &v, &vl);
			if (rc == DB_EIO)
				return rc;
			if (rc == DB_OK && c->answered(v, vl, c->ctx)) {
				c->state[i] = CLAIM_ANSWERED;
				continue;
			}
		}
		rc = db_txn_get(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    &v, &vl);
		if (rc == DB_EIO)
			return rc;
		if (rc == DB_OK && held_by_other(v, vl, c->now)) {
			c->state[i] = CLAIM_HELD;
			continue;
		}
		if (db_txn_put(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    c->mine, strlen(c->mine)) != DB_OK)
			return DB_EIO;
		c->state[i] = CLAIM_TAKEN;
	}
	return 0;
}

int
claim_take(db_t *db, const char *provider, const char *workspace, const char *const *keys,
    size_t n, claim_answered_fn answered, void *ctx, time_t now, enum claim_state *state,
    char *err, size_t errlen)
{
	struct keys k;
	struct take_ctx c;
	int rc;

	if (n == 0)
		return DB_OK;
	if (keys_make(&k, provider, workspace, keys, n, answered != NULL) != DB_OK) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	c.k = &k;
	c.answered = answered;
	c.ctx = ctx;
	c.now = now;
	c.state = state;
	snprintf(c.mine, sizeof c.mine, "%lld %lld", (long long)getpid(), (long long)now);
	rc = db_write(db, take_in, &c, err, errlen);
	keys_free(&k);
	return rc;
}

struct release_ctx {
	struct keys *k;
};

static int
release_in(db_txn_t *txn, void *vctx)
{
	struct release_ctx *c = vctx;
	char pid[32];
	const char *v;
	size_t i, vl, pl;
	int rc;

	pl = (size_t)snprintf(pid, sizeof pid, "%lld ", (long long)getpid());
	for (i = 0; i < c->k->n; i++) {
		rc = db_txn_get(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    &v, &vl);
		if (rc == DB_EIO)
			return rc;
		if (rc != DB_OK || vl < pl || memcmp(v, pid, pl) != 0)
			continue;
		if (db_txn_del(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i])) ==
		    DB_EIO)
			return DB_EIO;
	}
	return 0;
}

int
claim_release(db_t *db, const char *provider, const char *workspace, const char *const *keys,
    size_t n, char *err, size_t errlen)
{
	struct keys k;
	struct release_ctx c;
	int rc;

	if (n == 0)
		return DB_OK;
	if (keys_make(&k, provider, workspace, keys, n, 0) != DB_OK) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	c.k = &k;
	rc = db_write(db, release_in, &c, err, errlen);
	keys_free(&k);
	return rc;
}

/* store_read: see store_read.h. */
#include "store_read.h"

#include <stdlib.h>
#include <string.h>

#include "str.h"

int
store_is_enriched(db_t *db, const char *ws, const char *deal_id, char *err, size_t errlen)
{
	buf_t key;
	char *val = NULL, why[128];
	size_t vlen;
	json_t *v;
	int rc, res = 0;

	buf_init(&key, 4096);
	if (db_key(&key, ws, deal_id, (char *)NULL) != DB_OK) {
		buf_free(&key);
		str_errf(err, errlen, "out of memory");
		return -1;
	}
	rc = db_get(db, DB_DEALS, buf_ptr(&key), buf_len(&key), &val, &vlen, err, errlen);
	buf_free(&key);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -1;
	if (json_parse(val, vlen, 0, &v, NULL, why, sizeof why) == JSON_OK) {
		const char *st = json_str(json_get(v, "status"));
		res = st && strcmp(st, "enriched") == 0;
		json_free(v);
	}
	free(val);
	return res;
}

int
store_get(db_t *db, const char *ws, const char *deal_id, json_t **val, char *err,
    size_t errlen)
{
	buf_t key;
	char *raw = NULL, why[128];
	size_t len;
	int rc;

	*val = NULL;
	buf_init(&key, 4096);
	if (db_key(&key, ws, deal_id, (char *)NULL) != DB_OK) {
		buf_free(&key);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_DEALS, buf_ptr(&key), buf_len(&key), &raw, &len, err, errlen);
	buf_free(&key);
	if (rc != DB_OK)
		return rc;
	rc = json_parse(raw, len, 0, val, NULL, why, sizeof why);
	free(raw);
	if (rc == JSON_ENOMEM) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	if (rc != JSON_OK) {
		str_errf(err, errlen, "deal %s: stored value does not parse: %s", deal_id, why);
		return DB_EIO;
	}
	return DB_OK;
}

struct facts_scan {
	store_facts_fn fn;
	void *ctx;
	size_t bad;
	int nomem, stopped;
};

static int
facts_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct facts_scan *s = vctx;
	json_t *f = NULL;
	char why[64];
	int rc;

	(void)key;
	(void)klen;
	rc = json_parse(val, vlen, 0, &f, NULL, why, sizeof why);
	if (rc == JSON_ENOMEM) {
		s->nomem = 1;
		return 1;
	}
	if (rc != JSON_OK || !json_is(f, JSON_OBJECT)) {
		json_free(f);
		s->bad++;
		return 0;
	}
	rc = s->fn(f, s->ctx);
	json_free(f);
	if (rc != 0)
		s->stopped = rc;
	return rc;
}

int
store_scan_facts(db_t *db, const char *ws, store_facts_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen)
{
	struct facts_scan s = { fn, ctx, 0, 0, 0 };
	buf_t prefix;
	int rc;

	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "facts", "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), facts_cb, &s, err, errlen);
	buf_free(&prefix);
	if (bad)
		*bad = s.bad;
	if (rc == DB_OK && s.nomem) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	if (rc == DB_OK && s.stopped < 0)
		return s.stopped;
	return rc;
}

struct role_scan {
	store_role_fn fn;
	void *ctx;
	size_t plen;
	int nomem;
};

static int
role_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct role_scan *s = vctx;
	const char *rest = key + s->plen, *end = key + klen, *sep;
	char *email, *deal;
	json_t *v = NULL;
	char why[64];
	int rc;

	if ((sep = memchr(rest, DB_KEY_SEP, (size_t)(end - rest))) == NULL)
		return 0;
	email = strndup(rest, (size_t)(sep - rest));
	deal = strndup(sep + 1, (size_t)(end - sep - 1));
	if (email == NULL || deal == NULL ||
	    json_parse(val, vlen, 0, &v, NULL, why, sizeof why) == JSON_ENOMEM) {
		free(email);
		free(deal);
		s->nomem = 1;
		return 1;
	}
	rc = v ? s->fn(email, deal, v, s->ctx) : 0;
	json_free(v);
	free(email);
	free(deal);
	return rc;
}

int
store_scan_roles(db_t *db, const char *ws, const char *account, store_role_fn fn,
    void *ctx, char *err, size_t errlen)
{
	struct role_scan s = { fn, ctx, 0, 0 };
	buf_t prefix;
	int rc;

	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "role", account, "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	s.plen = buf_len(&prefix);
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), role_cb, &s, err, errlen);
	buf_free(&prefix);
	if (rc == DB_OK && s.nomem) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	return rc;
}

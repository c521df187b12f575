/* crm_cursor: the modification cursor of CRM pulls. See crm_cursor.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm_cursor.h"

/* k must have been buf_init'ed. */
static int
key(buf_t *k, const char *which, const char *workspace, const char *crm)
{
	return db_key(k, workspace, "crm_cursor", crm, which, (char *)NULL);
}

static int
get(db_t *db, const char *which, const char *workspace, const char *crm, char *out,
    size_t outlen, char *err, size_t errlen)
{
	buf_t k;
	char *v = NULL;
	size_t n = 0;
	int rc;

	out[0] = '\0';
	buf_init(&k, 4096);
	if ((rc = key(&k, which, workspace, crm)) != DB_OK) {
		buf_free(&k);
		return rc;
	}
	rc = db_get(db, DB_META, buf_ptr(&k), buf_len(&k), &v, &n, err, errlen);
	buf_free(&k);
	if (rc == DB_OK)
		snprintf(out, outlen, "%.*s", (int)n, v);
	free(v);
	return rc;
}

int
crm_cursor_get(db_t *db, const char *workspace, const char *crm, char out[CRM_CURSOR_MAX],
    char *err, size_t errlen)
{
	return get(db, "committed", workspace, crm, out, CRM_CURSOR_MAX, err, errlen);
}

int
crm_cursor_get_pending(db_t *db, const char *workspace, const char *crm,
    char out[CRM_CURSOR_MAX], char *err, size_t errlen)
{
	return get(db, "pending", workspace, crm, out, CRM_CURSOR_MAX, err, errlen);
}

static int
put(db_t *db, const char *which, const char *workspace, const char *crm, const char *value,
    char *err, size_t errlen)
{
	buf_t k;
	int rc;

	buf_init(&k, 4096);
	if ((rc = key(&k, which, workspace, crm)) == DB_OK)
		rc = db_put(db, DB_META, buf_ptr(&k), buf_len(&k), value, strlen(value), err, errlen);
	buf_free(&k);
	return rc;
}

int
crm_cursor_set_pending(db_t *db, const char *workspace, const char *crm, const char *value,
    char *err, size_t errlen)
{
	if (strlen(value) >= CRM_CURSOR_MAX) {
		snprintf(err, errlen, "a cursor longer than %d bytes", CRM_CURSOR_MAX - 1);
		return DB_EKEY;
	}
	return put(db, "pending", workspace, crm, value, err, errlen);
}

int
crm_cursor_set_limits(db_t *db, const char *workspace, const char *crm, const char *limits,
    time_t at, char *err, size_t errlen)
{
	char v[CRM_LIMITS_MAX], when[32];
	struct tm tm;

	gmtime_r(&at, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(v, sizeof v, "%.20s %.70s", when, limits);
	return put(db, "limits", workspace, crm, v, err, errlen);
}

int
crm_cursor_get_limits(db_t *db, const char *workspace, const char *crm,
    char out[CRM_LIMITS_MAX], char *err, size_t errlen)
{
	return get(db, "limits", workspace, crm, out, CRM_LIMITS_MAX, err, errlen);
}

/* commit_txn's "nothing pending": db_write passes codes in (-100, 0) back as they are */
#define NOTHING_PENDING (-50)

struct commit {
	buf_t pending, committed;
};

static int
commit_txn(db_txn_t *txn, void *ctx)
{
	struct commit *c = ctx;
	const char *p, *old;
	size_t plen, oldlen;
	int rc;

	rc = db_txn_get(txn, DB_META, buf_ptr(&c->pending), buf_len(&c->pending), &p, &plen);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? NOTHING_PENDING : rc;
	rc = db_txn_get(txn, DB_META, buf_ptr(&c->committed), buf_len(&c->committed), &old, &oldlen);
	if (rc == DB_EIO)
		return rc;
	/* the times have one format, so bytes compare as times */
	if (rc == DB_NOTFOUND || memcmp(p, old, plen < oldlen ? plen : oldlen) > 0 ||
	    (memcmp(p, old, plen < oldlen ? plen : oldlen) == 0 && plen > oldlen)) {
		char v[CRM_CURSOR_MAX];
		if (plen >= sizeof v)
			return DB_EKEY;
		memcpy(v, p, plen);
		if ((rc = db_txn_put(txn, DB_META, buf_ptr(&c->committed), buf_len(&c->committed), v,
		    plen)) != DB_OK)
			return rc;
	}
	return db_txn_del(txn, DB_META, buf_ptr(&c->pending), buf_len(&c->pending));
}

int
crm_cursor_commit(db_t *db, const char *workspace, const char *crm, char *err, size_t errlen)
{
	struct commit c;
	int rc;

	buf_init(&c.pending, 4096);
	buf_init(&c.committed, 4096);
	if ((rc = key(&c.pending, "pending", workspace, crm)) == DB_OK &&
	    (rc = key(&c.committed, "committed", workspace, crm)) == DB_OK)
		rc = db_write(db, commit_txn, &c, err, errlen);
	if (rc == NOTHING_PENDING)
		rc = DB_NOTFOUND;
	else if (rc == DB_EIO || rc == DB_EKEY)
		snprintf(err, errlen, "db %s: the CRM cursor could not be committed", db_dir(db));
	buf_free(&c.pending);
	buf_free(&c.committed);
	return rc;
}

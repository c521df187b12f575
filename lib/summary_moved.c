#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jspan.h"

struct moved_ctx {
	const char *ws;
	json_t *rows;
	int failed;
};

static int
copy_or_null(json_t *dst, const char *k, const json_t *v)
{
	return json_set(dst, k, v ? json_clone(v) : json_new_null());
}

/* Adds a row for each moved contact of a won deal's record. 0 or -1 (memory). */
static int
add_rows(struct moved_ctx *c, const json_t *rec)
{
	const json_t *cs = json_get(rec, "contacts");
	char name[1024];
	size_t i;

	if (!json_is(cs, JSON_ARRAY) ||
	    strcmp(json_str(json_get(rec, "stage_normalized")) ? json_str(json_get(rec,
	    "stage_normalized")) : "", "closed_won") != 0)
		return 0;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *x = json_at(cs, i), *ne = json_get(x, "new_employer");
		json_t *r;
		int rc;

		if (json_bool(json_get(x, "job_changed")) != 1)
			continue;
		/* json_push takes the row, also when it fails. */
		if (json_push(c->rows, r = json_new_object()) != JSON_OK)
			return -1;
		summary_contact_name(x, name, sizeof name);
		rc = json_set_str(r, "workspace", c->ws);
		rc |= copy_or_null(r, "deal_id", json_get(rec, "deal_id"));
		rc |= copy_or_null(r, "deal_name", json_get(rec, "deal_name"));
		rc |= copy_or_null(r, "close_date", json_get(rec, "close_date"));
		rc |= copy_or_null(r, "account", json_path(rec, "account.name"));
		rc |= copy_or_null(r, "contact_id", json_get(x, "contact_id"));
		rc |= name[0] ? json_set_str(r, "name", name) : json_set_null(r, "name");
		rc |= copy_or_null(r, "email", json_get(x, "email"));
		rc |= copy_or_null(r, "buying_role", json_get(x, "buying_role"));
		rc |= copy_or_null(r, "title", json_get(x, "title"));
		rc |= copy_or_null(r, "new_company", json_get(ne, "name"));
		rc |= copy_or_null(r, "new_domain", json_get(ne, "domain"));
		rc |= copy_or_null(r, "new_title", json_get(ne, "title"));
		rc |= copy_or_null(r, "since", json_get(ne, "since"));
		if (rc)
			return -1;
	}
	return 0;
}

static int
moved_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	static const char mark[] = "\"job_changed\":true";
	struct moved_ctx *c = vctx;
	json_t *v = NULL;
	char err[128];

	(void)key;
	(void)klen;
	/* Most deals have no one who moved: only those are parsed. */
	if (memmem(val, vlen, mark, sizeof mark - 1) == NULL)
		return 0;
	if (json_parse(val, vlen, 0, &v, NULL, err, sizeof err) != JSON_OK)
		return 0;
	if (add_rows(c, json_get(v, "record")) != 0) {
		c->failed = 1;
		json_free(v);
		return 1;
	}
	json_free(v);
	return 0;
}

/* Compares two values of one key: null (or absent) first, then strings by bytes. */
static int
cmp_key(const json_t *x, const json_t *y, const char *k)
{
	const char *a = json_str(json_get(x, k)), *b = json_str(json_get(y, k));

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
cmp_newest(const void *pa, const void *pb)
{
	const json_t *x = *(const json_t *const *)pa, *y = *(const json_t *const *)pb;
	static const char *const keys[] = { "since", "close_date", "deal_id", "contact_id" };
	size_t i;
	int c;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((c = cmp_key(x, y, keys[i])) != 0)
			return -c;
	return 0;
}

int
summary_moved(db_t *db, const char *ws, json_t **out, int *dberr, char *err, size_t errlen)
{
	struct moved_ctx c = { ws, json_new_array(), 0 };
	json_t **v = NULL, *sorted = NULL;
	buf_t prefix;
	size_t i, n;
	int rc;

	*out = NULL;
	if (dberr)
		*dberr = 0;
	buf_init(&prefix, 4096);
	if (c.rows == NULL || db_key(&prefix, ws, "", (char *)NULL) != DB_OK)
		goto nomem;
	rc = db ? db_scan(db, DB_DEALS, buf_ptr(&prefix), buf_len(&prefix), moved_cb, &c, err,
	    errlen) : DB_OK;
	if (rc != DB_OK) {
		if (dberr)
			*dberr = rc != DB_ENOMEM;
		goto fail;
	}
	if (c.failed)
		goto nomem;
	/* Sorted through an array of the rows, which then move into a new array. */
	n = json_len(c.rows);
	if ((v = calloc(n + 1, sizeof *v)) == NULL || (sorted = json_new_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		v[i] = json_at(c.rows, i);
	qsort(v, n, sizeof *v, cmp_newest);
	for (i = 0; i < n; i++)
		if (json_push(sorted, json_clone(v[i])) != JSON_OK)
			goto nomem;
	free(v);
	json_free(c.rows);
	buf_free(&prefix);
	*out = sorted;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(v);
	json_free(sorted);
	json_free(c.rows);
	buf_free(&prefix);
	return -1;
}

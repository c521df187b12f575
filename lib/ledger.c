#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void
ledger_month(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m", &tm);
}

static void
usage_parse(const char *raw, size_t len, struct ledger_usage *u)
{
	json_t *v = NULL;
	char why[64];
	int64_t n;
	double d;

	memset(u, 0, sizeof *u);
	if (raw == NULL || json_parse(raw, len, 0, &v, NULL, why, sizeof why) != JSON_OK)
		return;
	if (json_num_int(json_get(v, "calls"), &n) == 0)
		u->calls = n;
	if (json_num_double(json_get(v, "credits"), &d) == 0)
		u->credits = d;
	if (json_num_int(json_get(v, "tokens"), &n) == 0)
		u->tokens = n;
	json_free(v);
}

static int
usage_add(const char *old, size_t oldlen, char **nv, size_t *nlen, void *ctx)
{
	const struct ledger_usage *add = ctx;
	struct ledger_usage u;
	buf_t b;

	usage_parse(old, oldlen, &u);
	u.calls += add->calls;
	u.credits += add->credits;
	u.tokens += add->tokens;
	buf_init(&b, 256);
	if (buf_addf(&b, "{\"calls\":%lld,\"credits\":%.10g,\"tokens\":%lld}",
	    u.calls, u.credits, u.tokens) != BUF_OK) {
		buf_free(&b);
		return DB_ENOMEM;
	}
	*nv = buf_detach(&b, nlen);
	return *nv ? 0 : DB_ENOMEM;
}

int
ledger_add(db_t *db, const char *workspace, const char *provider, const char *month,
    const struct ledger_usage *add, char *err, size_t errlen)
{
	buf_t k;
	int rc;

	buf_init(&k, 1024);
	if (db_key(&k, workspace, provider, month, (char *)NULL) != DB_OK) {
		buf_free(&k);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_update(db, DB_USAGE, buf_ptr(&k), buf_len(&k), usage_add, (void *)add, err, errlen);
	buf_free(&k);
	return rc;
}

int
ledger_get(db_t *db, const char *workspace, const char *provider, const char *month,
    struct ledger_usage *out, char *err, size_t errlen)
{
	char *raw = NULL;
	size_t len;
	buf_t k;
	int rc;

	memset(out, 0, sizeof *out);
	buf_init(&k, 1024);
	if (db_key(&k, workspace, provider, month, (char *)NULL) != DB_OK) {
		buf_free(&k);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_USAGE, buf_ptr(&k), buf_len(&k), &raw, &len, err, errlen);
	buf_free(&k);
	if (rc == DB_NOTFOUND)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	usage_parse(raw, len, out);
	free(raw);
	return DB_OK;
}

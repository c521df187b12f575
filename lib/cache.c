#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

/* Stored value: "<fetched_at epoch seconds>\n<json>". */

int
cache_get(db_t *db, const char *provider, const char *workspace, const char *key,
    long ttl, time_t now, json_t **val, time_t *fetched_at, char *err, size_t errlen)
{
	char *raw = NULL, *nl, *end, why[128];
	size_t rawlen;
	long long t;
	buf_t k;
	json_t *v = NULL;
	int rc;

	if (val)
		*val = NULL;
	buf_init(&k, 4096);
	if (db_key(&k, provider, workspace, key, (char *)NULL) != DB_OK) {
		buf_free(&k);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_CACHE, buf_ptr(&k), buf_len(&k), &raw, &rawlen, err, errlen);
	buf_free(&k);
	if (rc != DB_OK)
		return rc;
	rc = DB_NOTFOUND;
	if ((nl = memchr(raw, '\n', rawlen)) == NULL)
		goto done;
	t = strtoll(raw, &end, 10);
	if (end != nl)
		goto done;
	if (ttl > 0 && (long long)now - t > ttl)
		goto done;
	if (val && json_parse(nl + 1, rawlen - (size_t)(nl + 1 - raw), 0, &v, NULL, why,
	    sizeof why) != JSON_OK)
		goto done;
	if (val)
		*val = v;
	if (fetched_at)
		*fetched_at = (time_t)t;
	rc = DB_OK;
done:
	free(raw);
	return rc;
}

/* The key and value of an entry. Returns DB_OK or DB_ENOMEM (err set). */
static int
entry(buf_t *k, buf_t *v, const char *provider, const char *workspace, const char *key,
    const json_t *val, time_t fetched_at, char *err, size_t errlen)
{
	if (db_key(k, provider, workspace, key, (char *)NULL) != DB_OK ||
	    buf_addf(v, "%lld\n", (long long)fetched_at) != BUF_OK ||
	    json_dump(val, v) != JSON_OK) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	return DB_OK;
}

int
cache_put(db_t *db, const char *provider, const char *workspace, const char *key,
    const json_t *val, time_t fetched_at, char *err, size_t errlen)
{
	db_batch_t *b = db_batch_new(db);
	int rc;

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = cache_put_batch(b, provider, workspace, key, val, fetched_at, err, errlen);
	if (rc == DB_OK)
		rc = db_batch_commit(b, err, errlen);
	db_batch_free(b);
	return rc;
}

int
cache_put_batch(db_batch_t *b, const char *provider, const char *workspace, const char *key,
    const json_t *val, time_t fetched_at, char *err, size_t errlen)
{
	buf_t k, v;
	int rc;

	buf_init(&k, 4096);
	buf_init(&v, (size_t)1 << 30);
	rc = entry(&k, &v, provider, workspace, key, val, fetched_at, err, errlen);
	if (rc == DB_OK && (rc = db_batch_put(b, DB_CACHE, buf_ptr(&k), buf_len(&k), buf_ptr(&v),
	    buf_len(&v))) != DB_OK)
		snprintf(err, errlen, "%s", rc == DB_ENOMEM ? "out of memory" : "key too long");
	buf_free(&k);
	buf_free(&v);
	return rc;
}

void
cache_time_format(time_t t, char *out, size_t n)
{
	/* Called for every contact written: lib/date's arithmetic, not gmtime and strftime. */
	date_t d = date_from_time(t);
	long long sod = (long long)t % 86400;

	if (sod < 0)
		sod += 86400;
	if (d.y < 1000 || d.y > 9999 || n < 21) {   /* strftime's way outside four digits */
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	date_format(d, out);
	out[10] = 'T';
	out[11] = (char)('0' + sod / 36000);
	out[12] = (char)('0' + sod / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + sod % 3600 / 600);
	out[15] = (char)('0' + sod % 3600 / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + sod % 60 / 10);
	out[18] = (char)('0' + sod % 10);
	out[19] = 'Z';
	out[20] = '\0';
}

int
cache_time_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}

json_t *
cache_answer_value(const char *field, const json_t *found)
{
	json_t *v = json_new_object(), *copy;

	if (v == NULL || json_set_str(v, "status", found ? "enriched" : "not_found") != JSON_OK)
		goto fail;
	if (found && ((copy = json_clone(found)) == NULL || json_set(v, field, copy) != JSON_OK))
		goto fail;
	return v;
fail:
	json_free(v);
	return NULL;
}

int
cache_answer_read(const json_t *v, const char *field, const json_t **found)
{
	const char *s = json_str(json_get(v, "status"));

	*found = NULL;
	if (s && strcmp(s, "not_found") == 0)
		return 0;
	if (s && strcmp(s, "enriched") == 0 && json_is(json_get(v, field), JSON_OBJECT)) {
		*found = json_get(v, field);
		return 1;
	}
	return -1;
}

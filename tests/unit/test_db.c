/* lib/db, lib/cache, lib/ledger, lib/budget on a real LMDB in a temp dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "budget.h"
#include "cache.h"
#include "db.h"
#include "ledger.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/de-test-db.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	strcat(dir, "/nested/db");   /* db_open creates missing parents */
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(dir) - 10), dir);
	return system(cmd) == 0 ? 0 : -1;
}

static db_t *
open_db(void)
{
	db_t *db;
	char err[256];

	assert_int_equal(db_open(dir, 0, &db, err, sizeof err), DB_OK);
	return db;
}

static void
put_get_del(void **state)
{
	db_t *db = open_db();
	char err[256], *v;
	size_t n;

	(void)state;
	assert_int_equal(db_put(db, DB_DEALS, "k1", 2, "hello", 5, err, sizeof err), DB_OK);
	assert_int_equal(db_get(db, DB_DEALS, "k1", 2, &v, &n, err, sizeof err), DB_OK);
	assert_int_equal(n, 5);
	assert_string_equal(v, "hello");
	free(v);
	/* Tables are separate. */
	assert_int_equal(db_get(db, DB_CACHE, "k1", 2, &v, &n, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(db_del(db, DB_DEALS, "k1", 2, err, sizeof err), DB_OK);
	assert_int_equal(db_get(db, DB_DEALS, "k1", 2, &v, &n, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(db_put(db, DB_DEALS, "", 0, "x", 1, err, sizeof err), DB_EKEY);
	db_close(db);
}

static void
keys_are_namespaced_and_capped(void **state)
{
	buf_t k;
	char longpart[2000];

	(void)state;
	buf_init(&k, 8192);
	assert_int_equal(db_key(&k, "acme", "apollo", "pat@globex.com", (char *)NULL), DB_OK);
	assert_memory_equal(buf_ptr(&k), "acme\x1f" "apollo\x1fpat@globex.com", buf_len(&k));
	memset(longpart, 'a', sizeof longpart - 1);
	longpart[sizeof longpart - 1] = '\0';
	assert_int_equal(db_key(&k, "acme", longpart, (char *)NULL), DB_OK);
	assert_int_equal(buf_len(&k), 480);
	/* The digest of the whole key ends it: keys stored so must still match. */
	memset(longpart, 'x', 500);
	longpart[500] = '\0';
	assert_int_equal(db_key(&k, longpart, (char *)NULL), DB_OK);
	assert_int_equal(buf_len(&k), 480);
	assert_memory_equal(buf_ptr(&k) + 463, "#3406b44310c2a6b3", 17);
	buf_free(&k);
}

struct scan_ctx {
	int n;
	char seen[256];
};

static int
collect(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct scan_ctx *c = vctx;

	(void)val;
	(void)vlen;
	strncat(c->seen, key, klen);
	strcat(c->seen, ";");
	return ++c->n == 3;   /* stop after three */
}

static void
scan_by_prefix(void **state)
{
	db_t *db = open_db();
	db_batch_t *b = db_batch_new(db);
	struct scan_ctx c = { 0, "" };
	char err[256];
	const char *keys[] = { "a\x1f" "1", "b\x1f" "1", "b\x1f" "2", "b\x1f" "3", "b\x1f" "4", "c\x1f" "1" };
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(db_batch_put(b, DB_INDEX, keys[i], 3, "v", 1), DB_OK);
	assert_int_equal(db_batch_count(b), 6);
	assert_int_equal(db_batch_commit(b, err, sizeof err), DB_OK);
	db_batch_free(b);
	assert_int_equal(db_scan(db, DB_INDEX, "b\x1f", 2, collect, &c, err, sizeof err), DB_OK);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.seen, "b\x1f" "1;b\x1f" "2;b\x1f" "3;");
	db_close(db);
}

static void
map_grows_when_full(void **state)
{
	db_t *db = open_db();
	char err[256], key[32];
	char *big = malloc(1 << 20);
	size_t entries, bytes;
	int i;

	(void)state;
	memset(big, 'z', 1 << 20);
	/* 100 MiB of values: past the 64 MiB initial map. */
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "big%03d", i);
		assert_int_equal(db_put(db, DB_CACHE, key, strlen(key), big, 1 << 20, err, sizeof err), DB_OK);
	}
	assert_int_equal(db_stat(db, DB_CACHE, &entries, &bytes, err, sizeof err), DB_OK);
	assert_int_equal(entries, 100);
	assert_true(bytes > 100u << 20);
	free(big);
	db_close(db);
}

static int
append_x(const char *old, size_t oldlen, char **nv, size_t *nlen, void *ctx)
{
	(void)ctx;
	*nv = malloc(oldlen + 2);
	memcpy(*nv, old ? old : "", oldlen);
	(*nv)[oldlen] = 'x';
	*nlen = oldlen + 1;
	return 0;
}

static void
updates_from_many_processes_all_count(void **state)
{
	db_t *db;
	char err[256], *v;
	size_t n;
	int p, i, status;

	(void)state;
	db_close(open_db());   /* created before the children race to open it */
	for (p = 0; p < 4; p++) {
		if (fork() == 0) {
			db_t *child = NULL;

			if (db_open(dir, 0, &child, err, sizeof err) != DB_OK)
				_exit(1);
			for (i = 0; i < 25; i++)
				if (db_update(child, DB_USAGE, "counter", 7, append_x, NULL, err, sizeof err) != DB_OK)
					_exit(2);
			db_close(child);
			_exit(0);
		}
	}
	for (p = 0; p < 4; p++) {
		wait(&status);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	db = open_db();
	assert_int_equal(db_get(db, DB_USAGE, "counter", 7, &v, &n, err, sizeof err), DB_OK);
	assert_int_equal(n, 100);
	free(v);
	db_close(db);
}

static void
cache_ttl_and_workspaces(void **state)
{
	db_t *db = open_db();
	json_t *v = json_new_object(), *got;
	char err[256];
	time_t at;

	(void)state;
	json_set_str(v, "status", "not_found");
	assert_int_equal(cache_put(db, "apollo", "acme", "pat@globex.com", v, 1000000, err, sizeof err), DB_OK);
	assert_int_equal(cache_get(db, "apollo", "acme", "pat@globex.com", 90 * 86400, 1000000 + 86400, &got, &at, err, sizeof err), DB_OK);
	assert_string_equal(json_str(json_get(got, "status")), "not_found");
	assert_int_equal(at, 1000000);
	json_free(got);
	/* Expired. */
	assert_int_equal(cache_get(db, "apollo", "acme", "pat@globex.com", 90 * 86400, 1000000 + 91 * 86400, &got, &at, err, sizeof err), DB_NOTFOUND);
	assert_null(got);
	/* Another workspace, another provider: not served. */
	assert_int_equal(cache_get(db, "apollo", "other", "pat@globex.com", 0, 0, &got, NULL, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(cache_get(db, "serper", "acme", "pat@globex.com", 0, 0, &got, NULL, err, sizeof err), DB_NOTFOUND);
	json_free(v);
	db_close(db);
}

/* A call's answers in one transaction: nothing before the commit, all after. */
static void
cache_answers_of_a_call_at_once(void **state)
{
	db_t *db = open_db();
	db_batch_t *b = db_batch_new(db);
	json_t *v = json_new_object(), *got = NULL;
	char err[256];
	time_t at;

	(void)state;
	assert_non_null(b);
	json_set_str(v, "status", "enriched");
	assert_int_equal(cache_put_batch(b, "apollo", "acme", "a@x.com", v, 2000000, err, sizeof err), DB_OK);
	assert_int_equal(cache_put_batch(b, "apollo", "acme", "b@x.com", v, 2000000, err, sizeof err), DB_OK);
	assert_int_equal(cache_get(db, "apollo", "acme", "a@x.com", 0, 0, &got, NULL, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(db_batch_commit(b, err, sizeof err), DB_OK);
	assert_int_equal(cache_get(db, "apollo", "acme", "b@x.com", 0, 0, &got, &at, err, sizeof err), DB_OK);
	assert_string_equal(json_str(json_get(got, "status")), "enriched");
	assert_int_equal(at, 2000000);
	json_free(got);
	assert_int_equal(cache_get(db, "apollo", "acme", "a@x.com", 0, 0, &got, NULL, err, sizeof err), DB_OK);
	json_free(got);
	db_batch_free(b);
	json_free(v);
	db_close(db);
}

/* Every provider's answer in one shape, through a real cache entry and back. */
static void
cache_answer_values_one_shape(void **state)
{
	db_t *db = open_db();
	json_t *found = NULL, *v, *got = NULL;
	const json_t *back;
	char err[256];
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 12);
	assert_int_equal(json_parse("{\"id\":\"p1\",\"n\":[1]}", 19, 0, &found, NULL, err, sizeof err), JSON_OK);
	assert_non_null(v = cache_answer_value("profile", found));
	json_free(found);   /* the value holds a copy */
	assert_int_equal(json_dump(v, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"status\":\"enriched\",\"profile\":{\"id\":\"p1\",\"n\":[1]}}");
	assert_int_equal(cache_put(db, "linkedin", "acme", "k", v, 3000000, err, sizeof err), DB_OK);
	json_free(v);
	assert_int_equal(cache_get(db, "linkedin", "acme", "k", 0, 0, &got, NULL, err, sizeof err), DB_OK);
	assert_int_equal(cache_answer_read(got, "profile", &back), 1);
	assert_string_equal(json_str(json_get(back, "id")), "p1");
	/* Another provider's field is no answer of this one. */
	assert_int_equal(cache_answer_read(got, "person", &back), -1);
	assert_null(back);
	json_free(got);
	assert_non_null(v = cache_answer_value("person", NULL));
	buf_reset(&b);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"status\":\"not_found\"}");
	assert_int_equal(cache_answer_read(v, "person", &back), 0);
	assert_null(back);
	json_free(v);
	buf_free(&b);
	db_close(db);
}

static void
ledger_and_budget(void **state)
{
	db_t *db = open_db();
	struct ledger_usage add = { 1, 2.5, 0 }, got;
	struct budget b;
	char err[256], month[16];
	int dberr;

	(void)state;
	ledger_month(1764288000, month, sizeof month);   /* 2025-11-28 */
	assert_string_equal(month, "2025-11");
	assert_int_equal(ledger_add(db, "acme", "apollo", "2025-11", &add, err, sizeof err), DB_OK);
	assert_int_equal(ledger_add(db, "acme", "apollo", "2025-11", &add, err, sizeof err), DB_OK);
	assert_int_equal(ledger_get(db, "acme", "apollo", "2025-11", &got, err, sizeof err), DB_OK);
	assert_int_equal(got.calls, 2);
	assert_true(got.credits == 5.0);
	assert_int_equal(ledger_get(db, "acme", "apollo", "2025-10", &got, err, sizeof err), DB_OK);
	assert_int_equal(got.calls, 0);

	assert_int_equal(budget_load(db, NULL, "acme", "apollo", NULL, 1764288000, &b, &dberr, err, sizeof err), 0);
	assert_int_equal(b.limited, 0);
	assert_true(budget_allows(&b, 1e9));
	assert_int_equal(budget_load(db, NULL, "acme", "apollo", "6", 1764288000, &b, &dberr, err, sizeof err), 0);
	assert_true(b.limited && b.used == 5.0);
	assert_true(budget_allows(&b, 1));
	assert_false(budget_allows(&b, 2));
	budget_spend(&b, 1);
	assert_false(budget_allows(&b, 1));
	assert_int_equal(budget_load(db, NULL, "acme", "apollo", "lots", 1764288000, &b, &dberr, err, sizeof err), -1);
	assert_non_null(strstr(err, "apollo_monthly_budget 'lots'"));
	db_close(db);
}

static void
time_format_roundtrip(void **state)
{
	char t[32];
	time_t back;

	(void)state;
	cache_time_format(1762066812, t, sizeof t);
	assert_string_equal(t, "2025-11-02T07:00:12Z");
	assert_int_equal(cache_time_parse(t, &back), 0);
	assert_int_equal(back, 1762066812);
	assert_int_equal(cache_time_parse("2025-11-02", &back), -1);
}

/* The arithmetic formatter agrees with gmtime and strftime, leap days and negative times included. */
static void
time_format_as_gmtime(void **state)
{
	static const long long fixed[] = { 0, -1, 59, 86399, 86400, 951782400, 951868799,
		4107542399LL, 4107542400LL, 253402300799LL, -62135596800LL, -2208988801LL };
	char t[32], want[32];
	struct tm tm;
	long long s;
	size_t i;
	time_t tt;

	(void)state;
	for (i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		tt = (time_t)fixed[i];
		gmtime_r(&tt, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cache_time_format(tt, t, sizeof t);
		assert_string_equal(t, want);
	}
	/* Every 7 hours and 13 seconds from 1900 to 2200. */
	for (s = -2208988800LL; s < 7258118400LL; s += 25213) {
		tt = (time_t)s;
		gmtime_r(&tt, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cache_time_format(tt, t, sizeof t);
		if (strcmp(t, want) != 0)
			fail_msg("%lld: %s, gmtime says %s", s, t, want);
	}
}

/* No store yet is a new user's state, not an error; one that is there opens read-only. */
static void
open_existing(void **state)
{
	db_t *db;
	char err[256];

	(void)state;
	assert_int_equal(db_open_existing(dir, 1, &db, err, sizeof err), DB_NOTFOUND);
	assert_null(db);
	assert_int_equal(db_open(dir, 0, &db, err, sizeof err), DB_OK);
	assert_int_equal(db_put(db, DB_DEALS, "k", 1, "v", 1, err, sizeof err), DB_OK);
	db_close(db);
	assert_int_equal(db_open_existing(dir, 1, &db, err, sizeof err), DB_OK);
	assert_non_null(db);
	assert_int_not_equal(db_put(db, DB_DEALS, "k", 1, "w", 1, err, sizeof err), DB_OK);
	db_close(db);
}

/* A file where the db's directory should be is in the way, not "no db yet". */
static void
open_existing_on_a_file(void **state)
{
	db_t *db;
	char err[256], file[300];
	FILE *f;

	(void)state;
	snprintf(file, sizeof file, "%.*s/afile", (int)(strlen(dir) - 10), dir);   /* setup made the parent */
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_int_equal(db_open_existing(file, 1, &db, err, sizeof err), DB_EIO);
	assert_null(db);
	assert_non_null(strstr(err, "afile"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(put_get_del, setup, teardown),
		cmocka_unit_test(keys_are_namespaced_and_capped),
		cmocka_unit_test(time_format_as_gmtime),
		cmocka_unit_test_setup_teardown(scan_by_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(map_grows_when_full, setup, teardown),
		cmocka_unit_test_setup_teardown(updates_from_many_processes_all_count, setup, teardown),
		cmocka_unit_test_setup_teardown(cache_ttl_and_workspaces, setup, teardown),
		cmocka_unit_test_setup_teardown(ledger_and_budget, setup, teardown),
		cmocka_unit_test(time_format_roundtrip),
		cmocka_unit_test_setup_teardown(cache_answers_of_a_call_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(cache_answer_values_one_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(open_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(open_existing_on_a_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

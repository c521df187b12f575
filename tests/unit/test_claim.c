/* lib/claim and db_write on a real LMDB, with real processes holding claims. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "claim.h"
#include "db.h"

#include "fixture.h"

static const char *const keys[] = { "a@x.com", "b@x.com", "c@x.com" };

/* Puts a claim entry's value v as another process would. */
static void
put_raw(db_t *db, const char *key, const char *v)
{
	char err[256];
	buf_t k;

	buf_init(&k, 4096);
	assert_int_equal(db_key(&k, "claim", "apollo", "ws", key, (char *)NULL), DB_OK);
	assert_int_equal(db_put(db, DB_META, buf_ptr(&k), buf_len(&k), v, strlen(v), err,
	    sizeof err), DB_OK);
	buf_free(&k);
}

/* The same in the older form, "<pid> <epoch>". */
static void
put_claim(db_t *db, const char *key, long long pid, long long at)
{
	char v[64];

	snprintf(v, sizeof v, "%lld %lld", pid, at);
	put_raw(db, key, v);
}

static int
claim_present(db_t *db, const char *key)
{
	char err[256], *v;
	size_t n;
	buf_t k;
	int rc;

	buf_init(&k, 4096);
	assert_int_equal(db_key(&k, "claim", "apollo", "ws", key, (char *)NULL), DB_OK);
	rc = db_get(db, DB_META, buf_ptr(&k), buf_len(&k), &v, &n, err, sizeof err);
	buf_free(&k);
	if (rc == DB_OK)
		free(v);
	return rc == DB_OK;
}

static void
fresh_keys_are_taken_and_released(void **state)
{
	db_t *db = fx_open_db("db");
	enum claim_state st[3] = { CLAIM_HELD, CLAIM_HELD, CLAIM_HELD };
	char err[256];

	(void)state;
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 3, NULL, NULL, time(NULL), st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[2], CLAIM_TAKEN);
	assert_true(claim_present(db, "b@x.com"));
	/* Our own claim does not hold us back. */
	st[1] = CLAIM_HELD;
	assert_int_equal(claim_take(db, "apollo", "ws", keys + 1, 1, NULL, NULL, time(NULL), st + 1,
	    err, sizeof err), DB_OK);
	assert_int_equal(st[1], CLAIM_TAKEN);
	assert_int_equal(claim_release(db, "apollo", "ws", keys, 3, err, sizeof err), DB_OK);
	assert_false(claim_present(db, "a@x.com"));
	assert_false(claim_present(db, "b@x.com"));
	/* A live process's claim in one workspace does not hold the same email in another. */
	put_claim(db, "a@x.com", (long long)getppid(), (long long)time(NULL));
	st[0] = CLAIM_HELD;
	assert_int_equal(claim_take(db, "apollo", "other", keys, 1, NULL, NULL, time(NULL), st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 1, NULL, NULL, time(NULL), st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_HELD);
	db_close(db);
}

static int
answered_if_recent(const char *val, size_t len, void *ctx)
{
	return claim_entry_time(val, len) >= *(long long *)ctx;
}

static void
an_answer_in_the_cache_is_not_claimed(void **state)
{
	db_t *db = fx_open_db("db");
	enum claim_state st[2];
	long long since = 1000;
	char err[256];
	json_t *v = json_new_object();

	(void)state;
	assert_int_equal(cache_put(db, "apollo", "ws", "a@x.com", v, 2000, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "apollo", "ws", "b@x.com", v, 500, err, sizeof err), DB_OK);
	json_free(v);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 2, answered_if_recent, &since,
	    time(NULL), st, err, sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_ANSWERED);
	assert_false(claim_present(db, "a@x.com"));
	assert_int_equal(st[1], CLAIM_TAKEN);   /* too old an answer */
	assert_true(claim_present(db, "b@x.com"));
	db_close(db);
}

static void
a_live_process_holds_its_claim_until_it_dies(void **state)
{
	int go[2], ready[2];
	enum claim_state st[3];
	char err[256], c;
	db_t *db;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	if ((pid = fork()) == 0) {
		db_t *cdb;
		char path[300];

		snprintf(path, sizeof path, "%s/db", fx_dir);   /* where fx_open_db("db") opens */
		if (db_open(path, 0, &cdb, err, sizeof err) != DB_OK ||
		    claim_take(cdb, "apollo", "ws", keys, 2, NULL, NULL, time(NULL), st, err,
		    sizeof err) != DB_OK || st[0] != CLAIM_TAKEN || st[1] != CLAIM_TAKEN)
			_exit(1);
		db_close(cdb);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)read(go[0], &c, 1);   /* lives until told */
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	db = fx_open_db("db");
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 3, NULL, NULL, time(NULL), st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_HELD);
	assert_int_equal(st[1], CLAIM_HELD);
	assert_int_equal(st[2], CLAIM_TAKEN);
	/* Releasing leaves another's claims alone. */
	assert_int_equal(claim_release(db, "apollo", "ws", keys, 3, err, sizeof err), DB_OK);
	assert_true(claim_present(db, "a@x.com"));
	assert_false(claim_present(db, "c@x.com"));
	/* The holder is killed: its claims are taken over at once. */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 2, NULL, NULL, time(NULL), st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_TAKEN);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	db_close(db);
}

static void
a_claim_too_old_or_unreadable_is_stale(void **state)
{
	db_t *db = fx_open_db("db");
	enum claim_state st[3];
	time_t now = time(NULL);
	char err[256];

	(void)state;
	/* getppid() lives (the test runner); its claims are held only while recent. */
	put_claim(db, "a@x.com", (long long)getppid(), (long long)now - CLAIM_MAX_AGE - 1);
	put_claim(db, "b@x.com", (long long)getppid(), (long long)now - 5);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 2, NULL, NULL, now, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_HELD);
	/* Garbage in a claim entry counts as no claim. */
	put_raw(db, keys[2], "12x");
	assert_int_equal(claim_take(db, "apollo", "ws", keys + 2, 1, NULL, NULL, now, st + 2, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[2], CLAIM_TAKEN);
	db_close(db);
}

/* The claim value this process writes, read back from the db. */
static void
my_claim_value(db_t *db, char *out, size_t n)
{
	enum claim_state st;
	char err[256], *v;
	size_t vl;
	buf_t k;

	assert_int_equal(claim_take(db, "apollo", "ws", keys + 2, 1, NULL, NULL, time(NULL), &st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st, CLAIM_TAKEN);
	buf_init(&k, 4096);
	assert_int_equal(db_key(&k, "claim", "apollo", "ws", keys[2], (char *)NULL), DB_OK);
	assert_int_equal(db_get(db, DB_META, buf_ptr(&k), buf_len(&k), &v, &vl, err, sizeof err),
	    DB_OK);
	assert_true(vl < n);
	memcpy(out, v, vl);
	out[vl] = '\0';
	free(v);
	buf_free(&k);
	assert_int_equal(claim_release(db, "apollo", "ws", keys + 2, 1, err, sizeof err), DB_OK);
}

/* A pid no process has: a child that has exited and been reaped. */
static long long
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (long long)pid;
}

static void
a_claim_says_where_its_process_runs(void **state)
{
	db_t *db = fx_open_db("db");
	char v[256], host[128], boot[64], ns[64];
	long long pid, at;

	(void)state;
	my_claim_value(db, v, sizeof v);
	assert_int_equal(sscanf(v, "%lld %lld %127s %63s %63s", &pid, &at, host, boot, ns), 5);
	assert_int_equal(pid, (long long)getpid());
	{
		char h[128] = "";
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

		gethostname(h, sizeof h);
		assert_string_equal(host, h);
		if (f) {
			assert_non_null(fgets(h, sizeof h, f));
			h[strcspn(h, "\n")] = '\0';
			fclose(f);
			assert_string_equal(boot, h);
		}
	}
	assert_true(strspn(ns, "0123456789") == strlen(ns) || strcmp(ns, "-") == 0);
	db_close(db);
}

/*
 * Another host, boot or pid namespace: the pid says nothing here, so the
 * claim is held until it expires, dead pid or not. Here, a dead pid's claim
 * is taken over at once, as before.
 */
static void
a_claim_from_elsewhere_is_held_until_it_expires(void **state)
{
	db_t *db = fx_open_db("db");
	enum claim_state st[3];
	char v[256], host[128], boot[64], ns[64], other[512];
	long long pid, at, dead = dead_pid();
	time_t now = time(NULL);
	char err[256];
	int i;

	(void)state;
	my_claim_value(db, v, sizeof v);
	assert_int_equal(sscanf(v, "%lld %lld %127s %63s %63s", &pid, &at, host, boot, ns), 5);
	for (i = 0; i < 3; i++) {
		snprintf(other, sizeof other, "%lld %lld %s %s %s", dead, (long long)now - 5,
		    i == 0 ? "other-host" : host,
		    i == 1 ? "00000000-1111-2222-3333-444444444444" : boot, i == 2 ? "1" : ns);
		put_raw(db, keys[i], other);
	}
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 3, NULL, NULL, now, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_HELD);   /* another host */
	assert_int_equal(st[1], CLAIM_HELD);   /* another boot */
	assert_int_equal(st[2], CLAIM_HELD);   /* another pid namespace (a container) */
	/* Our release leaves them alone. */
	assert_int_equal(claim_release(db, "apollo", "ws", keys, 3, err, sizeof err), DB_OK);
	assert_true(claim_present(db, keys[0]));
	/* Expired: taken. */
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 3, NULL, NULL,
	    now - 5 + CLAIM_MAX_AGE, st, err, sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_TAKEN);
	assert_int_equal(st[2], CLAIM_TAKEN);

	/* Our own pid, written elsewhere, is another process: held, and not ours to release. */
	snprintf(other, sizeof other, "%lld %lld other-host %s %s", (long long)getpid(),
	    (long long)now, boot, ns);
	put_raw(db, keys[0], other);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 1, NULL, NULL, now, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_HELD);
	assert_int_equal(claim_release(db, "apollo", "ws", keys, 1, err, sizeof err), DB_OK);
	assert_true(claim_present(db, keys[0]));

	/* Here, a dead pid: taken over at once. */
	snprintf(other, sizeof other, "%lld %lld %s %s %s", dead, (long long)now, host, boot, ns);
	put_raw(db, keys[1], other);
	assert_int_equal(claim_take(db, "apollo", "ws", keys + 1, 1, NULL, NULL, now, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	db_close(db);
}

/* A db written by the earlier version: "<pid> <epoch>", judged by the pid. */
static void
an_old_form_claim_is_judged_by_its_pid(void **state)
{
	db_t *db = fx_open_db("db");
	enum claim_state st[2];
	time_t now = time(NULL);
	char err[256];

	(void)state;
	put_claim(db, keys[0], dead_pid(), (long long)now);
	put_claim(db, keys[1], (long long)getppid(), (long long)now);
	assert_int_equal(claim_take(db, "apollo", "ws", keys, 2, NULL, NULL, now, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_HELD);
	/* Fields missing or too many: no claim. */
	put_raw(db, keys[1], "1 2 host boot");
	put_raw(db, keys[2], "1 2 host boot 3 4");
	assert_int_equal(claim_take(db, "apollo", "ws", keys + 1, 2, NULL, NULL, 2, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_TAKEN);
	db_close(db);
}

static void
entry_time(void **state)
{
	(void)state;
	assert_int_equal(claim_entry_time("1700000000\n{}", 13), 1700000000LL);
	assert_int_equal(claim_entry_time("1700000000", 10), -1);
	assert_int_equal(claim_entry_time("\n{}", 3), -1);
	assert_int_equal(claim_entry_time("12a\n{}", 6), -1);
	assert_int_equal(claim_entry_time("", 0), -1);
}

/* db_write: all of fn's writes, or none. */
static int
two_puts(db_txn_t *txn, void *ctx)
{
	const char *v;
	size_t n;

	if (db_txn_put(txn, DB_DEALS, "k1", 2, "one", 3) != DB_OK ||
	    db_txn_get(txn, DB_DEALS, "k1", 2, &v, &n) != DB_OK || n != 3 ||
	    memcmp(v, "one", 3) != 0 || db_txn_put(txn, DB_DEALS, "k2", 2, "two", 3) != DB_OK)
		return -7;
	if (db_txn_del(txn, DB_DEALS, "nope", 4) != DB_NOTFOUND)
		return -8;
	return *(int *)ctx;
}

static void
db_write_commits_all_or_nothing(void **state)
{
	db_t *db = fx_open_db("db");
	char err[256], *v;
	size_t n;
	int fail = -5, ok = 0;

	(void)state;
	assert_int_equal(db_write(db, two_puts, &fail, err, sizeof err), -5);
	assert_int_equal(db_get(db, DB_DEALS, "k1", 2, &v, &n, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(db_write(db, two_puts, &ok, err, sizeof err), DB_OK);
	assert_int_equal(db_get(db, DB_DEALS, "k2", 2, &v, &n, err, sizeof err), DB_OK);
	assert_string_equal(v, "two");
	free(v);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_keys_are_taken_and_released, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(an_answer_in_the_cache_is_not_claimed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_live_process_holds_its_claim_until_it_dies, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(a_claim_too_old_or_unreadable_is_stale, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_claim_says_where_its_process_runs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(a_claim_from_elsewhere_is_held_until_it_expires, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(an_old_form_claim_is_judged_by_its_pid, fx_setup,
		    fx_teardown),
		cmocka_unit_test(entry_time),
		cmocka_unit_test_setup_teardown(db_write_commits_all_or_nothing, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

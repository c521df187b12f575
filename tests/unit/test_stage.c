/* lib/stage: what every provider engine shares: notices, workspaces, budget, stops, db writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "cache.h"
#include "claim.h"
#include "ledger.h"
#include "stage.h"

/* The notices a stage said, one per line. */
static char said[4096];

static void
collect(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(said, msg, sizeof said - strlen(said) - 2);
	strcat(said, "\n");
}

static int
setup(void **state)
{
	if (fx_setup(state) != 0 || fx_config_home() != 0)
		return -1;
	unsetenv("DEAL_ENRICH_CACHE_DAYS");
	unsetenv("SERPER_API_KEY");
	return 0;
}

static int
lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
says_through_the_callback_or_not_at_all(void **state)
{
	struct stage s = { NULL, collect, NULL, 0 };
	struct stage quiet = { NULL, NULL, NULL, 0 };

	(void)state;
	said[0] = '\0';
	stage_say(&s, "workspace %s: %d calls", "acme", 3);
	stage_say(&quiet, "dropped");
	assert_string_equal(said, "workspace acme: 3 calls\n");
}

static void
maps_codes_and_checks_names(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(stage_code(WORKSPACE_OK), STAGE_OK);
	assert_int_equal(stage_code(WORKSPACE_ENOMEM), STAGE_ENOMEM);
	assert_int_equal(stage_code(WORKSPACE_EIO), STAGE_EIO);
	assert_int_equal(stage_code(WORKSPACE_ECONFIG), STAGE_ECONFIG);
	assert_int_equal(stage_workspace_name("acme-1", err, sizeof err), STAGE_OK);
	assert_int_equal(stage_workspace_name(".hidden", err, sizeof err), STAGE_ECONFIG);
	assert_non_null(strstr(err, "--workspace '.hidden'"));
}

struct my_ws {
	struct stage_ws s;
	int mine;
};

static void
opens_each_workspace_once_into_the_engines_record(void **state)
{
	struct stage_ws *list = NULL, *sw;
	char err[256];

	(void)state;
	fx_workspace("wsa", "cache_days = 7\n");
	fx_workspace("wsbad", "cache_dayz = 7\n");
	assert_int_equal(stage_ws_open("wsa", NULL, sizeof(struct my_ws), &sw, err, sizeof err),
	    STAGE_OK);
	assert_string_equal(sw->name, "wsa");
	assert_int_equal(sw->ttl, 7L * 86400);
	assert_int_equal(((struct my_ws *)sw)->mine, 0);   /* the engine's part is zeroed */
	assert_null(stage_ws_find(list, "wsa"));
	stage_ws_link(&list, sw);
	assert_ptr_equal(stage_ws_find(list, "wsa"), sw);
	assert_int_equal(stage_ws_open("other", "30", sizeof(struct my_ws), &sw, err, sizeof err),
	    STAGE_OK);
	assert_int_equal(sw->ttl, 30L * 86400);   /* --cache-days over the default */
	stage_ws_link(&list, sw);
	assert_ptr_equal(stage_ws_find(list, "other"), sw);
	assert_int_equal(stage_ws_open("wsbad", NULL, sizeof(struct my_ws), &sw, err, sizeof err),
	    STAGE_ECONFIG);
	assert_null(sw);
	assert_non_null(strstr(err, "cache_dayz"));
	stage_ws_free_all(&list);
	assert_null(list);
}

static void
budget_check_stops_the_provider_once_with_the_figures(void **state)
{
	db_t *db = fx_open_db("budget");
	struct stage s = { db, collect, NULL, 0 };
	struct stage_ws *sw;
	struct budget *b;
	char err[256];

	(void)state;
	fx_workspace("wsbudget", "serper_monthly_budget = 2\n");
	assert_int_equal(stage_ws_open("wsbudget", NULL, 0, &sw, err, sizeof err), STAGE_OK);
	assert_int_equal(workspace_budget_load(sw->ws, WS_SERPER, db, NULL, 1700000000, err,
	    sizeof err), WORKSPACE_OK);
	b = workspace_budget(sw->ws, WS_SERPER);
	said[0] = '\0';
	assert_int_equal(stage_budget_check(&s, sw->ws, WS_SERPER, "credits", "no more"), 1);
	budget_spend(b, 2);
	assert_int_equal(stage_budget_check(&s, sw->ws, WS_SERPER, "credits", "no more"), 0);
	assert_int_equal(stage_budget_check(&s, sw->ws, WS_SERPER, "credits", "no more"), 0);
	assert_int_equal(workspace_stopped(sw->ws, WS_SERPER), WS_QUOTA_REACHED);
	assert_string_equal(workspace_stop_reason(sw->ws, WS_SERPER),
	    "serper_monthly_budget reached (2 of 2 credits used this month)");
	assert_string_equal(said, "workspace wsbudget: serper_monthly_budget reached (2 of 2 "
	    "credits used this month): no more\n");
	/* a provider without a budget is never stopped by it */
	assert_int_equal(stage_budget_check(&s, sw->ws, WS_DEEPSEEK, "tokens", "x"), 1);
	stage_ws_free(sw);
	db_close(db);
}

static void
stop_keeps_the_first_reason_and_says_it_once(void **state)
{
	struct stage s = { NULL, collect, NULL, 0 };
	struct stage_ws *sw;
	char err[256];

	(void)state;
	assert_int_equal(stage_ws_open("wsstop", NULL, 0, &sw, err, sizeof err), STAGE_OK);
	said[0] = '\0';
	stage_stop(&s, sw->ws, WS_LINKEDIN, WS_KEY_REFUSED, "the key was refused (403)", "stop");
	stage_stop(&s, sw->ws, WS_LINKEDIN, WS_UNAVAILABLE, "down", "stop");
	assert_int_equal(workspace_stopped(sw->ws, WS_LINKEDIN), WS_KEY_REFUSED);
	assert_string_equal(said, "workspace wsstop: the key was refused (403): stop\n");
	assert_int_equal(workspace_stopped(sw->ws, WS_SERPER), WS_CALLING);
	stage_ws_free(sw);
}

static void
db_writes_land_and_failures_are_counted_and_said_once(void **state)
{
	db_t *db = fx_open_db("writes"), *ro;
	struct stage s = { db, collect, NULL, 0 };
	struct ledger_usage u = { 1, 2.5, 0 }, got;
	const char *key = "acme.com";
	enum claim_state st;
	json_t *v = J("{\"items\":[1]}"), *back = NULL;
	char path[512], err[256];

	(void)state;
	assert_int_equal(stage_cache_put(&s, "serper", "w", key, v, 1700000000), 0);
	assert_int_equal(cache_get(db, "serper", "w", key, 0, 1700000000, &back, NULL, err,
	    sizeof err), DB_OK);
	assert_json_eq(back, "{\"items\":[1]}");
	json_free(back);
	assert_int_equal(stage_ledger(&s, "w", "serper", 1700000000, &u), 0);
	assert_int_equal(ledger_get(db, "w", "serper", "2023-11", &got, err, sizeof err), DB_OK);
	assert_int_equal(got.calls, 1);
	assert_true(got.credits == 2.5);
	assert_int_equal(claim_take(db, "serper", "w", &key, 1, NULL, NULL, 1700000000, &st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st, CLAIM_TAKEN);
	assert_int_equal(stage_release(&s, "serper", "w", key, "an account"), 0);
	assert_int_equal(claim_take(db, "serper", "w", &key, 1, NULL, NULL, 1700000000, &st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st, CLAIM_TAKEN);   /* released: free to take again */
	assert_int_equal(s.db_failed, 0);
	db_close(db);

	snprintf(path, sizeof path, "%s/writes", fx_dir);
	assert_int_equal(db_open(path, 1, &ro, err, sizeof err), DB_OK);
	s.db = ro;
	said[0] = '\0';
	assert_int_equal(stage_cache_put(&s, "serper", "w", "b.com", v, 1700000000), -1);
	assert_int_equal(stage_ledger(&s, "w", "serper", 1700000000, &u), -1);
	assert_int_equal(s.db_failed, 2);
	assert_int_equal(lines(said), 1);
	assert_non_null(strstr(said, "cannot write the cache: "));
	json_free(v);
	db_close(ro);
}

/* The answers of one call go in together, and its claims go together. */
static void
a_calls_answers_and_claims_go_at_once(void **state)
{
	db_t *db = fx_open_db("call"), *ro;
	struct stage s = { db, collect, NULL, 0 };
	const char *keys[] = { "a@x.com", "b@x.com" };
	enum claim_state st[2];
	json_t *vals[2] = { J("{\"status\":\"not_found\"}"), J("{\"n\":2}") }, *back = NULL;
	char path[512], err[256];
	size_t i;

	(void)state;
	assert_int_equal(stage_cache_put_all(&s, "apollo", "w", keys, vals, 2, 1700000000), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(cache_get(db, "apollo", "w", keys[i], 0, 1700000000, &back, NULL, err,
		    sizeof err), DB_OK);
		assert_json_eq(back, i ? "{\"n\":2}" : "{\"status\":\"not_found\"}");
		json_free(back);
	}
	assert_int_equal(claim_take(db, "apollo", "w", keys, 2, NULL, NULL, 1700000000, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(stage_release_all(&s, "apollo", "w", keys, 2, "emails"), 0);
	/* Released, both: another process could take them; this one can again. */
	assert_int_equal(claim_take(db, "apollo", "w", keys, 2, NULL, NULL, 1700000000, st, err,
	    sizeof err), DB_OK);
	assert_int_equal(st[0], CLAIM_TAKEN);
	assert_int_equal(st[1], CLAIM_TAKEN);
	assert_int_equal(s.db_failed, 0);
	db_close(db);

	/* A db that cannot be written: nothing lands, counted and said once. */
	snprintf(path, sizeof path, "%s/call", fx_dir);
	assert_int_equal(db_open(path, 1, &ro, err, sizeof err), DB_OK);
	s.db = ro;
	said[0] = '\0';
	keys[0] = "c@x.com";
	assert_int_equal(stage_cache_put_all(&s, "apollo", "w", keys, vals, 2, 1700000000), -1);
	assert_int_equal(cache_get(ro, "apollo", "w", "c@x.com", 0, 1700000000, &back, NULL, err,
	    sizeof err), DB_NOTFOUND);
	assert_int_equal(s.db_failed, 1);
	assert_non_null(strstr(said, "cannot write the cache: "));
	assert_int_equal(lines(said), 1);
	for (i = 0; i < 2; i++)
		json_free(vals[i]);
	db_close(ro);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(says_through_the_callback_or_not_at_all),
		cmocka_unit_test(maps_codes_and_checks_names),
		cmocka_unit_test(opens_each_workspace_once_into_the_engines_record),
		cmocka_unit_test(budget_check_stops_the_provider_once_with_the_figures),
		cmocka_unit_test(stop_keeps_the_first_reason_and_says_it_once),
		cmocka_unit_test(db_writes_land_and_failures_are_counted_and_said_once),
		cmocka_unit_test(a_calls_answers_and_claims_go_at_once),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}

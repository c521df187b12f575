/* lib/crm_source: which CRM, where a pull starts, what it keeps of the limits; real LMDB. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm_api.h"
#include "crm_cursor.h"
#include "crm_source.h"
#include "fixture.h"

static workspace_t *
open_ws(const char *name, const char *text)
{
	workspace_t *w;
	char err[512];

	fx_config_home();
	fx_workspace(name, text);
	assert_int_equal(workspace_open(name, NULL, &w, err, sizeof err), WORKSPACE_OK);
	return w;
}

static void
which_crm(void **state)
{
	workspace_t *w = open_ws("acme", "crm = salesforce\n"), *none = open_ws("none", "");
	char err[256];
	int rc;

	(void)state;
	unsetenv("DEAL_ENRICH_CRM");
	assert_string_equal(crm_source_name(w, NULL, &rc, err, sizeof err), "salesforce");
	assert_string_equal(crm_source_name(w, "hubspot", &rc, err, sizeof err), "hubspot");
	assert_null(crm_source_name(w, "pipedrive", &rc, err, sizeof err));
	assert_int_equal(rc, CRM_SOURCE_EUSAGE);
	assert_non_null(strstr(err, "--crm: 'pipedrive'"));
	assert_null(crm_source_name(none, NULL, &rc, err, sizeof err));
	assert_int_equal(rc, CRM_SOURCE_ECONFIG);
	assert_non_null(strstr(err, "none.conf"));
	setenv("DEAL_ENRICH_CRM", "hubspot", 1);
	assert_string_equal(crm_source_name(none, NULL, &rc, err, sizeof err), "hubspot");
	unsetenv("DEAL_ENRICH_CRM");
	workspace_free(w);
	workspace_free(none);
}

static void
window_cursor_before_lookback(void **state)
{
	workspace_t *w = open_ws("acme", "crm = hubspot\nlookback_months = 2\n");
	db_t *db = fx_open_db("db");
	struct crm_window win;
	time_t now = 1773507900;   /* 2026-03-14T17:05:00Z */
	char err[256];
	int64_t ms;

	(void)state;
	assert_int_equal(crm_source_window(w, db, "hubspot", 1, NULL, 0, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_true(win.modified_after_ms == -1 && win.closed_since_ms == -1);
	/* no cursor: the workspace's lookback, from midnight */
	assert_int_equal(crm_source_window(w, db, "hubspot", 0, NULL, 0, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_int_equal(crm_api_time_ms("2026-01-14T00:00:00Z", &ms), 0);
	assert_true(win.modified_after_ms == -1 && win.closed_since_ms == ms);
	/* a committed cursor wins over the lookback; --lookback-months over the cursor */
	assert_int_equal(crm_cursor_set_pending(db, "acme", "hubspot", "2026-03-01T10:00:00.000Z",
	    err, sizeof err), DB_OK);
	assert_int_equal(crm_cursor_commit(db, "acme", "hubspot", err, sizeof err), DB_OK);
	assert_int_equal(crm_source_window(w, db, "hubspot", 0, NULL, 0, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_int_equal(crm_api_time_ms("2026-03-01T10:00:00Z", &ms), 0);
	assert_true(win.modified_after_ms == ms && win.closed_since_ms == -1);
	assert_int_equal(crm_source_window(w, db, "salesforce", 0, NULL, 0, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_int_equal(win.modified_after_ms, -1);
	assert_int_equal(crm_source_window(w, db, "hubspot", 0, NULL, 1, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_int_equal(crm_api_time_ms("2026-02-14T00:00:00Z", &ms), 0);
	assert_true(win.modified_after_ms == -1 && win.closed_since_ms == ms);
	/* --since: a day or a time */
	assert_int_equal(crm_source_window(w, db, "hubspot", 0, "2026-02-01", 0, now, &win, err,
	    sizeof err), CRM_SOURCE_OK);
	assert_int_equal(crm_api_time_ms("2026-02-01T00:00:00Z", &ms), 0);
	assert_int_equal(win.modified_after_ms, ms);
	assert_int_equal(crm_source_window(w, db, "hubspot", 0, "yesterday", 0, now, &win, err,
	    sizeof err), CRM_SOURCE_EUSAGE);
	assert_non_null(strstr(err, "--since: 'yesterday'"));
	db_close(db);
	workspace_free(w);
}

static void
bad_setting_and_missing_token(void **state)
{
	workspace_t *w = open_ws("bad", "crm = hubspot\nhubspot_search_cap = 50\n");
	workspace_t *nokey = open_ws("nokey", "crm = hubspot\n");
	struct crm_window win = { -1, -1 };
	crm_source_t *s;
	char err[512];

	(void)state;
	unsetenv("HUBSPOT_ACCESS_TOKEN");
	assert_int_equal(crm_source_open(w, "hubspot", &win, NULL, &s, err, sizeof err),
	    CRM_SOURCE_ECONFIG);
	assert_non_null(strstr(err, "hubspot_search_cap"));
	assert_int_equal(crm_source_open(nokey, "hubspot", &win, NULL, &s, err, sizeof err),
	    CRM_SOURCE_ECONFIG);
	assert_non_null(strstr(err, "hubspot_access_token in "));
	assert_non_null(strstr(err, "HUBSPOT_ACCESS_TOKEN"));
	assert_null(s);
	workspace_free(w);
	workspace_free(nokey);
}

static void
limits_kept_with_their_time(void **state)
{
	db_t *db = fx_open_db("db2");
	char v[CRM_LIMITS_MAX], err[256];

	(void)state;
	assert_int_equal(crm_cursor_get_limits(db, "acme", "salesforce", v, err, sizeof err),
	    DB_NOTFOUND);
	assert_int_equal(crm_cursor_set_limits(db, "acme", "salesforce", "api-usage=25/15000",
	    1773507900, err, sizeof err), DB_OK);
	assert_int_equal(crm_cursor_get_limits(db, "acme", "salesforce", v, err, sizeof err),
	    DB_OK);
	assert_string_equal(v, "2026-03-14T17:05:00Z api-usage=25/15000");
	assert_int_equal(crm_cursor_get_limits(db, "acme", "hubspot", v, err, sizeof err),
	    DB_NOTFOUND);
	db_close(db);
}

static void
status_for_enrich_status(void **state)
{
	workspace_t *none = open_ws("plain", "");
	workspace_t *sf = open_ws("sf", "crm = salesforce\nsalesforce_client_id = id-value\n"
	    "salesforce_client_secret = secret-value\n");
	db_t *db = fx_open_db("db3");
	char err[256], *text;
	json_t *o;

	(void)state;
	unsetenv("DEAL_ENRICH_CRM");
	unsetenv("SALESFORCE_REFRESH_TOKEN");
	assert_int_equal(crm_source_status(none, db, &o, err, sizeof err), CRM_SOURCE_OK);
	assert_true(o != NULL && json_is(o, JSON_NULL));
	json_free(o);
	/* no refresh token: not configured; nothing pulled yet */
	assert_int_equal(crm_source_status(sf, NULL, &o, err, sizeof err), CRM_SOURCE_OK);
	text = fx_dump(o);
	assert_string_equal(text, "{\"name\":\"salesforce\",\"configured\":false,\"cursor\":null,"
	    "\"limits\":null,\"limits_at\":null}");
	free(text);
	json_free(o);
	setenv("SALESFORCE_REFRESH_TOKEN", "rt-value", 1);
	assert_int_equal(crm_cursor_set_limits(db, "sf", "salesforce", "api-usage=25/15000",
	    1773507900, err, sizeof err), DB_OK);
	assert_int_equal(crm_source_status(sf, db, &o, err, sizeof err), CRM_SOURCE_OK);
	text = fx_dump(o);
	assert_string_equal(text, "{\"name\":\"salesforce\",\"configured\":true,\"cursor\":null,"
	    "\"limits\":\"api-usage=25/15000\",\"limits_at\":\"2026-03-14T17:05:00Z\"}");
	assert_null(strstr(text, "value"));
	free(text);
	json_free(o);
	unsetenv("SALESFORCE_REFRESH_TOKEN");
	db_close(db);
	workspace_free(none);
	workspace_free(sf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(which_crm),
		cmocka_unit_test(window_cursor_before_lookback),
		cmocka_unit_test(bad_setting_and_missing_token),
		cmocka_unit_test(limits_kept_with_their_time),
		cmocka_unit_test(status_for_enrich_status),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

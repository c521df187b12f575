/* lib/workspace: the one loader of workspace files; known keys, cache_days, keys, budgets, stops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "ledger.h"
#include "workspace.h"

static const char *const vars[] = {
	"APOLLO_API_KEY", "SERPER_API_KEY", "DEEPSEEK_API_KEY", "RAPIDAPI_KEY",
	"HUBSPOT_ACCESS_TOKEN", "SALESFORCE_REFRESH_TOKEN", "DEAL_ENRICH_CACHE_DAYS",
	"DEAL_ENRICH_APOLLO_BUDGET", "APOLLO_BASE_URL", "LINKEDIN_BASE_URL",
	"DEAL_ENRICH_AUTO_ENRICH_ON_CLOSE", "DEAL_ENRICH_LOOKBACK_MONTHS", NULL
};

static int
setup(void **state)
{
	size_t i;

	if (fx_setup(state) != 0 || fx_config_home() != 0)
		return -1;
	for (i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	return 0;
}

static void
opens_an_absent_file_with_defaults(void **state)
{
	workspace_t *w;
	char err[512];

	(void)state;
	assert_int_equal(workspace_open("nofile", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_string_equal(workspace_name(w), "nofile");
	assert_int_equal(workspace_cache_days(w), 90);
	assert_int_equal(workspace_ttl(w), 90L * 86400);
	assert_null(workspace_key(w, WS_APOLLO));
	assert_int_equal(workspace_stopped(w, WS_APOLLO), WS_CALLING);
	assert_int_equal(workspace_budget(w, WS_APOLLO)->limited, 0);
	workspace_free(w);
}

static void
rejects_a_bad_name(void **state)
{
	workspace_t *w = (workspace_t *)1;
	char err[512];

	(void)state;
	assert_int_equal(workspace_open("../x", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_null(w);
	assert_non_null(strstr(err, "invalid workspace id"));
}

static void
unknown_key_names_file_line_and_closest(void **state)
{
	workspace_t *w;
	char err[512], want[600];

	(void)state;
	fx_workspace("typo", "# budgets\ncache_days = 30\n\napollo_monthy_budget = 10\n");
	assert_int_equal(workspace_open("typo", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_null(w);
	snprintf(want, sizeof want, "%s/config/deal-enrich/workspaces/typo.conf:4: unknown key "
	    "'apollo_monthy_budget' (did you mean apollo_monthly_budget?)", fx_dir);
	assert_string_equal(err, want);
}

static void
families_and_this_waves_keys_are_known(void **state)
{
	workspace_t *w;
	char err[512];

	(void)state;
	fx_workspace("wave", "after_enrich = a\nafter_enrich_1 = b\nafter_enrich_12 = c\n"
	    "map.contact.email = E-mail\nmap.deal_id = Record ID\nmap.account.industry = Sector\nlinkedin_rapidapi_key = lk\n"
	    "linkedin_monthly_budget = 100\nhubspot_access_token = ht\ncrm = hubspot\n"
	    "salesforce_client_id = ci\nsalesforce_client_secret = cs\n"
	    "salesforce_refresh_token = rt\nsalesforce_login_url = https://test.salesforce.com\n");
	assert_int_equal(workspace_open("wave", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_string_equal(workspace_key(w, WS_LINKEDIN), "lk");
	assert_string_equal(workspace_key(w, WS_HUBSPOT), "ht");
	assert_string_equal(workspace_key(w, WS_SALESFORCE), "rt");
	workspace_free(w);
	/* A family needs its member part: digits after after_enrich_, a field after map. */
	fx_workspace("fam", "after_enrich_x = a\n");
	assert_int_equal(workspace_open("fam", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, ":1: unknown key 'after_enrich_x'"));
	fx_workspace("fam", "map. = a\n");
	assert_int_equal(workspace_open("fam", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	/* map.FIELD's FIELD is a canonical field: a typo names the closest one */
	fx_workspace("fam", "map.stage = deal_stage\nmap.stgae = deal_stage\n");
	assert_int_equal(workspace_open("fam", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, ":2: unknown key 'map.stgae' (did you mean map.stage?"));
	assert_non_null(strstr(err, "account.industry"));
	fx_workspace("fam", "map.email = E-mail\n");
	assert_int_equal(workspace_open("fam", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, "did you mean map.contact.email?"));
}

static void
every_secret_of_the_table_wants_a_private_file(void **state)
{
	workspace_t *w;
	char err[512], path[512];

	(void)state;
	/* salesforce_client_id ends in none of conf's secret endings: the table knows it */
	fx_workspace("sfid", "crm = salesforce\nsalesforce_client_id = ci-value\n");
	snprintf(path, sizeof path, "%s/config/deal-enrich/workspaces/sfid.conf", fx_dir);
	chmod(path, 0644);
	assert_int_equal(workspace_open("sfid", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, "ci-value"));
	chmod(path, 0600);
	assert_int_equal(workspace_open("sfid", NULL, &w, err, sizeof err), WORKSPACE_OK);
	workspace_free(w);
	/* no secret in it: others may read it */
	fx_workspace("plain", "crm = salesforce\nhubspot_api_version = 2026-03\n");
	snprintf(path, sizeof path, "%s/config/deal-enrich/workspaces/plain.conf", fx_dir);
	chmod(path, 0644);
	assert_int_equal(workspace_open("plain", NULL, &w, err, sizeof err), WORKSPACE_OK);
	workspace_free(w);
}

static void
cache_days_one_range_and_precedence(void **state)
{
	workspace_t *w;
	char err[512];

	(void)state;
	fx_workspace("cd", "cache_days = 30\n");
	assert_int_equal(workspace_open("cd", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_cache_days(w), 30);
	workspace_free(w);
	setenv("DEAL_ENRICH_CACHE_DAYS", "12", 1);
	assert_int_equal(workspace_open("cd", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_cache_days(w), 12);
	workspace_free(w);
	assert_int_equal(workspace_open("cd", "7", &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_cache_days(w), 7);
	workspace_free(w);
	unsetenv("DEAL_ENRICH_CACHE_DAYS");
	fx_workspace("cd", "cache_days = 3651\n");
	assert_int_equal(workspace_open("cd", NULL, &w, err, sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, "from 1 to 3650"));
	fx_workspace("cd", "cache_days = 3650\n");
	assert_int_equal(workspace_open("cd", NULL, &w, err, sizeof err), WORKSPACE_OK);
	workspace_free(w);
	assert_int_equal(workspace_open("cd", "0", &w, err, sizeof err), WORKSPACE_ECONFIG);
}

static void
keys_file_then_platform_and_hint(void **state)
{
	workspace_t *w;
	char err[512], hint[600];

	(void)state;
	fx_workspace("k", "apollo_api_key = file-key\n");
	setenv("APOLLO_API_KEY", "env-key", 1);
	setenv("SERPER_API_KEY", "env-serper", 1);
	assert_int_equal(workspace_open("k", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_string_equal(workspace_key(w, WS_APOLLO), "file-key");
	assert_string_equal(workspace_key(w, WS_SERPER), "env-serper");
	workspace_key_hint(w, WS_APOLLO, hint, sizeof hint);
	assert_non_null(strstr(hint, "apollo_api_key in "));
	assert_non_null(strstr(hint, "k.conf, or APOLLO_API_KEY"));
	assert_null(strstr(hint, "file-key"));
	workspace_free(w);
	unsetenv("APOLLO_API_KEY");
	unsetenv("SERPER_API_KEY");
}

static void
base_urls(void **state)
{
	char url[256], err[256];

	(void)state;
	assert_int_equal(workspace_base_url(WS_APOLLO, url, sizeof url, err, sizeof err), 0);
	assert_string_equal(url, "https://api.apollo.io");
	setenv("LINKEDIN_BASE_URL", "http://127.0.0.1:9/", 1);
	assert_int_equal(workspace_base_url(WS_LINKEDIN, url, sizeof url, err, sizeof err), 0);
	assert_string_equal(url, "http://127.0.0.1:9");
	setenv("APOLLO_BASE_URL", "ftp://x", 1);
	assert_int_equal(workspace_base_url(WS_APOLLO, url, sizeof url, err, sizeof err), -1);
	assert_non_null(strstr(err, "APOLLO_BASE_URL"));
	unsetenv("APOLLO_BASE_URL");
	unsetenv("LINKEDIN_BASE_URL");
}

static void
budget_from_file_and_ledger(void **state)
{
	workspace_t *w;
	db_t *db = fx_open_db("db");
	struct ledger_usage u = { 1, 7, 0 };
	char err[512], month[8];
	time_t now = 1764547200;   /* 2025-12-01 */

	(void)state;
	ledger_month(now, month, sizeof month);
	assert_int_equal(ledger_add(db, "b", "apollo", month, &u, err, sizeof err), DB_OK);
	fx_workspace("b", "apollo_monthly_budget = 50\n");
	assert_int_equal(workspace_open("b", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_budget_load(w, WS_APOLLO, db, NULL, now, err, sizeof err),
	    WORKSPACE_OK);
	assert_int_equal(workspace_budget(w, WS_APOLLO)->limited, 1);
	assert_true(workspace_budget(w, WS_APOLLO)->budget == 50);
	assert_true(workspace_budget(w, WS_APOLLO)->used == 7);
	assert_int_equal(workspace_budget(w, WS_SERPER)->limited, 0);
	workspace_free(w);
	fx_workspace("b", "apollo_monthly_budget = lots\n");
	assert_int_equal(workspace_open("b", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_budget_load(w, WS_APOLLO, db, NULL, now, err, sizeof err),
	    WORKSPACE_ECONFIG);
	workspace_free(w);
	db_close(db);
}

static void
first_stop_reason_stays(void **state)
{
	workspace_t *w;
	char err[512];

	(void)state;
	assert_int_equal(workspace_open("stop", NULL, &w, err, sizeof err), WORKSPACE_OK);
	workspace_stop(w, WS_SERPER, WS_KEY_REFUSED, "refused");
	workspace_stop(w, WS_SERPER, WS_QUOTA_REACHED, "later");
	assert_int_equal(workspace_stopped(w, WS_SERPER), WS_KEY_REFUSED);
	assert_string_equal(workspace_stop_reason(w, WS_SERPER), "refused");
	assert_int_equal(workspace_stopped(w, WS_APOLLO), WS_CALLING);
	assert_string_equal(workspace_stop_reason(w, WS_APOLLO), "");
	workspace_free(w);
}

static void
get_answers_typed_settings(void **state)
{
	workspace_t *w;
	char err[512], out[64];
	const char *v;

	(void)state;
	fx_workspace("g", "auto_enrich_on_close = off\nmonthly_limit = 5\ncrm_export = \"/x y.csv\"\n"
	    "serper_api_key = s3cret\nmonthly_lookback_months = 40\n");
	assert_int_equal(workspace_open("g", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(workspace_get(w, "auto_enrich_on_close", out, sizeof out, &v, err,
	    sizeof err), WORKSPACE_OK);
	assert_string_equal(v, "false");
	assert_int_equal(workspace_get(w, "monthly_limit", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_OK);
	assert_string_equal(v, "5");
	assert_int_equal(workspace_get(w, "cache_days", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_OK);
	assert_string_equal(v, "90");
	assert_int_equal(workspace_get(w, "crm_export", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_OK);
	assert_string_equal(v, "/x y.csv");
	assert_int_equal(workspace_get(w, "crm_contacts", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_OK);
	assert_null(v);
	assert_int_equal(workspace_get(w, "monthly_lookback_months", out, sizeof out, &v, err,
	    sizeof err), WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, "from 1 to 24"));
	assert_int_equal(workspace_get(w, "serper_api_key", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_OK);
	assert_string_equal(v, "s3cret");
	assert_int_equal(workspace_setting("serper_api_key")->kind, WS_SECRET);
	assert_int_equal(workspace_setting("salesforce_client_secret")->kind, WS_SECRET);
	assert_int_equal(workspace_get(w, "cach_days", out, sizeof out, &v, err, sizeof err),
	    WORKSPACE_ECONFIG);
	assert_non_null(strstr(err, "did you mean cache_days?"));
	workspace_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opens_an_absent_file_with_defaults),
		cmocka_unit_test(rejects_a_bad_name),
		cmocka_unit_test(unknown_key_names_file_line_and_closest),
		cmocka_unit_test(families_and_this_waves_keys_are_known),
		cmocka_unit_test(every_secret_of_the_table_wants_a_private_file),
		cmocka_unit_test(cache_days_one_range_and_precedence),
		cmocka_unit_test(keys_file_then_platform_and_hint),
		cmocka_unit_test(base_urls),
		cmocka_unit_test(budget_from_file_and_ledger),
		cmocka_unit_test(first_stop_reason_stays),
		cmocka_unit_test(get_answers_typed_settings),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}

/* lib/conf and lib/cli: workspace files, precedence, key files others can read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "cli.h"
#include "conf.h"

static char home[256];

static void
write_conf(const char *ws, const char *text, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/config/deal-enrich", home);
	mkdir(path, 0700);
	strcat(path, "/workspaces");
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/config/deal-enrich/workspaces/%s.conf", home, ws);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int
setup(void **state)
{
	char cfg[300];

	(void)state;
	snprintf(home, sizeof home, "/tmp/de-test-conf.XXXXXX");
	if (mkdtemp(home) == NULL)
		return -1;
	snprintf(cfg, sizeof cfg, "%s/config", home);
	mkdir(cfg, 0700);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("APOLLO_API_KEY");
	unsetenv("DEAL_ENRICH_LOOKBACK");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static void
missing_file_is_an_empty_conf(void **state)
{
	conf_t *c;
	char err[512];

	(void)state;
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_OK);
	assert_null(conf_get(c, "apollo_api_key"));
	assert_null(conf_api_key(c, "apollo_api_key", "APOLLO_API_KEY"));
	setenv("APOLLO_API_KEY", "platform-key", 1);
	assert_string_equal(conf_api_key(c, "apollo_api_key", "APOLLO_API_KEY"), "platform-key");
	conf_free(c);
}

static void
workspace_key_wins_over_platform_key(void **state)
{
	conf_t *c;
	char err[512];

	(void)state;
	write_conf("acme", "# keys\napollo_api_key = \"ws-key\"\n\nlookback_months=3\ncache_days = 30\n", 0600);
	setenv("APOLLO_API_KEY", "platform-key", 1);
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_OK);
	assert_string_equal(conf_api_key(c, "apollo_api_key", "APOLLO_API_KEY"), "ws-key");
	conf_free(c);
}

static void
settings_precedence(void **state)
{
	conf_t *c;
	char err[512];
	long v;
	int b;

	(void)state;
	write_conf("acme", "lookback_months = 3\nauto_enrich_on_close = no\n", 0644);
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_OK);
	/* file > default */
	assert_int_equal(conf_long(c, "lookback_months", NULL, "DEAL_ENRICH_LOOKBACK", 1, 24, 6, &v, err, sizeof err), CONF_OK);
	assert_int_equal(v, 3);
	/* env > file */
	setenv("DEAL_ENRICH_LOOKBACK", "9", 1);
	assert_int_equal(conf_long(c, "lookback_months", NULL, "DEAL_ENRICH_LOOKBACK", 1, 24, 6, &v, err, sizeof err), CONF_OK);
	assert_int_equal(v, 9);
	/* flag > env */
	assert_int_equal(conf_long(c, "lookback_months", "12", "DEAL_ENRICH_LOOKBACK", 1, 24, 6, &v, err, sizeof err), CONF_OK);
	assert_int_equal(v, 12);
	assert_int_equal(conf_long(c, "lookback_months", "25", NULL, 1, 24, 6, &v, err, sizeof err), CONF_ERANGE);
	assert_non_null(strstr(err, "from 1 to 24"));
	assert_int_equal(conf_long(c, "cache_days", NULL, NULL, 1, 3650, 90, &v, err, sizeof err), CONF_OK);
	assert_int_equal(v, 90);
	assert_int_equal(conf_bool(c, "auto_enrich_on_close", NULL, NULL, 1, &b, err, sizeof err), CONF_OK);
	assert_int_equal(b, 0);
	unsetenv("DEAL_ENRICH_LOOKBACK");
	conf_free(c);
}

static void
key_file_readable_by_others_is_refused(void **state)
{
	conf_t *c;
	char err[512];

	(void)state;
	write_conf("acme", "serper_api_key = s3cr3t-value\n", 0644);
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_EPERM);
	assert_null(c);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, "s3cr3t-value"));
	write_conf("acme", "serper_api_key = s3cr3t-value\n", 0600);
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_OK);
	conf_free(c);
}

static void
syntax_errors_name_the_line(void **state)
{
	conf_t *c;
	char err[512];

	(void)state;
	write_conf("acme", "cache_days = 30\nthis is not a setting\n", 0600);
	assert_int_equal(conf_load("acme", &c, err, sizeof err), CONF_ESYNTAX);
	assert_non_null(strstr(err, "acme.conf:2:"));
	assert_int_equal(conf_load("../etc/passwd", &c, err, sizeof err), CONF_ENAME);
	assert_int_equal(conf_load(".hidden", &c, err, sizeof err), CONF_ENAME);
	assert_int_equal(conf_load("", &c, err, sizeof err), CONF_ENAME);
}

static void
paths_and_urls(void **state)
{
	char out[512];

	(void)state;
	setenv("DEAL_ENRICH_DB", "/env/db", 1);
	assert_int_equal(conf_db_path("/flag/db", out, sizeof out), 0);
	assert_string_equal(out, "/flag/db");
	assert_int_equal(conf_db_path(NULL, out, sizeof out), 0);
	assert_string_equal(out, "/env/db");
	unsetenv("DEAL_ENRICH_DB");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	assert_int_equal(conf_db_path(NULL, out, sizeof out), 0);
	assert_string_equal(out, "/xdg/deal-enrich");
	setenv("APOLLO_BASE_URL", "http://127.0.0.1:8080/", 1);
	assert_int_equal(conf_base_url("APOLLO_BASE_URL", "https://api.apollo.io", out, sizeof out), 0);
	assert_string_equal(out, "http://127.0.0.1:8080");
	setenv("APOLLO_BASE_URL", "ftp://x", 1);
	assert_int_equal(conf_base_url("APOLLO_BASE_URL", "https://api.apollo.io", out, sizeof out), -1);
	unsetenv("APOLLO_BASE_URL");
	assert_int_equal(conf_base_url("APOLLO_BASE_URL", "https://api.apollo.io", out, sizeof out), 0);
	assert_string_equal(out, "https://api.apollo.io");
}

static void
cli_numbers_and_common_options(void **state)
{
	struct cli_common c;
	char err[256];
	long v;

	(void)state;
	memset(&c, 0, sizeof c);
	assert_int_equal(cli_parse_long("--limit", "50", 1, 100, &v, err, sizeof err), 0);
	assert_int_equal(v, 50);
	assert_int_equal(cli_parse_long("--limit", "101", 1, 100, &v, err, sizeof err), -1);
	assert_string_equal(err, "--limit: '101' is not an integer from 1 to 100");
	assert_int_equal(cli_parse_long("--limit", "5x", 1, 100, &v, err, sizeof err), -1);
	assert_int_equal(cli_parse_long("--limit", "", 1, 100, &v, err, sizeof err), -1);
	assert_int_equal(cli_common_opt(&c, CLI_OPT_DB, "/d", err, sizeof err), 1);
	assert_string_equal(c.db, "/d");
	assert_int_equal(cli_common_opt(&c, CLI_OPT_MAX_LINE, "1", err, sizeof err), -1);
	assert_int_equal(cli_common_opt(&c, 'z', NULL, err, sizeof err), 0);
}

static void
account_keys(void **state)
{
	json_t *rec, *acct;
	buf_t k;
	char err[64];
	const char *in = "{\"account\":{\"account_id\":\"301\",\"name\":\" Globex Corp \",\"domain\":\"\"}}";

	(void)state;
	buf_init(&k, 1024);
	assert_int_equal(json_parse(in, strlen(in), 0, &rec, NULL, err, sizeof err), JSON_OK);
	assert_int_equal(account_key(rec, &k), 0);
	assert_string_equal(buf_ptr(&k), "id:301");
	acct = json_get(rec, "account");
	json_set_str(acct, "domain", "Globex.COM");
	assert_int_equal(account_key(rec, &k), 0);
	assert_string_equal(buf_ptr(&k), "globex.com");
	json_del(acct, "domain");
	json_del(acct, "account_id");
	assert_int_equal(account_key(rec, &k), 0);
	assert_string_equal(buf_ptr(&k), "name:globex corp");
	json_del(rec, "account");
	assert_int_equal(account_key(rec, &k), 1);
	json_free(rec);
	buf_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(missing_file_is_an_empty_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(workspace_key_wins_over_platform_key, setup, teardown),
		cmocka_unit_test_setup_teardown(settings_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(key_file_readable_by_others_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(syntax_errors_name_the_line, setup, teardown),
		cmocka_unit_test(paths_and_urls),
		cmocka_unit_test(cli_numbers_and_common_options),
		cmocka_unit_test(account_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

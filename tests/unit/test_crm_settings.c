#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "crm_settings.h"

#include "fixture.h"

static conf_t *
workspace(const char *text)
{
	char path[512], err[256];
	conf_t *c;
	FILE *f;

	snprintf(path, sizeof path, "%s/cfg", fx_dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	mkdir(path, 0700);
	strcat(path, "/deal-enrich");
	mkdir(path, 0700);
	strcat(path, "/workspaces");
	mkdir(path, 0700);
	strcat(path, "/acme.conf");
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	if (conf_load("acme", &c, err, sizeof err) != CONF_OK)
		fail_msg("conf_load: %s", err);
	return c;
}

static void
options_then_the_workspace(void **state)
{
	conf_t *c = workspace("lookback_months = 12\ndate_order = dmy\ncurrency = GBP\n"
	    "stage_map = Signed = closed_won; Dead = lost\n");
	crm_settings_t s;
	char err[256];

	(void)state;
	assert_int_equal(crm_settings_load(&s, c, NULL, NULL, NULL, err, sizeof err), CRM_OK);
	assert_int_equal(s.lookback_months, 12);
	assert_int_equal(s.date_order, DATE_DMY);
	assert_string_equal(s.currency, "GBP");
	assert_int_equal(crm_stage_map_size(s.stage_map), 2);
	assert_string_equal(crm_stage_normalize(s.stage_map, "signed", -1, -1, -1, NULL), "closed_won");
	crm_settings_free(&s);
	assert_int_equal(crm_settings_load(&s, c, "3", "mdy", NULL, err, sizeof err), CRM_OK);
	assert_int_equal(s.lookback_months, 3);
	assert_int_equal(s.date_order, DATE_MDY);
	crm_settings_free(&s);
	/* an unreadable --stage-map is the user's mistake, not the workspace's */
	assert_int_equal(crm_settings_load(&s, c, NULL, NULL, "/nonexistent/map", err, sizeof err),
	    CRM_EUSAGE);
	assert_non_null(strstr(err, "--stage-map: /nonexistent/map: No such file"));
	crm_settings_free(&s);
	conf_free(c);
}

static void
bad_settings_name_the_file(void **state)
{
	static const char *const bad[][2] = {
		{ "currency = dollars\n", "currency = dollars: expected an ISO 4217 code" },
		{ "date_order = ymd\n", "date_order = ymd: expected mdy or dmy" },
		{ "stage_map = Signed\n", "stage_map: 'Signed': expected" },
		{ "lookback_months = 30\n", "lookback_months" },
	};
	crm_settings_t s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		conf_t *c = workspace(bad[i][0]);
		assert_int_equal(crm_settings_load(&s, c, NULL, NULL, NULL, err, sizeof err), CRM_BAD);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("%s: got '%s'", bad[i][0], err);
		crm_settings_free(&s);
		conf_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(options_then_the_workspace),
		cmocka_unit_test(bad_settings_name_the_file),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

/* lib/roles_run: the life cycle of the stream, and the --crm-label /
 * --deal-field mapping parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles_run.h"

static void
parses_name_and_role(void **state)
{
	char err[256], *label = NULL;
	int role = -2;

	(void)state;
	/* The last '=' splits: a label may hold one. */
	assert_int_equal(roles_run_parse_map("Budget = Owner=economic_buyer", &label, &role, err,
	    sizeof err), 0);
	assert_string_equal(label, "Budget = Owner");
	assert_int_equal(role, roles_from_name("economic_buyer"));
	free(label);
	assert_int_equal(roles_run_parse_map("Reviewer=none", &label, &role, err, sizeof err), 0);
	assert_string_equal(label, "Reviewer");
	assert_int_equal(role, ROLES_NONE);
	free(label);
}

static void
says_what_is_wrong(void **state)
{
	char err[256], *label = NULL;
	int role;

	(void)state;
	assert_int_equal(roles_run_parse_map("no equals", &label, &role, err, sizeof err), -1);
	assert_string_equal(err, "expected NAME=ROLE, got 'no equals'");
	assert_int_equal(roles_run_parse_map("=champion", &label, &role, err, sizeof err), -1);
	assert_int_equal(roles_run_parse_map("X=boss", &label, &role, err, sizeof err), -1);
	assert_non_null(strstr(err, "'boss' is not a role"));
	assert_null(label);
}

static json_t *
deal(int n)
{
	char text[256];
	json_t *rec = NULL;
	char err[128];

	snprintf(text, sizeof text, "{\"deal_id\":\"d%d\",\"workspace_id\":\"acme\",\"contacts\":"
	    "[{\"email\":\"c%d@acme.com\",\"title\":\"Chief Financial Officer\"}]}", n, n);
	assert_int_equal(json_parse(text, strlen(text), 0, &rec, NULL, err, sizeof err), JSON_OK);
	return rec;
}

/* sigrun's life cycle: add until full, process, next in input order until NULL. */
static void
records_leave_after_process_in_input_order(void **state)
{
	struct roles_run_opts o = { 0 };
	roles_run_t *r = NULL;
	char err[256];
	json_t *rec;
	int i;

	(void)state;
	o.hold = 3;
	o.stream_cap = ROLES_STREAM_CAP_DEFAULT;
	assert_int_equal(roles_run_new(&o, &r, err, sizeof err), ROLES_RUN_OK);
	assert_int_equal(roles_run_workspace(r, "../etc", err, sizeof err), ROLES_RUN_ECONFIG);
	assert_int_equal(roles_run_workspace(r, "acme", err, sizeof err), ROLES_RUN_OK);
	for (i = 0; i < 3; i++) {
		assert_false(roles_run_full(r));
		assert_int_equal(roles_run_add(r, deal(i)), ROLES_RUN_OK);
	}
	assert_true(roles_run_full(r));
	assert_null(roles_run_next(r));   /* nothing leaves before process */
	assert_int_equal(roles_run_process(r, err, sizeof err), ROLES_RUN_OK);
	for (i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof id, "d%d", i);
		assert_non_null(rec = roles_run_next(r));
		assert_string_equal(json_str(json_get(rec, "deal_id")), id);
		assert_string_equal(json_str(json_get(json_at(json_get(rec, "contacts"), 0),
		    "buying_role")), "economic_buyer");
		assert_non_null(json_get(rec, "roles_summary"));
		json_free(rec);
	}
	assert_null(roles_run_next(r));
	assert_false(roles_run_full(r));   /* emptied: room for the next window */
	assert_int_equal(roles_run_add(r, deal(3)), ROLES_RUN_OK);
	assert_int_equal(roles_run_process(r, err, sizeof err), ROLES_RUN_OK);
	assert_non_null(rec = roles_run_next(r));
	assert_string_equal(json_str(json_get(rec, "deal_id")), "d3");
	json_free(rec);
	roles_run_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_name_and_role),
		cmocka_unit_test(says_what_is_wrong),
		cmocka_unit_test(records_leave_after_process_in_input_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

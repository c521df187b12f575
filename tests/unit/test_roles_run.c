/* lib/roles_run: the --crm-label / --deal-field mapping parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_name_and_role),
		cmocka_unit_test(says_what_is_wrong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

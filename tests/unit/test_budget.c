/* lib/budget: a dry run's figures against what is left of the month's budget. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "budget.h"

static void
need_against_what_is_left(void **state)
{
	struct budget b = { 1, 50, 40 };
	struct budget_need n;
	char line[200];
	int i;

	(void)state;
	budget_need_start(&n, &b);
	for (i = 0; i < 35; i++)
		budget_need_add(&n, 1);
	assert_true(n.limited);
	assert_true(n.needed == 35 && n.left == 10 && n.fits == 10);
	assert_int_equal(n.units, 35);
	assert_int_equal(n.exhausted, 25);
	budget_need_say(&n, "apollo", "contacts", line, sizeof line);
	assert_string_equal(line, "apollo budget: needs 35 credits, 10 left this month: "
	    "25 contacts would be quota_exhausted");
}

/* As the run decides: a unit that does not fit is exhausted, a smaller one after it may fit. */
static void
units_of_several_credits(void **state)
{
	struct budget b = { 1, 7, 2 };   /* 5 left */
	struct budget_need n;
	char line[200];

	(void)state;
	budget_need_start(&n, &b);
	budget_need_add(&n, 3);   /* fits: 2 left */
	budget_need_add(&n, 3);   /* does not */
	budget_need_add(&n, 2);   /* fits: 0 left */
	budget_need_add(&n, 1);   /* does not */
	assert_true(n.needed == 9 && n.fits == 5);
	assert_int_equal(n.exhausted, 2);
	budget_need_say(&n, "serper", "accounts", line, sizeof line);
	assert_string_equal(line, "serper budget: needs 9 credits, 5 left this month: "
	    "2 accounts would be quota_exhausted");
}

static void
enough_spent_or_none(void **state)
{
	struct budget spent = { 1, 15, 20 }, none = { 0, 0, 0 };
	struct budget_need n;
	char line[200];

	(void)state;
	budget_need_start(&n, &spent);
	assert_true(n.left == 0);   /* over-spent (another pipeline): nothing left, never less */
	budget_need_add(&n, 1);
	assert_int_equal(n.exhausted, 1);
	budget_need_say(&n, "linkedin", "contacts", line, sizeof line);
	assert_string_equal(line, "linkedin budget: needs 1 credit, 0 left this month: "
	    "1 contact would be quota_exhausted");
	budget_need_start(&n, &none);
	budget_need_add(&n, 1000);
	assert_false(n.limited);
	assert_int_equal(n.exhausted, 0);
	budget_need_start(&n, NULL);
	assert_false(n.limited);
	spent.budget = 30;   /* 10 left */
	budget_need_start(&n, &spent);
	budget_need_add(&n, 4);
	budget_need_add(&n, 6);
	assert_int_equal(n.exhausted, 0);
	budget_need_say(&n, "apollo", "contacts", line, sizeof line);
	assert_string_equal(line, "apollo budget: needs 10 credits, 10 left this month: enough");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(need_against_what_is_left),
		cmocka_unit_test(units_of_several_credits),
		cmocka_unit_test(enough_spent_or_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

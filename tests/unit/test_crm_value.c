#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crm_value.h"

static void
booleans(void **state)
{
	(void)state;
	assert_int_equal(crm_parse_bool("TRUE"), 1);
	assert_int_equal(crm_parse_bool(" 1 "), 1);
	assert_int_equal(crm_parse_bool("yes"), 1);
	assert_int_equal(crm_parse_bool("false"), 0);
	assert_int_equal(crm_parse_bool("0"), 0);
	assert_int_equal(crm_parse_bool("FALSE"), 0);
	assert_int_equal(crm_parse_bool(""), -1);
	assert_int_equal(crm_parse_bool(NULL), -1);
	assert_int_equal(crm_parse_bool("maybe"), -1);
}

static void
amounts(void **state)
{
	static const struct { const char *in, *num, *cur; int rc; } t[] = {
		{ "25000", "25000", "", 0 },
		{ "$1,234,567", "1234567", "USD", 0 },
		{ "\xc2\xa3" "1,009", "1009", "GBP", 0 },
		{ "$310,500.00", "310500", "USD", 0 },
		{ "1,250,000", "1250000", "", 0 },
		{ "1.234,56", "1234.56", "", 0 },
		{ "1.234,56 \xe2\x82\xac", "1234.56", "EUR", 0 },
		{ "\xe2\x82\xac" "75,500.00", "75500", "EUR", 0 },
		{ "1234,5", "1234.5", "", 0 },
		{ "0.1", "0.1", "", 0 },
		{ "0.125", "0.125", "", 0 },
		{ "99.000", "99000", "", 0 },
		{ "\xe2\x82\xac 99.000", "99000", "EUR", 0 },
		{ "1,500", "1500", "", 0 },
		{ "1234.567", "1234.567", "", 0 },
		{ "1.5", "1.5", "", 0 },
		{ "1.234.567", "1234567", "", 0 },
		{ "1.234.567,8", "1234567.8", "", 0 },
		{ "1 234 567", "1234567", "", 0 },
		{ "(1,200.50)", "-1200.5", "", 0 },
		{ "-$5", "-5", "USD", 0 },
		{ "USD 99", "99", "USD", 0 },
		{ "99 CAD", "99", "CAD", 0 },
		{ "CA$12", "12", "CAD", 0 },
		{ "000", "0", "", 0 },
		{ "12345678901234567891", "12345678901234567891", "", 0 },
		{ "", "", "", 1 },
		{ "  ", "", "", 1 },
		{ "abc", NULL, NULL, CRM_BAD },
		{ "$", NULL, NULL, CRM_BAD },
		{ "1.2.3", NULL, NULL, CRM_BAD },
		{ "12 apples", NULL, NULL, CRM_BAD },
		{ "25k", NULL, NULL, CRM_BAD },
		{ NULL, NULL, NULL, 0 }
	};
	buf_t num;
	char cur[4];

	(void)state;
	buf_init(&num, 4096);
	for (int i = 0; t[i].in; i++) {
		int rc = crm_parse_amount(t[i].in, &num, cur);
		if (rc != t[i].rc)
			fail_msg("'%s': rc %d, expected %d", t[i].in, rc, t[i].rc);
		if (rc == 0) {
			if (strcmp(buf_ptr(&num), t[i].num) != 0 || strcmp(cur, t[i].cur) != 0)
				fail_msg("'%s': got %s %s, expected %s %s", t[i].in, buf_ptr(&num), cur,
				    t[i].num, t[i].cur);
		}
	}
	buf_free(&num);
}

static void
snake_case(void **state)
{
	buf_t b;

	(void)state;
	buf_init(&b, 4096);
	crm_snake_case("Champion Name", &b);
	assert_string_equal(buf_ptr(&b), "champion_name");
	crm_snake_case("Probability (%)", &b);
	assert_string_equal(buf_ptr(&b), "probability");
	crm_snake_case("createdAt", &b);
	assert_string_equal(buf_ptr(&b), "created_at");
	crm_snake_case("HubSpot Score", &b);
	assert_string_equal(buf_ptr(&b), "hubspot_score");
	crm_snake_case("  Next Step  ", &b);
	assert_string_equal(buf_ptr(&b), "next_step");
	crm_snake_case("%%", &b);
	assert_string_equal(buf_ptr(&b), "field");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(booleans),
		cmocka_unit_test(amounts),
		cmocka_unit_test(snake_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

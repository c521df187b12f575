#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "date.h"

/* 2026-11-28T12:00:00Z */
#define NOW ((time_t)1795867200)

static const char *
crm(const char *s, enum date_order o)
{
	static char out[DATE_STRLEN];

	if (date_crm_to_iso(s, o, out) != 0)
		return "ERR";
	return out;
}

static const char *
disp(const char *s, time_t now)
{
	static char out[DATE_STRLEN];

	if (date_display_to_iso(s, now, out) != 0)
		return "ERR";
	return out;
}

static void
crm_iso_forms(void **state)
{
	(void)state;
	assert_string_equal(crm("2026-06-30", DATE_MDY), "2026-06-30");
	assert_string_equal(crm("2026-06-30 14:00", DATE_MDY), "2026-06-30");
	assert_string_equal(crm("2026-03-14T17:00:00Z", DATE_MDY), "2026-03-14");
	assert_string_equal(crm("2026-03-14T17:00:00.000+02:00", DATE_MDY), "2026-03-14");
	assert_string_equal(crm("  2026-01-05\r\n", DATE_DMY), "2026-01-05");
	assert_string_equal(crm("2026/1/5", DATE_MDY), "2026-01-05");
}

static void
crm_slashed_dates_follow_the_order(void **state)
{
	(void)state;
	assert_string_equal(crm("9/30/2026", DATE_MDY), "2026-09-30");
	assert_string_equal(crm("30/09/2026", DATE_DMY), "2026-09-30");
	assert_string_equal(crm("01/02/2026", DATE_MDY), "2026-01-02");
	assert_string_equal(crm("01/02/2026", DATE_DMY), "2026-02-01");
	/* valid only the other way round: rejected, never swapped */
	assert_string_equal(crm("30/09/2026", DATE_MDY), "ERR");
	assert_string_equal(crm("9/30/2026", DATE_DMY), "ERR");
	assert_string_equal(crm("1/2/26 3:00 PM", DATE_MDY), "2026-01-02");
	assert_string_equal(crm("31.12.2026", DATE_DMY), "2026-12-31");
}

static void
crm_rejects_non_dates(void **state)
{
	(void)state;
	assert_string_equal(crm("", DATE_MDY), "ERR");
	assert_string_equal(crm(NULL, DATE_MDY), "ERR");
	assert_string_equal(crm("2026-02-29", DATE_MDY), "ERR");
	assert_string_equal(crm("2028-02-29", DATE_MDY), "2028-02-29");
	assert_string_equal(crm("2026-13-01", DATE_MDY), "ERR");
	assert_string_equal(crm("2026-06-30x", DATE_MDY), "ERR");
	assert_string_equal(crm("tomorrow", DATE_MDY), "ERR");
	assert_string_equal(crm("20260630", DATE_MDY), "ERR");
	assert_string_equal(crm("12345-01-01", DATE_MDY), "ERR");
}

static void
iso_is_strict(void **state)
{
	date_t d;

	(void)state;
	assert_int_equal(date_parse_iso("2026-11-28", &d), 0);
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 11);
	assert_int_equal(d.d, 28);
	assert_int_equal(date_parse_iso("2026-11-28 ", &d), -1);
	assert_int_equal(date_parse_iso("2026-1-28", &d), -1);
	assert_int_equal(date_parse_iso("2026-11-31", &d), -1);
}

static void
serper_relative_dates(void **state)
{
	(void)state;
	assert_string_equal(disp("2 hours ago", NOW), "2026-11-28");
	assert_string_equal(disp("13 hours ago", NOW), "2026-11-27");
	assert_string_equal(disp("35 mins ago", NOW), "2026-11-28");
	assert_string_equal(disp("1 day ago", NOW), "2026-11-27");
	assert_string_equal(disp("3 days ago", NOW), "2026-11-25");
	assert_string_equal(disp("1 week ago", NOW), "2026-11-21");
	assert_string_equal(disp("2 weeks ago", NOW), "2026-11-14");
	assert_string_equal(disp("a month ago", NOW), "2026-10-28");
	assert_string_equal(disp("3 months ago", NOW), "2026-08-28");
	assert_string_equal(disp("1 year ago", NOW), "2025-11-28");
	assert_string_equal(disp("an hour ago", NOW), "2026-11-28");
	assert_string_equal(disp("yesterday", NOW), "2026-11-27");
	assert_string_equal(disp("Just now", NOW), "2026-11-28");
	assert_string_equal(disp("5 DAYS AGO", NOW), "2026-11-23");
}

static void
serper_absolute_dates(void **state)
{
	(void)state;
	assert_string_equal(disp("Mar 3, 2026", NOW), "2026-03-03");
	assert_string_equal(disp("Jan 5, 2026", NOW), "2026-01-05");
	assert_string_equal(disp("March 3, 2026", NOW), "2026-03-03");
	assert_string_equal(disp("Sept 9, 2025", NOW), "2025-09-09");
	assert_string_equal(disp("3 Mar 2026", NOW), "2026-03-03");
	assert_string_equal(disp("2026-03-03", NOW), "2026-03-03");
	/* no year: this year, or last year when that is still ahead */
	assert_string_equal(disp("Mar 3", NOW), "2026-03-03");
	assert_string_equal(disp("Dec 25", NOW), "2025-12-25");
}

static void
serper_rejects_garbage(void **state)
{
	(void)state;
	assert_string_equal(disp("", NOW), "ERR");
	assert_string_equal(disp("soon", NOW), "ERR");
	assert_string_equal(disp("3 fortnights ago", NOW), "ERR");
	assert_string_equal(disp("Mar 32, 2026", NOW), "ERR");
	assert_string_equal(disp("Foo 3, 2026", NOW), "ERR");
	assert_string_equal(disp("3 days", NOW), "ERR");
	assert_string_equal(disp("99999999999 days ago", NOW), "ERR");
}

static void
month_arithmetic(void **state)
{
	char s[DATE_STRLEN];
	date_t d = { 2026, 3, 31 }, e = { 2026, 11, 28 };

	(void)state;
	assert_string_equal(date_format(date_add_months(d, -1), s), "2026-02-28");
	assert_string_equal(date_format(date_add_months(d, 11), s), "2027-02-28");
	assert_string_equal(date_format(date_months_before(e, 6), s), "2026-05-28");
	assert_string_equal(date_format(date_months_before(e, 24), s), "2024-11-28");
	assert_string_equal(date_format(date_months_before((date_t){ 2024, 8, 31 }, 6), s), "2024-02-29");
	assert_string_equal(date_format(date_add_days(e, 5), s), "2026-12-03");
	assert_string_equal(date_format(date_from_days(date_to_days(e)), s), "2026-11-28");
	assert_int_equal(date_to_days((date_t){ 1970, 1, 1 }), 0);
}

static void
months_between_for_tenure(void **state)
{
	(void)state;
	assert_int_equal(date_months_between((date_t){ 2022, 4, 1 }, (date_t){ 2026, 11, 2 }), 55);
	assert_int_equal(date_months_between((date_t){ 2026, 1, 31 }, (date_t){ 2026, 2, 27 }), 0);
	assert_int_equal(date_months_between((date_t){ 2026, 1, 31 }, (date_t){ 2026, 2, 28 }), 1);
	assert_int_equal(date_months_between((date_t){ 2026, 1, 15 }, (date_t){ 2026, 1, 20 }), 0);
	assert_int_equal(date_months_between((date_t){ 2026, 11, 2 }, (date_t){ 2022, 4, 1 }), -55);
	assert_int_equal(date_months_between((date_t){ 2020, 2, 29 }, (date_t){ 2021, 2, 28 }), 12);
}

static void
validity_and_order(void **state)
{
	(void)state;
	assert_true(date_valid((date_t){ 2000, 2, 29 }));
	assert_false(date_valid((date_t){ 1900, 2, 29 }));
	assert_false(date_valid((date_t){ 2026, 0, 1 }));
	assert_true(date_cmp((date_t){ 2026, 1, 2 }, (date_t){ 2026, 1, 10 }) < 0);
	assert_true(date_cmp((date_t){ 2027, 1, 1 }, (date_t){ 2026, 12, 31 }) > 0);
	assert_int_equal(date_cmp((date_t){ 2026, 5, 5 }, (date_t){ 2026, 5, 5 }), 0);
	{
		date_t t = date_from_time(NOW);
		assert_int_equal(t.y, 2026);
		assert_int_equal(t.m, 11);
		assert_int_equal(t.d, 28);
		t = date_from_time((time_t)-1);
		assert_int_equal(t.y, 1969);
		assert_int_equal(t.d, 31);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crm_iso_forms),
		cmocka_unit_test(crm_slashed_dates_follow_the_order),
		cmocka_unit_test(crm_rejects_non_dates),
		cmocka_unit_test(iso_is_strict),
		cmocka_unit_test(serper_relative_dates),
		cmocka_unit_test(serper_absolute_dates),
		cmocka_unit_test(serper_rejects_garbage),
		cmocka_unit_test(month_arithmetic),
		cmocka_unit_test(months_between_for_tenure),
		cmocka_unit_test(validity_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "str.h"

static void
trims_blanks_and_no_break_spaces(void **state)
{
	const char *s = " \t\xc2\xa0 Acme Inc\xc2\xa0\r\n", *b = s, *e = s + strlen(s);
	char *d;
	size_t n;

	(void)state;
	str_trim_span(&b, &e);
	assert_int_equal(e - b, 8);
	assert_memory_equal(b, "Acme Inc", 8);
	assert_string_equal(d = str_dup_trim(s), "Acme Inc");
	free(d);
	assert_string_equal(d = str_dup_trim(" \xc2\xa0 "), "");
	free(d);
	assert_null(str_dup_trim(NULL));
	b = str_trimmed("  ab c ", &n);
	assert_int_equal(n, 4);
	assert_memory_equal(b, "ab c", 4);
	assert_null(str_trimmed(NULL, &n));
	assert_int_equal(n, 0);
	/* a lone 0xC2 is not a no-break space */
	assert_string_equal(d = str_dup_trim("x\xc2"), "x\xc2");
	free(d);
	assert_true(str_is_blank('\v'));
	assert_false(str_is_blank('x'));
	assert_false(str_is_blank(0xA0));
}

static void
case_is_ascii_only(void **state)
{
	char s[] = "Grand Total \xc3\xa9t\xc3\xa9";

	(void)state;
	assert_true(str_starts_ci(s, "GRAND total"));
	assert_false(str_starts_ci("Gran", "grand"));
	str_upper(s);
	assert_string_equal(s, "GRAND TOTAL \xc3\xa9T\xc3\xa9");
	str_lower(s);
	assert_string_equal(s, "grand total \xc3\xa9t\xc3\xa9");
	str_upper(NULL);
}

static void
errf_cuts_to_fit(void **state)
{
	char err[8];

	(void)state;
	str_errf(err, sizeof err, "line %d: %s", 12, "bad");
	assert_string_equal(err, "line 12");
	str_errf(NULL, 0, "%s", "nothing");
}

static void
blank_trim_and_compare(void **state)
{
	const char *in = " \t\xc2\xa0x y\r\n", *s = in, *e = in + strlen(in);

	(void)state;
	assert_true(str_blank(NULL));
	assert_true(str_blank(""));
	assert_true(str_blank(" \t\r\n\v\f"));
	assert_false(str_blank(" x "));
	assert_false(str_blank("\xc2\xa0"));   /* no-break space is not ASCII blank */
	str_trim_blanks(&s, &e);
	assert_int_equal(e - s, 5);
	assert_memory_equal(s, "\xc2\xa0x y", 5);
	assert_true(str_eq_ci_trimmed(" Pat@Globex.COM ", "pat@globex.com"));
	assert_true(str_eq_ci_trimmed("", "  "));
	assert_false(str_eq_ci_trimmed("pat", "pat "  "x"));
	assert_false(str_eq_ci_trimmed("pa t", "pat"));
	assert_false(str_eq_ci_trimmed("\xc2\xa0pat", "pat"));
}

static void
provider_messages_are_one_line(void **state)
{
	char err[256], long_msg[300];

	(void)state;
	str_err_msg(err, sizeof err, "HTTP 401", "bad\nkey\tgiven");
	assert_string_equal(err, "HTTP 401: bad key given");
	str_err_msg(err, sizeof err, "no answer", NULL);
	assert_string_equal(err, "no answer");
	str_err_msg(err, sizeof err, "no answer", "");
	assert_string_equal(err, "no answer");
	memset(long_msg, 'x', sizeof long_msg - 1);
	long_msg[sizeof long_msg - 1] = '\0';
	str_err_msg(err, sizeof err, "p", long_msg);
	assert_int_equal(strlen(err), 3 + 160);
	str_err_msg(err, 8, "prefix", "message");
	assert_string_equal(err, "prefix:");
}

static void
distance_ignores_case_and_caps_length(void **state)
{
	char a[100], b[100];

	(void)state;
	assert_int_equal(str_distance_ci("stage", "STAGE"), 0);
	assert_int_equal(str_distance_ci("stgae", "stage"), 2);
	assert_int_equal(str_distance_ci("", "amount"), 6);
	assert_int_equal(str_distance_ci("industry", "industy"), 1);
	memset(a, 'a', 99);
	a[99] = '\0';
	memset(b, 'a', 64);
	b[64] = '\0';
	assert_int_equal(str_distance_ci(a, b), 0);   /* both cut at 64 */
}

struct heard {
	int calls;
	char msg[STR_NOTICE_MAX + 16];
};

static void
hear(void *ctx, const char *msg)
{
	struct heard *h = ctx;

	h->calls++;
	snprintf(h->msg, sizeof h->msg, "%s", msg);
}

static void
notify(str_notice_fn fn, void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vnotify(fn, ctx, fmt, ap);
	va_end(ap);
}

static void
notices_are_formatted_cut_and_optional(void **state)
{
	static char long_msg[STR_NOTICE_MAX + 100];
	struct heard h = { 0 };

	(void)state;
	notify(hear, &h, "%s:%lu: %s", "deals.csv", 7UL, "no stage");
	assert_int_equal(h.calls, 1);
	assert_string_equal(h.msg, "deals.csv:7: no stage");
	memset(long_msg, 'x', sizeof long_msg - 1);
	notify(hear, &h, "%s", long_msg);
	assert_int_equal(h.calls, 2);
	assert_int_equal(strlen(h.msg), STR_NOTICE_MAX - 1);
	notify(NULL, &h, "%s", "dropped");   /* no callback: nothing, no crash */
	assert_int_equal(h.calls, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trims_blanks_and_no_break_spaces),
		cmocka_unit_test(case_is_ascii_only),
		cmocka_unit_test(errf_cuts_to_fit),
		cmocka_unit_test(blank_trim_and_compare),
		cmocka_unit_test(provider_messages_are_one_line),
		cmocka_unit_test(distance_ignores_case_and_caps_length),
		cmocka_unit_test(notices_are_formatted_cut_and_optional),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

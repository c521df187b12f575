#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "company.h"

static void
normalizes_names(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "Wonka Industries, Inc.", "wonka industries" },
		{ "The Acme Group", "acme group" },
		{ "Bank of the West", "bank of the west" },
		{ "Ben & Jerry's", "ben jerrys" },
		{ "Ben & Jerry\xe2\x80\x99s", "ben jerrys" },
		{ "Globex S.A.", "globex" },
		{ "  J.P. Morgan  ", "jp morgan" },
		{ "Co-op Foods Co.", "co op foods" },
		{ "Inc", "inc" },
		{ "", "" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		company_norm(t[i].in, out, sizeof out);
		assert_string_equal(out, t[i].out);
	}
	company_norm(NULL, out, sizeof out);
	assert_string_equal(out, "");
	company_norm("Alpha Beta Gamma", out, 11);    /* cut at a word */
	assert_string_equal(out, "alpha beta");
}

static void
decides_by_domain_then_name(void **state)
{
	static const struct {
		const char *da, *na, *db, *nb;
		int same, by;
	} t[] = {
		/* issue 17: a name prefix is not a move unless what remains says so */
		{ NULL, "Wonka", NULL, "Wonka Industries", 1, COMPANY_BY_NAME },
		{ NULL, "Wonka", NULL, "Wonka Industries, Inc.", 1, COMPANY_BY_NAME },
		{ NULL, "The Wonka Company", NULL, "wonka", 1, COMPANY_BY_NAME },
		{ NULL, "Acme Holdings Group", NULL, "ACME", 1, COMPANY_BY_NAME },
		{ NULL, "Acme Bank", NULL, "Acme Corp", 0, COMPANY_BY_NAME },
		{ NULL, "Acme Bank", NULL, "Acme Bank Group", 1, COMPANY_BY_NAME },
		{ NULL, "Wonkabar", NULL, "Wonka", 0, COMPANY_BY_NAME },
		{ NULL, "Wonka Bars", NULL, "Wonka", 0, COMPANY_BY_NAME },
		{ NULL, "Industries Wonka", NULL, "Wonka", 0, COMPANY_BY_NAME },
		{ NULL, "Initech", NULL, "Globex", 0, COMPANY_BY_NAME },
		/* domain first */
		{ "globex.com", "Globex EU", "eu.globex.com", "Globex Corporation", 1, COMPANY_BY_DOMAIN },
		{ "initech.com", "Initech", "globex.com", "Globex", 0, COMPANY_BY_DOMAIN },
		{ "initech.com", "Wonka", "globex.com", "Wonka Industries", 1, COMPANY_BY_NAME },
		{ "globex.io", "Globex", "globex.com", "Globex Corporation", 1, COMPANY_BY_NAME },
		{ "globex.com", NULL, "globex.com", NULL, 1, COMPANY_BY_DOMAIN },
		{ "notglobex.com", NULL, "globex.com", NULL, 0, COMPANY_BY_DOMAIN },
		{ "globex.com", "Wonka", NULL, "Wonka Industries", 1, COMPANY_BY_NAME },
		/* cannot tell */
		{ "globex.com", NULL, NULL, "Globex", -1, COMPANY_BY_NONE },
		{ NULL, "", NULL, "Globex", -1, COMPANY_BY_NONE },
		{ NULL, "Inc.", NULL, "Globex", 0, COMPANY_BY_NAME },
	};
	char na[256], nb[256];
	size_t i;
	int by;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		company_norm(t[i].na, na, sizeof na);
		company_norm(t[i].nb, nb, sizeof nb);
		by = -7;
		if (company_same(t[i].da, na, t[i].db, nb, &by) != t[i].same || by != t[i].by)
			fail_msg("pair %zu (%s / %s): same %d by %d, want %d by %d", i, t[i].na ?
			    t[i].na : "-", t[i].nb ? t[i].nb : "-", company_same(t[i].da, na, t[i].db,
			    nb, NULL), by, t[i].same, t[i].by);
		/* symmetric */
		assert_int_equal(company_same(t[i].db, nb, t[i].da, na, NULL), t[i].same);
	}
	assert_string_equal(company_by_name(COMPANY_BY_DOMAIN), "domain");
	assert_string_equal(company_by_name(COMPANY_BY_NAME), "name");
	assert_null(company_by_name(COMPANY_BY_NONE));
}

static void
tells_whether_a_text_names_the_company(void **state)
{
	static const struct { const char *name, *domain, *text; int want; } t[] = {
		{ "Acme Corp", "acme.com", "Acme raises $20M Series B", 1 },
		{ "Acme Corp", NULL, "Acme's new CFO starts Monday", 1 },
		{ "Acme Corp", NULL, "Acme\xe2\x80\x99s new CFO starts Monday", 1 },
		{ "Acme Corp", NULL, "Shares of ACME Corporation rose", 1 },
		{ "The Acme Group", NULL, "Acme opens an office in Lyon", 1 },
		{ "Acme Corp", NULL, "Acmeville council approves budget", 0 },
		{ "Acme Corp", NULL, "Road Runner evades capture again", 0 },
		{ "Bolt", "bolt.eu", "Usain Bolt's comeback", 1 },   /* named: the rule cannot tell */
		{ "Bolt", "bolt.eu", "Ride-hailing startup raises money", 0 },
		{ "Ben & Jerry's", NULL, "Ben & Jerry\xe2\x80\x99s launches a flavour", 1 },
		{ "AG Growth International", NULL, "Shares of AG Growth fell", 1 },
		{ "International Business Machines", "ibm.com", "IBM buys a startup", 1 },
		{ NULL, "globex.com", "Read more on www.globex.com/news.", 1 },
		{ NULL, "globex.com", "Globex hires 50 engineers", 1 },
		{ NULL, "eu.globex.co.uk", "Globex opens in Leeds", 1 },
		{ NULL, "news.bbc.com", "The BBC launches a podcast", 1 },
		{ NULL, "globex.com.au", "Globex hires in Sydney", 1 },
		{ "Go Daddy", "go.dev", "Ready, set, go", 0 },
		{ NULL, "notglobex.com", "Globex hires", 0 },
		{ NULL, "globex.com", "notglobex.com is for sale", 0 },
		{ NULL, "globex.com", "see globex.com.evil.org", 0 },
		{ NULL, "globex.com", "Globexx and Globe Ex", 0 },
		{ "Acme", NULL, NULL, 0 },
		{ NULL, NULL, "Acme raises", -1 },
		{ "", "not a domain", "Acme raises", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int got = company_named_in(t[i].name, t[i].domain, t[i].text);

		if (got != t[i].want)
			fail_msg("%s / %s in \"%s\": %d, want %d", t[i].name ? t[i].name : "-",
			    t[i].domain ? t[i].domain : "-", t[i].text ? t[i].text : "(null)", got, t[i].want);
	}
}

static void
reads_a_long_text_up_to_its_cap(void **state)
{
	char text[3 * COMPANY_TEXT_MAX];
	size_t i;

	(void)state;

	for (i = 0; i + 1 < sizeof text; i++)
		text[i] = i % 3 == 2 ? ' ' : 'x';
	text[sizeof text - 1] = '\0';
	memcpy(text + sizeof text - 20, " Acme ", 6);
	assert_int_equal(company_named_in("Acme", "acme.com", text), 0);
	memcpy(text + 10, " Acme ", 6);
	assert_int_equal(company_named_in("Acme", "acme.com", text), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalizes_names),
		cmocka_unit_test(decides_by_domain_then_name),
		cmocka_unit_test(tells_whether_a_text_names_the_company),
		cmocka_unit_test(reads_a_long_text_up_to_its_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

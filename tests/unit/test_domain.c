#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain.h"

static const char *
norm(const char *s)
{
	static char out[DOMAIN_MAX];

	if (domain_normalize(s, out, sizeof out) != 0)
		return out[0] ? "NOT-EMPTY-ON-ERROR" : "ERR";
	return out;
}

static void
normalizes_domains_and_urls(void **state)
{
	(void)state;
	assert_string_equal(norm("globex.com"), "globex.com");
	assert_string_equal(norm(" https://WWW.Globex.com:443/about?x=1 "), "globex.com");
	assert_string_equal(norm("http://www.umbrella-corp.com/"), "umbrella-corp.com");
	assert_string_equal(norm("www.hooli.com."), "hooli.com");
	assert_string_equal(norm("//cdn.initech.com/x"), "cdn.initech.com");
	assert_string_equal(norm("ftp://user:pw@files.acme.co.uk/"), "files.acme.co.uk");
	assert_string_equal(norm("mailto:pat@globex.com"), "globex.com");
	assert_string_equal(norm("pat@Globex.com"), "globex.com");
	assert_string_equal(norm("Globex.com#top"), "globex.com");
	assert_string_equal(norm("<www.wonka.com>"), "wonka.com");
	assert_string_equal(norm("b\xc3\xbc" "cher.de"), "b\xc3\xbc" "cher.de");
}

static void
refuses_what_is_no_domain(void **state)
{
	char small[8];

	(void)state;
	assert_string_equal(norm(""), "ERR");
	assert_string_equal(norm(NULL), "ERR");
	assert_string_equal(norm("Globex"), "ERR");
	assert_string_equal(norm("globex .com"), "ERR");
	assert_string_equal(norm("glo,bex.com"), "ERR");
	assert_string_equal(norm("globex..com"), "ERR");
	assert_string_equal(norm("https://"), "ERR");
	assert_string_equal(norm("www."), "ERR");
	assert_int_equal(domain_normalize("averylongdomain.com", small, sizeof small), -1);
	assert_string_equal(small, "");
}

static void
domain_of_an_email(void **state)
{
	char out[DOMAIN_MAX];

	(void)state;
	assert_int_equal(domain_of_email(" Pat@Globex.COM ", out, sizeof out), 0);
	assert_string_equal(out, "globex.com");
	assert_int_equal(domain_of_email("a@b@mail.initech.com", out, sizeof out), 0);
	assert_string_equal(out, "mail.initech.com");
	assert_int_equal(domain_of_email("no-at-sign", out, sizeof out), -1);
	assert_string_equal(out, "");
	assert_int_equal(domain_of_email("@globex.com", out, sizeof out), -1);
	assert_int_equal(domain_of_email("pat@", out, sizeof out), -1);
	assert_int_equal(domain_of_email("email_not_unlocked@domain.com", out, sizeof out), -1);
	assert_int_equal(domain_of_email("pat@localhost", out, sizeof out), -1);
	assert_int_equal(domain_of_email(NULL, out, sizeof out), -1);
}

static void
free_mail_table(void **state)
{
	static const char *const free_[] = {
		"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.co.jp",
		"hotmail.com", "hotmail.fr", "outlook.com", "live.com", "icloud.com", "me.com",
		"aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de",
		"yandex.ru", "yandex.com", "mail.ru", "qq.com", "163.com", "GMAIL.COM",
		"www.gmail.com", NULL
	};
	static const char *const work[] = {
		"globex.com", "initech.com", "livestrong.com", "yahooligans.org",
		"mail.globex.com", "gmail.co.evil.example", "outlook.globex.com", "", NULL
	};

	(void)state;
	for (int i = 0; free_[i]; i++) {
		if (!domain_is_freemail(free_[i]))
			fail_msg("%s should be free-mail", free_[i]);
	}
	for (int i = 0; work[i]; i++) {
		if (domain_is_freemail(work[i]))
			fail_msg("%s should not be free-mail", work[i]);
	}
	assert_false(domain_is_freemail(NULL));
}

static void
email_normalization(void **state)
{
	char out[DOMAIN_EMAIL_MAX], tiny[6];

	(void)state;
	assert_int_equal(domain_email_normalize("  Pat.Ng@Globex.COM\r\n", out, sizeof out), 0);
	assert_string_equal(out, "pat.ng@globex.com");
	assert_int_equal(domain_email_normalize("mailto:Lee@initech.com", out, sizeof out), 0);
	assert_string_equal(out, "lee@initech.com");
	assert_int_equal(domain_email_normalize("<dana@hooli.com>", out, sizeof out), 0);
	assert_string_equal(out, "dana@hooli.com");
	assert_int_equal(domain_email_normalize("email_not_unlocked@domain.com", out, sizeof out), 1);
	assert_string_equal(out, "");
	assert_int_equal(domain_email_normalize(" EMAIL_NOT_UNLOCKED@DOMAIN.COM ", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize(NULL, out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("pat ng@globex.com", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("a@b.com;c@d.com", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("nobody", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("pat@globex.com", tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalizes_domains_and_urls),
		cmocka_unit_test(refuses_what_is_no_domain),
		cmocka_unit_test(domain_of_an_email),
		cmocka_unit_test(free_mail_table),
		cmocka_unit_test(email_normalization),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

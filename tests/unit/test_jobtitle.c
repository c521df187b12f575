#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "jobtitle.h"

#include "fixture.h"

static const char *
lvl(const char *t)
{
	const char *s = jobtitle_seniority(fx_titles, t);

	return s ? s : "-";
}

static const char *
dep(const char *t)
{
	const char *s = jobtitle_department(fx_titles, t);

	return s ? s : "-";
}

static void
seniority_of_titles(void **state)
{
	(void)state;
	assert_string_equal(lvl("Chief Financial Officer"), "c_level");
	assert_string_equal(lvl("Founder & CEO"), "c_level");
	assert_string_equal(lvl("Managing Director"), "c_level");
	assert_string_equal(lvl("SVP Sales"), "vp");
	assert_string_equal(lvl("V.P. of Engineering"), "vp");
	assert_string_equal(lvl("Vice President, Finance"), "vp");
	/* a vice president is not a president */
	assert_string_not_equal(lvl("Vice President Marketing"), "c_level");
	assert_string_equal(lvl("Assistant Vice President"), "vp");
	assert_string_equal(lvl("Head of Procurement"), "director");
	assert_string_equal(lvl("Sr. Dir. Marketing"), "director");
	assert_string_equal(lvl("Finance Manager"), "manager");
	assert_string_equal(lvl("Senior Software Engineer"), "ic");
	assert_string_equal(lvl("Account Executive"), "ic");
	assert_string_equal(lvl("Marketing Intern"), "ic");
	assert_string_equal(lvl("Board Member"), "-");
	assert_string_equal(lvl(""), "-");
	assert_null(jobtitle_seniority(fx_titles, NULL));
}

static void
department_of_titles(void **state)
{
	(void)state;
	assert_string_equal(dep("Chief Financial Officer"), "finance");
	assert_string_equal(dep("CFO"), "finance");
	assert_string_equal(dep("VP of Engineering"), "engineering_technical");
	assert_string_equal(dep("CTO"), "engineering_technical");
	assert_string_equal(dep("Director of IT"), "information_technology");
	assert_string_equal(dep("Senior Data Analyst"), "information_technology");
	assert_string_equal(dep("VP Sales"), "sales");
	assert_string_equal(dep("Account Executive"), "sales");
	assert_string_equal(dep("Director of Marketing"), "marketing");
	assert_string_equal(dep("Head of Procurement"), "operations");
	assert_string_equal(dep("General Counsel"), "legal");
	assert_string_equal(dep("Talent Acquisition Lead"), "human_resources");
	assert_string_equal(dep("Founder & CEO"), "c_suite");
	assert_string_equal(dep("Chief Executive Officer"), "c_suite");
	assert_string_equal(dep("Board Member"), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seniority_of_titles),
		cmocka_unit_test(department_of_titles),
	};
	return cmocka_run_group_tests(tests, fx_titles_setup, fx_titles_teardown);
}

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "company.h"
#include "json.h"
#include "jobtitle.h"
#include "linkedin.h"

#include "fixture.h"

static json_t *
parse(const char *s)
{
	json_t *v = NULL;
	char err[128];

	assert_int_equal(json_parse(s, strlen(s), 64, &v, NULL, err, sizeof err), JSON_OK);
	return v;
}

static const char *
url(const char *in)
{
	static char out[LINKEDIN_URL_MAX];

	return linkedin_profile_url(in, out, sizeof out) == 0 ? out : "ERR";
}

static void
profile_urls(void **state)
{
	buf_t b;

	(void)state;
	assert_string_equal(url("https://www.linkedin.com/in/Dana-Lopez/"),
	    "https://www.linkedin.com/in/dana-lopez/");
	assert_string_equal(url(" linkedin.com/in/dana-lopez"), "https://www.linkedin.com/in/dana-lopez/");
	assert_string_equal(url("http://uk.linkedin.com/in/dana-lopez/en?trk=x"),
	    "https://www.linkedin.com/in/dana-lopez/");
	assert_string_equal(url("https://www.linkedin.com/company/acme"), "ERR");
	assert_string_equal(url("https://notlinkedin.com/in/x"), "ERR");
	assert_string_equal(url("https://evil.com/linkedin.com/in/x"), "ERR");
	assert_string_equal(url("https://www.linkedin.com/in/"), "ERR");
	assert_string_equal(url(NULL), "ERR");
	buf_init(&b, 4096);
	assert_int_equal(linkedin_request_url("http://127.0.0.1:9", LINKEDIN_PATH,
	    "https://www.linkedin.com/in/j%C3%BCrgen/", &b), 0);
	assert_string_equal(buf_ptr(&b), "http://127.0.0.1:9/enrich-lead?linkedin_url="
	    "https%3A%2F%2Fwww.linkedin.com%2Fin%2Fj%25C3%25BCrgen%2F&include_skills=false");
	buf_free(&b);
}

#define FRESH "{\"data\":{\"full_name\":\"Dana Lopez\",\"headline\":\"VP Sales at Acme\"," \
	"\"job_title\":\"VP Sales\",\"company\":\"Acme\",\"company_domain\":\"acme.com\"," \
	"\"current_company_join_month\":3,\"current_company_join_year\":2021," \
	"\"location\":\"Austin, Texas, United States\",\"experiences\":[" \
	"{\"title\":\"VP Sales\",\"company\":\"Acme\",\"start_month\":3,\"start_year\":2021," \
	"\"end_month\":\"\",\"end_year\":\"\",\"is_current\":true}," \
	"{\"title\":\"Sales Director\",\"company\":\"Globex\",\"start_month\":\"\"," \
	"\"start_year\":\"2017\",\"end_month\":\"\",\"end_year\":2021,\"is_current\":false}]}," \
	"\"message\":\"ok\"}"

static enum linkedin_answer
rd(long status, const char *body, json_t **p, char *why)
{
	return linkedin_read(status, body, strlen(body), "timeout", p, why, 200);
}

static void
reads_answers(void **state)
{
	json_t *p;
	char why[200];

	(void)state;
	assert_int_equal(rd(200, FRESH, &p, why), LINKEDIN_FOUND);
	assert_string_equal(json_str(json_get(p, "company")), "Acme");
	assert_string_equal(json_str(json_get(p, "company_domain")), "acme.com");
	assert_int_equal(json_len(json_get(p, "experiences")), 2);
	/* "" is unknown, a numeric string a number */
	assert_true(json_is(json_get(json_at(json_get(p, "experiences"), 1), "start_month"), JSON_NULL));
	assert_true(json_is(json_get(json_at(json_get(p, "experiences"), 1), "start_year"), JSON_NUMBER));
	json_free(p);
	/* §4.2: no envelope, position[], end null for the current role */
	assert_int_equal(rd(200, "{\"firstName\":\"Dana\",\"headline\":\"VP\",\"geo\":{\"full\":\"Austin\"},"
	    "\"position\":[{\"companyName\":\"Acme\",\"title\":\"VP Sales\",\"start\":{\"year\":2021,"
	    "\"month\":3,\"day\":0},\"end\":{\"year\":0,\"month\":0,\"day\":0}}]}", &p, why),
	    LINKEDIN_FOUND);
	assert_string_equal(json_str(json_get(p, "company")), "Acme");
	assert_string_equal(json_str(json_get(p, "location")), "Austin");
	json_free(p);
	assert_int_equal(rd(404, "{\"message\":\"Profile not found\"}", &p, why), LINKEDIN_NOT_FOUND);
	assert_int_equal(rd(200, "{\"data\":{},\"message\":\"ok\"}", &p, why), LINKEDIN_NOT_FOUND);
	assert_int_equal(rd(404, "{\"message\":\"Endpoint '/enrich-lead' does not exist\"}", &p, why),
	    LINKEDIN_NO_ENDPOINT);
	assert_int_equal(rd(429, "{\"message\":\"Too many requests\"}", &p, why), LINKEDIN_RATE_LIMITED);
	assert_int_equal(rd(429, "{\"message\":\"You have exceeded the MONTHLY quota for Requests on "
	    "your current plan, BASIC.\"}", &p, why), LINKEDIN_QUOTA);
	assert_non_null(strstr(why, "MONTHLY quota"));
	assert_int_equal(rd(402, "{\"message\":\"You have run out of credits.\"}", &p, why),
	    LINKEDIN_CREDITS);
	assert_int_equal(rd(403, "{\"message\":\"You are not subscribed to this API.\"}", &p, why),
	    LINKEDIN_REFUSED);
	assert_non_null(strstr(why, "not subscribed"));
	assert_int_equal(rd(503, "<html>x</html>", &p, why), LINKEDIN_UNAVAILABLE);
	assert_int_equal(rd(0, "", &p, why), LINKEDIN_UNAVAILABLE);
	assert_non_null(strstr(why, "timeout"));
	assert_int_equal(rd(400, "{\"message\":\"linkedin_url is required\"}", &p, why),
	    LINKEDIN_BAD_REQUEST);
	assert_int_equal(rd(200, "{\"data\":{\"full_name\":\"Pat\",\"employ", &p, why),
	    LINKEDIN_BAD_ANSWER);
	assert_int_equal(rd(200, "[1]", &p, why), LINKEDIN_BAD_ANSWER);
	assert_null(p);
}

static void
cache_values(void **state)
{
	json_t *p = NULL, *v;
	const json_t *got;
	char why[200];

	(void)state;
	assert_int_equal(rd(200, FRESH, &p, why), LINKEDIN_FOUND);
	v = linkedin_cache_value(p);
	assert_int_equal(linkedin_cache_read(v, &got), 1);
	assert_string_equal(json_str(json_get(got, "title")), "VP Sales");
	json_free(v);
	v = linkedin_cache_value(NULL);
	assert_int_equal(linkedin_cache_read(v, &got), 0);
	json_free(v);
	v = parse("{\"status\":\"enriched\"}");
	assert_int_equal(linkedin_cache_read(v, &got), -1);
	json_free(v);
	json_free(p);
}

static json_t *
profile(void)
{
	json_t *p = NULL;
	char why[200];

	assert_int_equal(rd(200, FRESH, &p, why), LINKEDIN_FOUND);
	return p;
}

#define WONKA "{\"data\":{\"full_name\":\"Charlie Bucket\",\"job_title\":\"Head of Candy\"," \
	"\"company\":\"Wonka\",\"company_domain\":\"wonka.com\",\"experiences\":[" \
	"{\"title\":\"Head of Candy\",\"company\":\"Wonka\",\"start_year\":2020,\"is_current\":true}," \
	"{\"title\":\"Teller\",\"company\":\"Acme Bank\",\"start_year\":2015,\"end_year\":2020," \
	"\"is_current\":false}]},\"message\":\"ok\"}"

/* The account's fields as JSON; what linkedin_identity says of p, and what decided. */
static int
ident(const json_t *p, const char *account, int *by)
{
	json_t *a = parse(account);
	int id = linkedin_identity(p, a, by);

	json_free(a);
	return id;
}

static void
identity_gate(void **state)
{
	json_t *p = profile(), *w = NULL;
	char why[200];
	int by;

	(void)state;
	assert_int_equal(ident(p, "{\"name\":\"Acme, Inc.\"}", &by), LINKEDIN_ID_CURRENT);
	assert_int_equal(by, COMPANY_BY_NAME);
	assert_int_equal(ident(p, "{\"name\":\"ACME Corporation\",\"domain\":\"www.acme.com\"}", &by),
	    LINKEDIN_ID_CURRENT);
	assert_int_equal(by, COMPANY_BY_DOMAIN);
	assert_int_equal(ident(p, "{\"name\":\"Globex\"}", &by), LINKEDIN_ID_PAST);
	assert_int_equal(by, COMPANY_BY_NAME);
	assert_int_equal(ident(p, "{\"name\":\"Initech\",\"domain\":\"initech.com\"}", &by),
	    LINKEDIN_ID_NONE);
	assert_int_equal(by, COMPANY_BY_NONE);
	assert_int_equal(ident(p, "{}", NULL), LINKEDIN_ID_NONE);

	/* company_same's rule, as apollo-enrich's job_changed has it */
	assert_int_equal(rd(200, WONKA, &w, why), LINKEDIN_FOUND);
	assert_int_equal(ident(w, "{\"name\":\"Wonka Industries, Inc.\"}", &by), LINKEDIN_ID_CURRENT);
	assert_int_equal(by, COMPANY_BY_NAME);
	assert_int_equal(ident(w, "{\"name\":\"Wonka Industries\",\"domain\":\"wonkaindustries.com\"}",
	    &by), LINKEDIN_ID_CURRENT);
	assert_int_equal(by, COMPANY_BY_NAME);
	assert_int_equal(ident(w, "{\"name\":\"Willy's\",\"domain\":\"eu.wonka.com\"}", &by),
	    LINKEDIN_ID_CURRENT);
	assert_int_equal(by, COMPANY_BY_DOMAIN);
	assert_int_equal(ident(w, "{\"name\":\"The Acme Bank Group\"}", &by), LINKEDIN_ID_PAST);
	assert_int_equal(ident(w, "{\"name\":\"Acme Corp\",\"domain\":\"acme.com\"}", &by),
	    LINKEDIN_ID_NONE);
	assert_int_equal(ident(w, "{\"name\":\"Wonkabar\"}", &by), LINKEDIN_ID_NONE);
	json_free(w);
	json_free(p);
}

static void
selects_contacts(void **state)
{
	json_t *c;
	char out[LINKEDIN_URL_MAX];

	(void)state;
	c = parse("{\"apollo\":{\"status\":\"enriched\"},\"job_changed\":true}");
	assert_false(linkedin_wanted(c, LINKEDIN_SEL_MISSED));
	assert_true(linkedin_wanted(c, LINKEDIN_SEL_MOVES));
	assert_true(linkedin_wanted(c, LINKEDIN_SEL_ALL));
	json_free(c);
	c = parse("{\"apollo\":{\"status\":\"enriched\"},\"job_changed\":false}");
	assert_false(linkedin_wanted(c, LINKEDIN_SEL_MOVES));
	json_free(c);
	c = parse("{\"apollo\":{\"status\":\"not_found\"}}");
	assert_true(linkedin_wanted(c, LINKEDIN_SEL_MISSED));
	assert_int_equal(linkedin_contact_url(c, out, sizeof out), -1);
	json_free(c);
	c = parse("{\"linkedin_url\":\"linkedin.com/in/Pat\",\"apollo\":{\"person\":"
	    "{\"linkedin_url\":\"http://www.linkedin.com/in/other\"}}}");
	assert_true(linkedin_wanted(c, LINKEDIN_SEL_MISSED));
	assert_int_equal(linkedin_contact_url(c, out, sizeof out), 0);
	assert_string_equal(out, "https://www.linkedin.com/in/pat/");
	json_free(c);
	c = parse("{\"apollo\":{\"status\":\"error\",\"person\":"
	    "{\"linkedin_url\":\"http://www.linkedin.com/in/other\"}}}");
	assert_int_equal(linkedin_contact_url(c, out, sizeof out), 0);
	assert_string_equal(out, "https://www.linkedin.com/in/other/");
	json_free(c);
}

static void
fills_what_apollo_left(void **state)
{
	json_t *p = profile(), *rec, *c;

	(void)state;
	rec = parse("{\"close_date\":\"2026-03-14\",\"account\":{\"name\":\"Acme\"},\"contacts\":"
	    "[{\"apollo\":{\"status\":\"not_found\"},\"seniority_verified\":null}]}");
	c = json_at(json_get(rec, "contacts"), 0);
	assert_int_equal(linkedin_apply(c, rec, fx_titles, "enriched", p, 0, 1700000000, NULL, 1780000000), 0);
	assert_string_equal(json_str(json_path(c, "linkedin.status")), "enriched");
	assert_string_equal(json_str(json_path(c, "linkedin.identity")), "current");
	assert_string_equal(json_str(json_path(c, "linkedin.identity_by")), "name");
	assert_string_equal(json_str(json_path(c, "linkedin.fetched_at")), "2023-11-14T22:13:20Z");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "vp");
	assert_string_equal(json_str(json_get(c, "department_verified")), "sales");
	/* 2021-03-01 to 2026-03-14 */
	{
		int64_t m;

		assert_int_equal(json_num_int(json_get(c, "tenure_months"), &m), 0);
		assert_int_equal(m, 60);
	}
	assert_true(json_is(json_get(c, "job_changed"), JSON_BOOL) && !json_bool(json_get(c, "job_changed")));
	assert_string_equal(json_str(json_at(json_path(c, "field_sources.tenure_months"), 0)), "linkedin");
	json_free(rec);

	/* Apollo's values stay; its move, confirmed, is said by both */
	rec = parse("{\"close_date\":\"2019-06-30\",\"account\":{\"name\":\"Globex Inc\"},\"contacts\":"
	    "[{\"apollo\":{\"status\":\"enriched\"},\"seniority_verified\":\"director\","
	    "\"tenure_months\":null,\"job_changed\":true}]}");
	c = json_at(json_get(rec, "contacts"), 0);
	assert_int_equal(linkedin_apply(c, rec, fx_titles, "enriched", p, 1, 1700000000, NULL, 1780000000), 0);
	assert_string_equal(json_str(json_path(c, "linkedin.identity")), "past");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "director");
	assert_null(json_path(c, "field_sources.seniority_verified"));
	/* the Globex role covers the close date: 2017-01 (no month) to 2019-06 */
	{
		int64_t m;

		assert_int_equal(json_num_int(json_get(c, "tenure_months"), &m), 0);
		assert_int_equal(m, 29);
	}
	assert_int_equal(json_len(json_path(c, "field_sources.job_changed")), 2);
	assert_string_equal(json_str(json_at(json_path(c, "field_sources.job_changed"), 0)), "apollo");
	assert_string_equal(json_str(json_at(json_path(c, "field_sources.job_changed"), 1)), "linkedin");
	assert_true(json_bool(json_get(c, "job_changed")));
	json_free(rec);

	/* someone else: mismatch, nothing filled, nothing of the profile kept */
	rec = parse("{\"close_date\":\"2026-03-14\",\"account\":{\"name\":\"Acme Bank\","
	    "\"domain\":\"acmebank.com\"},\"contacts\":[{\"apollo\":{\"status\":\"not_found\"}}]}");
	c = json_at(json_get(rec, "contacts"), 0);
	assert_int_equal(linkedin_apply(c, rec, fx_titles, "enriched", p, 0, 1700000000, NULL, 1780000000), 0);
	assert_string_equal(json_str(json_path(c, "linkedin.status")), "mismatch");
	assert_null(json_path(c, "linkedin.headline"));
	assert_null(json_path(c, "linkedin.identity_by"));
	assert_null(json_get(c, "seniority_verified"));
	assert_null(json_get(c, "tenure_months"));
	assert_null(json_get(c, "job_changed"));
	assert_null(json_get(c, "field_sources"));
	json_free(rec);

	/* other statuses carry their reason only */
	rec = parse("{\"account\":{\"name\":\"Acme\"},\"contacts\":[{}]}");
	c = json_at(json_get(rec, "contacts"), 0);
	assert_int_equal(linkedin_apply(c, rec, fx_titles, "quota_exhausted", NULL, -1, 0, "budget", 0), 0);
	assert_string_equal(json_str(json_path(c, "linkedin.reason")), "budget");
	assert_null(json_path(c, "linkedin.cached"));
	json_free(rec);
	json_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(profile_urls),
		cmocka_unit_test(reads_answers),
		cmocka_unit_test(cache_values),
		cmocka_unit_test(identity_gate),
		cmocka_unit_test(selects_contacts),
		cmocka_unit_test(fills_what_apollo_left),
	};
	return cmocka_run_group_tests(tests, fx_titles_setup, fx_titles_teardown);
}

/* lib/apollo: requests, answers read robustly and matched back, the contact and account fields, rate limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apollo.h"
#include "apollo_tree.h"
#include "apollo_ratelimit.h"
#include "fixture.h"
#include "cache.h"

#include "fixture.h"

/* The compact text of v (static buffer). */
static const char *
D(const json_t *v)
{
	static char out[8192];
	buf_t b;

	buf_init(&b, sizeof out - 1);
	if (v == NULL)
		snprintf(out, sizeof out, "(absent)");
	else {
		assert_int_equal(json_dump(v, &b), JSON_OK);
		snprintf(out, sizeof out, "%s", buf_ptr(&b));
	}
	buf_free(&b);
	return out;
}

static time_t
T(const char *iso)
{
	time_t t;

	assert_int_equal(cache_time_parse(iso, &t), 0);
	return t;
}

/* ---- the request ---- */

static void
request_body(void **state)
{
	struct apollo_ask a[APOLLO_BATCH_MAX + 1] = {
		{ "dana@acme.com", "Dana", "Lopez", "http://www.linkedin.com/in/dana" },
		{ "q\"uote@x.com", NULL, "", NULL },
	};
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(apollo_request_body(a, 2, &b), APOLLO_OK);
	assert_string_equal(buf_ptr(&b),
	    "{\"details\":[{\"email\":\"dana@acme.com\",\"first_name\":\"Dana\",\"last_name\":\"Lopez\","
	    "\"linkedin_url\":\"http://www.linkedin.com/in/dana\"},{\"email\":\"q\\\"uote@x.com\"}],"
	    "\"reveal_personal_emails\":false}");
	buf_reset(&b);
	assert_int_equal(apollo_request_body(a, 0, &b), APOLLO_EARG);
	assert_int_equal(apollo_request_body(a, APOLLO_BATCH_MAX + 1, &b), APOLLO_EARG);
	buf_free(&b);
}

/* ---- the answer ---- */

static const struct apollo_ask asks3[] = {
	{ "dana@acme.com", "Dana", "Lopez", NULL },
	{ "sam@globex.com", "Sam", "Ng", NULL },
	{ "nobody@here.com", NULL, NULL, NULL },
};

static void
answer_in_order_with_nulls(void **state)
{
	const char *body = "{\"status\":\"success\",\"credits_consumed\":2,\"matches\":["
	    "{\"id\":\"p1\",\"email\":\"dana@acme.com\",\"first_name\":\"Dana\"},"
	    "{\"id\":\"p2\",\"email\":\"SAM@globex.com\"},null]}";
	struct apollo_result r[3];
	double credits;
	char err[256];

	(void)state;
	assert_int_equal(apollo_parse_response(body, strlen(body), asks3, 3, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_int_equal(r[0].kind, APOLLO_FOUND);
	assert_string_equal(json_str(json_get(r[0].person, "id")), "p1");
	assert_int_equal(r[1].kind, APOLLO_FOUND);
	assert_string_equal(json_str(json_get(r[1].person, "id")), "p2");
	assert_int_equal(r[2].kind, APOLLO_NOT_FOUND);
	assert_null(r[2].person);
	assert_true(credits == 2);
	apollo_results_free(r, 3);
}

static void
answer_reordered_is_matched_by_email_not_position(void **state)
{
	const char *body = "{\"matches\":[null,"
	    "{\"id\":\"p2\",\"email\":\"sam@globex.com\"},"
	    "{\"id\":\"p1\",\"email\":\"dana@acme.com\"}],\"credits_consumed\":\"2\"}";
	struct apollo_result r[3];
	double credits;
	char err[256];

	(void)state;
	assert_int_equal(apollo_parse_response(body, strlen(body), asks3, 3, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_string_equal(json_str(json_get(r[0].person, "id")), "p1");
	assert_string_equal(json_str(json_get(r[1].person, "id")), "p2");
	assert_int_equal(r[2].kind, APOLLO_NOT_FOUND);
	assert_true(credits == 2);   /* a numeric string */
	apollo_results_free(r, 3);
}

static void
locked_email_is_matched_by_linkedin_or_name(void **state)
{
	const struct apollo_ask a[3] = {
		{ "pat@initech.com", "Pat", "Green", NULL },
		{ "lee@hooli.com", NULL, NULL, "https://linkedin.com/in/Lee-Kim/" },
		{ "amy@umbrella.com", "Amy", "Wong", NULL },
	};
	/* Reversed; the first two carry the locked placeholder. */
	const char *body = "{\"matches\":["
	    "{\"id\":\"amy\",\"email\":\"amy@umbrella.com\"},"
	    "{\"id\":\"lee\",\"email\":\"email_not_unlocked@domain.com\",\"linkedin_url\":\"http://www.linkedin.com/in/lee-kim\"},"
	    "{\"id\":\"pat\",\"email\":\"email_not_unlocked@domain.com\",\"first_name\":\"PAT\",\"last_name\":\"green\"}]}";
	struct apollo_result r[3];
	double credits;
	char err[256];

	(void)state;
	assert_int_equal(apollo_parse_response(body, strlen(body), a, 3, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_string_equal(json_str(json_get(r[0].person, "id")), "pat");
	assert_string_equal(json_str(json_get(r[1].person, "id")), "lee");
	assert_string_equal(json_str(json_get(r[2].person, "id")), "amy");
	assert_true(json_is(json_get(r[0].person, "email"), JSON_NULL));   /* placeholder dropped */
	assert_true(credits == 3);   /* no credits_consumed: the entries found */
	apollo_results_free(r, 3);
}

static void
anonymous_entry_is_placed_by_position_only_when_free(void **state)
{
	const struct apollo_ask a[2] = { { "a@x.com", NULL, NULL, NULL }, { "b@x.com", NULL, NULL, NULL } };
	const char *body = "{\"matches\":[{\"id\":\"anon\",\"email\":null},{\"id\":\"b\",\"email\":\"b@x.com\"}]}";
	const char *stray = "{\"matches\":[{\"id\":\"z\",\"email\":\"z@x.com\"},{\"id\":\"b\",\"email\":\"b@x.com\"}]}";
	const char *short_ = "{\"matches\":[{\"id\":\"b\",\"email\":\"b@x.com\"}]}";
	struct apollo_result r[2];
	double credits;
	char err[256];

	(void)state;
	assert_int_equal(apollo_parse_response(body, strlen(body), a, 2, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_string_equal(json_str(json_get(r[0].person, "id")), "anon");
	assert_string_equal(json_str(json_get(r[1].person, "id")), "b");
	apollo_results_free(r, 2);
	/* An entry for an email nobody asked for: a's answer is unknown, not "not found". */
	assert_int_equal(apollo_parse_response(stray, strlen(stray), a, 2, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_int_equal(r[0].kind, APOLLO_UNANSWERED);
	assert_int_equal(r[1].kind, APOLLO_FOUND);
	apollo_results_free(r, 2);
	/* A dropped entry (no null in its place): unknown too. */
	assert_int_equal(apollo_parse_response(short_, strlen(short_), a, 2, r, &credits, err,
	    sizeof err), APOLLO_OK);
	assert_int_equal(r[0].kind, APOLLO_UNANSWERED);
	assert_int_equal(r[1].kind, APOLLO_FOUND);
	apollo_results_free(r, 2);
}

static void
bad_answers(void **state)
{
	struct apollo_result r[3];
	double credits;
	char err[256];
	static const char *bad[] = {
		"{\"matches\": [{\"id\":\"5f1e\",\"first_name\":\"Pat\",\"employ",
		"<html>Just a moment...</html>",
		"[1,2]",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(apollo_parse_response(bad[i], strlen(bad[i]), asks3, 3, r, &credits,
		    err, sizeof err), APOLLO_EPARSE);
		assert_true(err[0] != '\0');
		assert_int_equal(r[0].kind, APOLLO_UNANSWERED);
	}
	assert_int_equal(apollo_parse_response("{\"status\":\"error\",\"error_message\":\"nope\"}", 41,
	    asks3, 3, r, &credits, err, sizeof err), APOLLO_EPARSE);
	assert_non_null(strstr(err, "nope"));
	assert_int_equal(apollo_parse_response("{}", 2, asks3, 0, r, &credits, err, sizeof err),
	    APOLLO_EARG);
}

/* ---- the person subset ---- */

static void
person_subset_keeps_what_is_needed(void **state)
{
	json_t *p = J("{\"id\":\"p1\",\"first_name\":\"Dana\",\"title\":\"VP\",\"seniority\":\"vp\","
	    "\"departments\":\"master_sales\",\"functions\":[\"sales\",7],\"photo_url\":\"x\",\"headline\":\"h\","
	    "\"email\":\" Dana@Acme.COM \",\"linkedin_url\":null,\"city\":42,"
	    "\"employment_history\":[{\"_id\":\"j\",\"title\":\"VP\",\"current\":\"true\",\"start_date\":\"2021-03-01\","
	    "\"end_date\":null,\"degree\":null},\"junk\"],"
	    "\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\",\"estimated_num_employees\":\"1600\","
	    "\"annual_revenue\":\"1.5e8\",\"founded_year\":null,\"keywords\":[\"x\"],\"phone\":\"1\"}}");
	json_t *s = apollo_person_subset(p);

	(void)state;
	assert_string_equal(D(s),
	    "{\"id\":\"p1\",\"title\":\"VP\",\"seniority\":\"vp\",\"departments\":[\"master_sales\"],"
	    "\"email\":\"dana@acme.com\",\"linkedin_url\":null,"
	    "\"employment_history\":[{\"title\":\"VP\",\"start_date\":\"2021-03-01\",\"end_date\":null,\"current\":true}],"
	    "\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\",\"estimated_num_employees\":1600,"
	    "\"annual_revenue\":150000000,\"founded_year\":null}}");
	json_free(s);
	json_free(p);
	assert_null(apollo_person_subset(NULL));
}

static void
cache_values_roundtrip(void **state)
{
	json_t *p = J("{\"id\":\"p1\"}"), *v;
	const json_t *back;

	(void)state;
	v = apollo_cache_value(p);
	assert_string_equal(D(v), "{\"status\":\"enriched\",\"person\":{\"id\":\"p1\"}}");
	assert_int_equal(apollo_cache_read(v, &back), 1);
	assert_string_equal(D(back), "{\"id\":\"p1\"}");
	json_free(v);
	v = apollo_cache_value(NULL);
	assert_string_equal(D(v), "{\"status\":\"not_found\"}");
	assert_int_equal(apollo_cache_read(v, &back), 0);
	assert_null(back);
	json_free(v);
	v = J("{\"something\":\"else\"}");
	assert_int_equal(apollo_cache_read(v, &back), -1);
	json_free(v);
	json_free(p);
}

/* ---- mapping ---- */

static void
seniority_and_department(void **state)
{
	static const char *map[][2] = {
		{ "owner", "c_level" }, { "founder", "c_level" }, { "c_suite", "c_level" },
		{ "partner", "vp" }, { "vp", "vp" }, { "head", "director" }, { "director", "director" },
		{ "manager", "manager" }, { "senior", "ic" }, { "entry", "ic" }, { "intern", "ic" },
		{ " VP ", "vp" }, { "C_Suite", "c_level" },
	};
	json_t *p;
	char d[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		assert_string_equal(apollo_seniority_level(map[i][0]), map[i][1]);
	assert_null(apollo_seniority_level("unknown"));
	assert_null(apollo_seniority_level(""));
	assert_null(apollo_seniority_level(NULL));
	p = J("{\"departments\":[\"\",\"master_engineering_technical\",\"master_sales\"]}");
	assert_int_equal(apollo_department(p, d, sizeof d), 0);
	assert_string_equal(d, "engineering_technical");
	json_free(p);
	p = J("{\"departments\":[\"c_suite\"]}");
	assert_int_equal(apollo_department(p, d, sizeof d), 0);
	assert_string_equal(d, "c_suite");
	json_free(p);
	p = J("{\"departments\":[]}");
	assert_int_equal(apollo_department(p, d, sizeof d), -1);
	json_free(p);
}

static void
tenure_from_the_entry_covering_the_close_date(void **state)
{
	json_t *p = J("{\"organization_id\":\"o1\",\"organization\":{\"primary_domain\":\"initech.com\"},"
	    "\"employment_history\":["
	    "{\"current\":false,\"organization_name\":\"Hooli\",\"start_date\":\"2014-02-01\",\"end_date\":\"2018-05-01\"},"
	    "{\"current\":true,\"organization_name\":\"Initech\",\"organization_id\":\"o1\",\"start_date\":\"2025-10-01\",\"end_date\":null},"
	    "{\"current\":false,\"organization_name\":\"Globex, Inc.\",\"start_date\":\"2018-06-01\",\"end_date\":\"2025-09-01\"}]}");
	json_t *globex = J("{\"name\":\"Globex\",\"domain\":\"globex.com\"}");
	json_t *initech = J("{\"name\":\"Initech Corp\",\"domain\":\"initech.com\"}");
	json_t *p2 = J("{\"employment_history\":[{\"current\":true,\"start_date\":\"2022-04-01\"}]}");
	json_t *p3 = J("{\"employment_history\":[{\"current\":true,\"start_date\":\"2022-04\"},"
	    "{\"current\":false,\"start_date\":\"2023-01-01\",\"end_date\":null}]}");
	int m = -1;

	(void)state;
	/* The Globex role on a Globex deal closed in 2025-02 (not the current Initech one). */
	assert_int_equal(apollo_tenure_months(p, globex, "2025-02-15", T("2026-11-02T00:00:00Z"), &m), 0);
	assert_int_equal(m, 80);
	/* The current role on an Initech deal; before it began, nothing covers. */
	assert_int_equal(apollo_tenure_months(p, initech, "2026-03-14", 0, &m), 0);
	assert_int_equal(m, 5);
	assert_int_equal(apollo_tenure_months(p, globex, "2010-01-01", 0, &m), -1);
	/* A close date after the Globex role and before Initech: nothing covers it. */
	assert_int_equal(apollo_tenure_months(p, globex, "2025-09-15", 0, &m), -1);
	/* DESIGN's example: 2022-04-01 to 2026-11-02 is 55 months (no close date: today). */
	assert_int_equal(apollo_tenure_months(p2, globex, NULL, T("2026-11-02T07:00:12Z"), &m), 0);
	assert_int_equal(m, 55);
	/* YYYY-MM starts; the current entry wins over an open-ended non-current one. */
	assert_int_equal(apollo_tenure_months(p3, NULL, "2026-11-02", 0, &m), 0);
	assert_int_equal(m, 55);
	assert_int_equal(apollo_tenure_months(globex, globex, "2026-01-01", 0, &m), -1);
	json_free(p);
	json_free(p2);
	json_free(p3);
	json_free(globex);
	json_free(initech);
}

static void
job_change(void **state)
{
	json_t *moved = J("{\"title\":\"CTO\",\"organization\":{\"name\":\"Initech\",\"primary_domain\":\"initech.com\"},"
	    "\"employment_history\":[{\"current\":true,\"start_date\":\"2025-10-01\",\"organization_name\":\"Initech\"}]}");
	json_t *noorg = J("{\"employment_history\":[{\"current\":false,\"organization_name\":\"Pied Piper\"},"
	    "{\"current\":true,\"organization_name\":\"Hooli, Inc.\",\"title\":\"Engineer\"}]}");
	json_t *sub = J("{\"organization\":{\"name\":\"Globex EU\",\"website_url\":\"https://eu.globex.com/\"}}");
	json_t *renamed = J("{\"organization\":{\"name\":\"Globex\",\"primary_domain\":\"globex.io\"}}");
	json_t *globex = J("{\"name\":\"Globex Corporation\",\"domain\":\"www.globex.com\"}");
	json_t *hooli = J("{\"name\":\"Hooli\"}");
	json_t *wonka = J("{\"organization\":{\"name\":\"Wonka\"}}");
	json_t *wonka_acct = J("{\"name\":\"Wonka Industries\"}");
	json_t *nothing = J("{}");
	json_t *emp = NULL;

	(void)state;
	assert_int_equal(apollo_job_changed(moved, globex, &emp), 1);
	assert_string_equal(D(emp), "{\"name\":\"Initech\",\"domain\":\"initech.com\",\"title\":\"CTO\",\"since\":\"2025-10-01\"}");
	json_free(emp);
	assert_int_equal(apollo_job_changed(noorg, hooli, &emp), 0);
	assert_null(emp);
	assert_int_equal(apollo_job_changed(noorg, globex, &emp), 1);
	assert_string_equal(D(emp), "{\"name\":\"Hooli, Inc.\",\"domain\":null,\"title\":\"Engineer\",\"since\":null}");
	json_free(emp);
	assert_int_equal(apollo_job_changed(sub, globex, NULL), 0);       /* a subdomain */
	assert_int_equal(apollo_job_changed(renamed, globex, NULL), 0);   /* same name */
	assert_int_equal(apollo_job_changed(nothing, globex, NULL), -1);
	assert_int_equal(apollo_job_changed(moved, nothing, NULL), -1);
	assert_int_equal(apollo_job_changed(wonka, wonka_acct, NULL), 0);   /* issue 17 */
	json_free(wonka);
	json_free(wonka_acct);
	json_free(moved);
	json_free(noorg);
	json_free(sub);
	json_free(renamed);
	json_free(globex);
	json_free(hooli);
	json_free(nothing);
}

static void
size_bands_and_firmographics(void **state)
{
	static const struct { int64_t n; const char *band; } b[] = {
		{ 0, NULL }, { 1, "1-10" }, { 10, "1-10" }, { 11, "11-50" }, { 50, "11-50" },
		{ 51, "51-200" }, { 200, "51-200" }, { 201, "201-500" }, { 500, "201-500" },
		{ 501, "501-1000" }, { 1000, "501-1000" }, { 1001, "1001-5000" }, { 5000, "1001-5000" },
		{ 5001, "5001-10000" }, { 10000, "5001-10000" }, { 10001, "10001+" }, { 80000, "10001+" },
	};
	json_t *o, *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof b / sizeof b[0]; i++) {
		if (b[i].band)
			assert_string_equal(apollo_size_band(b[i].n), b[i].band);
		else
			assert_null(apollo_size_band(b[i].n));
	}
	o = J("{\"industry\":\"oil & energy\",\"estimated_num_employees\":\"1600\",\"annual_revenue\":1e8,\"founded_year\":\"1998\"}");
	f = apollo_firmographics(o);
	assert_string_equal(D(f), "{\"industry\":\"oil & energy\",\"employees\":1600,\"size_band\":\"1001-5000\","
	    "\"annual_revenue\":100000000,\"founded_year\":1998,\"source\":\"apollo\"}");
	json_free(f);
	json_free(o);
	o = J("{\"industry\":null,\"estimated_num_employees\":null,\"annual_revenue\":\"n/a\"}");
	f = apollo_firmographics(o);
	assert_string_equal(D(f), "{\"industry\":null,\"employees\":null,\"size_band\":null,"
	    "\"annual_revenue\":null,\"founded_year\":null,\"source\":\"apollo\"}");
	json_free(f);
	json_free(o);
}

static void
contact_and_account_fields(void **state)
{
	json_t *rec = J("{\"close_date\":\"2026-03-14\",\"account\":{\"name\":\"Acme\",\"domain\":\"acme.com\",\"x\":1},"
	    "\"contacts\":[{\"email\":\"d@acme.com\",\"keep\":true,\"new_employer\":{\"stale\":1}},{\"email\":\"s@other.com\"},{}]}");
	json_t *pd = J("{\"title\":\"VP Sales\",\"seniority\":\"vp\",\"departments\":[\"master_sales\"],"
	    "\"employment_history\":[{\"current\":true,\"start_date\":\"2021-03-01\",\"organization_name\":\"Acme\"}],"
	    "\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\",\"estimated_num_employees\":1600,\"industry\":\"software\"}}");
	json_t *ps = J("{\"seniority\":\"owner\",\"organization\":{\"name\":\"Other\",\"primary_domain\":\"other.com\",\"industry\":\"retail\"}}");
	json_t *c0 = json_at(json_get(rec, "contacts"), 0);
	json_t *c1 = json_at(json_get(rec, "contacts"), 1);
	json_t *c2 = json_at(json_get(rec, "contacts"), 2);
	time_t t = T("2026-11-02T07:00:12Z");

	(void)state;
	/* Firmographics of another company first: not the account's, so none. */
	assert_int_equal(apollo_apply_contact(c1, rec, "enriched", ps, NULL, 1, t, NULL, t), 0);
	assert_int_equal(apollo_apply_firmographics(rec), 0);
	assert_int_equal(apollo_apply_contact(c0, rec, "enriched", pd, NULL, 0, t, NULL, t), 0);
	assert_int_equal(apollo_apply_contact(c2, rec, "skipped", NULL, NULL, -1, 0, "no email", t), 0);
	assert_int_equal(apollo_apply_firmographics(rec), 1);
	assert_string_equal(D(c0), "{\"email\":\"d@acme.com\",\"keep\":true,"
	    "\"apollo\":{\"status\":\"enriched\",\"cached\":false,\"fetched_at\":\"2026-11-02T07:00:12Z\",\"person\":"
	    "{\"title\":\"VP Sales\",\"seniority\":\"vp\",\"departments\":[\"master_sales\"],"
	    "\"employment_history\":[{\"current\":true,\"start_date\":\"2021-03-01\",\"organization_name\":\"Acme\"}],"
	    "\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\",\"estimated_num_employees\":1600,\"industry\":\"software\"}}},"
	    "\"seniority_verified\":\"vp\",\"department_verified\":\"sales\",\"tenure_months\":60,\"job_changed\":false,\"job_changed_by\":\"domain\","
	    "\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-02T07:00:12Z\"}");
	assert_string_equal(D(json_get(c1, "new_employer")), "{\"name\":\"Other\",\"domain\":\"other.com\",\"title\":null,\"since\":null}");
	assert_string_equal(D(json_get(c1, "seniority_verified")), "\"c_level\"");
	assert_string_equal(D(c2), "{\"apollo\":{\"status\":\"skipped\",\"reason\":\"no email\"},"
	    "\"seniority_verified\":null,\"department_verified\":null,\"tenure_months\":null,\"job_changed\":null,\"job_changed_by\":null,"
	    "\"enrichment_status\":\"skipped\",\"enriched_at\":null}");
	assert_string_equal(D(json_get(rec, "account")), "{\"name\":\"Acme\",\"domain\":\"acme.com\",\"x\":1,"
	    "\"firmographics\":{\"industry\":\"software\",\"employees\":1600,\"size_band\":\"1001-5000\","
	    "\"annual_revenue\":null,\"founded_year\":null,\"source\":\"apollo\"}}");
	/* Not found, then an error over an earlier answer: owned fields reset. */
	assert_int_equal(apollo_apply_contact(c1, rec, "not_found", NULL, NULL, 1, t, NULL, t), 0);
	assert_string_equal(D(json_get(c1, "apollo")), "{\"status\":\"not_found\",\"cached\":true,\"fetched_at\":\"2026-11-02T07:00:12Z\"}");
	assert_null(json_get(c1, "new_employer"));
	assert_int_equal(apollo_apply_contact(c1, rec, "error", NULL, NULL, -1, 0, "HTTP 500", t), 0);
	assert_string_equal(D(json_get(c1, "apollo")), "{\"status\":\"error\",\"reason\":\"HTTP 500\"}");
	assert_string_equal(D(json_get(c1, "enriched_at")), "null");
	json_free(rec);
	json_free(pd);
	json_free(ps);
}

/* The members of fields as one object, each from where its field says it lies. */
static char *
fields_object(const struct apollo_field *fl, int n, const buf_t *out)
{
	const char *base;
	buf_t b;
	int i;

	buf_init(&b, 1 << 20);
	assert_int_equal(buf_addc(&b, '{'), BUF_OK);
	for (i = 0; i < n; i++) {
		base = fl[i].text ? fl[i].text : buf_ptr(out);
		if (i)
			assert_int_equal(buf_addc(&b, ','), BUF_OK);
		/* The member is "key": then the value. */
		assert_int_equal(strncmp(base + fl[i].member + 1, fl[i].key, strlen(fl[i].key)), 0);
		assert_int_equal(fl[i].off - fl[i].member, strlen(fl[i].key) + 3);
		assert_int_equal(buf_add(&b, base + fl[i].member, fl[i].off + fl[i].len - fl[i].member),
		    BUF_OK);
	}
	assert_int_equal(buf_addc(&b, '}'), BUF_OK);
	return buf_detach(&b, NULL);
}

/*
 * The fields every contact of a person gets are kept in its facts for one
 * (cached, fetched) at a time: asking for another rewrites them, and the
 * person's text, written once, comes through each change whole.
 */
static void
kept_fields_follow_cached_and_time(void **state)
{
	static const struct {
		int cached;
		const char *at;
	} runs[] = {
		{ 1, "2026-11-02T07:00:12Z" }, { 0, "2026-11-02T07:00:12Z" },
		{ 0, "2026-11-02T07:00:12Z" }, { 1, "2026-01-31T23:59:59Z" },
	};
	const char *person = "{\"seniority\":\"vp\",\"departments\":[\"master_sales\"],"
	    "\"employment_history\":[{\"current\":true,\"start_date\":\"2021-03-01\",\"organization_name\":\"Globex\"}],"
	    "\"organization\":{\"name\":\"Globex\",\"primary_domain\":\"globex.com\"}}";
	json_t *p = J(person);
	apollo_facts_t *f = apollo_facts_new(p);
	struct apollo_field fl[APOLLO_FIELDS_MAX];
	struct apollo_account acme, globex;
	char want[2048], *got;
	date_t close = { 2026, 3, 14 };
	buf_t out;
	size_t i;
	int n;

	(void)state;
	assert_non_null(f);
	json_free(p);   /* the facts hold their own copy */
	apollo_account_of(&acme, "Acme", "acme.com", NULL);
	apollo_account_of(&globex, "Globex", "globex.com", NULL);
	buf_init(&out, 1 << 20);
	for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		buf_reset(&out);
		n = apollo_contact_text(&out, fl, "enriched", f, &acme, close, runs[i].cached,
		    T(runs[i].at), NULL);
		assert_int_equal(n, 9);
		got = fields_object(fl, n, &out);
		snprintf(want, sizeof want, "{\"apollo\":{\"status\":\"enriched\",\"cached\":%s,"
		    "\"fetched_at\":\"%s\",\"person\":%s},\"seniority_verified\":\"vp\","
		    "\"department_verified\":\"sales\",\"tenure_months\":60,\"job_changed\":true,"
		    "\"job_changed_by\":\"domain\",\"new_employer\":{\"name\":\"Globex\",\"domain\":\"globex.com\",\"title\":null,"
		    "\"since\":\"2021-03-01\"},\"enrichment_status\":\"enriched\",\"enriched_at\":\"%s\"}",
		    runs[i].cached ? "true" : "false", runs[i].at, person, runs[i].at);
		assert_string_equal(got, want);
		free(got);
	}
	/* Any time is one: the first head written for the last second of 1969 too. */
	{
		apollo_facts_t *g;
		json_t *q = J(person);

		assert_non_null(g = apollo_facts_new(q));
		json_free(q);
		buf_reset(&out);
		assert_int_equal(n = apollo_contact_text(&out, fl, "enriched", g, &acme, close, 0,
		    (time_t)-1, NULL), 9);
		got = fields_object(fl, n, &out);
		assert_non_null(strstr(got, "\"cached\":false,\"fetched_at\":\"1969-12-31T23:59:59Z\""));
		free(got);
		apollo_facts_free(g);
	}
	/* The fields of the deal are the contact's own: at the person's company, no move. */
	buf_reset(&out);
	assert_int_equal(n = apollo_contact_text(&out, fl, "enriched", f, &globex, close, 1,
	    T("2026-01-31T23:59:59Z"), NULL), 8);
	got = fields_object(fl, n, &out);
	assert_non_null(strstr(got, ",\"tenure_months\":60,\"job_changed\":false,\"job_changed_by\":\"domain\",\"enrichment_status\""));
	free(got);
	buf_free(&out);
	apollo_facts_free(f);
}

/* ---- rate limits ---- */

static const char *const *hdrs;

static const char *
get(void *ctx, const char *name)
{
	size_t i, n = strlen(name);

	(void)ctx;
	for (i = 0; hdrs[i]; i++)
		if (strncasecmp(hdrs[i], name, n) == 0 && hdrs[i][n] == ':')
			return hdrs[i] + n + 1;
	return NULL;
}

static void
rate_limit_headers(void **state)
{
	static const char *documented[] = { "X-Rate-Limit-Minute: 50", "x-minute-usage: 3",
		"x-minute-requests-left: 47", "x-rate-limit-hourly: 200", "x-hourly-usage: 199",
		"x-hourly-requests-left: 1", "x-rate-limit-daily: 600", "x-daily-usage: 12", NULL };
	static const char *observed[] = { "x-rate-limit-24-hour:600", "x-24-hour-usage:600",
		"x-24-hour-requests-left:0", "x-minute-requests-left:3", "x-rate-limit-minute:50", NULL };
	static const char *none[] = { "content-type: application/json", "x-minute-usage: lots", NULL };
	struct apollo_ratelimit rl;

	(void)state;
	hdrs = documented;
	assert_int_equal(apollo_ratelimit_read(&rl, get, NULL), 1);
	assert_int_equal(rl.limit[APOLLO_RL_MINUTE], 50);
	assert_int_equal(rl.left[APOLLO_RL_MINUTE], 47);
	assert_int_equal(rl.left[APOLLO_RL_HOUR], 1);
	assert_int_equal(rl.left[APOLLO_RL_DAY], 588);   /* limit - usage */
	hdrs = observed;
	assert_int_equal(apollo_ratelimit_read(&rl, get, NULL), 1);
	assert_int_equal(rl.limit[APOLLO_RL_DAY], 600);
	assert_int_equal(rl.left[APOLLO_RL_DAY], 0);
	assert_int_equal(rl.limit[APOLLO_RL_HOUR], -1);
	assert_int_equal(rl.left[APOLLO_RL_MINUTE], 3);
	hdrs = none;
	assert_int_equal(apollo_ratelimit_read(&rl, get, NULL), 0);
}

/* Between starts: the minute's limit as a rate, less a margin; a given delay is a floor. */
static void
pace_interval(void **state)
{
	(void)state;
	assert_int_equal(apollo_pace_interval(600, 500, 0, 1), 104);    /* 582 a minute */
	assert_int_equal(apollo_pace_interval(1000, 500, 0, 1), 62);    /* 970 a minute */
	assert_int_equal(apollo_pace_interval(50, 500, 0, 1), 1250);    /* 48: 2 calls at least */
	assert_int_equal(apollo_pace_interval(2, 500, 0, 1), 60000);
	assert_int_equal(apollo_pace_interval(600, 2000, 1, 1), 2000);
	assert_int_equal(apollo_pace_interval(600, 5, 1, 1), 104);
	/* No limit told: the delay. */
	assert_int_equal(apollo_pace_interval(-1, 500, 0, 1), 500);
	assert_int_equal(apollo_pace_interval(600, 500, 0, 0), 500);
}

static struct apollo_ratelimit
reading(long min_limit, long min_left, long hour_limit, long hour_left)
{
	struct apollo_ratelimit rl = { { min_limit, hour_limit, -1 }, { -1, -1, -1 },
		{ min_left, hour_left, -1 } };

	return rl;
}

/* When the next call may start, from the answers' headers and the calls in flight. */
static void
pace_from_headers(void **state)
{
	struct apollo_pace p;
	struct apollo_ratelimit rl;
	unsigned long long s1, s2, s3, s4;
	int w;

	(void)state;
	apollo_pace_init(&p, 500, 0);
	assert_int_equal(apollo_pace_wait(&p, 0, &w), 0);
	s1 = apollo_pace_start(&p, 0);
	/* Until an answer tells the limits: one call at a time, 500 ms apart. */
	assert_int_equal(apollo_pace_wait(&p, 10, &w), -1);
	apollo_pace_done(&p, s1, NULL, 100);
	assert_int_equal(apollo_pace_wait(&p, 100, &w), 400);
	assert_int_equal(w, -1);
	s2 = apollo_pace_start(&p, 500);
	rl = reading(600, 590, -1, -1);
	apollo_pace_done(&p, s2, &rl, 900);
	/* 600 a minute: 104 ms apart, several in flight. */
	assert_int_equal(apollo_pace_wait(&p, 550, &w), 54);
	s3 = apollo_pace_start(&p, 1000);
	assert_int_equal(apollo_pace_wait(&p, 1104, &w), 0);
	s4 = apollo_pace_start(&p, 1104);
	assert_int_equal(p.in_flight, 2);
	/* Few left: none past them, counting those in flight. */
	rl = reading(600, 2, -1, -1);
	apollo_pace_done(&p, s4, &rl, 1500);
	assert_int_equal(apollo_pace_wait(&p, 1600, &w), 0);   /* 2 left, 1 in flight */
	/* The older call answers after: it may not be counted in that reading. */
	rl = reading(600, 3, -1, -1);
	apollo_pace_done(&p, s3, &rl, 1600);
	assert_int_equal(p.rl.left[APOLLO_RL_MINUTE], 2);
	assert_int_equal(p.late, 1);
	s1 = apollo_pace_start(&p, 1700);
	assert_int_equal(apollo_pace_wait(&p, 1800, &w), -1);   /* 2 - 1 in flight - 1 late */
	assert_int_equal(w, APOLLO_RL_MINUTE);
	rl = reading(600, 0, -1, -1);
	apollo_pace_done(&p, s1, &rl, 2000);
	/* None left, none in flight: until that minute has surely turned. */
	assert_int_equal(apollo_pace_wait(&p, 2000, &w), 60250);
	assert_int_equal(w, APOLLO_RL_MINUTE);
	/* A reading a minute old says nothing of this minute: the pace again. */
	assert_int_equal(apollo_pace_wait(&p, 62000, &w), 0);
	/* The hour used up: an hour (the engine stops the workspace instead). */
	s1 = apollo_pace_start(&p, 62000);
	rl = reading(600, 500, 200, 0);
	apollo_pace_done(&p, s1, &rl, 62100);
	assert_int_equal(apollo_pace_wait(&p, 62100, &w), 3600250);
	assert_int_equal(w, APOLLO_RL_HOUR);
	/* Starts that came late are made up, at most the margin less 2 at once
	 * (600 a minute: 18 - 2), so that no 60 s hold more than 599. */
	apollo_pace_init(&p, 500, 0);
	s1 = apollo_pace_start(&p, 0);
	rl = reading(600, 599, -1, -1);
	apollo_pace_done(&p, s1, &rl, 100);
	for (s2 = 0; apollo_pace_wait(&p, 100000, &w) == 0 && s2 < 100; s2++)
		apollo_pace_done(&p, apollo_pace_start(&p, 100000), NULL, 100000);
	assert_int_equal(s2, 17);
	assert_int_equal(apollo_pace_wait(&p, 100000, &w), 104);
	/* A given delay stays a floor. */
	apollo_pace_init(&p, 2000, 1);
	s1 = apollo_pace_start(&p, 0);
	rl = reading(600, 599, -1, -1);
	apollo_pace_done(&p, s1, &rl, 100);
	assert_int_equal(apollo_pace_wait(&p, 100, &w), 1900);
}

static void
least_time(void **state)
{
	struct apollo_ratelimit rl = { { 50, 200, 600 }, { -1, -1, -1 }, { -1, -1, -1 } };

	(void)state;
	assert_int_equal(apollo_least_ms(0, 500, 0, &rl), 0);
	assert_int_equal(apollo_least_ms(1, 500, 0, &rl), 0);
	assert_int_equal(apollo_least_ms(2, 500, 0, &rl), 1250);       /* 48 a minute */
	assert_int_equal(apollo_least_ms(50, 500, 0, &rl), 49 * 1250);
	assert_int_equal(apollo_least_ms(201, 500, 0, &rl), 3600000);  /* a second hour */
	assert_int_equal(apollo_least_ms(1201, 500, 0, &rl), 2LL * 86400000);
	assert_int_equal(apollo_least_ms(3, 2000, 1, &rl), 4000);      /* the given delay */
	assert_int_equal(apollo_least_ms(3, 2000, 1, NULL), 4000);
	assert_int_equal(apollo_least_ms(3, 500, 0, NULL), 1000);
}

/* The serialized person goes on the contact as is; the tree decides the fields. */
static void
serialized_person_and_firmographics_from_people(void **state)
{
	json_t *rec = J("{\"close_date\":\"2026-03-14\",\"account\":{\"name\":\"Acme\",\"domain\":\"acme.com\"},"
	    "\"contacts\":[{\"email\":\"d@acme.com\"}]}");
	json_t *pd = J("{\"seniority\":\"vp\",\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\",\"industry\":\"software\"}}");
	json_t *po = J("{\"seniority\":\"owner\",\"organization\":{\"name\":\"Other\",\"primary_domain\":\"other.com\",\"industry\":\"retail\"}}");
	const char *text = "{\"seniority\": \"vp\"}";
	json_t *ser = json_new_serialized(text, strlen(text)), *f = NULL;
	json_t *c0 = json_at(json_get(rec, "contacts"), 0);
	const json_t *people[3];
	struct apollo_account acct;
	time_t t = T("2026-11-02T07:00:12Z");

	(void)state;
	assert_int_equal(apollo_apply_contact(c0, rec, "enriched", pd, ser, 0, t, NULL, t), 0);
	assert_string_equal(D(json_path(c0, "apollo.person")), text);
	assert_string_equal(D(json_get(c0, "seniority_verified")), "\"vp\"");
	/* The account's own organization wins over one met first. */
	people[0] = po;
	people[1] = NULL;
	people[2] = pd;
	apollo_account_read(json_get(rec, "account"), &acct);
	assert_int_equal(apollo_account_firmographics(&acct, people, 3, &f), 1);
	assert_string_equal(D(json_get(f, "industry")), "\"software\"");
	json_free(f);
	assert_int_equal(apollo_account_firmographics(&acct, people, 1, &f), 0);
	assert_null(f);
	/* An account with neither name nor domain takes the first organization. */
	apollo_account_of(&acct, NULL, NULL, NULL);
	assert_int_equal(apollo_account_firmographics(&acct, people, 3, &f), 1);
	assert_string_equal(D(json_get(f, "industry")), "\"retail\"");
	json_free(f);
	json_free(ser);
	json_free(pd);
	json_free(po);
	json_free(rec);
}

static void
rate_limits_kept_between_runs(void **state)
{
	struct apollo_ratelimit rl, got;
	db_t *db = fx_open_db("rl");
	char err[256];

	(void)state;
	/* Nothing kept: Apollo's free plan. */
	memset(&got, 0, sizeof got);
	assert_int_equal(apollo_ratelimit_load(db, "acme", &got), 0);
	assert_int_equal(got.limit[APOLLO_RL_MINUTE], 50);
	assert_int_equal(got.limit[APOLLO_RL_HOUR], 200);
	assert_int_equal(got.limit[APOLLO_RL_DAY], 600);
	rl.limit[APOLLO_RL_MINUTE] = 400;
	rl.limit[APOLLO_RL_HOUR] = 6000;
	rl.limit[APOLLO_RL_DAY] = 0;   /* unknown: the plan's stays */
	assert_int_equal(apollo_ratelimit_save(db, "acme", &rl, err, sizeof err), 0);
	assert_int_equal(apollo_ratelimit_load(db, "acme", &got), 1);
	assert_int_equal(got.limit[APOLLO_RL_MINUTE], 400);
	assert_int_equal(got.limit[APOLLO_RL_HOUR], 6000);
	assert_int_equal(got.limit[APOLLO_RL_DAY], 600);
	/* Another workspace's plan is its own. */
	assert_int_equal(apollo_ratelimit_load(db, "beta", &got), 0);
	assert_int_equal(got.limit[APOLLO_RL_MINUTE], 50);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_body),
		cmocka_unit_test(answer_in_order_with_nulls),
		cmocka_unit_test(answer_reordered_is_matched_by_email_not_position),
		cmocka_unit_test(locked_email_is_matched_by_linkedin_or_name),
		cmocka_unit_test(anonymous_entry_is_placed_by_position_only_when_free),
		cmocka_unit_test(bad_answers),
		cmocka_unit_test(person_subset_keeps_what_is_needed),
		cmocka_unit_test(cache_values_roundtrip),
		cmocka_unit_test(seniority_and_department),
		cmocka_unit_test(tenure_from_the_entry_covering_the_close_date),
		cmocka_unit_test(job_change),
		cmocka_unit_test(size_bands_and_firmographics),
		cmocka_unit_test(contact_and_account_fields),
		cmocka_unit_test(serialized_person_and_firmographics_from_people),
		cmocka_unit_test(kept_fields_follow_cached_and_time),
		cmocka_unit_test(rate_limit_headers),
		cmocka_unit_test(least_time),
		cmocka_unit_test(pace_interval),
		cmocka_unit_test(pace_from_headers),
		cmocka_unit_test(rate_limits_kept_between_runs),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

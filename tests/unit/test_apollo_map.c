/*
 * lib/apollo_map: Apollo as apollo_run's provider, on the answers
 * CONTRACTS §1.2 and §1.5 record: the ask read from a contact's text, the
 * bulk_match request (the key in its header only), what each kind of final
 * answer says, the fields a contact gets, the account's firmographics under
 * the CRM's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apollo_map.h"
#include "fixture.h"

/* CONTRACTS §1.2's answer, for the first two people asked; the third is not known. */
static const char bulk_answer[] =
    "{\"status\":\"success\",\"error_code\":null,\"error_message\":null,"
    "\"total_requested_enrichments\":3,\"unique_enriched_records\":2,\"missing_records\":1,"
    "\"credits_consumed\":2,\"matches\":["
    "{\"id\":\"64a7\",\"first_name\":\"Dana\",\"last_name\":\"Lopez\",\"name\":\"Dana Lopez\","
    "\"title\":\"VP Sales\",\"seniority\":\"vp\",\"email\":\"dana@acme.com\","
    "\"organization_id\":\"5e66\",\"employment_history\":[],\"organization\":{\"name\":\"Acme\","
    "\"primary_domain\":\"acme.com\",\"industry\":\"software\",\"estimated_num_employees\":1600}},"
    "{\"id\":\"5f11\",\"first_name\":\"Sam\",\"last_name\":\"Ng\",\"name\":\"Sam Ng\",\"title\":\"CTO\","
    "\"email\":\"sam@globex.com\",\"organization_id\":\"5f00\",\"employment_history\":[]},"
    "null]}";

static const struct apollo_ask asks[] = {
	{ "dana@acme.com", "Dana", "Lopez", NULL },
	{ "sam@globex.com", NULL, NULL, NULL },
	{ "nobody@acme.com", NULL, NULL, "http://www.linkedin.com/in/nobody-here" },
};

/* The members of the object obj of text, in order, into m (at most cap). */
static size_t
members(const char *text, jspan_t obj, jspan_member_t *m, size_t cap)
{
	size_t pos = 0, n = 0;

	while (n < cap && jspan_member_next(text, obj, &pos, &m[n]))
		n++;
	return n;
}

static jspan_t
root_of(const char *text)
{
	jspan_t root;
	size_t col;
	char err[128];

	assert_int_equal(jspan_parse(text, strlen(text), 64, &root, &col, err, sizeof err), JSON_OK);
	return root;
}

static void
ask_reads_the_contacts_names_and_profile(void **state)
{
	const char *text = "{\"email\":\"a@x.com\",\"first_name\":\"Dana\",\"last_name\":\"\","
	    "\"linkedin_url\":7,\"first_name\":\"second\"}";
	char *first, *last, *li;

	(void)state;
	apollo_map_ask(text, root_of(text), &first, &last, &li);
	assert_string_equal(first, "Dana");
	assert_null(last);   /* empty */
	assert_null(li);     /* not a string */
	free(first);
}

static void
request_is_a_post_with_the_key_in_its_header_only(void **state)
{
	const char *hdrs[APOLLO_MAP_HEADERS];
	struct http_request req;
	buf_t body;
	json_t *v;
	int i;

	(void)state;
	buf_init(&body, 1 << 16);
	assert_int_equal(apollo_map_request(asks, 3, "http://127.0.0.1:9/api/v1/people/bulk_match",
	    "x-api-key: secret-key", hdrs, &body, &req), APOLLO_OK);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.url, "http://127.0.0.1:9/api/v1/people/bulk_match");
	for (i = 0; req.headers[i]; i++)
		;
	assert_int_equal(i, 4);
	assert_string_equal(req.headers[0], "Content-Type: application/json");
	assert_string_equal(req.headers[3], "x-api-key: secret-key");
	assert_int_equal(req.body_len, buf_len(&body));
	assert_null(strstr(req.body, "secret-key"));
	v = J(req.body);
	assert_json_eq(v, "{\"details\":[{\"email\":\"dana@acme.com\",\"first_name\":\"Dana\","
	    "\"last_name\":\"Lopez\"},{\"email\":\"sam@globex.com\"},{\"email\":\"nobody@acme.com\","
	    "\"linkedin_url\":\"http://www.linkedin.com/in/nobody-here\"}],"
	    "\"reveal_personal_emails\":false}");
	json_free(v);
	buf_reset(&body);
	assert_int_equal(apollo_map_request(asks, 0, "u", "k", hdrs, &body, &req), APOLLO_EARG);
	buf_free(&body);
}

/* A final answer of status with body (NULL: none), after attempts, transient or not. */
static http_response_t
resp_of(long status, const char *body, int attempts, int transient, const char *error)
{
	http_response_t r;

	memset(&r, 0, sizeof r);
	r.status = status;
	r.body = (char *)(body ? body : "");
	r.body_len = strlen(r.body);
	r.attempts = attempts;
	r.transient = transient;
	snprintf(r.error, sizeof r.error, "%s", error ? error : "");
	return r;
}

static void
answered_matches_each_ask_and_counts_the_credits(void **state)
{
	struct apollo_result res[3];
	http_response_t r = resp_of(200, bulk_answer, 1, 0, NULL);
	char reason[300];
	double credits;

	(void)state;
	assert_int_equal(apollo_map_answer(&r, asks, 3, res, &credits, "k", reason, sizeof reason),
	    APOLLO_ANSWERED);
	assert_true(credits == 2);
	assert_int_equal(res[0].kind, APOLLO_FOUND);
	assert_string_equal(json_str(json_get(res[0].person, "id")), "64a7");
	assert_int_equal(res[1].kind, APOLLO_FOUND);
	assert_string_equal(json_str(json_get(res[1].person, "title")), "CTO");
	assert_int_equal(res[2].kind, APOLLO_NOT_FOUND);
	assert_string_equal(reason, "");
	apollo_results_free(res, 3);
}

static void
each_failure_says_what_it_is_without_the_key(void **state)
{
	static const struct {
		long status;
		const char *body;
		int attempts, transient;
		const char *error;
		enum apollo_verdict want;
		const char *reason;
	} t[] = {
		{ 200, "<html>gateway</html>", 1, 0, NULL, APOLLO_BAD_ANSWER,
		  "invalid answer from Apollo: " },
		{ 200, "{\"error_message\":\"bad\"}", 1, 0, NULL, APOLLO_BAD_ANSWER,
		  "invalid answer from Apollo: the answer has no matches: bad" },
		{ 401, "Invalid access credentials for sk-live-123.", 1, 0, NULL, APOLLO_REFUSED,
		  "Apollo refused the API key (HTTP 401: Invalid access credentials for "
		  "***********.)" },
		{ 403, "{\"error\":\"not accessible\"}", 1, 0, NULL, APOLLO_REFUSED,
		  "Apollo refused the API key (HTTP 403: {\"error\":\"not accessible\"})" },
		{ 429, "{\"message\":\"The maximum number\"}", 2, 0, NULL, APOLLO_RATE_LIMITED,
		  "Apollo rate limit reached (HTTP 429 after 2 attempts); try later" },
		{ 503, "down", 3, 1, NULL, APOLLO_UNAVAILABLE,
		  "Apollo unavailable: HTTP 503 after 3 attempts" },
		{ 0, NULL, 3, 1, "timeout", APOLLO_UNAVAILABLE,
		  "Apollo unavailable: timeout after 3 attempts" },
		{ 422, "{\"error\":\"too many\"}", 1, 0, NULL, APOLLO_FAILED,
		  "Apollo answered HTTP 422: {\"error\":\"too many\"}" },
	};
	struct apollo_result res[3];
	char reason[300];
	double credits;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		http_response_t r = resp_of(t[i].status, t[i].body, t[i].attempts, t[i].transient,
		    t[i].error);

		credits = -1;
		assert_int_equal(apollo_map_answer(&r, asks, 3, res, &credits, "sk-live-123", reason,
		    sizeof reason), t[i].want);
		if (strncmp(reason, t[i].reason, strlen(t[i].reason)) != 0)
			fail_msg("case %zu: reason '%s', want '%s'", i, reason, t[i].reason);
		assert_null(strstr(reason, "sk-live-123"));
		assert_true(credits == 0);
		assert_int_equal(res[0].kind, APOLLO_UNANSWERED);
		assert_null(res[2].person);
	}
}

/* The contact of text written with outcome oc (acct: Acme), into out. */
static void
write_contact(const char *text, const struct apollo_outcome *oc, buf_t *out)
{
	jspan_member_t m[16];
	struct apollo_account acct;
	buf_t vals;
	jspan_t root = root_of(text);

	buf_init(&vals, 1 << 20);
	apollo_account_of(&acct, "Acme", "acme.com", NULL);
	buf_reset(out);
	assert_int_equal(apollo_map_contact(out, &vals, text, m, members(text, root, m, 16), oc,
	    &acct, apollo_close_date("2026-03-14", 0)), JSON_OK);
	buf_free(&vals);
}

static void
contact_gets_apollos_fields_and_keeps_the_rest(void **state)
{
	const char *text = "{\"contact_id\":\"c1\",\"email\":\"dana@acme.com\","
	    "\"new_employer\":{\"name\":\"stale\"},\"x\":[1, 2]}";
	json_t *person = J("{\"id\":\"64a7\",\"title\":\"VP Sales\",\"seniority\":\"vp\","
	    "\"departments\":[\"master_sales\"],\"employment_history\":[{\"title\":\"VP Sales\","
	    "\"organization_name\":\"Acme\",\"start_date\":\"2024-03-01\",\"current\":true}],"
	    "\"organization\":{\"name\":\"Acme\",\"primary_domain\":\"acme.com\"}}");
	struct apollo_outcome oc = { "enriched", NULL, NULL, 1 };
	json_t *v, *subset = apollo_person_subset(person);
	buf_t out;

	(void)state;
	buf_init(&out, 1 << 20);
	assert_non_null(oc.ans = apollo_answer_new(subset, 1700000000));
	write_contact(text, &oc, &out);
	v = J(buf_ptr(&out));
	assert_string_equal(json_str(json_get(v, "contact_id")), "c1");
	assert_json_eq(json_get(v, "x"), "[1,2]");
	assert_string_equal(json_str(json_path(v, "apollo.status")), "enriched");
	assert_int_equal(json_bool(json_path(v, "apollo.cached")), 1);
	assert_string_equal(json_str(json_get(v, "seniority_verified")), "vp");
	assert_string_equal(json_str(json_get(v, "department_verified")), "sales");
	assert_int_equal(json_bool(json_get(v, "job_changed")), 0);
	assert_null(json_get(v, "new_employer"));   /* the person did not move: gone */
	assert_string_equal(json_str(json_get(v, "enrichment_status")), "enriched");
	json_free(v);
	apollo_answer_unref(oc.ans);

	/* Any other status: the reason, and no person. */
	oc = (struct apollo_outcome){ "quota_exhausted", "monthly Apollo budget reached", NULL, -1 };
	write_contact(text, &oc, &out);
	v = J(buf_ptr(&out));
	assert_json_eq(json_get(v, "apollo"), "{\"status\":\"quota_exhausted\",\"reason\":"
	    "\"monthly Apollo budget reached\"}");
	assert_string_equal(json_str(json_get(v, "enrichment_status")), "quota_exhausted");
	json_free(v);
	json_free(person);
	buf_free(&out);
}

static void
account_and_close_date_from_the_records_text(void **state)
{
	const char *text = "{\"account\":{\"name\":\"Globex, Inc.\",\"domain\":42,"
	    "\"website\":\"https://www.globex.com/about\"},\"close_date\":\"2026-03-14\"}";
	jspan_t root = root_of(text);
	jspan_member_t rm[4], am[4], cd;
	struct apollo_account a;
	long at[3] = { 0, -1, 2 };
	date_t close, today;

	(void)state;
	assert_int_equal(members(text, root, rm, 4), 2);
	assert_int_equal(members(text, rm[0].val, am, 4), 3);
	cd = rm[1];
	apollo_map_account(&a, text, am, at, &cd, 0, &close);
	assert_string_equal(a.domain, "globex.com");   /* from the website */
	assert_true(a.name[0] != '\0');
	assert_true(close.y == 2026 && close.m == 3 && close.d == 14);
	/* A close date that is not a string: today. */
	at[0] = at[2] = -1;
	apollo_map_account(&a, text, am, at, &rm[0], 1700000000, &close);
	today = apollo_close_date(NULL, 1700000000);
	assert_true(today.y == 2023 && close.y == 2023 && close.m == today.m && close.d == today.d);
	assert_string_equal(a.domain, "");
}

static void
firmographics_fill_what_the_crm_left_null(void **state)
{
	const char *text = "{\"name\":\"Acme\",\"domain\":\"acme.com\",\"crm_firmographics\":"
	    "{\"industry\":\"retail\",\"employees\":null,\"size_band\":null,\"annual_revenue\":null,"
	    "\"source\":\"hubspot\"}}";
	const char *plain = "{\"name\":\"Acme\",\"domain\":\"acme.com\"}";
	json_t *person = J("{\"id\":\"p\",\"organization\":{\"name\":\"Acme\","
	    "\"primary_domain\":\"acme.com\",\"industry\":\"software\","
	    "\"estimated_num_employees\":1600}}");
	json_t *subset = apollo_person_subset(person), *v;
	apollo_facts_t *facts = apollo_facts_new(subset);
	const apollo_facts_t *people[2] = { NULL, facts };
	struct apollo_account acct, other;
	struct jedit_field f;
	buf_t merged;

	(void)state;
	buf_init(&merged, 1 << 20);
	assert_non_null(facts);
	apollo_account_of(&acct, "Acme", "acme.com", NULL);
	assert_int_equal(apollo_map_firmographics(text, root_of(text), &acct, people, 2, &merged,
	    &f), 1);
	assert_string_equal(f.key, "firmographics");
	assert_int_equal(json_parse(f.val, f.len, 0, &v, NULL, NULL, 0), JSON_OK);
	assert_string_equal(json_str(json_get(v, "industry")), "retail");   /* the CRM's stays */
	assert_int_equal(json_int_or(json_get(v, "employees"), -1), 1600);          /* Apollo fills */
	assert_string_equal(json_str(json_get(v, "source")), "hubspot");
	json_free(v);
	/* No CRM values: Apollo's as they are, borrowed from the facts. */
	assert_int_equal(apollo_map_firmographics(plain, root_of(plain), &acct, people, 2, &merged,
	    &f), 1);
	assert_int_equal(json_parse(f.val, f.len, 0, &v, NULL, NULL, 0), JSON_OK);
	assert_string_equal(json_str(json_get(v, "industry")), "software");
	assert_string_equal(json_str(json_get(v, "source")), "apollo");
	json_free(v);
	/* Nobody of the account: none. */
	apollo_account_of(&other, "Initech", "initech.com", NULL);
	assert_int_equal(apollo_map_firmographics(plain, root_of(plain), &other, people, 2, &merged,
	    &f), 0);
	apollo_facts_free(facts);
	json_free(subset);
	json_free(person);
	buf_free(&merged);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ask_reads_the_contacts_names_and_profile),
		cmocka_unit_test(request_is_a_post_with_the_key_in_its_header_only),
		cmocka_unit_test(answered_matches_each_ask_and_counts_the_credits),
		cmocka_unit_test(each_failure_says_what_it_is_without_the_key),
		cmocka_unit_test(contact_gets_apollos_fields_and_keeps_the_rest),
		cmocka_unit_test(account_and_close_date_from_the_records_text),
		cmocka_unit_test(firmographics_fill_what_the_crm_left_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

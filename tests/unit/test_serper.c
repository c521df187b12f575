/*
 * lib/serper: query templates, request bodies, the /search and /news answers
 * of CONTRACTS §2, and the error answers of §2.4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serper.h"

/* 2026-03-10 12:00:00 UTC */
#define NOW ((time_t)1773144000)

static void
templates(void **state)
{
	struct serper_query q;
	char err[200];
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(serper_query_parse(SERPER_QUERY_DEFAULT, &q, err, sizeof err), 0);
	assert_int_equal(q.endpoint, SERPER_SEARCH);
	assert_int_equal(serper_query_expand(q.tmpl, "Globex", "globex.com", &b), 0);
	assert_string_equal(buf_ptr(&b), "\"Globex\" news");
	/* quotes in a name cannot break the template's quoting; blanks collapse */
	assert_int_equal(serper_query_expand(q.tmpl, "  The \"Best\"   Co ", NULL, &b), 0);
	assert_string_equal(buf_ptr(&b), "\"The Best Co\" news");
	/* no name: the domain; no domain: the name */
	assert_int_equal(serper_query_expand("{company} site:{domain}", NULL, "initech.com", &b), 0);
	assert_string_equal(buf_ptr(&b), "initech.com site:initech.com");
	assert_int_equal(serper_query_expand("{company} site:{domain}", "Hooli", NULL, &b), 0);
	assert_string_equal(buf_ptr(&b), "Hooli site:Hooli");
	assert_int_equal(serper_query_expand(q.tmpl, " ", NULL, &b), 1);

	assert_int_equal(serper_query_parse("news:{company} hiring", &q, err, sizeof err), 0);
	assert_int_equal(q.endpoint, SERPER_NEWS);
	assert_string_equal(q.tmpl, "{company} hiring");
	assert_int_equal(serper_query_parse("search:{domain} funding", &q, err, sizeof err), 0);
	assert_int_equal(q.endpoint, SERPER_SEARCH);
	assert_int_equal(serper_query_parse("acme news", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "{company}"));
	assert_int_equal(serper_query_parse("news:", &q, err, sizeof err), -1);
	buf_free(&b);
}

static void
recency(void **state)
{
	const char *tbs = NULL;

	(void)state;
	assert_int_equal(serper_recency("w", &tbs), 0);
	assert_string_equal(tbs, "qdr:w");
	assert_int_equal(serper_recency("Month", &tbs), 0);
	assert_string_equal(tbs, "qdr:m");
	assert_int_equal(serper_recency("qdr:d3", &tbs), 0);
	assert_string_equal(tbs, "qdr:d3");
	assert_int_equal(serper_recency("fortnight", &tbs), -1);
	assert_int_equal(serper_recency("qdr:x", &tbs), -1);
	assert_int_equal(serper_recency("qdr:m2x", &tbs), -1);
}

static void
bodies_and_urls(void **state)
{
	struct serper_params p = { 0, NULL, NULL, NULL };
	char url[128];
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 16);
	assert_int_equal(serper_request_body("\"Globex\" news", &p, &b), 0);
	assert_string_equal(buf_ptr(&b), "{\"q\":\"\\\"Globex\\\" news\",\"num\":10}");
	p.num = 20;
	p.tbs = "qdr:m";
	p.gl = "de";
	p.hl = "de";
	assert_int_equal(serper_request_body("acme", &p, &b), 0);
	assert_string_equal(buf_ptr(&b), "{\"q\":\"acme\",\"num\":20,\"tbs\":\"qdr:m\",\"gl\":\"de\",\"hl\":\"de\"}");
	assert_int_equal(serper_url("http://127.0.0.1:9", SERPER_SEARCH, url, sizeof url), 0);
	assert_string_equal(url, "http://127.0.0.1:9/search");
	assert_int_equal(serper_url(SERPER_BASE_URL_DEFAULT, SERPER_NEWS, url, sizeof url), 0);
	assert_string_equal(url, "https://google.serper.dev/news");
	assert_int_equal(serper_url(SERPER_BASE_URL_DEFAULT, SERPER_NEWS, url, 10), -1);
	/* query ids differ by everything that changes the answer */
	assert_int_equal(serper_query_id(SERPER_NEWS, "acme", &p, &b), 0);
	assert_string_equal(buf_ptr(&b), "news|qdr:m|de|de|20|acme");
	p.tbs = NULL;
	assert_int_equal(serper_query_id(SERPER_SEARCH, "acme", &p, &b), 0);
	assert_string_equal(buf_ptr(&b), "search||de|de|20|acme");
	buf_free(&b);
}

static const char SEARCH[] =
	"{\"searchParameters\":{\"q\":\"acme corp funding\",\"gl\":\"us\",\"hl\":\"en\",\"num\":10,"
	"\"tbs\":\"qdr:m\",\"type\":\"search\",\"engine\":\"google\"},"
	"\"knowledgeGraph\":{\"title\":\"Acme\",\"type\":\"Company\",\"website\":\"https://acme.com/\"},"
	"\"organic\":[{\"title\":\"Acme raises $20M\",\"link\":\"https://news.example.com/acme\","
	"\"snippet\":\"Acme announced ...\",\"date\":\"Mar 3, 2026\",\"position\":1,"
	"\"sitelinks\":[{\"title\":\"About\",\"link\":\"https://acme.com/about\"}]},"
	"{\"title\":\"Acme - Home\",\"link\":\"https://acme.com/\",\"snippet\":\"...\",\"position\":2},"
	"{\"title\":\"No link\",\"snippet\":\"dropped\"}],"
	"\"topStories\":[{\"title\":\"Acme hires\",\"link\":\"https://t.example/1\",\"source\":\"Wire\",\"date\":\"2 days ago\"}],"
	"\"peopleAlsoAsk\":[{\"question\":\"Who owns Acme?\",\"link\":\"https://x\"}],"
	"\"relatedSearches\":[{\"query\":\"acme corp revenue\"}],\"credits\":1}";

static const char NEWS[] =
	"\n{\"searchParameters\":{\"q\":\"acme corp\",\"type\":\"news\"},"
	"\"news\":[{\"title\":\"Acme hires new CRO\",\"link\":\"https://news.example.com/a\",\"snippet\":\"...\","
	"\"date\":\"2 hours ago\",\"source\":\"Example News\",\"imageUrl\":\"https://i\",\"position\":1},"
	"{\"title\":\"Old\",\"link\":\"https://news.example.com/b\",\"date\":\"sometime\"}],\"credits\":2}";

static void
answers(void **state)
{
	json_t *items = json_new_array();
	const json_t *it;
	char err[200];
	double credits;

	(void)state;
	assert_int_equal(serper_parse(200, SEARCH, strlen(SEARCH), NULL, "acme corp funding", NOW, items, &credits,
	    err, sizeof err), SERPER_OK);
	assert_true(credits == 1);
	assert_int_equal(json_len(items), 3);   /* 2 organic with a link + 1 top story */
	it = json_at(items, 0);
	assert_string_equal(json_str(json_get(it, "title")), "Acme raises $20M");
	assert_string_equal(json_str(json_get(it, "link")), "https://news.example.com/acme");
	assert_string_equal(json_str(json_get(it, "snippet")), "Acme announced ...");
	assert_string_equal(json_str(json_get(it, "date")), "2026-03-03");
	assert_string_equal(json_str(json_get(it, "date_text")), "Mar 3, 2026");
	it = json_at(items, 1);
	assert_true(json_is(json_get(it, "date"), JSON_NULL));
	assert_null(json_get(it, "date_text"));
	it = json_at(items, 2);
	assert_string_equal(json_str(json_get(it, "source")), "Wire");
	assert_string_equal(json_str(json_get(it, "date")), "2026-03-08");

	json_free(items);
	items = json_new_array();
	assert_int_equal(serper_parse(200, NEWS, strlen(NEWS), NULL, "Acme  Corp ", NOW, items, &credits,
	    err, sizeof err), SERPER_OK);
	assert_true(credits == 2);
	assert_int_equal(json_len(items), 2);
	assert_string_equal(json_str(json_get(json_at(items, 0), "date")), "2026-03-10");
	assert_string_equal(json_str(json_get(json_at(items, 0), "source")), "Example News");
	assert_true(json_is(json_get(json_at(items, 1), "date"), JSON_NULL));
	assert_string_equal(json_str(json_get(json_at(items, 1), "date_text")), "sometime");
	json_free(items);

	/* no results at all is an answer: "not found" */
	items = json_new_array();
	assert_int_equal(serper_parse(200, "{\"searchParameters\":{},\"organic\":[]}", 36, NULL, "x", NOW,
	    items, &credits, err, sizeof err), SERPER_OK);
	assert_int_equal(json_len(items), 0);
	assert_true(credits == 1);
	json_free(items);
}

/* The corrected query an answer's results are marked with, "" when none is; all alike. */
static const char *
corrected(const char *body, const char *q, char *out, size_t n)
{
	json_t *items = json_new_array();
	char err[200];
	double credits;
	size_t i;

	assert_int_equal(serper_parse(200, body, strlen(body), NULL, q, NOW, items, &credits, err,
	    sizeof err), SERPER_OK);
	assert_true(json_len(items) > 0);
	snprintf(out, n, "%s", json_str(json_get(json_at(items, 0), "corrected")) ?
	    json_str(json_get(json_at(items, 0), "corrected")) : "");
	for (i = 1; i < json_len(items); i++) {
		const char *ci = json_str(json_get(json_at(items, i), "corrected"));

		assert_string_equal(ci ? ci : "", out);
	}
	json_free(items);
	return out;
}

static void
spelling_corrections(void **state)
{
	char c[128];

	(void)state;
	/* the query as sent, echoed: not corrected (case and blanks aside) */
	assert_string_equal(corrected(SEARCH, "acme corp funding", c, sizeof c), "");
	assert_string_equal(corrected(SEARCH, " ACME corp\tfunding ", c, sizeof c), "");
	assert_string_equal(corrected(SEARCH, NULL, c, sizeof c), "");
	/* Google searched something else */
	assert_string_equal(corrected(SEARCH, "acme crop funding", c, sizeof c), "acme corp funding");
	assert_string_equal(corrected(SEARCH, "acmecorp funding", c, sizeof c), "acme corp funding");
	/* a "spelling" member: a string or an object holding one */
	assert_string_equal(corrected("{\"searchParameters\":{\"q\":\"acme crop\"},"
	    "\"spelling\":{\"spelling\":\"acme corp\"},\"organic\":[{\"title\":\"t\",\"link\":\"https://a\"},"
	    "{\"title\":\"u\",\"link\":\"https://b\"}]}", "acme crop", c, sizeof c), "acme corp");
	assert_string_equal(corrected("{\"spelling\":\"acme corp\",\"organic\":[{\"link\":\"https://a\"}]}",
	    "acme crop", c, sizeof c), "acme corp");
	assert_string_equal(corrected("{\"spelling\":{},\"organic\":[{\"link\":\"https://a\"}]}",
	    "acme crop", c, sizeof c), "");
	assert_string_equal(corrected("{\"spelling\":null,\"searchParameters\":{\"q\":7},"
	    "\"organic\":[{\"link\":\"https://a\"}]}", "acme crop", c, sizeof c), "");
}

static int
parse_err(long status, const char *body, const char *terr, char *err, size_t errlen)
{
	json_t *items = json_new_array();
	double credits = -1;
	int rc = serper_parse(status, body, body ? strlen(body) : 0, terr, NULL, NOW, items, &credits,
	    err, errlen);

	assert_int_equal(json_len(items), 0);
	assert_true(credits == 0);
	json_free(items);
	return rc;
}

static void
errors(void **state)
{
	char err[200];

	(void)state;
	assert_int_equal(parse_err(403, "{\"message\":\"Unauthorized.\",\"statusCode\":403}", NULL,
	    err, sizeof err), SERPER_EAUTH);
	assert_string_equal(err, "HTTP 403: Unauthorized.");
	assert_int_equal(parse_err(401, "", NULL, err, sizeof err), SERPER_EAUTH);
	assert_int_equal(parse_err(400, "{\"message\":\"Not enough credits\",\"statusCode\":400}", NULL,
	    err, sizeof err), SERPER_ECREDITS);
	assert_string_equal(err, "HTTP 400: Not enough credits");
	assert_int_equal(parse_err(400, "{\"message\":\"Missing query parameter\",\"statusCode\":400}",
	    NULL, err, sizeof err), SERPER_EREQUEST);
	assert_int_equal(parse_err(429, "{\"message\":\"Too many requests\",\"statusCode\":429}", NULL,
	    err, sizeof err), SERPER_ERATE);
	assert_int_equal(parse_err(503, "<html>busy</html>", NULL, err, sizeof err), SERPER_ESERVER);
	assert_string_equal(err, "HTTP 503");
	assert_int_equal(parse_err(0, NULL, "Connection refused", err, sizeof err), SERPER_ESERVER);
	assert_string_equal(err, "no answer: Connection refused");
	assert_int_equal(parse_err(200, "   ", NULL, err, sizeof err), SERPER_EPARSE);
	assert_int_equal(parse_err(200, "<!DOCTYPE html><html></html>", NULL, err, sizeof err), SERPER_EPARSE);
	assert_int_equal(parse_err(200, "{\"message\":\"odd\"}", NULL, err, sizeof err), SERPER_EPARSE);
	assert_int_equal(parse_err(200, "[1,2]", NULL, err, sizeof err), SERPER_EPARSE);
	/* a message is one printable line */
	assert_int_equal(parse_err(500, "{\"message\":\"a\\nb\"}", NULL, err, sizeof err), SERPER_ESERVER);
	assert_string_equal(err, "HTTP 500: a b");
	assert_string_equal(serper_strerror(SERPER_ECREDITS), "out of credits");
}

static const char REFUSED[] =
	"{\"message\":\"Batch requests are not available on your plan\",\"statusCode\":400}";
static const char UNAUTH[] = "{\"message\":\"Unauthorized.\",\"statusCode\":403}";
static const char NOCREDITS[] = "{\"message\":\"Not enough credits\",\"statusCode\":400}";
static const char ITEMERR[] = "{\"message\":\"Internal error\",\"statusCode\":500}";

static void
batches(void **state)
{
	const char *qs[] = { "acme corp funding", "acme corp" };
	enum serper_endpoint eps[] = { SERPER_SEARCH, SERPER_NEWS };
	struct serper_params p = { 5, NULL, NULL, NULL };
	json_t *answers, *items;
	char err[200];
	double credits;
	buf_t b, body;

	(void)state;
	buf_init(&b, 1 << 16);
	buf_init(&body, 1 << 16);
	assert_int_equal(serper_batch_body(qs, eps, 2, &p, &b), 0);
	assert_string_equal(buf_ptr(&b),
	    "[{\"q\":\"acme corp funding\",\"num\":5},{\"q\":\"acme corp\",\"num\":5,\"type\":\"news\"}]");

	/* in order: each answer read as its query's own */
	assert_int_equal(buf_adds(&body, "[") || buf_adds(&body, SEARCH) || buf_adds(&body, ",") ||
	    buf_adds(&body, NEWS) || buf_adds(&body, "]"), 0);
	assert_int_equal(serper_batch_split(200, buf_ptr(&body), buf_len(&body), NULL, qs, 2, &answers,
	    &credits, err, sizeof err), SERPER_OK);
	assert_true(credits == 3);
	items = json_new_array();
	assert_int_equal(serper_parse_item(json_at(answers, 1), qs[1], NOW, items, &credits, err,
	    sizeof err), SERPER_OK);
	assert_true(credits == 2);
	assert_int_equal(json_len(items), 2);
	assert_string_equal(json_str(json_get(json_at(items, 0), "title")), "Acme hires new CRO");
	json_free(items);
	json_free(answers);

	/* out of order, or of another length: the batch failed */
	assert_int_equal(serper_batch_split(200, buf_ptr(&body), buf_len(&body), NULL,
	    (const char *[]){ "acme corp", "acme corp funding" }, 2, &answers, &credits, err,
	    sizeof err), SERPER_EPARSE);
	assert_null(answers);
	assert_string_equal(err, "a batch answer out of order (result 1 is query 2's)");
	assert_int_equal(serper_batch_split(200, buf_ptr(&body), buf_len(&body), NULL, qs, 1,
	    &answers, &credits, err, sizeof err), SERPER_EPARSE);
	assert_string_equal(err, "a batch answer of 2 results for 1 queries");
	assert_true(credits == 3);   /* what the answers say they cost, used or not */
	assert_int_equal(serper_batch_split(200, "<html>", 6, NULL, qs, 2, &answers, &credits, err,
	    sizeof err), SERPER_EPARSE);

	/* refused: another 4xx, or JSON that is not an array; the key's and the credits' stay */
	assert_int_equal(serper_batch_split(400, REFUSED, strlen(REFUSED), NULL, qs, 2, &answers, &credits, err, sizeof err), SERPER_EBATCH);
	assert_non_null(strstr(err, "Batch requests are not available"));
	assert_int_equal(serper_batch_split(200, SEARCH, strlen(SEARCH), NULL, qs, 2, &answers,
	    &credits, err, sizeof err), SERPER_EBATCH);
	assert_int_equal(serper_batch_split(403, UNAUTH, strlen(UNAUTH), NULL, qs, 2, &answers, &credits, err, sizeof err), SERPER_EAUTH);
	assert_int_equal(serper_batch_split(400, NOCREDITS, strlen(NOCREDITS), NULL, qs, 2, &answers, &credits, err, sizeof err), SERPER_ECREDITS);
	assert_int_equal(serper_batch_split(0, "", 0, "timeout", qs, 2, &answers, &credits, err,
	    sizeof err), SERPER_ESERVER);

	/* one query failing on its own */
	assert_int_equal(json_parse(ITEMERR, strlen(ITEMERR), 0, &answers, NULL, err, sizeof err),
	    JSON_OK);
	items = json_new_array();
	assert_int_equal(serper_parse_item(answers, qs[0], NOW, items, &credits, err, sizeof err),
	    SERPER_ESERVER);
	assert_true(credits == 0);
	assert_string_equal(err, "HTTP 500: Internal error");
	json_free(items);
	json_free(answers);
	buf_free(&body);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(templates),
		cmocka_unit_test(recency),
		cmocka_unit_test(bodies_and_urls),
		cmocka_unit_test(answers),
		cmocka_unit_test(spelling_corrections),
		cmocka_unit_test(errors),
		cmocka_unit_test(batches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* lib/summary: the window, findings with won against lost, tenure, the cache view, text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "db.h"
#include "json.h"
#include "store.h"
#include "summary.h"

#include "fixture.h"

static void
months_before_clamps_the_day(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(summary_months_before("2026-08-31", 6, out), 0);
	assert_string_equal(out, "2026-02-28");
	assert_int_equal(summary_months_before("2024-08-31", 6, out), 0);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(summary_months_before("2026-01-15", 1, out), 0);
	assert_string_equal(out, "2025-12-15");
	assert_int_equal(summary_months_before("2026-11-15", 24, out), 0);
	assert_string_equal(out, "2024-11-15");
	assert_int_equal(summary_months_before("2026-11-15", 0, out), 0);
	assert_string_equal(out, "2026-11-15");
	assert_int_equal(summary_months_before("2026-02-30", 1, out), -1);
	assert_int_equal(summary_months_before("2026-1-15", 1, out), -1);
	assert_int_equal(summary_months_before("junk", 1, out), -1);
}

static json_t *
facts(const char *id, const char *stage, const char *close, const char *status,
    const char *industry, const char *contacts)
{
	char text[4096];

	snprintf(text, sizeof text,
	    "{\"deal_id\":\"%s\",\"stage\":\"%s\",\"close_date\":%s%s%s,\"status\":\"%s\","
	    "\"account_key\":\"%s.com\",\"industry\":%s%s%s,\"size_band\":\"11-50\","
	    "\"signals\":\"%s\",\"signal_types\":[\"funding\"],\"contacts\":%s,"
	    "\"enriched_at\":\"2026-01-0%sT00:00:00Z\"}",
	    id, stage, close ? "\"" : "", close ? close : "null", close ? "\"" : "", status,
	    industry ? industry : "none", industry ? "\"" : "", industry ? industry : "null",
	    industry ? "\"" : "", industry ? "enriched" : "error", contacts, id);
	return J(text);
}

static void
findings_won_against_lost(void **state)
{
	struct summary_opts o = { 6, "2026-06-30", 1 };
	summary_t *s = summary_new(&o);
	json_t *f, *r;
	const char *C1 = "[{\"email\":true,\"apollo\":\"enriched\",\"seniority\":\"vp\",\"tenure\":10,\"role\":\"champion\"},"
	    "{\"email\":true,\"apollo\":\"enriched\",\"linkedin\":\"dry_run\",\"seniority\":\"vp\",\"tenure\":20,\"role\":null}]";
	const char *C2 = "[{\"email\":true,\"apollo\":\"error\",\"linkedin\":\"enriched\",\"seniority\":null,\"tenure\":null,\"role\":\"champion\"},"
	    "{\"email\":false,\"apollo\":\"skipped\",\"linkedin\":\"mismatch\",\"role\":null}]";
	const char *C3 = "[{\"email\":true,\"apollo\":\"not_found\",\"linkedin\":\"not_found\",\"seniority\":\"c_level\",\"tenure\":7,\"role\":null}]";
	struct { const char *id, *stage, *close, *status, *ind, *cs; } deals[] = {
		{ "1", "closed_won", "2026-03-01", "enriched", "oil", C1 },
		{ "2", "closed_won", "2026-06-30", "partial", "oil", C2 },
		{ "3", "closed_lost", "2025-12-31", "enriched", "oil", C3 },
		{ "4", "closed_lost", "2026-05-01", "failed", "retail", C3 },
		{ "5", "closed_lost", "2026-05-02", "enriched", NULL, C1 },
		{ "6", "closed_won", "2025-12-30", "enriched", "oil", C1 },    /* the first day */
		{ "7", "closed_won", "2026-07-01", "enriched", "oil", C1 },    /* after the end */
		{ "8", "open", "2026-03-01", "enriched", "oil", C1 },
		{ "9", "closed_won", NULL, "enriched", "oil", C1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof deals / sizeof deals[0]; i++) {
		f = facts(deals[i].id, deals[i].stage, deals[i].close, deals[i].status, deals[i].ind,
		    deals[i].cs);
		assert_int_equal(summary_add(s, f), 0);
		json_free(f);
	}
	r = summary_result(s, "acme", "2026-07-01T00:00:00Z");
	assert_non_null(r);
	assert_json_eq(json_get(r, "window"), "{\"months\":6,\"from\":\"2025-12-30\",\"to\":\"2026-06-30\"}");
	/* 2025-12-30 is "to" minus 6 months: deal 6 is in; 7 is after the end. */
	assert_json_eq(json_get(r, "deals"),
	    "{\"total\":6,\"won\":3,\"lost\":3,\"won_revenue\":0,\"avg_won_deal\":0,"
	    "\"enriched\":4,\"partial\":1,\"failed\":1,"
	    "\"excluded\":{\"open\":1,\"outside_window\":1,\"no_close_date\":1}}");
	/* --top 1: oil (deals 1, 2, 3, 6) before retail (4); deal 5 has no industry.
	 * Wilson at 3 of 4: [0.3006, 0.9544]; these facts hold no amount. */
	assert_json_eq(json_path(r, "findings.industries"),
	    "[{\"value\":\"oil\",\"deals\":4,\"won\":3,\"lost\":1,\"share_won\":1,\"share_lost\":0.3333,\"win_rate\":0.75,"
	    "\"ci_low\":0.3006,\"ci_high\":0.9544,\"few_deals\":true,\"won_revenue\":0,\"avg_won_deal\":0}]");
	/* A seniority counts a deal once however many contacts have it: vp on 1, 5, 6. */
	assert_json_eq(json_path(r, "findings.seniorities"),
	    "[{\"value\":\"vp\",\"deals\":3,\"contacts\":6,\"won\":2,\"lost\":1,\"share_won\":0.6667,\"share_lost\":0.3333,\"win_rate\":0.6667,"
	    "\"ci_low\":0.2077,\"ci_high\":0.9385,\"few_deals\":true,\"won_revenue\":0,\"avg_won_deal\":0}]");
	/* Tenure: won 10,20 (1), 10,20 (6); lost 7 (3), 7 (4), 10,20 (5). */
	assert_json_eq(json_path(r, "findings.tenure"),
	    "{\"contacts\":8,\"average\":13,\"median\":10,"
	    "\"won\":{\"contacts\":4,\"average\":15,\"median\":15},"
	    "\"lost\":{\"contacts\":4,\"average\":11,\"median\":8.5}}");
	assert_json_eq(json_get(r, "coverage"),
	    "{\"contacts\":10,\"contacts_with_email\":9,"
	    "\"apollo\":{\"enriched\":6,\"not_found\":2,\"failed\":1,\"skipped\":1,\"share\":0.6},"
	    "\"linkedin\":{\"enriched\":1,\"mismatch\":1,\"not_found\":2,\"failed\":0,\"skipped\":3,"
	    "\"not_asked\":3,\"share\":0.1},"
	    "\"any_source\":{\"enriched\":7,\"share\":0.7},"
	    "\"signals\":{\"accounts\":3,\"with_signals\":2,\"share\":0.6667},"
	    "\"roles\":{\"resolved\":4,\"unresolved\":6,\"share\":0.4}}");
	assert_json_eq(json_path(r, "findings.signal_types"),
	    "[{\"value\":\"funding\",\"deals\":6,\"won\":3,\"lost\":3,\"share_won\":1,\"share_lost\":1,\"win_rate\":0.5,"
	    "\"ci_low\":0.1876,\"ci_high\":0.8124,\"few_deals\":true,\"won_revenue\":0,\"avg_won_deal\":0}]");
	{
		int64_t n;

		json_num_int(json_get(r, "total_deals_enriched"), &n);
		assert_int_equal(n, 5);
	}
	assert_string_equal(json_str(json_get(r, "last_run_at")), "2026-07-01T00:00:00Z");
	assert_string_equal(json_str(json_get(r, "last_enriched_at")), "2026-01-06T00:00:00Z");
	json_free(r);
	summary_free(s);
}

/* The won revenue sums the won deals' amounts only: a lost deal's (often 0) never counts. */
static void
won_revenue_of_won_deals(void **state)
{
	struct summary_opts o = { 0, "2026-06-30", 0 };
	summary_t *s = summary_new(&o);
	static const struct { const char *id, *stage; int amount; } d[] = {
		{ "1", "closed_won", 1000 }, { "2", "closed_won", 2001 }, { "3", "closed_lost", 5000 },
		{ "4", "closed_lost", 0 }, { "5", "closed_won", -1 },
	};
	json_t *r, *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		f = facts(d[i].id, d[i].stage, "2026-01-01", "enriched", "oil", "[]");
		if (d[i].amount >= 0)
			assert_int_equal(json_set_int(f, "amount", d[i].amount), JSON_OK);
		assert_int_equal(summary_add(s, f), 0);
		json_free(f);
	}
	r = summary_result(s, "w", NULL);
	/* 3001 over the 3 won deals (one with no amount): 1000.33, rounded */
	assert_json_eq(json_path(r, "deals.won_revenue"), "3001");
	assert_json_eq(json_path(r, "deals.avg_won_deal"), "1000");
	assert_json_eq(json_path(r, "findings.industries"),
	    "[{\"value\":\"oil\",\"deals\":5,\"won\":3,\"lost\":2,\"share_won\":1,\"share_lost\":1,"
	    "\"win_rate\":0.6,\"ci_low\":0.2307,\"ci_high\":0.8824,\"few_deals\":true,"
	    "\"won_revenue\":3001,\"avg_won_deal\":1000}]");
	json_free(r);
	summary_free(s);
}

static void
no_window_and_empty(void **state)
{
	struct summary_opts o = { 0, "2026-06-30", 0 };
	summary_t *s = summary_new(&o);
	json_t *r, *f;

	(void)state;
	r = summary_result(s, "w", NULL);
	assert_json_eq(json_get(r, "window"), "{\"months\":0,\"from\":null,\"to\":null}");
	assert_null(json_str(json_get(r, "last_run_at")));
	assert_json_eq(json_path(r, "findings.tenure"),
	    "{\"contacts\":0,\"average\":null,\"median\":null,\"won\":{\"contacts\":0,\"average\":null,"
	    "\"median\":null},\"lost\":{\"contacts\":0,\"average\":null,\"median\":null}}");
	assert_json_eq(json_path(r, "coverage.apollo.share"), "null");
	json_free(r);
	/* Without a window a deal with no close date counts. */
	f = facts("1", "closed_lost", NULL, "failed", "oil", "[]");
	assert_int_equal(summary_add(s, f), 0);
	json_free(f);
	r = summary_result(s, "w", NULL);
	assert_json_eq(json_path(r, "findings.industries"),
	    "[{\"value\":\"oil\",\"deals\":1,\"won\":0,\"lost\":1,\"share_won\":null,\"share_lost\":1,\"win_rate\":0,"
	    "\"ci_low\":0,\"ci_high\":0.7935,\"few_deals\":true,\"won_revenue\":0,\"avg_won_deal\":null}]");
	json_free(r);
	summary_free(s);
}

static void
widths_and_table_fit_80_columns(void **state)
{
	struct summary_opts o = { 0, "2026-06-30", 10 };
	summary_t *s = summary_new(&o);
	json_t *f, *r;
	buf_t b;
	const char *p, *nl;
	char line[1024];
	int lines = 0;

	(void)state;
	assert_int_equal(summary_width("abc"), 3);
	assert_int_equal(summary_width("\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe"), 8);   /* 株式会社 */
	assert_int_equal(summary_width("\xf0\x9f\x9a\x80"), 2);
	assert_int_equal(summary_width("e\xcc\x81"), 1);   /* e + combining acute */
	f = facts("1", "closed_won", NULL, "enriched",
	    "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe\xe3\x82\xb0\xe3\x83\xad\xe3\x83\xbc\xe3\x83\x90"
	    "\xe3\x83\xab\xe3\x83\x86\xe3\x82\xaf\xe3\x83\x8e\xe3\x83\xad\xe3\x82\xb8\xe3\x83\xbc \xf0\x9f\x9a\x80",
	    "[{\"email\":true,\"apollo\":\"enriched\",\"seniority\":\"a very long seniority label that goes on\","
	    "\"tenure\":3,\"role\":\"x\\ny\"}]");
	assert_int_equal(summary_add(s, f), 0);
	json_free(f);
	r = summary_result(s, "acme", NULL);
	buf_init(&b, 1 << 20);
	assert_int_equal(summary_table(r, &b), 0);
	for (p = buf_ptr(&b); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof line);
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (summary_width(line) > 80)
			fail_msg("line wider than 80 columns (%zu): %s", summary_width(line), line);
		lines++;
	}
	assert_true(lines > 20);
	/* Long values are cut with an ellipsis; control characters never reach the terminal. */
	assert_non_null(strstr(buf_ptr(&b), "\xe2\x80\xa6"));
	assert_non_null(strstr(buf_ptr(&b), "x?y"));
	assert_non_null(strstr(buf_ptr(&b), "INDUSTRIES"));
	assert_non_null(strstr(buf_ptr(&b), "TENURE"));
	buf_free(&b);
	json_free(r);
	summary_free(s);
}

static void
deal_row_counts(void **state)
{
	json_t *f = facts("42", "closed_won", "2026-01-01", "partial", "oil",
	    "[{\"email\":true,\"apollo\":\"enriched\",\"role\":\"champion\"},"
	    "{\"email\":true,\"apollo\":\"error\",\"role\":\"champion\"},{\"email\":false,\"role\":null}]");
	json_t *r = summary_deal_row(f);

	(void)state;
	assert_json_eq(r,
	    "{\"deal_id\":\"42\",\"deal_name\":null,\"stage\":\"closed_won\",\"close_date\":\"2026-01-01\","
	    "\"amount\":null,\"currency\":null,\"status\":\"partial\",\"account\":null,\"industry\":\"oil\","
	    "\"size_band\":\"11-50\",\"roles\":{\"champion\":2},\"contacts\":3,\"contacts_with_email\":2,"
	    "\"apollo_enriched\":1,\"roles_resolved\":2,\"signals\":\"enriched\",\"signal_types\":[\"funding\"],"
	    "\"signal_score\":null,\"loaded_at\":null}");
	json_free(r);
	json_free(f);
}

static void
cache_size_and_age(void **state)
{
	char path[512], err[256];
	db_t *db;
	json_t *v = J("{\"person\":null}"), *r;
	time_t now = 1764000000;   /* 2025-11-24T16:00:00Z */

	(void)state;
	snprintf(path, sizeof path, "%s/cache", fx_dir);
	assert_int_equal(db_open(path, 0, &db, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "apollo", "acme", "a@x.com", v, now - 100 * 86400, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "apollo", "acme", "b@x.com", v, now - 10 * 86400, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "apollo", "acme", "c@x.com", v, now - 3600, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "apollo", "acme2", "d@x.com", v, now - 500 * 86400, err, sizeof err), DB_OK);
	assert_int_equal(cache_put(db, "serper", "acme", "x.com", v, now - 95 * 86400, err, sizeof err), DB_OK);
	assert_int_equal(summary_cache(db, "acme", now, 90, &r, NULL, err, sizeof err), 0);
	assert_int_equal(json_len(r), 4);
	{
		int64_t n;

		json_num_int(json_get(r, "entries"), &n);
		assert_int_equal(n, 5);
		json_num_int(json_get(r, "db_bytes"), &n);
		assert_true(n > 0);
	}
	assert_json_eq(json_path(r, "providers.apollo"),
	    "{\"entries\":3,\"oldest_fetched_at\":\"2025-08-16T16:00:00Z\","
	    "\"newest_fetched_at\":\"2025-11-24T15:00:00Z\",\"oldest_age_days\":100,\"expired\":1}");
	assert_json_eq(json_path(r, "providers.serper"),
	    "{\"entries\":1,\"oldest_fetched_at\":\"2025-08-21T16:00:00Z\","
	    "\"newest_fetched_at\":\"2025-08-21T16:00:00Z\",\"oldest_age_days\":95,\"expired\":1}");
	assert_json_eq(json_path(r, "providers.deepseek"),
	    "{\"entries\":0,\"oldest_fetched_at\":null,\"newest_fetched_at\":null,\"oldest_age_days\":null,\"expired\":0}");
	json_free(r);
	/* No db yet: the same shape, all zero. */
	assert_int_equal(summary_cache(NULL, "acme", now, 90, &r, NULL, err, sizeof err), 0);
	assert_json_eq(json_path(r, "providers.apollo"),
	    "{\"entries\":0,\"oldest_fetched_at\":null,\"newest_fetched_at\":null,\"oldest_age_days\":null,\"expired\":0}");
	json_free(r);
	json_free(v);
	db_close(db);
}

static void
committee_of_a_deal(void **state)
{
	char path[512], err[256];
	db_t *db;
	store_loader_t *l;
	json_t *rec = J("{\"deal_id\":\"9\",\"deal_name\":\"Globex\",\"stage_normalized\":\"closed_won\","
	    "\"account\":{\"name\":\"Globex\",\"domain\":\"globex.com\",\"firmographics\":{\"industry\":\"oil\"},"
	    "\"signals\":{\"status\":\"enriched\",\"score\":0.5,\"summary\":\"Raised.\",\"items\":[{\"type\":\"funding\"}]}},"
	    "\"contacts\":[{\"contact_id\":\"1\",\"email\":\"pat@globex.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\","
	    "\"title\":\"CFO\",\"apollo\":{\"status\":\"enriched\"},\"seniority_verified\":\"c_level\","
	    "\"department_verified\":\"finance\",\"tenure_months\":55,\"enriched_at\":\"2026-11-02T07:00:12Z\","
	    "\"buying_role\":\"economic_buyer\",\"role_source\":\"crm_contact_role\"}]}");
	json_t *c = NULL;
	buf_t b;

	(void)state;
	snprintf(path, sizeof path, "%s/committee", fx_dir);
	assert_int_equal(db_open(path, 0, &db, err, sizeof err), DB_OK);
	l = store_loader_new(db, 0);
	assert_int_equal(store_load(l, "acme", rec, 1764000000, NULL, err, sizeof err), DB_OK);
	assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
	assert_int_equal(summary_committee(db, "acme", "nope", &c, NULL, err, sizeof err), 1);
	assert_int_equal(summary_committee(db, "acme", "9", &c, NULL, err, sizeof err), 0);
	assert_json_eq(json_get(c, "committee"),
	    "[{\"contact_id\":\"1\",\"name\":\"Pat Ng\",\"email\":\"pat@globex.com\",\"title\":\"CFO\","
	    "\"buying_role\":\"economic_buyer\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\","
	    "\"seniority\":\"c_level\",\"department\":\"finance\",\"tenure_months\":55,"
	    "\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-02T07:00:12Z\"}]");
	assert_string_equal(json_str(json_get(c, "status")), "enriched");
	assert_string_equal(json_str(json_path(c, "account.firmographics.industry")), "oil");
	assert_string_equal(json_str(json_path(c, "signals.summary")), "Raised.");
	buf_init(&b, 1 << 20);
	assert_int_equal(summary_table_committee(c, &b), 0);
	assert_non_null(strstr(buf_ptr(&b), "economic_buyer"));
	assert_non_null(strstr(buf_ptr(&b), "0.95"));
	assert_non_null(strstr(buf_ptr(&b), "funding"));
	buf_free(&b);
	json_free(c);
	json_free(rec);
	store_loader_free(l);
	db_close(db);
}

/* --as-of: a real date, else today (UTC) when absent; a bad one is refused. */
static void
as_of_or_today(void **state)
{
	struct summary_opts o;
	char err[128];

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(summary_as_of(&o, "2024-02-29", 0, err, sizeof err), 0);
	assert_string_equal(o.to, "2024-02-29");
	assert_int_equal(summary_as_of(&o, NULL, 1764000000, err, sizeof err), 0);
	assert_string_equal(o.to, "2025-11-24");
	assert_int_equal(summary_as_of(&o, "2025-02-29", 0, err, sizeof err), -1);
	assert_string_equal(err, "--as-of: '2025-02-29' is not a date YYYY-MM-DD");
	assert_string_equal(o.to, "2025-11-24");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(months_before_clamps_the_day),
		cmocka_unit_test(as_of_or_today),
		cmocka_unit_test(findings_won_against_lost),
		cmocka_unit_test(won_revenue_of_won_deals),
		cmocka_unit_test(no_window_and_empty),
		cmocka_unit_test(widths_and_table_fit_80_columns),
		cmocka_unit_test(deal_row_counts),
		cmocka_unit_test(cache_size_and_age),
		cmocka_unit_test(committee_of_a_deal),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

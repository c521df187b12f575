/* lib/sql: quoting any text, jsonb literals, the statements of a record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sql.h"

#include "fixture.h"

static void
check_quote(const char *in, size_t n, const char *want)
{
	buf_t b;

	buf_init(&b, 1 << 20);
	assert_int_equal(sql_quote(&b, in, n), 0);
	assert_string_equal(buf_ptr(&b), want);
	buf_free(&b);
}

static void
quoting_escapes_what_must_be(void **state)
{
	(void)state;
	check_quote("plain", 5, "E'plain'");
	check_quote("", 0, "E''");
	check_quote("O'Brien", 7, "E'O''Brien'");
	check_quote("a\\b", 3, "E'a\\\\b'");
	check_quote("\\'", 2, "E'\\\\'''");
	check_quote("line1\nline2\r\tend", 16, "E'line1\\nline2\\r\\tend'");
	check_quote("$$ $tag$ ;DROP", 14, "E'$$ $tag$ ;DROP'");
	check_quote("\x01\x1f\x7f", 3, "E'\\x01\\x1f\\x7f'");
	/* NUL cannot live in PostgreSQL text: U+FFFD. */
	check_quote("a\0b", 3, "E'a\xef\xbf\xbd" "b'");
	/* UTF-8 goes through as it is. */
	check_quote("\xe6\xa0\xaa\xe5\xbc\x8f \xf0\x9f\x9a\x80 caf\xc3\xa9", 17,
	    "E'\xe6\xa0\xaa\xe5\xbc\x8f \xf0\x9f\x9a\x80 caf\xc3\xa9'");
}

static void
check_jsonb(const char *json, const char *want)
{
	json_t *v = J(json);
	buf_t b;

	buf_init(&b, 1 << 20);
	assert_int_equal(sql_quote_jsonb(&b, v), 0);
	assert_string_equal(buf_ptr(&b), want);
	buf_free(&b);
	json_free(v);
}

static void
jsonb_literals(void **state)
{
	buf_t b;

	(void)state;
	check_jsonb("{\"a\":\"it's\"}", "E'{\"a\":\"it''s\"}'::jsonb");
	/* JSON escapes keep their backslash, doubled for the literal. */
	check_jsonb("{\"a\":\"q\\\"x\\\\y\\n\"}", "E'{\"a\":\"q\\\\\"x\\\\\\\\y\\\\n\"}'::jsonb");
	/* \u0000 (which jsonb refuses) becomes \ufffd; an escaped backslash before u0000 stays. */
	check_jsonb("[\"a\\u0000b\",\"c\\\\u0000\"]", "E'[\"a\\\\ufffdb\",\"c\\\\\\\\u0000\"]'::jsonb");
	/* Numbers numeric cannot hold become strings; others stay numbers. */
	check_jsonb("[1e400,2.5,-3E+2,12345678901234567890]", "E'[\"1e400\",2.5,-3E+2,12345678901234567890]'::jsonb");
	check_jsonb("null", "NULL");
	buf_init(&b, 64);
	assert_int_equal(sql_quote_jsonb(&b, NULL), 0);
	assert_string_equal(buf_ptr(&b), "NULL");
	buf_free(&b);
}

static char *
record_sql(const char *json, int *rc)
{
	json_t *r = J(json);
	buf_t b;

	buf_init(&b, 1 << 24);
	*rc = sql_record(&b, "acme", r, 1764000000);
	json_free(r);
	return buf_detach(&b, NULL);
}

static void
record_statements(void **state)
{
	int rc;
	char *s;

	(void)state;
	s = record_sql("{\"deal_id\":\"9\",\"deal_name\":\"Globex\",\"stage_normalized\":\"closed_won\","
	    "\"close_date\":\"2026-02-30\",\"amount\":\" 18000.50 \",\"custom_fields\":{\"x\":1},"
	    "\"account\":{\"name\":\"Globex\",\"domain\":\"Globex.com\","
	    "\"firmographics\":{\"industry\":\"oil\",\"employees\":\"1600\",\"founded_year\":1e30},"
	    "\"signals\":{\"status\":\"enriched\",\"items\":[{\"type\":\"funding\"}],\"summary\":\"ok\",\"score\":0.5,"
	    "\"fetched_at\":\"2026-11-02T07:00:12Z\"}},"
	    "\"contacts\":[{\"contact_id\":\"1\",\"email\":\"Pat@Globex.com\",\"apollo\":{\"status\":\"enriched\",\"person\":{}},"
	    "\"enriched_at\":\"bogus\",\"tenure_months\":55,\"buying_role\":\"champion\",\"role_source\":\"crm_deal_field\"},"
	    "{\"first_name\":\"No\",\"last_name\":\"Email\",\"apollo\":{\"status\":\"skipped\"}},{}]}", &rc);
	assert_int_equal(rc, 0);
	/* Ids: workspace-qualified, account by its key, contact by lowercased email or name. */
	assert_non_null(strstr(s, "VALUES (E'acme:globex.com', E'acme', E'globex.com', NULL, E'Globex', E'Globex.com', E'oil', 1600, NULL, NULL, NULL, "));
	assert_non_null(strstr(s, "INSERT INTO deals (id, workspace_id, crm_deal_id, name, stage, stage_normalized, "
	    "close_date, amount, currency, owner, source, account_id, custom_fields, enrichment_status, loaded_at, "
	    "lead_score, win_probability, lead_score_reasons, lead_scored_at) "
	    "VALUES (E'acme:9', E'acme', E'9', E'Globex', NULL, E'closed_won', NULL, 18000.50, NULL, NULL, NULL, "
	    "E'acme:globex.com', E'{\"x\":1}'::jsonb, 'failed', E'2025-11-24T16:00:00Z'::timestamptz, "
	    "NULL, NULL, NULL, NULL)"));
	assert_non_null(strstr(s, "E'acme:pat@globex.com'"));
	assert_non_null(strstr(s, "E'acme:name:no email'"));
	/* The contact with nothing to key it by is left out: two contacts, two deal_contacts. */
	{
		const char *p = s;
		int n = 0;

		while ((p = strstr(p, "INSERT INTO deal_contacts")) != NULL) {
			n++;
			p++;
		}
		assert_int_equal(n, 2);
	}
	/* Role confidence from its source; a bad time is NULL; apollo_data only when enriched. */
	assert_non_null(strstr(s, "E'champion', 0.85, E'crm_deal_field', E'enriched', NULL, E'{\"status\":\"enriched\",\"person\":{}}'::jsonb, NULL, NULL, 55, NULL, NULL, NULL, NULL, "
	    "NULL, NULL, NULL)"));
	assert_non_null(strstr(s, "NULL, NULL, NULL, E'skipped', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
	    "NULL, NULL, NULL)"));
	/* Upserts that keep the better answer. */
	assert_non_null(strstr(s, "ON CONFLICT (deal_id, contact_id) DO UPDATE SET"));
	assert_non_null(strstr(s, "WHERE (CASE WHEN EXCLUDED.status IS NULL THEN 0"));
	assert_non_null(strstr(s, "UPDATE deals SET enrichment_status = CASE"));
	free(s);

	s = record_sql("{\"deal_name\":\"no id\"}", &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(s, "");
	free(s);
}

/* lead-score's lead_score and apollo-enrich's job_changed reach their columns. */
static void
moved_and_scored(void **state)
{
	int rc;
	char *s;

	(void)state;
	s = record_sql("{\"deal_id\":\"7\",\"stage_normalized\":\"open\","
	    "\"lead_score\":{\"score\":88,\"win_probability\":0.8808,\"reasons\":[{\"attribute\":\"a\","
	    "\"value\":\"b\",\"effect\":2}],\"profile_at\":\"2026-12-01T00:00:00Z\"},"
	    "\"contacts\":[{\"email\":\"a@b.com\",\"job_changed\":true,\"new_employer\":{\"name\":\"Initech\","
	    "\"domain\":\"initech.com\",\"title\":\"CFO\",\"since\":null}},"
	    "{\"email\":\"c@b.com\",\"job_changed\":false}]}", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "'failed', E'2025-11-24T16:00:00Z'::timestamptz, 88, 0.8808, "
	    "E'[{\"attribute\":\"a\",\"value\":\"b\",\"effect\":2}]'::jsonb, "
	    "E'2026-12-01T00:00:00Z'::timestamptz)"));
	assert_non_null(strstr(s, ", true, E'Initech', E'CFO', E'{\"name\":\"Initech\",\"domain\":"
	    "\"initech.com\",\"title\":\"CFO\",\"since\":null}'::jsonb, NULL, NULL, NULL)"));
	assert_non_null(strstr(s, ", false, NULL, NULL, NULL, NULL, NULL, NULL)"));
	/* A score out of 0-100 is no score. */
	free(s);
	s = record_sql("{\"deal_id\":\"8\",\"lead_score\":{\"score\":101}}", &rc);
	assert_non_null(strstr(s, "::timestamptz, NULL, NULL, NULL, NULL)"));
	free(s);
}

/* linkedin-enrich's answer and field_sources reach their columns; a worse answer keeps the row's. */
static void
linkedin_columns(void **state)
{
	int rc;
	char *s;

	(void)state;
	s = record_sql("{\"deal_id\":\"5\",\"contacts\":[{\"email\":\"a@b.com\","
	    "\"apollo\":{\"status\":\"not_found\"},\"seniority_verified\":\"vp\","
	    "\"linkedin\":{\"status\":\"enriched\",\"identity\":\"current\"},"
	    "\"field_sources\":{\"seniority_verified\":[\"linkedin\"]}},"
	    "{\"email\":\"c@b.com\",\"linkedin\":{\"status\":\"mismatch\",\"reason\":\"x\"}},"
	    "{\"email\":\"d@b.com\",\"linkedin\":{\"status\":\"\"}}]}", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "linkedin_status, linkedin_data, field_sources) VALUES ("));
	assert_non_null(strstr(s, ", E'enriched', E'{\"status\":\"enriched\",\"identity\":\"current\"}'::jsonb, "
	    "E'{\"seniority_verified\":[\"linkedin\"]}'::jsonb)"));
	assert_non_null(strstr(s, ", E'mismatch', E'{\"status\":\"mismatch\",\"reason\":\"x\"}'::jsonb, NULL)"));
	assert_non_null(strstr(s, ", NULL, NULL, NULL, NULL, NULL, NULL)"));
	assert_non_null(strstr(s, "linkedin_status = CASE WHEN (CASE WHEN EXCLUDED.linkedin_status IS NULL "
	    "THEN 0 WHEN EXCLUDED.linkedin_status = 'enriched' THEN 3 WHEN EXCLUDED.linkedin_status IN "
	    "('not_found', 'mismatch') THEN 2 ELSE 1 END) >= "));
	assert_non_null(strstr(s, "seniority_verified = CASE WHEN "));
	assert_non_null(strstr(s, " AND (EXCLUDED.seniority_verified IS NOT NULL OR "));
	free(s);
}

static void
begin_commit_and_schema(void **state)
{
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(sql_begin(&b, 0), 0);
	assert_non_null(strstr(buf_ptr(&b), "SET client_encoding = 'UTF8';"));
	assert_non_null(strstr(buf_ptr(&b), "BEGIN;"));
	assert_null(strstr(buf_ptr(&b), "CREATE TABLE"));
	buf_reset(&b);
	assert_int_equal(sql_begin(&b, 1), 0);
	assert_non_null(strstr(buf_ptr(&b), "CREATE TABLE IF NOT EXISTS deal_contacts"));
	assert_int_equal(sql_commit(&b), 0);
	assert_non_null(strstr(buf_ptr(&b), "COMMIT;\n"));
	buf_free(&b);
	assert_non_null(strstr(sql_schema(), "apollo_data jsonb"));
	assert_non_null(strstr(sql_schema(), "ADD COLUMN IF NOT EXISTS linkedin_data jsonb"));
	assert_non_null(strstr(sql_schema(), "UNIQUE (deal_id, contact_id)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoting_escapes_what_must_be),
		cmocka_unit_test(jsonb_literals),
		cmocka_unit_test(record_statements),
		cmocka_unit_test(linkedin_columns),
		cmocka_unit_test(moved_and_scored),
		cmocka_unit_test(begin_commit_and_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* lib/store: merging without losing data, deal status, the loader, the role index, stats. */
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

#include "fixture.h"

/* ---- ranks and status ---- */

static void
ranks_and_confidences(void **state)
{
	json_t *c;

	(void)state;
	assert_int_equal(store_status_rank("enriched"), 3);
	assert_int_equal(store_status_rank("not_found"), 2);
	assert_int_equal(store_status_rank("error"), 1);
	assert_int_equal(store_status_rank("quota_exhausted"), 1);
	assert_int_equal(store_status_rank("skipped"), 1);
	assert_int_equal(store_status_rank(NULL), 0);
	assert_int_equal(store_status_rank(""), 0);

	/* apollo.status first, enrichment_status when there is no apollo object. */
	c = J("{\"apollo\":{\"status\":\"error\"},\"enrichment_status\":\"enriched\"}");
	assert_string_equal(store_contact_apollo(c), "error");
	json_free(c);
	c = J("{\"enrichment_status\":\"not_found\"}");
	assert_int_equal(store_contact_rank(c), 2);
	json_free(c);

	c = J("{\"buying_role\":\"champion\",\"role_source\":\"crm_deal_field\"}");
	assert_true(store_role_confidence(c) == 0.85);
	json_free(c);
	c = J("{\"buying_role\":\"champion\",\"role_confidence\":0.4,\"role_source\":\"crm_deal_field\"}");
	assert_true(store_role_confidence(c) == 0.4);
	json_free(c);
	c = J("{\"buying_role\":null,\"role_confidence\":0.9}");
	assert_true(store_role_confidence(c) == -1);
	json_free(c);
	assert_true(store_source_confidence("crm_contact_role") == 0.95);
	assert_true(store_source_confidence("title_inference") == 0.5);
	assert_true(store_source_confidence("llm") == 0.6);
	assert_true(store_source_confidence("made_up") == 0);
}

static void
deal_status_from_contacts(void **state)
{
	json_t *r;

	(void)state;
	r = J("{\"contacts\":[{\"email\":\"a@x.com\",\"apollo\":{\"status\":\"enriched\"}},"
	    "{\"email\":\"b@x.com\",\"apollo\":{\"status\":\"not_found\"}},"
	    "{\"email\":\"\",\"apollo\":{\"status\":\"skipped\"}}]}");
	assert_int_equal(store_deal_status(r), STORE_ENRICHED);
	json_free(r);
	r = J("{\"contacts\":[{\"email\":\"a@x.com\",\"apollo\":{\"status\":\"enriched\"}},"
	    "{\"email\":\"b@x.com\",\"apollo\":{\"status\":\"error\"}}]}");
	assert_int_equal(store_deal_status(r), STORE_PARTIAL);
	json_free(r);
	r = J("{\"contacts\":[{\"email\":\"a@x.com\",\"apollo\":{\"status\":\"quota_exhausted\"}},"
	    "{\"email\":\"b@x.com\"}]}");
	assert_int_equal(store_deal_status(r), STORE_FAILED);
	json_free(r);
	/* No contact with an email: nothing was answered. */
	r = J("{\"contacts\":[{\"first_name\":\"X\",\"apollo\":{\"status\":\"enriched\"}}]}");
	assert_int_equal(store_deal_status(r), STORE_FAILED);
	json_free(r);
	r = J("{\"deal_id\":\"1\"}");
	assert_int_equal(store_deal_status(r), STORE_FAILED);
	json_free(r);
	assert_string_equal(store_status_name(STORE_PARTIAL), "partial");
	assert_int_equal(store_status_parse("enriched"), STORE_ENRICHED);
	assert_int_equal(store_status_parse("bogus"), -1);
}

/* ---- merging ---- */

static const char *old_rec =
"{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"deal_name\":\"Old name\",\"amount\":100,"
"\"x_user\":\"added with jq\",\"roles_summary\":{\"economic_buyer\":1,\"champion\":1},"
"\"account\":{\"name\":\"Globex\",\"domain\":\"globex.com\","
"\"firmographics\":{\"industry\":\"oil & energy\",\"size_band\":\"1001-5000\"},"
"\"signals\":{\"status\":\"enriched\",\"items\":[{\"type\":\"funding\"}],\"score\":0.6}},"
"\"contacts\":["
"{\"contact_id\":\"201\",\"email\":\"pat@globex.com\",\"apollo\":{\"status\":\"enriched\",\"person\":{\"id\":\"p1\"}},"
"\"seniority_verified\":\"c_level\",\"department_verified\":\"finance\",\"tenure_months\":55,"
"\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-02T07:00:12Z\","
"\"buying_role\":\"economic_buyer\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\"},"
"{\"contact_id\":\"202\",\"email\":\"lee@globex.com\",\"apollo\":{\"status\":\"enriched\"},"
"\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-03T08:00:00Z\","
"\"buying_role\":\"champion\",\"role_confidence\":0.85,\"role_source\":\"crm_deal_field\","
"\"role_reason\":\"champion_name\"},"
"{\"contact_id\":\"203\",\"email\":\"sam@globex.com\",\"apollo\":{\"status\":\"not_found\"},"
"\"enrichment_status\":\"not_found\",\"enriched_at\":\"2026-11-01T00:00:00Z\",\"buying_role\":null}]}";

static void
worse_run_loses_nothing(void **state)
{
	json_t *old = J(old_rec), *m;
	json_t *nw = J(
	    "{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"deal_name\":\"New name\",\"amount\":null,"
	    "\"x_new\":true,\"roles_summary\":{\"influencer\":1,\"end_user\":1},"
	    "\"account\":{\"name\":\"Globex\",\"domain\":\"globex.com\",\"signals\":{\"status\":\"error\",\"items\":[]}},"
	    "\"contacts\":["
	    "{\"contact_id\":\"202\",\"email\":\"LEE@globex.com\",\"apollo\":{\"status\":\"error\"},"
	    "\"seniority_verified\":null,\"enrichment_status\":\"error\",\"enriched_at\":null,"
	    "\"buying_role\":\"end_user\",\"role_confidence\":0.5,\"role_source\":\"title_inference\"},"
	    "{\"contact_id\":\"201\",\"email\":\"pat@globex.com\",\"apollo\":{\"status\":\"quota_exhausted\"},"
	    "\"enrichment_status\":\"quota_exhausted\","
	    "\"buying_role\":\"influencer\",\"role_confidence\":0.5,\"role_source\":\"title_inference\"}]}");

	(void)state;
	m = store_merge(old, nw);
	assert_non_null(m);
	/* The new record's keys and order; its values win where they are real. */
	assert_json_eq(m,
	    "{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"deal_name\":\"New name\",\"amount\":100,"
	    "\"x_new\":true,\"roles_summary\":{\"champion\":1,\"economic_buyer\":1},"
	    "\"account\":{\"name\":\"Globex\",\"domain\":\"globex.com\","
	    "\"signals\":{\"status\":\"enriched\",\"items\":[{\"type\":\"funding\"}],\"score\":0.6},"
	    "\"firmographics\":{\"industry\":\"oil & energy\",\"size_band\":\"1001-5000\"}},"
	    "\"contacts\":["
	    "{\"contact_id\":\"202\",\"email\":\"LEE@globex.com\",\"apollo\":{\"status\":\"enriched\"},"
	    "\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-03T08:00:00Z\","
	    "\"buying_role\":\"champion\",\"role_confidence\":0.85,\"role_source\":\"crm_deal_field\","
	    "\"role_reason\":\"champion_name\"},"
	    "{\"contact_id\":\"201\",\"email\":\"pat@globex.com\",\"apollo\":{\"status\":\"enriched\",\"person\":{\"id\":\"p1\"}},"
	    "\"enrichment_status\":\"enriched\","
	    "\"buying_role\":\"economic_buyer\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\","
	    "\"seniority_verified\":\"c_level\",\"department_verified\":\"finance\",\"tenure_months\":55,"
	    "\"enriched_at\":\"2026-11-02T07:00:12Z\"},"
	    "{\"contact_id\":\"203\",\"email\":\"sam@globex.com\",\"apollo\":{\"status\":\"not_found\"},"
	    "\"enrichment_status\":\"not_found\",\"enriched_at\":\"2026-11-01T00:00:00Z\",\"buying_role\":null}],"
	    "\"x_user\":\"added with jq\"}");
	assert_int_equal(store_deal_status(m), STORE_ENRICHED);
	json_free(m);
	json_free(old);
	json_free(nw);
}

/* A LinkedIn answer and the fields it filled survive a run that got none (no key). */
static void
linkedin_answers_survive_a_worse_run(void **state)
{
	json_t *old = J("{\"deal_id\":\"1\",\"contacts\":["
	    "{\"contact_id\":\"301\",\"apollo\":{\"status\":\"not_found\"},"
	    "\"linkedin\":{\"status\":\"enriched\",\"identity\":\"past\"},\"seniority_verified\":\"vp\","
	    "\"tenure_months\":12,\"job_changed\":true,\"new_employer\":{\"name\":\"Hooli\"},"
	    "\"field_sources\":{\"seniority_verified\":[\"linkedin\"],\"tenure_months\":[\"linkedin\"],"
	    "\"job_changed\":[\"linkedin\"]}},"
	    "{\"contact_id\":\"302\",\"apollo\":{\"status\":\"enriched\"},\"job_changed\":true,"
	    "\"linkedin\":{\"status\":\"enriched\"},\"field_sources\":{\"job_changed\":[\"apollo\",\"linkedin\"]}},"
	    "{\"contact_id\":\"303\",\"apollo\":{\"status\":\"error\"},\"linkedin\":{\"status\":\"mismatch\"}}]}");
	json_t *nw = J("{\"deal_id\":\"1\",\"contacts\":["
	    "{\"contact_id\":\"301\",\"apollo\":{\"status\":\"not_found\"},"
	    "\"linkedin\":{\"status\":\"skipped\",\"reason\":\"no RapidAPI key\"},"
	    "\"seniority_verified\":null,\"tenure_months\":null,\"job_changed\":null},"
	    "{\"contact_id\":\"302\",\"apollo\":{\"status\":\"enriched\"},\"job_changed\":true},"
	    "{\"contact_id\":\"303\",\"apollo\":{\"status\":\"error\"},\"linkedin\":{\"status\":\"enriched\"},"
	    "\"seniority_verified\":\"director\",\"field_sources\":{\"seniority_verified\":[\"linkedin\"]}}]}");
	json_t *m, *c;

	(void)state;
	m = store_merge(old, nw);
	assert_non_null(m);
	c = json_at(json_get(m, "contacts"), 0);
	assert_json_eq(json_get(c, "linkedin"), "{\"status\":\"enriched\",\"identity\":\"past\"}");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "vp");
	assert_json_eq(json_get(c, "tenure_months"), "12");
	assert_json_eq(json_get(c, "job_changed"), "true");
	assert_json_eq(json_get(c, "new_employer"), "{\"name\":\"Hooli\"}");
	assert_json_eq(json_get(c, "field_sources"), "{\"seniority_verified\":[\"linkedin\"],"
	    "\"tenure_months\":[\"linkedin\"],\"job_changed\":[\"linkedin\"]}");
	/* not asked this time: the confirmation by a second source stays */
	c = json_at(json_get(m, "contacts"), 1);
	assert_string_equal(json_str(json_path(c, "linkedin.status")), "enriched");
	assert_json_eq(json_get(c, "field_sources"), "{\"job_changed\":[\"apollo\",\"linkedin\"]}");
	/* a better answer replaces a mismatch */
	c = json_at(json_get(m, "contacts"), 2);
	assert_string_equal(json_str(json_path(c, "linkedin.status")), "enriched");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "director");
	json_free(m);
	/* the other way round: the enriched answers stay, the mismatch does not come back */
	m = store_merge(nw, old);
	c = json_at(json_get(m, "contacts"), 2);
	assert_string_equal(json_str(json_path(c, "linkedin.status")), "enriched");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "director");
	assert_json_eq(json_get(c, "field_sources"), "{\"seniority_verified\":[\"linkedin\"]}");
	json_free(m);
	json_free(old);
	json_free(nw);
}

static void
better_and_equal_answers_replace(void **state)
{
	json_t *old = J(old_rec), *m, *c;
	json_t *nw = J(
	    "{\"deal_id\":\"1\",\"account\":{\"domain\":\"globex.com\","
	    "\"firmographics\":{\"industry\":\"energy\"},\"signals\":{\"status\":\"enriched\",\"items\":[]}},"
	    "\"contacts\":["
	    "{\"contact_id\":\"203\",\"email\":\"sam@globex.com\",\"apollo\":{\"status\":\"enriched\"},"
	    "\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-20T00:00:00Z\","
	    "\"buying_role\":\"end_user\",\"role_confidence\":0.5,\"role_source\":\"title_inference\"},"
	    "{\"contact_id\":\"202\",\"email\":\"lee@globex.com\",\"apollo\":{\"status\":\"enriched\",\"person\":{\"id\":\"p2\"}},"
	    "\"enrichment_status\":\"enriched\",\"enriched_at\":\"2026-11-21T00:00:00Z\","
	    "\"buying_role\":\"technical_evaluator\",\"role_confidence\":0.85,\"role_source\":\"crm_deal_field\"},"
	    "{\"contact_id\":\"201\",\"email\":\"pat@globex.com\",\"apollo\":{\"status\":\"not_found\"},"
	    "\"enrichment_status\":\"not_found\",\"enriched_at\":\"2026-11-22T00:00:00Z\","
	    "\"buying_role\":\"decision_maker\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\"}]}");

	(void)state;
	m = store_merge(old, nw);
	assert_non_null(m);
	/* not_found -> enriched: the better answer and its time. */
	c = json_at(json_get(m, "contacts"), 0);
	assert_string_equal(json_str(json_path(c, "apollo.status")), "enriched");
	assert_string_equal(json_str(json_get(c, "enriched_at")), "2026-11-20T00:00:00Z");
	assert_string_equal(json_str(json_get(c, "buying_role")), "end_user");
	/* enriched -> enriched: the newer answer; equal confidence replaces the role, and
	 * the old role's reason goes with the old role. */
	c = json_at(json_get(m, "contacts"), 1);
	assert_string_equal(json_str(json_path(c, "apollo.person.id")), "p2");
	assert_string_equal(json_str(json_get(c, "enriched_at")), "2026-11-21T00:00:00Z");
	assert_string_equal(json_str(json_get(c, "buying_role")), "technical_evaluator");
	assert_null(json_get(c, "role_reason"));
	/* enriched -> not_found: the enriched answer stays; equal role confidence replaces. */
	c = json_at(json_get(m, "contacts"), 2);
	assert_string_equal(json_str(json_path(c, "apollo.status")), "enriched");
	assert_string_equal(json_str(json_get(c, "enrichment_status")), "enriched");
	assert_string_equal(json_str(json_get(c, "enriched_at")), "2026-11-02T07:00:12Z");
	assert_string_equal(json_str(json_get(c, "seniority_verified")), "c_level");
	assert_string_equal(json_str(json_get(c, "buying_role")), "decision_maker");
	/* New firmographics replace; signals of equal rank replace. */
	assert_string_equal(json_str(json_path(m, "account.firmographics.industry")), "energy");
	assert_int_equal(json_len(json_path(m, "account.signals.items")), 0);
	/* The new record has no roles_summary: the stored one is recounted. */
	assert_json_eq(json_get(m, "roles_summary"),
	    "{\"end_user\":1,\"technical_evaluator\":1,\"decision_maker\":1}");
	assert_int_equal(json_len(json_get(m, "contacts")), 3);
	json_free(m);
	json_free(old);
	json_free(nw);
}

/* The merge of nw over old is nw, byte for byte. */
static void
merge_is(const json_t *old, const json_t *nw)
{
	json_t *m = store_merge(old, nw);
	char *a = fx_dump(m), *b = fx_dump(nw);

	assert_string_equal(a, b);
	free(a);
	free(b);
	json_free(m);
}

static void
merge_without_old_is_a_copy(void **state)
{
	json_t *nw = J(old_rec);

	(void)state;
	merge_is(NULL, nw);
	/* Merging a record over itself changes nothing either. */
	merge_is(nw, nw);
	json_free(nw);
}

static void
contacts_match_by_id_then_email(void **state)
{
	json_t *old = J("{\"contacts\":[{\"contact_id\":\"9\",\"email\":\"a@x.com\",\"tenure_months\":5,"
	    "\"apollo\":{\"status\":\"enriched\"}},"
	    "{\"email\":\"B@X.com \",\"apollo\":{\"status\":\"enriched\"},\"seniority_verified\":\"vp\"}]}");
	json_t *nw = J("{\"contacts\":[{\"email\":\"b@x.com\",\"apollo\":{\"status\":\"error\"}},"
	    "{\"contact_id\":\"9\",\"email\":\"new@x.com\",\"apollo\":{\"status\":\"error\"}}]}");
	json_t *m;

	(void)state;
	m = store_merge(old, nw);
	assert_int_equal(json_len(json_get(m, "contacts")), 2);
	assert_string_equal(json_str(json_get(json_at(json_get(m, "contacts"), 0), "seniority_verified")), "vp");
	assert_string_equal(json_str(json_get(json_at(json_get(m, "contacts"), 1), "email")), "new@x.com");
	{
		int64_t t = 0;

		assert_int_equal(json_num_int(json_get(json_at(json_get(m, "contacts"), 1), "tenure_months"), &t), 0);
		assert_int_equal(t, 5);
	}
	json_free(m);
	json_free(old);
	json_free(nw);
}

/* ---- facts ---- */

static void
facts_hold_what_summaries_count(void **state)
{
	json_t *r = J(old_rec), *f;

	(void)state;
	f = store_facts(r, STORE_ENRICHED, "2026-11-28T00:00:00Z");
	assert_non_null(f);
	assert_json_eq(f,
	    "{\"v\":1,\"deal_id\":\"1\",\"deal_name\":\"Old name\",\"stage\":null,\"close_date\":null,"
	    "\"amount\":100,\"currency\":null,\"status\":\"enriched\",\"loaded_at\":\"2026-11-28T00:00:00Z\","
	    "\"account_key\":\"globex.com\",\"account\":\"Globex\",\"domain\":\"globex.com\","
	    "\"industry\":\"oil & energy\",\"size_band\":\"1001-5000\",\"employees\":null,"
	    "\"signals\":\"enriched\",\"signal_types\":[\"funding\"],\"signal_items\":1,\"signal_score\":0.6,"
	    "\"contacts\":["
	    "{\"email\":true,\"apollo\":\"enriched\",\"seniority\":\"c_level\",\"department\":\"finance\","
	    "\"tenure\":55,\"role\":\"economic_buyer\"},"
	    "{\"email\":true,\"apollo\":\"enriched\",\"role\":\"champion\"},"
	    "{\"email\":true,\"apollo\":\"not_found\"}],"
	    "\"enriched_at\":\"2026-11-03T08:00:00Z\"}");
	json_free(f);
	json_free(r);
}

/* ---- the loader and the index ---- */

struct roles_seen {
	char buf[4096];
	int n;
};

static int
collect_role(const char *email, const char *deal, const json_t *v, void *ctx)
{
	struct roles_seen *s = ctx;
	size_t l = strlen(s->buf);

	double d = 0;

	json_num_double(json_get(v, "role_confidence"), &d);
	snprintf(s->buf + l, sizeof s->buf - l, "%s/%s=%s@%.2f;", email, deal,
	    json_str(json_get(v, "buying_role")), d);
	s->n++;
	return 0;
}

static char *
raw_get(db_t *db, db_table t, const char *a, const char *b, const char *c)
{
	buf_t k;
	char *v = NULL, err[128];

	buf_init(&k, 4096);
	assert_int_equal(db_key(&k, a, b, c, (char *)NULL), DB_OK);
	if (db_get(db, t, buf_ptr(&k), buf_len(&k), &v, NULL, err, sizeof err) != DB_OK)
		v = NULL;
	buf_free(&k);
	return v;
}

static const char *rec1 =
"{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-03-14\","
"\"account\":{\"name\":\"Globex\",\"domain\":\"Globex.com\",\"signals\":{\"status\":\"enriched\"}},"
"\"contacts\":["
"{\"email\":\"Pat@Globex.com\",\"apollo\":{\"status\":\"enriched\"},\"buying_role\":\"economic_buyer\","
"\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\"},"
"{\"email\":\"kim@globex.com\",\"apollo\":{\"status\":\"error\"},\"buying_role\":\"champion\","
"\"role_confidence\":0.7,\"role_source\":\"cross_deal_pattern\"},"
"{\"email\":\"\",\"buying_role\":\"end_user\",\"role_source\":\"title_inference\"}]}";

static void
loader_writes_deal_facts_and_index(void **state)
{
	db_t *db = fx_open_db("load");
	store_loader_t *l = store_loader_new(db, 0);
	json_t *r = J(rec1), *v = NULL;
	struct store_deal_numbers n;
	struct roles_seen seen = { "", 0 };
	char err[256], *raw, *raw2, *facts;

	(void)state;
	assert_int_equal(store_load(l, "acme", r, 1764000000, &n, err, sizeof err), DB_OK);
	assert_int_equal(n.status, STORE_PARTIAL);
	assert_int_equal(n.contacts, 3);
	assert_int_equal(n.roles_resolved, 3);
	assert_int_equal(n.apollo_enriched, 1);
	assert_int_equal(n.signals, 1);
	assert_int_equal(n.changed, 1);
	/* Not committed until the batch is flushed. */
	assert_int_equal(store_get(db, "acme", "1", &v, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
	assert_int_equal(store_get(db, "acme", "1", &v, err, sizeof err), DB_OK);
	assert_string_equal(json_str(json_get(v, "status")), "partial");
	assert_string_equal(json_str(json_get(v, "loaded_at")), "2025-11-24T16:00:00Z");
	assert_string_equal(json_str(json_path(v, "record.deal_id")), "1");
	json_free(v);
	assert_int_equal(store_get(db, "other", "1", &v, err, sizeof err), DB_NOTFOUND);

	/* The index: lowercased email, account key; no inferred cross-deal role, no email-less one. */
	assert_int_equal(store_scan_roles(db, "acme", "globex.com", collect_role, &seen, err, sizeof err), DB_OK);
	assert_string_equal(seen.buf, "pat@globex.com/1=economic_buyer@0.95;");
	raw = raw_get(db, DB_INDEX, "acme", "role", "globex.com");
	assert_null(raw);   /* keys go on to email and deal */
	facts = raw_get(db, DB_INDEX, "acme", "facts", "1");
	assert_non_null(facts);
	assert_non_null(strstr(facts, "\"status\":\"partial\""));
	free(facts);

	/* Reloading the same record writes nothing: the value stays byte for byte. */
	raw = raw_get(db, DB_DEALS, "acme", "1", NULL);
	assert_int_equal(store_load(l, "acme", r, 1764999999, &n, err, sizeof err), DB_OK);
	assert_int_equal(n.changed, 0);
	assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
	raw2 = raw_get(db, DB_DEALS, "acme", "1", NULL);
	assert_string_equal(raw, raw2);
	free(raw);
	free(raw2);

	/* Facts gone (or from another version): an unchanged reload writes them again. */
	{
		buf_t k;

		raw = raw_get(db, DB_DEALS, "acme", "1", NULL);
		buf_init(&k, 4096);
		db_key(&k, "acme", "facts", "1", (char *)NULL);
		assert_int_equal(db_del(db, DB_INDEX, buf_ptr(&k), buf_len(&k), err, sizeof err), DB_OK);
		assert_int_equal(db_put(db, DB_INDEX, buf_ptr(&k), buf_len(&k), "{\"old\":1}", 9, err, sizeof err), DB_OK);
		buf_free(&k);
		assert_int_equal(store_load(l, "acme", r, 1764999999, &n, err, sizeof err), DB_OK);
		assert_int_equal(n.changed, 0);
		assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
		facts = raw_get(db, DB_INDEX, "acme", "facts", "1");
		assert_non_null(facts);
		assert_true(strncmp(facts, "{\"v\":1,\"deal_id\":\"1\",", 21) == 0);
		assert_non_null(strstr(facts, "\"loaded_at\":\"2025-11-24T16:00:00Z\""));
		free(facts);
		raw2 = raw_get(db, DB_DEALS, "acme", "1", NULL);
		assert_string_equal(raw, raw2);   /* the deal itself untouched */
		free(raw);
		free(raw2);
	}

	/* Last run time. */
	assert_int_equal(store_set_last_run(db, "acme", 1764000000, err, sizeof err), DB_OK);
	{
		char last[32];

		assert_int_equal(store_get_last_run(db, "acme", last, sizeof last, err, sizeof err), DB_OK);
		assert_string_equal(last, "2025-11-24T16:00:00Z");
		assert_int_equal(store_get_last_run(db, "zzz", last, sizeof last, err, sizeof err), DB_NOTFOUND);
	}
	json_free(r);
	store_loader_free(l);
	db_close(db);
}

/* Loads rec into workspace w at time t through l; the load must succeed. */
static void
load_ok(store_loader_t *l, const json_t *rec, time_t t)
{
	char err[256];
	int rc = store_load(l, "w", rec, t, NULL, err, sizeof err);

	if (rc != DB_OK)
		fail_msg("store_load: %d %s", rc, err);
}

/* Commits what l holds, then w's deal id as stored (the caller frees it). */
static json_t *
flush_get(db_t *db, store_loader_t *l, const char *id)
{
	json_t *v = NULL;
	char err[256];

	if (l && store_loader_flush(l, err, sizeof err) != DB_OK)
		fail_msg("flush: %s", err);
	if (store_get(db, "w", id, &v, err, sizeof err) != DB_OK)
		fail_msg("store_get %s: %s", id, err);
	return v;
}

static void
same_deal_twice_in_one_batch_merges(void **state)
{
	db_t *db = fx_open_db("twice");
	store_loader_t *l = store_loader_new(db, 100);
	json_t *a = J("{\"deal_id\":\"7\",\"contacts\":[{\"email\":\"a@x.com\",\"apollo\":{\"status\":\"enriched\"},"
	    "\"seniority_verified\":\"vp\"}]}");
	json_t *b = J("{\"deal_id\":\"7\",\"contacts\":[{\"email\":\"a@x.com\",\"apollo\":{\"status\":\"error\"}}]}");
	json_t *v = NULL;
	char err[256];

	(void)state;
	load_ok(l, a, 1);
	load_ok(l, b, 2);
	v = flush_get(db, l, "7");
	assert_string_equal(json_str(json_path(v, "status")), "enriched");
	assert_string_equal(json_str(json_get(json_at(json_path(v, "record.contacts"), 0),
	    "seniority_verified")), "vp");
	json_free(v);
	/* No deal_id: refused. */
	json_free(a);
	a = J("{\"deal_name\":\"x\"}");
	assert_int_equal(store_load(l, "w", a, 3, NULL, err, sizeof err), DB_EKEY);
	json_free(a);
	json_free(b);
	store_loader_free(l);
	db_close(db);
}

static void
a_load_between_read_and_commit_is_merged(void **state)
{
	db_t *db = fx_open_db("between");
	store_loader_t *slow = store_loader_new(db, 100), *fast = store_loader_new(db, 1);
	json_t *a = J("{\"deal_id\":\"9\",\"contacts\":[{\"contact_id\":\"a\",\"email\":\"a@x.com\"}]}");
	json_t *b = J("{\"deal_id\":\"9\",\"contacts\":[{\"contact_id\":\"b\",\"email\":\"b@x.com\"},"
	    "{\"contact_id\":\"c\",\"email\":\"c@x.com\",\"buying_role\":\"champion\"}]}");
	json_t *v = NULL;
	const json_t *cs;

	(void)state;
	/* slow reads deal 9 (absent) and merges; fast stores it before slow commits. */
	load_ok(slow, a, 1);
	load_ok(fast, b, 2);
	v = flush_get(db, slow, "9");
	cs = json_path(v, "record.contacts");
	assert_int_equal(json_len(cs), 3);
	assert_string_equal(json_str(json_get(json_at(cs, 0), "contact_id")), "a");
	json_free(v);
	json_free(a);
	json_free(b);
	store_loader_free(slow);
	store_loader_free(fast);
	db_close(db);
}

static void
index_follows_the_account(void **state)
{
	db_t *db = fx_open_db("stale");
	store_loader_t *l = store_loader_new(db, 1);
	json_t *a = J("{\"deal_id\":\"5\",\"close_date\":\"2026-01-02\",\"account\":{\"account_id\":\"77\"},"
	    "\"contacts\":[{\"email\":\"a@x.com\",\"buying_role\":\"champion\",\"role_source\":\"crm_deal_field\"}]}");
	json_t *b = J("{\"deal_id\":\"5\",\"account\":{\"account_id\":\"77\",\"domain\":\"x.com\"},"
	    "\"contacts\":[{\"email\":\"a@x.com\"}]}");
	struct roles_seen s1 = { "", 0 }, s2 = { "", 0 };
	char err[256], *v;

	(void)state;
	load_ok(l, a, 1);
	v = raw_get(db, DB_INDEX, "w", "role", "id:77");
	assert_null(v);
	assert_int_equal(store_scan_roles(db, "w", "id:77", collect_role, &s1, err, sizeof err), DB_OK);
	assert_string_equal(s1.buf, "a@x.com/5=champion@0.85;");
	/* The account gains a domain: the entry moves to the new key, the old one goes. */
	load_ok(l, b, 2);
	assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
	s1.buf[0] = '\0';
	assert_int_equal(store_scan_roles(db, "w", "id:77", collect_role, &s1, err, sizeof err), DB_OK);
	assert_string_equal(s1.buf, "");
	assert_int_equal(store_scan_roles(db, "w", "x.com", collect_role, &s2, err, sizeof err), DB_OK);
	assert_string_equal(s2.buf, "a@x.com/5=champion@0.85;");
	{
		buf_t k;
		char *raw = NULL;

		buf_init(&k, 4096);
		db_key(&k, "w", "role", "x.com", "a@x.com", "5", (char *)NULL);
		assert_int_equal(db_get(db, DB_INDEX, buf_ptr(&k), buf_len(&k), &raw, NULL, err, sizeof err), DB_OK);
		assert_string_equal(raw, "{\"buying_role\":\"champion\",\"role_confidence\":0.85,"
		    "\"role_source\":\"crm_deal_field\",\"close_date\":\"2026-01-02\"}");
		free(raw);
		buf_free(&k);
	}
	json_free(a);
	json_free(b);
	store_loader_free(l);
	db_close(db);
}

/* ---- counting ---- */

static void
counter_counts_deals_and_accounts_once(void **state)
{
	store_counter_t *c = store_counter_new();
	struct store_deal_numbers a = { STORE_ENRICHED, 3, 2, 1, 1, 1 };
	struct store_deal_numbers b = { STORE_PARTIAL, 1, 0, 0, 1, 1 };
	struct store_stats s;

	(void)state;
	assert_int_equal(store_counter_add(c, "1", "x.com", &a), 0);
	assert_int_equal(store_counter_add(c, "2", "x.com", &a), 0);
	assert_int_equal(store_counter_add(c, "1", "x.com", &b), 0);   /* replaces deal 1 */
	store_counter_get(c, &s);
	assert_int_equal(s.deals, 2);
	assert_int_equal(s.enriched_deals, 1);
	assert_int_equal(s.partial_deals, 1);
	assert_int_equal(s.contacts, 4);
	assert_int_equal(s.roles_resolved, 2);
	assert_int_equal(s.apollo_enriched, 1);
	assert_int_equal(s.accounts_with_signals, 1);
	store_counter_free(c);
}

static void
stats_count_closed_deals(void **state)
{
	db_t *db = fx_open_db("stats");
	store_loader_t *l = store_loader_new(db, 0);
	struct store_stats s;
	char err[256];
	const char *recs[] = {
		"{\"deal_id\":\"1\",\"stage_normalized\":\"closed_won\",\"account\":{\"domain\":\"a.com\",\"signals\":{\"status\":\"enriched\"}},"
		"\"contacts\":[{\"email\":\"x@a.com\",\"apollo\":{\"status\":\"enriched\"},\"buying_role\":\"champion\"}]}",
		"{\"deal_id\":\"2\",\"stage_normalized\":\"closed_lost\",\"account\":{\"domain\":\"A.com\",\"signals\":{\"status\":\"enriched\"}},"
		"\"contacts\":[{\"email\":\"y@a.com\",\"apollo\":{\"status\":\"error\"}},{\"email\":\"z@a.com\",\"apollo\":{\"status\":\"not_found\"}}]}",
		"{\"deal_id\":\"3\",\"stage_normalized\":\"open\",\"contacts\":[{\"email\":\"q@b.com\",\"apollo\":{\"status\":\"enriched\"}}]}",
		"{\"deal_id\":\"4\",\"stage_normalized\":\"closed_won\",\"account\":{\"domain\":\"c.com\",\"signals\":{\"status\":\"skipped\"}},\"contacts\":[]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		json_t *r = J(recs[i]);

		load_ok(l, r, 1);
		json_free(r);
	}
	assert_int_equal(store_loader_flush(l, err, sizeof err), DB_OK);
	assert_int_equal(store_stats(db, "w", &s, err, sizeof err), DB_OK);
	assert_int_equal(s.deals, 3);
	assert_int_equal(s.enriched_deals, 1);
	assert_int_equal(s.partial_deals, 1);
	assert_int_equal(s.failed_deals, 1);
	assert_int_equal(s.contacts, 3);
	assert_int_equal(s.roles_resolved, 1);
	assert_int_equal(s.apollo_enriched, 1);
	assert_int_equal(s.accounts_with_signals, 1);
	assert_int_equal(store_stats(db, "nobody", &s, err, sizeof err), DB_OK);
	assert_int_equal(s.deals, 0);
	store_loader_free(l);
	db_close(db);
}

/* deals-extract --pending: only a stored "enriched" status counts. */
static void
is_enriched_reads_the_stored_status(void **state)
{
	db_t *db = fx_open_db("pending");
	static const struct { const char *id, *val; int want; } t[] = {
		{ "d1", "{\"status\":\"enriched\",\"record\":{}}", 1 },
		{ "d2", "{\"status\":\"partial\",\"record\":{}}", 0 },
		{ "d3", "{\"status\":", 0 },
	};
	char err[256];
	buf_t key;

	(void)state;
	buf_init(&key, 4096);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		buf_reset(&key);
		assert_int_equal(db_key(&key, "acme", t[i].id, (char *)NULL), DB_OK);
		assert_int_equal(db_put(db, DB_DEALS, buf_ptr(&key), buf_len(&key), t[i].val,
		    strlen(t[i].val), err, sizeof err), DB_OK);
	}
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_int_equal(store_is_enriched(db, "acme", t[i].id, err, sizeof err), t[i].want);
	assert_int_equal(store_is_enriched(db, "acme", "d4", err, sizeof err), 0);
	assert_int_equal(store_is_enriched(db, "other", "d1", err, sizeof err), 0);
	buf_free(&key);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranks_and_confidences),
		cmocka_unit_test(deal_status_from_contacts),
		cmocka_unit_test(worse_run_loses_nothing),
		cmocka_unit_test(linkedin_answers_survive_a_worse_run),
		cmocka_unit_test(better_and_equal_answers_replace),
		cmocka_unit_test(merge_without_old_is_a_copy),
		cmocka_unit_test(contacts_match_by_id_then_email),
		cmocka_unit_test(facts_hold_what_summaries_count),
		cmocka_unit_test(loader_writes_deal_facts_and_index),
		cmocka_unit_test(same_deal_twice_in_one_batch_merges),
		cmocka_unit_test(a_load_between_read_and_commit_is_merged),
		cmocka_unit_test(index_follows_the_account),
		cmocka_unit_test(counter_counts_deals_and_accounts_once),
		cmocka_unit_test(stats_count_closed_deals),
		cmocka_unit_test(is_enriched_reads_the_stored_status),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

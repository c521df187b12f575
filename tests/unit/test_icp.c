/* lib/icp_attrs, icp_score, icp_profile: what a record says about the
 * customer, a profile applied to it, and a profile made from few deals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "icp_attrs.h"
#include "icp_profile.h"
#include "icp_score.h"
#include "jspan.h"
#include "logit.h"

/* Reads text into d (no index); the pairs as "attr=value" lines in out. */
static void
read_deal(const char *text, struct icp_deal *d, char *out, size_t n)
{
	jspan_t root;
	size_t i, at = 0;

	assert_int_equal(jspan_parse(text, strlen(text), 0, &root, NULL, NULL, 0), JSON_OK);
	icp_deal_read(text, NULL, root, 2026, d);
	out[0] = '\0';
	for (i = 0; i < d->n; i++)
		at += (size_t)snprintf(out + at, n - at, "%s=%s\n", icp_attr_name(d->p[i].attr),
		    d->p[i].value);
}

static void
attributes_describe_the_customer(void **state)
{
	static const char rec[] =
	    "{\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-03-14\",\"amount\":25000,"
	    "\"owner\":\"Jo\",\"source\":\"hubspot\",\"product\":\"x\",\"account\":{\"country\":\" Germany \","
	    "\"firmographics\":{\"industry\":\"oil & energy\",\"size_band\":\"1001-5000\","
	    "\"annual_revenue\":100000000,\"founded_year\":2020},"
	    "\"signals\":{\"items\":[{\"type\":\"funding\"},{\"type\":\"hiring\"},{\"type\":\"funding\"}],"
	    "\"score\":0.6}},\"contacts\":[{\"buying_role\":\"champion\",\"tenure_months\":30,"
	    "\"seniority_verified\":\"vp\",\"department_verified\":\"finance\"},"
	    "{\"buying_role\":\"champion\",\"tenure_months\":80,\"seniority_verified\":\"vp\"},"
	    "{\"buying_role\":\"decision_maker\",\"tenure_months\":7},\"not an object\"]}";
	struct icp_deal d;
	char got[2048];

	(void)state;
	read_deal(rec, &d, got, sizeof got);
	assert_int_equal(d.outcome, 1);
	assert_string_equal(d.close_date, "2026-03-14");
	assert_true(d.has_amount && d.amount == 25000);
	/* Each value once; the first champion with a tenure speaks; never owner,
	 * source, product or amount; the country trimmed; founded 2020 in 2026. */
	assert_string_equal(got,
	    "account.firmographics.industry=oil & energy\n"
	    "account.firmographics.size_band=1001-5000\n"
	    "account.firmographics.revenue_band=$50M-$250M\n"
	    "account.firmographics.age_band=5-10 years\n"
	    "account.country=Germany\n"
	    "account.signals.type=funding\n"
	    "account.signals.type=hiring\n"
	    "account.signals.score_band=buying\n"
	    "contacts.seniority=vp\n"
	    "contacts.department=finance\n"
	    "contacts.buying_role=champion\n"
	    "champion.tenure_band=1-3 years\n"
	    "contacts.buying_role=decision_maker\n"
	    "decision_maker.tenure_band=under 1 year\n");
	read_deal("{\"stage_normalized\":\"open\",\"account\":[],\"contacts\":{}}", &d, got, sizeof got);
	assert_int_equal(d.outcome, -1);
	assert_int_equal(d.n, 0);
	assert_false(d.has_amount);
}

/* An object with more members than are read from the index at once. */
static void
many_members_are_all_read(void **state)
{
	buf_t b;
	struct icp_deal d;
	char got[512];
	int i;

	(void)state;
	buf_init(&b, 1 << 20);
	buf_adds(&b, "{\"account\":{");
	for (i = 0; i < 100; i++)
		buf_addf(&b, "\"k%d\":[%d],", i, i);
	buf_adds(&b, "\"firmographics\":{\"industry\":\"retail\"}}}");
	read_deal(buf_ptr(&b), &d, got, sizeof got);
	assert_string_equal(got, "account.firmographics.industry=retail\n");
	buf_free(&b);
}

static void
scorer_applies_the_model(void **state)
{
	json_t *p = J("{\"base_win_rate\":0.4,\"profile_at\":\"T\",\"window\":{\"to\":\"2026-11-15\"},"
	    "\"model\":{\"intercept\":-1,\"calibration\":{\"a\":0.5,\"b\":2},\"weights\":["
	    "{\"attribute\":\"account.firmographics.industry\",\"value\":\"retail\",\"weight\":1.5},"
	    "{\"attribute\":\"contacts.buying_role\",\"value\":\"champion\",\"weight\":-0.25}]}}");
	icp_scorer_t *s = icp_scorer_new(p, NULL, 0);
	struct icp_deal d;
	char got[512];
	buf_t b;

	(void)state;
	assert_non_null(s);
	assert_int_equal(icp_scorer_year(s), 2026);
	read_deal("{\"account\":{\"firmographics\":{\"industry\":\"retail\"}},"
	    "\"contacts\":[{\"buying_role\":\"champion\"},{\"seniority_verified\":\"vp\"}]}", &d, got,
	    sizeof got);
	/* sigmoid(0.5 + 2 (-1 + 1.5 - 0.25)) = sigmoid(1) */
	assert_true(fabs(icp_score_p(s, &d) - logit_sigmoid(1)) < 1e-12);
	buf_init(&b, 4096);
	assert_int_equal(icp_score_json(s, &d, &b), BUF_OK);
	assert_string_equal(buf_ptr(&b), "{\"score\":73,\"win_probability\":0.7311,\"reasons\":["
	    "{\"attribute\":\"account.firmographics.industry\",\"value\":\"retail\",\"effect\":3.000},"
	    "{\"attribute\":\"contacts.buying_role\",\"value\":\"champion\",\"effect\":-0.500}],"
	    "\"profile_at\":\"T\"}");
	/* Nothing known: the base rate and "no data". */
	read_deal("{\"deal_id\":\"1\"}", &d, got, sizeof got);
	buf_reset(&b);
	assert_int_equal(icp_score_json(s, &d, &b), BUF_OK);
	assert_string_equal(buf_ptr(&b), "{\"score\":40,\"win_probability\":0.4000,\"reasons\":["
	    "{\"attribute\":null,\"value\":\"no data\",\"effect\":0}],\"profile_at\":\"T\"}");
	icp_scorer_free(s);
	json_free(p);
	buf_free(&b);
}

static void
scorer_refuses_what_is_no_profile(void **state)
{
	char err[256];
	json_t *p;

	(void)state;
	p = J("{\"deals\":3}");
	assert_null(icp_scorer_new(p, err, sizeof err));
	assert_non_null(strstr(err, "not an icp-profile profile"));
	json_free(p);
	p = J("{\"base_win_rate\":0.5,\"model\":{\"intercept\":0,\"calibration\":{\"a\":0,\"b\":1},"
	    "\"weights\":[{\"attribute\":\"owner\",\"value\":\"Jo\",\"weight\":9}]}}");
	assert_null(icp_scorer_new(p, err, sizeof err));
	assert_non_null(strstr(err, "weight 1"));
	json_free(p);
}

static void
few_deals_make_no_model(void **state)
{
	struct icp_opts o = { 0, "2026-11-15", "2026-12-01T00:00:00Z" };
	icp_builder_t *b = icp_builder_new(&o);
	struct icp_deal d;
	json_t *r = NULL;
	char err[128];
	int i;

	(void)state;
	memset(&d, 0, sizeof d);
	for (i = 0; i < 39; i++) {
		d.outcome = i % 3 == 0;
		d.n = 1;
		d.p[0].attr = ICP_INDUSTRY;
		snprintf(d.p[0].value, sizeof d.p[0].value, "%s", i < 30 ? "retail" : "oil");
		assert_int_equal(icp_builder_add(b, &d), 0);
	}
	d.outcome = -1;
	assert_int_equal(icp_builder_add(b, &d), 0);   /* open: counted apart */
	assert_int_equal(icp_builder_result(b, "w", &r, err, sizeof err), 0);
	assert_json_eq(json_get(r, "model"), "null");
	assert_json_eq(json_get(r, "flagged"), "0");
	assert_json_eq(json_path(r, "excluded.open"), "1");
	assert_json_eq(json_path(r, "validation.verdict"),
	    "\"too few deals to profile: 39 closed deals, 40 needed\"");
	/* retail: 30 deals, tested (a q-value); oil: 9, few_deals, no q-value */
	assert_json_eq(json_get(json_at(json_get(r, "drivers"), 0), "value"), "\"retail\"");
	assert_json_eq(json_get(json_at(json_get(r, "drivers"), 1), "q_value"), "null");
	assert_json_eq(json_get(json_at(json_get(r, "drivers"), 1), "few_deals"), "true");
	json_free(r);
	icp_builder_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attributes_describe_the_customer),
		cmocka_unit_test(many_members_are_all_read),
		cmocka_unit_test(scorer_applies_the_model),
		cmocka_unit_test(scorer_refuses_what_is_no_profile),
		cmocka_unit_test(few_deals_make_no_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

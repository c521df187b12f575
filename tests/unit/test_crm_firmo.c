/* lib/crm_firmo: the CRM's firmographics, and Apollo's filling only what they lack. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "crm_firmo.h"
#include "crm_value.h"

static char *
dump(const json_t *v)
{
	buf_t b;

	buf_init(&b, 1 << 20);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	return buf_detach(&b, NULL);
}

static void
from_the_crms_text(void **state)
{
	json_t *f;
	char err[256], *s;

	(void)state;
	assert_int_equal(crm_firmo_new("Oil_Energy", "10,000+", "1.0E8", "hubspot", 0, &f, err,
	    sizeof err), CRM_OK);
	s = dump(f);
	assert_string_equal(s, "{\"industry\":\"oil energy\",\"employees\":10000,\"size_band\":"
	    "\"5001-10000\",\"annual_revenue\":100000000,\"source\":\"hubspot\"}");
	free(s);
	json_free(f);
	assert_int_equal(crm_firmo_new(NULL, " ", "", "csv", 0, &f, err, sizeof err), CRM_OK);
	assert_null(f);
	assert_int_equal(crm_firmo_new(NULL, "51-200", NULL, "csv", 0, &f, err, sizeof err), CRM_BAD);
	assert_string_equal(err, "employees '51-200' is not a number");
	assert_int_equal(crm_firmo_new(NULL, NULL, "lots", "csv", 0, &f, err, sizeof err), CRM_BAD);
	assert_string_equal(err, "annual revenue 'lots' is not an amount");
	/* lenient: what is not a number is null */
	assert_int_equal(crm_firmo_new("Retail", "many", "lots", "hubspot", 1, &f, err, sizeof err),
	    CRM_OK);
	s = dump(f);
	assert_string_equal(s, "{\"industry\":\"retail\",\"employees\":null,\"size_band\":null,"
	    "\"annual_revenue\":null,\"source\":\"hubspot\"}");
	free(s);
	json_free(f);
}

static void
apollo_fills_what_the_crm_left_empty(void **state)
{
	json_t *crm, *apollo, *m, *acc = json_new_object();
	char err[256], *s;
	static const char text[] = "{\"industry\":\"apparel & fashion\",\"employees\":1600,"
	    "\"size_band\":\"1001-5000\",\"annual_revenue\":null,\"founded_year\":1998,"
	    "\"source\":\"apollo\"}";

	(void)state;
	assert_int_equal(crm_firmo_new("Retail", NULL, NULL, "csv", 0, &crm, err, sizeof err), CRM_OK);
	assert_int_equal(json_parse(text, sizeof text - 1, 8, &apollo, NULL, err, sizeof err), JSON_OK);
	m = crm_firmo_merge(crm, apollo);
	s = dump(m);
	assert_string_equal(s, "{\"industry\":\"retail\",\"employees\":1600,\"size_band\":\"1001-5000\","
	    "\"annual_revenue\":null,\"source\":\"csv\",\"founded_year\":1998,\"filled_by\":\"apollo\"}");
	free(s);
	json_free(m);
	/* without the CRM's: Apollo's as they are */
	m = crm_firmo_merge(NULL, apollo);
	assert_string_equal(json_str(json_get(m, "industry")), "apparel & fashion");
	assert_string_equal(json_str(json_get(m, "source")), "apollo");
	json_free(m);
	/* both copies on the account */
	assert_int_equal(crm_firmo_set(acc, crm), CRM_OK);
	assert_string_equal(json_str(json_path(acc, "firmographics.industry")), "retail");
	assert_string_equal(json_str(json_path(acc, "crm_firmographics.source")), "csv");
	assert_int_equal(crm_firmo_set(acc, NULL), CRM_OK);
	json_free(acc);
	json_free(crm);
	json_free(apollo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(from_the_crms_text),
		cmocka_unit_test(apollo_fills_what_the_crm_left_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

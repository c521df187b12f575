/* lib/hubspot against a scripted server: what it asks, the records it builds, its errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "http.h"
#include "hubspot.h"

#define TOKEN "pat-na1-unit-test-token-31337"

static const char pipelines[] = "{\"results\":[{\"id\":\"p9\",\"label\":\"Partners\",\"stages\":["
    "{\"id\":\"s-won\",\"label\":\"Signed\",\"metadata\":{\"isClosed\":\"true\",\"probability\":\"1.0\"}}]}]}";
static const char search[] = "{\"total\":2,\"results\":["
    "{\"id\":\"11\",\"properties\":{\"dealname\":\"A\",\"amount\":\"100\",\"closedate\":"
    "\"2026-03-14T17:00:00Z\",\"dealstage\":\"s-won\",\"pipeline\":\"p9\",\"hs_is_closed\":\"true\","
    "\"hs_lastmodifieddate\":\"2026-03-15T10:00:00.250Z\"}},"
    "{\"id\":\"12\",\"properties\":{\"dealname\":\"B\",\"amount\":null,\"closedate\":"
    "\"2026-03-10T17:00:00Z\",\"dealstage\":\"closedlost\",\"pipeline\":\"default\","
    "\"hs_is_closed\":\"true\",\"hs_is_closed_won\":\"false\","
    "\"hs_lastmodifieddate\":\"2026-03-12T10:00:00.000Z\"}}]}";
static const char assoc_contacts[] = "{\"status\":\"COMPLETE\",\"results\":[{\"from\":{\"id\":\"11\"},"
    "\"to\":[{\"toObjectId\":201,\"associationTypes\":[{\"category\":\"HUBSPOT_DEFINED\",\"typeId\":3,"
    "\"label\":null},{\"category\":\"USER_DEFINED\",\"typeId\":101,\"label\":\"Champion\"}]},"
    "{\"toObjectId\":202,\"associationTypes\":[{\"category\":\"HUBSPOT_DEFINED\",\"typeId\":3,"
    "\"label\":null}]}]}]}";
static const char assoc_companies[] = "{\"status\":\"COMPLETE\",\"results\":[{\"from\":{\"id\":\"11\"},"
    "\"to\":[{\"toObjectId\":301,\"associationTypes\":[{\"label\":null}]},{\"toObjectId\":302,"
    "\"associationTypes\":[{\"category\":\"HUBSPOT_DEFINED\",\"typeId\":5,\"label\":\"Primary\"}]}]},"
    "{\"from\":{\"id\":\"12\"},\"to\":[{\"toObjectId\":301,\"associationTypes\":[]}]}]}";
static const char contacts[] = "{\"status\":\"COMPLETE\",\"results\":["
    "{\"id\":\"201\",\"properties\":{\"email\":\"Pat@Globex.com\",\"firstname\":\"Pat\",\"lastname\":"
    "\"Ng\",\"jobtitle\":\"CFO\"}}],\"numErrors\":1,\"errors\":[{\"context\":{\"ids\":[\"202\"]}}]}";
static const char companies[] = "{\"status\":\"COMPLETE\",\"results\":["
    "{\"id\":\"301\",\"properties\":{\"name\":\"Old Co\",\"domain\":\"old.example\"}},"
    "{\"id\":\"302\",\"properties\":{\"name\":\"Globex\",\"domain\":\"globex.com\",\"industry\":"
    "\"COMPUTER_SOFTWARE\",\"numberofemployees\":\"120\",\"annualrevenue\":null}}]}";

static http_client_t *
client(void)
{
	struct http_opts o;

	http_opts_default(&o);
	o.max_retries = 0;
	o.max_retries_429 = 0;
	o.backoff_base_ms = 1;
	return http_client_new(&o);
}

static hubspot_t *
open_hs(http_client_t *http, int64_t after)
{
	char base[64];
	struct hubspot_opts o = { 0 };
	hubspot_t *h;
	char err[256];

	snprintf(base, sizeof base, "http://127.0.0.1:%d", fx_port);
	o.base_url = base;
	o.token = TOKEN;
	o.modified_after_ms = after;
	o.closed_since_ms = -1;
	o.http = http;
	assert_int_equal(hubspot_new(&o, &h, err, sizeof err), HUBSPOT_OK);
	return h;
}

static void
a_page(void **state)
{
	const struct fx_reply script[] = {
		{ FX_SEND, 200, pipelines }, { FX_SEND, 200, search }, { FX_SEND, 200, assoc_contacts },
		{ FX_SEND, 200, assoc_companies }, { FX_SEND, 207, contacts }, { FX_SEND, 200, companies },
	};
	http_client_t *http;
	hubspot_t *h;
	json_t *recs = NULL;
	char err[256], *reqs;

	(void)state;
	fx_server_start(script, 6);
	http = client();
	h = open_hs(http, 1773507900000LL);
	assert_int_equal(hubspot_next(h, &recs, err, sizeof err), HUBSPOT_OK);
	assert_int_equal(json_len(recs), 2);
	/* the Partners stage by its label, won by the pipeline; the Primary company; the label */
	assert_json_eq(json_at(recs, 0), "{\"workspace_id\":null,\"deal_id\":\"11\",\"deal_name\":\"A\","
	    "\"stage\":\"Signed\",\"stage_normalized\":\"closed_won\",\"close_date\":"
	    "\"2026-03-14T17:00:00Z\",\"amount\":\"100\",\"currency\":null,\"owner\":null,\"source\":"
	    "\"hubspot\",\"custom_fields\":{\"pipeline\":\"Partners\",\"last_modified\":"
	    "\"2026-03-15T10:00:00.250Z\"},\"account\":{\"account_id\":\"302\",\"name\":\"Globex\","
	    "\"domain\":\"globex.com\",\"firmographics\":{\"industry\":\"computer software\","
	    "\"employees\":120,\"size_band\":\"51-200\",\"annual_revenue\":null,\"source\":\"hubspot\"},"
	    "\"crm_firmographics\":{\"industry\":\"computer software\",\"employees\":120,\"size_band\":"
	    "\"51-200\",\"annual_revenue\":null,\"source\":\"hubspot\"}},\"contacts\":[{\"contact_id\":"
	    "\"201\",\"email\":\"Pat@Globex.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\",\"title\":"
	    "\"CFO\",\"crm_role\":\"Champion\"}]}");
	assert_string_equal(json_str(json_get(json_at(recs, 1), "stage")), "closedlost");
	assert_string_equal(json_str(json_get(json_at(recs, 1), "stage_normalized")), "closed_lost");
	assert_string_equal(json_str(json_path(json_at(recs, 1), "account.account_id")), "301");
	assert_string_equal(hubspot_cursor(h), "2026-03-15T10:00:00.250Z");
	json_free(recs);
	/* no paging: done without another call */
	assert_int_equal(hubspot_next(h, &recs, err, sizeof err), HUBSPOT_DONE);
	assert_null(recs);
	assert_int_equal(hubspot_stats(h)->calls, 6);
	hubspot_free(h);
	http_client_free(http);
	assert_int_equal(fx_server_stop(&reqs), 6);
	assert_non_null(strstr(reqs, "GET /crm/v3/pipelines/deals "));
	assert_non_null(strstr(reqs, "Authorization: Bearer " TOKEN));
	assert_non_null(strstr(reqs, "{\"propertyName\":\"hs_is_closed\",\"operator\":\"EQ\","
	    "\"value\":\"true\"},{\"propertyName\":\"hs_lastmodifieddate\",\"operator\":\"GT\","
	    "\"value\":\"1773507900000\"}"));
	assert_non_null(strstr(reqs, "\"limit\":200,\"after\":\"0\""));
	assert_non_null(strstr(reqs, "POST /crm/v4/associations/deals/contacts/batch/read "));
	assert_non_null(strstr(reqs, "{\"inputs\":[{\"id\":\"11\"},{\"id\":\"12\"}]}"));
	assert_non_null(strstr(reqs, "{\"properties\":[\"email\",\"firstname\",\"lastname\","
	    "\"jobtitle\"],\"inputs\":[{\"id\":\"201\"},{\"id\":\"202\"}]}"));
	free(reqs);
}

static void
refused(void **state)
{
	const struct fx_reply r401[] = { { FX_SEND, 401, "{\"status\":\"error\",\"message\":\"nope\","
		"\"category\":\"EXPIRED_AUTHENTICATION\"}" } };
	const struct fx_reply r403[] = { { FX_SEND, 403, "{\"status\":\"error\",\"category\":"
		"\"MISSING_SCOPES\",\"errors\":[{\"context\":{\"requiredGranularScopes\":"
		"[\"crm.objects.deals.read\",\"crm.schemas.deals.read\"]}}]}" } };
	http_client_t *http = client();
	hubspot_t *h;
	json_t *recs;
	char err[512];

	(void)state;
	fx_server_start(r401, 1);
	h = open_hs(http, -1);
	assert_int_equal(hubspot_next(h, &recs, err, sizeof err), HUBSPOT_EAUTH);
	assert_non_null(strstr(err, "EXPIRED_AUTHENTICATION"));
	assert_non_null(strstr(err, "hubspot_access_token"));
	assert_null(strstr(err, TOKEN));
	hubspot_free(h);
	fx_server_stop(NULL);
	fx_server_start(r403, 1);
	h = open_hs(http, -1);
	assert_int_equal(hubspot_next(h, &recs, err, sizeof err), HUBSPOT_ESCOPE);
	assert_non_null(strstr(err, "crm.objects.deals.read, crm.schemas.deals.read"));
	hubspot_free(h);
	fx_server_stop(NULL);
	http_client_free(http);
}

static void
rate_limits(void **state)
{
	const struct fx_reply script[] = {
		{ FX_SEND, 0, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
		    "Retry-After: 0\r\nConnection: close\r\nContent-Length: 54\r\n\r\n"
		    "{\"status\":\"error\",\"policyName\":\"TEN_SECONDLY_ROLLING\"}" },
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "X-HubSpot-RateLimit-Daily: 250000\r\nX-HubSpot-RateLimit-Daily-Remaining: 12\r\n"
		    "X-HubSpot-RateLimit-Max: 100\r\nX-HubSpot-RateLimit-Remaining: 40\r\n"
		    "Connection: close\r\nContent-Length: 14\r\n\r\n{\"results\":[]}" },
		{ FX_SEND, 429, "{\"status\":\"error\",\"errorType\":\"RATE_LIMIT\",\"policyName\":\"DAILY\"}" },
	};
	http_client_t *http = client();
	hubspot_t *h;
	json_t *recs;
	char err[512];

	(void)state;
	fx_server_start(script, 3);
	h = open_hs(http, -1);
	/* the ten-second 429 waits and asks again; DAILY stops */
	assert_int_equal(hubspot_next(h, &recs, err, sizeof err), HUBSPOT_EDAILY);
	assert_non_null(strstr(err, "daily"));
	assert_int_equal(hubspot_stats(h)->rate_waits, 1);
	assert_int_equal(hubspot_stats(h)->daily_remaining, 12);
	assert_int_equal(hubspot_stats(h)->interval_max, 100);
	assert_string_equal(hubspot_cursor(h), "");
	hubspot_free(h);
	http_client_free(http);
	assert_int_equal(fx_server_stop(NULL), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_page),
		cmocka_unit_test(refused),
		cmocka_unit_test(rate_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

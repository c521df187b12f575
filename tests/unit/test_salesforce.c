/* lib/salesforce against a scripted server: the token flow, the query, pages, expiry, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "http.h"
#include "salesforce.h"

#define SECRET "unit-secret-7f7f"
#define REFRESH "unit-refresh-5e5e"

static const char token1[] = "{\"access_token\":\"00DA!first\",\"instance_url\":"
    "\"http://127.0.0.1:@PORT@\",\"token_type\":\"Bearer\"}";
static const char token2[] = "{\"access_token\":\"00DA!second\",\"instance_url\":"
    "\"http://127.0.0.1:@PORT@\",\"token_type\":\"Bearer\"}";
static const char page1[] = "{\"totalSize\":3,\"done\":false,\"nextRecordsUrl\":"
    "\"/services/data/v60.0/query/01gX-2\",\"records\":[{\"attributes\":{\"type\":\"Opportunity\"},"
    "\"Id\":\"006A\",\"Name\":\"A\",\"Amount\":25000.0,\"CloseDate\":\"2026-03-14\",\"StageName\":"
    "\"Closed Won\",\"IsClosed\":true,\"IsWon\":true,\"LastModifiedDate\":"
    "\"2026-03-14T17:05:00.000+0000\",\"Owner\":{\"Name\":\"Jo\"},\"Account\":{\"Id\":\"001A\","
    "\"Name\":\"Acme\",\"Website\":\"https://www.acme.com\",\"Industry\":\"Technology\","
    "\"NumberOfEmployees\":1600,\"AnnualRevenue\":1.0E8},\"OpportunityContactRoles\":{"
    "\"totalSize\":2,\"done\":true,\"records\":[{\"Role\":\"Economic Buyer\",\"IsPrimary\":true,"
    "\"Contact\":{\"Id\":\"003A\",\"Email\":\"pat@acme.com\",\"FirstName\":\"Pat\","
    "\"LastName\":\"Ng\",\"Title\":\"CFO\"}},{\"Role\":null,\"Contact\":{\"Id\":\"003B\","
    "\"Email\":null,\"FirstName\":\"Sam\",\"LastName\":\"Lee\",\"Title\":null}}]}}]}";
static const char page2[] = "{\"totalSize\":3,\"done\":true,\"records\":[{\"attributes\":{},"
    "\"Id\":\"006B\",\"Name\":\"B\",\"Amount\":null,\"CloseDate\":\"2026-03-01\",\"StageName\":"
    "\"Lost to rival\",\"IsClosed\":true,\"IsWon\":false,\"LastModifiedDate\":"
    "\"2026-03-20T08:00:00.000+0000\",\"Owner\":null,\"Account\":null,"
    "\"OpportunityContactRoles\":null}]}";

static http_client_t *
client(void)
{
	struct http_opts o;

	http_opts_default(&o);
	o.max_retries = 0;
	return http_client_new(&o);
}

static salesforce_t *
open_sf(http_client_t *http, const char *refresh)
{
	char login[64], err[256];
	struct salesforce_opts o = { 0 };
	salesforce_t *s;

	snprintf(login, sizeof login, "http://127.0.0.1:%d/", fx_port);
	o.login_url = login;
	o.client_id = "cid";
	o.client_secret = SECRET;
	o.refresh_token = refresh;
	o.modified_after_ms = 1773507900000LL;
	o.closed_since = "2025-09-01";
	o.http = http;
	assert_int_equal(salesforce_new(&o, &s, err, sizeof err), SALESFORCE_OK);
	return s;
}

static void
pages_and_expiry(void **state)
{
	const struct fx_reply script[] = {
		{ FX_SEND, 200, token1 }, { FX_SEND, 200, page1 },
		{ FX_SEND, 0, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
		    "Sforce-Limit-Info: api-usage=7/15000\r\nConnection: close\r\nContent-Length: 75\r\n\r\n"
		    "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]" },
		{ FX_SEND, 200, token2 }, { FX_SEND, 200, page2 },
	};
	http_client_t *http = client();
	salesforce_t *s;
	json_t *recs;
	char err[512], *reqs;

	(void)state;
	fx_server_start(script, 5);
	s = open_sf(http, REFRESH);
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_OK);
	assert_json_eq(json_at(recs, 0), "{\"workspace_id\":null,\"deal_id\":\"006A\",\"deal_name\":"
	    "\"A\",\"stage\":\"Closed Won\",\"stage_normalized\":\"closed_won\",\"close_date\":"
	    "\"2026-03-14\",\"amount\":\"25000.0\",\"currency\":null,\"owner\":\"Jo\",\"source\":"
	    "\"salesforce\",\"custom_fields\":{\"last_modified\":\"2026-03-14T17:05:00.000+0000\"},"
	    "\"account\":{\"account_id\":\"001A\",\"name\":\"Acme\",\"domain\":\"https://www.acme.com\","
	    "\"firmographics\":{\"industry\":\"technology\",\"employees\":1600,\"size_band\":"
	    "\"1001-5000\",\"annual_revenue\":100000000,\"source\":\"salesforce\"},\"crm_firmographics\":"
	    "{\"industry\":\"technology\",\"employees\":1600,\"size_band\":\"1001-5000\","
	    "\"annual_revenue\":100000000,\"source\":\"salesforce\"}},\"contacts\":[{\"contact_id\":"
	    "\"003A\",\"email\":\"pat@acme.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\",\"title\":"
	    "\"CFO\",\"crm_role\":\"Economic Buyer\"},{\"contact_id\":\"003B\",\"email\":null,"
	    "\"first_name\":\"Sam\",\"last_name\":\"Lee\",\"title\":null,\"crm_role\":null}]}");
	json_free(recs);
	/* the next page: the session expired, refreshed once, the page asked again */
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_OK);
	assert_int_equal(json_len(recs), 1);
	assert_json_eq(json_get(json_at(recs, 0), "contacts"), "[]");
	assert_true(json_typeof(json_get(json_at(recs, 0), "account")) == JSON_NULL);
	assert_string_equal(json_str(json_get(json_at(recs, 0), "stage_normalized")), "closed_lost");
	json_free(recs);
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_DONE);
	assert_string_equal(salesforce_cursor(s), "2026-03-20T08:00:00.000Z");
	assert_int_equal(salesforce_stats(s)->refreshes, 2);
	assert_int_equal(salesforce_stats(s)->pages, 2);
	assert_string_equal(salesforce_stats(s)->limit_info, "api-usage=7/15000");
	salesforce_free(s);
	http_client_free(http);
	assert_int_equal(fx_server_stop(&reqs), 5);
	assert_non_null(strstr(reqs, "POST /services/oauth2/token "));
	assert_non_null(strstr(reqs, "grant_type=refresh_token&client_id=cid&client_secret=" SECRET
	    "&refresh_token=" REFRESH));
	assert_non_null(strstr(reqs, "GET /services/data/v60.0/query?q=SELECT%20Id%2C%20Name"));
	assert_non_null(strstr(reqs, "WHERE%20IsClosed%20%3D%20true%20AND%20CloseDate%20%3E%3D%20"
	    "2025-09-01%20AND%20LastModifiedDate%20%3E%202026-03-14T17%3A05%3A00Z%20ORDER%20BY"));
	assert_non_null(strstr(reqs, "Authorization: Bearer 00DA!first"));
	assert_non_null(strstr(reqs, "GET /services/data/v60.0/query/01gX-2 HTTP/1.1\r\n"
	    "Host: 127.0.0.1"));
	assert_non_null(strstr(reqs, "Authorization: Bearer 00DA!second"));
	free(reqs);
}

static void
refused_and_limited(void **state)
{
	const struct fx_reply grant[] = { { FX_SEND, 400, "{\"error\":\"invalid_grant\","
		"\"error_description\":\"expired access/refresh token\"}" } };
	const struct fx_reply limit[] = { { FX_SEND, 200, token1 }, { FX_SEND, 403,
		"[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]" } };
	const struct fx_reply twice[] = { { FX_SEND, 200, token1 }, { FX_SEND, 401,
		"[{\"errorCode\":\"INVALID_SESSION_ID\"}]" }, { FX_SEND, 200, token2 }, { FX_SEND, 401,
		"[{\"errorCode\":\"INVALID_SESSION_ID\"}]" } };
	http_client_t *http = client();
	salesforce_t *s;
	json_t *recs;
	char err[512];

	(void)state;
	fx_server_start(grant, 1);
	s = open_sf(http, REFRESH);
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_EAUTH);
	assert_non_null(strstr(err, "salesforce_refresh_token"));
	assert_null(strstr(err, REFRESH));
	assert_null(strstr(err, SECRET));
	salesforce_free(s);
	fx_server_stop(NULL);

	fx_server_start(limit, 2);
	s = open_sf(http, REFRESH);
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_ELIMIT);
	assert_non_null(strstr(err, "REQUEST_LIMIT_EXCEEDED"));
	salesforce_free(s);
	fx_server_stop(NULL);

	/* refused again after the refresh: the new session is refused too */
	fx_server_start(twice, 4);
	s = open_sf(http, REFRESH);
	assert_int_equal(salesforce_next(s, &recs, err, sizeof err), SALESFORCE_EAUTH);
	assert_null(strstr(err, "00DA!"));
	assert_int_equal(salesforce_stats(s)->refreshes, 2);
	salesforce_free(s);
	assert_int_equal(fx_server_stop(NULL), 4);
	http_client_free(http);
}

static void
missing_credential(void **state)
{
	struct salesforce_opts o = { 0 };
	salesforce_t *s;
	char err[256];
	http_client_t *http = client();

	(void)state;
	o.client_id = "cid";
	o.refresh_token = REFRESH;
	o.http = http;
	assert_int_equal(salesforce_new(&o, &s, err, sizeof err), SALESFORCE_EAUTH);
	assert_non_null(strstr(err, "salesforce_client_secret"));
	http_client_free(http);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pages_and_expiry),
		cmocka_unit_test(refused_and_limited),
		cmocka_unit_test(missing_credential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

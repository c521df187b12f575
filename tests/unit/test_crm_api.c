/* lib/crm_api (the CRM clients' record skeleton, times) and lib/crm_cursor on a real LMDB. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "crm_api.h"
#include "crm_cursor.h"
#include "fixture.h"

static void
times(void **state)
{
	int64_t ms;
	char iso[32];

	(void)state;
	assert_int_equal(crm_api_time_ms("2026-03-14T17:05:00.123Z", &ms), 0);
	assert_int_equal(ms, 1773507900123LL);
	assert_int_equal(crm_api_time_ms("2026-03-14T17:05:00.000+0000", &ms), 0);
	assert_int_equal(ms, 1773507900000LL);
	assert_int_equal(crm_api_time_ms("2026-03-14T19:05:00+02:00", &ms), 0);
	assert_int_equal(ms, 1773507900000LL);
	assert_int_equal(crm_api_time_ms("2026-03-14T17:05:00Z", &ms), 0);
	assert_int_equal(ms, 1773507900000LL);
	assert_int_equal(crm_api_time_ms("1773507900123", &ms), 0);
	assert_int_equal(ms, 1773507900123LL);
	assert_int_equal(crm_api_time_ms("2026-03-14", &ms), -1);
	assert_int_equal(crm_api_time_ms("2026-03-14T17:05:00Zjunk", &ms), -1);
	assert_int_equal(crm_api_time_ms("", &ms), -1);
	assert_int_equal(crm_api_time_ms(NULL, &ms), -1);
	crm_api_time_iso(1773507900123LL, 1, iso);
	assert_string_equal(iso, "2026-03-14T17:05:00.123Z");
	crm_api_time_iso(1773507900123LL, 0, iso);
	assert_string_equal(iso, "2026-03-14T17:05:00Z");
}

static void
deal_skeleton(void **state)
{
	struct crm_api_deal d = { "9000000001", "Globex - New", "Signed", "2026-03-14T17:00:00Z",
		"1.0E4", "EUR", NULL, "hubspot", 1, 1 };
	json_t *rec;

	(void)state;
	rec = crm_api_deal_new(&d);
	assert_non_null(rec);
	assert_int_equal(crm_api_custom(rec, "pipeline", "Partners"), 0);
	assert_int_equal(crm_api_custom(rec, "empty", ""), 0);
	assert_int_equal(crm_api_contact(rec, "201", "pat@globex.com", "Pat", NULL, "CFO",
	    "Decision Maker"), 0);
	assert_json_eq(rec, "{\"workspace_id\":null,\"deal_id\":\"9000000001\",\"deal_name\":"
	    "\"Globex - New\",\"stage\":\"Signed\",\"stage_normalized\":\"closed_won\","
	    "\"close_date\":\"2026-03-14T17:00:00Z\",\"amount\":\"1.0E4\",\"currency\":\"EUR\","
	    "\"owner\":null,\"source\":\"hubspot\",\"custom_fields\":{\"pipeline\":\"Partners\"},"
	    "\"account\":null,\"contacts\":[{\"contact_id\":\"201\",\"email\":\"pat@globex.com\","
	    "\"first_name\":\"Pat\",\"last_name\":null,\"title\":\"CFO\",\"crm_role\":\"Decision "
	    "Maker\"}]}");
	json_free(rec);
	/* closed, not won, an unknown label: lost by the flags */
	d.is_won = 0;
	rec = crm_api_deal_new(&d);
	assert_string_equal(json_str(json_get(rec, "stage_normalized")), "closed_lost");
	json_free(rec);
}

static void
account_firmographics(void **state)
{
	struct crm_api_deal d = { 0 };
	json_t *rec;

	(void)state;
	rec = crm_api_deal_new(&d);
	assert_int_equal(crm_api_account(rec, "301", "Globex", "globex.com", "OIL_ENERGY", "1600",
	    "1.0E8", "salesforce"), 0);
	assert_json_eq(json_get(rec, "account"), "{\"account_id\":\"301\",\"name\":\"Globex\","
	    "\"domain\":\"globex.com\",\"firmographics\":{\"industry\":\"oil energy\",\"employees\":"
	    "1600,\"size_band\":\"1001-5000\",\"annual_revenue\":100000000,\"source\":\"salesforce\"},"
	    "\"crm_firmographics\":{\"industry\":\"oil energy\",\"employees\":1600,\"size_band\":"
	    "\"1001-5000\",\"annual_revenue\":100000000,\"source\":\"salesforce\"}}");
	/* nothing the CRM knows: no firmographics at all */
	assert_int_equal(crm_api_account(rec, "302", "Initech", NULL, NULL, "", NULL, "hubspot"), 0);
	assert_json_eq(json_get(rec, "account"), "{\"account_id\":\"302\",\"name\":\"Initech\","
	    "\"domain\":null}");
	/* a revenue with cents is rounded; employees that are not a number are null */
	assert_int_equal(crm_api_account(rec, NULL, "X", NULL, "Retail", "many", "12.5", "hubspot"), 0);
	assert_json_eq(json_path(rec, "account.crm_firmographics"), "{\"industry\":\"retail\","
	    "\"employees\":null,\"size_band\":null,\"annual_revenue\":13,\"source\":\"hubspot\"}");
	/* nothing but values that are not numbers: firmographics of nulls, never an error */
	assert_int_equal(crm_api_account(rec, NULL, "Y", NULL, NULL, "n/a", "lots", "salesforce"), 0);
	assert_json_eq(json_path(rec, "account.firmographics"), "{\"industry\":null,"
	    "\"employees\":null,\"size_band\":null,\"annual_revenue\":null,\"source\":\"salesforce\"}");
	json_free(rec);
}

static void
cursor_commits_only_when_asked(void **state)
{
	db_t *db = fx_open_db("db");
	char v[CRM_CURSOR_MAX], err[256];

	(void)state;
	assert_int_equal(crm_cursor_get(db, "acme", "hubspot", v, err, sizeof err), DB_NOTFOUND);
	assert_string_equal(v, "");
	assert_int_equal(crm_cursor_commit(db, "acme", "hubspot", err, sizeof err), DB_NOTFOUND);
	assert_int_equal(crm_cursor_set_pending(db, "acme", "hubspot", "2026-03-14T17:05:00.000Z",
	    err, sizeof err), DB_OK);
	/* pending is not the cursor yet: a failed run after it changes nothing */
	assert_int_equal(crm_cursor_get(db, "acme", "hubspot", v, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(crm_cursor_get_pending(db, "acme", "hubspot", v, err, sizeof err), DB_OK);
	assert_string_equal(v, "2026-03-14T17:05:00.000Z");
	assert_int_equal(crm_cursor_commit(db, "acme", "hubspot", err, sizeof err), DB_OK);
	assert_int_equal(crm_cursor_get(db, "acme", "hubspot", v, err, sizeof err), DB_OK);
	assert_string_equal(v, "2026-03-14T17:05:00.000Z");
	assert_int_equal(crm_cursor_get_pending(db, "acme", "hubspot", v, err, sizeof err),
	    DB_NOTFOUND);
	assert_int_equal(crm_cursor_commit(db, "acme", "hubspot", err, sizeof err), DB_NOTFOUND);
	/* an older pending cursor never moves the committed one back */
	assert_int_equal(crm_cursor_set_pending(db, "acme", "hubspot", "2026-01-01T00:00:00.000Z",
	    err, sizeof err), DB_OK);
	assert_int_equal(crm_cursor_commit(db, "acme", "hubspot", err, sizeof err), DB_OK);
	assert_int_equal(crm_cursor_get(db, "acme", "hubspot", v, err, sizeof err), DB_OK);
	assert_string_equal(v, "2026-03-14T17:05:00.000Z");
	/* per workspace and per CRM */
	assert_int_equal(crm_cursor_get(db, "other", "hubspot", v, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(crm_cursor_get(db, "acme", "salesforce", v, err, sizeof err), DB_NOTFOUND);
	assert_int_equal(crm_cursor_set_pending(db, "acme", "hubspot",
	    "a cursor far longer than any time ever written", err, sizeof err), DB_EKEY);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times),
		cmocka_unit_test(deal_skeleton),
		cmocka_unit_test(account_firmographics),
		cmocka_unit_test(cursor_commits_only_when_asked),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

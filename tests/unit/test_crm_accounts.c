/* lib/crm_accounts: an accounts file joined by ID, else by name ignoring case and blanks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm.h"
#include "crm_accounts.h"
#include "crm_map.h"

static crm_table_t *
accounts_table(char **hdr, size_t n)
{
	crm_table_t *t;
	char err[1536];

	assert_int_equal(crm_table_new_mapped(CRM_KIND_ACCOUNTS, hdr, n, NULL, CRM_MAP_ACCOUNTS, &t,
	    err, sizeof err), CRM_OK);
	return t;
}

static void
joins_by_id_then_by_name(void **state)
{
	char *hdr[] = { "Record ID", "Company name", "Industry", "Number of Employees", "Annual Revenue",
		"Website" };
	char *a1[] = { "301", "Globex  Corp", "Oil & Energy", "1,600", "$100,000,000", "globex.com" };
	char *a2[] = { "", "Initech", "", "250", "", "" };
	char *bad[] = { "303", "Hooli", "", "many", "", "" };
	char *none[] = { "", "", "Retail", "", "", "" };
	crm_table_t *t = accounts_table(hdr, 6);
	crm_accounts_t *a = crm_accounts_new();
	crm_fields_t r;
	char err[256];

	(void)state;
	assert_int_equal(crm_accounts_add_row(a, t, a1, 6, err, sizeof err), CRM_OK);
	assert_int_equal(crm_accounts_add_row(a, t, a2, 6, err, sizeof err), CRM_OK);
	assert_int_equal(crm_accounts_add_row(a, t, bad, 6, err, sizeof err), CRM_BAD);
	assert_string_equal(err, "employees 'many' is not a number");
	assert_int_equal(crm_accounts_add_row(a, t, none, 6, err, sizeof err), CRM_BAD);
	assert_string_equal(err, "no account ID or name to join this account on");
	assert_int_equal(crm_accounts_add_row(a, t, a2, 3, err, sizeof err), CRM_BAD);
	assert_int_equal(crm_accounts_size(a), 2);

	/* by ID: the deal's own values win, the account fills the rest */
	memset(&r, 0, sizeof r);
	r.v[CRM_F_ACCOUNT_ID] = strdup("301");
	r.v[CRM_F_INDUSTRY] = strdup("Energy");
	assert_int_equal(crm_accounts_fill(a, &r), 1);
	assert_string_equal(r.v[CRM_F_ACCOUNT_NAME], "Globex  Corp");
	assert_string_equal(r.v[CRM_F_INDUSTRY], "Energy");
	assert_string_equal(r.v[CRM_F_EMPLOYEES], "1,600");
	assert_string_equal(r.v[CRM_F_REVENUE], "$100,000,000");
	assert_string_equal(r.v[CRM_F_DOMAIN], "globex.com");
	crm_fields_free(&r);
	/* by name, ignoring case and blanks */
	r.v[CRM_F_ACCOUNT_NAME] = strdup("GLOBEX CORP");
	assert_int_equal(crm_accounts_fill(a, &r), 1);
	assert_string_equal(r.v[CRM_F_ACCOUNT_ID], "301");
	assert_string_equal(r.v[CRM_F_ACCOUNT_NAME], "GLOBEX CORP");
	crm_fields_free(&r);
	/* an ID that is not there falls back on the name */
	r.v[CRM_F_ACCOUNT_ID] = strdup("999");
	r.v[CRM_F_ACCOUNT_NAME] = strdup(" initech ");
	assert_int_equal(crm_accounts_fill(a, &r), 1);
	assert_string_equal(r.v[CRM_F_EMPLOYEES], "250");
	assert_null(r.v[CRM_F_INDUSTRY]);
	crm_fields_free(&r);
	r.v[CRM_F_ACCOUNT_NAME] = strdup("Initrode");
	assert_int_equal(crm_accounts_fill(a, &r), 0);
	assert_null(r.v[CRM_F_EMPLOYEES]);
	crm_fields_free(&r);
	crm_accounts_free(a);
	crm_table_free(t);
}

/* Through the builder: the record's account carries the firmographics with their source. */
static void
deal_record_gets_the_accounts_firmographics(void **state)
{
	char *ahdr[] = { "id", "name", "employees", "industry" };
	char *arow[] = { "A1", "Globex", "1600", "OIL_ENERGY" };
	char *dhdr[] = { "deal_id", "stage", "close_date", "account_id", "account_name" };
	char *drow[] = { "D1", "Won", "2026-10-01", "A1", "Globex" };
	crm_opts_t o = { 0 };
	crm_ctx_t *c;
	crm_table_t *at = accounts_table(ahdr, 4), *dt;
	json_t *rec;
	char err[1536];

	(void)state;
	o.workspace = "acme";
	c = crm_ctx_new(&o);
	assert_int_equal(crm_ctx_add_account_row(c, at, arow, 4, err, sizeof err), CRM_OK);
	assert_int_equal(crm_ctx_accounts(c), 1);
	assert_int_equal(crm_table_new(CRM_KIND_UNKNOWN, dhdr, 5, &dt, err, sizeof err), CRM_OK);
	assert_int_equal(crm_deal_from_row(c, dt, drow, 5, &rec, err, sizeof err), CRM_OK);
	assert_string_equal(json_str(json_get(rec, "stage_normalized")), "closed_won");
	assert_string_equal(json_str(json_path(rec, "account.firmographics.industry")), "oil energy");
	assert_string_equal(json_str(json_path(rec, "account.firmographics.size_band")), "1001-5000");
	assert_string_equal(json_str(json_path(rec, "account.firmographics.source")), "csv");
	assert_string_equal(json_str(json_path(rec, "account.crm_firmographics.industry")), "oil energy");
	json_free(rec);
	crm_table_free(dt);
	crm_table_free(at);
	crm_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joins_by_id_then_by_name),
		cmocka_unit_test(deal_record_gets_the_accounts_firmographics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

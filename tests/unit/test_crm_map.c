/* lib/crm_map: --map and map.FIELD entries, and a header read through them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm.h"
#include "crm_map.h"
#include "fixture.h"
#include "workspace.h"

static int
setup(void **state)
{
	if (fx_setup(state) != 0 || fx_config_home() != 0)
		return -1;
	return 0;
}

static void
specs_name_canonical_fields(void **state)
{
	crm_map_t *m = crm_map_new();
	const char *col, *origin;
	char err[1024];
	int files;

	(void)state;
	assert_int_equal(crm_map_add_spec(m, "stage=deal_stage", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_add_spec(m, " account.industry = Sector ", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_size(m), 2);
	assert_int_equal(crm_map_entry(m, 1, &col, &origin, &files), CRM_F_INDUSTRY);
	assert_string_equal(col, "Sector");
	assert_string_equal(origin, "--map  account.industry = Sector ");
	assert_int_equal(files, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS);
	/* a second entry for a field replaces the first */
	assert_int_equal(crm_map_add_spec(m, "stage=Phase", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_size(m), 2);
	assert_int_equal(crm_map_entry(m, 0, &col, NULL, NULL), CRM_F_STAGE);
	assert_string_equal(col, "Phase");

	assert_int_equal(crm_map_add_spec(m, "stgae=deal_stage", err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "--map stgae=deal_stage: 'stgae' is not a field (did you mean stage?"));
	assert_int_equal(crm_map_add_spec(m, "sector=x", err, sizeof err), CRM_BAD);
	assert_int_equal(crm_map_add_spec(m, "industry=x", err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "did you mean account.industry?"));
	assert_int_equal(crm_map_add_spec(m, "stage", err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "expected FIELD=COLUMN"));
	assert_int_equal(crm_map_add_spec(m, "stage=  ", err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "maps to no column"));
	assert_int_equal(crm_map_size(m), 2);
	assert_int_equal(crm_map_field("contact.linkedin_url", &files), CRM_F_C_LINKEDIN);
	assert_int_equal(crm_map_field("linkedin_url", NULL), -1);
	crm_map_free(m);
}

/* The workspace's map.FIELD lines come after the options, which win. */
static void
workspace_lines_under_the_options(void **state)
{
	workspace_t *w;
	crm_map_t *m = crm_map_new();
	const char *col, *origin;
	char err[1024];

	(void)state;
	fx_workspace("mapws", "lookback_months = 12\nmap.stage = deal_stage\nmap.amount = close_value\n");
	assert_int_equal(workspace_open("mapws", NULL, &w, err, sizeof err), WORKSPACE_OK);
	assert_int_equal(crm_map_add_spec(m, "amount=Value", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_add_conf(m, workspace_conf(w), err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_size(m), 2);
	assert_int_equal(crm_map_entry(m, 0, &col, NULL, NULL), CRM_F_AMOUNT);
	assert_string_equal(col, "Value");
	assert_int_equal(crm_map_entry(m, 1, &col, &origin, NULL), CRM_F_STAGE);
	assert_string_equal(col, "deal_stage");
	assert_non_null(strstr(origin, "mapws.conf:2"));
	workspace_free(w);
	crm_map_free(m);
}

static void
header_through_the_map(void **state)
{
	char *hdr[] = { "opportunity_id", "Deal Stage", "close_value", "account", "sector", "Amount" };
	char *row[] = { "OPP-1", "Won", "$25,000", "Globex", "Oil_Energy", "7" };
	crm_map_t *m = crm_map_new();
	crm_table_t *t;
	crm_fields_t r;
	char err[1536];

	(void)state;
	assert_int_equal(crm_map_add_spec(m, "deal_id=Opportunity_ID", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_add_spec(m, "amount=close_value", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_add_spec(m, "account.industry=sector", err, sizeof err), CRM_OK);
	assert_int_equal(crm_table_new_mapped(CRM_KIND_UNKNOWN, hdr, 6, m, CRM_MAP_DEALS, &t, err,
	    sizeof err), CRM_OK);
	assert_int_equal(crm_table_col(t, CRM_F_DEAL_ID), 0);
	assert_int_equal(crm_table_col(t, CRM_F_STAGE), 1);     /* its alias still works */
	assert_int_equal(crm_table_col(t, CRM_F_AMOUNT), 2);    /* the map wins over "Amount" */
	assert_int_equal(crm_table_col(t, CRM_F_ACCOUNT_NAME), 3);
	assert_int_equal(crm_table_col(t, CRM_F_INDUSTRY), 4);
	assert_int_equal(crm_fields_fill(&r, t, row, 6), CRM_OK);
	assert_string_equal(r.v[CRM_F_AMOUNT], "$25,000");
	assert_string_equal(r.v[CRM_F_INDUSTRY], "Oil_Energy");
	crm_fields_free(&r);
	crm_table_free(t);

	/* a column the header lacks: named, with the map's origin and the header's columns */
	assert_int_equal(crm_map_add_spec(m, "owner=rep", err, sizeof err), CRM_OK);
	assert_int_equal(crm_table_new_mapped(CRM_KIND_UNKNOWN, hdr, 6, m, CRM_MAP_DEALS, &t, err,
	    sizeof err), CRM_BAD);
	assert_null(t);
	assert_string_equal(err, "no column 'rep' (--map owner=rep); the header's columns: "
	    "'opportunity_id', 'Deal Stage', 'close_value', 'account', 'sector', 'Amount'");
	crm_map_free(m);
}

/* account.* may be in the accounts file or the deals file, but in one of them. */
static void
account_fields_in_either_file(void **state)
{
	char *acc[] = { "Name", "Employees" };
	char *deals[] = { "deal_id", "stage", "account" };
	crm_map_t *m = crm_map_new();
	crm_table_t *t;
	char err[1536];

	(void)state;
	assert_int_equal(crm_map_add_spec(m, "account.employees=Employees", err, sizeof err), CRM_OK);
	assert_int_equal(crm_map_add_spec(m, "account.industry=sector", err, sizeof err), CRM_OK);
	assert_int_equal(crm_table_new_mapped(CRM_KIND_ACCOUNTS, acc, 2, m, CRM_MAP_ACCOUNTS, &t, err,
	    sizeof err), CRM_OK);
	assert_int_equal(crm_table_kind(t), CRM_KIND_ACCOUNTS);
	assert_int_equal(crm_table_col(t, CRM_F_ACCOUNT_NAME), 0);   /* "name" in an accounts file */
	assert_int_equal(crm_table_col(t, CRM_F_EMPLOYEES), 1);
	crm_table_free(t);
	/* employees came from the accounts file; sector is in neither */
	assert_int_equal(crm_table_new_mapped(CRM_KIND_UNKNOWN, deals, 3, m, CRM_MAP_DEALS, &t, err,
	    sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "no column 'sector' (--map account.industry=sector)"));
	/* a file not yet known to be deals or contacts is not checked */
	assert_int_equal(crm_table_new_mapped(CRM_KIND_UNKNOWN, deals, 3, m, 0, &t, err,
	    sizeof err), CRM_OK);
	crm_table_free(t);
	crm_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(specs_name_canonical_fields),
		cmocka_unit_test(workspace_lines_under_the_options),
		cmocka_unit_test(header_through_the_map),
		cmocka_unit_test(account_fields_in_either_file),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm_read.h"

#include "fixture.h"

/* What a reader handed on: the deals' IDs and contacts, and the messages. */
struct got {
	buf_t deals, msgs;
	int stop_after;     /* deal() fails after this many; 0: never */
	int n;
};

static int
take(void *arg, json_t *deal)
{
	struct got *g = arg;
	const json_t *cs = json_get(deal, "contacts");

	buf_addf(&g->deals, "%s:%zu;", json_str(json_get(deal, "deal_id")), json_len(cs));
	json_free(deal);
	return g->stop_after && ++g->n >= g->stop_after ? -1 : 0;
}

static void
say(void *arg, const char *msg)
{
	struct got *g = arg;

	buf_addf(&g->msgs, "%s|", msg);
}

static char *
file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", fx_dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static void
reader(crm_reader_t *rd, struct got *g, crm_ctx_t *c)
{
	memset(rd, 0, sizeof *rd);
	memset(g, 0, sizeof *g);
	buf_init(&g->deals, 1 << 16);
	buf_init(&g->msgs, 1 << 16);
	rd->ctx = c;
	rd->deal = take;
	rd->say = say;
	rd->arg = g;
}

static void
done(struct got *g)
{
	buf_free(&g->deals);
	buf_free(&g->msgs);
}

/* A report with a row per contact role: one deal per run of rows, footers skipped. */
static void
csv_rows_of_one_deal_are_one_record(void **state)
{
	crm_ctx_t *c = crm_ctx_new(NULL);
	crm_reader_t rd;
	struct got g;
	char rej[600], *p;
	FILE *rf;

	(void)state;
	reader(&rd, &g, c);
	snprintf(rej, sizeof rej, "%s/rejects", fx_dir);
	assert_non_null(rf = fopen(rej, "w"));
	rd.rejects = rf;
	p = file("opps.csv",
	    "Opportunity ID,Opportunity Name,Stage,Close Date,Email\n"
	    "0061,Globex,Closed Won,2026-05-01,a@globex.com\n"
	    "0061,Globex,Closed Won,2026-05-01,b@globex.com\n"
	    "0062,Initech,Closed Lost,someday,c@initech.com\n"
	    "0063,Hooli,Closed Won,2026-04-01,\n"
	    "Grand Totals (3 records),,,,\n");
	assert_int_equal(crm_read_input(&rd, p), CRM_OK);
	fclose(rf);
	assert_string_equal(buf_ptr(&g.deals), "0061:2;0063:0;");
	assert_int_equal(rd.bad, 1);
	assert_int_equal(rd.skipped, 1);
	assert_non_null(strstr(buf_ptr(&g.msgs), "opps.csv:4: close date 'someday' is not"));
	assert_non_null(rf = fopen(rej, "r"));
	assert_non_null(fgets(rej, sizeof rej, rf));
	assert_string_equal(rej, "0062,Initech,Closed Lost,someday,c@initech.com\n");
	fclose(rf);
	done(&g);
	crm_ctx_free(c);
}

static void
contacts_come_first(void **state)
{
	crm_ctx_t *c = crm_ctx_new(NULL);
	crm_reader_t rd;
	struct got g;
	char deals[600];
	int is;

	(void)state;
	reader(&rd, &g, c);
	snprintf(deals, sizeof deals, "%s", file("deals.csv",
	    "Opportunity ID,Opportunity Name,Stage,Close Date\n0061,Globex,Closed Won,2026-05-01\n"));
	/* a deals export is no contacts export: quietly when not given as one */
	assert_int_equal(crm_read_contacts(&rd, deals, 0, &is), CRM_OK);
	assert_int_equal(is, 0);
	assert_int_equal(crm_read_contacts(&rd, deals, 1, &is), CRM_EUSAGE);
	assert_non_null(strstr(buf_ptr(&g.msgs), "not a contacts export (it looks like "
	    "salesforce-opportunities)"));
	assert_int_equal(crm_read_contacts(&rd, file("c.ndjson", "{\"a\":1}\n"), 1, &is), CRM_EUSAGE);
	assert_int_equal(crm_read_contacts(&rd, file("roles.csv",
	    "Opportunity ID,Contact: Full Name,Email,Role\n0061,Pat Ng,pat@globex.com,Champion\n"),
	    0, &is), CRM_OK);
	assert_int_equal(is, 1);
	assert_int_equal(crm_ctx_contacts(c), 1);
	assert_int_equal(crm_read_input(&rd, deals), CRM_OK);
	assert_string_equal(buf_ptr(&g.deals), "0061:1;");
	assert_int_equal(crm_read_input(&rd, "/nonexistent/x.csv"), CRM_EIO);
	assert_non_null(strstr(buf_ptr(&g.msgs), "/nonexistent/x.csv: No such file"));
	done(&g);
	crm_ctx_free(c);
}

/* NDJSON is told by its first byte; a bad record is told and the rest read. */
static void
ndjson_and_stopping(void **state)
{
	crm_ctx_t *c = crm_ctx_new(NULL);
	crm_reader_t rd;
	struct got g;
	char *p;

	(void)state;
	reader(&rd, &g, c);
	p = file("d.ndjson", "  {\"deal_id\":\"1\",\"stage\":\"Closed Won\"}\n"
	    "not json\n"
	    "{\"deal_id\":\"2\",\"close_date\":\"soon\"}\n"
	    "{\"deal_id\":3,\"stage\":\"Closed Lost\"}\n");
	assert_int_equal(crm_read_input(&rd, p), CRM_OK);
	assert_string_equal(buf_ptr(&g.deals), "1:0;3:0;");
	assert_int_equal(rd.bad, 2);
	assert_non_null(strstr(buf_ptr(&g.msgs), "d.ndjson:3: close_date 'soon' is not a date"));
	done(&g);
	/* deal() stops the reading */
	reader(&rd, &g, c);
	g.stop_after = 1;
	assert_int_equal(crm_read_input(&rd, p), CRM_EIO);
	assert_string_equal(buf_ptr(&g.deals), "1:0;");
	done(&g);
	crm_ctx_free(c);
}

static void
formats_by_name(void **state)
{
	crm_format f;

	(void)state;
	assert_int_equal(crm_format_parse("salesforce", &f), 0);
	assert_int_equal(f, CRM_FMT_SALESFORCE);
	assert_int_equal(crm_format_parse("ndjson", &f), 0);
	assert_int_equal(f, CRM_FMT_NDJSON);
	assert_int_equal(crm_format_parse("xlsx", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_rows_of_one_deal_are_one_record),
		cmocka_unit_test(contacts_come_first),
		cmocka_unit_test(ndjson_and_stopping),
		cmocka_unit_test(formats_by_name),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}

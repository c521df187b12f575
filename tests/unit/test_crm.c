#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crm.h"

#include "fixture.h"

/* Splits a CSV-ish line on '|' (tests need no quoting) into fields. */
struct row {
	char *mem;
	char *f[64];
	size_t n;
};

static void
row(struct row *r, const char *line)
{
	char *p;

	r->mem = strdup(line);
	r->n = 0;
	p = r->mem;
	for (;;) {
		r->f[r->n++] = p;
		p = strchr(p, '|');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
}

static crm_table_t *
table(crm_kind kind, const char *hdr)
{
	struct row h;
	crm_table_t *t;
	char err[512];

	row(&h, hdr);
	int rc = crm_table_new(kind, h.f, h.n, &t, err, sizeof err);
	if (rc != CRM_OK)
		fail_msg("table: %s", err);
	free(h.mem);
	return t;
}

/* One deal row -> its JSON text, or "SKIP", or "BAD: reason". */
static char *
deal(crm_ctx_t *c, crm_table_t *t, const char *line)
{
	struct row r;
	json_t *rec;
	char err[512], *s;
	int rc;

	row(&r, line);
	rc = crm_deal_from_row(c, t, r.f, r.n, &rec, err, sizeof err);
	free(r.mem);
	if (rc == CRM_SKIP)
		return strdup("SKIP");
	if (rc == CRM_BAD) {
		s = malloc(strlen(err) + 6);
		sprintf(s, "BAD: %s", err);
		return s;
	}
	assert_int_equal(rc, CRM_OK);
	s = fx_dump(rec);
	json_free(rec);
	return s;
}

static int
contact_row(crm_ctx_t *c, crm_table_t *t, const char *line)
{
	struct row r;
	char err[512];
	int rc;

	row(&r, line);
	rc = crm_ctx_add_contact_row(c, t, r.f, r.n, err, sizeof err);
	free(r.mem);
	return rc;
}

static crm_kind
detect(const char *hdr)
{
	struct row h;
	crm_kind k;

	row(&h, hdr);
	k = crm_detect(h.f, h.n);
	free(h.mem);
	return k;
}

static void
detects_exports(void **state)
{
	(void)state;
	assert_int_equal(detect("Record ID|Deal Name|Deal Stage|Amount|Close Date|Deal owner"), CRM_KIND_HUBSPOT_DEALS);
	assert_int_equal(detect(" record id |DEAL NAME|deal   stage"), CRM_KIND_HUBSPOT_DEALS);
	assert_int_equal(detect("Opportunity Owner|Account Name|Opportunity Name|Stage|Amount|Close Date"), CRM_KIND_SF_OPPORTUNITIES);
	assert_int_equal(detect("Record ID|First Name|Last Name|Email|Job Title"), CRM_KIND_HUBSPOT_CONTACTS);
	assert_int_equal(detect("Opportunity ID|Opportunity Name|First Name|Last Name|Title|Email|Contact Role"), CRM_KIND_SF_CONTACT_ROLES);
	assert_int_equal(detect("deal_id|deal_name|stage|close_date|amount"), CRM_KIND_GENERIC_DEALS);
	assert_int_equal(detect("foo|bar|baz"), CRM_KIND_UNKNOWN);
	assert_int_equal(detect(""), CRM_KIND_UNKNOWN);
	assert_string_equal(crm_kind_name(CRM_KIND_SF_CONTACT_ROLES), "salesforce-contact-roles");
	assert_string_equal(crm_kind_source(CRM_KIND_HUBSPOT_CONTACTS), "hubspot");
}

static void
unknown_header_is_refused(void **state)
{
	struct row h;
	crm_table_t *t;
	char err[512];

	(void)state;
	row(&h, "foo|bar");
	assert_int_equal(crm_table_new(CRM_KIND_UNKNOWN, h.f, h.n, &t, err, sizeof err), CRM_BAD);
	assert_null(t);
	assert_non_null(strstr(err, "cannot tell what export this is"));
	free(h.mem);
	row(&h, "Stage|Amount");
	assert_int_equal(crm_table_new(CRM_KIND_UNKNOWN, h.f, h.n, &t, err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "no column to read a deal ID or name from"));
	free(h.mem);
}

static void
hubspot_deal_joined_to_contacts(void **state)
{
	crm_opts_t o = { .workspace = "acme" };
	crm_ctx_t *c = crm_ctx_new(&o);
	crm_table_t *ct = table(CRM_KIND_UNKNOWN,
	    "Record ID|First Name|Last Name|Email|Job Title|Buying Role|Associated Deal IDs");
	crm_table_t *dt = table(CRM_KIND_UNKNOWN,
	    "Record ID|Deal Name|Deal Stage|Amount|Close Date|Deal owner|Associated Company (Primary)|"
	    "Associated Company IDs (Primary)|Company Domain Name|Associated Contact IDs|Champion Name|Pipeline");
	char *s;

	(void)state;
	assert_int_equal(crm_table_kind(ct), CRM_KIND_HUBSPOT_CONTACTS);
	assert_int_equal(contact_row(c, ct, "201|Pat|Ng|Pat@Globex.com|CFO|Economic Buyer|"), CRM_OK);
	assert_int_equal(contact_row(c, ct, "202|Sam|Rivera|sam@globex.com|VP Engineering||9000000001"), CRM_OK);
	assert_int_equal(contact_row(c, ct, "203|Art|V|art@gmail.com|CEO||9000000002"), CRM_OK);
	assert_int_equal(contact_row(c, ct, "||||||"), CRM_SKIP);
	assert_int_equal(contact_row(c, ct, "|||||x|9000000001"), CRM_BAD);
	assert_int_equal(crm_ctx_contacts(c), 3);

	s = deal(c, dt, "9000000001|Globex - New Business|Closed Won|$25,000|2026-03-14 17:00|Jo Smith|Globex|301;302|"
	    "https://www.Globex.com/|201;202|Pat Ng|default");
	assert_string_equal(s,
	    "{\"workspace_id\":\"acme\",\"deal_id\":\"9000000001\",\"deal_name\":\"Globex - New Business\","
	    "\"stage\":\"Closed Won\",\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-03-14\","
	    "\"amount\":25000,\"currency\":\"USD\",\"owner\":\"Jo Smith\",\"source\":\"hubspot\","
	    "\"custom_fields\":{\"champion_name\":\"Pat Ng\",\"pipeline\":\"default\"},"
	    "\"account\":{\"account_id\":\"301\",\"name\":\"Globex\",\"domain\":\"globex.com\"},"
	    "\"contacts\":[{\"contact_id\":\"201\",\"email\":\"pat@globex.com\",\"first_name\":\"Pat\","
	    "\"last_name\":\"Ng\",\"title\":\"CFO\",\"crm_role\":\"Economic Buyer\"},"
	    "{\"contact_id\":\"202\",\"email\":\"sam@globex.com\",\"first_name\":\"Sam\",\"last_name\":\"Rivera\","
	    "\"title\":\"VP Engineering\",\"crm_role\":null}]}");
	free(s);
	/* contacts linked from the contacts' side; a free-mail domain is never the account's */
	s = deal(c, dt, "9000000002|Vandelay|closedlost|0|9/30/2026|||||||");
	assert_non_null(strstr(s, "\"stage_normalized\":\"closed_lost\",\"close_date\":\"2026-09-30\",\"amount\":0"));
	assert_non_null(strstr(s, "\"domain\":null"));
	assert_non_null(strstr(s, "\"email\":\"art@gmail.com\""));
	free(s);
	/* an unknown contact id stays as an id */
	s = deal(c, dt, "9000000003|X|Closed Won|||||||999||");
	assert_non_null(strstr(s, "\"contacts\":[{\"contact_id\":\"999\",\"email\":null"));
	assert_non_null(strstr(s, "\"amount\":null,\"currency\":null"));
	free(s);
	crm_table_free(ct);
	crm_table_free(dt);
	crm_ctx_free(c);
}

static void
bad_rows_say_why(void **state)
{
	crm_opts_t o = { 0 };
	crm_ctx_t *c = crm_ctx_new(&o);
	crm_table_t *t = table(CRM_KIND_UNKNOWN, "Record ID|Deal Name|Deal Stage|Amount|Close Date");
	char *s;

	(void)state;
	s = deal(c, t, "1|A|Closed Won|100|2026-02-30");
	assert_string_equal(s, "BAD: close date '2026-02-30' is not a YYYY-MM-DD or M/D/Y date");
	free(s);
	s = deal(c, t, "1|A|Closed Won|lots|2026-02-03");
	assert_string_equal(s, "BAD: amount 'lots' is not a number");
	free(s);
	s = deal(c, t, "|A|Closed Won|1|2026-02-03");
	assert_string_equal(s, "BAD: no deal ID");
	free(s);
	s = deal(c, t, "1|A|Closed Won");
	assert_string_equal(s, "BAD: 3 fields, the header has 5");
	free(s);
	s = deal(c, t, "1|A|Closed Won|1|2026-02-03|extra");
	assert_string_equal(s, "BAD: 6 fields, the header has 5");
	free(s);
	s = deal(c, t, "1|A|Closed Won|1|2026-02-03|");
	assert_non_null(strstr(s, "\"deal_id\":\"1\""));
	free(s);
	s = deal(c, t, "||||");
	assert_string_equal(s, "SKIP");
	free(s);
	crm_table_free(t);
	crm_ctx_free(c);
}

static void
salesforce_report_with_roles(void **state)
{
	crm_opts_t o = { .workspace = "w", .date_order = DATE_MDY };
	crm_ctx_t *c = crm_ctx_new(&o);
	crm_table_t *rt = table(CRM_KIND_UNKNOWN, "Opportunity ID|Opportunity Name|First Name|Last Name|Title|Email|Contact Role");
	crm_table_t *ot = table(CRM_KIND_UNKNOWN,
	    "Opportunity Owner|Account Name|Opportunity Name|Stage|Amount Currency|Amount|Close Date|Opportunity ID|Won|Closed|Probability (%)");
	crm_table_t *nt = table(CRM_KIND_UNKNOWN,
	    "Opportunity Owner|Account Name|Opportunity Name|Stage|Amount Currency|Amount|Close Date|Won|Closed");
	char *s, *s2;

	(void)state;
	assert_int_equal(crm_table_kind(rt), CRM_KIND_SF_CONTACT_ROLES);
	assert_int_equal(crm_table_kind(ot), CRM_KIND_SF_OPPORTUNITIES);
	assert_int_equal(contact_row(c, rt, "0065g00000AbCdE|Initrode - CRM|Samir|N|VP Engineering|samir@initrode.com|Technical Buyer"), CRM_OK);
	assert_int_equal(contact_row(c, rt, "|Wonka - Sensors|Willy|Wonka|CEO|willy@wonka.com|Decision Maker"), CRM_OK);
	assert_int_equal(contact_row(c, rt, "Grand Totals (2 records)"), CRM_SKIP);

	/* 18-character ID joined to the 15-character one */
	s = deal(c, ot, "Jo|Initrode|Initrode - CRM|Negotiation|GBP|\xc2\xa3" "84,000.00|9/15/2026|0065g00000AbCdEAAV|1|1|100");
	assert_non_null(strstr(s, "\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-09-15\",\"amount\":84000,\"currency\":\"GBP\""));
	assert_non_null(strstr(s, "\"custom_fields\":{\"probability\":\"100\"}"));
	assert_non_null(strstr(s, "\"account\":{\"account_id\":null,\"name\":\"Initrode\",\"domain\":\"initrode.com\"}"));
	assert_non_null(strstr(s, "\"crm_role\":\"Technical Buyer\""));
	free(s);
	/* an empty ID where the report has the column */
	s = deal(c, ot, "Jo|Wonka|wonka - sensors|Closed Lost|USD|10|11/3/2026||FALSE|TRUE|0");
	assert_string_equal(s, "BAD: no deal ID");
	free(s);
	/* joined by name, when the report has no ID column */
	s = deal(c, nt, "Jo|Wonka|wonka - sensors|Closed Lost|USD|10|11/3/2026|FALSE|TRUE");
	assert_non_null(strstr(s, "\"deal_id\":\"salesforce-"));
	assert_non_null(strstr(s, "\"stage_normalized\":\"closed_lost\""));
	assert_non_null(strstr(s, "willy@wonka.com"));
	s2 = deal(c, nt, "Jo|Wonka|wonka - sensors|Closed Lost|USD|10|11/3/2026|FALSE|TRUE");
	assert_string_equal(s, s2);   /* the made-up deal_id is stable */
	free(s2);
	s2 = deal(c, nt, "Jo|Wonka|wonka - sensors 2|Closed Lost|USD|10|11/3/2026|FALSE|TRUE");
	assert_string_not_equal(s, s2);
	free(s);
	free(s2);
	s = deal(c, ot, "Confidential Information - Do Not Distribute");
	assert_string_equal(s, "SKIP");
	free(s);
	s = deal(c, ot, "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.");
	assert_string_equal(s, "SKIP");
	free(s);
	s = deal(c, ot, "Jo|Wonka|W|Closed Won|USD|10|30/09/2026|X|1|1|0");
	assert_string_equal(s, "BAD: close date '30/09/2026' is not a YYYY-MM-DD or M/D/Y date");
	free(s);
	crm_table_free(rt);
	crm_table_free(ot);
	crm_table_free(nt);
	crm_ctx_free(c);
}

/* One row of a table in a context of its own: the record holds each of want. */
static const struct one_row {
	const char *hdr, *line;
	const char *want[4];
} one_rows[] = {
	/* associated contact labels: "Name (email)" lists, the account from the email */
	{ "Record ID|Deal Name|Deal Stage|Associated Contact",
	  "7|Hooli|Closed Won|Gavin Belson (gavin@hooli.com);Richard Hendricks (richard@hooli.com);Jian Yang",
	  { "\"account\":{\"account_id\":null,\"name\":null,\"domain\":\"hooli.com\"}",
	    "{\"contact_id\":null,\"email\":\"gavin@hooli.com\",\"first_name\":\"Gavin\",\"last_name\":\"Belson\"",
	    "{\"contact_id\":null,\"email\":null,\"first_name\":\"Jian\",\"last_name\":\"Yang\"" } },
	/* custom field names are unique */
	{ "deal_id|stage|Next Step|next step|Next-Step|", "1|Closed Won|a|b|c|d",
	  { "\"custom_fields\":{\"next_step\":\"a\",\"next_step_2\":\"b\",\"next_step_3\":\"c\"}",
	    "\"source\":\"csv\"" } },
};

static void
single_rows(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof one_rows / sizeof one_rows[0]; i++) {
		crm_opts_t o = { 0 };
		crm_ctx_t *c = crm_ctx_new(&o);
		crm_table_t *t = table(CRM_KIND_UNKNOWN, one_rows[i].hdr);
		char *s = deal(c, t, one_rows[i].line);

		for (j = 0; j < 4 && one_rows[i].want[j]; j++)
			if (strstr(s, one_rows[i].want[j]) == NULL)
				fail_msg("%s\nlacks %s", s, one_rows[i].want[j]);
		free(s);
		crm_table_free(t);
		crm_ctx_free(c);
	}
}

/* The record crm_deal_from_json makes of in (which it takes), as text; free it. */
static char *
from_json(crm_ctx_t *c, json_t *in)
{
	json_t *out = NULL;
	char err[256], *s;

	if (crm_deal_from_json(c, in, &out, err, sizeof err) != CRM_OK)
		fail_msg("crm_deal_from_json: %s", err);
	s = fx_dump(out);
	json_free(out);
	return s;
}

static void
canonical_json_keeps_everything(void **state)
{
	crm_opts_t o = { .workspace = "default" };
	crm_ctx_t *c = crm_ctx_new(&o);
	json_t *in, *out;
	char err[256], *s;

	(void)state;
	in = J("{\"amount\":0.1,\"n\":12345678901234567891,\"x\":{\"keep\":\"me\"}}");
	assert_int_equal(crm_deal_from_json(c, in, &out, err, sizeof err), CRM_OK);
	assert_ptr_equal(in, out);
	s = fx_dump(out);
	assert_string_equal(s, "{\"amount\":0.1,\"n\":12345678901234567891,\"x\":{\"keep\":\"me\"},"
	    "\"workspace_id\":\"default\",\"stage_normalized\":\"open\"}");
	free(s);
	json_free(out);
	assert_int_equal(crm_ctx_stageless(c), 1);

	in = J("{\"workspace_id\":\"acme\",\"deal_id\":9000000002,\"stage\":\"closedwon\","
	    "\"close_date\":\"2026-10-30T17:00:00Z\",\"amount\":\"$12,500\",\"z\":[1,2.50],"
	    "\"account\":{\"account_id\":402,\"domain\":\"https://WWW.Aviato.com/\"},"
	    "\"contacts\":[{\"contact_id\":503,\"email\":\"Erlich@Aviato.com\"},"
	    "{\"email\":\"email_not_unlocked@domain.com\"}]}");
	s = from_json(c, in);
	assert_string_equal(s, "{\"workspace_id\":\"acme\",\"deal_id\":\"9000000002\",\"stage\":\"closedwon\","
	    "\"close_date\":\"2026-10-30\",\"amount\":12500,\"z\":[1,2.50],"
	    "\"account\":{\"account_id\":\"402\",\"domain\":\"aviato.com\"},"
	    "\"contacts\":[{\"contact_id\":\"503\",\"email\":\"erlich@aviato.com\"},{\"email\":null}],"
	    "\"currency\":\"USD\",\"stage_normalized\":\"closed_won\"}");
	free(s);

	/* a bad record is left as it was */
	in = J("{\"deal_id\":\"1\",\"workspace_id\":\"w\",\"close_date\":\"someday\"}");
	assert_int_equal(crm_deal_from_json(c, in, &out, err, sizeof err), CRM_BAD);
	assert_null(out);
	assert_string_equal(err, "close_date 'someday' is not a date");
	s = fx_dump(in);
	assert_string_equal(s, "{\"deal_id\":\"1\",\"workspace_id\":\"w\",\"close_date\":\"someday\"}");
	free(s);
	json_free(in);
	crm_ctx_free(c);
}

static void
forced_workspace_replaces(void **state)
{
	crm_opts_t o = { .workspace = "beta", .workspace_forced = 1 };
	crm_ctx_t *c = crm_ctx_new(&o);
	char *s;

	(void)state;
	s = from_json(c, J("{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"stage_normalized\":\"closed_won\"}"));
	assert_string_equal(s, "{\"workspace_id\":\"beta\",\"deal_id\":\"1\",\"stage_normalized\":\"closed_won\"}");
	free(s);
	crm_ctx_free(c);
}

static void
flat_rows_are_mapped(void **state)
{
	crm_opts_t o = { .workspace = "w" };
	crm_ctx_t *c = crm_ctx_new(&o);
	json_t *in, *out;
	char err[256], *s;

	(void)state;
	in = J("{\"id\":\"9100000003\",\"properties\":{\"dealname\":\"Raviga\",\"dealstage\":\"closedwon\","
	    "\"amount\":\"88000\",\"closedate\":\"2026-11-02T10:00:00.000Z\",\"pipeline\":\"default\"},"
	    "\"associations\":{\"contacts\":{\"results\":[{\"id\":\"504\"}]}},\"archived\":false}");
	assert_true(crm_json_is_flat(in));
	assert_int_equal(crm_deal_from_json(c, in, &out, err, sizeof err), CRM_OK);
	assert_ptr_not_equal(in, out);
	s = fx_dump(out);
	assert_string_equal(s, "{\"workspace_id\":\"w\",\"deal_id\":\"9100000003\",\"deal_name\":\"Raviga\","
	    "\"stage\":\"closedwon\",\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-11-02\","
	    "\"amount\":88000,\"currency\":null,\"owner\":null,\"source\":\"hubspot\","
	    "\"custom_fields\":{\"pipeline\":\"default\",\"archived\":false},"
	    "\"account\":{\"account_id\":null,\"name\":null,\"domain\":null},"
	    "\"contacts\":[{\"contact_id\":\"504\",\"email\":null,\"first_name\":null,\"last_name\":null,"
	    "\"title\":null,\"crm_role\":null}]}");
	free(s);
	json_free(out);
	json_free(in);

	in = J("{\"Id\":\"006A\",\"Name\":\"Bachmanity\",\"StageName\":\"Closed Won\",\"CloseDate\":\"2026-07-15\","
	    "\"Amount\":30000.50,\"IsWon\":true,\"Account\":{\"Name\":\"B\",\"Website\":\"www.bachmanity.com\"},\"Score\":7}");
	assert_true(crm_json_is_flat(in));
	assert_int_equal(crm_deal_from_json(c, in, &out, err, sizeof err), CRM_OK);
	s = fx_dump(out);
	assert_non_null(strstr(s, "\"deal_id\":\"006A\",\"deal_name\":\"Bachmanity\""));
	assert_non_null(strstr(s, "\"amount\":30000.5,"));
	assert_non_null(strstr(s, "\"source\":\"salesforce\",\"custom_fields\":{\"score\":7}"));
	assert_non_null(strstr(s, "\"account\":{\"account_id\":null,\"name\":\"B\",\"domain\":\"bachmanity.com\"}"));
	free(s);
	json_free(out);
	json_free(in);

	in = J("{\"deal_id\":\"1\",\"Deal Stage\":\"x\"}");
	assert_false(crm_json_is_flat(in));
	json_free(in);
	in = J("{\"Deal Name\":\"A\",\"Deal Stage\":\"Closed Won\",\"Close Date\":\"nope\"}");
	assert_true(crm_json_is_flat(in));
	assert_int_equal(crm_deal_from_json(c, in, &out, err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "close date 'nope'"));
	json_free(in);
	crm_ctx_free(c);
}

static void
merging_rows_of_one_deal(void **state)
{
	json_t *a = J("{\"deal_id\":\"1\",\"contacts\":[{\"contact_id\":null,\"email\":\"a@x.com\",\"crm_role\":null}]}");
	json_t *b = J("{\"deal_id\":\"1\",\"contacts\":[{\"contact_id\":null,\"email\":\"A@x.com\",\"crm_role\":\"Champion\"},"
	    "{\"contact_id\":null,\"email\":\"b@x.com\"}]}");
	char *s;

	(void)state;
	assert_int_equal(crm_merge_contacts(a, b), 0);
	s = fx_dump(a);
	assert_string_equal(s, "{\"deal_id\":\"1\",\"contacts\":[{\"contact_id\":null,\"email\":\"a@x.com\","
	    "\"crm_role\":\"Champion\"},{\"contact_id\":null,\"email\":\"b@x.com\"}]}");
	free(s);
	json_free(a);
	json_free(b);
}

static void
unknown_stages_are_counted(void **state)
{
	crm_opts_t o = { 0 };
	crm_ctx_t *c = crm_ctx_new(&o);
	crm_table_t *t = table(CRM_KIND_UNKNOWN, "deal_id|stage");
	unsigned long n;
	char *s;

	(void)state;
	free(deal(c, t, "1|Contract Signed"));
	free(deal(c, t, "2|Contract Signed"));
	s = deal(c, t, "3|Verbal");
	assert_non_null(strstr(s, "\"stage_normalized\":\"open\""));
	free(s);
	assert_string_equal(crm_ctx_unknown_stage(c, 0, &n), "Contract Signed");
	assert_int_equal(n, 2);
	assert_string_equal(crm_ctx_unknown_stage(c, 1, &n), "Verbal");
	assert_null(crm_ctx_unknown_stage(c, 2, &n));
	crm_table_free(t);
	crm_ctx_free(c);
}

/* The builder a CRM API source shares with the exports: fields in, record out. */
static void
deal_built_from_fields(void **state)
{
	crm_opts_t o = { .workspace = "acme", .currency = "EUR" };
	crm_ctx_t *c = crm_ctx_new(&o);
	crm_fields_t f = { 0 };
	json_t *custom = json_new_object(), *rec;
	char err[256], *s;

	(void)state;
	f.v[CRM_F_DEAL_NAME] = strdup("Renewal 2026");
	f.v[CRM_F_ACCOUNT_NAME] = strdup("Globex Corp");
	f.v[CRM_F_ACCOUNT_ID] = strdup("001A;001B");
	f.v[CRM_F_STAGE] = strdup("Closed Won");
	f.v[CRM_F_CLOSE_DATE] = strdup("5/1/2026");
	f.v[CRM_F_AMOUNT] = strdup("1.200,50");
	f.v[CRM_F_C_NAME] = strdup("Pat Ng");
	f.v[CRM_F_C_EMAIL] = strdup("Pat@Globex.com");
	assert_int_equal(json_set_str(custom, "region", "EMEA"), JSON_OK);
	assert_int_equal(crm_deal_build(c, CRM_KIND_SF_OPPORTUNITIES, &f, 0, custom, &rec, err,
	    sizeof err), CRM_OK);
	s = fx_dump(rec);
	/* the synthetic ID is the one deals-extract has always given this deal */
	assert_string_equal(s, "{\"workspace_id\":\"acme\",\"deal_id\":\"salesforce-d24680b7c55307c5\","
	    "\"deal_name\":\"Renewal 2026\",\"stage\":\"Closed Won\",\"stage_normalized\":\"closed_won\","
	    "\"close_date\":\"2026-05-01\",\"amount\":1200.5,\"currency\":\"EUR\",\"owner\":null,"
	    "\"source\":\"salesforce\",\"custom_fields\":{\"region\":\"EMEA\"},\"account\":{"
	    "\"account_id\":\"001A\",\"name\":\"Globex Corp\",\"domain\":\"globex.com\"},"
	    "\"contacts\":[{\"contact_id\":null,\"email\":\"pat@globex.com\",\"first_name\":\"Pat\","
	    "\"last_name\":\"Ng\",\"title\":null,\"crm_role\":null}]}");
	free(s);
	json_free(rec);

	/* a source with an ID column: no ID is a bad deal, not a synthetic one */
	assert_int_equal(crm_deal_build(c, CRM_KIND_SF_OPPORTUNITIES, &f, 1, NULL, &rec, err,
	    sizeof err), CRM_BAD);
	assert_string_equal(err, "no deal ID");
	assert_null(rec);
	free(f.v[CRM_F_CLOSE_DATE]);
	f.v[CRM_F_CLOSE_DATE] = strdup("31/31/2026");
	assert_int_equal(crm_deal_build(c, CRM_KIND_HUBSPOT_DEALS, &f, 0, NULL, &rec, err,
	    sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "close date '31/31/2026'"));
	crm_fields_free(&f);
	crm_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detects_exports),
		cmocka_unit_test(unknown_header_is_refused),
		cmocka_unit_test(hubspot_deal_joined_to_contacts),
		cmocka_unit_test(bad_rows_say_why),
		cmocka_unit_test(salesforce_report_with_roles),
		cmocka_unit_test(single_rows),
		cmocka_unit_test(canonical_json_keeps_everything),
		cmocka_unit_test(forced_workspace_replaces),
		cmocka_unit_test(flat_rows_are_mapped),
		cmocka_unit_test(merging_rows_of_one_deal),
		cmocka_unit_test(unknown_stages_are_counted),
		cmocka_unit_test(deal_built_from_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

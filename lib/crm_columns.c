/* crm_columns: see crm_columns.h. */
#include "crm_columns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm_map.h"
#include "str.h"

const char *
crm_kind_name(crm_kind k)
{
	switch (k) {
	case CRM_KIND_HUBSPOT_DEALS: return "hubspot-deals";
	case CRM_KIND_HUBSPOT_CONTACTS: return "hubspot-contacts";
	case CRM_KIND_SF_OPPORTUNITIES: return "salesforce-opportunities";
	case CRM_KIND_SF_CONTACT_ROLES: return "salesforce-contact-roles";
	case CRM_KIND_GENERIC_DEALS: return "csv";
	case CRM_KIND_ACCOUNTS: return "accounts";
	default: return "unknown";
	}
}

int
crm_kind_is_contacts(crm_kind k)
{
	return k == CRM_KIND_HUBSPOT_CONTACTS || k == CRM_KIND_SF_CONTACT_ROLES;
}

int
crm_kind_is_salesforce(crm_kind k)
{
	return k == CRM_KIND_SF_OPPORTUNITIES || k == CRM_KIND_SF_CONTACT_ROLES;
}

const char *
crm_kind_source(crm_kind k)
{
	switch (k) {
	case CRM_KIND_HUBSPOT_DEALS:
	case CRM_KIND_HUBSPOT_CONTACTS:
		return "hubspot";
	case CRM_KIND_SF_OPPORTUNITIES:
	case CRM_KIND_SF_CONTACT_ROLES:
		return "salesforce";
	default:
		return "csv";
	}
}

/* Lowercase, trimmed, runs of blanks as one space: how headers are compared. */
static int
header_norm(const char *s, buf_t *out)
{
	const char *b = s, *e = s + strlen(s);
	int sp = 0;

	buf_reset(out);
	str_trim_span(&b, &e);
	for (; b < e; b++) {
		unsigned char c = (unsigned char)*b;
		if (str_is_blank(c)) {
			sp = 1;
			continue;
		}
		if (sp && buf_addc(out, ' ') != BUF_OK)
			return -1;
		sp = 0;
		if (buf_addc(out, (char)(c < 0x80 ? tolower(c) : c)) != BUF_OK)
			return -1;
	}
	return 0;
}


enum {
	H_HS = 1,      /* a HubSpot export header */
	H_SF = 2,      /* a Salesforce report header */
	H_GEN = 4,     /* a canonical name */
	H_API = 8,     /* an API property name (HubSpot or Salesforce) */
	H_JSON = 16    /* only in NDJSON rows ("id", "name": too vague for CSV) */
};

struct alias {
	const char *name;   /* as header_norm() gives it */
	int f;
	int hint;
};

/* In priority order within a field. */
static const struct alias aliases[] = {
	{ "record id", CRM_F_DEAL_ID, H_HS },
	{ "deal id", CRM_F_DEAL_ID, H_HS },
	{ "opportunity id", CRM_F_DEAL_ID, H_SF },
	{ "opportunity: opportunity id", CRM_F_DEAL_ID, H_SF },
	{ "deal_id", CRM_F_DEAL_ID, H_GEN },
	{ "hs_object_id", CRM_F_DEAL_ID, H_API | H_HS },
	{ "id", CRM_F_DEAL_ID, H_API | H_JSON },

	{ "deal name", CRM_F_DEAL_NAME, H_HS },
	{ "opportunity name", CRM_F_DEAL_NAME, H_SF },
	{ "deal_name", CRM_F_DEAL_NAME, H_GEN },
	{ "dealname", CRM_F_DEAL_NAME, H_API | H_HS },
	{ "name", CRM_F_DEAL_NAME, H_API | H_JSON },

	{ "deal stage", CRM_F_STAGE, H_HS },
	{ "stage", CRM_F_STAGE, H_SF | H_GEN },
	{ "dealstage", CRM_F_STAGE, H_API | H_HS },
	{ "stagename", CRM_F_STAGE, H_API | H_SF },
	{ "stage name", CRM_F_STAGE, H_SF },

	{ "stage_normalized", CRM_F_STAGE_NORM, H_GEN },

	{ "close date", CRM_F_CLOSE_DATE, H_HS | H_SF },
	{ "close_date", CRM_F_CLOSE_DATE, H_GEN },
	{ "closedate", CRM_F_CLOSE_DATE, H_API },

	{ "amount", CRM_F_AMOUNT, H_HS | H_SF | H_GEN },
	{ "total amount", CRM_F_AMOUNT, H_SF },

	{ "amount currency", CRM_F_CURRENCY, H_SF },
	{ "total amount currency", CRM_F_CURRENCY, H_SF },
	{ "currency", CRM_F_CURRENCY, H_HS | H_SF | H_GEN },
	{ "deal currency code", CRM_F_CURRENCY, H_HS },
	{ "deal_currency_code", CRM_F_CURRENCY, H_API },
	{ "currencyisocode", CRM_F_CURRENCY, H_API | H_SF },
	{ "opportunity currency", CRM_F_CURRENCY, H_SF },

	{ "is closed won", CRM_F_IS_WON, H_HS },
	{ "won", CRM_F_IS_WON, H_SF },
	{ "is_won", CRM_F_IS_WON, H_GEN },
	{ "hs_is_closed_won", CRM_F_IS_WON, H_API | H_HS },
	{ "iswon", CRM_F_IS_WON, H_API | H_SF },

	{ "is closed", CRM_F_IS_CLOSED, H_HS },
	{ "closed", CRM_F_IS_CLOSED, H_SF },
	{ "is_closed", CRM_F_IS_CLOSED, H_GEN },
	{ "hs_is_closed", CRM_F_IS_CLOSED, H_API | H_HS },
	{ "isclosed", CRM_F_IS_CLOSED, H_API | H_SF },

	{ "is closed lost", CRM_F_IS_LOST, H_HS },
	{ "is_lost", CRM_F_IS_LOST, H_GEN },
	{ "hs_is_closed_lost", CRM_F_IS_LOST, H_API | H_HS },

	{ "deal owner", CRM_F_OWNER, H_HS },
	{ "opportunity owner", CRM_F_OWNER, H_SF },
	{ "owner", CRM_F_OWNER, H_GEN },
	{ "owner name", CRM_F_OWNER, H_SF },
	{ "owner.name", CRM_F_OWNER, H_API | H_SF },
	{ "hubspot_owner_id", CRM_F_OWNER, H_API | H_HS },

	{ "source", CRM_F_SOURCE, H_GEN },
	{ "workspace_id", CRM_F_WORKSPACE, H_GEN },

	{ "associated company ids (primary)", CRM_F_ACCOUNT_ID, H_HS },
	{ "associated company id (primary)", CRM_F_ACCOUNT_ID, H_HS },
	{ "associated company ids", CRM_F_ACCOUNT_ID, H_HS },
	{ "associated company id", CRM_F_ACCOUNT_ID, H_HS },
	{ "account id", CRM_F_ACCOUNT_ID, H_SF },
	{ "account_id", CRM_F_ACCOUNT_ID, H_GEN },
	{ "accountid", CRM_F_ACCOUNT_ID, H_API | H_SF },

	{ "associated company (primary)", CRM_F_ACCOUNT_NAME, H_HS },
	{ "associated company", CRM_F_ACCOUNT_NAME, H_HS },
	{ "account name", CRM_F_ACCOUNT_NAME, H_SF },
	{ "company name", CRM_F_ACCOUNT_NAME, H_HS },
	{ "company", CRM_F_ACCOUNT_NAME, H_HS },
	{ "account_name", CRM_F_ACCOUNT_NAME, H_GEN },
	{ "account.name", CRM_F_ACCOUNT_NAME, H_API | H_SF },
	{ "account", CRM_F_ACCOUNT_NAME, 0 },

	{ "company domain name", CRM_F_DOMAIN, H_HS },
	{ "company domain", CRM_F_DOMAIN, H_HS },
	{ "domain", CRM_F_DOMAIN, H_HS | H_SF },
	{ "account_domain", CRM_F_DOMAIN, H_GEN },
	{ "website", CRM_F_DOMAIN, H_HS | H_SF },
	{ "account website", CRM_F_DOMAIN, H_SF },
	{ "company website", CRM_F_DOMAIN, H_HS },
	{ "account.website", CRM_F_DOMAIN, H_API | H_SF },

	{ "associated contact ids", CRM_F_CONTACT_IDS, H_HS },
	{ "associated contact id", CRM_F_CONTACT_IDS, H_HS },
	{ "contact_ids", CRM_F_CONTACT_IDS, H_GEN },

	{ "associated contact", CRM_F_CONTACT_NAMES, H_HS },
	{ "associated contacts", CRM_F_CONTACT_NAMES, H_HS },

	{ "contact id", CRM_F_C_ID, H_SF },
	{ "contact: contact id", CRM_F_C_ID, H_SF },
	{ "contact_id", CRM_F_C_ID, H_GEN },

	{ "email", CRM_F_C_EMAIL, H_HS | H_SF },
	{ "contact: email", CRM_F_C_EMAIL, H_SF },
	{ "contact email", CRM_F_C_EMAIL, H_SF },
	{ "email address", CRM_F_C_EMAIL, H_HS },
	{ "contact_email", CRM_F_C_EMAIL, H_GEN },

	{ "first name", CRM_F_C_FIRST, H_HS | H_SF },
	{ "contact: first name", CRM_F_C_FIRST, H_SF },
	{ "firstname", CRM_F_C_FIRST, H_API },
	{ "first_name", CRM_F_C_FIRST, H_GEN },

	{ "last name", CRM_F_C_LAST, H_HS | H_SF },
	{ "contact: last name", CRM_F_C_LAST, H_SF },
	{ "lastname", CRM_F_C_LAST, H_API },
	{ "last_name", CRM_F_C_LAST, H_GEN },

	{ "contact name", CRM_F_C_NAME, H_SF },
	{ "full name", CRM_F_C_NAME, H_SF },
	{ "contact: full name", CRM_F_C_NAME, H_SF },
	{ "contact_name", CRM_F_C_NAME, H_GEN },

	{ "job title", CRM_F_C_TITLE, H_HS },
	{ "title", CRM_F_C_TITLE, H_SF },
	{ "contact: title", CRM_F_C_TITLE, H_SF },
	{ "contact title", CRM_F_C_TITLE, H_SF },
	{ "jobtitle", CRM_F_C_TITLE, H_API },
	{ "contact_title", CRM_F_C_TITLE, H_GEN },

	{ "buying role", CRM_F_C_ROLE, H_HS },
	{ "contact role", CRM_F_C_ROLE, H_SF },
	{ "role", CRM_F_C_ROLE, H_SF },
	{ "opportunity contact role", CRM_F_C_ROLE, H_SF },
	{ "hs_buying_role", CRM_F_C_ROLE, H_API },
	{ "crm_role", CRM_F_C_ROLE, H_GEN },

	{ "associated deal ids", CRM_F_DEAL_IDS, H_HS },
	{ "associated deal id", CRM_F_DEAL_IDS, H_HS },
	{ "deal_ids", CRM_F_DEAL_IDS, H_GEN },

	/* firmographics and profiles: no vote on the kind of export */
	{ "industry", CRM_F_INDUSTRY, 0 },
	{ "account industry", CRM_F_INDUSTRY, 0 },
	{ "company industry", CRM_F_INDUSTRY, 0 },
	{ "account.industry", CRM_F_INDUSTRY, H_API },
	{ "account_industry", CRM_F_INDUSTRY, 0 },
	{ "number of employees", CRM_F_EMPLOYEES, 0 },
	{ "employees", CRM_F_EMPLOYEES, 0 },
	{ "numberofemployees", CRM_F_EMPLOYEES, H_API },
	{ "account.numberofemployees", CRM_F_EMPLOYEES, H_API },
	{ "account_employees", CRM_F_EMPLOYEES, 0 },
	{ "annual revenue", CRM_F_REVENUE, 0 },
	{ "annualrevenue", CRM_F_REVENUE, H_API },
	{ "account.annualrevenue", CRM_F_REVENUE, H_API },
	{ "annual_revenue", CRM_F_REVENUE, 0 },
	{ "account_annual_revenue", CRM_F_REVENUE, 0 },
	{ "linkedin url", CRM_F_C_LINKEDIN, 0 },
	{ "linkedin profile url", CRM_F_C_LINKEDIN, 0 },
	{ "linkedin profile", CRM_F_C_LINKEDIN, 0 },
	{ "person linkedin url", CRM_F_C_LINKEDIN, 0 },
	{ "contact linkedin url", CRM_F_C_LINKEDIN, 0 },
	{ "linkedin_url", CRM_F_C_LINKEDIN, 0 },
	{ "contact_linkedin_url", CRM_F_C_LINKEDIN, 0 },

	{ NULL, 0, 0 }
};

/* The alias index of a normalized header, or -1. */
static int
alias_find(const char *norm, int json)
{
	for (int i = 0; aliases[i].name; i++)
		if (strcmp(aliases[i].name, norm) == 0) {
			if ((aliases[i].hint & H_JSON) && !json)
				return -1;
			return i;
		}
	return -1;
}

struct custom_col {
	size_t idx;
	char *key;
};

struct crm_table {
	crm_kind kind;
	size_t width;
	int col[CRM_F_COUNT];
	struct custom_col *custom;
	size_t ncustom;
};

void
crm_table_free(crm_table_t *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncustom; i++)
		free(t->custom[i].key);
	free(t->custom);
	free(t);
}

crm_kind crm_table_kind(const crm_table_t *t) { return t->kind; }
void crm_table_set_kind(crm_table_t *t, crm_kind kind) { t->kind = kind; }
size_t crm_table_width(const crm_table_t *t) { return t->width; }
int crm_table_col(const crm_table_t *t, crm_field f) { return t->col[f]; }

/*
 * Maps columns to fields (best alias per field). col[] gets the winners,
 * aidx[] (n entries, may be NULL) each column's alias or -1, and hints the OR
 * of H_HS/H_SF/H_GEN votes.
 */
static int
map_columns(char *const *hdr, size_t n, int json, int col[CRM_F_COUNT], int *aidx,
    int votes[3])
{
	int best[CRM_F_COUNT];
	buf_t b;

	buf_init(&b, 1 << 16);
	for (int f = 0; f < CRM_F_COUNT; f++)
		col[f] = -1, best[f] = 1 << 30;
	votes[0] = votes[1] = votes[2] = 0;
	for (size_t i = 0; i < n; i++) {
		int a = -1;
		if (aidx)
			aidx[i] = -1;
		if (hdr[i] == NULL || header_norm(hdr[i], &b) != 0)
			continue;
		a = alias_find(buf_ptr(&b), json);
		if (a < 0)
			continue;
		if (aidx)
			aidx[i] = a;
		if (aliases[a].hint & H_HS)
			votes[0]++;
		if (aliases[a].hint & H_SF)
			votes[1]++;
		if (aliases[a].hint & H_GEN)
			votes[2]++;
		if (a < best[aliases[a].f]) {
			best[aliases[a].f] = a;
			col[aliases[a].f] = (int)i;
		}
	}
	buf_free(&b);
	return 0;
}

static int
has_header(char *const *hdr, size_t n, const char *name)
{
	buf_t b;
	int r = 0;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < n && !r; i++)
		if (hdr[i] && header_norm(hdr[i], &b) == 0 && strcmp(buf_ptr(&b), name) == 0)
			r = 1;
	buf_free(&b);
	return r;
}

static crm_kind
detect_cols(char *const *hdr, size_t n, const int col[CRM_F_COUNT], const int votes[3])
{
	int deal = col[CRM_F_STAGE] >= 0 || col[CRM_F_IS_WON] >= 0 || col[CRM_F_IS_CLOSED] >= 0 ||
	    col[CRM_F_STAGE_NORM] >= 0;
	int contact = col[CRM_F_C_EMAIL] >= 0 || col[CRM_F_C_FIRST] >= 0 || col[CRM_F_C_LAST] >= 0 ||
	    col[CRM_F_C_NAME] >= 0 || col[CRM_F_C_TITLE] >= 0 || col[CRM_F_C_ROLE] >= 0;

	if (deal) {
		if (has_header(hdr, n, "deal stage") || has_header(hdr, n, "deal name") ||
		    has_header(hdr, n, "dealstage"))
			return CRM_KIND_HUBSPOT_DEALS;
		if (has_header(hdr, n, "opportunity name") || has_header(hdr, n, "opportunity id") ||
		    has_header(hdr, n, "opportunity owner") || has_header(hdr, n, "stagename"))
			return CRM_KIND_SF_OPPORTUNITIES;
		if (votes[2] >= votes[0] && votes[2] >= votes[1])
			return CRM_KIND_GENERIC_DEALS;
		return votes[1] > votes[0] ? CRM_KIND_SF_OPPORTUNITIES : CRM_KIND_HUBSPOT_DEALS;
	}
	if (contact) {
		if (has_header(hdr, n, "opportunity id") || has_header(hdr, n, "opportunity name"))
			return CRM_KIND_SF_CONTACT_ROLES;
		if (col[CRM_F_DEAL_IDS] >= 0 || has_header(hdr, n, "record id"))
			return CRM_KIND_HUBSPOT_CONTACTS;
		if (col[CRM_F_DEAL_ID] >= 0 || col[CRM_F_DEAL_NAME] >= 0)
			return CRM_KIND_SF_CONTACT_ROLES;
	}
	return CRM_KIND_UNKNOWN;
}

crm_kind
crm_detect(char *const *hdr, size_t n)
{
	int col[CRM_F_COUNT], votes[3];

	map_columns(hdr, n, 0, col, NULL, votes);
	return detect_cols(hdr, n, col, votes);
}

/* A custom_fields key for header h, unique among the table's. */
static char *
custom_key(const crm_table_t *t, const char *h)
{
	buf_t b;
	char *base;

	buf_init(&b, 1 << 16);
	if (crm_snake_case(h, &b) != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	if ((base = buf_detach(&b, NULL)) == NULL)
		return NULL;
	for (int k = 2;; k++) {
		int clash = 0;
		for (size_t i = 0; i < t->ncustom && !clash; i++)
			if (strcmp(t->custom[i].key, base) == 0)
				clash = 1;
		if (!clash)
			return base;
		/* base_2, base_3, ... */
		size_t bl = strlen(base);
		char *nb = malloc(bl + 24);
		if (nb == NULL) {
			free(base);
			return NULL;
		}
		if (k == 2)
			snprintf(nb, bl + 24, "%s_%d", base, k);
		else {
			char *us = strrchr(base, '_');
			snprintf(nb, bl + 24, "%.*s_%d", (int)(us ? us - base : (ptrdiff_t)bl), base, k);
		}
		free(base);
		base = nb;
	}
}

/* The header's columns, ", " between them, cut to fit out[n]. */
static void
header_list(char *const *hdr, size_t n, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len + 8 < cap; i++) {
		int w = snprintf(out + len, cap - len, "%s'%s'", i ? ", " : "", hdr[i] ? hdr[i] : "");
		if (w < 0 || (size_t)w >= cap - len) {
			snprintf(out + len, cap - len, ", ...");
			break;
		}
		len += (size_t)w;
	}
}

/*
 * Applies the user's map to col[] for a file of kind file (0: not known yet,
 * as a deals file, unchecked). Returns CRM_OK, CRM_BAD with err, CRM_ENOMEM.
 */
static int
apply_map(crm_map_t *map, int file, char *const *hdr, size_t n, int col[CRM_F_COUNT],
    char *err, size_t errlen)
{
	buf_t want, have;
	int rc = CRM_OK;

	buf_init(&want, 1 << 16);
	buf_init(&have, 1 << 16);
	for (size_t i = 0; i < crm_map_size(map) && rc == CRM_OK; i++) {
		const char *column, *origin;
		int files, at = -1;
		crm_field f = crm_map_entry(map, i, &column, &origin, &files);

		if (!(files & (file ? file : CRM_MAP_DEALS)))
			continue;
		if (header_norm(column, &want) != 0) {
			rc = CRM_ENOMEM;
			break;
		}
		for (size_t c = 0; c < n && at < 0; c++) {
			if (hdr[c] == NULL || header_norm(hdr[c], &have) != 0)
				continue;
			if (strcmp(buf_ptr(&want), buf_ptr(&have)) == 0)
				at = (int)c;
		}
		if (at < 0) {
			if (file && crm_map_missing_is_error(map, i, file)) {
				char cols[1024];
				header_list(hdr, n, cols, sizeof cols);
				str_errf(err, errlen, "no column '%s' (%s); the header's columns: %s",
				    column, origin, cols);
				rc = CRM_BAD;
			}
			continue;
		}
		if (file)
			crm_map_found(map, i, file);
		/* the column means this field only */
		for (int g = 0; g < CRM_F_COUNT; g++)
			if (col[g] == at)
				col[g] = -1;
		col[f] = at;
	}
	buf_free(&want);
	buf_free(&have);
	return rc;
}

static int
table_build(crm_kind kind, char *const *hdr, size_t n, int json, crm_map_t *map, int file,
    crm_table_t **out, char *err, size_t errlen)
{
	crm_table_t *t;
	int votes[3], *aidx, rc;

	*out = NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return CRM_ENOMEM;
	if ((aidx = calloc(n ? n : 1, sizeof *aidx)) == NULL) {
		free(t);
		return CRM_ENOMEM;
	}
	t->width = n;
	map_columns(hdr, n, json || kind == CRM_KIND_ACCOUNTS, t->col, aidx, votes);
	if ((rc = apply_map(map, file, hdr, n, t->col, err, errlen)) != CRM_OK) {
		free(aidx);
		crm_table_free(t);
		return rc;
	}
	if (kind == CRM_KIND_ACCOUNTS) {
		t->kind = kind;
		/* an accounts file's own ID and name ("Record ID", "name") are the account's */
		if (t->col[CRM_F_ACCOUNT_ID] < 0)
			t->col[CRM_F_ACCOUNT_ID] = t->col[CRM_F_DEAL_ID];
		if (t->col[CRM_F_ACCOUNT_NAME] < 0)
			t->col[CRM_F_ACCOUNT_NAME] = t->col[CRM_F_DEAL_NAME];
		t->col[CRM_F_DEAL_ID] = t->col[CRM_F_DEAL_NAME] = -1;
		free(aidx);
		if (t->col[CRM_F_ACCOUNT_ID] < 0 && t->col[CRM_F_ACCOUNT_NAME] < 0) {
			str_errf(err, errlen, "no column to join accounts on: an account ID or name "
			    "(id, name, Record ID, Company name, account_id, account_name; or "
			    "--map account.id=COLUMN, account.name=COLUMN)");
			crm_table_free(t);
			return CRM_BAD;
		}
		*out = t;
		return CRM_OK;
	}
	if (kind == CRM_KIND_UNKNOWN)
		kind = detect_cols(hdr, n, t->col, votes);
	t->kind = kind;
	if (kind == CRM_KIND_UNKNOWN) {
		str_errf(err, errlen, "cannot tell what export this is from its header (expected a "
		    "HubSpot deals or contacts export, a Salesforce opportunity or contact role "
		    "report, or columns named deal_id, stage, close_date...; map others with "
		    "--map FIELD=COLUMN or map.FIELD lines in the workspace file)");
		free(aidx);
		crm_table_free(t);
		return CRM_BAD;
	}
	if (kind == CRM_KIND_HUBSPOT_CONTACTS && t->col[CRM_F_C_ID] < 0 && t->col[CRM_F_DEAL_ID] >= 0 &&
	    has_header(hdr, n, "record id")) {
		/* a contacts export's Record ID is the contact's */
		t->col[CRM_F_C_ID] = t->col[CRM_F_DEAL_ID];
		t->col[CRM_F_DEAL_ID] = -1;
	}
	if (crm_kind_is_contacts(kind)) {
		if (kind == CRM_KIND_HUBSPOT_CONTACTS && t->col[CRM_F_DEAL_IDS] < 0 && t->col[CRM_F_C_ID] < 0) {
			str_errf(err, errlen, "a contacts export needs a Record ID or an "
			    "Associated Deal IDs column to be joined to deals");
			free(aidx);
			crm_table_free(t);
			return CRM_BAD;
		}
	} else if (t->col[CRM_F_DEAL_ID] < 0 && t->col[CRM_F_DEAL_NAME] < 0) {
		str_errf(err, errlen, "no column to read a deal ID or name from (Record ID, "
		    "Opportunity ID, Deal Name, Opportunity Name, deal_id; or --map deal_id=COLUMN)");
		free(aidx);
		crm_table_free(t);
		return CRM_BAD;
	}
	if (!crm_kind_is_contacts(kind)) {
		if ((t->custom = calloc(n ? n : 1, sizeof *t->custom)) == NULL) {
			free(aidx);
			crm_table_free(t);
			return CRM_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			int used = 0;
			for (int f = 0; f < CRM_F_COUNT; f++)
				if (t->col[f] == (int)i)
					used = 1;
			if (used || hdr[i] == NULL)
				continue;
			/* association columns that lost to a better one are not custom data */
			if (aidx[i] >= 0 && (aliases[aidx[i]].f == CRM_F_ACCOUNT_ID ||
			    aliases[aidx[i]].f == CRM_F_ACCOUNT_NAME || aliases[aidx[i]].f == CRM_F_CONTACT_IDS ||
			    aliases[aidx[i]].f == CRM_F_CONTACT_NAMES))
				continue;
			{
				const char *b = hdr[i], *e = hdr[i] + strlen(hdr[i]);
				str_trim_span(&b, &e);
				if (b == e)
					continue;   /* a column without a name */
			}
			t->custom[t->ncustom].idx = i;
			if ((t->custom[t->ncustom].key = custom_key(t, hdr[i])) == NULL) {
				free(aidx);
				crm_table_free(t);
				return CRM_ENOMEM;
			}
			t->ncustom++;
		}
	}
	free(aidx);
	*out = t;
	return CRM_OK;
}

int
crm_table_new(crm_kind kind, char *const *hdr, size_t n, crm_table_t **out,
    char *err, size_t errlen)
{
	return table_build(kind, hdr, n, 0, NULL, 0, out, err, errlen);
}

int
crm_table_new_mapped(crm_kind kind, char *const *hdr, size_t n, crm_map_t *map, int file,
    crm_table_t **out, char *err, size_t errlen)
{
	return table_build(kind, hdr, n, 0, map, file, out, err, errlen);
}

int
crm_table_new_keys(crm_kind kind, char *const *keys, size_t n, crm_table_t **out,
    char *err, size_t errlen)
{
	return table_build(kind, keys, n, 1, NULL, 0, out, err, errlen);
}


int
crm_row_is_filler(char *const *f, size_t n)
{
	const char *s = n ? f[0] : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *b = f[i], *e;
		if (b == NULL)
			continue;
		e = b + strlen(b);
		str_trim_span(&b, &e);
		if (b < e)
			break;
	}
	if (i == n)
		return 1;
	if (s == NULL)
		return 0;
	while (str_is_blank((unsigned char)*s))
		s++;
	if (str_starts_ci(s, "grand total") || str_starts_ci(s, "confidential information") ||
	    str_starts_ci(s, "copyright (c)") || str_starts_ci(s, "copyright \xc2\xa9") ||
	    str_starts_ci(s, "copyright ") || str_starts_ci(s, "subtotal") ||
	    str_starts_ci(s, "generated by") || str_starts_ci(s, "salesforce.com"))
		return 1;
	if (str_starts_ci(s, "total") && (s[5] == '\0' || s[5] == ' ' || s[5] == '(' || s[5] == ':'))
		return 1;
	return 0;
}

int
crm_table_check_width(const crm_table_t *t, char *const *f, size_t n, char *err, size_t errlen)
{
	if (n == t->width)
		return 0;
	if (n > t->width) {
		for (size_t i = t->width; i < n; i++) {
			const char *b = f[i], *e = f[i] + strlen(f[i]);
			str_trim_span(&b, &e);
			if (b < e) {
				str_errf(err, errlen, "%zu fields, the header has %zu", n, t->width);
				return -1;
			}
		}
		return 0;
	}
	str_errf(err, errlen, "%zu field%s, the header has %zu", n, n == 1 ? "" : "s", t->width);
	return -1;
}


void
crm_fields_free(crm_fields_t *r)
{
	for (int f = 0; f < CRM_F_COUNT; f++) {
		free(r->v[f]);
		r->v[f] = NULL;
	}
}

int
crm_fields_fill(crm_fields_t *r, const crm_table_t *t, char *const *f, size_t n)
{
	memset(r, 0, sizeof *r);
	for (int k = 0; k < CRM_F_COUNT; k++) {
		int c = t->col[k];
		if (c < 0 || (size_t)c >= n || f[c] == NULL)
			continue;
		if ((r->v[k] = str_dup_trim(f[c])) == NULL) {
			crm_fields_free(r);
			return CRM_ENOMEM;
		}
		if (r->v[k][0] == '\0') {
			free(r->v[k]);
			r->v[k] = NULL;
		}
	}
	return CRM_OK;
}

int
crm_table_custom(const crm_table_t *t, char *const *f, size_t n, json_t *const *orig,
    json_t **out)
{
	json_t *cf = json_new_object();

	*out = NULL;
	if (cf == NULL)
		return CRM_ENOMEM;
	for (size_t i = 0; i < t->ncustom; i++) {
		size_t idx = t->custom[i].idx;
		json_t *v;
		if (idx >= n)
			continue;
		if (orig && orig[idx]) {
			if (json_typeof(orig[idx]) == JSON_NULL ||
			    (json_is(orig[idx], JSON_STRING) && json_strlen(orig[idx]) == 0))
				continue;
			v = json_clone(orig[idx]);
		} else {
			const char *b = f[idx], *e = f[idx] + strlen(f[idx]);
			str_trim_span(&b, &e);
			if (b == e)
				continue;
			v = json_new_strn(b, (size_t)(e - b));
		}
		if (json_set(cf, t->custom[i].key, v) != JSON_OK) {
			json_free(cf);
			return CRM_ENOMEM;
		}
	}
	*out = cf;
	return CRM_OK;
}

int
crm_json_is_flat(const json_t *rec)
{
	buf_t b;
	int flat = 0;

	if (!json_is(rec, JSON_OBJECT))
		return 0;
	if (json_get(rec, "deal_id") || json_get(rec, "stage_normalized"))
		return 0;
	if (json_is(json_get(rec, "properties"), JSON_OBJECT))
		return 1;
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < json_len(rec) && !flat; i++) {
		int a;
		if (header_norm(json_key_at(rec, i), &b) != 0)
			continue;
		a = alias_find(buf_ptr(&b), 1);
		if (a >= 0 && !(aliases[a].hint & H_GEN) && aliases[a].f != CRM_F_DEAL_ID &&
		    aliases[a].f != CRM_F_DEAL_NAME)
			flat = 1;
		/* "Record ID", "Opportunity Name": export headers */
		if (a >= 0 && !(aliases[a].hint & (H_GEN | H_JSON)) && strchr(buf_ptr(&b), ' '))
			flat = 1;
	}
	buf_free(&b);
	return flat;
}


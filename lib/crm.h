/*
 * crm: from CRM exports to the canonical deal record (DESIGN §3).
 *
 * Reads what CONTRACTS §6 describes: HubSpot deal exports (joined to a
 * HubSpot contacts export by the association IDs), Salesforce Opportunity
 * reports (joined to an Opportunity Contact Role report by Opportunity ID, or
 * by Opportunity Name when the reports have no IDs), generic CSVs with the
 * canonical column names, and NDJSON: flat CRM rows (HubSpot API objects with
 * "properties", Salesforce API rows, or rows keyed by export headers) and
 * canonical records.
 *
 * Headers are matched case-insensitively, trimmed, with runs of blanks as
 * one. A column the mapping does not know goes into the record's
 * custom_fields under its snake_case name ("Champion Name" -> champion_name);
 * empty cells are left out.
 *
 * The record, keys in this order: workspace_id, deal_id, deal_name, stage,
 * stage_normalized, close_date, amount, currency, owner, source,
 * custom_fields, account {account_id, name, domain}, contacts [{contact_id,
 * email, first_name, last_name, title, crm_role}]. IDs are strings; a value
 * the export does not have is null. deal_id, when the export has no ID column
 * (a Salesforce report without Opportunity ID), is "<source>-" and 16 hex
 * digits of a hash of the account and deal names, stable across runs.
 *
 * Canonical NDJSON records keep every key, its value and its order; crm only
 * normalizes the fields it owns in place (IDs to strings, close_date to
 * YYYY-MM-DD, a string amount to a number, emails lowercased, account.domain
 * normalized) and appends what is missing: workspace_id, stage_normalized
 * ("open" when the record carries no stage at all, counted by
 * crm_ctx_stageless()), account.domain taken from the contacts' work emails,
 * and contacts from a contacts export when the record has none.
 *
 * Ownership: records returned in *out belong to the caller (json_free); a
 * crm_ctx_t owns the contacts it was given. Nothing here prints or exits.
 */
#ifndef DE_CRM_H
#define DE_CRM_H

#include <stddef.h>
#include "buf.h"
#include "date.h"
#include "json.h"

enum {
	CRM_OK = 0,
	CRM_SKIP = 1,     /* not data: a Salesforce footer or subtotal row, a blank row */
	CRM_BAD = 2,      /* a bad row or record; err says why; the rest may go on */
	CRM_ENOMEM = -1
};

typedef enum {
	CRM_KIND_UNKNOWN = 0,
	CRM_KIND_HUBSPOT_DEALS,
	CRM_KIND_HUBSPOT_CONTACTS,
	CRM_KIND_SF_OPPORTUNITIES,      /* also "Opportunities with Contact Roles" */
	CRM_KIND_SF_CONTACT_ROLES,
	CRM_KIND_GENERIC_DEALS          /* canonical column names: deal_id, stage, ... */
} crm_kind;

/* "hubspot-deals", "hubspot-contacts", "salesforce-opportunities",
 * "salesforce-contact-roles", "csv", "unknown". */
const char *crm_kind_name(crm_kind k);
/* 1 for the two contacts kinds. */
int crm_kind_is_contacts(crm_kind k);
/* "hubspot", "salesforce" or "csv": the record's source. */
const char *crm_kind_source(crm_kind k);

/* ---- values ---- */

/* 1 for true/yes/y/t/1/x/checked, 0 for false/no/n/f/0, -1 for anything else
 * (empty included). Case-insensitive, trimmed. */
int crm_parse_bool(const char *s);

/*
 * An amount: "25000", "$1,234,567", "£1,009", "€ 1.234,56", "1 234,56 EUR",
 * "(1,200.50)", "USD 99". Writes the JSON number text into num (reset first;
 * "1234567", "1009", "1234.56", "-1200.5") and, when the text names a
 * currency, its ISO code into currency ("" otherwise; $ is USD, £ GBP, € EUR,
 * ¥ JPY, ₹ INR). Returns 0; 1 when s is empty; CRM_BAD when it is not an
 * amount; CRM_ENOMEM.
 */
int crm_parse_amount(const char *s, buf_t *num, char currency[4]);

/* A CRM date (date_parse_crm) or epoch seconds/milliseconds (10 or 13 digits). */
int crm_parse_date(const char *s, enum date_order order, date_t *out);

/* "Probability (%)" -> "probability", "Champion Name" -> "champion_name",
 * "createdAt" -> "created_at". Returns BUF_OK or a BUF_E* code. */
int crm_snake_case(const char *s, buf_t *out);

/* ---- stages ---- */

typedef struct crm_stage_map crm_stage_map_t;

crm_stage_map_t *crm_stage_map_new(void);
void crm_stage_map_free(crm_stage_map_t *m);
/* Maps a stage label or id (matched ignoring case, blanks and punctuation) to
 * closed_won, closed_lost or open (also won, lost). Returns 0, CRM_BAD with
 * err (a bad value), or CRM_ENOMEM. */
int crm_stage_map_add(crm_stage_map_t *m, const char *stage, const char *norm,
    char *err, size_t errlen);
/*
 * Reads a map: one "stage = closed_won" per line ("stage: value" and
 * "stage,value" work too), '#' comments, blank lines. parse() takes the same
 * in one string with ';' or newlines between entries (the workspace setting
 * stage_map). Return 0, CRM_BAD with err naming the file and line (or an
 * unreadable file), or CRM_ENOMEM.
 */
int crm_stage_map_load(crm_stage_map_t *m, const char *path, char *err, size_t errlen);
int crm_stage_map_parse(crm_stage_map_t *m, const char *text, char *err, size_t errlen);
size_t crm_stage_map_size(const crm_stage_map_t *m);

/*
 * "closed_won", "closed_lost" or "open". In order: the user's map (m may be
 * NULL) on stage; the flags (1/0/-1 as crm_parse_bool gives them: won, closed,
 * lost); the stage text (HubSpot ids closedwon/closedlost and labels,
 * Salesforce "Closed Won", "Closed Lost", anything starting with "Closed").
 * *known (may be NULL) is 0 when nothing above decided and "open" is a guess
 * (an unknown label of a custom pipeline), and also when there was no stage
 * and no flag at all (stage NULL or empty).
 */
const char *crm_stage_normalize(const crm_stage_map_t *m, const char *stage,
    int is_won, int is_closed, int is_lost, int *known);

/* ---- headers ---- */

/* The kind of export a header row is, or CRM_KIND_UNKNOWN. */
crm_kind crm_detect(char *const *hdr, size_t n);

typedef struct crm_table crm_table_t;

/*
 * Maps a header row for kind (CRM_KIND_UNKNOWN: detect). Returns CRM_OK,
 * CRM_BAD with err (unknown format, no column to read a deal or a contact
 * from, duplicate header names are fine), or CRM_ENOMEM.
 */
int crm_table_new(crm_kind kind, char *const *hdr, size_t n, crm_table_t **out,
    char *err, size_t errlen);
void crm_table_free(crm_table_t *t);
crm_kind crm_table_kind(const crm_table_t *t);
size_t crm_table_width(const crm_table_t *t);

/* ---- the extraction context: options and the contacts to join ---- */

typedef struct crm_opts {
	const char *workspace;      /* workspace_id of records that have none */
	int workspace_forced;       /* 1: --workspace given, it replaces the record's */
	enum date_order date_order;
	const crm_stage_map_t *stage_map;   /* may be NULL */
	const char *currency;       /* for CSV rows whose export names no currency; may be NULL */
} crm_opts_t;

typedef struct crm_ctx crm_ctx_t;

crm_ctx_t *crm_ctx_new(const crm_opts_t *o);   /* copies o; NULL on ENOMEM */
void crm_ctx_free(crm_ctx_t *c);

/*
 * Adds one row of a contacts export (a table of a contacts kind). Returns
 * CRM_OK, CRM_SKIP (footer, blank), CRM_BAD with err, or CRM_ENOMEM.
 */
int crm_ctx_add_contact_row(crm_ctx_t *c, const crm_table_t *t, char *const *f,
    size_t n, char *err, size_t errlen);
/* Contacts held, and deals they are linked to. */
size_t crm_ctx_contacts(const crm_ctx_t *c);

/*
 * One row of a deals export -> a new canonical record in *out. Returns CRM_OK,
 * CRM_SKIP (footer rows, blank rows), CRM_BAD (wrong number of fields, no
 * deal ID or name, a close date or amount that cannot be read; err says
 * which) or CRM_ENOMEM.
 */
int crm_deal_from_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t **out, char *err, size_t errlen);

/*
 * One NDJSON record -> the canonical record in *out: rec itself, normalized
 * in place, when it is canonical; a new object built from it when it is a
 * flat CRM row (the caller then still owns and frees rec). Returns CRM_OK,
 * CRM_BAD with err (rec is left as it was, to be copied to the rejects), or
 * CRM_ENOMEM.
 */
int crm_deal_from_json(crm_ctx_t *c, json_t *rec, json_t **out, char *err, size_t errlen);

/* 1 when an NDJSON object looks like a flat CRM row rather than a canonical record. */
int crm_json_is_flat(const json_t *rec);

/*
 * Adds from's contacts that into lacks (same contact_id, else same email) to
 * into: the rows of one deal in a report with a row per contact role.
 * Returns 0 or CRM_ENOMEM.
 */
int crm_merge_contacts(json_t *into, const json_t *from);

/* NDJSON records that had no stage at all (read as open). */
unsigned long crm_ctx_stageless(const crm_ctx_t *c);
/*
 * Stage labels read as open by guess (not in the map, not a known open
 * stage): the i-th distinct one (up to 32) and how many deals had it; NULL
 * past the end.
 */
const char *crm_ctx_unknown_stage(const crm_ctx_t *c, size_t i, unsigned long *count);

#endif

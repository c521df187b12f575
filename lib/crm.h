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
 * The parts, each with its own header: crm_value.h (cells: amounts, dates,
 * booleans; the CRM_* return codes), crm_stage.h (stage_normalized and the
 * stage map), crm_columns.h (export kinds, headers to fields, custom
 * fields), crm_map.h (the user's column map), crm_join.h (a deal's
 * contacts), crm_accounts.h (an accounts file's values), crm_firmo.h (the
 * CRM's firmographics). This header includes them all and
 * adds the context a run keeps and the canonical record builder, which any
 * source of CRM deals (exports here, CRM APIs) writes its records through.
 *
 * The record, keys in this order: workspace_id, deal_id, deal_name, stage,
 * stage_normalized, close_date, amount, currency, owner, source,
 * custom_fields, account {account_id, name, domain, and when the export or an
 * accounts file holds any: firmographics, crm_firmographics (crm_firmo.h)},
 * contacts [{contact_id, email, first_name, last_name, title, crm_role, and
 * linkedin_url when the export has one}]. IDs are strings; a value the
 * export does not have is null. deal_id, when the export has no ID column
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
 * crm_ctx_t owns the contacts it was given and copies its options' strings.
 * Nothing here prints or exits.
 */
#ifndef DE_CRM_H
#define DE_CRM_H

#include <stddef.h>
#include "crm_columns.h"
#include "crm_join.h"
#include "crm_stage.h"
#include "crm_value.h"
#include "json.h"

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
 * Adds one row of an accounts file (crm_accounts.h: a table of kind
 * CRM_KIND_ACCOUNTS); the deals built after it get their account's values.
 * Returns CRM_OK, CRM_SKIP, CRM_BAD with err, or CRM_ENOMEM.
 */
int crm_ctx_add_account_row(crm_ctx_t *c, const crm_table_t *t, char *const *f,
    size_t n, char *err, size_t errlen);
/* Accounts held. */
size_t crm_ctx_accounts(const crm_ctx_t *c);

/*
 * The canonical deal record from a deal's fields (r: trimmed, NULL when
 * absent; the builder may change r's values: the currency uppercased, the
 * account ID cut at its first ';' or ','). custom is the custom_fields
 * object (taken over, also on failure; NULL: none). kind gives the source and
 * how IDs join; id_column 1 says the source has a deal ID column, so a deal
 * without an ID is bad rather than given a synthetic one. Contacts: the
 * row's own (crm_join_row) and the ones the context's contacts exports link
 * to the deal; an accounts file's values fill its empty account fields.
 * Returns CRM_OK with the record in *out, CRM_BAD with err (no deal ID or
 * name; a close date, amount, employee count or revenue that cannot be
 * read), or CRM_ENOMEM.
 */
int crm_deal_build(crm_ctx_t *c, crm_kind kind, crm_fields_t *r, int id_column,
    json_t *custom, json_t **out, char *err, size_t errlen);

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

/* NDJSON records that had no stage at all (read as open). */
unsigned long crm_ctx_stageless(const crm_ctx_t *c);
/*
 * Stage labels read as open by guess (not in the map, not a known open
 * stage): the i-th distinct one (up to 32) and how many deals had it; NULL
 * past the end.
 */
const char *crm_ctx_unknown_stage(const crm_ctx_t *c, size_t i, unsigned long *count);

#endif

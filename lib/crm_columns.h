/*
 * crm_columns: which export a header row is (HubSpot deals or contacts,
 * Salesforce opportunity or contact role reports, canonical CSV columns),
 * which column holds which field of the canonical record, and a data row's
 * values by field.
 *
 * Headers are matched case-insensitively, trimmed, with runs of blanks as
 * one. A column the mapping does not know is a custom field: it goes into
 * the record's custom_fields under its snake_case name ("Champion Name" ->
 * champion_name); empty cells are left out.
 *
 * Ownership: a crm_table_t belongs to its creator (crm_table_free); a
 * crm_fields_t holds copies (crm_fields_free). Nothing here prints or exits.
 */
#ifndef DE_CRM_COLUMNS_H
#define DE_CRM_COLUMNS_H

#include <stddef.h>
#include "crm_value.h"
#include "json.h"

typedef enum {
	CRM_KIND_UNKNOWN = 0,
	CRM_KIND_HUBSPOT_DEALS,
	CRM_KIND_HUBSPOT_CONTACTS,
	CRM_KIND_SF_OPPORTUNITIES,      /* also "Opportunities with Contact Roles" */
	CRM_KIND_SF_CONTACT_ROLES,
	CRM_KIND_GENERIC_DEALS,         /* canonical column names: deal_id, stage, ... */
	CRM_KIND_ACCOUNTS               /* accounts (companies) to join to the deals */
} crm_kind;

/* "hubspot-deals", "hubspot-contacts", "salesforce-opportunities",
 * "salesforce-contact-roles", "csv", "accounts", "unknown". */
const char *crm_kind_name(crm_kind k);
/* 1 for the two contacts kinds. */
int crm_kind_is_contacts(crm_kind k);
/* 1 for the two Salesforce kinds (18-character IDs join as 15). */
int crm_kind_is_salesforce(crm_kind k);
/* "hubspot", "salesforce" or "csv": the record's source. */
const char *crm_kind_source(crm_kind k);

/* The fields of a deal row (and of a contact row: CRM_F_C_*). */
typedef enum {
	CRM_F_DEAL_ID, CRM_F_DEAL_NAME, CRM_F_STAGE, CRM_F_STAGE_NORM, CRM_F_CLOSE_DATE,
	CRM_F_AMOUNT, CRM_F_CURRENCY, CRM_F_IS_WON, CRM_F_IS_CLOSED, CRM_F_IS_LOST,
	CRM_F_OWNER, CRM_F_SOURCE, CRM_F_WORKSPACE, CRM_F_ACCOUNT_ID, CRM_F_ACCOUNT_NAME,
	CRM_F_DOMAIN,
	CRM_F_CONTACT_IDS,      /* a deal's associated contact IDs, ';' ',' or ' ' between */
	CRM_F_CONTACT_NAMES,    /* their labels, "Pat Ng (pat@globex.com)", ';' between */
	CRM_F_C_ID, CRM_F_C_EMAIL, CRM_F_C_FIRST, CRM_F_C_LAST, CRM_F_C_NAME,
	CRM_F_C_TITLE, CRM_F_C_ROLE,
	CRM_F_DEAL_IDS,         /* a contact's associated deal IDs, ';' or ',' between */
	CRM_F_INDUSTRY, CRM_F_EMPLOYEES, CRM_F_REVENUE,   /* the account's, as the CRM holds them */
	CRM_F_C_LINKEDIN,       /* the contact's LinkedIn profile URL */
	CRM_F_COUNT
} crm_field;

/* The kind of export a header row is, or CRM_KIND_UNKNOWN. */
crm_kind crm_detect(char *const *hdr, size_t n);

typedef struct crm_table crm_table_t;
struct crm_map;

/*
 * Maps a header row for kind (CRM_KIND_UNKNOWN: detect). Returns CRM_OK,
 * CRM_BAD with err (unknown format, no column to read a deal or a contact
 * from; duplicate header names are fine), or CRM_ENOMEM.
 */
int crm_table_new(crm_kind kind, char *const *hdr, size_t n, crm_table_t **out,
    char *err, size_t errlen);
/*
 * The same with the user's column map (crm_map.h; may be NULL) for a file of
 * kind file (one CRM_MAP_* bit: the deals, accounts or contacts file; 0: a
 * file whose kind is not known yet, mapped as a deals file and not checked).
 * A mapped column wins over the aliases. A map entry for this kind of file
 * naming a column the header lacks is CRM_BAD, err naming the column, the
 * map's origin and the header's columns, when crm_map_missing_is_error()
 * says so; the entries found are noted in map (crm_map_found). An accounts
 * file (kind CRM_KIND_ACCOUNTS) also reads "id"/"Record ID" and
 * "name"/"Company name" as the account's ID and name.
 */
int crm_table_new_mapped(crm_kind kind, char *const *hdr, size_t n, struct crm_map *map,
    int file, crm_table_t **out, char *err, size_t errlen);
/* The same for the keys of an NDJSON row, where "id" and "name" also name
 * the deal's ID and name (too vague for a CSV header). */
int crm_table_new_keys(crm_kind kind, char *const *keys, size_t n, crm_table_t **out,
    char *err, size_t errlen);
void crm_table_free(crm_table_t *t);
crm_kind crm_table_kind(const crm_table_t *t);
void crm_table_set_kind(crm_table_t *t, crm_kind kind);
size_t crm_table_width(const crm_table_t *t);
/* The column of field f, or -1 when the header has none. */
int crm_table_col(const crm_table_t *t, crm_field f);

/* 1 when a row is no data: blank, or a Salesforce report footer or subtotal. */
int crm_row_is_filler(char *const *f, size_t n);
/* 0 when a row of n fields fits t (extra fields must be empty); else -1 with err. */
int crm_table_check_width(const crm_table_t *t, char *const *f, size_t n, char *err,
    size_t errlen);

/* A row's values by field: trimmed copies, NULL when absent or empty. */
typedef struct crm_fields {
	char *v[CRM_F_COUNT];
} crm_fields_t;

/* Fills r from a row of t. Returns CRM_OK or CRM_ENOMEM (r then empty). */
int crm_fields_fill(crm_fields_t *r, const crm_table_t *t, char *const *f, size_t n);
void crm_fields_free(crm_fields_t *r);

/*
 * The custom_fields object of a row: its unmapped, non-empty columns under
 * their snake_case names. orig (may be NULL) holds the JSON values of an
 * NDJSON row, parallel to f, kept as they are (a number stays a number).
 * Returns CRM_OK with a new object in *out (the caller frees it), or CRM_ENOMEM.
 */
int crm_table_custom(const crm_table_t *t, char *const *f, size_t n, json_t *const *orig,
    json_t **out);

/* 1 when an NDJSON object looks like a flat CRM row rather than a canonical record. */
int crm_json_is_flat(const json_t *rec);

#endif

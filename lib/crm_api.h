/*
 * crm_api: what the CRM API clients (lib/hubspot.h, lib/salesforce.h) share:
 * the canonical record skeleton they fill from an API's answers before
 * crm_deal_from_json() (lib/crm.h) normalizes it as it does any record, and
 * the firmographics a CRM holds on an account.
 *
 * A CRM's firmographics go on the account as lib/crm_firmo.h writes them
 * (firmographics and crm_firmographics, with their source), the same as
 * deals-extract's.
 *
 * Ownership: crm_api_deal_new() returns a record the caller frees
 * (json_free); the other functions add to the caller's record and copy every
 * string they are given. All return 0, or -1 when memory runs out.
 */
#ifndef DE_CRM_API_H
#define DE_CRM_API_H

#include <stdint.h>
#include "json.h"

/* "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hhmm|+hh:mm)" (Salesforce writes +0000) or
 * epoch milliseconds -> epoch milliseconds. Returns 0, or -1. */
int crm_api_time_ms(const char *s, int64_t *ms);
/* Epoch milliseconds -> "YYYY-MM-DDTHH:MM:SS.fffZ"; with_ms 0 leaves out
 * ".fff" (SOQL's datetime literal). */
void crm_api_time_iso(int64_t ms, int with_ms, char out[32]);

/* The values of one deal as the API gives them; NULL for absent. */
struct crm_api_deal {
	const char *deal_id, *deal_name, *stage, *close_date;
	const char *amount;         /* number text ("25000", "1.0E8") */
	const char *currency, *owner;
	const char *source;         /* "hubspot", "salesforce" */
	int is_won, is_closed;      /* 1, 0, or -1 unknown */
};

/*
 * A record with the canonical keys in their order: workspace_id (null, set by
 * crm_deal_from_json), deal_id, ..., stage_normalized (from is_won/is_closed
 * and the stage text, as crm_stage_normalize reads them), ..., custom_fields
 * {}, account null, contacts []. NULL when memory runs out.
 */
json_t *crm_api_deal_new(const struct crm_api_deal *d);

/* Sets custom_fields.key to a string (NULL value: nothing set). */
int crm_api_custom(json_t *rec, const char *key, const char *value);

/*
 * The record's account {account_id, name, domain}; industry, employees and
 * annual_revenue (number text, or NULL) make the firmographics above when any
 * is given (crm_firmo_new, lenient: a value that is not a number is null).
 * HubSpot's industry enum ("OIL_ENERGY") is read as words ("oil energy").
 */
int crm_api_account(json_t *rec, const char *id, const char *name, const char *domain,
    const char *industry, const char *employees, const char *annual_revenue,
    const char *source);

/* Appends {contact_id, email, first_name, last_name, title, crm_role} to contacts. */
int crm_api_contact(json_t *rec, const char *id, const char *email, const char *first,
    const char *last, const char *title, const char *role);

#endif

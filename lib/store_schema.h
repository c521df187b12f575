/*
 * store_schema: what the deal store holds and how a record is judged: a
 * deal's status, the rank of an enrichment answer, a role's confidence, the
 * deal's id and its facts (the summary enrich-status and enrich-summary
 * count). The tables and formats are described in store.h.
 *
 * Ownership: functions returning json_t * hand the caller a new value to
 * json_free(); NULL means memory ran out.
 */
#ifndef DE_STORE_SCHEMA_H
#define DE_STORE_SCHEMA_H

#include <stddef.h>
#include "buf.h"
#include "json.h"

/* The cap of a stored value's text. */
#define STORE_VAL_CAP ((size_t)1 << 30)

typedef enum {
	STORE_FAILED = 0,     /* no contact with an email was answered (or none has one) */
	STORE_PARTIAL = 1,    /* some were */
	STORE_ENRICHED = 2    /* every contact with an email was answered */
} store_status;

/* "failed", "partial", "enriched". */
const char *store_status_name(store_status s);
/* The status named s; -1 when s names none. */
int store_status_parse(const char *s);

/*
 * The rank of an enrichment answer's status (a contact's apollo.status, else
 * its enrichment_status; an account's signals.status): 3 enriched,
 * 2 not_found, 1 any other status (error, quota_exhausted, skipped, dry_run),
 * 0 none. "Answered" means a rank of 2 or more.
 */
int store_status_rank(const char *status);
int store_contact_rank(const json_t *contact);
/* The contact's Apollo status string, or NULL. */
const char *store_contact_apollo(const json_t *contact);

/*
 * A contact's role confidence: role_confidence when it is a number, else the
 * confidence of its role_source (crm_contact_role 0.95, crm_deal_field 0.85,
 * apollo_seniority 0.75, cross_deal_pattern 0.70, llm 0.60, title_inference
 * 0.50, other 0). -1 when the contact has no buying_role.
 */
double store_role_confidence(const json_t *contact);
/* The confidence of a role source; 0 for an unknown one or NULL. */
double store_source_confidence(const char *source);

/* 1 when the contact has a non-blank email. */
int store_contact_has_email(const json_t *contact);
/* 1 when the contact has a non-blank buying_role. */
int store_contact_has_role(const json_t *contact);

/* The deal status of a record (from its contacts). */
store_status store_deal_status(const json_t *rec);

/* The deal's facts (store.h), with its status and load time. */
json_t *store_facts(const json_t *rec, store_status status, const char *loaded_at);
/* 1 when the stored facts text raw[0..len) is of this version's format, so
 * that a load rewrites facts of another version. */
int store_facts_current(const char *raw, size_t len);

/*
 * The deal's id as text (a string, or a number's text) into out; 0, or -1
 * when the record has no usable deal_id.
 */
int store_deal_id(const json_t *rec, buf_t *out);

/*
 * A deal's numbers, for the run reports: what one store_load() did (the
 * merged record's), what a scan of the facts counts.
 */
struct store_deal_numbers {
	store_status status;
	long contacts, roles_resolved, apollo_enriched;
	int signals;          /* the account's signals are enriched */
	int changed;          /* 0: the store already held exactly this */
};

/* The numbers of a record with status st (changed set to 1). */
void store_numbers(const json_t *rec, store_status st, struct store_deal_numbers *out);
/* The numbers of a deal's facts (as store_load() gives them). */
void store_facts_numbers(const json_t *facts, struct store_deal_numbers *out);

#endif

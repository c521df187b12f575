/*
 * store: the deal store that deals-load writes and enrich-status,
 * enrich-summary, deals-extract --pending and role-resolve read (DESIGN §4).
 *
 * Tables and formats (shared with the other programs):
 *   DB_DEALS  db_key(ws, deal_id)
 *             {"status":"enriched"|"partial"|"failed","loaded_at":"...Z",
 *              "record":{...the merged deal record...}}
 *   DB_INDEX  db_key(ws, "role", account_key, lowercased email, deal_id)
 *             {"buying_role":..,"role_confidence":..,"role_source":..,"close_date":..}
 *             one per contact that has an email and a role, except roles that were
 *             themselves inferred from other deals (role_source cross_deal_pattern),
 *             so that an inference never becomes evidence.
 *   DB_INDEX  db_key(ws, "facts", deal_id)
 *             the deal's facts (store_facts()): the few fields enrich-status and
 *             enrich-summary count, so that they read a few hundred bytes a deal
 *             instead of the whole record.
 *   DB_META   db_key(ws, "deals-load", "last_run") "YYYY-MM-DDTHH:MM:SSZ"
 *
 * Merging (store_merge) never loses data: a contact keeps its Apollo answer
 * when the new one is worse (enriched > not_found > error, quota_exhausted,
 * skipped, dry_run > none), a role is replaced only by one of equal or higher
 * confidence, the account keeps its signals and firmographics the same way,
 * enriched_at is never touched, and keys, contacts and values (non-null) that
 * only the stored record has are kept.
 *
 * Ownership: functions returning json_t * hand the caller a new value to
 * json_free(); NULL means memory ran out. The loader owns its batch.
 */
#ifndef DE_STORE_H
#define DE_STORE_H

#include <stddef.h>
#include <time.h>
#include "db.h"
#include "json.h"

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

/* The deal status of a record (from its contacts). */
store_status store_deal_status(const json_t *rec);

/*
 * The merge of rec (the new record) over old (the stored record, NULL when
 * none): rec's keys and order, the rules above, old's extras appended.
 */
json_t *store_merge(const json_t *old, const json_t *rec);

/* The deal's facts (see above), with its status and load time. */
json_t *store_facts(const json_t *rec, store_status status, const char *loaded_at);

/*
 * The deal's id as text (a string, or a number's text) into out; 0, or -1
 * when the record has no usable deal_id.
 */
int store_deal_id(const json_t *rec, buf_t *out);

/* ---- loading ---- */

typedef struct store_loader store_loader_t;

/*
 * What one store_load() did, for the run report: the merged record's
 * numbers.
 */
struct store_deal_numbers {
	store_status status;
	long contacts, roles_resolved, apollo_enriched;
	int signals;          /* the account's signals are enriched */
	int changed;          /* 0: the store already held exactly this */
};

/*
 * A loader writing up to batch_deals deals (1 or more; 0 means 256) in one
 * db_batch. Returns NULL when memory runs out.
 */
store_loader_t *store_loader_new(db_t *db, size_t batch_deals);

/*
 * Merges rec into the store under workspace ws. The write happens in the
 * loader's current batch, committed every batch_deals deals and by
 * store_loader_flush(). now is the load time. Returns DB_OK, DB_ENOMEM or
 * DB_EIO (err set); nums (may be NULL) gets the deal's numbers. A record
 * without a deal_id is the caller's to reject (DB_EKEY).
 */
int store_load(store_loader_t *l, const char *ws, const json_t *rec, time_t now,
    struct store_deal_numbers *nums, char *err, size_t errlen);
/* Commits what is pending. */
int store_loader_flush(store_loader_t *l, char *err, size_t errlen);
/* Frees the loader; pending writes not flushed are dropped. */
void store_loader_free(store_loader_t *l);

/* Records ws's last deals-load run time. */
int store_set_last_run(db_t *db, const char *ws, time_t t, char *err, size_t errlen);
/* Reads it into out (21 bytes); DB_NOTFOUND when never set. */
int store_get_last_run(db_t *db, const char *ws, char *out, size_t n, char *err,
    size_t errlen);

/* ---- reading ---- */

/*
 * The stored value of one deal ({"status","loaded_at","record"}). Returns
 * DB_OK with *val, DB_NOTFOUND, or an error.
 */
int store_get(db_t *db, const char *ws, const char *deal_id, json_t **val, char *err,
    size_t errlen);
/*
 * 1 when the store holds ws's deal_id with status "enriched"; 0 when it
 * holds it otherwise, does not hold it, or its value does not parse; -1 on a
 * db error (err says which).
 */
int store_is_enriched(db_t *db, const char *ws, const char *deal_id, char *err,
    size_t errlen);

/*
 * Calls fn with the facts of every deal of ws, in deal_id key order. fn
 * returns 0 to go on. A facts entry that does not parse is skipped and
 * counted in *bad (may be NULL). Returns DB_OK or an error.
 */
typedef int (*store_facts_fn)(const json_t *facts, void *ctx);
int store_scan_facts(db_t *db, const char *ws, store_facts_fn fn, void *ctx,
    size_t *bad, char *err, size_t errlen);

/*
 * The facts of a deal as a struct, read without building a JSON tree (what
 * enrich-summary and enrich-status scan 100,000 times). Strings are NULL when
 * the facts hold null; they and the arrays live until fn returns.
 */
struct store_fcontact {
	const char *apollo, *seniority, *department, *role;
	double tenure;
	int has_tenure;   /* tenure holds a number */
	int email;        /* the contact has an email */
};

struct store_fdeal {
	const char *deal_id, *stage, *close_date, *status, *account_key;
	const char *industry, *size_band, *signals, *enriched_at;
	const char *const *types;          /* signal types, distinct */
	size_t ntypes;
	const struct store_fcontact *contacts;
	size_t ncontacts;
	double amount;                     /* the deal's amount when has_amount */
	int has_amount;
};

typedef int (*store_fdeal_fn)(const struct store_fdeal *d, void *ctx);
/* As store_scan_facts(), with the struct. */
int store_scan_fdeals(db_t *db, const char *ws, store_fdeal_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen);
/*
 * Reads one facts text into *d. The strings and arrays live in r until the
 * next call or store_freader_free(). Returns 0, -1 when the text is not facts
 * JSON, -2 when memory runs out.
 */
typedef struct store_freader store_freader_t;
store_freader_t *store_freader_new(void);
void store_freader_free(store_freader_t *r);
int store_freader_read(store_freader_t *r, const char *text, size_t len, struct store_fdeal *d);

/* The role index entries of an account (for tests and role-resolve): calls fn
 * with the email, the deal_id and the value. */
typedef int (*store_role_fn)(const char *email, const char *deal_id, const json_t *val,
    void *ctx);
int store_scan_roles(db_t *db, const char *ws, const char *account_key, store_role_fn fn,
    void *ctx, char *err, size_t errlen);

/* ---- counting (enrich-status, the deals-load report) ---- */

/*
 * Counts with distinct deals and accounts: adding the same deal twice
 * replaces its first numbers, an account counts once.
 */
typedef struct store_counter store_counter_t;

struct store_stats {
	long long deals, enriched_deals, partial_deals, failed_deals;
	long long contacts, roles_resolved, apollo_enriched, accounts_with_signals;
};

store_counter_t *store_counter_new(void);
void store_counter_free(store_counter_t *c);
/* Adds a deal (by id) and its account key (may be NULL). -1 on ENOMEM. */
int store_counter_add(store_counter_t *c, const char *deal_id, const char *account_key,
    const struct store_deal_numbers *n);
void store_counter_get(const store_counter_t *c, struct store_stats *out);

/* The numbers of a record with status st (changed set to 1). */
void store_numbers(const json_t *rec, store_status st, struct store_deal_numbers *out);
/* The numbers of a deal's facts (as store_load() gives them). */
void store_facts_numbers(const json_t *facts, struct store_deal_numbers *out);
void store_fdeal_numbers(const struct store_fdeal *d, struct store_deal_numbers *out);

/*
 * The stats of ws's closed deals (stage closed_won or closed_lost) in the
 * store, for enrich-status. Returns DB_OK or an error.
 */
int store_stats(db_t *db, const char *ws, struct store_stats *out, char *err,
    size_t errlen);

#endif

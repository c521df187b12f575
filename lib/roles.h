/*
 * roles: the buying role of each contact of a deal (DESIGN §3), from layered
 * evidence, strongest first; a weaker source never overwrites a stronger one.
 *
 *   source              confidence  evidence
 *   crm_contact_role    0.95        the contact's "crm_role", through roles_crm_labels[]
 *   crm_deal_field      0.85        a deal field (roles_deal_fields[]) naming the contact (names.h)
 *   apollo_seniority    0.75        apollo.person.seniority owner, founder or c_suite
 *   cross_deal_pattern  0.70        the contact's role on another deal of the same account:
 *                                   the store's role index and earlier records of the stream
 *   llm                 0.60        an LLM's answer for a contact no rule placed (cmd side)
 *   title_inference     0.50        the job title, through roles_title_rules[]
 *
 * A role already on the input ("buying_role" with "role_confidence") is one more
 * candidate: fresh evidence replaces it only when at least as strong. A
 * buying_role without a confidence counts as 1.0 (someone set it by hand).
 *
 * The tables are data in roles_tables.h; the title rules' language and
 * their cache are roles_title.h, the CRM labels and deal field names
 * roles_label.h, the optional LLM layer roles_llm.h (included here).
 *
 * Ownership: roles_new() returns a resolver freed with roles_free(); it keeps
 * the compiled title rules, a bounded title cache and the bounded in-stream
 * memory of roles seen on earlier records. Functions taking a record change it
 * in place and never drop or reorder keys they do not own.
 */
#ifndef DE_ROLES_H
#define DE_ROLES_H

#include <stddef.h>
#include "buf.h"
#include "db.h"
#include "json.h"
#include "roles_label.h"
#include "roles_tables.h"

/* ---- the resolver ---- */

typedef struct roles roles_t;

struct roles_opts {
	db_t *db;              /* the store, for the cross-deal index; NULL: none */
	size_t stream_cap;     /* contacts remembered from earlier records; 0: none */
	size_t title_cache;    /* titles whose rule is remembered; 0: the default 4096 */
};

#define ROLES_STREAM_CAP_DEFAULT 100000

/* NULL when memory runs out or a title rule does not compile (err says which). */
roles_t *roles_new(const struct roles_opts *o, char *err, size_t errlen);
void roles_free(roles_t *r);
/* Stops (db NULL) or starts using the store. */
void roles_set_db(roles_t *r, db_t *db);

/*
 * Adds a CRM label (as the CRM writes it) or a deal field name, ahead of the
 * built-in table. Returns 0, or -1 when memory runs out or the name folds to
 * nothing.
 */
int roles_add_crm_label(roles_t *r, const char *label, int role);
int roles_add_deal_field(roles_t *r, const char *field, int role);

/*
 * The role of a CRM label: a role, ROLES_NONE for a label that means none
 * ("Other"), ROLES_UNKNOWN for a label no table knows. r may be NULL (the
 * built-in table only).
 */
int roles_crm_label(const roles_t *r, const char *label);
/* The role of a deal field name ("champion_name", "Champion__c"), or ROLES_NONE. */
int roles_deal_field(const roles_t *r, const char *field);
/* The role of a job title, or ROLES_NONE; *rule (may be NULL) the rule index or -1. */
int roles_title(roles_t *r, const char *title, int *rule);

/*
 * Resolves every contact of rec: sets buying_role, role_confidence and
 * role_source on each contact (null, null, null when nothing speaks), and
 * roles_summary on the deal. workspace may be NULL (then the record's
 * workspace_id). Returns DB_OK, or a DB_E* code with err set when the store
 * could not be read (the record is still resolved from everything else).
 */
int roles_resolve(roles_t *r, json_t *rec, const char *workspace, char *err, size_t errlen);

/*
 * Sets a contact's role (one of the seven) from src when no stronger role is
 * already there. Returns 1 when set, 0 when a stronger role stays, -1 on
 * memory failure.
 */
int roles_apply(json_t *contact, int role, int src);

/* (Re)writes rec's roles_summary: the count of contacts per role, every role present. */
int roles_summary(json_t *rec);

struct roles_stats {
	unsigned long records, contacts, resolved, kept_input, unresolved;
	unsigned long by_source[ROLES_NSRC];
	unsigned long field_names, field_unmatched;  /* names in deal fields, and those matching no contact */
	unsigned long store_hits, stream_hits;
};
const struct roles_stats *roles_stats(const roles_t *r);
void roles_count_source(roles_t *r, int src);   /* for the llm layer, done by the caller */

/* CRM labels seen that no table knows, as written: i-th (NULL past the end) and its count. */
const char *roles_unknown_label(const roles_t *r, size_t i, unsigned long *count);

/* The role already on a contact ("buying_role"), as a candidate: 1 with its
 * strength in *conf (1.0 when it has no role_confidence: set by hand), or 0. */
int roles_contact_role(const json_t *contact, double *conf);
/* The contact's CRM title (apollo 0) or Apollo title (apollo 1); NULL when empty. */
const char *roles_contact_title(const json_t *contact, int apollo);

#include "roles_llm.h"

#endif

/*
 * apollo: what apollo-enrich knows about Apollo.io's people/bulk_match
 * (CONTRACTS §1): the request, the answer read robustly and matched back to
 * the people asked for, the subset of a person kept and cached, the fields a
 * contact and its account get (DESIGN §3), and the rate-limit headers.
 *
 * Nothing here does I/O: the program sends the request (lib/http.h), caches
 * (lib/cache.h) and counts (lib/ledger.h).
 *
 * Robustness: every scalar Apollo sends may be a string, a number or null;
 * `matches` may hold nulls, come reordered, lack entries or lack the nested
 * `organization`; the email may be the locked placeholder
 * email_not_unlocked@domain.com, which counts as no email.
 *
 * Ownership follows lib/json.h: json_t * results are the caller's to free.
 */
#ifndef DE_APOLLO_H
#define DE_APOLLO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "date.h"
#include "domain.h"
#include "json.h"

#define APOLLO_PROVIDER "apollo"
#define APOLLO_BASE_DEFAULT "https://api.apollo.io"
#define APOLLO_BULK_PATH "/api/v1/people/bulk_match"
#define APOLLO_BATCH_MAX 10

enum {
	APOLLO_OK = 0,
	APOLLO_ENOMEM = -1,
	APOLLO_EPARSE = -2,   /* the answer is not JSON or has no usable "matches" */
	APOLLO_EARG = -3      /* 0 or more than APOLLO_BATCH_MAX asks */
};

/* One person asked for. email is normalized (trimmed, lowercased) and required. */
struct apollo_ask {
	const char *email;
	const char *first_name;     /* may be NULL */
	const char *last_name;      /* may be NULL */
	const char *linkedin_url;   /* may be NULL */
};

/*
 * Appends the bulk_match body for asks[0..n) to out:
 * {"details":[{"email":..,"first_name":..,...}],"reveal_personal_emails":false}.
 * Returns APOLLO_OK, APOLLO_EARG (n is 0 or above APOLLO_BATCH_MAX) or
 * APOLLO_ENOMEM.
 */
int apollo_request_body(const struct apollo_ask *asks, size_t n, buf_t *out);

/* What the answer said about one ask. */
enum apollo_result_kind {
	APOLLO_UNANSWERED = 0,   /* cannot tell: the answer lacks entries or one could not be placed */
	APOLLO_FOUND,
	APOLLO_NOT_FOUND
};

struct apollo_result {
	enum apollo_result_kind kind;
	json_t *person;          /* FOUND: the kept subset (apollo_person_subset), owned */
};

/*
 * Reads a 200 answer of bulk_match and matches its entries back to asks[0..n):
 * by email first, then linkedin_url, then full name, and by position only for
 * an entry that carries none of these and whose position is free. When every
 * non-null entry is placed and the nulls account for the rest, the rest are
 * NOT_FOUND; otherwise they are UNANSWERED. out[i] is for asks[i] (free with
 * apollo_results_free). *credits gets "credits_consumed" (a number or a
 * numeric string), or the count of entries found when it is absent.
 * Returns APOLLO_OK, APOLLO_EPARSE with err set (out all UNANSWERED), or
 * APOLLO_ENOMEM.
 */
int apollo_parse_response(const char *body, size_t len, const struct apollo_ask *asks,
    size_t n, struct apollo_result *out, double *credits, char *err, size_t errlen);
void apollo_results_free(struct apollo_result *r, size_t n);

/*
 * The subset of an Apollo person kept in the cache and on the contact: id,
 * name, title, seniority, departments, email (the placeholder becomes null),
 * email_status, linkedin_url, organization_id, employment_history (title,
 * organization_name, start_date, end_date, organization_id when set, current)
 * and organization (name, primary_domain (else website_url), industry,
 * estimated_num_employees, annual_revenue, founded_year; numbers as numbers).
 * Fields of the wrong type are left out. NULL when p is not an object or
 * memory runs out.
 */
json_t *apollo_person_subset(const json_t *p);

/*
 * Cache values: lib/cache.h's cache_answer_value() with the person under
 * "person": {"status":"enriched","person":{...}} or {"status":"not_found"};
 * returns as cache_answer_value() and cache_answer_read().
 */
json_t *apollo_cache_value(const json_t *person);
int apollo_cache_read(const json_t *v, const json_t **person);

/*
 * Apollo's seniority as the toolkit's level: owner/founder/c_suite -> c_level,
 * partner/vp -> vp, head/director -> director, manager -> manager,
 * senior/entry/intern -> ic. NULL for anything else.
 */
const char *apollo_seniority_level(const char *seniority);

/*
 * The department: the first of departments[] without its "master_" prefix,
 * into out. Returns 0, or -1 when there is none.
 */
int apollo_department(const json_t *person, char *out, size_t n);

/*
 * Facts: what a contact's fields are computed from, read once from a person
 * (the apollo-enrich hot path keeps them with each cached answer, so that a
 * person on many deals is not read again for each), its text (apollo.person)
 * included. A copy: person may be freed first. NULL when person is NULL or
 * memory runs out.
 */
typedef struct apollo_facts apollo_facts_t;
apollo_facts_t *apollo_facts_new(const json_t *person);
void apollo_facts_free(apollo_facts_t *f);

/* An account as people are matched to it: its company name and domain, normalized. */
struct apollo_account {
	char name[256];
	char domain[DOMAIN_MAX];
};
/* From an account object; from its fields' text (each may be NULL). */
void apollo_account_read(const json_t *account, struct apollo_account *a);
void apollo_account_of(struct apollo_account *a, const char *name, const char *domain,
    const char *website);
/* A deal's close date ("YYYY-MM-DD" or any CRM date); NULL or unreadable: today. */
date_t apollo_close_date(const char *close_date, time_t today);

/*
 * The fields apollo-enrich owns on a contact ("apollo" {"status", "cached",
 * "fetched_at", "person"} or {"status", "reason"}, "seniority_verified",
 * "department_verified", "tenure_months", "job_changed", "job_changed_by"
 * ("domain" or "name": what decided job_changed, see company.h), "new_employer",
 * "enrichment_status", "enriched_at"; unknowns null), as JSON text: f[i] names the i-th,
 * with its whole member ("key":value) at text[member .. off + len) and its
 * value at text[off .. off + len), where text is out's text when f[i].text is
 * NULL (offsets, for out may move) and otherwise memory facts keep.
 * "new_employer" is among them only when the person moved; a caller writing
 * them onto a contact removes any it had otherwise.
 *
 * For "enriched" with facts, the fields that depend on the person alone (the
 * person's text among them) are written once and kept in facts for
 * (cached, fetched_at), so that a person on many deals is not written again
 * for each: only tenure_months, job_changed and job_changed_by go to out. Those kept fields
 * stay valid until the next call with the same facts and another (cached,
 * fetched_at), or until the facts are freed. reason is written for the other
 * statuses. Returns how many fields (at most APOLLO_FIELDS_MAX), or -1 when
 * memory runs out.
 */
#define APOLLO_FIELDS_MAX 9
struct apollo_field {
	const char *key;
	const char *text;   /* NULL: out's */
	size_t member;      /* the member: text[member .. off + len) */
	size_t off, len;    /* its value: text[off .. off + len) */
};
int apollo_contact_text(buf_t *out, struct apollo_field *f, const char *status,
    apollo_facts_t *facts, const struct apollo_account *acct, date_t close, int cached,
    time_t fetched_at, const char *reason);

/* LinkedIn's size bands: "1-10", "11-50", ..., "10001+"; NULL below 1. */
const char *apollo_size_band(int64_t employees);

/*
 * Firmographics from an organization subset: {"industry","employees",
 * "size_band","annual_revenue","founded_year","source":"apollo"}, unknowns
 * null. NULL when org is not an object or memory runs out.
 */
json_t *apollo_firmographics(const json_t *org);

/*
 * The account's person among people's facts f[0..n) (NULL entries skipped):
 * the one whose domain is the account's first, else one with the account's
 * name; when the account has neither a domain nor a name, the first. The
 * index of the one chosen, or -1 when none fits. Its firmographics are
 * apollo_facts_firmographics(): JSON text borrowed from the facts, NULL when
 * the person has no organization.
 */
int apollo_facts_pick(const struct apollo_account *account, const apollo_facts_t *const *f,
    size_t n);
const char *apollo_facts_firmographics(const apollo_facts_t *f, size_t *len);

#endif

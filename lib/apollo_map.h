/*
 * apollo_map: Apollo as the provider of lib/apollo_run, on records kept as
 * text: what a contact asks for, the people/bulk_match request, what a final
 * answer says, and what a contact and its account get written. The engine
 * holds the schedule (window, queue, claims, cache, ledger, stops); this holds
 * everything it knows of Apollo's endpoint, body and fields, on top of
 * lib/apollo.h (body, parse, fields) and lib/apollo_memo.h (answers).
 *
 * A new provider stage writes its own mapping of this shape and plugs it into
 * the engine. Nothing here does I/O.
 *
 * Ownership: the caller owns every buffer; results borrow from what they are
 * given, as each function says.
 */
#ifndef DE_APOLLO_MAP_H
#define DE_APOLLO_MAP_H

#include <stddef.h>

#include "apollo.h"
#include "apollo_memo.h"
#include "buf.h"
#include "date.h"
#include "http.h"
#include "jedit.h"
#include "jspan.h"

/*
 * What a contact (the object contact of text) adds to its ask besides the
 * email: first_name, last_name, linkedin_url, each a non-empty string,
 * malloc'd (the caller frees), else NULL (absent, another type, empty, or
 * out of memory: the ask only matches less well).
 */
void apollo_map_ask(const char *text, jspan_t contact, char **first, char **last, char **li);

/* The headers of a request: hdrs of apollo_map_request holds this many. */
#define APOLLO_MAP_HEADERS 5

/*
 * The bulk_match request for asks[0..n) to url, the key sent only as
 * key_header ("x-api-key: KEY"): fills req (POST, url, headers, body), whose
 * headers are hdrs' and whose body is body's text (appended to body). Returns
 * APOLLO_OK, APOLLO_EARG (n is 0 or above APOLLO_BATCH_MAX) or APOLLO_ENOMEM.
 */
int apollo_map_request(const struct apollo_ask *asks, size_t n, const char *url,
    const char *key_header, const char *hdrs[APOLLO_MAP_HEADERS], buf_t *body,
    struct http_request *req);

/* What a final answer says (lib/http.h's, after its retries). */
enum apollo_verdict {
	APOLLO_ANSWERED = 0,   /* a 200 read: res[0..n) and *credits */
	APOLLO_BAD_ANSWER,     /* a 200 that cannot be read */
	APOLLO_REFUSED,        /* 401, 403: the key */
	APOLLO_RATE_LIMITED,   /* 429 to the last retry */
	APOLLO_UNAVAILABLE,    /* no answer, or a 5xx or cut-off answer to the last retry */
	APOLLO_FAILED,         /* any other status */
	APOLLO_NOMEM
};

/*
 * What resp, the final answer to asks[0..n), says. ANSWERED fills res[0..n)
 * (free with apollo_results_free) and *credits; otherwise res is all
 * UNANSWERED, *credits 0, and reason says why, for the contacts and the
 * notice: with at most a short excerpt of the body, in which key (the
 * workspace's, may be NULL) is masked.
 */
enum apollo_verdict apollo_map_answer(const http_response_t *resp,
    const struct apollo_ask *asks, size_t n, struct apollo_result *res, double *credits,
    const char *key, char *reason, size_t rn);

/* What a contact settled on. */
struct apollo_outcome {
	const char *status;    /* enriched, not_found, error, skipped, quota_exhausted, dry_run */
	const char *reason;    /* for the statuses but enriched and not_found; may be NULL */
	apollo_answer_t *ans;  /* enriched, not_found: the answer (borrowed); else NULL */
	int cached;            /* 1, 0, or -1: not said */
};

/*
 * Appends the contact whose members in text are mem[0..n) to out, with the
 * fields apollo-enrich owns (apollo_contact_text) set, and any
 * "new_employer" it had removed unless the person moved; vals is scratch for
 * the fields' text. acct and close are the record's (apollo_map_account).
 * Returns JSON_OK, JSON_ENOMEM or JSON_ETOOBIG.
 */
int apollo_map_contact(buf_t *out, buf_t *vals, const char *text, const jspan_member_t *mem,
    size_t n, const struct apollo_outcome *oc, const struct apollo_account *acct, date_t close);

/* The members of a record's account that apollo_map_account reads, in its order. */
#define APOLLO_MAP_ACCOUNT_NAMES { "name", "domain", "website" }
/*
 * The account people are matched to, from the values (in text) of its members
 * name, domain and website (at[i]: the member in acc of the i-th name of
 * APOLLO_MAP_ACCOUNT_NAMES, -1: none; strings or numbers), and the deal's
 * close date from the record's close_date (a string; NULL or anything else:
 * today, now).
 */
void apollo_map_account(struct apollo_account *a, const char *text, const jspan_member_t *acc,
    const long at[3], const jspan_member_t *close_date, time_t now, date_t *close);

/*
 * The "firmographics" member the account of a record gets: those of the
 * account's person among people[0..n) (apollo_facts_pick), under the CRM's
 * when the account (the object account in text) carries "crm_firmographics"
 * (lib/crm_firmo.h: the CRM's stay, Apollo's fill what they lack). *f gets
 * the member, its text borrowed from the person's facts or from merged.
 * Returns 1 (*f set), 0 (no person fits: none), -1 when memory runs out.
 */
int apollo_map_firmographics(const char *text, jspan_t account,
    const struct apollo_account *acct, const apollo_facts_t *const *people, size_t n,
    buf_t *merged, struct jedit_field *f);

#endif

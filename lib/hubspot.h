/*
 * hubspot: closed deals from HubSpot's CRM API (CONTRACTS §5), a page at a
 * time, each deal with its company and contacts joined, as canonical records
 * (lib/crm_api.h) for crm-pull.
 *
 * A page is one search of closed deals (hs_is_closed = true, whatever the
 * pipeline; 200 a page, sorted by hs_lastmodifieddate), then the v4 batch
 * associations of its deals to contacts and to companies (100 deals a call;
 * association labels become the contact's crm_role; the company labelled
 * "Primary" is the account, else the first), then batch reads of those
 * contacts and companies (100 a call). Stage labels, and closed-won where a
 * deal lacks hs_is_closed_won, come from the pipelines endpoint, read once.
 * Past the search's result cap (10,000) the search starts again from the
 * latest modification time seen, leaving out the deals of that instant it
 * already gave.
 *
 * Limits: searches start at least 200 ms apart (5 a second); when
 * X-HubSpot-RateLimit-Remaining says the 10-second window is spent, calls
 * wait for the next window. A 429 TEN_SECONDLY_ROLLING waits (Retry-After,
 * else the window) and asks again; DAILY stops the pull (HUBSPOT_EDAILY).
 * 5xx and timeouts are retried by lib/http.h.
 *
 * Paths (checked against developers.hubspot.com's API reference, 2026-03
 * and legacy): classic /crm/v3/objects/..., /crm/v4/associations/{from}/{to}/
 * batch/read, /crm/v3/pipelines/deals; dated /crm/objects/2026-03/...,
 * /crm/associations/2026-03/{from}/{to}/batch/read, /crm/pipelines/2026-03/
 * deals. v4 gives toObjectId as a number, the dated version as a string: both
 * are read. The owner is the deal property hubspot_owner_id (an owner id, kept
 * in custom_fields; its name would take the owners endpoint). A company's
 * industry is an enumeration's internal value (COMPUTER_SOFTWARE, OIL_ENERGY),
 * written as lowercase words (crm_api_account()).
 *
 * The token is sent as "Authorization: Bearer ..." and kept in memory only:
 * no message, stat or record ever holds it.
 *
 * Ownership: hubspot_new() copies what it needs of the options except http,
 * which stays the caller's; hubspot_next() hands out a new array of records
 * the caller frees. Every function fills err on failure.
 */
#ifndef DE_HUBSPOT_H
#define DE_HUBSPOT_H

#include <stddef.h>
#include <stdint.h>
#include "http.h"
#include "json.h"

#define HUBSPOT_BASE_URL_DEFAULT "https://api.hubapi.com"
#define HUBSPOT_SEARCH_CAP 10000
#define HUBSPOT_PAGE 200
#define HUBSPOT_BATCH 100

enum {
	HUBSPOT_OK = 0,
	HUBSPOT_DONE = 1,        /* no more deals */
	HUBSPOT_ENOMEM = -1,
	HUBSPOT_EAUTH = -2,      /* 401: the token is refused; err says what to set */
	HUBSPOT_ESCOPE = -3,     /* 403: the app lacks a scope; err names it */
	HUBSPOT_EDAILY = -4,     /* 429 DAILY: the portal's day is spent */
	HUBSPOT_ERATE = -5,      /* 429 TEN_SECONDLY_ROLLING kept coming */
	HUBSPOT_EUNAVAIL = -6,   /* 5xx, timeouts, connection errors, once retries ran out */
	HUBSPOT_EANSWER = -7     /* another 4xx, or an answer that is not HubSpot's */
};

struct hubspot_opts {
	const char *base_url;       /* scheme://host[:port] (default HUBSPOT_BASE_URL_DEFAULT) */
	const char *token;          /* the private app's access token */
	const char *version;        /* "v3" (classic /crm/v3/... paths, the default) or a dated
	                               version such as "2026-03" (/crm/objects/2026-03/...) */
	int64_t modified_after_ms;  /* only deals modified after this (-1: any) */
	int64_t closed_since_ms;    /* only deals closed at or after this (-1: any) */
	long search_cap;            /* results one search gives at most (0: HUBSPOT_SEARCH_CAP) */
	long rate_wait_max_ms;      /* longest wait for a 10-second window (0: 60000) */
	int max_rate_waits;         /* 429 TEN_SECONDLY_ROLLING waits per call (0: 5) */
	http_client_t *http;        /* borrowed; give it max_retries_429 = 0: 429s are read here */
};

typedef struct hubspot_stats {
	long calls, searches, pages, deals, rate_waits;
	/* the last X-HubSpot-RateLimit-* values seen, -1 before any */
	long daily, daily_remaining, interval_max, interval_remaining;
} hubspot_stats_t;

typedef struct hubspot hubspot_t;

/* Returns HUBSPOT_OK or HUBSPOT_ENOMEM; a missing token or http is HUBSPOT_EAUTH/EANSWER. */
int hubspot_new(const struct hubspot_opts *o, hubspot_t **out, char *err, size_t errlen);
/* Frees h and wipes the token from memory. */
void hubspot_free(hubspot_t *h);

/*
 * The next page: *records gets a new array of canonical records (not yet
 * normalized by crm_deal_from_json; source "hubspot"). Returns HUBSPOT_OK,
 * HUBSPOT_DONE (no more; *records NULL) or a HUBSPOT_E* code with err.
 */
int hubspot_next(hubspot_t *h, json_t **records, char *err, size_t errlen);

/*
 * The latest hs_lastmodifieddate of the deals given so far, as
 * "YYYY-MM-DDTHH:MM:SS.fffZ", or "" before any.
 */
const char *hubspot_cursor(const hubspot_t *h);

/*
 * For --dry-run: the number of deals the pull would give, from one search
 * of a single result (its "total"). Returns HUBSPOT_OK or a HUBSPOT_E* code.
 */
int hubspot_count(hubspot_t *h, long *total, char *err, size_t errlen);

const hubspot_stats_t *hubspot_stats(const hubspot_t *h);

#endif

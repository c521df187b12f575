/*
 * salesforce: closed Opportunities from Salesforce's REST API (CONTRACTS §7),
 * a page at a time, each with its Account and its contact roles, as
 * canonical records (lib/crm_api.h) for crm-pull.
 *
 * The access token comes from the OAuth refresh-token flow (POST
 * {login_url}/services/oauth2/token) and lives in memory only, with the
 * instance URL the answer names. One SOQL query of closed Opportunities with
 * the Account's fields and the OpportunityContactRoles subquery (Role becomes
 * crm_role; a null subquery is a deal without contacts), sorted by
 * LastModifiedDate, then its nextRecordsUrl pages (and a subquery's own
 * nextRecordsUrl when it has more rows). A 401 INVALID_SESSION_ID refreshes
 * the token once and asks for the same page again; a second one is
 * SALESFORCE_EAUTH. 403 REQUEST_LIMIT_EXCEEDED (the org's rolling 24-hour
 * limit) is SALESFORCE_ELIMIT. Each answer's Sforce-Limit-Info
 * ("api-usage=25/15000") is kept in the stats. 5xx and timeouts are retried
 * by lib/http.h. CurrencyIsoCode is asked only when multi_currency is set
 * (single-currency orgs refuse the field).
 *
 * Secrets (client secret, refresh token, access token) are never copied into
 * a message, stat or record, and are wiped from memory by salesforce_free().
 *
 * Ownership: salesforce_new() copies the options' strings (http stays the
 * caller's); salesforce_next() hands out a new array the caller frees.
 */
#ifndef DE_SALESFORCE_H
#define DE_SALESFORCE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "http.h"
#include "json.h"

#define SALESFORCE_LOGIN_URL_DEFAULT "https://login.salesforce.com"
#define SALESFORCE_API_VERSION_DEFAULT "v60.0"

enum {
	SALESFORCE_OK = 0,
	SALESFORCE_DONE = 1,       /* no more Opportunities */
	SALESFORCE_ENOMEM = -1,
	SALESFORCE_EAUTH = -2,     /* the token endpoint refused a credential, or a new session
	                              was refused; err names the setting to fix */
	SALESFORCE_ELIMIT = -3,    /* 403 REQUEST_LIMIT_EXCEEDED */
	SALESFORCE_EUNAVAIL = -4,  /* 5xx, timeouts, connection errors, once retries ran out */
	SALESFORCE_EANSWER = -5,   /* another error (a refused query), or an answer not Salesforce's */
	SALESFORCE_ECONFIG = -6    /* 403 API_DISABLED_FOR_ORG and the like: the org's settings */
};

struct salesforce_opts {
	const char *login_url;      /* default SALESFORCE_LOGIN_URL_DEFAULT */
	const char *client_id, *client_secret, *refresh_token;
	const char *api_version;    /* "v60.0" (default) */
	int64_t modified_after_ms;  /* only Opportunities modified after this (-1: any) */
	const char *closed_since;   /* YYYY-MM-DD: only those closed on or after (NULL: any) */
	int multi_currency;         /* 1: ask CurrencyIsoCode */
	int batch_size;             /* Sforce-Query-Options batchSize, 200-2000 (0: Salesforce's) */
	http_client_t *http;        /* borrowed */
};

typedef struct salesforce_stats {
	long calls, pages, deals, refreshes;
	char limit_info[64];        /* the last Sforce-Limit-Info, "" before any */
} salesforce_stats_t;

typedef struct salesforce salesforce_t;

/* Returns SALESFORCE_OK, SALESFORCE_ENOMEM, or SALESFORCE_EAUTH when a credential is missing. */
int salesforce_new(const struct salesforce_opts *o, salesforce_t **out, char *err, size_t errlen);
void salesforce_free(salesforce_t *s);

/*
 * The next page: *records gets a new array of canonical records (source
 * "salesforce"), not yet normalized by crm_deal_from_json. Returns
 * SALESFORCE_OK, SALESFORCE_DONE (*records NULL) or a SALESFORCE_E* code.
 */
int salesforce_next(salesforce_t *s, json_t **records, char *err, size_t errlen);

/* The latest LastModifiedDate given so far ("YYYY-MM-DDTHH:MM:SS.fffZ"), or "". */
const char *salesforce_cursor(const salesforce_t *s);

/* For --dry-run: how many Opportunities the query gives (SELECT COUNT()). */
int salesforce_count(salesforce_t *s, long *total, char *err, size_t errlen);

const salesforce_stats_t *salesforce_stats(const salesforce_t *s);

/* The SOQL query of a pull into out (reset first); for tests and --verbose. */
int salesforce_soql(const salesforce_t *s, int count_only, buf_t *out);

#endif

/*
 * crm_source: one live CRM (HubSpot or Salesforce) behind one handle, opened
 * from a workspace's settings, for crm-pull (issue 14).
 *
 * crm_source_window() decides where a pull starts: --full, --since, an
 * explicit lookback, else the workspace's committed cursor (lib/crm_cursor.h),
 * else the deals closed in the workspace's lookback_months. crm_source_open()
 * reads the CRM's settings through lib/workspace.h (hubspot_access_token,
 * hubspot_api_version, hubspot_search_cap, HUBSPOT_BASE_URL;
 * salesforce_client_id, salesforce_client_secret, salesforce_refresh_token,
 * salesforce_login_url, salesforce_api_version, salesforce_multi_currency) and
 * opens lib/hubspot.h or lib/salesforce.h. Secrets stay in the workspace and
 * the client: no message here ever holds one.
 *
 * Errors: every function returns CRM_SOURCE_OK (or CRM_SOURCE_DONE) or one of
 * the codes below with err filled; crm-pull maps them to exit codes.
 *
 * Ownership: crm_source_open() returns a handle freed by crm_source_free();
 * it borrows the workspace and the http client, which must outlive it.
 * crm_source_next() hands out a new array the caller frees.
 */
#ifndef DE_CRM_SOURCE_H
#define DE_CRM_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"
#include "http.h"
#include "json.h"
#include "workspace.h"

enum {
	CRM_SOURCE_OK = 0,
	CRM_SOURCE_DONE = 1,       /* no more deals */
	CRM_SOURCE_ENOMEM = -1,
	CRM_SOURCE_ECONFIG = -2,   /* a setting missing or wrong, a credential or scope refused */
	CRM_SOURCE_ELIMIT = -3,    /* a daily or request limit reached: try later */
	CRM_SOURCE_EUNAVAIL = -4,  /* the CRM did not answer, or answered what we cannot read */
	CRM_SOURCE_EIO = -5,       /* the db */
	CRM_SOURCE_EUSAGE = -6     /* an option's value (--since, --crm) */
};

/* Where a pull starts. */
struct crm_window {
	int64_t modified_after_ms;   /* deals modified after this (-1: none) */
	int64_t closed_since_ms;     /* else deals closed at or after this (-1: none) */
};

/*
 * The CRM a run pulls from: flag (--crm), else the workspace's crm. Returns
 * "hubspot" or "salesforce" (static), or NULL with err set and *rc
 * CRM_SOURCE_EUSAGE (a flag that names neither) or CRM_SOURCE_ECONFIG.
 */
const char *crm_source_name(const workspace_t *w, const char *flag, int *rc, char *err,
    size_t errlen);

/*
 * The window of a pull: full (every closed deal), since (YYYY-MM-DD or an
 * ISO time: modified after it), lookback_months (> 0: closed in the last N
 * months), else the committed cursor of workspace and crm in db, else the
 * workspace's lookback_months. db may be NULL (no cursor).
 */
int crm_source_window(const workspace_t *w, db_t *db, const char *crm, int full,
    const char *since, long lookback_months, time_t now, struct crm_window *win, char *err,
    size_t errlen);

typedef struct crm_source crm_source_t;

int crm_source_open(const workspace_t *w, const char *crm, const struct crm_window *win,
    http_client_t *http, crm_source_t **out, char *err, size_t errlen);
void crm_source_free(crm_source_t *s);

/* The next page of canonical records (not yet normalized by crm_deal_from_json). */
int crm_source_next(crm_source_t *s, json_t **records, char *err, size_t errlen);

/* The latest modification time given so far ("YYYY-MM-DDTHH:MM:SS.fffZ"), or "". */
const char *crm_source_cursor(const crm_source_t *s);

/*
 * --dry-run: asks the CRM how many deals the pull would give (one call, plus
 * Salesforce's token) and writes into out the deals, pages and calls a pull
 * would make.
 */
int crm_source_plan(crm_source_t *s, char *out, size_t n, char *err, size_t errlen);

/* The calls made and the limits the CRM last reported, one line, into out. */
void crm_source_report(const crm_source_t *s, unsigned long written, char *out, size_t n);

/*
 * The CRM's last word on its limits, to keep for enrich-status: HubSpot
 * "daily-remaining=N/M" (when its headers said), Salesforce's Sforce-Limit-Info
 * "api-usage=25/15000"; "" when none came.
 */
void crm_source_limits(const crm_source_t *s, char *out, size_t n);

/*
 * For enrich-status: *out gets null when the workspace names no CRM, else
 * {"name", "configured" (its credentials are all set, never shown), "cursor"
 * (where the next pull starts, null before a committed one), "limits" (the
 * last limits the CRM reported: Sforce-Limit-Info, HubSpot's daily calls
 * left; null before any), "limits_at"}. db may be NULL (no store yet).
 * Returns CRM_SOURCE_OK, CRM_SOURCE_ECONFIG (a bad crm setting),
 * CRM_SOURCE_EIO or CRM_SOURCE_ENOMEM, err set.
 */
int crm_source_status(const workspace_t *w, db_t *db, json_t **out, char *err, size_t errlen);

#endif

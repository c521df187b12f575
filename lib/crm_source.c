/* crm_source: HubSpot or Salesforce behind one handle. See crm_source.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_api.h"
#include "crm_cursor.h"
#include "crm_source.h"
#include "date.h"
#include "hubspot.h"
#include "salesforce.h"

struct crm_source {
	hubspot_t *hs;
	salesforce_t *sf;
};

const char *
crm_source_name(const workspace_t *w, const char *flag, int *rc, char *err, size_t errlen)
{
	char tmp[16];
	const char *v = flag;

	*rc = CRM_SOURCE_OK;
	if (v == NULL && workspace_get(w, "crm", tmp, sizeof tmp, &v, err, errlen) != WORKSPACE_OK) {
		*rc = CRM_SOURCE_ECONFIG;
		return NULL;
	}
	if (v && strcmp(v, "hubspot") == 0)
		return "hubspot";
	if (v && strcmp(v, "salesforce") == 0)
		return "salesforce";
	if (v)
		snprintf(err, errlen, "%s: '%.40s' is not hubspot or salesforce",
		    flag ? "--crm" : "crm", v);
	else
		snprintf(err, errlen, "which CRM? give --crm hubspot|salesforce, or set crm in %s",
		    *workspace_path(w) ? workspace_path(w) : "the workspace file");
	*rc = flag ? CRM_SOURCE_EUSAGE : CRM_SOURCE_ECONFIG;
	return NULL;
}

static int
setting(const workspace_t *w, const char *key, char *tmp, size_t n, const char **v, char *err,
    size_t errlen)
{
	return workspace_get(w, key, tmp, n, v, err, errlen) == WORKSPACE_OK ? CRM_SOURCE_OK :
	    CRM_SOURCE_ECONFIG;
}

int
crm_source_window(const workspace_t *w, db_t *db, const char *crm, int full, const char *since,
    long lookback_months, time_t now, struct crm_window *win, char *err, size_t errlen)
{
	char cur[CRM_CURSOR_MAX], t[48], num[24], day[DATE_STRLEN];
	const char *v;
	int rc;

	win->modified_after_ms = win->closed_since_ms = -1;
	if (full)
		return CRM_SOURCE_OK;
	if (since) {
		snprintf(t, sizeof t, strlen(since) == 10 ? "%.10sT00:00:00Z" : "%.40s", since);
		if (crm_api_time_ms(t, &win->modified_after_ms) != 0) {
			snprintf(err, errlen, "--since: '%.40s' is not YYYY-MM-DD or an ISO time", since);
			return CRM_SOURCE_EUSAGE;
		}
		return CRM_SOURCE_OK;
	}
	if (lookback_months <= 0 && db) {
		rc = crm_cursor_get(db, workspace_name(w), crm, cur, err, errlen);
		if (rc == DB_OK && crm_api_time_ms(cur, &win->modified_after_ms) == 0)
			return CRM_SOURCE_OK;
		if (rc < 0)
			return CRM_SOURCE_EIO;
	}
	if (lookback_months <= 0) {
		if ((rc = setting(w, "lookback_months", num, sizeof num, &v, err, errlen)) != 0)
			return rc;
		lookback_months = strtol(v, NULL, 10);
	}
	date_format(date_months_before(date_from_time(now), (int)lookback_months), day);
	snprintf(t, sizeof t, "%sT00:00:00Z", day);
	if (crm_api_time_ms(t, &win->closed_since_ms) != 0) {
		snprintf(err, errlen, "lookback_months: no date %s", day);
		return CRM_SOURCE_ECONFIG;
	}
	return CRM_SOURCE_OK;
}

static int
of_hubspot(int rc)
{
	switch (rc) {
	case HUBSPOT_OK: return CRM_SOURCE_OK;
	case HUBSPOT_DONE: return CRM_SOURCE_DONE;
	case HUBSPOT_ENOMEM: return CRM_SOURCE_ENOMEM;
	case HUBSPOT_EAUTH: case HUBSPOT_ESCOPE: return CRM_SOURCE_ECONFIG;
	case HUBSPOT_EDAILY: case HUBSPOT_ERATE: return CRM_SOURCE_ELIMIT;
	default: return CRM_SOURCE_EUNAVAIL;
	}
}

static int
of_salesforce(int rc)
{
	switch (rc) {
	case SALESFORCE_OK: return CRM_SOURCE_OK;
	case SALESFORCE_DONE: return CRM_SOURCE_DONE;
	case SALESFORCE_ENOMEM: return CRM_SOURCE_ENOMEM;
	case SALESFORCE_EAUTH: case SALESFORCE_ECONFIG: return CRM_SOURCE_ECONFIG;
	case SALESFORCE_ELIMIT: return CRM_SOURCE_ELIMIT;
	default: return CRM_SOURCE_EUNAVAIL;
	}
}

static int
open_hubspot(const workspace_t *w, const struct crm_window *win, http_client_t *http,
    crm_source_t *s, char *err, size_t errlen)
{
	struct hubspot_opts o = { 0 };
	char base[1024], ver[32], cap[24], hint[600];
	const char *v;
	int rc;

	if (workspace_base_url(WS_HUBSPOT, base, sizeof base, err, errlen) != 0)
		return CRM_SOURCE_ECONFIG;
	if ((rc = setting(w, "hubspot_api_version", ver, sizeof ver, &o.version, err, errlen)) ||
	    (rc = setting(w, "hubspot_search_cap", cap, sizeof cap, &v, err, errlen)))
		return rc;
	o.base_url = base;
	o.search_cap = strtol(v, NULL, 10);
	o.token = workspace_key(w, WS_HUBSPOT);
	o.modified_after_ms = win->modified_after_ms;
	o.closed_since_ms = win->closed_since_ms;
	o.http = http;
	if (o.token == NULL) {
		workspace_key_hint(w, WS_HUBSPOT, hint, sizeof hint);
		snprintf(err, errlen, "no HubSpot access token: set %s to a private app's token", hint);
		return CRM_SOURCE_ECONFIG;
	}
	return of_hubspot(hubspot_new(&o, &s->hs, err, errlen));
}

static int
open_salesforce(const workspace_t *w, const struct crm_window *win, http_client_t *http,
    crm_source_t *s, char *err, size_t errlen)
{
	struct salesforce_opts o = { 0 };
	char ver[32], multi[8], day[32];
	const char *v, *path = workspace_path(w);
	int rc;

	if ((rc = setting(w, "salesforce_login_url", NULL, 0, &o.login_url, err, errlen)) ||
	    (rc = setting(w, "salesforce_api_version", ver, sizeof ver, &o.api_version, err,
	    errlen)) ||
	    (rc = setting(w, "salesforce_multi_currency", multi, sizeof multi, &v, err, errlen)) ||
	    (rc = setting(w, "salesforce_client_id", NULL, 0, &o.client_id, err, errlen)) ||
	    (rc = setting(w, "salesforce_client_secret", NULL, 0, &o.client_secret, err, errlen)))
		return rc;
	if (strncmp(o.login_url, "https://", 8) != 0 && strncmp(o.login_url, "http://", 7) != 0) {
		snprintf(err, errlen, "salesforce_login_url must start with https://");
		return CRM_SOURCE_ECONFIG;
	}
	o.refresh_token = workspace_key(w, WS_SALESFORCE);
	o.multi_currency = strcmp(v, "true") == 0;
	o.modified_after_ms = win->modified_after_ms;
	if (win->closed_since_ms >= 0) {
		crm_api_time_iso(win->closed_since_ms, 0, day);
		day[10] = '\0';
		o.closed_since = day;
	}
	o.http = http;
	rc = salesforce_new(&o, &s->sf, err, errlen);
	if (rc == SALESFORCE_EAUTH) {
		size_t len = strlen(err);
		snprintf(err + len, errlen > len ? errlen - len : 0, ": set it in %s, or "
		    "SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET, SALESFORCE_REFRESH_TOKEN",
		    *path ? path : "the workspace file");
	}
	return of_salesforce(rc);
}

int
crm_source_open(const workspace_t *w, const char *crm, const struct crm_window *win,
    http_client_t *http, crm_source_t **out, char *err, size_t errlen)
{
	crm_source_t *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CRM_SOURCE_ENOMEM;
	}
	rc = strcmp(crm, "hubspot") == 0 ? open_hubspot(w, win, http, s, err, errlen) :
	    open_salesforce(w, win, http, s, err, errlen);
	if (rc != CRM_SOURCE_OK) {
		crm_source_free(s);
		return rc;
	}
	*out = s;
	return CRM_SOURCE_OK;
}

void
crm_source_free(crm_source_t *s)
{
	if (s == NULL)
		return;
	hubspot_free(s->hs);
	salesforce_free(s->sf);
	free(s);
}

int
crm_source_next(crm_source_t *s, json_t **records, char *err, size_t errlen)
{
	return s->hs ? of_hubspot(hubspot_next(s->hs, records, err, errlen)) :
	    of_salesforce(salesforce_next(s->sf, records, err, errlen));
}

const char *
crm_source_cursor(const crm_source_t *s)
{
	return s->hs ? hubspot_cursor(s->hs) : salesforce_cursor(s->sf);
}

int
crm_source_plan(crm_source_t *s, char *out, size_t n, char *err, size_t errlen)
{
	long total = 0, pages, batches;
	int rc;

	if (s->hs) {
		if ((rc = of_hubspot(hubspot_count(s->hs, &total, err, errlen))) != CRM_SOURCE_OK)
			return rc;
		pages = (total + HUBSPOT_PAGE - 1) / HUBSPOT_PAGE;
		batches = (total + HUBSPOT_BATCH - 1) / HUBSPOT_BATCH;
		/* a page: its search, associations both ways and at least one read of each */
		snprintf(out, n, "hubspot: %ld deals, %ld pages, at least %ld calls (1 pipelines, "
		    "%ld searches, %ld association reads, %ld contact and company reads); 1 call made",
		    total, pages, 1 + pages + 4 * batches, pages, 2 * batches, 2 * batches);
		return CRM_SOURCE_OK;
	}
	if ((rc = of_salesforce(salesforce_count(s->sf, &total, err, errlen))) != CRM_SOURCE_OK)
		return rc;
	pages = total > 0 ? (total + 1999) / 2000 : 0;
	snprintf(out, n, "salesforce: %ld deals, about %ld pages (2000 a page, fewer with many "
	    "contact roles), %ld calls (1 token, %ld queries); 2 calls made", total, pages,
	    1 + pages, pages);
	return CRM_SOURCE_OK;
}

void
crm_source_report(const crm_source_t *s, unsigned long written, char *out, size_t n)
{
	if (s->hs) {
		const hubspot_stats_t *t = hubspot_stats(s->hs);
		snprintf(out, n, "hubspot: %lu deals, %ld pages, %ld calls (%ld searches), %ld waits "
		    "for the 10-second window; limits left: daily %ld of %ld, 10-second window %ld "
		    "of %ld", written, t->pages, t->calls, t->searches, t->rate_waits,
		    t->daily_remaining, t->daily, t->interval_remaining, t->interval_max);
		return;
	}
	const salesforce_stats_t *t = salesforce_stats(s->sf);
	snprintf(out, n, "salesforce: %lu deals, %ld pages, %ld calls, %ld token refreshes; "
	    "Sforce-Limit-Info %s", written, t->pages, t->calls, t->refreshes,
	    t->limit_info[0] ? t->limit_info : "(none)");
}

void
crm_source_limits(const crm_source_t *s, char *out, size_t n)
{
	out[0] = '\0';
	if (s->hs) {
		const hubspot_stats_t *t = hubspot_stats(s->hs);
		if (t->daily >= 0 && t->daily_remaining >= 0)
			snprintf(out, n, "daily-remaining=%ld/%ld", t->daily_remaining, t->daily);
		return;
	}
	snprintf(out, n, "%s", salesforce_stats(s->sf)->limit_info);
}

static int
configured(const workspace_t *w, const char *crm)
{
	static const char *const sf[] = { "salesforce_client_id", "salesforce_client_secret" };
	char err[256];
	const char *v;

	if (strcmp(crm, "hubspot") == 0)
		return workspace_key(w, WS_HUBSPOT) != NULL;
	if (workspace_key(w, WS_SALESFORCE) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof sf / sizeof sf[0]; i++)
		if (workspace_get(w, sf[i], NULL, 0, &v, err, sizeof err) != WORKSPACE_OK || v == NULL)
			return 0;
	return 1;
}

int
crm_source_status(const workspace_t *w, db_t *db, json_t **out, char *err, size_t errlen)
{
	char cur[CRM_CURSOR_MAX], lim[CRM_LIMITS_MAX], tmp[16];
	const char *crm;
	char *sp;
	json_t *o;
	int rc = 0, crc = DB_NOTFOUND, lrc = DB_NOTFOUND;

	*out = NULL;
	if (workspace_get(w, "crm", tmp, sizeof tmp, &crm, err, errlen) != WORKSPACE_OK)
		return CRM_SOURCE_ECONFIG;
	if (crm == NULL)
		return (*out = json_new_null()) ? CRM_SOURCE_OK : CRM_SOURCE_ENOMEM;
	if (db && ((crc = crm_cursor_get(db, workspace_name(w), crm, cur, err, errlen)) < 0 ||
	    (lrc = crm_cursor_get_limits(db, workspace_name(w), crm, lim, err, errlen)) < 0))
		return CRM_SOURCE_EIO;
	if ((o = json_new_object()) == NULL)
		return CRM_SOURCE_ENOMEM;
	sp = lrc == DB_OK ? strchr(lim, ' ') : NULL;
	if (sp)
		*sp++ = '\0';
	rc |= json_set_str(o, "name", crm);
	rc |= json_set_bool(o, "configured", configured(w, crm));
	rc |= crc == DB_OK ? json_set_str(o, "cursor", cur) : json_set_null(o, "cursor");
	rc |= sp ? json_set_str(o, "limits", sp) : json_set_null(o, "limits");
	rc |= sp ? json_set_str(o, "limits_at", lim) : json_set_null(o, "limits_at");
	if (rc != 0) {
		json_free(o);
		snprintf(err, errlen, "out of memory");
		return CRM_SOURCE_ENOMEM;
	}
	*out = o;
	return CRM_SOURCE_OK;
}

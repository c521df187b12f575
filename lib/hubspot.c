/* hubspot: closed deals from HubSpot's CRM API. See hubspot.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "crm.h"
#include "crm_api.h"
#include "hubspot.h"
#include "str.h"

#define URL_MAX 2048
#define AUTH_MAX 1024
#define SEARCH_GAP_MS 200
#define BODY_CAP ((size_t)64 << 20)

static const char *const deal_props[] = {
	"dealname", "amount", "closedate", "dealstage", "pipeline", "hs_is_closed_won",
	"hs_is_closed", "hs_lastmodifieddate", "deal_currency_code", "hubspot_owner_id", NULL
};
static const char *const contact_props[] = { "email", "firstname", "lastname", "jobtitle", NULL };
static const char *const company_props[] = {
	"name", "domain", "industry", "numberofemployees", "annualrevenue", NULL
};

struct hubspot {
	char base[URL_MAX / 2];
	char version[32];
	char auth[AUTH_MAX];            /* "Authorization: Bearer <token>" */
	int64_t modified_after, closed_since;
	long cap, wait_max;
	int max_waits;
	http_client_t *http;
	json_t *pipelines;              /* the pipelines answer's "results", once read */
	/* paging */
	long after;
	int done;
	int64_t slice_from;             /* a search restarted from this modification time, or -1 */
	json_t *slice_skip;             /* ids given already at slice_from */
	int64_t max_mod;                /* latest modification seen, -1 before any */
	json_t *at_max;                 /* ids of the deals modified at max_mod */
	char cursor[32];
	struct timespec last_search;
	hubspot_stats_t st;
};

int
hubspot_new(const struct hubspot_opts *o, hubspot_t **out, char *err, size_t errlen)
{
	hubspot_t *h;
	const char *base = o->base_url && *o->base_url ? o->base_url : HUBSPOT_BASE_URL_DEFAULT;
	const char *ver = o->version && *o->version ? o->version : "v3";

	*out = NULL;
	if (o->token == NULL || *o->token == '\0') {
		str_errf(err, errlen, "no HubSpot access token");
		return HUBSPOT_EAUTH;
	}
	if (o->http == NULL || strlen(base) >= sizeof h->base || strlen(ver) >= sizeof h->version ||
	    strchr(ver, '/') != NULL) {
		str_errf(err, errlen, "a HubSpot base URL or API version that cannot be used");
		return HUBSPOT_EANSWER;
	}
	if ((h = calloc(1, sizeof *h)) == NULL)
		return HUBSPOT_ENOMEM;
	if ((size_t)snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", o->token) >=
	    sizeof h->auth || strpbrk(o->token, "\r\n") != NULL) {
		free(h);
		str_errf(err, errlen, "the HubSpot access token is too long or holds a line break");
		return HUBSPOT_EAUTH;
	}
	snprintf(h->base, sizeof h->base, "%s", base);
	snprintf(h->version, sizeof h->version, "%s", ver);
	h->modified_after = o->modified_after_ms;
	h->closed_since = o->closed_since_ms;
	h->cap = o->search_cap > 0 ? o->search_cap : HUBSPOT_SEARCH_CAP;
	h->wait_max = o->rate_wait_max_ms > 0 ? o->rate_wait_max_ms : 60000;
	h->max_waits = o->max_rate_waits > 0 ? o->max_rate_waits : 5;
	h->http = o->http;
	h->slice_from = -1;
	h->max_mod = -1;
	h->st.daily = h->st.daily_remaining = h->st.interval_max = h->st.interval_remaining = -1;
	if ((h->at_max = json_new_array()) == NULL) {
		hubspot_free(h);
		return HUBSPOT_ENOMEM;
	}
	*out = h;
	return HUBSPOT_OK;
}

void
hubspot_free(hubspot_t *h)
{
	if (h == NULL)
		return;
	explicit_bzero(h->auth, sizeof h->auth);
	json_free(h->pipelines);
	json_free(h->slice_skip);
	json_free(h->at_max);
	free(h);
}

const char *
hubspot_cursor(const hubspot_t *h)
{
	return h->cursor;
}

const hubspot_stats_t *
hubspot_stats(const hubspot_t *h)
{
	return &h->st;
}

/* ---- calls ---- */

enum area { AREA_OBJECTS, AREA_ASSOCIATIONS, AREA_PIPELINES };

/*
 * The URL of rest in an area: classic /crm/v3/objects/deals/search, or dated
 * /crm/objects/2026-03/deals/search (the version after the area).
 */
static void
url_of(const hubspot_t *h, enum area a, const char *rest, char out[URL_MAX])
{
	static const char *const classic[] = { "v3/objects", "v4/associations", "v3/pipelines" };
	static const char *const dated[] = { "objects", "associations", "pipelines" };

	if (strcmp(h->version, "v3") == 0)
		snprintf(out, URL_MAX, "%s/crm/%s/%s", h->base, classic[a], rest);
	else
		snprintf(out, URL_MAX, "%s/crm/%s/%s/%s", h->base, dated[a], h->version, rest);
}

static long
header_long(const http_response_t *r, const char *name, long def)
{
	const char *v = http_header(r, name);
	char *end;
	long n;

	if (v == NULL)
		return def;
	n = strtol(v, &end, 10);
	return end == v ? def : n;
}

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* Reads the limit headers; holds back the next call when the window is spent. */
static void
read_limits(hubspot_t *h, const http_response_t *r)
{
	long interval = header_long(r, "X-HubSpot-RateLimit-Interval-Milliseconds", 10000);

	h->st.daily = header_long(r, "X-HubSpot-RateLimit-Daily", h->st.daily);
	h->st.daily_remaining = header_long(r, "X-HubSpot-RateLimit-Daily-Remaining",
	    h->st.daily_remaining);
	h->st.interval_max = header_long(r, "X-HubSpot-RateLimit-Max", h->st.interval_max);
	h->st.interval_remaining = header_long(r, "X-HubSpot-RateLimit-Remaining", -1);
	if (http_header(r, "X-HubSpot-RateLimit-Remaining") && h->st.interval_remaining <= 0)
		http_pause(h->http, interval < h->wait_max ? interval : h->wait_max);
}

static const char *
jstr_at(const json_t *o, const char *key)
{
	return json_str(json_get(o, key));
}

/* The scopes a 403 names (errors[].context.requiredGranularScopes), else need. */
static void
scopes_of(const json_t *body, const char *need, char *out, size_t n)
{
	const json_t *errs = json_get(body, "errors"), *sc;
	size_t i, k, len = 0;

	out[0] = '\0';
	for (i = 0; i < json_len(errs); i++) {
		sc = json_path(json_at(errs, i), "context.requiredGranularScopes");
		if (sc == NULL)
			sc = json_path(json_at(errs, i), "context.requiredScopes");
		for (k = 0; k < json_len(sc); k++) {
			const char *s = json_str(json_at(sc, k));
			if (s && len + strlen(s) + 3 < n)
				len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ", " : "", s);
		}
	}
	if (len == 0)
		snprintf(out, n, "%s", need);
}

/*
 * One call: method to url with body (or NULL); *out gets the answer's JSON.
 * need is the scope the call needs, for a 403 that names none.
 */
static int
call(hubspot_t *h, const char *method, const char *url, const char *body, const char *need,
    json_t **out, char *err, size_t errlen)
{
	const char *hdrs[] = { h->auth, "Content-Type: application/json", "Accept: application/json",
		NULL };
	struct http_request req = { method, url, hdrs, body, body ? strlen(body) : 0 };
	http_response_t *r = NULL;
	json_t *j = NULL;
	char why[160], scopes[256];
	const char *what = strstr(url, "/crm/") ? strstr(url, "/crm/") : url;
	int waits = 0, rc;

	*out = NULL;
	for (;;) {
		if (http_do(h->http, &req, &r) != HTTP_OK) {
			str_errf(err, errlen, "out of memory or libcurl failed calling HubSpot");
			return HUBSPOT_ENOMEM;
		}
		h->st.calls++;
		read_limits(h, r);
		if (r->status != 0 && r->body_len > 0)
			json_parse(r->body, r->body_len, 0, &j, NULL, why, sizeof why);
		if (r->status == 429 && waits < h->max_waits) {
			const char *policy = jstr_at(j, "policyName");
			long ms;
			if (policy && strcmp(policy, "DAILY") == 0)
				break;
			ms = header_long(r, "Retry-After", -1);
			ms = ms >= 0 ? ms * 1000 : header_long(r,
			    "X-HubSpot-RateLimit-Interval-Milliseconds", 10000);
			http_pause(h->http, ms < h->wait_max ? ms : h->wait_max);
			h->st.rate_waits++;
			waits++;
			json_free(j);
			j = NULL;
			http_response_free(r);
			continue;
		}
		break;
	}
	if (r->status == 200 || r->status == 207) {
		if (j == NULL || !json_is(j, JSON_OBJECT)) {
			str_errf(err, errlen, "HubSpot's answer to %.100s is not JSON", what);
			rc = HUBSPOT_EANSWER;
		} else {
			*out = j;
			j = NULL;
			rc = HUBSPOT_OK;
		}
	} else if (r->status == 401) {
		str_errf(err, errlen, "HubSpot refused the access token (401 %s): set "
		    "hubspot_access_token in the workspace file, or HUBSPOT_ACCESS_TOKEN, to the "
		    "token of a private app", jstr_at(j, "category") ? jstr_at(j, "category") :
		    "INVALID_AUTHENTICATION");
		rc = HUBSPOT_EAUTH;
	} else if (r->status == 403) {
		scopes_of(j, need, scopes, sizeof scopes);
		str_errf(err, errlen, "HubSpot's private app lacks the scope %s (403 %s): add it to the "
		    "app (HubSpot: Settings, Integrations, Private Apps, Scopes)", scopes,
		    jstr_at(j, "category") ? jstr_at(j, "category") : "MISSING_SCOPES");
		rc = HUBSPOT_ESCOPE;
	} else if (r->status == 429) {
		const char *policy = jstr_at(j, "policyName");
		if (policy && strcmp(policy, "DAILY") == 0) {
			str_errf(err, errlen, "HubSpot's daily API limit is reached (429 DAILY): try "
			    "again after midnight in the portal's time zone");
			rc = HUBSPOT_EDAILY;
		} else {
			str_errf(err, errlen, "HubSpot kept answering 429 %s after %d waits",
			    policy ? policy : "", waits);
			rc = HUBSPOT_ERATE;
		}
	} else if (r->status == 0) {
		str_errf(err, errlen, "HubSpot did not answer %.100s (%s) after %d attempts", what,
		    r->error, r->attempts);
		rc = HUBSPOT_EUNAVAIL;
	} else if (r->status >= 500 || r->status == 408) {
		str_errf(err, errlen, "HubSpot answered %ld to %.100s after %d attempts", r->status, what,
		    r->attempts);
		rc = HUBSPOT_EUNAVAIL;
	} else {
		str_errf(err, errlen, "HubSpot answered %ld to %.100s: %.200s", r->status, what,
		    jstr_at(j, "message") ? jstr_at(j, "message") : "(no message)");
		rc = HUBSPOT_EANSWER;
	}
	json_free(j);
	http_response_free(r);
	return rc;
}

/* ---- pipelines ---- */

static int
load_pipelines(hubspot_t *h, char *err, size_t errlen)
{
	char url[URL_MAX];
	json_t *ans;
	int rc;

	url_of(h, AREA_PIPELINES, "deals", url);
	if ((rc = call(h, "GET", url, NULL, "crm.objects.deals.read", &ans, err, errlen)) != 0)
		return rc;
	h->pipelines = json_clone(json_get(ans, "results"));
	json_free(ans);
	if (h->pipelines == NULL)
		h->pipelines = json_new_array();
	return h->pipelines ? HUBSPOT_OK : HUBSPOT_ENOMEM;
}

/* The stage of a pipeline, or NULL. */
static const json_t *
stage_of(const hubspot_t *h, const char *pipeline, const char *stage, const json_t **pipe)
{
	size_t i, k;

	*pipe = NULL;
	if (stage == NULL)
		return NULL;
	for (i = 0; i < json_len(h->pipelines); i++) {
		const json_t *p = json_at(h->pipelines, i), *stages = json_get(p, "stages");
		const char *pid = jstr_at(p, "id");
		if (pipeline && pid && strcmp(pid, pipeline) != 0)
			continue;
		for (k = 0; k < json_len(stages); k++)
			if (jstr_at(json_at(stages, k), "id") &&
			    strcmp(jstr_at(json_at(stages, k), "id"), stage) == 0) {
				*pipe = p;
				return json_at(stages, k);
			}
	}
	return NULL;
}

/* ---- the search ---- */

/* A filter after hs_is_closed's, in the same group (filters in a group are ANDed). */
static int
add_filter(buf_t *b, const char *prop, const char *op, int64_t ms)
{
	return buf_addf(b, ",{\"propertyName\":\"%s\",\"operator\":\"%s\",\"value\":\"%lld\"}",
	    prop, op, (long long)ms);
}

static int
search_body(const hubspot_t *h, long limit, long after, buf_t *b)
{
	int rc = 0;

	rc |= buf_adds(b, "{\"filterGroups\":[{\"filters\":[{\"propertyName\":\"hs_is_closed\","
	    "\"operator\":\"EQ\",\"value\":\"true\"}");
	if (h->closed_since >= 0)
		rc |= add_filter(b, "closedate", "GTE", h->closed_since);
	if (h->slice_from >= 0)
		rc |= add_filter(b, "hs_lastmodifieddate", "GTE", h->slice_from);
	else if (h->modified_after >= 0)
		rc |= add_filter(b, "hs_lastmodifieddate", "GT", h->modified_after);
	rc |= buf_adds(b, "]}],\"properties\":[");
	for (int i = 0; deal_props[i]; i++)
		rc |= buf_addf(b, "%s\"%s\"", i ? "," : "", deal_props[i]);
	rc |= buf_addf(b, "],\"sorts\":[{\"propertyName\":\"hs_lastmodifieddate\","
	    "\"direction\":\"ASCENDING\"}],\"limit\":%ld,\"after\":\"%ld\"}", limit, after);
	return rc ? HUBSPOT_ENOMEM : HUBSPOT_OK;
}

static int
search(hubspot_t *h, long limit, json_t **ans, char *err, size_t errlen)
{
	char url[URL_MAX];
	buf_t b;
	long gap;
	int rc;

	/* searches have their own limit: 5 a second */
	if (h->st.searches > 0 && (gap = ms_since(&h->last_search)) < SEARCH_GAP_MS)
		http_pause(h->http, SEARCH_GAP_MS - gap);
	buf_init(&b, 16384);
	if ((rc = search_body(h, limit, h->after, &b)) == HUBSPOT_OK) {
		url_of(h, AREA_OBJECTS, "deals/search", url);
		clock_gettime(CLOCK_MONOTONIC, &h->last_search);
		h->st.searches++;
		rc = call(h, "POST", url, buf_ptr(&b), "crm.objects.deals.read", ans, err, errlen);
	}
	buf_free(&b);
	return rc;
}

int
hubspot_count(hubspot_t *h, long *total, char *err, size_t errlen)
{
	json_t *ans;
	int64_t n;
	int rc;

	*total = 0;
	if ((rc = search(h, 1, &ans, err, errlen)) != HUBSPOT_OK)
		return rc;
	if (json_num_int(json_get(ans, "total"), &n) == 0)
		*total = (long)n;
	json_free(ans);
	return HUBSPOT_OK;
}

static int
in_ids(const json_t *ids, const char *id)
{
	for (size_t i = 0; i < json_len(ids); i++)
		if (strcmp(json_str(json_at(ids, i)), id) == 0)
			return 1;
	return 0;
}

/* Notes a deal's modification time; 1 when the deal was given before a restart. */
static int
seen_deal(hubspot_t *h, const json_t *deal, int *skip)
{
	const char *id = jstr_at(deal, "id"), *mod = json_str(json_path(deal,
	    "properties.hs_lastmodifieddate"));
	int64_t ms;

	*skip = 0;
	if (id == NULL || mod == NULL || crm_api_time_ms(mod, &ms) != 0)
		return 0;
	if (h->slice_skip && ms == h->slice_from && in_ids(h->slice_skip, id)) {
		*skip = 1;
		return 0;
	}
	if (ms > h->max_mod) {
		json_free(h->at_max);
		if ((h->at_max = json_new_array()) == NULL)
			return -1;
		h->max_mod = ms;
		crm_api_time_iso(ms, 1, h->cursor);
	}
	if (ms == h->max_mod && json_push(h->at_max, json_new_str(id)) != JSON_OK)
		return -1;
	return 0;
}

/* ---- associations and batch reads ---- */

static int
ids_body(buf_t *b, const json_t *ids, size_t from, size_t n, const char *const *props)
{
	int rc = 0;
	size_t i;

	buf_reset(b);
	rc |= buf_adds(b, "{");
	if (props) {
		rc |= buf_adds(b, "\"properties\":[");
		for (i = 0; props[i]; i++)
			rc |= buf_addf(b, "%s\"%s\"", i ? "," : "", props[i]);
		rc |= buf_adds(b, "],");
	}
	rc |= buf_adds(b, "\"inputs\":[");
	for (i = from; i < from + n && i < json_len(ids); i++) {
		rc |= buf_adds(b, i > from ? ",{\"id\":" : "{\"id\":");
		rc |= json_dump(json_at(ids, i), b) != JSON_OK;
		rc |= buf_addc(b, '}');
	}
	rc |= buf_adds(b, "]}");
	return rc ? HUBSPOT_ENOMEM : HUBSPOT_OK;
}

/*
 * Calls url for ids in chunks of HUBSPOT_BATCH and gathers every answer's
 * "results" entries into *all (a new array).
 */
static int
batch(hubspot_t *h, const char *url, const json_t *ids, const char *const *props,
    const char *need, json_t **all, char *err, size_t errlen)
{
	buf_t b;
	json_t *ans, *res;
	size_t from, i;
	int rc = HUBSPOT_OK;

	if ((*all = json_new_array()) == NULL)
		return HUBSPOT_ENOMEM;
	buf_init(&b, BODY_CAP);
	for (from = 0; from < json_len(ids) && rc == HUBSPOT_OK; from += HUBSPOT_BATCH) {
		if ((rc = ids_body(&b, ids, from, HUBSPOT_BATCH, props)) != HUBSPOT_OK)
			break;
		if ((rc = call(h, "POST", url, buf_ptr(&b), need, &ans, err, errlen)) != HUBSPOT_OK)
			break;
		res = json_get(ans, "results");
		for (i = 0; i < json_len(res) && rc == HUBSPOT_OK; i++)
			if (json_push(*all, json_clone(json_at(res, i))) != JSON_OK)
				rc = HUBSPOT_ENOMEM;
		json_free(ans);
	}
	buf_free(&b);
	if (rc != HUBSPOT_OK) {
		json_free(*all);
		*all = NULL;
	}
	return rc;
}

/* An id as text: "201" or 201. */
static const char *
id_text(const json_t *v)
{
	return json_str(v) ? json_str(v) : json_num_text(v);
}

/* The association result whose from.id is id, or NULL. */
static const json_t *
assoc_of(const json_t *all, const char *id)
{
	for (size_t i = 0; i < json_len(all); i++) {
		const char *f = id_text(json_path(json_at(all, i), "from.id"));
		if (f && strcmp(f, id) == 0)
			return json_at(all, i);
	}
	return NULL;
}

static const json_t *
object_of(const json_t *all, const char *id)
{
	for (size_t i = 0; i < json_len(all); i++)
		if (jstr_at(json_at(all, i), "id") && strcmp(jstr_at(json_at(all, i), "id"), id) == 0)
			return json_at(all, i);
	return NULL;
}

/* The ids every association of every deal points to, once each. */
static int
targets(const json_t *assoc, json_t **ids)
{
	if ((*ids = json_new_array()) == NULL)
		return HUBSPOT_ENOMEM;
	for (size_t i = 0; i < json_len(assoc); i++) {
		const json_t *to = json_get(json_at(assoc, i), "to");
		for (size_t k = 0; k < json_len(to); k++) {
			const char *id = id_text(json_get(json_at(to, k), "toObjectId"));
			if (id && !in_ids(*ids, id) && json_push(*ids, json_new_str(id)) != JSON_OK)
				return HUBSPOT_ENOMEM;
		}
	}
	return HUBSPOT_OK;
}

/* The labels of one association ("Decision Maker; Champion"), "Primary" left out. */
static int
labels_of(const json_t *to, buf_t *out, int *primary)
{
	const json_t *types = json_get(to, "associationTypes");
	int rc = 0;

	buf_reset(out);
	*primary = 0;
	for (size_t i = 0; i < json_len(types); i++) {
		const char *l = jstr_at(json_at(types, i), "label");
		if (l == NULL || *l == '\0')
			continue;
		if (strcmp(l, "Primary") == 0) {
			*primary = 1;
			continue;
		}
		if (buf_len(out) > 0)
			rc |= buf_adds(out, "; ");
		rc |= buf_adds(out, l);
	}
	return rc ? HUBSPOT_ENOMEM : HUBSPOT_OK;
}

/* ---- records ---- */

static const char *
prop(const json_t *obj, const char *name)
{
	const char *s = json_str(json_path(json_get(obj, "properties"), name));

	return s && *s ? s : NULL;
}

static int
build(hubspot_t *h, const json_t *deal, const json_t *ca, const json_t *coa,
    const json_t *contacts, const json_t *companies, json_t **out)
{
	const json_t *pipe, *st, *to, *company = NULL;
	struct crm_api_deal d = { 0 };
	const char *probability, *closed;
	json_t *rec;
	buf_t lab;
	int primary, rc = 0;
	size_t i;

	*out = NULL;
	st = stage_of(h, prop(deal, "pipeline"), prop(deal, "dealstage"), &pipe);
	d.deal_id = jstr_at(deal, "id");
	d.deal_name = prop(deal, "dealname");
	d.stage = st && jstr_at(st, "label") ? jstr_at(st, "label") : prop(deal, "dealstage");
	d.close_date = prop(deal, "closedate");
	d.amount = prop(deal, "amount");
	d.currency = prop(deal, "deal_currency_code");
	d.source = "hubspot";
	d.is_won = crm_parse_bool(prop(deal, "hs_is_closed_won"));
	d.is_closed = crm_parse_bool(prop(deal, "hs_is_closed"));
	closed = json_str(json_path(st, "metadata.isClosed"));
	probability = json_str(json_path(st, "metadata.probability"));
	if (d.is_closed < 0 && closed)
		d.is_closed = crm_parse_bool(closed);
	if (d.is_won < 0 && closed && probability)
		d.is_won = crm_parse_bool(closed) == 1 && atof(probability) >= 1.0;
	if ((rec = crm_api_deal_new(&d)) == NULL)
		return HUBSPOT_ENOMEM;
	rc |= crm_api_custom(rec, "pipeline", pipe && jstr_at(pipe, "label") ? jstr_at(pipe, "label") :
	    prop(deal, "pipeline"));
	rc |= crm_api_custom(rec, "hubspot_owner_id", prop(deal, "hubspot_owner_id"));
	rc |= crm_api_custom(rec, "last_modified", prop(deal, "hs_lastmodifieddate"));
	buf_init(&lab, 4096);
	to = json_get(coa, "to");
	for (i = 0; i < json_len(to) && rc == 0; i++) {
		const json_t *c = object_of(companies, id_text(json_get(json_at(to, i), "toObjectId")));
		rc |= labels_of(json_at(to, i), &lab, &primary);
		if (c && (company == NULL || primary))
			company = c;
		if (c && primary)
			break;
	}
	if (company && rc == 0)
		rc |= crm_api_account(rec, jstr_at(company, "id"), prop(company, "name"),
		    prop(company, "domain"), prop(company, "industry"), prop(company, "numberofemployees"),
		    prop(company, "annualrevenue"), "hubspot");
	to = json_get(ca, "to");
	for (i = 0; i < json_len(to) && rc == 0; i++) {
		const json_t *c = object_of(contacts, id_text(json_get(json_at(to, i), "toObjectId")));
		if (c == NULL)
			continue;       /* deleted since the association was read */
		rc |= labels_of(json_at(to, i), &lab, &primary);
		rc |= crm_api_contact(rec, jstr_at(c, "id"), prop(c, "email"), prop(c, "firstname"),
		    prop(c, "lastname"), prop(c, "jobtitle"), buf_len(&lab) ? buf_ptr(&lab) : NULL);
	}
	buf_free(&lab);
	if (rc != 0) {
		json_free(rec);
		return HUBSPOT_ENOMEM;
	}
	*out = rec;
	return HUBSPOT_OK;
}

/* Where the next search starts: the next page, or a new slice past the cap. */
static int
advance(hubspot_t *h, const json_t *ans, size_t given, char *err, size_t errlen)
{
	const char *next = json_str(json_path(ans, "paging.next.after"));
	long after;

	if (next == NULL) {
		h->done = 1;
		return HUBSPOT_OK;
	}
	after = strtol(next, NULL, 10);
	if (after + HUBSPOT_PAGE <= h->cap) {
		h->after = after;
		return HUBSPOT_OK;
	}
	if (h->slice_from == h->max_mod && given == 0) {
		str_errf(err, errlen, "more than %ld HubSpot deals share the modification time %s: "
		    "the search cannot page past them", h->cap, h->cursor);
		return HUBSPOT_EANSWER;
	}
	json_free(h->slice_skip);
	if ((h->slice_skip = json_clone(h->at_max)) == NULL)
		return HUBSPOT_ENOMEM;
	h->slice_from = h->max_mod;
	h->after = 0;
	return HUBSPOT_OK;
}

int
hubspot_next(hubspot_t *h, json_t **records, char *err, size_t errlen)
{
	json_t *ans = NULL, *ids = NULL, *ca = NULL, *coa = NULL, *cids = NULL, *coids = NULL;
	json_t *contacts = NULL, *companies = NULL, *recs = NULL, *rec;
	const json_t *res;
	char url[URL_MAX];
	size_t i, given = 0;
	int rc, skip;

	*records = NULL;
	if (h->pipelines == NULL && (rc = load_pipelines(h, err, errlen)) != HUBSPOT_OK)
		return rc;
	for (;;) {
		if (h->done) {
			rc = HUBSPOT_DONE;
			goto done;
		}
		if ((rc = search(h, HUBSPOT_PAGE, &ans, err, errlen)) != HUBSPOT_OK)
			goto done;
		res = json_get(ans, "results");
		json_free(ids);
		if ((ids = json_new_array()) == NULL) {
			rc = HUBSPOT_ENOMEM;
			goto done;
		}
		for (i = 0; i < json_len(res); i++) {
			if (seen_deal(h, json_at(res, i), &skip) != 0) {
				rc = HUBSPOT_ENOMEM;
				goto done;
			}
			if (!skip && json_push(ids, json_new_str(jstr_at(json_at(res, i), "id"))) !=
			    JSON_OK) {
				rc = HUBSPOT_ENOMEM;
				goto done;
			}
		}
		given = json_len(ids);
		if ((rc = advance(h, ans, given, err, errlen)) != HUBSPOT_OK)
			goto done;
		if (given > 0)
			break;
		json_free(ans);
		ans = NULL;
	}
	h->st.pages++;
	url_of(h, AREA_ASSOCIATIONS, "deals/contacts/batch/read", url);
	if ((rc = batch(h, url, ids, NULL, "crm.objects.contacts.read", &ca, err, errlen)) != 0)
		goto done;
	url_of(h, AREA_ASSOCIATIONS, "deals/companies/batch/read", url);
	if ((rc = batch(h, url, ids, NULL, "crm.objects.companies.read", &coa, err, errlen)) != 0)
		goto done;
	if ((rc = targets(ca, &cids)) != 0 || (rc = targets(coa, &coids)) != 0)
		goto done;
	url_of(h, AREA_OBJECTS, "contacts/batch/read", url);
	if ((rc = batch(h, url, cids, contact_props, "crm.objects.contacts.read", &contacts, err,
	    errlen)) != 0)
		goto done;
	url_of(h, AREA_OBJECTS, "companies/batch/read", url);
	if ((rc = batch(h, url, coids, company_props, "crm.objects.companies.read", &companies, err,
	    errlen)) != 0)
		goto done;
	if ((recs = json_new_array()) == NULL) {
		rc = HUBSPOT_ENOMEM;
		goto done;
	}
	for (i = 0; i < json_len(res); i++) {
		const json_t *deal = json_at(res, i);
		const char *id = jstr_at(deal, "id");
		if (id == NULL || !in_ids(ids, id))
			continue;
		if ((rc = build(h, deal, assoc_of(ca, id), assoc_of(coa, id), contacts, companies,
		    &rec)) != HUBSPOT_OK)
			goto done;
		if (json_push(recs, rec) != JSON_OK) {
			rc = HUBSPOT_ENOMEM;
			goto done;
		}
	}
	h->st.deals += (long)json_len(recs);
	*records = recs;
	recs = NULL;
	rc = HUBSPOT_OK;
done:
	if (rc == HUBSPOT_ENOMEM)
		str_errf(err, errlen, "out of memory");
	json_free(ans);
	json_free(ids);
	json_free(ca);
	json_free(coa);
	json_free(cids);
	json_free(coids);
	json_free(contacts);
	json_free(companies);
	json_free(recs);
	return rc;
}

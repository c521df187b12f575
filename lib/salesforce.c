/* salesforce: closed Opportunities from Salesforce's REST API. See salesforce.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crm_api.h"
#include "salesforce.h"
#include "str.h"

#define URL_MAX 2048
#define SECRET_MAX 1024
#define BODY_CAP ((size_t)64 << 20)

struct salesforce {
	char login[URL_MAX / 2], version[16];
	char client_id[SECRET_MAX], client_secret[SECRET_MAX], refresh_token[SECRET_MAX];
	char auth[SECRET_MAX + 32];     /* "Authorization: Bearer <access token>", "" before any */
	char instance[URL_MAX / 2];
	int64_t modified_after;
	char closed_since[16];
	int multi_currency, batch_size;
	http_client_t *http;
	char *next;                     /* the nextRecordsUrl to read, NULL before the query */
	int started, done;
	int64_t max_mod;
	char cursor[32];
	salesforce_stats_t st;
};

static int
copy_secret(char *dst, size_t n, const char *src)
{
	if (src == NULL || *src == '\0' || strlen(src) >= n || strpbrk(src, "\r\n"))
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int
salesforce_new(const struct salesforce_opts *o, salesforce_t **out, char *err, size_t errlen)
{
	salesforce_t *s;
	const char *login = o->login_url && *o->login_url ? o->login_url :
	    SALESFORCE_LOGIN_URL_DEFAULT;
	const char *ver = o->api_version && *o->api_version ? o->api_version :
	    SALESFORCE_API_VERSION_DEFAULT;
	size_t n;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return SALESFORCE_ENOMEM;
	if (copy_secret(s->client_id, sizeof s->client_id, o->client_id) != 0 ||
	    copy_secret(s->client_secret, sizeof s->client_secret, o->client_secret) != 0 ||
	    copy_secret(s->refresh_token, sizeof s->refresh_token, o->refresh_token) != 0) {
		str_errf(err, errlen, "%s is missing (or too long)",
		    !o->client_id || !*o->client_id ? "salesforce_client_id" :
		    !o->client_secret || !*o->client_secret ? "salesforce_client_secret" :
		    "salesforce_refresh_token");
		salesforce_free(s);
		return SALESFORCE_EAUTH;
	}
	if (o->http == NULL || strlen(login) >= sizeof s->login || strlen(ver) >= sizeof s->version ||
	    (o->closed_since && strlen(o->closed_since) >= sizeof s->closed_since)) {
		str_errf(err, errlen, "a Salesforce login URL or API version that cannot be used");
		salesforce_free(s);
		return SALESFORCE_EANSWER;
	}
	snprintf(s->login, sizeof s->login, "%s", login);
	if ((n = strlen(s->login)) > 0 && s->login[n - 1] == '/')
		s->login[n - 1] = '\0';
	snprintf(s->version, sizeof s->version, "%s", ver);
	snprintf(s->closed_since, sizeof s->closed_since, "%s", o->closed_since ? o->closed_since : "");
	s->modified_after = o->modified_after_ms;
	s->multi_currency = o->multi_currency;
	s->batch_size = o->batch_size;
	s->http = o->http;
	s->max_mod = -1;
	*out = s;
	return SALESFORCE_OK;
}

void
salesforce_free(salesforce_t *s)
{
	if (s == NULL)
		return;
	free(s->next);
	explicit_bzero(s, sizeof *s);
	free(s);
}

const char *
salesforce_cursor(const salesforce_t *s)
{
	return s->cursor;
}

const salesforce_stats_t *
salesforce_stats(const salesforce_t *s)
{
	return &s->st;
}

/* ---- requests ---- */

static int
urlenc(buf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			rc = buf_addc(b, (char)c);
		else
			rc = buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

int
salesforce_soql(const salesforce_t *s, int count_only, buf_t *out)
{
	char t[32];
	int rc = 0;

	buf_reset(out);
	if (count_only)
		rc |= buf_adds(out, "SELECT COUNT() FROM Opportunity WHERE IsClosed = true");
	else
		rc |= buf_addf(out, "SELECT Id, Name, Amount, %sCloseDate, StageName, IsClosed, IsWon, "
		    "LastModifiedDate, Owner.Name, Account.Id, Account.Name, Account.Website, "
		    "Account.Industry, Account.NumberOfEmployees, Account.AnnualRevenue, "
		    "(SELECT Role, IsPrimary, Contact.Id, Contact.Email, Contact.FirstName, "
		    "Contact.LastName, Contact.Title FROM OpportunityContactRoles) "
		    "FROM Opportunity WHERE IsClosed = true", s->multi_currency ? "CurrencyIsoCode, " : "");
	if (s->closed_since[0])
		rc |= buf_addf(out, " AND CloseDate >= %s", s->closed_since);
	if (s->modified_after >= 0) {
		crm_api_time_iso(s->modified_after, 0, t);
		rc |= buf_addf(out, " AND LastModifiedDate > %s", t);
	}
	if (!count_only)
		rc |= buf_adds(out, " ORDER BY LastModifiedDate ASC");
	return rc;
}

/* Salesforce's errors are an array: the first errorCode, or "". */
static const char *
error_code(const json_t *j)
{
	const char *c = json_str(json_get(json_at(j, 0), "errorCode"));

	return c ? c : "";
}

static const char *
error_message(const json_t *j)
{
	const char *m = json_str(json_get(json_at(j, 0), "message"));

	return m ? m : "(no message)";
}

/* A new access token and instance URL. */
static int
refresh(salesforce_t *s, char *err, size_t errlen)
{
	const char *hdrs[] = { "Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL };
	char url[URL_MAX], why[128];
	struct http_request req = { "POST", url, hdrs, NULL, 0 };
	http_response_t *r = NULL;
	json_t *j = NULL;
	const char *tok, *inst, *e;
	buf_t b;
	int rc;

	snprintf(url, sizeof url, "%s/services/oauth2/token", s->login);
	buf_init(&b, 16384);
	rc = buf_adds(&b, "grant_type=refresh_token&client_id=");
	rc |= urlenc(&b, s->client_id);
	rc |= buf_adds(&b, "&client_secret=");
	rc |= urlenc(&b, s->client_secret);
	rc |= buf_adds(&b, "&refresh_token=");
	rc |= urlenc(&b, s->refresh_token);
	if (rc != 0) {
		explicit_bzero((void *)buf_ptr(&b), buf_len(&b));
		buf_free(&b);
		return SALESFORCE_ENOMEM;
	}
	req.body = buf_ptr(&b);
	req.body_len = buf_len(&b);
	rc = http_do(s->http, &req, &r);
	explicit_bzero((void *)buf_ptr(&b), buf_len(&b));
	buf_free(&b);
	if (rc != HTTP_OK)
		return SALESFORCE_ENOMEM;
	s->st.calls++;
	if (r->status != 0 && r->body_len > 0)
		json_parse(r->body, r->body_len, 0, &j, NULL, why, sizeof why);
	tok = json_str(json_get(j, "access_token"));
	inst = json_str(json_get(j, "instance_url"));
	e = json_str(json_get(j, "error"));
	if (r->status == 200 && tok && inst && strlen(inst) < sizeof s->instance &&
	    (strncmp(inst, "https://", 8) == 0 || strncmp(inst, "http://", 7) == 0) &&
	    strlen(tok) < SECRET_MAX && !strpbrk(tok, "\r\n")) {
		snprintf(s->auth, sizeof s->auth, "Authorization: Bearer %s", tok);
		snprintf(s->instance, sizeof s->instance, "%s", inst);
		s->st.refreshes++;
		rc = SALESFORCE_OK;
	} else if (r->status == 400 && e) {
		str_errf(err, errlen, "Salesforce refused the refresh-token flow (%s): %s", e,
		    strcmp(e, "invalid_client_id") == 0 ? "check salesforce_client_id (the connected "
		    "app's consumer key)" : strcmp(e, "invalid_client") == 0 ? "check "
		    "salesforce_client_secret (the connected app's consumer secret)" :
		    strcmp(e, "invalid_grant") == 0 ? "salesforce_refresh_token is expired or revoked, "
		    "or salesforce_login_url is not the org's (authorize the app again)" :
		    "check the salesforce_* settings");
		rc = SALESFORCE_EAUTH;
	} else if (r->status == 0 || r->status >= 500) {
		str_errf(err, errlen, "Salesforce's token endpoint did not answer (%s%ld) after %d "
		    "attempts", r->status ? "HTTP " : r->error, r->status, r->attempts);
		rc = SALESFORCE_EUNAVAIL;
	} else {
		str_errf(err, errlen, "Salesforce's token endpoint answered %ld without a usable token",
		    r->status);
		rc = SALESFORCE_EANSWER;
	}
	if (j)
		json_free(j);
	if (r && r->body)
		explicit_bzero(r->body, r->body_len);
	http_response_free(r);
	return rc;
}

/* GET url (absolute); *out gets the answer. Refreshes once on INVALID_SESSION_ID. */
static int
get(salesforce_t *s, const char *url, json_t **out, char *err, size_t errlen)
{
	char q[64] = "", why[128];
	const char *hdrs[] = { s->auth, "Accept: application/json", NULL, NULL };
	struct http_request req = { "GET", url, hdrs, NULL, 0 };
	http_response_t *r = NULL;
	json_t *j = NULL;
	const char *li;
	int rc, refreshed = 0;

	*out = NULL;
	if (s->batch_size > 0)
		snprintf(q, sizeof q, "Sforce-Query-Options: batchSize=%d", s->batch_size);
	hdrs[2] = q[0] ? q : NULL;
	if (s->auth[0] == '\0' && (rc = refresh(s, err, errlen)) != SALESFORCE_OK)
		return rc;
	for (;;) {
		if (http_do(s->http, &req, &r) != HTTP_OK)
			return SALESFORCE_ENOMEM;
		s->st.calls++;
		if ((li = http_header(r, "Sforce-Limit-Info")) != NULL)
			snprintf(s->st.limit_info, sizeof s->st.limit_info, "%s", li);
		if (r->status != 0 && r->body_len > 0)
			json_parse(r->body, r->body_len, 0, &j, NULL, why, sizeof why);
		if (r->status == 401 && !refreshed) {
			json_free(j);
			j = NULL;
			http_response_free(r);
			r = NULL;
			refreshed = 1;
			if ((rc = refresh(s, err, errlen)) != SALESFORCE_OK)
				return rc;
			continue;
		}
		break;
	}
	if (r->status == 200 && json_is(j, JSON_OBJECT)) {
		*out = j;
		j = NULL;
		rc = SALESFORCE_OK;
	} else if (r->status == 200) {
		str_errf(err, errlen, "Salesforce's answer is not a JSON object");
		rc = SALESFORCE_EANSWER;
	} else if (r->status == 401) {
		str_errf(err, errlen, "Salesforce refused a new session (401 %s): check that the "
		    "connected app's user may use the API and that salesforce_login_url is the org's",
		    error_code(j));
		rc = SALESFORCE_EAUTH;
	} else if (r->status == 403 && strcmp(error_code(j), "REQUEST_LIMIT_EXCEEDED") == 0) {
		str_errf(err, errlen, "Salesforce's API request limit is reached (403 "
		    "REQUEST_LIMIT_EXCEEDED, %s): try later", s->st.limit_info[0] ? s->st.limit_info :
		    "usage unknown");
		rc = SALESFORCE_ELIMIT;
	} else if (r->status == 403) {
		str_errf(err, errlen, "Salesforce refused the query (403 %s): %.200s", error_code(j),
		    error_message(j));
		rc = SALESFORCE_ECONFIG;
	} else if (r->status == 0 || r->status >= 500) {
		str_errf(err, errlen, "Salesforce did not answer (%s%ld) after %d attempts",
		    r->status ? "HTTP " : r->error, r->status, r->attempts);
		rc = SALESFORCE_EUNAVAIL;
	} else {
		str_errf(err, errlen, "Salesforce answered %ld (%s): %.200s", r->status, error_code(j),
		    error_message(j));
		rc = SALESFORCE_EANSWER;
	}
	json_free(j);
	http_response_free(r);
	return rc;
}

static int
query_url(salesforce_t *s, int count_only, char url[URL_MAX])
{
	buf_t soql, b;
	int rc;

	buf_init(&soql, 16384);
	buf_init(&b, 32768);
	rc = salesforce_soql(s, count_only, &soql);
	rc |= buf_addf(&b, "%s/services/data/%s/query?q=", s->instance, s->version);
	rc |= urlenc(&b, buf_ptr(&soql));
	if (rc == 0 && buf_len(&b) < URL_MAX)
		memcpy(url, buf_ptr(&b), buf_len(&b) + 1);
	else
		rc = -1;
	buf_free(&soql);
	buf_free(&b);
	return rc ? SALESFORCE_ENOMEM : SALESFORCE_OK;
}

int
salesforce_count(salesforce_t *s, long *total, char *err, size_t errlen)
{
	char url[URL_MAX];
	json_t *ans;
	int64_t n;
	int rc;

	*total = 0;
	if (s->auth[0] == '\0' && (rc = refresh(s, err, errlen)) != SALESFORCE_OK)
		return rc;
	if ((rc = query_url(s, 1, url)) != SALESFORCE_OK ||
	    (rc = get(s, url, &ans, err, errlen)) != SALESFORCE_OK)
		return rc;
	if (json_num_int(json_get(ans, "totalSize"), &n) == 0)
		*total = (long)n;
	json_free(ans);
	return SALESFORCE_OK;
}

/* ---- records ---- */

/* A scalar as text: strings as they are, numbers as written, else NULL. */
static const char *
text(const json_t *v)
{
	return json_str(v) ? json_str(v) : json_num_text(v);
}

/* Every contact role of an Opportunity, following the subquery's own pages. */
static int
add_roles(salesforce_t *s, json_t *rec, const json_t *roles, char *err, size_t errlen)
{
	json_t *more = NULL;
	const json_t *page = roles;
	char url[URL_MAX];
	int rc = SALESFORCE_OK;

	while (json_is(page, JSON_OBJECT) && rc == SALESFORCE_OK) {
		const json_t *recs = json_get(page, "records");
		const char *next = json_str(json_get(page, "nextRecordsUrl"));
		for (size_t i = 0; i < json_len(recs); i++) {
			const json_t *r = json_at(recs, i), *c = json_get(r, "Contact");
			if (!json_is(c, JSON_OBJECT))
				continue;
			if (crm_api_contact(rec, text(json_get(c, "Id")), text(json_get(c, "Email")),
			    text(json_get(c, "FirstName")), text(json_get(c, "LastName")),
			    text(json_get(c, "Title")), text(json_get(r, "Role"))) != 0) {
				rc = SALESFORCE_ENOMEM;
				break;
			}
		}
		if (rc != SALESFORCE_OK || json_bool(json_get(page, "done")) != 0 || next == NULL)
			break;
		snprintf(url, sizeof url, "%s%s", s->instance, next);
		json_free(more);
		more = NULL;
		if ((rc = get(s, url, &more, err, errlen)) != SALESFORCE_OK)
			break;
		page = more;
	}
	json_free(more);
	return rc;
}

static int
build(salesforce_t *s, const json_t *o, json_t **out, char *err, size_t errlen)
{
	struct crm_api_deal d = { 0 };
	const json_t *acc = json_get(o, "Account");
	const char *mod = text(json_get(o, "LastModifiedDate"));
	json_t *rec;
	int64_t ms;
	int rc = 0;

	*out = NULL;
	d.deal_id = text(json_get(o, "Id"));
	d.deal_name = text(json_get(o, "Name"));
	d.stage = text(json_get(o, "StageName"));
	d.close_date = text(json_get(o, "CloseDate"));
	d.amount = text(json_get(o, "Amount"));
	d.currency = text(json_get(o, "CurrencyIsoCode"));
	d.owner = text(json_path(o, "Owner.Name"));
	d.source = "salesforce";
	d.is_won = json_bool(json_get(o, "IsWon"));
	d.is_closed = json_bool(json_get(o, "IsClosed"));
	if ((rec = crm_api_deal_new(&d)) == NULL)
		return SALESFORCE_ENOMEM;
	rc |= crm_api_custom(rec, "last_modified", mod);
	if (json_is(acc, JSON_OBJECT))
		rc |= crm_api_account(rec, text(json_get(acc, "Id")), text(json_get(acc, "Name")),
		    text(json_get(acc, "Website")), text(json_get(acc, "Industry")),
		    text(json_get(acc, "NumberOfEmployees")), text(json_get(acc, "AnnualRevenue")),
		    "salesforce");
	if (rc != 0) {
		json_free(rec);
		return SALESFORCE_ENOMEM;
	}
	if ((rc = add_roles(s, rec, json_get(o, "OpportunityContactRoles"), err, errlen)) != 0) {
		json_free(rec);
		return rc;
	}
	if (mod && crm_api_time_ms(mod, &ms) == 0 && ms > s->max_mod) {
		s->max_mod = ms;
		crm_api_time_iso(ms, 1, s->cursor);
	}
	*out = rec;
	return SALESFORCE_OK;
}

int
salesforce_next(salesforce_t *s, json_t **records, char *err, size_t errlen)
{
	char url[URL_MAX];
	json_t *ans = NULL, *recs = NULL, *rec;
	const json_t *rows;
	const char *next;
	int rc;

	*records = NULL;
	if (s->done)
		return SALESFORCE_DONE;
	if (s->auth[0] == '\0' && (rc = refresh(s, err, errlen)) != SALESFORCE_OK)
		return rc;
	if (!s->started) {
		if ((rc = query_url(s, 0, url)) != SALESFORCE_OK)
			return rc;
	} else {
		snprintf(url, sizeof url, "%s%s", s->instance, s->next);
	}
	if ((rc = get(s, url, &ans, err, errlen)) != SALESFORCE_OK)
		return rc;
	s->started = 1;
	s->st.pages++;
	rows = json_get(ans, "records");
	if ((recs = json_new_array()) == NULL) {
		rc = SALESFORCE_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < json_len(rows); i++) {
		if ((rc = build(s, json_at(rows, i), &rec, err, errlen)) != SALESFORCE_OK)
			goto done;
		if (json_push(recs, rec) != JSON_OK) {
			rc = SALESFORCE_ENOMEM;
			goto done;
		}
	}
	next = json_str(json_get(ans, "nextRecordsUrl"));
	free(s->next);
	s->next = NULL;
	if (json_bool(json_get(ans, "done")) != 0 || next == NULL || next[0] != '/')
		s->done = 1;
	else if ((s->next = strdup(next)) == NULL) {
		rc = SALESFORCE_ENOMEM;
		goto done;
	}
	s->st.deals += (long)json_len(recs);
	*records = recs;
	recs = NULL;
	rc = SALESFORCE_OK;
done:
	if (rc == SALESFORCE_ENOMEM)
		str_errf(err, errlen, "out of memory");
	json_free(ans);
	json_free(recs);
	return rc;
}

/* apollo_map: see apollo_map.h. */
#include "apollo_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_firmo.h"

/* ---- the ask ---- */

/* The string member key of obj, malloc'd; NULL when absent, not a string, empty or on ENOMEM. */
static char *
member_dup(const char *text, jspan_t obj, const char *key)
{
	jspan_member_t m;
	char *s;

	if (!jspan_get(text, obj, key, &m) || jspan_type(text, m.val) != JSON_STRING ||
	    (s = malloc(m.val.len + 1)) == NULL)
		return NULL;
	if (jspan_str(text, m.val, s, m.val.len + 1) <= 0 || s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

void
apollo_map_ask(const char *text, jspan_t contact, char **first, char **last, char **li)
{
	*first = member_dup(text, contact, "first_name");
	*last = member_dup(text, contact, "last_name");
	*li = member_dup(text, contact, "linkedin_url");
}

/* ---- the request ---- */

int
apollo_map_request(const struct apollo_ask *asks, size_t n, const char *url,
    const char *key_header, const char *hdrs[APOLLO_MAP_HEADERS], buf_t *body,
    struct http_request *req)
{
	int rc;

	if ((rc = apollo_request_body(asks, n, body)) != APOLLO_OK)
		return rc;
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = "Cache-Control: no-cache";
	hdrs[3] = key_header;
	hdrs[4] = NULL;
	memset(req, 0, sizeof *req);
	req->method = "POST";
	req->url = url;
	req->headers = hdrs;
	req->body = buf_ptr(body);
	req->body_len = buf_len(body);
	return APOLLO_OK;
}

/* ---- the answer ---- */

/* A short printable excerpt of an answer's body, with key masked. */
static void
excerpt(const char *body, size_t len, const char *key, char *out, size_t n)
{
	size_t i, o = 0;
	char *k;

	for (i = 0; i < len && o + 1 < n && o < 160; i++) {
		unsigned char c = (unsigned char)body[i];

		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0';
	if (key && *key)
		while ((k = strstr(out, key)) != NULL)
			memset(k, '*', strlen(key));
}

enum apollo_verdict
apollo_map_answer(const http_response_t *resp, const struct apollo_ask *asks, size_t n,
    struct apollo_result *res, double *credits, const char *key, char *reason, size_t rn)
{
	char ex[200], err[512];
	int rc;

	*credits = 0;
	reason[0] = '\0';
	if (resp->status == 200) {
		rc = apollo_parse_response(resp->body, resp->body_len, asks, n, res, credits, err,
		    sizeof err);
		if (rc == APOLLO_OK)
			return APOLLO_ANSWERED;
		*credits = 0;
		if (rc == APOLLO_ENOMEM) {
			snprintf(reason, rn, "out of memory");
			return APOLLO_NOMEM;
		}
		snprintf(reason, rn, "invalid answer from Apollo: %s", err);
		return APOLLO_BAD_ANSWER;
	}
	for (size_t i = 0; i < n; i++) {
		res[i].kind = APOLLO_UNANSWERED;
		res[i].person = NULL;
	}
	excerpt(resp->body, resp->body_len, key, ex, sizeof ex);
	if (resp->status == 401 || resp->status == 403) {
		snprintf(reason, rn, "Apollo refused the API key (HTTP %ld%s%s)", resp->status,
		    *ex ? ": " : "", ex);
		return APOLLO_REFUSED;
	}
	if (resp->status == 429) {
		snprintf(reason, rn, "Apollo rate limit reached (HTTP 429 after %d attempts); "
		    "try later", resp->attempts);
		return APOLLO_RATE_LIMITED;
	}
	if (resp->status == 0 || resp->transient) {
		if (resp->status)
			snprintf(reason, rn, "Apollo unavailable: HTTP %ld after %d attempts",
			    resp->status, resp->attempts);
		else
			snprintf(reason, rn, "Apollo unavailable: %s after %d attempts", resp->error,
			    resp->attempts);
		return APOLLO_UNAVAILABLE;
	}
	snprintf(reason, rn, "Apollo answered HTTP %ld%s%s", resp->status, *ex ? ": " : "", ex);
	return APOLLO_FAILED;
}

/* ---- what a contact and its account get ---- */

int
apollo_map_contact(buf_t *out, buf_t *vals, const char *text, const jspan_member_t *mem,
    size_t n, const struct apollo_outcome *oc, const struct apollo_account *acct, date_t close)
{
	static const char *const drop_employer[] = { "new_employer", NULL };
	struct apollo_field af[APOLLO_FIELDS_MAX];
	struct jedit_field f[APOLLO_FIELDS_MAX];
	const char *const *drop = drop_employer;
	const char *base;
	int nf, k;

	/*
	 * The fields are written just before the contact itself: the texts kept in
	 * an answer's facts are valid until the next contact asks the same facts
	 * for another (cached, fetched).
	 */
	buf_reset(vals);
	if ((nf = apollo_contact_text(vals, af, oc->status, oc->ans ? oc->ans->facts : NULL, acct,
	    close, oc->cached, oc->ans ? oc->ans->fetched : 0, oc->reason)) < 0)
		return JSON_ENOMEM;
	for (k = 0; k < nf; k++) {
		base = af[k].text ? af[k].text : buf_ptr(vals);
		f[k].key = af[k].key;
		f[k].val = base + af[k].off;
		f[k].len = af[k].len;
		f[k].member = base + af[k].member;
		f[k].member_len = af[k].off + af[k].len - af[k].member;
		if (f[k].key[0] == 'n' && strcmp(f[k].key, "new_employer") == 0)
			drop = NULL;
	}
	return jedit_members(out, text, mem, n, f, (size_t)nf, drop, NULL, NULL);
}

/* A scalar as text (a string unescaped, or a number), into buf; NULL when absent or empty. */
static const char *
scalar_text(const char *text, const jspan_member_t *mem, long at, char *buf, size_t cap)
{
	jspan_t v;

	if (at < 0)
		return NULL;
	v = mem[at].val;
	if (jspan_type(text, v) == JSON_NUMBER && v.len < cap) {
		memcpy(buf, text + v.off, v.len);
		buf[v.len] = '\0';
		return buf;
	}
	return jspan_str(text, v, buf, cap) > 0 ? buf : NULL;
}

void
apollo_map_account(struct apollo_account *a, const char *text, const jspan_member_t *acc,
    const long at[3], const jspan_member_t *close_date, time_t now, date_t *close)
{
	char name[1024], domain[1024], website[1024], cd[64];

	apollo_account_of(a, scalar_text(text, acc, at[0], name, sizeof name),
	    scalar_text(text, acc, at[1], domain, sizeof domain),
	    scalar_text(text, acc, at[2], website, sizeof website));
	/* A close date is a string; anything else means today. */
	if (close_date == NULL || jspan_str(text, close_date->val, cd, sizeof cd) < 0)
		*close = apollo_close_date(NULL, now);
	else
		*close = apollo_close_date(cd, now);
}

/*
 * Apollo's firmographics (JSON text) merged under the CRM's, when the account
 * carries "crm_firmographics", into merged. Returns 1 when it did, 0 when
 * there is nothing to merge (Apollo's are written as they are), -1 when
 * memory runs out.
 */
static int
merge_crm_firmo(const char *text, jspan_t account, const char *apollo, size_t len,
    buf_t *merged)
{
	jspan_member_t m;
	json_t *crm = NULL, *ap = NULL, *out = NULL;
	int rc = -1;

	if (jspan_get(text, account, "crm_firmographics", &m) != 1 ||
	    jspan_type(text, m.val) != JSON_OBJECT)
		return 0;
	/* both texts were read whole before: only memory fails here */
	if (json_parse(text + m.val.off, m.val.len, 0, &crm, NULL, NULL, 0) == JSON_OK &&
	    json_parse(apollo, len, 0, &ap, NULL, NULL, 0) == JSON_OK &&
	    (out = crm_firmo_merge(crm, ap)) != NULL && json_dump(out, merged) == JSON_OK)
		rc = 1;
	json_free(crm);
	json_free(ap);
	json_free(out);
	return rc;
}

int
apollo_map_firmographics(const char *text, jspan_t account, const struct apollo_account *acct,
    const apollo_facts_t *const *people, size_t n, buf_t *merged, struct jedit_field *f)
{
	int k, rc;

	if ((k = apollo_facts_pick(acct, people, n)) < 0)
		return 0;
	memset(f, 0, sizeof *f);
	f->key = "firmographics";
	f->val = apollo_facts_firmographics(people[k], &f->len);
	if ((rc = merge_crm_firmo(text, account, f->val, f->len, merged)) < 0)
		return -1;
	if (rc == 1) {
		f->val = buf_ptr(merged);
		f->len = buf_len(merged);
	}
	return 1;
}

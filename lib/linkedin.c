#include "linkedin.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apollo.h"
#include "cache.h"
#include "company.h"
#include "date.h"
#include "str.h"

#define MAX_EXPERIENCES 30

/* A string value that is not blank, else NULL. */
static const char *
text_of(const json_t *v)
{
	const char *s = json_str(v);

	return str_blank(s) ? NULL : s;
}

/* A number or a numeric string (Fresh's "" is none): 0 with *out, else -1. */
static int
int_of(const json_t *v, int64_t *out)
{
	const char *s;
	char *end;
	long long n;

	if (json_is(v, JSON_NUMBER))
		return json_num_int(v, out);
	if ((s = text_of(v)) == NULL)
		return -1;
	n = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* A copy of v, JSON null for none (NULL only when memory runs out). */
static json_t *
clone_or_null(const json_t *v)
{
	return v ? json_clone(v) : json_new_null();
}

/* 1 true, 0 false, -1 unknown. */
static int
bool_of(const json_t *v)
{
	const char *s = json_str(v);

	if (json_is(v, JSON_BOOL))
		return json_bool(v);
	if (s && (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0))
		return 1;
	if (s && (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0))
		return 0;
	return -1;
}

/* ---- profile URLs ---- */

int
linkedin_profile_url(const char *url, char *out, size_t n)
{
	const char *s = url, *host, *id, *e;
	size_t hl, il, i;

	if (n)
		out[0] = '\0';
	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	host = s;
	hl = strcspn(s, "/?#");
	/* linkedin.com or one of its subdomains (www., uk., de.) */
	if (hl < 12 || strncasecmp(host + hl - 12, "linkedin.com", 12) != 0 ||
	    (hl > 12 && host[hl - 13] != '.'))
		return -1;
	s += hl;
	if (strncasecmp(s, "/in/", 4) != 0)
		return -1;
	id = s + 4;
	il = strcspn(id, "/?# \t\r\n");
	if (il == 0)
		return -1;
	for (e = id; e < id + il; e++)
		if ((unsigned char)*e <= ' ' || *e == '"' || *e == '\\')
			return -1;
	if (sizeof "https://www.linkedin.com/in//" + il > n)
		return -1;
	memcpy(out, "https://www.linkedin.com/in/", 28);
	for (i = 0; i < il; i++)
		out[28 + i] = (char)tolower((unsigned char)id[i]);
	out[28 + il] = '/';
	out[29 + il] = '\0';
	return 0;
}

int
linkedin_request_url(const char *base, const char *path, const char *profile, buf_t *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (buf_adds(out, base) != BUF_OK || buf_adds(out, path) != BUF_OK ||
	    buf_adds(out, "?linkedin_url=") != BUF_OK)
		return -1;
	for (p = (const unsigned char *)profile; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			if (buf_addc(out, (char)*p) != BUF_OK)
				return -1;
		} else if (buf_addc(out, '%') != BUF_OK || buf_addc(out, hex[*p >> 4]) != BUF_OK ||
		    buf_addc(out, hex[*p & 15]) != BUF_OK)
			return -1;
	}
	return buf_adds(out, "&include_skills=false") == BUF_OK ? 0 : -1;
}

/* ---- answers ---- */

/* The provider's message: "message" of a JSON body, else the body's start, printable. */
static void
message_of(const char *body, size_t len, char *out, size_t n)
{
	json_t *v = NULL;
	char why[64];
	const char *m = NULL;
	size_t o = 0, i;

	if (n == 0)
		return;
	if (len && json_parse(body, len, 16, &v, NULL, why, sizeof why) == JSON_OK)
		m = text_of(json_get(v, "message"));
	if (m == NULL && v == NULL)
		m = body;
	for (i = 0; m && m[i] && (v || i < len) && o + 1 < n && i < 200; i++)
		out[o++] = isprint((unsigned char)m[i]) ? m[i] : ' ';
	out[o] = '\0';
	json_free(v);
}

enum linkedin_answer
linkedin_read(long status, const char *body, size_t len, const char *transport,
    json_t **profile, char *why, size_t whylen)
{
	char msg[224];
	json_t *v = NULL;
	const json_t *d;
	char perr[128];

	*profile = NULL;
	if (whylen)
		why[0] = '\0';
	if (status == 0) {
		snprintf(why, whylen, "no answer (%s)", transport && *transport ? transport : "network");
		return LINKEDIN_UNAVAILABLE;
	}
	message_of(body, len, msg, sizeof msg);
	switch (status) {
	case 200:
		break;
	case 402:
		snprintf(why, whylen, "LinkedIn API credits used up (402 %s)", msg);
		return LINKEDIN_CREDITS;
	case 401:
	case 403:
		snprintf(why, whylen, "RapidAPI refused the key (%ld %s)", status, msg);
		return LINKEDIN_REFUSED;
	case 404:
		if (strstr(msg, "Endpoint") && strstr(msg, "does not exist")) {
			snprintf(why, whylen, "RapidAPI: %s", msg);
			return LINKEDIN_NO_ENDPOINT;
		}
		return LINKEDIN_NOT_FOUND;
	case 429:
		if (strcasestr(msg, "quota")) {
			snprintf(why, whylen, "RapidAPI monthly quota used up (429 %s)", msg);
			return LINKEDIN_QUOTA;
		}
		snprintf(why, whylen, "rate limited (429 %s)", msg);
		return LINKEDIN_RATE_LIMITED;
	default:
		snprintf(why, whylen, "HTTP %ld %s", status, msg);
		return status == 408 || status >= 500 ? LINKEDIN_UNAVAILABLE : LINKEDIN_BAD_REQUEST;
	}
	if (json_parse(body, len, 64, &v, NULL, perr, sizeof perr) != JSON_OK ||
	    !json_is(v, JSON_OBJECT)) {
		snprintf(why, whylen, "the answer is not a JSON object (%s)", v ? "another value" : perr);
		json_free(v);
		return LINKEDIN_BAD_ANSWER;
	}
	/* §4.1 wraps the profile in "data"; §4.2 sends it bare. */
	d = json_get(v, "data") ? json_get(v, "data") : v;
	if (json_is(d, JSON_NULL) || (json_is(d, JSON_OBJECT) && json_len(d) == 0)) {
		json_free(v);
		return LINKEDIN_NOT_FOUND;
	}
	*profile = linkedin_profile_subset(d);
	json_free(v);
	if (*profile == NULL) {
		snprintf(why, whylen, "the answer holds no profile");
		return LINKEDIN_BAD_ANSWER;
	}
	return LINKEDIN_FOUND;
}

/* ---- the subset ---- */

static int
set_text(json_t *o, const char *key, const json_t *v)
{
	const char *s = text_of(v);

	return s ? json_set_str(o, key, s) : json_set_null(o, key);
}

static int
set_int(json_t *o, const char *key, const json_t *v, int64_t lo, int64_t hi)
{
	int64_t n;

	if (int_of(v, &n) == 0 && n >= lo && n <= hi)
		return json_set_int(o, key, n);
	return json_set_null(o, key);
}

/* One experience of §4.1 ("experiences") or §4.2 ("position"). */
static json_t *
experience(const json_t *e, int rock)
{
	json_t *x = json_new_object();
	const json_t *end = json_get(e, "end");
	int64_t ey;
	int rc, cur;

	if (x == NULL)
		return NULL;
	if (rock) {
		/* the current role's end is null or all zeros */
		cur = end == NULL || json_is(end, JSON_NULL) ||
		    int_of(json_get(end, "year"), &ey) != 0 || ey == 0;
		rc = set_text(x, "title", json_get(e, "title")) |
		    set_text(x, "company", json_get(e, "companyName")) |
		    set_int(x, "start_year", json_path(e, "start.year"), 1900, 2200) |
		    set_int(x, "start_month", json_path(e, "start.month"), 1, 12) |
		    set_int(x, "end_year", json_path(e, "end.year"), 1900, 2200) |
		    set_int(x, "end_month", json_path(e, "end.month"), 1, 12) |
		    json_set_bool(x, "current", cur);
	} else {
		cur = bool_of(json_get(e, "is_current"));
		if (cur < 0)
			cur = int_of(json_get(e, "end_year"), &ey) != 0;
		rc = set_text(x, "title", json_get(e, "title")) |
		    set_text(x, "company", json_get(e, "company")) |
		    set_int(x, "start_year", json_get(e, "start_year"), 1900, 2200) |
		    set_int(x, "start_month", json_get(e, "start_month"), 1, 12) |
		    set_int(x, "end_year", json_get(e, "end_year"), 1900, 2200) |
		    set_int(x, "end_month", json_get(e, "end_month"), 1, 12) |
		    json_set_bool(x, "current", cur);
	}
	if (rc != JSON_OK) {
		json_free(x);
		return NULL;
	}
	return x;
}

json_t *
linkedin_profile_subset(const json_t *d)
{
	int rock = json_get(d, "position") != NULL && json_get(d, "experiences") == NULL;
	const json_t *ex = json_get(d, rock ? "position" : "experiences"), *cur = NULL;
	json_t *p, *xs, *x;
	size_t i;
	int rc = 0;

	if (!json_is(d, JSON_OBJECT))
		return NULL;
	if ((p = json_new_object()) == NULL || (xs = json_new_array()) == NULL) {
		json_free(p);
		return NULL;
	}
	for (i = 0; i < json_len(ex) && json_len(xs) < MAX_EXPERIENCES; i++) {
		const json_t *e = json_at(ex, i);

		if (!json_is(e, JSON_OBJECT))
			continue;
		if ((x = experience(e, rock)) == NULL || json_push(xs, x) != JSON_OK)
			goto fail;
		if (cur == NULL && json_bool(json_get(x, "current")))
			cur = x;
	}
	if (rock) {
		/* no top-level current role: the first current position is it */
		rc = set_text(p, "headline", json_get(d, "headline")) |
		    json_set(p, "title", clone_or_null(json_get(cur, "title"))) |
		    json_set(p, "company", clone_or_null(json_get(cur, "company"))) |
		    json_set_null(p, "company_domain") |
		    set_text(p, "company_linkedin_url", NULL) |
		    json_set(p, "start_month", clone_or_null(json_get(cur, "start_month"))) |
		    json_set(p, "start_year", clone_or_null(json_get(cur, "start_year"))) |
		    set_text(p, "location", json_path(d, "geo.full")) |
		    set_text(p, "linkedin_url", NULL);
	} else
		rc = set_text(p, "headline", json_get(d, "headline")) |
		    set_text(p, "title", json_get(d, "job_title")) |
		    set_text(p, "company", json_get(d, "company")) |
		    set_text(p, "company_domain", json_get(d, "company_domain")) |
		    set_text(p, "company_linkedin_url", json_get(d, "company_linkedin_url")) |
		    set_int(p, "start_month", json_get(d, "current_company_join_month"), 1, 12) |
		    set_int(p, "start_year", json_get(d, "current_company_join_year"), 1900, 2200) |
		    set_text(p, "location", json_get(d, "location")) |
		    set_text(p, "linkedin_url", json_get(d, "linkedin_url"));
	if (rc != JSON_OK || json_set(p, "experiences", xs) != JSON_OK) {
		json_free(p);
		return NULL;
	}
	if (json_len(xs) == 0 && text_of(json_get(p, "company")) == NULL &&
	    text_of(json_get(d, rock ? "firstName" : "full_name")) == NULL) {
		json_free(p);
		return NULL;
	}
	return p;
fail:
	json_free(xs);
	json_free(p);
	return NULL;
}

/* ---- cache values ---- */

json_t *
linkedin_cache_value(const json_t *profile)
{
	return cache_answer_value("profile", profile);
}

int
linkedin_cache_read(const json_t *v, const json_t **profile)
{
	return cache_answer_read(v, "profile", profile);
}

/* ---- the identity gate ---- */

/*
 * Whether the employer (name, domain; either may be NULL) is the account, by
 * company_same: the one rule apollo-enrich's job_changed uses too. *by gets
 * what decided (may be NULL).
 */
static int
is_account(const char *name, const char *domain, const struct apollo_account *acct, int *by)
{
	struct apollo_account e;

	apollo_account_of(&e, name, domain, NULL);
	return company_same(e.domain, e.name, acct->domain, acct->name, by) == 1;
}

enum linkedin_identity
linkedin_identity(const json_t *profile, const json_t *account, int *by)
{
	struct apollo_account acct;
	const json_t *xs = json_get(profile, "experiences"), *x;
	size_t i;
	int past = 0, by_ = COMPANY_BY_NONE, past_by = COMPANY_BY_NONE;

	if (by == NULL)
		by = &by_;
	*by = COMPANY_BY_NONE;
	apollo_account_read(account, &acct);
	if (!acct.name[0] && !acct.domain[0])
		return LINKEDIN_ID_NONE;
	if (is_account(text_of(json_get(profile, "company")),
	    text_of(json_get(profile, "company_domain")), &acct, by))
		return LINKEDIN_ID_CURRENT;
	for (i = 0; i < json_len(xs); i++) {
		x = json_at(xs, i);
		if (!is_account(text_of(json_get(x, "company")), NULL, &acct, by))
			continue;
		if (json_bool(json_get(x, "current")))
			return LINKEDIN_ID_CURRENT;
		past = 1;
		past_by = *by;
	}
	*by = past_by;
	return past ? LINKEDIN_ID_PAST : LINKEDIN_ID_NONE;
}

/* ---- which contacts ---- */

int
linkedin_wanted(const json_t *contact, enum linkedin_select sel)
{
	const char *st = json_str(json_path(contact, "apollo.status"));

	if (!json_is(contact, JSON_OBJECT))
		return 0;
	if (sel == LINKEDIN_SEL_ALL || st == NULL || strcmp(st, "enriched") != 0)
		return 1;
	return sel == LINKEDIN_SEL_MOVES && json_is(json_get(contact, "job_changed"), JSON_BOOL) &&
	    json_bool(json_get(contact, "job_changed"));
}

int
linkedin_contact_url(const json_t *contact, char *out, size_t n)
{
	if (linkedin_profile_url(text_of(json_get(contact, "linkedin_url")), out, n) == 0)
		return 0;
	return linkedin_profile_url(text_of(json_path(contact, "apollo.person.linkedin_url")), out, n);
}

/* ---- the contact's fields ---- */

/* The first day of an experience's start, or of its end's month's last day; -1 when unknown. */
static int
exp_date(const json_t *x, int end, date_t *d)
{
	int64_t y, m;

	if (int_of(json_get(x, end ? "end_year" : "start_year"), &y) != 0)
		return -1;
	if (int_of(json_get(x, end ? "end_month" : "start_month"), &m) != 0)
		m = end ? 12 : 1;
	d->y = (int)y;
	d->m = (int)m;
	d->d = end ? date_days_in_month(d->y, d->m) : 1;
	return date_valid(*d) ? 0 : -1;
}

/*
 * The role held at the account on close: the experience at the account that
 * covers it (the latest start), else the current role when the current
 * company is the account. NULL when none covers it; *start its start.
 */
static const json_t *
role_at(const json_t *profile, const struct apollo_account *acct, enum linkedin_identity id,
    date_t close, date_t *start)
{
	const json_t *xs = json_get(profile, "experiences"), *x, *best = NULL;
	date_t s, e;
	size_t i;

	for (i = 0; i < json_len(xs); i++) {
		x = json_at(xs, i);
		if (!is_account(text_of(json_get(x, "company")), NULL, acct, NULL) ||
		    exp_date(x, 0, &s) != 0 || date_cmp(s, close) > 0)
			continue;
		if (!json_bool(json_get(x, "current")) &&
		    (exp_date(x, 1, &e) != 0 || date_cmp(e, close) < 0))
			continue;
		if (best == NULL || date_cmp(s, *start) > 0) {
			best = x;
			*start = s;
		}
	}
	if (best == NULL && id == LINKEDIN_ID_CURRENT && exp_date(profile, 0, &s) == 0 &&
	    date_cmp(s, close) <= 0) {
		*start = s;
		return profile;
	}
	return best;
}

/* Whether field_sources names LinkedIn alone for key: LinkedIn may then rewrite it. */
static int
linkedin_owns(const json_t *fs, const char *key)
{
	const json_t *a = json_get(fs, key);

	return json_len(a) == 1 && json_str(json_at(a, 0)) &&
	    strcmp(json_str(json_at(a, 0)), "linkedin") == 0;
}

/* May LinkedIn fill key: empty, or its own. */
static int
fillable(const json_t *contact, const json_t *fs, const char *key)
{
	const json_t *v = json_get(contact, key);

	return v == NULL || json_is(v, JSON_NULL) || linkedin_owns(fs, key);
}

static int
set_sources(json_t *fs, const char *key, int with_apollo)
{
	json_t *a = json_new_array();

	if (a == NULL || (with_apollo && json_push(a, json_new_str("apollo")) != JSON_OK) ||
	    json_push(a, json_new_str("linkedin")) != JSON_OK) {
		json_free(a);
		return -1;
	}
	return json_set(fs, key, a) == JSON_OK ? 0 : -1;
}

static json_t *
new_employer(const json_t *profile)
{
	json_t *e = json_new_object();
	date_t s;
	char since[DATE_STRLEN];

	if (e == NULL)
		return NULL;
	if (json_set(e, "name", clone_or_null(json_get(profile, "company"))) != JSON_OK ||
	    json_set(e, "domain", clone_or_null(json_get(profile, "company_domain"))) != JSON_OK ||
	    json_set(e, "title", clone_or_null(json_get(profile, "title"))) != JSON_OK ||
	    (exp_date(profile, 0, &s) == 0 ? json_set_str(e, "since", date_format(s, since)) :
	    json_set_null(e, "since")) != JSON_OK) {
		json_free(e);
		return NULL;
	}
	return e;
}

/* The fields LinkedIn fills where Apollo left them empty. */
static int
fill(json_t *contact, const json_t *rec, const jobtitle_t *jt, const json_t *profile,
    const struct apollo_account *acct, enum linkedin_identity id, time_t now)
{
	json_t *fs = json_get(contact, "field_sources"), *made = NULL;
	const json_t *role, *jc;
	const char *title, *v;
	date_t close = apollo_close_date(text_of(json_get(rec, "close_date")), now), start;
	int moved = id == LINKEDIN_ID_PAST, rc = 0;

	if (!json_is(fs, JSON_OBJECT)) {
		if ((fs = made = json_new_object()) == NULL)
			return -1;
	}
	role = role_at(profile, acct, id, close, &start);
	title = text_of(json_get(role ? role : profile, "title"));
	if (title == NULL)
		title = text_of(json_get(profile, "title"));
	if ((v = jobtitle_seniority(jt, title)) && fillable(contact, fs, "seniority_verified"))
		rc |= json_set_str(contact, "seniority_verified", v) | set_sources(fs, "seniority_verified", 0);
	if ((v = jobtitle_department(jt, title)) && fillable(contact, fs, "department_verified"))
		rc |= json_set_str(contact, "department_verified", v) |
		    set_sources(fs, "department_verified", 0);
	if (role && fillable(contact, fs, "tenure_months"))
		rc |= json_set_int(contact, "tenure_months", date_months_between(start, close)) |
		    set_sources(fs, "tenure_months", 0);
	jc = json_get(contact, "job_changed");
	if (fillable(contact, fs, "job_changed")) {
		rc |= json_set_bool(contact, "job_changed", moved) | set_sources(fs, "job_changed", 0);
		if (moved)
			rc |= json_set(contact, "new_employer", new_employer(profile));
		else
			json_del(contact, "new_employer");
	} else if (json_is(jc, JSON_BOOL)) {
		/* Apollo's stays; a second source that agrees is said */
		if (json_bool(jc) == moved)
			rc |= set_sources(fs, "job_changed", 1);
		else
			json_del(fs, "job_changed");
	}
	if (made) {
		if (json_len(made) == 0)
			json_free(made);
		else
			rc |= json_set(contact, "field_sources", made);
	}
	return rc ? -1 : 0;
}

static json_t *
company_names(const json_t *profile)
{
	const json_t *xs = json_get(profile, "experiences"), *x;
	json_t *a = json_new_array();
	const char *c;
	size_t i, j;

	for (i = 0; a && i < json_len(xs); i++) {
		x = json_at(xs, i);
		if (json_bool(json_get(x, "current")) || (c = text_of(json_get(x, "company"))) == NULL)
			continue;
		for (j = 0; j < json_len(a); j++)
			if (strcmp(json_str(json_at(a, j)), c) == 0)
				break;
		if (j == json_len(a) && json_push(a, json_new_str(c)) != JSON_OK) {
			json_free(a);
			return NULL;
		}
	}
	return a;
}

int
linkedin_apply(json_t *contact, const json_t *rec, const jobtitle_t *jt, const char *status,
    const json_t *profile, int cached, time_t fetched_at, const char *reason, time_t now)
{
	struct apollo_account acct;
	enum linkedin_identity id = LINKEDIN_ID_NONE;
	int by = COMPANY_BY_NONE;
	json_t *li = json_new_object();
	char ts[32];
	int rc = 0, enriched = strcmp(status, "enriched") == 0 && profile;
	static const char *const keep[] = { "headline", "title", "company", "company_domain",
		"start_month", "start_year", "location", NULL };
	size_t i;

	if (li == NULL)
		return -1;
	if (enriched) {
		apollo_account_read(json_get(rec, "account"), &acct);
		id = linkedin_identity(profile, json_get(rec, "account"), &by);
		if (id == LINKEDIN_ID_NONE) {
			status = "mismatch";
			reason = "the profile's current and past companies are not the deal's account";
			enriched = 0;
		}
	}
	rc |= json_set_str(li, "status", status);
	if (cached >= 0 && (enriched || strcmp(status, "mismatch") == 0)) {
		cache_time_format(fetched_at, ts, sizeof ts);
		rc |= json_set_bool(li, "cached", cached) | json_set_str(li, "fetched_at", ts);
	} else if (cached >= 0)
		rc |= json_set_bool(li, "cached", cached);
	if (enriched) {
		rc |= json_set_str(li, "identity", id == LINKEDIN_ID_CURRENT ? "current" : "past") |
		    json_set_str(li, "identity_by", company_by_name(by));
		for (i = 0; keep[i]; i++)
			rc |= json_set(li, keep[i], clone_or_null(json_get(profile, keep[i])));
		rc |= json_set(li, "past_companies", company_names(profile)) |
		    json_set_bool(li, "job_changed", id == LINKEDIN_ID_PAST);
	} else if (reason)
		rc |= json_set_str(li, "reason", reason);
	if (rc != JSON_OK || json_set(contact, "linkedin", li) != JSON_OK)
		return -1;
	return enriched ? fill(contact, rec, jt, profile, &acct, id, now) : 0;
}

#include "serper.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "str.h"

int
serper_query_parse(const char *arg, struct serper_query *out, char *err, size_t errlen)
{
	const char *t = arg;

	out->endpoint = SERPER_SEARCH;
	if (arg == NULL) {
		snprintf(err, errlen, "--query: empty template");
		return -1;
	}
	if (strncmp(t, "news:", 5) == 0) {
		out->endpoint = SERPER_NEWS;
		t += 5;
	} else if (strncmp(t, "search:", 7) == 0)
		t += 7;
	while (*t == ' ')
		t++;
	if (*t == '\0') {
		snprintf(err, errlen, "--query: empty template");
		return -1;
	}
	if (strstr(t, "{company}") == NULL && strstr(t, "{domain}") == NULL) {
		snprintf(err, errlen, "--query '%s': the template must hold {company} or {domain}", arg);
		return -1;
	}
	out->tmpl = t;
	return 0;
}

int
serper_recency(const char *arg, const char **tbs)
{
	static const struct { const char *a, *b, *tbs; } map[] = {
		{ "h", "hour", "qdr:h" }, { "d", "day", "qdr:d" }, { "w", "week", "qdr:w" },
		{ "m", "month", "qdr:m" }, { "y", "year", "qdr:y" }
	};
	size_t i;

	if (arg == NULL || *arg == '\0')
		return -1;
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(arg, map[i].a) == 0 || strcasecmp(arg, map[i].b) == 0) {
			*tbs = map[i].tbs;
			return 0;
		}
	if (strncmp(arg, "qdr:", 4) == 0 && arg[4] && strchr("hdwmy", arg[4])) {
		for (i = 5; arg[i]; i++)
			if (!isdigit((unsigned char)arg[i]))
				return -1;
		*tbs = arg;
		return 0;
	}
	return -1;
}

/* Appends s trimmed, without double quotes (ASCII or curly) and with runs of blanks as one space. */
static int
add_value(buf_t *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int space = 0, any = 0;

	for (; *p; p++) {
		if (*p == '"')
			continue;
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x9c || p[2] == 0x9d)) {
			p += 2;
			continue;
		}
		if (isspace(*p)) {
			space = any;
			continue;
		}
		if (space && buf_addc(out, ' ') != BUF_OK)
			return -1;
		space = 0;
		any = 1;
		if (buf_addc(out, (char)*p) != BUF_OK)
			return -1;
	}
	return 0;
}

int
serper_query_expand(const char *tmpl, const char *company, const char *domain, buf_t *out)
{
	const char *p, *name, *dom;

	buf_reset(out);
	name = !str_blank(company) ? company : !str_blank(domain) ? domain : NULL;
	dom = !str_blank(domain) ? domain : name;
	if (name == NULL)
		return 1;
	for (p = tmpl; *p; ) {
		if (strncmp(p, "{company}", 9) == 0) {
			if (add_value(out, name) != 0)
				return -1;
			p += 9;
		} else if (strncmp(p, "{domain}", 8) == 0) {
			if (add_value(out, dom) != 0)
				return -1;
			p += 8;
		} else if (buf_addc(out, *p++) != BUF_OK)
			return -1;
	}
	return 0;
}

int
serper_request_body(const char *q, const struct serper_params *p, buf_t *out)
{
	int num = p && p->num > 0 ? p->num : SERPER_NUM_DEFAULT;

	buf_reset(out);
	if (buf_adds(out, "{\"q\":") != BUF_OK || json_dump_string(q, strlen(q), out) != JSON_OK ||
	    buf_addf(out, ",\"num\":%d", num) != BUF_OK)
		return -1;
	if (p && p->tbs && (buf_adds(out, ",\"tbs\":") != BUF_OK ||
	    json_dump_string(p->tbs, strlen(p->tbs), out) != JSON_OK))
		return -1;
	if (p && p->gl && (buf_adds(out, ",\"gl\":") != BUF_OK ||
	    json_dump_string(p->gl, strlen(p->gl), out) != JSON_OK))
		return -1;
	if (p && p->hl && (buf_adds(out, ",\"hl\":") != BUF_OK ||
	    json_dump_string(p->hl, strlen(p->hl), out) != JSON_OK))
		return -1;
	return buf_addc(out, '}') == BUF_OK ? 0 : -1;
}

int
serper_url(const char *base, enum serper_endpoint ep, char *out, size_t n)
{
	int k = snprintf(out, n, "%s/%s", base, ep == SERPER_NEWS ? "news" : "search");

	return k < 0 || (size_t)k >= n ? -1 : 0;
}

int
serper_query_id(enum serper_endpoint ep, const char *q, const struct serper_params *p,
    buf_t *out)
{
	int num = p && p->num > 0 ? p->num : SERPER_NUM_DEFAULT;

	buf_reset(out);
	return buf_addf(out, "%s|%s|%s|%s|%d|%s", ep == SERPER_NEWS ? "news" : "search",
	    p && p->tbs ? p->tbs : "", p && p->gl ? p->gl : "", p && p->hl ? p->hl : "",
	    num, q) == BUF_OK ? 0 : -1;
}

const char *
serper_strerror(int code)
{
	switch (code) {
	case SERPER_OK: return "ok";
	case SERPER_ENOMEM: return "out of memory";
	case SERPER_EAUTH: return "the key was refused";
	case SERPER_ECREDITS: return "out of credits";
	case SERPER_EREQUEST: return "the request was refused";
	case SERPER_ERATE: return "rate limited";
	case SERPER_ESERVER: return "unavailable";
	case SERPER_EPARSE: return "an answer that is not Serper's";
	}
	return "error";
}

/* The body as JSON, or NULL (*nomem set when memory ran out). */
static json_t *
parse_body(const char *body, size_t len, int *nomem)
{
	json_t *v = NULL;
	char why[128];

	*nomem = 0;
	while (len > 0 && isspace((unsigned char)*body)) {
		body++;
		len--;
	}
	if (len == 0)
		return NULL;
	*nomem = json_parse(body, len, 0, &v, NULL, why, sizeof why) == JSON_ENOMEM;
	return v;
}

static int
add_str(json_t *obj, const char *key, const json_t *v)
{
	const char *s = json_str(v);

	if (s == NULL || !!str_blank(s))
		return 0;
	return json_set(obj, key, json_new_strn(s, json_strlen(v))) == JSON_OK ? 0 : -1;
}

static int
add_results(const json_t *arr, time_t fetched_at, json_t *items)
{
	size_t i;

	for (i = 0; i < json_len(arr); i++) {
		const json_t *r = json_at(arr, i);
		const char *link = json_str(json_get(r, "link"));
		const char *date = json_str(json_get(r, "date"));
		char iso[DATE_STRLEN];
		json_t *it;

		if (!json_is(r, JSON_OBJECT) || !!str_blank(link))
			continue;
		if ((it = json_new_object()) == NULL)
			return -1;
		if (add_str(it, "title", json_get(r, "title")) != 0 ||
		    add_str(it, "link", json_get(r, "link")) != 0 ||
		    add_str(it, "snippet", json_get(r, "snippet")) != 0 ||
		    add_str(it, "source", json_get(r, "source")) != 0)
			goto fail;
		if (date && date_display_to_iso(date, fetched_at, iso) == 0) {
			if (json_set_str(it, "date", iso) != JSON_OK)
				goto fail;
		} else if (json_set_null(it, "date") != JSON_OK)
			goto fail;
		if (add_str(it, "date_text", json_get(r, "date")) != 0)
			goto fail;
		if (json_push(items, it) != JSON_OK)
			return -1;
		continue;
fail:
		json_free(it);
		return -1;
	}
	return 0;
}

/* a and b the same query but for case and runs of blanks */
static int
same_query(const char *a, const char *b)
{
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	while (*a && *b) {
		if (isspace((unsigned char)*a) || isspace((unsigned char)*b)) {
			if (!isspace((unsigned char)*a) || !isspace((unsigned char)*b))
				return 0;
			while (isspace((unsigned char)*a))
				a++;
			while (isspace((unsigned char)*b))
				b++;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	return *a == '\0' && *b == '\0';
}

/*
 * The query Google searched instead of q, when the answer says it corrected
 * the spelling: a "spelling" member (a string, or an object holding one), or
 * searchParameters.q other than q. NULL when not corrected.
 */
static const char *
corrected_query(const json_t *v, const char *q)
{
	const json_t *sp = json_get(v, "spelling");
	const char *s;
	size_t i;

	if ((s = json_str(sp)) != NULL && *s)
		return s;
	for (i = 0; i < json_len(sp) && json_is(sp, JSON_OBJECT); i++)
		if ((s = json_str(json_val_at(sp, i))) != NULL && *s)
			return s;
	s = json_str(json_get(json_get(v, "searchParameters"), "q"));
	if (q && s && !same_query(q, s))
		return s;
	return NULL;
}

int
serper_parse(long status, const char *body, size_t len, const char *transport_err,
    const char *q, time_t fetched_at, json_t *items, double *credits, char *err, size_t errlen)
{
	json_t *v;
	const char *msg, *corrected;
	double c;
	int rc, nomem;
	size_t first = json_len(items), i;

	*credits = 0;
	if (status == 0) {
		str_err_msg(err, errlen, "no answer", transport_err && *transport_err ?
		    transport_err : "connection failed");
		return SERPER_ESERVER;
	}
	v = parse_body(body ? body : "", body ? len : 0, &nomem);
	if (nomem) {
		snprintf(err, errlen, "out of memory");
		return SERPER_ENOMEM;
	}
	msg = json_str(json_get(v, "message"));
	if (msg == NULL)
		msg = json_str(json_get(v, "error"));
	if (status < 200 || status >= 300) {
		char prefix[32];

		snprintf(prefix, sizeof prefix, "HTTP %ld", status);
		if (status == 401 || status == 403) {
			str_err_msg(err, errlen, prefix, msg ? msg : "Unauthorized.");
			rc = SERPER_EAUTH;
		} else if (status == 429) {
			str_err_msg(err, errlen, prefix, msg ? msg : "Too many requests");
			rc = SERPER_ERATE;
		} else if (status >= 500) {
			str_err_msg(err, errlen, prefix, msg);
			rc = SERPER_ESERVER;
		} else if ((status == 400 || status == 402) && msg && strcasestr(msg, "credits")) {
			str_err_msg(err, errlen, prefix, msg);
			rc = SERPER_ECREDITS;
		} else {
			str_err_msg(err, errlen, prefix, msg);
			rc = SERPER_EREQUEST;
		}
		json_free(v);
		return rc;
	}
	if (!json_is(v, JSON_OBJECT)) {
		snprintf(err, errlen, "HTTP %ld with a body that is not a JSON object", status);
		json_free(v);
		return SERPER_EPARSE;
	}
	if (json_get(v, "organic") == NULL && json_get(v, "news") == NULL &&
	    json_get(v, "searchParameters") == NULL) {
		str_err_msg(err, errlen, "an answer without results", msg);
		json_free(v);
		return SERPER_EPARSE;
	}
	if (add_results(json_get(v, "organic"), fetched_at, items) != 0 ||
	    add_results(json_get(v, "news"), fetched_at, items) != 0 ||
	    add_results(json_get(v, "topStories"), fetched_at, items) != 0) {
		json_free(v);
		snprintf(err, errlen, "out of memory");
		return SERPER_ENOMEM;
	}
	if ((corrected = corrected_query(v, q)) != NULL)
		for (i = first; i < json_len(items); i++)
			if (json_set_str(json_at(items, i), "corrected", corrected) != JSON_OK) {
				json_free(v);
				snprintf(err, errlen, "out of memory");
				return SERPER_ENOMEM;
			}
	*credits = json_num_double(json_get(v, "credits"), &c) == 0 && c >= 0 ? c : 1;
	json_free(v);
	return SERPER_OK;
}

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
	case SERPER_EBATCH: return "the batch was refused";
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

/* The code of a refused answer (status not 2xx), err set: msg is the service's message or NULL. */
static int
status_error(long status, const char *msg, char *err, size_t errlen)
{
	char prefix[32];

	snprintf(prefix, sizeof prefix, "HTTP %ld", status);
	if (status == 401 || status == 403) {
		str_err_msg(err, errlen, prefix, msg ? msg : "Unauthorized.");
		return SERPER_EAUTH;
	}
	if (status == 429) {
		str_err_msg(err, errlen, prefix, msg ? msg : "Too many requests");
		return SERPER_ERATE;
	}
	str_err_msg(err, errlen, prefix, msg);
	if (status >= 500)
		return SERPER_ESERVER;
	if ((status == 400 || status == 402) && msg && strcasestr(msg, "credits"))
		return SERPER_ECREDITS;
	return SERPER_EREQUEST;
}

static const char *
message_of(const json_t *v)
{
	const char *msg = json_str(json_get(v, "message"));

	return msg ? msg : json_str(json_get(v, "error"));
}

/* The results of one 2xx answer v (an object or not) for the query q: as serper_parse. */
static int
parse_answer(const json_t *v, long status, const char *q, time_t fetched_at, json_t *items,
    double *credits, char *err, size_t errlen)
{
	const char *corrected;
	size_t first = json_len(items), i;
	double c;

	if (!json_is(v, JSON_OBJECT)) {
		snprintf(err, errlen, "HTTP %ld with a body that is not a JSON object", status);
		return SERPER_EPARSE;
	}
	if (json_get(v, "organic") == NULL && json_get(v, "news") == NULL &&
	    json_get(v, "searchParameters") == NULL) {
		str_err_msg(err, errlen, "an answer without results", message_of(v));
		return SERPER_EPARSE;
	}
	if (add_results(json_get(v, "organic"), fetched_at, items) != 0 ||
	    add_results(json_get(v, "news"), fetched_at, items) != 0 ||
	    add_results(json_get(v, "topStories"), fetched_at, items) != 0)
		goto nomem;
	if ((corrected = corrected_query(v, q)) != NULL)
		for (i = first; i < json_len(items); i++)
			if (json_set_str(json_at(items, i), "corrected", corrected) != JSON_OK)
				goto nomem;
	*credits = json_num_double(json_get(v, "credits"), &c) == 0 && c >= 0 ? c : 1;
	return SERPER_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	return SERPER_ENOMEM;
}

/*
 * A final response's body as JSON into *v (NULL when it is not JSON; free it)
 * when the status is 2xx: SERPER_OK. Otherwise the code of the failure, err
 * set, *v NULL.
 */
static int
final_body(long status, const char *body, size_t len, const char *transport_err, json_t **v,
    char *err, size_t errlen)
{
	int rc, nomem;

	*v = NULL;
	if (status == 0) {
		str_err_msg(err, errlen, "no answer", transport_err && *transport_err ?
		    transport_err : "connection failed");
		return SERPER_ESERVER;
	}
	*v = parse_body(body ? body : "", body ? len : 0, &nomem);
	if (nomem) {
		snprintf(err, errlen, "out of memory");
		return SERPER_ENOMEM;
	}
	if (status >= 200 && status < 300)
		return SERPER_OK;
	rc = status_error(status, message_of(*v), err, errlen);
	json_free(*v);
	*v = NULL;
	return rc;
}

int
serper_parse(long status, const char *body, size_t len, const char *transport_err,
    const char *q, time_t fetched_at, json_t *items, double *credits, char *err, size_t errlen)
{
	json_t *v;
	int rc;

	*credits = 0;
	if ((rc = final_body(status, body, len, transport_err, &v, err, errlen)) == SERPER_OK &&
	    (rc = parse_answer(v, status, q, fetched_at, items, credits, err, errlen)) != SERPER_OK)
		*credits = 0;
	json_free(v);
	return rc;
}

/* ---- the batch endpoint (CONTRACTS §2.3) ---- */

int
serper_batch_body(const char *const *qs, const enum serper_endpoint *eps, size_t n,
    const struct serper_params *p, buf_t *out)
{
	buf_t item;
	size_t i;
	int rc = -1;

	buf_reset(out);
	buf_init(&item, 1 << 16);
	if (buf_addc(out, '[') != BUF_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (serper_request_body(qs[i], p, &item) != 0)
			goto out;
		/* The batch goes to /search: a /news query says so itself. */
		if (eps[i] == SERPER_NEWS) {
			buf_truncate(&item, buf_len(&item) - 1);   /* its closing brace */
			if (buf_adds(&item, ",\"type\":\"news\"}") != BUF_OK)
				goto out;
		}
		if ((i > 0 && buf_addc(out, ',') != BUF_OK) ||
		    buf_add(out, buf_ptr(&item), buf_len(&item)) != BUF_OK)
			goto out;
	}
	rc = buf_addc(out, ']') == BUF_OK ? 0 : -1;
out:
	buf_free(&item);
	return rc;
}

int
serper_batch_split(long status, const char *body, size_t len, const char *transport_err,
    const char *const *qs, size_t n, json_t **answers, double *credits, char *err,
    size_t errlen)
{
	json_t *v;
	const char *sq;
	size_t i, j;
	double c;
	int rc;

	*answers = NULL;
	*credits = 0;
	if ((rc = final_body(status, body, len, transport_err, &v, err, errlen)) != SERPER_OK)
		return rc == SERPER_EREQUEST ? SERPER_EBATCH : rc;
	if (v == NULL) {
		snprintf(err, errlen, "HTTP %ld with a body that is not JSON", status);
		return SERPER_EPARSE;
	}
	if (!json_is(v, JSON_ARRAY)) {
		snprintf(err, errlen, "HTTP %ld to a batch with a body that is not a JSON array", status);
		json_free(v);
		return SERPER_EBATCH;
	}
	for (i = 0; i < json_len(v); i++)
		*credits += json_num_double(json_get(json_at(v, i), "credits"), &c) == 0 && c >= 0 ?
		    c : 1;
	if (json_len(v) != n) {
		snprintf(err, errlen, "a batch answer of %zu results for %zu queries", json_len(v), n);
		json_free(v);
		return SERPER_EPARSE;
	}
	/* An answer naming another query of the batch, not its own: the order is not kept. */
	for (i = 0; i < n; i++) {
		sq = json_str(json_get(json_get(json_at(v, i), "searchParameters"), "q"));
		if (sq == NULL || same_query(sq, qs[i]))
			continue;
		for (j = 0; j < n; j++)
			if (j != i && same_query(sq, qs[j])) {
				snprintf(err, errlen, "a batch answer out of order (result %zu is query %zu's)",
				    i + 1, j + 1);
				json_free(v);
				return SERPER_EPARSE;
			}
	}
	*answers = v;
	return SERPER_OK;
}

int
serper_parse_item(const json_t *v, const char *q, time_t fetched_at, json_t *items,
    double *credits, char *err, size_t errlen)
{
	double code;
	int rc;

	*credits = 0;
	/* An item refused on its own, in the gateway's envelope. */
	if (json_num_double(json_get(v, "statusCode"), &code) == 0 && (code < 200 || code >= 300))
		return status_error((long)code, message_of(v), err, errlen);
	if ((rc = parse_answer(v, 200, q, fetched_at, items, credits, err, errlen)) != SERPER_OK)
		*credits = 0;
	return rc;
}

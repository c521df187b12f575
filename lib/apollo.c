#include "apollo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apollo_int.h"
#include "cache.h"
#include "domain.h"

/* Lowercase s into out, keeping only letters and digits (and bytes >= 0x80). */
static void
squash(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; s && *s && o + 1 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c >= 0x80)
			out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/*
 * A company name for comparison: lowercased words without punctuation and
 * without legal suffixes ("Globex, Inc." and "globex" are the same).
 */
/* "http://www.linkedin.com/in/Dana-Lopez/" -> "linkedin.com/in/dana-lopez". */
static void
linkedin_norm(const char *s, char *out, size_t n)
{
	size_t o = 0, len;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	if (strncasecmp(s, "www.", 4) == 0)
		s += 4;
	for (; *s && *s != '?' && *s != '#' && o + 1 < n; s++)
		out[o++] = (char)tolower((unsigned char)*s);
	out[o] = '\0';
	len = o;
	while (len > 0 && (out[len - 1] == '/' || isspace((unsigned char)out[len - 1])))
		out[--len] = '\0';
}

/* "Dana", "Lopez" or "Dana Lopez" -> "danalopez"; "" when there is no name. */
static void
name_norm(const char *first, const char *last, const char *full, char *out, size_t n)
{
	char a[256], b[256];

	squash(first, a, sizeof a);
	squash(last, b, sizeof b);
	if (*a && *b)
		snprintf(out, n, "%s%s", a, b);
	else
		squash(full, out, n);
}

/* ---- the request ---- */

static int
add_field(buf_t *out, const char *key, const char *val)
{
	if (val == NULL || *val == '\0')
		return 0;
	if (buf_addc(out, ',') != BUF_OK || json_dump_string(key, strlen(key), out) != JSON_OK ||
	    buf_addc(out, ':') != BUF_OK || json_dump_string(val, strlen(val), out) != JSON_OK)
		return -1;
	return 0;
}

int
apollo_request_body(const struct apollo_ask *asks, size_t n, buf_t *out)
{
	size_t i;

	if (n == 0 || n > APOLLO_BATCH_MAX)
		return APOLLO_EARG;
	if (buf_adds(out, "{\"details\":[") != BUF_OK)
		return APOLLO_ENOMEM;
	for (i = 0; i < n; i++) {
		if ((i && buf_addc(out, ',') != BUF_OK) ||
		    buf_adds(out, "{\"email\":") != BUF_OK ||
		    json_dump_string(asks[i].email, strlen(asks[i].email), out) != JSON_OK ||
		    add_field(out, "first_name", asks[i].first_name) != 0 ||
		    add_field(out, "last_name", asks[i].last_name) != 0 ||
		    add_field(out, "linkedin_url", asks[i].linkedin_url) != 0 ||
		    buf_addc(out, '}') != BUF_OK)
			return APOLLO_ENOMEM;
	}
	if (buf_adds(out, "],\"reveal_personal_emails\":false}") != BUF_OK)
		return APOLLO_ENOMEM;
	return APOLLO_OK;
}

/* ---- the person subset ---- */

static int
copy_text(json_t *dst, const json_t *src, const char *key)
{
	const json_t *v = json_get(src, key);
	const char *s;

	if (v == NULL)
		return 0;
	if (json_is(v, JSON_NULL))
		return json_set_null(dst, key);
	if ((s = text_of(v)) == NULL)
		return 0;
	return json_set_str(dst, key, s);
}

static int
copy_num(json_t *dst, const json_t *src, const char *key)
{
	const json_t *v = json_get(src, key);

	if (v == NULL)
		return 0;
	return json_set(dst, key, num_or_null(v));
}

/* An array of strings (a lone string becomes a one-element array). */
static int
copy_strings(json_t *dst, const json_t *src, const char *key)
{
	const json_t *v = json_get(src, key);
	json_t *a;
	size_t i;

	if (v == NULL || (!json_is(v, JSON_ARRAY) && !json_is(v, JSON_STRING)))
		return 0;
	if ((a = json_new_array()) == NULL)
		return -1;
	if (json_is(v, JSON_STRING)) {
		if (json_push(a, json_new_str(json_str(v))) != JSON_OK) {
			json_free(a);
			return -1;
		}
	} else
		for (i = 0; i < json_len(v); i++)
			if (json_str(json_at(v, i)) &&
			    json_push(a, json_new_str(json_str(json_at(v, i)))) != JSON_OK) {
				json_free(a);
				return -1;
			}
	return json_set(dst, key, a);
}

static json_t *
job_subset(const json_t *e)
{
	static const char *texts[] = { "title", "organization_name", "start_date", "end_date",
		NULL };
	json_t *o = json_new_object();
	size_t i;
	int b;

	if (o == NULL)
		return NULL;
	for (i = 0; texts[i]; i++)
		if (copy_text(o, e, texts[i]) != 0)
			goto fail;
	/* The organization's id only when there is one (it ties the entry to the person's organization). */
	if (nonempty(json_get(e, "organization_id")) && copy_text(o, e, "organization_id") != 0)
		goto fail;
	if ((b = bool_of(json_get(e, "current"))) >= 0 && json_set_bool(o, "current", b) != 0)
		goto fail;
	return o;
fail:
	json_free(o);
	return NULL;
}

static json_t *
org_subset(const json_t *org)
{
	static const char *texts[] = { "name", "primary_domain", "industry", NULL };
	static const char *nums[] = { "estimated_num_employees", "annual_revenue",
		"founded_year", NULL };
	json_t *o = json_new_object();
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; texts[i]; i++)
		if (copy_text(o, org, texts[i]) != 0)
			goto fail;
	/* The website stands in for a missing domain. */
	if (!nonempty(json_get(org, "primary_domain")) && copy_text(o, org, "website_url") != 0)
		goto fail;
	for (i = 0; nums[i]; i++)
		if (copy_num(o, org, nums[i]) != 0)
			goto fail;
	return o;
fail:
	json_free(o);
	return NULL;
}

json_t *
apollo_person_subset(const json_t *p)
{
	static const char *texts[] = { "id", "name", "title", "seniority", NULL };
	static const char *texts2[] = { "email_status", "linkedin_url", "organization_id", NULL };
	static const char *lists[] = { "departments", NULL };
	const json_t *h, *org;
	json_t *o, *a, *e;
	char email[DOMAIN_EMAIL_MAX];
	size_t i;

	if (!json_is(p, JSON_OBJECT) || (o = json_new_object()) == NULL)
		return NULL;
	for (i = 0; texts[i]; i++)
		if (copy_text(o, p, texts[i]) != 0)
			goto fail;
	for (i = 0; lists[i]; i++)
		if (copy_strings(o, p, lists[i]) != 0)
			goto fail;
	if (json_get(p, "email")) {
		if (domain_email_normalize(json_str(json_get(p, "email")), email, sizeof email) == 0) {
			if (json_set_str(o, "email", email) != 0)
				goto fail;
		} else if (json_set_null(o, "email") != 0)
			goto fail;
	}
	for (i = 0; texts2[i]; i++)
		if (copy_text(o, p, texts2[i]) != 0)
			goto fail;
	if (json_is(h = json_get(p, "employment_history"), JSON_ARRAY)) {
		if ((a = json_new_array()) == NULL || json_set(o, "employment_history", a) != 0)
			goto fail;
		for (i = 0; i < json_len(h); i++) {
			if (!json_is(json_at(h, i), JSON_OBJECT))
				continue;
			if ((e = job_subset(json_at(h, i))) == NULL || json_push(a, e) != 0)
				goto fail;
		}
	}
	if (json_is(org = json_get(p, "organization"), JSON_OBJECT)) {
		if ((e = org_subset(org)) == NULL || json_set(o, "organization", e) != 0)
			goto fail;
	}
	return o;
fail:
	json_free(o);
	return NULL;
}

/* ---- the answer ---- */

struct ident {
	char email[DOMAIN_EMAIL_MAX];
	char li[512];
	char name[512];
};

static void
ident_of_match(const json_t *m, struct ident *id)
{
	if (domain_email_normalize(json_str(json_get(m, "email")), id->email,
	    sizeof id->email) != 0)
		id->email[0] = '\0';
	linkedin_norm(nonempty(json_get(m, "linkedin_url")), id->li, sizeof id->li);
	name_norm(nonempty(json_get(m, "first_name")), nonempty(json_get(m, "last_name")),
	    nonempty(json_get(m, "name")), id->name, sizeof id->name);
}

static void
ident_of_ask(const struct apollo_ask *a, struct ident *id)
{
	if (domain_email_normalize(a->email, id->email, sizeof id->email) != 0)
		id->email[0] = '\0';
	linkedin_norm(a->linkedin_url, id->li, sizeof id->li);
	name_norm(a->first_name, a->last_name, NULL, id->name, sizeof id->name);
}

void
apollo_results_free(struct apollo_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_free(r[i].person);
		r[i].person = NULL;
		r[i].kind = APOLLO_UNANSWERED;
	}
}

int
apollo_parse_response(const char *body, size_t len, const struct apollo_ask *asks,
    size_t n, struct apollo_result *out, double *credits, char *err, size_t errlen)
{
	struct ident ai[APOLLO_BATCH_MAX], *mi = NULL;
	int claimed[APOLLO_BATCH_MAX], *placed = NULL;
	const json_t *matches, *m, *msg;
	json_t *root = NULL;
	size_t i, j, nm, nulls = 0, unplaced = 0, unclaimed = 0, found = 0, cand;
	char why[200];
	double d;
	int rc = APOLLO_OK, pass;

	for (i = 0; i < n; i++) {
		out[i].kind = APOLLO_UNANSWERED;
		out[i].person = NULL;
	}
	*credits = 0;
	if (n == 0 || n > APOLLO_BATCH_MAX) {
		snprintf(err, errlen, "%zu people asked for (1 to %d)", n, APOLLO_BATCH_MAX);
		return APOLLO_EARG;
	}
	if ((rc = json_parse(body, len, 0, &root, NULL, why, sizeof why)) != JSON_OK) {
		if (rc == JSON_ENOMEM) {
			snprintf(err, errlen, "out of memory");
			return APOLLO_ENOMEM;
		}
		snprintf(err, errlen, "invalid JSON in the answer: %s", why);
		return APOLLO_EPARSE;
	}
	rc = APOLLO_OK;
	if (!json_is(root, JSON_OBJECT)) {
		snprintf(err, errlen, "the answer is not a JSON object");
		rc = APOLLO_EPARSE;
		goto done;
	}
	matches = json_get(root, "matches");
	if (!json_is(matches, JSON_ARRAY)) {
		msg = json_get(root, "error_message");
		if (!nonempty(msg))
			msg = json_get(root, "error");
		if (!nonempty(msg))
			msg = json_get(root, "message");
		if (nonempty(msg))
			snprintf(err, errlen, "the answer has no matches: %.150s", nonempty(msg));
		else
			snprintf(err, errlen, "the answer has no matches array");
		rc = APOLLO_EPARSE;
		goto done;
	}
	nm = json_len(matches);
	if (nm > 0 && ((mi = calloc(nm, sizeof *mi)) == NULL ||
	    (placed = malloc(nm * sizeof *placed)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		rc = APOLLO_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		ident_of_ask(&asks[i], &ai[i]);
		claimed[i] = -1;
	}
	for (j = 0; j < nm; j++) {
		placed[j] = -1;
		if (json_is(json_at(matches, j), JSON_OBJECT))
			ident_of_match(json_at(matches, j), &mi[j]);
		else
			nulls++;
	}
	/* Pass 0: email; 1: linkedin_url; 2: full name (when it names one ask only). */
	for (pass = 0; pass < 3; pass++)
		for (j = 0; j < nm; j++) {
			const char *mk, *ak;

			if (placed[j] >= 0 || !json_is(json_at(matches, j), JSON_OBJECT))
				continue;
			mk = pass == 0 ? mi[j].email : pass == 1 ? mi[j].li : mi[j].name;
			if (*mk == '\0')
				continue;
			for (cand = n, i = 0; i < n; i++) {
				if (claimed[i] >= 0)
					continue;
				ak = pass == 0 ? ai[i].email : pass == 1 ? ai[i].li : ai[i].name;
				if (strcmp(mk, ak) != 0)
					continue;
				if (cand != n) {   /* two asks bear this name: not this way */
					cand = n + 1;
					break;
				}
				cand = i;
			}
			if (cand < n) {
				placed[j] = (int)cand;
				claimed[cand] = (int)j;
			}
		}
	/*
	 * By position, for an entry that says nothing that could place it (no
	 * email; no linkedin_url or name that contradicts the ask at its place).
	 */
	if (nm == n)
		for (j = 0; j < nm; j++) {
			if (placed[j] >= 0 || !json_is(json_at(matches, j), JSON_OBJECT) ||
			    claimed[j] >= 0 || mi[j].email[0])
				continue;
			if ((mi[j].li[0] && ai[j].li[0]) || (mi[j].name[0] && ai[j].name[0]))
				continue;
			placed[j] = (int)j;
			claimed[j] = (int)j;
		}
	for (j = 0; j < nm; j++)
		if (placed[j] < 0 && json_is(json_at(matches, j), JSON_OBJECT))
			unplaced++;
	for (i = 0; i < n; i++) {
		if (claimed[i] < 0) {
			unclaimed++;
			continue;
		}
		m = json_at(matches, (size_t)claimed[i]);
		if ((out[i].person = apollo_person_subset(m)) == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = APOLLO_ENOMEM;
			goto done;
		}
		out[i].kind = APOLLO_FOUND;
		found++;
	}
	if (unplaced == 0 && unclaimed <= nulls)
		for (i = 0; i < n; i++)
			if (claimed[i] < 0)
				out[i].kind = APOLLO_NOT_FOUND;
	if (json_num_double(json_get(root, "credits_consumed"), &d) == 0 && d >= 0)
		*credits = d;
	else
		*credits = (double)(nm - nulls);
done:
	if (rc != APOLLO_OK)
		apollo_results_free(out, n);
	free(mi);
	free(placed);
	json_free(root);
	return rc;
}

/* ---- cache values ---- */

json_t *
apollo_cache_value(const json_t *person)
{
	return cache_answer_value("person", person);
}

int
apollo_cache_read(const json_t *v, const json_t **person)
{
	return cache_answer_read(v, "person", person);
}

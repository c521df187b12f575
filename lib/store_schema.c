/* store_schema: see store_schema.h. */
#include "store_schema.h"

#include <stdint.h>
#include <string.h>

#include "account.h"
#include "db.h"
#include "str.h"

/* Facts written by this version start with this text. */
#define STORE_FACTS_VERSION 1
#define FACTS_PREFIX "{\"v\":1,"

/* ---- statuses, ranks, confidences ---- */

static const char *const status_names[] = { "failed", "partial", "enriched" };

const char *
store_status_name(store_status s)
{
	return (unsigned)s <= STORE_ENRICHED ? status_names[s] : "failed";
}

int
store_status_parse(const char *s)
{
	int i;

	for (i = 0; s && i <= STORE_ENRICHED; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

int
store_status_rank(const char *status)
{
	if (status == NULL || *status == '\0')
		return 0;
	if (strcmp(status, "enriched") == 0)
		return 3;
	if (strcmp(status, "not_found") == 0)
		return 2;
	return 1;
}

const char *
store_contact_apollo(const json_t *contact)
{
	const char *s = json_str(json_path(contact, "apollo.status"));

	if (s == NULL || *s == '\0')
		s = json_str(json_get(contact, "enrichment_status"));
	return s && *s ? s : NULL;
}

int
store_contact_rank(const json_t *contact)
{
	return store_status_rank(store_contact_apollo(contact));
}

static const struct {
	const char *source;
	double confidence;
} sources[] = {
	{ "crm_contact_role", 0.95 },
	{ "crm_deal_field", 0.85 },
	{ "apollo_seniority", 0.75 },
	{ "cross_deal_pattern", 0.70 },
	{ "llm", 0.60 },
	{ "title_inference", 0.50 },
};

double
store_source_confidence(const char *source)
{
	size_t i;

	for (i = 0; source && i < sizeof sources / sizeof sources[0]; i++)
		if (strcmp(source, sources[i].source) == 0)
			return sources[i].confidence;
	return 0;
}

int
store_contact_has_role(const json_t *contact)
{
	return !str_blank(json_str(json_get(contact, "buying_role")));
}

double
store_role_confidence(const json_t *contact)
{
	double d;

	if (!store_contact_has_role(contact))
		return -1;
	if (json_is(json_get(contact, "role_confidence"), JSON_NUMBER) &&
	    json_num_double(json_get(contact, "role_confidence"), &d) == 0)
		return d;
	return store_source_confidence(json_str(json_get(contact, "role_source")));
}

int
store_contact_has_email(const json_t *contact)
{
	return !str_blank(json_str(json_get(contact, "email")));
}

store_status
store_deal_status(const json_t *rec)
{
	const json_t *cs = json_get(rec, "contacts");
	size_t i, n = 0, a = 0;

	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);

		if (!json_is(c, JSON_OBJECT) || !store_contact_has_email(c))
			continue;
		n++;
		if (store_contact_rank(c) >= 2)
			a++;
	}
	if (n == 0 || a == 0)
		return STORE_FAILED;
	return a == n ? STORE_ENRICHED : STORE_PARTIAL;
}

int
store_deal_id(const json_t *rec, buf_t *out)
{
	const char *id = json_text(json_get(rec, "deal_id"));

	buf_reset(out);
	if (id == NULL || str_blank(id) || strchr(id, DB_KEY_SEP) != NULL)
		return -1;
	return buf_adds(out, id) == BUF_OK ? 0 : -1;
}

/* ---- facts ---- */

static int
set_str_or_null(json_t *o, const char *k, const char *s)
{
	return s && !str_blank(s) ? json_set_str(o, k, s) : json_set_null(o, k);
}

static int
set_num_or_null(json_t *o, const char *k, const json_t *v)
{
	double d;

	if (json_is(v, JSON_NUMBER))
		return json_set(o, k, json_clone(v));
	if (json_num_double(v, &d) == 0)
		return json_set_double(o, k, d);
	return json_set_null(o, k);
}

static int
set_str_if(json_t *o, const char *k, const char *s)
{
	return s && !str_blank(s) ? json_set_str(o, k, s) : 0;
}

static int
add_distinct(json_t *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_len(arr); i++)
		if (strcmp(json_str(json_at(arr, i)), s) == 0)
			return 0;
	return json_push(arr, json_new_str(s));
}

json_t *
store_facts(const json_t *rec, store_status status, const char *loaded_at)
{
	json_t *f = json_new_object(), *cs, *types, *fc;
	const json_t *acct = json_get(rec, "account"), *sig = json_get(acct, "signals");
	const json_t *items = json_get(sig, "items"), *rcs = json_get(rec, "contacts");
	const char *latest = NULL;
	buf_t key;
	size_t i;
	int rc = 0;

	if (f == NULL)
		return NULL;
	buf_init(&key, 4096);
	rc |= json_set_int(f, "v", STORE_FACTS_VERSION);
	rc |= set_str_or_null(f, "deal_id", json_text(json_get(rec, "deal_id")));
	rc |= set_str_or_null(f, "deal_name", json_str(json_get(rec, "deal_name")));
	rc |= set_str_or_null(f, "stage", json_str(json_get(rec, "stage_normalized")));
	rc |= set_str_or_null(f, "close_date", json_str(json_get(rec, "close_date")));
	rc |= set_num_or_null(f, "amount", json_get(rec, "amount"));
	rc |= set_str_or_null(f, "currency", json_str(json_get(rec, "currency")));
	rc |= json_set_str(f, "status", store_status_name(status));
	rc |= set_str_or_null(f, "loaded_at", loaded_at);
	if (account_key(rec, &key) < 0)
		rc = -1;
	rc |= set_str_or_null(f, "account_key", buf_ptr(&key));
	buf_free(&key);
	rc |= set_str_or_null(f, "account", json_str(json_get(acct, "name")));
	rc |= set_str_or_null(f, "domain", json_str(json_get(acct, "domain")));
	rc |= set_str_or_null(f, "industry", json_str(json_path(acct, "firmographics.industry")));
	rc |= set_str_or_null(f, "size_band", json_str(json_path(acct, "firmographics.size_band")));
	rc |= set_num_or_null(f, "employees", json_path(acct, "firmographics.employees"));
	rc |= set_str_or_null(f, "signals", json_str(json_get(sig, "status")));
	rc |= json_set(f, "signal_types", types = json_new_array());
	if (rc != 0)
		goto fail;
	for (i = 0; i < json_len(items); i++) {
		const char *t = json_str(json_get(json_at(items, i), "type"));

		if (t && !str_blank(t) && add_distinct(types, t) != JSON_OK)
			goto fail;
	}
	rc |= json_set_int(f, "signal_items", json_is(items, JSON_ARRAY) ? (int64_t)json_len(items) : 0);
	rc |= set_num_or_null(f, "signal_score", json_get(sig, "score"));
	rc |= json_set(f, "contacts", cs = json_new_array());
	if (rc != 0)
		goto fail;
	for (i = 0; i < json_len(rcs); i++) {
		const json_t *c = json_at(rcs, i);
		const char *at = json_str(json_get(c, "enriched_at"));
		double t;

		if (!json_is(c, JSON_OBJECT))
			continue;
		if ((fc = json_new_object()) == NULL || json_push(cs, fc) != JSON_OK)
			goto fail;
		/* Compact: what is unknown is left out (the readers take it as null). */
		rc |= json_set_bool(fc, "email", store_contact_has_email(c));
		rc |= set_str_if(fc, "apollo", store_contact_apollo(c));
		rc |= set_str_if(fc, "linkedin", json_str(json_path(c, "linkedin.status")));
		rc |= set_str_if(fc, "seniority", json_str(json_get(c, "seniority_verified")));
		rc |= set_str_if(fc, "department", json_str(json_get(c, "department_verified")));
		if (json_num_double(json_get(c, "tenure_months"), &t) == 0)
			rc |= set_num_or_null(fc, "tenure", json_get(c, "tenure_months"));
		if (store_contact_has_role(c))
			rc |= json_set_str(fc, "role", json_str(json_get(c, "buying_role")));
		if (rc != 0)
			goto fail;
		if (at && store_contact_rank(c) >= 2 && (latest == NULL || strcmp(at, latest) > 0))
			latest = at;
	}
	if (set_str_or_null(f, "enriched_at", latest) != JSON_OK)
		goto fail;
	return f;
fail:
	json_free(f);
	return NULL;
}

void
store_facts_numbers(const json_t *facts, struct store_deal_numbers *out)
{
	const json_t *cs = json_get(facts, "contacts");
	size_t i;
	int st = store_status_parse(json_str(json_get(facts, "status")));

	memset(out, 0, sizeof *out);
	out->status = st < 0 ? STORE_FAILED : (store_status)st;
	out->changed = 1;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);
		const char *r = json_str(json_get(c, "role"));

		out->contacts++;
		if (r && !str_blank(r))
			out->roles_resolved++;
		if (store_status_rank(json_str(json_get(c, "apollo"))) == 3)
			out->apollo_enriched++;
	}
	out->signals = store_status_rank(json_str(json_get(facts, "signals"))) == 3;
}

void
store_numbers(const json_t *rec, store_status st, struct store_deal_numbers *n)
{
	const json_t *cs = json_get(rec, "contacts");
	size_t i;

	memset(n, 0, sizeof *n);
	n->status = st;
	n->changed = 1;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);

		if (!json_is(c, JSON_OBJECT))
			continue;
		n->contacts++;
		if (store_contact_has_role(c))
			n->roles_resolved++;
		if (store_contact_rank(c) == 3)
			n->apollo_enriched++;
	}
	n->signals = store_status_rank(json_str(json_path(rec, "account.signals.status"))) == 3;
}

int
store_facts_current(const char *raw, size_t len)
{
	return raw != NULL && len >= sizeof FACTS_PREFIX - 1 &&
	    memcmp(raw, FACTS_PREFIX, sizeof FACTS_PREFIX - 1) == 0;
}

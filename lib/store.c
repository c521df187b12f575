#include "store.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "account.h"
#include "cache.h"
#include "hash.h"

#define VAL_CAP ((size_t)1 << 30)
/* Facts written by this version start with this text. */
#define STORE_FACTS_VERSION 1
#define FACTS_PREFIX "{\"v\":1,"

/* ---- small helpers ---- */

static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Lowercased, trimmed copy of s into out (reset first). */
static int
lower_into(buf_t *out, const char *s)
{
	const char *end;

	buf_reset(out);
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (; s < end; s++)
		if (buf_addc(out, (char)tolower((unsigned char)*s)) != BUF_OK)
			return -1;
	return 0;
}

static int
streq_ci_trim(const char *a, const char *b)
{
	const char *ae, *be;

	while (isspace((unsigned char)*a))
		a++;
	while (isspace((unsigned char)*b))
		b++;
	ae = a + strlen(a);
	be = b + strlen(b);
	while (ae > a && isspace((unsigned char)ae[-1]))
		ae--;
	while (be > b && isspace((unsigned char)be[-1]))
		be--;
	if (ae - a != be - b)
		return 0;
	for (; a < ae; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return 1;
}

/* A string value, or a number's text (IDs may come as numbers). */
static const char *
id_text(const json_t *v)
{
	if (json_is(v, JSON_STRING))
		return json_str(v);
	if (json_is(v, JSON_NUMBER))
		return json_num_text(v);
	return NULL;
}

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

static int
has_role(const json_t *contact)
{
	const char *r = json_str(json_get(contact, "buying_role"));

	return r != NULL && !blank(r);
}

double
store_role_confidence(const json_t *contact)
{
	double d;

	if (!has_role(contact))
		return -1;
	if (json_is(json_get(contact, "role_confidence"), JSON_NUMBER) &&
	    json_num_double(json_get(contact, "role_confidence"), &d) == 0)
		return d;
	return store_source_confidence(json_str(json_get(contact, "role_source")));
}

int
store_contact_has_email(const json_t *contact)
{
	return !blank(json_str(json_get(contact, "email")));
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
	const char *id = id_text(json_get(rec, "deal_id"));

	buf_reset(out);
	if (id == NULL || blank(id) || strchr(id, DB_KEY_SEP) != NULL)
		return -1;
	return buf_adds(out, id) == BUF_OK ? 0 : -1;
}

/* ---- merging ---- */

static int
is_apollo_key(const char *k)
{
	return strncmp(k, "apollo", 6) == 0 || strcmp(k, "seniority_verified") == 0 ||
	    strcmp(k, "department_verified") == 0 || strcmp(k, "tenure_months") == 0 ||
	    strcmp(k, "enrichment_status") == 0 || strcmp(k, "enriched_at") == 0;
}

static int
is_role_key(const char *k)
{
	return strcmp(k, "buying_role") == 0 || strncmp(k, "role_", 5) == 0;
}

/*
 * Makes dst's group of keys (those keyed() accepts) exactly old's: old's
 * values replace or join dst's, dst's keys old lacks are removed.
 */
static int
take_group(json_t *dst, const json_t *old, int (*keyed)(const char *))
{
	size_t i;
	const char *k;

	for (i = 0; i < json_len(dst);) {
		k = json_key_at(dst, i);
		if (keyed(k) && json_get(old, k) == NULL) {
			char *copy = strdup(k);   /* json_del frees the key k points to */

			if (copy == NULL)
				return -1;
			json_del(dst, copy);
			free(copy);
		} else
			i++;
	}
	for (i = 0; i < json_len(old); i++) {
		k = json_key_at(old, i);
		if (keyed(k) && json_set(dst, k, json_clone(json_val_at(old, i))) != JSON_OK)
			return -1;
	}
	return 0;
}

/*
 * Adds old's keys that dst lacks or holds as null (non-null values only),
 * except those skip() claims (groups merged by their own rule).
 */
static int
fill_missing_but(json_t *dst, const json_t *old, int (*skip)(const char *))
{
	size_t i;

	for (i = 0; i < json_len(old); i++) {
		const char *k = json_key_at(old, i);
		const json_t *ov = json_val_at(old, i), *dv = json_get(dst, k);

		if (skip && skip(k))
			continue;
		if (dv != NULL && !json_is(dv, JSON_NULL))
			continue;
		if (dv != NULL && json_is(ov, JSON_NULL))
			continue;
		if (json_set(dst, k, json_clone(ov)) != JSON_OK)
			return -1;
	}
	return 0;
}

static int
fill_missing(json_t *dst, const json_t *old)
{
	return fill_missing_but(dst, old, NULL);
}

static int
is_group_key(const char *k)
{
	return is_apollo_key(k) || is_role_key(k);
}

/* Returns 1 when old's role won (was kept), 0 when not, -1 on ENOMEM. */
static int
merge_contact(json_t *dst, const json_t *old)
{
	int role_kept = 0;

	if (store_contact_rank(dst) < store_contact_rank(old) &&
	    take_group(dst, old, is_apollo_key) != 0)
		return -1;
	if (store_role_confidence(dst) < store_role_confidence(old)) {
		if (take_group(dst, old, is_role_key) != 0)
			return -1;
		role_kept = 1;
	}
	if (fill_missing_but(dst, old, is_group_key) != 0)
		return -1;
	return role_kept;
}

static int
same_json(const json_t *a, const json_t *b)
{
	buf_t x, y;
	int same;

	buf_init(&x, VAL_CAP);
	buf_init(&y, VAL_CAP);
	same = json_dump(a, &x) == JSON_OK && json_dump(b, &y) == JSON_OK &&
	    buf_len(&x) == buf_len(&y) && memcmp(buf_ptr(&x), buf_ptr(&y), buf_len(&x)) == 0;
	buf_free(&x);
	buf_free(&y);
	return same;
}

/*
 * The same person on the deal: the same contact_id, else the same email
 * (case and spaces aside), else the same first and last name, else (a
 * contact with nothing to tell it by) the very same object.
 */
static int
same_contact(const json_t *a, const json_t *b)
{
	const char *ia = id_text(json_get(a, "contact_id")), *ib = id_text(json_get(b, "contact_id"));
	const char *ea = json_str(json_get(a, "email")), *eb = json_str(json_get(b, "email"));
	const char *fa = json_str(json_get(a, "first_name")), *fb = json_str(json_get(b, "first_name"));
	const char *la = json_str(json_get(a, "last_name")), *lb = json_str(json_get(b, "last_name"));

	if (!blank(ia) && !blank(ib))
		return strcmp(ia, ib) == 0;
	if (!blank(ea) && !blank(eb))
		return streq_ci_trim(ea, eb);
	if ((!blank(fa) || !blank(la)) && (!blank(fb) || !blank(lb)))
		return streq_ci_trim(fa ? fa : "", fb ? fb : "") &&
		    streq_ci_trim(la ? la : "", lb ? lb : "");
	return same_json(a, b);
}

static int
merge_account(json_t *dst, const json_t *old)
{
	const json_t *nf = json_get(dst, "firmographics"), *of = json_get(old, "firmographics");

	if (!(json_is(nf, JSON_OBJECT) && json_len(nf) > 0) &&
	    json_is(of, JSON_OBJECT) && json_len(of) > 0 &&
	    json_set(dst, "firmographics", json_clone(of)) != JSON_OK)
		return -1;
	if (json_get(old, "signals") != NULL &&
	    store_status_rank(json_str(json_path(dst, "signals.status"))) <
	    store_status_rank(json_str(json_path(old, "signals.status"))) &&
	    json_set(dst, "signals", json_clone(json_get(old, "signals"))) != JSON_OK)
		return -1;
	return fill_missing(dst, old);
}

/* Rebuilds roles_summary from the merged contacts: each role and its count, in
 * the order the roles first appear. */
static int
recount_roles(json_t *rec)
{
	json_t *sum = json_new_object();
	const json_t *cs = json_get(rec, "contacts");
	size_t i;

	if (sum == NULL)
		return -1;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);
		const char *r = json_str(json_get(c, "buying_role"));
		int64_t n = 0;

		if (!has_role(c))
			continue;
		json_num_int(json_get(sum, r), &n);
		if (json_set_int(sum, r, n + 1) != JSON_OK) {
			json_free(sum);
			return -1;
		}
	}
	return json_set(rec, "roles_summary", sum) == JSON_OK ? 0 : -1;
}

json_t *
store_merge(const json_t *old, const json_t *rec)
{
	json_t *m = json_clone(rec), *ncs, *acct;
	const json_t *ocs;
	unsigned char *used = NULL;
	size_t i, j, on;
	int roles_changed = 0, r;

	if (m == NULL || !json_is(old, JSON_OBJECT) || !json_is(m, JSON_OBJECT))
		return m;
	ocs = json_get(old, "contacts");
	ncs = json_get(m, "contacts");
	on = json_is(ocs, JSON_ARRAY) ? json_len(ocs) : 0;
	if (on > 0 && (used = calloc(on, 1)) == NULL)
		goto fail;
	if (json_is(ncs, JSON_ARRAY)) {
		for (i = 0; i < json_len(ncs); i++) {
			json_t *c = json_at(ncs, i);

			if (!json_is(c, JSON_OBJECT))
				continue;
			for (j = 0; j < on; j++)
				if (!used[j] && json_is(json_at(ocs, j), JSON_OBJECT) &&
				    same_contact(c, json_at(ocs, j)))
					break;
			if (j == on)
				continue;
			used[j] = 1;
			if ((r = merge_contact(c, json_at(ocs, j))) < 0)
				goto fail;
			roles_changed |= r;
		}
		/* Contacts only the stored record has stay on the deal. */
		for (j = 0; j < on; j++) {
			if (used[j])
				continue;
			if (has_role(json_at(ocs, j)))
				roles_changed = 1;
			if (json_push(ncs, json_clone(json_at(ocs, j))) != JSON_OK)
				goto fail;
		}
	}
	acct = json_get(m, "account");
	if (json_is(acct, JSON_OBJECT) && json_is(json_get(old, "account"), JSON_OBJECT) &&
	    merge_account(acct, json_get(old, "account")) != 0)
		goto fail;
	if (fill_missing(m, old) != 0)
		goto fail;
	/* roles_summary counts the merged roles when they are not all the new record's. */
	if (json_get(m, "roles_summary") && (roles_changed || json_get(rec, "roles_summary") == NULL) &&
	    recount_roles(m) != 0)
		goto fail;
	free(used);
	return m;
fail:
	free(used);
	json_free(m);
	return NULL;
}

/* ---- facts ---- */

static int
set_str_or_null(json_t *o, const char *k, const char *s)
{
	return s && !blank(s) ? json_set_str(o, k, s) : json_set_null(o, k);
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
	return s && !blank(s) ? json_set_str(o, k, s) : 0;
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
	rc |= set_str_or_null(f, "deal_id", id_text(json_get(rec, "deal_id")));
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

		if (t && !blank(t) && add_distinct(types, t) != JSON_OK)
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
		rc |= set_str_if(fc, "seniority", json_str(json_get(c, "seniority_verified")));
		rc |= set_str_if(fc, "department", json_str(json_get(c, "department_verified")));
		if (json_num_double(json_get(c, "tenure_months"), &t) == 0)
			rc |= set_num_or_null(fc, "tenure", json_get(c, "tenure_months"));
		if (has_role(c))
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
		if (r && !blank(r))
			out->roles_resolved++;
		if (store_status_rank(json_str(json_get(c, "apollo"))) == 3)
			out->apollo_enriched++;
	}
	out->signals = store_status_rank(json_str(json_get(facts, "signals"))) == 3;
}

/* ---- the role index ---- */

/* The role-index entries of a record: calls fn(key, value-or-NULL) for each. */
typedef int (*index_fn)(const buf_t *key, const json_t *rec, const json_t *contact, void *ctx);

static int
each_index_key(const char *ws, const char *deal_id, const json_t *rec, index_fn fn, void *ctx)
{
	const json_t *cs = json_get(rec, "contacts");
	buf_t acct, email, key;
	size_t i;
	int rc = 0;

	buf_init(&acct, 4096);
	buf_init(&email, 4096);
	buf_init(&key, 4096);
	if ((rc = account_key(rec, &acct)) != 0) {
		rc = rc > 0 ? 0 : -1;   /* no account: no index entry */
		goto out;
	}
	for (i = 0; i < json_len(cs) && rc == 0; i++) {
		const json_t *c = json_at(cs, i);
		const char *src = json_str(json_get(c, "role_source"));

		if (!json_is(c, JSON_OBJECT) || !has_role(c) || !store_contact_has_email(c))
			continue;
		if (src && strcmp(src, "cross_deal_pattern") == 0)
			continue;
		if (lower_into(&email, json_str(json_get(c, "email"))) != 0 ||
		    db_key(&key, ws, "role", buf_ptr(&acct), buf_ptr(&email), deal_id,
		    (char *)NULL) != DB_OK) {
			rc = -1;
			break;
		}
		rc = fn(&key, rec, c, ctx);
	}
out:
	buf_free(&acct);
	buf_free(&email);
	buf_free(&key);
	return rc;
}

static int
index_value(const json_t *rec, const json_t *c, buf_t *out)
{
	json_t *v = json_new_object();
	double conf = store_role_confidence(c);
	const char *src = json_str(json_get(c, "role_source"));
	const char *cd = json_str(json_get(rec, "close_date"));
	int rc;

	buf_reset(out);
	if (v == NULL)
		return -1;
	rc = json_set_str(v, "buying_role", json_str(json_get(c, "buying_role")));
	rc |= json_set_double(v, "role_confidence", conf);
	rc |= src ? json_set_str(v, "role_source", src) : json_set_null(v, "role_source");
	rc |= cd ? json_set_str(v, "close_date", cd) : json_set_null(v, "close_date");
	if (rc == 0)
		rc = json_dump(v, out);
	json_free(v);
	return rc == 0 ? 0 : -1;
}

/* ---- the loader ---- */

struct keylist {
	char **k;
	size_t *len;
	size_t n, alloc;
};

static int
keylist_add(struct keylist *l, const char *k, size_t n)
{
	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 16;
		char **nk = realloc(l->k, alloc * sizeof *nk);

		if (nk == NULL)
			return -1;
		l->k = nk;
		{
			size_t *nl = realloc(l->len, alloc * sizeof *nl);

			if (nl == NULL)
				return -1;
			l->len = nl;
		}
		l->alloc = alloc;
	}
	if ((l->k[l->n] = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(l->k[l->n], k, n);
	l->len[l->n++] = n;
	return 0;
}

static void
keylist_free(struct keylist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->k[i]);
	free(l->k);
	free(l->len);
}

/* A write a deal's load makes: a put, or a delete when val is NULL. */
struct op {
	db_table t;
	char *key, *val;
	size_t klen, vlen;
};

struct oplist {
	struct op *v;
	size_t n, alloc;
};

static int
op_add(struct oplist *o, db_table t, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	struct op *op;

	if (o->n == o->alloc) {
		size_t alloc = o->alloc ? o->alloc * 2 : 16;
		struct op *nv = realloc(o->v, alloc * sizeof *nv);

		if (nv == NULL)
			return -1;
		o->v = nv;
		o->alloc = alloc;
	}
	op = &o->v[o->n];
	op->t = t;
	op->klen = klen;
	op->vlen = vlen;
	op->val = NULL;
	if ((op->key = malloc(klen ? klen : 1)) == NULL)
		return -1;
	memcpy(op->key, key, klen);
	if (val != NULL) {
		if ((op->val = malloc(vlen ? vlen : 1)) == NULL) {
			free(op->key);
			return -1;
		}
		memcpy(op->val, val, vlen);
	}
	o->n++;
	return 0;
}

/* Drops the ops from n on. */
static void
op_truncate(struct oplist *o, size_t n)
{
	while (o->n > n) {
		o->n--;
		free(o->v[o->n].key);
		free(o->v[o->n].val);
	}
}

static void
op_free(struct oplist *o)
{
	op_truncate(o, 0);
	free(o->v);
	o->v = NULL;
	o->alloc = 0;
}

/*
 * A deal waiting for the batch's commit: what the stored value was when its
 * merge was made (old NULL: absent), and the record to merge again if another
 * process changed the deal in between.
 */
struct pending {
	char *ws, *old;
	size_t oldlen;
	json_t *rec;
	time_t now;
	size_t op0, op1;      /* its ops in the loader's list */
};

struct store_loader {
	db_t *db;
	size_t batch_deals, pending;
	struct pending *p;
	struct oplist ops;
	int broken;
	buf_t b_id, b_key, b_fkey, b_val, b_old, b_facts, b_ix;   /* reused by every load */
};

store_loader_t *
store_loader_new(db_t *db, size_t batch_deals)
{
	store_loader_t *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->db = db;
	l->batch_deals = batch_deals ? batch_deals : 256;
	if ((l->p = calloc(l->batch_deals, sizeof *l->p)) == NULL) {
		free(l);
		return NULL;
	}
	buf_init(&l->b_id, 4096);
	buf_init(&l->b_key, 4096);
	buf_init(&l->b_fkey, 4096);
	buf_init(&l->b_val, VAL_CAP);
	buf_init(&l->b_old, VAL_CAP);
	buf_init(&l->b_facts, VAL_CAP);
	buf_init(&l->b_ix, 65536);
	return l;
}

static void
pending_clear(store_loader_t *l)
{
	size_t i;

	for (i = 0; i < l->pending; i++) {
		free(l->p[i].ws);
		free(l->p[i].old);
		json_free(l->p[i].rec);
	}
	l->pending = 0;
	op_truncate(&l->ops, 0);
}

void
store_loader_free(store_loader_t *l)
{
	if (l == NULL)
		return;
	pending_clear(l);
	free(l->p);
	op_free(&l->ops);
	buf_free(&l->b_id);
	buf_free(&l->b_key);
	buf_free(&l->b_fkey);
	buf_free(&l->b_val);
	buf_free(&l->b_old);
	buf_free(&l->b_facts);
	buf_free(&l->b_ix);
	free(l);
}

struct index_ctx {
	struct oplist *ops;
	struct keylist *keys;    /* collects keys (old record) */
	buf_t *val;
	int put;                 /* 1: put entries; 0: collect keys */
};

static int
index_cb(const buf_t *key, const json_t *rec, const json_t *c, void *vctx)
{
	struct index_ctx *x = vctx;

	if (!x->put)
		return keylist_add(x->keys, buf_ptr(key), buf_len(key));
	if (index_value(rec, c, x->val) != 0)
		return -1;
	/* A key the new record still has is not stale. */
	{
		size_t i;

		for (i = 0; i < x->keys->n; i++)
			if (x->keys->len[i] == buf_len(key) &&
			    memcmp(x->keys->k[i], buf_ptr(key), buf_len(key)) == 0) {
				free(x->keys->k[i]);
				x->keys->k[i] = x->keys->k[x->keys->n - 1];
				x->keys->len[i] = x->keys->len[x->keys->n - 1];
				x->keys->n--;
				break;
			}
	}
	return op_add(x->ops, DB_INDEX, buf_ptr(key), buf_len(key), buf_ptr(x->val),
	    buf_len(x->val));
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
		if (has_role(c))
			n->roles_resolved++;
		if (store_contact_rank(c) == 3)
			n->apollo_enriched++;
	}
	n->signals = store_status_rank(json_str(json_path(rec, "account.signals.status"))) == 3;
}

static int
facts_are_current(const char *raw, size_t len)
{
	return raw != NULL && len >= sizeof FACTS_PREFIX - 1 &&
	    memcmp(raw, FACTS_PREFIX, sizeof FACTS_PREFIX - 1) == 0;
}

/* The deal's keys into l->b_id, b_key, b_fkey: DB_OK, DB_EKEY or DB_ENOMEM. */
static int
deal_keys(store_loader_t *l, const char *ws, const json_t *rec)
{
	buf_reset(&l->b_id);
	if (store_deal_id(rec, &l->b_id) != 0)
		return DB_EKEY;
	if (db_key(&l->b_key, ws, buf_ptr(&l->b_id), (char *)NULL) != DB_OK ||
	    db_key(&l->b_fkey, ws, "facts", buf_ptr(&l->b_id), (char *)NULL) != DB_OK)
		return DB_ENOMEM;
	return DB_OK;
}

/*
 * The writes that merge rec over the stored value raw (NULL: none) of the
 * deal whose keys deal_keys() made, appended to ops. facts_cur: the stored
 * facts are this version's. Returns DB_OK or DB_ENOMEM (ops then holds a part).
 */
static int
deal_ops(store_loader_t *l, const char *ws, const json_t *rec, const char *raw,
    size_t rawlen, int facts_cur, time_t now, struct oplist *ops,
    struct store_deal_numbers *nums)
{
	buf_t *id = &l->b_id, *key = &l->b_key, *fkey = &l->b_fkey, *val = &l->b_val;
	buf_t *old = &l->b_old, *fv = &l->b_facts;
	char when[32], why[128];
	size_t head, i;
	json_t *oldval = NULL, *mine = NULL, *facts = NULL;
	const json_t *oldrec = NULL, *merged;
	struct keylist oldkeys = { 0 };
	struct index_ctx ix = { ops, &oldkeys, &l->b_ix, 0 };
	store_status st;
	int rc = DB_ENOMEM;

	buf_reset(val);
	buf_reset(old);
	buf_reset(fv);
	if (raw != NULL && json_parse(raw, rawlen, 0, &oldval, NULL, why, sizeof why) == JSON_OK)
		oldrec = json_get(oldval, "record");
	/* Nothing stored: the record itself is the merge. */
	if (oldrec == NULL)
		merged = rec;
	else if ((merged = mine = store_merge(oldrec, rec)) == NULL)
		goto out;
	st = store_deal_status(merged);
	if (nums)
		store_numbers(merged, st, nums);
	cache_time_format(now, when, sizeof when);
	if (buf_addf(val, "{\"status\":\"%s\",\"loaded_at\":\"%s\",\"record\":",
	    store_status_name(st), when) != BUF_OK)
		goto out;
	head = buf_len(val);
	if (json_dump(merged, val) != JSON_OK || buf_addc(val, '}') != BUF_OK)
		goto out;
	if (oldrec != NULL) {
		if (json_dump(oldrec, old) != JSON_OK)
			goto out;
		if (buf_len(old) == buf_len(val) - head - 1 &&
		    memcmp(buf_ptr(old), buf_ptr(val) + head, buf_len(old)) == 0 &&
		    store_status_parse(json_str(json_get(oldval, "status"))) == (int)st) {
			/* Nothing new: the store stays byte for byte as it was, unless its
			 * facts are missing or from another version. */
			if (nums)
				nums->changed = 0;
			if (!facts_cur && ((facts = store_facts(merged, st,
			    json_str(json_get(oldval, "loaded_at")))) == NULL ||
			    json_dump(facts, fv) != JSON_OK ||
			    op_add(ops, DB_INDEX, buf_ptr(fkey), buf_len(fkey), buf_ptr(fv),
			    buf_len(fv)) != 0))
				goto out;
			rc = DB_OK;
			goto out;
		}
	}
	if ((facts = store_facts(merged, st, when)) == NULL || json_dump(facts, fv) != JSON_OK)
		goto out;
	/* The old record's index keys; those the new one lacks are deleted. */
	if (oldrec && each_index_key(ws, buf_ptr(id), oldrec, index_cb, &ix) != 0)
		goto out;
	ix.put = 1;
	if (op_add(ops, DB_DEALS, buf_ptr(key), buf_len(key), buf_ptr(val), buf_len(val)) != 0 ||
	    op_add(ops, DB_INDEX, buf_ptr(fkey), buf_len(fkey), buf_ptr(fv), buf_len(fv)) != 0 ||
	    each_index_key(ws, buf_ptr(id), merged, index_cb, &ix) != 0)
		goto out;
	for (i = 0; i < oldkeys.n; i++)
		if (op_add(ops, DB_INDEX, oldkeys.k[i], oldkeys.len[i], NULL, 0) != 0)
			goto out;
	rc = DB_OK;
out:
	json_free(oldval);
	json_free(mine);
	json_free(facts);
	keylist_free(&oldkeys);
	return rc;
}

static int
apply_ops(db_txn_t *txn, const struct oplist *o, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct op *op = &o->v[i];
		int rc = op->val ? db_txn_put(txn, op->t, op->key, op->klen, op->val, op->vlen) :
		    db_txn_del(txn, op->t, op->key, op->klen);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The batch's commit. A deal whose stored value is still the one its merge
 * was made over gets the writes prepared; one that another process changed
 * since is merged again here, inside the write transaction, so that no
 * concurrent load's contacts are lost (two loaders of one deal serialize on
 * LMDB's single writer).
 */
static int
commit_fn(db_txn_t *txn, void *vctx)
{
	store_loader_t *l = vctx;
	struct oplist again = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < l->pending && rc == 0; i++) {
		const struct pending *p = &l->p[i];
		const char *cur = NULL, *fcur = NULL;
		size_t curlen = 0, fcurlen = 0;
		int got, fc;

		if ((rc = deal_keys(l, p->ws, p->rec)) != DB_OK)
			break;
		got = db_txn_get(txn, DB_DEALS, buf_ptr(&l->b_key), buf_len(&l->b_key), &cur, &curlen);
		if (got < 0) {
			rc = got;
			break;
		}
		if (got == DB_NOTFOUND ? p->old == NULL :
		    p->old != NULL && curlen == p->oldlen && memcmp(cur, p->old, curlen) == 0) {
			rc = apply_ops(txn, &l->ops, p->op0, p->op1);
			continue;
		}
		if ((fc = db_txn_get(txn, DB_INDEX, buf_ptr(&l->b_fkey), buf_len(&l->b_fkey), &fcur,
		    &fcurlen)) < 0) {
			rc = fc;
			break;
		}
		fc = fc == DB_OK && facts_are_current(fcur, fcurlen);
		op_truncate(&again, 0);
		if ((rc = deal_ops(l, p->ws, p->rec, got == DB_OK ? cur : NULL, curlen, fc, p->now,
		    &again, NULL)) == DB_OK)
			rc = apply_ops(txn, &again, 0, again.n);
	}
	op_free(&again);
	return rc;
}

int
store_loader_flush(store_loader_t *l, char *err, size_t errlen)
{
	int rc;

	if (l->broken) {
		snprintf(err, errlen, "an earlier write failed; nothing more is written");
		return DB_EIO;
	}
	if (l->pending == 0)
		return DB_OK;
	if ((rc = db_write(l->db, commit_fn, l, err, errlen)) != DB_OK) {
		if (rc == DB_ENOMEM || rc == DB_EKEY)
			snprintf(err, errlen, "out of memory");
		l->broken = 1;
		return rc == DB_EKEY ? DB_ENOMEM : rc;
	}
	pending_clear(l);
	return DB_OK;
}

int
store_load(store_loader_t *l, const char *ws, const json_t *rec, time_t now,
    struct store_deal_numbers *nums, char *err, size_t errlen)
{
	char *raw = NULL, *fraw = NULL;
	size_t rawlen = 0, fraw_len = 0, op0 = l->ops.n, i;
	struct pending *p;
	int rc, fc;

	if (l->broken) {
		snprintf(err, errlen, "an earlier write failed; nothing more is written");
		return DB_EIO;
	}
	if ((rc = deal_keys(l, ws, rec)) != DB_OK) {
		snprintf(err, errlen, rc == DB_EKEY ? "no deal_id" : "out of memory");
		return rc;
	}
	/* The same deal twice in one batch: commit the first before reading it,
	 * so that the numbers reported are the merge's. */
	for (i = 0; i < l->pending; i++)
		if (strcmp(l->p[i].ws, ws) == 0 && store_deal_id(l->p[i].rec, &l->b_old) == 0 &&
		    strcmp(buf_ptr(&l->b_old), buf_ptr(&l->b_id)) == 0)
			break;
	if (i < l->pending) {
		if ((rc = store_loader_flush(l, err, errlen)) != DB_OK)
			return rc;
		op0 = 0;
		if ((rc = deal_keys(l, ws, rec)) != DB_OK)
			goto nomem;
	}
	rc = db_get(l->db, DB_DEALS, buf_ptr(&l->b_key), buf_len(&l->b_key), &raw, &rawlen, err,
	    errlen);
	if (rc < 0)
		goto out;
	if (rc == DB_NOTFOUND) {
		free(raw);
		raw = NULL;
	}
	if ((fc = db_get(l->db, DB_INDEX, buf_ptr(&l->b_fkey), buf_len(&l->b_fkey), &fraw,
	    &fraw_len, err, errlen)) < 0) {
		rc = fc;
		goto out;
	}
	fc = fc == DB_OK && facts_are_current(fraw, fraw_len);
	if (deal_ops(l, ws, rec, raw, rawlen, fc, now, &l->ops, nums) != DB_OK)
		goto nomem;
	rc = DB_OK;
	if (l->ops.n == op0)
		goto out;   /* the store holds exactly this */
	p = &l->p[l->pending];
	memset(p, 0, sizeof *p);
	if ((p->ws = strdup(ws)) == NULL || (p->rec = json_clone(rec)) == NULL) {
		free(p->ws);
		goto nomem;
	}
	p->old = raw;
	p->oldlen = rawlen;
	raw = NULL;
	p->now = now;
	p->op0 = op0;
	p->op1 = l->ops.n;
	if (++l->pending >= l->batch_deals)
		rc = store_loader_flush(l, err, errlen);
	goto out;
nomem:
	op_truncate(&l->ops, op0);
	snprintf(err, errlen, "out of memory");
	rc = DB_ENOMEM;
out:
	free(raw);
	free(fraw);
	return rc;
}

int
store_set_last_run(db_t *db, const char *ws, time_t t, char *err, size_t errlen)
{
	char when[32];
	buf_t key;
	int rc;

	buf_init(&key, 4096);
	cache_time_format(t, when, sizeof when);
	if (db_key(&key, ws, "deals-load", "last_run", (char *)NULL) != DB_OK) {
		buf_free(&key);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_put(db, DB_META, buf_ptr(&key), buf_len(&key), when, strlen(when), err, errlen);
	buf_free(&key);
	return rc;
}

int
store_get_last_run(db_t *db, const char *ws, char *out, size_t n, char *err, size_t errlen)
{
	buf_t key;
	char *raw = NULL;
	size_t len;
	int rc;

	buf_init(&key, 4096);
	if (n)
		*out = '\0';
	if (db_key(&key, ws, "deals-load", "last_run", (char *)NULL) != DB_OK) {
		buf_free(&key);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_META, buf_ptr(&key), buf_len(&key), &raw, &len, err, errlen);
	buf_free(&key);
	if (rc == DB_OK)
		snprintf(out, n, "%s", raw);
	free(raw);
	return rc;
}

/* ---- reading ---- */

int
store_is_enriched(db_t *db, const char *ws, const char *deal_id, char *err, size_t errlen)
{
	buf_t key;
	char *val = NULL, why[128];
	size_t vlen;
	json_t *v;
	int rc, res = 0;

	buf_init(&key, 4096);
	if (db_key(&key, ws, deal_id, (char *)NULL) != DB_OK) {
		buf_free(&key);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = db_get(db, DB_DEALS, buf_ptr(&key), buf_len(&key), &val, &vlen, err, errlen);
	buf_free(&key);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -1;
	if (json_parse(val, vlen, 0, &v, NULL, why, sizeof why) == JSON_OK) {
		const char *st = json_str(json_get(v, "status"));
		res = st && strcmp(st, "enriched") == 0;
		json_free(v);
	}
	free(val);
	return res;
}

int
store_get(db_t *db, const char *ws, const char *deal_id, json_t **val, char *err,
    size_t errlen)
{
	buf_t key;
	char *raw = NULL, why[128];
	size_t len;
	int rc;

	*val = NULL;
	buf_init(&key, 4096);
	if (db_key(&key, ws, deal_id, (char *)NULL) != DB_OK) {
		buf_free(&key);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_get(db, DB_DEALS, buf_ptr(&key), buf_len(&key), &raw, &len, err, errlen);
	buf_free(&key);
	if (rc != DB_OK)
		return rc;
	rc = json_parse(raw, len, 0, val, NULL, why, sizeof why);
	free(raw);
	if (rc == JSON_ENOMEM) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	if (rc != JSON_OK) {
		snprintf(err, errlen, "deal %s: stored value does not parse: %s", deal_id, why);
		return DB_EIO;
	}
	return DB_OK;
}

struct facts_scan {
	store_facts_fn fn;
	void *ctx;
	size_t bad;
	int nomem, stopped;
};

static int
facts_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct facts_scan *s = vctx;
	json_t *f = NULL;
	char why[64];
	int rc;

	(void)key;
	(void)klen;
	rc = json_parse(val, vlen, 0, &f, NULL, why, sizeof why);
	if (rc == JSON_ENOMEM) {
		s->nomem = 1;
		return 1;
	}
	if (rc != JSON_OK || !json_is(f, JSON_OBJECT)) {
		json_free(f);
		s->bad++;
		return 0;
	}
	rc = s->fn(f, s->ctx);
	json_free(f);
	if (rc != 0)
		s->stopped = rc;
	return rc;
}

int
store_scan_facts(db_t *db, const char *ws, store_facts_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen)
{
	struct facts_scan s = { fn, ctx, 0, 0, 0 };
	buf_t prefix;
	int rc;

	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "facts", "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), facts_cb, &s, err, errlen);
	buf_free(&prefix);
	if (bad)
		*bad = s.bad;
	if (rc == DB_OK && s.nomem) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	if (rc == DB_OK && s.stopped < 0)
		return s.stopped;
	return rc;
}

struct role_scan {
	store_role_fn fn;
	void *ctx;
	size_t plen;
	int nomem;
};

static int
role_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct role_scan *s = vctx;
	const char *rest = key + s->plen, *end = key + klen, *sep;
	char *email, *deal;
	json_t *v = NULL;
	char why[64];
	int rc;

	if ((sep = memchr(rest, DB_KEY_SEP, (size_t)(end - rest))) == NULL)
		return 0;
	email = strndup(rest, (size_t)(sep - rest));
	deal = strndup(sep + 1, (size_t)(end - sep - 1));
	if (email == NULL || deal == NULL ||
	    json_parse(val, vlen, 0, &v, NULL, why, sizeof why) == JSON_ENOMEM) {
		free(email);
		free(deal);
		s->nomem = 1;
		return 1;
	}
	rc = v ? s->fn(email, deal, v, s->ctx) : 0;
	json_free(v);
	free(email);
	free(deal);
	return rc;
}

int
store_scan_roles(db_t *db, const char *ws, const char *account, store_role_fn fn,
    void *ctx, char *err, size_t errlen)
{
	struct role_scan s = { fn, ctx, 0, 0 };
	buf_t prefix;
	int rc;

	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "role", account, "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	s.plen = buf_len(&prefix);
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), role_cb, &s, err, errlen);
	buf_free(&prefix);
	if (rc == DB_OK && s.nomem) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	return rc;
}

/* ---- counting ---- */

struct deal_slot {
	uint64_t h;              /* 0: empty */
	struct store_deal_numbers n;
};

struct store_counter {
	struct deal_slot *deals;
	size_t ndeals, dcap;
	uint64_t *accts;
	size_t naccts, acap;
	struct store_stats sum;
};

store_counter_t *
store_counter_new(void)
{
	return calloc(1, sizeof(store_counter_t));
}

void
store_counter_free(store_counter_t *c)
{
	if (c == NULL)
		return;
	free(c->deals);
	free(c->accts);
	free(c);
}

/* A table key: 0 marks an empty slot. */
static uint64_t
slot_hash(const char *s)
{
	uint64_t h = hash_str(s);

	return h ? h : 1;
}

static int
acct_grow(store_counter_t *c)
{
	size_t cap = c->acap ? c->acap * 2 : 64, i, j;
	uint64_t *t = calloc(cap, sizeof *t);

	if (t == NULL)
		return -1;
	for (i = 0; i < c->acap; i++)
		if (c->accts[i]) {
			for (j = c->accts[i] & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
				;
			t[j] = c->accts[i];
		}
	free(c->accts);
	c->accts = t;
	c->acap = cap;
	return 0;
}

static int
deal_grow(store_counter_t *c)
{
	size_t cap = c->dcap ? c->dcap * 2 : 64, i, j;
	struct deal_slot *t = calloc(cap, sizeof *t);

	if (t == NULL)
		return -1;
	for (i = 0; i < c->dcap; i++)
		if (c->deals[i].h) {
			for (j = c->deals[i].h & (cap - 1); t[j].h; j = (j + 1) & (cap - 1))
				;
			t[j] = c->deals[i];
		}
	free(c->deals);
	c->deals = t;
	c->dcap = cap;
	return 0;
}

static void
sum_numbers(struct store_stats *s, const struct store_deal_numbers *n, int sign)
{
	s->deals += sign;
	if (n->status == STORE_ENRICHED)
		s->enriched_deals += sign;
	else if (n->status == STORE_PARTIAL)
		s->partial_deals += sign;
	else
		s->failed_deals += sign;
	s->contacts += sign * n->contacts;
	s->roles_resolved += sign * n->roles_resolved;
	s->apollo_enriched += sign * n->apollo_enriched;
}

int
store_counter_add(store_counter_t *c, const char *deal_id, const char *account,
    const struct store_deal_numbers *n)
{
	uint64_t h;
	size_t j;

	if ((c->ndeals + 1) * 2 > c->dcap && deal_grow(c) != 0)
		return -1;
	h = slot_hash(deal_id);
	for (j = h & (c->dcap - 1); c->deals[j].h && c->deals[j].h != h; j = (j + 1) & (c->dcap - 1))
		;
	if (c->deals[j].h == h)
		sum_numbers(&c->sum, &c->deals[j].n, -1);
	else
		c->ndeals++;
	c->deals[j].h = h;
	c->deals[j].n = *n;
	sum_numbers(&c->sum, n, 1);
	if (account && *account && n->signals) {
		if ((c->naccts + 1) * 2 > c->acap && acct_grow(c) != 0)
			return -1;
		h = slot_hash(account);
		for (j = h & (c->acap - 1); c->accts[j] && c->accts[j] != h;
		    j = (j + 1) & (c->acap - 1))
			;
		if (c->accts[j] == 0) {
			c->accts[j] = h;
			c->naccts++;
			c->sum.accounts_with_signals++;
		}
	}
	return 0;
}

void
store_counter_get(const store_counter_t *c, struct store_stats *out)
{
	*out = c->sum;
}

struct stats_ctx {
	store_counter_t *c;
	int nomem;
};

static int
stats_cb(const struct store_fdeal *d, void *vctx)
{
	struct stats_ctx *x = vctx;
	struct store_deal_numbers n;

	if (d->deal_id == NULL || d->stage == NULL ||
	    (strcmp(d->stage, "closed_won") != 0 && strcmp(d->stage, "closed_lost") != 0))
		return 0;
	store_fdeal_numbers(d, &n);
	if (store_counter_add(x->c, d->deal_id, d->account_key, &n) != 0) {
		x->nomem = 1;
		return 1;
	}
	return 0;
}

int
store_stats(db_t *db, const char *ws, struct store_stats *out, char *err, size_t errlen)
{
	struct stats_ctx x = { store_counter_new(), 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if (x.c == NULL) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = store_scan_fdeals(db, ws, stats_cb, &x, NULL, err, errlen);
	if (rc == DB_OK && x.nomem) {
		snprintf(err, errlen, "out of memory");
		rc = DB_ENOMEM;
	}
	if (rc == DB_OK)
		store_counter_get(x.c, out);
	store_counter_free(x.c);
	return rc;
}

/* ---- reading facts without a tree ---- */

enum { FK_NONE = -1, FK_DEAL_ID, FK_STAGE, FK_CLOSE, FK_STATUS, FK_ACCOUNT_KEY, FK_INDUSTRY,
	FK_SIZE, FK_SIGNALS, FK_ENRICHED_AT, FK_TYPES, FK_CONTACTS, FK_AMOUNT, FK_N };
struct fkey {
	const char *k;
	size_t n;
};
#define FKEY(s) { s, sizeof s - 1 }
static const struct fkey fkeys[] = { FKEY("deal_id"), FKEY("stage"), FKEY("close_date"),
	FKEY("status"), FKEY("account_key"), FKEY("industry"), FKEY("size_band"), FKEY("signals"),
	FKEY("enriched_at"), FKEY("signal_types"), FKEY("contacts"), FKEY("amount") };
enum { CK_NONE = -1, CK_APOLLO, CK_SENIORITY, CK_DEPARTMENT, CK_ROLE, CK_TENURE, CK_EMAIL };
static const struct fkey ckeys[] = { FKEY("apollo"), FKEY("seniority"), FKEY("department"),
	FKEY("role"), FKEY("tenure"), FKEY("email") };

#define NOOFF ((size_t)-1)

struct fcontact_off {
	size_t s[4];          /* apollo, seniority, department, role */
	double tenure;
	int has_tenure, email;
};

struct store_freader {
	buf_t arena;
	size_t top[FK_ENRICHED_AT + 1];
	size_t *types, ntypes, atypes;
	const char **tptr;
	size_t atptr;
	struct fcontact_off *c;
	size_t nc, ac;
	struct store_fcontact *cptr;
	size_t acptr;
	double amount;
	int has_amount;
	int depth, key, ckey, nomem;
};

static int
key_id(const struct fkey *keys, size_t n, const unsigned char *k, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i].n == len && memcmp(keys[i].k, k, len) == 0)
			return (int)i;
	return -1;
}

/* Copies s into the arena; its offset, or NOOFF when memory ran out. */
static size_t
arena_str(store_freader_t *r, const unsigned char *s, size_t len)
{
	size_t off = buf_len(&r->arena);

	if (buf_add(&r->arena, s, len) != BUF_OK || buf_addc(&r->arena, '\0') != BUF_OK) {
		r->nomem = 1;
		return NOOFF;
	}
	return off;
}

static int
grow(void **p, size_t *alloc, size_t need, size_t size)
{
	void *n;
	size_t a;

	if (need <= *alloc)
		return 0;
	a = *alloc ? *alloc * 2 : 16;
	while (a < need)
		a *= 2;
	if ((n = realloc(*p, a * size)) == NULL)
		return -1;
	*p = n;
	*alloc = a;
	return 0;
}

static int
fr_string(void *ctx, const unsigned char *s, size_t len)
{
	store_freader_t *r = ctx;
	size_t off;

	if (r->depth == 1 && r->key >= 0 && r->key <= FK_ENRICHED_AT) {
		if ((r->top[r->key] = arena_str(r, s, len)) == NOOFF)
			return 0;
	} else if (r->depth == 2 && r->key == FK_TYPES) {
		if ((off = arena_str(r, s, len)) == NOOFF)
			return 0;
		if (grow((void **)&r->types, &r->atypes, r->ntypes + 1, sizeof *r->types) != 0) {
			r->nomem = 1;
			return 0;
		}
		r->types[r->ntypes++] = off;
	} else if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey >= 0 &&
	    r->ckey <= CK_ROLE) {
		if ((r->c[r->nc - 1].s[r->ckey] = arena_str(r, s, len)) == NOOFF)
			return 0;
	}
	return 1;
}

static int
fr_number(void *ctx, const char *s, size_t len)
{
	store_freader_t *r = ctx;
	char num[64], *end;

	if (r->depth == 1 && r->key == FK_AMOUNT && len < sizeof num) {
		memcpy(num, s, len);
		num[len] = '\0';
		r->amount = strtod(num, &end);
		r->has_amount = *end == '\0' && isfinite(r->amount);
	}
	if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey == CK_TENURE &&
	    len < sizeof num) {
		memcpy(num, s, len);
		num[len] = '\0';
		r->c[r->nc - 1].tenure = strtod(num, NULL);
		r->c[r->nc - 1].has_tenure = 1;
	}
	return 1;
}

static int
fr_bool(void *ctx, int b)
{
	store_freader_t *r = ctx;

	if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey == CK_EMAIL)
		r->c[r->nc - 1].email = b;
	return 1;
}

static int
fr_null(void *ctx)
{
	(void)ctx;
	return 1;
}

static int
fr_start_map(void *ctx)
{
	store_freader_t *r = ctx;

	r->depth++;
	if (r->depth == 3 && r->key == FK_CONTACTS) {
		if (grow((void **)&r->c, &r->ac, r->nc + 1, sizeof *r->c) != 0) {
			r->nomem = 1;
			return 0;
		}
		memset(&r->c[r->nc], 0, sizeof r->c[r->nc]);
		r->c[r->nc].s[0] = r->c[r->nc].s[1] = r->c[r->nc].s[2] = r->c[r->nc].s[3] = NOOFF;
		r->nc++;
		r->ckey = CK_NONE;
	}
	return 1;
}

static int
fr_map_key(void *ctx, const unsigned char *k, size_t len)
{
	store_freader_t *r = ctx;

	if (r->depth == 1)
		r->key = key_id(fkeys, FK_N, k, len);
	else if (r->depth == 3 && r->key == FK_CONTACTS)
		r->ckey = key_id(ckeys, sizeof ckeys / sizeof ckeys[0], k, len);
	return 1;
}

static int
fr_end(void *ctx)
{
	store_freader_t *r = ctx;

	r->depth--;
	return 1;
}

static int
fr_start_array(void *ctx)
{
	store_freader_t *r = ctx;

	r->depth++;
	return 1;
}

static const yajl_callbacks fr_callbacks = {
	fr_null, fr_bool, NULL, NULL, fr_number, fr_string,
	fr_start_map, fr_map_key, fr_end, fr_start_array, fr_end
};

store_freader_t *
store_freader_new(void)
{
	store_freader_t *r = calloc(1, sizeof *r);

	if (r)
		buf_init(&r->arena, VAL_CAP);
	return r;
}

void
store_freader_free(store_freader_t *r)
{
	if (r == NULL)
		return;
	buf_free(&r->arena);
	free(r->types);
	free(r->tptr);
	free(r->c);
	free(r->cptr);
	free(r);
}

int
store_freader_read(store_freader_t *r, const char *text, size_t len, struct store_fdeal *d)
{
	yajl_handle h;
	yajl_status st;
	const char *base;
	size_t i;

	buf_reset(&r->arena);
	for (i = 0; i <= FK_ENRICHED_AT; i++)
		r->top[i] = NOOFF;
	r->ntypes = r->nc = 0;
	r->has_amount = 0;
	r->depth = 0;
	r->key = FK_NONE;
	r->ckey = CK_NONE;
	r->nomem = 0;
	memset(d, 0, sizeof *d);
	if (len == 0 || (h = yajl_alloc(&fr_callbacks, NULL, r)) == NULL)
		return len == 0 ? -1 : -2;
	/* The facts were written by store_facts(): valid UTF-8 already. */
	yajl_config(h, yajl_dont_validate_strings, 1);
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (r->nomem)
		return -2;
	if (st != yajl_status_ok)
		return -1;
	if (grow((void **)&r->tptr, &r->atptr, r->ntypes + 1, sizeof *r->tptr) != 0 ||
	    grow((void **)&r->cptr, &r->acptr, r->nc + 1, sizeof *r->cptr) != 0)
		return -2;
	/* The arena no longer moves: offsets become pointers. */
	base = buf_ptr(&r->arena);
#define AT(off) ((off) == NOOFF ? NULL : base + (off))
	d->deal_id = AT(r->top[FK_DEAL_ID]);
	d->stage = AT(r->top[FK_STAGE]);
	d->close_date = AT(r->top[FK_CLOSE]);
	d->status = AT(r->top[FK_STATUS]);
	d->account_key = AT(r->top[FK_ACCOUNT_KEY]);
	d->industry = AT(r->top[FK_INDUSTRY]);
	d->size_band = AT(r->top[FK_SIZE]);
	d->signals = AT(r->top[FK_SIGNALS]);
	d->enriched_at = AT(r->top[FK_ENRICHED_AT]);
	d->has_amount = r->has_amount;
	d->amount = r->has_amount ? r->amount : 0;
	for (i = 0; i < r->ntypes; i++)
		r->tptr[i] = AT(r->types[i]);
	d->types = r->tptr;
	d->ntypes = r->ntypes;
	for (i = 0; i < r->nc; i++) {
		struct store_fcontact *c = &r->cptr[i];

		c->apollo = AT(r->c[i].s[0]);
		c->seniority = AT(r->c[i].s[1]);
		c->department = AT(r->c[i].s[2]);
		c->role = AT(r->c[i].s[3]);
		c->tenure = r->c[i].tenure;
		c->has_tenure = r->c[i].has_tenure;
		c->email = r->c[i].email;
	}
#undef AT
	d->contacts = r->cptr;
	d->ncontacts = r->nc;
	return 0;
}

void
store_fdeal_numbers(const struct store_fdeal *d, struct store_deal_numbers *out)
{
	size_t i;
	int st = store_status_parse(d->status);

	memset(out, 0, sizeof *out);
	out->status = st < 0 ? STORE_FAILED : (store_status)st;
	out->changed = 1;
	for (i = 0; i < d->ncontacts; i++) {
		out->contacts++;
		if (!blank(d->contacts[i].role))
			out->roles_resolved++;
		if (store_status_rank(d->contacts[i].apollo) == 3)
			out->apollo_enriched++;
	}
	out->signals = store_status_rank(d->signals) == 3;
}

struct fscan {
	store_freader_t *r;
	store_fdeal_fn fn;
	void *ctx;
	size_t bad;
	int nomem, stopped;
};

static int
fscan_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct fscan *s = vctx;
	struct store_fdeal d;
	int rc;

	(void)key;
	(void)klen;
	rc = store_freader_read(s->r, val, vlen, &d);
	if (rc == -2) {
		s->nomem = 1;
		return 1;
	}
	if (rc != 0) {
		s->bad++;
		return 0;
	}
	if ((rc = s->fn(&d, s->ctx)) != 0)
		s->stopped = rc;
	return rc;
}

int
store_scan_fdeals(db_t *db, const char *ws, store_fdeal_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen)
{
	struct fscan s = { store_freader_new(), fn, ctx, 0, 0, 0 };
	buf_t prefix;
	int rc;

	if (s.r == NULL) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "facts", "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		store_freader_free(s.r);
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), fscan_cb, &s, err, errlen);
	buf_free(&prefix);
	store_freader_free(s.r);
	if (bad)
		*bad = s.bad;
	if (rc == DB_OK && s.nomem) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	return rc;
}

/* store_merge: see store_merge.h. */
#include "store_merge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

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
same_json(const json_t *a, const json_t *b)
{
	buf_t x, y;
	int same;

	buf_init(&x, STORE_VAL_CAP);
	buf_init(&y, STORE_VAL_CAP);
	same = json_dump(a, &x) == JSON_OK && json_dump(b, &y) == JSON_OK &&
	    buf_len(&x) == buf_len(&y) && memcmp(buf_ptr(&x), buf_ptr(&y), buf_len(&x)) == 0;
	buf_free(&x);
	buf_free(&y);
	return same;
}

/* "field_sources" says which source gave a field: it follows the fields, never filled whole. */
static int
is_group_key(const char *k)
{
	return is_apollo_key(k) || is_role_key(k) || strcmp(k, "linkedin") == 0 ||
	    strcmp(k, "field_sources") == 0;
}

/* A contact's LinkedIn answer ranked as Apollo's are; a mismatch is an answer too. */
static int
linkedin_rank(const json_t *c)
{
	const char *s = json_str(json_path(c, "linkedin.status"));

	return s && strcmp(s, "mismatch") == 0 ? 2 : store_status_rank(s);
}

static int
credits_linkedin(const json_t *sources)
{
	size_t i;

	for (i = 0; i < json_len(sources); i++)
		if (json_str(json_at(sources, i)) && strcmp(json_str(json_at(sources, i)), "linkedin") == 0)
			return 1;
	return 0;
}

/* dst's field_sources (made when missing); NULL on ENOMEM. */
static json_t *
sources_of(json_t *dst)
{
	json_t *fs = json_get(dst, "field_sources");

	if (json_is(fs, JSON_OBJECT))
		return fs;
	if ((fs = json_new_object()) == NULL || json_set(dst, "field_sources", fs) != JSON_OK)
		return NULL;
	return fs;
}

/* dst's source of key becomes old's (none when old names none). */
static int
source_from(json_t *dst, const json_t *old, const char *key)
{
	const json_t *os = json_get(json_get(old, "field_sources"), key);
	json_t *fs;

	if (os == NULL) {
		if (json_is(json_get(dst, "field_sources"), JSON_OBJECT))
			json_del(json_get(dst, "field_sources"), key);
		return 0;
	}
	return (fs = sources_of(dst)) && json_set(fs, key, json_clone(os)) == JSON_OK ? 0 : -1;
}

/* After the Apollo group came from old: the sources of its fields come too. */
static int
apollo_sources_from(json_t *dst, const json_t *old)
{
	static const char *const keys[] = { "seniority_verified", "department_verified",
		"tenure_months" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (source_from(dst, old, keys[i]) != 0)
			return -1;
	return 0;
}

/*
 * old's LinkedIn answer, when dst's is worse: "linkedin", and each field old's
 * field_sources credits to LinkedIn, with its source, where dst leaves it
 * empty (new_employer comes with job_changed) or holds the same value.
 */
static int
take_linkedin(json_t *dst, const json_t *old)
{
	const json_t *ofs = json_get(old, "field_sources"), *ov, *dv;
	const char *k;
	size_t i;

	if (json_set(dst, "linkedin", json_clone(json_get(old, "linkedin"))) != JSON_OK)
		return -1;
	for (i = 0; i < json_len(ofs); i++) {
		k = json_key_at(ofs, i);
		ov = json_get(old, k);
		dv = json_get(dst, k);
		if (!credits_linkedin(json_val_at(ofs, i)) || ov == NULL)
			continue;
		if (dv == NULL || json_is(dv, JSON_NULL)) {
			if (json_set(dst, k, json_clone(ov)) != JSON_OK)
				return -1;
			if (strcmp(k, "job_changed") == 0 && json_get(old, "new_employer") &&
			    json_set(dst, "new_employer", json_clone(json_get(old, "new_employer"))) !=
			    JSON_OK)
				return -1;
		} else if (!same_json(dv, ov))
			continue;
		if (source_from(dst, old, k) != 0)
			return -1;
	}
	return 0;
}

/* Returns 1 when old's role won (was kept), 0 when not, -1 on ENOMEM. */
static int
merge_contact(json_t *dst, const json_t *old)
{
	int role_kept = 0;

	if (store_contact_rank(dst) < store_contact_rank(old) &&
	    (take_group(dst, old, is_apollo_key) != 0 || apollo_sources_from(dst, old) != 0))
		return -1;
	if (linkedin_rank(dst) < linkedin_rank(old) && take_linkedin(dst, old) != 0)
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


/*
 * The same person on the deal: the same contact_id, else the same email
 * (case and spaces aside), else the same first and last name, else (a
 * contact with nothing to tell it by) the very same object.
 */
static int
same_contact(const json_t *a, const json_t *b)
{
	const char *ia = json_text(json_get(a, "contact_id")), *ib = json_text(json_get(b, "contact_id"));
	const char *ea = json_str(json_get(a, "email")), *eb = json_str(json_get(b, "email"));
	const char *fa = json_str(json_get(a, "first_name")), *fb = json_str(json_get(b, "first_name"));
	const char *la = json_str(json_get(a, "last_name")), *lb = json_str(json_get(b, "last_name"));

	if (!str_blank(ia) && !str_blank(ib))
		return strcmp(ia, ib) == 0;
	if (!str_blank(ea) && !str_blank(eb))
		return str_eq_ci_trimmed(ea, eb);
	if ((!str_blank(fa) || !str_blank(la)) && (!str_blank(fb) || !str_blank(lb)))
		return str_eq_ci_trimmed(fa ? fa : "", fb ? fb : "") &&
		    str_eq_ci_trimmed(la ? la : "", lb ? lb : "");
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

		if (!store_contact_has_role(c))
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
			if (store_contact_has_role(json_at(ocs, j)))
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

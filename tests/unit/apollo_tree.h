/*
 * apollo_tree: apollo-enrich's fields written on a parsed record (json_t), the
 * way the program writes them on the record's text (apollo_contact_text,
 * apollo_facts_pick). No program needs this path; the unit tests and
 * fuzz_apollo use it as a readable oracle of the text path, so it lives here,
 * built on lib/apollo.h's public functions only.
 */
#ifndef DE_TEST_APOLLO_TREE_H
#define DE_TEST_APOLLO_TREE_H

#include <stdlib.h>
#include <string.h>

#include "apollo.h"
#include "buf.h"
#include "json.h"

/*
 * Sets the fields apollo-enrich owns on a contact: "apollo" ({"status",
 * "cached", "fetched_at", "person"} or {"status", "reason"}),
 * "seniority_verified", "department_verified", "tenure_months",
 * "job_changed" (+ "new_employer" when true), "enrichment_status",
 * "enriched_at" (the time the data was fetched; null without data). Unknowns
 * are null. status is one of enriched, not_found, error, skipped,
 * quota_exhausted, dry_run; person is used for enriched; reason for the
 * others (may be NULL); cached is -1 to leave it out. "apollo.person" gets a
 * clone of person_out when it is not NULL (the same person serialized once,
 * json_new_serialized()), else of person. Returns 0 or -1 (memory).
 */
static inline int
apollo_apply_contact(json_t *contact, const json_t *rec, const char *status,
    const json_t *person, const json_t *person_out, int cached, time_t fetched_at,
    const char *reason, time_t now)
{
	struct apollo_field f[APOLLO_FIELDS_MAX];
	struct apollo_account a;
	apollo_facts_t *facts = NULL;
	const json_t *shown = person_out ? person_out : person;
	json_t *v;
	char why[64];
	buf_t b;
	int n, i, rc = -1, employer = 0;

	if (!json_is(contact, JSON_OBJECT))
		return -1;
	if (strcmp(status, "enriched") == 0 && person && (facts = apollo_facts_new(person)) == NULL)
		return -1;
	apollo_account_read(json_get(rec, "account"), &a);
	buf_init(&b, (size_t)1 << 30);
	n = apollo_contact_text(&b, f, status, facts, &a,
	    apollo_close_date(json_str(json_get(rec, "close_date")), now), cached, fetched_at, reason);
	for (i = 0; i < n; i++) {
		if (json_parse((f[i].text ? f[i].text : buf_ptr(&b)) + f[i].off, f[i].len, 0, &v, NULL,
		    why, sizeof why) != JSON_OK || json_set(contact, f[i].key, v) != JSON_OK)
			goto done;
		employer |= strcmp(f[i].key, "new_employer") == 0;
	}
	if (n < 0)
		goto done;
	if (!employer)
		json_del(contact, "new_employer");
	/* The person as given (a serialized one stays so), not as parsed back. */
	if (facts && json_set(json_get(contact, "apollo"), "person", json_clone(shown)) != JSON_OK)
		goto done;
	rc = 0;
done:
	buf_free(&b);
	apollo_facts_free(facts);
	return rc;
}

/*
 * The deal fields of an enriched contact of a deal with account and
 * close_date (NULL: today), as apollo_apply_contact writes them, into
 * *contact (free it). 0, or -1 on memory.
 */
static inline int
apollo_deal_fields(const json_t *person, const json_t *account, const char *close_date,
    time_t today, json_t **contact)
{
	json_t *rec = json_new_object(), *c = json_new_object();
	int rc = -1;

	*contact = NULL;
	if (rec != NULL && c != NULL &&
	    (account == NULL || json_set(rec, "account", json_clone(account)) == JSON_OK) &&
	    (close_date == NULL || json_set_str(rec, "close_date", close_date) == JSON_OK) &&
	    apollo_apply_contact(c, rec, "enriched", person, NULL, 0, 0, NULL, today) == 0) {
		*contact = c;
		c = NULL;
		rc = 0;
	}
	json_free(c);
	json_free(rec);
	return rc;
}

/*
 * tenure_months: the months in the role the person held at the close date.
 * Returns 0 with *months, or -1 when no entry covers it (or on memory).
 */
static inline int
apollo_tenure_months(const json_t *person, const json_t *account, const char *close_date,
    time_t today, int *months)
{
	const json_t *m;
	json_t *c;
	int rc = -1;

	if (apollo_deal_fields(person, account, close_date, today, &c) != 0)
		return -1;
	if (json_is(m = json_get(c, "tenure_months"), JSON_NUMBER)) {
		*months = (int)json_int_or(m, -1);
		rc = 0;
	}
	json_free(c);
	return rc;
}

/*
 * job_changed: 1 (moved; *employer, when not NULL, gets new_employer), 0 (the
 * same company), -1 (cannot tell), -2 (out of memory).
 */
static inline int
apollo_job_changed(const json_t *person, const json_t *account, json_t **employer)
{
	const json_t *j;
	json_t *c;
	int rc;

	if (employer)
		*employer = NULL;
	if (!json_is(person, JSON_OBJECT))
		return -1;
	if (apollo_deal_fields(person, account, NULL, 0, &c) != 0)
		return -2;
	j = json_get(c, "job_changed");
	rc = !json_is(j, JSON_BOOL) ? -1 : json_bool(j);
	if (rc == 1 && employer && (*employer = json_clone(json_get(c, "new_employer"))) == NULL)
		rc = -2;
	json_free(c);
	return rc;
}

/*
 * The same choice among the people persons[0..n) (NULL entries skipped) for
 * an account (apollo_account_read()): *out gets the firmographics
 * (apollo_firmographics()) and 1 is returned; 0 when none fits (*out NULL);
 * -1 on memory.
 */
static inline int
apollo_account_firmographics(const struct apollo_account *account,
    const json_t *const *persons, size_t n, json_t **out)
{
	apollo_facts_t **f;
	const char *text;
	char why[64];
	size_t i, len;
	int k, rc = -1;

	*out = NULL;
	if ((f = calloc(n + 1, sizeof *f)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (persons[i] && (f[i] = apollo_facts_new(persons[i])) == NULL)
			goto done;
	k = apollo_facts_pick(account, (const apollo_facts_t *const *)f, n);
	if (k < 0)
		rc = 0;
	else if ((text = apollo_facts_firmographics(f[k], &len)) != NULL &&
	    json_parse(text, len, 0, out, NULL, why, sizeof why) == JSON_OK)
		rc = 1;
done:
	for (i = 0; i < n; i++)
		apollo_facts_free(f[i]);
	free(f);
	return rc;
}

/*
 * Sets rec's account "firmographics" from the organizations of the contacts
 * enriched by apollo_apply_contact: the one whose domain is the account's
 * first, else one with the account's name; when the account has neither a
 * domain nor a name, the first. Returns 1 when set, 0 when none fits, -1 on
 * memory.
 */
static inline int
apollo_apply_firmographics(json_t *rec)
{
	json_t *account = json_get(rec, "account"), *f;
	const json_t *contacts = json_get(rec, "contacts"), *c, **persons;
	struct apollo_account a;
	const char *st;
	size_t i, n = 0;
	int rc;

	if (!json_is(account, JSON_OBJECT))
		return 0;
	if ((persons = calloc(json_len(contacts) + 1, sizeof *persons)) == NULL)
		return -1;
	for (i = 0; i < json_len(contacts); i++) {
		c = json_at(contacts, i);
		st = json_str(json_path(c, "apollo.status"));
		if (st && strcmp(st, "enriched") == 0)
			persons[n++] = json_path(c, "apollo.person");
	}
	apollo_account_read(account, &a);
	rc = apollo_account_firmographics(&a, persons, n, &f);
	free(persons);
	if (rc == 1 && json_set(account, "firmographics", f) != 0)
		return -1;
	return rc;
}

#endif

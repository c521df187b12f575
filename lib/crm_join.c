/* crm_join: see crm_join.h. */
#include "crm_join.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"
#include "jmap.h"
#include "str.h"

struct crm_join {
	struct jmap by_id;      /* contact id -> contact */
	struct jmap by_deal;    /* "d:<deal id>" or "n:<deal name>" -> [contacts or contact ids] */
	size_t ncontacts;
};

crm_join_t *
crm_join_new(void)
{
	return calloc(1, sizeof(crm_join_t));
}

void
crm_join_free(crm_join_t *j)
{
	if (j == NULL)
		return;
	jmap_free(&j->by_id);
	jmap_free(&j->by_deal);
	free(j);
}

size_t crm_join_size(const crm_join_t *j) { return j->ncontacts; }

/* The key a deal is joined on: Salesforce's 18-character IDs as their 15-character form. */
static int
link_key(buf_t *b, char type, const char *v, int salesforce)
{
	size_t n = strlen(v), i;

	buf_reset(b);
	if (buf_addc(b, type) != BUF_OK || buf_addc(b, ':') != BUF_OK)
		return CRM_ENOMEM;
	if (type == 'n') {
		for (const char *p = v; *p; p++)
			if (buf_addc(b, (char)((unsigned char)*p < 0x80 ? tolower((unsigned char)*p) : *p)) != BUF_OK)
				return CRM_ENOMEM;
		return 0;
	}
	if (salesforce && n == 18) {
		for (i = 0; i < n && isalnum((unsigned char)v[i]); i++)
			;
		if (i == n)
			n = 15;
	}
	return buf_add(b, v, n) == BUF_OK ? 0 : CRM_ENOMEM;
}

json_t *
crm_contact_new(const char *id, const char *email, const char *first, const char *last,
    const char *name, const char *title, const char *role)
{
	json_t *c = json_new_object();
	char em[DOMAIN_EMAIL_MAX];
	char *fn = NULL, *ln = NULL;
	int rc = 0;

	if (c == NULL)
		return NULL;
	if (domain_email_normalize(email, em, sizeof em) != 0)
		em[0] = '\0';
	if (!first && !last && name) {
		/* "Pat Ng" -> Pat / Ng */
		const char *sp = strchr(name, ' ');
		if (sp) {
			fn = strndup(name, (size_t)(sp - name));
			ln = str_dup_trim(sp + 1);
			if (fn == NULL || ln == NULL)
				rc = -1;
			first = fn;
			last = ln;
		} else {
			first = name;
		}
	}
	rc |= json_set_str(c, "contact_id", id);
	rc |= json_set_str(c, "email", em[0] ? em : NULL);
	rc |= json_set_str(c, "first_name", first);
	rc |= json_set_str(c, "last_name", last);
	rc |= json_set_str(c, "title", title);
	rc |= json_set_str(c, "crm_role", role);
	free(fn);
	free(ln);
	if (rc != 0) {
		json_free(c);
		return NULL;
	}
	return c;
}

static int
same_contact(const json_t *a, const json_t *b)
{
	const char *ia = json_str(json_get(a, "contact_id")), *ib = json_str(json_get(b, "contact_id"));
	const char *ea = json_str(json_get(a, "email")), *eb = json_str(json_get(b, "email"));

	if (ia && ib)
		return strcmp(ia, ib) == 0;
	if (ea && eb)
		return strcasecmp(ea, eb) == 0;
	return 0;
}

static int
same_id(const json_t *contact, const char *id)
{
	const char *a = json_str(json_get(contact, "contact_id"));

	return a && strcmp(a, id) == 0;
}

/* Fills into's null fields from from. */
static int
fill_contact(json_t *into, const json_t *from)
{
	for (size_t i = 0; i < json_len(from); i++) {
		const char *k = json_key_at(from, i);
		json_t *v = json_val_at(from, i), *cur = json_get(into, k);
		if (json_typeof(v) == JSON_NULL)
			continue;
		if (cur == NULL || json_typeof(cur) == JSON_NULL)
			if (json_set(into, k, json_clone(v)) != JSON_OK)
				return CRM_ENOMEM;
	}
	return 0;
}

int
crm_contacts_add(json_t *arr, const json_t *contact)
{
	for (size_t i = 0; i < json_len(arr); i++)
		if (same_contact(json_at(arr, i), contact))
			return fill_contact(json_at(arr, i), contact);
	return json_push(arr, json_clone(contact)) == JSON_OK ? 0 : CRM_ENOMEM;
}

/* The same, taking owned (freed when it is a duplicate or on failure). */
static int
add_contact_owned(json_t *arr, json_t *owned)
{
	int rc;

	if (owned == NULL)
		return CRM_ENOMEM;
	for (size_t i = 0; i < json_len(arr); i++)
		if (same_contact(json_at(arr, i), owned)) {
			rc = fill_contact(json_at(arr, i), owned);
			json_free(owned);
			return rc;
		}
	return json_push(arr, owned) == JSON_OK ? 0 : CRM_ENOMEM;
}

int
crm_merge_contacts(json_t *into, const json_t *from)
{
	json_t *a = json_get(into, "contacts"), *b = json_get(from, "contacts");

	if (!json_is(b, JSON_ARRAY) || json_len(b) == 0)
		return 0;
	if (!json_is(a, JSON_ARRAY)) {
		if (json_set(into, "contacts", json_new_array()) != JSON_OK)
			return CRM_ENOMEM;
		a = json_get(into, "contacts");
	}
	for (size_t i = 0; i < json_len(b); i++)
		if (crm_contacts_add(a, json_at(b, i)) != 0)
			return CRM_ENOMEM;
	return 0;
}

/*
 * Links a contact to a deal key. A contact kept in by_id (a HubSpot contact
 * with its Record ID) is linked by its ID, a string, not copied.
 */
static int
link_contact(crm_join_t *c, const char *key, const json_t *contact, const char *ref)
{
	json_t *arr = jmap_get(&c->by_deal, key);

	if (arr == NULL) {
		if (jmap_put(&c->by_deal, key, json_new_array()) != 0)
			return CRM_ENOMEM;
		arr = jmap_get(&c->by_deal, key);
	}
	if (ref) {
		for (size_t i = 0; i < json_len(arr); i++)
			if (json_is(json_at(arr, i), JSON_STRING) && strcmp(json_str(json_at(arr, i)), ref) == 0)
				return 0;
		return json_push(arr, json_new_str(ref)) == JSON_OK ? 0 : CRM_ENOMEM;
	}
	return crm_contacts_add(arr, contact);
}

/* Calls fn on each item of a list split on any of seps, trimmed, non-empty. */
static int
each_item(const char *list, const char *seps, int (*fn)(const char *, void *), void *ctx)
{
	char *copy, *s, *save = NULL;
	int rc = 0;

	if (list == NULL)
		return 0;
	if ((copy = strdup(list)) == NULL)
		return CRM_ENOMEM;
	for (s = strtok_r(copy, seps, &save); s; s = strtok_r(NULL, seps, &save)) {
		char *t = str_dup_trim(s);
		if (t == NULL) {
			rc = CRM_ENOMEM;
			break;
		}
		if (*t)
			rc = fn(t, ctx);
		free(t);
		if (rc)
			break;
	}
	free(copy);
	return rc;
}

/* 1 when a row names a contact: an ID, an email or a name. */
static int
has_contact(const crm_fields_t *r)
{
	return r->v[CRM_F_C_ID] || r->v[CRM_F_C_EMAIL] || r->v[CRM_F_C_FIRST] ||
	    r->v[CRM_F_C_LAST] || r->v[CRM_F_C_NAME];
}

/* The contact of a row, with its LinkedIn profile URL when the row has one. */
static json_t *
row_contact(const crm_fields_t *r)
{
	json_t *c = crm_contact_new(r->v[CRM_F_C_ID], r->v[CRM_F_C_EMAIL], r->v[CRM_F_C_FIRST],
	    r->v[CRM_F_C_LAST], r->v[CRM_F_C_NAME], r->v[CRM_F_C_TITLE], r->v[CRM_F_C_ROLE]);

	if (c && r->v[CRM_F_C_LINKEDIN] &&
	    json_set_str(c, "linkedin_url", r->v[CRM_F_C_LINKEDIN]) != JSON_OK) {
		json_free(c);
		return NULL;
	}
	return c;
}

struct link_ctx {
	crm_join_t *c;
	const json_t *contact;
	const char *ref;
	buf_t key;
	int sf;
};

static int
link_one(const char *id, void *p)
{
	struct link_ctx *l = p;

	if (link_key(&l->key, 'd', id, l->sf) != 0)
		return CRM_ENOMEM;
	return link_contact(l->c, buf_ptr(&l->key), l->contact, l->ref);
}

int
crm_join_add_row(crm_join_t *c, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen)
{
	crm_fields_t r;
	json_t *contact;
	struct link_ctx l;
	int rc = CRM_OK, linked = 0;

	if (crm_row_is_filler(f, n))
		return CRM_SKIP;
	if (crm_table_check_width(t, f, n, err, errlen) != 0)
		return CRM_BAD;
	if (crm_fields_fill(&r, t, f, n) != 0)
		return CRM_ENOMEM;
	if (!has_contact(&r)) {
		str_errf(err, errlen, "no contact in this row (no ID, email or name)");
		crm_fields_free(&r);
		return CRM_BAD;
	}
	contact = row_contact(&r);
	if (contact == NULL) {
		crm_fields_free(&r);
		return CRM_ENOMEM;
	}
	buf_init(&l.key, 1 << 16);
	l.c = c;
	l.contact = contact;
	l.ref = NULL;
	l.sf = crm_kind_is_salesforce(crm_table_kind(t));
	if (crm_table_kind(t) == CRM_KIND_HUBSPOT_CONTACTS) {
		if (r.v[CRM_F_C_ID]) {
			/* kept once, in by_id; the deals link to it by ID */
			rc = jmap_put(&c->by_id, r.v[CRM_F_C_ID], contact) == 0 ? CRM_OK : CRM_ENOMEM;
			contact = NULL;
			l.contact = NULL;
			l.ref = r.v[CRM_F_C_ID];
			linked = 1;
		}
		if (rc == CRM_OK && r.v[CRM_F_DEAL_IDS]) {
			rc = each_item(r.v[CRM_F_DEAL_IDS], ";,", link_one, &l);
			linked = 1;
		}
	} else {
		if (r.v[CRM_F_DEAL_ID]) {
			rc = link_one(r.v[CRM_F_DEAL_ID], &l);
			linked = 1;
		}
		if (rc == CRM_OK && r.v[CRM_F_DEAL_NAME]) {
			if (link_key(&l.key, 'n', r.v[CRM_F_DEAL_NAME], 0) != 0 ||
			    link_contact(c, buf_ptr(&l.key), contact, NULL) != 0)
				rc = CRM_ENOMEM;
			linked = 1;
		}
		if (rc == CRM_OK && r.v[CRM_F_C_ID] &&
		    jmap_put(&c->by_id, r.v[CRM_F_C_ID], json_clone(contact)) != 0)
			rc = CRM_ENOMEM;
	}
	if (rc == CRM_OK && !linked) {
		str_errf(err, errlen, "no Opportunity ID or Name to join this contact role on");
		rc = CRM_BAD;
	}
	if (rc == CRM_OK)
		c->ncontacts++;
	buf_free(&l.key);
	json_free(contact);
	crm_fields_free(&r);
	return rc;
}

/* "Pat Ng (pat@globex.com)", "pat@globex.com", "Pat Ng" -> a contact. */
static json_t *
contact_from_label(const char *id, const char *label)
{
	const char *open = label ? strrchr(label, '(') : NULL;
	json_t *c;

	if (label && open && strchr(open, '@') && label[strlen(label) - 1] == ')') {
		char *name = strndup(label, (size_t)(open - label));
		char *email = strndup(open + 1, strlen(open + 1) - 1);
		char *tn = name ? str_dup_trim(name) : NULL;
		c = (name && email && tn) ? crm_contact_new(id, email, NULL, NULL, *tn ? tn : NULL,
		    NULL, NULL) : NULL;
		free(tn);
		free(name);
		free(email);
		return c;
	}
	if (label && strchr(label, '@') && !strchr(label, ' '))
		return crm_contact_new(id, label, NULL, NULL, NULL, NULL, NULL);
	return crm_contact_new(id, NULL, NULL, NULL, label, NULL, NULL);
}

struct list {
	char **v;
	size_t n, a;
};

static int
list_add(const char *s, void *p)
{
	struct list *l = p;

	if (l->n == l->a) {
		size_t na = l->a ? l->a * 2 : 8;
		char **nv = realloc(l->v, na * sizeof *nv);
		if (nv == NULL)
			return CRM_ENOMEM;
		l->v = nv;
		l->a = na;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		return CRM_ENOMEM;
	l->n++;
	return 0;
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

int
crm_contacts_domain(const json_t *contacts, char *out)
{
	size_t n = json_len(contacts), best = 0;
	char d[DOMAIN_MAX], e[DOMAIN_MAX];

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t cnt = 0;
		if (domain_of_email(json_str(json_get(json_at(contacts, i), "email")), d, sizeof d) != 0 ||
		    domain_is_freemail(d))
			continue;
		for (size_t j = 0; j < n; j++)
			if (domain_of_email(json_str(json_get(json_at(contacts, j), "email")), e, sizeof e) == 0 &&
			    strcmp(d, e) == 0)
				cnt++;
		if (cnt > best) {
			best = cnt;
			memcpy(out, d, sizeof d);
		}
	}
	return out[0] ? 0 : -1;
}

/* Adds a linked contact: a contact, or the ID of one kept in by_id. */
static int
add_linked(crm_join_t *c, json_t *arr, const json_t *link)
{
	const json_t *ct = link;

	if (json_is(link, JSON_STRING)) {
		for (size_t i = 0; i < json_len(arr); i++)
			if (same_id(json_at(arr, i), json_str(link)))
				return 0;
		if ((ct = jmap_get(&c->by_id, json_str(link))) == NULL)
			return 0;
	}
	return crm_contacts_add(arr, ct);
}

int
crm_join_deal(crm_join_t *c, json_t *arr, const char *deal_id, const char *deal_name, int sf)
{
	buf_t k;
	json_t *l;
	int rc = 0;

	buf_init(&k, 1 << 16);
	if (deal_id) {
		if (link_key(&k, 'd', deal_id, sf) != 0)
			rc = CRM_ENOMEM;
		else if ((l = jmap_get(&c->by_deal, buf_ptr(&k))) != NULL)
			for (size_t i = 0; i < json_len(l) && !rc; i++)
				rc = add_linked(c, arr, json_at(l, i));
	}
	if (!rc && deal_name) {
		if (link_key(&k, 'n', deal_name, 0) != 0)
			rc = CRM_ENOMEM;
		else if ((l = jmap_get(&c->by_deal, buf_ptr(&k))) != NULL)
			for (size_t i = 0; i < json_len(l) && !rc; i++)
				rc = add_linked(c, arr, json_at(l, i));
	}
	buf_free(&k);
	return rc;
}

/* The contacts of a deal row: its own contact columns, its association
 * columns, and what the contacts exports link to it. */
int
crm_join_row(crm_join_t *c, const crm_fields_t *r, const char *deal_id, int salesforce,
    json_t *arr)
{
	struct list ids = { 0 }, names = { 0 };
	int rc = 0;

	if (has_contact(r)) {
		rc = add_contact_owned(arr, row_contact(r));
		if (rc)
			return rc;
	}
	if ((rc = each_item(r->v[CRM_F_CONTACT_IDS], ";, ", list_add, &ids)) != 0 ||
	    (rc = each_item(r->v[CRM_F_CONTACT_NAMES], ";", list_add, &names)) != 0)
		goto out;
	for (size_t i = 0; i < ids.n && !rc; i++) {
		json_t *known = jmap_get(&c->by_id, ids.v[i]);
		if (known)
			rc = crm_contacts_add(arr, known);
		else if (names.n == ids.n)
			rc = add_contact_owned(arr, contact_from_label(ids.v[i], names.v[i]));
		else
			rc = add_contact_owned(arr, crm_contact_new(ids.v[i], NULL, NULL, NULL, NULL, NULL, NULL));
	}
	if (ids.n == 0)
		for (size_t i = 0; i < names.n && !rc; i++)
			rc = add_contact_owned(arr, contact_from_label(NULL, names.v[i]));
	if (!rc)
		rc = crm_join_deal(c, arr, deal_id, r->v[CRM_F_DEAL_NAME], salesforce);
out:
	list_free(&ids);
	list_free(&names);
	return rc;
}

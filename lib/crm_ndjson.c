/* crm_ndjson: NDJSON records to canonical ones (crm_deal_from_json in crm.h). */
#include "crm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crm_ctx.h"
#include "domain.h"
#include "str.h"

/* The flattened entries of an NDJSON flat row. */
struct flat {
	char **keys;
	char **vals;      /* string forms */
	json_t **orig;    /* borrowed */
	size_t n, a;
};

static void
flat_free(struct flat *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		free(fl->keys[i]);
		free(fl->vals[i]);
	}
	free(fl->keys);
	free(fl->vals);
	free(fl->orig);
}

static int
flat_add(struct flat *fl, const char *key, const char *val, json_t *orig)
{
	if (fl->n == fl->a) {
		size_t na = fl->a ? fl->a * 2 : 32;
		char **nk = realloc(fl->keys, na * sizeof *nk);
		if (nk == NULL)
			return CRM_ENOMEM;
		fl->keys = nk;
		char **nv = realloc(fl->vals, na * sizeof *nv);
		if (nv == NULL)
			return CRM_ENOMEM;
		fl->vals = nv;
		json_t **no = realloc(fl->orig, na * sizeof *no);
		if (no == NULL)
			return CRM_ENOMEM;
		fl->orig = no;
		fl->a = na;
	}
	fl->keys[fl->n] = strdup(key);
	fl->vals[fl->n] = strdup(val);
	fl->orig[fl->n] = orig;
	if (fl->keys[fl->n] == NULL || fl->vals[fl->n] == NULL) {
		free(fl->keys[fl->n]);
		free(fl->vals[fl->n]);
		return CRM_ENOMEM;
	}
	fl->n++;
	return 0;
}

/* A scalar's text for mapping: strings as they are, numbers as written. */
static const char *
scalar_text(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return json_str(v);
	case JSON_NUMBER: return json_num_text(v);
	case JSON_BOOL: return json_bool(v) ? "true" : "false";
	default: return "";
	}
}

/* HubSpot's "associations": {"contacts":{"results":[{"id":..}]}, "companies":...} */
static int
flat_associations(struct flat *fl, const json_t *assoc)
{
	static const char *const what[][2] = {
		{ "contacts", "Associated Contact IDs" },
		{ "companies", "Associated Company IDs" },
	};
	buf_t b;
	int rc = 0;

	buf_init(&b, 1 << 20);
	for (size_t w = 0; w < 2 && !rc; w++) {
		const json_t *res = json_get(json_get(assoc, what[w][0]), "results");
		buf_reset(&b);
		for (size_t i = 0; i < json_len(res); i++) {
			const json_t *id = json_get(json_at(res, i), "id");
			if (id == NULL)
				id = json_get(json_at(res, i), "toObjectId");
			const char *s = scalar_text(id);
			if (*s == '\0')
				continue;
			if ((buf_len(&b) && buf_addc(&b, ';') != BUF_OK) || buf_adds(&b, s) != BUF_OK) {
				rc = CRM_ENOMEM;
				break;
			}
		}
		if (!rc && buf_len(&b))
			rc = flat_add(fl, what[w][1], buf_ptr(&b), NULL);
	}
	buf_free(&b);
	return rc;
}

static int
flatten(const json_t *rec, struct flat *fl)
{
	int rc = 0;
	buf_t k;

	buf_init(&k, 1 << 16);
	for (size_t i = 0; i < json_len(rec) && !rc; i++) {
		const char *key = json_key_at(rec, i);
		json_t *v = json_val_at(rec, i);
		if (json_is(v, JSON_OBJECT) && strcmp(key, "properties") == 0) {
			for (size_t j = 0; j < json_len(v) && !rc; j++)
				rc = flat_add(fl, json_key_at(v, j), scalar_text(json_val_at(v, j)),
				    json_val_at(v, j));
		} else if (json_is(v, JSON_OBJECT) && strcmp(key, "associations") == 0) {
			rc = flat_associations(fl, v);
		} else if (json_is(v, JSON_OBJECT) && (!strcasecmp(key, "account") || !strcasecmp(key, "owner"))) {
			/* Salesforce API relationship fields: Account.Name, Owner.Name */
			for (size_t j = 0; j < json_len(v) && !rc; j++) {
				buf_reset(&k);
				if (buf_addf(&k, "%s.%s", key, json_key_at(v, j)) != BUF_OK) {
					rc = CRM_ENOMEM;
					break;
				}
				rc = flat_add(fl, buf_ptr(&k), scalar_text(json_val_at(v, j)), json_val_at(v, j));
			}
		} else {
			rc = flat_add(fl, key, scalar_text(v), v);
		}
	}
	buf_free(&k);
	return rc;
}

static int
deal_from_flat(crm_ctx_t *c, const json_t *rec, json_t **out, char *err, size_t errlen)
{
	struct flat fl = { 0 };
	crm_table_t *t = NULL;
	crm_kind kind;
	buf_t sig;
	int rc;

	buf_init(&sig, 1 << 20);
	if ((rc = flatten(rec, &fl)) != 0)
		goto out;
	/* rows of one export have the same keys: the last mapping is reused */
	for (size_t i = 0; i < fl.n; i++)
		if (buf_adds(&sig, fl.keys[i]) != BUF_OK || buf_addc(&sig, '\x1f') != BUF_OK) {
			rc = CRM_ENOMEM;
			goto out;
		}
	if (json_get(rec, "properties") && buf_addc(&sig, 'p') != BUF_OK) {
		rc = CRM_ENOMEM;
		goto out;
	}
	if (c->flat_sig && strcmp(c->flat_sig, buf_ptr(&sig)) == 0) {
		rc = crm_deal_from_cells(c, c->flat_table, fl.vals, fl.n, fl.orig, out, err, errlen);
		goto out;
	}
	rc = crm_table_new_keys(CRM_KIND_UNKNOWN, fl.keys, fl.n, &t, err, errlen);
	if (rc == CRM_BAD) {
		/* a row keyed by API names only may lack a stage: take it as HubSpot's */
		kind = json_get(rec, "properties") ? CRM_KIND_HUBSPOT_DEALS : CRM_KIND_GENERIC_DEALS;
		rc = crm_table_new_keys(kind, fl.keys, fl.n, &t, err, errlen);
	}
	if (rc != CRM_OK)
		goto out;
	if (crm_kind_is_contacts(crm_table_kind(t))) {
		str_errf(err, errlen, "a contact row, not a deal");
		rc = CRM_BAD;
		goto out;
	}
	if (json_get(rec, "properties"))
		crm_table_set_kind(t, CRM_KIND_HUBSPOT_DEALS);
	rc = crm_deal_from_cells(c, t, fl.vals, fl.n, fl.orig, out, err, errlen);
	if (rc != CRM_ENOMEM) {
		char *ns = buf_detach(&sig, NULL);
		if (ns) {
			free(c->flat_sig);
			crm_table_free(c->flat_table);
			c->flat_sig = ns;
			c->flat_table = t;
			t = NULL;
		}
	}
out:
	crm_table_free(t);
	flat_free(&fl);
	buf_free(&sig);
	return rc;
}

/* IDs as strings: a number keeps its text. */
static int
id_to_string(json_t *obj, const char *key)
{
	json_t *v = json_get(obj, key);

	if (json_is(v, JSON_NUMBER))
		return json_set_str(obj, key, json_num_text(v)) == JSON_OK ? 0 : CRM_ENOMEM;
	return 0;
}

static int
canon_fix(crm_ctx_t *c, json_t *rec, char *err, size_t errlen)
{
	json_t *v, *acc, *cs;
	date_t d;
	char dbuf[DATE_STRLEN], cur[4], dom[DOMAIN_MAX], em[DOMAIN_EMAIL_MAX];
	buf_t num;
	int rc = 0, none;

	/* validate before changing anything */
	v = json_get(rec, "close_date");
	if (json_is(v, JSON_STRING) && json_strlen(v) > 0 &&
	    crm_parse_date(json_str(v), c->o.date_order, &d) != 0) {
		str_errf(err, errlen, "close_date '%.60s' is not a date", json_str(v));
		return CRM_BAD;
	}
	if (v && !json_is(v, JSON_STRING) && json_typeof(v) != JSON_NULL) {
		str_errf(err, errlen, "close_date is not a string");
		return CRM_BAD;
	}
	buf_init(&num, 4096);
	v = json_get(rec, "amount");
	if (json_is(v, JSON_STRING)) {
		int ar = crm_parse_amount(json_str(v), &num, cur);
		if (ar == CRM_ENOMEM) {
			buf_free(&num);
			return CRM_ENOMEM;
		}
		if (ar == CRM_BAD) {
			str_errf(err, errlen, "amount '%.60s' is not a number", json_str(v));
			buf_free(&num);
			return CRM_BAD;
		}
		if (ar == 1)
			rc |= json_set_null(rec, "amount");
		else
			rc |= json_set(rec, "amount", json_new_num_text(buf_ptr(&num)));
		if (cur[0] && json_typeof(json_get(rec, "currency")) == JSON_NULL)
			rc |= json_set_str(rec, "currency", cur);
	}
	buf_free(&num);

	v = json_get(rec, "workspace_id");
	if (c->o.workspace_forced || !json_is(v, JSON_STRING) || json_strlen(v) == 0)
		rc |= json_set_str(rec, "workspace_id", c->o.workspace);
	rc |= id_to_string(rec, "deal_id");

	v = json_get(rec, "close_date");
	if (json_is(v, JSON_STRING) && json_strlen(v) > 0 &&
	    crm_parse_date(json_str(v), c->o.date_order, &d) == 0) {
		date_format(d, dbuf);
		if (strcmp(dbuf, json_str(v)) != 0)
			rc |= json_set_str(rec, "close_date", dbuf);
	}

	v = json_get(rec, "stage_normalized");
	if (!(json_is(v, JSON_STRING) && (!strcmp(json_str(v), "closed_won") ||
	    !strcmp(json_str(v), "closed_lost") || !strcmp(json_str(v), "open")))) {
		const json_t *st = json_get(rec, "stage");
		const char *sn = crm_ctx_stage(c, json_is(st, JSON_STRING) ? json_str(st) : NULL,
		    crm_parse_bool(scalar_text(json_get(rec, "is_won"))),
		    crm_parse_bool(scalar_text(json_get(rec, "is_closed"))),
		    crm_parse_bool(scalar_text(json_get(rec, "is_lost"))), &none);
		if (none)
			c->stageless++;
		rc |= json_set_str(rec, "stage_normalized", sn);
	}

	cs = json_get(rec, "contacts");
	if (json_is(cs, JSON_ARRAY)) {
		for (size_t i = 0; i < json_len(cs); i++) {
			json_t *ct = json_at(cs, i), *e;
			if (!json_is(ct, JSON_OBJECT))
				continue;
			rc |= id_to_string(ct, "contact_id");
			e = json_get(ct, "email");
			if (json_is(e, JSON_STRING)) {
				if (domain_email_normalize(json_str(e), em, sizeof em) == 0) {
					if (strcmp(em, json_str(e)) != 0)
						rc |= json_set_str(ct, "email", em);
				} else {
					rc |= json_set_null(ct, "email");
				}
			}
		}
	}
	if ((!json_is(cs, JSON_ARRAY) || json_len(cs) == 0) && crm_join_size(c->join) > 0) {
		json_t *arr = json_new_array();
		const json_t *id = json_get(rec, "deal_id"), *nm = json_get(rec, "deal_name");
		if (arr == NULL)
			return CRM_ENOMEM;
		if (crm_join_deal(c->join, arr, json_str(id), json_str(nm), 0) != 0) {
			json_free(arr);
			return CRM_ENOMEM;
		}
		if (json_len(arr) > 0 || cs)
			rc |= json_set(rec, "contacts", arr);
		else
			json_free(arr);
		cs = json_get(rec, "contacts");
	}

	acc = json_get(rec, "account");
	if (json_is(acc, JSON_OBJECT)) {
		rc |= id_to_string(acc, "account_id");
		v = json_get(acc, "domain");
		if (json_is(v, JSON_STRING)) {
			if (domain_normalize(json_str(v), dom, sizeof dom) == 0) {
				if (strcmp(dom, json_str(v)) != 0)
					rc |= json_set_str(acc, "domain", dom);
			} else {
				rc |= json_set_null(acc, "domain");
			}
		}
	}
	v = json_get(acc, "domain");
	if ((v == NULL || json_typeof(v) == JSON_NULL) && json_is(cs, JSON_ARRAY) &&
	    crm_contacts_domain(cs, dom) == 0) {
		if (json_is(acc, JSON_OBJECT)) {
			rc |= json_set_str(acc, "domain", dom);
		} else if (acc == NULL) {
			json_t *a = json_new_object();
			if (a == NULL || json_set_str(a, "domain", dom) != JSON_OK) {
				json_free(a);
				return CRM_ENOMEM;
			}
			rc |= json_set(rec, "account", a);
		}
	}
	return rc ? CRM_ENOMEM : CRM_OK;
}

int
crm_deal_from_json(crm_ctx_t *c, json_t *rec, json_t **out, char *err, size_t errlen)
{
	int rc;

	*out = NULL;
	if (!json_is(rec, JSON_OBJECT)) {
		str_errf(err, errlen, "expected a JSON object");
		return CRM_BAD;
	}
	if (crm_json_is_flat(rec))
		return deal_from_flat(c, rec, out, err, errlen);
	if ((rc = canon_fix(c, rec, err, errlen)) != CRM_OK)
		return rc;
	*out = rec;
	return CRM_OK;
}

/* roles: the resolver; see roles.h. */
#include "roles.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "domain.h"
#include "lru.h"
#include "names.h"
#include "roles_title.h"

/* The in-stream memory: a contact's roles on up to two deals, by workspace,
 * account and email, in an LRU of stream_cap contacts. */
struct mem_role {
	char *deal_id;
	int role;
	double conf;
	char close[16];
};
struct mem_ent {
	struct mem_role r[2];
	int nr;
};

struct roles {
	roles_titles_t *titles;
	roles_labels_t *labels;
	db_t *db;
	size_t cap;
	lru_t *mem;            /* NULL when cap is 0 */
	struct roles_stats stats;
};

static void
mem_free(void *p)
{
	struct mem_ent *e = p;

	for (int i = 0; i < e->nr; i++)
		free(e->r[i].deal_id);
	free(e);
}

/* ======================================================================
 * The resolver
 * ====================================================================== */

roles_t *
roles_new(const struct roles_opts *o, char *err, size_t errlen)
{
	roles_t *r = calloc(1, sizeof *r);

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((r->titles = roles_titles_new(o ? o->title_cache : 0, err, errlen)) == NULL) {
		roles_free(r);
		return NULL;
	}
	if (o) {
		r->db = o->db;
		r->cap = o->stream_cap;
	}
	if ((r->labels = roles_labels_new()) == NULL ||
	    (r->cap && (r->mem = lru_new(r->cap, mem_free)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		roles_free(r);
		return NULL;
	}
	return r;
}

void
roles_free(roles_t *r)
{
	if (r == NULL)
		return;
	roles_titles_free(r->titles);
	roles_labels_free(r->labels);
	lru_free(r->mem);
	free(r);
}

int
roles_title(roles_t *r, const char *title, int *rule)
{
	return roles_titles_match(r->titles, title, rule);
}

int
roles_crm_label(const roles_t *r, const char *label)
{
	return roles_labels_crm(r ? r->labels : NULL, label);
}

int
roles_deal_field(const roles_t *r, const char *field)
{
	return roles_labels_field(r ? r->labels : NULL, field);
}

int
roles_add_crm_label(roles_t *r, const char *label, int role)
{
	return roles_labels_add_crm(r->labels, label, role);
}

int
roles_add_deal_field(roles_t *r, const char *field, int role)
{
	return roles_labels_add_field(r->labels, field, role);
}

const char *
roles_unknown_label(const roles_t *r, size_t i, unsigned long *count)
{
	return roles_labels_unknown(r->labels, i, count);
}

void
roles_set_db(roles_t *r, db_t *db)
{
	r->db = db;
}

const struct roles_stats *
roles_stats(const roles_t *r)
{
	return &r->stats;
}

void
roles_count_source(roles_t *r, int src)
{
	if (src >= 0 && src < ROLES_NSRC) {
		r->stats.by_source[src]++;
		r->stats.resolved++;
		if (r->stats.unresolved)
			r->stats.unresolved--;
	}
}

/* ---- the in-stream memory ---- */

/* Is (conf, close) a better memory than m? Stronger first, then the later deal. */
static int
better(double conf, const char *close, double mconf, const char *mclose)
{
	if (conf > mconf + 1e-9)
		return 1;
	if (conf < mconf - 1e-9)
		return 0;
	return strcmp(close ? close : "", mclose ? mclose : "") > 0;
}

static void
mem_remember(roles_t *r, const char *key, const char *deal_id, int role, double conf,
    const char *close)
{
	struct mem_ent *e;
	struct mem_role *m = NULL;
	int i;

	if (r->mem == NULL)
		return;
	/* remembering makes it the most recent: the contact seen longest ago goes first */
	if ((e = lru_get(r->mem, key)) == NULL) {
		if ((e = calloc(1, sizeof *e)) == NULL || lru_put(r->mem, key, e) != 0)
			return;
	}
	for (i = 0; i < e->nr; i++)
		if (strcmp(e->r[i].deal_id, deal_id) == 0) {
			m = &e->r[i];   /* the same deal again: its newer record wins */
			break;
		}
	if (m == NULL && e->nr < 2)
		m = &e->r[e->nr];
	if (m == NULL) {
		/* two other deals known: replace the weaker if this one is better */
		m = better(e->r[0].conf, e->r[0].close, e->r[1].conf, e->r[1].close) ? &e->r[1] : &e->r[0];
		if (!better(conf, close, m->conf, m->close))
			return;
	}
	if (m == &e->r[e->nr]) {
		if ((m->deal_id = strdup(deal_id)) == NULL)
			return;
		e->nr++;
	} else if (strcmp(m->deal_id, deal_id) != 0) {
		char *d = strdup(deal_id);

		if (d == NULL)
			return;
		free(m->deal_id);
		m->deal_id = d;
	}
	m->role = role;
	m->conf = conf;
	snprintf(m->close, sizeof m->close, "%s", close ? close : "");
}

/* ---- cross-deal evidence ---- */

struct xd {
	int role;
	double conf;
	char close[16];
	const char *deal_id;
	size_t plen;
};

/* A remembered role counts when it is one of the seven and at least as strong as cross-deal. */
static int
xd_usable(int role, double conf)
{
	return role >= 0 && role < ROLES_N &&
	    conf >= roles_source_confidence(ROLES_SRC_CROSS_DEAL) - 1e-9;
}

static void
xd_offer(struct xd *x, int role, double conf, const char *close)
{
	if (!xd_usable(role, conf))
		return;
	if (x->role < 0 || better(conf, close, x->conf, x->close)) {
		x->role = role;
		x->conf = conf;
		snprintf(x->close, sizeof x->close, "%s", close ? close : "");
	}
}

static int
xd_scan(const char *key, size_t klen, const char *val, size_t vlen, void *ctx)
{
	struct xd *x = ctx;
	json_t *v;
	double conf;
	char err[64];

	/* the key ends in the deal id: skip the current deal itself */
	if (klen - x->plen == strlen(x->deal_id) &&
	    memcmp(key + x->plen, x->deal_id, klen - x->plen) == 0)
		return 0;
	if (json_parse(val, vlen, 8, &v, NULL, err, sizeof err) != JSON_OK)
		return 0;
	if (json_num_double(json_get(v, "role_confidence"), &conf) == 0)
		xd_offer(x, roles_from_name(json_str(json_get(v, "buying_role"))), conf,
		    json_str(json_get(v, "close_date")));
	json_free(v);
	return 0;
}

/* ======================================================================
 * Setting roles on contacts
 * ====================================================================== */

int
roles_contact_role(const json_t *c, double *conf)
{
	const json_t *br = json_get(c, "buying_role");

	if (json_str(br) == NULL || json_strlen(br) == 0)
		return 0;
	if (json_num_double(json_get(c, "role_confidence"), conf) != 0)
		*conf = 1.0;   /* set by hand: no rule beats it */
	return 1;
}

static int
set_role(json_t *c, int role, int src)
{
	if (json_set_str(c, "buying_role", roles_name(role)) != JSON_OK ||
	    json_set(c, "role_confidence", json_new_num_text(roles_source_text(src))) != JSON_OK ||
	    json_set_str(c, "role_source", roles_source_name(src)) != JSON_OK)
		return -1;
	return 0;
}

static int
set_nulls(json_t *c)
{
	const char *keys[] = { "buying_role", "role_confidence", "role_source" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (json_get(c, keys[i]) == NULL && json_set_null(c, keys[i]) != JSON_OK)
			return -1;
	return 0;
}

int
roles_apply(json_t *c, int role, int src)
{
	double have;

	if (role < 0 || role >= ROLES_N || src < 0 || src >= ROLES_NSRC)
		return 0;
	if (roles_contact_role(c, &have) && have > roles_source_confidence(src) + 1e-9)
		return 0;
	return set_role(c, role, src) == 0 ? 1 : -1;
}

int
roles_summary(json_t *rec)
{
	unsigned long counts[ROLES_N] = { 0 };
	json_t *contacts = json_get(rec, "contacts"), *sum, *extra = NULL;
	size_t i, n = json_len(contacts);
	int role;

	if ((sum = json_new_object()) == NULL)
		return -1;
	for (i = 0; json_is(contacts, JSON_ARRAY) && i < n; i++) {
		const char *name = json_str(json_get(json_at(contacts, i), "buying_role"));

		if (name == NULL || *name == '\0')
			continue;
		if ((role = roles_from_name(name)) >= 0)
			counts[role]++;
		else {
			/* a role someone set by hand that is none of the seven: counted as written */
			int64_t k = 0;

			if (extra == NULL && (extra = json_new_object()) == NULL)
				goto fail;
			json_num_int(json_get(extra, name), &k);
			if (json_set_int(extra, name, k + 1) != JSON_OK)
				goto fail;
		}
	}
	for (i = 0; i < ROLES_N; i++) {
		static const char *const small[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

		if ((counts[i] < 10 ? json_set(sum, roles_name((int)i), json_new_num_text(small[counts[i]])) :
		    json_set_int(sum, roles_name((int)i), (int64_t)counts[i])) != JSON_OK)
			goto fail;
	}
	for (i = 0; extra && i < json_len(extra); i++)
		if (json_set(sum, json_key_at(extra, i), json_clone(json_val_at(extra, i))) != JSON_OK)
			goto fail;
	json_free(extra);
	return json_set(rec, "roles_summary", sum) == JSON_OK ? 0 : -1;
fail:
	json_free(extra);
	json_free(sum);
	return -1;
}

/* ---- deal fields naming contacts ---- */

static void
contact_name(const json_t *c, struct names_name *out)
{
	const json_t *p = json_path(c, "apollo.person");
	const char *first = json_str(json_get(c, "first_name"));
	const char *last = json_str(json_get(c, "last_name"));
	const char *full = json_str(json_get(c, "name"));

	if (full == NULL)
		full = json_str(json_get(c, "full_name"));
	if ((first == NULL || !*first) && (last == NULL || !*last) && (full == NULL || !*full)) {
		first = json_str(json_get(p, "first_name"));
		last = json_str(json_get(p, "last_name"));
		full = json_str(json_get(p, "name"));
	}
	names_contact(first, last, full, json_str(json_get(c, "email")), out);
}

struct field_ctx {
	roles_t *r;
	json_t *contacts;
	size_t n;
	struct names_name *names;   /* built on first use */
	int *field_role;            /* per contact, ROLES_NONE when no field names it */
	int failed;
};

static void
field_name(struct field_ctx *fc, int role, const char *s, size_t len)
{
	char one[512];
	long idx;
	size_t i;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= sizeof one)
		return;
	memcpy(one, s, len);
	one[len] = '\0';
	if (fc->names == NULL) {
		if ((fc->names = calloc(fc->n ? fc->n : 1, sizeof *fc->names)) == NULL) {
			fc->failed = 1;
			return;
		}
		for (i = 0; i < fc->n; i++)
			contact_name(json_at(fc->contacts, i), &fc->names[i]);
	}
	fc->r->stats.field_names++;
	idx = names_pick(one, fc->names, fc->n, NULL);
	if (idx < 0) {
		fc->r->stats.field_unmatched++;
		return;
	}
	if (fc->field_role[idx] == ROLES_NONE)
		fc->field_role[idx] = role;   /* the first field naming a contact wins */
}

static void
field_value(struct field_ctx *fc, int role, const json_t *v)
{
	const char *s, *e;
	size_t i;

	if (json_is(v, JSON_ARRAY)) {
		for (i = 0; i < json_len(v); i++)
			if (json_is(json_at(v, i), JSON_STRING))
				field_value(fc, role, json_at(v, i));
		return;
	}
	if ((s = json_str(v)) == NULL)
		return;
	/* several names: "Pat Ng; Sam Lee" */
	for (;;) {
		e = s + strcspn(s, ";|\n");
		field_name(fc, role, s, (size_t)(e - s));
		if (*e == '\0')
			break;
		s = e + 1;
	}
}

static void
scan_fields(struct field_ctx *fc, const json_t *obj)
{
	size_t i;
	int role;

	for (i = 0; json_is(obj, JSON_OBJECT) && i < json_len(obj); i++) {
		const char *k = json_key_at(obj, i);

		if (strcmp(k, "contacts") == 0 || strcmp(k, "account") == 0 ||
		    strcmp(k, "custom_fields") == 0)
			continue;
		if ((role = roles_deal_field(fc->r, k)) >= 0)
			field_value(fc, role, json_val_at(obj, i));
	}
}

/* ---- one record ---- */

static int
str_is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

const char *
roles_contact_title(const json_t *c, int apollo)
{
	const char *t = apollo ? json_str(json_path(c, "apollo.person.title")) :
	    json_str(json_get(c, "title"));

	return t && *t ? t : NULL;
}

/* The CRM role: a role, or ROLES_NONE; unknown labels are noted. */
static int
crm_role(roles_t *r, const json_t *c)
{
	const json_t *v = json_get(c, "crm_role");
	const char *s, *e;
	char one[256];
	size_t i, n, len;
	int role;

	n = json_is(v, JSON_ARRAY) ? json_len(v) : 1;
	for (i = 0; i < n; i++) {
		s = json_str(json_is(v, JSON_ARRAY) ? json_at(v, i) : v);
		while (s && *s) {
			/* several labels: "Decision Maker;Champion" */
			e = s + strcspn(s, ";|,");
			len = (size_t)(e - s);
			if (len < sizeof one) {
				memcpy(one, s, len);
				one[len] = '\0';
				role = roles_crm_label(r, one);
				if (role >= 0)
					return role;
				if (role == ROLES_UNKNOWN)
					roles_labels_note_unknown(r->labels, one);
			}
			s = *e ? e + 1 : e;
		}
	}
	return ROLES_NONE;
}

static int
cross_deal(roles_t *r, const char *ws, const char *akey, const char *email,
    const char *deal_id, int *dberr, char *err, size_t errlen)
{
	struct xd x = { ROLES_NONE, 0, "", deal_id, 0 };
	struct mem_ent *e;
	buf_t key;
	int i, rc;

	buf_init(&key, 4096);
	if (db_key(&key, ws, "role", akey, email, (char *)NULL) != DB_OK)
		goto out;
	if (r->mem && (e = lru_peek(r->mem, buf_ptr(&key))) != NULL)
		for (i = 0; i < e->nr; i++)
			if (strcmp(e->r[i].deal_id, deal_id) != 0) {
				int before = x.role;

				xd_offer(&x, e->r[i].role, e->r[i].conf, e->r[i].close);
				if (x.role != before)
					r->stats.stream_hits++;
			}
	if (r->db && buf_addc(&key, DB_KEY_SEP) == BUF_OK) {
		struct xd y = { ROLES_NONE, 0, "", deal_id, buf_len(&key) };

		rc = db_scan(r->db, DB_INDEX, buf_ptr(&key), buf_len(&key), xd_scan, &y, err, errlen);
		if (rc < 0)
			*dberr = rc;
		else if (y.role >= 0) {
			r->stats.store_hits++;
			xd_offer(&x, y.role, y.conf, y.close);
		}
	}
out:
	buf_free(&key);
	return x.role;
}

int
roles_resolve(roles_t *r, json_t *rec, const char *workspace, char *err, size_t errlen)
{
	json_t *contacts = json_get(rec, "contacts"), *c;
	struct field_ctx fc = { r, contacts, 0, NULL, NULL, 0 };
	const char *ws = workspace, *deal_id, *close;
	char email[DOMAIN_EMAIL_MAX], idbuf[64];
	buf_t akey, mkey;
	size_t i;
	int role, src, have_acct, dberr = DB_OK, rc = DB_OK;
	double have;

	r->stats.records++;
	if (ws == NULL)
		ws = json_str(json_get(rec, "workspace_id"));
	if (ws == NULL)
		ws = "";
	deal_id = json_str(json_get(rec, "deal_id"));
	if (deal_id == NULL && json_num_text(json_get(rec, "deal_id"))) {
		snprintf(idbuf, sizeof idbuf, "%s", json_num_text(json_get(rec, "deal_id")));
		deal_id = idbuf;
	}
	if (deal_id == NULL)
		deal_id = "";
	close = json_str(json_get(rec, "close_date"));
	buf_init(&akey, 4096);
	buf_init(&mkey, 8192);
	have_acct = account_key(rec, &akey) == 0;
	if (json_is(contacts, JSON_ARRAY)) {
		fc.n = json_len(contacts);
		if (fc.n && (fc.field_role = malloc(fc.n * sizeof *fc.field_role)) == NULL) {
			rc = DB_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (i = 0; i < fc.n; i++)
			fc.field_role[i] = ROLES_NONE;
		scan_fields(&fc, json_get(rec, "custom_fields"));
		scan_fields(&fc, rec);
		if (fc.failed) {
			rc = DB_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < fc.n; i++) {
		c = json_at(contacts, i);
		if (!json_is(c, JSON_OBJECT))
			continue;
		r->stats.contacts++;
		if (domain_email_normalize(json_str(json_get(c, "email")), email, sizeof email) != 0)
			email[0] = '\0';
		role = ROLES_NONE;
		src = -1;
		/* strongest first: the first layer that speaks decides */
		if ((role = crm_role(r, c)) >= 0)
			src = ROLES_SRC_CRM_CONTACT_ROLE;
		else if ((role = fc.field_role[i]) >= 0)
			src = ROLES_SRC_CRM_DEAL_FIELD;
		else if (roles_seniority_decides(json_str(json_path(c, "apollo.person.seniority")))) {
			role = ROLES_DECISION_MAKER;
			src = ROLES_SRC_APOLLO_SENIORITY;
		} else if (have_acct && email[0] &&
		    (role = cross_deal(r, ws, buf_ptr(&akey), email, deal_id, &dberr, err,
		    errlen)) >= 0)
			src = ROLES_SRC_CROSS_DEAL;
		else {
			int rule = -1;

			role = ROLES_NONE;
			if (roles_contact_title(c, 0))
				role = roles_title(r, roles_contact_title(c, 0), &rule);
			if (rule < 0 && roles_contact_title(c, 1))
				role = roles_title(r, roles_contact_title(c, 1), &rule);
			if (role >= 0)
				src = ROLES_SRC_TITLE;
		}
		if (roles_contact_role(c, &have) && (src < 0 || have > roles_source_confidence(src) + 1e-9)) {
			r->stats.kept_input++;
			r->stats.resolved++;
			if (set_nulls(c) != 0)
				goto nomem;
		} else if (src >= 0) {
			if (set_role(c, role, src) != 0)
				goto nomem;
			r->stats.by_source[src]++;
			r->stats.resolved++;
		} else {
			r->stats.unresolved++;
			if (json_set_null(c, "buying_role") != JSON_OK ||
			    json_set_null(c, "role_confidence") != JSON_OK ||
			    json_set_null(c, "role_source") != JSON_OK)
				goto nomem;
		}
		/*
		 * Remember what this contact was on this deal, for the later deals of
		 * the stream; as in the store, a role inferred from another deal is
		 * never evidence itself.
		 */
		if (have_acct && email[0] && r->cap && roles_contact_role(c, &have) &&
		    !str_is(json_str(json_get(c, "role_source")), roles_source_name(ROLES_SRC_CROSS_DEAL))) {
			int fin = roles_from_name(json_str(json_get(c, "buying_role")));

			if (xd_usable(fin, have) &&
			    db_key(&mkey, ws, "role", buf_ptr(&akey), email, (char *)NULL) == DB_OK)
				mem_remember(r, buf_ptr(&mkey), deal_id, fin, have, close);
		}
	}
	if (roles_summary(rec) != 0)
		goto nomem;
	rc = dberr;
	goto out;
nomem:
	rc = DB_ENOMEM;
	snprintf(err, errlen, "out of memory");
out:
	free(fc.names);
	free(fc.field_role);
	buf_free(&akey);
	buf_free(&mkey);
	return rc;
}


/* crm: the context of a run and the canonical record builder; see crm.h. */
#include "crm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_accounts.h"
#include "crm_ctx.h"
#include "crm_firmo.h"
#include "domain.h"
#include "hash.h"
#include "str.h"

crm_ctx_t *
crm_ctx_new(const crm_opts_t *o)
{
	crm_ctx_t *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	if (o)
		c->o = *o;
	c->workspace = strdup(o && o->workspace ? o->workspace : "default");
	if (c->workspace == NULL) {
		free(c);
		return NULL;
	}
	c->o.workspace = c->workspace;
	if (o && o->currency && (c->currency = strdup(o->currency)) == NULL) {
		free(c->workspace);
		free(c);
		return NULL;
	}
	c->o.currency = c->currency;
	if ((c->join = crm_join_new()) == NULL || (c->accounts = crm_accounts_new()) == NULL) {
		crm_ctx_free(c);
		return NULL;
	}
	return c;
}

void
crm_ctx_free(crm_ctx_t *c)
{
	if (c == NULL)
		return;
	crm_join_free(c->join);
	crm_accounts_free(c->accounts);
	for (size_t i = 0; i < c->nunknown; i++)
		free(c->unknown[i]);
	free(c->workspace);
	free(c->currency);
	free(c->flat_sig);
	crm_table_free(c->flat_table);
	free(c);
}

size_t crm_ctx_contacts(const crm_ctx_t *c) { return crm_join_size(c->join); }
unsigned long crm_ctx_stageless(const crm_ctx_t *c) { return c->stageless; }

const char *
crm_ctx_unknown_stage(const crm_ctx_t *c, size_t i, unsigned long *count)
{
	if (i >= c->nunknown)
		return NULL;
	if (count)
		*count = c->unknown_n[i];
	return c->unknown[i];
}

static void
note_unknown_stage(crm_ctx_t *c, const char *stage)
{
	size_t i;

	for (i = 0; i < c->nunknown; i++)
		if (strcmp(c->unknown[i], stage) == 0) {
			c->unknown_n[i]++;
			return;
		}
	if (c->nunknown < CRM_MAX_UNKNOWN_STAGES && (c->unknown[c->nunknown] = strdup(stage)) != NULL)
		c->unknown_n[c->nunknown++] = 1;
}

const char *
crm_ctx_stage(crm_ctx_t *c, const char *stage, int won, int closed, int lost, int *none)
{
	int known;
	const char *r = crm_stage_normalize(c->o.stage_map, stage, won, closed, lost, &known);

	*none = 0;
	if (!known) {
		if (stage && *stage)
			note_unknown_stage(c, stage);
		else
			*none = 1;
	}
	return r;
}

int
crm_deal_build(crm_ctx_t *c, crm_kind kind, crm_fields_t *r, int id_column,
    json_t *custom, json_t **out, char *err, size_t errlen)
{
	json_t *rec = NULL, *cf = custom, *acc = NULL, *contacts = NULL, *firmo = NULL;
	buf_t num;
	char cur[4], synth[64], dbuf[DATE_STRLEN], dom[DOMAIN_MAX];
	const char *deal_id, *stage_norm, *currency;
	date_t cd;
	int rc = CRM_OK, jrc = 0, none;

	*out = NULL;
	buf_init(&num, 4096);

	/* the account: its first ID of several ("301;302"), and an accounts file's values */
	if (r->v[CRM_F_ACCOUNT_ID]) {
		char *semi = strpbrk(r->v[CRM_F_ACCOUNT_ID], ";,");
		if (semi)
			*semi = '\0';
		if (*r->v[CRM_F_ACCOUNT_ID] == '\0') {
			free(r->v[CRM_F_ACCOUNT_ID]);
			r->v[CRM_F_ACCOUNT_ID] = NULL;
		}
	}
	if (crm_accounts_fill(c->accounts, r) < 0) {
		rc = CRM_ENOMEM;
		goto out;
	}
	if ((rc = crm_firmo_new(r->v[CRM_F_INDUSTRY], r->v[CRM_F_EMPLOYEES], r->v[CRM_F_REVENUE],
	    r->v[CRM_F_SOURCE] ? r->v[CRM_F_SOURCE] : crm_kind_source(kind), 0, &firmo, err,
	    errlen)) != CRM_OK)
		goto out;

	/* deal_id */
	deal_id = r->v[CRM_F_DEAL_ID];
	if (deal_id == NULL) {
		if (id_column) {
			str_errf(err, errlen, "no deal ID");
			rc = CRM_BAD;
			goto out;
		}
		if (r->v[CRM_F_DEAL_NAME] == NULL) {
			str_errf(err, errlen, "no deal name to identify the deal by (the export has no ID column)");
			rc = CRM_BAD;
			goto out;
		}
		/* stable across runs: the deal's ID in the store */
		uint64_t h = hash_add_ci(HASH_FNV_OFFSET, r->v[CRM_F_ACCOUNT_NAME]);
		h = hash_add(h, "\x1f", 1);
		h = hash_add_ci(h, r->v[CRM_F_DEAL_NAME]);
		snprintf(synth, sizeof synth, "%s-%016llx", crm_kind_source(kind),
		    (unsigned long long)h);
		deal_id = synth;
	}
	/* close_date */
	dbuf[0] = '\0';
	if (r->v[CRM_F_CLOSE_DATE]) {
		if (crm_parse_date(r->v[CRM_F_CLOSE_DATE], c->o.date_order, &cd) != 0) {
			str_errf(err, errlen, "close date '%.60s' is not a %s date", r->v[CRM_F_CLOSE_DATE],
			    c->o.date_order == DATE_DMY ? "YYYY-MM-DD or D/M/Y" : "YYYY-MM-DD or M/D/Y");
			rc = CRM_BAD;
			goto out;
		}
		date_format(cd, dbuf);
	}
	/* amount */
	cur[0] = '\0';
	if (r->v[CRM_F_AMOUNT]) {
		int ar = crm_parse_amount(r->v[CRM_F_AMOUNT], &num, cur);
		if (ar == CRM_ENOMEM) {
			rc = CRM_ENOMEM;
			goto out;
		}
		if (ar == CRM_BAD) {
			str_errf(err, errlen, "amount '%.60s' is not a number", r->v[CRM_F_AMOUNT]);
			rc = CRM_BAD;
			goto out;
		}
	}
	if (r->v[CRM_F_CURRENCY]) {
		str_upper(r->v[CRM_F_CURRENCY]);
		currency = r->v[CRM_F_CURRENCY];
	} else {
		currency = cur[0] ? cur : r->v[CRM_F_AMOUNT] ? c->o.currency : NULL;
	}
	if (r->v[CRM_F_STAGE_NORM] && (!strcmp(r->v[CRM_F_STAGE_NORM], "closed_won") ||
	    !strcmp(r->v[CRM_F_STAGE_NORM], "closed_lost") || !strcmp(r->v[CRM_F_STAGE_NORM], "open")))
		stage_norm = r->v[CRM_F_STAGE_NORM];
	else
		stage_norm = crm_ctx_stage(c, r->v[CRM_F_STAGE], crm_parse_bool(r->v[CRM_F_IS_WON]),
		    crm_parse_bool(r->v[CRM_F_IS_CLOSED]), crm_parse_bool(r->v[CRM_F_IS_LOST]), &none);

	if (cf == NULL && (cf = json_new_object()) == NULL) {
		rc = CRM_ENOMEM;
		goto out;
	}
	if ((rec = json_new_object()) == NULL ||
	    (acc = json_new_object()) == NULL || (contacts = json_new_array()) == NULL) {
		rc = CRM_ENOMEM;
		goto out;
	}
	/* account */
	jrc |= json_set_str(acc, "account_id", r->v[CRM_F_ACCOUNT_ID]);
	jrc |= json_set_str(acc, "name", r->v[CRM_F_ACCOUNT_NAME]);
	if (r->v[CRM_F_DOMAIN] && domain_normalize(r->v[CRM_F_DOMAIN], dom, sizeof dom) == 0)
		jrc |= json_set_str(acc, "domain", dom);
	else
		jrc |= json_set_null(acc, "domain");
	if ((rc = crm_join_row(c->join, r, deal_id, crm_kind_is_salesforce(kind), contacts)) != 0)
		goto out;
	if (json_typeof(json_get(acc, "domain")) == JSON_NULL && crm_contacts_domain(contacts, dom) == 0)
		jrc |= json_set_str(acc, "domain", dom);
	if (crm_firmo_set(acc, firmo) != CRM_OK)
		jrc = -1;

	jrc |= json_set_str(rec, "workspace_id",
	    !c->o.workspace_forced && r->v[CRM_F_WORKSPACE] ? r->v[CRM_F_WORKSPACE] : c->o.workspace);
	jrc |= json_set_str(rec, "deal_id", deal_id);
	jrc |= json_set_str(rec, "deal_name", r->v[CRM_F_DEAL_NAME]);
	jrc |= json_set_str(rec, "stage", r->v[CRM_F_STAGE]);
	jrc |= json_set_str(rec, "stage_normalized", stage_norm);
	jrc |= json_set_str(rec, "close_date", dbuf[0] ? dbuf : NULL);
	if (r->v[CRM_F_AMOUNT])
		jrc |= json_set(rec, "amount", json_new_num_text(buf_ptr(&num)));
	else
		jrc |= json_set_null(rec, "amount");
	jrc |= json_set_str(rec, "currency", currency);
	jrc |= json_set_str(rec, "owner", r->v[CRM_F_OWNER]);
	jrc |= json_set_str(rec, "source", r->v[CRM_F_SOURCE] ? r->v[CRM_F_SOURCE] : crm_kind_source(kind));
	jrc |= json_set(rec, "custom_fields", cf);
	cf = NULL;
	jrc |= json_set(rec, "account", acc);
	acc = NULL;
	jrc |= json_set(rec, "contacts", contacts);
	contacts = NULL;
	if (jrc != 0) {
		rc = CRM_ENOMEM;
		goto out;
	}
	*out = rec;
	rec = NULL;
out:
	json_free(rec);
	json_free(firmo);
	json_free(cf);
	json_free(acc);
	json_free(contacts);
	buf_free(&num);
	return rc;
}

int
crm_deal_from_cells(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t *const *orig, json_t **out, char *err, size_t errlen)
{
	crm_fields_t r;
	json_t *custom;
	int rc;

	*out = NULL;
	if (crm_fields_fill(&r, t, f, n) != CRM_OK)
		return CRM_ENOMEM;
	if ((rc = crm_table_custom(t, f, n, orig, &custom)) == CRM_OK)
		rc = crm_deal_build(c, crm_table_kind(t), &r, crm_table_col(t, CRM_F_DEAL_ID) >= 0,
		    custom, out, err, errlen);
	crm_fields_free(&r);
	return rc;
}

int
crm_deal_from_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t **out, char *err, size_t errlen)
{
	*out = NULL;
	if (crm_kind_is_contacts(crm_table_kind(t))) {
		str_errf(err, errlen, "a contacts export holds no deals");
		return CRM_BAD;
	}
	if (crm_row_is_filler(f, n))
		return CRM_SKIP;
	if (crm_table_check_width(t, f, n, err, errlen) != 0)
		return CRM_BAD;
	return crm_deal_from_cells(c, t, f, n, NULL, out, err, errlen);
}

int
crm_ctx_add_account_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen)
{
	return crm_accounts_add_row(c->accounts, t, f, n, err, errlen);
}

size_t crm_ctx_accounts(const crm_ctx_t *c) { return crm_accounts_size(c->accounts); }

int
crm_ctx_add_contact_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen)
{
	return crm_join_add_row(c->join, t, f, n, err, errlen);
}

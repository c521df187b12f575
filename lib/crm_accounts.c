/* crm_accounts: see crm_accounts.h. */
#include "crm_accounts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crm_firmo.h"
#include "jmap.h"
#include "str.h"

/* The account fields an accounts row gives, and their keys in the stored object. */
static const struct {
	crm_field f;
	const char *key;
} account_fields[] = {
	{ CRM_F_ACCOUNT_ID, "id" }, { CRM_F_ACCOUNT_NAME, "name" }, { CRM_F_DOMAIN, "domain" },
	{ CRM_F_INDUSTRY, "industry" }, { CRM_F_EMPLOYEES, "employees" },
	{ CRM_F_REVENUE, "annual_revenue" },
};
#define NACCOUNT_FIELDS (sizeof account_fields / sizeof account_fields[0])

struct crm_accounts {
	struct jmap by_key;    /* "i:<id>" and "n:<name, lowercased, no blanks>" -> account */
	size_t n;
};

crm_accounts_t *
crm_accounts_new(void)
{
	return calloc(1, sizeof(crm_accounts_t));
}

void
crm_accounts_free(crm_accounts_t *a)
{
	if (a == NULL)
		return;
	jmap_free(&a->by_key);
	free(a);
}

size_t crm_accounts_size(const crm_accounts_t *a) { return a ? a->n : 0; }

/* The key of an ID ('i') or a name ('n': ASCII lowercased, blanks dropped). */
static int
join_key(buf_t *b, char type, const char *v)
{
	buf_reset(b);
	if (buf_addc(b, type) != BUF_OK || buf_addc(b, ':') != BUF_OK)
		return -1;
	if (type == 'i')
		return buf_adds(b, v) == BUF_OK ? 0 : -1;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (str_is_blank(*p))
			continue;
		if (buf_addc(b, (char)(*p < 0x80 ? tolower(*p) : *p)) != BUF_OK)
			return -1;
	}
	return 0;
}

int
crm_accounts_add_row(crm_accounts_t *a, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen)
{
	crm_fields_t r;
	json_t *acc = NULL, *firmo = NULL;
	buf_t key;
	int rc = CRM_OK;

	if (crm_row_is_filler(f, n))
		return CRM_SKIP;
	if (crm_table_check_width(t, f, n, err, errlen) != 0)
		return CRM_BAD;
	if (crm_fields_fill(&r, t, f, n) != CRM_OK)
		return CRM_ENOMEM;
	buf_init(&key, 1 << 16);
	if (r.v[CRM_F_ACCOUNT_ID] == NULL && r.v[CRM_F_ACCOUNT_NAME] == NULL) {
		str_errf(err, errlen, "no account ID or name to join this account on");
		rc = CRM_BAD;
		goto out;
	}
	/* told here, with this row's line, rather than on every deal of the account */
	if ((rc = crm_firmo_new(r.v[CRM_F_INDUSTRY], r.v[CRM_F_EMPLOYEES], r.v[CRM_F_REVENUE],
	    "csv", 0, &firmo, err, errlen)) != CRM_OK)
		goto out;
	if ((acc = json_new_object()) == NULL) {
		rc = CRM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < NACCOUNT_FIELDS; i++)
		if (json_set_str(acc, account_fields[i].key, r.v[account_fields[i].f]) != JSON_OK) {
			rc = CRM_ENOMEM;
			goto out;
		}
	if (r.v[CRM_F_ACCOUNT_ID] && (join_key(&key, 'i', r.v[CRM_F_ACCOUNT_ID]) != 0 ||
	    jmap_put(&a->by_key, buf_ptr(&key), json_clone(acc)) != 0)) {
		rc = CRM_ENOMEM;
		goto out;
	}
	if (r.v[CRM_F_ACCOUNT_NAME] && (join_key(&key, 'n', r.v[CRM_F_ACCOUNT_NAME]) != 0 ||
	    jmap_put(&a->by_key, buf_ptr(&key), json_clone(acc)) != 0)) {
		rc = CRM_ENOMEM;
		goto out;
	}
	a->n++;
out:
	json_free(acc);
	json_free(firmo);
	buf_free(&key);
	crm_fields_free(&r);
	return rc;
}

int
crm_accounts_fill(const crm_accounts_t *a, crm_fields_t *r)
{
	const json_t *acc = NULL;
	buf_t key;
	int rc = 0;

	if (a == NULL || a->n == 0)
		return 0;
	buf_init(&key, 1 << 16);
	if (r->v[CRM_F_ACCOUNT_ID]) {
		if (join_key(&key, 'i', r->v[CRM_F_ACCOUNT_ID]) != 0)
			rc = CRM_ENOMEM;
		else
			acc = jmap_get(&a->by_key, buf_ptr(&key));
	}
	if (rc == 0 && acc == NULL && r->v[CRM_F_ACCOUNT_NAME]) {
		if (join_key(&key, 'n', r->v[CRM_F_ACCOUNT_NAME]) != 0)
			rc = CRM_ENOMEM;
		else
			acc = jmap_get(&a->by_key, buf_ptr(&key));
	}
	buf_free(&key);
	if (rc != 0 || acc == NULL)
		return rc;
	for (size_t i = 0; i < NACCOUNT_FIELDS; i++) {
		const char *v = json_str(json_get(acc, account_fields[i].key));
		crm_field f = account_fields[i].f;
		if (r->v[f] == NULL && v && (r->v[f] = strdup(v)) == NULL)
			return CRM_ENOMEM;
	}
	return 1;
}

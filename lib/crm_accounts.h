/*
 * crm_accounts: a CSV of accounts (companies) joined to the deals of a CRM
 * export (deals-extract --accounts): a deal gets the account whose ID is its
 * account ID, else whose name is its account name, names compared ignoring
 * case and blanks ("Globex  Corp" is "globex corp" is "GlobexCorp"). The
 * account's ID, name, domain, industry, employees and annual revenue fill
 * what the deal's own row left empty: a deal row's value wins.
 *
 * Ownership: a crm_accounts_t owns the accounts it was given
 * (crm_accounts_free); filled values are copies the crm_fields_t owns.
 * Nothing here prints or exits.
 */
#ifndef DE_CRM_ACCOUNTS_H
#define DE_CRM_ACCOUNTS_H

#include <stddef.h>
#include "crm_columns.h"

typedef struct crm_accounts crm_accounts_t;

crm_accounts_t *crm_accounts_new(void);   /* NULL on ENOMEM */
void crm_accounts_free(crm_accounts_t *a);
/* Accounts held. */
size_t crm_accounts_size(const crm_accounts_t *a);

/*
 * Adds one row of an accounts file (a table of kind CRM_KIND_ACCOUNTS).
 * Returns CRM_OK, CRM_SKIP (a blank or footer row), CRM_BAD with err (wrong
 * width, no ID or name, employees or revenue that are not numbers), or
 * CRM_ENOMEM.
 */
int crm_accounts_add_row(crm_accounts_t *a, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen);

/*
 * Fills r's account fields (CRM_F_ACCOUNT_ID, _ACCOUNT_NAME, _DOMAIN,
 * _INDUSTRY, _EMPLOYEES, _REVENUE) that are NULL from the account it joins
 * to. Returns 1 when one was found, 0 when none, CRM_ENOMEM.
 */
int crm_accounts_fill(const crm_accounts_t *a, crm_fields_t *r);

#endif

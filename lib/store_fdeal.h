/*
 * store_fdeal: a deal's facts read into a struct without building a JSON
 * tree (what enrich-summary and enrich-status scan 100,000 times).
 */
#ifndef DE_STORE_FDEAL_H
#define DE_STORE_FDEAL_H

#include <stddef.h>
#include "db.h"
#include "store_schema.h"

/*
 * The facts of a deal. Strings are NULL when the facts hold null; they and
 * the arrays live until fn returns (or the reader's next read).
 */
struct store_fcontact {
	const char *apollo, *seniority, *department, *role;
	const char *linkedin;   /* linkedin.status; NULL: LinkedIn was not asked */
	double tenure;
	int has_tenure;   /* tenure holds a number */
	int email;        /* the contact has an email */
};

struct store_fdeal {
	const char *deal_id, *stage, *close_date, *status, *account_key;
	const char *industry, *size_band, *signals, *enriched_at;
	const char *const *types;          /* signal types, distinct */
	size_t ntypes;
	const struct store_fcontact *contacts;
	size_t ncontacts;
	double amount;                     /* the deal's amount when has_amount */
	int has_amount;
};

typedef int (*store_fdeal_fn)(const struct store_fdeal *d, void *ctx);
/* As store_scan_facts() (store_read.h), with the struct. */
int store_scan_fdeals(db_t *db, const char *ws, store_fdeal_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen);
/*
 * Reads one facts text into *d. The strings and arrays live in r until the
 * next call or store_freader_free(). Returns 0, -1 when the text is not facts
 * JSON, -2 when memory runs out.
 */
typedef struct store_freader store_freader_t;
store_freader_t *store_freader_new(void);
void store_freader_free(store_freader_t *r);
int store_freader_read(store_freader_t *r, const char *text, size_t len, struct store_fdeal *d);

void store_fdeal_numbers(const struct store_fdeal *d, struct store_deal_numbers *out);

#endif

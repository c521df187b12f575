/*
 * store_count: counting deals, contacts and accounts for enrich-status and
 * the deals-load report.
 */
#ifndef DE_STORE_COUNT_H
#define DE_STORE_COUNT_H

#include <stddef.h>
#include "db.h"
#include "store_schema.h"

/*
 * Counts with distinct deals and accounts: adding the same deal twice
 * replaces its first numbers, an account counts once.
 */
typedef struct store_counter store_counter_t;

struct store_stats {
	long long deals, enriched_deals, partial_deals, failed_deals;
	long long contacts, roles_resolved, apollo_enriched, accounts_with_signals;
};

/* A new counter; NULL when memory runs out. The caller frees it. */
store_counter_t *store_counter_new(void);
void store_counter_free(store_counter_t *c);
/* Adds a deal (by id) and its account key (may be NULL). -1 on ENOMEM. */
int store_counter_add(store_counter_t *c, const char *deal_id, const char *account_key,
    const struct store_deal_numbers *n);
void store_counter_get(const store_counter_t *c, struct store_stats *out);

/*
 * The stats of ws's closed deals (stage closed_won or closed_lost) in the
 * store, for enrich-status. Returns DB_OK or an error.
 */
int store_stats(db_t *db, const char *ws, struct store_stats *out, char *err,
    size_t errlen);

#endif

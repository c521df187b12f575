/* store_count: see store_count.h. */
#include "store_count.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "store_fdeal.h"
#include "str.h"
#include "u64set.h"

struct deal_slot {
	uint64_t h;              /* 0: empty */
	struct store_deal_numbers n;
};

struct store_counter {
	struct deal_slot *deals;
	size_t ndeals, dcap;
	u64set_t accts;          /* accounts with signals, counted once */
	struct store_stats sum;
};

store_counter_t *
store_counter_new(void)
{
	return calloc(1, sizeof(store_counter_t));
}

void
store_counter_free(store_counter_t *c)
{
	if (c == NULL)
		return;
	free(c->deals);
	u64set_free(&c->accts);
	free(c);
}

/* A table key: 0 marks an empty slot. */
static uint64_t
slot_hash(const char *s)
{
	uint64_t h = hash_str(s);

	return h ? h : 1;
}

static int
deal_grow(store_counter_t *c)
{
	size_t cap = c->dcap ? c->dcap * 2 : 64, i, j;
	struct deal_slot *t = calloc(cap, sizeof *t);

	if (t == NULL)
		return -1;
	for (i = 0; i < c->dcap; i++)
		if (c->deals[i].h) {
			for (j = c->deals[i].h & (cap - 1); t[j].h; j = (j + 1) & (cap - 1))
				;
			t[j] = c->deals[i];
		}
	free(c->deals);
	c->deals = t;
	c->dcap = cap;
	return 0;
}

static void
sum_numbers(struct store_stats *s, const struct store_deal_numbers *n, int sign)
{
	s->deals += sign;
	if (n->status == STORE_ENRICHED)
		s->enriched_deals += sign;
	else if (n->status == STORE_PARTIAL)
		s->partial_deals += sign;
	else
		s->failed_deals += sign;
	s->contacts += sign * n->contacts;
	s->roles_resolved += sign * n->roles_resolved;
	s->apollo_enriched += sign * n->apollo_enriched;
}

int
store_counter_add(store_counter_t *c, const char *deal_id, const char *account,
    const struct store_deal_numbers *n)
{
	uint64_t h;
	size_t j;

	if ((c->ndeals + 1) * 2 > c->dcap && deal_grow(c) != 0)
		return -1;
	h = slot_hash(deal_id);
	for (j = h & (c->dcap - 1); c->deals[j].h && c->deals[j].h != h; j = (j + 1) & (c->dcap - 1))
		;
	if (c->deals[j].h == h)
		sum_numbers(&c->sum, &c->deals[j].n, -1);
	else
		c->ndeals++;
	c->deals[j].h = h;
	c->deals[j].n = *n;
	sum_numbers(&c->sum, n, 1);
	if (account && *account && n->signals) {
		int added = u64set_add(&c->accts, hash_str(account));

		if (added < 0)
			return -1;
		c->sum.accounts_with_signals += added;
	}
	return 0;
}

void
store_counter_get(const store_counter_t *c, struct store_stats *out)
{
	*out = c->sum;
}

struct stats_ctx {
	store_counter_t *c;
	int nomem;
};

static int
stats_cb(const struct store_fdeal *d, void *vctx)
{
	struct stats_ctx *x = vctx;
	struct store_deal_numbers n;

	if (d->deal_id == NULL || d->stage == NULL ||
	    (strcmp(d->stage, "closed_won") != 0 && strcmp(d->stage, "closed_lost") != 0))
		return 0;
	store_fdeal_numbers(d, &n);
	if (store_counter_add(x->c, d->deal_id, d->account_key, &n) != 0) {
		x->nomem = 1;
		return 1;
	}
	return 0;
}

int
store_stats(db_t *db, const char *ws, struct store_stats *out, char *err, size_t errlen)
{
	struct stats_ctx x = { store_counter_new(), 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if (x.c == NULL) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = store_scan_fdeals(db, ws, stats_cb, &x, NULL, err, errlen);
	if (rc == DB_OK && x.nomem) {
		str_errf(err, errlen, "out of memory");
		rc = DB_ENOMEM;
	}
	if (rc == DB_OK)
		store_counter_get(x.c, out);
	store_counter_free(x.c);
	return rc;
}

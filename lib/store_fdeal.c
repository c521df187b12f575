/* store_fdeal: see store_fdeal.h. */
#include "store_fdeal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

enum { FK_NONE = -1, FK_DEAL_ID, FK_STAGE, FK_CLOSE, FK_STATUS, FK_ACCOUNT_KEY, FK_INDUSTRY,
	FK_SIZE, FK_SIGNALS, FK_ENRICHED_AT, FK_TYPES, FK_CONTACTS, FK_AMOUNT, FK_N };
struct fkey {
	const char *k;
	size_t n;
};
#define FKEY(s) { s, sizeof s - 1 }
static const struct fkey fkeys[] = { FKEY("deal_id"), FKEY("stage"), FKEY("close_date"),
	FKEY("status"), FKEY("account_key"), FKEY("industry"), FKEY("size_band"), FKEY("signals"),
	FKEY("enriched_at"), FKEY("signal_types"), FKEY("contacts"), FKEY("amount") };
enum { CK_NONE = -1, CK_APOLLO, CK_SENIORITY, CK_DEPARTMENT, CK_ROLE, CK_LINKEDIN, CK_TENURE,
	CK_EMAIL };
static const struct fkey ckeys[] = { FKEY("apollo"), FKEY("seniority"), FKEY("department"),
	FKEY("role"), FKEY("linkedin"), FKEY("tenure"), FKEY("email") };

#define NOOFF ((size_t)-1)

struct fcontact_off {
	size_t s[5];          /* the string keys: apollo ... linkedin */
	double tenure;
	int has_tenure, email;
};

struct store_freader {
	buf_t arena;
	size_t top[FK_ENRICHED_AT + 1];
	size_t *types, ntypes, atypes;
	const char **tptr;
	size_t atptr;
	struct fcontact_off *c;
	size_t nc, ac;
	struct store_fcontact *cptr;
	size_t acptr;
	double amount;
	int has_amount;
	int depth, key, ckey, nomem;
};

static int
key_id(const struct fkey *keys, size_t n, const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keys[i].n == len && memcmp(keys[i].k, k, len) == 0)
			return (int)i;
	return -1;
}

/* Copies s into the arena; its offset, or NOOFF when memory ran out. */
static size_t
arena_str(store_freader_t *r, const char *s, size_t len)
{
	size_t off = buf_len(&r->arena);

	if (buf_add(&r->arena, s, len) != BUF_OK || buf_addc(&r->arena, '\0') != BUF_OK) {
		r->nomem = 1;
		return NOOFF;
	}
	return off;
}

static int
grow(void **p, size_t *alloc, size_t need, size_t size)
{
	void *n;
	size_t a;

	if (need <= *alloc)
		return 0;
	a = *alloc ? *alloc * 2 : 16;
	while (a < need)
		a *= 2;
	if ((n = realloc(*p, a * size)) == NULL)
		return -1;
	*p = n;
	*alloc = a;
	return 0;
}

static int
fr_string(void *ctx, const char *s, size_t len)
{
	store_freader_t *r = ctx;
	size_t off;

	if (r->depth == 1 && r->key >= 0 && r->key <= FK_ENRICHED_AT) {
		if ((r->top[r->key] = arena_str(r, s, len)) == NOOFF)
			return 0;
	} else if (r->depth == 2 && r->key == FK_TYPES) {
		if ((off = arena_str(r, s, len)) == NOOFF)
			return 0;
		if (grow((void **)&r->types, &r->atypes, r->ntypes + 1, sizeof *r->types) != 0) {
			r->nomem = 1;
			return 0;
		}
		r->types[r->ntypes++] = off;
	} else if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey >= 0 &&
	    r->ckey <= CK_LINKEDIN) {
		if ((r->c[r->nc - 1].s[r->ckey] = arena_str(r, s, len)) == NOOFF)
			return 0;
	}
	return 1;
}

static int
fr_number(void *ctx, const char *s, size_t len)
{
	store_freader_t *r = ctx;
	char num[64], *end;

	if (r->depth == 1 && r->key == FK_AMOUNT && len < sizeof num) {
		memcpy(num, s, len);
		num[len] = '\0';
		r->amount = strtod(num, &end);
		r->has_amount = *end == '\0' && isfinite(r->amount);
	}
	if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey == CK_TENURE &&
	    len < sizeof num) {
		memcpy(num, s, len);
		num[len] = '\0';
		r->c[r->nc - 1].tenure = strtod(num, NULL);
		r->c[r->nc - 1].has_tenure = 1;
	}
	return 1;
}

static int
fr_bool(void *ctx, int b)
{
	store_freader_t *r = ctx;

	if (r->depth == 3 && r->key == FK_CONTACTS && r->nc > 0 && r->ckey == CK_EMAIL)
		r->c[r->nc - 1].email = b;
	return 1;
}

static int
fr_start_map(void *ctx)
{
	store_freader_t *r = ctx;
	size_t i;

	r->depth++;
	if (r->depth == 3 && r->key == FK_CONTACTS) {
		if (grow((void **)&r->c, &r->ac, r->nc + 1, sizeof *r->c) != 0) {
			r->nomem = 1;
			return 0;
		}
		memset(&r->c[r->nc], 0, sizeof r->c[r->nc]);
		for (i = 0; i < sizeof r->c[r->nc].s / sizeof r->c[r->nc].s[0]; i++)
			r->c[r->nc].s[i] = NOOFF;
		r->nc++;
		r->ckey = CK_NONE;
	}
	return 1;
}

static int
fr_map_key(void *ctx, const char *k, size_t len)
{
	store_freader_t *r = ctx;

	if (r->depth == 1)
		r->key = key_id(fkeys, FK_N, k, len);
	else if (r->depth == 3 && r->key == FK_CONTACTS)
		r->ckey = key_id(ckeys, sizeof ckeys / sizeof ckeys[0], k, len);
	return 1;
}

static int
fr_end(void *ctx)
{
	store_freader_t *r = ctx;

	r->depth--;
	return 1;
}

static int
fr_start_array(void *ctx)
{
	store_freader_t *r = ctx;

	r->depth++;
	return 1;
}

/* The facts were written by store_facts(): valid UTF-8 already. */
static const struct json_events fr_events = {
	.boolean = fr_bool, .number = fr_number, .string = fr_string,
	.start_map = fr_start_map, .map_key = fr_map_key, .end_map = fr_end,
	.start_array = fr_start_array, .end_array = fr_end, .check_utf8 = 0
};

store_freader_t *
store_freader_new(void)
{
	store_freader_t *r = calloc(1, sizeof *r);

	if (r)
		buf_init(&r->arena, STORE_VAL_CAP);
	return r;
}

void
store_freader_free(store_freader_t *r)
{
	if (r == NULL)
		return;
	buf_free(&r->arena);
	free(r->types);
	free(r->tptr);
	free(r->c);
	free(r->cptr);
	free(r);
}

int
store_freader_read(store_freader_t *r, const char *text, size_t len, struct store_fdeal *d)
{
	const char *base;
	int rc;
	size_t i;

	buf_reset(&r->arena);
	for (i = 0; i <= FK_ENRICHED_AT; i++)
		r->top[i] = NOOFF;
	r->ntypes = r->nc = 0;
	r->has_amount = 0;
	r->depth = 0;
	r->key = FK_NONE;
	r->ckey = CK_NONE;
	r->nomem = 0;
	memset(d, 0, sizeof *d);
	rc = json_events(text, len, &fr_events, r);
	if (r->nomem || rc == JSON_ENOMEM)
		return -2;
	if (rc != JSON_OK)
		return -1;
	if (grow((void **)&r->tptr, &r->atptr, r->ntypes + 1, sizeof *r->tptr) != 0 ||
	    grow((void **)&r->cptr, &r->acptr, r->nc + 1, sizeof *r->cptr) != 0)
		return -2;
	/* The arena no longer moves: offsets become pointers. */
	base = buf_ptr(&r->arena);
#define AT(off) ((off) == NOOFF ? NULL : base + (off))
	d->deal_id = AT(r->top[FK_DEAL_ID]);
	d->stage = AT(r->top[FK_STAGE]);
	d->close_date = AT(r->top[FK_CLOSE]);
	d->status = AT(r->top[FK_STATUS]);
	d->account_key = AT(r->top[FK_ACCOUNT_KEY]);
	d->industry = AT(r->top[FK_INDUSTRY]);
	d->size_band = AT(r->top[FK_SIZE]);
	d->signals = AT(r->top[FK_SIGNALS]);
	d->enriched_at = AT(r->top[FK_ENRICHED_AT]);
	d->has_amount = r->has_amount;
	d->amount = r->has_amount ? r->amount : 0;
	for (i = 0; i < r->ntypes; i++)
		r->tptr[i] = AT(r->types[i]);
	d->types = r->tptr;
	d->ntypes = r->ntypes;
	for (i = 0; i < r->nc; i++) {
		struct store_fcontact *c = &r->cptr[i];

		c->apollo = AT(r->c[i].s[0]);
		c->seniority = AT(r->c[i].s[1]);
		c->department = AT(r->c[i].s[2]);
		c->role = AT(r->c[i].s[3]);
		c->linkedin = AT(r->c[i].s[4]);
		c->tenure = r->c[i].tenure;
		c->has_tenure = r->c[i].has_tenure;
		c->email = r->c[i].email;
	}
#undef AT
	d->contacts = r->cptr;
	d->ncontacts = r->nc;
	return 0;
}

void
store_fdeal_numbers(const struct store_fdeal *d, struct store_deal_numbers *out)
{
	size_t i;
	int st = store_status_parse(d->status);

	memset(out, 0, sizeof *out);
	out->status = st < 0 ? STORE_FAILED : (store_status)st;
	out->changed = 1;
	for (i = 0; i < d->ncontacts; i++) {
		out->contacts++;
		if (!str_blank(d->contacts[i].role))
			out->roles_resolved++;
		if (store_status_rank(d->contacts[i].apollo) == 3)
			out->apollo_enriched++;
	}
	out->signals = store_status_rank(d->signals) == 3;
}

struct fscan {
	store_freader_t *r;
	store_fdeal_fn fn;
	void *ctx;
	size_t bad;
	int nomem, stopped;
};

static int
fscan_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct fscan *s = vctx;
	struct store_fdeal d;
	int rc;

	(void)key;
	(void)klen;
	rc = store_freader_read(s->r, val, vlen, &d);
	if (rc == -2) {
		s->nomem = 1;
		return 1;
	}
	if (rc != 0) {
		s->bad++;
		return 0;
	}
	if ((rc = s->fn(&d, s->ctx)) != 0)
		s->stopped = rc;
	return rc;
}

int
store_scan_fdeals(db_t *db, const char *ws, store_fdeal_fn fn, void *ctx, size_t *bad,
    char *err, size_t errlen)
{
	struct fscan s = { store_freader_new(), fn, ctx, 0, 0, 0 };
	buf_t prefix;
	int rc;

	if (s.r == NULL) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	buf_init(&prefix, 4096);
	if (db_key(&prefix, ws, "facts", "", (char *)NULL) != DB_OK) {
		buf_free(&prefix);
		store_freader_free(s.r);
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	rc = db_scan(db, DB_INDEX, buf_ptr(&prefix), buf_len(&prefix), fscan_cb, &s, err, errlen);
	buf_free(&prefix);
	store_freader_free(s.r);
	if (bad)
		*bad = s.bad;
	if (rc == DB_OK && s.nomem) {
		str_errf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	return rc;
}

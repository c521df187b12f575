#include "summary.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "hash.h"
#include "stats.h"
#include "store.h"
#include "str.h"

/* ---- dates and the window ---- */

void
summary_today(struct summary_opts *o, time_t now)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(o->to, sizeof o->to, "%Y-%m-%d", &tm);
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Parses a strict "YYYY-MM-DD"; 0 or -1. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	int i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
summary_months_before(const char *date, int months, char *out)
{
	int y, m, d, idx;

	if (parse_date(date, &y, &m, &d) != 0 || months < 0)
		return -1;
	idx = y * 12 + (m - 1) - months;
	if (idx < 12)
		return -1;
	y = idx / 12;
	m = idx % 12 + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	{
		char t[32];   /* y < 10000: 10 characters */

		snprintf(t, sizeof t, "%04d-%02d-%02d", y, m, d);
		memcpy(out, t, 11);
	}
	return 0;
}

int
summary_date_valid(const char *s)
{
	int y, m, d;

	return parse_date(s, &y, &m, &d) == 0;
}

int
summary_as_of(struct summary_opts *o, const char *as_of, time_t now, char *err,
    size_t errlen)
{
	if (as_of == NULL) {
		summary_today(o, now);
		return 0;
	}
	if (!summary_date_valid(as_of)) {
		str_errf(err, errlen, "--as-of: '%s' is not a date YYYY-MM-DD", as_of);
		return -1;
	}
	snprintf(o->to, sizeof o->to, "%s", as_of);
	return 0;
}

enum { W_IN, W_OPEN, W_OUTSIDE, W_NODATE };

/* from: the window's first day, or NULL for every closed deal. */
static int
window_of(const char *from, const char *to, const char *stage, const char *cd)
{
	int y, m, d;

	if (stage == NULL || (strcmp(stage, "closed_won") != 0 && strcmp(stage, "closed_lost") != 0))
		return W_OPEN;
	if (from == NULL)
		return W_IN;
	if (parse_date(cd, &y, &m, &d) != 0)
		return W_NODATE;
	return strcmp(cd, from) >= 0 && strcmp(cd, to) <= 0 ? W_IN : W_OUTSIDE;
}

static const char *
window_from(const struct summary_opts *o, char *from)
{
	if (o->months <= 0 || summary_months_before(o->to, o->months, from) != 0)
		return NULL;
	return from;
}

int
summary_in_window(const struct summary_opts *o, const json_t *facts)
{
	char from[11];

	return window_of(window_from(o, from), o->to, json_str(json_get(facts, "stage")),
	    json_str(json_get(facts, "close_date"))) == W_IN;
}

/* ---- segments: value -> counts ---- */

struct seg {
	char *value;
	long deals, won, lost, contacts;
	double won_amount;
};

struct segmap {
	struct seg *v;
	size_t n, alloc;
	size_t *slots;     /* index + 1, 0 empty */
	size_t cap;
};

static void
segmap_free(struct segmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].value);
	free(m->v);
	free(m->slots);
}

static int
segmap_rehash(struct segmap *m, size_t cap)
{
	size_t *s = calloc(cap, sizeof *s), i, j;

	if (s == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		for (j = hash_str(m->v[i].value) & (cap - 1); s[j]; j = (j + 1) & (cap - 1))
			;
		s[j] = i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

static struct seg *
segmap_get(struct segmap *m, const char *value)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap && segmap_rehash(m, m->cap ? m->cap * 2 : 32) != 0)
		return NULL;
	for (j = hash_str(value) & (m->cap - 1); m->slots[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->v[m->slots[j] - 1].value, value) == 0)
			return &m->v[m->slots[j] - 1];
	if (m->n == m->alloc) {
		size_t alloc = m->alloc ? m->alloc * 2 : 16;
		struct seg *v = realloc(m->v, alloc * sizeof *v);

		if (v == NULL)
			return NULL;
		m->v = v;
		m->alloc = alloc;
	}
	memset(&m->v[m->n], 0, sizeof m->v[m->n]);
	if ((m->v[m->n].value = strdup(value)) == NULL)
		return NULL;
	m->slots[j] = ++m->n;
	return &m->v[m->n - 1];
}

/* ---- u64 set (accounts) ---- */

struct u64set {
	uint64_t *v;
	size_t n, cap;
};

/* Adds h; returns 1 when new, 0 when present, -1 on ENOMEM. */
static int
u64set_add(struct u64set *s, uint64_t h)
{
	size_t j;

	if (h == 0)
		h = 1;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64, i;
		uint64_t *v = calloc(cap, sizeof *v);

		if (v == NULL)
			return -1;
		for (i = 0; i < s->cap; i++)
			if (s->v[i]) {
				for (j = s->v[i] & (cap - 1); v[j]; j = (j + 1) & (cap - 1))
					;
				v[j] = s->v[i];
			}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	for (j = h & (s->cap - 1); s->v[j]; j = (j + 1) & (s->cap - 1))
		if (s->v[j] == h)
			return 0;
	s->v[j] = h;
	s->n++;
	return 1;
}

/* ---- numbers (tenure) ---- */

struct nums {
	double *v;
	size_t n, alloc;
	double sum;
};

static int
nums_add(struct nums *a, double d)
{
	if (a->n == a->alloc) {
		size_t alloc = a->alloc ? a->alloc * 2 : 256;
		double *v = realloc(a->v, alloc * sizeof *v);

		if (v == NULL)
			return -1;
		a->v = v;
		a->alloc = alloc;
	}
	a->v[a->n++] = d;
	a->sum += d;
	return 0;
}

/* ---- the aggregator ---- */

enum { F_INDUSTRY, F_SIZE, F_SENIORITY, F_DEPARTMENT, F_ROLE, F_SIGNAL, F_N };

static const char *const finding_names[F_N] = {
	"industries", "size_bands", "seniorities", "departments", "buying_roles", "signal_types"
};

/* LinkedIn's answers, as coverage.linkedin counts them. */
enum { LI_ENRICHED, LI_MISMATCH, LI_NOT_FOUND, LI_FAILED, LI_SKIPPED, LI_NOT_ASKED, LI_N };

static int
linkedin_class(const char *st)
{
	if (str_blank(st))
		return LI_NOT_ASKED;
	if (strcmp(st, "enriched") == 0)
		return LI_ENRICHED;
	if (strcmp(st, "mismatch") == 0)
		return LI_MISMATCH;
	if (strcmp(st, "not_found") == 0)
		return LI_NOT_FOUND;
	if (strcmp(st, "error") == 0 || strcmp(st, "quota_exhausted") == 0)
		return LI_FAILED;
	return LI_SKIPPED;
}

struct summary {
	struct summary_opts o;
	char from_buf[11];
	const char *from;    /* the window's first day, NULL: none */
	long deals, won, lost, st[3];
	long open, outside, nodate;
	long contacts, with_email, roles;
	double won_amount;
	long apollo_enriched, apollo_not_found, apollo_failed, apollo_skipped;
	long li[LI_N];
	long any_source;   /* contacts with data from Apollo or LinkedIn */
	struct u64set accounts, signal_accounts;
	struct segmap f[F_N];
	struct nums tenure[3];   /* all, won, lost */
	char last_enriched[32];
	int nomem;
};

summary_t *
summary_new(const struct summary_opts *o)
{
	summary_t *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->o = *o;
	if (s->o.top == 0)
		s->o.top = 10;
	s->from = window_from(&s->o, s->from_buf);
	return s;
}

void
summary_free(summary_t *s)
{
	int i;

	if (s == NULL)
		return;
	free(s->accounts.v);
	free(s->signal_accounts.v);
	for (i = 0; i < F_N; i++)
		segmap_free(&s->f[i]);
	for (i = 0; i < 3; i++)
		free(s->tenure[i].v);
	free(s);
}

/* Counts one deal in a finding's segment, with its contacts (0 for deal-level ones). */
static int
seg_count(struct segmap *m, const char *value, int won, double amount, long contacts)
{
	struct seg *g;

	if (str_blank(value))
		return 0;
	if ((g = segmap_get(m, value)) == NULL)
		return -1;
	g->deals++;
	if (won) {
		g->won++;
		g->won_amount += amount;
	} else
		g->lost++;
	g->contacts += contacts;
	return 0;
}

/* The field of a contact a finding reads. */
static const char *
cfield(const struct store_fcontact *c, int which)
{
	return which == F_SENIORITY ? c->seniority : which == F_DEPARTMENT ? c->department : c->role;
}

/* A contact-level finding: each distinct value once per deal, with its contact count. */
static int
seg_contacts(struct segmap *m, const struct store_fdeal *d, int which, int won, double amount)
{
	size_t i, j, n = d->ncontacts;

	for (i = 0; i < n; i++) {
		const char *v = cfield(&d->contacts[i], which);
		long k = 0;

		if (str_blank(v))
			continue;
		for (j = 0; j < i; j++) {
			const char *w = cfield(&d->contacts[j], which);

			if (w && strcmp(w, v) == 0)
				break;
		}
		if (j < i)
			continue;   /* counted with its first contact */
		for (j = i; j < n; j++) {
			const char *w = cfield(&d->contacts[j], which);

			if (w && strcmp(w, v) == 0)
				k++;
		}
		if (seg_count(m, v, won, amount, k) != 0)
			return -1;
	}
	return 0;
}

int
summary_add_fdeal(summary_t *s, const struct store_fdeal *d)
{
	double amount;
	int won, st, r;
	size_t i;

	switch (window_of(s->from, s->o.to, d->stage, d->close_date)) {
	case W_OPEN:
		s->open++;
		return 0;
	case W_OUTSIDE:
		s->outside++;
		return 0;
	case W_NODATE:
		s->nodate++;
		return 0;
	}
	won = strcmp(d->stage, "closed_won") == 0;
	/* Amounts are summed over won deals only: a lost deal's is often 0. */
	amount = won && d->has_amount ? d->amount : 0;
	s->deals++;
	if (won) {
		s->won++;
		s->won_amount += amount;
	}
	else
		s->lost++;
	st = store_status_parse(d->status);
	s->st[st < 0 ? STORE_FAILED : st]++;
	if (d->enriched_at && strlen(d->enriched_at) < sizeof s->last_enriched &&
	    strcmp(d->enriched_at, s->last_enriched) > 0)
		strcpy(s->last_enriched, d->enriched_at);
	if (!str_blank(d->account_key)) {
		if (u64set_add(&s->accounts, hash_str(d->account_key)) < 0)
			goto nomem;
		if (store_status_rank(d->signals) == 3 &&
		    u64set_add(&s->signal_accounts, hash_str(d->account_key)) < 0)
			goto nomem;
	}
	for (i = 0; i < d->ncontacts; i++) {
		const struct store_fcontact *c = &d->contacts[i];

		s->contacts++;
		if (c->email)
			s->with_email++;
		if (!str_blank(c->role))
			s->roles++;
		r = store_status_rank(c->apollo);
		if (r == 3)
			s->apollo_enriched++;
		else if (r == 2)
			s->apollo_not_found++;
		else if (r == 1 && (strcmp(c->apollo, "error") == 0 ||
		    strcmp(c->apollo, "quota_exhausted") == 0))
			s->apollo_failed++;
		else
			s->apollo_skipped++;
		s->li[linkedin_class(c->linkedin)]++;
		if (r == 3 || linkedin_class(c->linkedin) == LI_ENRICHED)
			s->any_source++;
		if (c->has_tenure && isfinite(c->tenure) && c->tenure >= 0) {
			if (nums_add(&s->tenure[0], c->tenure) != 0 ||
			    nums_add(&s->tenure[won ? 1 : 2], c->tenure) != 0)
				goto nomem;
		}
	}
	if (seg_count(&s->f[F_INDUSTRY], d->industry, won, amount, 0) != 0 ||
	    seg_count(&s->f[F_SIZE], d->size_band, won, amount, 0) != 0 ||
	    seg_contacts(&s->f[F_SENIORITY], d, F_SENIORITY, won, amount) != 0 ||
	    seg_contacts(&s->f[F_DEPARTMENT], d, F_DEPARTMENT, won, amount) != 0 ||
	    seg_contacts(&s->f[F_ROLE], d, F_ROLE, won, amount) != 0)
		goto nomem;
	for (i = 0; i < d->ntypes; i++)
		if (seg_count(&s->f[F_SIGNAL], d->types[i], won, amount, 0) != 0)
			goto nomem;
	return 0;
nomem:
	s->nomem = 1;
	return -1;
}

int
summary_add(summary_t *s, const json_t *facts)
{
	const json_t *cs = json_get(facts, "contacts"), *types = json_get(facts, "signal_types");
	struct store_fcontact *c = calloc(json_len(cs) + 1, sizeof *c);
	const char **t = calloc(json_len(types) + 1, sizeof *t);
	struct store_fdeal d;
	size_t i;
	int rc = -1;

	if (c == NULL || t == NULL) {
		s->nomem = 1;
		goto out;
	}
	memset(&d, 0, sizeof d);
	d.deal_id = json_str(json_get(facts, "deal_id"));
	d.stage = json_str(json_get(facts, "stage"));
	d.close_date = json_str(json_get(facts, "close_date"));
	d.status = json_str(json_get(facts, "status"));
	d.account_key = json_str(json_get(facts, "account_key"));
	d.industry = json_str(json_get(facts, "industry"));
	d.size_band = json_str(json_get(facts, "size_band"));
	d.signals = json_str(json_get(facts, "signals"));
	d.enriched_at = json_str(json_get(facts, "enriched_at"));
	d.has_amount = json_num_double(json_get(facts, "amount"), &d.amount) == 0;
	for (i = 0; i < json_len(types); i++)
		if ((t[d.ntypes] = json_str(json_at(types, i))) != NULL)
			d.ntypes++;
	d.types = t;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *x = json_at(cs, i);

		c[i].apollo = json_str(json_get(x, "apollo"));
		c[i].seniority = json_str(json_get(x, "seniority"));
		c[i].department = json_str(json_get(x, "department"));
		c[i].role = json_str(json_get(x, "role"));
		c[i].linkedin = json_str(json_get(x, "linkedin"));
		c[i].email = json_bool(json_get(x, "email")) == 1;
		c[i].has_tenure = json_is(json_get(x, "tenure"), JSON_NUMBER) &&
		    json_num_double(json_get(x, "tenure"), &c[i].tenure) == 0;
	}
	d.contacts = c;
	d.ncontacts = json_len(cs);
	rc = summary_add_fdeal(s, &d);
out:
	free(c);
	free(t);
	return rc;
}

static double
r4(double x)
{
	return round(x * 10000) / 10000;
}

static double
r2(double x)
{
	return round(x * 100) / 100;
}

static int
set_ratio(json_t *o, const char *k, long num, long den)
{
	return den > 0 ? json_set_double(o, k, r4((double)num / (double)den)) : json_set_null(o, k);
}

/* ci_low and ci_high: the Wilson 95% interval of won of n (null when n is 0). */
static int
set_interval(json_t *o, long won, long n)
{
	double lo, hi;

	if (n <= 0)
		return json_set_null(o, "ci_low") | json_set_null(o, "ci_high");
	stats_wilson(won, n, 0.95, &lo, &hi);
	return json_set_double(o, "ci_low", r4(lo)) | json_set_double(o, "ci_high", r4(hi));
}

/* won_revenue and avg_won_deal (rounded to whole units; null with no won deal). */
static int
set_revenue(json_t *o, double amount, long won)
{
	return json_set_double(o, "won_revenue", amount) |
	    (won > 0 ? json_set_double(o, "avg_won_deal", round(amount / (double)won)) :
	    json_set_null(o, "avg_won_deal"));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static json_t *
tenure_json(struct nums *a)
{
	json_t *o = json_new_object();
	int rc;

	if (o == NULL)
		return NULL;
	rc = json_set_int(o, "contacts", (int64_t)a->n);
	if (a->n == 0) {
		rc |= json_set_null(o, "average");
		rc |= json_set_null(o, "median");
	} else {
		qsort(a->v, a->n, sizeof a->v[0], cmp_double);   /* n > 0: v is set */
		rc |= json_set_double(o, "average", r2(a->sum / (double)a->n));
		rc |= json_set_double(o, "median", r2(a->n % 2 ? a->v[a->n / 2] :
		    (a->v[a->n / 2 - 1] + a->v[a->n / 2]) / 2));
	}
	if (rc != 0) {
		json_free(o);
		return NULL;
	}
	return o;
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->deals != y->deals)
		return x->deals > y->deals ? -1 : 1;
	return strcmp(x->value, y->value);
}

static json_t *
segments_json(const summary_t *s, struct segmap *m, int with_contacts)
{
	json_t *arr = json_new_array(), *o;
	size_t i;
	int rc;

	if (arr == NULL)
		return NULL;
	/* Sorting reorders v; the slots are rebuilt so the map stays usable. */
	if (m->n) {
		qsort(m->v, m->n, sizeof m->v[0], cmp_seg);
		if (segmap_rehash(m, m->cap) != 0)
			goto fail;
	}
	for (i = 0; i < m->n && i < s->o.top; i++) {
		const struct seg *g = &m->v[i];

		if ((o = json_new_object()) == NULL || json_push(arr, o) != JSON_OK)
			goto fail;
		rc = json_set_str(o, "value", g->value);
		rc |= json_set_int(o, "deals", g->deals);
		if (with_contacts)
			rc |= json_set_int(o, "contacts", g->contacts);
		rc |= json_set_int(o, "won", g->won);
		rc |= json_set_int(o, "lost", g->lost);
		rc |= set_ratio(o, "share_won", g->won, s->won);
		rc |= set_ratio(o, "share_lost", g->lost, s->lost);
		rc |= set_ratio(o, "win_rate", g->won, g->won + g->lost);
		rc |= set_interval(o, g->won, g->won + g->lost);
		rc |= json_set_bool(o, "few_deals", g->deals < SUMMARY_FEW_DEALS);
		rc |= set_revenue(o, g->won_amount, g->won);
		if (rc != 0)
			goto fail;
	}
	return arr;
fail:
	json_free(arr);
	return NULL;
}

json_t *
summary_window(const struct summary_opts *o)
{
	json_t *w = json_new_object();
	char from[11];
	int rc;

	if (w == NULL)
		return NULL;
	rc = json_set_int(w, "months", o->months);
	if (o->months > 0 && summary_months_before(o->to, o->months, from) == 0) {
		rc |= json_set_str(w, "from", from);
		rc |= json_set_str(w, "to", o->to);
	} else {
		rc |= json_set_null(w, "from");
		rc |= json_set_null(w, "to");
	}
	if (rc) {
		json_free(w);
		return NULL;
	}
	return w;
}

json_t *
summary_result(summary_t *s, const char *workspace, const char *last_run)
{
	json_t *r = json_new_object(), *o, *p, *q;
	int rc = 0, i;

	if (r == NULL || s->nomem)
		goto fail;
	rc |= workspace ? json_set_str(r, "workspace", workspace) : json_set_null(r, "workspace");
	rc |= json_set(r, "window", summary_window(&s->o));
	rc |= json_set_int(r, "total_deals_enriched", s->st[STORE_ENRICHED] + s->st[STORE_PARTIAL]);
	rc |= last_run && *last_run ? json_set_str(r, "last_run_at", last_run) :
	    json_set_null(r, "last_run_at");
	rc |= s->last_enriched[0] ? json_set_str(r, "last_enriched_at", s->last_enriched) :
	    json_set_null(r, "last_enriched_at");
	rc |= json_set(r, "deals", o = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(o, "total", s->deals);
	rc |= json_set_int(o, "won", s->won);
	rc |= json_set_int(o, "lost", s->lost);
	rc |= set_revenue(o, s->won_amount, s->won);
	rc |= json_set_int(o, "enriched", s->st[STORE_ENRICHED]);
	rc |= json_set_int(o, "partial", s->st[STORE_PARTIAL]);
	rc |= json_set_int(o, "failed", s->st[STORE_FAILED]);
	rc |= json_set(o, "excluded", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "open", s->open);
	rc |= json_set_int(p, "outside_window", s->outside);
	rc |= json_set_int(p, "no_close_date", s->nodate);

	rc |= json_set(r, "coverage", o = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(o, "contacts", s->contacts);
	rc |= json_set_int(o, "contacts_with_email", s->with_email);
	rc |= json_set(o, "apollo", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "enriched", s->apollo_enriched);
	rc |= json_set_int(p, "not_found", s->apollo_not_found);
	rc |= json_set_int(p, "failed", s->apollo_failed);
	rc |= json_set_int(p, "skipped", s->apollo_skipped);
	rc |= set_ratio(p, "share", s->apollo_enriched, s->contacts);
	rc |= json_set(o, "linkedin", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "enriched", s->li[LI_ENRICHED]);
	rc |= json_set_int(p, "mismatch", s->li[LI_MISMATCH]);
	rc |= json_set_int(p, "not_found", s->li[LI_NOT_FOUND]);
	rc |= json_set_int(p, "failed", s->li[LI_FAILED]);
	rc |= json_set_int(p, "skipped", s->li[LI_SKIPPED]);
	rc |= json_set_int(p, "not_asked", s->li[LI_NOT_ASKED]);
	rc |= set_ratio(p, "share", s->li[LI_ENRICHED], s->contacts);
	rc |= json_set(o, "any_source", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "enriched", s->any_source);
	rc |= set_ratio(p, "share", s->any_source, s->contacts);
	rc |= json_set(o, "signals", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "accounts", (int64_t)s->accounts.n);
	rc |= json_set_int(p, "with_signals", (int64_t)s->signal_accounts.n);
	rc |= set_ratio(p, "share", (long)s->signal_accounts.n, (long)s->accounts.n);
	rc |= json_set(o, "roles", p = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_int(p, "resolved", s->roles);
	rc |= json_set_int(p, "unresolved", s->contacts - s->roles);
	rc |= set_ratio(p, "share", s->roles, s->contacts);

	rc |= json_set(r, "findings", o = json_new_object());
	if (rc)
		goto fail;
	for (i = 0; i < F_N; i++) {
		if (i == F_SENIORITY) {
			rc |= json_set(o, "tenure", p = tenure_json(&s->tenure[0]));
			if (rc)
				goto fail;
			rc |= json_set(p, "won", tenure_json(&s->tenure[1]));
			rc |= json_set(p, "lost", tenure_json(&s->tenure[2]));
		}
		q = segments_json(s, &s->f[i], i == F_SENIORITY || i == F_DEPARTMENT || i == F_ROLE);
		rc |= json_set(o, finding_names[i], q);
		if (rc)
			goto fail;
	}
	if (summary_set_moved(r, NULL, 0) != 0)
		goto fail;
	return r;
fail:
	json_free(r);
	return NULL;
}

struct build_ctx {
	summary_t *s;
};

static int
build_cb(const struct store_fdeal *d, void *vctx)
{
	struct build_ctx *b = vctx;

	return summary_add_fdeal(b->s, d) == 0 ? 0 : 1;
}

static int
set_err(int *dberr, int isdb, char *err, size_t errlen, const char *msg)
{
	if (dberr)
		*dberr = isdb;
	if (msg)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int
summary_build(db_t *db, const char *ws, const struct summary_opts *o, json_t **out,
    int *dberr, char *err, size_t errlen)
{
	struct build_ctx b;
	json_t *moved = NULL;
	char last[32];
	int rc;

	*out = NULL;
	if (dberr)
		*dberr = 0;
	if ((b.s = summary_new(o)) == NULL)
		return set_err(dberr, 0, err, errlen, "out of memory");
	rc = store_scan_fdeals(db, ws, build_cb, &b, NULL, err, errlen);
	if (rc == DB_OK && b.s->nomem)
		rc = DB_ENOMEM;
	if (rc != DB_OK) {
		summary_free(b.s);
		return set_err(dberr, rc != DB_ENOMEM, err, errlen,
		    rc == DB_ENOMEM ? "out of memory" : NULL);
	}
	rc = store_get_last_run(db, ws, last, sizeof last, err, errlen);
	if (rc < 0) {
		summary_free(b.s);
		return set_err(dberr, rc != DB_ENOMEM, err, errlen, NULL);
	}
	*out = summary_result(b.s, ws, rc == DB_OK ? last : NULL);
	summary_free(b.s);
	if (*out == NULL)
		return set_err(dberr, 0, err, errlen, "out of memory");
	if (summary_moved(db, ws, &moved, dberr, err, errlen) != 0 ||
	    summary_set_moved(*out, moved, o->top ? o->top : 10) != 0) {
		json_free(moved);
		json_free(*out);
		*out = NULL;
		return -1;
	}
	json_free(moved);
	return 0;
}

int
summary_set_moved(json_t *summary, const json_t *rows, size_t top)
{
	json_t *m = json_new_object(), *newest;
	size_t i;

	/* json_set takes the value it is given, also when it fails. */
	if (json_set(summary, "moved", m) != JSON_OK ||
	    json_set_int(m, "contacts", (int64_t)json_len(rows)) != JSON_OK ||
	    json_set(m, "newest", newest = json_new_array()) != JSON_OK)
		return -1;
	for (i = 0; i < json_len(rows) && i < top; i++)
		if (json_push(newest, json_clone(json_at(rows, i))) != JSON_OK)
			return -1;
	return 0;
}

/* ---- per deal ---- */

static int
copy_or_null(json_t *dst, const char *k, const json_t *v)
{
	return json_set(dst, k, v ? json_clone(v) : json_new_null());
}


json_t *
summary_deal_row(const json_t *facts)
{
	static const char *const copy[] = { "deal_id", "deal_name", "stage", "close_date",
	    "amount", "currency", "status", "account", "industry", "size_band" };
	const json_t *cs = json_get(facts, "contacts");
	json_t *r = json_new_object(), *roles;
	long n = 0, email = 0, enriched = 0, resolved = 0;
	size_t i;
	int rc = 0;

	if (r == NULL)
		return NULL;
	for (i = 0; i < sizeof copy / sizeof copy[0]; i++) {
		const json_t *v = json_get(facts, copy[i]);

		rc |= json_set(r, copy[i], v ? json_clone(v) : json_new_null());
	}
	rc |= json_set(r, "roles", roles = json_new_object());
	if (rc)
		goto fail;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);
		const char *role = json_str(json_get(c, "role"));
		int64_t k = 0;

		n++;
		if (json_bool(json_get(c, "email")) == 1)
			email++;
		if (store_status_rank(json_str(json_get(c, "apollo"))) == 3)
			enriched++;
		if (!str_blank(role)) {
			resolved++;
			json_num_int(json_get(roles, role), &k);
			if (json_set_int(roles, role, k + 1) != JSON_OK)
				goto fail;
		}
	}
	rc |= json_set_int(r, "contacts", n);
	rc |= json_set_int(r, "contacts_with_email", email);
	rc |= json_set_int(r, "apollo_enriched", enriched);
	rc |= json_set_int(r, "roles_resolved", resolved);
	rc |= copy_or_null(r, "signals", json_get(facts, "signals"));
	rc |= json_set(r, "signal_types", json_get(facts, "signal_types") ?
	    json_clone(json_get(facts, "signal_types")) : json_new_array());
	rc |= copy_or_null(r, "signal_score", json_get(facts, "signal_score"));
	rc |= copy_or_null(r, "loaded_at", json_get(facts, "loaded_at"));
	if (rc)
		goto fail;
	return r;
fail:
	json_free(r);
	return NULL;
}

void
summary_contact_name(const json_t *c, char *out, size_t n)
{
	const char *first = json_str(json_get(c, "first_name"));
	const char *last = json_str(json_get(c, "last_name"));

	snprintf(out, n, "%s%s%s", first ? first : "", first && last && *first && *last ? " " : "",
	    last ? last : "");
}

int
summary_committee(db_t *db, const char *ws, const char *deal_id, json_t **out, int *dberr,
    char *err, size_t errlen)
{
	static const char *const deal_keys[] = { "deal_id", "deal_name", "stage",
	    "stage_normalized", "close_date", "amount", "currency", "owner" };
	json_t *val = NULL, *r = NULL, *o, *arr, *m;
	const json_t *rec, *acct, *cs, *sig;
	char name[1024];
	size_t i;
	int rc;

	*out = NULL;
	if (dberr)
		*dberr = 0;
	rc = store_get(db, ws, deal_id, &val, err, errlen);
	if (rc == DB_NOTFOUND)
		return 1;
	if (rc != DB_OK)
		return set_err(dberr, rc != DB_ENOMEM, err, errlen, NULL);
	rec = json_get(val, "record");
	acct = json_get(rec, "account");
	cs = json_get(rec, "contacts");
	sig = json_get(acct, "signals");
	if ((r = json_new_object()) == NULL)
		goto nomem;
	rc = json_set_str(r, "workspace", ws);
	for (i = 0; i < sizeof deal_keys / sizeof deal_keys[0]; i++)
		rc |= copy_or_null(r, deal_keys[i], json_get(rec, deal_keys[i]));
	rc |= copy_or_null(r, "status", json_get(val, "status"));
	rc |= copy_or_null(r, "loaded_at", json_get(val, "loaded_at"));
	rc |= json_set(r, "account", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= copy_or_null(o, "name", json_get(acct, "name"));
	rc |= copy_or_null(o, "domain", json_get(acct, "domain"));
	rc |= copy_or_null(o, "firmographics", json_get(acct, "firmographics"));
	rc |= copy_or_null(r, "roles_summary", json_get(rec, "roles_summary"));
	rc |= json_set(r, "committee", arr = json_new_array());
	if (rc)
		goto nomem;
	for (i = 0; i < json_len(cs); i++) {
		const json_t *c = json_at(cs, i);
		double conf = store_role_confidence(c);

		if (!json_is(c, JSON_OBJECT))
			continue;
		if ((m = json_new_object()) == NULL || json_push(arr, m) != JSON_OK)
			goto nomem;
		summary_contact_name(c, name, sizeof name);
		rc |= copy_or_null(m, "contact_id", json_get(c, "contact_id"));
		rc |= name[0] ? json_set_str(m, "name", name) : json_set_null(m, "name");
		rc |= copy_or_null(m, "email", json_get(c, "email"));
		rc |= copy_or_null(m, "title", json_get(c, "title"));
		rc |= copy_or_null(m, "buying_role", json_get(c, "buying_role"));
		rc |= conf >= 0 ? json_set_double(m, "role_confidence", conf) :
		    json_set_null(m, "role_confidence");
		rc |= copy_or_null(m, "role_source", json_get(c, "role_source"));
		rc |= copy_or_null(m, "seniority", json_get(c, "seniority_verified"));
		rc |= copy_or_null(m, "department", json_get(c, "department_verified"));
		rc |= copy_or_null(m, "tenure_months", json_get(c, "tenure_months"));
		rc |= store_contact_apollo(c) ? json_set_str(m, "enrichment_status",
		    store_contact_apollo(c)) : json_set_null(m, "enrichment_status");
		rc |= copy_or_null(m, "enriched_at", json_get(c, "enriched_at"));
		if (rc)
			goto nomem;
	}
	if (json_is(sig, JSON_OBJECT)) {
		rc |= json_set(r, "signals", o = json_new_object());
		if (rc)
			goto nomem;
		rc |= copy_or_null(o, "status", json_get(sig, "status"));
		rc |= copy_or_null(o, "fetched_at", json_get(sig, "fetched_at"));
		rc |= copy_or_null(o, "score", json_get(sig, "score"));
		rc |= copy_or_null(o, "summary", json_get(sig, "summary"));
		rc |= json_set(o, "items", json_get(sig, "items") ? json_clone(json_get(sig, "items")) :
		    json_new_array());
	} else
		rc |= json_set_null(r, "signals");
	if (rc)
		goto nomem;
	json_free(val);
	*out = r;
	return 0;
nomem:
	json_free(val);
	json_free(r);
	return set_err(dberr, 0, err, errlen, "out of memory");
}

/* ---- the cache ---- */

struct cache_ctx {
	long long entries, expired, oldest, newest;
	time_t now;
	long ttl;
};

static int
cache_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct cache_ctx *c = vctx;
	char num[32];
	const char *nl = memchr(val, '\n', vlen);
	char *end;
	long long t;
	size_t n;

	(void)key;
	(void)klen;
	c->entries++;
	if (nl == NULL || (n = (size_t)(nl - val)) == 0 || n >= sizeof num)
		return 0;
	memcpy(num, val, n);
	num[n] = '\0';
	t = strtoll(num, &end, 10);
	if (*end != '\0')
		return 0;
	if (c->oldest == 0 || t < c->oldest)
		c->oldest = t;
	if (c->newest == 0 || t > c->newest)
		c->newest = t;
	if (c->ttl > 0 && (long long)c->now - t > (long long)c->ttl * 86400)
		c->expired++;
	return 0;
}

int
summary_cache(db_t *db, const char *ws, time_t now, long cache_days, json_t **out,
    int *dberr, char *err, size_t errlen)
{
	static const char *const providers[] = { "apollo", "serper", "linkedin", "deepseek" };
	json_t *r = json_new_object(), *p, *o;
	size_t entries = 0, bytes = 0, i;
	char when[32];
	buf_t prefix;
	int rc;

	*out = NULL;
	if (dberr)
		*dberr = 0;
	buf_init(&prefix, 4096);
	if (r == NULL)
		goto nomem;
	if (db && (rc = db_stat(db, DB_CACHE, &entries, &bytes, err, errlen)) != DB_OK) {
		json_free(r);
		buf_free(&prefix);
		return set_err(dberr, 1, err, errlen, NULL);
	}
	rc = json_set_int(r, "entries", (int64_t)entries);
	rc |= json_set_int(r, "db_bytes", (int64_t)bytes);
	rc |= json_set_int(r, "cache_days", cache_days);
	rc |= json_set(r, "providers", p = json_new_object());
	if (rc)
		goto nomem;
	for (i = 0; i < sizeof providers / sizeof providers[0]; i++) {
		struct cache_ctx c = { 0, 0, 0, 0, now, cache_days };

		if (db_key(&prefix, providers[i], ws, "", (char *)NULL) != DB_OK)
			goto nomem;
		if (db && (rc = db_scan(db, DB_CACHE, buf_ptr(&prefix), buf_len(&prefix), cache_cb,
		    &c, err, errlen)) != DB_OK) {
			json_free(r);
			buf_free(&prefix);
			return set_err(dberr, 1, err, errlen, NULL);
		}
		if (json_set(p, providers[i], o = json_new_object()) != JSON_OK)
			goto nomem;
		rc = json_set_int(o, "entries", c.entries);
		if (c.entries && c.oldest) {
			cache_time_format((time_t)c.oldest, when, sizeof when);
			rc |= json_set_str(o, "oldest_fetched_at", when);
			cache_time_format((time_t)c.newest, when, sizeof when);
			rc |= json_set_str(o, "newest_fetched_at", when);
			rc |= json_set_int(o, "oldest_age_days",
			    ((long long)now - c.oldest) / 86400);
		} else {
			rc |= json_set_null(o, "oldest_fetched_at");
			rc |= json_set_null(o, "newest_fetched_at");
			rc |= json_set_null(o, "oldest_age_days");
		}
		rc |= json_set_int(o, "expired", c.expired);
		if (rc)
			goto nomem;
	}
	buf_free(&prefix);
	*out = r;
	return 0;
nomem:
	json_free(r);
	buf_free(&prefix);
	return set_err(dberr, 0, err, errlen, "out of memory");
}

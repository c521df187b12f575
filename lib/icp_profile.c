#include "icp_profile.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jspan.h"
#include "logit.h"
#include "stats.h"
#include "summary.h"

#define MAX_MODEL_FEATURES 256
#define L2_LAMBDA 1.0
#define FDR 0.05
#define BOOT_REPS 200
#define BOOT_SEED 20261

struct feat {
	int attr;
	char *value;
	long deals, won, with_amount;
	double amt_won, amt_all;
};

struct icp_builder {
	struct icp_opts o;
	char from[11];
	int windowed;
	struct feat *f;
	size_t nf, af;
	size_t *slots, cap;         /* feature index + 1, 0 empty */
	uint32_t *feat;             /* every deal's features */
	size_t nfeat, afeat;
	size_t *start;              /* n + 1 */
	int *y;
	long *date;                 /* yyyymmdd, 0: none */
	double *amount;             /* NAN: none */
	size_t n, an;
	long open, outside, nodate;
	long covered[ICP_NATTRS];   /* deals with the attribute at all */
	int nomem;
};

icp_builder_t *
icp_builder_new(const struct icp_opts *o)
{
	icp_builder_t *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	b->o = *o;
	if (o->months > 0 && summary_months_before(o->to, o->months, b->from) == 0)
		b->windowed = 1;
	if ((b->start = calloc(1, sizeof *b->start)) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
icp_builder_free(icp_builder_t *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nf; i++)
		free(b->f[i].value);
	free(b->f);
	free(b->slots);
	free(b->feat);
	free(b->start);
	free(b->y);
	free(b->date);
	free(b->amount);
	free(b);
}

static uint64_t
feat_hash(int attr, const char *value)
{
	return hash_str(value) ^ ((uint64_t)(attr + 1) * 0x9e3779b97f4a7c15ULL);
}

static int
rehash(icp_builder_t *b, size_t cap)
{
	size_t *s = calloc(cap, sizeof *s), i, j;

	if (s == NULL)
		return -1;
	for (i = 0; i < b->nf; i++) {
		for (j = feat_hash(b->f[i].attr, b->f[i].value) & (cap - 1); s[j];
		    j = (j + 1) & (cap - 1))
			;
		s[j] = i + 1;
	}
	free(b->slots);
	b->slots = s;
	b->cap = cap;
	return 0;
}

/* The index of (attr, value), added when new; -1 on ENOMEM. */
static long
feat_id(icp_builder_t *b, int attr, const char *value)
{
	size_t j;
	struct feat *g;

	if ((b->nf + 1) * 2 > b->cap && rehash(b, b->cap ? b->cap * 2 : 64) != 0)
		return -1;
	for (j = feat_hash(attr, value) & (b->cap - 1); b->slots[j]; j = (j + 1) & (b->cap - 1)) {
		g = &b->f[b->slots[j] - 1];
		if (g->attr == attr && strcmp(g->value, value) == 0)
			return (long)(b->slots[j] - 1);
	}
	if (b->nf == b->af) {
		size_t af = b->af ? b->af * 2 : 64;
		struct feat *f = realloc(b->f, af * sizeof *f);

		if (f == NULL)
			return -1;
		b->f = f;
		b->af = af;
	}
	g = &b->f[b->nf];
	memset(g, 0, sizeof *g);
	g->attr = attr;
	if ((g->value = strdup(value)) == NULL)
		return -1;
	b->slots[j] = ++b->nf;
	return (long)(b->nf - 1);
}

static int
grow(void **p, size_t *alloc, size_t need, size_t size)
{
	size_t a = *alloc ? *alloc : 256;
	void *q;

	if (need <= *alloc)
		return 0;
	while (a < need)
		a *= 2;
	if ((q = realloc(*p, a * size)) == NULL)
		return -1;
	*p = q;
	*alloc = a;
	return 0;
}

/* Room for twice as many deals in the per-deal arrays. */
static int
grow_rows(icp_builder_t *b)
{
	size_t an = b->an ? b->an * 2 : 256;
	void *p;

	if ((p = realloc(b->y, an * sizeof *b->y)) == NULL)
		return -1;
	b->y = p;
	if ((p = realloc(b->date, an * sizeof *b->date)) == NULL)
		return -1;
	b->date = p;
	if ((p = realloc(b->amount, an * sizeof *b->amount)) == NULL)
		return -1;
	b->amount = p;
	if ((p = realloc(b->start, (an + 1) * sizeof *b->start)) == NULL)
		return -1;
	b->start = p;
	b->an = an;
	return 0;
}

int
icp_builder_add(icp_builder_t *b, const struct icp_deal *d)
{
	size_t i;
	int seen[ICP_NATTRS] = { 0 };
	long id;

	if (d->outcome < 0) {
		b->open++;
		return 0;
	}
	if (b->windowed) {
		if (d->close_date[0] == '\0') {
			b->nodate++;
			return 0;
		}
		if (strcmp(d->close_date, b->from) < 0 || strcmp(d->close_date, b->o.to) > 0) {
			b->outside++;
			return 0;
		}
	}
	if (grow((void **)&b->feat, &b->afeat, b->nfeat + d->n, sizeof *b->feat) != 0 ||
	    (b->n == b->an && grow_rows(b) != 0))
		goto nomem;
	for (i = 0; i < d->n; i++) {
		struct feat *g;

		if ((id = feat_id(b, d->p[i].attr, d->p[i].value)) < 0)
			goto nomem;
		g = &b->f[id];
		g->deals++;
		g->won += d->outcome;
		if (d->has_amount && isfinite(d->amount)) {
			g->with_amount++;
			g->amt_all += d->amount;
			if (d->outcome)
				g->amt_won += d->amount;
		}
		b->feat[b->nfeat++] = (uint32_t)id;
		if (!seen[d->p[i].attr]) {
			seen[d->p[i].attr] = 1;
			b->covered[d->p[i].attr]++;
		}
	}
	b->y[b->n] = d->outcome;
	b->date[b->n] = d->close_date[0] ? atol(d->close_date) * 10000 +
	    atol(d->close_date + 5) * 100 + atol(d->close_date + 8) : 0;
	b->amount[b->n] = d->has_amount && isfinite(d->amount) ? d->amount : NAN;
	b->n++;
	b->start[b->n] = b->nfeat;
	return 0;
nomem:
	b->nomem = 1;
	return -1;
}

/* ---- the model ---- */

struct model {
	size_t p;
	uint32_t *fid;     /* model feature -> builder feature */
	int32_t *map;      /* builder feature -> model feature, -1 none */
	double *w;         /* p + 1 */
};

static void
model_free(struct model *m)
{
	free(m->fid);
	free(m->map);
	free(m->w);
	memset(m, 0, sizeof *m);
}

static int
cmp_support(const void *a, const void *b, void *vc)
{
	const long *c = vc;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (c[x] != c[y])
		return c[x] > c[y] ? -1 : 1;
	return (x > y) - (x < y);
}

static double
model_z(const icp_builder_t *b, const struct model *m, size_t row)
{
	double z = m->w[0];
	size_t i;

	for (i = b->start[row]; i < b->start[row + 1]; i++)
		if (m->map[b->feat[i]] >= 0)
			z += m->w[1 + m->map[b->feat[i]]];
	return z;
}

/* Fits a model on the deals rows[0..n), starting from start's weights (NULL: zeros). */
static int
model_fit(const icp_builder_t *b, const size_t *rows, size_t n, const struct model *start,
    struct model *m, char *err, size_t errlen)
{
	long *count = calloc(b->nf ? b->nf : 1, sizeof *count);
	uint32_t *cand = malloc((b->nf ? b->nf : 1) * sizeof *cand), *rf = NULL;
	size_t *rs = malloc((n + 1) * sizeof *rs), i, j, k = 0, nc = 0, total = 0;
	int *ry = malloc((n ? n : 1) * sizeof *ry), rc = -1;
	struct logit_rows d;

	memset(m, 0, sizeof *m);
	if (count == NULL || cand == NULL || rs == NULL || ry == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		for (j = b->start[rows[i]]; j < b->start[rows[i] + 1]; j++)
			count[b->feat[j]]++;
	for (i = 0; i < b->nf; i++)
		if (count[i] >= ICP_MIN_SUPPORT)
			cand[nc++] = (uint32_t)i;
	qsort_r(cand, nc, sizeof cand[0], cmp_support, count);
	m->p = nc < MAX_MODEL_FEATURES ? nc : MAX_MODEL_FEATURES;
	m->fid = malloc((m->p ? m->p : 1) * sizeof *m->fid);
	m->map = malloc((b->nf ? b->nf : 1) * sizeof *m->map);
	m->w = malloc((m->p + 1) * sizeof *m->w);
	if (m->fid == NULL || m->map == NULL || m->w == NULL)
		goto nomem;
	for (i = 0; i < b->nf; i++)
		m->map[i] = -1;
	m->w[0] = start ? start->w[0] : 0;
	for (i = 0; i < m->p; i++) {
		m->fid[i] = cand[i];
		m->map[cand[i]] = (int32_t)i;
		m->w[1 + i] = start && start->map[cand[i]] >= 0 ? start->w[1 + start->map[cand[i]]] : 0;
	}
	for (i = 0; i < n; i++)
		total += b->start[rows[i] + 1] - b->start[rows[i]];
	if ((rf = malloc((total ? total : 1) * sizeof *rf)) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		rs[i] = k;
		for (j = b->start[rows[i]]; j < b->start[rows[i] + 1]; j++) {
			uint32_t f;
			size_t at;

			if (m->map[b->feat[j]] < 0)
				continue;
			/* Ascending within the row, as logit_fit wants: an insertion. */
			f = (uint32_t)m->map[b->feat[j]];
			for (at = k; at > rs[i] && rf[at - 1] > f; at--)
				rf[at] = rf[at - 1];
			rf[at] = f;
			k++;
		}
		ry[i] = b->y[rows[i]];
	}
	rs[n] = k;
	d.feat = rf;
	d.start = rs;
	d.y = ry;
	d.nrows = n;
	d.p = m->p;
	rc = logit_fit(&d, L2_LAMBDA, m->w, err, errlen);
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	if (rc != 0)
		model_free(m);
	free(count);
	free(cand);
	free(rs);
	free(ry);
	free(rf);
	return rc;
}

static int
cmp_date(const void *a, const void *bb, void *vb)
{
	const icp_builder_t *b = vb;
	size_t x = *(const size_t *)a, y = *(const size_t *)bb;

	if (b->date[x] != b->date[y])
		return b->date[x] < b->date[y] ? -1 : 1;
	return (x > y) - (x < y);
}

static double
r4(double x)
{
	return round(x * 10000) / 10000;
}

/* A p- or q-value: 4 significant digits are enough, tiny ones kept as they are. */
static double
rp(double x)
{
	return x < 1e-4 ? x : r4(x);
}

struct validation {
	int done;
	size_t train, test;
	double auc, lo, hi, a, b;
	char verdict[256];
};

/* Validates on the newest 30% and fits the final model; rc 0 or -1. */
static int
validate(const icp_builder_t *b, struct validation *v, struct model *final, char *err,
    size_t errlen)
{
	size_t *order = malloc((b->n ? b->n : 1) * sizeof *order), i;
	double *z = NULL;
	int *yt = NULL, rc = -1;
	long tw = 0;
	struct model m;

	memset(&m, 0, sizeof m);
	if (order == NULL)
		goto nomem;
	for (i = 0; i < b->n; i++)
		order[i] = i;
	qsort_r(order, b->n, sizeof order[0], cmp_date, (void *)b);
	v->train = b->n * 7 / 10;
	v->test = b->n - v->train;
	if ((z = malloc(v->test * sizeof *z)) == NULL || (yt = malloc(v->test * sizeof *yt)) == NULL)
		goto nomem;
	if (model_fit(b, order, v->train, NULL, &m, err, errlen) != 0)
		goto out;
	for (i = 0; i < v->test; i++) {
		z[i] = model_z(b, &m, order[v->train + i]);
		yt[i] = b->y[order[v->train + i]];
		tw += yt[i];
	}
	if (tw == 0 || tw == (long)v->test) {
		snprintf(v->verdict, sizeof v->verdict, "cannot validate: the newest %zu deals were "
		    "all %s", v->test, tw ? "won" : "lost");
		v->a = log(((double)tw + 0.5) / ((double)v->test - (double)tw + 0.5));
		v->b = 0;
	} else {
		if (stats_auc_boot(z, yt, v->test, BOOT_REPS, BOOT_SEED, 0.95, &v->auc, &v->lo,
		    &v->hi) != 0 || logit_platt(z, yt, v->test, &v->a, &v->b) != 0)
			goto nomem;
		v->done = 1;
		if (v->lo > 0.5)
			snprintf(v->verdict, sizeof v->verdict, "ranks a won deal above a lost one "
			    "%.0f%% of the time", v->auc * 100);
		else
			snprintf(v->verdict, sizeof v->verdict,
			    "does not separate won from lost better than chance");
	}
	for (i = 0; i < b->n; i++)
		order[i] = i;
	rc = model_fit(b, order, b->n, &m, final, err, errlen);
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	model_free(&m);
	free(order);
	free(z);
	free(yt);
	return rc;
}

/* ---- the profile ---- */

struct driver {
	size_t f;
	double p, q;
	int tested;
};

static int
cmp_driver(const void *a, const void *bb, void *vb)
{
	const struct driver *x = a, *y = bb;
	const icp_builder_t *b = vb;

	if (x->tested != y->tested)
		return x->tested ? -1 : 1;
	if (x->tested && x->q != y->q)
		return x->q < y->q ? -1 : 1;
	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	if (b->f[x->f].deals != b->f[y->f].deals)
		return b->f[x->f].deals > b->f[y->f].deals ? -1 : 1;
	return (x->f > y->f) - (x->f < y->f);
}

static int
set_ratio(json_t *o, const char *k, double num, double den)
{
	return den > 0 ? json_set_double(o, k, r4(num / den)) : json_set_null(o, k);
}

static json_t *
driver_json(const icp_builder_t *b, const struct driver *dv, double base, long won, long n,
    int enough, int *flagged)
{
	const struct feat *g = &b->f[dv->f];
	json_t *o = json_new_object();
	double lo, hi;
	int rc, sig;

	if (o == NULL)
		return NULL;
	stats_wilson(g->won, g->deals, 0.95, &lo, &hi);
	sig = enough && dv->tested && dv->q <= FDR;
	*flagged += sig;
	rc = json_set_str(o, "attribute", icp_attr_name(g->attr));
	rc |= json_set_str(o, "value", g->value);
	rc |= json_set_int(o, "deals", g->deals);
	rc |= json_set_int(o, "won", g->won);
	rc |= json_set_int(o, "lost", g->deals - g->won);
	rc |= json_set_double(o, "win_rate", r4((double)g->won / (double)g->deals));
	rc |= json_set_double(o, "ci_low", r4(lo));
	rc |= json_set_double(o, "ci_high", r4(hi));
	rc |= base > 0 ? json_set_double(o, "lift",
	    r4((double)g->won / (double)g->deals / base)) : json_set_null(o, "lift");
	/* The rest: the deals without the value. */
	rc |= set_ratio(o, "rest_win_rate", (double)(won - g->won), (double)(n - g->deals));
	rc |= json_set_double(o, "p_value", rp(dv->p));
	rc |= dv->tested ? json_set_double(o, "q_value", rp(dv->q)) : json_set_null(o, "q_value");
	rc |= json_set_bool(o, "significant", sig);
	rc |= json_set_bool(o, "few_deals", g->deals < ICP_MIN_SUPPORT);
	rc |= json_set_double(o, "won_revenue", g->amt_won);
	rc |= g->won ? json_set_double(o, "avg_won_deal", round(g->amt_won / (double)g->won)) :
	    json_set_null(o, "avg_won_deal");
	rc |= set_ratio(o, "amount_win_rate", g->amt_won, g->amt_all);
	if (rc) {
		json_free(o);
		return NULL;
	}
	return o;
}

static json_t *
model_json(const icp_builder_t *b, const struct model *m, const struct validation *v,
    double base)
{
	json_t *o = json_new_object(), *c, *ws, *w;
	size_t i;
	int rc;

	if (o == NULL)
		return NULL;
	rc = json_set_str(o, "type", "logistic_regression");
	rc |= json_set_double(o, "l2_lambda", L2_LAMBDA);
	rc |= json_set_int(o, "trained_on", (int64_t)b->n);
	rc |= json_set_double(o, "base_win_rate", base);
	rc |= json_set_double(o, "intercept", m->w[0]);
	rc |= json_set(o, "calibration", c = json_new_object());
	if (rc)
		goto fail;
	rc |= json_set_str(c, "method", "platt");
	rc |= json_set_double(c, "a", v->a);
	rc |= json_set_double(c, "b", v->b);
	rc |= json_set(o, "weights", ws = json_new_array());
	if (rc)
		goto fail;
	for (i = 0; i < m->p; i++) {
		const struct feat *g = &b->f[m->fid[i]];

		if ((w = json_new_object()) == NULL || json_push(ws, w) != JSON_OK)
			goto fail;
		rc |= json_set_str(w, "attribute", icp_attr_name(g->attr));
		rc |= json_set_str(w, "value", g->value);
		rc |= json_set_double(w, "weight", m->w[1 + i]);
		if (rc)
			goto fail;
	}
	return o;
fail:
	json_free(o);
	return NULL;
}

static json_t *
coverage_json(const icp_builder_t *b)
{
	json_t *arr = json_new_array(), *o;
	int i;

	for (i = 0; arr && i < ICP_NATTRS; i++) {
		if ((o = json_new_object()) == NULL || json_push(arr, o) != JSON_OK ||
		    json_set_str(o, "attribute", icp_attr_name(i)) != JSON_OK ||
		    json_set_int(o, "deals", b->covered[i]) != JSON_OK ||
		    set_ratio(o, "share", (double)b->covered[i], (double)b->n) != JSON_OK) {
			json_free(arr);
			return NULL;
		}
	}
	return arr;
}

int
icp_builder_result(icp_builder_t *b, const char *ws, json_t **out, char *err, size_t errlen)
{
	json_t *r = NULL, *o, *arr, *d;
	struct driver *dv = NULL;
	double *p = NULL, *q = NULL, base, lo, hi, amt_won = 0;
	size_t i, nt = 0;
	long won = 0, n = (long)b->n;
	int rc = 0, flagged = 0, enough = n >= ICP_MIN_DEALS;
	struct validation v;
	struct model m;
	char text[256];

	*out = NULL;
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	if (b->nomem)
		goto nomem;
	for (i = 0; i < b->n; i++) {
		won += b->y[i];
		if (b->y[i] && !isnan(b->amount[i]))
			amt_won += b->amount[i];
	}
	base = n ? (double)won / (double)n : 0;
	dv = calloc(b->nf ? b->nf : 1, sizeof *dv);
	p = calloc(b->nf ? b->nf : 1, sizeof *p);
	q = calloc(b->nf ? b->nf : 1, sizeof *q);
	if (dv == NULL || p == NULL || q == NULL)
		goto nomem;
	for (i = 0; i < b->nf; i++) {
		const struct feat *g = &b->f[i];

		dv[i].f = i;
		dv[i].p = stats_two_prop_p(g->won, g->deals, won - g->won, n - g->deals);
		if (g->deals >= ICP_MIN_SUPPORT)
			p[nt++] = dv[i].p;
	}
	if (stats_bh(p, nt, q) != 0)
		goto nomem;
	for (i = 0, nt = 0; i < b->nf; i++)
		if (b->f[i].deals >= ICP_MIN_SUPPORT) {
			dv[i].tested = 1;
			dv[i].q = q[nt++];
		}
	qsort_r(dv, b->nf, sizeof dv[0], cmp_driver, b);
	if (enough && validate(b, &v, &m, err, errlen) != 0)
		goto fail;

	if ((r = json_new_object()) == NULL)
		goto nomem;
	rc |= json_set_str(r, "workspace", ws);
	rc |= json_set_str(r, "profile_at", b->o.profile_at);
	rc |= json_set(r, "window", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_int(o, "months", b->o.months);
	rc |= b->windowed ? json_set_str(o, "from", b->from) : json_set_null(o, "from");
	rc |= json_set_str(o, "to", b->o.to);
	rc |= json_set_int(r, "deals", n);
	rc |= json_set_int(r, "won", won);
	rc |= json_set_int(r, "lost", n - won);
	rc |= json_set_double(r, "base_win_rate", r4(base));
	stats_wilson(won, n, 0.95, &lo, &hi);
	rc |= json_set(r, "base_ci", arr = json_new_array());
	if (rc)
		goto nomem;
	rc |= json_push(arr, json_new_double(r4(lo)));
	rc |= json_push(arr, json_new_double(r4(hi)));
	rc |= json_set_double(r, "won_revenue", amt_won);
	rc |= won ? json_set_double(r, "avg_won_deal", round(amt_won / (double)won)) :
	    json_set_null(r, "avg_won_deal");
	rc |= json_set(r, "excluded", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_int(o, "open", b->open);
	rc |= json_set_int(o, "outside_window", b->outside);
	rc |= json_set_int(o, "no_close_date", b->nodate);
	rc |= json_set(r, "drivers", arr = json_new_array());
	if (rc)
		goto nomem;
	for (i = 0; i < b->nf; i++)
		if ((d = driver_json(b, &dv[i], base, won, n, enough, &flagged)) == NULL ||
		    json_push(arr, d) != JSON_OK)
			goto nomem;
	rc |= json_set_int(r, "flagged", flagged);
	if (!enough)
		snprintf(text, sizeof text, "too few deals to profile: %ld closed deals, %d needed",
		    n, ICP_MIN_DEALS);
	else if (flagged == 0)
		snprintf(text, sizeof text, "won and lost deals look alike: no value sets them "
		    "apart after the correction for testing %zu values", nt);
	else
		snprintf(text, sizeof text, "%d value%s set%s won deals apart from lost ones", flagged,
		    flagged == 1 ? "" : "s", flagged == 1 ? "s" : "");
	rc |= json_set_str(r, "conclusion", text);
	rc |= json_set(r, "coverage", coverage_json(b));
	rc |= json_set(r, "validation", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_str(o, "method", "time_split");
	rc |= json_set_int(o, "train_deals", (int64_t)v.train);
	rc |= json_set_int(o, "test_deals", (int64_t)v.test);
	rc |= v.done ? json_set_double(o, "auc", r4(v.auc)) : json_set_null(o, "auc");
	if (v.done) {
		rc |= json_set(o, "auc_ci", arr = json_new_array());
		if (rc)
			goto nomem;
		rc |= json_push(arr, json_new_double(r4(v.lo)));
		rc |= json_push(arr, json_new_double(r4(v.hi)));
	} else
		rc |= json_set_null(o, "auc_ci");
	rc |= json_set_str(o, "verdict", enough ? v.verdict : text);
	rc |= json_set(r, "model", enough ? model_json(b, &m, &v, r4(base)) : json_new_null());
	if (rc)
		goto nomem;
	*out = r;
	r = NULL;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	json_free(r);
	free(dv);
	free(p);
	free(q);
	model_free(&m);
	return -1;
done:
	free(dv);
	free(p);
	free(q);
	model_free(&m);
	return 0;
}

/* ---- the store ---- */

enum { IX_CONTAINERS = 512, IX_MEMBERS = 2048 };

struct scan_ctx {
	icp_builder_t *b;
	int year;
	struct icp_deal d;
	int failed;
	/* The index of the value read, made as it is validated (lib/jspan.h). */
	jspan_index_t *ix;
};

static int
scan_cb(const char *key, size_t klen, const char *val, size_t vlen, void *vctx)
{
	struct scan_ctx *c = vctx;
	jspan_t root;
	jspan_member_t m;

	(void)key;
	(void)klen;
	/* A value that does not parse is not a deal this program can read: skipped. */
	if (jspan_parse_index(val, vlen, 0, &root, c->ix, NULL, NULL, 0) != JSON_OK ||
	    !jspan_get(val, root, "record", &m))
		return 0;
	icp_deal_read(val, c->ix, m.val, c->year, &c->d);
	if (icp_builder_add(c->b, &c->d) != 0) {
		c->failed = 1;
		return 1;
	}
	return 0;
}

int
icp_builder_scan(icp_builder_t *b, db_t *db, const char *ws, int *dberr, char *err,
    size_t errlen)
{
	struct scan_ctx *c = calloc(1, sizeof *c);
	buf_t prefix;
	int rc;

	if (dberr)
		*dberr = 0;
	buf_init(&prefix, 4096);
	if (c == NULL || (c->ix = jspan_index_new(IX_CONTAINERS, IX_MEMBERS)) == NULL ||
	    db_key(&prefix, ws, "", (char *)NULL) != DB_OK) {
		if (c)
			jspan_index_free(c->ix);
		free(c);
		buf_free(&prefix);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->b = b;
	c->year = atoi(b->o.to);
	rc = db_scan(db, DB_DEALS, buf_ptr(&prefix), buf_len(&prefix), scan_cb, c, err, errlen);
	buf_free(&prefix);
	if (rc != DB_OK || c->failed) {
		if (dberr)
			*dberr = rc != DB_OK && rc != DB_ENOMEM;
		if (rc == DB_OK || rc == DB_ENOMEM)
			snprintf(err, errlen, "out of memory");
		jspan_index_free(c->ix);
		free(c);
		return -1;
	}
	jspan_index_free(c->ix);
	free(c);
	return 0;
}

static int
profile_key(buf_t *key, const char *ws)
{
	return db_key(key, ws, "icp", "profile", (char *)NULL);
}

int
icp_profile_save(db_t *db, const char *ws, const json_t *profile, char *err, size_t errlen)
{
	buf_t key, val;
	int rc = -1;

	buf_init(&key, 4096);
	buf_init(&val, (size_t)64 << 20);
	if (profile_key(&key, ws) != DB_OK || json_dump(profile, &val) != JSON_OK)
		snprintf(err, errlen, "out of memory");
	else if (db_put(db, DB_META, buf_ptr(&key), buf_len(&key), buf_ptr(&val), buf_len(&val),
	    err, errlen) == DB_OK)
		rc = 0;
	buf_free(&key);
	buf_free(&val);
	return rc;
}

int
icp_profile_load(db_t *db, const char *ws, json_t **out, char *err, size_t errlen)
{
	buf_t key;
	char *val = NULL;
	size_t vlen = 0;
	int rc;

	*out = NULL;
	buf_init(&key, 4096);
	if (profile_key(&key, ws) != DB_OK) {
		buf_free(&key);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = db_get(db, DB_META, buf_ptr(&key), buf_len(&key), &val, &vlen, err, errlen);
	buf_free(&key);
	if (rc == DB_NOTFOUND)
		return 1;
	if (rc != DB_OK)
		return -1;
	rc = json_parse(val, vlen, 0, out, NULL, err, errlen) == JSON_OK ? 0 : -1;
	free(val);
	return rc;
}

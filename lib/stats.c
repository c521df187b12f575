#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void
stats_wilson(long k, long n, double conf, double *lo, double *hi)
{
	double z, p, d, c, h;

	if (n <= 0 || k < 0 || k > n) {
		*lo = 0;
		*hi = 1;
		return;
	}
	z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2);
	p = (double)k / (double)n;
	d = 1 + z * z / (double)n;
	c = (p + z * z / (2.0 * (double)n)) / d;
	h = z * sqrt(p * (1 - p) / (double)n + z * z / (4.0 * (double)n * (double)n)) / d;
	*lo = c - h < 0 ? 0 : c - h;
	*hi = c + h > 1 ? 1 : c + h;
}

/* ln P(X = k) for the hypergeometric: k won among t drawn from won + lost. */
static double
hyper_ln(long k, long won, long lost, long t)
{
	return gsl_sf_lnchoose((unsigned)won, (unsigned)k) +
	    gsl_sf_lnchoose((unsigned)lost, (unsigned)(t - k)) -
	    gsl_sf_lnchoose((unsigned)(won + lost), (unsigned)t);
}

double
stats_two_prop_p(long k1, long n1, long k0, long n0)
{
	long won = k1 + k0, n = n1 + n0, lost = n - won, lo, hi, k;
	double obs, p = 0, pool, se, z;

	if (n1 <= 0 || n0 <= 0 || won == 0 || lost == 0)
		return 1;
	lo = n1 - lost > 0 ? n1 - lost : 0;
	hi = n1 < won ? n1 : won;
	if (hi - lo < 2000) {
		obs = hyper_ln(k1, won, lost, n1);
		for (k = lo; k <= hi; k++) {
			double l = hyper_ln(k, won, lost, n1);

			/* The relative tolerance R's fisher.test uses for ties. */
			if (l <= obs + 1e-7)
				p += exp(l);
		}
		return p > 1 ? 1 : p;
	}
	pool = (double)won / (double)n;
	se = sqrt(pool * (1 - pool) * (1.0 / (double)n1 + 1.0 / (double)n0));
	z = fabs((double)k1 / (double)n1 - (double)k0 / (double)n0) / se;
	return 2 * gsl_cdf_ugaussian_Q(z);
}

static int
bh_cmp(const void *a, const void *b, void *vp)
{
	const double *p = vp;
	double x = p[*(const size_t *)a], y = p[*(const size_t *)b];

	return (x > y) - (x < y);
}

int
stats_bh(const double *p, size_t n, double *q)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx), i;
	double run = 1;

	if (idx == NULL)
		return -1;
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof idx[0], bh_cmp, (void *)p);
	for (i = n; i > 0; i--) {
		double v = p[idx[i - 1]] * (double)n / (double)i;

		if (v < run)
			run = v;
		q[idx[i - 1]] = run;
	}
	free(idx);
	return 0;
}

void
stats_order(const double *score, size_t n, size_t *order)
{
	gsl_sort_index(order, score, 1, n);
}

double
stats_auc(const double *score, const int *y, const unsigned *w, const size_t *order, size_t n)
{
	double pos = 0, neg = 0, sum = 0, below = 0;
	size_t i = 0, j;

	while (i < n) {
		double tp = 0, tn = 0;

		for (j = i; j < n && score[order[j]] == score[order[i]]; j++) {
			double wt = w ? (double)w[order[j]] : 1;

			if (y[order[j]])
				tp += wt;
			else
				tn += wt;
		}
		/* Each won deal here beats the lost ones below and ties these. */
		sum += tp * (below + tn / 2);
		below += tn;
		pos += tp;
		neg += tn;
		i = j;
	}
	return pos > 0 && neg > 0 ? sum / (pos * neg) : 0.5;
}

/* The AUC of scores already ascending (ss), their outcomes ys and weights w. */
static double
auc_sorted(const double *ss, const int *ys, const unsigned *w, size_t n)
{
	double pos = 0, neg = 0, sum = 0, below = 0;
	size_t i = 0, j;

	while (i < n) {
		double tp = 0, tn = 0;

		for (j = i; j < n && ss[j] == ss[i]; j++) {
			if (ys[j])
				tp += w[j];
			else
				tn += w[j];
		}
		sum += tp * (below + tn / 2);
		below += tn;
		pos += tp;
		neg += tn;
		i = j;
	}
	return pos > 0 && neg > 0 ? sum / (pos * neg) : 0.5;
}

int
stats_auc_boot(const double *score, const int *y, size_t n, unsigned reps, unsigned long seed,
    double conf, double *auc, double *lo, double *hi)
{
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	unsigned *w = calloc(n ? n : 1, sizeof *w);
	double *ss = malloc((n ? n : 1) * sizeof *ss);
	int *ys = malloc((n ? n : 1) * sizeof *ys);
	double *a = malloc((reps ? reps : 1) * sizeof *a);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	unsigned i;
	size_t j;
	int rc = -1;

	if (order == NULL || w == NULL || a == NULL || r == NULL || ss == NULL || ys == NULL)
		goto out;
	stats_order(score, n, order);
	*auc = stats_auc(score, y, NULL, order, n);
	*lo = *hi = *auc;
	if (n == 0 || reps == 0) {
		rc = 0;
		goto out;
	}
	/* Resamples count deals by their rank: one pass in order, no indirection. */
	for (j = 0; j < n; j++) {
		ss[j] = score[order[j]];
		ys[j] = y[order[j]];
	}
	gsl_rng_set(r, seed);
	for (i = 0; i < reps; i++) {
		memset(w, 0, n * sizeof *w);
		for (j = 0; j < n; j++)
			w[gsl_rng_uniform_int(r, n)]++;
		a[i] = auc_sorted(ss, ys, w, n);
	}
	gsl_sort(a, 1, reps);
	*lo = gsl_stats_quantile_from_sorted_data(a, 1, reps, (1 - conf) / 2);
	*hi = gsl_stats_quantile_from_sorted_data(a, 1, reps, 1 - (1 - conf) / 2);
	rc = 0;
out:
	free(order);
	free(w);
	free(a);
	free(ss);
	free(ys);
	if (r)
		gsl_rng_free(r);
	return rc;
}

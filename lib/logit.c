#include "logit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

double
logit_sigmoid(double z)
{
	if (z >= 0)
		return 1 / (1 + exp(-z));
	return exp(z) / (1 + exp(z));
}

double
logit_z(const double *w, const uint32_t *feat, size_t k)
{
	double z = w[0];
	size_t i;

	for (i = 0; i < k; i++)
		z += w[1 + feat[i]];
	return z;
}

enum { MAX_ITER = 30 };

int
logit_fit(const struct logit_rows *d, double lambda, double *w, char *err, size_t errlen)
{
	size_t m = d->p + 1, i, a, b;
	gsl_matrix *h = gsl_matrix_alloc(m, m);
	gsl_vector *g = gsl_vector_alloc(m), *step = gsl_vector_alloc(m);
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	int it, rc = -1;

	if (h == NULL || g == NULL || step == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (it = 0; it < MAX_ITER; it++) {
		double maxstep = 0, *H = h->data, *G = g->data;
		size_t tda = h->tda;

		gsl_matrix_set_zero(h);
		gsl_vector_set_zero(g);
		for (i = 0; i < d->nrows; i++) {
			const uint32_t *f = d->feat + d->start[i];
			size_t k = d->start[i + 1] - d->start[i];
			double p = logit_sigmoid(logit_z(w, f, k)), r = d->y[i] - p, v = p * (1 - p);

			/* Row 0 is the intercept; the features of a row come ascending, so
			 * H[fa][fb] with b >= a fills the upper triangle. */
			G[0] += r;
			H[0] += v;
			for (a = 0; a < k; a++) {
				double *row = H + (size_t)(1 + f[a]) * tda;

				G[1 + f[a]] += r;
				H[1 + f[a]] += v;
				for (b = a; b < k; b++)
					row[1 + f[b]] += v;
			}
		}
		for (a = 0; a < m; a++) {
			/* A tiny ridge on the intercept keeps H definite when one outcome
			 * is (nearly) alone. */
			double l = a ? lambda : 1e-6;

			*gsl_vector_ptr(g, a) -= l * w[a];
			*gsl_matrix_ptr(h, a, a) += l;
			for (b = a + 1; b < m; b++)
				gsl_matrix_set(h, b, a, gsl_matrix_get(h, a, b));
		}
		if (gsl_linalg_cholesky_decomp1(h) != GSL_SUCCESS ||
		    gsl_linalg_cholesky_solve(h, g, step) != GSL_SUCCESS) {
			snprintf(err, errlen, "the model's solve failed");
			goto out;
		}
		for (a = 0; a < m; a++) {
			double s = gsl_vector_get(step, a);

			w[a] += s;
			if (fabs(s) > maxstep)
				maxstep = fabs(s);
		}
		if (maxstep < 1e-6)
			break;
	}
	rc = 0;
out:
	gsl_set_error_handler(old);
	gsl_matrix_free(h);
	gsl_vector_free(g);
	gsl_vector_free(step);
	return rc;
}

int
logit_platt(const double *z, const int *y, size_t n, double *a, double *b)
{
	double A = 0, B = 0;
	int it;
	size_t i;

	if (n == 0)
		return -1;
	for (it = 0; it < 50; it++) {
		double ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-3, det, da, db;

		for (i = 0; i < n; i++) {
			double p = logit_sigmoid(A + B * z[i]), r = y[i] - p, v = p * (1 - p);

			ga += r;
			gb += r * z[i];
			haa += v;
			hab += v * z[i];
			hbb += v * z[i] * z[i];
		}
		gb -= 1e-3 * B;
		det = haa * hbb - hab * hab;
		if (!(det > 0))
			break;
		da = (hbb * ga - hab * gb) / det;
		db = (haa * gb - hab * ga) / det;
		A += da;
		B += db;
		if (fabs(da) < 1e-9 && fabs(db) < 1e-9)
			break;
	}
	if (!(B > 0)) {
		/* No ranking: the base rate of these deals, whatever their score. */
		long won = 0;

		for (i = 0; i < n; i++)
			won += y[i] != 0;
		B = 0;
		A = log(((double)won + 0.5) / ((double)(n - (size_t)won) + 0.5));
	}
	*a = A;
	*b = B;
	return 0;
}

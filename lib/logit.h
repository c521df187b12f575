/*
 * logit: L2-regularised logistic regression on binary (one-hot) features,
 * fitted by Newton's method (GSL's Cholesky solver), and the one-variable
 * fit that calibrates its scores (Platt scaling).
 *
 * Rows are sparse: row i holds the features feat[start[i] .. start[i+1]),
 * each an index below p, none twice. The weights are w[0] the intercept
 * (not penalised) and w[1 + j] feature j's.
 */
#ifndef DE_LOGIT_H
#define DE_LOGIT_H

#include <stddef.h>
#include <stdint.h>

struct logit_rows {
	const uint32_t *feat;
	const size_t *start;     /* nrows + 1 offsets into feat */
	const int *y;            /* 1 or 0 */
	size_t nrows, p;
};

/*
 * Fits w[0..p] (p + 1 doubles, the caller's) minimising the negative log
 * likelihood plus lambda/2 times the squared feature weights, starting from
 * w as it is (zeros, or a fit of similar rows: fewer steps). Steps until none
 * moves a weight by 1e-6. Returns 0, or -1 with err set when memory runs out
 * or the solve fails.
 */
int logit_fit(const struct logit_rows *d, double lambda, double *w, char *err, size_t errlen);

/* The log-odds of a row holding the k features feat[]. */
double logit_z(const double *w, const uint32_t *feat, size_t k);

/* 1 / (1 + e^-z), without overflow. */
double logit_sigmoid(double z);

/*
 * Platt scaling: a and b such that sigmoid(a + b z[i]) fits y[i] best (a
 * little L2 on b, so that scores that do not separate give b near 0). b is
 * never negative: a model that ranks backwards on new deals is taken to know
 * nothing, not the reverse. Returns 0 or -1 (no deal).
 */
int logit_platt(const double *z, const int *y, size_t n, double *a, double *b);

#endif

/*
 * stats: the few statistics the profile and the summary report, on GSL's
 * distributions and quantiles (libgsl): intervals, tests, the correction for
 * testing many values at once, and the AUC with its bootstrap interval.
 *
 * Only stats_bh and stats_auc_boot allocate (work arrays, freed before they
 * return) and nothing fails except on memory: counts of 0 give the
 * neutral answer documented with each function.
 */
#ifndef DE_STATS_H
#define DE_STATS_H

#include <stddef.h>

/*
 * The Wilson score interval of k successes in n trials at level conf
 * (0.95: 95%). n 0 gives [0, 1].
 */
void stats_wilson(long k, long n, double conf, double *lo, double *hi);

/*
 * The two-sided p-value of "the win rate of the deals with a value differs
 * from the rest's": k1 won of n1 with it, k0 won of n0 without. Fisher's
 * exact test (the sum of the tables no likelier than the one seen) while the
 * tables to sum are few (under 2,000), else the pooled two-proportion z-test,
 * which agrees with it to the third decimal at such sizes. 1 when either
 * side is empty or every deal has one outcome.
 */
double stats_two_prop_p(long k1, long n1, long k0, long n0);

/*
 * Benjamini-Hochberg q-values of the n p-values p[] into q[] (q may be p).
 * A value is significant at false discovery rate a when q <= a. Returns 0,
 * or -1 when memory runs out (q untouched).
 */
int stats_bh(const double *p, size_t n, double *q);

/*
 * The area under the ROC curve of score[] for the outcomes y[] (1 won,
 * 0 lost): the chance that a won deal scores above a lost one, ties counting
 * one half. w[] (NULL: all 1) weighs each deal, as a bootstrap resample's
 * counts do. 0.5 when one outcome is absent. order[] must list the indexes
 * 0..n-1 by ascending score (stats_order makes it).
 */
double stats_auc(const double *score, const int *y, const unsigned *w, const size_t *order,
    size_t n);
/* Fills order[0..n) with the indexes of score by ascending score. */
void stats_order(const double *score, size_t n, size_t *order);

/*
 * The AUC and its percentile bootstrap interval at level conf from reps
 * resamples drawn with GSL's mt19937 seeded with seed (the same data give
 * the same interval). Returns 0, or -1 when memory runs out.
 */
int stats_auc_boot(const double *score, const int *y, size_t n, unsigned reps,
    unsigned long seed, double conf, double *auc, double *lo, double *hi);

#endif

/* lib/stats and lib/logit: intervals, tests and corrections against values
 * worked out by hand (Wilson's formula, the hypergeometric sums, BH's step-up,
 * the pooled z), and a planted weight the fit must find. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "logit.h"
#include "stats.h"

static void
wilson_matches_the_formula(void **state)
{
	double lo, hi;

	(void)state;
	/* Wilson, z = 1.959964: 7 of 10 -> [0.3967781, 0.8922087] */
	stats_wilson(7, 10, 0.95, &lo, &hi);
	assert_true(fabs(lo - 0.3967781) < 1e-6);
	assert_true(fabs(hi - 0.8922087) < 1e-6);
	/* 1 of 1 won: not "100%", an interval reaching down to 0.21 */
	stats_wilson(1, 1, 0.95, &lo, &hi);
	assert_true(fabs(lo - 0.2065493) < 1e-6);
	assert_true(hi == 1);
	stats_wilson(0, 0, 0.95, &lo, &hi);
	assert_true(lo == 0 && hi == 1);
}

static void
fisher_and_z_test(void **state)
{
	(void)state;
	/* Fisher, 8/10 against 1/6: the tables no likelier, 0.03496503 */
	assert_true(fabs(stats_two_prop_p(8, 10, 1, 6) - 0.03496503) < 1e-7);
	/* the same table read the other way round gives the same p */
	assert_true(fabs(stats_two_prop_p(1, 6, 8, 10) - 0.03496503) < 1e-7);
	/* 3/4 against 1/4: 1 - P(k = 2) = 1 - 36/70 = 0.4857143 */
	assert_true(fabs(stats_two_prop_p(3, 4, 1, 4) - 0.4857143) < 1e-6);
	assert_true(stats_two_prop_p(5, 10, 5, 10) == 1);
	assert_true(stats_two_prop_p(0, 0, 5, 10) == 1);
	assert_true(stats_two_prop_p(10, 10, 10, 10) == 1);
	/* large: the z-test, z = 10.0 */
	assert_true(stats_two_prop_p(3000, 5000, 2500, 5000) < 1e-15);
	/* pooled z = 0.02 / sqrt(.51 * .49 * 2/5000) = 2.00040; 2 Q(z), by hand (erfc) */
	assert_true(fabs(stats_two_prop_p(2600, 5000, 2500, 5000) - 0.0454570754) < 1e-8);
}

static void
bh_matches_p_adjust(void **state)
{
	double p[] = { 0.01, 0.04, 0.03, 0.005, 0.5 }, q[5];
	/* BH by hand: sorted .005 .01 .03 .04 .5 times 5/rank, then running minimum */
	double want[] = { 0.025, 0.05, 0.05, 0.025, 0.5 };
	int i;

	(void)state;
	assert_int_equal(stats_bh(p, 5, q), 0);
	for (i = 0; i < 5; i++)
		assert_true(fabs(q[i] - want[i]) < 1e-12);
	assert_int_equal(stats_bh(p, 0, q), 0);
}

static void
auc_counts_pairs_and_ties(void **state)
{
	double s[] = { 0.1, 0.4, 0.35, 0.8 }, lo, hi, auc;
	int y[] = { 0, 0, 1, 1 };
	size_t order[4];
	unsigned w[] = { 1, 1, 1, 3 };
	double tie[] = { 0.5, 0.5 };
	int ty[] = { 1, 0 };

	(void)state;
	stats_order(s, 4, order);
	/* pairs (won, lost): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4: 3 of 4 */
	assert_true(stats_auc(s, y, NULL, order, 4) == 0.75);
	/* the 0.8 deal counted 3 times: (1 + 3*2) / (4 * 2) */
	assert_true(stats_auc(s, y, w, order, 4) == 7.0 / 8);
	stats_order(tie, 2, order);
	assert_true(stats_auc(tie, ty, NULL, order, 2) == 0.5);
	assert_int_equal(stats_auc_boot(s, y, 4, 50, 1, 0.95, &auc, &lo, &hi), 0);
	assert_true(auc == 0.75 && lo <= auc && hi >= auc && lo >= 0 && hi <= 1);
}

static void
logit_finds_a_planted_weight(void **state)
{
	/* 400 rows: feature 0 on half of them; y = 1 on 80% of those, 20% of the rest. */
	enum { N = 400 };
	uint32_t feat[N];
	size_t start[N + 1], k = 0, i;
	int y[N];
	double w[3] = { 0, 0, 0 }, a, b, z[N];
	struct logit_rows d;
	char err[128];

	(void)state;
	for (i = 0; i < N; i++) {
		start[i] = k;
		if (i % 2 == 0)
			feat[k++] = 0;
		if (i % 4 == 3)
			feat[k++] = 1;    /* noise: on a quarter, half of them won */
		y[i] = i % 2 == 0 ? (i % 10 < 8) : (i % 10 < 2 || i % 10 == 3 ? i % 10 == 3 : 0);
	}
	start[N] = k;
	d.feat = feat;
	d.start = start;
	d.y = y;
	d.nrows = N;
	d.p = 2;
	assert_int_equal(logit_fit(&d, 1.0, w, err, sizeof err), 0);
	/* log(0.8/0.2) - log(0.2/0.8) = 2.77, shrunk a little by the L2 */
	assert_true(w[1] > 2.2 && w[1] < 2.8);
	for (i = 0; i < N; i++)
		z[i] = logit_z(w, feat + start[i], start[i + 1] - start[i]);
	assert_int_equal(logit_platt(z, y, N, &a, &b), 0);
	assert_true(b > 0.8 && b < 1.2);
	assert_true(fabs(logit_sigmoid(800) - 1) < 1e-12 && logit_sigmoid(-800) >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wilson_matches_the_formula),
		cmocka_unit_test(fisher_and_z_test),
		cmocka_unit_test(bh_matches_p_adjust),
		cmocka_unit_test(auc_counts_pairs_and_ties),
		cmocka_unit_test(logit_finds_a_planted_weight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_compare.c - the statistics of dyno compare on synthetic runs with a
** known shift: Mann-Whitney p-values against hand-checked values and brute
** force, the false-positive rate on identical distributions, bootstrap CI
** coverage, histograms and samples against histograms. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compare_stats.h"
#include "histogram.h"
#include "rundoc.h"

static const struct compare_opts opts = {
	.max_regression = 0.05, .alpha = 0.05, .replicates = 2000,
	.seed = 42,
};

/* A dist of n raw samples, through the reader as dyno compare reads them. */
static void
dist_of(const double *x, size_t n, int to_buckets, struct rundoc_dist *d)
{
	json_t *s = json_array(), *m;
	struct dyno_err e = { 0 };

	for (size_t i = 0; i < n; i++)
		json_array_append_new(s, json_real(x[i]));
	m = json_pack("{s:s, s:s, s:I, s:o}", "unit", "s", "better", "lower",
	    "n", (json_int_t)n, "samples", s);
	cr_assert_eq(rundoc_metric_dist(m, to_buckets, d, &e), 0, "%s", e.msg);
	json_decref(m);
}

static void
dist_of_hist(const struct histogram *h, struct rundoc_dist *d)
{
	json_t *m = json_pack("{s:s, s:s, s:I, s:o}", "unit", "s", "better",
	    "lower", "n", (json_int_t)histogram_count(h), "histogram",
	    histogram_to_json(h));
	struct dyno_err e = { 0 };

	cr_assert_eq(rundoc_metric_dist(m, 0, d, &e), 0, "%s", e.msg);
	json_decref(m);
}

/* Lognormal with the given median and (about) coefficient of variation. */
static double
lognormal(struct compare_rng *r, double median, double cv)
{
	return median * exp(cv * compare_rng_normal(r));
}

static void
draw(struct compare_rng *r, double *x, size_t n, double median, double cv)
{
	for (size_t i = 0; i < n; i++)
		x[i] = lognormal(r, median, cv);
}

/* ---- Mann-Whitney ----------------------------------------------------- */

static void
mw(const double *a, size_t na, const double *b, size_t nb,
   struct compare_mw *out)
{
	struct rundoc_dist da, db;

	dist_of(a, na, 0, &da);
	dist_of(b, nb, 0, &db);
	compare_mann_whitney(&da, &db, out);
	rundoc_dist_free(&da);
	rundoc_dist_free(&db);
}

Test(compare, mw_exact_known_values)
{
	static const double a3[] = { 1, 2, 3 }, b3[] = { 4, 5, 6 };
	static const double a5[] = { 1, 2, 3, 4, 5 }, b5[] = { 6, 7, 8, 9, 10 };
	/* scipy.stats.mannwhitneyu's documentation example (males, females):
	** U = 17, exact p = 0.1111111111111111 (= 14/126). */
	static const double x[] = { 19, 22, 16, 29, 24 }, y[] = { 20, 11, 17, 12 };
	struct compare_mw r;

	mw(a3, 3, b3, 3, &r);
	cr_expect(r.exact);
	cr_expect_eq(r.u, 0);
	cr_expect(fabs(r.p - 0.1) < 1e-12, "p = %.17g, want 2/20", r.p);
	mw(a5, 5, b5, 5, &r);
	cr_expect(fabs(r.p - 2.0 / 252) < 1e-12, "p = %.17g, want 2/252", r.p);
	mw(b5, 5, a5, 5, &r);
	cr_expect_eq(r.u, 25);
	cr_expect(fabs(r.p - 2.0 / 252) < 1e-12, "symmetric: p = %.17g", r.p);
	mw(x, 5, y, 4, &r);
	cr_expect_eq(r.u, 17);
	cr_expect(fabs(r.p - 0.1111111111111111) < 1e-12, "p = %.17g", r.p);
	/* Identical halves: p = 1, never above. */
	mw(a5, 5, a5 + 0, 0, &r);
	cr_expect(isnan(r.p), "empty side gives NAN");
}

/* U and the exact two-sided p by enumerating every way to split the
** ranks 1..m+n into the two groups (an independent check of the DP). */
static double
brute_p(unsigned m, unsigned n, double u_obs)
{
	unsigned N = m + n;
	double total = 0, tail = 0, mn = (double)m * n;
	double hi = u_obs > mn - u_obs ? u_obs : mn - u_obs;

	for (unsigned mask = 0; mask < (1u << N); mask++) {
		unsigned rank_sum = 0;

		if ((unsigned)__builtin_popcount(mask) != m)
			continue;
		for (unsigned i = 0; i < N; i++)
			if (mask & (1u << i))
				rank_sum += i + 1;
		total++;
		if (rank_sum - m * (m + 1) / 2.0 >= hi)
			tail++;
	}
	return fmin(1.0, 2 * tail / total);
}

Test(compare, mw_exact_matches_enumeration)
{
	struct compare_rng r;
	static const unsigned sizes[][2] = {
		{ 1, 1 }, { 1, 5 }, { 2, 3 }, { 4, 4 }, { 3, 7 }, { 6, 6 },
		{ 5, 9 }, { 8, 8 }, { 2, 14 },
	};

	compare_rng_seed(&r, 7);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		unsigned m = sizes[k][0], n = sizes[k][1];

		for (int trial = 0; trial < 5; trial++) {
			double a[16], b[16];
			struct compare_mw res;

			/* Shifted so some trials are significant. */
			draw(&r, a, m, 1.0, 0.3);
			draw(&r, b, n, 1.0 + 0.2 * trial, 0.3);
			mw(a, m, b, n, &res);
			cr_expect(res.exact);
			cr_expect(fabs(res.p - brute_p(m, n, res.u)) < 1e-12,
			    "m=%u n=%u U=%g: p %.17g vs %.17g", m, n, res.u,
			    res.p, brute_p(m, n, res.u));
		}
	}
}

/* The normal approximation with ties, computed the slow way: each
** value's rank is (number below) + (copies + 1) / 2. */
static double
naive_normal_p(const double *a, size_t na, const double *b, size_t nb,
	       double *u_out)
{
	double all[64], ra = 0, ties = 0, N = (double)(na + nb), mu, var, z;
	size_t n = na + nb;

	memcpy(all, a, na * sizeof *a);
	memcpy(all + na, b, nb * sizeof *b);
	for (size_t i = 0; i < n; i++) {
		double below = 0, same = 0;

		for (size_t j = 0; j < n; j++) {
			below += all[j] < all[i];
			same += all[j] == all[i];
		}
		if (i < na)
			ra += below + (same + 1) / 2;
		/* Each tie group adds t^3 - t once: 1/t of it per member. */
		ties += (same * same * same - same) / same;
	}
	*u_out = ra - na * (na + 1.0) / 2;
	mu = na * nb / 2.0;
	var = na * nb / 12.0 * ((N + 1) - ties / (N * (N - 1)));
	z = fmax(0, fabs(*u_out - mu) - 0.5) / sqrt(var);
	return erfc(z / sqrt(2));
}

Test(compare, mw_normal_with_ties)
{
	static const double a[] = { 1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7 };
	static const double b[] = { 3, 4, 4, 5, 6, 6, 7, 7, 8, 9, 9, 10 };
	/* The scipy example again, asymptotic: p = 0.11134688653314041. */
	static const double x[] = { 19, 22, 16, 29, 24, 19 };
	static const double y[] = { 20, 11, 17, 12 };
	struct compare_mw r;
	double u, p;

	mw(a, 11, b, 12, &r);
	cr_expect(!r.exact, "ties force the normal approximation");
	p = naive_normal_p(a, 11, b, 12, &u);
	cr_expect_eq(r.u, u);
	cr_expect(fabs(r.p - p) < 1e-12, "p %.17g vs %.17g", r.p, p);
	mw(x, 6, y, 4, &r);
	p = naive_normal_p(x, 6, y, 4, &u);
	cr_expect(!r.exact);
	cr_expect(fabs(r.p - p) < 1e-12, "p %.17g vs %.17g", r.p, p);
}

Test(compare, mw_normal_hand_value)
{
	/* 25 vs 25 without ties is beyond the exact limit: U = 0, mu = 312.5,
	** sd = sqrt(25 * 25 * 51 / 12) = 51.5388; z = 312 / 51.5388 =
	** 6.05370, p = erfc(z / sqrt 2) = 1.41566e-9. */
	double a[25], b[25];
	struct compare_mw r;

	for (int i = 0; i < 25; i++) {
		a[i] = i;
		b[i] = 100 + i;
	}
	mw(a, 25, b, 25, &r);
	cr_expect(!r.exact);
	cr_expect_eq(r.u, 0);
	cr_expect(fabs(r.p - 1.41566e-9) / 1.41566e-9 < 1e-4, "p = %g", r.p);
}

/* ---- PRNG ------------------------------------------------------------- */

Test(compare, beta_moments)
{
	struct compare_rng r;
	double s = 0, s2 = 0;
	const int n = 40000;

	compare_rng_seed(&r, 1);
	for (int i = 0; i < n; i++) {
		double x = compare_rng_beta(&r, 3, 5);

		cr_assert(x > 0 && x < 1);
		s += x;
		s2 += x * x;
	}
	/* Beta(3, 5): mean 3/8, variance 15 / (64 * 9) = 0.0260417. */
	cr_expect(fabs(s / n - 0.375) < 0.003, "mean %g", s / n);
	cr_expect(fabs(s2 / n - (s / n) * (s / n) - 0.0260417) < 0.001);
	/* Small shapes take the boosted path. */
	s = 0;
	for (int i = 0; i < n; i++)
		s += compare_rng_gamma(&r, 0.5);
	cr_expect(fabs(s / n - 0.5) < 0.02, "Gamma(0.5) mean %g", s / n);
}

/* ---- verdicts --------------------------------------------------------- */

static void
verdict_of(const double *a, size_t na, const double *b, size_t nb,
	   int lower_better, const struct compare_opts *o,
	   struct compare_result *res)
{
	struct rundoc_dist da, db;

	dist_of(a, na, 0, &da);
	dist_of(b, nb, 0, &db);
	compare_metric(&da, &db, lower_better, o, res);
	rundoc_dist_free(&da);
	rundoc_dist_free(&db);
}

Test(compare, detects_ten_percent_regression)
{
	struct compare_rng r;
	double a[30], b[30];
	struct compare_result res;

	compare_rng_seed(&r, 2026);
	draw(&r, a, 30, 100e-9, 0.02);
	draw(&r, b, 30, 110e-9, 0.02);
	verdict_of(a, 30, b, 30, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_REGRESSED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	cr_expect(fabs(res.ratio - 1.1) < 0.02, "ratio %g", res.ratio);
	cr_expect(res.ci_lo < 1.1 && 1.1 < res.ci_hi, "CI [%g, %g]", res.ci_lo,
	    res.ci_hi);
	cr_expect_lt(res.mw.p, 1e-6);
	/* The same data as a rate (higher is better): an improvement. */
	verdict_of(a, 30, b, 30, 0, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_IMPROVED, "%s",
	    compare_verdict_name(res.verdict));
	/* Beyond a 15% threshold the same shift is a significant change
	** within it. */
	{
		struct compare_opts o = opts;

		o.max_regression = 0.15;
		verdict_of(a, 30, b, 30, 1, &o, &res);
		cr_expect_eq(res.verdict, COMPARE_UNCHANGED, "%s",
		    compare_verdict_name(res.verdict));
		cr_expect(strstr(res.why, "significant but within") != NULL,
		    "%s", res.why);
	}
}

Test(compare, identical_distributions_rarely_flagged)
{
	struct compare_opts o = opts;
	int regressed = 0, significant = 0, regressed_t = 0;

	/* Threshold 0: the verdict then rests on the test alone, so a
	** regression is p < alpha with the new median above: expected
	** 100 * alpha / 2 = 2.5 of 100; P(Binomial(100, 0.025) > 10) < 1e-4.
	** Either direction, p < alpha: expected 5, P(> 12) ~ 0.001. */
	o.max_regression = 0;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct compare_rng r;
		double a[30], b[30];
		struct compare_result res;

		compare_rng_seed(&r, seed * 7919);
		draw(&r, a, 30, 50e-9, 0.02);
		draw(&r, b, 30, 50e-9, 0.02);
		verdict_of(a, 30, b, 30, 1, &o, &res);
		regressed += res.verdict == COMPARE_REGRESSED;
		significant += res.mw.p < o.alpha;
		verdict_of(a, 30, b, 30, 1, &opts, &res);
		regressed_t += res.verdict == COMPARE_REGRESSED;
	}
	printf("identical distributions, 100 seeds: %d regressed at t=0, %d "
	    "with p < 0.05, %d regressed at t=5%%\n", regressed, significant,
	    regressed_t);
	cr_expect_leq(regressed, 10);
	cr_expect_leq(significant, 12);
	cr_expect_eq(regressed_t, 0);
}

Test(compare, bootstrap_ci_covers_true_ratio)
{
	int covered = 0;
	const int trials = 200;
	struct compare_opts o = opts;

	/* The true ratio of medians is 1.1 exactly (lognormal scaled).
	** Percentile intervals of a median at n = 30 are a little short of
	** 95%; 85% is far outside what chance gives a correct interval. */
	o.replicates = 1000;
	for (int t = 0; t < trials; t++) {
		struct compare_rng r;
		double a[30], b[30];
		struct compare_result res;

		compare_rng_seed(&r, 1000 + (uint64_t)t);
		draw(&r, a, 30, 1.0, 0.1);
		draw(&r, b, 30, 1.1, 0.1);
		o.seed = (uint64_t)t;
		verdict_of(a, 30, b, 30, 1, &o, &res);
		covered += res.ci_lo <= 1.1 && 1.1 <= res.ci_hi;
	}
	printf("bootstrap CI coverage of the true ratio: %d of %d\n", covered,
	    trials);
	cr_expect_geq(covered, trials * 85 / 100);
	cr_expect_leq(covered, trials);
}

Test(compare, ci_is_reproducible)
{
	double a[] = { 1, 2, 3, 4, 5, 6, 7 }, b[] = { 2, 3, 4, 5, 6, 7, 8 };
	struct compare_result r1, r2, r3;
	struct compare_opts o = opts;

	verdict_of(a, 7, b, 7, 1, &o, &r1);
	verdict_of(a, 7, b, 7, 1, &o, &r2);
	cr_expect_eq(r1.ci_lo, r2.ci_lo);
	cr_expect_eq(r1.ci_hi, r2.ci_hi);
	o.seed = 43;
	verdict_of(a, 7, b, 7, 1, &o, &r3);
	cr_expect(r3.ci_lo <= r3.ci_hi);
}

Test(compare, too_few_samples_and_too_noisy)
{
	double a[] = { 1.0, 1.1, 1.2 }, b[] = { 1.0, 1.1, 1.2, 1.3 };
	double n1[] = { 0.5, 1, 1.5, 2, 2.5, 3 };
	double n2[] = { 0.6, 1.2, 1.8, 2.4, 3.0, 3.6 };
	struct compare_result res;

	verdict_of(a, 3, b, 4, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_INCONCLUSIVE);
	cr_expect(strstr(res.why, "too few samples: base n=3, new n=4") != NULL,
	    "%s", res.why);
	/* 20% worse by the medians, but the spreads overlap: p is large. */
	verdict_of(n1, 6, n2, 6, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_INCONCLUSIVE, "%s",
	    compare_verdict_name(res.verdict));
	cr_expect(strstr(res.why, "too noisy") != NULL, "%s", res.why);
	cr_expect_geq(res.mw.p, 0.05);
}

Test(compare, zero_medians)
{
	double z[] = { 0, 0, 0, 0, 0 }, one[] = { 0, 0, 0, 1, 2 };
	struct compare_result res;

	verdict_of(z, 5, z, 5, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_UNCHANGED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	cr_expect_eq(res.ratio, 1.0);
	verdict_of(one, 5, one + 0, 5, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_UNCHANGED);
	{
		double neg[] = { -3, -2, -2, -1, -1 }, pos[] = { 1, 2, 3, 4, 5 };

		verdict_of(neg, 5, pos, 5, 1, &opts, &res);
		cr_expect_eq(res.verdict, COMPARE_NOT_COMPARABLE);
		cr_expect(strstr(res.why, "no ratio") != NULL, "%s", res.why);
	}
}

/* ---- histograms ------------------------------------------------------- */

static struct histogram *
hist_draw(struct compare_rng *r, size_t n, double median, double cv)
{
	struct histogram *h = histogram_new();

	for (size_t i = 0; i < n; i++)
		histogram_add(h, lognormal(r, median, cv), 1);
	return h;
}

Test(compare, histogram_vs_histogram)
{
	struct compare_rng r;
	struct histogram *base, *same, *worse;
	struct rundoc_dist db, ds, dw;
	struct compare_result res;

	compare_rng_seed(&r, 99);
	base = hist_draw(&r, 5000, 2e-6, 0.05);
	same = hist_draw(&r, 5000, 2e-6, 0.05);
	worse = hist_draw(&r, 5000, 2.2e-6, 0.05);
	dist_of_hist(base, &db);
	dist_of_hist(same, &ds);
	dist_of_hist(worse, &dw);
	compare_metric(&db, &dw, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_REGRESSED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	/* Medians are bucket midpoints, each within 1/128 of the truth. */
	cr_expect(fabs(res.ratio - 1.1) < 0.025, "ratio %g", res.ratio);
	cr_expect(res.ci_lo <= res.ratio && res.ratio <= res.ci_hi, "[%g, %g]",
	    res.ci_lo, res.ci_hi);
	cr_expect(!res.mw.exact);
	compare_metric(&db, &ds, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_UNCHANGED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	cr_expect(res.ci_lo > 0.98 && res.ci_hi < 1.02, "[%g, %g]", res.ci_lo,
	    res.ci_hi);
	rundoc_dist_free(&db);
	rundoc_dist_free(&ds);
	rundoc_dist_free(&dw);
	histogram_free(base);
	histogram_free(same);
	histogram_free(worse);
}

Test(compare, samples_vs_histogram)
{
	struct compare_rng r;
	double a[500];
	struct histogram *same, *worse;
	struct rundoc_dist da, ds, dw;
	struct compare_result res;

	compare_rng_seed(&r, 5);
	draw(&r, a, 500, 2e-6, 0.03);
	same = hist_draw(&r, 4000, 2e-6, 0.03);
	worse = hist_draw(&r, 4000, 2.2e-6, 0.03);
	/* Binned like the histogram side, as dyno compare does. */
	dist_of(a, 500, 1, &da);
	dist_of_hist(same, &ds);
	dist_of_hist(worse, &dw);
	compare_metric(&da, &dw, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_REGRESSED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	cr_expect(fabs(res.ratio - 1.1) < 0.025, "ratio %g", res.ratio);
	compare_metric(&da, &ds, 1, &opts, &res);
	cr_expect_eq(res.verdict, COMPARE_UNCHANGED, "%s: %s",
	    compare_verdict_name(res.verdict), res.why);
	rundoc_dist_free(&da);
	rundoc_dist_free(&ds);
	rundoc_dist_free(&dw);
	histogram_free(same);
	histogram_free(worse);
}

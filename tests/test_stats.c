/* test_stats.c - summaries against hand-computed and exact values. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "stats.h"
#include "sample_data.h"

#define N 100000


static void
near(double got, double want, double rel, const char *what)
{
	cr_expect(fabs(got - want) <= rel * fabs(want),
	    "%s: %.17g, want %.17g", what, got, want);
}

static const double ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

Test(stats, percentile_sorted)
{
	static const double one[] = { 42 };

	cr_expect_float_eq(stats_percentile_sorted(ten, 10, 90), 9.1, 1e-12);
	cr_expect_float_eq(stats_percentile_sorted(ten, 10, 25), 3.25, 1e-12);
	cr_expect_float_eq(stats_percentile_sorted(ten, 10, 50), 5.5, 1e-12);
	cr_expect_float_eq(stats_percentile_sorted(ten, 10, 99), 9.91, 1e-12);
	cr_expect(stats_percentile_sorted(ten, 10, 0) == 1);
	cr_expect(stats_percentile_sorted(ten, 10, 100) == 10);
	cr_expect(stats_percentile_sorted(ten, 10, -1) == 1);
	cr_expect(stats_percentile_sorted(ten, 10, 101) == 10);
	cr_expect(stats_percentile_sorted(one, 1, 37) == 42);
	cr_expect(isnan(stats_percentile_sorted(ten, 0, 50)));
	cr_expect(isnan(stats_percentile_sorted(ten, 10, NAN)));
}

Test(stats, one_to_ten)
{
	static const double v[] = { 7, 3, 10, 1, 5, 9, 2, 8, 4, 6 };
	struct stats_summary s;

	stats_summarize_array(v, 10, &s);
	cr_expect_eq(s.n, 10);
	cr_expect(s.min == 1 && s.max == 10);
	cr_expect_float_eq(s.mean, 5.5, 1e-15);
	cr_expect_float_eq(s.stddev, 3.0276503540974917, 1e-15);
	cr_expect_float_eq(s.median, 5.5, 1e-15);
	cr_expect_float_eq(s.p50, 5.5, 1e-15);
	cr_expect_float_eq(s.mad, 2.5, 1e-15);
	cr_expect_float_eq(s.p90, 9.1, 1e-12);
	cr_expect_float_eq(s.p95, 9.55, 1e-12);
	cr_expect_float_eq(s.p99, 9.91, 1e-12);
	cr_expect_float_eq(s.p999, 9.991, 1e-12);
	cr_expect_float_eq(s.pct[0], 1.09, 1e-12);	/* p1 */
	cr_expect_float_eq(s.pct[6], 5.5, 1e-12);	/* p50 */
	cr_expect_float_eq(s.pct[16], 9.9991, 1e-12);	/* p99.99 */
	/* j = floor(5 - 0.98 sqrt 10) = 1, k = ceil(6 + 3.099) = 10 */
	cr_expect(s.ci_lo == 1 && s.ci_hi == 10, "[%g, %g]", s.ci_lo,
	    s.ci_hi);
	cr_expect_eq(s.outliers, 0);
	cr_expect_float_eq(s.cv, 3.0276503540974917 / 5.5, 1e-15);
	cr_expect_eq(s.noisy, 1);
	cr_expect_eq(s.exact, 1);
	cr_expect(v[0] == 7, "input was modified");
}

Test(stats, outliers)
{
	static const double v[] = {
		-100, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 200
	};
	static const double w[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 100 };
	struct stats_summary s;

	/* Q1 = 11.75, Q3 = 17.25, IQR 5.5: fences 3.5 and 25.5. */
	stats_summarize_array(v, 12, &s);
	cr_expect_eq(s.outliers, 2);
	cr_expect_float_eq(s.median, 14.5, 1e-12);
	/* |x - 14.5|: 114.5 4.5 3.5 2.5 1.5 .5 .5 1.5 2.5 3.5 4.5 185.5 */
	cr_expect_float_eq(s.mad, 3, 1e-12);
	/* Q1 3.25, Q3 7.75: upper fence 14.5. */
	stats_summarize_array(w, 10, &s);
	cr_expect_eq(s.outliers, 1);
	cr_expect_float_eq(s.mean, 14.5, 1e-12);
	cr_expect_float_eq(s.median, 5.5, 1e-12);
}

Test(stats, median_ci)
{
	double v[100], t;
	uint64_t x = 99;
	struct stats_summary s;
	size_t i, j, n;

	for (i = 0; i < 100; i++)
		v[i] = i + 1;
	for (i = 99; i > 0; i--) {
		j = next(&x) % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	/* j = floor(50 - 9.8) = 40, k = ceil(51 + 9.8) = 61 */
	stats_summarize_array(v, 100, &s);
	cr_expect(s.ci_lo == 40 && s.ci_hi == 61, "[%g, %g]", s.ci_lo,
	    s.ci_hi);
	/* The interval brackets the median at every size. */
	for (n = 1; n <= 100; n++) {
		stats_summarize_array(v, n, &s);
		cr_expect(s.ci_lo <= s.median && s.median <= s.ci_hi,
		    "n=%zu: %g not in [%g, %g]", n, s.median, s.ci_lo,
		    s.ci_hi);
		cr_expect(s.ci_lo >= s.min && s.ci_hi <= s.max);
	}
}

Test(stats, empty)
{
	static const double bad[] = { NAN, INFINITY };
	struct stats_summary s;
	size_t i;

	memset(&s, 0, sizeof(s));
	stats_summarize_array(NULL, 0, &s);
	cr_expect_eq(s.n, 0);
	cr_expect(isnan(s.min) && isnan(s.max) && isnan(s.mean));
	cr_expect(isnan(s.stddev) && isnan(s.median) && isnan(s.mad));
	cr_expect(isnan(s.p50) && isnan(s.p999) && isnan(s.cv));
	cr_expect(isnan(s.ci_lo) && isnan(s.ci_hi));
	for (i = 0; i < STATS_NPCT; i++)
		cr_expect(isnan(s.pct[i]));
	cr_expect_eq(s.outliers, 0);
	cr_expect_eq(s.noisy, 0);
	stats_summarize_array(bad, 2, &s);
	cr_expect_eq(s.n, 0, "non-finite values are skipped");
}

Test(stats, single_and_flat)
{
	static const double one[] = { 3.5 };
	static const double flat[] = { 2, 2, 2, 2 };
	static const double sym[] = { -1, 1 };
	struct stats_summary s;

	stats_summarize_array(one, 1, &s);
	cr_expect(s.n == 1 && s.mean == 3.5 && s.stddev == 0);
	cr_expect(s.median == 3.5 && s.mad == 0 && s.cv == 0);
	cr_expect(s.ci_lo == 3.5 && s.ci_hi == 3.5);
	cr_expect_eq(s.noisy, 0);
	stats_summarize_array(flat, 4, &s);
	cr_expect(s.stddev == 0 && s.outliers == 0 && s.noisy == 0);
	stats_summarize_array(sym, 2, &s);
	cr_expect(s.mean == 0 && s.cv == 0, "cv is 0 when the mean is 0");
}

Test(stats, fio_percentiles)
{
	static const double want[STATS_NPCT] = {
		1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9,
		99.95, 99.99
	};

	cr_expect_arr_eq(stats_fio_percentiles, want, sizeof(want));
}

Test(stats, samples_small_are_exact)
{
	struct stats_samples *ss = stats_samples_new();
	struct stats_summary a, b;
	const double *raw;
	size_t i, n;

	for (i = 0; i < 10; i++)
		stats_samples_add(ss, ten[9 - i]);
	stats_samples_add(ss, NAN);
	cr_expect_eq(stats_samples_count(ss), 10);
	raw = stats_samples_raw(ss, &n);
	cr_assert(raw != NULL);
	cr_expect_eq(n, 10);
	cr_expect(raw[0] == 10 && raw[9] == 1, "raw keeps insertion order");
	cr_expect_eq(histogram_count(stats_samples_histogram(ss)), 10);
	stats_summarize(ss, &a);
	stats_summarize_array(ten, 10, &b);
	cr_expect_eq(a.exact, 1);
	cr_expect(memcmp(&a, &b, sizeof(a)) == 0, "differs from the array");
	stats_samples_free(ss);
	stats_samples_free(NULL);

	ss = stats_samples_new();
	stats_summarize(ss, &a);
	cr_expect(a.n == 0 && isnan(a.median));
	stats_samples_free(ss);
}

Test(stats, samples_at_the_cap)
{
	struct stats_samples *ss = stats_samples_new();
	size_t i, n;

	for (i = 0; i < STATS_RAW_CAP; i++)
		stats_samples_add(ss, (double)i);
	cr_expect(stats_samples_raw(ss, &n) != NULL && n == STATS_RAW_CAP);
	stats_samples_add(ss, 1);
	cr_expect(stats_samples_raw(ss, &n) == NULL && n == 0);
	stats_samples_free(ss);
}

Test(stats, samples_beyond_the_cap)
{
	double *v = malloc(N * sizeof(*v)), *d, med, mad;
	struct stats_samples *ss = stats_samples_new();
	struct stats_summary s, e;
	long double sum = 0, ssq = 0;
	uint64_t x = 42;
	size_t i, j, k;

	for (i = 0; i < N; i++) {
		v[i] = latency(&x);
		stats_samples_add(ss, v[i]);
		sum += v[i];
	}
	for (i = 0; i < N; i++)
		ssq += (v[i] - sum / N) * (v[i] - sum / N);
	qsort(v, N, sizeof(*v), cmp);
	stats_summarize(ss, &s);
	cr_assert_eq(s.exact, 0);
	cr_expect_eq(s.n, N);
	cr_expect(s.min == v[0] && s.max == v[N - 1]);
	near(s.mean, (double)(sum / N), 1e-12, "mean");
	near(s.stddev, sqrt((double)(ssq / (N - 1))), 1e-9, "stddev");

	near(s.median, exact(v, N, 50), 0.01, "median");
	near(s.p50, exact(v, N, 50), 0.01, "p50");
	near(s.p90, exact(v, N, 90), 0.01, "p90");
	near(s.p95, exact(v, N, 95), 0.01, "p95");
	near(s.p99, exact(v, N, 99), 0.01, "p99");
	near(s.p999, exact(v, N, 99.9), 0.01, "p99.9");
	for (i = 0; i < STATS_NPCT; i++)
		near(s.pct[i], exact(v, N, stats_fio_percentiles[i]), 0.01,
		    "fio percentile");

	/* The CI is the same order statistics, from the buckets:
	** j = floor(50000 - 0.98 * 316.23) = 49690, k = 50311. */
	j = 49690;
	k = 50311;
	near(s.ci_lo, v[j - 1], 0.01, "ci_lo");
	near(s.ci_hi, v[k - 1], 0.01, "ci_hi");
	cr_expect(s.ci_lo <= s.median && s.median <= s.ci_hi);

	/* MAD and outliers are approximate; compare with the exact ones. */
	stats_summarize_array(v, N, &e);
	d = malloc(N * sizeof(*d));
	med = exact(v, N, 50);
	for (i = 0; i < N; i++)
		d[i] = fabs(v[i] - med);
	qsort(d, N, sizeof(*d), cmp);
	mad = exact(d, N, 50);
	near(s.mad, mad, 0.02, "mad");
	near(s.mad, e.mad, 0.02, "mad vs exact summary");
	cr_expect(e.outliers > 0, "test data should have outliers");
	cr_expect(llabs((long long)s.outliers - (long long)e.outliers) <=
	    (long long)(N / 1000), "outliers %ju, exact %ju",
	    (uintmax_t)s.outliers, (uintmax_t)e.outliers);
	cr_expect_eq(s.noisy, e.noisy);
	near(s.cv, e.cv, 1e-9, "cv");
	free(d);
	free(v);
	stats_samples_free(ss);
}

Test(stats, rel_ci)
{
	struct stats_samples *ss = stats_samples_new();

	cr_expect(isinf(stats_samples_rel_ci(ss)));
	stats_samples_add(ss, 1);
	cr_expect(isinf(stats_samples_rel_ci(ss)), "n < 2");
	stats_samples_add(ss, 2);
	stats_samples_add(ss, 3);
	/* mean 2, sd 1: 1.96 / sqrt(3) / 2 */
	cr_expect_float_eq(stats_samples_rel_ci(ss), 0.98 / sqrt(3), 1e-12);
	stats_samples_free(ss);

	ss = stats_samples_new();
	stats_samples_add(ss, -1);
	stats_samples_add(ss, 1);
	cr_expect(isinf(stats_samples_rel_ci(ss)), "mean 0");
	stats_samples_free(ss);

	ss = stats_samples_new();
	stats_samples_add(ss, -4);
	stats_samples_add(ss, -6);
	/* mean -5, sd sqrt 2: uses |mean| */
	cr_expect_float_eq(stats_samples_rel_ci(ss),
	    1.96 * sqrt(2) / sqrt(2) / 5, 1e-12);
	stats_samples_free(ss);
}

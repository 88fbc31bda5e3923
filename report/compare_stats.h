/*
** compare_stats.h - the statistics behind `dyno compare`, as pure
** functions on two distributions (struct rundoc_dist): a seeded PRNG, a
** bootstrap confidence interval of the ratio of medians, the Mann-Whitney
** U test, and the verdict rules.  No I/O, no JSON: the unit tests drive
** these directly with synthetic data.
*/
#ifndef DYNO_COMPARE_STATS_H
#define DYNO_COMPARE_STATS_H

#include <stdint.h>

#include "rundoc.h"

/* splitmix64: tiny, seedable with any value (0 included), and good
** enough for resampling; the same seed gives the same numbers on every
** platform, so compare's output is reproducible. */
struct compare_rng {
	uint64_t s;
};

void compare_rng_seed(struct compare_rng *r, uint64_t seed);
uint64_t compare_rng_next(struct compare_rng *r);
/* Uniform in (0, 1): never 0 or 1, so logs and quantiles stay finite. */
double compare_rng_uniform(struct compare_rng *r);
/* Standard normal (Box-Muller). */
double compare_rng_normal(struct compare_rng *r);
/* Gamma(shape, 1), shape > 0 (Marsaglia-Tsang). */
double compare_rng_gamma(struct compare_rng *r, double shape);
/* Beta(a, b), a, b > 0. */
double compare_rng_beta(struct compare_rng *r, double a, double b);

/*
** Mann-Whitney U test, two-sided, of a against b.  Entries of equal value
** (ties, and histogram buckets, whose weight is their count) share their
** average rank.  Exact (the distribution of U counted by dynamic
** programming) when both counts are <= COMPARE_MW_EXACT_MAX and there are
** no ties; otherwise the normal approximation with tie and continuity
** corrections.  u is U of a (pairs a > b, ties counting 1/2); p is NAN
** when either side is empty.
*/
#define COMPARE_MW_EXACT_MAX 20

struct compare_mw {
	double u;
	double p;
	int exact;
};

void compare_mann_whitney(const struct rundoc_dist *a,
			  const struct rundoc_dist *b, struct compare_mw *out);

/*
** Bootstrap percentile interval (level 0.95: the 2.5% and 97.5%
** percentiles of the replicates) of median(new) / median(base), with
** replicates resamples of each side.  Each replicate is drawn exactly
** without resampling: the median of a size-n resample is the empirical
** quantile at the m-th order statistic of n uniforms, m = ceil(n/2) (the
** lower median, as rundoc_dist_quantile), which is Beta(m, n - m + 1).
** So the cost is O(replicates * log entries), samples or histogram alike.
** Sets *lo, *hi (NAN when either side is empty; +-INFINITY where a base
** replicate median is 0).
*/
void compare_ratio_ci(const struct rundoc_dist *base,
		      const struct rundoc_dist *new, unsigned replicates,
		      double level, uint64_t seed, double *lo, double *hi);

enum compare_verdict {
	COMPARE_IMPROVED,
	COMPARE_REGRESSED,
	COMPARE_UNCHANGED,
	COMPARE_INCONCLUSIVE,
	COMPARE_NOT_COMPARABLE,
	COMPARE_NVERDICTS
};

/* "improved", "regressed", "unchanged", "inconclusive", "not comparable". */
const char *compare_verdict_name(enum compare_verdict v);

struct compare_opts {
	double max_regression;   /* t: a fraction, 0.05 for 5% */
	double alpha;            /* significance level of the U test */
	unsigned replicates;     /* bootstrap replicates */
	uint64_t seed;
};

/* Fewer samples than this on either side: inconclusive. */
#define COMPARE_MIN_SAMPLES 4

struct compare_result {
	enum compare_verdict verdict;
	char why[160];           /* the reason, "" when none is needed */
	uint64_t n_base, n_new;  /* counts */
	double median_base, median_new;
	double ratio;            /* median_new / median_base */
	double worse;            /* w: > 0 is worse, see compare_metric */
	double ci_lo, ci_hi;     /* of the ratio */
	struct compare_mw mw;
};

/*
** Compare one metric.  lower_better says which direction is an
** improvement.  The change is w = ratio - 1 when lower is better and
** 1 - ratio when higher is better (relative to the base, positive is
** worse).  With t = max_regression:
**   inconclusive    either count < COMPARE_MIN_SAMPLES (too few samples);
**   not comparable  the base median is not > 0 or the new one is < 0 (no
**                   ratio);
**   regressed       w > t and p < alpha;  improved: w < -t and p < alpha;
**   unchanged       |w| <= t (significant or not), or p >= alpha with
**                   the whole CI within [1 - t, 1 + t];
**   inconclusive    otherwise: p >= alpha and the change is beyond t
**                   (too noisy to tell).
** Fills every field of out; numbers that cannot be computed are NAN.
*/
void compare_metric(const struct rundoc_dist *base,
		    const struct rundoc_dist *new, int lower_better,
		    const struct compare_opts *o, struct compare_result *out);

#endif

/*
** compare_stats.c - PRNG, bootstrap CI of a ratio of medians, Mann-Whitney
** U and the verdict of one metric (compare_stats.h).
*/
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_stats.h"
#include "xmalloc.h"

void
compare_rng_seed(struct compare_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
compare_rng_next(struct compare_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double
compare_rng_uniform(struct compare_rng *r)
{
	/* 53 random bits, shifted half a step off 0 so neither end occurs. */
	return ((double)(compare_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double
compare_rng_normal(struct compare_rng *r)
{
	double u1 = compare_rng_uniform(r), u2 = compare_rng_uniform(r);

	/* One of Box-Muller's pair is dropped: keeping the other would need
	** state beside the seed, and speed does not matter here. */
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double
compare_rng_gamma(struct compare_rng *r, double shape)
{
	double d, c, x, v, u;

	if (shape < 1.0) {
		/* Marsaglia-Tsang needs shape >= 1: boost, then scale back. */
		u = compare_rng_uniform(r);
		return compare_rng_gamma(r, shape + 1.0) * pow(u, 1.0 / shape);
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		do {
			x = compare_rng_normal(r);
			v = 1.0 + c * x;
		} while (v <= 0.0);
		v = v * v * v;
		u = compare_rng_uniform(r);
		if (u < 1.0 - 0.0331 * x * x * x * x)
			return d * v;
		if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
			return d * v;
	}
}

double
compare_rng_beta(struct compare_rng *r, double a, double b)
{
	double x = compare_rng_gamma(r, a), y = compare_rng_gamma(r, b);

	return x / (x + y);
}

/* Exact two-sided p of U (an integer) for counts m, n without ties:
** c(i, j, k), the number of orderings of i a's and j b's with U = k,
** obeys c(i, j, k) = c(i-1, j, k-j) + c(i, j-1, k) (the largest value is
** an a, beating all j b's, or a b, beating none).  Counts stay below
** C(40, 20) < 2^53, exact in doubles. */
static double
mw_exact_p(unsigned m, unsigned n, double u)
{
	size_t w = (size_t)m * n + 1;
	double *prev = xcalloc((n + 1) * w, sizeof *prev);
	double *cur = xcalloc((n + 1) * w, sizeof *cur);
	double total = 0, tail = 0, hi = u > m * n - u ? u : m * n - u, p;

	for (unsigned j = 0; j <= n; j++)
		prev[j * w] = 1;        /* i = 0: only U = 0 */
	for (unsigned i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * w * sizeof *cur);
		cur[0] = 1;             /* j = 0: only U = 0 */
		for (unsigned j = 1; j <= n; j++)
			for (size_t k = 0; k < w; k++)
				cur[j * w + k] = (k >= j ? prev[j * w + k - j] : 0) +
				    cur[(j - 1) * w + k];
		double *t = prev;

		prev = cur;
		cur = t;
	}
	for (size_t k = 0; k < w; k++) {
		total += prev[n * w + k];
		if ((double)k >= hi)
			tail += prev[n * w + k];
	}
	free(prev);
	free(cur);
	p = 2.0 * tail / total;
	return p > 1.0 ? 1.0 : p;
}

void
compare_mann_whitney(const struct rundoc_dist *a, const struct rundoc_dist *b,
		     struct compare_mw *out)
{
	double na = (double)a->count, nb = (double)b->count, N = na + nb;
	double rank_a = 0, seen = 0, ties = 0, mu, var, z;
	size_t i = 0, j = 0;
	int tied = 0;

	memset(out, 0, sizeof *out);
	if (a->count == 0 || b->count == 0) {
		out->u = out->p = NAN;
		return;
	}
	/* Walk both sorted lists at once; each distinct value gets the
	** average of the ranks its t copies occupy. */
	while (i < a->n || j < b->n) {
		double v, wa = 0, wb = 0, t;

		if (j >= b->n || (i < a->n && a->v[i] <= b->v[j]))
			v = a->v[i];
		else
			v = b->v[j];
		if (i < a->n && a->v[i] == v)
			wa = (double)a->w[i++];
		if (j < b->n && b->v[j] == v)
			wb = (double)b->w[j++];
		t = wa + wb;
		rank_a += wa * (seen + (t + 1.0) / 2.0);
		seen += t;
		if (t > 1) {
			ties += t * t * t - t;
			tied = 1;
		}
	}
	out->u = rank_a - na * (na + 1.0) / 2.0;
	if (!tied && a->count <= COMPARE_MW_EXACT_MAX &&
	    b->count <= COMPARE_MW_EXACT_MAX) {
		out->exact = 1;
		out->p = mw_exact_p((unsigned)a->count, (unsigned)b->count,
				    out->u);
		return;
	}
	mu = na * nb / 2.0;
	var = na * nb / 12.0 * ((N + 1.0) - ties / (N * (N - 1.0)));
	if (!(var > 0)) {
		/* Every value equal: nothing tells the sides apart. */
		out->p = 1.0;
		return;
	}
	z = (fabs(out->u - mu) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	out->p = erfc(z / sqrt(2.0));
	if (out->p > 1.0)
		out->p = 1.0;
}

/* Cumulative weights of d, for quantile look-ups by binary search. */
static uint64_t *
cumulative(const struct rundoc_dist *d)
{
	uint64_t *c = xmalloc((d->n ? d->n : 1) * sizeof *c), s = 0;

	for (size_t i = 0; i < d->n; i++)
		c[i] = (s += d->w[i]);
	return c;
}

/* The value at u in (0, 1): rank ceil(u * count), as rundoc_dist_quantile. */
static double
quantile_at(const struct rundoc_dist *d, const uint64_t *cum, double u)
{
	double r = ceil(u * (double)d->count);
	/* >=: (double)count may round up to 2^64, which does not convert. */
	uint64_t rank = r < 1 ? 1 : r >= (double)d->count ? d->count
							 : (uint64_t)r;
	size_t lo = 0, hi = d->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cum[mid] >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return d->v[lo];
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* One bootstrap median: the quantile at U_(m) of count uniforms. */
static double
boot_median(struct compare_rng *r, const struct rundoc_dist *d,
	    const uint64_t *cum)
{
	double n = (double)d->count, m = ceil(n / 2.0);

	return quantile_at(d, cum, compare_rng_beta(r, m, n - m + 1.0));
}

void
compare_ratio_ci(const struct rundoc_dist *base, const struct rundoc_dist *new,
		 unsigned replicates, double level, uint64_t seed, double *lo,
		 double *hi)
{
	struct compare_rng r;
	uint64_t *cb, *cn;
	double *rep;
	size_t ilo, ihi;

	*lo = *hi = NAN;
	if (base->count == 0 || new->count == 0 || replicates == 0)
		return;
	cb = cumulative(base);
	cn = cumulative(new);
	rep = xmalloc(replicates * sizeof *rep);
	compare_rng_seed(&r, seed);
	for (unsigned k = 0; k < replicates; k++) {
		double mb = boot_median(&r, base, cb);
		double mn = boot_median(&r, new, cn);

		/* 0/0 would be NAN, which sorts nowhere: call it no change. */
		rep[k] = mb != 0 ? mn / mb : mn == 0 ? 1.0
				 : copysign(INFINITY, mn);
	}
	qsort(rep, replicates, sizeof *rep, cmp_double);
	ilo = (size_t)floor((1.0 - level) / 2.0 * replicates);
	ihi = (size_t)ceil((1.0 + level) / 2.0 * replicates);
	ihi = ihi > 0 ? ihi - 1 : 0;
	if (ihi >= replicates)
		ihi = replicates - 1;
	*lo = rep[ilo < replicates ? ilo : replicates - 1];
	*hi = rep[ihi];
	free(rep);
	free(cb);
	free(cn);
}

const char *
compare_verdict_name(enum compare_verdict v)
{
	static const char *const names[] = {
		[COMPARE_IMPROVED] = "improved",
		[COMPARE_REGRESSED] = "regressed",
		[COMPARE_UNCHANGED] = "unchanged",
		[COMPARE_INCONCLUSIVE] = "inconclusive",
		[COMPARE_NOT_COMPARABLE] = "not comparable",
	};

	return (unsigned)v < COMPARE_NVERDICTS ? names[v] : "?";
}

void
compare_metric(const struct rundoc_dist *base, const struct rundoc_dist *new,
	       int lower_better, const struct compare_opts *o,
	       struct compare_result *out)
{
	double t = o->max_regression, pct = 100.0 * t;

	memset(out, 0, sizeof *out);
	out->n_base = base->count;
	out->n_new = new->count;
	out->median_base = rundoc_dist_quantile(base, 0.5);
	out->median_new = rundoc_dist_quantile(new, 0.5);
	out->ratio = out->worse = out->ci_lo = out->ci_hi = NAN;
	compare_mann_whitney(base, new, &out->mw);
	if (out->median_base > 0 && out->median_new >= 0) {
		out->ratio = out->median_new / out->median_base;
		out->worse = lower_better ? out->ratio - 1.0 : 1.0 - out->ratio;
	} else if (out->median_base == 0 && out->median_new == 0) {
		/* An error count that stays at 0: no change, not "no ratio". */
		out->ratio = 1.0;
		out->worse = 0.0;
	}
	if (!isnan(out->ratio))
		compare_ratio_ci(base, new, o->replicates, 0.95, o->seed,
				 &out->ci_lo, &out->ci_hi);
	if (base->count < COMPARE_MIN_SAMPLES ||
	    new->count < COMPARE_MIN_SAMPLES) {
		out->verdict = COMPARE_INCONCLUSIVE;
		snprintf(out->why, sizeof out->why, "too few samples: base n=%llu,"
		    " new n=%llu, need %d",
		    (unsigned long long)base->count,
		    (unsigned long long)new->count, COMPARE_MIN_SAMPLES);
		return;
	}
	if (isnan(out->ratio)) {
		out->verdict = COMPARE_NOT_COMPARABLE;
		snprintf(out->why, sizeof out->why, "no ratio: the medians are "
		    "%g and %g; a ratio needs a base median > 0",
		    out->median_base, out->median_new);
		return;
	}
	if (out->mw.p < o->alpha) {
		if (out->worse > t) {
			out->verdict = COMPARE_REGRESSED;
			snprintf(out->why, sizeof out->why, "%.1f%% worse, beyond "
			    "%g%%", 100.0 * out->worse, pct);
		} else if (out->worse < -t) {
			out->verdict = COMPARE_IMPROVED;
			snprintf(out->why, sizeof out->why, "%.1f%% better, beyond "
			    "%g%%", -100.0 * out->worse, pct);
		} else {
			out->verdict = COMPARE_UNCHANGED;
			snprintf(out->why, sizeof out->why, "significant but within "
			    "±%g%%", pct);
		}
		return;
	}
	if (fabs(out->worse) <= t ||
	    (out->ci_lo >= 1.0 - t && out->ci_hi <= 1.0 + t)) {
		out->verdict = COMPARE_UNCHANGED;
		if (out->ci_lo >= 1.0 - t && out->ci_hi <= 1.0 + t)
			snprintf(out->why, sizeof out->why, "no significant "
			    "change");
		else
			snprintf(out->why, sizeof out->why, "no significant "
			    "change; the CI reaches beyond ±%g%%", pct);
		return;
	}
	out->verdict = COMPARE_INCONCLUSIVE;
	snprintf(out->why, sizeof out->why, "too noisy: %.1f%% %s but p=%.2g "
	    ">= %g", 100.0 * fabs(out->worse), out->worse > 0 ? "worse"
							      : "better",
	    out->mw.p, o->alpha);
}

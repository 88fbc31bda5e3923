/* stats.c - summaries of samples: moments, percentiles, CIs, outliers. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xmalloc.h"

const double stats_fio_percentiles[STATS_NPCT] = {
	1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95,
	99.99
};

struct stats_samples {
	double *raw;		/* freed once more than STATS_RAW_CAP came */
	size_t nraw, cap;
	int spilled;
	struct histogram *h;	/* every sample */
	uint64_t n;
	double mean, m2;	/* Welford's running moments */
	double min, max;
};

/* One histogram bucket, or one deviation, with its count. */
struct cell {
	double v;
	uint64_t c;
};

static int
cmpdouble(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmpcell(const void *a, const void *b)
{
	return cmpdouble(&((const struct cell *)a)->v,
	    &((const struct cell *)b)->v);
}

static void
empty(struct stats_summary *out)
{
	size_t i;

	out->n = 0;
	out->min = out->max = out->mean = out->stddev = NAN;
	out->median = out->mad = NAN;
	out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
	out->ci_lo = out->ci_hi = out->cv = NAN;
	out->outliers = 0;
	out->noisy = 0;
	out->exact = 1;
	for (i = 0; i < STATS_NPCT; i++)
		out->pct[i] = NAN;
}

/*
** 95% CI of the median by order statistics, free of any assumption about
** the distribution: the number of samples below the true median is
** Binomial(n, 1/2), close to Normal(n/2, sqrt(n)/2), so ranks
** n/2 -+ 1.96 * sqrt(n)/2 bracket the median with 95% confidence:
**   j = floor(n/2 - 0.98 sqrt(n)),  k = ceil(n/2 + 1 + 0.98 sqrt(n))
** (1-based, clamped to [1, n]), and the interval is [x(j), x(k)].  For
** n = 100 that is [x(40), x(61)].
*/
static void
ciranks(uint64_t n, uint64_t *j, uint64_t *k)
{
	double h = 0.98 * sqrt((double)n);
	double lo = floor(n / 2.0 - h), hi = ceil(n / 2.0 + 1 + h);

	*j = lo < 1 ? 1 : (uint64_t)lo;
	*k = hi > (double)n ? n : (uint64_t)hi;
}

/* Fill cv and noisy from mean and stddev. */
static void
noise(struct stats_summary *out)
{
	out->cv = out->mean == 0 ? 0 : out->stddev / fabs(out->mean);
	out->noisy = out->cv > 0.05;
}

double
stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double h, f;
	size_t i;

	if (n == 0 || isnan(p))
		return NAN;
	p = p < 0 ? 0 : p > 100 ? 100 : p;
	h = (n - 1) * p / 100;
	i = (size_t)h;
	if (i >= n - 1)
		return sorted[n - 1];
	f = h - i;
	return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

void
stats_summarize_array(const double *v, size_t n, struct stats_summary *out)
{
	double *x, sum = 0, dev = 0, ss = 0, q1, q3, iqr;
	uint64_t j, k;
	size_t i, m = 0;

	x = xmalloc((n ? n : 1) * sizeof(*x));
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			x[m++] = v[i];
	if (m == 0) {
		free(x);
		empty(out);
		return;
	}
	qsort(x, m, sizeof(*x), cmpdouble);

	out->n = m;
	out->exact = 1;
	out->min = x[0];
	out->max = x[m - 1];
	for (i = 0; i < m; i++)
		sum += x[i];
	out->mean = sum / m;
	/* Two passes, the second corrected for the first's rounding. */
	for (i = 0; i < m; i++) {
		dev += x[i] - out->mean;
		ss += (x[i] - out->mean) * (x[i] - out->mean);
	}
	out->mean += dev / m;
	out->stddev = m < 2 ? 0 : sqrt(fmax(0, (ss - dev * dev / m) /
	    (m - 1)));
	noise(out);

	out->median = out->p50 = stats_percentile_sorted(x, m, 50);
	out->p90 = stats_percentile_sorted(x, m, 90);
	out->p95 = stats_percentile_sorted(x, m, 95);
	out->p99 = stats_percentile_sorted(x, m, 99);
	out->p999 = stats_percentile_sorted(x, m, 99.9);
	for (i = 0; i < STATS_NPCT; i++)
		out->pct[i] = stats_percentile_sorted(x, m,
		    stats_fio_percentiles[i]);

	ciranks(m, &j, &k);
	out->ci_lo = x[j - 1];
	out->ci_hi = x[k - 1];

	q1 = stats_percentile_sorted(x, m, 25);
	q3 = stats_percentile_sorted(x, m, 75);
	iqr = q3 - q1;
	out->outliers = 0;
	for (i = 0; i < m; i++)
		if (x[i] < q1 - 1.5 * iqr || x[i] > q3 + 1.5 * iqr)
			out->outliers++;

	/* x is sorted and no longer needed: reuse it for |x - median|. */
	for (i = 0; i < m; i++)
		x[i] = fabs(x[i] - out->median);
	qsort(x, m, sizeof(*x), cmpdouble);
	out->mad = stats_percentile_sorted(x, m, 50);
	free(x);
}

struct stats_samples *
stats_samples_new(void)
{
	struct stats_samples *s = xcalloc(1, sizeof(*s));

	s->cap = 64;
	s->raw = xmalloc(s->cap * sizeof(*s->raw));
	s->h = histogram_new();
	s->min = s->max = NAN;
	return s;
}

void
stats_samples_free(struct stats_samples *s)
{
	if (s == NULL)
		return;
	free(s->raw);
	histogram_free(s->h);
	free(s);
}

void
stats_samples_add(struct stats_samples *s, double v)
{
	double d;

	if (!isfinite(v))
		return;
	s->n++;
	d = v - s->mean;
	s->mean += d / s->n;
	s->m2 += d * (v - s->mean);
	if (s->n == 1 || v < s->min)
		s->min = v;
	if (s->n == 1 || v > s->max)
		s->max = v;
	histogram_add(s->h, v, 1);
	if (s->spilled)
		return;
	if (s->nraw == STATS_RAW_CAP) {
		free(s->raw);
		s->raw = NULL;
		s->nraw = s->cap = 0;
		s->spilled = 1;
		return;
	}
	if (s->nraw == s->cap) {
		s->cap *= 2;
		if (s->cap > STATS_RAW_CAP)
			s->cap = STATS_RAW_CAP;
		s->raw = xreallocarray(s->raw, s->cap, sizeof(*s->raw));
	}
	s->raw[s->nraw++] = v;
}

uint64_t
stats_samples_count(const struct stats_samples *s)
{
	return s->n;
}

const double *
stats_samples_raw(const struct stats_samples *s, size_t *n)
{
	if (n != NULL)
		*n = s->nraw;
	return s->spilled ? NULL : s->raw;
}

const struct histogram *
stats_samples_histogram(const struct stats_samples *s)
{
	return s->h;
}

double
stats_samples_rel_ci(const struct stats_samples *s)
{
	if (s->n < 2 || s->mean == 0)
		return INFINITY;
	return 1.96 * sqrt(s->m2 / (s->n - 1)) / sqrt((double)s->n) /
	    fabs(s->mean);
}

/* Cell of bucket [e, s, c] from the JSON form, signed, at its midpoint
** 2^(e-1) * (1 + (s + 0.5)/64) clamped to [lo, hi]. */
static struct cell
bucket(const json_t *t, double sign, double lo, double hi)
{
	struct cell c;
	double v;

	v = sign * ldexp(1 + (json_integer_value(json_array_get(t, 1)) +
	    0.5) / HISTOGRAM_SUB,
	    (int)json_integer_value(json_array_get(t, 0)) - 1);
	c.v = v < lo ? lo : v > hi ? hi : v;
	c.c = (uint64_t)json_integer_value(json_array_get(t, 2));
	return c;
}

/*
** The histogram's buckets in value order, with the total in *total.  Read
** through the JSON form: it is the histogram's documented, stable view of
** its buckets, and keeps their storage private to histogram.c.
*/
static struct cell *
cells(const struct histogram *h, size_t *n, uint64_t *total)
{
	json_t *j = histogram_to_json(h);
	const json_t *neg = json_object_get(j, "negative");
	const json_t *pos = json_object_get(j, "buckets");
	double lo = histogram_min(h), hi = histogram_max(h);
	json_int_t zero = json_integer_value(json_object_get(j, "zero"));
	struct cell *c;
	size_t i, m = 0;

	c = xmalloc((json_array_size(neg) + json_array_size(pos) + 1) *
	    sizeof(*c));
	for (i = json_array_size(neg); i-- > 0;)
		c[m++] = bucket(json_array_get(neg, i), -1, lo, hi);
	if (zero > 0) {
		c[m].v = 0;
		c[m++].c = (uint64_t)zero;
	}
	for (i = 0; i < json_array_size(pos); i++)
		c[m++] = bucket(json_array_get(pos, i), 1, lo, hi);
	json_decref(j);
	*total = 0;
	for (i = 0; i < m; i++)
		*total += c[i].c;
	*n = m;
	return c;
}

/* Value at 1-based rank r of cells sorted by value. */
static double
at(const struct cell *c, size_t n, uint64_t r)
{
	uint64_t seen = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if ((seen += c[i].c) >= r)
			return c[i].v;
	return n ? c[n - 1].v : NAN;
}

/*
** Summary from the histogram once the raw samples are gone.  n, min, max,
** mean and stddev stay exact (running moments); percentiles and the median
** are histogram_percentile's (nearest rank, within 1%).  The CI takes
** ranks j and k (see ciranks) from the buckets; outliers counts the
** samples whose bucket lies beyond the fences.  MAD is approximate: each
** bucket stands at its midpoint, and the MAD is the count-weighted median
** (rank ceil(n/2)) of |midpoint - median|.
*/
static void
fromhist(const struct stats_samples *s, struct stats_summary *out)
{
	const struct histogram *h = s->h;
	struct cell *c;
	double q1, q3, iqr;
	uint64_t total, j, k;
	size_t i, n;

	out->n = s->n;
	out->exact = 0;
	out->min = s->min;
	out->max = s->max;
	out->mean = s->mean;
	out->stddev = s->n < 2 ? 0 : sqrt(s->m2 / (s->n - 1));
	noise(out);

	out->median = out->p50 = histogram_percentile(h, 50);
	out->p90 = histogram_percentile(h, 90);
	out->p95 = histogram_percentile(h, 95);
	out->p99 = histogram_percentile(h, 99);
	out->p999 = histogram_percentile(h, 99.9);
	for (i = 0; i < STATS_NPCT; i++)
		out->pct[i] = histogram_percentile(h, stats_fio_percentiles[i]);

	c = cells(h, &n, &total);
	ciranks(total, &j, &k);
	out->ci_lo = j == 1 ? out->min : at(c, n, j);
	out->ci_hi = k == total ? out->max : at(c, n, k);

	q1 = histogram_percentile(h, 25);
	q3 = histogram_percentile(h, 75);
	iqr = q3 - q1;
	out->outliers = 0;
	for (i = 0; i < n; i++)
		if (c[i].v < q1 - 1.5 * iqr || c[i].v > q3 + 1.5 * iqr)
			out->outliers += c[i].c;

	for (i = 0; i < n; i++)
		c[i].v = fabs(c[i].v - out->median);
	qsort(c, n, sizeof(*c), cmpcell);
	out->mad = at(c, n, (total + 1) / 2);
	free(c);
}

void
stats_summarize(const struct stats_samples *s, struct stats_summary *out)
{
	if (s->spilled)
		fromhist(s, out);
	else
		stats_summarize_array(s->raw, s->nraw, out);
}

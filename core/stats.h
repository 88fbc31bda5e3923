/*
** stats.h - summaries of a metric's samples: n, min, max, mean, stddev,
** median, MAD, percentiles, 95% CI of the median, outliers, noise.
**
** A struct stats_samples collects samples: it keeps the raw values up to a
** cap (exact statistics), a histogram of all of them (percentiles beyond
** the cap), and running moments (exact mean/stddev/min/max always).
*/
#ifndef DYNO_STATS_H
#define DYNO_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "histogram.h"

/* fio's default percentile list. */
#define STATS_NPCT 17
extern const double stats_fio_percentiles[STATS_NPCT];

/* Raw samples kept in memory for exact statistics. */
#define STATS_RAW_CAP 10000

struct stats_summary {
	uint64_t n;
	double min, max, mean, stddev;
	double median, mad;          /* MAD: median absolute deviation (raw,
					not scaled by 1.4826) */
	double p50, p90, p95, p99, p999;
	double ci_lo, ci_hi;         /* 95% CI of the median: order stats
					x(j), x(k), j = floor(n/2 - 0.98
					sqrt n), k = ceil(n/2 + 1 + 0.98
					sqrt n), clamped to [1, n] */
	double cv;                   /* stddev / |mean| (0 when mean == 0) */
	uint64_t outliers;           /* outside Tukey fences (1.5 IQR) */
	int noisy;                   /* cv > 5% */
	int exact;                   /* 1: from raw samples; 0: histogram */
	double pct[STATS_NPCT];      /* at stats_fio_percentiles */
};

struct stats_samples;

struct stats_samples *stats_samples_new(void);
void stats_samples_free(struct stats_samples *s); /* NULL: no-op */
/* Non-finite values are ignored (not counted). */
void stats_samples_add(struct stats_samples *s, double v);
uint64_t stats_samples_count(const struct stats_samples *s);
/* The raw samples in the order added (*n of them; n may be NULL), or NULL
** and *n = 0 when more than STATS_RAW_CAP were added. */
const double *stats_samples_raw(const struct stats_samples *s, size_t *n);
const struct histogram *stats_samples_histogram(const struct stats_samples *s);
/* Relative half-width of the 95% CI of the mean, 1.96*sd/sqrt(n)/|mean|;
** INFINITY when n < 2 or mean == 0.  O(1): for adaptive stopping. */
double stats_samples_rel_ci(const struct stats_samples *s);
/* Summarise; exact when raw samples are kept (stats_summarize_array),
** else from the histogram: n, min, max, mean, stddev, cv stay exact;
** median and percentiles are histogram_percentile's (nearest rank, within
** 1%); the CI takes ranks j, k from the buckets; outliers counts samples
** whose bucket midpoint is beyond the fences; MAD is approximate, the
** count-weighted median of |bucket midpoint - median|. */
void stats_summarize(const struct stats_samples *s, struct stats_summary *out);

/* Exact summary of an array (copied and sorted internally; non-finite
** values are skipped).  Percentiles, median, quartiles and MAD interpolate
** as stats_percentile_sorted.  n == 0: every double NAN, n = outliers =
** noisy = 0. */
void stats_summarize_array(const double *v, size_t n,
			   struct stats_summary *out);
/* Percentile p in [0,100] of sorted data, linear interpolation between
** closest ranks (numpy's default, "type 7"). */
double stats_percentile_sorted(const double *sorted, size_t n, double p);

#endif

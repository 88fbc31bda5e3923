/*
** histogram.h - log-linear histogram of doubles: bounded memory, relative
** error of any reported quantile <= 1%, and exact merging (counts add).
**
** Buckets: each power of two [2^(e-1), 2^e) is split into HISTOGRAM_SUB
** equal linear sub-buckets, so a bucket's width is at most 1/HISTOGRAM_SUB
** of its lower edge; a quantile is reported as its bucket's midpoint.
** Zero has its own count; negative values are kept in a mirrored set.
*/
#ifndef DYNO_HISTOGRAM_H
#define DYNO_HISTOGRAM_H

#include <stdint.h>
#include <jansson.h>

#include "err.h"

#define HISTOGRAM_SUB 64

struct histogram;

struct histogram *histogram_new(void);
/* NULL is a no-op. */
void histogram_free(struct histogram *h);
/* Add count occurrences of v (non-finite values and count 0 are
** ignored). */
void histogram_add(struct histogram *h, double v, uint64_t count);
/* dst += src; exact (dst == src doubles every count). */
void histogram_merge(struct histogram *dst, const struct histogram *src);
uint64_t histogram_count(const struct histogram *h);
/* Exact min/max of what was added (NAN when empty). */
double histogram_min(const struct histogram *h);
double histogram_max(const struct histogram *h);
/* p in [0, 100] (taken to 1e-6 %); the value at rank ceil(p/100 * n)
** (rank 1 for p = 0): the midpoint of its bucket, so within 1% relative
** error (1/128 in fact), clamped to [min, max]; exactly min at rank 1 and
** max at rank n.  NAN when empty or p is NAN. */
double histogram_percentile(const struct histogram *h, double p);

/*
** JSON form (docs/results-format.md):
** {"scheme": "log2-linear", "sub_buckets": 64, "count": N, "min": x,
**  "max": y, "zero": z, "buckets": [[e, s, c], ...],
**  "negative": [[e, s, c], ...]}
** A triple [e, s, c] says c (>= 1) values v lie in
** [2^(e-1) * (1 + s/64), 2^(e-1) * (1 + (s+1)/64)), e in [-1073, 1024],
** s in [0, 63].  "buckets" holds the positive values, "negative" the
** absolute values of the negative ones; both are sorted by e, then s, and
** leave empty buckets out.  "zero" counts the zeros; count is the sum of
** all counts; min and max are exact, null when count is 0.  Returns a new
** reference.
*/
json_t *histogram_to_json(const struct histogram *h);
/* Parse the JSON form, checking every field above ("negative" may be
** absent; unknown keys are ignored).  On bad input returns NULL with a
** one-line message in err naming the field. */
struct histogram *histogram_from_json(const json_t *j, struct dyno_err *err);

#endif

/*
** rundoc.h - reading what dyno wrote back in, for `dyno report` and
** `dyno compare`: a run document (`dyno run --out`, `dyno tune --out`),
** one result record (`dyno probe --json`) or a results file (JSON lines,
** `--out` of dyno probe, `--results` of dyno run).  Records and results
** files come back wrapped as a run document with no checks, so readers
** handle one shape.
**
** Every field a reader relies on is checked once, here; a bad file gives
** one line naming the file and the JSON path of the first bad field
** ("run.json: $.results[2].metrics.latency.n: expected an integer"),
** so the report and compare code can trust what it reads.
*/
#ifndef DYNO_RUNDOC_H
#define DYNO_RUNDOC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "err.h"

/* The newest run-document and record schema this dyno reads. */
#define RUNDOC_SCHEMA 1

/* Parse len bytes of text; name is what errors call the input (a file
** name).  Returns a new reference to a run document:
**   {"schema": 1, "kind": "dyno.run", "dyno_version": s, "suite": s|null,
**    "finished_at": s|null, "host": {...} (the inventory, or for wrapped
**    records {"fingerprint": s, "hostname": s}), "results": [record...],
**    "verdicts": [...], "summary": {...}, "tune": {...} (optional)}
** where every record has id, plugin, probe, params (object), status, message,
** host.fingerprint, metrics (object of summaries with unit, better, n and
** either samples or histogram, both optional, holding n values),
** artifacts (object).
** NULL and a one-line error on bad input. */
json_t *rundoc_parse(const char *text, size_t len, const char *name,
		     struct dyno_err *err);
/* rundoc_parse of a file's content; errors name path. */
json_t *rundoc_load(const char *path, struct dyno_err *err);

/* The fingerprint of the hardware a document ran on ("" when it has none). */
const char *rundoc_fingerprint(const json_t *doc);

/*
** A metric's distribution as the document keeps it: the raw samples
** (sorted, each weight 1) or the histogram's buckets (each bucket's
** midpoint, weighted by its count, in increasing order).  Samples and
** histograms both resolve ties the same way, so rank statistics work on
** either.  binned says the values are bucket midpoints.
*/
struct rundoc_dist {
	double *v;         /* increasing */
	uint64_t *w;       /* weight of v[i], >= 1 */
	size_t n;          /* entries in v and w */
	uint64_t count;    /* sum of w */
	int binned;
};

/* Fill d from a metric summary (one value of a record's "metrics").  A
** metric with neither samples nor histogram gives count 0.  With
** to_buckets set, raw samples are put into histogram buckets too, so two
** distributions can be compared bucket against bucket when one side only
** has a histogram.  Returns 0, or -1 with err set (out of memory, or a
** histogram that does not parse). */
int rundoc_metric_dist(const json_t *metric, int to_buckets,
		       struct rundoc_dist *d, struct dyno_err *err);
/* The value at quantile q in [0, 1] (0.5: the median, by the lower rank
** ceil(q * count), as histogram_percentile does).  NAN when empty. */
double rundoc_dist_quantile(const struct rundoc_dist *d, double q);
void rundoc_dist_free(struct rundoc_dist *d);

#endif

/*
** mrc_probe.c - the cache.mrc probe: the LRU miss-ratio curve of a key
** trace (a file, or a generated Zipf workload) and the cache size that a
** hit-rate target needs.  The curve is mrc.c's; this file turns the
** parameters into a trace, the curve into a metric and artifacts, and an
** unreachable target into a sentence.
*/
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "mrc.h"
#include "probes.h"

#define MRC_CURVE_POINTS 20   /* log-spaced sizes in the curve artifact */
/* The two SHARDS samples' salts: fixed, so that a run is reproducible. */
#define MRC_SALT_A 0x5348415244530001ull
#define MRC_SALT_B 0x5348415244530002ull

/* Per-run state, owned by setup()/teardown(). */
struct mrc_state {
	struct mrc_trace trace;
	char workload[4200];   /* the trace's path, or the generator's args */
	double rate;           /* sample_rate; 1 is exact */
	double target;         /* target_hit */
	uint64_t item_bytes;
};

static void
mrc_state_free(struct mrc_state *st)
{
	if (st == NULL)
		return;
	mrc_trace_free(&st->trace);
	free(st);
}

/* Setup loads or generates the trace, so that reading a file and drawing
** a million Zipf keys stay out of run(). */
static int
mrc_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct mrc_state *st = calloc(1, sizeof(*st));
	const char *path = h->param_str(ctx, "trace");
	char err[4400];

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	st->rate = h->param_float(ctx, "sample_rate");
	st->target = h->param_float(ctx, "target_hit");
	st->item_bytes = h->param_size(ctx, "item_bytes");
	if (path != NULL && path[0] != '\0') {
		if (mrc_trace_load(path, &st->trace, err, sizeof(err)) != 0) {
			mrc_state_free(st);
			return h->fail(ctx, "%s", err);
		}
		snprintf(st->workload, sizeof(st->workload), "%s", path);
	} else {
		double alpha = h->param_float(ctx, "alpha");
		uint64_t keys = (uint64_t)h->param_int(ctx, "keys");
		uint64_t req = (uint64_t)h->param_int(ctx, "requests");
		uint64_t seed = (uint64_t)h->param_int(ctx, "seed");

		/* The host checked the ranges: -1 here is memory. */
		if (mrc_trace_zipf(&st->trace, keys, req, alpha, seed) != 0) {
			mrc_state_free(st);
			return h->fail(ctx, "out of memory generating %" PRIu64
				       " requests over %" PRIu64 " keys",
				       req, keys);
		}
		snprintf(st->workload, sizeof(st->workload),
			 "zipf alpha=%g keys=%" PRIu64 " requests=%" PRIu64
			 " seed=%" PRIu64, alpha, keys, req, seed);
	}
	*state = st;
	return DYNO_OK;
}

static void
mrc_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	mrc_state_free(state);
}

/* v as a percentage, truncated to two decimals (so a cap never prints as
** the target it misses), without trailing zeros: "90.5%". */
static void
mrc_pct(char *buf, size_t n, double v)
{
	double t = floor(v * 10000 + 1e-6) / 100;
	size_t len;

	snprintf(buf, n, "%.2f", t);
	len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	snprintf(buf + len, n - len, "%%");
}

/* "items:hit_rate ..." at MRC_CURVE_POINTS sizes spaced evenly in log
** from 1 to the distinct keys (fewer where sizes coincide). */
static void
mrc_curve_text(const struct mrc *m, uint64_t distinct, char *buf, size_t n)
{
	uint64_t last = 0;
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < MRC_CURVE_POINTS && len < n; i++) {
		double e = (double)i / (MRC_CURVE_POINTS - 1);
		uint64_t c = (uint64_t)llround(pow((double)distinct, e));

		if (c <= last)
			continue;
		last = c;
		len += (size_t)snprintf(buf + len, n - len, "%s%" PRIu64 ":%.4f",
					len ? " " : "", c, mrc_hit_rate(m, c));
	}
}

static int
mrc_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	const struct mrc_state *st = state;
	const struct mrc_trace *t = &st->trace;
	struct mrc a, b;
	uint64_t items;
	double cap;
	char v[1024], tp[32], cp[32];
	int rc;

	if (mrc_compute(t, st->rate, MRC_SALT_A, &a) != 0)
		return h->fail(ctx, "out of memory computing the curve of %zu "
			       "references", t->n);
	if (a.sampled == 0) {
		mrc_free(&a);
		return h->fail(ctx, "sample_rate %g sampled none of the %zu "
			       "references (%" PRIu64 " keys); raise it",
			       st->rate, t->n, t->distinct);
	}
	items = mrc_items_for_hit(&a, st->target);
	/* Every key's first reference misses at any size: exact even when
	** the curve is sampled. */
	cap = 1.0 - (double)t->distinct / (double)t->n;

	h->artifact(ctx, "workload", st->workload);
	snprintf(v, sizeof(v), "%zu", t->n);
	h->artifact(ctx, "references", v);
	snprintf(v, sizeof(v), "%" PRIu64, t->distinct);
	h->artifact(ctx, "distinct_keys", v);
	h->artifact(ctx, "cold_misses", v);
	snprintf(v, sizeof(v), "%" PRIu64, items);
	h->artifact(ctx, "items_for_hit", v);
	mrc_curve_text(&a, t->distinct, v, sizeof(v));
	h->artifact(ctx, "curve", v);
	if (a.rate >= 1) {
		h->artifact(ctx, "sampling", "exact");
	} else if (h->should_stop(ctx)) {
		snprintf(v, sizeof(v), "SHARDS rate %g: %" PRIu64 " of %zu "
			 "references sampled; error estimate skipped: the run "
			 "was stopped", st->rate, a.sampled, t->n);
		h->artifact(ctx, "sampling", v);
	} else {
		/* The exact curve is what sampling avoids computing, so the
		** error is estimated from a second, independent sample (another
		** salt picks other keys): the largest hit-rate difference
		** between the two.  Each sample's error against the truth is
		** of the same order (for independent errors, the difference
		** is about 1.4 times either). */
		uint64_t items_b;

		if (mrc_compute(t, st->rate, MRC_SALT_B, &b) != 0) {
			mrc_free(&a);
			return h->fail(ctx, "out of memory computing a second "
				       "sample of %zu references", t->n);
		}
		items_b = mrc_items_for_hit(&b, st->target);
		snprintf(v, sizeof(v), "SHARDS rate %g: %" PRIu64 " of %zu "
			 "references sampled; error estimate %.4f (a second "
			 "sample's largest hit-rate difference; it needs %"
			 PRIu64 " items for the target)", st->rate, a.sampled,
			 t->n, mrc_max_diff(&a, &b, t->distinct), items_b);
		h->artifact(ctx, "sampling", v);
		mrc_free(&b);
	}
	h->record(ctx, "hit_rate_max", cap);

	snprintf(tp, sizeof(tp), "%g%%", st->target * 100);
	if (items == 0 && cap < st->target) {
		mrc_pct(cp, sizeof(cp), cap);
		rc = h->fail(ctx, "target_hit %s is unreachable: first "
			     "references cap the hit rate of this trace at %s",
			     tp, cp);
	} else if (items == 0) {
		/* Only a sampled curve can end below a reachable target. */
		mrc_pct(cp, sizeof(cp), mrc_hit_rate(&a, UINT64_MAX));
		rc = h->fail(ctx, "target_hit %s is beyond the sampled curve, "
			     "which ends at %s; raise sample_rate", tp, cp);
	} else {
		h->record(ctx, "size_for_hit",
			  (double)items * (double)st->item_bytes);
		rc = DYNO_OK;
	}
	mrc_free(&a);
	return rc;
}

static const struct dyno_param mrc_params[] = {
	{ .name = "trace", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "file of keys, one per line (empty: the generated Zipf workload)" },
	{ .name = "alpha", .type = DYNO_PARAM_FLOAT, .def = "0.99",
	  .min = "0", .max = "3",
	  .help = "generated workload: Zipf exponent (0: uniform)" },
	{ .name = "keys", .type = DYNO_PARAM_INT, .def = "100000",
	  .min = "1", .max = "100000000",
	  .help = "generated workload: distinct keys to draw from" },
	{ .name = "requests", .type = DYNO_PARAM_INT, .def = "1000000",
	  .min = "1", .max = "1000000000",
	  .help = "generated workload: references (8 B of memory each)" },
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",
	  .help = "generated workload: random seed (the same seed, the same trace)" },
	{ .name = "sample_rate", .type = DYNO_PARAM_FLOAT, .def = "1",
	  .min = "0.0001", .max = "1",
	  .help = "1: exact curve; below 1: SHARDS sampling of this share of the keys" },
	{ .name = "target_hit", .type = DYNO_PARAM_FLOAT, .def = "90%",
	  .min = "0.01%", .max = "100%",
	  .help = "hit rate whose cache size is the metric" },
	{ .name = "item_bytes", .type = DYNO_PARAM_SIZE, .def = "1KiB",
	  .min = "1",
	  .help = "bytes one cached item takes (value, key and per-item overhead)" },
	{ NULL }
};

static const struct dyno_metric mrc_metrics[] = {
	{ .name = "size_for_hit", .unit = "B", .better = DYNO_BETTER_LOWER,
	  .help = "LRU cache size (items x item_bytes) reaching target_hit" },
	{ .name = "hit_rate_max", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "best hit rate of any size: 1 - first references / references" },
	{ NULL }
};

const struct dyno_probe cache_mrc_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "mrc",
	.summary = "LRU miss-ratio curve of a key trace (exact, or SHARDS-sampled) and the cache size for a hit rate",
	.params = mrc_params,
	.metrics = mrc_metrics,
	.headline_metrics = 2, /* size_for_hit, hit_rate_max */
	.setup = mrc_setup,
	.teardown = mrc_teardown,
	.run = mrc_run,
};

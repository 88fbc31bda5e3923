/*
** nms_run.c - the yolo.nms probe's work: a synthetic decoded prediction
** (boxes jittered around overlapping clusters, one class each) made once
** per run, then ultralytics' non_max_suppression on it (nms.c), timed
** call by call.
*/
#include <stdint.h>
#include <stdlib.h>

#include <dyno/plugin.h>

#include "heavy.h"
#include "nms.h"
#include "nms_probe.h"
#include "prng.h"

/* The prediction is (4 + classes) x candidates floats: past this it is
** not a YOLO head's any more, and a typo should not eat the memory. */
#define NMS_MAX_FLOATS ((size_t)1 << 28)

struct nms_state {
	size_t n;
	float *pred;		/* (4 + nc) x n: cx, cy, w, h, scores */
	struct yolo_det *cand;
	struct yolo_det *out;
	struct yolo_nms w;
	struct yolo_nms_cfg cfg;
};

static double
nms_unif(uint64_t *s)
{
	return (double)(splitmix64_next(s) >> 11) / 9007199254740992.0;
}

/*
** Clusters of objects over a 640 x 640 input, 16 to 256 px a side, each
** of one class; every box belongs to a cluster at random, its centre
** within +-10 % of the object's size, its sides within +-20 %, so that
** boxes of one object overlap by IoU from about 0.5 to 1 and neighbours
** overlap too.  Its class's score is uniform in [0, 1) (a fraction
** 1 - conf of the boxes pass conf), every other class's below 0.1.
*/
static void
nms_fill(struct nms_state *s, int nc, size_t clusters, uint64_t seed)
{
	size_t n = s->n;
	uint64_t r = seed;
	float *p = s->pred;

	for (size_t i = 0; i < (size_t)nc * n; i++)
		p[4 * n + i] = (float)(nms_unif(&r) * 0.1);
	for (size_t a = 0; a < n; a++) {
		/* Cluster k's object from its own stream: no table needed. */
		uint64_t k = splitmix64_next(&r) % clusters;
		uint64_t o = splitmix64_hash(seed ^ splitmix64_hash(k));
		double cx = nms_unif(&o) * 640, cy = nms_unif(&o) * 640;
		double w = 16 + nms_unif(&o) * 240, h = 16 + nms_unif(&o) * 240;
		int cls = (int)(splitmix64_next(&o) % (uint64_t)nc);

		p[a] = (float)(cx + (nms_unif(&r) - 0.5) * 0.2 * w);
		p[n + a] = (float)(cy + (nms_unif(&r) - 0.5) * 0.2 * h);
		p[2 * n + a] = (float)(w * (0.8 + 0.4 * nms_unif(&r)));
		p[3 * n + a] = (float)(h * (0.8 + 0.4 * nms_unif(&r)));
		p[(4 + (size_t)cls) * n + a] = (float)nms_unif(&r);
	}
}

static void
nms_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct nms_state *s = state;

	(void)h;
	(void)ctx;
	if (s == NULL)
		return;
	yolo_nms_fini(&s->w);
	free(s->pred);
	free(s->cand);
	free(s->out);
	free(s);
}

static int
nms_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct yolo_nms_cfg cfg = YOLO_NMS_DEFAULTS;
	struct nms_state *s;
	int64_t n = h->param_int(ctx, "candidates");
	int64_t nc = h->param_int(ctx, "classes");
	int64_t clusters = h->param_int(ctx, "clusters");

	if ((size_t)n * (size_t)(4 + nc) > NMS_MAX_FLOATS)
		return h->fail(ctx, "candidates=%lld x (4 + classes=%lld) "
		    "floats is over the %zu a prediction may hold",
		    (long long)n, (long long)nc, NMS_MAX_FLOATS);
	cfg.conf = (float)h->param_float(ctx, "conf");
	cfg.iou = h->param_float(ctx, "iou");
	cfg.max_det = (int)h->param_int(ctx, "max_det");
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return h->fail(ctx, "out of memory for the NMS state");
	s->n = (size_t)n;
	s->cfg = cfg;
	s->pred = malloc((size_t)(4 + nc) * s->n * sizeof *s->pred);
	s->cand = malloc(s->n * sizeof *s->cand);
	s->out = malloc((size_t)cfg.max_det * sizeof *s->out);
	if (s->pred == NULL || s->cand == NULL || s->out == NULL ||
	    yolo_nms_init(&s->w, s->n, (int)nc) < 0) {
		nms_teardown(h, ctx, s);
		return h->fail(ctx, "out of memory for %lld candidates of %lld "
		    "classes", (long long)n, (long long)nc);
	}
	nms_fill(s, (int)nc, (size_t)clusters,
	    (uint64_t)h->param_int(ctx, "seed"));
	*state = s;
	return DYNO_OK;
}

static int
nms_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct nms_state *s = state;
	size_t k = 0, kept = 0;

	do {
		uint64_t t0 = h->now_ns();
		double dt;

		k = yolo_nms_select(&s->w, s->pred, s->n, &s->cfg, s->cand);
		kept = yolo_nms_run(&s->w, &s->cfg, s->cand, k, s->out);
		dt = (double)(h->now_ns() - t0) / 1e9;
		if (dt <= 0)
			dt = 1e-9;	/* below the clock's resolution */
		h->record(ctx, "latency", dt);
		h->record(ctx, "candidates_per_s", (double)s->n / dt);
	} while (!h->should_stop(ctx));
	h->record(ctx, "selected", (double)k);
	h->record(ctx, "kept", (double)kept);
	return DYNO_OK;
}

const struct heavy_probe yolo_nms_impl = {
	.name = "nms",
	.setup = nms_setup,
	.teardown = nms_teardown,
	.run = nms_run,
};

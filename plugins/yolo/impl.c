/*
** impl.c - the yolo implementation library (impl/yolo-impl.so): the
** yolo.infer probe's work on the nn engine, opened by the shell in the
** probe's process only (heavy.h).  The other probes' callbacks are in
** their own files; this one lists them all.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "heavy.h"
#ifdef NN_HAVE_CUDA
#include "nn_cuda.h"
#endif
#include "model.h"
#include "model_params.h"
#include "nn.h"
#include "nn_probe.h"
#include "nms_probe.h"
#include "probes.h"
#ifdef YOLO_PIPELINE
#include "pipeline.h"
#endif

struct infer {
	struct yolo_model	 m;
	float			*x, *y;
	struct nn_probe_loop	 loop;
};

static void
infer_free(struct infer *s)
{
	yolo_free(&s->m);
	free(s->x);
	free(s->y);
	free(s);
}

/* A new image each run, never zeros: uniform in [0, 1), the range of a
** letterboxed frame. */
static void
random_input(float *x, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = 0.5f + 0.5f * nn_init_value("input", seed, i, 1.0);
}

static int
forward(void *m, const float *x, float *y, char *err, size_t errlen)
{
	return yolo_forward(m, x, y, err, errlen);
}

static int
infer_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct infer *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return h->fail(ctx, "out of memory");
	s->loop.resets_hwm = nn_probe_reset_hwm();
	s->loop.cuda = strcmp(h->param_str(ctx, "device"), "cuda") == 0;
	rc = yolo_model_setup(h, ctx, (int)h->param_int(ctx, "batch"),
	    (int)h->param_int(ctx, "threads"), &s->m);
	if (rc != DYNO_OK) {
		free(s);
		return rc;
	}
	s->x = malloc(yolo_in_len(&s->m) * sizeof(*s->x));
	s->y = malloc(yolo_out_len(&s->m) * sizeof(*s->y));
	if (s->x == NULL || s->y == NULL) {
		infer_free(s);
		return h->fail(ctx, "out of memory");
	}
	random_input(s->x, yolo_in_len(&s->m), h->now_ns());
	s->loop = (struct nn_probe_loop){
		.forward = forward, .model = &s->m, .g = s->m.g,
		.x = s->x, .y = s->y, .out_len = yolo_out_len(&s->m),
		.batch = s->m.batch, .flops = yolo_flops(&s->m),
		.rate = "fps", .what = "the network",
		.cuda = s->loop.cuda, .resets_hwm = s->loop.resets_hwm,
	};
	if ((rc = nn_probe_warm(h, ctx, &s->loop)) != DYNO_OK) {
		infer_free(s);
		return rc;
	}
	*state = s;
	return DYNO_OK;
}

static void
infer_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h;
	(void)ctx;
	infer_free(state);
}

static int
infer_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct infer *s = state;

	return nn_probe_run(h, ctx, &s->loop);
}

const struct heavy_probe yolo_infer_impl = {
	.name = "infer",
	.setup = infer_setup,
	.teardown = infer_teardown,
	.run = infer_run,
};

static const struct heavy_probe *const yolo_impl_probes[] = {
	&yolo_infer_impl,
	&yolo_nms_impl,
#ifdef YOLO_PIPELINE
	&yolo_pipeline_impl,
#endif
	NULL
};

static const struct heavy_impl yolo_impl = {
	.size = sizeof(struct heavy_impl),
	.abi = HEAVY_ABI,
	.version = YOLO_VERSION,
	.probes = yolo_impl_probes,
};

HEAVY_IMPL_ENTRY(yolo_impl_v1)
{
	return &yolo_impl;
}

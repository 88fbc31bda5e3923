/*
** impl.c - the eegpt implementation library (impl/eegpt-impl.so): the
** eegpt.infer probe's work on the nn engine, opened by the shell in the
** probe's process only (heavy.h).
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
#include "probes.h"
#ifdef EEGPT_PIPELINE
#include "ar_api.h"
#include "pipeline.h"
#endif

struct infer {
	struct eegpt_model	 m;
	float			*x, *y;
	struct nn_probe_loop	 loop;
};

static void
infer_free(struct infer *s)
{
	eegpt_free(&s->m);
	free(s->x);
	free(s->y);
	free(s);
}

static int
forward(void *m, const float *x, float *y, char *err, size_t errlen)
{
	return eegpt_forward(m, x, y, err, errlen);
}

static int
infer_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct infer *s;
	uint64_t seed;
	size_t i, n;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return h->fail(ctx, "out of memory");
	s->loop.resets_hwm = nn_probe_reset_hwm();
	s->loop.cuda = strcmp(h->param_str(ctx, "device"), "cuda") == 0;
	rc = eegpt_model_setup(h, ctx, (int)h->param_int(ctx, "channels"),
	    (int)h->param_int(ctx, "samples"), (int)h->param_int(ctx, "threads"),
	    (uint64_t)h->param_int(ctx, "seed"), &s->m);
	if (rc != DYNO_OK) {
		free(s);
		return rc;
	}
	n = eegpt_in_len(&s->m);
	s->x = malloc(n * sizeof(*s->x));
	s->y = malloc(eegpt_out_len(&s->m) * sizeof(*s->y));
	if (s->x == NULL || s->y == NULL) {
		infer_free(s);
		return h->fail(ctx, "out of memory");
	}
	/* A new input each run, never zeros: uniform in [-1, 1). */
	seed = h->now_ns();
	for (i = 0; i < n; i++)
		s->x[i] = nn_init_value("input", seed, i, 1.0);
	s->loop = (struct nn_probe_loop){
		.forward = forward, .model = &s->m, .g = s->m.g,
		.x = s->x, .y = s->y, .out_len = eegpt_out_len(&s->m),
		.batch = s->m.batch,
		.flops = eegpt_flops(&s->m.cfg) * s->m.batch,
		.rate = "windows_per_s", .what = "the encoder",
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

const struct heavy_probe eegpt_infer_impl = {
	.name = "infer",
	.setup = infer_setup,
	.teardown = infer_teardown,
	.run = infer_run,
};

static const struct heavy_probe *const eegpt_impl_probes[] = {
	&eegpt_infer_impl,
#ifdef EEGPT_PIPELINE
	&eegpt_pipeline_impl,
#endif
	NULL
};

/* Runs in the probe's process: OpenBLAS (AutoReject's) single-threaded,
** so that it never oversubscribes the cores with oneDNN's OpenMP. */
static int
eegpt_impl_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	(void)h;
	(void)ctx;
#ifdef EEGPT_PIPELINE
	ar_blas_single_thread();
#endif
	return DYNO_OK;
}

static const struct heavy_impl eegpt_impl = {
	.size = sizeof(struct heavy_impl),
	.abi = HEAVY_ABI,
	.version = EEGPT_VERSION,
	.init = eegpt_impl_init,
	.probes = eegpt_impl_probes,
};

HEAVY_IMPL_ENTRY(eegpt_impl_v1)
{
	return &eegpt_impl;
}

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
#include "probes.h"
#ifdef YOLO_PIPELINE
#include "nms_probe.h"
#include "pipeline.h"
#endif

struct infer {
	struct yolo_model	 m;
	float			*x, *y;
	double			 flops;		/* per forward */
	int			 resets_hwm;	/* clear_refs worked */
	int			 cuda;
};

/* Reset the kernel's peak-RSS mark, so the peak counts from here on
** (Linux >= 4.0); 0 when it could not. */
static int
reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (f == NULL)
		return 0;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

static double
hwm_bytes(void)
{
	char line[256];
	double kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

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

/* Which implementation each kind of op got, with counts ("conv2d
** brgconv:avx512_core x39, ..."): a ref: path shows in every result. */
static void
kernels(const struct nn_graph *g, char *buf, size_t len)
{
	const char *name[16], *impl[16];
	int count[16], n = 0, i, k;
	size_t off = 0;

	for (i = 0; i < nn_op_count(g); i++) {
		const char *a = nn_op_name(g, i), *b = nn_op_impl(g, i);

		if (b == NULL)
			b = "?";
		for (k = 0; k < n; k++)
			if (strcmp(name[k], a) == 0 && strcmp(impl[k], b) == 0)
				break;
		if (k == n && n < 16) {
			name[n] = a;
			impl[n] = b;
			count[n++] = 0;
		}
		if (k < n)
			count[k]++;
	}
	buf[0] = '\0';
	for (k = 0; k < n && off < len; k++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s x%d",
		    k ? ", " : "", name[k], impl[k], count[k]);
}

static int
infer_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct infer *s;
	char err[400], what[512];
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return h->fail(ctx, "out of memory");
	s->resets_hwm = reset_hwm();
	s->cuda = strcmp(h->param_str(ctx, "device"), "cuda") == 0;
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
	/* One unmeasured forward: first touches of the arena and weights. */
	if (yolo_forward(&s->m, s->x, s->y, err, sizeof(err)) < 0) {
		infer_free(s);
		return h->fail(ctx, "%s", err);
	}
	s->flops = yolo_flops(&s->m);
	snprintf(what, sizeof(what), "%zu bytes", nn_arena_bytes(s->m.g));
	h->artifact(ctx, "arena", what);
	kernels(s->m.g, what, sizeof(what));
	h->artifact(ctx, "kernels", what);
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
	size_t i, n = yolo_out_len(&s->m);
	char err[400];

	do {
		uint64_t t0 = h->now_ns();
		double dt;

		if (yolo_forward(&s->m, s->x, s->y, err, sizeof(err)) < 0)
			return h->fail(ctx, "%s", err);
		dt = (double)(h->now_ns() - t0) / 1e9;
		for (i = 0; i < n; i++)
			if (!isfinite(s->y[i]))
				return h->fail(ctx, "output %zu is %g: the "
				    "network is not finite on this input", i,
				    s->y[i]);
		h->record(ctx, "latency", dt);
		h->record(ctx, "fps", s->m.batch / dt);
		h->record(ctx, "flops", s->flops / dt);
	} while (!h->should_stop(ctx));
	if (hwm_bytes() > 0)
		h->record(ctx, "host_mem_peak", hwm_bytes());
#ifdef NN_HAVE_CUDA
	if (s->cuda)
		h->record(ctx, "gpu_mem_peak",
		    (double)nn_cuda_mem_bytes(s->m.g));
#endif
	if (!s->resets_hwm)
		h->artifact(ctx, "host_mem_peak", "the whole process's "
		    "(clear_refs refused)");
	return DYNO_OK;
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

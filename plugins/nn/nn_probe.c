/* nn_probe.c - the measured loop the model probes share (nn_probe.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nn_backend.h"
#include "nn_probe.h"
#ifdef NN_HAVE_CUDA
#include "nn_cuda.h"
#endif

int
nn_probe_target(const struct dyno_host *h, struct dyno_ctx *ctx,
    enum nn_device *device, enum nn_dtype *dtype)
{
	const char *p = h->param_str(ctx, "precision");

	if (nn_dtype_parse(p, dtype) < 0)
		return h->fail(ctx, "precision %s: unknown", p);
	*device = strcmp(h->param_str(ctx, "device"), "cuda") == 0 ? NN_CUDA :
	    NN_CPU;
	return DYNO_OK;
}

int
nn_probe_graph_option(const struct dyno_host *h, struct dyno_ctx *ctx,
    struct nn_graph *g)
{
#ifdef NN_HAVE_CUDA
	if (g->device == NN_CUDA)
		return nn_cuda_options(g, 0, h->param_bool(ctx, "graph") ? 0 :
		    NN_CUDA_EAGER);
#else
	(void)h;
	(void)ctx;
	(void)g;
#endif
	return 0;
}

int
nn_probe_reset_hwm(void)
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

/* Which implementation each kind of op got, with counts ("conv2d
** brgconv:avx512_core x39, ..."): a ref: path shows in every result. */
void
nn_probe_kernels(const struct nn_graph *g, char *buf, size_t len)
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

int
nn_probe_warm(const struct dyno_host *h, struct dyno_ctx *ctx,
    const struct nn_probe_loop *l)
{
	char err[400], what[512];

	if (l->forward(l->model, l->x, l->y, err, sizeof(err)) < 0)
		return h->fail(ctx, "%s", err);
	snprintf(what, sizeof(what), "%zu bytes", nn_arena_bytes(l->g));
	h->artifact(ctx, "arena", what);
	nn_probe_kernels(l->g, what, sizeof(what));
	h->artifact(ctx, "kernels", what);
	return DYNO_OK;
}

int
nn_probe_run(const struct dyno_host *h, struct dyno_ctx *ctx,
    const struct nn_probe_loop *l)
{
	size_t i;
	char err[400];

	do {
		uint64_t t0 = h->now_ns();
		double dt;

		if (l->forward(l->model, l->x, l->y, err, sizeof(err)) < 0)
			return h->fail(ctx, "%s", err);
		dt = (double)(h->now_ns() - t0) / 1e9;
		for (i = 0; i < l->out_len; i++)
			if (!isfinite(l->y[i]))
				return h->fail(ctx, "output %zu is %g: %s is "
				    "not finite on this input", i, l->y[i],
				    l->what);
		h->record(ctx, "latency", dt);
		h->record(ctx, l->rate, l->batch / dt);
		h->record(ctx, "flops", l->flops / dt);
	} while (!h->should_stop(ctx));
	if (hwm_bytes() > 0)
		h->record(ctx, "host_mem_peak", hwm_bytes());
#ifdef NN_HAVE_CUDA
	if (l->cuda)
		h->record(ctx, "gpu_mem_peak", (double)nn_cuda_mem_bytes(l->g));
#endif
	if (!l->resets_hwm)
		h->artifact(ctx, "host_mem_peak", "the whole process's "
		    "(clear_refs refused)");
	return DYNO_OK;
}

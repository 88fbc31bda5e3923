/*
** latency.c - gpu.launch (an empty kernel, or a CUDA graph of them, from
** the launch call until the stream is idle again), gpu.alloc
** (cudaMalloc + cudaFree, or cudaMallocAsync + cudaFreeAsync on a stream)
** and gpu.memory (the largest single allocation that succeeds, and free
** and total memory).
**
** Launch and allocation latencies are host-side round trips, timed with
** the host's monotonic clock: an event pair would miss the CPU's share,
** which is most of a launch's cost.  Every launch's error is checked.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include <dyno/plugin.h>

#include "kernels.h"
#include "probes.h"

/* --- gpu.launch ------------------------------------------------------- */

struct launch_state {
	int graph;
	int64_t kernels;
	cudaStream_t s;
	cudaGraph_t g;
	cudaGraphExec_t exec;
};

static void
launch_free(struct launch_state *st)
{
	if (st == NULL)
		return;
	if (st->s != NULL)
		(void)cudaStreamSynchronize(st->s);
	if (st->exec != NULL)
		(void)cudaGraphExecDestroy(st->exec);
	if (st->g != NULL)
		(void)cudaGraphDestroy(st->g);
	/* The stream is idle by now: gpu_release's wait returns at once. */
	gpu_release(&st->s, 1, NULL, 0, NULL, 0);
	free(st);
}

static int
launch_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct launch_state *st;
	int rc = gpu_open(h, ctx, NULL);
	cudaError_t e;

	if (rc != DYNO_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	st->graph = strcmp(h->param_str(ctx, "mode"), "graph") == 0;
	st->kernels = h->param_int(ctx, "kernels");
	GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s, cudaStreamNonBlocking),
	       "creating a stream");
	if (st->graph) {
		GPU_CK(h, ctx, cudaStreamBeginCapture(st->s,
		       cudaStreamCaptureModeThreadLocal), "starting a graph capture");
		for (int64_t i = 0; i < st->kernels; i++)
			if ((e = gpu_k_empty(st->s)) != cudaSuccess) {
				(void)cudaStreamEndCapture(st->s, &st->g);
				GPU_CK(h, ctx, e, "capturing the kernel launch");
			}
		GPU_CK(h, ctx, cudaStreamEndCapture(st->s, &st->g),
		       "ending the graph capture");
		GPU_CK(h, ctx, cudaGraphInstantiate(&st->exec, st->g, 0),
		       "cudaGraphInstantiate");
	}
	*state = st;
	return DYNO_OK;
out:
	launch_free(st);
	return rc;
}

static void
launch_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	launch_free(state);
}

/* One timed launch (kernels empty kernels, or one graph launch) and the
** wait for the stream. */
static cudaError_t
launch_once(struct launch_state *st)
{
	cudaError_t e;

	if (st->graph) {
		if ((e = cudaGraphLaunch(st->exec, st->s)) != cudaSuccess)
			return e;
	} else {
		for (int64_t i = 0; i < st->kernels; i++)
			if ((e = gpu_k_empty(st->s)) != cudaSuccess)
				return e;
	}
	return cudaStreamSynchronize(st->s);
}

static int
launch_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct launch_state *st = state;
	int rc = DYNO_OK;

	for (int i = 0; i < 100; i++)
		GPU_CK(h, ctx, launch_once(st), "warm-up launch");
	while (!h->should_stop(ctx)) {
		uint64_t t0 = h->now_ns();

		GPU_CK(h, ctx, launch_once(st), "kernel launch");
		h->record(ctx, "latency", (double)(h->now_ns() - t0) / 1e9);
	}
out:
	return rc;
}

static const struct dyno_param launch_params[] = {
	GPU_PARAM_DEVICE,
	{ .name = "mode", .type = DYNO_PARAM_ENUM, .def = "kernel",
	  .choices = "kernel|graph",
	  .help = "kernel: <<<1,1>>> launches; graph: one cudaGraphLaunch of a graph of them" },
	{ .name = "kernels", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "10000", .help = "empty kernels per sample (graph: nodes in the graph)" },
	{ NULL }
};

static const struct dyno_metric launch_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "from the launch call to cudaStreamSynchronize returning, host clock" },
	{ NULL }
};

const struct dyno_probe gpu_launch_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "launch",
	.summary = "Launch latency of an empty kernel, or of a CUDA graph",
	.params = launch_params,
	.metrics = launch_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = launch_setup,
	.teardown = launch_teardown,
	.run = launch_run,
};

/* --- gpu.alloc -------------------------------------------------------- */

struct alloc_state {
	int async;
	size_t size;
	cudaStream_t s;
};

static void
alloc_free(struct alloc_state *st)
{
	if (st == NULL)
		return;
	gpu_release(&st->s, 1, NULL, 0, NULL, 0);
	free(st);
}

static int
alloc_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct alloc_state *st;
	int rc = gpu_open(h, ctx, NULL);

	if (rc != DYNO_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	st->async = strcmp(h->param_str(ctx, "api"), "async") == 0;
	st->size = (size_t)h->param_size(ctx, "size");
	GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s, cudaStreamNonBlocking),
	       "creating a stream");
	*state = st;
	return DYNO_OK;
out:
	alloc_free(st);
	return rc;
}

static void
alloc_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	alloc_free(state);
}

/* Fails the probe for an allocation that did not succeed, saying how much
** the device has. */
static int
alloc_failed(const struct dyno_host *h, struct dyno_ctx *ctx, size_t size,
	     const char *api, cudaError_t e)
{
	size_t free_b = 0, total_b = 0;
	char a[32], f[32], t[32];

	gpu_fmt_size(a, sizeof(a), size);
	if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess)
		return h->fail(ctx, "%s of %s failed: %s", api, a,
			       cudaGetErrorString(e));
	gpu_fmt_size(f, sizeof(f), free_b);
	gpu_fmt_size(t, sizeof(t), total_b);
	return h->fail(ctx, "%s of %s failed: %s (the device has %s free of %s)",
		       api, a, cudaGetErrorString(e), f, t);
}

/* One allocation and its free; the error of whichever failed, and which. */
static cudaError_t
alloc_once(struct alloc_state *st, const char **what)
{
	void *p = NULL;
	cudaError_t e;

	*what = st->async ? "cudaMallocAsync" : "cudaMalloc";
	if (st->async) {
		if ((e = cudaMallocAsync(&p, st->size, st->s)) != cudaSuccess)
			return e;
		*what = "cudaFreeAsync";
		if ((e = cudaFreeAsync(p, st->s)) != cudaSuccess)
			return e;
		*what = "cudaStreamSynchronize";
		return cudaStreamSynchronize(st->s);
	}
	if ((e = cudaMalloc(&p, st->size)) != cudaSuccess)
		return e;
	*what = "cudaFree";
	return cudaFree(p);
}

static int
alloc_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct alloc_state *st = state;
	const char *what;
	cudaError_t e;

	for (int i = 0; i < 3; i++)
		if ((e = alloc_once(st, &what)) != cudaSuccess)
			return strstr(what, "Malloc") != NULL ?
			    alloc_failed(h, ctx, st->size, what, e) :
			    gpu_fail(h, ctx, what, e);
	while (!h->should_stop(ctx)) {
		uint64_t t0 = h->now_ns();

		if ((e = alloc_once(st, &what)) != cudaSuccess)
			return strstr(what, "Malloc") != NULL ?
			    alloc_failed(h, ctx, st->size, what, e) :
			    gpu_fail(h, ctx, what, e);
		h->record(ctx, "latency", (double)(h->now_ns() - t0) / 1e9);
	}
	return DYNO_OK;
}

static const struct dyno_param alloc_params[] = {
	GPU_PARAM_DEVICE,
	{ .name = "api", .type = DYNO_PARAM_ENUM, .def = "malloc",
	  .choices = "malloc|async",
	  .help = "cudaMalloc + cudaFree, or cudaMallocAsync + cudaFreeAsync + stream sync (default pool)" },
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "64MiB", .min = "1",
	  .max = "16TiB", .help = "bytes per allocation" },
	{ NULL }
};

static const struct dyno_metric alloc_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "one allocation and its free, host clock" },
	{ NULL }
};

const struct dyno_probe gpu_alloc_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "alloc",
	.summary = "cudaMalloc/cudaFree and cudaMallocAsync/cudaFreeAsync latency",
	.params = alloc_params,
	.metrics = alloc_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = alloc_setup,
	.teardown = alloc_teardown,
	.run = alloc_run,
};

/* --- gpu.memory ------------------------------------------------------- */

#define MEM_STEP ((size_t)2 << 20) /* cudaMalloc's granularity */

static int
memory_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	(void)state;
	return gpu_open(h, ctx, NULL);
}

/*
** The largest single cudaMalloc that succeeds, to 2 MiB: free memory
** first, then a bisection between what succeeded and what did not.
** Reports free and total memory (before the search) as artifacts.
*/
static int
memory_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	size_t free_b = 0, total_b = 0, lo = 0, hi, mid;
	char buf[32];
	void *p;
	cudaError_t e;
	int rc = DYNO_OK;

	(void)state;
	GPU_CK(h, ctx, cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
	snprintf(buf, sizeof(buf), "%zu", free_b);
	h->artifact(ctx, "memory_free", buf);
	snprintf(buf, sizeof(buf), "%zu", total_b);
	h->artifact(ctx, "memory_total", buf);
	hi = free_b / MEM_STEP + 1; /* in steps; hi is known to fail */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		e = cudaMalloc(&p, mid * MEM_STEP);
		if (e == cudaSuccess) {
			GPU_CK(h, ctx, cudaFree(p), "cudaFree");
			lo = mid;
		} else if (e == cudaErrorMemoryAllocation) {
			(void)cudaGetLastError(); /* not sticky; clear it */
			hi = mid;
		} else {
			GPU_CK(h, ctx, e, "cudaMalloc");
		}
	}
	if (lo == 0) {
		rc = h->fail(ctx, "not even %zu MiB could be allocated "
			     "(free: %zu bytes)", MEM_STEP >> 20, free_b);
		goto out;
	}
	h->record(ctx, "max_alloc", (double)(lo * MEM_STEP));
out:
	return rc;
}

static const struct dyno_param memory_params[] = {
	GPU_PARAM_DEVICE,
	{ NULL }
};

static const struct dyno_metric memory_metrics[] = {
	{ .name = "max_alloc", .unit = "B", .better = DYNO_BETTER_HIGHER,
	  .help = "largest single cudaMalloc that succeeded, to 2 MiB (artifacts: memory_free, memory_total)" },
	{ NULL }
};

const struct dyno_probe gpu_memory_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "memory",
	.summary = "Largest single device allocation, and free and total device memory",
	.params = memory_params,
	.metrics = memory_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = memory_setup,
	.run = memory_run,
};

/*
** copy.c - gpu.copy (cudaMemcpyAsync between host and device, device and
** device, and both directions at once, as nvbandwidth and bandwidthTest
** do) and gpu.stream (BabelStream-style kernels in device memory).
**
** Both are run() probes timed with CUDA events: after a warm-up, one
** sample is `reps` operations between two events, reps chosen so a sample
** lasts about 5 ms (event timing resolves about 0.5 us).  Bandwidth counts
** bytes as the metric help says: d2d and the STREAM kernels count what
** they read plus what they write; bidir counts both directions.
** After the timed loop gpu.copy checks the path it measured: a pattern
** sent through it comes back byte for byte, or the probe fails.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include <dyno/plugin.h>

#include "kernels.h"
#include "prng.h"
#include "probes.h"

#define COPY_SAMPLE_MS 5.0
#define COPY_MAX_REPS 100000

enum copy_kind { COPY_H2D, COPY_D2H, COPY_D2D, COPY_BIDIR };

struct copy_state {
	enum copy_kind kind;
	int pinned;
	size_t size;
	void *h_a, *h_b;     /* host: source (h2d), destination (d2h) */
	void *d_a, *d_b;     /* device */
	cudaStream_t s0, s1, s2;
	cudaEvent_t ev[4];
};

/* Releases everything st holds (any part may be missing). */
static void
copy_free(struct copy_state *st)
{
	if (st == NULL)
		return;
	gpu_release((cudaStream_t[]){ st->s0, st->s1, st->s2 }, 3, st->ev, 4,
		    (void *[]){ st->d_a, st->d_b }, 2);
	if (st->pinned) {
		if (st->h_a != NULL)
			(void)cudaFreeHost(st->h_a);
		if (st->h_b != NULL)
			(void)cudaFreeHost(st->h_b);
	} else {
		free(st->h_a);
		free(st->h_b);
	}
	free(st);
}

/* A host buffer of n bytes, pinned or pageable; pageable pages are
** touched so the first copy does not pay for faulting them in. */
static cudaError_t
copy_host_alloc(void **p, size_t n, int pinned)
{
	if (pinned)
		return cudaMallocHost(p, n);
	*p = malloc(n);
	if (*p == NULL)
		return cudaErrorMemoryAllocation;
	memset(*p, 0x5a, n);
	return cudaSuccess;
}

static const char *const copy_kinds[] = { "h2d", "d2h", "d2d", "bidir", NULL };

static int
copy_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct copy_state *st;
	const char *kind = h->param_str(ctx, "kind");
	int rc = gpu_open(h, ctx, NULL);
	char sz[32];

	if (rc != DYNO_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	for (int i = 0; copy_kinds[i] != NULL; i++)
		if (strcmp(kind, copy_kinds[i]) == 0)
			st->kind = (enum copy_kind)i;
	st->pinned = strcmp(h->param_str(ctx, "host_mem"), "pinned") == 0;
	st->size = (size_t)h->param_size(ctx, "size");
	gpu_fmt_size(sz, sizeof(sz), st->size);
	GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s0, cudaStreamNonBlocking),
	       "creating a stream");
	for (int i = 0; i < 4; i++)
		GPU_CK(h, ctx, cudaEventCreate(&st->ev[i]), "creating an event");
	GPU_CK(h, ctx, cudaMalloc(&st->d_a, st->size),
	       "allocating the device buffer");
	if (st->kind == COPY_D2D || st->kind == COPY_BIDIR)
		GPU_CK(h, ctx, cudaMalloc(&st->d_b, st->size),
		       "allocating the second device buffer");
	if (st->kind != COPY_D2D) {
		GPU_CK(h, ctx, copy_host_alloc(&st->h_a, st->size, st->pinned),
		       st->pinned ? "allocating pinned host memory" :
		       "allocating host memory");
		if (st->kind == COPY_BIDIR)
			GPU_CK(h, ctx, copy_host_alloc(&st->h_b, st->size,
			       st->pinned), "allocating the second host buffer");
	}
	if (st->kind == COPY_BIDIR) {
		GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s1,
		       cudaStreamNonBlocking), "creating a stream");
		GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s2,
		       cudaStreamNonBlocking), "creating a stream");
	}
	GPU_CK(h, ctx, cudaMemset(st->d_a, 0x5a, st->size), "cudaMemset");
	if (st->d_b != NULL)
		GPU_CK(h, ctx, cudaMemset(st->d_b, 0x5a, st->size), "cudaMemset");
	h->artifact(ctx, "size", sz);
	*state = st;
	return DYNO_OK;
out:
	copy_free(st);
	return rc;
}

static void
copy_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	copy_free(state);
}

/* Queues `reps` copies of the probe's kind between ev[0] and ev[1] on
** s0 (bidir: the two directions on s1 and s2, joined back on s0). */
static cudaError_t
copy_batch(struct copy_state *st, uint64_t reps)
{
	cudaError_t e;

	if ((e = cudaEventRecord(st->ev[0], st->s0)) != cudaSuccess)
		return e;
	if (st->kind == COPY_BIDIR) {
		if ((e = cudaStreamWaitEvent(st->s1, st->ev[0], 0)) != cudaSuccess ||
		    (e = cudaStreamWaitEvent(st->s2, st->ev[0], 0)) != cudaSuccess)
			return e;
		for (uint64_t r = 0; r < reps; r++) {
			if ((e = cudaMemcpyAsync(st->d_a, st->h_a, st->size,
			    cudaMemcpyHostToDevice, st->s1)) != cudaSuccess ||
			    (e = cudaMemcpyAsync(st->h_b, st->d_b, st->size,
			    cudaMemcpyDeviceToHost, st->s2)) != cudaSuccess)
				return e;
		}
		if ((e = cudaEventRecord(st->ev[2], st->s1)) != cudaSuccess ||
		    (e = cudaEventRecord(st->ev[3], st->s2)) != cudaSuccess ||
		    (e = cudaStreamWaitEvent(st->s0, st->ev[2], 0)) != cudaSuccess ||
		    (e = cudaStreamWaitEvent(st->s0, st->ev[3], 0)) != cudaSuccess)
			return e;
	} else {
		void *dst = st->kind == COPY_H2D ? st->d_a :
			    st->kind == COPY_D2H ? st->h_a : st->d_b;
		void *src = st->kind == COPY_H2D ? st->h_a : st->d_a;
		enum cudaMemcpyKind k = st->kind == COPY_H2D ?
		    cudaMemcpyHostToDevice : st->kind == COPY_D2H ?
		    cudaMemcpyDeviceToHost : cudaMemcpyDeviceToDevice;

		for (uint64_t r = 0; r < reps; r++)
			if ((e = cudaMemcpyAsync(dst, src, st->size, k,
			    st->s0)) != cudaSuccess)
				return e;
	}
	return cudaEventRecord(st->ev[1], st->s0);
}

/* Fills buf with the pattern (n bytes; 8-byte word w is splitmix64 of
** w), or, when check is set, returns the offset of the first byte that
** differs from it (n: none). */
static size_t
copy_pattern(unsigned char *buf, size_t n, int check)
{
	for (size_t off = 0; off < n; off += 8) {
		uint64_t x = splitmix64_hash(off / 8);
		unsigned char b[8];
		size_t len = n - off < 8 ? n - off : 8;

		for (int k = 0; k < 8; k++)
			b[k] = (unsigned char)(x >> (8 * k));
		if (!check) {
			memcpy(buf + off, b, len);
		} else if (memcmp(buf + off, b, len) != 0) {
			for (size_t k = 0; k < len; k++)
				if (buf[off + k] != b[k])
					return off + k;
		}
	}
	return n;
}

/*
** Sends a pattern through the measured path and back: host -> d_a
** (-> d_b for d2d) -> host, with the probe's own host buffer on the side
** it measured.  Returns DYNO_OK, or fails the probe naming the first
** byte that differs.
*/
static int
copy_verify(const struct dyno_host *h, struct dyno_ctx *ctx,
	    struct copy_state *st)
{
	unsigned char *src = NULL, *back = NULL, *own_src = NULL, *own_back = NULL;
	const void *dev;
	size_t bad;
	int rc = DYNO_OK;

	src = st->kind == COPY_H2D || st->kind == COPY_BIDIR ? st->h_a : NULL;
	back = st->kind == COPY_D2H ? st->h_a : st->kind == COPY_BIDIR ?
	       st->h_b : NULL;
	if (src == NULL && (src = own_src = malloc(st->size)) == NULL)
		return h->fail(ctx, "out of memory for the round-trip check");
	if (back == NULL && (back = own_back = malloc(st->size)) == NULL) {
		free(own_src);
		return h->fail(ctx, "out of memory for the round-trip check");
	}
	copy_pattern(src, st->size, 0);
	GPU_CK(h, ctx, cudaMemcpyAsync(st->d_a, src, st->size,
	       cudaMemcpyHostToDevice, st->s0), "round-trip check: host to device");
	dev = st->d_a;
	if (st->kind == COPY_D2D) {
		GPU_CK(h, ctx, cudaMemsetAsync(st->d_b, 0, st->size, st->s0),
		       "round-trip check: cudaMemset");
		GPU_CK(h, ctx, cudaMemcpyAsync(st->d_b, st->d_a, st->size,
		       cudaMemcpyDeviceToDevice, st->s0),
		       "round-trip check: device to device");
		dev = st->d_b;
	}
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s0), "round-trip check");
	memset(back, 0, st->size);
	GPU_CK(h, ctx, cudaMemcpyAsync(back, dev, st->size,
	       cudaMemcpyDeviceToHost, st->s0), "round-trip check: device to host");
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s0), "round-trip check");
	if ((bad = copy_pattern(back, st->size, 1)) != st->size) {
		rc = h->fail(ctx, "round-trip check: byte %zu of %zu came back "
			     "different from what was sent", bad, st->size);
		goto out;
	}
	h->artifact(ctx, "verified", "round trip bytes equal");
out:
	free(own_src);
	free(own_back);
	return rc;
}

static int
copy_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct copy_state *st = state;
	double bytes = st->kind == COPY_H2D || st->kind == COPY_D2H ?
		       (double)st->size : 2.0 * (double)st->size;
	double ms;
	uint64_t reps;
	cudaError_t e;
	int rc = DYNO_OK;

	/* Warm-up: two copies, then one timed to size the samples. */
	GPU_CK(h, ctx, copy_batch(st, 2), "warm-up copy");
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s0), "warm-up copy");
	GPU_CK(h, ctx, copy_batch(st, 1), "copy");
	if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &e)) < 0)
		GPU_CK(h, ctx, e, "timing the copy");
	reps = gpu_reps(ms, COPY_SAMPLE_MS, COPY_MAX_REPS);
	while (!h->should_stop(ctx)) {
		GPU_CK(h, ctx, copy_batch(st, reps), "copy");
		if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &e)) < 0)
			GPU_CK(h, ctx, e, "copy");
		if (ms > 0)
			h->record(ctx, "bandwidth", bytes * (double)reps / (ms / 1e3));
	}
	rc = copy_verify(h, ctx, st);
out:
	return rc;
}

static const struct dyno_param copy_params[] = {
	GPU_PARAM_DEVICE,
	{ .name = "kind", .type = DYNO_PARAM_ENUM, .def = "h2d",
	  .choices = "h2d|d2h|d2d|bidir",
	  .help = "host to device, device to host, device to device, or h2d and d2h at once" },
	{ .name = "host_mem", .type = DYNO_PARAM_ENUM, .def = "pinned",
	  .choices = "pinned|pageable",
	  .help = "host buffers from cudaMallocHost (pinned) or malloc (pageable)" },
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "256MiB",
	  .min = "1", .max = "1TiB", .help = "bytes per copy" },
	{ NULL }
};

static const struct dyno_metric copy_metrics[] = {
	{ .name = "bandwidth", .unit = "B/s", .better = DYNO_BETTER_HIGHER,
	  .help = "bytes per second; d2d counts bytes read + written (2 x size per copy), bidir both directions (2 x size)" },
	{ NULL }
};

const struct dyno_probe gpu_copy_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "copy",
	.summary = "cudaMemcpyAsync bandwidth: h2d, d2h, d2d or bidirectional, pinned or pageable host memory",
	.params = copy_params,
	.metrics = copy_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = copy_setup,
	.teardown = copy_teardown,
	.run = copy_run,
};

/* --- gpu.stream ------------------------------------------------------- */

struct stream_state {
	enum gpu_stream_op op;
	size_t n4;          /* float4 vectors per array */
	void *a, *b, *c;
	cudaStream_t s;
	cudaEvent_t ev[2];
};

static void
stream_free(struct stream_state *st)
{
	if (st == NULL)
		return;
	gpu_release(&st->s, 1, st->ev, 2, (void *[]){ st->a, st->b, st->c }, 3);
	free(st);
}

static const char *const stream_ops[] = { "read", "write", "copy", "triad", NULL };
/* Arrays each op touches, and so bytes per vector = 16 x this. */
static const int stream_arrays[] = { 1, 1, 2, 3 };

static int
stream_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct cudaDeviceProp prop;
	struct stream_state *st;
	const char *op = h->param_str(ctx, "op");
	uint64_t size = h->param_size(ctx, "size");
	size_t free_b = 0, total_b = 0;
	char buf[160], a[32], b[32];
	int rc = gpu_open(h, ctx, &prop);

	if (rc != DYNO_OK)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	for (int i = 0; stream_ops[i] != NULL; i++)
		if (strcmp(op, stream_ops[i]) == 0)
			st->op = (enum gpu_stream_op)i;
	st->n4 = (size_t)(size / 16);
	size = (uint64_t)st->n4 * 16;
	GPU_CK(h, ctx, cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
	if ((double)size * stream_arrays[st->op] > 0.95 * (double)free_b) {
		gpu_fmt_size(a, sizeof(a), size * (uint64_t)stream_arrays[st->op]);
		gpu_fmt_size(b, sizeof(b), free_b);
		rc = h->fail(ctx, "op=%s needs %d arrays of size, %s, and the "
			     "device has %s free: give a smaller size", op,
			     stream_arrays[st->op], a, b);
		goto out;
	}
	GPU_CK(h, ctx, cudaStreamCreateWithFlags(&st->s, cudaStreamNonBlocking),
	       "creating a stream");
	for (int i = 0; i < 2; i++)
		GPU_CK(h, ctx, cudaEventCreate(&st->ev[i]), "creating an event");
	GPU_CK(h, ctx, cudaMalloc(&st->a, size), "allocating array a");
	GPU_CK(h, ctx, gpu_k_fill(GPU_E_F32, st->a, st->n4 * 4, 1, st->s),
	       "filling array a");
	if (st->op == GPU_S_TRIAD) {
		GPU_CK(h, ctx, cudaMalloc(&st->b, size), "allocating array b");
		GPU_CK(h, ctx, gpu_k_fill(GPU_E_F32, st->b, st->n4 * 4, 2, st->s),
		       "filling array b");
	}
	if (st->op == GPU_S_COPY || st->op == GPU_S_TRIAD) {
		GPU_CK(h, ctx, cudaMalloc(&st->c, size), "allocating array c");
		GPU_CK(h, ctx, gpu_k_fill(GPU_E_F32, st->c, st->n4 * 4, 3, st->s),
		       "filling array c");
	}
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s), "filling the arrays");
	gpu_fmt_size(a, sizeof(a), size);
	h->artifact(ctx, "array_size", a);
	if (prop.l2CacheSize > 0 && size < 8 * (uint64_t)prop.l2CacheSize) {
		gpu_fmt_size(b, sizeof(b), (uint64_t)prop.l2CacheSize);
		snprintf(buf, sizeof(buf), "arrays of %s are under 8x the %s L2: "
			 "the L2 may serve part of them", a, b);
		h->artifact(ctx, "warning", buf);
	}
	*state = st;
	return DYNO_OK;
out:
	stream_free(st);
	return rc;
}

static void
stream_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	stream_free(state);
}

static cudaError_t
stream_batch(struct stream_state *st, uint64_t reps)
{
	/* read's sink is never written; a is a valid pointer for it. */
	void *c = st->op == GPU_S_READ ? st->a : st->c;
	cudaError_t e;

	if ((e = cudaEventRecord(st->ev[0], st->s)) != cudaSuccess)
		return e;
	for (uint64_t r = 0; r < reps; r++)
		if ((e = gpu_k_stream(st->op, st->a, st->b, c, st->n4, 0.4f,
				      st->s)) != cudaSuccess)
			return e;
	return cudaEventRecord(st->ev[1], st->s);
}

static int
stream_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct stream_state *st = state;
	double bytes = 16.0 * (double)st->n4 * stream_arrays[st->op];
	double ms;
	uint64_t reps;
	cudaError_t e;
	int rc = DYNO_OK;

	GPU_CK(h, ctx, stream_batch(st, 3), "warm-up kernel");
	GPU_CK(h, ctx, cudaStreamSynchronize(st->s), "warm-up kernel");
	GPU_CK(h, ctx, stream_batch(st, 1), "kernel");
	if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &e)) < 0)
		GPU_CK(h, ctx, e, "kernel");
	reps = gpu_reps(ms, COPY_SAMPLE_MS, COPY_MAX_REPS);
	while (!h->should_stop(ctx)) {
		GPU_CK(h, ctx, stream_batch(st, reps), "kernel");
		if ((ms = gpu_elapsed_ms(st->ev[0], st->ev[1], &e)) < 0)
			GPU_CK(h, ctx, e, "kernel");
		if (ms > 0)
			h->record(ctx, "bandwidth", bytes * (double)reps / (ms / 1e3));
	}
out:
	return rc;
}

static const struct dyno_param stream_params[] = {
	GPU_PARAM_DEVICE,
	{ .name = "op", .type = DYNO_PARAM_ENUM, .def = "triad",
	  .choices = "read|write|copy|triad",
	  .help = "read: s += a[i]; write: a[i] = q; copy: c[i] = a[i]; triad: a[i] = b[i] + q*c[i]" },
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "1GiB",
	  .min = "1MiB", .max = "1TiB",
	  .help = "bytes per array (copy uses 2 arrays, triad 3)" },
	{ NULL }
};

static const struct dyno_metric stream_metrics[] = {
	{ .name = "bandwidth", .unit = "B/s", .better = DYNO_BETTER_HIGHER,
	  .help = "device-memory bytes read + written per second, counted as STREAM does (copy 2 x size, triad 3 x size)" },
	{ NULL }
};

const struct dyno_probe gpu_stream_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "stream",
	.summary = "Device-memory bandwidth: STREAM read, write, copy and triad kernels (as BabelStream)",
	.params = stream_params,
	.metrics = stream_metrics,
	.flags = DYNO_PROBE_NEEDS_GPU | DYNO_PROBE_EXCLUSIVE,
	.setup = stream_setup,
	.teardown = stream_teardown,
	.run = stream_run,
};

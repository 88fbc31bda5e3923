/*
** bandwidth.c - cache.bandwidth: STREAM's kernels over arrays of doubles,
** one thread per core, pinned with hwloc.
**
**   read   s += a[i]             8 B per element
**   write  a[i] = q              8 B
**   copy   c[i] = a[i]          16 B
**   triad  a[i] = b[i] + q*c[i] 24 B
**
** Bytes are counted as STREAM counts them (what the kernel names, not the
** write-allocate reads a cache adds).  Each thread owns a contiguous slice
** of every array and touches it first, so its pages are local to it.  One
** sample is one or more passes of every thread between two barriers.
** The loops are kept as loops: compilers turn copy into memcpy and a
** constant store into memset, which may use non-temporal stores behind
** the user's back; nt_stores says explicitly which stores are used.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include <dyno/plugin.h>

#include "hugemem.h"
#include "probes.h"

#if defined(__x86_64__) || defined(__i386__)
#include <emmintrin.h>
#define BW_HAVE_NT 1
#else
#define BW_HAVE_NT 0
#endif

#if defined(__clang__)
#define BW_NO_IDIOM __attribute__((no_builtin("memcpy"), no_builtin("memset")))
#elif defined(__GNUC__)
#define BW_NO_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define BW_NO_IDIOM
#endif

enum bw_op { BW_READ, BW_WRITE, BW_COPY, BW_TRIAD };

#define BW_SKEW 1088 /* 17 cache lines; keeps 16-byte alignment for NT */

struct bw_state;

struct bw_thread {
	struct bw_state *s;
	pthread_t tid;
	unsigned idx;
	double *a, *b, *c;  /* this thread's slices */
	size_t n;           /* elements in each slice */
	double sink;        /* read's sum, so the loads are used */
	int pin_err;
};

struct bw_state {
	enum bw_op op;
	int nt;
	unsigned threads;
	uint64_t passes;    /* per sample, calibrated */
	struct hugemem mem[3];
	struct bw_thread *t;
	hwloc_topology_t topo;
	int topo_ok;
	pthread_barrier_t start, done;
	atomic_int quit;
	unsigned started;
	double bytes_per_pass;
};

static const double bw_bytes_per_elem[] = { 8, 8, 16, 24 };

BW_NO_IDIOM static double
bw_kernel(enum bw_op op, int nt, double *restrict a, double *restrict b,
	  double *restrict c, size_t n, double q)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i;

	switch (op) {
	case BW_READ:
		/* Four sums: one chain of adds would cap the rate at one
		** element per add latency, far below the memory's. */
		for (i = 0; i + 4 <= n; i += 4) {
			s0 += a[i];
			s1 += a[i + 1];
			s2 += a[i + 2];
			s3 += a[i + 3];
		}
		for (; i < n; i++)
			s0 += a[i];
		return s0 + s1 + s2 + s3;
	case BW_WRITE:
#if BW_HAVE_NT
		if (nt) {
			__m128d v = _mm_set1_pd(q);

			for (i = 0; i + 2 <= n; i += 2)
				_mm_stream_pd(a + i, v);
			_mm_sfence();
			return 0;
		}
#endif
		for (i = 0; i < n; i++)
			a[i] = q;
		return 0;
	case BW_COPY:
#if BW_HAVE_NT
		if (nt) {
			for (i = 0; i + 2 <= n; i += 2)
				_mm_stream_pd(c + i, _mm_load_pd(a + i));
			_mm_sfence();
			return 0;
		}
#endif
		for (i = 0; i < n; i++)
			c[i] = a[i];
		return 0;
	case BW_TRIAD:
	default:
#if BW_HAVE_NT
		if (nt) {
			__m128d vq = _mm_set1_pd(q);

			for (i = 0; i + 2 <= n; i += 2)
				_mm_stream_pd(a + i, _mm_add_pd(_mm_load_pd(b + i),
						_mm_mul_pd(vq, _mm_load_pd(c + i))));
			_mm_sfence();
			return 0;
		}
#endif
		for (i = 0; i < n; i++)
			a[i] = b[i] + q * c[i];
		return 0;
	}
}

/* Binds the calling thread to the first PU of core `idx` (modulo the
** cores), so threads land on distinct cores. */
static int
bw_pin(struct bw_state *s, unsigned idx)
{
	int ncores;
	hwloc_obj_t core;

	if (!s->topo_ok)
		return -1;
	ncores = hwloc_get_nbobjs_by_type(s->topo, HWLOC_OBJ_CORE);
	if (ncores <= 0)
		return -1;
	core = hwloc_get_obj_by_type(s->topo, HWLOC_OBJ_CORE,
				     idx % (unsigned)ncores);
	if (core == NULL || core->cpuset == NULL)
		return -1;
	{
		hwloc_bitmap_t one = hwloc_bitmap_dup(core->cpuset);
		int rc;

		hwloc_bitmap_singlify(one);
		rc = hwloc_set_cpubind(s->topo, one, HWLOC_CPUBIND_THREAD);
		hwloc_bitmap_free(one);
		return rc;
	}
}

static void *
bw_thread_main(void *arg)
{
	struct bw_thread *t = arg;
	struct bw_state *s = t->s;

	t->pin_err = bw_pin(s, t->idx) != 0;
	/* First touch by the owner: the pages come from its node. */
	for (size_t i = 0; i < t->n; i++) {
		t->a[i] = 1.0;
		if (t->b)
			t->b[i] = 2.0;
		if (t->c)
			t->c[i] = 0.5;
	}
	for (;;) {
		pthread_barrier_wait(&s->start);
		if (atomic_load(&s->quit))
			break;
		for (uint64_t p = 0; p < s->passes; p++)
			t->sink += bw_kernel(s->op, s->nt, t->a, t->b, t->c, t->n,
					     3.0 + (double)p);
		pthread_barrier_wait(&s->done);
	}
	return NULL;
}

/* One sample: every thread does `passes` passes; seconds. */
static double
bw_sample(const struct dyno_host *h, struct bw_state *s)
{
	uint64_t t0 = h->now_ns();

	pthread_barrier_wait(&s->start);
	pthread_barrier_wait(&s->done);
	return (double)(h->now_ns() - t0) * 1e-9;
}

static void
bw_stop_threads(struct bw_state *s)
{
	if (s->started == 0)
		return;
	atomic_store(&s->quit, 1);
	pthread_barrier_wait(&s->start);
	for (unsigned i = 0; i < s->started; i++)
		pthread_join(s->t[i].tid, NULL);
	s->started = 0;
}

static void
bw_free(struct bw_state *s)
{
	if (s == NULL)
		return;
	bw_stop_threads(s);
	for (int k = 0; k < 3; k++)
		hugemem_free(&s->mem[k]);
	if (s->topo_ok)
		hwloc_topology_destroy(s->topo);
	free(s->t);
	free(s);
}

static int
bw_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct bw_state *s = calloc(1, sizeof(*s));
	const char *op = h->param_str(ctx, "op");
	uint64_t size = h->param_size(ctx, "size");
	int64_t want = h->param_int(ctx, "threads");
	int narr, cores, pinned = 0;
	size_t per, n;
	char note[160], buf[128];

	if (s == NULL)
		return h->fail(ctx, "out of memory");
	s->op = strcmp(op, "read") == 0 ? BW_READ : strcmp(op, "write") == 0
		? BW_WRITE : strcmp(op, "copy") == 0 ? BW_COPY : BW_TRIAD;
	s->nt = h->param_bool(ctx, "nt_stores");
	if (s->nt && s->op == BW_READ) {
		free(s);
		return h->fail(ctx, "nt_stores applies to write, copy and triad; "
			       "op=read stores nothing");
	}
	if (s->nt && !BW_HAVE_NT) {
		free(s);
		return h->skip(ctx, "nt_stores=true: no non-temporal store "
			       "instruction wired up on this architecture");
	}
	s->topo_ok = hwloc_topology_init(&s->topo) == 0;
	if (s->topo_ok && hwloc_topology_load(s->topo) != 0) {
		hwloc_topology_destroy(s->topo);
		s->topo_ok = 0;
	}
	cores = s->topo_ok ? hwloc_get_nbobjs_by_type(s->topo, HWLOC_OBJ_CORE) : 0;
	if (cores <= 0)
		cores = 1;
	s->threads = want > 0 ? (unsigned)want : (unsigned)cores;
	if (want > cores)
		h->log(ctx, DYNO_LOG_WARN, "threads=%lld is more than the %d cores: "
		       "some share a core", (long long)want, cores);
	/* Every slice a whole number of 64-byte lines, so no two threads
	** write the same line. */
	per = (size_t)(size / 8 / s->threads) / 8 * 8;
	if (per < 8) {
		unsigned nt = s->threads;

		bw_free(s);
		return h->fail(ctx, "size %llu B is too small for %u threads "
			       "(at least 64 B per thread per array)",
			       (unsigned long long)size, nt);
	}
	n = per * s->threads;
	narr = s->op == BW_TRIAD ? 3 : s->op == BW_COPY ? 2 : 1;
	for (int k = 0; k < narr; k++) {
		/* Each array starts 17 lines further into its page than the
		** one before (STREAM's OFFSET): loads and stores at the same
		** page offset falsely alias in the load/store unit. */
		int rc = hugemem_alloc(&s->mem[k], n * sizeof(double) + BW_SKEW * 3,
				       HUGEMEM_SMALL, note, sizeof(note));

		if (rc != 0) {
			bw_free(s);
			return h->fail(ctx, "cannot allocate %d arrays of %zu B: %s",
				       narr, n * sizeof(double), strerror(-rc));
		}
	}
	s->t = calloc(s->threads, sizeof(*s->t));
	if (s->t == NULL || pthread_barrier_init(&s->start, NULL, s->threads + 1) ||
	    pthread_barrier_init(&s->done, NULL, s->threads + 1)) {
		bw_free(s);
		return h->fail(ctx, "out of memory");
	}
	for (unsigned i = 0; i < s->threads; i++) {
		struct bw_thread *t = &s->t[i];
		double *base[3] = { NULL, NULL, NULL };

		for (int k = 0; k < narr; k++)
			base[k] = (double *)((char *)s->mem[k].p + BW_SKEW * (size_t)k) +
				  (size_t)i * per;
		t->s = s;
		t->idx = i;
		t->n = per;
		t->a = base[0];
		t->b = s->op == BW_TRIAD ? base[1] : NULL;
		t->c = s->op == BW_TRIAD ? base[2] : s->op == BW_COPY ? base[1] : NULL;
		if (pthread_create(&t->tid, NULL, bw_thread_main, t) != 0) {
			int e = errno;

			/* The started threads wait at the start barrier, which
			** needs all parties: quit them one by one instead. */
			atomic_store(&s->quit, 1);
			for (unsigned j = s->started; j < s->threads; j++)
				pthread_barrier_wait(&s->start);
			for (unsigned j = 0; j < s->started; j++)
				pthread_join(s->t[j].tid, NULL);
			s->started = 0;
			bw_free(s);
			return h->fail(ctx, "cannot start thread %u: %s", i, strerror(e));
		}
		s->started++;
	}
	s->bytes_per_pass = bw_bytes_per_elem[s->op] * (double)n;
	/* Calibrate: a sample of >= 5 ms, so barrier costs are < 1%.  The
	** first pass also warms the caches and the TLB. */
	s->passes = 1;
	(void)bw_sample(h, s);
	for (;;) {
		double t = bw_sample(h, s);

		if (t >= 5e-3 || s->passes >= (UINT64_C(1) << 30))
			break;
		s->passes = t > 1e-5 ? (uint64_t)((double)s->passes * 6e-3 / t) + 1
				     : s->passes * 16;
	}
	for (unsigned i = 0; i < s->threads; i++)
		pinned += !s->t[i].pin_err;
	snprintf(buf, sizeof(buf), "%u threads, %d pinned to distinct cores "
		 "(%d cores)", s->threads, pinned, cores);
	h->artifact(ctx, "threads", buf);
	snprintf(buf, sizeof(buf), "%d x %zu B", narr, n * sizeof(double));
	h->artifact(ctx, "arrays", buf);
	*state = s;
	return DYNO_OK;
}

static int
bw_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct bw_state *s = state;

	while (!h->should_stop(ctx)) {
		double t = bw_sample(h, s);

		h->record(ctx, "bandwidth", s->bytes_per_pass * (double)s->passes / t);
	}
	return DYNO_OK;
}

static void
bw_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	bw_free(state);
}

static const struct dyno_param bw_params[] = {
	{ .name = "op", .type = DYNO_PARAM_ENUM, .def = "triad",
	  .choices = "read|write|copy|triad",
	  .help = "STREAM kernel: read s+=a[i], write a[i]=q, copy c[i]=a[i], triad a[i]=b[i]+q*c[i]" },
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "256MiB", .min = "4KiB",
	  .max = "64GiB", .help = "bytes per array, split among the threads (beyond the last cache for memory bandwidth)" },
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "4096", .help = "threads, each pinned to its own core (0: one per core)" },
	{ .name = "nt_stores", .type = DYNO_PARAM_BOOL, .def = "false",
	  .help = "non-temporal (streaming) stores for write, copy and triad: no read-for-ownership, no cache pollution" },
	{ NULL }
};

static const struct dyno_metric bw_metrics[] = {
	{ .name = "bandwidth", .unit = "B/s", .better = DYNO_BETTER_HIGHER,
	  .help = "bytes the kernel names (STREAM's count) per second, one sample per >= 5 ms" },
	{ NULL }
};

const struct dyno_probe cache_bandwidth_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "bandwidth",
	.summary = "Memory bandwidth of STREAM's read/write/copy/triad, one pinned thread per core",
	.params = bw_params,
	.metrics = bw_metrics,
	.setup = bw_setup,
	.run = bw_run,
	.teardown = bw_teardown,
};

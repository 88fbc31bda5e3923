/*
** chase.c - cache.latency: load-to-use latency by pointer chasing.
**
** Each load's address comes from the previous load, so loads cannot
** overlap and the time per load is the latency of the level the working
** set fits in.  A random single cycle (Sattolo) over cache-line elements
** defeats the prefetchers; huge pages keep TLB misses out of the number
** up to the size the TLB covers with 2 MiB pages.
*/
#define _GNU_SOURCE /* sched_getcpu, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "chase.h"
#include "prng.h"
#include "probes.h"

void
chase_order(uint32_t *next, size_t n, int random, uint64_t seed)
{
	uint32_t *perm;
	uint64_t s = seed;

	if (n == 0)
		return;
	if (!random || n == 1) {
		for (size_t i = 0; i < n; i++)
			next[i] = (uint32_t)((i + 1) % n);
		return;
	}
	/* Sattolo: swapping only with j < i yields one n-cycle. */
	perm = next; /* perm[i] = the element visited i-th */
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)(splitmix64_next(&s) % i);
		uint32_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/* perm as a cycle: perm is itself the successor function of a
	** single cycle (Sattolo's guarantee), so nothing else to do. */
}

int
chase_build(struct chase *c, size_t size, size_t stride, int random,
	    int huge, uint64_t seed)
{
	uint32_t *next;
	size_t n = size / stride;
	char *base;
	int rc;

	memset(c, 0, sizeof(*c));
	if (stride < 8 || stride % 8 != 0 || n < 2 || n > UINT32_MAX)
		return -EINVAL;
	rc = hugemem_alloc(&c->mem, n * stride,
			   huge ? HUGEMEM_HUGE : HUGEMEM_SMALL, c->pages,
			   sizeof(c->pages));
	if (rc != 0)
		return rc;
	next = malloc(n * sizeof(*next));
	if (next == NULL) {
		hugemem_free(&c->mem);
		return -ENOMEM;
	}
	chase_order(next, n, random, seed);
	base = c->mem.p;
	for (size_t i = 0; i < n; i++)
		*(void **)(base + i * stride) = base + (size_t)next[i] * stride;
	free(next);
	c->n = n;
	c->stride = stride;
	c->start = base;
	return 0;
}

void
chase_free(struct chase *c)
{
	hugemem_free(&c->mem);
	c->start = NULL;
}

/*
** The timed loop.  noinline keeps it one piece of code whose assembly can
** be read (docs/probes.md shows it: eight `mov (%rax),%rax`, then one add,
** one compare and a branch, which run in the shadow of the load chain).
** The asm barrier tells the compiler the final pointer is used, so the
** chain cannot be dropped.
*/
__attribute__((noinline)) void *
chase_follow(void *p, uint64_t rounds)
{
	void **q = p;

	for (uint64_t i = 0; i < rounds; i++) {
		q = (void **)*q; q = (void **)*q; q = (void **)*q; q = (void **)*q;
		q = (void **)*q; q = (void **)*q; q = (void **)*q; q = (void **)*q;
	}
	__asm__ __volatile__("" : "+r"(q));
	return q;
}

double
chase_time(void **p, uint64_t rounds8, uint64_t (*now_ns)(void))
{
	uint64_t t0 = now_ns(), t1;

	*p = chase_follow(*p, rounds8);
	t1 = now_ns();
	return (double)(t1 - t0) * 1e-9 / (double)(rounds8 * 8);
}

/* -- cache.latency ----------------------------------------------------- */

struct cache_lat {
	struct chase c;
	void *pos;
	uint64_t rounds8;   /* per sample, calibrated to >= 2 ms */
};

/* Pins the probe to one CPU so the chain stays in one core's caches:
** `cpu`, or the one it is running on.  Returns the CPU or -1. */
static int
cache_pin(const struct dyno_host *h, struct dyno_ctx *ctx, int64_t want)
{
	cpu_set_t set;
	int cpu = want >= 0 ? (int)want : sched_getcpu();
	char buf[32];

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d", cpu);
	h->artifact(ctx, "cpu", buf);
	return cpu;
}

/* Grows the rounds per sample until one sample lasts 2 ms, so the two
** clock reads are < 0.1% of it. */
static uint64_t
cache_calibrate(const struct dyno_host *h, void **pos)
{
	uint64_t r = 64;

	for (;;) {
		double s = chase_time(pos, r, h->now_ns) * (double)(r * 8);

		if (s >= 2e-3 || r >= (UINT64_C(1) << 40))
			return r;
		r = s > 1e-5 ? (uint64_t)((double)r * 2.2e-3 / s) + 1 : r * 16;
	}
}

static int
cache_lat_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct cache_lat *l = calloc(1, sizeof(*l));
	uint64_t size = h->param_size(ctx, "size");
	uint64_t stride = h->param_size(ctx, "stride");
	int random = strcmp(h->param_str(ctx, "pattern"), "random") == 0;
	int huge = h->param_bool(ctx, "hugepages");
	int rc;

	if (l == NULL)
		return h->fail(ctx, "out of memory");
	if (stride % 8 != 0) {
		free(l);
		return h->fail(ctx, "stride %llu B is not a multiple of 8 B "
			       "(one pointer per element)", (unsigned long long)stride);
	}
	if (size / stride < 2) {
		free(l);
		return h->fail(ctx, "size %llu B holds fewer than 2 elements of "
			       "stride %llu B", (unsigned long long)size,
			       (unsigned long long)stride);
	}
	if (cache_pin(h, ctx, h->param_int(ctx, "cpu")) < 0) {
		int e = errno;

		free(l);
		return h->fail(ctx, "cannot pin to cpu %lld: %s",
			       (long long)h->param_int(ctx, "cpu"), strerror(e));
	}
	rc = chase_build(&l->c, size, stride, random, huge,
			 (uint64_t)h->param_int(ctx, "seed"));
	if (rc != 0) {
		free(l);
		return h->fail(ctx, "cannot build a chain over %llu B: %s",
			       (unsigned long long)size, strerror(-rc));
	}
	h->artifact(ctx, "pages", l->c.pages);
	if (huge && strncmp(l->c.pages, "4 KiB", 5) == 0)
		h->log(ctx, DYNO_LOG_WARN, "hugepages=true but %s: TLB misses "
		       "are part of the latency beyond the TLB's reach",
		       l->c.pages);
	/* One full cycle brings the set into the caches it fits in. */
	l->pos = chase_follow(l->c.start, l->c.n / 8 + 1);
	l->rounds8 = cache_calibrate(h, &l->pos);
	*state = l;
	return DYNO_OK;
}

static int
cache_lat_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct cache_lat *l = state;

	while (!h->should_stop(ctx))
		h->record(ctx, "latency", chase_time(&l->pos, l->rounds8, h->now_ns));
	return DYNO_OK;
}

static void
cache_lat_teardown(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void *state)
{
	struct cache_lat *l = state;

	(void)h; (void)ctx;
	if (l == NULL)
		return;
	chase_free(&l->c);
	free(l);
}

static const struct dyno_param cache_lat_params[] = {
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "64MiB", .min = "4KiB",
	  .max = "16GiB", .help = "working set chased (4KiB fits L1, 1GiB is memory)" },
	{ .name = "pattern", .type = DYNO_PARAM_ENUM, .def = "random",
	  .choices = "random|sequential",
	  .help = "random: one random cycle, defeats prefetchers; sequential: element i to i+1, lets them work" },
	{ .name = "stride", .type = DYNO_PARAM_SIZE, .def = "64", .min = "8",
	  .max = "1MiB", .help = "bytes per element (one pointer each); 64 = a cache line" },
	{ .name = "hugepages", .type = DYNO_PARAM_BOOL, .def = "true",
	  .help = "back the set with huge pages (hugetlb, else transparent), so TLB misses stay out of the latency" },
	{ .name = "cpu", .type = DYNO_PARAM_INT, .def = "-1", .min = "-1",
	  .max = "4095", .help = "CPU to pin to (-1: the one the probe starts on)" },
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",
	  .help = "seed of the random order" },
	{ NULL }
};

static const struct dyno_metric cache_lat_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "time per dependent load, one sample per >= 2 ms of chasing" },
	{ NULL }
};

const struct dyno_probe cache_latency_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "latency",
	.summary = "Load-to-use latency of a working set by pointer chasing",
	.params = cache_lat_params,
	.metrics = cache_lat_metrics,
	.setup = cache_lat_setup,
	.run = cache_lat_run,
	.teardown = cache_lat_teardown,
};

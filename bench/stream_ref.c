/*
** stream_ref.c - an independent STREAM-style reference for dyno's
** cache.bandwidth probe: triad a[i] = b[i] + q*c[i] (or copy c[i] = a[i])
** over three arrays of doubles, by a team of threads pinned to distinct
** CPUs, each owning (and first touching) one contiguous slice.  Shares no
** code with plugins/cache.
**   stream_ref SIZE_BYTES_PER_ARRAY THREADS [triad|copy] [reps=N] [nt=0|1]
**              [hugepages=0|1]
** THREADS 0 means one per CPU this process may run on.  Bytes are counted
** as STREAM counts them (copy 16, triad 24 per element; write-allocate
** traffic is not counted).  Prints one line of JSON, rates in B/s: best
** (STREAM's headline: bytes / fastest repetition), median, mean (of the
** per-repetition rates), worst.
*/
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SLICE_ALIGN 512		/* elements: slices start on 4 KiB pages */
#define Q 3.0
#define A0 1.0
#define B0 2.0
#define C0 0.5

enum { OP_TRIAD, OP_COPY };

struct team {
	double *a, *b, *c;
	size_t n;
	int op, nt, reps, threads;
	int *cpus;
	pthread_barrier_t bar;
	double *secs;		/* [reps + 1]; [0] is the untimed warm-up */
};

struct worker {
	struct team *t;
	pthread_t tid;
	int id;
	size_t lo, hi;
	int err;		/* errno of a failed pinning, else 0 */
	int bad;		/* nonzero when the slice's result is wrong */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* restrict tells the compiler the arrays do not overlap, so it keeps the
** loop a plain load-load-store stream with no reloads. */
static void
triad(double *restrict a, const double *restrict b, const double *restrict c,
      size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		a[i] = b[i] + Q * c[i];
}

static void
copy(double *restrict c, const double *restrict a, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		c[i] = a[i];
}

#ifdef __SSE2__
/* Non-temporal variants: stores that bypass the cache, so no line is
** read for ownership first.  Slices are 16-byte aligned (SLICE_ALIGN) and
** lengths even except possibly the last slice's tail, done plainly. */
static void
triad_nt(double *restrict a, const double *restrict b,
	 const double *restrict c, size_t lo, size_t hi)
{
	const __m128d q = _mm_set1_pd(Q);
	size_t i;

	for (i = lo; i + 2 <= hi; i += 2)
		_mm_stream_pd(&a[i], _mm_add_pd(_mm_load_pd(&b[i]),
						_mm_mul_pd(q, _mm_load_pd(&c[i]))));
	for (; i < hi; i++)
		a[i] = b[i] + Q * c[i];
	_mm_sfence();
}

static void
copy_nt(double *restrict c, const double *restrict a, size_t lo, size_t hi)
{
	size_t i;

	for (i = lo; i + 2 <= hi; i += 2)
		_mm_stream_pd(&c[i], _mm_load_pd(&a[i]));
	for (; i < hi; i++)
		c[i] = a[i];
	_mm_sfence();
}
#endif

static void
kernel(struct team *t, size_t lo, size_t hi)
{
#ifdef __SSE2__
	if (t->nt) {
		if (t->op == OP_TRIAD)
			triad_nt(t->a, t->b, t->c, lo, hi);
		else
			copy_nt(t->c, t->a, lo, hi);
		return;
	}
#endif
	if (t->op == OP_TRIAD)
		triad(t->a, t->b, t->c, lo, hi);
	else
		copy(t->c, t->a, lo, hi);
}

/* One team member.  The team's time for a repetition is taken by member
** 0 between two barriers, as STREAM times its OpenMP parallel loop from
** the master: it is the slowest member's time plus one barrier, the rate
** the whole machine delivers. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct team *t = w->t;
	cpu_set_t set;
	double t0 = 0;

	CPU_ZERO(&set);
	CPU_SET(t->cpus[w->id], &set);
	w->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* First touch by the owner, after pinning: the pages of this slice
	** come from the owner's NUMA node, as in OpenMP STREAM. */
	for (size_t i = w->lo; i < w->hi; i++) {
		t->a[i] = A0;
		t->b[i] = B0;
		t->c[i] = C0;
	}
	for (int r = 0; r <= t->reps; r++) {
		pthread_barrier_wait(&t->bar);
		if (w->id == 0)
			t0 = now_s();
		kernel(t, w->lo, w->hi);
		pthread_barrier_wait(&t->bar);
		if (w->id == 0)
			t->secs[r] = now_s() - t0;
	}
	/* Every repetition writes the same values, so one check at the end
	** covers them all; only the written array changes. */
	for (size_t i = w->lo; i < w->hi; i++) {
		if ((t->op == OP_TRIAD && t->a[i] != B0 + Q * C0) ||
		    (t->op == OP_COPY && t->c[i] != A0)) {
			w->bad = 1;
			break;
		}
	}
	return NULL;
}

static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end != '\0' && strcmp(end, "B") != 0)
		return -1;
	if (shift != 0) {
		end++;
		if (strcmp(end, "") != 0 && strcmp(end, "iB") != 0 &&
		    strcmp(end, "B") != 0 && strcmp(end, "i") != 0)
			return -1;
	}
	if (v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
usage(void)
{
	fprintf(stderr, "usage: stream_ref SIZE_BYTES_PER_ARRAY THREADS [triad|copy] "
		"[reps=N] [nt=0|1] [hugepages=0|1]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct team t = { .op = OP_TRIAD, .reps = 10 };
	struct worker *w;
	cpu_set_t allowed;
	size_t size, bytes, span, slice, stagger = 21 * 64;
	int huge = 0, ncpu, i, k, bad = 0;
	double *rate, sum = 0, per_rep;
	char *region, cpulist[1024] = "";

	if (argc < 3 || parse_size(argv[1], &size) != 0)
		return usage();
	t.threads = atoi(argv[2]);
	for (i = 3; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "triad") == 0 || strcmp(a, "op=triad") == 0)
			t.op = OP_TRIAD;
		else if (strcmp(a, "copy") == 0 || strcmp(a, "op=copy") == 0)
			t.op = OP_COPY;
		else if (strncmp(a, "reps=", 5) == 0)
			t.reps = atoi(a + 5);
		else if (strncmp(a, "nt=", 3) == 0)
			t.nt = strcmp(a + 3, "1") == 0 || strcmp(a + 3, "true") == 0;
		else if (strncmp(a, "hugepages=", 10) == 0)
			huge = strcmp(a + 10, "1") == 0 || strcmp(a + 10, "true") == 0;
		else
			return usage();
	}
#ifndef __SSE2__
	if (t.nt) {
		fprintf(stderr, "stream_ref: nt=1 needs SSE2 (x86-64)\n");
		return 2;
	}
#endif
	if (t.reps < 1 || t.reps > 100000)
		return usage();

	/* The CPUs this process may use (taskset narrows them); member k
	** gets the k-th of them, so no two members share a CPU. */
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		perror("stream_ref: sched_getaffinity");
		return 1;
	}
	ncpu = CPU_COUNT(&allowed);
	if (t.threads == 0)
		t.threads = ncpu;
	if (t.threads < 0 || t.threads > ncpu) {
		fprintf(stderr, "stream_ref: THREADS must be 0..%d (CPUs allowed)\n",
			ncpu);
		return 2;
	}
	t.cpus = calloc((size_t)t.threads, sizeof(*t.cpus));
	w = calloc((size_t)t.threads, sizeof(*w));
	t.secs = calloc((size_t)t.reps + 1, sizeof(*t.secs));
	rate = calloc((size_t)t.reps, sizeof(*rate));
	if (t.cpus == NULL || w == NULL || t.secs == NULL || rate == NULL) {
		perror("stream_ref");
		return 1;
	}
	for (i = 0, k = 0; k < t.threads && i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &allowed)) {
			size_t l = strlen(cpulist);

			snprintf(cpulist + l, sizeof(cpulist) - l, "%s%d",
				 k ? "," : "", i);
			t.cpus[k++] = i;
		}
	}

	/* One mapping, untouched here (the members touch it).  Arrays are
	** staggered by 21 lines: arrays exactly a power of two apart put
	** a[i], b[i], c[i] at the same page offset, and a load that matches
	** the low 12 bits of a pending store waits for it (4K aliasing); 21
	** lines puts the matching store ~170 elements back, long retired. */
	t.n = size / sizeof(double);
	if (t.n < (size_t)t.threads) {
		fprintf(stderr, "stream_ref: SIZE too small for %d threads\n",
			t.threads);
		return 2;
	}
	bytes = t.n * sizeof(double);
	span = (bytes + 4095) & ~(size_t)4095;
	region = mmap(NULL, 3 * (span + 4096), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("stream_ref: mmap");
		return 1;
	}
#ifdef MADV_HUGEPAGE
	if (huge && madvise(region, 3 * (span + 4096), MADV_HUGEPAGE) != 0)
		perror("stream_ref: madvise(MADV_HUGEPAGE)");
#endif
	t.a = (double *)(region);
	t.b = (double *)(region + (span + 4096) + stagger);
	t.c = (double *)(region + 2 * (span + 4096) + 2 * stagger);

	slice = (t.n + (size_t)t.threads - 1) / (size_t)t.threads;
	slice = (slice + SLICE_ALIGN - 1) / SLICE_ALIGN * SLICE_ALIGN;
	if (pthread_barrier_init(&t.bar, NULL, (unsigned)t.threads) != 0) {
		perror("stream_ref: pthread_barrier_init");
		return 1;
	}
	for (i = 0; i < t.threads; i++) {
		w[i].t = &t;
		w[i].id = i;
		w[i].lo = (size_t)i * slice < t.n ? (size_t)i * slice : t.n;
		w[i].hi = w[i].lo + slice < t.n ? w[i].lo + slice : t.n;
	}
	/* Member 0 is this thread; the others are started first so they are
	** waiting at the first barrier. */
	for (i = 1; i < t.threads; i++) {
		int e = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);

		if (e != 0) {
			fprintf(stderr, "stream_ref: pthread_create: %s\n", strerror(e));
			return 1;
		}
	}
	worker_main(&w[0]);
	for (i = 1; i < t.threads; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < t.threads; i++) {
		if (w[i].err != 0) {
			fprintf(stderr, "stream_ref: pin to CPU %d: %s\n", t.cpus[i],
				strerror(w[i].err));
			return 1;
		}
		bad |= w[i].bad;
	}
	if (bad) {
		fprintf(stderr, "stream_ref: wrong result in the arrays\n");
		return 1;
	}

	/* Repetition 0 is dropped, as STREAM drops its first: it pays for
	** page-table and TLB warm-up and the threads' first barrier. */
	per_rep = (double)t.n * (t.op == OP_TRIAD ? 24.0 : 16.0);
	for (i = 0; i < t.reps; i++) {
		rate[i] = per_rep / t.secs[i + 1];
		sum += rate[i];
	}
	qsort(rate, (size_t)t.reps, sizeof(*rate), cmp_double);
	printf("{\"op\":\"%s\",\"size\":%zu,\"elements\":%zu,\"threads\":%d,"
	       "\"cpus\":\"%s\",\"nt\":%d,\"hugepages\":%d,\"reps\":%d,"
	       "\"bytes_per_rep\":%.0f,\"best\":%.6e,\"median\":%.6e,"
	       "\"mean\":%.6e,\"worst\":%.6e}\n",
	       t.op == OP_TRIAD ? "triad" : "copy", bytes, t.n, t.threads,
	       cpulist, t.nt, huge, t.reps, per_rep, rate[t.reps - 1],
	       t.reps % 2 ? rate[t.reps / 2] :
	       (rate[t.reps / 2 - 1] + rate[t.reps / 2]) / 2,
	       sum / t.reps, rate[0]);
	pthread_barrier_destroy(&t.bar);
	munmap(region, 3 * (span + 4096));
	return 0;
}

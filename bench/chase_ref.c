/*
** chase_ref.c - an independent reference for dyno's cache.latency probe:
** the time of one dependent load over a random single-cycle permutation
** of 64-byte lines.  It shares no code with plugins/cache, so that an
** error in the plugin's permutation, timing or arithmetic shows up as a
** ratio away from 1 in bench/cache-vs-ref.sh.
**   chase_ref SIZE [hugepages(0|1)] [seconds]
** SIZE is in bytes, optionally with K/KiB, M/MiB or G/GiB.  Prints one line
** of JSON; ns_median is the figure to compare.
*/
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE 64
#define HUGE_2M ((size_t)2 << 20)
/* Repetitions of about REP_NS each, at least MIN_REPS: many short ones
** give the median something to reject when another process or a
** neighbouring VM takes the core or the shared cache for a while. */
#define REP_NS 1e7
#define MIN_REPS 9
#define MAX_REPS 100000
#define WARM_NS 1e8

/* One pointer per cache line: a load of `next` touches exactly one line,
** so the chain's length in lines is the working set.  While the
** permutation is built the same slot holds the successor's index. */
struct line {
	union {
		void *next;
		uintptr_t idx;
	} u;
	char pad[LINE - sizeof(void *)];
};

/* Where the final pointer of every repetition goes: a volatile store the
** compiler must perform, so it cannot drop the loads that produce it. */
static void *volatile chase_sink;

/* xoshiro256** (Blackman, Vigna 2018) from a fixed state, so every run
** chases the same cycle.  Deliberately not splitmix64, which the plugin
** uses: a flaw in one generator must not hide in both. */
static uint64_t rng_s[4] = {
	UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210),
	UINT64_C(0x0f1e2d3c4b5a6978), UINT64_C(0x8796a5b4c3d2e1f0)
};

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* Uniform in [0, bound): reject the low values that would make the
** modulo favour small results. */
static uint64_t
rng_below(uint64_t bound)
{
	uint64_t floor = -bound % bound, r;

	do
		r = rng_next();
	while (r < floor);
	return r % bound;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
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

/* KiB of huge pages backing the mapping that holds addr, from
** /proc/self/smaps (AnonHugePages for THP); -1 when it cannot be read.
** This is what says whether madvise was honoured, not the call's result. */
static long
smaps_huge_kib(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char buf[512];
	int in = 0;
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		unsigned long lo, hi;

		if (sscanf(buf, "%lx-%lx ", &lo, &hi) == 2 && strchr(buf, '-') <
		    strchr(buf, ' ')) {
			if (in)
				break;
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(buf, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

/* The mapping for the lines.  With huge pages, hugetlbfs pages first (an
** explicit reservation, so certain), else a 2 MiB-aligned anonymous
** mapping with MADV_HUGEPAGE so that THP can back it even when the
** system policy is "madvise".  *how says which one was used. */
static void *
map_lines(size_t bytes, int huge, const char **how, void **base, size_t *len)
{
	size_t rounded = (bytes + HUGE_2M - 1) & ~(HUGE_2M - 1);
	char *p;

	*how = "none";
	if (!huge) {
		*len = bytes;
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		*base = p;
		return p == MAP_FAILED ? NULL : p;
	}
#ifdef MAP_HUGETLB
	p = mmap(NULL, rounded, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED) {
		*how = "hugetlb";
		*base = p;
		*len = rounded;
		return p;
	}
#endif
	/* Over-allocate by one huge page so an aligned start exists; the
	** slack stays mapped (unmapped together at exit). */
	*len = rounded + HUGE_2M;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*base = p;
	p = (char *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
#ifdef MADV_HUGEPAGE
	if (madvise(p, rounded, MADV_HUGEPAGE) == 0)
		*how = "thp";
	else
		fprintf(stderr, "chase_ref: madvise(MADV_HUGEPAGE): %s; 4 KiB pages\n",
			strerror(errno));
#endif
	return p;
}

/* The timed loop: n8 x 8 dependent loads and nothing else.  Unrolled so
** the loop's own counter and branch are one per eight loads, and they run
** beside the load chain rather than in it.  noinline keeps the loop the
** same whatever the caller looks like. */
__attribute__((noinline)) static void *
chase(void *p, uint64_t n8)
{
	while (n8-- > 0) {
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
		p = *(void **)p;
	}
	return p;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	size_t size, n, i, len, reps;
	int huge = 0;
	double seconds = 0.2, t, per_load, *ns;
	const char *how;
	void *base, *p;
	struct line *lines;
	uint64_t n8, steps;
	long huge_kib = -1;

	if (argc < 2 || argc > 4 || parse_size(argv[1], &size) != 0) {
		fprintf(stderr, "usage: chase_ref SIZE_BYTES [hugepages(0|1)] [seconds]\n");
		return 2;
	}
	if (argc > 2)
		huge = strcmp(argv[2], "0") != 0 && strcmp(argv[2], "false") != 0;
	if (argc > 3 && ((seconds = strtod(argv[3], NULL)) <= 0 || seconds > 3600)) {
		fprintf(stderr, "chase_ref: seconds must be in (0, 3600]\n");
		return 2;
	}
	n = size / LINE;
	if (n < 2) {
		fprintf(stderr, "chase_ref: SIZE must hold at least two %d-byte lines\n",
			LINE);
		return 2;
	}
	lines = map_lines(n * LINE, huge, &how, &base, &len);
	if (lines == NULL) {
		fprintf(stderr, "chase_ref: mmap %zu bytes: %s\n", n * LINE,
			strerror(errno));
		return 1;
	}

	/* Sattolo's algorithm: like Fisher-Yates but j < i, which yields a
	** permutation with exactly one cycle, so the chase visits every line
	** before it repeats.  The identity fill is the first touch, in address
	** order, which is what lets THP hand out whole huge pages. */
	for (i = 0; i < n; i++)
		lines[i].u.idx = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)rng_below(i);
		uintptr_t tmp = lines[i].u.idx;

		lines[i].u.idx = lines[j].u.idx;
		lines[j].u.idx = tmp;
	}
	for (i = 0; i < n; i++)
		lines[i].u.next = &lines[lines[i].u.idx];
	if (strcmp(how, "thp") == 0)
		huge_kib = smaps_huge_kib(lines);

	/* Warm-up: one full cycle, which also checks the cycle is single:
	** it must come back to the start after exactly n loads. */
	p = &lines[0];
	steps = 0;
	do {
		p = *(void **)p;
		steps++;
	} while (p != (void *)&lines[0] && steps <= n);
	if (steps != n) {
		fprintf(stderr, "chase_ref: cycle of %llu lines, expected %zu\n",
			(unsigned long long)steps, n);
		return 1;
	}
	/* ...and at least WARM_NS in all: a CPU that was idle (or a vCPU
	** whose host core was) needs tens of milliseconds to reach its
	** running clock, and a small working set's cycle is over in
	** microseconds. */
	t = now_ns();
	while (now_ns() - t < WARM_NS)
		p = chase(p, 1024);

	/* Calibrate: grow a chunk until it takes 10 ms, then size each
	** repetition to its share of `seconds`. */
	for (n8 = 1024;; n8 *= 2) {
		t = now_ns();
		p = chase(p, n8);
		t = now_ns() - t;
		if (t >= 1e7)
			break;
	}
	per_load = t / (double)(n8 * 8);
	reps = (size_t)(seconds * 1e9 / REP_NS);
	reps = reps < MIN_REPS ? MIN_REPS : reps > MAX_REPS ? MAX_REPS : reps;
	n8 = (uint64_t)(seconds * 1e9 / (double)reps / per_load / 8) + 1;
	ns = malloc(reps * sizeof(*ns));
	if (ns == NULL) {
		perror("chase_ref");
		return 1;
	}
	for (i = 0; i < reps; i++) {
		t = now_ns();
		p = chase(p, n8);
		t = now_ns() - t;
		chase_sink = p;
		ns[i] = t / (double)(n8 * 8);
	}
	qsort(ns, reps, sizeof(ns[0]), cmp_double);
	printf("{\"size\":%zu,\"lines\":%zu,\"hugepages\":\"%s\",\"huge_kib\":%ld,"
	       "\"reps\":%zu,\"loads_per_rep\":%llu,\"ns_median\":%.4f,"
	       "\"ns_min\":%.4f,\"ns_max\":%.4f}\n",
	       n * LINE, n, how, huge_kib, reps, (unsigned long long)(n8 * 8),
	       reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2,
	       ns[0], ns[reps - 1]);
	free(ns);
	munmap(base, len);
	return 0;
}

/*
** test_cache_mem.c - the cache plugin's memory-hierarchy internals: the
** pointer-chase order is one cycle over every element, the chain built
** from it visits every element, and level detection finds the boundaries
** of synthetic latency curves and of one measured on a VM.
*/
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "chase.h"
#include "detect.h"

/* Follows next[] from 0 and returns the cycle length (n if all seen). */
static size_t
cycle_len(const uint32_t *next, size_t n)
{
	char *seen = calloc(n, 1);
	size_t len = 0;
	uint32_t i = 0;

	cr_assert_not_null(seen);
	while (!seen[i]) {
		seen[i] = 1;
		len++;
		i = next[i];
		cr_assert_lt(i, n);
	}
	cr_assert_eq(i, 0, "the walk must come back to its start");
	free(seen);
	return len;
}

Test(chase, random_order_is_one_cycle_over_all)
{
	size_t sizes[] = { 2, 3, 7, 64, 1000, 65537 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (uint64_t seed = 0; seed < 5; seed++) {
			size_t n = sizes[k];
			uint32_t *next = malloc(n * sizeof(*next));

			chase_order(next, n, 1, seed);
			cr_assert_eq(cycle_len(next, n), n, "n=%zu seed=%llu", n,
				     (unsigned long long)seed);
			free(next);
		}
}

Test(chase, random_order_depends_on_seed_and_is_not_sequential)
{
	size_t n = 4096, same = 0, seq = 0;
	uint32_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));

	chase_order(a, n, 1, 1);
	chase_order(b, n, 1, 2);
	for (size_t i = 0; i < n; i++) {
		same += a[i] == b[i];
		seq += a[i] == (i + 1) % n;
	}
	/* A random n-cycle has ~1 fixed agreement with another. */
	cr_assert_lt(same, 20);
	cr_assert_lt(seq, 20);
	free(a);
	free(b);
}

Test(chase, sequential_order)
{
	uint32_t next[5];

	chase_order(next, 5, 0, 9);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(next[i], (i + 1) % 5);
}

Test(chase, chain_visits_every_element_once)
{
	struct chase c;
	size_t stride = 128;

	cr_assert_eq(chase_build(&c, 1 << 20, stride, 1, 0, 7), 0);
	cr_assert_eq(c.n, (1u << 20) / stride);
	{
		char *base = c.mem.p, *seen = calloc(c.n, 1);
		void *p = c.start;

		for (size_t i = 0; i < c.n; i++) {
			size_t idx = (size_t)((char *)p - base) / stride;

			cr_assert_eq(((char *)p - base) % stride, 0);
			cr_assert_lt(idx, c.n);
			cr_assert(!seen[idx], "element %zu visited twice", idx);
			seen[idx] = 1;
			p = *(void **)p;
		}
		cr_assert_eq(p, c.start, "back at the start after n loads");
		free(seen);
	}
	/* chase_follow makes exactly 8 loads per round. */
	cr_assert_eq(chase_follow(c.start, c.n / 8), c.start);
	chase_free(&c);
}

Test(chase, build_rejects_bad_strides)
{
	struct chase c;

	cr_assert_eq(chase_build(&c, 4096, 12, 1, 0, 1), -EINVAL);
	cr_assert_eq(chase_build(&c, 4096, 4, 1, 0, 1), -EINVAL);
	cr_assert_eq(chase_build(&c, 64, 64, 1, 0, 1), -EINVAL);
}

/* A curve with `per` points per octave from 4 KiB to 1 GiB, latency from
** f(size), with multiplicative noise of +-noise (deterministic). */
static size_t
make_curve(double *size, double *lat, size_t per, double (*f)(double),
	   double noise)
{
	size_t n = 0;
	uint64_t s = 12345;

	for (double x = 4096; x <= (double)(1ull << 30) * 1.0001;
	     x *= pow(2, 1.0 / (double)per)) {
		double u;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		u = (double)(s >> 11) / (double)(1ull << 53) * 2 - 1;
		size[n] = floor(x / 64) * 64;
		lat[n] = f(size[n]) * (1 + noise * u);
		n++;
	}
	return n;
}

/* Sharp steps: L1 32 KiB 1 ns, L2 1 MiB 4 ns, L3 16 MiB 12 ns, then 90. */
static double
sharp(double b)
{
	return b <= 32768 ? 1e-9 : b <= 1048576 ? 4e-9 : b <= 16777216 ? 12e-9 : 90e-9;
}

/* Within a factor 2^(1/per) of the true boundary: one grid step. */
static void
assert_boundary(double got, double want, size_t per)
{
	double f = pow(2, 1.0 / (double)per) * 1.01;

	cr_assert(got <= want * f && got >= want / f, "boundary %.0f, wanted %.0f",
		  got, want);
}

Test(detect, sharp_steps)
{
	double size[200], lat[200];
	struct detect_level lv[8];
	size_t n = make_curve(size, lat, 4, sharp, 0.03);
	size_t nl = detect_levels(size, lat, n, 4, 0.25, 3, lv, 8);

	cr_assert_eq(nl, 4, "three caches and memory, got %zu", nl);
	assert_boundary(lv[0].bytes, 32768, 4);
	assert_boundary(lv[1].bytes, 1048576, 4);
	assert_boundary(lv[2].bytes, 16777216, 4);
	cr_assert_float_eq(lv[0].latency, 1e-9, 0.06e-9);
	cr_assert_float_eq(lv[1].latency, 4e-9, 0.24e-9);
	cr_assert_float_eq(lv[2].latency, 12e-9, 0.7e-9);
	cr_assert_float_eq(lv[3].latency, 90e-9, 5e-9);
	for (size_t k = 0; k < nl; k++)
		cr_assert(!lv[k].smeared);
}

/* Memory's latency creeps up with the size (TLB reach, DRAM pages): still
** one level. */
static double
creeping(double b)
{
	return b <= 65536 ? 1.2e-9
	       : 80e-9 * (1 + 0.08 * log2(b / 65536.0) / 14);
}

Test(detect, creeping_memory_is_one_level)
{
	double size[200], lat[200];
	struct detect_level lv[8];
	size_t n = make_curve(size, lat, 4, creeping, 0.02);
	size_t nl = detect_levels(size, lat, n, 4, 0.25, 1, lv, 8);

	cr_assert_eq(nl, 2, "got %zu levels", nl);
	assert_boundary(lv[0].bytes, 65536, 4);
	cr_assert_eq(lv[1].last, n - 1);
}

/* One noisy point inside a level does not split it. */
static double
spiky(double b)
{
	return b == 131072 ? 9e-9 : sharp(b);
}

Test(detect, one_spike_does_not_split_a_level)
{
	double size[200], lat[200];
	struct detect_level lv[8];
	size_t n = make_curve(size, lat, 4, spiky, 0.0);

	cr_assert_eq(detect_levels(size, lat, n, 4, 0.25, 3, lv, 8), 4);
	assert_boundary(lv[1].bytes, 1048576, 4);
}

/*
** Measured on the development VM (2 vCPU AMD EPYC, hwloc: L1d 32 KiB, L2
** 1 MiB, L3 32 MiB) with `dyno probe cache.detect` (4 points per octave,
** huge pages): flat L1 to 32 KiB, flat L2 to ~370 KiB, then a rise from 6
** to 36 ns up to 4 MiB (the VM's share of the L3; no flat region), a jump
** to ~120-150 ns at 5 MiB, and memory creeping to 185 ns.
*/
static const double vm_curve[][2] = {
#include "vm_curve.inc"
};

Test(detect, measured_vm_curve)
{
	size_t n = sizeof(vm_curve) / sizeof(vm_curve[0]);
	double size[100], lat[100];
	struct detect_level lv[8];
	size_t nl;

	for (size_t i = 0; i < n; i++) {
		size[i] = vm_curve[i][0];
		lat[i] = vm_curve[i][1] * 1e-9;
	}
	nl = detect_levels(size, lat, n, 4, 0.25, 3, lv, 8);
	cr_assert_eq(nl, 4, "L1, L2, the smeared L3 share, memory: got %zu", nl);
	assert_boundary(lv[0].bytes, 32768, 4);
	cr_assert(lv[1].bytes >= 300000 && lv[1].bytes <= 600000, "L2 %.0f",
		  lv[1].bytes);
	cr_assert(lv[2].smeared);
	cr_assert(lv[2].bytes >= 3.5e6 && lv[2].bytes <= 5e6, "L3 share %.0f",
		  lv[2].bytes);
	cr_assert(lv[3].latency > 100e-9);
	/* Without hwloc's count nothing is added for the rise. */
	cr_assert_eq(detect_levels(size, lat, n, 4, 0.25, 0, lv, 8), 3);
}

/* The same VM twenty minutes later: this time its L3 share had a flat
** region (15-21 ns, 1.5-4 MiB) and memory began at ~10 MiB. */
static const double vm_curve2[][2] = {
#include "vm_curve2.inc"
};

Test(detect, measured_vm_curve_with_flat_l3)
{
	size_t n = sizeof(vm_curve2) / sizeof(vm_curve2[0]);
	double size[100], lat[100];
	struct detect_level lv[8];
	size_t nl;

	for (size_t i = 0; i < n; i++) {
		size[i] = vm_curve2[i][0];
		lat[i] = vm_curve2[i][1] * 1e-9;
	}
	nl = detect_levels(size, lat, n, 4, 0.25, 3, lv, 8);
	cr_assert_eq(nl, 4, "got %zu", nl);
	assert_boundary(lv[0].bytes, 32768, 4);
	cr_assert(lv[1].bytes >= 300000 && lv[1].bytes <= 600000, "L2 %.0f",
		  lv[1].bytes);
	cr_assert(!lv[2].smeared);
	cr_assert(lv[2].bytes >= 3.5e6 && lv[2].bytes <= 9e6, "L3 share %.0f",
		  lv[2].bytes);
	cr_assert(lv[3].latency > 100e-9);
}

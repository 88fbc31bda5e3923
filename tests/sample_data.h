/*
** sample_data.h - deterministic test data shared by the statistics and
** histogram tests: a xorshift stream, a latency-like distribution, and the
** nearest-rank percentile both compare against.  Header-only (static).
*/
#ifndef DYNO_TEST_SAMPLE_DATA_H
#define DYNO_TEST_SAMPLE_DATA_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* xorshift64: the same stream on every machine. */
static uint64_t
next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static double
uniform(uint64_t *x)
{
	return (next(x) >> 11) * (1.0 / 9007199254740992.0);
}

/* Log-normal-ish over 1e-7..1e-1: the mean of four uniforms picks the
** decade, so the middle decades are dense and the ends thin. */
static double
latency(uint64_t *x)
{
	double u = (uniform(x) + uniform(x) + uniform(x) + uniform(x)) / 4;

	return pow(10, -7 + 6 * u);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank, ceil(p/100 * n), min 1, in integers: p has at most two
** decimals here. */
static double
exact(const double *sorted, size_t n, double p)
{
	uint64_t r = (n * (uint64_t)llround(p * 100) + 9999) / 10000;

	return sorted[(r < 1 ? 1 : r) - 1];
}

#endif

/*
** nprandom.c - NumPy's legacy RandomState (numpy/random/mtrand.pyx,
** src/mt19937, src/legacy and src/distributions).  Each function keeps
** numpy's arithmetic and its number of raw draws: a draw more or less
** shifts every later value, so "close" is not good enough here.
*/
#include "nprandom.h"

#define MT_M 397
#define MATRIX_A 0x9908b0dfU
#define UPPER_MASK 0x80000000U
#define LOWER_MASK 0x7fffffffU

void
ar_mt_seed(struct ar_mt *mt, uint32_t seed)
{
	for (int i = 0; i < AR_MT_N; i++) {
		mt->key[i] = seed;
		seed = 1812433253U * (seed ^ (seed >> 30)) + (uint32_t)i + 1;
	}
	mt->pos = AR_MT_N;
}

void
ar_mt_seed_array(struct ar_mt *mt, const uint32_t *key, size_t n)
{
	uint32_t *s = mt->key;
	size_t i = 1, j = 0, k = AR_MT_N > n ? AR_MT_N : n;

	ar_mt_seed(mt, 19650218U);
	for (; k; k--) {
		s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1664525U)) +
		       key[j] + (uint32_t)j;
		i++;
		j++;
		if (i >= AR_MT_N) {
			s[0] = s[AR_MT_N - 1];
			i = 1;
		}
		if (j >= n)
			j = 0;
	}
	for (k = AR_MT_N - 1; k; k--) {
		s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1566083941U)) -
		       (uint32_t)i;
		i++;
		if (i >= AR_MT_N) {
			s[0] = s[AR_MT_N - 1];
			i = 1;
		}
	}
	s[0] = 0x80000000U;
	mt->pos = AR_MT_N;
}

static void
mt_refill(struct ar_mt *mt)
{
	uint32_t *s = mt->key, y;
	int i;

	for (i = 0; i < AR_MT_N - MT_M; i++) {
		y = (s[i] & UPPER_MASK) | (s[i + 1] & LOWER_MASK);
		s[i] = s[i + MT_M] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
	}
	for (; i < AR_MT_N - 1; i++) {
		y = (s[i] & UPPER_MASK) | (s[i + 1] & LOWER_MASK);
		s[i] = s[i + (MT_M - AR_MT_N)] ^ (y >> 1) ^
		       (-(y & 1U) & MATRIX_A);
	}
	y = (s[AR_MT_N - 1] & UPPER_MASK) | (s[0] & LOWER_MASK);
	s[AR_MT_N - 1] = s[MT_M - 1] ^ (y >> 1) ^ (-(y & 1U) & MATRIX_A);
	mt->pos = 0;
}

uint32_t
ar_mt_next32(struct ar_mt *mt)
{
	uint32_t y;

	if (mt->pos >= AR_MT_N)
		mt_refill(mt);
	y = mt->key[mt->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= y >> 18;
	return y;
}

static uint64_t
mt_next64(struct ar_mt *mt)
{
	uint64_t hi = ar_mt_next32(mt);

	return hi << 32 | ar_mt_next32(mt);
}

double
ar_mt_random_sample(struct ar_mt *mt)
{
	int32_t a = (int32_t)(ar_mt_next32(mt) >> 5);
	int32_t b = (int32_t)(ar_mt_next32(mt) >> 6);

	return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double
ar_mt_uniform(struct ar_mt *mt, double low, double high)
{
	return low + (high - low) * ar_mt_random_sample(mt);
}

/* The smallest all-ones mask covering max. */
static uint64_t
mask_of(uint64_t max)
{
	max |= max >> 1;
	max |= max >> 2;
	max |= max >> 4;
	max |= max >> 8;
	max |= max >> 16;
	max |= max >> 32;
	return max;
}

uint64_t
ar_mt_interval(struct ar_mt *mt, uint64_t max)
{
	uint64_t mask = mask_of(max), v;

	if (max == 0)
		return 0;
	if (max <= 0xffffffffU) {
		while ((v = (ar_mt_next32(mt) & mask)) > max)
			;
	} else {
		while ((v = (mt_next64(mt) & mask)) > max)
			;
	}
	return v;
}

int64_t
ar_mt_randint(struct ar_mt *mt, int64_t low, int64_t high)
{
	uint64_t rng = (uint64_t)high - 1 - (uint64_t)low, v;

	if (rng == 0)
		return low;
	if (rng == 0xffffffffU)
		v = ar_mt_next32(mt);
	else if (rng < 0xffffffffU) {
		uint32_t mask = (uint32_t)mask_of(rng);

		while ((v = (ar_mt_next32(mt) & mask)) > rng)
			;
	} else if (rng == UINT64_MAX)
		v = mt_next64(mt);
	else {
		uint64_t mask = mask_of(rng);

		while ((v = (mt_next64(mt) & mask)) > rng)
			;
	}
	return (int64_t)((uint64_t)low + v);
}

void
ar_mt_shuffle(struct ar_mt *mt, size_t *a, size_t n)
{
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)ar_mt_interval(mt, i), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

void
ar_mt_permutation(struct ar_mt *mt, size_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = i;
	ar_mt_shuffle(mt, out, n);
}

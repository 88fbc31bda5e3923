/*
** nprandom.h - NumPy's legacy RandomState, draw for draw: MT19937 seeded
** as numpy.random.RandomState(seed) seeds it, and the legacy algorithms
** of random_sample, uniform, randint (int64), shuffle, permutation and
** choice(replace=False).  The Python reference draws its CV splits and
** search candidates from these, so the same seed gives the same draws.
*/
#ifndef AR_NPRANDOM_H
#define AR_NPRANDOM_H

#include <stddef.h>
#include <stdint.h>

#define AR_MT_N 624

struct ar_mt {
	uint32_t key[AR_MT_N];
	int pos;
};

/* RandomState(seed) for an integer seed (numpy's init_genrand). */
void ar_mt_seed(struct ar_mt *mt, uint32_t seed);
/* RandomState([k0, k1, ...]) (init_by_array); n >= 1. */
void ar_mt_seed_array(struct ar_mt *mt, const uint32_t *key, size_t n);
/* The next raw 32-bit output (tempered). */
uint32_t ar_mt_next32(struct ar_mt *mt);
/* random_sample(): 53 bits from two outputs, [0, 1). */
double ar_mt_random_sample(struct ar_mt *mt);
/* uniform(low, high): low + (high - low) * random_sample(). */
double ar_mt_uniform(struct ar_mt *mt, double low, double high);
/* randint(low, high) with numpy's default int64: masked rejection
** sampling on 32-bit outputs when the range fits them, 64-bit (two
** outputs) otherwise; no draw when high - low == 1.  low < high. */
int64_t ar_mt_randint(struct ar_mt *mt, int64_t low, int64_t high);
/* A uniform integer in [0, max] as the legacy shuffle draws it. */
uint64_t ar_mt_interval(struct ar_mt *mt, uint64_t max);
/* shuffle(a) of n items, legacy Fisher-Yates (from the end). */
void ar_mt_shuffle(struct ar_mt *mt, size_t *a, size_t n);
/* permutation(n) into out[0..n-1]. */
void ar_mt_permutation(struct ar_mt *mt, size_t *out, size_t n);

#endif /* AR_NPRANDOM_H */

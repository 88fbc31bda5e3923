/*
** prng.h - the plugins' pseudo-random numbers: xorshift64* (Vigna) for
** offsets and choices inside timed loops, one multiply per number,
** statistically ample for picking blocks and keys (the state must not
** be 0); and splitmix64 (Steele, Lea, Flood 2014) for seeds, shuffles,
** hashes and check patterns, where every input, 0 included, is fine.
*/
#ifndef DYNO_PLUGINS_PRNG_H
#define DYNO_PLUGINS_PRNG_H

#include <stdint.h>

static inline uint64_t
prng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* splitmix64's increment: 2^64 / the golden ratio, odd. */
#define SPLITMIX64_GAMMA 0x9e3779b97f4a7c15ull

/* The splitmix64 finaliser (the constants of Stafford's "Mix13"): a
** bijection of 64-bit words with full avalanche. */
static inline uint64_t
splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* splitmix64's generator: the state advances by the gamma, the output is
** the state mixed. */
static inline uint64_t
splitmix64_next(uint64_t *s)
{
	*s += SPLITMIX64_GAMMA;
	return splitmix64_mix(*s);
}

/* A well-mixed hash of x: the first number a generator seeded with x
** gives. */
static inline uint64_t
splitmix64_hash(uint64_t x)
{
	return splitmix64_mix(x + SPLITMIX64_GAMMA);
}

#endif /* DYNO_PLUGINS_PRNG_H */

/*
** prng.h - the plugins' fast PRNG for offsets and choices inside timed
** loops: xorshift64* (Vigna), one multiply per number, statistically
** ample for picking blocks and keys.  The state must not be 0.
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

#endif /* DYNO_PLUGINS_PRNG_H */

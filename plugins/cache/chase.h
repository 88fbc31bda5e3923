/*
** chase.h - pointer chasing: the chain over a working set and the loop
** that follows it, shared by cache.latency and cache.detect.  Private to
** plugins/cache.
*/
#ifndef CACHE_CHASE_H
#define CACHE_CHASE_H

#include <stddef.h>
#include <stdint.h>

#include "hugemem.h"

/* A chain of n elements of `stride` bytes; the first word of each holds
** the address of the next, and following it from any element visits every
** element once before coming back. */
struct chase {
	struct hugemem mem;
	size_t n;
	size_t stride;
	void *start;
	char pages[160];    /* what hugemem obtained, in words */
};

/* Orders n indices as one cycle: random (Sattolo's algorithm, so the
** permutation is a single cycle and every element is visited; a random
** order defeats the hardware prefetchers) or sequential (i -> i+1).
** next[i] is the successor of i.  seed picks the random order. */
void chase_order(uint32_t *next, size_t n, int random, uint64_t seed);

/* Builds the chain over `size` bytes with elements of `stride` bytes
** (a multiple of 8, at least 8).  0 or -errno; c->pages says which pages
** back it. */
int chase_build(struct chase *c, size_t size, size_t stride, int random,
		int huge, uint64_t seed);

void chase_free(struct chase *c);

/* Follows the chain for 8 * rounds dependent loads from p and returns
** where it stopped (start the next call there).  Nothing else is in the
** loop: see chase.c. */
void *chase_follow(void *p, uint64_t rounds);

/* Seconds per load over the chain, measured from `rounds8` rounds of 8
** loads between two clock reads; *p is the position, carried over. */
double chase_time(void **p, uint64_t rounds8, uint64_t (*now_ns)(void));

#endif /* CACHE_CHASE_H */

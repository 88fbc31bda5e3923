/*
** mrc.h - miss-ratio curves of key traces: exact LRU stack distances and
** SHARDS spatial sampling, plus the traces themselves (read from a file or
** generated from a Zipf distribution).  Pure computation, no I/O besides
** reading a trace file.  Private to plugins/cache.
**
** Stack position p of a reference: 1 + the number of distinct other keys
** referenced since the previous reference to the same key.  An LRU cache
** holding C items hits a reference iff p <= C.  First references are
** cold misses at any size.
*/
#ifndef CACHE_MRC_H
#define CACHE_MRC_H

#include <stddef.h>
#include <stdint.h>

/* A trace: keys as 64-bit hashes (a file's keys hashed, generated keys
** numbered 0..keys-1 and hashed the same way). */
struct mrc_trace {
	uint64_t *keys;
	size_t n;
	uint64_t distinct;  /* distinct keys in the trace */
};

/* Reads one key per line ('\n' or "\r\n" ended; empty lines skipped; a
** key is the line's bytes).  0, or -1 with err[] naming the file and the
** problem ("trace.txt: no keys", "trace.txt: line 12: key longer than
** 4096 bytes", "trace.txt: No such file or directory"). */
int mrc_trace_load(const char *path, struct mrc_trace *t, char *err,
		   size_t errn);

/* `requests` references to `keys` keys with Zipf(alpha) popularity
** (alpha >= 0; 0 is uniform), from a seeded generator: the same
** arguments give the same trace.  Key rank r (0 = most popular) is
** mapped to a hashed id, so popular keys are not numerically adjacent.
** 0, or -1 when out of memory or an argument is out of range. */
int mrc_trace_zipf(struct mrc_trace *t, uint64_t keys, uint64_t requests,
		   double alpha, uint64_t seed);

void mrc_trace_free(struct mrc_trace *t);

/* A curve: hist[p] = references at stack position p (1 <= p < len;
** hist[0] unused), cold = first references, total = all references
** counted.  With sampling the counts are of sampled references and the
** positions already scaled by 1/rate. */
struct mrc {
	uint64_t *hist;
	size_t len;
	uint64_t cold;
	uint64_t total;
	double rate;        /* 1 = exact */
	uint64_t sampled;   /* references that passed the sampling filter */
};

/* Computes the curve of t.  rate = 1: exact, every reference, in
** O(N log M) time (N references, M distinct keys) and O(M) memory.
** 0 < rate < 1: SHARDS fixed-rate sampling: a reference is kept iff
** hash(key, salt) mod 2^24 < rate * 2^24, and its stack position is
** scaled by 1/rate.  0, or -1 when out of memory or rate is out of range. */
int mrc_compute(const struct mrc_trace *t, double rate, uint64_t salt,
		struct mrc *m);

/* Hit rate of an LRU cache of `items` items, in [0, 1]. */
double mrc_hit_rate(const struct mrc *m, uint64_t items);

/* Smallest number of items whose hit rate is >= target, or 0 when no
** size reaches it (cold misses bound the hit rate). */
uint64_t mrc_items_for_hit(const struct mrc *m, double target);

/* Largest |a(c) - b(c)| over cache sizes c = 1..max_items (hit rates). */
double mrc_max_diff(const struct mrc *a, const struct mrc *b,
		    uint64_t max_items);

void mrc_free(struct mrc *m);

#endif /* CACHE_MRC_H */

/*
** mrc.c - LRU miss-ratio curves: exact stack distances over a key trace
** (a hash map from key to the time of its last reference, and a Fenwick
** tree counting the keys whose last reference lies after a given time),
** SHARDS fixed-rate spatial sampling, and the traces themselves (a file
** of keys, or a seeded Zipf generator).  Depends on libc and libm only,
** so tests/test_mrc links it alone.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "mrc.h"
#include "prng.h"

#define MRC_KEY_MAX 4096          /* bytes in one trace line's key */
#define MRC_SHARDS_BITS 24        /* SHARDS: hash mod 2^24 vs rate*2^24 */
#define MRC_SHARDS_MOD (1u << MRC_SHARDS_BITS)
#define MRC_FEN_MIN 1024          /* smallest Fenwick capacity */
#define MRC_LIVE_MAX (1u << 30)   /* distinct keys: positions fit uint32 */
#define MRC_DEAD UINT32_MAX       /* at[]: no key's latest reference */

/* -- hashing --------------------------------------------------------- */

/* A key's 64-bit id: the state starts as splitmix64_hash(length),
** then each 8-byte little-endian word (the last one zero-padded) is
** xored in and the state mixed again.  Each step is a bijection of the
** state, so two keys of the same length collide only if their words
** cancel exactly; for keys that are not chosen against this function
** that is a 2^-64 event per pair. */
static uint64_t
mrc_hash_bytes(const unsigned char *p, size_t len)
{
	uint64_t h = splitmix64_hash((uint64_t)len);

	while (len > 0) {
		size_t k = len < 8 ? len : 8;
		uint64_t w = 0;

		for (size_t i = 0; i < k; i++)
			w |= (uint64_t)p[i] << (8 * i);
		h = splitmix64_mix(h ^ w);
		p += k;
		len -= k;
	}
	return h;
}

/* The id of generated key number r: the hash of its decimal text, as a
** trace file line "r" would give, so a generated trace written out as
** rank numbers reads back as the same keys. */
static uint64_t
mrc_hash_number(uint64_t r)
{
	unsigned char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (unsigned char)('0' + r % 10);
		r /= 10;
	} while (r != 0);
	return mrc_hash_bytes(buf + i, sizeof(buf) - i);
}

/* -- key map --------------------------------------------------------- */

/* Open addressing with linear probing, at most half full.  pos 0 marks an
** empty slot; a key, once in, is never removed. */
struct mrc_slot {
	uint64_t key;
	uint32_t pos;
};

struct mrc_map {
	struct mrc_slot *s;
	size_t mask;      /* capacity - 1, capacity a power of two */
	unsigned shift;   /* 64 - log2(capacity) */
	size_t n;
};

static size_t
mrc_map_home(const struct mrc_map *m, uint64_t key)
{
	/* Fibonacci hashing: the high bits of key*2^64/phi, so a key set
	** that is not well mixed (a test's small integers) still spreads. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift);
}

static int
mrc_map_init(struct mrc_map *m, size_t want)
{
	size_t cap = 16;
	unsigned lg = 4;

	while (cap < 2 * want && cap < ((size_t)1 << 40)) {
		cap <<= 1;
		lg++;
	}
	m->s = calloc(cap, sizeof(*m->s));
	if (m->s == NULL)
		return -1;
	m->mask = cap - 1;
	m->shift = 64 - lg;
	m->n = 0;
	return 0;
}

/* Doubles the capacity; slot indices change. */
static int
mrc_map_grow(struct mrc_map *m)
{
	struct mrc_map g;
	size_t i, j;

	if (mrc_map_init(&g, m->mask + 1) != 0)
		return -1;
	for (i = 0; i <= m->mask; i++) {
		if (m->s[i].pos == 0)
			continue;
		j = mrc_map_home(&g, m->s[i].key);
		while (g.s[j].pos != 0)
			j = (j + 1) & g.mask;
		g.s[j] = m->s[i];
	}
	g.n = m->n;
	free(m->s);
	*m = g;
	return 0;
}

/* The slot of key, or of the empty slot where it belongs. */
static size_t
mrc_map_find(const struct mrc_map *m, uint64_t key)
{
	size_t i = mrc_map_home(m, key);

	while (m->s[i].pos != 0 && m->s[i].key != key)
		i = (i + 1) & m->mask;
	return i;
}

/* -- traces ---------------------------------------------------------- */

/* Appends to a growing key array; -1 when out of memory. */
static int
mrc_push(struct mrc_trace *t, size_t *cap, uint64_t key)
{
	if (t->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 4096;
		uint64_t *k;

		if (nc > SIZE_MAX / sizeof(*k))
			return -1;
		k = realloc(t->keys, nc * sizeof(*k));
		if (k == NULL)
			return -1;
		t->keys = k;
		*cap = nc;
	}
	t->keys[t->n++] = key;
	return 0;
}

/* Counts t's distinct keys into t->distinct. */
static int
mrc_count_distinct(struct mrc_trace *t)
{
	struct mrc_map m;

	if (mrc_map_init(&m, 1024) != 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t s = mrc_map_find(&m, t->keys[i]);

		if (m.s[s].pos != 0)
			continue;
		if (2 * (m.n + 1) > m.mask + 1) {
			if (mrc_map_grow(&m) != 0) {
				free(m.s);
				return -1;
			}
			s = mrc_map_find(&m, t->keys[i]);
		}
		m.s[s].key = t->keys[i];
		m.s[s].pos = 1;
		m.n++;
	}
	t->distinct = m.n;
	free(m.s);
	return 0;
}

/* The lines are scanned out of 64 KiB blocks; a key is kept in line[]
** until its newline, so its length is bounded by MRC_KEY_MAX (+1 for a
** '\r' that may turn out to precede the '\n'). */
int
mrc_trace_load(const char *path, struct mrc_trace *t, char *err,
	       size_t errn)
{
	static const size_t blk = 65536;
	unsigned char *buf = NULL, line[MRC_KEY_MAX + 1];
	size_t cap = 0, len = 0, got, lineno = 1;
	FILE *f;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "rbe");
	if (f == NULL) {
		snprintf(err, errn, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(blk);
	if (buf == NULL)
		goto oom;
	for (;;) {
		got = fread(buf, 1, blk, f);
		if (got == 0) {
			if (ferror(f)) {
				snprintf(err, errn, "%s: %s", path,
					 strerror(errno));
				goto out;
			}
			break;
		}
		for (size_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (len == sizeof(line))
					goto too_long;
				line[len++] = buf[i];
				continue;
			}
			if (len > 0 && line[len - 1] == '\r')
				len--;
			if (len > MRC_KEY_MAX)
				goto too_long;
			if (len > 0 &&
			    mrc_push(t, &cap, mrc_hash_bytes(line, len)) != 0)
				goto oom;
			len = 0;
			lineno++;
		}
	}
	/* A last line without its newline (a '\r' there ends it too). */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > MRC_KEY_MAX)
		goto too_long;
	if (len > 0 && mrc_push(t, &cap, mrc_hash_bytes(line, len)) != 0)
		goto oom;
	if (t->n == 0) {
		snprintf(err, errn, "%s: no keys", path);
		goto out;
	}
	if (mrc_count_distinct(t) != 0)
		goto oom;
	rc = 0;
	goto out;
too_long:
	snprintf(err, errn, "%s: line %zu: key longer than %d bytes", path,
		 lineno, MRC_KEY_MAX);
	goto out;
oom:
	snprintf(err, errn, "%s: out of memory", path);
out:
	free(buf);
	fclose(f);
	if (rc != 0)
		mrc_trace_free(t);
	return rc;
}

/* 53 random bits: uniform on [0, 1). */
static double
mrc_unit(uint64_t *s)
{
	return (double)(splitmix64_next(s) >> 11) * 0x1p-53;
}

/* Vose's alias method over k ranks of weight 1/(r+1)^alpha: rank i is
** drawn with probability (prob[i] + the sum of (1 - prob[j]) over the j
** with alias[j] = i) / k.  O(k) to build; a draw is then one uniform
** index and one biased coin, O(1) whatever k.  Double arithmetic in a
** fixed order: the same trace for the same seed; only pow() could differ
** between C libraries, by an ulp. */
static int
mrc_alias_build(double *prob, uint32_t *alias, size_t k, double alpha)
{
	uint32_t *work = malloc(k * sizeof(*work));
	double sum = 0, scale;
	size_t i, ns = 0, nl = k;

	if (work == NULL)
		return -1;
	for (i = 0; i < k; i++) {
		prob[i] = alpha == 0 ? 1.0 : pow((double)(i + 1), -alpha);
		sum += prob[i];
	}
	scale = (double)k / sum; /* mean weight 1 */
	/* work[0..ns) holds ranks below 1 ("small"), work[nl..k) the rest */
	for (i = 0; i < k; i++) {
		prob[i] *= scale;
		alias[i] = (uint32_t)i;
		if (prob[i] < 1)
			work[ns++] = (uint32_t)i;
		else
			work[--nl] = (uint32_t)i;
	}
	while (ns > 0 && nl < k) {
		uint32_t l = work[--ns], g = work[nl++];

		alias[l] = g; /* l's column: prob[l] of l, the rest g */
		prob[g] = (prob[g] + prob[l]) - 1.0;
		if (prob[g] < 1)
			work[ns++] = g;
		else
			work[--nl] = g;
	}
	/* What is left is 1 up to rounding. */
	while (nl < k)
		prob[work[nl++]] = 1.0;
	while (ns > 0)
		prob[work[--ns]] = 1.0;
	free(work);
	return 0;
}

/* Rank r (0-based) has weight 1/(r+1)^alpha, drawn by the alias method;
** its key is the hash of r's decimal text. */
int
mrc_trace_zipf(struct mrc_trace *t, uint64_t keys, uint64_t requests,
	       double alpha, uint64_t seed)
{
	double *prob = NULL;
	uint32_t *alias = NULL;
	uint64_t *id = NULL, s = seed;
	unsigned char *seen = NULL;
	size_t k, i;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!(alpha >= 0) || !isfinite(alpha) || keys == 0 ||
	    keys > MRC_LIVE_MAX || requests > SIZE_MAX / sizeof(uint64_t))
		return -1;
	k = (size_t)keys;
	if (requests == 0)
		return 0;
	prob = malloc(k * sizeof(*prob));
	alias = malloc(k * sizeof(*alias));
	id = malloc(k * sizeof(*id));
	seen = calloc(k / 8 + 1, 1);
	t->keys = malloc((size_t)requests * sizeof(*t->keys));
	if (prob == NULL || alias == NULL || id == NULL || seen == NULL ||
	    t->keys == NULL || mrc_alias_build(prob, alias, k, alpha) != 0)
		goto out;
	for (i = 0; i < k; i++)
		id[i] = mrc_hash_number(i);
	for (t->n = 0; t->n < requests; t->n++) {
		size_t r = (size_t)(mrc_unit(&s) * (double)k);

		if (r >= k) /* u * k can round up to k */
			r = k - 1;
		if (mrc_unit(&s) >= prob[r])
			r = alias[r];
		t->keys[t->n] = id[r];
		if (!(seen[r / 8] & (1u << (r % 8)))) {
			seen[r / 8] |= (unsigned char)(1u << (r % 8));
			t->distinct++;
		}
	}
	rc = 0;
out:
	free(prob);
	free(alias);
	free(id);
	free(seen);
	if (rc != 0)
		mrc_trace_free(t);
	return rc;
}

void
mrc_trace_free(struct mrc_trace *t)
{
	if (t == NULL)
		return;
	free(t->keys);
	memset(t, 0, sizeof(*t));
}

/* -- stack distances ------------------------------------------------- */

/*
** Time runs 1, 2, ... over the (sampled) references; each key's latest
** reference holds one mark in a Fenwick tree at its time.  The stack
** position of a reference to a key last seen at time p is 1 + the marks
** after p.  When time reaches the tree's capacity the live marks are
** renumbered 1..live in order (compaction), and the capacity is kept at
** least twice the live keys, so a compaction, O(capacity), comes at most
** once per capacity/2 references: O(1) amortised, O(log M) per reference
** in all, and O(M) memory.
*/
struct mrc_stack {
	struct mrc_map map;
	uint32_t *fen;    /* Fenwick tree, 1..cap */
	uint32_t *at;     /* time -> map slot of the key, or MRC_DEAD */
	size_t cap;
	size_t now;       /* last time used */
	uint64_t *hist;   /* by (unscaled) stack position, 1..hlen-1 */
	size_t hlen;
};

static void
mrc_stack_free(struct mrc_stack *st)
{
	free(st->map.s);
	free(st->fen);
	free(st->at);
	free(st->hist);
}

static uint32_t
mrc_fen_prefix(const uint32_t *fen, size_t i)
{
	uint32_t s = 0;

	for (; i > 0; i &= i - 1)
		s += fen[i];
	return s;
}

static void
mrc_fen_add(uint32_t *fen, size_t cap, size_t i, uint32_t d)
{
	for (; i <= cap; i += i & (~i + 1))
		fen[i] += d; /* d = UINT32_MAX subtracts one, mod 2^32 */
}

/* Renumbers the live marks 1..j, growing the tree to at least twice the
** live keys (the current key counted, though not yet marked). */
static int
mrc_compact(struct mrc_stack *st)
{
	size_t j = 0, want, i;

	for (i = 1; i <= st->now; i++) {
		uint32_t s = st->at[i];

		if (s == MRC_DEAD)
			continue;
		st->at[++j] = s;
		st->map.s[s].pos = (uint32_t)j;
	}
	want = 2 * st->map.n;
	if (want < MRC_FEN_MIN)
		want = MRC_FEN_MIN;
	if (want > st->cap) {
		uint32_t *f = realloc(st->fen, (want + 1) * sizeof(*f));

		if (f == NULL)
			return -1;
		st->fen = f;
		f = realloc(st->at, (want + 1) * sizeof(*f));
		if (f == NULL)
			return -1;
		st->at = f;
		st->cap = want;
	}
	/* fen[i] counts the marks in (i - lowbit(i), i], all of 1..j. */
	for (i = 1; i <= st->cap; i++) {
		size_t lo = i - (i & (~i + 1)), hi = i < j ? i : j;

		st->fen[i] = hi > lo ? (uint32_t)(hi - lo) : 0;
	}
	st->now = j;
	return 0;
}

/* Grows the map and points at[] to the moved slots. */
static int
mrc_stack_grow_map(struct mrc_stack *st)
{
	if (mrc_map_grow(&st->map) != 0)
		return -1;
	for (size_t i = 0; i <= st->map.mask; i++)
		if (st->map.s[i].pos != 0)
			st->at[st->map.s[i].pos] = (uint32_t)i;
	return 0;
}

/* One reference: counts its position into hist[] (or cold), marks it. */
static int
mrc_stack_ref(struct mrc_stack *st, uint64_t key, uint64_t *cold)
{
	size_t s = mrc_map_find(&st->map, key);
	uint32_t p = st->map.s[s].pos;

	if (p != 0) {
		size_t d = st->map.n - mrc_fen_prefix(st->fen, p);

		st->hist[d + 1]++;
		mrc_fen_add(st->fen, st->cap, p, UINT32_MAX);
		st->at[p] = MRC_DEAD;
	} else {
		if (st->map.n + 1 > MRC_LIVE_MAX)
			return -1;
		if (2 * (st->map.n + 1) > st->map.mask + 1) {
			if (mrc_stack_grow_map(st) != 0)
				return -1;
			s = mrc_map_find(&st->map, key);
		}
		st->map.s[s].key = key;
		st->map.n++;
		if (st->map.n + 1 > st->hlen) {
			size_t nl = 2 * st->hlen;
			uint64_t *h = grow_zeroed(st->hist, st->hlen, nl,
						  sizeof(*h));

			if (h == NULL)
				return -1;
			st->hist = h;
			st->hlen = nl;
		}
		(*cold)++;
	}
	if (st->now == st->cap && mrc_compact(st) != 0)
		return -1;
	st->now++;
	mrc_fen_add(st->fen, st->cap, st->now, 1);
	st->at[st->now] = (uint32_t)s;
	st->map.s[s].pos = (uint32_t)st->now;
	return 0;
}

/* SHARDS scales a sampled reuse distance (the distinct other keys since
** the last reference, p - 1) by 1/rate; as a position, 1 + (p-1)/rate.
** That is the unbiased estimate: each of the d other keys is sampled
** with probability rate, so p - 1 has mean d*rate. */
static size_t
mrc_scale(size_t p, double inv)
{
	return 1 + (size_t)llround((double)(p - 1) * inv);
}

/* SHARDS_adj (Waldspurger et al., FAST'15, section 4.2): the sampled
** reference count deviates from rate*N mostly because a few hot keys
** happened to be sampled or not, and hot keys' references sit at small
** stack positions; so the difference is added to (or taken from) the
** smallest positions.  Measured on Zipf 0.9, 100k keys, 2M requests,
** rate 0.01, 20 salts: mean absolute error over the curve 0.051 without,
** 0.0088 with it; items for 90% hits off by up to 53% without, 14% with
** it (tests/test_mrc.c).  A deficit is added to position 1; an excess
** is taken from the smallest positions, as far as they hold any. */
static void
mrc_shards_adj(struct mrc *m, uint64_t expect)
{
	uint64_t take, sum = 0;

	if (expect > m->sampled) {
		m->hist[1] += expect - m->sampled;
	} else {
		take = m->sampled - expect;
		for (size_t p = 1; p < m->len && take > 0; p++) {
			uint64_t d = m->hist[p] < take ? m->hist[p] : take;

			m->hist[p] -= d;
			take -= d;
		}
	}
	for (size_t p = 1; p < m->len; p++)
		sum += m->hist[p];
	m->total = sum + m->cold;
}

int
mrc_compute(const struct mrc_trace *t, double rate, uint64_t salt,
	    struct mrc *m)
{
	struct mrc_stack st;
	uint64_t thr, cold = 0, sampled = 0;
	size_t want, i;
	int exact;

	memset(m, 0, sizeof(*m));
	memset(&st, 0, sizeof(st));
	if (!(rate > 0 && rate <= 1))
		return -1;
	/* The threshold is rate*2^24 rounded, at least 1; the scaling uses
	** the rate it stands for, thr/2^24. */
	thr = (uint64_t)llround(rate * MRC_SHARDS_MOD);
	if (thr == 0)
		thr = 1;
	exact = thr >= MRC_SHARDS_MOD;
	want = (size_t)(exact ? t->distinct
			      : (double)t->distinct * rate * 1.25 + 64);
	if (want > MRC_LIVE_MAX)
		want = MRC_LIVE_MAX;
	st.cap = 2 * want < MRC_FEN_MIN ? MRC_FEN_MIN : 2 * want;
	st.hlen = want + 2;
	if (mrc_map_init(&st.map, want) != 0)
		goto oom;
	st.fen = calloc(st.cap + 1, sizeof(*st.fen));
	st.at = malloc((st.cap + 1) * sizeof(*st.at));
	st.hist = calloc(st.hlen, sizeof(*st.hist));
	if (st.fen == NULL || st.at == NULL || st.hist == NULL)
		goto oom;

	for (i = 0; i < t->n; i++) {
		uint64_t k = t->keys[i];

		if (!exact &&
		    (splitmix64_mix(k ^ salt) & (MRC_SHARDS_MOD - 1)) >= thr)
			continue;
		sampled++;
		if (mrc_stack_ref(&st, k, &cold) != 0)
			goto oom;
	}

	m->rate = exact ? 1.0 : (double)thr / MRC_SHARDS_MOD;
	m->cold = cold;
	m->sampled = sampled;
	m->total = sampled;
	if (exact) {
		m->hist = st.hist;
		m->len = st.map.n + 1; /* positions are at most the keys */
		st.hist = NULL;
	} else {
		double inv = 1.0 / m->rate;
		size_t top = st.map.n;

		m->len = mrc_scale(top > 0 ? top : 1, inv) + 1;
		m->hist = calloc(m->len, sizeof(*m->hist));
		if (m->hist == NULL)
			goto oom;
		for (size_t p = 1; p <= top; p++)
			m->hist[mrc_scale(p, inv)] += st.hist[p];
		if (sampled > 0) /* else there is nothing to adjust */
			mrc_shards_adj(m, (uint64_t)llround((double)t->n *
							     m->rate));
	}
	mrc_stack_free(&st);
	return 0;
oom:
	mrc_stack_free(&st);
	mrc_free(m);
	return -1;
}

/* -- reading a curve ------------------------------------------------- */

/* References that hit in a cache of `items` items. */
static uint64_t
mrc_hits(const struct mrc *m, uint64_t items)
{
	uint64_t h = 0;

	for (size_t p = 1; p < m->len && p <= items; p++)
		h += m->hist[p];
	return h;
}

double
mrc_hit_rate(const struct mrc *m, uint64_t items)
{
	if (m->total == 0)
		return 0;
	return (double)mrc_hits(m, items) / (double)m->total;
}

/* The same division as mrc_hit_rate, so that
** mrc_hit_rate(m, mrc_items_for_hit(m, x)) >= x holds exactly. */
uint64_t
mrc_items_for_hit(const struct mrc *m, double target)
{
	uint64_t h = 0;

	if (target <= 0)
		return 1;
	if (m->total == 0)
		return 0;
	for (size_t p = 1; p < m->len; p++) {
		h += m->hist[p];
		if ((double)h / (double)m->total >= target)
			return p;
	}
	return 0;
}

double
mrc_max_diff(const struct mrc *a, const struct mrc *b, uint64_t max_items)
{
	uint64_t ha = 0, hb = 0;
	double d = 0;

	for (uint64_t c = 1; c <= max_items; c++) {
		double x, y;

		if (c < a->len)
			ha += a->hist[c];
		if (c < b->len)
			hb += b->hist[c];
		x = a->total ? (double)ha / (double)a->total : 0;
		y = b->total ? (double)hb / (double)b->total : 0;
		if (fabs(x - y) > d)
			d = fabs(x - y);
		if (c >= a->len && c >= b->len)
			break; /* both curves are flat from here */
	}
	return d;
}

void
mrc_free(struct mrc *m)
{
	if (m == NULL)
		return;
	free(m->hist);
	memset(m, 0, sizeof(*m));
}

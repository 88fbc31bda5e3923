/*
** measures.c - peak-to-peak, median, RMSE and the CV loss.
*/
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "measures.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AR_X86 1

/* Min and max are exact in any order, so four lanes give the scalar
** loop's result; GCC does not vectorise a < b ? a : b reductions. */
__attribute__((target("avx")))
static double
ptp_avx(const double *x, size_t n)
{
	__m256d lo = _mm256_set1_pd(x[0]), hi = lo;
	size_t i = 0;
	double l[4], h[4], rl, rh;

	for (; i + 4 <= n; i += 4) {
		__m256d v = _mm256_loadu_pd(x + i);

		lo = _mm256_min_pd(lo, v);
		hi = _mm256_max_pd(hi, v);
	}
	_mm256_storeu_pd(l, lo);
	_mm256_storeu_pd(h, hi);
	rl = l[0];
	rh = h[0];
	for (int k = 1; k < 4; k++) {
		rl = l[k] < rl ? l[k] : rl;
		rh = h[k] > rh ? h[k] : rh;
	}
	for (; i < n; i++) {
		rl = x[i] < rl ? x[i] : rl;
		rh = x[i] > rh ? x[i] : rh;
	}
	return rh - rl;
}
#endif

double
ar_ptp_portable(const double *x, size_t n)
{
	double lo = x[0], hi = x[0];

	for (size_t i = 1; i < n; i++) {
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	return hi - lo;
}

double
ar_ptp(const double *x, size_t n)
{
#ifdef AR_X86
	if (__builtin_cpu_supports("avx"))
		return ptp_avx(x, n);
#endif
	return ar_ptp_portable(x, n);
}

/* k-th smallest (0-based); reorders x so that x[0..k) <= x[k] <=
** x(k..n).  Quickselect with a median-of-three pivot and a branchless
** Lomuto partition: on the short, random columns medians are taken of
** here, mispredicted branches cost more than the extra moves. */
static double
select_k(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, store = lo;
		double a = x[lo], b = x[mid], c = x[hi], p, t;
		size_t pi = (a < b) ? (b < c ? mid : (a < c ? hi : lo)) :
				      (a < c ? lo : (b < c ? hi : mid));

		p = x[pi];
		x[pi] = x[hi];
		x[hi] = p;
		for (size_t i = lo; i < hi; i++) {
			double v = x[i];
			size_t lt = v < p;

			x[i] = x[store];
			x[store] = v;
			store += lt;
		}
		t = x[store];
		x[store] = x[hi];
		x[hi] = t;
		if (store == k)
			return x[k];
		if (k < store)
			hi = store - 1;
		else
			lo = store + 1;
	}
	return x[k];
}

double
ar_median(double *x, size_t n)
{
	double a = select_k(x, n, n / 2);

	if (n % 2 == 1)
		return a;
	/* The lower middle is the largest of the part select_k left
	** below n / 2. */
	double b = x[0];

	for (size_t i = 1; i < n / 2; i++)
		b = x[i] > b ? x[i] : b;
	return (a + b) / 2;
}

/* Up to this many rows a median is taken by a comparator network run
** across columns (vectorised), beyond it by quickselect per column: the
** network's O(m log^2 m) comparisons outgrow its lack of branches. */
#define NET_MAX 128
/* Columns per block: the block's m rows stay in L1 while the network
** runs over them. */
#define NET_COLS 64

struct net {
	size_t n;
	unsigned char pair[2400][2];   /* Batcher's network for 128: 1471 */
};

/* Batcher's odd-even merge sort for m values, pruned to the comparators
** that reach the middle position(s).  It is generated for the next power
** of two; a comparator that touches an index >= m is dropped, which is
** exact: padding with +inf, every comparator keeps the min at its lower
** index, so the padded positions hold +inf throughout and never move. */
static void
net_build(struct net *nw, size_t m)
{
	size_t p2 = 1, n = 0, keep = 0;
	unsigned char need[NET_MAX] = { 0 };

	while (p2 < m)
		p2 <<= 1;
	for (size_t p = 1; p < p2; p <<= 1)
		for (size_t k = p; k >= 1; k >>= 1)
			for (size_t j = k % p; j + k < p2; j += 2 * k)
				for (size_t i = 0; i < k && i + j + k < p2; i++) {
					size_t a = i + j, b = i + j + k;

					if (a / (2 * p) != b / (2 * p) || b >= m)
						continue;
					nw->pair[n][0] = (unsigned char)a;
					nw->pair[n][1] = (unsigned char)b;
					n++;
				}
	/* Walking back from the outputs, a comparator matters when either
	** of its positions is needed later; then both are needed before. */
	need[m / 2] = 1;
	if (m % 2 == 0)
		need[m / 2 - 1] = 1;
	for (size_t c = n; c-- > 0;) {
		unsigned char a = nw->pair[c][0], b = nw->pair[c][1];

		if (need[a] || need[b])
			need[a] = need[b] = 1;
		else
			nw->pair[c][0] = nw->pair[c][1] = 0;  /* dropped */
	}
	for (size_t c = 0; c < n; c++)
		if (nw->pair[c][0] != nw->pair[c][1]) {
			nw->pair[keep][0] = nw->pair[c][0];
			nw->pair[keep][1] = nw->pair[c][1];
			keep++;
		}
	nw->n = keep;
}

/* The network over one block of NET_COLS columns (row i at s + i *
** NET_COLS).  Portable form first: written so (both selections on one
** comparison, stored after) GCC vectorises it at -O2 with compare and
** blend; x[t] = a < b ? a : b it leaves scalar. */
static void
net_run_c(const struct net *nw, double *s)
{
	for (size_t c = 0; c < nw->n; c++) {
		double *restrict x = s + nw->pair[c][0] * NET_COLS;
		double *restrict y = s + nw->pair[c][1] * NET_COLS;

		for (size_t t = 0; t < NET_COLS; t++) {
			double a = x[t], b = y[t];
			double lo = b < a ? b : a, hi = b < a ? a : b;

			x[t] = lo;
			y[t] = hi;
		}
	}
}

#ifdef AR_X86

/* With AVX a comparator is vminpd/vmaxpd on four columns: a third of
** the portable form's instructions (the data are finite here, where
** min/max and the comparison agree). */
__attribute__((target("avx")))
static void
net_run_avx(const struct net *nw, double *s)
{
	for (size_t c = 0; c < nw->n; c++) {
		double *x = s + nw->pair[c][0] * NET_COLS;
		double *y = s + nw->pair[c][1] * NET_COLS;

		for (size_t t = 0; t < NET_COLS; t += 4) {
			__m256d a = _mm256_loadu_pd(x + t), b = _mm256_loadu_pd(y + t);

			_mm256_storeu_pd(x + t, _mm256_min_pd(a, b));
			_mm256_storeu_pd(y + t, _mm256_max_pd(a, b));
		}
	}
}
#endif

static void
net_run(const struct net *nw, double *s, int simd)
{
#ifdef AR_X86
	if (simd && __builtin_cpu_supports("avx")) {
		net_run_avx(nw, s);
		return;
	}
#else
	(void)simd;
#endif
	net_run_c(nw, s);
}

static int
col_medians(const double *const *rows, size_t m, size_t len, double *out,
	    int simd)
{
	double *s;

	if (m > NET_MAX) {
		if ((s = malloc(m * sizeof(*s))) == NULL)
			return -1;
		for (size_t t = 0; t < len; t++) {
			for (size_t i = 0; i < m; i++)
				s[i] = rows[i][t];
			out[t] = ar_median(s, m);
		}
		free(s);
		return 0;
	}
	struct net *nw = malloc(sizeof(*nw));

	s = malloc(m * NET_COLS * sizeof(*s));
	if (nw == NULL || s == NULL) {
		free(nw);
		free(s);
		return -1;
	}
	net_build(nw, m);
	for (size_t t0 = 0; t0 < len; t0 += NET_COLS) {
		size_t w = len - t0 < NET_COLS ? len - t0 : NET_COLS;

		for (size_t i = 0; i < m; i++) {
			const double *r = rows[i] + t0;
			double *d = s + i * NET_COLS;
			size_t t;

			for (t = 0; t < w; t++)
				d[t] = r[t];
			for (; t < NET_COLS; t++)
				d[t] = 0;
		}
		net_run(nw, s, simd);
		for (size_t t = 0; t < w; t++) {
			double a = s[(m / 2) * NET_COLS + t];

			/* As ar_median: upper middle plus lower middle. */
			out[t0 + t] = m % 2 ? a :
			    (a + s[(m / 2 - 1) * NET_COLS + t]) / 2;
		}
	}
	free(s);
	free(nw);
	return 0;
}

int
ar_col_medians(const double *const *rows, size_t m, size_t len, double *out)
{
	return col_medians(rows, m, len, out, 1);
}

int
ar_col_medians_portable(const double *const *rows, size_t m, size_t len,
			double *out)
{
	return col_medians(rows, m, len, out, 0);
}

double
ar_rmse(const double *a, const double *b, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++) {
		double d = a[i] - b[i];

		s += d * d;
	}
	return sqrt(s / (double)n);
}

double
ar_loss(const double *const *train, size_t n_train,
	const unsigned char *keep, const double *const *val, size_t n_val,
	size_t len, double *work)
{
	double *m = work, *v = work + len, *col = work + 2 * len;
	size_t kept = 0;

	for (size_t t = 0; t < len; t++)
		m[t] = 0;
	for (size_t i = 0; i < n_train; i++) {
		if (!keep[i])
			continue;
		kept++;
		for (size_t t = 0; t < len; t++)
			m[t] += train[i][t];
	}
	if (kept == 0)
		return INFINITY;
	for (size_t t = 0; t < len; t++) {
		m[t] /= (double)kept;
		for (size_t i = 0; i < n_val; i++)
			col[i] = val[i][t];
		v[t] = ar_median(col, n_val);
	}
	return ar_rmse(m, v, len);
}

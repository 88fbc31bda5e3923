/*
** measures.c - peak-to-peak, median, RMSE and the CV loss.
*/
#include <math.h>
#include <stddef.h>

#include "measures.h"

double
ar_ptp(const double *x, size_t n)
{
	double lo = x[0], hi = x[0];

	for (size_t i = 1; i < n; i++) {
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	return hi - lo;
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

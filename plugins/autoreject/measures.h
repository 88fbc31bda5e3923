/*
** measures.h - the numbers AutoReject decides with: peak-to-peak
** amplitude, element-wise median, RMSE, and the cross-validation loss.
*/
#ifndef AR_MEASURES_H
#define AR_MEASURES_H

#include <stddef.h>

/* max - min of x[0..n-1]; n > 0.  With AVX where the CPU has it; the
** _portable forms (here and below) are the plain C the others must
** equal, for the tests. */
double ar_ptp(const double *x, size_t n);
double ar_ptp_portable(const double *x, size_t n);
/* Median of x[0..n-1] (mean of the two middle values for even n), as
** numpy.median; reorders x.  n > 0. */
double ar_median(double *x, size_t n);
/* out[t] = median over i < m of rows[i][t], for t < len, equal to
** ar_median of each column.  0, or -1 when out of memory. */
int ar_col_medians(const double *const *rows, size_t m, size_t len,
		   double *out);
int ar_col_medians_portable(const double *const *rows, size_t m, size_t len,
			    double *out);
/* sqrt(mean((a - b)^2)) over n elements. */
double ar_rmse(const double *a, const double *b, size_t n);
/* The loss of the spec: m = mean of the training rows whose keep[i] is
** nonzero, v = element-wise median of the validation rows, RMSE(m, v).
** Rows are `len` doubles.  +inf when no training row is kept.  work
** holds 2 * len + n_val doubles.  The fitting code computes the same
** quantity from prefix sums; this direct form is its reference. */
double ar_loss(const double *const *train, size_t n_train,
	       const unsigned char *keep, const double *const *val,
	       size_t n_val, size_t len, double *work);

#endif /* AR_MEASURES_H */

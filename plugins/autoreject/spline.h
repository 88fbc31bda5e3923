/*
** spline.h - spherical-spline interpolation of EEG channels (Perrin et
** al. 1989, as MNE computes it): the interpolation matrix from good to
** bad electrodes.
*/
#ifndef AR_SPLINE_H
#define AR_SPLINE_H

#include <stddef.h>

/* g(x) = 1/(4 pi) sum_{n=1}^{50} (2n+1) / (n(n+1))^4 P_n(x). */
double ar_spline_g(double x);

/* The nb x k matrix W (row-major) with bad = W * good, for electrodes at
** pos (metres, head frame; only their directions about the origin
** matter), good[0..k-1] and bad[0..nb-1] indices into pos.  k may be 0
** (W is then empty and the bad channels read as 0, as MNE's matrix
** does).  Returns AR_OK, AR_ENOMEM or AR_ELAPACK. */
int ar_spline_matrix(const double (*pos)[3], const size_t *good, size_t k,
		     const size_t *bad, size_t nb, double *w);

/* g(cos angle) between every pair of the q electrodes at pos, into the
** q x q row-major gm: the part of a matrix that does not depend on which
** channels are bad, computed once per recording. */
void ar_spline_gmatrix(const double (*pos)[3], size_t q, double *gm);

/* ar_spline_matrix with g taken from gm (from ar_spline_gmatrix over q
** electrodes). */
int ar_spline_matrix_g(const double *gm, size_t q, const size_t *good,
		       size_t k, const size_t *bad, size_t nb, double *w);

/* Keeps OpenBLAS (under LAPACK's SVD) on the calling thread: its own
** threads spin on matrices this small and fight the plugin's threads
** for cores.  Process-wide; call it once before fitting. */
void ar_blas_single_thread(void);

#endif /* AR_SPLINE_H */

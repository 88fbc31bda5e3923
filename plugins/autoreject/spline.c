/*
** spline.c - spherical-spline interpolation matrices.
**
** C = [[G + 1e-5 I, 1], [1^T, 0]] over the good electrodes, C+ its
** Moore-Penrose pseudo-inverse (SVD; singular values below
** max(dim) * eps * s_max dropped, as MNE's pinv), W = [G_bad,good | 1] *
** C+[:, 0:k].  Directions are taken about the head-frame origin without
** fitting a sphere, as autoreject does.
*/
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <lapacke.h>

#include "ar.h"
#include "spline.h"

#ifdef HAVE_OPENBLAS
/* OpenBLAS's own entry point; its header's location varies. */
void openblas_set_num_threads(int n);
#endif

void
ar_blas_single_thread(void)
{
#ifdef HAVE_OPENBLAS
	openblas_set_num_threads(1);
#endif
}

#define SPLINE_TERMS 50
#define SPLINE_ALPHA 1e-5

double
ar_spline_g(double x)
{
	double p0 = 1, p1 = x, s = 0;

	for (int n = 1; n <= SPLINE_TERMS; n++) {
		double nn = (double)n * (n + 1);
		double f = (2.0 * n + 1) / (nn * nn * nn * nn);

		s += f * p1;
		/* P_{n+1} from P_n and P_{n-1}. */
		double p2 = ((2.0 * n + 1) * x * p1 - n * p0) / (n + 1);

		p0 = p1;
		p1 = p2;
	}
	return s / (4 * M_PI);
}

static void
unit(const double p[3], double u[3])
{
	double r = sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);

	for (int i = 0; i < 3; i++)
		u[i] = r > 0 ? p[i] / r : 0;
}

static double
cosang(const double (*pos)[3], size_t a, size_t b)
{
	double ua[3], ub[3], d;

	unit(pos[a], ua);
	unit(pos[b], ub);
	d = ua[0] * ub[0] + ua[1] * ub[1] + ua[2] * ub[2];
	return d > 1 ? 1 : d < -1 ? -1 : d;
}

void
ar_spline_gmatrix(const double (*pos)[3], size_t q, double *gm)
{
	for (size_t i = 0; i < q; i++)
		for (size_t j = 0; j <= i; j++)
			gm[i * q + j] = gm[j * q + i] =
				ar_spline_g(cosang(pos, i, j));
}

int
ar_spline_matrix(const double (*pos)[3], const size_t *good, size_t k,
		 const size_t *bad, size_t nb, double *w)
{
	size_t q = 0;
	double *gm;
	int rc;

	for (size_t i = 0; i < k; i++)
		q = good[i] + 1 > q ? good[i] + 1 : q;
	for (size_t i = 0; i < nb; i++)
		q = bad[i] + 1 > q ? bad[i] + 1 : q;
	gm = malloc((q > 0 ? q * q : 1) * sizeof(*gm));
	if (gm == NULL)
		return AR_ENOMEM;
	ar_spline_gmatrix(pos, q, gm);
	rc = ar_spline_matrix_g(gm, q, good, k, bad, nb, w);
	free(gm);
	return rc;
}

/* C = [[G_good + alpha I, 1], [1^T, 0]], (k+1) x (k+1), row major. */
static void
fill_bordered(const double *gm, size_t q, const size_t *good, size_t k,
	      double *c)
{
	size_t n = k + 1;

	for (size_t i = 0; i < k; i++) {
		for (size_t j = 0; j < k; j++)
			c[i * n + j] = gm[good[i] * q + good[j]];
		c[i * n + i] += SPLINE_ALPHA;
		c[i * n + k] = 1;
		c[k * n + i] = 1;
	}
	c[k * n + k] = 0;
}

int
ar_spline_matrix_g(const double *gm, size_t q, const size_t *good, size_t k,
		   const size_t *bad, size_t nb, double *w)
{
	size_t n = k + 1;
	double *c = NULL, *s = NULL, *u = NULL, *vt = NULL, *sup = NULL;
	double *cinv = NULL;
	int rc = AR_ENOMEM;

	if (k == 0) {
		return AR_OK;   /* W is nb x 0 */
	}
	c = malloc(n * n * sizeof(*c));
	s = malloc(n * sizeof(*s));
	u = malloc(n * n * sizeof(*u));
	vt = malloc(n * n * sizeof(*vt));
	sup = malloc(n * sizeof(*sup));
	cinv = malloc(n * k * sizeof(*cinv));   /* U / s, k x n */
	if (c == NULL || s == NULL || u == NULL || vt == NULL || sup == NULL ||
	    cinv == NULL)
		goto out;
	/* Divide and conquer first, QR iteration if it does not converge:
	** what MNE's pinv does (_safe_svd), and 3-4x faster than QR alone
	** on 128 channels.  Each call destroys c, so it is filled anew. */
	fill_bordered(gm, q, good, k, c);
	if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'A', (lapack_int)n,
			   (lapack_int)n, c, (lapack_int)n, s, u, (lapack_int)n,
			   vt, (lapack_int)n) != 0) {
		fill_bordered(gm, q, good, k, c);
		if (LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'A', 'A', (lapack_int)n,
				   (lapack_int)n, c, (lapack_int)n, s, u,
				   (lapack_int)n, vt, (lapack_int)n, sup) != 0) {
			rc = AR_ELAPACK;
			goto out;
		}
	}
	/* W = A C+[:, 0:k] with A = [G_bad,good | 1] and C+ = V diag(1/s)
	** U^T, associated as (A V) (diag(1/s) U^T)[:, 0:k]: O(nb n^2)
	** after the SVD instead of forming C+ in O(n^3).  Singular values
	** under max(dim) eps s_max count as zero (MNE's pinv). */
	double cut = (double)n * DBL_EPSILON * s[0];

	for (size_t j = 0; j < k; j++)       /* cinv now holds U / s, k x n */
		for (size_t l = 0; l < n; l++)
			cinv[j * n + l] = s[l] > cut ? u[j * n + l] / s[l] : 0;
	for (size_t b = 0; b < nb; b++) {
		/* sup: (A V)[b, :]; c (free after the SVD) holds A's row. */
		for (size_t i = 0; i < k; i++)
			c[i] = gm[bad[b] * q + good[i]];
		c[k] = 1;
		for (size_t l = 0; l < n; l++) {
			const double *v = vt + l * n;
			double a = 0;

			for (size_t i = 0; i < n; i++)
				a += c[i] * v[i];
			sup[l] = a;
		}
		for (size_t j = 0; j < k; j++) {
			const double *us = cinv + j * n;
			double a = 0;

			for (size_t l = 0; l < n; l++)
				a += sup[l] * us[l];
			w[b * k + j] = a;
		}
	}
	rc = AR_OK;
out:
	free(c);
	free(s);
	free(u);
	free(vt);
	free(sup);
	free(cinv);
	return rc;
}

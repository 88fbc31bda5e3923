/*
** bayesopt.c - GP-based search of a threshold among candidates.
**
** Replicates what autoreject gets from scikit-learn's
** GaussianProcessRegressor with default arguments: kernel 1.0 * RBF(1.0)
** with fixed hyper-parameters, 1e-10 added to the diagonal, zero prior
** mean, no normalisation of y.  With thresholds in volts (~1e-4) and a
** length scale of 1 the kernel matrix is nearly all ones; that is the
** reference's behaviour and is kept, in double precision, rather than
** rescaled.  Points whose objective is not finite (no epoch kept) cannot
** enter a GP fit (scikit-learn refuses them); they are left out of it.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "bayesopt.h"

#define GP_NOISE 1e-10

static double
rbf(double a, double b)
{
	double d = a - b;

	return exp(-0.5 * d * d);
}

/* The GP over the finite (x, y) pairs seen so far.  Adding a point
** appends a row to the Cholesky factor L and to V = L^-1 K(X, all):
** earlier rows do not change (they are exactly what a from-scratch
** factorisation computes), so an iteration costs O(m n_all) instead of
** O(m^2 n_all), and the kernel row of each point is evaluated once. */
struct gp {
	size_t cap, m, n_all;
	const double *all;
	double *xs, *ys;   /* cap */
	double *l;         /* cap x cap, lower */
	double *kt;        /* cap x n_all: k(xs[i], all[c]) */
	double *v;         /* cap x n_all: rows of L^-1 kt */
	double *alpha;     /* cap */
	double *mu, *var;  /* n_all */
	int broken;        /* the kernel matrix lost definiteness */
};

static void
gp_free(struct gp *g)
{
	free(g->xs);
	free(g->ys);
	free(g->l);
	free(g->kt);
	free(g->v);
	free(g->alpha);
	free(g->mu);
	free(g->var);
}

static int
gp_init(struct gp *g, size_t cap, const double *all, size_t n_all)
{
	memset(g, 0, sizeof(*g));
	g->cap = cap;
	g->all = all;
	g->n_all = n_all;
	g->xs = malloc(cap * sizeof(double));
	g->ys = malloc(cap * sizeof(double));
	g->l = malloc(cap * cap * sizeof(double));
	g->kt = malloc(cap * n_all * sizeof(double));
	g->v = malloc(cap * n_all * sizeof(double));
	g->alpha = malloc(cap * sizeof(double));
	g->mu = malloc(n_all * sizeof(double));
	g->var = malloc(n_all * sizeof(double));
	if (g->xs == NULL || g->ys == NULL || g->l == NULL || g->kt == NULL ||
	    g->v == NULL || g->alpha == NULL || g->mu == NULL ||
	    g->var == NULL) {
		gp_free(g);
		return AR_ENOMEM;
	}
	return AR_OK;
}

/* Points whose objective is not finite cannot enter a fit. */
static void
gp_add(struct gp *g, double x, double y)
{
	size_t i = g->m, n = g->n_all, cap = g->cap;
	double *li = g->l + i * cap, *kt = g->kt + i * n, *v = g->v + i * n;
	double d = 1.0 + GP_NOISE;

	if (!isfinite(y) || g->broken || i == cap)
		return;
	for (size_t j = 0; j < i; j++) {
		double s = rbf(x, g->xs[j]);

		for (size_t k = 0; k < j; k++)
			s -= li[k] * g->l[j * cap + k];
		li[j] = s / g->l[j * cap + j];
		d -= li[j] * li[j];
	}
	if (!(d > 0)) {
		g->broken = 1;
		return;
	}
	li[i] = sqrt(d);
	for (size_t c = 0; c < n; c++)
		kt[c] = v[c] = rbf(g->all[c], x);
	for (size_t k = 0; k < i; k++) {
		const double *vk = g->v + k * n;
		double lk = li[k];

		for (size_t c = 0; c < n; c++)
			v[c] -= lk * vk[c];
	}
	for (size_t c = 0; c < n; c++)
		v[c] /= li[i];
	g->xs[i] = x;
	g->ys[i] = y;
	g->m++;
}

/* Index into all[] of the next point to evaluate, or n_all when there is
** no GP to fit (then the search stops). */
static size_t
gp_next(struct gp *g, double best_f)
{
	size_t m = g->m, n = g->n_all, cap = g->cap, pick = n;
	double best_a = INFINITY, *al = g->alpha;

	if (m == 0 || g->broken)
		return n;
	/* alpha = K^-1 y by L and L^T. */
	for (size_t i = 0; i < m; i++) {
		double s = g->ys[i];

		for (size_t k = 0; k < i; k++)
			s -= g->l[i * cap + k] * al[k];
		al[i] = s / g->l[i * cap + i];
	}
	for (size_t i = m; i-- > 0;) {
		double s = al[i];

		for (size_t k = i + 1; k < m; k++)
			s -= g->l[k * cap + i] * al[k];
		al[i] = s / g->l[i * cap + i];
	}
	for (size_t c = 0; c < n; c++) {
		g->mu[c] = 0;
		g->var[c] = 1;
	}
	for (size_t i = 0; i < m; i++) {
		const double *kt = g->kt + i * n, *v = g->v + i * n;

		for (size_t c = 0; c < n; c++) {
			g->mu[c] += kt[c] * al[i];
			g->var[c] -= v[c] * v[c];
		}
	}
	for (size_t c = 0; c < n; c++) {
		double mu = g->mu[c], var = g->var[c];
		double sd = var > 0 ? sqrt(var) : 0;
		double z = (mu - best_f) / (sd + 1e-12);
		double a = (mu - best_f) * 0.5 * erfc(-z / M_SQRT2) +
			   sd * exp(-0.5 * z * z) / sqrt(2 * M_PI);

		if (a < best_a) {
			best_a = a;
			pick = c;
		}
	}
	return pick;
}

int
ar_bayes_opt(ar_objective_fn f, void *arg, const double *init,
	     size_t n_init, const double *all, size_t n_all, int max_iter,
	     double *best_x, double *best_f)
{
	struct gp g;
	int rc = gp_init(&g, n_init + (size_t)max_iter, all, n_all);
	size_t n = 0;

	if (rc != AR_OK)
		return rc;
	for (size_t i = 0; i < n_init; i++) {
		double y = f(arg, init[i], &rc);

		if (rc != AR_OK)
			goto out;
		if (n == 0 || y < *best_f) {
			*best_f = y;
			*best_x = init[i];
		}
		gp_add(&g, init[i], y);
		n++;
	}
	for (int it = 0; it < max_iter && n > 0; it++) {
		size_t c = gp_next(&g, *best_f);
		double y;

		if (c == n_all)
			break;
		y = f(arg, all[c], &rc);
		if (rc != AR_OK)
			goto out;
		if (y < *best_f) {
			*best_f = y;
			*best_x = all[c];
		}
		gp_add(&g, all[c], y);
		n++;
	}
out:
	gp_free(&g);
	return rc;
}

/*
** bayesopt.h - autoreject's Bayesian optimiser over a finite candidate
** set: a Gaussian process with scikit-learn's default kernel and the
** expected-improvement rule as autoreject writes it.
*/
#ifndef AR_BAYESOPT_H
#define AR_BAYESOPT_H

#include <stddef.h>

/* The objective at x; sets *err to an AR_E* code on failure. */
typedef double (*ar_objective_fn)(void *arg, double x, int *err);

/* Evaluates f at init[0..n_init-1], then max_iter times fits the GP to
** every (x, f(x)) so far and evaluates the candidate of all[0..n_all-1]
** with the smallest a = (mu - f*) Phi(Z) + sigma phi(Z).  *best_x and
** *best_f receive the best point seen (the first, on ties).  Returns
** AR_OK or an AR_E* code (from f, or AR_ENOMEM). */
int ar_bayes_opt(ar_objective_fn f, void *arg, const double *init,
		 size_t n_init, const double *all, size_t n_all, int max_iter,
		 double *best_x, double *best_f);

#endif /* AR_BAYESOPT_H */

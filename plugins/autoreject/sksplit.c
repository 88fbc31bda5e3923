/*
** sksplit.c - StratifiedShuffleSplit as scikit-learn draws it
** (sklearn/model_selection/_split.py: _validate_shuffle_split,
** _approximate_mode, StratifiedShuffleSplit._iter_indices), for the two
** classes of autoreject's augmented data.
*/
#include <math.h>
#include <stdlib.h>

#include "sksplit.h"

#define N_CLASSES 2

size_t
ar_sss_n_test(size_t n)
{
	return (size_t)ceil(0.2 * (double)n);
}

/* _approximate_mode(counts, n_draws, rng): floor of each class's share,
** the remainder handed out by largest fractional part, ties broken by
** rng.choice(replace=False), i.e. a permutation. */
static void
approx_mode(struct ar_mt *mt, const size_t *counts, size_t n_draws,
	    size_t *out)
{
	double cont[N_CLASSES], fl[N_CLASSES], rem[N_CLASSES], sum = 0, fsum = 0;
	long need;

	for (int i = 0; i < N_CLASSES; i++)
		sum += (double)counts[i];
	for (int i = 0; i < N_CLASSES; i++) {
		cont[i] = (double)counts[i] / sum * (double)n_draws;
		fl[i] = floor(cont[i]);
		fsum += fl[i];
		rem[i] = cont[i] - fl[i];
	}
	need = (long)((double)n_draws - fsum);
	/* The distinct remainders, largest first (at most N_CLASSES). */
	double vals[N_CLASSES];
	int nv = 0;

	for (int i = 0; i < N_CLASSES; i++) {
		int dup = 0;

		for (int k = 0; k < nv; k++)
			dup |= vals[k] == rem[i];
		if (!dup)
			vals[nv++] = rem[i];
	}
	for (int a = 0; a < nv; a++)
		for (int b = a + 1; b < nv; b++)
			if (vals[b] > vals[a]) {
				double t = vals[a];

				vals[a] = vals[b];
				vals[b] = t;
			}
	for (int v = 0; v < nv && need > 0; v++) {
		size_t inds[N_CLASSES], perm[N_CLASSES], ni = 0;

		for (int i = 0; i < N_CLASSES; i++)
			if (rem[i] == vals[v])
				inds[ni++] = (size_t)i;
		size_t add = ni < (size_t)need ? ni : (size_t)need;

		ar_mt_permutation(mt, perm, ni);
		for (size_t k = 0; k < add; k++)
			fl[inds[perm[k]]] += 1;
		need -= (long)add;
	}
	for (int i = 0; i < N_CLASSES; i++)
		out[i] = (size_t)fl[i];
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int
ar_sss_split(struct ar_mt *mt, size_t half, size_t n_splits, size_t *test)
{
	size_t n = 2 * half, n_test = ar_sss_n_test(n), n_train = n - n_test;
	size_t counts[N_CLASSES] = { half, half };
	size_t *perm = malloc(half * sizeof(*perm));
	size_t *train = malloc(n * sizeof(*train));

	if (perm == NULL || train == NULL) {
		free(perm);
		free(train);
		return -1;
	}
	for (size_t s = 0; s < n_splits; s++) {
		size_t n_i[N_CLASSES], t_i[N_CLASSES], left[N_CLASSES];
		size_t *te = test + s * n_test, ntr = 0, nte = 0;

		approx_mode(mt, counts, n_train, n_i);
		for (int i = 0; i < N_CLASSES; i++)
			left[i] = counts[i] - n_i[i];
		approx_mode(mt, left, n_test, t_i);
		for (int i = 0; i < N_CLASSES; i++) {
			size_t base = (size_t)i * half;

			ar_mt_permutation(mt, perm, half);
			for (size_t k = 0; k < n_i[i]; k++)
				train[ntr++] = base + perm[k];
			for (size_t k = n_i[i]; k < n_i[i] + t_i[i]; k++)
				te[nte++] = base + perm[k];
		}
		/* train = rng.permutation(train); test likewise: their order
		** does not matter here, their draws do. */
		ar_mt_shuffle(mt, train, ntr);
		ar_mt_shuffle(mt, te, nte);
		qsort(te, nte, sizeof(*te), size_cmp);
	}
	free(perm);
	free(train);
	return 0;
}

/*
** sksplit.h - scikit-learn's split generators as the reference calls
** them, drawing from NumPy's legacy RandomState (nprandom.h).  KFold
** without shuffling draws nothing and is ar_kfold (thresholds.h).
*/
#ifndef AR_SKSPLIT_H
#define AR_SKSPLIT_H

#include <stddef.h>

#include "nprandom.h"

/* The test size of StratifiedShuffleSplit(test_size=0.2) on n rows:
** ceil(0.2 * n) in double precision, as scikit-learn computes it. */
size_t ar_sss_n_test(size_t n);

/* StratifiedShuffleSplit(n_splits, test_size=0.2).split(X, y) with y
** two equal classes (rows [0, half) are class 0, [half, 2 half) class
** 1), drawing from mt exactly as scikit-learn does: per split the
** approximate-mode class counts of train and test, one permutation per
** class, then permutations of the train and the test list.  test
** receives n_splits rows of ar_sss_n_test(2 half) indices each, every
** row ascending (the order scikit-learn yields is a shuffle of it).
** Returns 0, or -1 when scratch memory runs out (mt then partly
** advanced). */
int ar_sss_split(struct ar_mt *mt, size_t half, size_t n_splits,
		 size_t *test);

#endif /* AR_SKSPLIT_H */

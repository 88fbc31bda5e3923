/*
** thresholds.h - AutoReject's rejection thresholds: one per channel
** (learned on the data augmented with its leave-one-out interpolation)
** and the optional global one.
*/
#ifndef AR_THRESHOLDS_H
#define AR_THRESHOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "ar.h"

enum ar_method { AR_BAYESIAN = 0, AR_RANDOM_SEARCH = 1 };

/* Where the CV splits and random-search candidates come from.  numpy:
** the reference's draws for random_state=seed (seed <= 2^32 - 1);
** splitmix: dyno's own generator (any seed). */
enum ar_rng { AR_RNG_NUMPY = 0, AR_RNG_SPLITMIX = 1 };

/* The search of one channel's threshold over rows[0..n-1] (each len
** doubles; the first half raw epochs, the second half their
** interpolations).  splits/seed: StratifiedShuffleSplit(10, 20 %) on the
** halves, drawn from seed by `rng` (the same for every channel, as the
** reference with an integer random_state).  Returns AR_OK, AR_ENOMEM, or
** AR_EINVAL (rng=numpy with a seed over 2^32 - 1).  *thresh is a
** candidate (a row's peak-to-peak), or with random search and
** rng=numpy the reference's drawn value. */
int ar_channel_threshold(const double *const *rows, size_t n, size_t len,
			 enum ar_method method, enum ar_rng rng, uint64_t seed,
			 double *thresh);

/* Per-channel thresholds of ep into thresh[0..n_ch-1] (volts), channels
** in parallel on `threads`.  Returns AR_OK or an AR_E* code. */
int ar_local_thresholds(const struct ar_epochs *ep, enum ar_method method,
			enum ar_rng rng, uint64_t seed, unsigned threads,
			double *thresh);

/* The global threshold (one for every channel: an epoch is kept if its
** largest peak-to-peak is at most it), 5-fold CV.  Returns AR_OK or an
** AR_E* code. */
int ar_global_threshold(const struct ar_epochs *ep, double *thresh);

/* Fold f of sklearn's KFold(k) without shuffling over n items: test
** items [*lo, *hi). */
void ar_kfold(size_t n, size_t k, size_t f, size_t *lo, size_t *hi);

/* linspace(0, n, num, endpoint=False, dtype=int) plus n - 1, sorted and
** unique, into idx (num + 1 entries); returns how many. */
size_t ar_init_indices(size_t n, size_t num, size_t *idx);

#endif /* AR_THRESHOLDS_H */

/*
** ar.h - what every part of the autoreject plugin shares: epoched EEG
** (epochs x channels x times, volts, float64) and the error codes of the
** algorithm's functions.  Private to plugins/autoreject.
*/
#ifndef AR_AR_H
#define AR_AR_H

#include <stddef.h>
#include <stdint.h>

#include "../common/prng.h"
#include "montage.h"

enum {
	AR_OK = 0,
	AR_ENOMEM = -1,   /* an allocation failed */
	AR_ELAPACK = -2,  /* an SVD did not converge */
	AR_EINVAL = -3,   /* sizes the algorithm cannot work with */
};

/* Epoched data.  data[(e * n_ch + c) * n_times + t]; names and pos per
** channel (pos in metres, head frame). */
struct ar_epochs {
	size_t n_epochs, n_ch, n_times;
	double sfreq;
	double *data;
	char (*names)[AR_NAME_MAX];
	double (*pos)[3];
};

#define AR_ROW(ep, e, c) \
	((ep)->data + ((size_t)(e) * (ep)->n_ch + (size_t)(c)) * (ep)->n_times)

/* Allocates zeroed storage for e x c x t; names/pos zeroed.  Returns
** AR_OK or AR_ENOMEM (ep left empty).  Free with ar_epochs_free. */
int ar_epochs_alloc(struct ar_epochs *ep, size_t e, size_t c, size_t t);
/* Frees what ar_epochs_alloc allocated; an empty (zeroed) ep is fine. */
void ar_epochs_free(struct ar_epochs *ep);
/* The text of an AR_E* code. */
const char *ar_strerror(int code);

/* splitmix64: turns a user seed and a stream number into a nonzero
** xorshift state, so that seeds 0, 1, 2 give unrelated streams. */
static inline uint64_t
ar_seed(uint64_t seed, uint64_t stream)
{
	uint64_t z = splitmix64_mix(seed + SPLITMIX64_GAMMA * (stream + 1));

	return z ? z : 0x2545f4914f6cdd1dull;
}

#endif /* AR_AR_H */

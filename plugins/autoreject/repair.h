/*
** repair.h - interpolation of the channels marked in each epoch from
** that epoch's other channels.
*/
#ifndef AR_REPAIR_H
#define AR_REPAIR_H

#include "ar.h"

#define AR_LABEL_GOOD 0
#define AR_LABEL_BAD 1
#define AR_LABEL_INTERP 2

/* out (n_epochs x n_ch x n_times, not aliasing ep->data) receives ep's
** data with, in every epoch e whose skip[e] is zero (skip may be NULL),
** the channels labelled AR_LABEL_INTERP in labels[e * n_ch + c] replaced
** by their spherical-spline interpolation from the epoch's other
** channels.  Epochs with the same marks share one matrix.  Returns
** AR_OK or an AR_E* code. */
int ar_repair(const struct ar_epochs *ep, const unsigned char *labels,
	      const unsigned char *skip, unsigned threads, double *out);

#endif /* AR_REPAIR_H */

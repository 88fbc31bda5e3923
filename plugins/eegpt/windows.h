/*
** windows.h - from AutoReject's kept epochs to the encoder's input:
** fixed-length, non-overlapping windows over the joined epochs.
*/
#ifndef EEGPT_WINDOWS_H
#define EEGPT_WINDOWS_H

#include <stddef.h>

#include "ar_api.h"

/*
** The epochs of ep, in order, joined into one continuous signal per
** channel and cut into *n windows of t samples, stride t, from the first
** sample; the rest (< t) is dropped: braindecode's
** create_fixed_length_windows(window_size_samples=t,
** window_stride_samples=t, drop_last_window=True).  Returns the windows,
** *n x channels x t floats (the caller frees), or NULL: *n is then 0
** when no window fits, else the windows that did not fit in memory.
*/
float	*eegpt_windows(const struct ar_epochs *ep, size_t t, size_t *n);

#endif /* EEGPT_WINDOWS_H */

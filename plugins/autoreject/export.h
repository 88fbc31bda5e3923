/*
** export.h - writing a recording in the plugin's raw input format, so
** that the exact epochs a probe saw (synthetic ones included) can be fed
** to another implementation, or back to dyno with source=raw.
*/
#ifndef AR_EXPORT_H
#define AR_EXPORT_H

#include <stddef.h>

#include "ar.h"
#include "synth.h"

/* Writes path (little-endian float64 epochs x channels x times, volts)
** and path.json ({"names", "sfreq", "positions" (metres), "n_times"},
** the header source=raw reads), both atomically.  With truth (synthetic
** input), the header also holds "truth": {"transient": [epochs with a
** blink, burst or global hit], "global": [globally bad epochs],
** "noisy": [channel names], "contaminated": [[epoch, channel], ...]},
** which the raw reader ignores.  Returns 0, or -1 with a one-line
** reason naming the file in err. */
int ar_export_raw(const char *path, const struct ar_epochs *ep,
		  const struct ar_truth *truth, char *err, size_t errlen);

#endif /* AR_EXPORT_H */

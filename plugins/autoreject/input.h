/*
** input.h - recordings from files: EDF/EDF+ (through libedf) and raw
** float64 epoch arrays with a JSON header, epoched and in volts.
*/
#ifndef AR_INPUT_H
#define AR_INPUT_H

#include <stddef.h>

#include "ar.h"

/* Reads the EEG signals of an EDF/EDF+ file into epochs of `epoch`
** seconds (whole epochs; the tail is dropped).  Signals whose label says
** they are not EEG (ECG, EOG, EMG, Resp, Status, ...) are skipped; the
** others must map to 10-05 positions, or positions_path names a file
** with one "x y z" line (metres; optionally "label x y z") per EEG
** signal.  Physical units uV, mV, V, nV are converted to volts.
** Returns 0, or -1 with a one-line reason in err. */
int ar_read_edf(const char *path, const char *positions_path, double epoch,
		struct ar_epochs *ep, char *err, size_t errlen);

/* Reads a raw recording: path holds little-endian float64 epochs x
** channels x times (volts); header_path a JSON object {"names": [...],
** "sfreq": Hz, "positions": [[x, y, z], ...] (optional, metres),
** "n_times": samples per epoch (optional: epoch * sfreq)}.  Returns 0,
** or -1 with a one-line reason in err. */
int ar_read_raw(const char *path, const char *header_path, double epoch,
		struct ar_epochs *ep, char *err, size_t errlen);

/* Checks that every sample is finite; -1 with a reason naming the epoch
** and channel otherwise. */
int ar_check_finite(const struct ar_epochs *ep, const char *what, char *err,
		    size_t errlen);

#endif /* AR_INPUT_H */

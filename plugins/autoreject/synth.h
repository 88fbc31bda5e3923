/*
** synth.h - a deterministic synthetic EEG recording with injected
** artifacts whose ground truth is known.
*/
#ifndef AR_SYNTH_H
#define AR_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "ar.h"

struct ar_synth_opts {
	size_t n_ch;            /* 1 .. AR_MAX_CHANNELS, standard montage */
	double sfreq;           /* Hz */
	double duration;        /* s; whole epochs only */
	double epoch;           /* s */
	uint64_t seed;
	double blink_rate;      /* probability per epoch */
	double muscle_rate;     /* probability per epoch */
	double bad_epoch_rate;  /* probability per epoch: every channel hit */
	size_t noisy_channels;  /* channels noisy throughout */
};

/* Defaults of the probe's parameters. */
#define AR_SYNTH_BLINK_RATE 0.06
#define AR_SYNTH_MUSCLE_RATE 0.04
#define AR_SYNTH_BAD_EPOCH_RATE 0.03
#define AR_SYNTH_NOISY_CHANNELS 1

struct ar_truth {
	size_t n_epochs, n_ch;
	unsigned char *contam;  /* n_epochs x n_ch: an artifact touches it */
	unsigned char *epoch;   /* n_epochs: a blink, burst or global hit */
	unsigned char *global;  /* n_epochs: globally bad */
	unsigned char *noisy;   /* n_ch: noisy throughout */
};

/* Generates the recording into ep (allocated here; ar_epochs_free) and
** its truth (ar_truth_free).  The same options give the same data.
** Returns AR_OK, AR_ENOMEM, or AR_EINVAL (no whole epoch, too many
** channels or noisy channels). */
int ar_synth(const struct ar_synth_opts *o, struct ar_epochs *ep,
	     struct ar_truth *truth);
void ar_truth_free(struct ar_truth *truth);

#endif /* AR_SYNTH_H */

/*
** fit.h - AutoReject proper: learning the thresholds, the consensus and
** the number of channels to interpolate (AutoReject.fit), and applying
** them (transform) into a reject log.
*/
#ifndef AR_FIT_H
#define AR_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "ar.h"
#include "thresholds.h"

struct ar_fit_opts {
	const int *n_interp;   /* the rho grid, in order */
	size_t n_rho;
	size_t n_consensus;    /* kappa grid: linspace(0, 1, n_consensus) */
	size_t cv;             /* KFold folds */
	enum ar_method method;
	enum ar_rng rng;       /* numpy (default, the reference's draws) */
	uint64_t seed;
	unsigned threads;
};

struct ar_model {
	size_t n_ch;
	double *thresh;        /* n_ch, volts */
	double consensus;      /* fraction of channels */
	int n_interpolate;
	size_t n_consensus, n_rho;
	double *loss;          /* n_consensus x n_rho: fold-mean CV loss */
};

struct ar_reject_log {
	size_t n_epochs, n_ch;
	unsigned char *labels; /* n_epochs x n_ch: AR_LABEL_* */
	unsigned char *bad;    /* n_epochs: 1 = rejected */
};

/* Fits ep with o into m (freed by ar_model_free, also after an error).
** Needs n_ch >= 2, n_epochs >= cv >= 2, every rho in [1, n_ch).
** Returns AR_OK or an AR_E* code. */
int ar_fit(const struct ar_epochs *ep, const struct ar_fit_opts *o,
	   struct ar_model *m);
void ar_model_free(struct ar_model *m);

/* Applies m to ep: fresh votes, up to n_interpolate worst bad channels
** marked per epoch, epochs with consensus * n_ch or more bad channels
** rejected.  log receives the labels and rejections (free with
** ar_reject_log_free).  If clean is not NULL it receives ep's data with
** the marked channels of kept epochs interpolated (rejected epochs are
** left as they were; the log says which they are).  Returns AR_OK or an
** AR_E* code. */
int ar_transform(const struct ar_epochs *ep, const struct ar_model *m,
		 unsigned threads, double *clean, struct ar_reject_log *log);
void ar_reject_log_free(struct ar_reject_log *log);

/* The k-th of n points of numpy.linspace(0, 1, n). */
double ar_linspace01(size_t k, size_t n);

/* Marks channels of one epoch for interpolation as autoreject does:
** labels[0..q-1] (0/1/2), ptp the epoch's peak-to-peak per channel.  With
** n_bads = sum of labels (a 2 counts twice): if 0 < n_bads <= rho, every
** label 1 becomes 2; otherwise the rho label-1 channels of largest ptp
** do.  Existing 2s stay. */
void ar_mark(unsigned char *labels, const double *ptp, size_t q, int rho);

#endif /* AR_FIT_H */

/*
** fit.c - the consensus x n_interpolate search and the transform.
**
** The CV of one (fold, kappa) needs the mean of the surviving repaired
** training epochs.  The survivors for increasing kappa are nested (an
** epoch survives when its bad-channel count is below kappa * Q), so the
** sums for every kappa come from one pass over the epochs sorted by
** count, and a fold's training sum is the all-epoch sum minus the
** fold's test sum: each (fold, kappa) costs O(C x T), not O(E x C x T).
** The medians of the raw test epochs do not depend on rho or kappa and
** are computed once per fold.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "fit.h"
#include "measures.h"
#include "par.h"
#include "repair.h"
#include "thresholds.h"

double
ar_linspace01(size_t k, size_t n)
{
	/* numpy: k * step, then the last point set to stop exactly.  The
	** count test `count >= kappa * Q` depends on these roundings
	** (0.30000000000000004 * 20 > 6). */
	if (n < 2)
		return 0;
	if (k == n - 1)
		return 1.0;
	return (double)k * (1.0 / (double)(n - 1));
}

void
ar_mark(unsigned char *labels, const double *ptp, size_t q, int rho)
{
	size_t n_bads = 0;

	for (size_t c = 0; c < q; c++)
		n_bads += labels[c];
	if (n_bads == 0)
		return;
	if (n_bads <= (size_t)rho) {
		for (size_t c = 0; c < q; c++)
			if (labels[c] == AR_LABEL_BAD)
				labels[c] = AR_LABEL_INTERP;
		return;
	}
	/* The rho largest ptp among label-1 channels; ties go to the higher
	** index (numpy's argsort reversed). */
	for (int r = 0; r < rho; r++) {
		size_t best = q;

		for (size_t c = 0; c < q; c++)
			if (labels[c] == AR_LABEL_BAD &&
			    (best == q || ptp[c] >= ptp[best]))
				best = c;
		if (best == q)
			break;
		labels[best] = AR_LABEL_INTERP + 10;   /* chosen this round */
	}
	for (size_t c = 0; c < q; c++)
		if (labels[c] == AR_LABEL_INTERP + 10)
			labels[c] = AR_LABEL_INTERP;
}

void
ar_model_free(struct ar_model *m)
{
	free(m->thresh);
	free(m->loss);
	memset(m, 0, sizeof(*m));
}

void
ar_reject_log_free(struct ar_reject_log *log)
{
	free(log->labels);
	free(log->bad);
	memset(log, 0, sizeof(*log));
}

struct cv_job {
	const struct ar_epochs *ep;
	size_t cv, n_kappa, q;
	const size_t *count;     /* per epoch: channels over threshold */
	const size_t *by_count;  /* epochs sorted by count */
	double *med;             /* cv x (C x T) */
	const double *repaired;  /* current rho's data */
	const double *sums;      /* n_kappa x (C x T): all survivors */
	const size_t *n_surv;    /* n_kappa */
	double *scratch;         /* per fold: 2 x (C x T) */
	double *loss;            /* n_kappa x cv, this rho */
	int rho;
};

static int
median_task(void *arg, size_t f, unsigned wk)
{
	struct cv_job *j = arg;
	const struct ar_epochs *ep = j->ep;
	size_t ct = ep->n_ch * ep->n_times, lo, hi;
	const double **rows;
	int rc;

	(void)wk;
	ar_kfold(ep->n_epochs, j->cv, f, &lo, &hi);
	rows = malloc((hi - lo) * sizeof(*rows));
	if (rows == NULL)
		return AR_ENOMEM;
	for (size_t e = lo; e < hi; e++)
		rows[e - lo] = ep->data + e * ct;
	rc = ar_col_medians(rows, hi - lo, ct, j->med + f * ct) == 0 ?
	    AR_OK : AR_ENOMEM;
	free(rows);
	return rc;
}

static int
fold_task(void *arg, size_t f, unsigned wk)
{
	struct cv_job *j = arg;
	const struct ar_epochs *ep = j->ep;
	size_t ct = ep->n_ch * ep->n_times, lo, hi, pos = 0, nt = 0;
	double *tsum = j->scratch + f * 2 * ct, *mean = tsum + ct;
	size_t *test;

	(void)wk;
	ar_kfold(ep->n_epochs, j->cv, f, &lo, &hi);
	test = malloc((hi - lo) * sizeof(*test));
	if (test == NULL)
		return AR_ENOMEM;
	/* The fold's test epochs in count order (by_count is sorted). */
	for (size_t i = 0; i < ep->n_epochs; i++)
		if (j->by_count[i] >= lo && j->by_count[i] < hi)
			test[nt++] = j->by_count[i];
	memset(tsum, 0, ct * sizeof(*tsum));
	for (size_t k = 0; k < j->n_kappa; k++) {
		double thr = ar_linspace01(k, j->n_kappa) * (double)j->q;
		double *cell = &j->loss[k * j->cv + f];

		while (pos < nt && !((double)j->count[test[pos]] >= thr)) {
			const double *r = j->repaired + test[pos] * ct;

			for (size_t i = 0; i < ct; i++)
				tsum[i] += r[i];
			pos++;
		}
		if (thr <= (double)j->rho || j->n_surv[k] == pos) {
			*cell = INFINITY;
			continue;
		}
		const double *s = j->sums + k * ct;
		double inv = 1.0 / (double)(j->n_surv[k] - pos);

		for (size_t i = 0; i < ct; i++)
			mean[i] = (s[i] - tsum[i]) * inv;
		*cell = ar_rmse(mean, j->med + f * ct, ct);
	}
	free(test);
	return AR_OK;
}

/* Epochs by (count, index): a counting sort, counts being at most Q. */
static void
sort_by_count(size_t *idx, size_t n, const size_t *count, size_t q)
{
	size_t k = 0;

	for (size_t c = 0; c <= q; c++)
		for (size_t i = 0; i < n; i++)
			if (count[i] == c)
				idx[k++] = i;
}

int
ar_fit(const struct ar_epochs *ep, const struct ar_fit_opts *o,
       struct ar_model *m)
{
	size_t e_n = ep->n_epochs, q = ep->n_ch, len = ep->n_times;
	size_t ct = q * len, nk = o->n_consensus, nr = o->n_rho, cv = o->cv;
	unsigned char *labels = NULL;
	double *ptp = NULL, *repaired = NULL, *med = NULL, *sums = NULL;
	double *scratch = NULL, *loss = NULL;
	size_t *count = NULL, *by_count = NULL, *n_surv = NULL;
	struct cv_job j;
	int rc = AR_EINVAL;

	memset(m, 0, sizeof(*m));
	if (q < 2 || cv < 2 || e_n < cv || nk < 2 || nr < 1)
		return AR_EINVAL;
	for (size_t r = 0; r < nr; r++)
		if (o->n_interp[r] < 1 || (size_t)o->n_interp[r] >= q)
			return AR_EINVAL;
	rc = AR_ENOMEM;
	m->n_ch = q;
	m->n_consensus = nk;
	m->n_rho = nr;
	m->thresh = malloc(q * sizeof(double));
	m->loss = malloc(nk * nr * sizeof(double));
	labels = calloc(e_n * q, 1);
	ptp = malloc(e_n * q * sizeof(*ptp));
	repaired = malloc(e_n * ct * sizeof(*repaired));
	med = malloc(cv * ct * sizeof(*med));
	sums = malloc(nk * ct * sizeof(*sums));
	scratch = malloc(cv * 2 * ct * sizeof(*scratch));
	loss = malloc(nk * cv * sizeof(*loss));
	count = calloc(e_n, sizeof(*count));
	by_count = malloc(e_n * sizeof(*by_count));
	n_surv = malloc(nk * sizeof(*n_surv));
	if (m->thresh == NULL || m->loss == NULL || labels == NULL ||
	    ptp == NULL || repaired == NULL || med == NULL || sums == NULL ||
	    scratch == NULL || loss == NULL || count == NULL ||
	    by_count == NULL || n_surv == NULL)
		goto out;

	rc = ar_local_thresholds(ep, o->method, o->rng, o->seed, o->threads,
				 m->thresh);
	if (rc != AR_OK)
		goto out;
	for (size_t e = 0; e < e_n; e++)
		for (size_t c = 0; c < q; c++) {
			ptp[e * q + c] = ar_ptp(AR_ROW(ep, e, c), len);
			if (ptp[e * q + c] > m->thresh[c]) {
				labels[e * q + c] = AR_LABEL_BAD;
				count[e]++;
			}
		}
	sort_by_count(by_count, e_n, count, q);
	j = (struct cv_job){ .ep = ep, .cv = cv, .n_kappa = nk, .q = q,
			     .count = count, .by_count = by_count, .med = med,
			     .repaired = repaired, .sums = sums,
			     .n_surv = n_surv, .scratch = scratch,
			     .loss = loss };
	rc = ar_par_for(o->threads, cv, median_task, &j);
	if (rc != AR_OK)
		goto out;
	for (size_t r = 0; r < nr; r++) {
		size_t pos = 0;
		double *run = scratch;   /* free until the folds run */

		/* Labels carry over from the previous rho (the reference's
		** quirk). */
		for (size_t e = 0; e < e_n; e++)
			ar_mark(labels + e * q, ptp + e * q, q, o->n_interp[r]);
		rc = ar_repair(ep, labels, NULL, o->threads, repaired);
		if (rc != AR_OK)
			goto out;
		memset(run, 0, ct * sizeof(*run));
		for (size_t k = 0; k < nk; k++) {
			double thr = ar_linspace01(k, nk) * (double)q;

			while (pos < e_n &&
			       !((double)count[by_count[pos]] >= thr)) {
				const double *x = repaired + by_count[pos] * ct;

				for (size_t i = 0; i < ct; i++)
					run[i] += x[i];
				pos++;
			}
			memcpy(sums + k * ct, run, ct * sizeof(*run));
			n_surv[k] = pos;
		}
		j.rho = o->n_interp[r];
		rc = ar_par_for(o->threads, cv, fold_task, &j);
		if (rc != AR_OK)
			goto out;
		for (size_t k = 0; k < nk; k++) {
			double s = 0;

			for (size_t f = 0; f < cv; f++)
				s += loss[k * cv + f];
			m->loss[k * nr + r] = s / (double)cv;
		}
	}
	/* First minimum in kappa-major order. */
	size_t best = 0;

	for (size_t i = 1; i < nk * nr; i++)
		if (m->loss[i] < m->loss[best])
			best = i;
	m->consensus = ar_linspace01(best / nr, nk);
	m->n_interpolate = o->n_interp[best % nr];
	rc = AR_OK;
out:
	free(labels);
	free(ptp);
	free(repaired);
	free(med);
	free(sums);
	free(scratch);
	free(loss);
	free(count);
	free(by_count);
	free(n_surv);
	if (rc != AR_OK)
		ar_model_free(m);
	return rc;
}

int
ar_transform(const struct ar_epochs *ep, const struct ar_model *m,
	     unsigned threads, double *clean, struct ar_reject_log *log)
{
	size_t e_n = ep->n_epochs, q = ep->n_ch, len = ep->n_times;
	double *ptp = malloc(q * sizeof(*ptp));
	double thr = m->consensus * (double)q;
	int rc = AR_ENOMEM;

	memset(log, 0, sizeof(*log));
	log->labels = calloc(e_n * q, 1);
	log->bad = calloc(e_n, 1);
	if (ptp == NULL || log->labels == NULL || log->bad == NULL)
		goto out;
	log->n_epochs = e_n;
	log->n_ch = q;
	for (size_t e = 0; e < e_n; e++) {
		unsigned char *lab = log->labels + e * q;
		size_t count = 0;

		for (size_t c = 0; c < q; c++) {
			ptp[c] = ar_ptp(AR_ROW(ep, e, c), len);
			if (ptp[c] > m->thresh[c]) {
				lab[c] = AR_LABEL_BAD;
				count++;
			}
		}
		log->bad[e] = (double)count >= thr;
		ar_mark(lab, ptp, q, m->n_interpolate);
	}
	rc = clean != NULL ? ar_repair(ep, log->labels, log->bad, threads,
				       clean) : AR_OK;
out:
	free(ptp);
	if (rc != AR_OK)
		ar_reject_log_free(log);
	return rc;
}

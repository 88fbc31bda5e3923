/*
** clean.c - AutoReject from recording to clean epochs in one call, for the
** plugins that run it as one stage of a pipeline (ar_api.h).
*/
#include <stdlib.h>
#include <string.h>

#include "ar_api.h"

int
ar_clean_epochs(const struct ar_epochs *ep, const struct ar_fit_opts *o,
		struct ar_epochs *out, unsigned char *kept)
{
	struct ar_model m;
	struct ar_reject_log log = { 0 };
	size_t row = ep->n_ch * ep->n_times, n = 0, k = 0;
	double *clean;
	int rc;

	memset(out, 0, sizeof(*out));
	clean = malloc(ep->n_epochs * row * sizeof(double));
	if (clean == NULL)
		return AR_ENOMEM;
	rc = ar_fit(ep, o, &m);
	if (rc == AR_OK)
		rc = ar_transform(ep, &m, o->threads, clean, &log);
	ar_model_free(&m);
	if (rc != AR_OK)
		goto out;
	for (size_t e = 0; e < ep->n_epochs; e++) {
		n += !log.bad[e];
		if (kept != NULL)
			kept[e] = !log.bad[e];
	}
	if (n == 0)
		goto out;
	rc = ar_epochs_alloc(out, n, ep->n_ch, ep->n_times);
	if (rc != AR_OK)
		goto out;
	out->sfreq = ep->sfreq;
	memcpy(out->names, ep->names, ep->n_ch * sizeof(*ep->names));
	memcpy(out->pos, ep->pos, ep->n_ch * sizeof(*ep->pos));
	for (size_t e = 0; e < ep->n_epochs; e++)
		if (!log.bad[e])
			memcpy(out->data + k++ * row, clean + e * row,
			       row * sizeof(double));
out:
	ar_reject_log_free(&log);
	free(clean);
	return rc;
}

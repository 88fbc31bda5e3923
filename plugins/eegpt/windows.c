/*
** windows.c - fixed-length windows over AutoReject's kept epochs, the
** eegpt.pipeline probe's windowing stage.
*/
#include <stdlib.h>

#include "ar_api.h"
#include "windows.h"

float *
eegpt_windows(const struct ar_epochs *ep, size_t t, size_t *n)
{
	size_t c, w, k, e, i, m, nc = ep->n_ch, len = ep->n_times;
	const double *src, *end;
	float *out, *p;

	*n = t == 0 ? 0 : ep->n_epochs * len / t;
	if (*n == 0)
		return NULL;
	if ((out = malloc(*n * nc * t * sizeof(*out))) == NULL)
		return NULL;
	p = out;
	for (w = 0; w < *n; w++)
		for (c = 0; c < nc; c++)
			for (k = 0; k < t; k += m) {
				/* Sample w * t + k is sample i of epoch e; copy
				** to the end of the epoch or of the window. */
				e = (w * t + k) / len;
				i = (w * t + k) % len;
				m = len - i < t - k ? len - i : t - k;
				src = AR_ROW(ep, e, c) + i;
				for (end = src + m; src < end; src++)
					*p++ = (float)*src;
			}
	return out;
}

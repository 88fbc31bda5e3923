/*
** epochs.c - storage of epoched data and the error texts.
*/
#include <stdlib.h>
#include <string.h>

#include "ar.h"

int
ar_epochs_alloc(struct ar_epochs *ep, size_t e, size_t c, size_t t)
{
	memset(ep, 0, sizeof(*ep));
	if (e == 0 || c == 0 || t == 0 || e > SIZE_MAX / c / t / sizeof(double))
		return AR_EINVAL;
	ep->data = calloc(e * c * t, sizeof(double));
	ep->names = calloc(c, sizeof(*ep->names));
	ep->pos = calloc(c, sizeof(*ep->pos));
	if (ep->data == NULL || ep->names == NULL || ep->pos == NULL) {
		ar_epochs_free(ep);
		return AR_ENOMEM;
	}
	ep->n_epochs = e;
	ep->n_ch = c;
	ep->n_times = t;
	return AR_OK;
}

void
ar_epochs_free(struct ar_epochs *ep)
{
	free(ep->data);
	free(ep->names);
	free(ep->pos);
	memset(ep, 0, sizeof(*ep));
}

const char *
ar_strerror(int code)
{
	switch (code) {
	case AR_OK: return "success";
	case AR_ENOMEM: return "out of memory";
	case AR_ELAPACK: return "the SVD of the interpolation matrix did not converge";
	case AR_EINVAL: return "invalid sizes";
	default: return "unknown error";
	}
}

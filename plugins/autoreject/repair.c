/*
** repair.c - interpolating marked channels, epoch by epoch.
**
** An interpolation matrix costs an SVD of (k+1)^2, and in practice most
** epochs share a handful of mark patterns (one noisy channel, a blink on
** the frontal pair), so epochs are grouped by pattern and each group's
** matrix is computed once; groups run in parallel and write disjoint
** epochs.
*/
#include <stdlib.h>
#include <string.h>

#include "ar.h"
#include "par.h"
#include "repair.h"
#include "spline.h"

struct key {
	uint64_t bits[2];   /* marked channels (AR_MAX_CHANNELS = 128) */
	size_t e;
};

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	for (int i = 0; i < 2; i++)
		if (x->bits[i] != y->bits[i])
			return x->bits[i] < y->bits[i] ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

struct job {
	const struct ar_epochs *ep;
	const struct key *keys;
	const size_t *start;   /* group g: keys[start[g] .. start[g+1]) */
	double *out;
	const double *gm;      /* ar_spline_gmatrix of the montage */
};

static int
group_task(void *arg, size_t g, unsigned wk)
{
	struct job *j = arg;
	const struct ar_epochs *ep = j->ep;
	const struct key *k0 = &j->keys[j->start[g]];
	size_t q = ep->n_ch, len = ep->n_times;
	size_t good[AR_MAX_CHANNELS], bad[AR_MAX_CHANNELS], ng = 0, nb = 0;
	double *w;
	int rc;

	(void)wk;
	for (size_t c = 0; c < q; c++) {
		if (k0->bits[c / 64] >> (c % 64) & 1)
			bad[nb++] = c;
		else
			good[ng++] = c;
	}
	w = malloc((nb * ng > 0 ? nb * ng : 1) * sizeof(*w));
	if (w == NULL)
		return AR_ENOMEM;
	rc = ar_spline_matrix_g(j->gm, q, good, ng, bad, nb, w);
	if (rc != AR_OK) {
		free(w);
		return rc;
	}
	for (size_t i = j->start[g]; i < j->start[g + 1]; i++) {
		size_t e = j->keys[i].e;

		for (size_t b = 0; b < nb; b++) {
			double *dst = j->out + (e * q + bad[b]) * len;
			const double *wb = w + b * ng;

			memset(dst, 0, len * sizeof(*dst));
			for (size_t s = 0; s < ng; s++) {
				const double *src = AR_ROW(ep, e, good[s]);
				double ws = wb[s];

				for (size_t t = 0; t < len; t++)
					dst[t] += ws * src[t];
			}
		}
	}
	free(w);
	return AR_OK;
}

int
ar_repair(const struct ar_epochs *ep, const unsigned char *labels,
	  const unsigned char *skip, unsigned threads, double *out)
{
	size_t e_n = ep->n_epochs, q = ep->n_ch, n = 0, ng = 0;
	struct key *keys = malloc(e_n * sizeof(*keys));
	size_t *start = malloc((e_n + 1) * sizeof(*start));
	double *gm = malloc(q * q * sizeof(*gm));
	struct job j;
	int rc = AR_ENOMEM;

	if (keys == NULL || start == NULL || gm == NULL)
		goto out;
	memcpy(out, ep->data, e_n * q * ep->n_times * sizeof(double));
	for (size_t e = 0; e < e_n; e++) {
		struct key k = { { 0, 0 }, e };

		if (skip != NULL && skip[e])
			continue;
		for (size_t c = 0; c < q; c++)
			if (labels[e * q + c] == AR_LABEL_INTERP)
				k.bits[c / 64] |= 1ull << (c % 64);
		if (k.bits[0] | k.bits[1])
			keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || keys[i].bits[0] != keys[i - 1].bits[0] ||
		    keys[i].bits[1] != keys[i - 1].bits[1])
			start[ng++] = i;
	start[ng] = n;
	if (ng > 0)
		ar_spline_gmatrix((const double (*)[3])ep->pos, q, gm);
	j = (struct job){ ep, keys, start, out, gm };
	rc = ar_par_for(threads, ng, group_task, &j);
out:
	free(keys);
	free(start);
	free(gm);
	return rc;
}

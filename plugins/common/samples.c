/*
** samples.c - latency buffers and window rates filled by worker threads
** and recorded by the calling thread (samples.h).
*/
#include <stdlib.h>

#include "samples.h"

void
samples_push(struct samples *s, double v, size_t max)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4096;
		float *p;

		if (nc > max)
			nc = max;
		if (s->n >= nc || (p = realloc(s->v, nc * sizeof(*p))) == NULL) {
			s->capped = 1;
			return;
		}
		s->v = p;
		s->cap = nc;
	}
	s->v[s->n++] = (float)v;
}

void
samples_free(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void
samples_record(const struct dyno_host *h, struct dyno_ctx *ctx,
	       const char *metric, const struct samples *s)
{
	for (size_t j = 0; j < s->n; j++)
		h->record(ctx, metric, (double)s->v[j]);
}

size_t
windows_close(uint64_t el, uint64_t win_ns, size_t nwin,
	      uint64_t *const *counts, size_t nc, uint64_t *last_ns)
{
	size_t k;
	uint64_t last;

	if (nwin == 0) {
		*last_ns = 0;
		return 0;
	}
	k = (size_t)(el / win_ns);
	if (k >= nwin)
		k = nwin - 1;
	last = el - k * win_ns;
	if (k > 0 && last < win_ns / 2) {
		for (size_t c = 0; c < nc; c++)
			counts[c][k - 1] += counts[c][k];
		k--;
		last += win_ns;
	}
	*last_ns = last;
	return k;
}

void
windows_record(const struct dyno_host *h, struct dyno_ctx *ctx,
	       const char *metric, const uint64_t *counts, size_t k,
	       uint64_t win_ns, uint64_t last_ns)
{
	for (size_t i = 0; i <= k; i++) {
		double len = (double)(i == k ? last_ns : win_ns) / 1e9;

		if (len > 0)
			h->record(ctx, metric, (double)counts[i] / len);
	}
}

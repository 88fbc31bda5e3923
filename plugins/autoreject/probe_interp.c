/*
** probe_interp.c - the autoreject.interpolate probe: the cost of
** spherical-spline interpolation alone (matrix and application to every
** epoch) for `bad` channels of the recording.  The callbacks, in the
** implementation library; the descriptor is in probes.c.
*/
#include <stdio.h>
#include <stdlib.h>

#include <dyno/plugin.h>

#include "probe_params.h"
#include "probes.h"
#include "repair.h"

struct interp_state {
	struct ar_input in;
	unsigned char *labels;
	double *out;
};

static void
interp_state_free(struct interp_state *st)
{
	if (st == NULL)
		return;
	ar_input_free(&st->in);
	free(st->labels);
	free(st->out);
	free(st);
}

static int
interp_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct interp_state *st = calloc(1, sizeof(*st));
	size_t bad = (size_t)h->param_int(ctx, "bad"), q, e_n;
	int rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	rc = ar_input_from_params(h, ctx, &st->in);
	if (rc != DYNO_OK) {
		free(st);
		return rc;
	}
	q = st->in.ep.n_ch;
	e_n = st->in.ep.n_epochs;
	if (bad >= q) {
		interp_state_free(st);
		return h->fail(ctx, "bad=%zu: expected fewer than the %zu "
			       "channels", bad, q);
	}
	st->labels = calloc(e_n * q, 1);
	st->out = malloc(e_n * q * st->in.ep.n_times * sizeof(double));
	if (st->labels == NULL || st->out == NULL) {
		interp_state_free(st);
		return h->fail(ctx, "out of memory");
	}
	/* A different set of channels in each epoch (a sliding window):
	** every epoch pays for its own matrix, the worst case. */
	for (size_t e = 0; e < e_n; e++)
		for (size_t b = 0; b < bad; b++)
			st->labels[e * q + (e + b) % q] = AR_LABEL_INTERP;
	*state = st;
	return DYNO_OK;
}

static void
interp_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	interp_state_free(state);
}

static int
interp_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct interp_state *st = state;
	unsigned threads = (unsigned)h->param_int(ctx, "threads");

	h->artifact(ctx, "input", st->in.what);
	do {
		uint64_t t0 = h->now_ns();
		int rc = ar_repair(&st->in.ep, st->labels, NULL, threads,
				   st->out);
		double dt;

		if (rc != AR_OK)
			return h->fail(ctx, "interpolation: %s", ar_strerror(rc));
		dt = (double)(h->now_ns() - t0) * 1e-9;
		h->record(ctx, "duration", dt);
		h->record(ctx, "epochs_per_s",
			  (double)st->in.ep.n_epochs / dt);
	} while (!h->should_stop(ctx));
	return DYNO_OK;
}

const struct heavy_probe ar_interp_impl = {
	.name = "interpolate",
	.setup = interp_setup,
	.teardown = interp_teardown,
	.run = interp_run,
};

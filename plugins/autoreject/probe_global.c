/*
** probe_global.c - the autoreject.global probe: the global rejection
** threshold (autoreject's get_rejection_threshold) of a recording.
** The callbacks, in the implementation library; the descriptor is in
** probes.c.
*/
#include <stdio.h>
#include <stdlib.h>

#include <dyno/plugin.h>

#include "probe_params.h"
#include "probes.h"
#include "thresholds.h"

static int
global_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct ar_input *in = calloc(1, sizeof(*in));
	int rc;

	if (in == NULL)
		return h->fail(ctx, "out of memory");
	rc = ar_input_from_params(h, ctx, in);
	if (rc != DYNO_OK) {
		free(in);
		return rc;
	}
	*state = in;
	return DYNO_OK;
}

static void
global_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	ar_input_free(state);
	free(state);
}

static int
global_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct ar_input *in = state;
	int first = 1;

	do {
		double th = 0;
		uint64_t t0 = h->now_ns();
		int rc = ar_global_threshold(&in->ep, &th);

		if (rc != AR_OK)
			return h->fail(ctx, "global threshold of %s: %s%s",
				       in->what, ar_strerror(rc),
				       rc == AR_EINVAL ? " (needs at least 5 epochs)" : "");
		h->record(ctx, "duration", (double)(h->now_ns() - t0) * 1e-9);
		if (first) {
			char v[64];

			snprintf(v, sizeof(v), "%.6g", th);
			h->artifact(ctx, "threshold", v);
			h->artifact(ctx, "input", in->what);
			first = 0;
		}
	} while (!h->should_stop(ctx));
	return DYNO_OK;
}

const struct heavy_probe ar_global_impl = {
	.name = "global",
	.setup = global_setup,
	.teardown = global_teardown,
	.run = global_run,
};

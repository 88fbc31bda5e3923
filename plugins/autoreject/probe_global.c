/*
** probe_global.c - the autoreject.global probe: the global rejection
** threshold (autoreject's get_rejection_threshold) of a recording.
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

static const struct dyno_param global_params[] = {
	AR_INPUT_PARAMS,
	{ NULL }
};

static const struct dyno_metric global_metrics[] = {
	{ .name = "duration", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "seconds to find the global threshold of the recording" },
	{ NULL }
};

const struct dyno_probe ar_global_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "global",
	.summary = "AutoReject's global peak-to-peak rejection threshold (5-fold CV, Bayesian search)",
	.params = global_params,
	.metrics = global_metrics,
	.setup = global_setup,
	.teardown = global_teardown,
	.run = global_run,
};

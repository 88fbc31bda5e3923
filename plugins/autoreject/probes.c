/*
** probes.c - the autoreject probes' descriptors (parameters, metrics),
** in the shell that dyno loads; their callbacks forward to the
** implementation library (probe_*.c, impl.c), which links LAPACKE and
** OpenBLAS and is opened in the probe's process only (heavy.h).
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "probe_params.h"
#include "probes.h"

const struct heavy_lib ar_heavy = {
	.plugin = "autoreject",
	.file = AR_IMPL_FILE,
	.symbol = AR_IMPL_SYMBOL,
	.version = AR_VERSION,
};

static const struct dyno_param fit_params[] = {
	AR_INPUT_PARAMS,
	AR_RHO_PARAM,
	{ .name = "consensus", .type = DYNO_PARAM_INT, .def = "11",
	  .min = "2", .max = "101",
	  .help = "points of the consensus grid over [0, 1] (fraction of channels)" },
	{ .name = "cv", .type = DYNO_PARAM_INT, .def = "10", .min = "2",
	  .max = "100", .help = "folds of the consensus x n_interpolate CV" },
	{ .name = "method", .type = DYNO_PARAM_ENUM, .def = "bayesian",
	  .choices = "bayesian|random_search",
	  .help = "per-channel threshold search" },
	{ .name = "rng", .type = DYNO_PARAM_ENUM, .def = "numpy",
	  .choices = "numpy|splitmix",
	  .help = "numpy: CV splits and search draws exactly as the Python reference's random_state=seed (seed <= 4294967295); splitmix: dyno's own generator" },
	{ .name = "log", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "write the reject log (JSON) to this file" },
	{ .name = "save", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "write the epochs as source=raw input: FILE (float64) and FILE.json (header; synthetic: with the truth)" },
	{ NULL }
};

static const struct dyno_metric fit_metrics[] = {
	{ .name = "duration", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "seconds to fit and apply AutoReject to the recording" },
	{ .name = "epochs_per_s", .unit = "epoch/s", .better = DYNO_BETTER_HIGHER,
	  .help = "epochs of the recording / duration" },
	{ .name = "precision", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "synthetic: rejected epochs that had an injected transient artifact" },
	{ .name = "recall", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "synthetic: epochs with an injected transient artifact that were rejected" },
	{ NULL }
};

static int
fit_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
		void **state)
{
	return heavy_setup(&ar_heavy, "fit", h, ctx, state);
}

const struct dyno_probe ar_fit_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "fit",
	.summary = "Full local AutoReject (per-channel thresholds, consensus x n_interpolate CV, repair) on an EEG recording",
	.params = fit_params,
	.metrics = fit_metrics,
	.headline_metrics = 2, /* duration, epochs_per_s */
	.setup = fit_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

static const struct dyno_param global_params[] = {
	AR_INPUT_PARAMS,
	{ NULL }
};

static const struct dyno_metric global_metrics[] = {
	{ .name = "duration", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "seconds to find the global threshold of the recording" },
	{ NULL }
};

static int
global_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void **state)
{
	return heavy_setup(&ar_heavy, "global", h, ctx, state);
}

const struct dyno_probe ar_global_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "global",
	.summary = "AutoReject's global peak-to-peak rejection threshold (5-fold CV, Bayesian search)",
	.params = global_params,
	.metrics = global_metrics,
	.setup = global_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

static const struct dyno_param interp_params[] = {
	AR_INPUT_PARAMS,
	{ .name = "bad", .type = DYNO_PARAM_INT, .def = "2", .min = "1",
	  .max = "127",
	  .help = "channels interpolated per epoch (a different set each epoch)" },
	{ NULL }
};

static const struct dyno_metric interp_metrics[] = {
	{ .name = "duration", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "seconds to interpolate the bad channels of every epoch" },
	{ .name = "epochs_per_s", .unit = "epoch/s", .better = DYNO_BETTER_HIGHER,
	  .help = "epochs / duration" },
	{ NULL }
};

static int
interp_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void **state)
{
	return heavy_setup(&ar_heavy, "interpolate", h, ctx, state);
}

const struct dyno_probe ar_interp_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "interpolate",
	.summary = "Spherical-spline interpolation of bad channels in every epoch (Legendre series, SVD pseudo-inverse)",
	.params = interp_params,
	.metrics = interp_metrics,
	.headline_metrics = 2, /* duration, epochs_per_s */
	.setup = interp_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

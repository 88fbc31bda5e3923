/*
** pipeline_probe.c - the eegpt.pipeline probe's descriptor (parameters,
** metrics) in the shell dyno loads; the work is pipeline.c's, in the
** implementation library (heavy.h).
*/
#include <dyno/plugin.h>

#include "ar_api.h"
#include "heavy.h"
#include "pipeline.h"
#include "probes.h"

/* The recording as autoreject.fit reads it (AR_INPUT_PARAMS: its
** `threads` are AutoReject's), then the encoder's as eegpt.infer's. */
static const struct dyno_param pipeline_params[] = {
	AR_INPUT_PARAMS,
	AR_RHO_PARAM,
	{ .name = "consensus", .type = DYNO_PARAM_INT, .def = "11",
	  .min = "2", .max = "101",
	  .help = "AutoReject: points of the consensus grid over [0, 1]" },
	{ .name = "cv", .type = DYNO_PARAM_INT, .def = "10", .min = "2",
	  .max = "100", .help = "AutoReject: folds of the consensus x n_interpolate CV" },
	{ .name = "batch", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "4096", .help = "encoder: windows per forward" },
	{ .name = "samples", .type = DYNO_PARAM_INT, .def = "2048",
	  .min = "64", .max = "1048576",
	  .help = "samples per window (2048: 8 s at 256 Hz); windows do not overlap" },
	EEGPT_MODEL_PARAMS,
	{ .name = "encoder_threads", .type = DYNO_PARAM_INT, .def = "0",
	  .min = "0", .max = "1024",
	  .help = "encoder: oneDNN's OpenMP threads (0: as many as threads)" },
	{ NULL }
};

static const struct dyno_metric pipeline_metrics[] = {
	{ .name = "recordings_per_hour", .unit = "",
	  .better = DYNO_BETTER_HIGHER,
	  .help = "recordings one such worker takes from file to features per hour (3600 / duration)" },
	{ .name = "duration", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "seconds per recording, every stage" },
	{ .name = "read", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "reading (or generating) the recording into epochs" },
	{ .name = "autoreject", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "fitting and applying AutoReject, keeping the clean epochs" },
	{ .name = "windowing", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "joining the kept epochs and cutting windows (float32)" },
	{ .name = "encoder", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "the EEGPT encoder over every window, features out" },
	{ .name = "windows", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "windows per recording" },
	{ .name = "windows_per_s", .unit = "window/s",
	  .better = DYNO_BETTER_HIGHER,
	  .help = "the encoder stage's windows / encoder" },
	{ NULL }
};

static int
pipeline_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	return heavy_setup(&eegpt_heavy, "pipeline", h, ctx, state);
}

const struct dyno_probe eegpt_pipeline_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "pipeline",
	.summary = "EEG recording -> AutoReject -> 8 s windows -> EEGPT encoder features: recordings/hour",
	.params = pipeline_params,
	.metrics = pipeline_metrics,
	.headline_metrics = 1,
	.setup = pipeline_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
#ifndef EEGPT_PIPELINE
	.unavailable_reason = "built without LAPACKE, which the AutoReject stage needs",
#endif
};

/*
** eegpt.c - the eegpt plugin's shell: the EEGPT encoder's inference as
** a benchmark (windows/s against batch, device, precision, threads).
** The work, and oneDNN with it, is in impl/eegpt-impl.so, opened in the
** probe's process only (heavy.h), so `dyno list` never loads oneDNN.
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "nn_probe.h"
#include "pipeline.h"
#include "probes.h"

const struct heavy_lib eegpt_heavy = {
	.plugin = "eegpt",
	.file = EEGPT_IMPL_FILE,
	.symbol = EEGPT_IMPL_SYMBOL,
	.version = EEGPT_VERSION,
};

static const struct dyno_param infer_params[] = {
	{ .name = "batch", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "4096", .help = "windows per forward" },
	{ .name = "channels", .type = DYNO_PARAM_INT, .def = "20", .min = "1",
	  .max = "256", .help = "EEG channels per window" },
	{ .name = "samples", .type = DYNO_PARAM_INT, .def = "2048",
	  .min = "64", .max = "1048576",
	  .help = "samples per window (2048: 8 s at 256 Hz)" },
	EEGPT_MODEL_PARAMS,
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "1024",
	  .help = "cpu: oneDNN's OpenMP threads (0: OpenMP's default, one per CPU)" },
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",
	  .help = "dyno-init-v1 seed of the weights when no file is given" },
	{ NULL }
};

static const struct dyno_metric infer_metrics[] = {
	{ .name = "windows_per_s", .unit = "window/s",
	  .better = DYNO_BETTER_HIGHER,
	  .help = "windows encoded per second (batch / latency)" },
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "one forward of the whole batch, input copy in and output copy out included" },
	{ .name = "flops", .unit = "FLOP/s", .better = DYNO_BETTER_HIGHER,
	  .help = "the encoder's matmul floating-point operations per second" },
	NN_PROBE_MEM_METRICS,
	{ NULL }
};

static int
infer_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	return heavy_setup(&eegpt_heavy, "infer", h, ctx, state);
}

static const struct dyno_probe eegpt_infer_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "infer",
	.summary = "EEGPT encoder (braindecode 1.8) forward on random EEG windows: windows/s",
	.params = infer_params,
	.metrics = infer_metrics,
	.headline_metrics = 1,
	.setup = infer_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

static const struct dyno_probe *const eegpt_probes[] = {
	&eegpt_infer_probe, &eegpt_pipeline_probe, NULL
};

static int
eegpt_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	return heavy_init(&eegpt_heavy, h, ctx);
}

static void
eegpt_fini(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	heavy_fini(&eegpt_heavy, h, ctx);
}

static const struct dyno_plugin eegpt_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "eegpt",
	.version = EEGPT_VERSION,
	.summary = "EEGPT encoder inference on the nn engine (oneDNN on CPU, cuBLASLt/cuDNN on CUDA)",
	.probes = eegpt_probes,
	.init = eegpt_init,
	.fini = eegpt_fini,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &eegpt_plugin;
}

/*
** yolo.c - the yolo plugin's shell: YOLOv8 detection as a benchmark
** (images/s against model scale, batch, device, precision, threads).
** The work, and oneDNN with it, is in impl/yolo-impl.so, opened in the
** probe's process only (heavy.h), so `dyno list` never loads oneDNN.
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "nn_probe.h"
#include "nms_probe.h"
#include "pipeline.h"
#include "probes.h"

const struct heavy_lib yolo_heavy = {
	.plugin = "yolo",
	.file = YOLO_IMPL_FILE,
	.symbol = YOLO_IMPL_SYMBOL,
	.version = YOLO_VERSION,
};

static const struct dyno_param infer_params[] = {
	{ .name = "batch", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024", .help = "images per forward" },
	YOLO_MODEL_PARAMS,
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "1024",
	  .help = "cpu: oneDNN's OpenMP threads (0: OpenMP's default, one per CPU)" },
	{ NULL }
};

static const struct dyno_metric infer_metrics[] = {
	{ .name = "fps", .unit = "img/s", .better = DYNO_BETTER_HIGHER,
	  .help = "images through the network per second (batch / latency); the forward only: letterbox, decode and NMS are yolo.pipeline's and yolo.nms's" },
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "one forward of the whole batch to the raw head, input copy in and output copy out included" },
	{ .name = "flops", .unit = "FLOP/s", .better = DYNO_BETTER_HIGHER,
	  .help = "the network's convolution floating-point operations (2 x multiply-accumulates) per second" },
	NN_PROBE_MEM_METRICS,
	{ NULL }
};

static int
infer_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	return heavy_setup(&yolo_heavy, "infer", h, ctx, state);
}

static const struct dyno_probe yolo_infer_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "infer",
	.summary = "YOLOv8 forward (n/s/m or a family YAML) on random images to the raw head: images/s",
	.params = infer_params,
	.metrics = infer_metrics,
	.headline_metrics = 1,
	.setup = infer_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

static const struct dyno_probe *const yolo_probes[] = {
	&yolo_infer_probe, &yolo_pipeline_probe, &yolo_nms_probe, NULL
};

static int
yolo_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	return heavy_init(&yolo_heavy, h, ctx);
}

static void
yolo_fini(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	heavy_fini(&yolo_heavy, h, ctx);
}

static const struct dyno_plugin yolo_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "yolo",
	.version = YOLO_VERSION,
	.summary = "YOLOv8 detection on the nn engine (oneDNN on CPU, cuDNN on CUDA): forward, NMS, video pipeline",
	.probes = yolo_probes,
	.init = yolo_init,
	.fini = yolo_fini,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &yolo_plugin;
}

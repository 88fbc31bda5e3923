/*
** pipeline_probe.c - the yolo.pipeline probe's descriptor (parameters,
** metrics) in the shell dyno loads; the work is pipeline.c's, in the
** implementation library (heavy.h), which alone links libavcodec.
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "pipeline.h"
#include "probes.h"

/* The clip, its decoder, then the network's as yolo.infer's. */
static const struct dyno_param pipeline_params[] = {
	{ .name = "decode_threads", .type = DYNO_PARAM_INT, .def = "1",
	  .min = "0", .max = "256",
	  .help = "libavcodec's H.264 decoder threads, frame and slice (0: libavcodec's choice, one per CPU)" },
	{ .name = "decoder", .type = DYNO_PARAM_ENUM, .def = "auto",
	  .choices = "auto|cpu|nvdec",
	  .help = "auto: NVDEC (h264_cuvid) when device=cuda and it opens, else libavcodec's h264 on the CPU; nvdec: NVDEC or skip" },
	{ .name = "clip", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "a raw H.264 (Annex-B) file to decode instead (empty: the probe encodes its own with libx264 in its scratch directory)" },
	{ .name = "width", .type = DYNO_PARAM_INT, .def = "1280", .min = "16",
	  .max = "7680", .help = "the probe's clip: frame width, even" },
	{ .name = "height", .type = DYNO_PARAM_INT, .def = "720", .min = "16",
	  .max = "4320", .help = "the probe's clip: frame height, even" },
	{ .name = "frames", .type = DYNO_PARAM_INT, .def = "60", .min = "1",
	  .max = "100000", .help = "the probe's clip: frames (60: one 2 s GOP at 30 fps); the pipeline loops over them" },
	{ .name = "fps", .type = DYNO_PARAM_INT, .def = "30", .min = "1",
	  .max = "1000", .help = "the probe's clip: frame rate (a key frame every 2 s)" },
	{ .name = "crf", .type = DYNO_PARAM_INT, .def = "23", .min = "0",
	  .max = "51", .help = "the probe's clip: libx264's constant rate factor (23: its default; lower: more bits to decode)" },
	{ .name = "stages", .type = DYNO_PARAM_ENUM, .def = "all",
	  .choices = "all|decode",
	  .help = "all: decode, convert, letterbox, infer, NMS; decode: decode and convert only (the video's ceiling; no network is built)" },
	{ .name = "batch", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024", .help = "frames per forward" },
	YOLO_MODEL_PARAMS,
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "1024",
	  .help = "cpu: oneDNN's OpenMP threads (0: OpenMP's default, one per CPU)" },
	{ NULL }
};

static const struct dyno_metric pipeline_metrics[] = {
	{ .name = "fps", .unit = "frame/s", .better = DYNO_BETTER_HIGHER,
	  .help = "frames from H.264 to kept detections per second, every stage, one frame after another (batch frames at a time)" },
	{ .name = "decode_s", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "per frame: H.264 decoding (decode_threads, or NVDEC and the copy to the host)" },
	{ .name = "convert_s", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "per frame: YUV to packed BGR24 with libswscale (what OpenCV hands ultralytics)" },
	{ .name = "letterbox_s", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "per frame: resize, pad 114, BGR to RGB, HWC to CHW, /255 into the network's input" },
	{ .name = "infer_s", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "per frame: the network's forward over the batch, divided by batch" },
	{ .name = "nms_s", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "per frame: DFL box decode, the conf filter, class-aware NMS, boxes mapped back to the frame" },
	{ NULL }
};

static int
pipeline_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	return heavy_setup(&yolo_heavy, "pipeline", h, ctx, state);
}

const struct dyno_probe yolo_pipeline_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "pipeline",
	.summary = "H.264 clip -> decode -> BGR -> letterbox -> YOLOv8 -> NMS: end-to-end frames/s and each stage's time",
	.params = pipeline_params,
	.metrics = pipeline_metrics,
	.headline_metrics = 1,
	.flags = DYNO_PROBE_WRITES_DISK,
	.setup = pipeline_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
#ifndef YOLO_PIPELINE
	.unavailable_reason = "built without libavcodec/libswscale (install libavcodec-dev libavutil-dev libswscale-dev and reconfigure)",
#endif
};

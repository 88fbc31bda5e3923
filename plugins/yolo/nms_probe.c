/*
** nms_probe.c - the yolo.nms probe's descriptor (parameters, metrics) in
** the shell dyno loads; the work is nms_run.c's, in the implementation
** library (heavy.h).
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "nms_probe.h"
#include "probes.h"

static const struct dyno_param nms_params[] = {
	{ .name = "candidates", .type = DYNO_PARAM_INT, .def = "8400",
	  .min = "1", .max = "1000000",
	  .help = "boxes (anchors) of the decoded prediction, as the head gives (8400 at imgsz 640)" },
	{ .name = "classes", .type = DYNO_PARAM_INT, .def = "80", .min = "1",
	  .max = "4096", .help = "class scores per box (80: COCO)" },
	{ .name = "clusters", .type = DYNO_PARAM_INT, .def = "30", .min = "1",
	  .max = "1000000",
	  .help = "objects the boxes gather around: each box is one cluster's, jittered, with its class" },
	{ .name = "conf", .type = DYNO_PARAM_FLOAT, .def = "0.25", .min = "0",
	  .max = "1", .help = "keep boxes whose best score is above this (predict: 0.25; val: 0.001)" },
	{ .name = "iou", .type = DYNO_PARAM_FLOAT, .def = "0.7", .min = "0",
	  .max = "1", .help = "suppress a box overlapping a kept one of its class by IoU above this" },
	{ .name = "max_det", .type = DYNO_PARAM_INT, .def = "300", .min = "1",
	  .max = "1000000", .help = "keep at most this many detections" },
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",
	  .help = "seed of the synthetic boxes and scores, made once per run" },
	{ NULL }
};

static const struct dyno_metric nms_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "one non_max_suppression call: best class and conf filter over the prediction, sort, class-aware greedy NMS" },
	{ .name = "candidates_per_s", .unit = "box/s",
	  .better = DYNO_BETTER_HIGHER,
	  .help = "boxes of the prediction per second (candidates / latency)" },
	{ .name = "selected", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "boxes above conf that go into NMS (at most 30000, the best)" },
	{ .name = "kept", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "detections NMS keeps (at most max_det)" },
	{ NULL }
};

static int
nms_shell_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    void **state)
{
	return heavy_setup(&yolo_heavy, "nms", h, ctx, state);
}

const struct dyno_probe yolo_nms_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "nms",
	.summary = "ultralytics' non_max_suppression (conf, best class, class-aware greedy IoU NMS) on synthetic overlapping boxes: latency",
	.params = nms_params,
	.metrics = nms_metrics,
	.headline_metrics = 1,
	.setup = nms_shell_setup,
	.teardown = heavy_teardown,
	.run = heavy_run,
};

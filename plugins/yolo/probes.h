/*
** probes.h - the yolo probes in two halves: descriptors (yolo.c, the
** shell dyno loads) and callbacks (impl.c and the other probes' files,
** in the implementation library, which links the nn engine and is opened
** in the probe's process only: heavy.h).  Private to plugins/yolo.
*/
#ifndef YOLO_PROBES_H
#define YOLO_PROBES_H

#include <dyno/plugin.h>

#include "heavy.h"

#define YOLO_VERSION "0.1.0"
#define YOLO_IMPL_FILE "yolo-impl.so"
#define YOLO_IMPL_SYMBOL "yolo_impl_v1"

/* The network's parameters every probe that runs it takes (beside
** batch and threads, whose help differs); model_params.c reads them. */
#define YOLO_MODEL_PARAMS \
	{ .name = "model", .type = DYNO_PARAM_STRING, .def = "yolov8n", \
	  .help = "yolov8n, yolov8s, yolov8m, or the path of a family YAML (ultralytics' layout, with `scale: NAME`)" }, \
	{ .name = "imgsz", .type = DYNO_PARAM_INT, .def = "640", .min = "32", \
	  .max = "8192", .help = "square input size in pixels, a multiple of 32" }, \
	{ .name = "device", .type = DYNO_PARAM_ENUM, .def = "cpu", \
	  .choices = "cpu|cuda", .help = "where the network runs" }, \
	{ .name = "precision", .type = DYNO_PARAM_ENUM, .def = "fp32", \
	  .choices = "fp32|tf32|fp16|bf16", \
	  .help = "activations and weights (cpu: fp32, or bf16 where the CPU has AVX512-BF16)" }, \
	{ .name = "weights", .type = DYNO_PARAM_STRING, .def = "", \
	  .help = "safetensors file of ultralytics' state dict, fused or with BN (folded at load); empty: dyno-init-v1 with seed" }, \
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0", \
	  .help = "dyno-init-v1 seed of the weights when no file is given" }, \
	{ .name = "graph", .type = DYNO_PARAM_BOOL, .def = "true", \
	  .help = "cuda: replay the forward as a CUDA graph (cpu: the primitives are always built once and replayed)" }

extern const struct heavy_lib yolo_heavy;
extern const struct heavy_probe yolo_infer_impl;

#endif /* YOLO_PROBES_H */

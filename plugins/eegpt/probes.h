/*
** probes.h - the eegpt probes in two halves: descriptors (eegpt.c, the
** shell dyno loads) and callbacks (impl.c, the implementation library,
** which links the nn engine and oneDNN and is opened in the probe's
** process only: heavy.h).  Private to plugins/eegpt.
*/
#ifndef EEGPT_PROBES_H
#define EEGPT_PROBES_H

#include <dyno/plugin.h>

#include "heavy.h"

#define EEGPT_VERSION "0.1.0"
#define EEGPT_IMPL_FILE "eegpt-impl.so"
#define EEGPT_IMPL_SYMBOL "eegpt_impl_v1"

/* The encoder's parameters both probes take (beside batch, channels or
** the recording's, samples and threads, whose help differs). */
#define EEGPT_MODEL_PARAMS \
	{ .name = "stride", .type = DYNO_PARAM_INT, .def = "64", .min = "1", \
	  .max = "64", \
	  .help = "encoder: samples between patches (64: the spec's; braindecode's default is 32)" }, \
	{ .name = "dim", .type = DYNO_PARAM_INT, .def = "512", .min = "1", \
	  .max = "8192", .help = "encoder: embedding width D (the spec's: 512)" }, \
	{ .name = "depth", .type = DYNO_PARAM_INT, .def = "8", .min = "0", \
	  .max = "256", .help = "encoder: transformer blocks (the spec's: 8)" }, \
	{ .name = "heads", .type = DYNO_PARAM_INT, .def = "8", .min = "1", \
	  .max = "256", .help = "encoder: attention heads, dividing dim (the spec's: 8)" }, \
	{ .name = "device", .type = DYNO_PARAM_ENUM, .def = "cpu", \
	  .choices = "cpu|cuda", .help = "where the encoder runs" }, \
	{ .name = "precision", .type = DYNO_PARAM_ENUM, .def = "fp32", \
	  .choices = "fp32|tf32|fp16|bf16", \
	  .help = "activations and weights (cpu: fp32, or bf16 where the CPU has AVX512-BF16)" }, \
	{ .name = "weights", .type = DYNO_PARAM_STRING, .def = "", \
	  .help = "safetensors file of braindecode's EEGPT state dict (empty: dyno-init-v1 with seed)" }, \
	{ .name = "graph", .type = DYNO_PARAM_BOOL, .def = "true", \
	  .help = "cuda: replay the forward as a CUDA graph (cpu: the primitives are always built once and replayed)" }

extern const struct heavy_lib eegpt_heavy;
extern const struct heavy_probe eegpt_infer_impl;

#endif /* EEGPT_PROBES_H */

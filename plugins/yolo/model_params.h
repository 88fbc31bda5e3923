/*
** model_params.h - the setup every probe that runs the network shares:
** the model its parameters (probes.h, YOLO_MODEL_PARAMS) describe.
*/
#ifndef YOLO_MODEL_PARAMS_H
#define YOLO_MODEL_PARAMS_H

#include <dyno/plugin.h>

#include "model.h"

/* Builds the model for BATCH images from the probe's parameters, loads
** or seeds its weights, compiles it for THREADS (0: OpenMP's default)
** and records the weights, model and engine artifacts.  DYNO_OK; else
** what h->fail or h->skip returned, with M freed. */
int	yolo_model_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
	    int batch, int threads, struct yolo_model *m);
/* Where yolov8.yaml is: the source tree's for a build-tree plugin, else
** the installed one's. */
const char *yolo_family_dir(void);

#endif /* YOLO_MODEL_PARAMS_H */

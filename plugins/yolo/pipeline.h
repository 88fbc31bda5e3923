/*
** pipeline.h - the yolo.pipeline probe in two halves: its descriptor
** (pipeline_probe.c, in the shell) and its callbacks (pipeline.c, in the
** implementation library, which links libavcodec, libswscale and the nn
** engine).  Private to plugins/yolo.
*/
#ifndef YOLO_PIPELINE_H
#define YOLO_PIPELINE_H

#include <dyno/plugin.h>

#include "heavy.h"

extern const struct dyno_probe yolo_pipeline_probe;
extern const struct heavy_probe yolo_pipeline_impl;

#endif /* YOLO_PIPELINE_H */

/*
** nms_probe.h - the yolo.nms probe in two halves: its descriptor
** (nms_probe.c, in the shell) and its callbacks (nms_run.c, in the
** implementation library with the rest of the post-processing).
** Private to plugins/yolo.
*/
#ifndef YOLO_NMS_PROBE_H
#define YOLO_NMS_PROBE_H

#include <dyno/plugin.h>

#include "heavy.h"

extern const struct dyno_probe yolo_nms_probe;
extern const struct heavy_probe yolo_nms_impl;

#endif /* YOLO_NMS_PROBE_H */

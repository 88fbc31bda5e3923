/*
** pipeline.h - the eegpt.pipeline probe in two halves: its descriptor
** (pipeline_probe.c, in the shell) and its callbacks (pipeline.c, in the
** implementation library, which links the AutoReject library and the nn
** engine).  Private to plugins/eegpt.
*/
#ifndef EEGPT_PIPELINE_H
#define EEGPT_PIPELINE_H

#include <dyno/plugin.h>

#include "heavy.h"

extern const struct dyno_probe eegpt_pipeline_probe;
extern const struct heavy_probe eegpt_pipeline_impl;

#endif /* EEGPT_PIPELINE_H */

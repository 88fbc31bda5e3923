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

extern const struct heavy_lib eegpt_heavy;
extern const struct heavy_probe eegpt_infer_impl;

#endif /* EEGPT_PROBES_H */

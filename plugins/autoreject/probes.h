/*
** probes.h - the autoreject probes, in two halves: their descriptors
** (probes.c, in the shell that dyno loads) and their callbacks
** (probe_*.c, in the implementation library impl.c exports, which links
** LAPACKE and OpenBLAS).  Private to plugins/autoreject.
*/
#ifndef AR_PROBES_H
#define AR_PROBES_H

#include <dyno/plugin.h>

#include "heavy.h"

/* The plugin's version; shell and implementation must agree on it. */
#define AR_VERSION "1.0.0"
/* The implementation, in heavy.h's HEAVY_DIR beside autoreject.so. */
#define AR_IMPL_FILE "autoreject-impl.so"
#define AR_IMPL_SYMBOL "autoreject_impl_v1"

/* The shell (probes.c): how it finds the implementation, and the
** descriptors autoreject.c lists. */
extern const struct heavy_lib ar_heavy;
/* the full local AutoReject */
extern const struct dyno_probe ar_fit_probe;
/* the global threshold only */
extern const struct dyno_probe ar_global_probe;
/* spherical-spline interpolation alone */
extern const struct dyno_probe ar_interp_probe;

/* The implementation: each probe's callbacks (probe_fit.c,
** probe_global.c, probe_interp.c), which impl.c lists. */
extern const struct heavy_probe ar_fit_impl;
extern const struct heavy_probe ar_global_impl;
extern const struct heavy_probe ar_interp_impl;

#endif /* AR_PROBES_H */

/*
** probes.h - the autoreject plugin's probe descriptors, one per file;
** autoreject.c lists them.  Private to plugins/autoreject.
*/
#ifndef AR_PROBES_H
#define AR_PROBES_H

#include <dyno/plugin.h>

/* probe_fit.c: the full local AutoReject */
extern const struct dyno_probe ar_fit_probe;
/* probe_global.c: the global threshold only */
extern const struct dyno_probe ar_global_probe;
/* probe_interp.c: spherical-spline interpolation alone */
extern const struct dyno_probe ar_interp_probe;

#endif /* AR_PROBES_H */

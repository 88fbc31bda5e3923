/*
** rejectlog.h - the reject log as a JSON file.
*/
#ifndef AR_REJECTLOG_H
#define AR_REJECTLOG_H

#include <stddef.h>

#include "ar.h"
#include "fit.h"

/* Writes {"n_epochs", "channels", "bad_epochs", "labels" (one string of
** digits 0/1/2 per epoch), "thresholds" {name: volts}, "consensus",
** "n_interpolate", "global_threshold"} to path (replaced atomically).
** Returns 0, or -1 with a one-line reason naming the file in err. */
int ar_rejectlog_write(const char *path, const struct ar_epochs *ep,
		       const struct ar_model *m,
		       const struct ar_reject_log *log, double global_thresh,
		       char *err, size_t errlen);

#endif /* AR_REJECTLOG_H */

/*
** err.h - error codes and the caller-provided error record of the core.
**
** Core functions return 0 on success or a negative DYNO_E* code; the detail
** goes into a struct dyno_err the caller owns (no heap, no ownership
** question).  Messages are one line that names the input and what was
** expected.
*/
#ifndef DYNO_ERR_H
#define DYNO_ERR_H

#include <dyno/plugin.h>

enum dyno_errcode {
	DYNO_EOK = 0,
	DYNO_EINVAL = -1,  /* bad input: unparsable, unknown name */
	DYNO_ERANGE = -2,  /* a value outside its allowed range */
	DYNO_ENOENT = -3,  /* no such file, probe, plugin */
	DYNO_EIO = -4,     /* a system call failed */
	DYNO_EABI = -5,    /* not a dyno plugin, or an incompatible one */
	DYNO_EPERM = -6,   /* refused for safety (world-writable plugin) */
	DYNO_EEXIST = -7,  /* duplicate name */
	DYNO_ENOMEM = -8,
	DYNO_ECHILD = -9   /* the probe process died or misbehaved */
};

struct dyno_err {
	int code;
	char msg[256];
};

/* Fill err (which may be NULL) and return code, so callers can write
** `return dyno_err_set(err, DYNO_EINVAL, "...")`. */
int dyno_err_set(struct dyno_err *err, int code, const char *fmt, ...)
	DYNO_PRINTF(3, 4);

/* Static text for a DYNO_E* code. */
const char *dyno_strerror(int code);

#endif

/* err.c - DYNO_E* codes and the dyno_err helpers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "err.h"

int
dyno_err_set(struct dyno_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Errors are one line, whatever input they quote. */
	for (char *c = err->msg; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return code;
}

const char *
dyno_strerror(int code)
{
	switch (code) {
	case DYNO_EOK: return "success";
	case DYNO_EINVAL: return "invalid input";
	case DYNO_ERANGE: return "value out of range";
	case DYNO_ENOENT: return "not found";
	case DYNO_EIO: return "input/output error";
	case DYNO_EABI: return "incompatible plugin";
	case DYNO_EPERM: return "refused for safety";
	case DYNO_EEXIST: return "already exists";
	case DYNO_ENOMEM: return "out of memory";
	case DYNO_ECHILD: return "probe process failed";
	}
	return "unknown error";
}

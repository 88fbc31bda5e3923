/*
** jsonout.h - writing a JSON document to a file atomically (a temporary
** file renamed into place), so a reader never sees half of one.
*/
#ifndef AR_JSONOUT_H
#define AR_JSONOUT_H

#include <stddef.h>

#include <jansson.h>

/* Dumps root (compact) to path.tmp and renames it to path.  param names
** the probe parameter for the error ("log", "save").  Returns 0, or -1
** with a one-line reason naming param and file in err. */
int ar_json_write_atomic(const char *param, const char *path, json_t *root,
			 char *err, size_t errlen);

#endif /* AR_JSONOUT_H */

/*
** jsonout.c - writing a JSON document to a file atomically.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonout.h"

int
ar_json_write_atomic(const char *param, const char *path, json_t *root,
		     char *err, size_t errlen)
{
	char tmp[4200];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s=%.200s...: path too long", param,
			 path);
		return -1;
	}
	if (json_dump_file(root, tmp, JSON_COMPACT) != 0) {
		snprintf(err, errlen, "%s=%s: cannot write %s: %s", param, path,
			 tmp, strerror(errno));
		remove(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s=%s: cannot rename %s into place: %s",
			 param, path, tmp, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

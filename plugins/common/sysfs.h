/*
** sysfs.h - the first line of a small kernel file (sysfs, procfs), the way
** every plugin's inventory reads one: a printf-style path, trailing white
** space trimmed.
*/
#ifndef DYNO_PLUGIN_SYSFS_H
#define DYNO_PLUGIN_SYSFS_H

#include <stddef.h>

/* The first line of the file fmt names into buf (n bytes), without its
** trailing white space.  0, or -1 when it cannot be read or is empty
** (reading an attribute can fail, e.g. the speed of a link that is down). */
int sysfs_line(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif

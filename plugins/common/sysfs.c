/* sysfs.c - the first line of a small kernel file (sysfs.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sysfs.h"

int
sysfs_line(char *buf, size_t n, const char *fmt, ...)
{
	char path[512];       /* kernel attribute paths are short */
	va_list ap;
	FILE *f;
	size_t len;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(path) || n == 0)
		return -1;
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fgets(buf, (int)n, f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	return len > 0 ? 0 : -1;
}

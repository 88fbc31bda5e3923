/*
** xmalloc.h - checked allocation for the core only.
**
** The core treats running out of memory as fatal: these print one line and
** exit(2).  Results already measured were fsynced record by record, so
** nothing is lost.  Plugins must not use these; they report with fail().
*/
#ifndef DYNO_XMALLOC_H
#define DYNO_XMALLOC_H

#include <stddef.h>
#include <dyno/plugin.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of nmemb elements of size bytes, checking overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Newly allocated formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) DYNO_PRINTF(1, 2);
/* Free the n strings of v, then v (NULL v: nothing). */
void xfree_strv(char **v, size_t n);

#endif

/*
** grow.h - growing an array of counters whose new elements must start
** at zero (per-window counts, histograms).
*/
#ifndef DYNO_PLUGINS_GROW_H
#define DYNO_PLUGINS_GROW_H

#include <stdlib.h>
#include <string.h>

/* Grows p, an array of n elements of `size` bytes, to nn > n elements
** with elements n..nn-1 zeroed.  Returns the new array, or NULL when out
** of memory (p is then untouched, still the caller's to free). */
static inline void *
grow_zeroed(void *p, size_t n, size_t nn, size_t size)
{
	unsigned char *q = realloc(p, nn * size);

	if (q != NULL)
		memset(q + n * size, 0, (nn - n) * size);
	return q;
}

#endif /* DYNO_PLUGINS_GROW_H */

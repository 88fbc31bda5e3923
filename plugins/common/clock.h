/*
** clock.h - the plugins' monotonic clock, in ns.  Inline, and not
** host->now_ns: hot loops read it between two operations, and worker
** threads and helper processes have no host to ask.
*/
#ifndef DYNO_PLUGINS_CLOCK_H
#define DYNO_PLUGINS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns. */
static inline uint64_t
clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* DYNO_PLUGINS_CLOCK_H */

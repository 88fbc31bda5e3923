/*
** clock.h - the monotonic clock in nanoseconds, the one definition the
** core times with (and hands plugins as host->now_ns).
**
** Inline, because measure.c reads it around every timed batch and
** because the files beside core (serve/) can take it without linking
** anything.
*/
#ifndef DYNO_CLOCK_H
#define DYNO_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns: never steps, so differences are durations. */
static inline uint64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif

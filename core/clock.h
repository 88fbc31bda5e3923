/*
** clock.h - the monotonic clock in nanoseconds, the one definition the
** core and dyno serve time with (and hand plugins as host->now_ns).
**
** Inline, because measure.c reads it around every timed batch and
** because the files beside core (serve/) can take it without linking
** anything.
*/
#ifndef DYNO_CLOCK_H
#define DYNO_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Clock id in ns. */
static inline uint64_t
clock_id_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in ns: never steps, so differences are durations. */
static inline uint64_t
clock_now_ns(void)
{
	return clock_id_ns(CLOCK_MONOTONIC);
}

/* CLOCK_MONOTONIC_COARSE in ns: a tick's resolution (1-4 ms) and no
** system call, enough for timeouts and deadlines (dyno serve's). */
static inline uint64_t
clock_coarse_ns(void)
{
	return clock_id_ns(CLOCK_MONOTONIC_COARSE);
}

#endif

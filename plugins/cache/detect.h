/*
** detect.h - cache levels from a latency curve: where the latency of a
** pointer chase stays flat (a level holds the working set) and where it
** steps up (the set no longer fits).  Pure computation.  Private to
** plugins/cache.
*/
#ifndef CACHE_DETECT_H
#define CACHE_DETECT_H

#include <stddef.h>

struct detect_level {
	double bytes;    /* largest working set still at this level's latency */
	double latency;  /* median latency of the level's points, s */
	size_t first, last; /* indices of its points in the curve */
	int smeared;     /* no flat run: a long rise, cut at its steepest step */
};

/*
** Splits the curve (sizes ascending, latencies in seconds, n points,
** `per_octave` points per doubling of the size) into levels.
**
** A flat run goes on while the (median-of-3 smoothed) latency stays within
** `tol` (0.25 = 25%) above the run's first point.  Between runs the curve
** rises; the rise ends where the latency one octave further is within tol
** of the current point.  Neighbouring runs whose median latencies are
** within tol are one level (memory's latency creeps up with the size).
** Runs shorter than max(2, per_octave / 2) points are not levels, except
** the last, which is main memory (or the largest size measured).
**
** `expect` is the number of cache levels the machine declares (hwloc), 0
** if unknown.  When fewer flat levels are found and the rise before
** memory spans more than two octaves, that rise is the missing last level
** that never flattens (a VM's share of a shared L3): it is added as a
** `smeared` level ending just before memory.
**
** Writes at most `max` levels and returns how many.
*/
size_t detect_levels(const double *size, const double *lat, size_t n,
		     size_t per_octave, double tol, size_t expect,
		     struct detect_level *out, size_t max);

#endif /* CACHE_DETECT_H */

/*
** measure.h - calibration of iteration counts and adaptive stopping
** (Google Benchmark's calibration, hyperfine's "enough runs").
*/
#ifndef DYNO_MEASURE_H
#define DYNO_MEASURE_H

#include <stdint.h>
#include <jansson.h>

#include "err.h"

struct dyno_ctx;

struct measure_opts {
	uint64_t warmup_ns;     /* run, unmeasured, at least this long */
	uint64_t min_time_ns;   /* measure at least this long */
	uint64_t max_time_ns;   /* and at most this long */
	uint64_t min_batch_ns;  /* one timed iterate() call lasts >= this */
	double ci_target;       /* stop when the 95% CI half-width of the
				   mean is <= this fraction of it */
	uint64_t min_samples;   /* and at least this many samples exist */
};

/* What the measurement did, for the result record. */
struct measure_info {
	uint64_t batch_size;    /* iterations per timed batch */
	uint64_t batches;       /* timed batches (iterate probes) */
	uint64_t iterations;    /* timed iterations in all */
	double warmup_s, measured_s;
	double rel_ci;          /* achieved, worst metric */
	int ci_met;             /* rel_ci <= ci_target */
};

/* warmup 100ms, min_time 0.5s, max_time 10s, min_batch 10ms, 2%, 5. */
void measure_opts_default(struct measure_opts *o);

/* Check the options are consistent (min_time <= max_time...). */
int measure_opts_check(const struct measure_opts *o, struct dyno_err *err);

/*
** Run an iterate probe: warm up, calibrate n so a batch lasts at least
** min_batch_ns, then time batches, recording per-operation time, rate and
** bandwidth into ctx, until min_time has passed and the CI target is met,
** or max_time.  Returns the probe's outcome (DYNO_OK/SKIP/FAIL).
*/
int measure_iterate(struct dyno_ctx *ctx, void *state,
		    struct measure_info *info);

/*
** Run a run() probe and fill info.  The probe stops itself when
** measure_should_stop says so.
*/
int measure_run(struct dyno_ctx *ctx, void *state, struct measure_info *info);

/* host->should_stop for run() probes: max_time reached, or min_time
** reached and every recorded metric within the CI target. */
int measure_should_stop(struct dyno_ctx *ctx);

/* {"warmup_s":..., "min_time_s":..., ...} of options and info. */
json_t *measure_to_json(const struct measure_opts *o,
			const struct measure_info *info);

#endif

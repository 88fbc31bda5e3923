/* measure.c - warm-up, calibration of batch sizes, adaptive stopping. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "clock.h"
#include "ctx.h"
#include "measure.h"

/* Re-evaluating the CI on every should_stop() call would cost more than
** a fast probe's own work; once per interval is plenty. */
#define CHECK_INTERVAL_NS 10000000u

/* Report progress for probes that don't: the time spent against the
** time the measurement will at least take. */
static void
tick(struct dyno_ctx *ctx, uint64_t now, uint64_t start, const char *phase)
{
	const struct measure_opts *o = ctx->opts;
	uint64_t span = o->min_time_ns ? o->min_time_ns : o->max_time_ns;
	double frac;

	if (ctx->progress_fd < 0 || ctx->own_progress ||
	    now - ctx->last_progress_ns < 200000000u)
		return;
	ctx->last_progress_ns = now;
	frac = span ? (double)(now - start) / (double)span : 0.0;
	ctx_progress(ctx, frac > 0.99 ? 0.99 : frac, phase);
}

void
measure_opts_default(struct measure_opts *o)
{
	o->warmup_ns = 100000000u;
	o->min_time_ns = 500000000u;
	o->max_time_ns = 10000000000u;
	o->min_batch_ns = 10000000u;
	o->ci_target = 0.02;
	o->min_samples = 5;
}

int
measure_opts_check(const struct measure_opts *o, struct dyno_err *err)
{
	if (o->min_time_ns > o->max_time_ns)
		return dyno_err_set(err, DYNO_ERANGE,
		    "--min-time (%.3g s) is longer than --max-time (%.3g s)",
		    o->min_time_ns / 1e9, o->max_time_ns / 1e9);
	if (o->min_batch_ns == 0)
		return dyno_err_set(err, DYNO_ERANGE,
		    "--min-batch-time must be positive");
	if (!(o->ci_target > 0.0 && o->ci_target < 1.0))
		return dyno_err_set(err, DYNO_ERANGE,
		    "--ci-target %g: expected a fraction between 0%% and 100%%",
		    o->ci_target);
	return 0;
}

/* Worst relative CI over metrics with samples; INFINITY if one has fewer
** than min_samples, or none has any. */
static double
worst_rel_ci(struct dyno_ctx *ctx, uint64_t min_samples)
{
	double worst = -1.0;

	for (size_t i = 0; i < ctx->nmetrics; i++) {
		uint64_t n = stats_samples_count(ctx->metrics[i].samples);
		double r;

		if (n == 0)
			continue;
		if (n < min_samples)
			return INFINITY;
		r = stats_samples_rel_ci(ctx->metrics[i].samples);
		if (r > worst)
			worst = r;
	}
	return worst < 0 ? INFINITY : worst;
}

/* One timed call of iterate(n); returns the outcome, *dt in ns. */
static int
timed(struct dyno_ctx *ctx, void *state, uint64_t n, uint64_t *dt)
{
	uint64_t t0 = clock_now_ns();
	int rc = ctx->probe->iterate(ctx->host, ctx, state, n);

	*dt = clock_now_ns() - t0;
	if (rc == DYNO_OK && ctx->outcome != DYNO_OK)
		rc = ctx->outcome;
	return rc;
}

/* Next batch size: aim 40% past the target, grow at most 10x a step
** (Google Benchmark's rule), and always grow. */
static uint64_t
next_n(uint64_t n, uint64_t dt, uint64_t target)
{
	double mult = dt > 0 ? 1.4 * (double)target / (double)dt : 10.0;

	if (mult > 10.0)
		mult = 10.0;
	if (mult < 2.0)
		mult = 2.0;
	if ((double)n * mult > 1e18)
		return n;
	return (uint64_t)ceil((double)n * mult);
}

int
measure_iterate(struct dyno_ctx *ctx, void *state, struct measure_info *info)
{
	const struct measure_opts *o = ctx->opts;
	struct ctx_metric *mt = ctx_metric(ctx, "time");
	struct ctx_metric *mr = ctx_metric(ctx, "rate");
	struct ctx_metric *mb = ctx_metric(ctx, "bandwidth");
	uint64_t n = 1, dt = 0, start, now;
	int rc;

	memset(info, 0, sizeof(*info));
	/* Warm up and calibrate together: a warm-up batch is as good a
	** calibration point as any, and a cold one is discarded anyway. */
	start = clock_now_ns();
	for (;;) {
		rc = timed(ctx, state, n, &dt);
		if (rc != DYNO_OK)
			return rc;
		now = clock_now_ns();
		if (dt >= o->min_batch_ns && now - start >= o->warmup_ns)
			break;
		if (dt < o->min_batch_ns)
			n = next_n(n, dt, o->min_batch_ns);
		tick(ctx, now, start, "warming up");
		if (ctx_stop_requested)
			return DYNO_OK;
	}
	info->warmup_s = (double)(now - start) / 1e9;
	info->batch_size = n;

	start = clock_now_ns();
	for (;;) {
		double per;

		rc = timed(ctx, state, n, &dt);
		if (rc != DYNO_OK)
			return rc;
		per = (double)dt / 1e9 / (double)n;
		if (per > 0) {
			stats_samples_add(mt->samples, per);
			stats_samples_add(mr->samples, 1.0 / per);
			if (ctx->bytes_per_op > 0)
				stats_samples_add(mb->samples,
						  ctx->bytes_per_op / per);
		}
		info->batches++;
		info->iterations += n;
		now = clock_now_ns();
		tick(ctx, now, start, "measuring");
		if (now - start >= o->max_time_ns || ctx_stop_requested)
			break;
		if (now - start >= o->min_time_ns &&
		    info->batches >= o->min_samples &&
		    stats_samples_rel_ci(mt->samples) <= o->ci_target)
			break;
	}
	info->measured_s = (double)(now - start) / 1e9;
	info->rel_ci = stats_samples_rel_ci(mt->samples);
	info->ci_met = info->rel_ci <= o->ci_target;
	return DYNO_OK;
}

int
measure_should_stop(struct dyno_ctx *ctx)
{
	const struct measure_opts *o = ctx->opts;
	uint64_t now, el;

	if (ctx->stopped)
		return 1;
	now = clock_now_ns();
	el = now - ctx->run_start_ns;
	tick(ctx, now, ctx->run_start_ns, "measuring");
	if (el >= o->max_time_ns) {
		ctx->stopped = 1;
		return 1;
	}
	if (el < o->min_time_ns || now - ctx->last_check_ns < CHECK_INTERVAL_NS)
		return 0;
	ctx->last_check_ns = now;
	if (worst_rel_ci(ctx, o->min_samples) <= o->ci_target)
		ctx->stopped = 1;
	return ctx->stopped;
}

int
measure_run(struct dyno_ctx *ctx, void *state, struct measure_info *info)
{
	uint64_t start;
	int rc;

	memset(info, 0, sizeof(*info));
	start = clock_now_ns();
	ctx->run_start_ns = start;
	rc = ctx->probe->run(ctx->host, ctx, state);
	if (rc == DYNO_OK && ctx->outcome != DYNO_OK)
		rc = ctx->outcome;
	info->measured_s = (double)(clock_now_ns() - start) / 1e9;
	info->rel_ci = worst_rel_ci(ctx, 1);
	info->ci_met = info->rel_ci <= ctx->opts->ci_target;
	for (size_t i = 0; i < ctx->nmetrics; i++)
		if (stats_samples_count(ctx->metrics[i].samples) > info->iterations)
			info->iterations =
			    stats_samples_count(ctx->metrics[i].samples);
	return rc;
}

json_t *
measure_to_json(const struct measure_opts *o, const struct measure_info *info)
{
	/* JSON has no infinity: "no CI yet" is null. */
	return json_pack("{s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:f, s:o, s:b}",
	    "warmup_s", info->warmup_s,
	    "measured_s", info->measured_s,
	    "min_time_s", (double)o->min_time_ns / 1e9,
	    "max_time_s", (double)o->max_time_ns / 1e9,
	    "min_batch_time_s", (double)o->min_batch_ns / 1e9,
	    "batch_size", (json_int_t)info->batch_size,
	    "batches", (json_int_t)info->batches,
	    "iterations", (json_int_t)info->iterations,
	    "ci_target", o->ci_target,
	    "rel_ci", isfinite(info->rel_ci) ? json_real(info->rel_ci) : json_null(),
	    "ci_target_met", info->ci_met);
}

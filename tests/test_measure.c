/* test_measure.c - calibration and adaptive stopping, in process. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "host.h"
#include "measure.h"
#include "plugin_loader.h"

/* A fake probe whose iterate takes ~cost_ns per operation, busy-waiting. */
static uint64_t calls, max_n;

static int
spin_iter(const struct dyno_host *h, struct dyno_ctx *ctx, void *state,
	  uint64_t n)
{
	uint64_t end = h->now_ns() + n * 1000; /* 1 us per op */

	(void)ctx; (void)state;
	calls++;
	if (n > max_n)
		max_n = n;
	while (h->now_ns() < end)
		;
	return DYNO_OK;
}

static const struct dyno_probe spin = {
	.size = sizeof(struct dyno_probe), .name = "spin", .iterate = spin_iter,
};
static const struct dyno_probe *const probes[] = { &spin, NULL };
static const struct dyno_plugin plug = {
	.size = sizeof(struct dyno_plugin), .name = "fake", .version = "1",
	.probes = probes,
};

Test(measure, calibrates_batch_to_min_batch_time)
{
	struct loader_plugin pl = { .desc = &plug };
	struct param_set ps = { 0 };
	struct measure_opts o;
	struct measure_info info;
	struct dyno_ctx ctx;
	double med;

	measure_opts_default(&o);
	o.warmup_ns = 5000000;
	o.min_time_ns = 50000000;
	o.max_time_ns = 2000000000;
	o.min_batch_ns = 5000000;   /* 5 ms => ~5000 ops of 1 us */
	o.ci_target = 0.5;          /* easy: stop soon after min_time */
	ctx_init(&ctx, host_table(), pl.desc, &spin, &ps, &o);
	cr_assert_eq(measure_iterate(&ctx, NULL, &info), DYNO_OK);
	/* A batch must last >= min_batch: n near 5000 (1 us/op), less only
	** if the spin was preempted on a loaded machine; the 40% overshoot
	** and 10x-step rules keep it below ~10x the target. */
	cr_assert_geq(info.batch_size, 1000, "batch %lu", (unsigned long)info.batch_size);
	cr_assert_lt(info.batch_size, 70000, "batch %lu", (unsigned long)info.batch_size);
	cr_assert_geq(info.batches, o.min_samples);
	cr_assert_geq(info.measured_s, 0.05);
	cr_assert(info.ci_met);
	med = 0;
	{
		struct stats_summary s;

		stats_summarize(ctx_metric(&ctx, "time")->samples, &s);
		med = s.median;
	}
	/* Each op busy-waits at least 1 us, so a per-op time below that means
	** the harness miscounted iterations; above is preemption on a loaded
	** machine, bounded loosely (this is not a speed test). */
	cr_assert_geq(med, 1e-6, "median %g", med);
	cr_assert_lt(med, 50e-6, "median %g", med);
	ctx_fini(&ctx);
}

Test(measure, max_time_bounds_the_run)
{
	struct loader_plugin pl = { .desc = &plug };
	struct param_set ps = { 0 };
	struct measure_opts o;
	struct measure_info info;
	struct dyno_ctx ctx;

	measure_opts_default(&o);
	o.warmup_ns = 0;
	o.min_time_ns = 0;
	o.max_time_ns = 100000000;
	o.min_batch_ns = 1000000;
	o.ci_target = 1e-12;        /* unreachable */
	ctx_init(&ctx, host_table(), pl.desc, &spin, &ps, &o);
	cr_assert_eq(measure_iterate(&ctx, NULL, &info), DYNO_OK);
	cr_assert_eq(info.ci_met, 0);
	cr_assert_geq(info.measured_s, 0.1);
	cr_assert_lt(info.measured_s, 1.0);
	ctx_fini(&ctx);
}

Test(measure, options_are_checked)
{
	struct measure_opts o;
	struct dyno_err e;

	measure_opts_default(&o);
	cr_assert_eq(measure_opts_check(&o, &e), 0);
	o.min_time_ns = o.max_time_ns + 1;
	cr_assert_eq(measure_opts_check(&o, &e), DYNO_ERANGE);
	cr_assert(strstr(e.msg, "--min-time"));
	measure_opts_default(&o);
	o.ci_target = 0;
	cr_assert_eq(measure_opts_check(&o, &e), DYNO_ERANGE);
}

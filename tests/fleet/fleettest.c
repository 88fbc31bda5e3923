/*
** fleettest.c - fixture for the fleet tests: a sleep whose length a node
** can be told to stretch (the injected slow node, with the same params on
** every rank), a node-exclusive probe, and CPU work whose rate falls when
** ranks share the CPUs (the fleet tune's workload).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <dyno/plugin.h>

static const struct dyno_metric sleep_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "how long a 1ms sleep took" },
	{ NULL }
};

/*
** DYNO_FLEET_TEST_SLOW=F makes each sleep F times longer: environment, not
** a parameter, so the slow node's records have the same params as the
** others' and fall in the same fleet statistics.  A sleep, not a spin,
** so four ranks on two CPUs do not slow each other.
*/
static int
sleep_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	const char *env = getenv("DYNO_FLEET_TEST_SLOW");
	double f = env ? atof(env) : 1.0;
	struct timespec ts;

	(void)s;
	if (!(f >= 1.0 && f <= 100.0))
		return h->fail(ctx, "DYNO_FLEET_TEST_SLOW: expected 1..100");
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(1e6 * f);
	while (!h->should_stop(ctx)) {
		uint64_t t0 = h->now_ns();

		nanosleep(&ts, NULL);
		h->record(ctx, "latency", (double)(h->now_ns() - t0) / 1e9);
	}
	return DYNO_OK;
}

static const struct dyno_probe probe_sleep = {
	.size = sizeof(struct dyno_probe), .name = "sleep",
	.summary = "1ms sleeps (longer under DYNO_FLEET_TEST_SLOW)",
	.metrics = sleep_metrics, .run = sleep_run,
};

static const struct dyno_probe probe_exclusive = {
	.size = sizeof(struct dyno_probe), .name = "exclusive",
	.summary = "1ms sleeps that want the node to themselves",
	.metrics = sleep_metrics, .run = sleep_run,
	.flags = DYNO_PROBE_EXCLUSIVE,
};

static const struct dyno_metric spin_metrics[] = {
	{ .name = "rate", .unit = "op/s", .better = DYNO_BETTER_HIGHER,
	  .help = "integer hash steps a second" },
	{ NULL }
};

/*
** CPU work, so ranks that share a node's CPUs each get less of it.  Each
** sample is the rate over 20ms of wall clock: longer than a scheduler's
** time slice, so a rank that waits for the CPU shows it in every sample.
*/
static int
spin_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	volatile uint64_t sink;
	uint64_t x = 88172645463325252ull;

	(void)s;
	while (!h->should_stop(ctx)) {
		uint64_t t0 = h->now_ns(), t, steps = 0;

		do {
			for (int i = 0; i < 10000; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
			}
			steps += 10000;
			t = h->now_ns();
		} while (t - t0 < 20000000);
		sink = x;
		(void)sink;
		h->record(ctx, "rate", (double)steps / ((double)(t - t0) / 1e9));
	}
	return DYNO_OK;
}

static const struct dyno_probe probe_spin = {
	.size = sizeof(struct dyno_probe), .name = "spin",
	.summary = "xorshift steps: CPU work that ranks on a node share",
	.metrics = spin_metrics, .run = spin_run,
};

static const struct dyno_probe *const fleettest_probes[] = {
	&probe_sleep, &probe_exclusive, &probe_spin, NULL
};

static const struct dyno_plugin fleettest_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = DYNO_ABI_MINOR,
	.name = "fleettest", .version = "0.0.1",
	.summary = "fixture probes for the fleet tests",
	.probes = fleettest_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &fleettest_plugin;
}

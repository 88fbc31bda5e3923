/*
** null.c - the reference plugin: an empty iterate probe that measures the
** harness itself, and a run probe that records samples.  It is the template
** docs/plugin-guide.md walks through; copy it to start a plugin.
*/
#include <stdint.h>
#include <stdlib.h>

#include <dyno/plugin.h>

/* iterate() does the measured operation n times.  The empty asm keeps the
** compiler from deleting the loop, so this measures the harness's loop
** cost and nothing else. */
static int
null_empty_iterate(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void *state, uint64_t n)
{
	(void)h; (void)ctx; (void)state;
	for (uint64_t i = 0; i < n; i++)
		__asm__ __volatile__("" ::: "memory");
	return DYNO_OK;
}

static const struct dyno_probe null_empty = {
	.size = sizeof(struct dyno_probe),
	.name = "empty",
	.summary = "An empty loop: the harness's own cost per iteration",
	.iterate = null_empty_iterate,
};

/* Per-run state of the clock probe, owned by setup/teardown. */
struct null_clock {
	uint64_t work;  /* spin iterations between two clock reads */
};

static const struct dyno_param null_clock_params[] = {
	{ .name = "work", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "1M", .help = "spin iterations between the two clock reads" },
	{ .name = "samples", .type = DYNO_PARAM_INT, .def = "0", .min = "0",
	  .max = "100M",
	  .help = "stop after this many samples (0: when the statistics are stable)" },
	{ NULL }
};

static const struct dyno_metric null_clock_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "time between two clock reads around `work` spins" },
	{ NULL }
};

static int
null_clock_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
		 void **state)
{
	struct null_clock *c = malloc(sizeof(*c));

	if (c == NULL)
		return h->fail(ctx, "out of memory");
	c->work = (uint64_t)h->param_int(ctx, "work");
	*state = c;
	return DYNO_OK;
}

static void
null_clock_teardown(const struct dyno_host *h, struct dyno_ctx *ctx,
		    void *state)
{
	(void)h; (void)ctx;
	free(state);
}

/* run() times itself: one sample per pair of clock reads. */
static int
null_clock_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	const struct null_clock *c = state;
	uint64_t limit = (uint64_t)h->param_int(ctx, "samples");
	uint64_t n = 0;

	while (limit ? n < limit : !h->should_stop(ctx)) {
		uint64_t t0 = h->now_ns();

		for (uint64_t i = 0; i < c->work; i++)
			__asm__ __volatile__("" ::: "memory");
		h->record(ctx, "latency", (double)(h->now_ns() - t0) / 1e9);
		n++;
	}
	h->artifact(ctx, "clock", "CLOCK_MONOTONIC");
	return DYNO_OK;
}

static const struct dyno_probe null_clock = {
	.size = sizeof(struct dyno_probe),
	.name = "clock",
	.summary = "Records the latency of reading the clock around a spin",
	.params = null_clock_params,
	.metrics = null_clock_metrics,
	.setup = null_clock_setup,
	.teardown = null_clock_teardown,
	.run = null_clock_run,
};

static const struct dyno_probe *const null_probes[] = {
	&null_empty,
	&null_clock,
	NULL
};

static const struct dyno_plugin null_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "null",
	.version = "1.0.0",
	.summary = "Reference plugin: measures the harness itself",
	.probes = null_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &null_plugin;
}

/* good.c - fixture: a well-formed plugin with an iterate and a run probe. */
#include <stdint.h>

#include <dyno/plugin.h>

static int
good_iter(const struct dyno_host *h, struct dyno_ctx *ctx, void *state,
	  uint64_t n)
{
	volatile uint64_t x = 0;

	(void)h; (void)ctx; (void)state;
	for (uint64_t i = 0; i < n; i++)
		x += i;
	return DYNO_OK;
}

static const struct dyno_param good_params[] = {
	{ .name = "count", .type = DYNO_PARAM_INT, .def = "10", .min = "1",
	  .max = "1000000", .help = "samples to record" },
	{ .name = "value", .type = DYNO_PARAM_FLOAT, .def = "1.5",
	  .help = "base value" },
	{ .name = "mode", .type = DYNO_PARAM_ENUM, .def = "up",
	  .choices = "up|down", .help = "direction" },
	{ NULL }
};

static const struct dyno_metric good_metrics[] = {
	{ .name = "value", .unit = "s", .better = DYNO_BETTER_LOWER },
	{ NULL }
};

/* Records value, value+1, ... count times: a known distribution. */
static int
good_rec(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	int64_t n = h->param_int(ctx, "count");
	double v = h->param_float(ctx, "value");
	int down = h->param_str(ctx, "mode")[0] == 'd';

	(void)state;
	for (int64_t i = 0; i < n; i++)
		h->record(ctx, "value", down ? v - (double)i : v + (double)i);
	h->artifact(ctx, "mode", down ? "down" : "up");
	return DYNO_OK;
}

static const struct dyno_probe good_iter_probe = {
	.size = sizeof(struct dyno_probe), .name = "iter",
	.summary = "a counting loop", .iterate = good_iter,
};

static const struct dyno_probe good_rec_probe = {
	.size = sizeof(struct dyno_probe), .name = "rec",
	.summary = "records a known sequence", .params = good_params,
	.metrics = good_metrics, .run = good_rec,
};

static const struct dyno_probe *const good_probes[] = {
	&good_iter_probe, &good_rec_probe, NULL
};

/* Hardware facts, as the gpu plugin will add GPUs. */
static int
good_inventory(const struct dyno_host *h, struct dyno_inventory *sink)
{
	h->fact(sink, "gpus.0.name", "Fake GPU 9000");
	h->fact(sink, "gpus.0.memory", "1073741824");
	h->fact(sink, "gpus.0.clock_ghz", "1.98");
	h->fact(sink, "gpus.1.name", "Fake GPU 9001");
	/* Into the core's interface of that name, as the network plugin
	** adds offloads; and an attempt to overwrite a core fact. */
	h->fact(sink, "network.eth9.offloads", "tso=on");
	h->fact(sink, "cpu.logical_cpus", "99");
	return DYNO_OK;
}

static const struct dyno_plugin good_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = DYNO_ABI_MINOR,
	.name = "good", .version = "1.2.3", .summary = "fixture",
	.probes = good_probes, .inventory = good_inventory,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &good_plugin;
}

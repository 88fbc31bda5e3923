/* bad_descriptor.c - fixture: a probe that sets both iterate and run. */
#include <stdint.h>

#include <dyno/plugin.h>

static int
bad_iter(const struct dyno_host *h, struct dyno_ctx *ctx, void *s, uint64_t n)
{
	(void)h; (void)ctx; (void)s; (void)n;
	return DYNO_OK;
}

static int
bad_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)h; (void)ctx; (void)s;
	return DYNO_OK;
}

static const struct dyno_metric bad_metrics[] = {
	{ .name = "x", .unit = "", .better = DYNO_BETTER_LOWER }, { NULL }
};

static const struct dyno_probe bad_probe = {
	.size = sizeof(struct dyno_probe), .name = "both",
	.metrics = bad_metrics, .iterate = bad_iter, .run = bad_run,
};

static const struct dyno_probe *const bad_probes[] = { &bad_probe, NULL };

static const struct dyno_plugin bad_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = DYNO_ABI_MINOR,
	.name = "bad", .version = "1", .probes = bad_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &bad_plugin;
}

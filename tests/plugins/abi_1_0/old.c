/*
** old.c - fixture: a plugin as ABI 1.0 built it.  Its probe struct ends
** at unavailable_reason (DYNO_PROBE_SIZE_1_0): the host must load it,
** never read past it, and take its first metric as the headline.
*/
#include <stdint.h>

#include <dyno/plugin.h>

static const struct dyno_metric old_metrics[] = {
	{ .name = "first", .unit = "s", .better = DYNO_BETTER_LOWER },
	{ .name = "second", .unit = "B/s", .better = DYNO_BETTER_HIGHER },
	{ NULL }
};

static int
old_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)state;
	for (int i = 0; i < 5; i++) {
		h->record(ctx, "first", 1.0 + i);
		h->record(ctx, "second", 100.0 + i);
	}
	return DYNO_OK;
}

static const struct dyno_probe old_probe = {
	.size = DYNO_PROBE_SIZE_1_0, .name = "rec",
	.summary = "records two metrics, built as ABI 1.0",
	.metrics = old_metrics, .run = old_run,
};

static const struct dyno_probe *const old_probes[] = { &old_probe, NULL };

static const struct dyno_plugin old_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = 0, .name = "old",
	.version = "1.0.0", .summary = "an ABI 1.0 plugin",
	.probes = old_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &old_plugin;
}

/* dup.c - fixture: built twice (dup_a.so, dup_b.so) with the same plugin name. */
#include <stdint.h>

#include <dyno/plugin.h>

static int
dup_iter(const struct dyno_host *h, struct dyno_ctx *ctx, void *s, uint64_t n)
{
	(void)h; (void)ctx; (void)s; (void)n;
	return DYNO_OK;
}

static const struct dyno_probe dup_probe = {
	.size = sizeof(struct dyno_probe), .name = "noop", .iterate = dup_iter,
};

static const struct dyno_probe *const dup_probes[] = { &dup_probe, NULL };

static const struct dyno_plugin dup_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = DYNO_ABI_MINOR,
	.name = "dup", .version = DUP_VERSION, .probes = dup_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &dup_plugin;
}

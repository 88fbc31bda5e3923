/* too_small.c - fixture: a descriptor whose size is smaller than ABI 1.0's. */
#include <dyno/plugin.h>

static const struct dyno_plugin small_plugin = {
	.size = 8, .abi_minor = 0, .name = "small", .version = "1",
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &small_plugin;
}

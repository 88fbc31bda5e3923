/* wrong_abi.c - fixture: a plugin for a future ABI 2 (exports dyno_plugin_v2 only). */
#include <dyno/plugin.h>

DYNO_EXPORT const void *dyno_plugin_v2(const void *h);

DYNO_EXPORT const void *
dyno_plugin_v2(const void *h)
{
	return h;
}

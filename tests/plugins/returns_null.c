/* returns_null.c - fixture: an entry point that refuses to load and logs why. */
#include <dyno/plugin.h>

DYNO_PLUGIN_ENTRY
{
	h->log(NULL, DYNO_LOG_ERROR, "needs libfrobnicate.so.3, which is not installed");
	return NULL;
}

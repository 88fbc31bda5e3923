/* no_entry.c - fixture: a shared object that is not a dyno plugin. */
#include <dyno/plugin.h>

DYNO_EXPORT int not_a_plugin(void);

DYNO_EXPORT int
not_a_plugin(void)
{
	return 42;
}

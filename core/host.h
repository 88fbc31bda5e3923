/*
** host.h - the host table handed to plugins (the context its calls take
** is ctx.h's).
*/
#ifndef DYNO_HOST_H
#define DYNO_HOST_H

#include <jansson.h>

#include "clock.h"
#include "ctx.h"

/* The one host table. */
const struct dyno_host *host_table(void);

/* Nonzero when $DYNO_DEBUG is set to something other than "" or "0". */
int host_debug_enabled(void);

/*
** While capture is on, log messages without a ctx (from a plugin's entry
** point) are kept in buf (the last one wins) instead of printed, so the
** loader can show the reason an entry returned NULL.
*/
void host_capture_log(char *buf, size_t n);

/* An inventory sink adding facts into root (borrowed). */
struct dyno_inventory *host_inventory_new(json_t *root);
void host_inventory_free(struct dyno_inventory *inv);

#endif

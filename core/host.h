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

/*
** The names tests/test_measure.c and bench/bench_core.c call, from before
** the context and the clock had files of their own; the core calls
** ctx_init, ctx_fini, ctx_metric and clock_now_ns.  host_ctx_init wants
** plugin_loader.h's struct loader_plugin where it is used.
*/
#define host_ctx_init(ctx, pl, p, ps, opts) \
	ctx_init(ctx, host_table(), (pl)->desc, p, ps, opts)
#define host_ctx_fini(ctx)	ctx_fini(ctx)
#define host_metric(ctx, name)	ctx_metric(ctx, name)
#define host_now_ns()		clock_now_ns()

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

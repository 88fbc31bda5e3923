/*
** host.h - the host table handed to plugins, and the per-run context
** behind the opaque struct dyno_ctx.
*/
#ifndef DYNO_HOST_H
#define DYNO_HOST_H

#include <signal.h>
#include <stdint.h>
#include <jansson.h>

#include "params.h"
#include "stats.h"

struct loader_plugin;

/* One metric being collected. */
struct host_metric {
	const char *name;     /* borrowed from the descriptor or static */
	const char *unit;
	enum dyno_better better;
	struct stats_samples *samples; /* owned */
};

struct dyno_ctx {
	const struct loader_plugin *plugin;
	const struct dyno_probe *probe;
	const struct param_set *params;
	const struct measure_opts *opts;

	struct host_metric *metrics;  /* owned */
	size_t nmetrics;

	int outcome;                  /* DYNO_OK, DYNO_SKIP, DYNO_FAIL */
	char reason[512];
	json_t *artifacts;            /* owned object */
	char *scratch;                /* owned path, created on demand */
	double bytes_per_op;
	int progress_fd;              /* -1: none */
	uint64_t run_start_ns;        /* when run() started (should_stop) */
	uint64_t last_check_ns;       /* last adaptive-stopping check */
	int stopped;                  /* should_stop said yes */
	uint64_t last_progress_ns;    /* last automatic progress update */
	int own_progress;             /* the plugin called progress() */
	const char *scratch_want;     /* path the runner chose, or NULL */
};

/* The one host table. */
const struct dyno_host *host_table(void);

/* Monotonic clock, ns. */
uint64_t host_now_ns(void);

/*
** Prepare ctx for probe p of plugin pl with resolved params: metric
** collectors for the declared metrics (run probes) or time/rate/bandwidth
** (iterate probes).  host_ctx_fini frees everything and removes the scratch
** directory.
*/
void host_ctx_init(struct dyno_ctx *ctx, const struct loader_plugin *pl,
		   const struct dyno_probe *p, const struct param_set *ps,
		   const struct measure_opts *opts);
void host_ctx_fini(struct dyno_ctx *ctx);

/* Send a progress line to the parent (no-op without a progress pipe). */
void host_progress(struct dyno_ctx *ctx, double fraction, const char *note);

/* Nonzero when $DYNO_DEBUG is set to something other than "" or "0". */
int host_debug_enabled(void);

/* Remove a directory tree (a probe's scratch directory). */
void host_remove_tree(const char *path);

/* Find a collector by name, or NULL. */
struct host_metric *host_metric(struct dyno_ctx *ctx, const char *name);

/* Set by the SIGTERM/SIGINT handler of the probe process: stop soon. */
extern volatile sig_atomic_t host_stop_requested;

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

/*
** ctx.h - the per-run probe context behind the opaque struct dyno_ctx:
** the metric collectors, the outcome, progress sent to the parent, the
** scratch directory and the stop flag.
**
** The context carries the host table its probe is called with, so the
** files that drive a probe (measure.c, runner.c) need no call back into
** host.c.
*/
#ifndef DYNO_CTX_H
#define DYNO_CTX_H

#include <signal.h>
#include <stdint.h>
#include <jansson.h>

#include "params.h"
#include "stats.h"

struct measure_opts;

/* One metric being collected. */
struct ctx_metric {
	const char *name;     /* borrowed from the descriptor or static */
	const char *unit;
	enum dyno_better better;
	int headline;         /* one of the probe's headline metrics */
	struct stats_samples *samples; /* owned */
};

struct dyno_ctx {
	const struct dyno_host *host; /* the table the probe is called with */
	const struct dyno_plugin *plugin;  /* the probe's plugin descriptor */
	const struct dyno_probe *probe;
	const struct param_set *params;
	const struct measure_opts *opts;

	struct ctx_metric *metrics;   /* owned */
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

/*
** The metrics every iterate() probe gets from the host, in this order
** (time per operation, rate, bandwidth); { NULL } ends the list.  The
** first CTX_ITERATE_HEADLINE of them are the headline (plugin.h).
*/
#define CTX_ITERATE_HEADLINE 2
extern const struct dyno_metric ctx_iterate_metrics[];

/* How many metrics, from the first, are probe p's headline: of
** ctx_iterate_metrics for iterate probes (time and rate), else of its
** declared metrics. */
size_t ctx_headline_count(const struct dyno_probe *p);

/*
** Prepare ctx for probe p of the plugin described by plugin, with
** resolved params, called through host (all borrowed): metric collectors
** for the declared metrics (run probes) or ctx_iterate_metrics (iterate
** probes), the headline ones marked (plugin.h, headline_metrics).
** ctx_fini frees everything and removes the scratch directory.
*/
void ctx_init(struct dyno_ctx *ctx, const struct dyno_host *host,
	      const struct dyno_plugin *plugin, const struct dyno_probe *p,
	      const struct param_set *ps, const struct measure_opts *opts);
void ctx_fini(struct dyno_ctx *ctx);

/* Find a collector by name, or NULL. */
struct ctx_metric *ctx_metric(struct dyno_ctx *ctx, const char *name);

/* Send a progress line to the parent (no-op without a progress pipe). */
void ctx_progress(struct dyno_ctx *ctx, double fraction, const char *note);

/* Remove a directory tree (a probe's scratch directory). */
void ctx_remove_tree(const char *path);

/* Set by the SIGTERM/SIGINT handler of the probe process: stop soon. */
extern volatile sig_atomic_t ctx_stop_requested;

#endif

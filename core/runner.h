/*
** runner.h - run one probe, isolated in a forked child by default: params
** already resolved, timeout -> SIGKILL -> "timeout", a signal -> "crashed
** (SIGSEGV)" with the tail of the child's stderr, resources from wait4;
** or n instances of one at once, started together.
*/
#ifndef DYNO_RUNNER_H
#define DYNO_RUNNER_H

#include <stdint.h>
#include <jansson.h>

#include "err.h"
#include "measure.h"
#include "params.h"

struct loader;
struct loader_plugin;

struct runner_opts {
	int no_fork;            /* run in this process (debugging) */
	uint64_t timeout_ns;    /* kill the child after this; 0: never */
	uint64_t deadline_ns;   /* and at this clock_now_ns(): a suite's time
				** limit (status "timeout"); 0: none */
	struct measure_opts m;
	int progress;           /* draw a progress line on stderr */
	const json_t *host;     /* {"fingerprint":..., ...} copied into records */
};

/* Defaults: fork, 60 s timeout (or 3x max_time + 10 s if longer). */
void runner_opts_default(struct runner_opts *o);

/*
** Run probe p of plugin pl and return its result record (new reference;
** never NULL): id, plugin_version, params, status (ok | skipped | failed |
** crashed | timeout), message, started_at, duration_s, host, measurement,
** resources, metrics, artifacts.
*/
json_t *runner_run(const struct loader_plugin *pl, const struct dyno_probe *p,
		   const struct param_set *ps, const struct runner_opts *o);

/* Takes over rec (a new reference): runner_concurrent's sink. */
typedef void (*runner_keep_fn)(void *arg, json_t *rec);

/*
** Run n (>= 1) instances of probe p at once, each in its own process
** started together (a pipe is the starting gun), each running runner_run
** with o (without the progress line).  Each record, with "instance" and
** "concurrency" added, goes to keep(arg, rec) in instance order as that
** instance is collected; an instance that died without one gives a
** "failed" record.  Returns 0, or DYNO_EIO with err filled (and nothing
** run) when the starting pipe cannot be made.
*/
int runner_concurrent(const struct loader_plugin *pl, const struct dyno_probe *p,
		      const struct param_set *ps, const struct runner_opts *o,
		      int n, runner_keep_fn keep, void *arg,
		      struct dyno_err *err);

/*
** Ask every plugin with an inventory hook for its hardware facts, each in
** its own child, and merge them into inv.  A plugin that fails adds a
** warning to inv["inventory_errors"].
*/
void runner_inventory(const struct loader *l, const struct runner_opts *o,
		      json_t *inv);

/* Set by SIGINT: the user asked to stop; suites should not start more. */
int runner_interrupted(void);

#endif

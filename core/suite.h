/*
** suite.h - a Lua suite: the model its `dyno` calls share (plugins,
** runner options, results, verdicts, the tune) and the run document
** written at the end (suite.c), and running the suite file (suite_run.c,
** the one part that knows Lua).
*/
#ifndef DYNO_SUITE_H
#define DYNO_SUITE_H

#include <stdio.h>
#include <jansson.h>

#include "err.h"
#include "runner.h"

struct loader;
struct lua_State;
struct tune;

/* Which limit ended a suite. */
enum suite_limit {
	SUITE_LIMIT_NONE,
	SUITE_LIMIT_TIME,         /* the wall clock: --time-limit */
	SUITE_LIMIT_MEMORY        /* the Lua state's bytes: --max-memory */
};

struct suite {
	/* set by the caller before suite_run */
	struct loader *loader;
	struct runner_opts ro;
	json_t *inventory;        /* full `dyno hw` object, borrowed */
	int results_fd;           /* JSON-lines store, or -1 */
	char *const *defines;     /* "-D key=value" strings */
	size_t ndefines;
	const char *outdir;       /* where a sandboxed suite may write */
	int unsafe;               /* --unsafe-lua */
	int quiet;                /* no per-probe tables (JSON on stdout) */
	FILE *out;                /* where progress and verdicts go */
	struct tune *tune;        /* borrowed; NULL: dyno.tune.set errors */
	/* Limits: suite_init sets the defaults, the caller the flags; the
	** suite may lower them (dyno.limit), never raise them. */
	uint64_t max_memory;      /* bytes the Lua state may hold; 0: none */
	uint64_t time_limit_ns;   /* wall clock from the start; 0: none */
	int memory_by_suite;      /* lowered by dyno.limit */
	int time_by_suite;
	/* A fleet run (fleet.c) sees each kept record, and may leave a
	** node-exclusive probe to another rank: the gate gives the record
	** to keep instead of running it, or NULL to run it. */
	void *fleet;
	void (*fleet_record)(void *fleet, const json_t *rec);
	json_t *(*fleet_gate)(void *fleet, const char *id, uint32_t flags,
			      const json_t *host);
	/* dyno.fleet: this rank and the job's ranks (0 outside a fleet),
	** and the barrier: 0 when every rank came to name, or -1 with why
	** (the suite goes on). */
	int fleet_rank, fleet_size;
	int (*fleet_barrier)(void *fleet, const char *name, char *why,
			     size_t n);

	/* filled while running */
	json_t *host;             /* {fingerprint, hostname} for records */
	json_t *results;          /* every record, in order */
	json_t *verdicts;         /* every check's detail */
	unsigned n_ok, n_skipped, n_error;  /* probes */
	unsigned n_pass, n_review, n_fail, n_skip;  /* checks */
	char script_error[1024];  /* "suite.lua:12: message" + traceback */
	const char *path;         /* the suite file */
	uint64_t start_ns;        /* clock_now_ns() when the suite started */
	size_t lua_bytes;         /* what the Lua state holds now */
	size_t lua_peak;          /* and at most */
	int lua_refused;          /* the allocator's refusals in a row */
	struct lua_State *lua;    /* the state running the suite, or NULL */
	enum suite_limit limit_hit;
};

/* The default --max-memory: a quarter of the machine's RAM. */
uint64_t suite_default_max_memory(void);

/* The absolute deadline (clock_now_ns), or 0 without a time limit. */
uint64_t suite_deadline(const struct suite *s);

/* Mark limit `which` as passed (the first one wins). */
void suite_limit_hit(struct suite *s, enum suite_limit which);

/* Arm the watchdog (suite_run.c) for the time limit now in force, or
** disarm it without one: SIGALRM a few seconds past the deadline ends
** dyno (exit 2) when the hook could not. */
void suite_watchdog(struct suite *s);

/* The one line that says limit which ended the suite and how to change
** it ("quick.lua: the suite passed its time limit of 10s
** (--time-limit)"), into buf. */
void suite_limit_message(const struct suite *s, enum suite_limit which,
			 char *buf, size_t n);

/* Zero the suite and fill the defaults (runner options, stdout). */
void suite_init(struct suite *s);
/* Free what suite_run filled in (not what the caller set). */
void suite_fini(struct suite *s);

/*
** Run the suite file at path (suite_run.c).  Returns 0 when the script ran to the end
** (verdicts may still have failed: see suite_exit_code), DYNO_EINVAL when
** it raised an error (s->script_error holds "file:line: message" and a
** traceback), or another negative code when it could not be loaded.
*/
int suite_run(struct suite *s, const char *path, struct dyno_err *err);

/* Run one probe for a suite: resolve params, run, append the record to the
** store and s->results, print it.  Returns the record (borrowed from
** s->results) or NULL with err filled for an unknown probe or bad params. */
const json_t *suite_probe(struct suite *s, const char *id, char *const *kv,
			  size_t nkv, struct dyno_err *err);

/*
** Run n instances of a probe at once (runner_concurrent) and append their
** records as they are collected.  Returns the index in s->results of the first of the n records, or -1
** with err filled.
*/
long suite_concurrent(struct suite *s, const char *id, char *const *kv,
		      size_t nkv, int n, struct dyno_err *err);

/* Evaluate a check against a record in s->results, count and print the
** verdict, and return its name ("pass", "review", "fail", "skip"). */
const char *suite_check(struct suite *s, size_t ref, const char *expr,
			const char *review, const char *name,
			struct dyno_err *err);

/* Print the summary line(s); a limit's line is not repeated (the caller
** prints it on stderr). */
void suite_print_summary(const struct suite *s, FILE *fp);

/* 0 all pass (review counts as pass), 1 a check failed, 2 a probe or
** script error. */
int suite_exit_code(const struct suite *s, int run_rc);

/* The run document: dyno version, suite, host inventory, results,
** verdicts, summary (and the tune when there is one).  New reference. */
json_t *suite_document(const struct suite *s);

#endif

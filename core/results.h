/*
** results.h - result records: metric summaries as JSON, and the JSON-lines
** store each finished probe is appended (and fsynced) to.
*/
#ifndef DYNO_RESULTS_H
#define DYNO_RESULTS_H

#include <jansson.h>

#include "err.h"

/* Version of the record schema in docs/results-format.md. */
#define RESULTS_SCHEMA 1
/* A metric carries its raw samples up to this many, else its histogram. */
#define RESULTS_JSON_RAW_CAP 1000

struct dyno_ctx;
struct stats_samples;

/* One metric: unit, better, summary statistics, percentiles, and samples
** or histogram.  New reference. */
json_t *results_metric_json(const char *unit, int better,
			    const struct stats_samples *s);

/* Every metric of ctx that has samples.  New reference. */
json_t *results_metrics_json(struct dyno_ctx *ctx);

struct param_set;
/* {"name": "size", ...}: each parameter's type (params_type_name), so a
** report prints 268435456 as 256 MiB without loading the plugin. */
json_t *results_param_types(const struct param_set *ps);

/* The "host" of a record: {"fingerprint": inventory's (null when it has
** none), "hostname": this machine's}.  New reference. */
json_t *results_host(const json_t *inventory);

/* Current UTC time as "2026-11-23T12:34:56.789Z" into buf (>= 32 bytes). */
void results_timestamp(char *buf, size_t n);

/*
** Open (create, append) a results file; checked before any probe runs.
** Returns an fd >= 0, or a negative DYNO_E* with err naming the path.
*/
int results_open(const char *path, struct dyno_err *err);

/* Append rec as one line and fsync, so a crash or SIGKILL of the run
** afterwards loses nothing.  Returns 0 or DYNO_EIO. */
int results_append(int fd, const json_t *rec, struct dyno_err *err);

/*
** Replace the file at path with len bytes of data atomically: a temp file
** in the same directory, fsync, rename, fsync of the directory.  On error
** the temp file is removed and an existing file is untouched.
*/
int results_write_atomic(const char *path, const char *data, size_t len,
			 struct dyno_err *err);

/* Fail early (before anything runs) when path could not be written:
** its directory must exist and be writable, and so must the file if it
** exists. */
int results_check_writable(const char *path, struct dyno_err *err);

/* Serialisation flags used for every record (compact, ordered, 9 digits
** of precision: far beyond any measurement's resolution). */
#define RESULTS_JSON_FLAGS \
	(JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))

#endif

/*
** report_gbench.c - a run in Google Benchmark's JSON format, so its
** tooling (tools/compare.py) reads dyno runs: "context" from the host
** inventory, and in "benchmarks" each time metric (unit s) of each ok
** record as one benchmark: its stored samples as repetitions (an
** "iteration" run each, so compare.py's U test has them; one run valued
** by the median when the record kept a histogram instead), then the
** aggregates mean, median, stddev and cv.  Other metrics of the record
** ride along as user counters (their medians); a record without a time
** metric is left out, since Google Benchmark compares times only.
*/
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_formats.h"
#include "rundoc.h"
#include "xmalloc.h"

/* Google Benchmark names arguments "name/arg:value". */
static char *
run_name(const struct report_run *r, size_t i, const char *metric)
{
	const json_t *rec = json_array_get(r->results, i);
	char *key = report_key_params(r, i), *p, *out;

	/* "k=v k=v" -> "k:v/k:v" */
	for (p = key; *p; p++) {
		if (*p == '=')
			*p = ':';
		else if (*p == ' ')
			*p = '/';
	}
	out = xasprintf("%s%s%s/%s", report_str(rec, "id"), key[0] ? "/" : "",
			key, metric);
	free(key);
	return out;
}

static json_t *
context(const struct report_run *r)
{
	const json_t *h = json_object_get(r->doc, "host");
	const json_t *cpu = json_object_get(h, "cpu"), *c;
	json_t *ctx, *caches = json_array();
	const char *host = report_str(json_object_get(h, "os"), "hostname");
	size_t i;

	json_array_foreach(json_object_get(cpu, "caches"), i, c) {
		const char *ty = report_str(c, "type");

		json_array_append_new(caches, json_pack("{s:s, s:I, s:I, s:I}",
		    "type", strcmp(ty, "data") == 0 ? "Data" :
			    strcmp(ty, "instruction") == 0 ? "Instruction" :
			    "Unified",
		    "level", json_integer_value(json_object_get(c, "level")),
		    "size", json_integer_value(json_object_get(c, "size")),
		    "num_sharing",
		    json_integer_value(json_object_get(c, "shared_by"))));
	}
	if (!host[0])
		host = report_str(h, "hostname");
	ctx = json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:[], s:s}",
	    "date", report_str(r->doc, "finished_at"),
	    "host_name", host,
	    "executable", "dyno",
	    "num_cpus", json_integer_value(json_object_get(cpu, "logical_cpus")),
	    "mhz_per_cpu", (json_int_t)(isfinite(report_num(cpu, "mhz_max")) ?
					report_num(cpu, "mhz_max") : 0),
	    "cpu_scaling_enabled", 0,
	    "caches", caches,
	    "load_avg",
	    "library_build_type", "release");
	json_object_set_new(ctx, "dyno_version",
			    json_string(report_str(r->doc, "dyno_version")));
	json_object_set_new(ctx, "dyno_suite",
			    json_string(report_str(r->doc, "suite")));
	json_object_set_new(ctx, "dyno_fingerprint",
			    json_string(rundoc_fingerprint(r->doc)));
	return ctx;
}

/* One entry: repetition rep of reps, or the aggregate named aggregate. */
static json_t *
entry(const char *name, json_int_t family, json_int_t reps, json_int_t rep,
      json_int_t iters, const char *aggregate, double value,
      const json_t *counters)
{
	json_t *e;
	int pct = aggregate && strcmp(aggregate, "cv") == 0;
	char *full = aggregate ? xasprintf("%s_%s", name, aggregate)
			       : xstrdup(name);
	const char *k;
	json_t *v;

	e = json_pack("{s:s, s:I, s:I, s:s, s:s, s:I}",
	    "name", full, "family_index", family,
	    "per_family_instance_index", (json_int_t)0,
	    "run_name", name, "run_type", aggregate ? "aggregate" : "iteration",
	    "repetitions", reps);
	if (!aggregate)
		json_object_set_new(e, "repetition_index", json_integer(rep));
	json_object_set_new(e, "threads", json_integer(1));
	if (aggregate) {
		json_object_set_new(e, "aggregate_name", json_string(aggregate));
		json_object_set_new(e, "aggregate_unit",
				    json_string(pct ? "percentage" : "time"));
	}
	json_object_set_new(e, "iterations", json_integer(iters));
	/* the cv is a fraction, not a time */
	json_object_set_new(e, "real_time", json_real(pct ? value : value * 1e9));
	json_object_set_new(e, "cpu_time", json_real(pct ? value : value * 1e9));
	json_object_set_new(e, "time_unit", json_string("ns"));
	json_object_foreach((json_t *)counters, k, v)
		json_object_set(e, k, v);
	free(full);
	return e;
}

/* The stored samples of a metric as repetitions, iters/n iterations
** each; 0 (nothing added) when the record has no usable samples. */
static int
repetitions(json_t *benches, const char *name, json_int_t family,
	    const json_t *samples, json_int_t iters, const json_t *counters)
{
	size_t n = json_array_size(samples), k;
	const json_t *v;
	json_int_t per;

	if (n == 0)
		return 0;
	json_array_foreach(samples, k, v)
		if (!json_is_number(v) || !isfinite(json_number_value(v)))
			return 0;
	per = iters / (json_int_t)n > 0 ? iters / (json_int_t)n : 1;
	json_array_foreach(samples, k, v)
		json_array_append_new(benches, entry(name, family,
		    (json_int_t)n, (json_int_t)k, per, NULL,
		    json_number_value(v), counters));
	return 1;
}

json_t *
report_gbench(const struct report_run *r)
{
	json_t *benches = json_array();
	json_int_t family = 0;
	static const char *const aggs[] = { "mean", "median", "stddev", "cv" };

	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		const json_t *ms = json_object_get(rec, "metrics"), *m;
		const char *mn;
		json_t *counters = json_object();

		if (strcmp(report_str(rec, "status"), "ok") != 0) {
			json_decref(counters);
			continue;
		}
		json_object_foreach((json_t *)ms, mn, m) {
			if (strcmp(report_str(m, "unit"), "s") != 0 &&
			    isfinite(report_num(m, "median")))
				json_object_set_new(counters, mn,
				    json_real(report_num(m, "median")));
		}
		json_object_foreach((json_t *)ms, mn, m) {
			json_int_t n = json_integer_value(json_object_get(m, "n"));
			json_int_t iters = json_integer_value(json_object_get(
			    json_object_get(rec, "measurement"), "iterations"));
			char *name;

			if (strcmp(report_str(m, "unit"), "s") != 0 ||
			    !isfinite(report_num(m, "median")))
				continue;
			name = run_name(r, i, mn);
			if (iters < 1)
				iters = n;
			if (!repetitions(benches, name, family, json_object_get(m,
			    "samples"), iters, counters)) {
				n = 1;
				json_array_append_new(benches, entry(name, family,
				    1, 0, iters, NULL, report_num(m, "median"),
				    counters));
			}
			for (size_t a = 0; a < sizeof aggs / sizeof *aggs; a++) {
				double v = report_num(m, aggs[a]);

				if (isfinite(v))
					json_array_append_new(benches, entry(name,
					    family, n, 0, iters, aggs[a], v,
					    counters));
			}
			family++;
			free(name);
		}
		json_decref(counters);
	}
	return json_pack("{s:o, s:o}", "context", context(r),
			 "benchmarks", benches);
}

/*
** report_bench.c - results for benchmark trackers: Bencher Metric Format
** (bencher run --adapter json) and github-action-benchmark's custom JSON
** (tools customBiggerIsBetter and customSmallerIsBetter).  Each ok record
** is a benchmark named "<probe> <key params>"; each of its metrics a
** measure, valued by its median with the 95% CI of the median as the
** bounds.  Times are given in nanoseconds (both trackers' own unit for
** latency), other units as dyno records them.
*/
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_formats.h"
#include "xmalloc.h"

/* The benchmark name of every record, "<probe> <key params>"; a record
** repeating an earlier name gets " #2", " #3"...  Free with xfree_strv. */
static char **
bench_names(const struct report_run *r)
{
	char **names = xcalloc(r->nres + 1, sizeof *names);

	for (size_t i = 0; i < r->nres; i++) {
		char *params = report_key_params(r, i);

		names[i] = xasprintf("%s%s%s",
				     report_str(json_array_get(r->results, i), "id"),
				     params[0] ? " " : "", params);
		free(params);
	}
	for (size_t i = r->nres; i-- > 0;) {
		unsigned same = 1;

		for (size_t j = 0; j < i; j++)
			same += strcmp(names[j], names[i]) == 0;
		if (same > 1) {
			char *x = xasprintf("%s #%u", names[i], same);

			free(names[i]);
			names[i] = x;
		}
	}
	return names;
}

/* Scale of unit for the trackers (s -> ns) and the unit they show. */
static double
scale(const char *unit, const char **shown)
{
	if (strcmp(unit, "s") == 0) {
		*shown = "ns";
		return 1e9;
	}
	*shown = unit;
	return 1;
}

static int
ok(const json_t *rec)
{
	return strcmp(report_str(rec, "status"), "ok") == 0;
}

/* The metric's 95% CI scaled by f into lo and hi; 0 when it has none. */
static int
ci_bounds(const json_t *m, double f, double *lo, double *hi)
{
	const json_t *ci = json_object_get(m, "ci95");

	if (!json_is_number(json_array_get(ci, 0)) ||
	    !json_is_number(json_array_get(ci, 1)))
		return 0;
	*lo = json_number_value(json_array_get(ci, 0)) * f;
	*hi = json_number_value(json_array_get(ci, 1)) * f;
	return 1;
}

json_t *
report_bmf(const struct report_run *r)
{
	json_t *out = json_object();
	char **names = bench_names(r);

	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		json_t *bench;
		const char *mn;
		const json_t *m;

		if (!ok(rec) || json_object_size(json_object_get(rec,
							"metrics")) == 0)
			continue;
		bench = json_object();
		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    mn, m) {
			const char *unit;
			double f = scale(report_str(m, "unit"), &unit);
			double med = report_num(m, "median"), lo, hi;
			json_t *meas;
			char *mname;

			if (!isfinite(med))
				continue;
			meas = json_pack("{s:f}", "value", med * f);
			if (ci_bounds(m, f, &lo, &hi)) {
				json_object_set_new(meas, "lower_value",
						    json_real(lo));
				json_object_set_new(meas, "upper_value",
						    json_real(hi));
			}
			/* Measures are made by name when new: the unit in the
			** name keeps a latency in ns apart from one in s. */
			mname = xasprintf("%s%s%s%s", mn, unit[0] ? " (" : "",
					  unit, unit[0] ? ")" : "");
			json_object_set_new(bench, mname, meas);
			free(mname);
		}
		json_object_set_new(out, names[i], bench);
	}
	xfree_strv(names, r->nres);
	return out;
}

json_t *
report_gab(const struct report_run *r, int bigger)
{
	json_t *out = json_array();
	char **names = bench_names(r);

	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		const char *mn;
		const json_t *m;
		const char *bname = names[i];

		if (!ok(rec))
			continue;
		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    mn, m) {
			const char *unit;
			double f = scale(report_str(m, "unit"), &unit);
			double med = report_num(m, "median"), clo, chi;
			int hi = strcmp(report_str(m, "better"), "higher") == 0;
			char *name, *extra, range[64] = "";

			if (hi != bigger || !isfinite(med))
				continue;
			if (ci_bounds(m, f, &clo, &chi))
				snprintf(range, sizeof range, "± %.4g",
					 (chi - clo) / 2);
			name = xasprintf("%s %s", bname, mn);
			extra = xasprintf("n: %" JSON_INTEGER_FORMAT "\nmean: "
			    "%.6g %s\np99: %.6g %s\nfingerprint: %s",
			    json_integer_value(json_object_get(m, "n")),
			    report_num(m, "mean") * f, unit,
			    report_num(m, "p99") * f, unit,
			    report_str(json_object_get(rec, "host"),
				       "fingerprint"));
			json_array_append_new(out, json_pack("{s:s, s:s, s:f}",
			    "name", name, "unit", unit, "value", med * f));
			if (range[0])
				json_object_set_new(json_array_get(out,
				    json_array_size(out) - 1), "range",
				    json_string(range));
			json_object_set_new(json_array_get(out,
			    json_array_size(out) - 1), "extra",
			    json_string(extra));
			free(name);
			free(extra);
		}
	}
	xfree_strv(names, r->nres);
	return out;
}

/*
** report_run.c - a run document read once for the report formats: each
** record's headline metrics, the sweeps, which record each verdict judged; and
** the helpers the writers share (members, values, parameters, verdicts).
*/
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_run.h"
#include "strbuf.h"
#include "units.h"
#include "xmalloc.h"

const char *
report_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

double
report_num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

int
report_is_latency(const json_t *m)
{
	return strcmp(report_str(m, "unit"), "s") == 0 &&
	       strcmp(report_str(m, "better"), "lower") == 0 &&
	       json_integer_value(json_object_get(m, "n")) > 1;
}

const char *
report_fmt(double v, const char *unit, char *buf, size_t n)
{
	if (!isfinite(v)) {
		snprintf(buf, n, "-");
		return buf;
	}
	return units_format(v, unit, buf, n);
}

const char *
report_value(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_number(v))
		snprintf(buf, n, "%.9g", json_number_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, n, "null");
	return buf;
}

const char *
report_observed(const json_t *v, char *buf, size_t n)
{
	char val[32];

	if (json_is_number(json_object_get(v, "observed")))
		snprintf(buf, n, "%s = %s", report_str(v, "stat"),
			 report_fmt(report_num(v, "observed"),
				    report_str(v, "unit"), val, sizeof val));
	else
		snprintf(buf, n, "%s", report_str(v, "reason"));
	return buf;
}

/* v/scale as %.4g and the unit with no blank (64MiB, 250ms): a
** parameter as a user would type it. */
static const char *
scaled(double v, double scale, const char *unit, char *buf, size_t n)
{
	snprintf(buf, n, "%.4g%s", v / scale, unit);
	return buf;
}

const char *
report_param_value(const json_t *v, const char *type, char *buf, size_t n)
{
	static const char *const bin[] = { "B", "KiB", "MiB", "GiB", "TiB",
					   "PiB", "EiB" };
	static const struct { double scale; const char *unit; } dur[] = {
		{ 3600, "h" }, { 60, "min" }, { 1, "s" }, { 1e-3, "ms" },
		{ 1e-6, "us" }, { 1e-9, "ns" },
	};
	double x = json_number_value(v), scale = 1;
	size_t k;

	if (type == NULL || !json_is_number(v) || !isfinite(x) || x == 0)
		return report_value(v, buf, n);
	if (strcmp(type, "size") == 0) {
		for (k = 0; k + 1 < sizeof bin / sizeof *bin &&
			    fabs(x) >= scale * 1024; k++)
			scale *= 1024;
		return scaled(x, scale, bin[k], buf, n);
	}
	if (strcmp(type, "duration") == 0) {
		/* the largest unit that gives a whole number, else >= 1 */
		for (k = 0; k + 1 < sizeof dur / sizeof *dur; k++)
			if (fabs(x) >= dur[k].scale &&
			    fabs(x / dur[k].scale - nearbyint(x / dur[k].scale))
			    < 1e-9)
				break;
		if (k + 1 == sizeof dur / sizeof *dur)
			for (k = 0; k + 1 < sizeof dur / sizeof *dur &&
				    fabs(x) < dur[k].scale; k++)
				;
		return scaled(x, dur[k].scale, dur[k].unit, buf, n);
	}
	return report_value(v, buf, n);
}

/* key=value; with types (a record's param_types), sizes and durations
** with their units. */
static void
sb_param(struct strbuf *b, const char *key, const json_t *v,
	 const json_t *types, const char *sep)
{
	char val[256];

	if (b->len > 0)
		strbuf_addstr(b, sep);
	strbuf_addstr(b, key);
	strbuf_addstr(b, "=");
	strbuf_addstr(b, report_param_value(v, json_string_value(
	    json_object_get(types, key)), val, sizeof val));
}

char *
report_params_typed(const json_t *params, const json_t *types,
		    const char *sep)
{
	struct strbuf b = STRBUF_INIT;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)params, k, v)
		sb_param(&b, k, v, types, sep);
	return strbuf_detach(&b);
}

char *
report_params(const json_t *params, const char *sep)
{
	return report_params_typed(params, NULL, sep);
}

/* Does key have the same value in every record of id? */
static int
param_constant(const struct report_run *r, const char *id, const char *key,
	       const json_t *v, int *count)
{
	size_t i;

	*count = 0;
	for (i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);

		if (strcmp(report_str(rec, "id"), id) != 0)
			continue;
		(*count)++;
		if (!json_equal(json_object_get(json_object_get(rec, "params"),
						key), (json_t *)v))
			return 0;
	}
	return 1;
}

/*
** Which parameters tell a record apart: when its probe ran more than once
** and some parameter changed between runs, those that changed; else
** every parameter but empty strings, at most 4 (a storage probe has 15,
** most of them defaults), then "+N more".
*/
static char *
key_params(const struct report_run *r, size_t i, int typed)
{
	const json_t *rec = json_array_get(r->results, i);
	const json_t *params = json_object_get(rec, "params");
	const json_t *types = typed ? json_object_get(rec, "param_types") :
			      NULL;
	const char *id = report_str(rec, "id"), *k;
	struct strbuf b = STRBUF_INIT;
	size_t shown = 0, more = 0;
	int varies = 0, count = 0;
	json_t *v;

	json_object_foreach((json_t *)params, k, v) {
		if (!param_constant(r, id, k, v, &count))
			varies = 1;
	}
	json_object_foreach((json_t *)params, k, v) {
		if (varies) {
			if (!param_constant(r, id, k, v, &count))
				sb_param(&b, k, v, types, " ");
			continue;
		}
		if (json_is_string(v) && json_string_length(v) == 0)
			continue;
		if (shown == 4) {
			more++;
			continue;
		}
		sb_param(&b, k, v, types, " ");
		shown++;
	}
	if (more > 0) {
		char tail[32];

		snprintf(tail, sizeof tail, " +%zu more", more);
		strbuf_addstr(&b, tail);
	}
	return strbuf_detach(&b);
}

char *
report_key_params(const struct report_run *r, size_t i)
{
	return key_params(r, i, 0);
}

char *
report_key_params_typed(const struct report_run *r, size_t i)
{
	return key_params(r, i, 1);
}

static int
is_head(const struct report_run *r, size_t i, const char *metric)
{
	for (const char **h = r->heads[i]; *h; h++)
		if (strcmp(*h, metric) == 0)
			return 1;
	return 0;
}

/* Verdicts of record i, those on metric only when metric is not NULL
** (the first headline metric takes those on metrics not in the
** headline too). */
static const char *
verdicts(const struct report_run *r, size_t i, const char *metric,
	 char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t v = 0; v < r->nverdicts; v++) {
		const json_t *x = json_array_get(r->verdicts, v);
		const char *s, *on = report_str(x, "metric");
		int k;

		if (r->vrec[v] != (long)i)
			continue;
		if (metric != NULL && strcmp(on, metric) != 0 &&
		    (r->main[i] == NULL || strcmp(metric, r->main[i]) != 0 ||
		     is_head(r, i, on)))
			continue;
		s = report_str(x, "verdict");
		k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", s);
		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
	return buf;
}

const char *
report_verdicts_of(const struct report_run *r, size_t i, char *buf, size_t n)
{
	return verdicts(r, i, NULL, buf, n);
}

const char *
report_verdicts_on(const struct report_run *r, size_t i, const char *metric,
		   char *buf, size_t n)
{
	return verdicts(r, i, metric, buf, n);
}

const struct report_sweep *
report_sweep_of(const struct report_run *r, size_t i)
{
	for (size_t s = 0; s < r->nsweeps; s++)
		if (i >= r->sweeps[s].first &&
		    i < r->sweeps[s].first + r->sweeps[s].n)
			return &r->sweeps[s];
	return NULL;
}

/*
** The headline metrics of a record, NULL-terminated (a new array of
** names borrowed from the document): those marked "headline": true, in
** the document's order.  A record without marks (written before dyno
** 0.1 recorded them, or by hand) falls back to dyno.lua's
** main_metric(): rate when the record has it, else the alphabetically
** first metric (byte order, as Lua compares strings in the C locale).
** No metrics: an empty list.
*/
static const char **
headlines(const json_t *rec)
{
	const json_t *ms = json_object_get(rec, "metrics");
	const char **h = xcalloc(json_object_size(ms) + 2, sizeof *h);
	const char *best = NULL, *k;
	size_t n = 0;
	json_t *m;

	json_object_foreach((json_t *)ms, k, m)
		if (json_is_true(json_object_get(m, "headline")))
			h[n++] = k;
	if (n > 0)
		return h;
	if (json_object_get(ms, "rate")) {
		h[0] = "rate";
		return h;
	}
	json_object_foreach((json_t *)ms, k, m) {
		if (best == NULL || strcmp(k, best) < 0)
			best = k;
	}
	h[0] = best;
	return h;
}

/* The one parameter in which a and b differ, or NULL when they differ in
** none or in more than one (or have different keys). */
static const char *
one_diff(const json_t *a, const json_t *b)
{
	const char *k, *diff = NULL;
	json_t *v;

	if (json_object_size(a) != json_object_size(b))
		return NULL;
	json_object_foreach((json_t *)a, k, v) {
		const json_t *w = json_object_get(b, k);

		if (w == NULL)
			return NULL;
		if (json_equal(v, (json_t *)w))
			continue;
		if (diff)
			return NULL;
		diff = k;
	}
	return diff;
}

static int
is_ok(const json_t *rec)
{
	return strcmp(report_str(rec, "status"), "ok") == 0;
}

static void
find_sweeps(struct report_run *r)
{
	size_t i = 0, cap = 0;

	while (i + 1 < r->nres) {
		const json_t *a = json_array_get(r->results, i);
		const json_t *b = json_array_get(r->results, i + 1);
		const char *axis;
		size_t j;

		if (!is_ok(a) || !is_ok(b) ||
		    strcmp(report_str(a, "id"), report_str(b, "id")) != 0 ||
		    (axis = one_diff(json_object_get(a, "params"),
				     json_object_get(b, "params"))) == NULL) {
			i++;
			continue;
		}
		for (j = i + 1; j + 1 < r->nres; j++) {
			const json_t *x = json_array_get(r->results, j);
			const json_t *y = json_array_get(r->results, j + 1);
			const char *d;

			if (!is_ok(y) || strcmp(report_str(x, "id"),
						report_str(y, "id")) != 0)
				break;
			d = one_diff(json_object_get(x, "params"),
				     json_object_get(y, "params"));
			if (d == NULL || strcmp(d, axis) != 0)
				break;
		}
		if (r->nsweeps == cap) {
			cap = cap ? cap * 2 : 4;
			r->sweeps = xreallocarray(r->sweeps, cap, sizeof *r->sweeps);
		}
		r->sweeps[r->nsweeps].first = i;
		r->sweeps[r->nsweeps].n = j - i + 1;
		r->sweeps[r->nsweeps].axis = axis;
		r->nsweeps++;
		i = j + 1;
	}
}

/*
** The record a verdict judged.  Verdicts carry the probe id but not the
** record, and a sweep has many records of one id: the one whose statistic
** equals the observed value is it (both were written from the same double
** with the same precision).  A verdict without an observed value (its
** probe did not run) goes to the first record of its id that is not ok.
*/
static long
verdict_record(const struct report_run *r, const json_t *v)
{
	const char *id = report_str(v, "id");
	const json_t *obs = json_object_get(v, "observed");
	long first = -1;

	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		const json_t *m;

		if (strcmp(report_str(rec, "id"), id) != 0)
			continue;
		if (first < 0)
			first = (long)i;
		if (!json_is_number(obs)) {
			if (!is_ok(rec))
				return (long)i;
			continue;
		}
		m = json_object_get(json_object_get(rec, "metrics"),
				    report_str(v, "metric"));
		if (report_num(m, report_str(v, "stat")) ==
		    json_number_value(obs))
			return (long)i;
	}
	return first;
}

void
report_run_init(struct report_run *r, const json_t *doc)
{
	memset(r, 0, sizeof *r);
	r->doc = doc;
	r->results = json_object_get(doc, "results");
	r->verdicts = json_object_get(doc, "verdicts");
	r->nres = json_array_size(r->results);
	r->nverdicts = json_array_size(r->verdicts);
	r->main = xcalloc(r->nres + 1, sizeof *r->main);
	r->heads = xcalloc(r->nres + 1, sizeof *r->heads);
	r->vrec = xcalloc(r->nverdicts + 1, sizeof *r->vrec);
	for (size_t i = 0; i < r->nres; i++)
	{
		r->heads[i] = headlines(json_array_get(r->results, i));
		r->main[i] = r->heads[i][0];
	}
	for (size_t v = 0; v < r->nverdicts; v++)
		r->vrec[v] = verdict_record(r, json_array_get(r->verdicts, v));
	find_sweeps(r);
}

void
report_run_fini(struct report_run *r)
{
	for (size_t i = 0; i < r->nres; i++)
		free(r->heads[i]);
	free(r->heads);
	free(r->main);
	free(r->vrec);
	free(r->sweeps);
	memset(r, 0, sizeof *r);
}

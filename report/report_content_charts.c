/*
** report_content_charts.c - the sections of the report that carry charts:
** sweeps (a table and a chart of the main metric against the swept
** parameter, cache levels marked) and latency percentiles (a table, and
** a chart per record).
*/
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content_int.h"
#include "rundoc.h"
#include "strbuf.h"
#include "xmalloc.h"

/* The factor that brings values of magnitude mag in unit into [1, 1000)
** for an axis, and the axis's unit ("ns", "GB/s"). */
static double
axis_scale(const char *unit, double mag, char *label, size_t n)
{
	static const struct { double f; const char *p; } t[] = {
		{ 1e-12, "T" }, { 1e-9, "G" }, { 1e-6, "M" }, { 1e-3, "k" },
		{ 1, "" }, { 1e3, "m" }, { 1e6, "u" }, { 1e9, "n" },
		{ 1e12, "p" },
	};
	size_t i, first = 0, last = sizeof t / sizeof *t - 1;

	if (strcmp(unit, "%") == 0 || !isfinite(mag) || mag <= 0) {
		snprintf(label, n, "%s", unit);
		return 1;
	}
	if (strcmp(unit, "s") == 0)
		first = 4;      /* times stop at s: no ks */
	else
		last = 4;       /* no mop/s on an axis */
	for (i = first; i < last && mag * t[i].f < 1; i++)
		;
	snprintf(label, n, "%s%s", t[i].p, unit);
	return t[i].f;
}

/* --- charts ----------------------------------------------------------- */

static struct report_chart *
chart_new(const char *title, const char *xlabel, const char *ylabel)
{
	struct report_chart *ch = xcalloc(1, sizeof *ch);

	ch->title = xstrdup(title);
	ch->xlabel = xstrdup(xlabel);
	ch->ylabel = xstrdup(ylabel);
	return ch;
}

static struct report_series *
series_new(struct report_chart *ch, const char *title, size_t n, int bars)
{
	struct report_series *s;

	ch->s = xreallocarray(ch->s, ch->ns + 1, sizeof *ch->s);
	s = &ch->s[ch->ns++];
	memset(s, 0, sizeof *s);
	s->title = xstrdup(title);
	s->x = xcalloc(n + 1, sizeof *s->x);
	s->y = xcalloc(n + 1, sizeof *s->y);
	if (bars) {
		s->lo = xcalloc(n + 1, sizeof *s->lo);
		s->hi = xcalloc(n + 1, sizeof *s->hi);
	}
	return s;
}

static void
chart_mark(struct report_chart *ch, double x, const char *label)
{
	ch->mark = xreallocarray(ch->mark, ch->nmarks + 1, sizeof *ch->mark);
	ch->mark_label = xreallocarray(ch->mark_label, ch->nmarks + 1,
				       sizeof *ch->mark_label);
	ch->mark[ch->nmarks] = x;
	ch->mark_label[ch->nmarks++] = xstrdup(label);
}

static void
chart_block(struct report_content *c, struct report_chart *ch,
	    const char *caption)
{
	struct report_block *b = report_add(c, REPORT_CHART);

	b->chart = ch;
	b->text = xstrdup(caption);
}

/*
** The cache levels to mark on a latency-against-size chart: what
** cache.detect measured when the run has it (levelN_bytes), else the
** data and unified caches of the inventory.
*/
static void
cache_marks(struct report_chart *ch, const struct report_run *r)
{
	const json_t *x;
	char label[64], b[32];
	size_t i;

	for (i = 0; i < r->nres; i++) {
		const json_t *rec = report_rec(r, i);
		int found = 0;

		if (strcmp(report_str(rec, "id"), "cache.detect") != 0 ||
		    strcmp(report_str(rec, "status"), "ok") != 0)
			continue;
		for (int lvl = 1; lvl <= 8; lvl++) {
			char key[32];
			double v;

			snprintf(key, sizeof key, "level%d_bytes", lvl);
			v = report_num(report_metric(rec, key), "median");
			if (!isfinite(v))
				continue;
			snprintf(label, sizeof label, "L%d %s (detected)", lvl,
				 report_bytes(v, b, sizeof b));
			chart_mark(ch, v, label);
			found = 1;
		}
		if (found)
			return;
	}
	json_array_foreach(json_object_get(json_object_get(json_object_get(
	    r->doc, "host"), "cpu"), "caches"), i, x) {
		if (strcmp(report_str(x, "type"), "instruction") == 0)
			continue;
		snprintf(label, sizeof label, "L%" JSON_INTEGER_FORMAT " %s",
			 json_integer_value(json_object_get(x, "level")),
			 report_bytes(report_num(x, "size"), b, sizeof b));
		chart_mark(ch, report_num(x, "size"), label);
	}
}

/* --- sweeps ----------------------------------------------------------- */

static int
numeric_axis(const struct report_run *r, const struct report_sweep *s)
{
	for (size_t k = 0; k < s->n; k++)
		if (!json_is_number(json_object_get(json_object_get(
		    report_rec(r, s->first + k), "params"), s->axis)))
			return 0;
	return 1;
}

static void
sweep_chart(struct report_content *c, const struct report_run *r,
	    const struct report_sweep *s, const char *mname)
{
	const json_t *first = report_rec(r, s->first);
	const char *id = report_str(first, "id");
	const char *unit = report_str(report_metric(first, mname), "unit");
	int numeric = numeric_axis(r, s);
	int is_cache = strcmp(id, "cache.latency") == 0 &&
		       strcmp(s->axis, "size") == 0 && numeric;
	double mag = 0, xmin = INFINITY, xmax = -INFINITY, f;
	struct report_chart *ch;
	struct report_series *se;
	char title[256], ylabel[64], ul[32], cap[512];

	for (size_t k = 0; k < s->n; k++) {
		double y = fabs(report_num(report_metric(report_rec(r,
		    s->first + k), mname), "median"));

		if (isfinite(y) && y > mag)
			mag = y;
	}
	f = axis_scale(unit, mag, ul, sizeof ul);
	snprintf(ylabel, sizeof ylabel, "%s, median (%s)", mname, ul);
	snprintf(title, sizeof title, "%s: %s against %s", id, mname, s->axis);
	ch = chart_new(title, s->axis, ylabel);
	se = series_new(ch, mname, s->n, 1);
	for (size_t k = 0; k < s->n; k++) {
		const json_t *rec = report_rec(r, s->first + k);
		const json_t *m = report_metric(rec, mname);
		const json_t *ci95 = json_object_get(m, "ci95");
		const json_t *xv = json_object_get(json_object_get(rec, "params"),
						   s->axis);
		double x;

		if (numeric) {
			x = json_number_value(xv);
		} else {
			char vb[128];

			ch->xcat = xreallocarray(ch->xcat, ch->nxcat + 1,
						 sizeof *ch->xcat);
			ch->xcat[ch->nxcat++] = xstrdup(report_value(xv, vb,
								     sizeof vb));
			x = (double)k;
		}
		xmin = fmin(xmin, x);
		xmax = fmax(xmax, x);
		se->x[se->n] = x;
		se->y[se->n] = report_num(m, "median") * f;
		se->lo[se->n] = json_is_number(json_array_get(ci95, 0)) ?
		    json_number_value(json_array_get(ci95, 0)) * f : se->y[se->n];
		se->hi[se->n] = json_is_number(json_array_get(ci95, 1)) ?
		    json_number_value(json_array_get(ci95, 1)) * f : se->y[se->n];
		se->n++;
	}
	/* A wide positive range reads better on a log axis; sizes always. */
	if (numeric && xmin > 0 && (is_cache || xmax / xmin >= 50))
		ch->logx = strcmp(s->axis, "size") == 0 || is_cache ? 2 : 10;
	if (is_cache) {
		ch->xbytes = 1;
		free(ch->xlabel);
		ch->xlabel = xstrdup("working-set size");
		cache_marks(ch, r);
		snprintf(cap, sizeof cap, "%s latency against the working-set "
			 "size (log scale) with its 95%% CI; dashed lines: the "
			 "cache levels.", id);
	} else {
		snprintf(cap, sizeof cap, "Median %s of %s against %s, with "
			 "the 95%% CI of the median.", mname, id, s->axis);
	}
	chart_block(c, ch, cap);
}

/* A sweep's table of metric mname, and its chart; titled with the metric
** when the sweep has several headline metrics (titled). */
static void
sweep_metric(struct report_content *c, const struct report_run *r,
	     const struct report_sweep *sw, const char *mname, int titled)
{
	const json_t *first = report_rec(r, sw->first);
	struct report_block *t;

	if (titled)
		report_para(c, "%s:", mname);
	t = report_table(c, 5, sw->axis, "Median", "95% CI of median", "p99",
			 "n");
	for (size_t k = 0; k < sw->n; k++) {
		const json_t *rec = report_rec(r, sw->first + k);
		const json_t *m = report_metric(rec, mname);
		const char *unit = report_str(m, "unit");
		char xv[128], med[32], cib[80], p99[32], n[24];

		report_param_value(json_object_get(json_object_get(rec,
		    "params"), sw->axis), json_string_value(json_object_get(
		    json_object_get(rec, "param_types"), sw->axis)), xv,
		    sizeof xv);
		/* documents without param_types: a size in bytes */
		if (json_object_get(rec, "param_types") == NULL &&
		    strcmp(sw->axis, "size") == 0 &&
		    json_is_number(json_object_get(json_object_get(rec,
		    "params"), sw->axis)))
			report_bytes(json_number_value(json_object_get(
			    json_object_get(rec, "params"), sw->axis)),
			    xv, sizeof xv);
		report_fmt(report_num(m, "median"), unit, med, sizeof med);
		report_ci(m, cib, sizeof cib);
		if (report_is_latency(m))
			report_fmt(report_num(m, "p99"), unit, p99, sizeof p99);
		else
			snprintf(p99, sizeof p99, "-");
		snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(m, "n")));
		report_row(t, (const char *[]){ xv, med, cib, p99, n });
	}
	if (report_metric(first, mname) != NULL)
		sweep_chart(c, r, sw, mname);
}

void
report_sweeps_section(struct report_content *c, const struct report_run *r)
{
	if (r->nsweeps == 0)
		return;
	report_heading(c, 2, "Sweeps");
	report_para(c, "A sweep is a run of consecutive ok records of one "
	    "probe whose parameters differ, from one record to the next, in "
	    "exactly one parameter, always the same (the swept one).");
	for (size_t s = 0; s < r->nsweeps; s++) {
		const struct report_sweep *sw = &r->sweeps[s];
		const json_t *first = report_rec(r, sw->first);
		const char *const *heads = r->heads[sw->first];
		json_t *rest = json_deep_copy(json_object_get(first, "params"));
		char *others, *names;
		struct strbuf hb = STRBUF_INIT;

		json_object_del(rest, sw->axis);
		others = report_params_typed(rest, json_object_get(first,
		    "param_types"), ", ");
		json_decref(rest);
		for (size_t h = 0; heads[h]; h++) {
			strbuf_addstr(&hb, h ? ", " : "");
			strbuf_addstr(&hb, heads[h]);
		}
		names = strbuf_detach(&hb);
		report_heading(c, 3, "%s over %s", report_str(first, "id"),
			       sw->axis);
		report_para(c, "%zu runs; headline metric%s %s; other "
		    "parameters: %s.", sw->n, heads[0] && heads[1] ? "s" : "",
		    names[0] ? names : "none", others[0] ? others : "none");
		free(others);
		free(names);
		for (size_t h = 0; heads[h]; h++)
			sweep_metric(c, r, sw, heads[h], heads[1] != NULL);
	}
}

/* --- latency percentiles ---------------------------------------------- */

static const double pcts[] = { 50, 90, 95, 99, 99.5, 99.9 };
static const char *const pct_keys[] = { "50", "90", "95", "99", "99.5",
					"99.9" };

/* Percentile p of m: from its percentiles object, else from its samples
** or histogram (lower rank, as the histogram reads them). */
static double
percentile(const json_t *m, size_t k)
{
	const json_t *ps = json_object_get(m, "percentiles");
	struct rundoc_dist d;
	struct dyno_err e;
	double v;

	if (json_is_number(json_object_get(ps, pct_keys[k])))
		return json_number_value(json_object_get(ps, pct_keys[k]));
	if (rundoc_metric_dist(m, 0, &d, &e) < 0)
		return NAN;
	v = rundoc_dist_quantile(&d, pcts[k] / 100);
	rundoc_dist_free(&d);
	return v;
}

static void
latency_chart(struct report_content *c, const struct report_run *r,
	      size_t i)
{
	const json_t *rec = report_rec(r, i);
	const json_t *ms = json_object_get(rec, "metrics"), *m;
	const char *name;
	struct report_chart *ch;
	char *params = report_key_params_typed(r, i);
	char title[512], ul[32], ylabel[64], cap[512];
	double mag = 0, f;

	json_object_foreach((json_t *)ms, name, m) {
		if (report_is_latency(m) && report_num(m, "max") > mag)
			mag = report_num(m, "max");
	}
	f = axis_scale("s", mag, ul, sizeof ul);
	snprintf(title, sizeof title, "%s%s%s: latency percentiles",
		 report_str(rec, "id"), params[0] ? " " : "", params);
	snprintf(ylabel, sizeof ylabel, "latency (%s)", ul);
	ch = chart_new(title, "percentile", ylabel);
	ch->nines = 1;
	json_object_foreach((json_t *)ms, name, m) {
		struct report_series *s;

		if (!report_is_latency(m))
			continue;
		s = series_new(ch, name, sizeof pcts / sizeof *pcts, 0);
		for (size_t k = 0; k < sizeof pcts / sizeof *pcts; k++) {
			double v = percentile(m, k);

			if (!isfinite(v))
				continue;
			s->x[s->n] = pcts[k];
			s->y[s->n++] = v * f;
		}
	}
	snprintf(cap, sizeof cap, "Latency percentiles (p50 to p99.9) of %s%s%s.",
		 report_str(rec, "id"), params[0] ? " " : "", params);
	chart_block(c, ch, cap);
	free(params);
}

void
report_latency_section(struct report_content *c, const struct report_run *r)
{
	struct report_block *t = NULL;
	size_t i;

	for (i = 0; i < r->nres; i++) {
		const json_t *rec = report_rec(r, i);
		const char *name;
		const json_t *m;

		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    name, m) {
			char *params;
			char v[6][32], n[24];

			if (!report_is_latency(m))
				continue;
			if (t == NULL) {
				report_heading(c, 2, "Latency percentiles");
				t = report_table(c, 9, "Probe", "Parameters",
						 "Metric", "p50", "p90", "p99",
						 "p99.9", "max", "n");
			}
			params = report_key_params_typed(r, i);
			report_fmt(report_num(m, "p50"), "s", v[0], sizeof v[0]);
			report_fmt(report_num(m, "p90"), "s", v[1], sizeof v[1]);
			report_fmt(report_num(m, "p99"), "s", v[2], sizeof v[2]);
			report_fmt(report_num(m, "p999"), "s", v[3], sizeof v[3]);
			report_fmt(report_num(m, "max"), "s", v[4], sizeof v[4]);
			snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(m, "n")));
			report_row(t, (const char *[]){ report_str(rec, "id"),
			    params, name, v[0], v[1], v[2], v[3], v[4], n });
			free(params);
		}
	}
	if (t == NULL)
		return;
	for (i = 0; i < r->nres; i++) {
		const json_t *m;
		const char *name;
		int any = 0;

		json_object_foreach(json_object_get((json_t *)report_rec(r, i),
						    "metrics"), name, m)
			any |= report_is_latency(m);
		if (any)
			latency_chart(c, r, i);
	}
}

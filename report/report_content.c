/*
** report_content.c - the content of the Markdown and HTML reports: host
** summary, a table per plugin, sweeps, latency percentiles, thresholds,
** the tune and warnings, with the charts the HTML report draws.
*/
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content.h"
#include "rundoc.h"
#include "units.h"
#include "xmalloc.h"

/* --- building blocks ------------------------------------------------- */

static struct report_block *
add(struct report_content *c, enum report_kind kind)
{
	struct report_block *b;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->b = xreallocarray(c->b, c->cap, sizeof *c->b);
	}
	b = &c->b[c->n++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	return b;
}

static void heading(struct report_content *c, int level, const char *fmt, ...)
	DYNO_PRINTF(3, 4);
static void
heading(struct report_content *c, int level, const char *fmt, ...)
{
	struct report_block *b = add(c, REPORT_HEADING);
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	b->level = level;
	b->text = xstrdup(buf);
}

static void para(struct report_content *c, const char *fmt, ...)
	DYNO_PRINTF(2, 3);
static void
para(struct report_content *c, const char *fmt, ...)
{
	struct report_block *b = add(c, REPORT_PARA);
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	b->text = xstrdup(buf);
}

/* A table or list under construction: cells appended row by row. */
static struct report_block *
table(struct report_content *c, size_t ncols, ...)
{
	struct report_block *b = add(c, ncols ? REPORT_TABLE : REPORT_LIST);
	va_list ap;

	b->ncols = ncols ? ncols : 1;
	va_start(ap, ncols);
	for (size_t i = 0; i < ncols; i++) {
		b->cells = xreallocarray(b->cells, i + 1, sizeof *b->cells);
		b->cells[i] = xstrdup(va_arg(ap, const char *));
	}
	va_end(ap);
	b->nrows = ncols ? 1 : 0;
	return b;
}

/* A whole row of ncols strings (copied). */
static void
row(struct report_block *b, const char *const *v)
{
	size_t used = b->nrows * b->ncols;

	b->cells = xreallocarray(b->cells, used + b->ncols, sizeof *b->cells);
	for (size_t k = 0; k < b->ncols; k++)
		b->cells[used + k] = xstrdup(v[k] ? v[k] : "");
	b->nrows++;
}

static void item(struct report_block *b, const char *fmt, ...)
	DYNO_PRINTF(2, 3);
static void
item(struct report_block *b, const char *fmt, ...)
{
	va_list ap;
	char buf[1024];
	const char *v[1] = { buf };

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	row(b, v);
}

/* --- formatting ------------------------------------------------------- */

/* Bytes with binary prefixes, as hardware is sold: 32 KiB, 1.5 GiB. */
static const char *
bytes(double v, char *buf, size_t n)
{
	static const char *const pre[] = { "B", "KiB", "MiB", "GiB", "TiB",
					   "PiB" };
	size_t p = 0;

	if (!isfinite(v))
		return snprintf(buf, n, "-"), buf;
	while (fabs(v) >= 1024 && p + 1 < sizeof pre / sizeof *pre) {
		v /= 1024;
		p++;
	}
	snprintf(buf, n, "%.3g %s", v, pre[p]);
	return buf;
}

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

static const char *
pct(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f%%", v * 100);
	return buf;
}

/* "[lo, hi]" of a metric's ci95. */
static const char *
ci(const json_t *m, char *buf, size_t n)
{
	const json_t *c = json_object_get(m, "ci95");
	const char *unit = report_str(m, "unit");
	char a[32], b[32];

	if (!json_is_number(json_array_get(c, 0)) ||
	    !json_is_number(json_array_get(c, 1)))
		return snprintf(buf, n, "-"), buf;
	snprintf(buf, n, "%s .. %s",
		 report_fmt(json_number_value(json_array_get(c, 0)), unit, a,
			    sizeof a),
		 report_fmt(json_number_value(json_array_get(c, 1)), unit, b,
			    sizeof b));
	return buf;
}

static const json_t *
rec_at(const struct report_run *r, size_t i)
{
	return json_array_get(r->results, i);
}

static const json_t *
metric(const json_t *rec, const char *name)
{
	return name ? json_object_get(json_object_get(rec, "metrics"), name)
		    : NULL;
}

/* --- host ------------------------------------------------------------- */

static void
host_section(struct report_content *c, const json_t *doc)
{
	const json_t *h = json_object_get(doc, "host");
	const json_t *cpu = json_object_get(h, "cpu");
	const json_t *mem = json_object_get(h, "memory");
	const json_t *os = json_object_get(h, "os");
	const json_t *x;
	struct report_block *t;
	char line[1024], b1[32], b2[32];
	size_t i, used;

	heading(c, 2, "Host");
	t = table(c, 2, "Item", "Value");
	{
		const char *v[2] = { "Host name", report_str(os, "hostname") };

		if (!v[1][0])
			v[1] = report_str(h, "hostname");
		if (v[1][0])
			row(t, v);
	}
	if (json_is_object(cpu)) {
		used = (size_t)snprintf(line, sizeof line, "%s (%s)",
		    report_str(cpu, "model"), report_str(cpu, "arch"));
		if (json_is_integer(json_object_get(cpu, "physical_cores")))
			used += (size_t)snprintf(line + used, sizeof line - used,
			    ", %" JSON_INTEGER_FORMAT " cores / %"
			    JSON_INTEGER_FORMAT " CPUs",
			    json_integer_value(json_object_get(cpu,
						"physical_cores")),
			    json_integer_value(json_object_get(cpu,
						"logical_cpus")));
		if (isfinite(report_num(cpu, "mhz_max")) && used < sizeof line)
			snprintf(line + used, sizeof line - used,
				 ", up to %.0f MHz", report_num(cpu, "mhz_max"));
		row(t, (const char *[]){ "CPU", line });
		used = 0;
		line[0] = '\0';
		json_array_foreach(json_object_get(cpu, "caches"), i, x) {
			const char *ty = report_str(x, "type");
			int k = snprintf(line + used, sizeof line - used,
			    "%sL%" JSON_INTEGER_FORMAT "%s %s", used ? ", " : "",
			    json_integer_value(json_object_get(x, "level")),
			    strcmp(ty, "data") == 0 ? "d" :
			    strcmp(ty, "instruction") == 0 ? "i" : "",
			    bytes(report_num(x, "size"), b1, sizeof b1));

			if (k < 0 || (size_t)k >= sizeof line - used)
				break;
			used += (size_t)k;
		}
		if (used)
			row(t, (const char *[]){ "Caches", line });
	}
	if (json_is_object(mem)) {
		snprintf(line, sizeof line, "%s total, %s available",
			 bytes(report_num(mem, "total"), b1, sizeof b1),
			 bytes(report_num(mem, "available"), b2, sizeof b2));
		row(t, (const char *[]){ "Memory", line });
	}
	used = 0;
	line[0] = '\0';
	json_array_foreach(json_object_get(h, "gpus"), i, x) {
		const char *name = report_str(x, "name");
		double m = report_num(x, "memory_total");
		int k;

		if (!isfinite(m))
			m = report_num(x, "memory");
		k = snprintf(line + used, sizeof line - used, "%s%s%s%s%s",
			     used ? ", " : "", name[0] ? name : "GPU",
			     isfinite(m) ? " (" : "",
			     isfinite(m) ? bytes(m, b1, sizeof b1) : "",
			     isfinite(m) ? ")" : "");
		if (k < 0 || (size_t)k >= sizeof line - used)
			break;
		used += (size_t)k;
	}
	if (!used) {
		const char *st = report_str(json_object_get(h, "cuda"), "status");

		snprintf(line, sizeof line, "%s", st[0] ? st : "none reported");
	}
	row(t, (const char *[]){ "GPUs", line });
	used = 0;
	line[0] = '\0';
	json_array_foreach(json_object_get(h, "block_devices"), i, x) {
		const char *model = report_str(x, "model");
		const char *sched = report_str(x, "scheduler");
		int k = snprintf(line + used, sizeof line - used,
		    "%s%s%s%s %s (%s%s%s)", used ? ", " : "",
		    report_str(x, "name"), model[0] ? " " : "", model,
		    bytes(report_num(x, "size"), b1, sizeof b1),
		    json_is_true(json_object_get(x, "rotational")) ?
		    "rotational" : "non-rotational", sched[0] ? ", " : "", sched);

		if (k < 0 || (size_t)k >= sizeof line - used)
			break;
		used += (size_t)k;
	}
	row(t, (const char *[]){ "Disks", used ? line : "none reported" });
	if (json_is_object(os)) {
		snprintf(line, sizeof line, "%s, %s %s",
			 report_str(os, "distro"), report_str(os, "sysname"),
			 report_str(os, "kernel"));
		row(t, (const char *[]){ "OS", line });
	}
	row(t, (const char *[]){ "Fingerprint", rundoc_fingerprint(doc) });
}

/* --- results ---------------------------------------------------------- */

static void
results_section(struct report_content *c, const struct report_run *r)
{
	char **plugins = xcalloc(r->nres + 1, sizeof *plugins);
	size_t np = 0, i, p;

	heading(c, 2, "Results");
	if (r->nres == 0)
		para(c, "No probe ran.");
	/* plugins in the order they first ran */
	for (i = 0; i < r->nres; i++) {
		const char *pl = report_str(rec_at(r, i), "plugin");

		for (p = 0; p < np && strcmp(plugins[p], pl) != 0; p++)
			;
		if (p == np)
			plugins[np++] = (char *)pl;
	}
	for (p = 0; p < np; p++) {
		struct report_block *t;

		heading(c, 3, "Plugin %s", plugins[p]);
		t = table(c, 8, "Probe", "Parameters", "Metric", "Median", "p99",
			  "95% CI of median", "n", "Verdict");
		for (i = 0; i < r->nres; i++) {
			const json_t *rec = rec_at(r, i);
			const json_t *m = metric(rec, r->main[i]);
			const char *unit = report_str(m, "unit");
			char *params, med[32], p99[32], cib[80], n[24], vb[128];

			if (strcmp(report_str(rec, "plugin"), plugins[p]) != 0)
				continue;
			params = report_key_params(r, i);
			report_fmt(report_num(m, "median"), unit, med, sizeof med);
			if (report_is_latency(m))
				report_fmt(report_num(m, "p99"), unit, p99,
					   sizeof p99);
			else
				snprintf(p99, sizeof p99, "-");
			ci(m, cib, sizeof cib);
			if (m)
				snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
					 json_integer_value(json_object_get(m, "n")));
			else
				snprintf(n, sizeof n, "-");
			report_verdicts_of(r, i, vb, sizeof vb);
			if (strcmp(report_str(rec, "status"), "ok") != 0)
				snprintf(vb, sizeof vb, "%s",
					 report_str(rec, "status"));
			row(t, (const char *[]){ report_str(rec, "id"), params,
			    r->main[i] ? r->main[i] : "-", med, p99, cib, n,
			    vb[0] ? vb : "-" });
			free(params);
		}
	}
	free(plugins);
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
	struct report_block *b = add(c, REPORT_CHART);

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
		const json_t *rec = rec_at(r, i);
		int found = 0;

		if (strcmp(report_str(rec, "id"), "cache.detect") != 0 ||
		    strcmp(report_str(rec, "status"), "ok") != 0)
			continue;
		for (int lvl = 1; lvl <= 8; lvl++) {
			char key[32];
			double v;

			snprintf(key, sizeof key, "level%d_bytes", lvl);
			v = report_num(metric(rec, key), "median");
			if (!isfinite(v))
				continue;
			snprintf(label, sizeof label, "L%d %s (detected)", lvl,
				 bytes(v, b, sizeof b));
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
			 bytes(report_num(x, "size"), b, sizeof b));
		chart_mark(ch, report_num(x, "size"), label);
	}
}

/* --- sweeps ----------------------------------------------------------- */

static int
numeric_axis(const struct report_run *r, const struct report_sweep *s)
{
	for (size_t k = 0; k < s->n; k++)
		if (!json_is_number(json_object_get(json_object_get(
		    rec_at(r, s->first + k), "params"), s->axis)))
			return 0;
	return 1;
}

static void
sweep_chart(struct report_content *c, const struct report_run *r,
	    const struct report_sweep *s, const char *mname)
{
	const json_t *first = rec_at(r, s->first);
	const char *id = report_str(first, "id");
	const char *unit = report_str(metric(first, mname), "unit");
	int numeric = numeric_axis(r, s);
	int is_cache = strcmp(id, "cache.latency") == 0 &&
		       strcmp(s->axis, "size") == 0 && numeric;
	double mag = 0, xmin = INFINITY, xmax = -INFINITY, f;
	struct report_chart *ch;
	struct report_series *se;
	char title[256], ylabel[64], ul[32], cap[512];

	for (size_t k = 0; k < s->n; k++) {
		double y = fabs(report_num(metric(rec_at(r, s->first + k),
						  mname), "median"));

		if (isfinite(y) && y > mag)
			mag = y;
	}
	f = axis_scale(unit, mag, ul, sizeof ul);
	snprintf(ylabel, sizeof ylabel, "%s, median (%s)", mname, ul);
	snprintf(title, sizeof title, "%s: %s against %s", id, mname, s->axis);
	ch = chart_new(title, s->axis, ylabel);
	se = series_new(ch, mname, s->n, 1);
	for (size_t k = 0; k < s->n; k++) {
		const json_t *rec = rec_at(r, s->first + k);
		const json_t *m = metric(rec, mname);
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

static void
sweeps_section(struct report_content *c, const struct report_run *r)
{
	if (r->nsweeps == 0)
		return;
	heading(c, 2, "Sweeps");
	para(c, "A sweep is a run of consecutive ok records of one probe whose "
	     "parameters differ, from one record to the next, in exactly one "
	     "parameter, always the same (the swept one).");
	for (size_t s = 0; s < r->nsweeps; s++) {
		const struct report_sweep *sw = &r->sweeps[s];
		const json_t *first = rec_at(r, sw->first);
		const char *mname = r->main[sw->first];
		struct report_block *t;
		json_t *rest = json_deep_copy(json_object_get(first, "params"));
		char *others;

		json_object_del(rest, sw->axis);
		others = report_params(rest, ", ");
		json_decref(rest);
		heading(c, 3, "%s over %s", report_str(first, "id"), sw->axis);
		para(c, "%zu runs; main metric %s; other parameters: %s.", sw->n,
		     mname ? mname : "none", others[0] ? others : "none");
		free(others);
		if (mname == NULL)
			continue;
		t = table(c, 5, sw->axis, "Median", "95% CI of median", "p99",
			  "n");
		for (size_t k = 0; k < sw->n; k++) {
			const json_t *rec = rec_at(r, sw->first + k);
			const json_t *m = metric(rec, mname);
			const char *unit = report_str(m, "unit");
			char xv[128], med[32], cib[80], p99[32], n[24];

			report_value(json_object_get(json_object_get(rec,
			    "params"), sw->axis), xv, sizeof xv);
			if (strcmp(sw->axis, "size") == 0 &&
			    json_is_number(json_object_get(json_object_get(rec,
			    "params"), sw->axis)))
				bytes(json_number_value(json_object_get(
				    json_object_get(rec, "params"), sw->axis)),
				    xv, sizeof xv);
			report_fmt(report_num(m, "median"), unit, med, sizeof med);
			ci(m, cib, sizeof cib);
			if (report_is_latency(m))
				report_fmt(report_num(m, "p99"), unit, p99,
					   sizeof p99);
			else
				snprintf(p99, sizeof p99, "-");
			snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(m, "n")));
			row(t, (const char *[]){ xv, med, cib, p99, n });
		}
		if (metric(first, mname) != NULL)
			sweep_chart(c, r, sw, mname);
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
	const json_t *rec = rec_at(r, i);
	const json_t *ms = json_object_get(rec, "metrics"), *m;
	const char *name;
	struct report_chart *ch;
	char *params = report_key_params(r, i);
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

static void
latency_section(struct report_content *c, const struct report_run *r)
{
	struct report_block *t = NULL;
	size_t i;

	for (i = 0; i < r->nres; i++) {
		const json_t *rec = rec_at(r, i);
		const char *name;
		const json_t *m;

		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    name, m) {
			char *params;
			char v[6][32], n[24];

			if (!report_is_latency(m))
				continue;
			if (t == NULL) {
				heading(c, 2, "Latency percentiles");
				t = table(c, 9, "Probe", "Parameters", "Metric",
					  "p50", "p90", "p99", "p99.9", "max",
					  "n");
			}
			params = report_key_params(r, i);
			report_fmt(report_num(m, "p50"), "s", v[0], sizeof v[0]);
			report_fmt(report_num(m, "p90"), "s", v[1], sizeof v[1]);
			report_fmt(report_num(m, "p99"), "s", v[2], sizeof v[2]);
			report_fmt(report_num(m, "p999"), "s", v[3], sizeof v[3]);
			report_fmt(report_num(m, "max"), "s", v[4], sizeof v[4]);
			snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(m, "n")));
			row(t, (const char *[]){ report_str(rec, "id"), params,
			    name, v[0], v[1], v[2], v[3], v[4], n });
			free(params);
		}
	}
	if (t == NULL)
		return;
	for (i = 0; i < r->nres; i++) {
		const json_t *m;
		const char *name;
		int any = 0;

		json_object_foreach(json_object_get((json_t *)rec_at(r, i),
						    "metrics"), name, m)
			any |= report_is_latency(m);
		if (any)
			latency_chart(c, r, i);
	}
}

/* --- thresholds, tune, warnings --------------------------------------- */

static void
thresholds_section(struct report_content *c, const struct report_run *r)
{
	struct report_block *t;

	heading(c, 2, "Thresholds");
	if (r->nverdicts == 0) {
		para(c, "The suite checked no thresholds.");
		return;
	}
	t = table(c, 7, "Probe", "Parameters", "Check", "Threshold",
		  "Observed", "Verdict", "Note");
	for (size_t v = 0; v < r->nverdicts; v++) {
		const json_t *x = json_array_get(r->verdicts, v);
		const char *verdict = report_str(x, "verdict");
		char *params = r->vrec[v] >= 0 ?
		    report_key_params(r, (size_t)r->vrec[v]) : xstrdup("");
		char obs[64], val[32], note[512] = "";

		if (json_is_number(json_object_get(x, "observed")))
			snprintf(obs, sizeof obs, "%s = %s",
				 report_str(x, "stat"),
				 report_fmt(report_num(x, "observed"),
					    report_str(x, "unit"), val, sizeof val));
		else
			snprintf(obs, sizeof obs, "-");
		if (strcmp(verdict, "review") == 0)
			snprintf(note, sizeof note, "not met; within the review "
				 "bound %s", report_str(x, "review"));
		else if (report_str(x, "reason")[0])
			snprintf(note, sizeof note, "%s", report_str(x, "reason"));
		row(t, (const char *[]){ report_str(x, "id"), params,
		    report_str(x, "name"), report_str(x, "expr"), obs, verdict,
		    note });
		free(params);
	}
}

/* Rows of the tune: nested keys flattened to dotted ones, in order. */
static void
tune_rows(struct report_block *t, const json_t *node, const char *prefix,
	  const json_t *why)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)node, k, v) {
		char key[512], val[256];
		const json_t *w, *from;
		char *fp;
		char src[512];

		snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "",
			 k);
		if (json_is_object(v)) {
			tune_rows(t, v, key, why);
			continue;
		}
		w = json_object_get(why, key);
		from = json_object_get(w, "from");
		fp = report_params(json_object_get(from, "params"), " ");
		snprintf(src, sizeof src, "%s%s%s", report_str(from, "id"),
			 fp[0] ? " " : "", fp);
		free(fp);
		row(t, (const char *[]){ key, report_value(v, val, sizeof val),
		    report_str(w, "unit"), report_str(w, "reason"), src });
	}
}

static void
tune_section(struct report_content *c, const struct report_run *r)
{
	const json_t *tune = json_object_get(r->doc, "tune");
	const json_t *skipped = json_object_get(json_object_get(tune, "dyno"),
						"skipped");
	struct report_block *t;
	const char *k;
	json_t *v;

	if (!json_is_object(tune))
		return;
	heading(c, 2, "Tune");
	t = table(c, 5, "Key", "Value", "Unit", "Why", "From");
	tune_rows(t, json_object_get(tune, "tune"), "",
		  json_object_get(tune, "why"));
	if (json_object_size(skipped) > 0) {
		para(c, "Parts of the tune not decided:");
		t = table(c, 0);
		json_object_foreach((json_t *)skipped, k, v)
			item(t, "%s: %s", k, json_string_value(v) ?
			     json_string_value(v) : "");
	}
}

static void
warnings_section(struct report_content *c, const struct report_run *r)
{
	const char *script = json_string_value(json_object_get(json_object_get(
	    r->doc, "summary"), "script_error"));
	struct report_block *t;

	heading(c, 2, "Warnings");
	t = table(c, 0);
	if (script)
		item(t, "The suite raised an error: %s", script);
	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = rec_at(r, i);
		const char *st = report_str(rec, "status");
		const char *name;
		const json_t *m;
		char *params = report_key_params(r, i);

		if (strcmp(st, "ok") != 0)
			item(t, "%s%s%s %s: %s", report_str(rec, "id"),
			     params[0] ? " " : "", params, st,
			     report_str(rec, "message")[0] ?
			     report_str(rec, "message") : "no reason given");
		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    name, m) {
			char cv[32];

			if (json_is_true(json_object_get(m, "noisy")))
				item(t, "%s%s%s: %s is noisy (cv %s > 5%%)",
				     report_str(rec, "id"), params[0] ? " " : "",
				     params, name, pct(report_num(m, "cv"), cv,
						       sizeof cv));
		}
		free(params);
	}
	if (t->nrows == 0) {
		free(t->cells);
		c->n--;
		para(c, "None: every probe ran and no metric was noisy.");
	}
}

void
report_content_build(struct report_content *c, const struct report_run *r)
{
	const json_t *doc = r->doc;
	const json_t *sum = json_object_get(doc, "summary");
	const json_t *pr = json_object_get(sum, "probes");
	const json_t *ck = json_object_get(sum, "checks");
	const char *suite = report_str(doc, "suite");
	const char *ver = report_str(doc, "dyno_version");
	const char *at = report_str(doc, "finished_at");

	heading(c, 1, "dyno report: %s", suite[0] ? suite : "results");
	para(c, "%s%s%s%s. Hardware fingerprint %s.",
	     ver[0] ? "dyno " : "dyno", ver, at[0] ? ", finished " : "", at,
	     rundoc_fingerprint(doc)[0] ? rundoc_fingerprint(doc) : "unknown");
	para(c, "Probes: %" JSON_INTEGER_FORMAT " ok, %" JSON_INTEGER_FORMAT
	     " skipped, %" JSON_INTEGER_FORMAT " failed. Checks: %"
	     JSON_INTEGER_FORMAT " pass, %" JSON_INTEGER_FORMAT " review, %"
	     JSON_INTEGER_FORMAT " fail, %" JSON_INTEGER_FORMAT " skip.",
	     json_integer_value(json_object_get(pr, "ok")),
	     json_integer_value(json_object_get(pr, "skipped")),
	     json_integer_value(json_object_get(pr, "failed")),
	     json_integer_value(json_object_get(ck, "pass")),
	     json_integer_value(json_object_get(ck, "review")),
	     json_integer_value(json_object_get(ck, "fail")),
	     json_integer_value(json_object_get(ck, "skip")));
	host_section(c, doc);
	results_section(c, r);
	sweeps_section(c, r);
	latency_section(c, r);
	thresholds_section(c, r);
	tune_section(c, r);
	warnings_section(c, r);
}

static void
chart_free(struct report_chart *ch)
{
	if (ch == NULL)
		return;
	free(ch->title);
	free(ch->xlabel);
	free(ch->ylabel);
	for (size_t i = 0; i < ch->nxcat; i++)
		free(ch->xcat[i]);
	free(ch->xcat);
	for (size_t i = 0; i < ch->ns; i++) {
		free(ch->s[i].title);
		free(ch->s[i].x);
		free(ch->s[i].y);
		free(ch->s[i].lo);
		free(ch->s[i].hi);
	}
	free(ch->s);
	for (size_t i = 0; i < ch->nmarks; i++)
		free(ch->mark_label[i]);
	free(ch->mark);
	free(ch->mark_label);
	free(ch);
}

void
report_content_free(struct report_content *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct report_block *b = &c->b[i];
		size_t cells = b->kind == REPORT_TABLE || b->kind == REPORT_LIST ?
			       b->nrows * b->ncols : 0;

		free(b->text);
		for (size_t k = 0; k < cells; k++)
			free(b->cells[k]);
		free(b->cells);
		chart_free(b->chart);
	}
	free(c->b);
	memset(c, 0, sizeof *c);
}

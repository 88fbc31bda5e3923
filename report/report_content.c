/*
** report_content.c - the content of the Markdown and HTML reports, its
** sections in order: host summary, a table per plugin, sweeps and latency
** percentiles (report_content_charts.c), thresholds, the tune and
** warnings; each made of the blocks of report_content_blocks.c.
*/
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content_int.h"
#include "rundoc.h"
#include "xmalloc.h"

/* --- helpers of the text sections ------------------------------------- */

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
	report_row(b, v);
}

static const char *
pct(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f%%", v * 100);
	return buf;
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

	report_heading(c, 2, "Host");
	t = report_table(c, 2, "Item", "Value");
	{
		const char *v[2] = { "Host name", report_str(os, "hostname") };

		if (!v[1][0])
			v[1] = report_str(h, "hostname");
		if (v[1][0])
			report_row(t, v);
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
		report_row(t, (const char *[]){ "CPU", line });
		used = 0;
		line[0] = '\0';
		json_array_foreach(json_object_get(cpu, "caches"), i, x) {
			const char *ty = report_str(x, "type");
			int k = snprintf(line + used, sizeof line - used,
			    "%sL%" JSON_INTEGER_FORMAT "%s %s", used ? ", " : "",
			    json_integer_value(json_object_get(x, "level")),
			    strcmp(ty, "data") == 0 ? "d" :
			    strcmp(ty, "instruction") == 0 ? "i" : "",
			    report_bytes(report_num(x, "size"), b1, sizeof b1));

			if (k < 0 || (size_t)k >= sizeof line - used)
				break;
			used += (size_t)k;
		}
		if (used)
			report_row(t, (const char *[]){ "Caches", line });
	}
	if (json_is_object(mem)) {
		snprintf(line, sizeof line, "%s total, %s available",
			 report_bytes(report_num(mem, "total"), b1, sizeof b1),
			 report_bytes(report_num(mem, "available"), b2,
				      sizeof b2));
		report_row(t, (const char *[]){ "Memory", line });
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
			     isfinite(m) ? report_bytes(m, b1, sizeof b1) : "",
			     isfinite(m) ? ")" : "");
		if (k < 0 || (size_t)k >= sizeof line - used)
			break;
		used += (size_t)k;
	}
	if (!used) {
		const char *st = report_str(json_object_get(h, "cuda"), "status");

		snprintf(line, sizeof line, "%s", st[0] ? st : "none reported");
	}
	report_row(t, (const char *[]){ "GPUs", line });
	used = 0;
	line[0] = '\0';
	json_array_foreach(json_object_get(h, "block_devices"), i, x) {
		const char *model = report_str(x, "model");
		const char *sched = report_str(x, "scheduler");
		int k = snprintf(line + used, sizeof line - used,
		    "%s%s%s%s %s (%s%s%s)", used ? ", " : "",
		    report_str(x, "name"), model[0] ? " " : "", model,
		    report_bytes(report_num(x, "size"), b1, sizeof b1),
		    json_is_true(json_object_get(x, "rotational")) ?
		    "rotational" : "non-rotational", sched[0] ? ", " : "", sched);

		if (k < 0 || (size_t)k >= sizeof line - used)
			break;
		used += (size_t)k;
	}
	report_row(t, (const char *[]){ "Disks",
		   used ? line : "none reported" });
	if (json_is_object(os)) {
		snprintf(line, sizeof line, "%s, %s %s",
			 report_str(os, "distro"), report_str(os, "sysname"),
			 report_str(os, "kernel"));
		report_row(t, (const char *[]){ "OS", line });
	}
	report_row(t, (const char *[]){ "Fingerprint",
		   rundoc_fingerprint(doc) });
}

/* --- results ---------------------------------------------------------- */


/* One row of a plugin's table: record i's metric name (NULL: it has no
** metrics), with the probe and params when params is not NULL (the
** record's first row). */
static void
metric_row(struct report_block *t, const struct report_run *r, size_t i,
	   const char *name, const char *params)
{
	const json_t *rec = report_rec(r, i);
	const json_t *m = report_metric(rec, name);
	const char *unit = report_str(m, "unit");
	char med[32], p99[32], cib[80], n[24], vb[128];

	report_fmt(report_num(m, "median"), unit, med, sizeof med);
	if (report_is_latency(m))
		report_fmt(report_num(m, "p99"), unit, p99, sizeof p99);
	else
		snprintf(p99, sizeof p99, "-");
	report_ci(m, cib, sizeof cib);
	if (m)
		snprintf(n, sizeof n, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(m, "n")));
	else
		snprintf(n, sizeof n, "-");
	if (name)
		report_verdicts_on(r, i, name, vb, sizeof vb);
	else
		report_verdicts_of(r, i, vb, sizeof vb);
	if (strcmp(report_str(rec, "status"), "ok") != 0)
		snprintf(vb, sizeof vb, "%s", report_str(rec, "status"));
	report_row(t, (const char *[]){ params ? report_str(rec, "id") : "",
	    params ? params : "", name ? name : "-", med, p99, cib, n,
	    vb[0] ? vb : "-" });
}

static void
results_section(struct report_content *c, const struct report_run *r)
{
	char **plugins = xcalloc(r->nres + 1, sizeof *plugins);
	size_t np = 0, i, p;

	report_heading(c, 2, "Results");
	if (r->nres == 0)
		report_para(c, "No probe ran.");
	/* plugins in the order they first ran */
	for (i = 0; i < r->nres; i++) {
		const char *pl = report_str(report_rec(r, i), "plugin");

		for (p = 0; p < np && strcmp(plugins[p], pl) != 0; p++)
			;
		if (p == np)
			plugins[np++] = (char *)pl;
	}
	for (p = 0; p < np; p++) {
		struct report_block *t;

		report_heading(c, 3, "Plugin %s", plugins[p]);
		t = report_table(c, 8, "Probe", "Parameters", "Metric",
				 "Median", "p99", "95% CI of median", "n",
				 "Verdict");
		for (i = 0; i < r->nres; i++) {
			const json_t *rec = report_rec(r, i);
			const char *const *h = r->heads[i];
			char *params;

			if (strcmp(report_str(rec, "plugin"), plugins[p]) != 0)
				continue;
			params = report_key_params_typed(r, i);
			/* a row per headline metric; probe and parameters on
			** the first */
			for (size_t k = 0; k == 0 || h[k]; k++)
				metric_row(t, r, i, h[k], k == 0 ? params : NULL);
			free(params);
		}
	}
	free(plugins);
}

/* --- thresholds, tune, warnings --------------------------------------- */

static void
thresholds_section(struct report_content *c, const struct report_run *r)
{
	struct report_block *t;

	report_heading(c, 2, "Thresholds");
	if (r->nverdicts == 0) {
		report_para(c, "The suite checked no thresholds.");
		return;
	}
	t = report_table(c, 7, "Probe", "Parameters", "Check", "Threshold",
			 "Observed", "Verdict", "Note");
	for (size_t v = 0; v < r->nverdicts; v++) {
		const json_t *x = json_array_get(r->verdicts, v);
		const char *verdict = report_str(x, "verdict");
		char *params = r->vrec[v] >= 0 ?
		    report_key_params_typed(r, (size_t)r->vrec[v]) : xstrdup("");
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
		report_row(t, (const char *[]){ report_str(x, "id"), params,
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
		fp = report_params_typed(json_object_get(from, "params"),
		    json_object_get(from, "param_types"), " ");
		snprintf(src, sizeof src, "%s%s%s", report_str(from, "id"),
			 fp[0] ? " " : "", fp);
		free(fp);
		report_row(t, (const char *[]){ key,
		    report_value(v, val, sizeof val), report_str(w, "unit"),
		    report_str(w, "reason"), src });
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
	report_heading(c, 2, "Tune");
	t = report_table(c, 5, "Key", "Value", "Unit", "Why", "From");
	tune_rows(t, json_object_get(tune, "tune"), "",
		  json_object_get(tune, "why"));
	if (json_object_size(skipped) > 0) {
		report_para(c, "Parts of the tune not decided:");
		t = report_table(c, 0);
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

	report_heading(c, 2, "Warnings");
	t = report_table(c, 0);
	if (script)
		item(t, "The suite raised an error: %s", script);
	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = report_rec(r, i);
		const char *st = report_str(rec, "status");
		const char *name;
		const json_t *m;
		char *params = report_key_params_typed(r, i);

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
		report_para(c, "None: every probe ran and no metric was "
			    "noisy.");
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

	report_heading(c, 1, "dyno report: %s", suite[0] ? suite : "results");
	report_para(c, "%s%s%s%s. Hardware fingerprint %s.",
	    ver[0] ? "dyno " : "dyno", ver, at[0] ? ", finished " : "", at,
	    rundoc_fingerprint(doc)[0] ? rundoc_fingerprint(doc) : "unknown");
	report_para(c, "Probes: %" JSON_INTEGER_FORMAT " ok, %"
	    JSON_INTEGER_FORMAT " skipped, %" JSON_INTEGER_FORMAT
	    " failed. Checks: %"
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
	report_fleet_section(c, r);
	results_section(c, r);
	report_sweeps_section(c, r);
	report_latency_section(c, r);
	thresholds_section(c, r);
	tune_section(c, r);
	warnings_section(c, r);
}

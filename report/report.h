/*
** report.h - `dyno report`: a run document (rundoc.h) written as
** Markdown, self-contained HTML with charts, JUnit, TAP, Prometheus text,
** CSV, Google Benchmark JSON, Bencher Metric Format or
** github-action-benchmark JSON.
**
** report.c reads the document once into a struct report_run (what every
** writer needs: each record's main metric, the sweeps, which record each
** verdict judged); each report_<format>.c writes one format from it.
** Every writer is deterministic: the same document gives the same bytes.
*/
#ifndef DYNO_REPORT_H
#define DYNO_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Write the run document in (a path) in format fmt (md, html, ...) to
** the file out, atomically, or to stdout when out is NULL.  Returns the
** exit status of dyno report (0 written, 2 an unknown format, an
** unreadable document or an output that could not be written); the
** reason is on stderr. */
int report_write(const char *in, const char *fmt, const char *out);

/*
** A sweep: n >= 2 consecutive records (from index first) of one probe,
** every one ok, each differing from the one before in exactly one
** parameter, always the same one (axis).  The run document does not mark
** sweeps; this is how they are found again.
*/
struct report_sweep {
	size_t first, n;
	const char *axis;    /* borrowed from the document */
};

/* A run document and what report.c derived from it; everything borrowed
** from doc or owned by the struct (report_run_fini frees it). */
struct report_run {
	const json_t *doc, *results, *verdicts;
	size_t nres, nverdicts;
	const char **main;          /* nres: main metric of each record, or NULL */
	long *vrec;                 /* nverdicts: record each verdict judged, -1 */
	struct report_sweep *sweeps;
	size_t nsweeps;
};

/* Fill r from a document rundoc_load returned.  Cannot fail (aborts on
** out of memory, as the core does). */
void report_run_init(struct report_run *r, const json_t *doc);
void report_run_fini(struct report_run *r);

/* String member k of o, "" when absent or not a string. */
const char *report_str(const json_t *o, const char *k);
/* Number member k of o, NAN when absent or null. */
double report_num(const json_t *o, const char *k);
/* A latency metric: in seconds, lower is better, more than one sample
** (so its percentiles say something). */
int report_is_latency(const json_t *metric);
/* A parameter value as text: strings as they are, numbers %.9g,
** booleans true/false.  Writes into buf (n bytes) and returns it. */
const char *report_value(const json_t *v, char *buf, size_t n);
/* "k=v<sep>k=v..." of every parameter, in the document's order; "" for
** none.  Returns a new string the caller frees. */
char *report_params(const json_t *params, const char *sep);
/* The parameters worth showing next to record i (see report.c); a new
** string the caller frees. */
char *report_key_params(const struct report_run *r, size_t i);
/* The verdicts that judged record i, joined by ", " ("" for none). */
const char *report_verdicts_of(const struct report_run *r, size_t i,
			       char *buf, size_t n);
/* A value in unit for humans (units_format), "-" when not finite. */
const char *report_fmt(double v, const char *unit, char *buf, size_t n);
/* The sweep record i belongs to, or NULL. */
const struct report_sweep *report_sweep_of(const struct report_run *r,
					   size_t i);

/* The writers; each writes its whole format to fp. */
void report_md(FILE *fp, const struct report_run *r);
void report_html(FILE *fp, const struct report_run *r);
void report_tap(FILE *fp, const struct report_run *r);
void report_prom(FILE *fp, const struct report_run *r);
void report_csv(FILE *fp, const struct report_run *r);
/* The JSON formats: new references, dumped by report.c. */
json_t *report_gbench(const struct report_run *r);
json_t *report_bmf(const struct report_run *r);
/* github-action-benchmark: the entries whose better direction is bigger
** (bigger != 0) or smaller. */
json_t *report_gab(const struct report_run *r, int bigger);

#endif

/*
** report_run.h - a run document (rundoc.h) read once into what every
** report format needs: each record's main metric, the sweeps, which record
** each verdict judged; and the small helpers the format writers share.
** It knows nothing of the formats or of `dyno report` (report.c).
*/
#ifndef DYNO_REPORT_RUN_H
#define DYNO_REPORT_RUN_H

#include <stddef.h>
#include <jansson.h>

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

/* A run document and what report_run.c derived from it; everything
** borrowed from doc or owned by the struct (report_run_fini frees it). */
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
/* The parameters worth showing next to record i (see report_run.c); a
** new string the caller frees. */
char *report_key_params(const struct report_run *r, size_t i);
/* The verdicts that judged record i, joined by ", " ("" for none). */
const char *report_verdicts_of(const struct report_run *r, size_t i,
			       char *buf, size_t n);
/* A value in unit for humans (units_format), "-" when not finite. */
const char *report_fmt(double v, const char *unit, char *buf, size_t n);
/* What verdict v observed, "stat = value" (report_fmt), or its reason
** when it has no observed value (its probe did not run).  Writes into buf
** (n bytes) and returns it. */
const char *report_observed(const json_t *v, char *buf, size_t n);
/* The sweep record i belongs to, or NULL. */
const struct report_sweep *report_sweep_of(const struct report_run *r,
					   size_t i);

#endif

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
	const char ***heads;        /* nres: headline metrics of each record,
				    ** NULL-terminated (report_run.c says which) */
	const char **main;          /* nres: its first headline metric, or NULL */
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
/* A parameter value for people: with type "size" (bytes) 64MiB, with
** "duration" (seconds) 250ms or 2s, else as report_value.  type (a
** record's param_types member) may be NULL: report_value. */
const char *report_param_value(const json_t *v, const char *type, char *buf,
			       size_t n);
/* "k=v<sep>k=v..." of every parameter, in the document's order; "" for
** none.  Returns a new string the caller frees.  The machine formats'
** form: values as report_value, the same in every dyno version. */
char *report_params(const json_t *params, const char *sep);
/* The same for people: values as report_param_value with types (a
** record's param_types, may be NULL). */
char *report_params_typed(const json_t *params, const json_t *types,
			  const char *sep);
/* The parameters worth showing next to record i (see report_run.c); a
** new string the caller frees. */
char *report_key_params(const struct report_run *r, size_t i);
/* The same with sizes and durations in units (report_param_value). */
char *report_key_params_typed(const struct report_run *r, size_t i);
/* The verdicts that judged record i, joined by ", " ("" for none). */
const char *report_verdicts_of(const struct report_run *r, size_t i,
			       char *buf, size_t n);
/* A value in unit for humans (units_format), "-" when not finite. */
const char *report_fmt(double v, const char *unit, char *buf, size_t n);
/* What verdict v observed, "stat = value" (report_fmt), or its reason
** when it has no observed value (its probe did not run).  Writes into buf
** (n bytes) and returns it. */
const char *report_observed(const json_t *v, char *buf, size_t n);
/* Those of them on metric, a headline metric of record i; the first
** headline metric also gets those on metrics outside the headline. */
const char *report_verdicts_on(const struct report_run *r, size_t i,
			       const char *metric, char *buf, size_t n);
/* The sweep record i belongs to, or NULL. */
const struct report_sweep *report_sweep_of(const struct report_run *r,
					   size_t i);

#endif

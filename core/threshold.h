/*
** threshold.h - threshold expressions such as "p95(latency) < 100ms":
** parsing them, testing them against a result record's metrics, and the
** tiered pass/review/fail verdict.
**
** Grammar: [stat(]metric[)] op value[unit], blanks allowed between tokens.
**   stat    min max mean median p50 p90 p95 p99 p999 (median when omitted)
**   metric  [a-z][a-z0-9_]*
**   op      < <= > >=
**   value   a number as units.h reads it, with an optional unit that is
**           converted into the metric's unit only at evaluation, because
**           the metric's unit is known only from the result.
*/
#ifndef DYNO_THRESHOLD_H
#define DYNO_THRESHOLD_H

#include <jansson.h>

#include "err.h"

enum threshold_op { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE };
enum threshold_verdict {
	THRESHOLD_PASS = 0,
	THRESHOLD_REVIEW = 1,
	THRESHOLD_FAIL = 2
};

struct threshold {
	char stat[8];       /* min max mean median p50 p90 p95 p99 p999; "median" when omitted */
	char metric[64];    /* [a-z][a-z0-9_]* */
	enum threshold_op op;
	char value[64];     /* the value text with its unit, e.g. "100ms", converted at evaluation */
	char text[256];     /* the expression as given, trimmed */
};

/*
** Parse "[stat(]metric[)] op value[unit]", e.g. "p95(latency) < 100ms",
** "throughput >= 1.2GB/s", "median(fps) > 30", "rate>12k".  Whitespace
** allowed between tokens.  Returns 0 and fills *out, or DYNO_EINVAL with a
** one-line message quoting the (trimmed) expression and saying what was
** expected at which column (1-based, counted in the trimmed text), e.g.
** "invalid threshold 'p95(latency < 100ms': expected ')' after 'latency'
** at column 12"; *out is then untouched.  The value's number is checked
** here; its unit only by threshold_eval.
*/
int threshold_parse(const char *expr, struct threshold *out,
		    struct dyno_err *err);

/*
** Evaluate t against a result record's "metrics" object (borrowed): find
** the metric, take the statistic, convert t->value into the metric's unit
** with units_parse_value.  On success *observed = the statistic, *bound =
** the converted value, *ok = 1 if "observed op bound" holds, else 0 (any of
** the three may be NULL).  Errors, outputs untouched: unknown metric ->
** DYNO_ENOENT "threshold 'x': no metric 'foo' in the result; it has: a, b";
** statistic missing or null (the probe recorded nothing finite) ->
** DYNO_ENOENT naming it; a unit that does not fit -> DYNO_EINVAL naming
** both the value's unit and the metric's; a value out of range in the
** metric's unit -> DYNO_ERANGE.
*/
int threshold_eval(const struct threshold *t, const json_t *metrics, int *ok,
		   double *observed, double *bound, struct dyno_err *err);

/*
** The tiered verdict: pass_expr holds -> PASS; else review_expr (may be
** NULL) holds -> REVIEW; else FAIL.  Both expressions must name the same
** metric and statistic (else DYNO_EINVAL); the review expression is
** evaluated even when pass_expr holds, so a broken one is reported at
** once.  *detail (a new reference the caller releases; pass NULL to skip)
** = {"expr", "review" (or null), "verdict", "metric", "stat", "observed",
** "unit", "bound", "review_bound" (or null)}.  Returns 0, or the error of
** threshold_parse/threshold_eval with *v and *detail untouched.
*/
int threshold_verdict(const char *pass_expr, const char *review_expr,
		      const json_t *metrics, enum threshold_verdict *v,
		      json_t **detail, struct dyno_err *err);

/* "pass", "review" or "fail" ("?" for anything else). */
const char *threshold_verdict_name(enum threshold_verdict v);

#endif

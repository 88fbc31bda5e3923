/* test_threshold.c - threshold grammar, unit conversion and tiered verdicts. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "threshold.h"

/* Strings live in the structs, not behind pointers: Criterion runs each
** parameterized case in a fresh process and copies the array over. */

/*
** A result's "metrics" object with one metric per unit family.  Values
** on the boundaries are exact in binary (0.125 s, 2 GiB) or are what the
** bound converts to, so that equality tests < against <=.
*/
static const char metrics_json[] =
	"{"
	"\"latency\": {\"unit\": \"s\", \"better\": \"lower\", \"n\": 5,"
	" \"min\": 0.0625, \"max\": 0.25, \"mean\": 0.1, \"stddev\": 0.01,"
	" \"median\": 0.09375, \"p50\": 0.09375, \"p90\": 0.1, \"p95\": 0.125,"
	" \"p99\": 0.2, \"p999\": 0.25},"
	"\"bandwidth\": {\"unit\": \"B/s\", \"better\": \"higher\", \"n\": 5,"
	" \"min\": 1e9, \"max\": 1.5e9, \"mean\": 1.2e9, \"median\": 1.2e9,"
	" \"p50\": 1.2e9, \"p90\": 1.4e9, \"p95\": 1.45e9, \"p99\": 1.5e9,"
	" \"p999\": 1.5e9},"
	"\"rate\": {\"unit\": \"op/s\", \"better\": \"higher\", \"n\": 3,"
	" \"min\": 11000, \"max\": 13000, \"mean\": 12000, \"median\": 12000,"
	" \"p50\": 12000, \"p90\": 12800, \"p95\": 12900, \"p99\": 12980,"
	" \"p999\": 12998},"
	"\"size\": {\"unit\": \"B\", \"better\": \"lower\", \"n\": 1,"
	" \"min\": 2147483648, \"max\": 2147483648, \"mean\": 2147483648,"
	" \"median\": 2147483648, \"p50\": 2147483648},"
	"\"fps\": {\"unit\": \"\", \"better\": \"higher\", \"n\": 2,"
	" \"min\": 29, \"max\": 31, \"mean\": 30, \"median\": 30, \"p50\": 30},"
	"\"empty\": {\"unit\": \"s\", \"better\": \"lower\", \"n\": 0,"
	" \"min\": null, \"max\": null, \"mean\": null, \"median\": null}"
	"}";

static json_t *
metrics(void)
{
	json_error_t je;
	json_t *m = json_loads(metrics_json, 0, &je);

	cr_assert_not_null(m, "fixture: %s", je.text);
	return m;
}

/* A message is one line and quotes what it is about. */
static void
one_line_quoting(const struct dyno_err *err, const char *what)
{
	char q[320];

	snprintf(q, sizeof(q), "'%s'", what);
	cr_expect(strstr(err->msg, q) != NULL, "message does not quote %s: %s",
	    q, err->msg);
	cr_expect(strchr(err->msg, '\n') == NULL, "message is not one line");
}

/* --- grammar ----------------------------------------------------------- */

struct gcase {
	char expr[80];
	char stat[8];
	char metric[64];
	enum threshold_op op;
	char value[64];
	char text[80];  /* "" when it equals expr */
};

ParameterizedTestParameters(threshold, grammar)
{
	static struct gcase c[] = {
		/* the examples */
		{ "p95(latency) < 100ms", "p95", "latency", THRESHOLD_LT, "100ms", "" },
		{ "throughput >= 1.2GB/s", "median", "throughput", THRESHOLD_GE, "1.2GB/s", "" },
		{ "median(fps) > 30", "median", "fps", THRESHOLD_GT, "30", "" },
		{ "rate>12k", "median", "rate", THRESHOLD_GT, "12k", "" },
		/* every statistic and operator */
		{ "min(x) <= 1", "min", "x", THRESHOLD_LE, "1", "" },
		{ "max(x) < 1", "max", "x", THRESHOLD_LT, "1", "" },
		{ "mean(x) > 1", "mean", "x", THRESHOLD_GT, "1", "" },
		{ "median(x) >= 1", "median", "x", THRESHOLD_GE, "1", "" },
		{ "p50(x)<=1", "p50", "x", THRESHOLD_LE, "1", "" },
		{ "p90(x)<1", "p90", "x", THRESHOLD_LT, "1", "" },
		{ "p95(x)>1", "p95", "x", THRESHOLD_GT, "1", "" },
		{ "p99(x)>=1", "p99", "x", THRESHOLD_GE, "1", "" },
		{ "p999(x) < 1", "p999", "x", THRESHOLD_LT, "1", "" },
		/* whitespace anywhere between tokens, trimmed around */
		{ "  \tp95 ( latency )\t<=  100 ms \n", "p95", "latency", THRESHOLD_LE, "100 ms", "p95 ( latency )\t<=  100 ms" },
		{ "p99(\nlat_2\n)\n>\n5", "p99", "lat_2", THRESHOLD_GT, "5", "" },
		{ "rate >= 12k op/s", "median", "rate", THRESHOLD_GE, "12k op/s", "" },
		/* numbers and units as units.h writes them */
		{ "x<-5", "median", "x", THRESHOLD_LT, "-5", "" },
		{ "x > +1e3", "median", "x", THRESHOLD_GT, "+1e3", "" },
		{ "x >= 1.5e-3s", "median", "x", THRESHOLD_GE, "1.5e-3s", "" },
		{ "bw > 500MiB/s", "median", "bw", THRESHOLD_GT, "500MiB/s", "" },
		{ "lat < 250\xc2\xb5s", "median", "lat", THRESHOLD_LT, "250\xc2\xb5s", "" },
		{ "cpu < 5%", "median", "cpu", THRESHOLD_LT, "5%", "" },
		{ "mem <= 4 KiB", "median", "mem", THRESHOLD_LE, "4 KiB", "" },
		/* a metric may be named like a statistic */
		{ "max < 3", "median", "max", THRESHOLD_LT, "3", "" },
		{ "p95(max) < 3", "p95", "max", THRESHOLD_LT, "3", "" },
	};
	return cr_make_param_array(struct gcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct gcase *c, threshold, grammar)
{
	struct dyno_err err = { 0, "" };
	struct threshold t;
	int rc = threshold_parse(c->expr, &t, &err);

	cr_assert_eq(rc, 0, "'%s': rc %d (%s)", c->expr, rc, err.msg);
	cr_expect_str_eq(t.stat, c->stat, "'%s'", c->expr);
	cr_expect_str_eq(t.metric, c->metric, "'%s'", c->expr);
	cr_expect_eq(t.op, c->op, "'%s': op %d, want %d", c->expr, t.op, c->op);
	cr_expect_str_eq(t.value, c->value, "'%s'", c->expr);
	cr_expect_str_eq(t.text, c->text[0] ? c->text : c->expr);
}

/* --- bad input ---------------------------------------------------------- */

struct bcase {
	char expr[80];
	char msg[200];  /* must appear in the message */
};

ParameterizedTestParameters(threshold, bad)
{
	static struct bcase c[] = {
		{ "", "invalid threshold '': empty; expected an expression such as" },
		{ " \t ", "invalid threshold '': empty" },
		{ "p95(latency < 100ms", "invalid threshold 'p95(latency < 100ms': "
		    "expected ')' after 'latency' at column 12" },
		{ "latency 100ms", "expected an operator <, <=, > or >= after "
		    "'latency' at column 8" },
		{ "latency = 5", "expected an operator <, <=, > or >= after "
		    "'latency' at column 8" },
		{ "latency == 5", "after 'latency' at column 8" },
		{ "p95(latency) 5", "after ')' at column 13" },
		{ "latency", "expected an operator <, <=, > or >= after "
		    "'latency' at column 8" },
		{ "latency <", "expected a value after '<' at column 10" },
		{ "latency <=   ", "invalid threshold 'latency <=': expected a "
		    "value after '<=' at column 11" },
		{ "latency < ms", "expected a number after '<' at column 10" },
		{ "latency < nan", "expected a number after '<' at column 10" },
		{ "x < 1e400", "out of range: the number '1e400' at column 5" },
		{ "p42(x) < 1", "'p42' is not a statistic; expected min, max, "
		    "mean, median, p50, p90, p95, p99 or p999 before '(' at "
		    "column 1" },
		{ "stddev(x) < 1", "'stddev' is not a statistic" },
		{ "Latency < 5", "expected a metric name or a statistic "
		    "([a-z][a-z0-9_]*) at column 1" },
		{ "< 5", "expected a metric name or a statistic" },
		{ "p95() < 1", "expected a metric name after '(' at column 5" },
		{ "p95((latency)) < 1", "expected a metric name after '(' at "
		    "column 5" },
		{ "latency) < 1", "')' at column 8 has no matching '('" },
		{ "p95(latency)) < 1", "')' at column 13 has no matching '('" },
		{ "p95(latency", "expected ')' after 'latency' at column 12" },
		{ "latency < 100ms garbage", "expected the end of the "
		    "expression after '100ms' at column 16" },
		{ "latency < 5 5", "expected the end of the expression after "
		    "'5' at column 12" },
		{ "latency < 5ms)", "expected the end of the expression after "
		    "'5ms' at column 14" },
		{ "latency < 5 < 6", "after '5' at column 12" },
		/* a line break between tokens is quoted as a blank */
		{ "q9(x)\n< 1", "invalid threshold 'q9(x) < 1': 'q9' is not a "
		    "statistic" },
		{ "x < 5\x01", "expected the end of the expression after '5' "
		    "at column 6" },
	};
	return cr_make_param_array(struct bcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct bcase *c, threshold, bad)
{
	struct dyno_err err = { 0, "" };
	struct threshold t;
	int rc;

	memset(&t, 0x5a, sizeof(t));
	rc = threshold_parse(c->expr, &t, &err);
	cr_assert_eq(rc, DYNO_EINVAL, "'%s': rc %d", c->expr, rc);
	cr_expect_eq(err.code, DYNO_EINVAL);
	cr_expect(strstr(err.msg, c->msg) != NULL, "'%s': message\n  %s\n"
	    "lacks\n  %s", c->expr, err.msg, c->msg);
	cr_expect(strncmp(err.msg, "invalid threshold '", 19) == 0, "%s",
	    err.msg);
	cr_expect(strchr(err.msg, '\n') == NULL, "message is not one line");
	cr_expect_eq(t.stat[0], 0x5a, "*out was written on error");
}

Test(threshold, null_and_overlong)
{
	struct dyno_err err = { 0, "" };
	struct threshold t;
	char big[400], name[80];

	cr_expect_eq(threshold_parse(NULL, &t, &err), DYNO_EINVAL);
	memset(name, 'a', 64);
	strcpy(name + 64, " < 1");
	cr_expect_eq(threshold_parse(name, &t, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "longer than 63 characters"), "%s", err.msg);
	name[63] = '\0';
	cr_expect_eq(threshold_parse(name, &t, &err), DYNO_EINVAL);
	strcpy(name + 63, " < 1");
	cr_expect_eq(threshold_parse(name, &t, &err), 0, "%s", err.msg);
	memset(big, ' ', sizeof(big));
	memcpy(big + 300, "x < 5", 6);
	cr_expect_eq(threshold_parse(big, &t, &err), 0, "%s", err.msg);
	cr_expect_str_eq(t.text, "x < 5");
	memcpy(big, "x < 5", 5);
	memset(big + 5, '0', 300);
	big[305] = '\0';
	cr_expect_eq(threshold_parse(big, &t, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "longer than 255 characters"), "%s", err.msg);
	cr_expect_lt(strlen(err.msg), 200);
}

/* --- unit conversion ---------------------------------------------------- */

struct ucase {
	char expr[64];
	double observed;
	double bound;
	int ok;
};

ParameterizedTestParameters(threshold, units)
{
	static struct ucase c[] = {
		{ "p95(latency) < 100ms", 0.125, 0.1, 0 },
		{ "p95(latency) < 250us", 0.125, 2.5e-4, 0 },
		{ "p95(latency) < 1min", 0.125, 60, 1 },
		{ "p95(latency) < 0.5", 0.125, 0.5, 1 },
		{ "bandwidth >= 1.2GB/s", 1.2e9, 1.2e9, 1 },
		{ "bandwidth > 1GiB/s", 1.2e9, 1073741824.0, 1 },
		{ "rate > 12k", 12000, 12000, 0 },
		{ "rate >= 12k op/s", 12000, 12000, 1 },
		{ "rate >= 12kop/s", 12000, 12000, 1 },
		{ "rate < 13000", 12000, 13000, 1 },
		{ "size <= 2GiB", 2147483648.0, 2147483648.0, 1 },
		{ "size < 2GiB", 2147483648.0, 2147483648.0, 0 },
		{ "size < 2GB", 2147483648.0, 2e9, 0 },
		{ "max(size) <= 4G", 2147483648.0, 4294967296.0, 1 },
		{ "fps > 30", 30, 30, 0 },
		{ "min(fps) > 1.5k", 29, 1500, 0 },
		{ "max(latency) <= 250ms", 0.25, 0.25, 1 },
		{ "mean(latency) > 0", 0.1, 0, 1 },
	};
	return cr_make_param_array(struct ucase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct ucase *c, threshold, units)
{
	struct dyno_err err = { 0, "" };
	struct threshold t;
	json_t *m = metrics();
	double x = -1, b = -1;
	int ok = -1;

	cr_assert_eq(threshold_parse(c->expr, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(threshold_eval(&t, m, &ok, &x, &b, &err), 0, "'%s': %s",
	    c->expr, err.msg);
	cr_expect_eq(x, c->observed, "'%s': observed %g, want %g", c->expr, x,
	    c->observed);
	cr_expect(fabs(b - c->bound) <= 1e-12 * fabs(c->bound), "'%s': bound "
	    "%.17g, want %.17g", c->expr, b, c->bound);
	cr_expect_eq(ok, c->ok, "'%s': ok %d", c->expr, ok);
	json_decref(m);
}

/* --- tiers -------------------------------------------------------------- */

struct tcase {
	char pass[64];
	char review[64];  /* "" for none */
	enum threshold_verdict v;
};

ParameterizedTestParameters(threshold, tiers)
{
	static struct tcase c[] = {
		/* p95(latency) is 0.125 s */
		{ "p95(latency) <= 125ms", "", THRESHOLD_PASS },
		{ "p95(latency) < 125ms", "", THRESHOLD_FAIL },
		{ "p95(latency) < 200ms", "p95(latency) < 300ms", THRESHOLD_PASS },
		{ "p95(latency) < 125ms", "p95(latency) <= 125ms", THRESHOLD_REVIEW },
		{ "p95(latency) < 100ms", "p95(latency) < 200ms", THRESHOLD_REVIEW },
		{ "p95(latency) < 100ms", "p95(latency) < 125ms", THRESHOLD_FAIL },
		{ "p95(latency) < 100ms", "p95(latency) < 110ms", THRESHOLD_FAIL },
		/* higher is better: median(bandwidth) is 1.2e9 B/s */
		{ "bandwidth >= 1.2GB/s", "bandwidth >= 1GB/s", THRESHOLD_PASS },
		{ "bandwidth > 1.2GB/s", "bandwidth >= 1.2GB/s", THRESHOLD_REVIEW },
		{ "bandwidth > 1.2GB/s", "bandwidth > 1.2GB/s", THRESHOLD_FAIL },
		{ "median(bandwidth) > 2GB/s", "bandwidth >= 1GiB/s", THRESHOLD_REVIEW },
		{ "size <= 2GiB", "", THRESHOLD_PASS },
		{ "rate >= 12k", "", THRESHOLD_PASS },
		{ "rate > 12k", "rate > 11k", THRESHOLD_REVIEW },
	};
	return cr_make_param_array(struct tcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct tcase *c, threshold, tiers)
{
	struct dyno_err err = { 0, "" };
	enum threshold_verdict v = 99;
	json_t *m = metrics(), *d = NULL;
	const char *review = c->review[0] ? c->review : NULL;

	cr_assert_eq(threshold_verdict(c->pass, review, m, &v, &d, &err), 0,
	    "%s", err.msg);
	cr_expect_eq(v, c->v, "'%s' / '%s': %s, want %s", c->pass, c->review,
	    threshold_verdict_name(v), threshold_verdict_name(c->v));
	cr_assert_not_null(d);
	cr_expect_str_eq(json_string_value(json_object_get(d, "verdict")),
	    threshold_verdict_name(c->v));
	cr_expect_eq(json_is_null(json_object_get(d, "review")), review == NULL);
	cr_expect_eq(json_is_null(json_object_get(d, "review_bound")),
	    review == NULL);
	json_decref(d);
	json_decref(m);
}

Test(threshold, detail)
{
	struct dyno_err err = { 0, "" };
	enum threshold_verdict v;
	json_t *m = metrics(), *d = NULL;
	static const char *const keys[] = { "expr", "review", "verdict",
		"metric", "stat", "observed", "unit", "bound", "review_bound" };
	const char *key;
	json_t *val;
	size_t i = 0;

	cr_assert_eq(threshold_verdict("  p95(latency) < 100ms ",
	    "p95(latency)<200ms", m, &v, &d, &err), 0, "%s", err.msg);
	cr_expect_eq(v, THRESHOLD_REVIEW);
	json_object_foreach(d, key, val) {
		cr_assert_lt(i, sizeof(keys) / sizeof(keys[0]));
		cr_expect_str_eq(key, keys[i], "key %zu is %s", i, key);
		i++;
	}
	cr_expect_eq(i, sizeof(keys) / sizeof(keys[0]));
	cr_expect_str_eq(json_string_value(json_object_get(d, "expr")),
	    "p95(latency) < 100ms");
	cr_expect_str_eq(json_string_value(json_object_get(d, "review")),
	    "p95(latency)<200ms");
	cr_expect_str_eq(json_string_value(json_object_get(d, "verdict")),
	    "review");
	cr_expect_str_eq(json_string_value(json_object_get(d, "metric")),
	    "latency");
	cr_expect_str_eq(json_string_value(json_object_get(d, "stat")), "p95");
	cr_expect_str_eq(json_string_value(json_object_get(d, "unit")), "s");
	cr_expect_eq(json_real_value(json_object_get(d, "observed")), 0.125);
	cr_expect(fabs(json_real_value(json_object_get(d, "bound")) - 0.1) <
	    1e-15);
	cr_expect(fabs(json_real_value(json_object_get(d, "review_bound")) -
	    0.2) < 1e-15);
	json_decref(d);

	/* NULL detail and the default statistic */
	cr_assert_eq(threshold_verdict("fps > 20", NULL, m, &v, NULL, &err), 0,
	    "%s", err.msg);
	cr_expect_eq(v, THRESHOLD_PASS);
	cr_assert_eq(threshold_verdict("fps > 20", NULL, m, &v, &d, &err), 0);
	cr_expect_str_eq(json_string_value(json_object_get(d, "stat")),
	    "median");
	cr_expect_str_eq(json_string_value(json_object_get(d, "unit")), "");
	json_decref(d);
	json_decref(m);
}

Test(threshold, verdict_names)
{
	cr_expect_str_eq(threshold_verdict_name(THRESHOLD_PASS), "pass");
	cr_expect_str_eq(threshold_verdict_name(THRESHOLD_REVIEW), "review");
	cr_expect_str_eq(threshold_verdict_name(THRESHOLD_FAIL), "fail");
	cr_expect_str_eq(threshold_verdict_name((enum threshold_verdict)7), "?");
}

/* --- evaluation errors -------------------------------------------------- */

/* Evaluate expr, expecting code; outputs must stay untouched. */
static void
eval_fails(const json_t *m, const char *expr, int code, struct dyno_err *err)
{
	struct threshold t;
	double x = -7, b = -7;
	int ok = -7;

	cr_assert_eq(threshold_parse(expr, &t, err), 0, "%s", err->msg);
	cr_assert_eq(threshold_eval(&t, m, &ok, &x, &b, err), code, "'%s': %s",
	    expr, err->msg);
	cr_expect_eq(err->code, code);
	cr_expect(ok == -7 && x == -7 && b == -7, "outputs written on error");
	one_line_quoting(err, expr);
}

Test(threshold, unknown_metric)
{
	struct dyno_err err = { 0, "" };
	json_t *m = metrics(), *none = json_object();

	eval_fails(m, "p95(latncy) < 5ms", DYNO_ENOENT, &err);
	cr_expect_str_eq(err.msg, "threshold 'p95(latncy) < 5ms': no metric "
	    "'latncy' in the result; it has: latency, bandwidth, rate, size, "
	    "fps, empty");
	eval_fails(none, "x < 5", DYNO_ENOENT, &err);
	cr_expect_str_eq(err.msg, "threshold 'x < 5': no metric 'x' in the "
	    "result; it has: none");
	json_decref(none);
	json_decref(m);
}

Test(threshold, many_metrics_are_cut)
{
	struct dyno_err err = { 0, "" };
	json_t *m = json_object();
	char name[40];

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "metric_number_%d", i);
		json_object_set_new(m, name, json_pack("{s:s, s:f}", "unit", "s",
		    "median", 1.0));
	}
	eval_fails(m, "x < 5", DYNO_ENOENT, &err);
	cr_expect(strstr(err.msg, "it has: metric_number_0, metric_number_1")
	    != NULL, "%s", err.msg);
	cr_expect(strstr(err.msg, "...") != NULL, "%s", err.msg);
	json_decref(m);
}

Test(threshold, missing_statistic)
{
	struct dyno_err err = { 0, "" };
	json_t *m = metrics();

	/* The probe recorded nothing finite: null in the record. */
	eval_fails(m, "empty < 1s", DYNO_ENOENT, &err);
	cr_expect(strstr(err.msg, "metric 'empty' has no median in the result "
	    "(null"), "%s", err.msg);
	/* Absent from the record altogether. */
	eval_fails(m, "p999(size) < 1G", DYNO_ENOENT, &err);
	cr_expect(strstr(err.msg, "metric 'size' has no p999 in the result"),
	    "%s", err.msg);
	json_decref(m);
}

Test(threshold, incompatible_unit)
{
	struct dyno_err err = { 0, "" };
	json_t *m = metrics();

	eval_fails(m, "bandwidth > 1ms", DYNO_EINVAL, &err);
	cr_expect_str_eq(err.msg, "threshold 'bandwidth > 1ms': unit 'ms' of "
	    "the value does not fit metric 'bandwidth', which is in 'B/s'");
	eval_fails(m, "p95(latency) < 5GB", DYNO_EINVAL, &err);
	cr_expect(strstr(err.msg, "unit 'GB'") && strstr(err.msg, "in 's'"),
	    "%s", err.msg);
	eval_fails(m, "size < 1GB/s", DYNO_EINVAL, &err);
	cr_expect(strstr(err.msg, "unit 'GB/s'") && strstr(err.msg, "in 'B'"),
	    "%s", err.msg);
	eval_fails(m, "fps > 30ms", DYNO_EINVAL, &err);
	cr_expect(strstr(err.msg, "unit 'ms'") &&
	    strstr(err.msg, "which has no unit"), "%s", err.msg);
	eval_fails(m, "rate > 12 W", DYNO_EINVAL, &err);
	cr_expect(strstr(err.msg, "unit 'W'") && strstr(err.msg, "'op/s'"),
	    "%s", err.msg);
	json_decref(m);
}

Test(threshold, not_a_metrics_object)
{
	struct dyno_err err = { 0, "" };
	struct threshold t;
	json_t *arr = json_array();
	int ok;

	cr_assert_eq(threshold_parse("x < 1", &t, &err), 0);
	cr_expect_eq(threshold_eval(&t, NULL, &ok, NULL, NULL, &err),
	    DYNO_EINVAL);
	cr_expect_eq(threshold_eval(&t, arr, &ok, NULL, NULL, &err),
	    DYNO_EINVAL);
	cr_expect(strstr(err.msg, "no metrics object"), "%s", err.msg);
	json_decref(arr);
}

Test(threshold, mismatched_tiers)
{
	struct dyno_err err = { 0, "" };
	enum threshold_verdict v = 99;
	json_t *m = metrics(), *d = NULL;

	cr_expect_eq(threshold_verdict("p95(latency) < 100ms",
	    "p95(bandwidth) < 200ms", m, &v, &d, &err), DYNO_EINVAL);
	cr_expect_str_eq(err.msg, "review threshold 'p95(bandwidth) < 200ms' "
	    "tests p95(bandwidth) but the pass threshold tests p95(latency); "
	    "both must test the same metric and statistic");
	cr_expect_eq(threshold_verdict("p95(latency) < 100ms",
	    "p99(latency) < 200ms", m, &v, &d, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "tests p99(latency) but the pass threshold "
	    "tests p95(latency)"), "%s", err.msg);
	/* The default statistic counts: median, not p95. */
	cr_expect_eq(threshold_verdict("latency < 100ms",
	    "p95(latency) < 200ms", m, &v, &d, &err), DYNO_EINVAL);
	/* Errors of either expression come through, outputs untouched. */
	cr_expect_eq(threshold_verdict("latency < 100ms", "latency <", m, &v,
	    &d, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "invalid threshold 'latency <'"), "%s",
	    err.msg);
	cr_expect_eq(threshold_verdict(NULL, NULL, m, &v, &d, &err),
	    DYNO_EINVAL);
	/* A review bound in the wrong unit is an error even on a pass. */
	cr_expect_eq(threshold_verdict("latency < 1s", "latency < 1GB", m, &v,
	    &d, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "unit 'GB'"), "%s", err.msg);
	cr_expect_eq(threshold_verdict("nope < 1s", NULL, m, &v, &d, &err),
	    DYNO_ENOENT);
	cr_expect_eq(v, 99);
	cr_expect_null(d);
	json_decref(m);
}

/* test_rundoc.c - the run-document reader: the three input shapes, the
** errors (file and JSON path in one line), and metric distributions. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "histogram.h"
#include "rundoc.h"

/* A minimal record, as dyno probe --json writes it (fewer fields). */
#define REC(id, fp) \
	"{\"schema\": 1, \"id\": \"" id "\", \"params\": {\"work\": 0}, " \
	"\"status\": \"ok\", \"message\": \"\", " \
	"\"host\": {\"fingerprint\": \"" fp "\", \"hostname\": \"vm\"}, " \
	"\"metrics\": {\"latency\": {\"unit\": \"s\", \"better\": \"lower\", " \
	"\"n\": 3, \"median\": 2, \"samples\": [3, 1, 2]}}, \"artifacts\": {}}"

static json_t *
parse(const char *text, struct dyno_err *e)
{
	return rundoc_parse(text, strlen(text), "in.json", e);
}

/* text must fail with a one-line message containing want. */
static void
fails(const char *text, const char *want)
{
	struct dyno_err e = { 0 };
	json_t *d = parse(text, &e);

	cr_expect_null(d, "accepted: %s", text);
	json_decref(d);
	cr_expect(strstr(e.msg, want) != NULL, "message '%s' lacks '%s'",
	    e.msg, want);
	cr_expect(strncmp(e.msg, "in.json: ", 9) == 0, "no file name: %s",
	    e.msg);
	cr_expect(strchr(e.msg, '\n') == NULL, "not one line: %s", e.msg);
}

Test(rundoc, run_document)
{
	static const char doc[] =
	    "{\"schema\": 1, \"kind\": \"dyno.run\", \"dyno_version\": \"0.1.0\", "
	    "\"suite\": \"s.lua\", \"finished_at\": \"2026-01-01T00:00:00.000Z\", "
	    "\"host\": {\"fingerprint\": \"abc\", \"os\": {}}, "
	    "\"results\": [" REC("null.clock", "abc") "]}";
	struct dyno_err e = { 0 };
	json_t *d = parse(doc, &e);
	json_t *r;

	cr_assert_not_null(d, "%s", e.msg);
	cr_expect_str_eq(rundoc_fingerprint(d), "abc");
	cr_expect(json_is_array(json_object_get(d, "verdicts")));
	cr_expect(json_is_object(json_object_get(d, "summary")));
	r = json_array_get(json_object_get(d, "results"), 0);
	/* plugin and probe filled in from the id. */
	cr_expect_str_eq(json_string_value(json_object_get(r, "plugin")), "null");
	cr_expect_str_eq(json_string_value(json_object_get(r, "probe")), "clock");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(d, "summary"), "probes"), "ok")), 1);
	json_decref(d);
}

Test(rundoc, one_record_is_wrapped)
{
	struct dyno_err e = { 0 };
	json_t *d = parse(REC("null.clock", "f00d") "\n", &e);

	cr_assert_not_null(d, "%s", e.msg);
	cr_expect_str_eq(json_string_value(json_object_get(d, "kind")),
	    "dyno.run");
	cr_expect_str_eq(rundoc_fingerprint(d), "f00d");
	cr_expect_eq(json_array_size(json_object_get(d, "results")), 1);
	cr_expect(json_is_null(json_object_get(d, "suite")));
	json_decref(d);
}

Test(rundoc, json_lines)
{
	struct dyno_err e = { 0 };
	json_t *d = parse(REC("null.clock", "f00d") "\n"
			  REC("null.empty", "f00d") "\n\n", &e);

	cr_assert_not_null(d, "%s", e.msg);
	cr_expect_eq(json_array_size(json_object_get(d, "results")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(d, "results"), 1), "id")), "null.empty");
	json_decref(d);
}

Test(rundoc, errors_name_file_and_path)
{
	fails("", "empty");
	fails("  \n ", "empty");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": [",
	      "not valid JSON at line 1");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\",\n\"results\": [1,]}",
	      "line 2");
	fails("{\"schema\": 2, \"kind\": \"dyno.run\", \"results\": []}",
	      "$.schema: version 2 is not one this dyno reads");
	fails("{\"schema\": 1, \"kind\": \"dyno.tune\", \"results\": []}",
	      "$.kind: expected \"dyno.run\"");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\"}",
	      "$.results: expected an array, got nothing");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": [5]}",
	      "$.results[0]: expected an object (a result record), got an "
	      "integer");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"suite\": 3, "
	      "\"results\": []}", "$.suite: expected a string or null");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": [{\"id\": "
	      "\"a.b\", \"status\": \"fine\"}]}",
	      "$.results[0].status: expected ok, skipped");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": [{\"id\": "
	      "\"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": {\"unit\": \"s\","
	      " \"better\": \"lower\", \"n\": \"3\"}}}]}",
	      "$.results[0].metrics.t.n: expected an integer, got a string");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": "
	      "{\"unit\": \"s\", \"better\": \"up\", \"n\": 1}}}",
	      "$.metrics.t.better: expected \"higher\" or \"lower\"");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": "
	      "{\"unit\": \"s\", \"better\": \"lower\", \"n\": 2, "
	      "\"samples\": [1, \"x\"]}}}",
	      "$.metrics.t.samples[1]: expected a number, got a string");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": "
	      "{\"unit\": \"s\", \"better\": \"lower\", \"n\": 2, "
	      "\"samples\": [1, 2, 3]}}}",
	      "$.metrics.t.samples: 3 samples but n is 2");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": "
	      "{\"unit\": \"s\", \"better\": \"lower\", \"n\": 2, "
	      "\"histogram\": {\"scheme\": \"linear\"}}}}",
	      "$.metrics.t.histogram: invalid histogram JSON");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"metrics\": {\"t\": "
	      "{\"unit\": \"s\", \"better\": \"lower\", \"n\": 5, "
	      "\"histogram\": {\"scheme\": \"log2-linear\", \"sub_buckets\": 64,"
	      " \"count\": 2, \"min\": 1, \"max\": 1, \"zero\": 0, "
	      "\"buckets\": [[1, 0, 2]]}}}}",
	      "$.metrics.t.histogram.count: 2 values but n is 5");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"host\": {\"fingerprint\":"
	      " 7}}", "$.host.fingerprint: expected a string, got an integer");
	fails("{\"id\": \"a.b\", \"status\": \"ok\", \"plugin\": 1}",
	      "$.plugin: expected a string");
	/* JSON lines name the line's record by index. */
	fails(REC("null.clock", "x") "\n{\"status\": \"ok\"}\n",
	      "$[1].id: expected a string, got nothing");
	fails("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": []}\n{}",
	      "line 2: more JSON after the run document");
	fails("[1, 2]", "$: expected an object (a result record), got an array");
}

Test(rundoc, load_names_the_file)
{
	struct dyno_err e = { 0 };
	char path[] = "/tmp/dyno-rundoc-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;

	cr_expect_null(rundoc_load("/nonexistent/run.json", &e));
	cr_expect(strstr(e.msg, "/nonexistent/run.json") != NULL, "%s", e.msg);
	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "w");
	fputs("{\"schema\": 1, \"kind\": \"dyno.run\", \"results\": [{", fp);
	fclose(fp);
	cr_expect_null(rundoc_load(path, &e));
	cr_expect(strncmp(e.msg, path, strlen(path)) == 0, "%s", e.msg);
	unlink(path);
}

static json_t *
metric_of(const char *json)
{
	json_error_t je;
	json_t *m = json_loads(json, 0, &je);

	cr_assert_not_null(m, "%s", je.text);
	return m;
}

Test(rundoc, samples_dist)
{
	json_t *m = metric_of("{\"unit\": \"s\", \"better\": \"lower\", \"n\": 6,"
			      " \"samples\": [5, 1, 3, 3, 2, 4]}");
	struct rundoc_dist d;
	struct dyno_err e = { 0 };

	cr_assert_eq(rundoc_metric_dist(m, 0, &d, &e), 0, "%s", e.msg);
	cr_expect_eq(d.count, 6);
	cr_expect_eq(d.n, 5, "ties merge: %zu entries", d.n);
	cr_expect_eq(d.binned, 0);
	for (size_t i = 1; i < d.n; i++)
		cr_expect_lt(d.v[i - 1], d.v[i]);
	cr_expect_eq(d.w[2], 2, "3 appears twice");
	/* Lower median: rank ceil(0.5 * 6) = 3 of 1 2 3 3 4 5. */
	cr_expect_eq(rundoc_dist_quantile(&d, 0.5), 3);
	cr_expect_eq(rundoc_dist_quantile(&d, 0), 1);
	cr_expect_eq(rundoc_dist_quantile(&d, 1), 5);
	cr_expect_eq(rundoc_dist_quantile(&d, 0.9), 5);   /* rank 6 */
	cr_expect_eq(rundoc_dist_quantile(&d, 0.8), 4);   /* rank 5 */
	rundoc_dist_free(&d);
	json_decref(m);
}

Test(rundoc, empty_dist)
{
	json_t *m = metric_of("{\"unit\": \"s\", \"better\": \"lower\", \"n\": 4}");
	struct rundoc_dist d;
	struct dyno_err e = { 0 };

	cr_assert_eq(rundoc_metric_dist(m, 0, &d, &e), 0);
	cr_expect_eq(d.count, 0);
	cr_expect(isnan(rundoc_dist_quantile(&d, 0.5)));
	rundoc_dist_free(&d);
	json_decref(m);
}

/* A metric summary holding h as its histogram. */
static json_t *
hist_metric(const struct histogram *h)
{
	return json_pack("{s:s, s:s, s:I, s:o}", "unit", "s", "better", "lower",
	    "n", (json_int_t)histogram_count(h), "histogram",
	    histogram_to_json(h));
}

Test(rundoc, histogram_dist_matches_histogram_percentiles)
{
	struct histogram *h = histogram_new();
	struct rundoc_dist d;
	struct dyno_err e = { 0 };
	json_t *m;

	for (int i = 1; i <= 3000; i++)
		histogram_add(h, 1e-6 * (1.0 + (i % 997) / 100.0), 1);
	histogram_add(h, 0.0, 7);
	histogram_add(h, -2.5, 3);
	m = hist_metric(h);
	cr_assert_eq(rundoc_metric_dist(m, 0, &d, &e), 0, "%s", e.msg);
	cr_expect_eq(d.count, 3010);
	cr_expect_eq(d.binned, 1);
	for (size_t i = 1; i < d.n; i++)
		cr_expect_lt(d.v[i - 1], d.v[i], "not increasing at %zu", i);
	cr_expect_lt(d.v[0], -2.0, "negative bucket first");
	cr_expect_eq(d.w[0], 3);
	cr_expect_eq(d.v[1], 0.0);
	cr_expect_eq(d.w[1], 7);
	/* Away from the ends (where histogram_percentile clamps to the exact
	** min and max) both read the same bucket midpoint. */
	for (int p = 5; p <= 95; p += 5) {
		double a = rundoc_dist_quantile(&d, p / 100.0);
		double b = histogram_percentile(h, p);

		cr_expect(fabs(a - b) <= 1e-12 * fabs(b), "p%d: %g vs %g", p, a, b);
	}
	rundoc_dist_free(&d);
	json_decref(m);
	histogram_free(h);
}

Test(rundoc, samples_to_buckets_match_histogram)
{
	struct histogram *h = histogram_new();
	json_t *samples = json_array(), *ms, *mh;
	struct rundoc_dist ds, dh;
	struct dyno_err e = { 0 };

	for (int i = 0; i < 500; i++) {
		double v = 3e-8 * (1.0 + ((i * 37) % 101) / 250.0);

		json_array_append_new(samples, json_real(v));
		histogram_add(h, v, 1);
	}
	ms = json_pack("{s:s, s:s, s:i, s:o}", "unit", "s", "better", "lower",
	    "n", 500, "samples", samples);
	mh = hist_metric(h);
	cr_assert_eq(rundoc_metric_dist(ms, 1, &ds, &e), 0, "%s", e.msg);
	cr_assert_eq(rundoc_metric_dist(mh, 0, &dh, &e), 0, "%s", e.msg);
	cr_expect_eq(ds.binned, 1);
	cr_assert_eq(ds.n, dh.n, "%zu vs %zu buckets", ds.n, dh.n);
	for (size_t i = 0; i < ds.n; i++) {
		cr_expect_eq(ds.v[i], dh.v[i], "bucket %zu: %g vs %g", i,
		    ds.v[i], dh.v[i]);
		cr_expect_eq(ds.w[i], dh.w[i]);
	}
	rundoc_dist_free(&ds);
	rundoc_dist_free(&dh);
	json_decref(ms);
	json_decref(mh);
	histogram_free(h);
}

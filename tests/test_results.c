/* test_results.c - the JSON-lines store and the metric record shape. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "stats.h"

Test(results, append_lines_and_reread)
{
	char path[] = "/tmp/dyno-results-XXXXXX";
	int tmp = mkstemp(path), fd;
	struct dyno_err e = { 0 };
	json_error_t je;
	char line[4096];
	FILE *fp;
	int n = 0;

	cr_assert_geq(tmp, 0);
	close(tmp);
	fd = results_open(path, &e);
	cr_assert_geq(fd, 0, "%s", e.msg);
	for (int i = 0; i < 3; i++) {
		json_t *rec = json_pack("{s:i, s:s}", "i", i, "s", "line\nbreak");

		cr_assert_eq(results_append(fd, rec, &e), 0, "%s", e.msg);
		json_decref(rec);
	}
	close(fd);
	fp = fopen(path, "r");
	while (fgets(line, sizeof(line), fp)) {
		json_t *j = json_loads(line, 0, &je);

		cr_assert_not_null(j, "%s", je.text);
		cr_assert_eq(json_integer_value(json_object_get(j, "i")), n);
		json_decref(j);
		n++;
	}
	fclose(fp);
	cr_assert_eq(n, 3);
	unlink(path);
}

Test(results, unwritable_path_is_an_error)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(results_open("/nonexistent-dir/r.jsonl", &e), DYNO_EIO);
	cr_assert(strstr(e.msg, "cannot write results to '/nonexistent-dir/r.jsonl'"),
		  "%s", e.msg);
}

Test(results, metric_has_every_field)
{
	static const char *const keys[] = { "unit", "better", "n", "min", "max",
		"mean", "stddev", "median", "p50", "p90", "p95", "p99", "p999",
		"ci95", "percentiles", "samples", NULL };
	struct stats_samples *s = stats_samples_new();
	json_t *m, *pct;

	for (int i = 1; i <= 100; i++)
		stats_samples_add(s, (double)i);
	m = results_metric_json("s", DYNO_BETTER_LOWER, s);
	for (size_t i = 0; keys[i]; i++)
		cr_assert_not_null(json_object_get(m, keys[i]), "%s", keys[i]);
	cr_assert_str_eq(json_string_value(json_object_get(m, "better")), "lower");
	pct = json_object_get(m, "percentiles");
	cr_assert_eq(json_object_size(pct), 17);
	cr_assert_not_null(json_object_get(pct, "99.99"));
	cr_assert_not_null(json_object_get(pct, "1"));
	cr_assert_eq(json_array_size(json_object_get(m, "samples")), 100);
	json_decref(m);

	/* Beyond the JSON cap the histogram replaces the samples. */
	for (int i = 0; i < RESULTS_JSON_RAW_CAP; i++)
		stats_samples_add(s, 1.0 + i);
	m = results_metric_json("s", DYNO_BETTER_LOWER, s);
	cr_assert_null(json_object_get(m, "samples"));
	cr_assert_not_null(json_object_get(m, "histogram"));
	json_decref(m);
	stats_samples_free(s);
}

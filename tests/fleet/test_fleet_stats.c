/* test_fleet_stats.c - fleet statistics: exact merging, robust z, outliers, groups. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "fleet.h"
#include "histogram.h"

/* A record of rank's node: id, params, n samples spread around med (or
** a histogram of them when hist). */
static json_t *
rec(int rank, const char *id, double med, int n, int hist, const char *status)
{
	json_t *samples = json_array(), *m;
	struct histogram *h = histogram_new();

	for (int i = 0; i < n; i++) {
		double v = med * (1 + 0.01 * ((i % 5) - 2) / 2);

		json_array_append_new(samples, json_real(v));
		histogram_add(h, v, 1);
	}
	m = json_pack("{s:s, s:s, s:i, s:f}", "unit", "s", "better", "lower",
	    "n", n, "median", med);
	if (hist) {
		json_object_set_new(m, "histogram", histogram_to_json(h));
		json_decref(samples);
	} else {
		json_object_set_new(m, "samples", samples);
	}
	histogram_free(h);
	return json_pack("{s:s, s:{s:i}, s:s, s:{s:i, s:s}, s:{s:o}}",
	    "id", id, "params", "size", 1, "status", status,
	    "node", "rank", rank, "hostname", "h", "metrics", "latency", m);
}

static const json_t *
series(const json_t *stats, const char *id)
{
	const json_t *s;
	size_t i;

	json_array_foreach(stats, i, s)
		if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0)
			return s;
	return NULL;
}

static json_int_t
count_outliers(const json_t *s)
{
	return (json_int_t)json_array_size(json_object_get(s, "outliers"));
}

Test(fleet_stats, merge_is_exact)
{
	json_t *recs = json_array(), *st;
	const json_t *s;

	/* Raw samples on some nodes, histograms on others: counts add. */
	json_array_append_new(recs, rec(0, "p.a", 1e-3, 100, 0, "ok"));
	json_array_append_new(recs, rec(1, "p.a", 1e-3, 300, 1, "ok"));
	json_array_append_new(recs, rec(2, "p.a", 1e-3, 7, 0, "ok"));
	json_array_append_new(recs, rec(3, "p.a", 1e-3, 50, 0, "failed"));
	st = fleet_stats(recs, 3.5);
	s = series(st, "p.a");
	cr_assert_not_null(s);
	cr_expect_eq(json_integer_value(json_object_get(s, "count")), 407);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(s,
	    "histogram"), "count")), 407);
	cr_expect_eq(json_integer_value(json_object_get(s, "nodes")), 3,
	    "a failed record is not in the statistics");
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, slow_node_is_the_outlier)
{
	json_t *recs = json_array(), *st;
	const json_t *s, *o;

	for (int r = 0; r < 6; r++)
		json_array_append_new(recs, rec(r, "p.a", 1e-3 * (1 + 0.02 * r),
		    20, 0, "ok"));
	json_array_append_new(recs, rec(6, "p.a", 3e-3, 20, 0, "ok"));
	st = fleet_stats(recs, 3.5);
	s = series(st, "p.a");
	cr_assert_eq(count_outliers(s), 1);
	o = json_array_get(json_object_get(s, "outliers"), 0);
	cr_expect_eq(json_integer_value(json_object_get(o, "rank")), 6);
	cr_expect(json_is_true(json_object_get(o, "worse")));
	cr_expect_str_eq(json_string_value(json_object_get(s, "z_scale")), "log");
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, agreeing_nodes_have_no_outlier)
{
	json_t *recs = json_array(), *st;

	/* Four identical nodes and one 0.5% off: below the 1% floor of the
	** MAD, not an outlier. */
	for (int r = 0; r < 4; r++)
		json_array_append_new(recs, rec(r, "p.a", 1e-3, 20, 0, "ok"));
	json_array_append_new(recs, rec(4, "p.a", 1.005e-3, 20, 0, "ok"));
	st = fleet_stats(recs, 3.5);
	cr_expect_eq(count_outliers(series(st, "p.a")), 0);
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, two_nodes_cannot_have_an_outlier)
{
	json_t *recs = json_array(), *st;

	json_array_append_new(recs, rec(0, "p.a", 1e-3, 20, 0, "ok"));
	json_array_append_new(recs, rec(1, "p.a", 9e-3, 20, 0, "ok"));
	st = fleet_stats(recs, 3.5);
	cr_expect_eq(count_outliers(series(st, "p.a")), 0);
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, threshold_is_the_flag)
{
	json_t *recs = json_array(), *st;

	for (int r = 0; r < 6; r++)
		json_array_append_new(recs, rec(r, "p.a", 1e-3 * (1 + 0.02 * r),
		    20, 0, "ok"));
	json_array_append_new(recs, rec(6, "p.a", 1.3e-3, 20, 0, "ok"));
	st = fleet_stats(recs, 1000);
	cr_expect_eq(count_outliers(series(st, "p.a")), 0);
	json_decref(st);
	st = fleet_stats(recs, 2);
	cr_expect_geq(count_outliers(series(st, "p.a")), 1);
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, zero_median_is_linear)
{
	json_t *recs = json_array(), *st;

	for (int r = 0; r < 4; r++)
		json_array_append_new(recs, rec(r, "p.a", r ? 1.0 : 0.0, 3, 0,
		    "ok"));
	st = fleet_stats(recs, 3.5);
	cr_expect_str_eq(json_string_value(json_object_get(series(st, "p.a"),
	    "z_scale")), "linear");
	json_decref(st);
	json_decref(recs);
}

Test(fleet_stats, groups_by_fingerprint)
{
	json_t *nodes = json_pack("[{s:i, s:s}, {s:i, s:s}, {s:i, s:s}, {s:i, s:n}]",
	    "rank", 0, "fingerprint", "aa", "rank", 1, "fingerprint", "bb",
	    "rank", 2, "fingerprint", "aa", "rank", 3, "fingerprint");
	json_t *g = fleet_groups(nodes), *want = json_pack("[i, i]", 0, 2);

	cr_assert_eq(json_array_size(g), 2, "a lost node without one is in no group");
	cr_expect(json_equal(json_object_get(json_array_get(g, 0), "ranks"),
	    want));
	json_decref(want);
	json_decref(g);
	json_decref(nodes);
}

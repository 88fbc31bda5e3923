/* test_histogram.c - histogram accuracy, merging and the JSON form. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

#include "histogram.h"
#include "stats.h"
#include "sample_data.h"

#define N 100000


static char *
dump(const struct histogram *h)
{
	json_t *j = histogram_to_json(h);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

Test(histogram, empty)
{
	struct histogram *h = histogram_new();

	cr_expect_eq(histogram_count(h), 0);
	cr_expect(isnan(histogram_min(h)));
	cr_expect(isnan(histogram_max(h)));
	cr_expect(isnan(histogram_percentile(h, 50)));
	histogram_add(h, NAN, 1);
	histogram_add(h, INFINITY, 1);
	histogram_add(h, 1.0, 0);
	cr_expect_eq(histogram_count(h), 0, "non-finite or count 0 added");
	histogram_free(h);
	histogram_free(NULL);
}

Test(histogram, accuracy_at_fio_percentiles)
{
	double *v = malloc(N * sizeof(*v)), got, want, p;
	struct histogram *h = histogram_new();
	uint64_t x = 88172645463325252ULL;
	size_t i;

	for (i = 0; i < N; i++) {
		v[i] = latency(&x);
		histogram_add(h, v[i], 1);
	}
	qsort(v, N, sizeof(*v), cmp);
	cr_assert_eq(histogram_count(h), N);
	cr_expect(histogram_min(h) == v[0]);
	cr_expect(histogram_max(h) == v[N - 1]);
	cr_expect(v[0] < 1e-6 && v[N - 1] > 1e-2, "spread too narrow");
	for (i = 0; i < STATS_NPCT; i++) {
		p = stats_fio_percentiles[i];
		got = histogram_percentile(h, p);
		want = exact(v, N, p);
		cr_expect(fabs(got - want) <= 0.01 * want,
		    "p%g: %.9g, exact %.9g", p, got, want);
	}
	/* Every half percent too, and the ends exactly. */
	for (p = 0.5; p < 100; p += 0.5) {
		got = histogram_percentile(h, p);
		want = exact(v, N, p);
		cr_expect(fabs(got - want) <= 0.01 * want, "p%g", p);
	}
	cr_expect(histogram_percentile(h, 0) == v[0]);
	cr_expect(histogram_percentile(h, 100) == v[N - 1]);
	cr_expect(histogram_percentile(h, -5) == v[0]);
	cr_expect(histogram_percentile(h, 500) == v[N - 1]);
	histogram_free(h);
	free(v);
}

Test(histogram, bucket_edges)
{
	struct histogram *h = histogram_new();

	/* 1 and 1 + 1/64 are the first two buckets of [1, 2); the median is
	** the first's midpoint, 1 + 1/128, and the next rank the second's
	** midpoint clamped to max. */
	histogram_add(h, 1.0, 10);
	histogram_add(h, 1.015625, 10);
	cr_expect(histogram_percentile(h, 50) == 1.0078125, "%.17g",
	    histogram_percentile(h, 50));
	cr_expect(histogram_percentile(h, 60) == 1.015625);
	cr_expect(histogram_percentile(h, 5) == 1.0, "rank 1 is min");
	histogram_free(h);
}

Test(histogram, rank_rule)
{
	struct histogram *h = histogram_new();
	int i;

	/* 1000 distinct powers of two: each its own bucket, midpoints
	** 2^k * (1 + 1/128).  99.9% of 1000 is rank 999, not 1000. */
	for (i = 0; i < 1000; i++)
		histogram_add(h, ldexp(1, i - 500), 1);
	cr_expect(histogram_percentile(h, 99.9) == ldexp(1 + 0.5 / 64, 498));
	cr_expect(histogram_percentile(h, 50) == ldexp(1 + 0.5 / 64, -1));
	cr_expect(histogram_percentile(h, 50.01) == ldexp(1 + 0.5 / 64, 0));
	histogram_free(h);
}

Test(histogram, zero_and_negative)
{
	struct histogram *h = histogram_new();
	static const double v[] = { -3, -2, -2, 0, 0, 1, 2, 5e-300, -1e300 };
	double prev = -INFINITY, q;
	int p;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		histogram_add(h, v[i], 1);
	cr_expect(histogram_min(h) == -1e300);
	cr_expect(histogram_max(h) == 2);
	cr_expect(histogram_percentile(h, 0) == -1e300);
	/* ranks: -1e300 -3 -2 -2 0 0 5e-300 1 2 */
	cr_expect(fabs(histogram_percentile(h, 20) + 3) <= 0.03, "%g",
	    histogram_percentile(h, 20));
	cr_expect(fabs(histogram_percentile(h, 40) + 2) <= 0.02);
	cr_expect(histogram_percentile(h, 50) == 0);
	cr_expect(histogram_percentile(h, 60) == 0);
	cr_expect(fabs(histogram_percentile(h, 70) - 5e-300) <= 5e-302);
	cr_expect(fabs(histogram_percentile(h, 80) - 1) <= 0.01);
	for (p = 0; p <= 100; p++) {
		q = histogram_percentile(h, p);
		cr_expect(q >= prev, "not monotone at p%d", p);
		prev = q;
	}
	histogram_free(h);
}

Test(histogram, merge_equals_whole)
{
	struct histogram *a = histogram_new(), *b = histogram_new();
	struct histogram *all = histogram_new(), *e = histogram_new();
	uint64_t x = 2463534242ULL;
	char *sa, *sall;
	double v;
	int i;

	for (i = 0; i < N; i++) {
		v = latency(&x) * (i % 7 == 0 ? -1 : 1) * (i % 11 == 0 ? 0 : 1);
		histogram_add(i < N / 2 ? a : b, v, 1);
		histogram_add(all, v, 1);
	}
	histogram_merge(a, b);
	histogram_merge(a, e);		/* merging nothing changes nothing */
	sa = dump(a);
	sall = dump(all);
	cr_expect_str_eq(sa, sall);
	free(sa);

	histogram_merge(e, all);	/* into an empty one */
	sa = dump(e);
	cr_expect_str_eq(sa, sall);
	free(sa);
	free(sall);

	histogram_merge(e, e);		/* doubling */
	cr_expect_eq(histogram_count(e), 2 * N);
	cr_expect(histogram_percentile(e, 50) ==
	    histogram_percentile(all, 50));
	histogram_free(a);
	histogram_free(b);
	histogram_free(all);
	histogram_free(e);
}

Test(histogram, json_round_trip)
{
	struct histogram *h = histogram_new(), *g;
	struct dyno_err err = { 0, "" };
	uint64_t x = 1;
	json_t *j, *k;
	char *s1, *s2;
	int i;

	for (i = 0; i < 5000; i++)
		histogram_add(h, latency(&x) * (i % 3 ? 1 : -1), 1 + i % 4);
	histogram_add(h, 0, 3);
	histogram_add(h, DBL_MAX, 1);
	histogram_add(h, 4.9406564584124654e-324, 1);
	histogram_add(h, -DBL_MAX, 2);
	histogram_add(h, 1.0 / 3, 1);

	j = histogram_to_json(h);
	s1 = json_dumps(j, JSON_COMPACT);
	k = json_loads(s1, 0, NULL);		/* through text, as on disk */
	cr_assert(k != NULL);
	g = histogram_from_json(k, &err);
	cr_assert(g != NULL, "%s", err.msg);
	s2 = dump(g);
	free(s1);
	s1 = dump(h);
	cr_expect_str_eq(s1, s2);
	cr_expect_eq(histogram_count(g), histogram_count(h));
	cr_expect(histogram_min(g) == -DBL_MAX);
	cr_expect(histogram_max(g) == DBL_MAX);
	for (i = 0; i <= 100; i++)
		cr_expect(histogram_percentile(g, i) ==
		    histogram_percentile(h, i), "p%d", i);
	cr_expect_str_eq(json_string_value(json_object_get(j, "scheme")),
	    "log2-linear");
	cr_expect_eq(json_integer_value(json_object_get(j, "zero")), 3);
	cr_expect(json_array_size(json_object_get(j, "negative")) > 0);
	free(s1);
	free(s2);
	json_decref(j);
	json_decref(k);
	histogram_free(g);
	histogram_free(h);
}

Test(histogram, json_layout)
{
	struct histogram *h = histogram_new();
	json_t *j;
	char *s;

	/* 3 = 2^1 * 1.5: e = 2, s = 32.  -0.75 = 2^-1 * 1.5: e = 0, s = 32. */
	histogram_add(h, 3, 2);
	histogram_add(h, -0.75, 1);
	histogram_add(h, 0, 1);
	j = histogram_to_json(h);
	s = json_dumps(j, JSON_COMPACT);
	cr_expect_str_eq(s, "{\"scheme\":\"log2-linear\",\"sub_buckets\":64,"
	    "\"count\":4,\"min\":-0.75,\"max\":3.0,\"zero\":1,"
	    "\"buckets\":[[2,32,2]],\"negative\":[[0,32,1]]}");
	free(s);
	json_decref(j);
	histogram_free(h);

	h = histogram_new();
	j = histogram_to_json(h);
	s = json_dumps(j, JSON_COMPACT);
	cr_expect_str_eq(s, "{\"scheme\":\"log2-linear\",\"sub_buckets\":64,"
	    "\"count\":0,\"min\":null,\"max\":null,\"zero\":0,"
	    "\"buckets\":[],\"negative\":[]}");
	free(s);
	json_decref(j);
	histogram_free(h);
}

Test(histogram, json_empty_and_no_negative)
{
	struct dyno_err err = { 0, "" };
	struct histogram *h;
	json_t *j;

	j = json_loads("{\"scheme\":\"log2-linear\",\"sub_buckets\":64,"
	    "\"count\":0,\"min\":null,\"max\":null,\"zero\":0,\"buckets\":[]}",
	    0, NULL);
	h = histogram_from_json(j, &err);
	cr_assert(h != NULL, "%s", err.msg);
	cr_expect_eq(histogram_count(h), 0);
	cr_expect(isnan(histogram_min(h)));
	histogram_free(h);
	json_decref(j);
}

struct badcase {
	char json[200];
	char field[16];
};

#define HEAD "{\"scheme\":\"log2-linear\",\"sub_buckets\":64,"

ParameterizedTestParameters(histogram, from_json_rejects)
{
	static struct badcase c[] = {
		{ "[]", "object" },
		{ "{\"scheme\":\"hdr\",\"sub_buckets\":64,\"count\":0}",
		  "'scheme'" },
		{ "{\"scheme\":\"log2-linear\",\"sub_buckets\":32,\"count\":0}",
		  "'sub_buckets'" },
		{ HEAD "\"count\":-1,\"min\":null,\"max\":null,\"zero\":0,"
		  "\"buckets\":[]}", "'count'" },
		{ HEAD "\"count\":1.5,\"min\":null,\"max\":null,\"zero\":0,"
		  "\"buckets\":[]}", "'count'" },
		{ HEAD "\"min\":null,\"max\":null,\"zero\":0,\"buckets\":[]}",
		  "'count'" },
		{ HEAD "\"count\":0,\"min\":null,\"max\":null,\"buckets\":[]}",
		  "'zero'" },
		{ HEAD "\"count\":0,\"min\":null,\"max\":null,\"zero\":0}",
		  "'buckets'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,64,1]]}", "'buckets[0]'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,-1,1]]}", "'buckets[0]'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,0]]}", "'buckets[0]'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2000,32,1]]}", "'buckets[0]'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32]]}", "'buckets[0]'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,\"32\",1]]}", "'buckets[0]'" },
		{ HEAD "\"count\":2,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1],[2,32,1]]}", "'buckets[1]'" },
		{ HEAD "\"count\":2,\"min\":1,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1],[1,0,1]]}", "'buckets[1]'" },
		{ HEAD "\"count\":2,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]]}", "'count'" },
		{ HEAD "\"count\":1,\"min\":null,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]]}", "'min'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":\"3\",\"zero\":0,"
		  "\"buckets\":[[2,32,1]]}", "'max'" },
		{ HEAD "\"count\":1,\"min\":1,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]]}", "'min'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":7,\"zero\":0,"
		  "\"buckets\":[[2,32,1]]}", "'max'" },
		{ HEAD "\"count\":2,\"min\":3.01,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,2]]}", "'min'" },
		{ HEAD "\"count\":0,\"min\":0,\"max\":null,\"zero\":0,"
		  "\"buckets\":[]}", "'min'" },
		{ HEAD "\"count\":1,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]],\"negative\":{}}", "'negative'" },
		{ HEAD "\"count\":2,\"min\":-3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]],\"negative\":[[2,99,1]]}",
		  "'negative[0]'" },
		{ HEAD "\"count\":2,\"min\":3,\"max\":3,\"zero\":0,"
		  "\"buckets\":[[2,32,1]],\"negative\":[[2,32,1]]}", "'min'" },
	};

	return cr_make_param_array(struct badcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct badcase *c, histogram, from_json_rejects)
{
	struct dyno_err err = { 0, "" };
	json_error_t jerr;
	json_t *j = json_loads(c->json, 0, &jerr);
	struct histogram *h;

	cr_assert(j != NULL, "test JSON does not parse: %s", jerr.text);
	h = histogram_from_json(j, &err);
	cr_expect(h == NULL, "accepted %s", c->json);
	cr_expect_eq(err.code, DYNO_EINVAL);
	cr_expect(strstr(err.msg, c->field) != NULL,
	    "message does not name %s: %s", c->field, err.msg);
	cr_expect(strchr(err.msg, '\n') == NULL);
	histogram_free(h);
	json_decref(j);
}

Test(histogram, whole_double_range)
{
	struct histogram *h = histogram_new();
	double v;
	int i;

	/* Every exponent once: memory stays bounded, and each value comes
	** back within 1%. */
	for (v = 4.9406564584124654e-324, i = 0; isfinite(v); v *= 3, i++)
		histogram_add(h, v, 1);
	cr_expect_eq(histogram_count(h), (uint64_t)i);
	cr_expect(histogram_max(h) > 1e307);
	v = histogram_percentile(h, 50);
	cr_expect(v > 0 && isfinite(v));
	histogram_free(h);
}

/* fuzz_rundoc.c - libFuzzer target: rundoc_parse on any bytes, then
** everything compare and report read from what it accepts: every metric's
** distribution (raw and binned), its quantiles, and one comparison of the
** metric with itself. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare_stats.h"
#include "rundoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Few replicates: the bootstrap's cost is not what is being fuzzed. */
static const struct compare_opts opts = {
	.max_regression = 0.05, .alpha = 0.05, .replicates = 20, .seed = 1,
};

static void
metric(const json_t *m)
{
	for (int bins = 0; bins < 2; bins++) {
		struct rundoc_dist d;
		struct compare_result res;
		struct dyno_err e;

		if (rundoc_metric_dist(m, bins, &d, &e) < 0)
			abort();	/* the parser accepted it: must not fail */
		for (size_t i = 1; i < d.n; i++)
			if (!(d.v[i - 1] < d.v[i]))
				abort();
		(void)rundoc_dist_quantile(&d, 0.0);
		(void)rundoc_dist_quantile(&d, 0.5);
		(void)rundoc_dist_quantile(&d, 1.0);
		compare_metric(&d, &d, 1, &opts, &res);
		rundoc_dist_free(&d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dyno_err e;
	json_t *doc = rundoc_parse((const char *)data, size, "fuzz", &e), *r;
	size_t i;

	if (doc == NULL)
		return 0;
	(void)rundoc_fingerprint(doc);
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		const char *k;
		json_t *m;

		json_object_foreach(json_object_get(r, "metrics"), k, m)
			metric(m);
	}
	json_decref(doc);
	return 0;
}

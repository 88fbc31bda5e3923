/* fleet_stats.c - fleet-wide statistics: merged histograms, node medians, outlier nodes, fingerprint groups. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "histogram.h"
#include "xmalloc.h"

/* One metric of one (probe, params) on one rank. */
struct per_rank {
	int rank;
	const char *hostname;
	struct histogram *h;
	double median;            /* the record's own, when it is the only one */
	int nrec;
};

/* One (probe, params, metric) across the fleet. */
struct series {
	char *key;                /* id, canonical params, metric */
	const json_t *rec;         /* the first record: id, params */
	const char *metric, *unit, *better;
	struct per_rank *ranks;
	size_t nranks;
	long *slot;               /* rank -> index in ranks + 1, 0: none */
	size_t nslot;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n) (sorted in place); NAN when n is 0. */
static double
median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Add a metric's values (raw samples, else its histogram) to h. */
static void
add_metric(struct histogram *h, const json_t *m)
{
	const json_t *samples = json_object_get(m, "samples"), *v;
	struct histogram *src;
	struct dyno_err e;
	size_t i;

	if (json_is_array(samples)) {
		json_array_foreach(samples, i, v)
			histogram_add(h, json_number_value(v), 1);
		return;
	}
	if ((src = histogram_from_json(json_object_get(m, "histogram"), &e))) {
		histogram_merge(h, src);
		histogram_free(src);
	}
}

static struct series *
find_series(struct series **all, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*all)[i].key, key) == 0)
			return &(*all)[i];
	*all = xreallocarray(*all, *n + 1, sizeof(**all));
	memset(&(*all)[*n], 0, sizeof(**all));
	(*all)[*n].key = xstrdup(key);
	return &(*all)[(*n)++];
}

static void
add_record(struct series **all, size_t *n, const json_t *rec)
{
	const json_t *node = json_object_get(rec, "node"), *m;
	int rank = (int)json_integer_value(json_object_get(node, "rank"));
	char *params;
	const char *name;

	if (strcmp(json_string_value(json_object_get(rec, "status")) ?
	    json_string_value(json_object_get(rec, "status")) : "", "ok") != 0)
		return;
	params = json_dumps(json_object_get(rec, "params"),
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_object_foreach((json_t *)json_object_get(rec, "metrics"), name, m) {
		char *key = xasprintf("%s %s %s", json_string_value(
		    json_object_get(rec, "id")), params ? params : "{}", name);
		struct series *s = find_series(all, n, key);
		struct per_rank *p = NULL;

		free(key);
		if (s->rec == NULL) {
			s->rec = rec;
			s->metric = name;
			s->unit = json_string_value(json_object_get(m, "unit"));
			s->better = json_string_value(json_object_get(m, "better"));
		}
		/* By rank, not by search: 10,000 ranks are 10,000 records. */
		if (rank < 0)
			rank = 0;
		if ((size_t)rank >= s->nslot) {
			size_t n2 = (size_t)rank * 2 + 16;

			s->slot = xreallocarray(s->slot, n2, sizeof(*s->slot));
			memset(s->slot + s->nslot, 0, (n2 - s->nslot) *
			    sizeof(*s->slot));
			s->nslot = n2;
		}
		if (s->slot[rank] > 0)
			p = &s->ranks[s->slot[rank] - 1];
		if (p == NULL) {
			s->ranks = xreallocarray(s->ranks, s->nranks + 1,
			    sizeof(*s->ranks));
			p = &s->ranks[s->nranks++];
			memset(p, 0, sizeof(*p));
			p->rank = rank;
			p->hostname = json_string_value(json_object_get(node,
			    "hostname"));
			p->h = histogram_new();
			s->slot[rank] = (long)s->nranks;
		}
		p->median = json_number_value(json_object_get(m, "median"));
		p->nrec++;
		add_metric(p->h, m);
	}
	free(params);
}

static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
** Robust z of each node's median: 0.6745 (x - med) / MAD (Iglewicz and
** Hoaglin's modified z).  When every median is above 0 the z is taken of
** their logarithms: a node ten times slower is as far out in its time as
** in its rate (a rate, bounded by 0, could never stand out otherwise).
** There the MAD counts as at least 1%: medians come from histograms of
** about 1% resolution, and nodes that agree to a bucket would otherwise
** make a one-bucket difference look like an outlier.  When more than half the medians are equal the
** MAD is 0; the mean absolute deviation (scaled by 1.2533 to estimate the
** same sigma) stands in, as in Iglewicz and Hoaglin.
*/
static void
robust_z(const double *x, size_t n, double floor, double *z,
	 double *med_out, double *mad_out)
{
	double *tmp = xreallocarray(NULL, n ? n : 1, sizeof(double));
	double med, mad, scale, meanad = 0;

	memcpy(tmp, x, n * sizeof(double));
	med = median(tmp, n);
	for (size_t i = 0; i < n; i++) {
		tmp[i] = fabs(x[i] - med);
		meanad += tmp[i] / (double)n;
	}
	mad = median(tmp, n);
	free(tmp);
	scale = mad > 0 ? mad / 0.6745 : meanad * 1.2533;
	if (scale < floor / 0.6745)
		scale = floor / 0.6745;
	for (size_t i = 0; i < n; i++)
		z[i] = scale > 0 ? (x[i] - med) / scale : 0;
	*med_out = med;
	*mad_out = mad;
}

static json_t *
series_json(const struct series *s, double zmax)
{
	struct histogram *all = histogram_new();
	double *med = xreallocarray(NULL, s->nranks, sizeof(double));
	double *z = xreallocarray(NULL, s->nranks, sizeof(double));
	double *lx = xreallocarray(NULL, s->nranks, sizeof(double));
	double mm, mad;
	int logscale = s->nranks > 0, lower = s->better && strcmp(s->better, "lower") == 0;
	json_t *nodes = json_array(), *out = json_array(), *j;

	for (size_t i = 0; i < s->nranks; i++) {
		const struct per_rank *p = &s->ranks[i];

		histogram_merge(all, p->h);
		med[i] = p->nrec == 1 && isfinite(p->median) ? p->median :
		    histogram_percentile(p->h, 50);
	}
	for (size_t i = 0; i < s->nranks; i++)
		if (!(med[i] > 0) || !isfinite(med[i]))
			logscale = 0;
	for (size_t i = 0; i < s->nranks; i++)
		lx[i] = logscale ? log(med[i]) : med[i];
	robust_z(lx, s->nranks, logscale ? 0.01 : 0, z, &mm, &mad);
	free(lx);
	if (logscale) {
		/* Said on the metric's own scale: the median node and the
		** MAD as a factor (1.05: 5% either way). */
		mm = exp(mm);
		mad = exp(mad);
	}
	for (size_t i = 0; i < s->nranks; i++) {
		const struct per_rank *p = &s->ranks[i];
		/* Three nodes are the fewest where one can stand out. */
		int outlier = s->nranks >= 3 && fabs(z[i]) > zmax;
		json_t *n = json_pack("{s:i, s:s?, s:o, s:o}", "rank", p->rank,
		    "hostname", p->hostname, "median", num(med[i]),
		    "z", num(z[i]));

		json_array_append(nodes, n);
		if (outlier) {
			json_object_set_new(n, "worse", json_boolean(
			    s->better == NULL ? 0 : lower ? z[i] > 0 : z[i] < 0));
			json_array_append(out, n);
		}
		json_decref(n);
	}
	j = json_pack("{s:O, s:O, s:s, s:s?, s:s?, s:I, s:I, s:{s:o, s:o, s:o, s:o, s:o}, s:s, s:o, s:o, s:o, s:o, s:o}",
	    "id", json_object_get(s->rec, "id"),
	    "params", json_object_get(s->rec, "params"),
	    "metric", s->metric, "unit", s->unit, "better", s->better,
	    "nodes", (json_int_t)s->nranks,
	    "count", (json_int_t)histogram_count(all),
	    "distribution", "min", num(histogram_min(all)),
	    "p50", num(histogram_percentile(all, 50)),
	    "p90", num(histogram_percentile(all, 90)),
	    "p99", num(histogram_percentile(all, 99)),
	    "max", num(histogram_max(all)),
	    "z_scale", logscale ? "log" : "linear",
	    "median_of_nodes", num(mm),
	    logscale ? "mad_factor" : "mad_of_nodes", num(mad),
	    "node_medians", nodes, "outliers", out,
	    "histogram", histogram_to_json(all));
	histogram_free(all);
	free(med);
	free(z);
	return j;
}

json_t *
fleet_stats(const json_t *records, double z)
{
	struct series *all = NULL;
	size_t n = 0, i;
	json_t *out = json_array(), *rec;

	json_array_foreach(records, i, rec)
		add_record(&all, &n, rec);
	for (i = 0; i < n; i++) {
		json_array_append_new(out, series_json(&all[i], z));
		for (size_t r = 0; r < all[i].nranks; r++)
			histogram_free(all[i].ranks[r].h);
		free(all[i].ranks);
		free(all[i].slot);
		free(all[i].key);
	}
	free(all);
	return out;
}

json_t *
fleet_groups(const json_t *nodes)
{
	json_t *groups = json_array(), *node, *g;
	size_t i, k;

	json_array_foreach(nodes, i, node) {
		const json_t *fp = json_object_get(node, "fingerprint");
		json_t *found = NULL;

		if (!json_is_string(fp))
			continue;
		json_array_foreach(groups, k, g)
			if (json_equal(json_object_get(g, "fingerprint"), fp))
				found = g;
		if (found == NULL) {
			found = json_pack("{s:O, s:[], s:O?}", "fingerprint", fp,
			    "ranks", "hw", json_object_get(node, "hw"));
			json_array_append_new(groups, found);
		}
		json_array_append(json_object_get(found, "ranks"),
		    json_object_get(node, "rank"));
	}
	return groups;
}

/*
** detect.c - cache.detect: sweeps the pointer-chase latency over working
** sets from `min_size` to `max_size` and infers the cache levels from the
** curve (detect_levels), then sets them beside what hwloc (sysfs) says.
** On virtual machines the two differ: a VM can be shown a host's whole
** L3 of which it gets a few MiB, and the measured boundary is the one
** that decides chunk sizes.
*/
#define _GNU_SOURCE /* sched_getcpu */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include <dyno/plugin.h>

#include "chase.h"
#include "detect.h"
#include "probes.h"

#define DETECT_MAX_POINTS 512
#define DETECT_MAX_LEVELS 8

static int
detect_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
detect_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), detect_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Appends the level of points [first, last] to out[]. */
static void
detect_add(struct detect_level *out, size_t *nl, size_t max,
	   const double *size, const double *lat, double *tmp, size_t first,
	   size_t last, int smeared)
{
	size_t m = 0;

	if (*nl >= max)
		return;
	for (size_t k = first; k <= last; k++)
		tmp[m++] = lat[k];
	out[*nl].first = first;
	out[*nl].last = last;
	out[*nl].bytes = size[last];
	out[*nl].latency = detect_median(tmp, m);
	out[*nl].smeared = smeared;
	(*nl)++;
}

size_t
detect_levels(const double *size, const double *lat, size_t n,
	      size_t per_octave, double tol, size_t expect,
	      struct detect_level *out, size_t max)
{
	double *s, *tmp;
	size_t nl = 0, i = 0, w = per_octave > 0 ? per_octave : 1;
	size_t min_pts = w / 2 > 2 ? w / 2 : 2;

	if (n == 0 || max == 0)
		return 0;
	s = malloc(n * sizeof(*s));
	tmp = malloc(n * sizeof(*tmp));
	if (s == NULL || tmp == NULL) {
		free(s);
		free(tmp);
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		double v[3] = { lat[k], lat[k], lat[k] };

		if (k > 0 && k + 1 < n) {
			v[0] = lat[k - 1];
			v[2] = lat[k + 1];
		}
		s[k] = detect_median(v, 3);
	}
	while (i < n) {
		size_t first = i, last = i;

		while (last + 1 < n && s[last + 1] <= s[first] * (1 + tol))
			last++;
		/* One level with the run before when their latencies are
		** within tol and no rise lies between them. */
		if (nl > 0 && out[nl - 1].last + 1 == first &&
		    s[first] <= out[nl - 1].latency * (1 + tol)) {
			first = out[nl - 1].first;
			nl--;
		}
		if (last + 1 - first >= min_pts || last + 1 == n)
			detect_add(out, &nl, max, size, lat, tmp, first, last, 0);
		/* The rise: on while the latency an octave on is > tol up.
		** It stops at n - 1 at the latest (compared with itself). */
		i = last + 1;
		while (i < n && s[i + w < n ? i + w : n - 1] > s[i] * (1 + tol))
			i++;
	}
	if (expect > 0 && nl >= 2 && nl - 1 < expect && nl < max) {
		struct detect_level mem = out[nl - 1];
		size_t a = out[nl - 2].last + 1, b = mem.first;

		if (b > a && size[b - 1] > 4 * size[a]) {
			nl--;
			detect_add(out, &nl, max, size, lat, tmp, a, b - 1, 1);
			out[nl++] = mem;
		}
	}
	free(s);
	free(tmp);
	return nl;
}

/* -- hwloc's view ------------------------------------------------------ */

/* Data or unified cache sizes seen from the PU `cpu`, by level (1..4);
** 0 where hwloc has none. */
static void
detect_hwloc(int cpu, unsigned long long sizes[5])
{
	hwloc_topology_t topo;
	hwloc_obj_t pu, o;

	memset(sizes, 0, 5 * sizeof(sizes[0]));
	if (hwloc_topology_init(&topo) != 0)
		return;
	if (hwloc_topology_load(topo) != 0) {
		hwloc_topology_destroy(topo);
		return;
	}
	pu = hwloc_get_pu_obj_by_os_index(topo, cpu >= 0 ? (unsigned)cpu : 0);
	for (o = pu; o != NULL; o = o->parent) {
		if (!hwloc_obj_type_is_cache(o->type) || o->attr == NULL)
			continue;
		if (o->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION)
			continue;
		if (o->attr->cache.depth >= 1 && o->attr->cache.depth <= 4)
			sizes[o->attr->cache.depth] = o->attr->cache.size;
	}
	hwloc_topology_destroy(topo);
}

/* -- the probe --------------------------------------------------------- */

struct detect_state {
	size_t n;
	double size[DETECT_MAX_POINTS];
	double lat[DETECT_MAX_POINTS];
	int cpu;
};

static int
detect_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct detect_state *d = calloc(1, sizeof(*d));
	double lo = (double)h->param_size(ctx, "min_size");
	double hi = (double)h->param_size(ctx, "max_size");
	int64_t steps = h->param_int(ctx, "steps");
	cpu_set_t set;

	if (d == NULL)
		return h->fail(ctx, "out of memory");
	if (hi < lo * 4) {
		free(d);
		return h->fail(ctx, "max_size must be at least 4 x min_size "
			       "(%.0f B and %.0f B given)", hi, lo);
	}
	for (double x = lo; x <= hi * 1.0001 && d->n < DETECT_MAX_POINTS;
	     x *= pow(2.0, 1.0 / (double)steps)) {
		/* Whole cache lines, so each point is a real working set. */
		d->size[d->n++] = floor(x / 64) * 64;
	}
	d->cpu = h->param_int(ctx, "cpu") >= 0 ? (int)h->param_int(ctx, "cpu")
						: sched_getcpu();
	CPU_ZERO(&set);
	if (d->cpu >= 0 && d->cpu < CPU_SETSIZE)
		CPU_SET(d->cpu, &set);
	if (d->cpu < 0 || sched_setaffinity(0, sizeof(set), &set) != 0) {
		int e = errno, cpu = d->cpu;

		free(d);
		return h->fail(ctx, "cannot pin to cpu %d: %s", cpu, strerror(e));
	}
	*state = d;
	return DYNO_OK;
}

static void
detect_format_bytes(char *buf, size_t n, double b)
{
	if (b >= 1 << 30)
		snprintf(buf, n, "%.3g GiB", b / (1 << 30));
	else if (b >= 1 << 20)
		snprintf(buf, n, "%.3g MiB", b / (1 << 20));
	else
		snprintf(buf, n, "%.3g KiB", b / 1024);
}

/* One point of the curve: the median of `samples` chase samples. */
static int
detect_point(const struct dyno_host *h, size_t size, int huge,
	     int64_t samples, double *out, char *pages, size_t pn)
{
	struct chase c;
	double v[64];
	void *p;
	uint64_t r = 64;
	int rc = chase_build(&c, size, 64, 1, huge, 1);

	if (rc != 0)
		return rc;
	snprintf(pages, pn, "%s", c.pages);
	p = chase_follow(c.start, c.n / 8 + 1);
	/* Samples of >= 1 ms each. */
	for (;;) {
		double s = chase_time(&p, r, h->now_ns) * (double)(r * 8);

		if (s >= 1e-3)
			break;
		r = s > 1e-5 ? (uint64_t)((double)r * 1.1e-3 / s) + 1 : r * 16;
	}
	for (int64_t i = 0; i < samples; i++)
		v[i] = chase_time(&p, r, h->now_ns);
	*out = detect_median(v, (size_t)samples);
	chase_free(&c);
	return 0;
}

static int
detect_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct detect_state *d = state;
	struct detect_level lv[DETECT_MAX_LEVELS];
	unsigned long long hw[5];
	int huge = h->param_bool(ctx, "hugepages");
	int64_t samples = h->param_int(ctx, "samples");
	double tol = h->param_float(ctx, "tolerance");
	char pages[160] = "", buf[4096], a[64], b[32], key[64];
	size_t nl, used = 0, nhw = 0;

	for (size_t i = 0; i < d->n; i++) {
		int rc = detect_point(h, (size_t)d->size[i], huge, samples,
				      &d->lat[i], pages, sizeof(pages));

		if (rc != 0)
			return h->fail(ctx, "cannot chase %.0f B: %s", d->size[i],
				       strerror(-rc));
		h->progress(ctx, (double)(i + 1) / (double)d->n, NULL);
		if (h->should_stop(ctx) && i + 1 < d->n) {
			h->artifact(ctx, "stopped_early", "the sweep was cut short "
				    "(--max-time or Ctrl-C); levels from the sizes measured");
			d->n = i + 1;
			break;
		}
	}
	h->artifact(ctx, "pages", pages);
	snprintf(buf, sizeof(buf), "%d", d->cpu);
	h->artifact(ctx, "cpu", buf);
	buf[0] = '\0';
	for (size_t i = 0; i < d->n && used + 40 < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%.0f:%.3g",
					 i ? " " : "", d->size[i], d->lat[i] * 1e9);
	h->artifact(ctx, "curve", buf); /* bytes:ns pairs */

	detect_hwloc(d->cpu, hw);
	for (size_t k = 1; k <= 4; k++)
		if (hw[k] > 0)
			nhw = k;
	nl = detect_levels(d->size, d->lat, d->n, (size_t)h->param_int(ctx, "steps"),
			   tol, nhw, lv, DETECT_MAX_LEVELS);
	if (nl == 0)
		return h->fail(ctx, "no flat region in the latency curve");
	used = 0;
	buf[0] = '\0';
	for (size_t k = 0; k + 1 < nl; k++) {
		/* The descriptor has four levels; more go to the artifact. */
		if (k < 4) {
			snprintf(key, sizeof(key), "level%zu_bytes", k + 1);
			h->record(ctx, key, lv[k].bytes);
			snprintf(key, sizeof(key), "level%zu_latency", k + 1);
			h->record(ctx, key, lv[k].latency);
		}
		detect_format_bytes(a, sizeof(a), lv[k].bytes);
		if (lv[k].smeared)
			snprintf(a + strlen(a), sizeof(a) - strlen(a),
				 " (no flat region)");
		if (k + 1 <= 4 && hw[k + 1] > 0) {
			double r = lv[k].bytes / (double)hw[k + 1];

			detect_format_bytes(b, sizeof(b), (double)hw[k + 1]);
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
				"%sL%zu: measured %s, hwloc %s%s", used ? "; " : "",
				k + 1, a, b, r < 0.5 || r > 2 ? " (disagree)" : "");
		} else {
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
				"%sL%zu: measured %s, hwloc has none", used ? "; " : "",
				k + 1, a);
		}
	}
	h->record(ctx, "memory_latency", lv[nl - 1].latency);
	if (nl - 1 < 4 && hw[nl] > 0) {
		detect_format_bytes(b, sizeof(b), (double)hw[nl]);
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
			"%shwloc's L%zu (%s) shows no step", used ? "; " : "", nl, b);
	}
	h->artifact(ctx, "levels", buf[0] ? buf : "no cache level found below "
		    "the largest size");
	if (lv[nl - 1].last == lv[nl - 1].first && nl > 1)
		h->artifact(ctx, "memory_note", "the curve was still rising at "
			    "max_size: memory_latency is a lower bound");
	return DYNO_OK;
}

static void
detect_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	free(state);
}

static const struct dyno_param detect_params[] = {
	{ .name = "min_size", .type = DYNO_PARAM_SIZE, .def = "4KiB",
	  .min = "1KiB", .max = "1GiB", .help = "smallest working set" },
	{ .name = "max_size", .type = DYNO_PARAM_SIZE, .def = "256MiB",
	  .min = "16KiB", .max = "16GiB", .help = "largest working set (well beyond the last cache)" },
	{ .name = "steps", .type = DYNO_PARAM_INT, .def = "4", .min = "1",
	  .max = "16", .help = "sizes per doubling" },
	{ .name = "samples", .type = DYNO_PARAM_INT, .def = "5", .min = "1",
	  .max = "64", .help = "samples of >= 1 ms per size; the median is kept" },
	{ .name = "tolerance", .type = DYNO_PARAM_FLOAT, .def = "25%",
	  .min = "5%", .max = "200%", .help = "rise that still counts as the same level" },
	{ .name = "hugepages", .type = DYNO_PARAM_BOOL, .def = "true",
	  .help = "huge pages, so TLB steps are not taken for cache levels" },
	{ .name = "cpu", .type = DYNO_PARAM_INT, .def = "-1", .min = "-1",
	  .max = "4095", .help = "CPU to pin to (-1: the one the probe starts on)" },
	{ NULL }
};

#define DETECT_LEVEL_METRICS(k)                                              \
	{ .name = "level" #k "_bytes", .unit = "B", .better = DYNO_BETTER_HIGHER, \
	  .help = "largest working set at level " #k "'s latency" },             \
	{ .name = "level" #k "_latency", .unit = "s", .better = DYNO_BETTER_LOWER, \
	  .help = "median latency of level " #k }

static const struct dyno_metric detect_metrics[] = {
	DETECT_LEVEL_METRICS(1), DETECT_LEVEL_METRICS(2),
	DETECT_LEVEL_METRICS(3), DETECT_LEVEL_METRICS(4),
	{ .name = "memory_latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "latency beyond the last level" },
	{ NULL }
};

const struct dyno_probe cache_detect_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "detect",
	.summary = "Cache levels and their latency, inferred from a latency sweep, beside hwloc's sizes",
	.params = detect_params,
	.metrics = detect_metrics,
	.headline_metrics = 9, /* every level and memory */
	.setup = detect_setup,
	.run = detect_run,
	.teardown = detect_teardown,
};

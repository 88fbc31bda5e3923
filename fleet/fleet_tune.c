/* fleet_tune.c - dyno tune --fleet: a tune per fingerprint group, the fleet-wide keys, the capacity plan. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_tune.h"
#include "tune.h"
#include "xmalloc.h"

#define WHY_MAX 1024

int
fleet_target_parse(const char *s, char *key, size_t n, double *value,
		   struct dyno_err *err)
{
	const char *eq = strchr(s, '=');
	char *end;

	if (eq == NULL || eq == s || (size_t)(eq - s) >= n)
		return dyno_err_set(err, DYNO_EINVAL, "-D target='%s': expected "
		    "KEY=NUMBER, a tune key and the throughput to plan for, "
		    "e.g. target=eeg.recordings_per_hour=20000", s);
	for (const char *p = s; p < eq; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '.'))
			return dyno_err_set(err, DYNO_EINVAL, "-D target='%s': "
			    "'%.*s' is not a tune key (expected dotted "
			    "[a-z0-9_] segments, e.g. eeg.recordings_per_hour)",
			    s, (int)(eq - s), s);
	*value = strtod(eq + 1, &end);
	if (end == eq + 1 || *end != '\0' || !(*value > 0) || !isfinite(*value))
		return dyno_err_set(err, DYNO_EINVAL, "-D target='%s': '%s' is "
		    "not a number above 0", s, eq + 1);
	memcpy(key, s, (size_t)(eq - s));
	key[eq - s] = '\0';
	return 0;
}

/* A node's value of a dotted key, from its tune's nested map. */
static const json_t *
node_value(const json_t *node, const char *key)
{
	const json_t *v = json_object_get(json_object_get(node, "tune"),
	    "tune");
	char k[256], *seg, *dot;

	snprintf(k, sizeof(k), "%s", key);
	for (seg = k; v != NULL; seg = dot + 1) {
		if ((dot = strchr(seg, '.')) == NULL)
			return json_object_get(v, seg);
		*dot = '\0';
		v = json_object_get(v, seg);
	}
	return NULL;
}

static const json_t *
node_why(const json_t *node, const char *key)
{
	return json_object_get(json_object_get(json_object_get(node, "tune"),
	    "why"), key);
}

static int
node_rank(const json_t *node)
{
	return (int)json_integer_value(json_object_get(node, "rank"));
}

/* The nodes of the group with fingerprint fp, as a new array. */
static json_t *
group_nodes(const json_t *nodes, const json_t *fp)
{
	json_t *out = json_array(), *n;
	size_t i;

	json_array_foreach(nodes, i, n)
		if (json_equal(json_object_get(n, "fingerprint"), fp))
			json_array_append(out, n);
	return out;
}

struct val {
	const json_t *node, *v;
};

static int
cmp_val(const void *a, const void *b)
{
	double x = json_number_value(((const struct val *)a)->v);
	double y = json_number_value(((const struct val *)b)->v);

	return (x > y) - (x < y);
}

/*
** One key of a group from its ranks' values: a number, the median rank's
** (the lower one of an even count, so an integer stays one a rank set);
** anything else, the most common value.  The reason says which.
*/
static void
group_key(struct tune *t, const json_t *nodes, const char *key)
{
	struct val *v = xcalloc(json_array_size(nodes), sizeof(*v));
	size_t n = 0, i, best = 0, bestc = 0;
	int numbers = 1, same = 1;
	const json_t *node, *w, *from;
	char why[WHY_MAX];
	struct dyno_err e;
	json_t *f;

	json_array_foreach(nodes, i, node) {
		const json_t *x = node_value(node, key);

		if (x == NULL)
			continue;
		v[n].node = node;
		v[n].v = x;
		numbers &= json_is_number(x);
		same &= n == 0 || json_equal(x, v[0].v);
		n++;
	}
	if (numbers) {
		qsort(v, n, sizeof(*v), cmp_val);
		best = (n - 1) / 2;
	} else {
		for (i = 0; i < n; i++) {
			size_t c = 0;

			for (size_t j = 0; j < n; j++)
				c += json_equal(v[i].v, v[j].v);
			if (c > bestc) {
				bestc = c;
				best = i;
			}
		}
	}
	w = node_why(v[best].node, key);
	if (same)
		snprintf(why, sizeof(why), "%s (%zu rank(s) of the group, all "
		    "alike)", json_string_value(json_object_get(w, "reason")), n);
	else if (numbers)
		snprintf(why, sizeof(why), "%s (rank %d's: the median of the "
		    "group's %zu ranks, which range %.6g to %.6g)",
		    json_string_value(json_object_get(w, "reason")),
		    node_rank(v[best].node), n, json_number_value(v[0].v),
		    json_number_value(v[n - 1].v));
	else
		snprintf(why, sizeof(why), "%s (rank %d's: %zu of the group's "
		    "%zu ranks set it so)", json_string_value(json_object_get(w,
		    "reason")), node_rank(v[best].node), bestc, n);
	from = json_object_get(w, "from");
	f = json_is_object(from) ? json_deep_copy(from) : NULL;
	if (f)
		json_object_set_new(f, "rank", json_integer(node_rank(
		    v[best].node)));
	if (tune_set(t, key, v[best].v, json_string_value(json_object_get(w,
	    "unit")), why, f, &e) < 0)
		fprintf(stderr, "dyno: tune --fleet: %s\n", e.msg);
	json_decref(f);
	free(v);
}

/* The group's tune: every key any of its ranks set, in first-set order,
** and every part any of them skipped. */
static struct tune *
group_tune(const json_t *nodes, const char *fp, const json_t *hw,
	   const char *suite)
{
	struct tune *t = NULL;
	json_t *seen = json_object(), *node, *w;
	const char *k;
	size_t i;

	json_array_foreach(nodes, i, node) {
		const json_t *tj = json_object_get(node, "tune");

		if (!json_is_object(tj))
			continue;
		if (t == NULL) {
			t = tune_new();
			tune_set_header(t, fp, hw, suite);
		}
		json_object_foreach(json_object_get(json_object_get(tj, "dyno"),
		    "skipped"), k, w)
			tune_note_skip(t, k, json_string_value(w));
		json_object_foreach(json_object_get(tj, "why"), k, w) {
			if (json_object_get(seen, k))
				continue;
			json_object_set_new(seen, k, json_true());
			group_key(t, nodes, k);
		}
	}
	json_decref(seen);
	return t;
}

/* dyno-tuned.yaml -> dyno-tuned.<fp>.yaml (before .yaml or .yml). */
static char *
group_path(const char *yaml, const char *fp)
{
	size_t n = strlen(yaml);

	if (n > 5 && strcmp(yaml + n - 5, ".yaml") == 0)
		return xasprintf("%.*s.%s.yaml", (int)(n - 5), yaml, fp);
	if (n > 4 && strcmp(yaml + n - 4, ".yml") == 0)
		return xasprintf("%.*s.%s.yml", (int)(n - 4), yaml, fp);
	return xasprintf("%s.%s", yaml, fp);
}

/* A group's name in keys: g and its fingerprint ([a-z0-9_] kept). */
static void
group_label(char *out, size_t n, const char *fp)
{
	size_t i = 0;

	out[i++] = 'g';
	for (; *fp && i + 1 < n; fp++)
		out[i++] = ((*fp >= 'a' && *fp <= 'z') || (*fp >= '0' &&
		    *fp <= '9')) ? *fp : '_';
	out[i] = '\0';
}

static void
set_key(struct tune *t, const char *key, json_t *v, const char *unit,
	const char *why)
{
	struct dyno_err e;

	if (tune_set(t, key, v, unit, why, NULL, &e) < 0)
		fprintf(stderr, "dyno: tune --fleet: %s\n", e.msg);
	json_decref(v);
}

/* Keys every group set alike, and the groups themselves. */
static void
fleet_keys(struct fleet_tune *ft, const json_t *groups)
{
	struct tune *g0 = NULL;
	json_t *j, *w;
	const char *k;
	char key[300], why[WHY_MAX];
	size_t i;

	for (i = 0; i < ft->ngroups; i++) {
		char label[40];
		const json_t *gj = json_array_get(groups, i);

		group_label(label, sizeof(label), ft->g[i].fingerprint);
		snprintf(key, sizeof(key), "fleet.groups.%s.ranks", label);
		set_key(ft->fleet, key, json_integer((json_int_t)json_array_size(
		    json_object_get(gj, "ranks"))), NULL, "ranks of the fleet "
		    "run with this fingerprint");
		if (ft->g[i].t == NULL) {
			snprintf(key, sizeof(key), "fleet.groups.%s", label);
			tune_note_skip(ft->fleet, key, "no rank of this group "
			    "finished the suite: no tune");
			continue;
		}
		snprintf(key, sizeof(key), "fleet.groups.%s.tune", label);
		set_key(ft->fleet, key, json_string(ft->g[i].path), NULL,
		    "this group's tune (dyno tune --check FILE says whether "
		    "a machine is of the group)");
		if (g0 == NULL)
			g0 = ft->g[i].t;
	}
	if (g0 == NULL)
		return;
	j = tune_to_json(g0);
	json_object_foreach(json_object_get(j, "why"), k, w) {
		size_t agree = 0, with = 0;

		for (i = 0; i < ft->ngroups; i++) {
			if (ft->g[i].t == NULL)
				continue;
			with++;
			agree += tune_get(ft->g[i].t, k) != NULL &&
			    json_equal(tune_get(ft->g[i].t, k), tune_get(g0, k));
		}
		if (agree != with)
			continue;
		snprintf(why, sizeof(why), "every group (%zu) has this value: %s",
		    with, json_string_value(json_object_get(w, "reason")));
		set_key(ft->fleet, k, json_deep_copy(tune_get(g0, k)),
		    json_string_value(json_object_get(w, "unit")), why);
	}
	json_decref(j);
}

struct fleet_tune *
fleet_tune_build(const json_t *doc, const char *yaml, const char *suite,
		 struct dyno_err *err)
{
	const json_t *fleet = json_object_get(doc, "fleet");
	const json_t *nodes = json_object_get(fleet, "nodes");
	const json_t *groups = json_object_get(fleet, "groups"), *g;
	struct fleet_tune *ft;
	size_t i;

	if (!json_is_array(nodes) || !json_is_array(groups))
		return dyno_err_set(err, DYNO_EINVAL, "tune --fleet: the run "
		    "document has no fleet.nodes and fleet.groups"), NULL;
	ft = xcalloc(1, sizeof(*ft));
	ft->g = xcalloc(json_array_size(groups) + 1, sizeof(*ft->g));
	json_array_foreach(groups, i, g) {
		const json_t *fp = json_object_get(g, "fingerprint");
		json_t *gn;

		if (!json_is_string(fp))
			continue;
		gn = group_nodes(nodes, fp);
		ft->g[ft->ngroups].fingerprint = xstrdup(json_string_value(fp));
		ft->g[ft->ngroups].path = group_path(yaml, json_string_value(fp));
		ft->g[ft->ngroups].t = group_tune(gn, json_string_value(fp),
		    json_object_get(g, "hw"), suite);
		ft->ngroups++;
		json_decref(gn);
	}
	ft->fleet = tune_new();
	tune_set_header(ft->fleet, NULL, NULL, suite);
	fleet_keys(ft, groups);
	return ft;
}

/* One machine's throughput: the sum of its ranks' (k instances), and
** when their measurements ran (seconds since the epoch). */
struct machine {
	int leader, k;
	double sum;
	double start_max, end_min, dur_sum;
	int timed;
};

/* "2026-12-06T17:29:26.939Z" as seconds since the epoch; -1 if not. */
static double
parse_ts(const char *s)
{
	struct tm tm;
	double sec;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%lf", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + sec;
}

/* The record a rank's value came from (its why's from: id, params). */
static const json_t *
from_record(const json_t *doc, const json_t *node, const char *key)
{
	const json_t *from = json_object_get(node_why(node, key), "from"), *r;
	size_t i;

	if (!json_is_object(from))
		return NULL;
	json_array_foreach(json_object_get(doc, "results"), i, r) {
		const json_t *n = json_object_get(r, "node");

		if (json_equal(json_object_get(n, "rank"), json_object_get(node,
		    "rank")) && json_equal(json_object_get(r, "id"),
		    json_object_get(from, "id")) && json_equal(json_object_get(r,
		    "params"), json_object_get(from, "params")))
			return r;
	}
	return NULL;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What a group measured: machines and the throughput per instance count. */
struct capacity {
	struct machine *m;
	size_t nm;
	int kmin, kmax, kbest;
	double best, at_kmin, at_kmax, total;
	double overlap;           /* the least of nodes with k > 1; 1: none */
	char table[512];
};

/* Where the instances' measurements lie in time. */
static void
time_record(struct machine *m, const json_t *rec)
{
	double t0 = parse_ts(json_string_value(json_object_get(rec,
	    "started_at")));
	double d = json_number_value(json_object_get(rec, "duration_s"));

	if (rec == NULL || t0 < 0 || !(d > 0))
		return;
	if (m->timed == 0 || t0 > m->start_max)
		m->start_max = t0;
	if (m->timed == 0 || t0 + d < m->end_min)
		m->end_min = t0 + d;
	m->dur_sum += d;
	m->timed++;
}

/* Median of the throughput of machines that ran k instances; 0: none. */
static double
at_k(const struct capacity *c, int k, size_t *count)
{
	double *v = xcalloc(c->nm + 1, sizeof(*v)), med;
	size_t n = 0;

	for (size_t i = 0; i < c->nm; i++)
		if (c->m[i].k == k)
			v[n++] = c->m[i].sum;
	qsort(v, n, sizeof(*v), cmp_dbl);
	med = n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	*count = n;
	return med;
}

static void
measure_group(struct capacity *c, const json_t *doc, const json_t *nodes,
	      const char *key)
{
	const json_t *node;
	size_t i, len = 0;

	memset(c, 0, sizeof(*c));
	c->m = xcalloc(json_array_size(nodes) + 1, sizeof(*c->m));
	json_array_foreach(nodes, i, node) {
		const json_t *v = node_value(node, key);
		const json_t *l = json_object_get(node, "node_leader");
		int leader = (int)json_integer_value(l ? l : json_object_get(
		    node, "rank"));
		size_t j;

		if (!json_is_number(v) || !(json_number_value(v) > 0))
			continue;
		for (j = 0; j < c->nm && c->m[j].leader != leader; j++)
			;
		if (j == c->nm)
			c->m[c->nm++].leader = leader;
		c->m[j].k++;
		c->m[j].sum += json_number_value(v);
		time_record(&c->m[j], from_record(doc, node, key));
	}
	c->overlap = 1;
	for (i = 0; i < c->nm; i++) {
		struct machine *m = &c->m[i];

		if (m->k > 1 && m->timed == m->k && m->dur_sum > 0) {
			double o = (m->end_min - m->start_max) / (m->dur_sum /
			    m->k);

			if (o < c->overlap)
				c->overlap = o < 0 ? 0 : o;
		}
		c->total += c->m[i].sum;
		if (c->kmin == 0 || c->m[i].k < c->kmin)
			c->kmin = c->m[i].k;
		if (c->m[i].k > c->kmax)
			c->kmax = c->m[i].k;
	}
	for (int k = c->kmin; k > 0 && k <= c->kmax; k++) {
		size_t n;
		double t = at_k(c, k, &n);

		if (n == 0)
			continue;
		if (t > c->best) {
			c->best = t;
			c->kbest = k;
		}
		if (k == c->kmin)
			c->at_kmin = t;
		if (k == c->kmax)
			c->at_kmax = t;
		if (len < sizeof(c->table))
			len += (size_t)snprintf(c->table + len, sizeof(c->table) -
			    len, "%s%d instance(s) a node: %.6g a node (%zu "
			    "node(s))", len ? "; " : "", k, t, n);
	}
}

/* How far a node's instances measured at once: the plan's premise. */
static const char *
overlap_note(const struct capacity *g, char *s, size_t n)
{
	if (g->kmax < 2)
		return "";
	snprintf(s, n, "; the instances on a node overlapped %.0f%% "
	    "of their measuring time (the least of the nodes)%s",
	    100 * g->overlap, g->overlap < 0.5 ? ", too little for them to "
	    "count as running at once" : "");
	return s;
}

int
fleet_tune_plan(struct fleet_tune *ft, const json_t *doc, const char *key,
		double target, struct dyno_err *err)
{
	const json_t *nodes = json_object_get(json_object_get(doc, "fleet"),
	    "nodes");
	struct capacity *c = xcalloc(ft->ngroups + 1, sizeof(*c));
	double total = 0, best = 0;
	const char *unit = NULL;
	char k[300], why[WHY_MAX], label[40], note[160];
	size_t i, measured = 0, best_i = 0;
	const json_t *node;

	json_array_foreach(nodes, i, node) {
		const json_t *w = node_why(node, key);

		if (unit == NULL && w)
			unit = json_string_value(json_object_get(w, "unit"));
	}
	for (i = 0; i < ft->ngroups; i++) {
		json_t *fp = json_string(ft->g[i].fingerprint);
		json_t *gn = group_nodes(nodes, fp);

		measure_group(&c[i], doc, gn, key);
		json_decref(gn);
		json_decref(fp);
		measured += c[i].nm > 0;
	}
	if (measured == 0) {
		for (i = 0; i < ft->ngroups; i++)
			free(c[i].m);
		free(c);
		return dyno_err_set(err, DYNO_EINVAL, "-D target=%s=%g: no rank's "
		    "tune has %s as a number above 0; the group tunes are "
		    "written, the capacity plan is not", key, target, key);
	}
	set_key(ft->fleet, "capacity.target.key", json_string(key), NULL,
	    "the workload the plan sizes the fleet for (-D target)");
	set_key(ft->fleet, "capacity.target.value", json_real(target), unit,
	    "the throughput the fleet must reach (-D target)");
	for (i = 0; i < ft->ngroups; i++) {
		struct capacity *g = &c[i];
		double eff;

		group_label(label, sizeof(label), ft->g[i].fingerprint);
		if (g->nm == 0) {
			snprintf(k, sizeof(k), "capacity.%s", label);
			tune_note_skip(ft->fleet, k, "no rank of this group set "
			    "the target key");
			continue;
		}
		total += g->total;
		if (g->best > best) {
			best = g->best;
			best_i = i;
		}
		snprintf(k, sizeof(k), "capacity.%s.instances_per_node", label);
		snprintf(why, sizeof(why), "the instances a node (ranks that "
		    "share it, each running the workload at once) with the most "
		    "throughput measured: %s%s", g->table, overlap_note(g, note, sizeof(note)));
		set_key(ft->fleet, k, json_integer(g->kbest), NULL, why);
		snprintf(k, sizeof(k), "capacity.%s.node_throughput", label);
		snprintf(why, sizeof(why), "the median node's sum of its %d "
		    "instance(s)' %s", g->kbest, key);
		set_key(ft->fleet, k, json_real(g->best), unit, why);
		snprintf(k, sizeof(k), "capacity.%s.scaling_efficiency", label);
		if (g->kmax > g->kmin) {
			eff = (g->at_kmax / g->kmax) / (g->at_kmin / g->kmin);
			snprintf(why, sizeof(why), "the throughput an instance "
			    "keeps with %d on a node, against %d on a node: "
			    "(%.6g / %d) / (%.6g / %d), measured on nodes that "
			    "ran each (ranks per node)%s", g->kmax, g->kmin,
			    g->at_kmax, g->kmax, g->at_kmin, g->kmin,
			    overlap_note(g, note, sizeof(note)));
			set_key(ft->fleet, k, json_real(round(eff * 1000) /
			    1000), NULL, why);
		} else {
			snprintf(why, sizeof(why), "every node of this group "
			    "ran %d instance(s) of the workload: run some with "
			    "another number of ranks (mpirun --map-by, srun "
			    "-n) to measure it", g->kmin);
			tune_note_skip(ft->fleet, k, why);
		}
		snprintf(k, sizeof(k), "capacity.%s.nodes", label);
		set_key(ft->fleet, k, json_integer((json_int_t)g->nm), NULL,
		    "nodes of this group that measured the workload");
		snprintf(k, sizeof(k), "capacity.%s.nodes_needed", label);
		snprintf(why, sizeof(why), "nodes of this group alone for the "
		    "target: ceil(%.6g / %.6g a node, at %d instance(s) a "
		    "node, as measured)", target, g->best, g->kbest);
		set_key(ft->fleet, k, json_integer((json_int_t)ceil(target /
		    g->best)), NULL, why);
	}
	snprintf(why, sizeof(why), "every measuring node's %s, each at the "
	    "instances it ran, added up", key);
	set_key(ft->fleet, "capacity.fleet_throughput", json_real(total), unit,
	    why);
	snprintf(why, sizeof(why), "the fleet as run, %.6g, against the target, "
	    "%.6g", total, target);
	set_key(ft->fleet, "capacity.meets_target", json_boolean(total >=
	    target), NULL, why);
	if (total < target) {
		group_label(label, sizeof(label), ft->g[best_i].fingerprint);
		snprintf(why, sizeof(why), "nodes to add, of group %s (the most "
		    "throughput a node, %.6g): ceil((%.6g - %.6g) / %.6g)",
		    label, best, target, total, best);
		set_key(ft->fleet, "capacity.add_nodes", json_integer(
		    (json_int_t)ceil((target - total) / best)), NULL, why);
		set_key(ft->fleet, "capacity.add_group", json_string(label),
		    NULL, "the group with the most throughput a node");
	}
	for (i = 0; i < ft->ngroups; i++)
		free(c[i].m);
	free(c);
	return 0;
}

void
fleet_tune_free(struct fleet_tune *ft)
{
	if (ft == NULL)
		return;
	for (size_t i = 0; i < ft->ngroups; i++) {
		free(ft->g[i].fingerprint);
		free(ft->g[i].path);
		tune_free(ft->g[i].t);
	}
	free(ft->g);
	tune_free(ft->fleet);
	free(ft);
}

/* report_fleet.c - the fleet section of the Markdown and HTML reports: nodes, a node x metric heatmap, distributions with outliers. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content_int.h"
#include "units.h"
#include "xmalloc.h"

/* Columns of the heatmap at most: a wider table helps no one. */
#define FLEET_HEAT_MAX 12

/* "fleettest.sleep latency" (with the parameters that tell it apart
** from another series of the same probe and metric). */
static char *
series_label(const json_t *stats, const json_t *s)
{
	const char *id = report_str(s, "id"), *metric = report_str(s, "metric");
	const json_t *params = json_object_get(s, "params"), *o, *v;
	char *label = xasprintf("%s %s", id, metric), buf[64];
	const char *k;
	size_t i;

	json_object_foreach((json_t *)params, k, v) {
		int differs = 0;

		json_array_foreach(stats, i, o)
			if (strcmp(report_str(o, "id"), id) == 0 &&
			    strcmp(report_str(o, "metric"), metric) == 0 &&
			    !json_equal(json_object_get(json_object_get(o,
			    "params"), k), v))
				differs = 1;
		if (differs) {
			char *l = xasprintf("%s %s=%s", label, k,
			    report_value(v, buf, sizeof(buf)));

			free(label);
			label = l;
		}
	}
	return label;
}

static void
nodes_table(struct report_content *c, const json_t *fleet)
{
	struct report_block *b = report_table(c, 6, "rank", "host",
	    "fingerprint", "status", "records", "note");
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(fleet, "nodes"), i, n) {
		char rank[16], recs[16], note[320];
		const char *row[6];
		const json_t *sum = json_object_get(n, "summary");

		snprintf(rank, sizeof(rank), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(n, "rank")));
		snprintf(recs, sizeof(recs), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(n, "records")));
		if (json_object_get(n, "lost"))
			snprintf(note, sizeof(note), "%s", report_str(n, "lost"));
		else
			snprintf(note, sizeof(note), "exit %" JSON_INTEGER_FORMAT
			    "; checks failed: %" JSON_INTEGER_FORMAT,
			    json_integer_value(json_object_get(n, "exit_code")),
			    json_integer_value(json_object_get(json_object_get(
			    sum, "checks"), "fail")));
		row[0] = rank;
		row[1] = report_str(n, "hostname");
		row[2] = report_str(n, "fingerprint");
		row[3] = report_str(n, "status");
		row[4] = recs;
		row[5] = note;
		report_row(b, row);
	}
}

/* The median of rank's node in series s, NAN when it has none; its z. */
static double
node_median(const json_t *s, json_int_t rank, double *z)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(s, "node_medians"), i, m)
		if (json_integer_value(json_object_get(m, "rank")) == rank) {
			*z = report_num(m, "z");
			return report_num(m, "median");
		}
	*z = NAN;
	return NAN;
}

/*
** Node x metric: each node's median over the fleet's median node, so
** every column reads the same way (1.00 the typical node); an outlier is
** marked with its side (worse, better).  As text, the heatmap of the
** terminal and of Markdown.
*/
static void
heatmap(struct report_content *c, const json_t *fleet)
{
	const json_t *all = json_object_get(fleet, "stats"), *n, *s;
	json_t *stats = json_array();
	size_t ns, i, k, ncols;
	struct report_block *b;

	/* A series one node measured (a node pair's) has nothing to
	** compare with: the pair matrices show those. */
	json_array_foreach(all, i, s)
		if (json_integer_value(json_object_get(s, "nodes")) >= 2 &&
		    json_array_size(stats) < FLEET_HEAT_MAX)
			json_array_append(stats, (json_t *)s);
	ns = json_array_size(stats);
	ncols = ns + 1;
	b = report_add(c, REPORT_TABLE);
	b->ncols = ncols;
	b->cells = xreallocarray(NULL, ncols, sizeof(*b->cells));
	b->cells[0] = xstrdup("node");
	for (k = 0; k < ns; k++)
		b->cells[k + 1] = series_label(stats, json_array_get(stats, k));
	b->nrows = 1;
	json_array_foreach(json_object_get(fleet, "nodes"), i, n) {
		json_int_t rank = json_integer_value(json_object_get(n, "rank"));
		char **row = xcalloc(ncols, sizeof(*row));

		row[0] = xasprintf("%" JSON_INTEGER_FORMAT " %s", rank,
		    report_str(n, "hostname"));
		for (k = 0; k < ns; k++) {
			double z, med;
			const char *mark = "";

			s = json_array_get(stats, k);
			med = node_median(s, rank, &z);
			if (isnan(med)) {
				row[k + 1] = xstrdup("-");
				continue;
			}
			if (fabs(z) > report_num(fleet, "outlier_z")) {
				int lower = strcmp(report_str(s, "better"),
				    "lower") == 0;

				mark = (lower ? z > 0 : z < 0) ? " (worse)" :
				    " (better)";
			}
			row[k + 1] = xasprintf("%.2f%s", med /
			    report_num(s, "median_of_nodes"), mark);
		}
		report_row(b, (const char *const *)row);
		for (k = 0; k < ncols; k++)
			free(row[k]);
		free(row);
	}
	json_decref(stats);
}

/* Ranks at most in a pair matrix. */
#define FLEET_PAIRS_MAX 16

/* From rank (row) to peer (column): the median of id's metric, as the
** lower rank of each pair measured it. */
static void
pair_matrix(struct report_content *c, const struct report_run *r,
	    const char *id, const char *metric, const char *title)
{
	long nranks = (long)json_integer_value(json_object_get(json_object_get(
	    r->doc, "fleet"), "ranks"));
	struct report_block *b = NULL;
	char ***cell;
	size_t i;
	long k, j, found = 0;

	if (nranks < 2 || nranks > FLEET_PAIRS_MAX)
		return;
	cell = xcalloc((size_t)nranks, sizeof(*cell));
	for (k = 0; k < nranks; k++)
		cell[k] = xcalloc((size_t)nranks + 1, sizeof(**cell));
	for (i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		const json_t *m = json_object_get(json_object_get(rec,
		    "metrics"), metric);
		long from = (long)json_integer_value(json_object_get(
		    json_object_get(rec, "node"), "rank"));
		long to = (long)json_integer_value(json_object_get(
		    json_object_get(rec, "params"), "peer"));
		char buf[32];

		if (strcmp(report_str(rec, "id"), id) != 0 || m == NULL ||
		    from < 0 || from >= nranks || to < 0 || to >= nranks)
			continue;
		units_format(report_num(m, "median"), report_str(m, "unit"),
		    buf, sizeof(buf));
		free(cell[from][to + 1]);
		cell[from][to + 1] = xstrdup(buf);
		found++;
	}
	if (found > 0) {
		report_heading(c, 3, "%s", title);
		b = report_add(c, REPORT_TABLE);
		b->ncols = (size_t)nranks + 1;
		b->cells = xcalloc(b->ncols, sizeof(*b->cells));
		b->cells[0] = xstrdup("rank to rank");
		for (k = 0; k < nranks; k++)
			b->cells[k + 1] = xasprintf("%ld", k);
		b->nrows = 1;
	}
	for (k = 0; k < nranks; k++) {
		if (b != NULL) {
			cell[k][0] = xasprintf("%ld", k);
			for (j = 1; j <= nranks; j++)
				if (cell[k][j] == NULL)
					cell[k][j] = xstrdup("-");
			report_row(b, (const char *const *)cell[k]);
		}
		for (j = 0; j <= nranks; j++)
			free(cell[k][j]);
		free(cell[k]);
	}
	free(cell);
}

static void
distributions(struct report_content *c, const json_t *fleet)
{
	struct report_block *b = report_table(c, 9, "probe", "metric",
	    "nodes", "n", "min", "p50", "p99", "max", "outlier nodes (z)");
	const json_t *stats = json_object_get(fleet, "stats"), *s, *o;
	size_t i, k;

	json_array_foreach(stats, i, s) {
		const json_t *d = json_object_get(s, "distribution");
		const char *unit = report_str(s, "unit");
		char nodes[16], n[32], v[4][32], out[256] = "";
		char *label = series_label(stats, s);
		const char *row[9];
		static const char *const key[4] = { "min", "p50", "p99", "max" };
		size_t len = 0;

		snprintf(nodes, sizeof(nodes), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(s, "nodes")));
		snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(s, "count")));
		for (k = 0; k < 4; k++)
			units_format(report_num(d, key[k]), unit, v[k],
			    sizeof(v[k]));
		json_array_foreach(json_object_get(s, "outliers"), k, o)
			len += (size_t)snprintf(out + len, len < sizeof(out) ?
			    sizeof(out) - len : 0, "%s%" JSON_INTEGER_FORMAT
			    " (%.1f)", k ? ", " : "", json_integer_value(
			    json_object_get(o, "rank")), report_num(o, "z"));
		row[0] = report_str(s, "id");
		row[1] = label + strlen(row[0]) + 1;
		row[2] = nodes;
		row[3] = n;
		row[4] = v[0];
		row[5] = v[1];
		row[6] = v[2];
		row[7] = v[3];
		row[8] = out[0] ? out : "none";
		report_row(b, row);
		free(label);
	}
}

void
report_fleet_section(struct report_content *c, const struct report_run *r)
{
	const json_t *fleet = json_object_get(r->doc, "fleet");
	const json_t *nodes = json_object_get(fleet, "nodes"), *n;
	size_t i, lost = 0;

	if (!json_is_object(fleet))
		return;
	json_array_foreach(nodes, i, n)
		lost += strcmp(report_str(n, "status"), "lost") == 0;
	report_heading(c, 2, "Fleet");
	report_para(c, "%zu ranks, %zu lost; %zu hardware fingerprint "
	    "group(s). A node is an outlier when the robust z of its median "
	    "(median/MAD over the nodes, of the logarithm for positive "
	    "values) is beyond %.3g.", json_array_size(nodes), lost,
	    json_array_size(json_object_get(fleet, "groups")),
	    report_num(fleet, "outlier_z"));
	nodes_table(c, fleet);
	if (json_array_size(json_object_get(fleet, "stats")) == 0)
		return;
	report_heading(c, 3, "Nodes x metrics");
	report_para(c, "Each node's median over the median node's (1.00: "
	    "typical).%s", json_array_size(json_object_get(fleet, "stats")) >
	    FLEET_HEAT_MAX ? " The first 12 metrics." : "");
	heatmap(c, fleet);
	report_heading(c, 3, "Fleet distributions");
	report_para(c, "Every node's samples in one histogram (merged, not "
	    "averaged).");
	distributions(c, fleet);
	pair_matrix(c, r, "network.mpi_pingpong", "latency",
	    "Node pairs: MPI latency (median, one way)");
	pair_matrix(c, r, "network.mpi_bandwidth", "bandwidth",
	    "Node pairs: MPI bandwidth (median)");
}

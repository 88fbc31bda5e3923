/*
** compare.c - `dyno compare BASE NEW`: pair the records of two runs, give
** every metric a verdict (compare_stats.c) and print them as a text
** table, a Markdown table or JSON.
*/
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "compare.h"
#include "fleet_compare.h"
#include "compare_stats.h"
#include "rundoc.h"
#include "units.h"
#include "xmalloc.h"

#define COMPARE_SEED 20261123u
#define COMPARE_REPLICATES 2000u

/* One line of the comparison: a metric of a probe pair, or the probe
** alone when it has no metric to show. */
struct compare_row {
	const json_t *base, *new;  /* the records; either may be NULL */
	const char *id;
	char *params;              /* "k=v k=v", owned */
	const char *metric;        /* NULL: the probe has none to show */
	const char *unit, *better;
	int have_stats;            /* res holds numbers */
	struct compare_result res;
};

struct compare_ctx {
	const char *base_path, *new_path;
	struct compare_opts o;
	enum compare_format format;
	int ignore_host;
	const json_t *docs[2];     /* base, new */
	const char *host_warning;  /* the fingerprint line, or NULL */
	char host_msg[256];
	struct compare_row *rows;
	size_t nrows, cap;
};

/* Whether params key k tells records of probe id apart: some record of
** the same id, in either run, has another value for it (or none).  Only
** those are shown; a resolved record lists every default too. */
static int
distinguishes(const struct compare_ctx *c, const char *id, const char *k,
	      const json_t *v)
{
	for (int d = 0; d < 2; d++) {
		const json_t *rs = json_object_get(c->docs[d], "results"), *r;
		size_t i;

		json_array_foreach(rs, i, r) {
			const char *rid = json_string_value(json_object_get(r,
								"id"));
			const json_t *o = json_object_get(json_object_get(r,
							      "params"), k);

			if (strcmp(rid, id) == 0 && (o == NULL || !json_equal(o, v)))
				return 1;
		}
	}
	return 0;
}

static struct compare_row *
add_row(struct compare_ctx *c, const json_t *base, const json_t *new,
	const char *metric)
{
	const json_t *rec = base ? base : new;
	const json_t *params = json_object_get(rec, "params");
	const json_t *inst = json_object_get(rec, "instance");
	char *node = fleet_compare_node(rec);
	struct compare_row *r;
	const char *k;
	json_t *v;
	size_t len = 0, cap = 64;
	char *s = xmalloc(cap);

	if (c->nrows == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->rows = xreallocarray(c->rows, c->cap, sizeof *c->rows);
	}
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof *r);
	r->base = base;
	r->new = new;
	r->id = json_string_value(json_object_get(rec, "id"));
	r->metric = metric;
	s[0] = '\0';
	/* The instance of dyno.concurrent goes first: it tells the copies
	** of one probe apart. */
	if (inst != NULL) {
		char *d = json_dumps(inst, JSON_ENCODE_ANY | JSON_COMPACT);

		free(s);
		s = xasprintf("instance=%s", d ? d : "?");
		free(d);
		len = strlen(s);
		cap = len + 1;
	}
	/* A fleet run's node, likewise. */
	if (node != NULL) {
		char *t = xasprintf("%s%snode=%s", s, len ? " " : "", node);

		free(s);
		s = t;
		len = strlen(s);
		cap = len + 1;
		free(node);
	}
	json_object_foreach((json_t *)params, k, v) {
		char *d;
		size_t need;

		if (!distinguishes(c, r->id, k, v))
			continue;
		d = json_is_string(v) ? xstrdup(json_string_value(v))
		    : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
				 JSON_REAL_PRECISION(9));
		need = len + strlen(k) + strlen(d ? d : "") + 3;

		if (need > cap) {
			cap = 2 * need;
			s = xrealloc(s, cap);
		}
		len += (size_t)sprintf(s + len, "%s%s=%s", len ? " " : "", k,
				       d ? d : "");
		free(d);
	}
	r->params = s;
	return r;
}

static void set_verdict(struct compare_row *r, enum compare_verdict v,
			const char *fmt, ...) DYNO_PRINTF(3, 4);

static void
set_verdict(struct compare_row *r, enum compare_verdict v, const char *fmt,
	    ...)
{
	va_list ap;

	r->res.verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->res.why, sizeof r->res.why, fmt, ap);
	va_end(ap);
}

/* The key records pair on: id, resolved params, and instance when there
** is one.  json_dumps with sorted keys makes {a,b} and {b,a} equal. */
static char *
pair_key(const json_t *rec)
{
	char *p = json_dumps(json_object_get(rec, "params"),
			     JSON_SORT_KEYS | JSON_COMPACT);
	const json_t *inst = json_object_get(rec, "instance");
	char *i = inst ? json_dumps(inst, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	char *node = fleet_compare_node(rec);
	char *k = xasprintf("%s\n%s\n%s\n%s",
	    json_string_value(json_object_get(rec, "id")), p ? p : "",
	    i ? i : "", node ? node : "");

	free(p);
	free(i);
	free(node);
	return k;
}

/* The index of the occ-th record (from 0) of results whose key is key,
** or -1. */
static long
find_occurrence(char **keys, size_t n, const char *key, size_t occ)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0 && occ-- == 0)
			return (long)i;
	return -1;
}

static char **
keys_of(const json_t *results)
{
	size_t n = json_array_size(results);
	char **k = xmalloc((n ? n : 1) * sizeof *k);

	for (size_t i = 0; i < n; i++)
		k[i] = pair_key(json_array_get(results, i));
	return k;
}

/* Rows for a record present on one side only, or whose status is not ok
** on one side: every metric either side has, with the same verdict. */
static void
rows_not_comparable(struct compare_ctx *c, const json_t *b, const json_t *n,
		    const char *why)
{
	const json_t *mb = json_object_get(b, "metrics");
	const json_t *mn = json_object_get(n, "metrics");
	const char *k;
	json_t *v;
	size_t before = c->nrows;

	json_object_foreach((json_t *)mb, k, v)
		set_verdict(add_row(c, b, n, k), COMPARE_NOT_COMPARABLE, "%s", why);
	json_object_foreach((json_t *)mn, k, v)
		if (json_object_get(mb, k) == NULL)
			set_verdict(add_row(c, b, n, k), COMPARE_NOT_COMPARABLE,
				    "%s", why);
	if (c->nrows == before)
		set_verdict(add_row(c, b, n, NULL), COMPARE_NOT_COMPARABLE, "%s",
			    why);
}

/* Compare metric name of two ok records.  Returns 0, or -1 with err set. */
static int
compare_one(struct compare_ctx *c, const json_t *b, const json_t *n,
	    const char *name, struct dyno_err *err)
{
	const json_t *mb = json_object_get(json_object_get(b, "metrics"), name);
	const json_t *mn = json_object_get(json_object_get(n, "metrics"), name);
	struct compare_row *r = add_row(c, b, n, name);
	struct rundoc_dist db, dn;
	int bins;

	if (mb == NULL || mn == NULL) {
		set_verdict(r, COMPARE_NOT_COMPARABLE, "metric only in %s run",
			    mb ? "the base" : "the new");
		return 0;
	}
	r->unit = json_string_value(json_object_get(mb, "unit"));
	r->better = json_string_value(json_object_get(mb, "better"));
	if (strcmp(r->unit, json_string_value(json_object_get(mn, "unit")))) {
		set_verdict(r, COMPARE_NOT_COMPARABLE, "unit differs: %s in base, "
		    "%s in new", *r->unit ? r->unit : "(none)",
		    *json_string_value(json_object_get(mn, "unit"))
			? json_string_value(json_object_get(mn, "unit"))
			: "(none)");
		return 0;
	}
	if (strcmp(r->better, json_string_value(json_object_get(mn, "better")))) {
		set_verdict(r, COMPARE_NOT_COMPARABLE, "better differs: %s is "
		    "better in base, %s in new", r->better,
		    json_string_value(json_object_get(mn, "better")));
		return 0;
	}
	/* Samples against a histogram: bin the samples too, so ranks and
	** medians are taken at the same resolution on both sides. */
	bins = json_object_get(mb, "samples") == NULL ||
	       json_object_get(mn, "samples") == NULL;
	if (rundoc_metric_dist(mb, bins, &db, err) < 0)
		return -1;
	if (rundoc_metric_dist(mn, bins, &dn, err) < 0) {
		rundoc_dist_free(&db);
		return -1;
	}
	compare_metric(&db, &dn, strcmp(r->better, "lower") == 0, &c->o,
		       &r->res);
	r->have_stats = 1;
	if (db.count == 0 && dn.count == 0 &&
	    (json_integer_value(json_object_get(mb, "n")) > 0 ||
	     json_integer_value(json_object_get(mn, "n")) > 0))
		snprintf(r->res.why, sizeof r->res.why, "neither run kept its "
		    "samples or histogram");
	rundoc_dist_free(&db);
	rundoc_dist_free(&dn);
	if (c->host_warning && !c->ignore_host)
		set_verdict(r, COMPARE_NOT_COMPARABLE, "different hardware "
		    "fingerprint");
	return 0;
}

static const char *
status_of(const json_t *rec)
{
	return json_string_value(json_object_get(rec, "status"));
}

/* Fill c->rows from the two documents. */
static int
compare_docs(struct compare_ctx *c, const json_t *bdoc, const json_t *ndoc,
	     struct dyno_err *err)
{
	const json_t *br = json_object_get(bdoc, "results");
	const json_t *nr = json_object_get(ndoc, "results");
	size_t nb = json_array_size(br), nn = json_array_size(nr);
	char **bk = keys_of(br), **nk = keys_of(nr);
	char *used = xcalloc(nn ? nn : 1, 1);
	int rc = 0;

	for (size_t i = 0; i < nb && rc == 0; i++) {
		const json_t *b = json_array_get(br, i), *n, *mb, *mn;
		size_t occ = 0;
		long j;
		const char *k;
		json_t *v;

		for (size_t h = 0; h < i; h++)
			occ += strcmp(bk[h], bk[i]) == 0;
		j = find_occurrence(nk, nn, bk[i], occ);
		if (j < 0) {
			rows_not_comparable(c, b, NULL, "probe only in the base "
			    "run");
			continue;
		}
		used[j] = 1;
		n = json_array_get(nr, (size_t)j);
		if (strcmp(status_of(b), "ok") != 0 ||
		    strcmp(status_of(n), "ok") != 0) {
			int base_bad = strcmp(status_of(b), "ok") != 0;
			const json_t *bad = base_bad ? b : n;
			const char *msg = json_string_value(json_object_get(bad,
							    "message"));
			char *why = xasprintf("status %s in the %s run%s%.80s",
			    status_of(bad), base_bad ? "base" : "new",
			    *msg ? ": " : "", msg);

			rows_not_comparable(c, b, n, why);
			free(why);
			continue;
		}
		mb = json_object_get(b, "metrics");
		mn = json_object_get(n, "metrics");
		json_object_foreach((json_t *)mb, k, v)
			if ((rc = compare_one(c, b, n, k, err)) < 0)
				break;
		json_object_foreach((json_t *)mn, k, v)
			if (rc == 0 && json_object_get(mb, k) == NULL)
				rc = compare_one(c, b, n, k, err);
	}
	for (size_t j = 0; j < nn && rc == 0; j++)
		if (!used[j])
			rows_not_comparable(c, NULL, json_array_get(nr, j),
			    "probe only in the new run");
	free(used);
	xfree_strv(bk, nb);
	xfree_strv(nk, nn);
	return rc;
}

/* ---- output ---------------------------------------------------------- */

static const char *
fmt_value(double v, const char *unit, char *buf, size_t n)
{
	if (isnan(v))
		return "-";
	return units_format(v, unit ? unit : "", buf, n);
}

/* A ratio ("%.3f") or, with p set, a p-value ("%.2g"). */
static const char *
fmt_num(int p, double v, char *buf, size_t n)
{
	if (isnan(v))
		return "-";
	if (isinf(v))
		return v > 0 ? "inf" : "-inf";
	if (p && v < 1e-300)
		snprintf(buf, n, "<1e-300");	/* erfc underflows to 0 */
	else if (p)
		snprintf(buf, n, "%.2g", v);
	else
		snprintf(buf, n, "%.3f", v);
	return buf;
}

enum { COL_PROBE, COL_PARAMS, COL_METRIC, COL_BASE, COL_NEW, COL_RATIO,
       COL_CI, COL_P, COL_VERDICT, NCOLS };

static const char *const col_title[NCOLS] = {
	"probe", "params", "metric", "base", "new", "ratio", "95% CI", "p",
	"verdict"
};

/* The cells of row r, in buffers of 64 bytes (params is longer and
** comes back as the row's own string). */
static void
cells(const struct compare_row *r, char buf[NCOLS][64], const char *cell[NCOLS])
{
	const struct compare_result *s = &r->res;
	char lo[24], hi[24];

	cell[COL_PROBE] = r->id;
	cell[COL_PARAMS] = *r->params ? r->params : "-";
	cell[COL_METRIC] = r->metric ? r->metric : "-";
	cell[COL_BASE] = cell[COL_NEW] = cell[COL_RATIO] = cell[COL_CI] =
	    cell[COL_P] = "-";
	if (r->have_stats) {
		cell[COL_BASE] = fmt_value(s->median_base, r->unit,
					   buf[COL_BASE], 64);
		cell[COL_NEW] = fmt_value(s->median_new, r->unit,
					  buf[COL_NEW], 64);
		cell[COL_RATIO] = fmt_num(0, s->ratio, buf[COL_RATIO], 64);
		if (!isnan(s->ci_lo)) {
			snprintf(buf[COL_CI], 64, "[%s, %s]",
			    fmt_num(0, s->ci_lo, lo, sizeof lo),
			    fmt_num(0, s->ci_hi, hi, sizeof hi));
			cell[COL_CI] = buf[COL_CI];
		}
		cell[COL_P] = fmt_num(1, s->mw.p, buf[COL_P], 64);
	}
	cell[COL_VERDICT] = compare_verdict_name(s->verdict);
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

struct compare_tally {
	size_t count[COMPARE_NVERDICTS];
	const struct compare_row *worst;   /* the worst regression */
};

static void
tally(const struct compare_ctx *c, struct compare_tally *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];

		t->count[r->res.verdict]++;
		if (r->res.verdict == COMPARE_REGRESSED &&
		    (t->worst == NULL || r->res.worse > t->worst->res.worse))
			t->worst = r;
	}
}

/* "2 regressed, 5 unchanged" in the verdicts' order; "no metrics". */
static void
counts_line(const struct compare_tally *t, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int v = 0; v < COMPARE_NVERDICTS; v++)
		if (t->count[v] && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%zu %s",
			    len ? ", " : "", t->count[v],
			    compare_verdict_name((enum compare_verdict)v));
	if (len == 0)
		snprintf(buf, n, "no metrics to compare");
}

static void
exit_line(const struct compare_ctx *c, const struct compare_tally *t,
	  char *buf, size_t n)
{
	if (t->worst) {
		const struct compare_row *w = t->worst;

		snprintf(buf, n, "exit 1: %zu metric%s regressed beyond %g%% with "
		    "p < %g (worst: %s %s, %.1f%% worse, p=%.2g)",
		    t->count[COMPARE_REGRESSED],
		    t->count[COMPARE_REGRESSED] == 1 ? "" : "s",
		    100.0 * c->o.max_regression, c->o.alpha, w->id, w->metric,
		    100.0 * w->res.worse, w->res.mw.p);
	} else {
		snprintf(buf, n, "exit 0: no metric regressed beyond %g%% with "
		    "p < %g", 100.0 * c->o.max_regression, c->o.alpha);
	}
}

static void
print_text(const struct compare_ctx *c, FILE *fp)
{
	size_t w[NCOLS];
	char buf[NCOLS][64], line[512];
	const char *cell[NCOLS];
	struct compare_tally t;

	if (c->host_warning)
		fprintf(fp, "warning: %s\n", c->host_warning);
	for (int k = 0; k < NCOLS; k++)
		w[k] = width(col_title[k]);
	for (size_t i = 0; i < c->nrows; i++) {
		cells(&c->rows[i], buf, cell);
		for (int k = 0; k < NCOLS; k++)
			if (width(cell[k]) > w[k])
				w[k] = width(cell[k]);
	}
	for (size_t i = 0; i <= c->nrows; i++) {
		if (i == 0)
			memcpy(cell, col_title, sizeof cell);
		else
			cells(&c->rows[i - 1], buf, cell);
		for (int k = 0; k < NCOLS; k++) {
			/* Numbers right-aligned, words left-aligned. */
			int right = k >= COL_BASE && k <= COL_P;
			size_t pad = w[k] - width(cell[k]);

			if (right)
				fprintf(fp, "%*s", (int)pad, "");
			fputs(cell[k], fp);
			if (k + 1 < NCOLS && !right)
				fprintf(fp, "%*s", (int)pad, "");
			if (k + 1 < NCOLS)
				fputs("  ", fp);
		}
		if (i > 0 && *c->rows[i - 1].res.why)
			fprintf(fp, " (%s)", c->rows[i - 1].res.why);
		fputc('\n', fp);
	}
	tally(c, &t);
	counts_line(&t, line, sizeof line);
	fprintf(fp, "\n%s\n", line);
	exit_line(c, &t, line, sizeof line);
	fprintf(fp, "%s\n", line);
}

/* A Markdown cell: pipes escaped, so params cannot break the table. */
static void
md_cell(FILE *fp, const char *s)
{
	fputs("| ", fp);
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc(' ', fp);
}

static void
print_md(const struct compare_ctx *c, FILE *fp)
{
	char buf[NCOLS][64], line[512], verdict[256];
	const char *cell[NCOLS];
	struct compare_tally t;
	static const char *const icon[COMPARE_NVERDICTS] = {
		[COMPARE_IMPROVED] = "✅ ", [COMPARE_REGRESSED] = "❌ ",
		[COMPARE_UNCHANGED] = "", [COMPARE_INCONCLUSIVE] = "❔ ",
		[COMPARE_NOT_COMPARABLE] = "⚠️ ",
	};

	tally(c, &t);
	fprintf(fp, "### dyno compare: `%s` → `%s`\n\n", c->base_path,
		c->new_path);
	if (c->host_warning)
		fprintf(fp, "> **Warning:** %s\n\n", c->host_warning);
	fputs("| Probe | Params | Metric | Base | New | Ratio | 95% CI | p "
	      "| Verdict |\n|---|---|---|--:|--:|--:|--:|--:|---|\n", fp);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];

		cells(r, buf, cell);
		snprintf(verdict, sizeof verdict, "%s**%s**%s%s%s",
		    icon[r->res.verdict], cell[COL_VERDICT],
		    *r->res.why ? " (" : "", r->res.why, *r->res.why ? ")" : "");
		cell[COL_VERDICT] = verdict;
		for (int k = 0; k < NCOLS; k++) {
			if (k == COL_PROBE || k == COL_METRIC) {
				fputs("| `", fp);
				fputs(cell[k], fp);
				fputs("` ", fp);
			} else {
				md_cell(fp, cell[k]);
			}
		}
		fputs("|\n", fp);
	}
	counts_line(&t, line, sizeof line);
	fprintf(fp, "\n**Summary:** %s.  \n", line);
	exit_line(c, &t, line, sizeof line);
	fprintf(fp, "%s\n", line);
}

/* A number, or null where JSON has none (NAN, infinity). */
static json_t *
jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
side_json(const json_t *rec, const struct compare_row *r, int base)
{
	const struct compare_result *s = &r->res;

	if (rec == NULL)
		return json_null();
	return json_pack("{s:O?, s:o, s:o}",
	    "status", json_object_get(rec, "status"),
	    "n", r->have_stats ? json_integer((json_int_t)(base ? s->n_base
							       : s->n_new))
				: json_null(),
	    "median", r->have_stats ? jnum(base ? s->median_base
						: s->median_new)
				     : json_null());
}

static void
print_json(const struct compare_ctx *c, FILE *fp)
{
	json_t *doc, *rows = json_array(), *warn = json_array(), *counts;
	struct compare_tally t;
	char line[512];

	tally(c, &t);
	if (c->host_warning)
		json_array_append_new(warn, json_string(c->host_warning));
	for (size_t i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];
		const struct compare_result *s = &r->res;
		const json_t *rec = r->base ? r->base : r->new;
		json_t *row;
		char *node;

		row = json_pack("{s:s, s:O, s:s?, s:s?, s:s?, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:o, s:s, s:s}",
		    "id", r->id,
		    "params", json_object_get(rec, "params"),
		    "metric", r->metric, "unit", r->unit, "better", r->better,
		    "base", side_json(r->base, r, 1),
		    "new", side_json(r->new, r, 0),
		    "ratio", r->have_stats ? jnum(s->ratio) : json_null(),
		    "worse", r->have_stats ? jnum(s->worse) : json_null(),
		    "ci95", r->have_stats && !isnan(s->ci_lo)
			? json_pack("[o, o]", jnum(s->ci_lo), jnum(s->ci_hi))
			: json_null(),
		    "p", r->have_stats ? jnum(s->mw.p) : json_null(),
		    "p_exact", json_boolean(r->have_stats && s->mw.exact),
		    "verdict", compare_verdict_name(s->verdict),
		    "reason", s->why);
		if (json_object_get(rec, "instance"))
			json_object_set(row, "instance",
					json_object_get(rec, "instance"));
		if ((node = fleet_compare_node(rec)) != NULL)
			json_object_set_new(row, "node", json_string(node));
		free(node);
		json_array_append_new(rows, row);
	}
	counts = json_object();
	for (int v = 0; v < COMPARE_NVERDICTS; v++)
		json_object_set_new(counts,
		    compare_verdict_name((enum compare_verdict)v),
		    json_integer((json_int_t)t.count[v]));
	exit_line(c, &t, line, sizeof line);
	doc = json_pack("{s:i, s:s, s:s, s:s, s:{s:f, s:f, s:I, s:i, s:b}, "
	    "s:o, s:o, s:{s:o, s:i, s:s}}",
	    "schema", 1, "kind", "dyno.compare",
	    "base", c->base_path, "new", c->new_path,
	    "options", "max_regression", c->o.max_regression,
	    "alpha", c->o.alpha, "seed", (json_int_t)c->o.seed,
	    "replicates", (int)c->o.replicates, "ignore_host", c->ignore_host,
	    "warnings", warn, "comparisons", rows,
	    "summary", "counts", counts, "exit", t.worst ? 1 : 0,
	    "exit_reason", line);
	if (doc != NULL) {
		json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			   JSON_REAL_PRECISION(9));
		fputc('\n', fp);
	}
	json_decref(doc);
}

/* ---- the command ----------------------------------------------------- */

void
compare_args_default(struct compare_args *a)
{
	memset(a, 0, sizeof *a);
	a->o.max_regression = 0.05;
	a->o.alpha = 0.05;
	a->o.replicates = COMPARE_REPLICATES;
	a->o.seed = COMPARE_SEED;
	a->format = COMPARE_TEXT;
}

int
compare_runs(const struct compare_args *a)
{
	struct compare_ctx c;
	struct dyno_err e;
	json_t *bdoc = NULL, *ndoc = NULL;
	int rc = 2;
	struct compare_tally t;
	const char *fb, *fn;

	memset(&c, 0, sizeof c);
	c.base_path = a->base_path;
	c.new_path = a->new_path;
	c.o = a->o;
	c.format = a->format;
	c.ignore_host = a->ignore_host;
	if ((bdoc = rundoc_load(c.base_path, &e)) == NULL ||
	    (ndoc = rundoc_load(c.new_path, &e)) == NULL) {
		fprintf(stderr, "dyno: compare: %s\n", e.msg);
		goto out;
	}
	fleet_compare_prepare(bdoc);
	fleet_compare_prepare(ndoc);
	c.docs[0] = bdoc;
	c.docs[1] = ndoc;
	fb = rundoc_fingerprint(bdoc);
	fn = rundoc_fingerprint(ndoc);
	if (*fb && *fn && strcmp(fb, fn) != 0) {
		snprintf(c.host_msg, sizeof c.host_msg, "the runs are from "
		    "different hardware (fingerprint %s in %s, %s in %s): %s",
		    fb, c.base_path, fn, c.new_path, c.ignore_host
			? "compared anyway (--ignore-host)"
			: "every metric is not comparable; --ignore-host "
			  "compares them anyway");
		c.host_warning = c.host_msg;
	}
	if (compare_docs(&c, bdoc, ndoc, &e) < 0) {
		fprintf(stderr, "dyno: compare: %s\n", e.msg);
		goto out;
	}
	if (c.host_warning && c.format != COMPARE_TEXT)
		fprintf(stderr, "dyno: compare: warning: %s\n", c.host_warning);
	if (c.format == COMPARE_JSON)
		print_json(&c, stdout);
	else if (c.format == COMPARE_MD)
		print_md(&c, stdout);
	else
		print_text(&c, stdout);
	tally(&c, &t);
	rc = t.worst ? 1 : 0;
out:
	for (size_t i = 0; i < c.nrows; i++)
		free(c.rows[i].params);
	free(c.rows);
	json_decref(bdoc);
	json_decref(ndoc);
	return rc;
}

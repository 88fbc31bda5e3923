/*
** report_prom.c - Prometheus text exposition format (version 0.0.4) of a
** run, for a textfile collector or a push gateway: one gauge family per
** metric and unit (dyno_<metric>_<unit>), one series per record and
** statistic, labelled probe, params, stat, unit and fingerprint (and in
** a fleet document node, rank, hostname and group: the node's own
** fingerprint); and dyno_check_passed per check.  Families get one HELP and TYPE each, and
** no two series repeat a label set (a record that repeats an earlier
** probe with the same parameters gets a repeat label).
*/
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_formats.h"
#include "rundoc.h"
#include "strbuf.h"
#include "xmalloc.h"

static const char *const stats[] = {
	"n", "min", "max", "mean", "stddev", "median", "mad", "p90", "p95",
	"p99", "p999", "cv", "ci95_low", "ci95_high", NULL
};

/*
** Prometheus's suffix for a unit, in base units spelled out, and the
** factor from the unit to that base: s -> seconds, B -> bytes, B/s ->
** bytes_per_second, % -> ratio (x0.01), ms -> seconds (x0.001), X/s ->
** Xs_per_second (op/s -> ops_per_second, FLOP/s -> flops_per_second),
** "" -> "".  Never the unit string itself: promtool refuses abbreviated
** units in names.
*/
static double
unit_suffix(const char *unit, char *buf, size_t n)
{
	static const struct { const char *unit, *suffix; double scale; } map[] = {
		{ "s", "seconds", 1 }, { "ms", "seconds", 1e-3 },
		{ "us", "seconds", 1e-6 }, { "ns", "seconds", 1e-9 },
		{ "B", "bytes", 1 }, { "B/s", "bytes_per_second", 1 },
		{ "%", "ratio", 0.01 }, { "Hz", "hertz", 1 },
		{ "W", "watts", 1 }, { "J", "joules", 1 }, { "", "", 1 },
	};
	size_t i, k = 0, ul = strlen(unit);
	int rate = ul > 2 && strcmp(unit + ul - 2, "/s") == 0;

	for (i = 0; i < sizeof map / sizeof *map; i++)
		if (strcmp(unit, map[i].unit) == 0) {
			snprintf(buf, n, "%s", map[i].suffix);
			return map[i].scale;
		}
	if (rate)
		ul -= 2;
	for (i = 0; i < ul && k + 1 < n; i++)
		buf[k++] = isalnum((unsigned char)unit[i]) ?
			   (char)tolower((unsigned char)unit[i]) : '_';
	/* a count per second: the counted thing in the plural */
	if (rate && k > 0 && buf[k - 1] != 's' && k + 1 < n)
		buf[k++] = 's';
	buf[k] = '\0';
	if (rate)
		snprintf(buf + k, n - k, "_per_second");
	return 1;
}

/* The abbreviated units promtool refuses as a word of a name, and the
** word that replaces them. */
static const char *
unabbreviate(const char *w, size_t len, int after_per)
{
	static const char *const map[][2] = {
		{ "s", "seconds" }, { "sec", "seconds" }, { "ms", "seconds" },
		{ "us", "seconds" }, { "ns", "seconds" }, { "b", "bytes" },
		{ "kb", "bytes" }, { "mb", "bytes" }, { "gb", "bytes" },
		{ "tb", "bytes" }, { "pb", "bytes" }, { "m", "minutes" },
		{ "h", "hours" }, { "d", "days" },
	};

	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (strlen(map[i][0]) == len && memcmp(w, map[i][0], len) == 0)
			/* "per_s" is "per_second", not "per_seconds" */
			return after_per && strcmp(map[i][1], "seconds") == 0 ?
			       "second" : map[i][1];
	return NULL;
}

/* Does s end with the word sequence t ("a_b" ends with "b", not "_b"
** inside a word)? */
static int
ends_with_words(const char *s, const char *t, size_t tl)
{
	size_t sl = strlen(s);

	return tl == 0 || (sl >= tl && memcmp(s + sl - tl, t, tl) == 0 &&
			   (sl == tl || s[sl - tl - 1] == '_'));
}

/*
** The family of a metric: dyno_<metric>_<suffix>, with the metric's
** characters outside [a-z0-9_] made '_' and its abbreviated unit words
** spelled out (epochs_per_s -> epochs_per_second), and only the part of
** the suffix the name does not already end with (epochs_per_second with
** epochs_per_second adds nothing, flops with flops_per_second adds
** per_second).  A name ending in a suffix promtool keeps for counters,
** histograms and summaries (_total, _count, _sum, _bucket) gets _value.
** Returns the factor from the metric's unit to the family's.
*/
static double
family_name(const char *metric, const char *unit, char *buf, size_t n)
{
	static const char *const reserved[] = { "total", "count", "sum",
						"bucket" };
	struct strbuf b = STRBUF_INIT;
	char suf[64];
	double scale = unit_suffix(unit, suf, sizeof suf);
	const char *w = metric, *e;
	int after_per = 0;
	size_t sl = strlen(suf), j;

	strbuf_addstr(&b, "dyno");
	for (; *w; w = *e ? e + 1 : e) {
		size_t len;
		const char *full;

		for (e = w; *e && *e != '_'; e++)
			;
		len = (size_t)(e - w);
		if (len == 0)
			continue;
		strbuf_addstr(&b, "_");
		if ((full = unabbreviate(w, len, after_per)) != NULL) {
			strbuf_addstr(&b, full);
		} else {
			for (size_t i = 0; i < len; i++) {
				char c = (char)tolower((unsigned char)w[i]);

				if (!isalnum((unsigned char)c))
					c = '_';
				strbuf_add(&b, &c, 1);
			}
		}
		after_per = len == 3 && memcmp(w, "per", 3) == 0;
	}
	/* the longest head of the suffix (whole words) the name ends with */
	for (j = sl; j > 0; j--)
		if ((suf[j] == '\0' || suf[j] == '_') &&
		    ends_with_words(b.s, suf, j))
			break;
	if (suf[j] == '_')
		j++;
	if (suf[j] != '\0') {
		strbuf_addstr(&b, "_");
		strbuf_addstr(&b, suf + j);
	}
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
		if (ends_with_words(b.s, reserved[i], strlen(reserved[i]))) {
			strbuf_addstr(&b, "_value");
			break;
		}
	snprintf(buf, n, "%s", b.s);
	strbuf_fini(&b);
	return scale;
}

/* A label value: backslash, quote and newline escaped. */
static void
lv(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', fp);
		if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/*
** A fleet document's record or verdict: its node's labels, node (host,
** or host#place among the host's ranks, as dyno compare names it), rank,
** hostname and group (g and the node's fingerprint, as dyno tune --fleet
** names groups), and the node's own fingerprint in place of rank 0's.
** Other records: the document's fingerprint alone.
*/
static void
node_labels(FILE *fp, const struct report_run *r, const json_t *rec,
	    const char *fpr)
{
	const json_t *node = json_object_get(rec, "node"), *n;
	const char *host, *nfp;
	json_int_t rank, local;

	if (!json_is_object(node)) {
		fputs("\",fingerprint=\"", fp);
		lv(fp, fpr);
		return;
	}
	host = json_string_value(json_object_get(node, "hostname"));
	rank = json_integer_value(json_object_get(node, "rank"));
	local = json_integer_value(json_object_get(node, "local"));
	n = json_array_get(json_object_get(json_object_get(r->doc, "fleet"),
	    "nodes"), (size_t)rank);
	nfp = json_string_value(json_object_get(n, "fingerprint"));
	fputs("\",fingerprint=\"", fp);
	lv(fp, nfp ? nfp : fpr);
	fputs("\",node=\"", fp);
	lv(fp, host ? host : "?");
	if (local > 0)
		fprintf(fp, "#%" JSON_INTEGER_FORMAT, local);
	fprintf(fp, "\",rank=\"%" JSON_INTEGER_FORMAT "\",hostname=\"", rank);
	lv(fp, host ? host : "?");
	fputs("\",group=\"", fp);
	if (nfp) {
		fputc('g', fp);
		lv(fp, nfp);
	}
}

/* HELP text: backslash and newline escaped. */
static void
help(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static const json_t *
stat_value(const json_t *m, const char *stat)
{
	if (strncmp(stat, "ci95_", 5) == 0)
		return json_array_get(json_object_get(m, "ci95"),
				      stat[5] == 'l' ? 0 : 1);
	return json_object_get(m, stat);
}

/* A statistic in the family's unit: scale is the factor from the
** metric's unit (n and cv have none). */
static void
number(FILE *fp, const json_t *v, const char *stat, double scale)
{
	if (scale != 1 && strcmp(stat, "n") != 0 && strcmp(stat, "cv") != 0)
		fprintf(fp, "%.9g\n", json_number_value(v) * scale);
	else if (json_is_integer(v))
		fprintf(fp, "%" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
	else
		fprintf(fp, "%.9g\n", json_number_value(v));
}

void
report_prom(FILE *fp, const struct report_run *r)
{
	const char *fpr = rundoc_fingerprint(r->doc);
	char **fams = xcalloc(1, sizeof *fams);
	size_t nf = 0, f, i;
	unsigned *rep = xcalloc(r->nres + 1, sizeof *rep);

	/* How many earlier records ran the same probe with the same
	** parameters: a label keeps their series apart. */
	for (i = 0; i < r->nres; i++) {
		const json_t *a = json_array_get(r->results, i);

		rep[i] = 1;
		for (size_t j = 0; j < i; j++) {
			const json_t *b = json_array_get(r->results, j);

			/* A fleet's nodes are told apart by their labels. */
			if (strcmp(report_str(a, "id"), report_str(b, "id")) == 0 &&
			    json_equal(json_object_get(a, "params"),
				       json_object_get(b, "params")) &&
			    json_equal(json_object_get(json_object_get(a, "node"),
				"rank"), json_object_get(json_object_get(b,
				"node"), "rank")))
				rep[i]++;
		}
	}
	/* Families in the order they first appear. */
	for (i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		const char *name;
		const json_t *m;

		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    name, m) {
			char fam[256];

			family_name(name, report_str(m, "unit"), fam, sizeof fam);
			for (f = 0; f < nf && strcmp(fams[f], fam) != 0; f++)
				;
			if (f < nf)
				continue;
			fams = xreallocarray(fams, nf + 1, sizeof *fams);
			fams[nf++] = xstrdup(fam);
			fprintf(fp, "# HELP %s dyno metric ", fam);
			help(fp, name);
			fprintf(fp, " (%s%s%s is better), one series per "
				"probe run and statistic\n# TYPE %s gauge\n",
				report_str(m, "unit"),
				report_str(m, "unit")[0] ? ", " : "",
				report_str(m, "better"), fam);
			/* every series of this family, across records */
			for (size_t j = i; j < r->nres; j++) {
				const json_t *rj = json_array_get(r->results, j);
				char *params = report_params(
				    json_object_get(rj, "params"), ",");
				const char *mn;
				const json_t *mj;

				json_object_foreach(json_object_get((json_t *)rj,
				    "metrics"), mn, mj) {
					char fj[256];
					double scale = family_name(mn, report_str(mj, "unit"), fj,
						    sizeof fj);
					if (strcmp(fj, fam) != 0)
						continue;
					for (size_t s = 0; stats[s]; s++) {
						const json_t *v = stat_value(mj,
						    stats[s]);

						if (!json_is_number(v))
							continue;
						fprintf(fp, "%s{probe=\"", fam);
						lv(fp, report_str(rj, "id"));
						fputs("\",params=\"", fp);
						lv(fp, params);
						fputs("\",metric=\"", fp);
						lv(fp, mn);
						fprintf(fp, "\",stat=\"%s\",unit=\"",
							stats[s]);
						lv(fp, report_str(mj, "unit"));
						node_labels(fp, r, rj, fpr);
						if (rep[j] > 1)
							fprintf(fp, "\",repeat=\"%u",
								rep[j]);
						fputs("\"} ", fp);
						number(fp, v, stats[s], scale);
					}
				}
				free(params);
			}
		}
	}
	if (r->nverdicts > 0)
		fputs("# HELP dyno_check_passed 1 when a check passed (pass or "
		      "review), 0 when it failed or was skipped\n"
		      "# TYPE dyno_check_passed gauge\n", fp);
	for (i = 0; i < r->nverdicts; i++) {
		const json_t *v = json_array_get(r->verdicts, i);
		const char *verdict = report_str(v, "verdict");

		fputs("dyno_check_passed{probe=\"", fp);
		lv(fp, report_str(v, "id"));
		fputs("\",check=\"", fp);
		lv(fp, report_str(v, "name"));
		fputs("\",expr=\"", fp);
		lv(fp, report_str(v, "expr"));
		fprintf(fp, "\",verdict=\"%s\",index=\"%zu", verdict, i + 1);
		node_labels(fp, r, v, fpr);
		fprintf(fp, "\"} %d\n", strcmp(verdict, "pass") == 0 ||
			strcmp(verdict, "review") == 0);
	}
	for (f = 0; f < nf; f++)
		free(fams[f]);
	free(fams);
	free(rep);
}

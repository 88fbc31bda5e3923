/*
** report_prom.c - Prometheus text exposition format (version 0.0.4) of a
** run, for a textfile collector or a push gateway: one gauge family per
** metric and unit (dyno_<metric>_<unit>), one series per record and
** statistic, labelled probe, params, stat, unit and fingerprint; and
** dyno_check_passed per check.  Families get one HELP and TYPE each, and
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
#include "xmalloc.h"

static const char *const stats[] = {
	"n", "min", "max", "mean", "stddev", "median", "mad", "p90", "p95",
	"p99", "p999", "cv", "ci95_low", "ci95_high", NULL
};

/* Prometheus's name for a unit: its base units spelled out. */
static void
unit_suffix(const char *unit, char *buf, size_t n)
{
	static const char *const map[][2] = {
		{ "s", "seconds" }, { "B", "bytes" },
		{ "B/s", "bytes_per_second" }, { "op/s", "ops_per_second" },
		{ "Hz", "hertz" }, { "W", "watts" }, { "%", "percent" },
		{ "", "" },
	};
	size_t i, k = 0;

	for (i = 0; i < sizeof map / sizeof *map; i++)
		if (strcmp(unit, map[i][0]) == 0) {
			snprintf(buf, n, "%s", map[i][1]);
			return;
		}
	for (; *unit && k + 6 < n; unit++) {
		if (*unit == '/') {
			memcpy(buf + k, "_per_", 5);
			k += 5;
		} else {
			buf[k++] = isalnum((unsigned char)*unit) ?
				   (char)tolower((unsigned char)*unit) : '_';
		}
	}
	buf[k] = '\0';
}

/* dyno_<metric>[_<unit>], every character outside [a-zA-Z0-9_:] an '_'. */
static void
family_name(const char *metric, const char *unit, char *buf, size_t n)
{
	char suf[64];
	size_t k, ml = strlen(metric), sl;

	unit_suffix(unit, suf, sizeof suf);
	sl = strlen(suf);
	if (sl == 0 || (ml > sl && strcmp(metric + ml - sl, suf) == 0 &&
			metric[ml - sl - 1] == '_'))
		snprintf(buf, n, "dyno_%s", metric);
	else
		snprintf(buf, n, "dyno_%s_%s", metric, suf);
	for (k = 0; buf[k]; k++)
		if (!isalnum((unsigned char)buf[k]) && buf[k] != '_' &&
		    buf[k] != ':')
			buf[k] = '_';
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

static void
number(FILE *fp, const json_t *v)
{
	if (json_is_integer(v))
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

			if (strcmp(report_str(a, "id"), report_str(b, "id")) == 0 &&
			    json_equal(json_object_get(a, "params"),
				       json_object_get(b, "params")))
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

					family_name(mn, report_str(mj, "unit"), fj,
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
						fputs("\",fingerprint=\"", fp);
						lv(fp, fpr);
						if (rep[j] > 1)
							fprintf(fp, "\",repeat=\"%u",
								rep[j]);
						fputs("\"} ", fp);
						number(fp, v);
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
		fprintf(fp, "\",verdict=\"%s\",index=\"%zu\",fingerprint=\"",
			verdict, i + 1);
		lv(fp, fpr);
		fprintf(fp, "\"} %d\n", strcmp(verdict, "pass") == 0 ||
			strcmp(verdict, "review") == 0);
	}
	for (f = 0; f < nf; f++)
		free(fams[f]);
	free(fams);
	free(rep);
}

/*
** report_csv.c - CSV of a run (RFC 4180: CRLF line ends, fields with a
** comma, quote or line break quoted, quotes doubled): one row per record
** x metric x statistic, values in the metric's base unit.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_formats.h"

/* The statistics written, in this order; ci95_low and ci95_high are the
** ends of ci95. */
static const char *const stats[] = {
	"n", "min", "max", "mean", "stddev", "median", "mad", "p90", "p95",
	"p99", "p999", "cv", "ci95_low", "ci95_high", NULL
};

static void
field(FILE *fp, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', fp);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	} else {
		fputs(s, fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

void
report_csv(FILE *fp, const struct report_run *r)
{
	fputs("record,probe,params,status,metric,unit,better,stat,value\r\n",
	      fp);
	for (size_t i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);
		char *params = report_params(json_object_get(rec, "params"), " ");
		const char *name;
		const json_t *m;
		char idx[24];

		snprintf(idx, sizeof idx, "%zu", i + 1);
		json_object_foreach(json_object_get((json_t *)rec, "metrics"),
				    name, m) {
			for (size_t s = 0; stats[s]; s++) {
				const json_t *v;
				char val[40];

				if (strncmp(stats[s], "ci95_", 5) == 0)
					v = json_array_get(json_object_get(m,
					    "ci95"), stats[s][5] == 'l' ? 0 : 1);
				else
					v = json_object_get(m, stats[s]);
				if (json_is_integer(v))
					snprintf(val, sizeof val, "%"
						 JSON_INTEGER_FORMAT,
						 json_integer_value(v));
				else if (json_is_number(v))
					snprintf(val, sizeof val, "%.9g",
						 json_number_value(v));
				else
					continue;
				field(fp, idx, 0);
				field(fp, report_str(rec, "id"), 0);
				field(fp, params, 0);
				field(fp, report_str(rec, "status"), 0);
				field(fp, name, 0);
				field(fp, report_str(m, "unit"), 0);
				field(fp, report_str(m, "better"), 0);
				field(fp, stats[s], 0);
				field(fp, val, 1);
			}
		}
		free(params);
	}
}

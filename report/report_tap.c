/*
** report_tap.c - TAP (version 13) of a run, for prove and any TAP
** consumer: each check a test point (pass and review ok, review with a
** note; fail not ok with a YAML block; skip ok # SKIP reason), then each
** probe that failed, crashed or timed out and a script error, not ok.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_formats.h"
#include "units.h"

/* A description or directive reason: one line, and a '#' would start a
** directive (TAP lets it be escaped). */
static void
desc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', fp);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	}
}

/* A YAML single-quoted scalar. */
static void
yq(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', fp);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
	}
	fputc('\'', fp);
}

static int
is_error(const json_t *rec)
{
	const char *st = report_str(rec, "status");

	return strcmp(st, "ok") != 0 && strcmp(st, "skipped") != 0;
}

void
report_tap(FILE *fp, const struct report_run *r)
{
	const char *script = json_string_value(json_object_get(json_object_get(
	    r->doc, "summary"), "script_error"));
	size_t tests = r->nverdicts + (script != NULL), n = 0, i;

	for (i = 0; i < r->nres; i++)
		tests += is_error(json_array_get(r->results, i));
	fputs("TAP version 13\n", fp);
	if (tests == 0) {
		fputs("1..0 # SKIP the run has no checks and no failed probe\n",
		      fp);
		return;
	}
	fprintf(fp, "1..%zu\n", tests);
	for (i = 0; i < r->nverdicts; i++) {
		const json_t *v = json_array_get(r->verdicts, i);
		const char *verdict = report_str(v, "verdict");
		char obs[160];
		char *params = r->vrec[i] >= 0 ?
		    report_key_params(r, (size_t)r->vrec[i]) : NULL;

		report_observed(v, obs, sizeof obs);
		fprintf(fp, "%s %zu - ", strcmp(verdict, "fail") == 0 ?
			"not ok" : "ok", ++n);
		desc(fp, report_str(v, "id"));
		if (params && params[0]) {
			fputs(" [", fp);
			desc(fp, params);
			fputc(']', fp);
		}
		fputs(": ", fp);
		desc(fp, report_str(v, "name"));
		if (strcmp(verdict, "skip") == 0) {
			fputs(" # SKIP ", fp);
			desc(fp, obs);
		}
		fputc('\n', fp);
		if (strcmp(verdict, "pass") == 0) {
			fprintf(fp, "# %s: %s\n", report_str(v, "expr"), obs);
		} else if (strcmp(verdict, "review") == 0) {
			fprintf(fp, "# review: %s not met, within the review "
				"bound %s (%s)\n", report_str(v, "expr"),
				report_str(v, "review"), obs);
		} else if (strcmp(verdict, "fail") == 0) {
			fputs("  ---\n  message: ", fp);
			yq(fp, report_str(v, "expr"));
			fputs("\n  observed: ", fp);
			yq(fp, obs);
			fputs("\n  severity: fail\n  ...\n", fp);
		}
		free(params);
	}
	for (i = 0; i < r->nres; i++) {
		const json_t *rec = json_array_get(r->results, i);

		if (!is_error(rec))
			continue;
		fprintf(fp, "not ok %zu - probe ", ++n);
		desc(fp, report_str(rec, "id"));
		fprintf(fp, " %s\n  ---\n  message: ", report_str(rec, "status"));
		yq(fp, report_str(rec, "message"));
		fputs("\n  severity: error\n  ...\n", fp);
	}
	if (script) {
		fprintf(fp, "not ok %zu - the suite script\n  ---\n  message: ",
			++n);
		yq(fp, script);
		fputs("\n  severity: error\n  ...\n", fp);
	}
}

/* report_junit.c - JUnit XML from a run document. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "report_junit.h"
#include "report_run.h"

/* XML-escape s; control characters other than tab/newline are dropped
** (XML 1.0 cannot carry them at all). */
static void
esc(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n')
				fputc(c, fp);
		}
	}
}

void
report_junit(FILE *fp, const json_t *doc)
{
	const json_t *verdicts = json_object_get(doc, "verdicts");
	const json_t *results = json_object_get(doc, "results");
	size_t i, tests = 0, failures = 0, errors = 0, skipped = 0;
	const char *suite = report_str(doc, "suite");
	const char *script_error;
	json_t *v;

	json_array_foreach(verdicts, i, v) {
		const char *verdict = report_str(v, "verdict");

		tests++;
		failures += strcmp(verdict, "fail") == 0;
		skipped += strcmp(verdict, "skip") == 0;
	}
	json_array_foreach(results, i, v) {
		const char *st = report_str(v, "status");

		if (strcmp(st, "ok") != 0 && strcmp(st, "skipped") != 0) {
			tests++;
			errors++;
		}
	}
	script_error = json_string_value(json_object_get(
	    json_object_get(doc, "summary"), "script_error"));
	if (script_error) {
		tests++;
		errors++;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
	fprintf(fp, "<testsuites name=\"dyno\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"%zu\" skipped=\"%zu\">\n", tests, failures, errors, skipped);
	fputs("  <testsuite name=\"", fp);
	esc(fp, suite);
	fprintf(fp, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		"skipped=\"%zu\" timestamp=\"", tests, failures, errors, skipped);
	esc(fp, report_str(doc, "finished_at"));
	fputs("\">\n", fp);
	json_array_foreach(verdicts, i, v) {
		const char *verdict = report_str(v, "verdict");
		char obs[128];

		report_observed(v, obs, sizeof(obs));
		fputs("    <testcase classname=\"", fp);
		esc(fp, report_str(v, "id"));
		fputs("\" name=\"", fp);
		esc(fp, report_str(v, "name"));
		fputs("\">", fp);
		if (strcmp(verdict, "fail") == 0) {
			fputs("\n      <failure message=\"", fp);
			esc(fp, report_str(v, "expr"));
			fputs(" failed: ", fp);
			esc(fp, obs);
			fputs("\"/>\n    ", fp);
		} else if (strcmp(verdict, "review") == 0) {
			fputs("\n      <system-out>review: ", fp);
			esc(fp, report_str(v, "expr"));
			fputs(" not met, within review bound ", fp);
			esc(fp, report_str(v, "review"));
			fputs(" (", fp);
			esc(fp, obs);
			fputs(")</system-out>\n    ", fp);
		} else if (strcmp(verdict, "skip") == 0) {
			fputs("\n      <skipped message=\"", fp);
			esc(fp, obs);
			fputs("\"/>\n    ", fp);
		}
		fputs("</testcase>\n", fp);
	}
	json_array_foreach(results, i, v) {
		const char *st = report_str(v, "status");

		if (strcmp(st, "ok") == 0 || strcmp(st, "skipped") == 0)
			continue;
		fputs("    <testcase classname=\"", fp);
		esc(fp, report_str(v, "id"));
		fputs("\" name=\"probe ", fp);
		esc(fp, report_str(v, "id"));
		fputs("\">\n      <error type=\"", fp);
		esc(fp, st);
		fputs("\" message=\"", fp);
		esc(fp, report_str(v, "message"));
		fputs("\"/>\n    </testcase>\n", fp);
	}
	if (script_error) {
		fputs("    <testcase classname=\"suite\" name=\"script\">\n"
		      "      <error type=\"script\" message=\"", fp);
		esc(fp, script_error);
		fputs("\"/>\n    </testcase>\n", fp);
	}
	fputs("  </testsuite>\n</testsuites>\n", fp);
}

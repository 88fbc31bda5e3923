/*
** report.c - `dyno report`: reads a run document (rundoc.c) into a
** report_run (report_run.c) and hands it to the writer of the chosen
** format, found by name in one {name, writer} table.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_formats.h"
#include "report_junit.h"
#include "results.h"
#include "rundoc.h"
#include "xmalloc.h"

/* JSON as every dyno output writes it. */
#define JSON_FLAGS \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))

/* Write j (a new reference, taken) to fp.  A file ends in a newline, as
** every other dyno output does. */
static void
dump_json(FILE *fp, json_t *j)
{
	json_dumpf(j, fp, JSON_FLAGS);
	fputc('\n', fp);
	json_decref(j);
}

/* JUnit reads the document itself: `dyno run --junit` has no report_run. */
static void
write_junit(FILE *fp, const struct report_run *r)
{
	report_junit(fp, r->doc);
}

static void
write_gbench(FILE *fp, const struct report_run *r)
{
	dump_json(fp, report_gbench(r));
}

static void
write_bmf(FILE *fp, const struct report_run *r)
{
	dump_json(fp, report_bmf(r));
}

/*
** github-action-benchmark takes one array per tool, and its tools fix the
** direction (customBiggerIsBetter, customSmallerIsBetter).  On stdout
** both go in one object keyed by the tool names; -o writes a file for
** each (emit_gab).
*/
static void
write_gab(FILE *fp, const struct report_run *r)
{
	json_t *big = report_gab(r, 1), *small = report_gab(r, 0);

	dump_json(fp, json_pack("{s:o, s:o}", "customBiggerIsBetter", big,
				"customSmallerIsBetter", small));
}

/*
** The formats, as Lua registers a library (luaL_Reg): a name and the
** function that writes it, ended by a NULL name; listed in this order
** when a format is unknown.  A writer puts its whole format on fp.
*/
static const struct report_format {
	const char *name;
	void (*write)(FILE *fp, const struct report_run *r);
} formats[] = {
	{ "md", report_md },
	{ "html", report_html },
	{ "junit", write_junit },
	{ "tap", report_tap },
	{ "prom", report_prom },
	{ "csv", report_csv },
	{ "gbench", write_gbench },
	{ "bmf", write_bmf },
	{ "gab", write_gab },
	{ NULL, NULL }
};

static void
list_formats(FILE *fp)
{
	for (size_t i = 0; formats[i].name; i++)
		fprintf(fp, "%s%s", i ? ", " : "", formats[i].name);
}

/* Write len bytes to path atomically, or to stdout when path is NULL. */
static int
emit(const char *path, const char *data, size_t len)
{
	struct dyno_err e;

	if (path == NULL) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			perror("dyno: report: stdout");
			return -1;
		}
		return 0;
	}
	if (results_write_atomic(path, data, len, &e) < 0) {
		fprintf(stderr, "dyno: report: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
emit_json(const char *path, const json_t *j)
{
	char *s = json_dumps(j, JSON_FLAGS);
	size_t len = strlen(s);
	int rc;

	/* A file ends in a newline, as every other dyno output does. */
	s = xrealloc(s, len + 2);
	s[len++] = '\n';
	s[len] = '\0';
	rc = emit(path, s, len);
	free(s);
	return rc;
}

/* github-action-benchmark with -o out.json: out-bigger.json and
** out-smaller.json, one per tool. */
static int
emit_gab(const char *path, const struct report_run *r)
{
	json_t *big = report_gab(r, 1), *small = report_gab(r, 0);
	size_t n = strlen(path);
	size_t stem = n >= 5 && strcmp(path + n - 5, ".json") == 0 ? n - 5 : n;
	char *p = xmalloc(stem + sizeof "-smaller.json");
	int rc;

	memcpy(p, path, stem);
	strcpy(p + stem, "-bigger.json");
	rc = emit_json(p, big);
	if (rc == 0) {
		strcpy(p + stem, "-smaller.json");
		rc = emit_json(p, small);
	}
	free(p);
	json_decref(big);
	json_decref(small);
	return rc;
}

static int
write_format(const struct report_format *f, const char *out,
	     const struct report_run *r)
{
	char *data = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if (f->write == write_gab && out != NULL)
		return emit_gab(out, r);
	fp = open_memstream(&data, &len);
	if (fp == NULL) {
		perror("dyno: report");
		return -1;
	}
	f->write(fp, r);
	if (fclose(fp) != 0) {
		perror("dyno: report");
		free(data);
		return -1;
	}
	rc = emit(out, data, len);
	free(data);
	return rc;
}

int
report_write(const char *in, const char *fmt, const char *out)
{
	struct report_run r;
	const struct report_format *f;
	struct dyno_err e;
	json_t *doc;
	int rc;

	for (f = formats; f->name && strcmp(f->name, fmt) != 0; f++)
		;
	if (f->name == NULL) {
		fprintf(stderr, "dyno: report: unknown format '%s' (formats: ",
			fmt);
		list_formats(stderr);
		fputs(")\n", stderr);
		return 2;
	}
	if (out != NULL && out[0] == '\0') {
		fputs("dyno: report: -o needs a file name\n", stderr);
		return 2;
	}
	doc = rundoc_load(in, &e);
	if (doc == NULL) {
		fprintf(stderr, "dyno: report: %s\n", e.msg);
		return 2;
	}
	report_run_init(&r, doc);
	rc = write_format(f, out, &r) < 0 ? 2 : 0;
	report_run_fini(&r);
	json_decref(doc);
	return rc;
}

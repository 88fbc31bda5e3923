/* suite.c - the suite model behind its dyno calls: probes, checks, counts, the run document. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_loader.h"
#include "results.h"
#include "suite.h"
#include "table.h"
#include "threshold.h"
#include "tune.h"
#include "units.h"

void
suite_init(struct suite *s)
{
	memset(s, 0, sizeof(*s));
	runner_opts_default(&s->ro);
	s->results_fd = -1;
	s->out = stdout;
	s->outdir = ".";
}

void
suite_fini(struct suite *s)
{
	json_decref(s->host);
	json_decref(s->results);
	json_decref(s->verdicts);
	s->host = s->results = s->verdicts = NULL;
}

/* Count, store and show a finished record. */
static void
keep(struct suite *s, json_t *rec)
{
	const char *status = json_string_value(json_object_get(rec, "status"));
	struct dyno_err e;

	if (s->results_fd >= 0 && results_append(s->results_fd, rec, &e) < 0)
		fprintf(stderr, "dyno: warning: %s\n", e.msg);
	if (status && strcmp(status, "ok") == 0)
		s->n_ok++;
	else if (status && strcmp(status, "skipped") == 0)
		s->n_skipped++;
	else
		s->n_error++;
	if (!s->quiet)
		table_print_record(s->out, rec);
	json_array_append_new(s->results, rec);
}

const json_t *
suite_probe(struct suite *s, const char *id, char *const *kv, size_t nkv,
	    struct dyno_err *err)
{
	const struct loader_plugin *pl;
	const struct dyno_probe *p = loader_find(s->loader, id, &pl);
	struct param_set ps;
	json_t *rec;

	if (p == NULL) {
		char near[256];

		loader_suggest(s->loader, id, near, sizeof(near));
		return dyno_err_set(err, DYNO_ENOENT, "unknown probe '%s'%s%s%s",
		    id, near[0] ? "; did you mean: " : "", near,
		    near[0] ? "?" : ""), NULL;
	}
	if (params_resolve(id, p->params, kv, nkv, &ps, err) < 0)
		return NULL;
	s->ro.host = s->host;
	s->ro.progress = !s->quiet && isatty(STDERR_FILENO);
	rec = runner_run(pl, p, &ps, &s->ro);
	params_free(&ps);
	keep(s, rec);
	return rec;
}

/* keep, as runner_concurrent's sink. */
static void
keep_instance(void *arg, json_t *rec)
{
	keep(arg, rec);
}

long
suite_concurrent(struct suite *s, const char *id, char *const *kv, size_t nkv,
		 int n, struct dyno_err *err)
{
	const struct loader_plugin *pl;
	const struct dyno_probe *p = loader_find(s->loader, id, &pl);
	long first = (long)json_array_size(s->results);
	struct param_set ps;
	int rc;

	if (p == NULL)
		return dyno_err_set(err, DYNO_ENOENT, "unknown probe '%s'", id);
	if (n < 1 || n > 1024)
		return dyno_err_set(err, DYNO_ERANGE,
		    "concurrent: %d instances; expected 1..1024", n);
	if (params_resolve(id, p->params, kv, nkv, &ps, err) < 0)
		return -1;
	s->ro.host = s->host;
	rc = runner_concurrent(pl, p, &ps, &s->ro, n, keep_instance, s, err);
	params_free(&ps);
	return rc < 0 ? rc : first;
}

static void
print_verdict(struct suite *s, const json_t *d)
{
	const char *v = json_string_value(json_object_get(d, "verdict"));
	const char *name = json_string_value(json_object_get(d, "name"));
	const json_t *obs = json_object_get(d, "observed");
	const char *unit = json_string_value(json_object_get(d, "unit"));
	const char *stat = json_string_value(json_object_get(d, "stat"));
	const char *reason = json_string_value(json_object_get(d, "reason"));
	char buf[32];

	if (s->quiet)
		return;
	fprintf(s->out, "  check %s: %s", name ? name : "?", v ? v : "?");
	if (json_is_number(obs))
		fprintf(s->out, " (%s = %s)", stat ? stat : "value",
			units_format(json_number_value(obs), unit ? unit : "",
				     buf, sizeof(buf)));
	else if (reason)
		fprintf(s->out, " (%s)", reason);
	fputc('\n', s->out);
}

const char *
suite_check(struct suite *s, size_t ref, const char *expr, const char *review,
	    const char *name, struct dyno_err *err)
{
	const json_t *rec = json_array_get(s->results, ref);
	const char *status, *verdict;
	enum threshold_verdict v;
	json_t *d = NULL;

	if (rec == NULL)
		return dyno_err_set(err, DYNO_EINVAL,
		    "check: the first argument is not a result of dyno.probe"),
		    NULL;
	status = json_string_value(json_object_get(rec, "status"));
	/* A typo must show on every machine, not only where the probe runs. */
	{
		struct threshold t;

		if (threshold_parse(expr, &t, err) < 0 ||
		    (review && threshold_parse(review, &t, err) < 0))
			return NULL;
	}
	if (strcmp(status, "ok") != 0) {
		/* A probe that could not run here is not a failed threshold;
		** one that broke is. */
		verdict = strcmp(status, "skipped") == 0 ? "skip" : "fail";
		d = json_pack("{s:s, s:s?, s:s, s:s++}", "expr", expr,
		    "review", review, "verdict", verdict, "reason", status,
		    ": ", json_string_value(json_object_get(rec, "message")));
	} else {
		if (threshold_verdict(expr, review, json_object_get(rec, "metrics"),
				      &v, &d, err) < 0)
			return NULL;
		verdict = threshold_verdict_name(v);
	}
	json_object_set_new(d, "name", json_string(name ? name : expr));
	json_object_set(d, "id", json_object_get(rec, "id"));
	json_array_append_new(s->verdicts, d);
	if (strcmp(verdict, "pass") == 0)
		s->n_pass++;
	else if (strcmp(verdict, "review") == 0)
		s->n_review++;
	else if (strcmp(verdict, "skip") == 0)
		s->n_skip++;
	else
		s->n_fail++;
	print_verdict(s, d);
	return verdict;
}

void
suite_print_summary(const struct suite *s, FILE *fp)
{
	fprintf(fp, "\nsummary: probes %u ok, %u skipped, %u failed; "
		"checks %u pass, %u review, %u fail, %u skip\n",
		s->n_ok, s->n_skipped, s->n_error, s->n_pass, s->n_review,
		s->n_fail, s->n_skip);
	if (s->script_error[0])
		fprintf(fp, "script error: %s\n", s->script_error);
}

int
suite_exit_code(const struct suite *s, int run_rc)
{
	if (run_rc < 0 || s->n_error > 0)
		return 2;
	if (s->n_fail > 0)
		return 1;
	return 0;
}

json_t *
suite_document(const struct suite *s)
{
	char now[40];
	json_t *doc;

	results_timestamp(now, sizeof(now));
	doc = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O?, s:O, s:O, s:{s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}, s:s?}}",
	    "schema", RESULTS_SCHEMA, "kind", "dyno.run",
	    "dyno_version", PACKAGE_VERSION, "suite", s->path ? s->path : "",
	    "finished_at", now, "host", s->inventory,
	    "results", s->results, "verdicts", s->verdicts,
	    "summary",
	    "probes", "ok", (int)s->n_ok, "skipped", (int)s->n_skipped,
	    "failed", (int)s->n_error,
	    "checks", "pass", (int)s->n_pass, "review", (int)s->n_review,
	    "fail", (int)s->n_fail, "skip", (int)s->n_skip,
	    "script_error", s->script_error[0] ? s->script_error : NULL);
	if (doc != NULL && s->tune != NULL && tune_count(s->tune) > 0)
		json_object_set_new(doc, "tune", tune_to_json(s->tune));
	return doc;
}

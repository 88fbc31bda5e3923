/* suite.c - the suite model behind its dyno calls: probes, checks, counts, the run document. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
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
	s->max_memory = suite_default_max_memory();
}

uint64_t
suite_default_max_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	uint64_t mib = 1024 * 1024;

	if (pages <= 0 || size <= 0)
		return 1024 * mib;
	/* Whole MiB, so the limit prints as the flag would give it. */
	return (uint64_t)pages * (uint64_t)size / 4 / mib * mib;
}

uint64_t
suite_deadline(const struct suite *s)
{
	return s->time_limit_ns > 0 ? s->start_ns + s->time_limit_ns : 0;
}

void
suite_limit_hit(struct suite *s, enum suite_limit which)
{
	if (s->limit_hit == SUITE_LIMIT_NONE)
		s->limit_hit = which;
}

/* The past deadline ends the suite even when a probe, not Lua, met it. */
static void
check_deadline(struct suite *s)
{
	uint64_t d = suite_deadline(s);

	if (d != 0 && clock_now_ns() >= d)
		suite_limit_hit(s, SUITE_LIMIT_TIME);
}

/* 64MiB, 2GiB, 1.5GiB: as --max-memory reads it back. */
static void
format_size(uint64_t b, char *buf, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && b >= 1024 &&
	       b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	snprintf(buf, n, "%llu%s", (unsigned long long)b, unit[u]);
}

/* 10s, 2min, 1h, 0.5s: as --time-limit reads it back. */
static void
format_duration(uint64_t ns, char *buf, size_t n)
{
	uint64_t min = 60000000000u;

	if (ns % (60 * min) == 0)
		snprintf(buf, n, "%lluh", (unsigned long long)(ns / (60 * min)));
	else if (ns % min == 0)
		snprintf(buf, n, "%llumin", (unsigned long long)(ns / min));
	else
		snprintf(buf, n, "%.9gs", (double)ns / 1e9);
}

void
suite_limit_message(const struct suite *s, enum suite_limit which, char *buf,
		    size_t n)
{
	int time = which == SUITE_LIMIT_TIME;
	int by_suite = time ? s->time_by_suite : s->memory_by_suite;
	char v[32];

	if (time)
		format_duration(s->time_limit_ns, v, sizeof(v));
	else
		format_size(s->max_memory, v, sizeof(v));
	snprintf(buf, n, "%s: the suite passed its %s limit of %s (%s)",
	    s->path ? s->path : "suite", time ? "time" : "memory", v,
	    by_suite ? "set by dyno.limit in the suite" :
	    time ? "--time-limit" : "--max-memory");
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
	if (s->fleet_record)
		s->fleet_record(s->fleet, rec);
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
	s->ro.deadline_ns = suite_deadline(s);
	rec = s->fleet_gate ? s->fleet_gate(s->fleet, id, p->flags, s->host) :
	    NULL;
	if (rec == NULL)
		rec = runner_run(pl, p, &ps, &s->ro);
	params_free(&ps);
	keep(s, rec);
	check_deadline(s);
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
	s->ro.deadline_ns = suite_deadline(s);
	rc = runner_concurrent(pl, p, &ps, &s->ro, n, keep_instance, s, err);
	params_free(&ps);
	check_deadline(s);
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
	if (s->script_error[0] && s->limit_hit == SUITE_LIMIT_NONE)
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

/* The limits in force at the end, the Lua state's peak, and which limit
** ended the suite (null: none did). */
static json_t *
limits_json(const struct suite *s)
{
	json_t *hit = json_null();

	if (s->limit_hit != SUITE_LIMIT_NONE) {
		int time = s->limit_hit == SUITE_LIMIT_TIME;

		hit = json_pack("{s:s, s:s, s:s}",
		    "limit", time ? "time" : "memory",
		    "set_by", (time ? s->time_by_suite : s->memory_by_suite) ?
		    "dyno.limit" : time ? "--time-limit" : "--max-memory",
		    "message", s->script_error);
	}
	return json_pack("{s:o, s:o, s:I, s:o}",
	    "time_s", s->time_limit_ns ?
	    json_real((double)s->time_limit_ns / 1e9) : json_null(),
	    "memory_bytes", s->max_memory ?
	    json_integer((json_int_t)s->max_memory) : json_null(),
	    "lua_peak_bytes", (json_int_t)s->lua_peak,
	    "ended_by", hit);
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
	if (doc != NULL)
		json_object_set_new(doc, "limits", limits_json(s));
	if (doc != NULL && s->tune != NULL && tune_count(s->tune) > 0)
		json_object_set_new(doc, "tune", tune_to_json(s->tune));
	return doc;
}

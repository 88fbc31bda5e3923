/*
** rundoc.c - reads run documents, records and results files back in and
** checks every field the report and compare code use (rundoc.h).
*/
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "rundoc.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Where in the document a check is: "$.results[2].metrics.latency". */
struct jpath {
	char s[200];
};

/* A path too long for the buffer ends in "..." (an error still names
** where it starts). */
static void
jp_fit(struct jpath *dst, int n)
{
	if (n < 0 || (size_t)n >= sizeof dst->s)
		memcpy(dst->s + sizeof dst->s - 4, "...", 4);
}

static void
jp_key(struct jpath *dst, const struct jpath *base, const char *key)
{
	jp_fit(dst, snprintf(dst->s, sizeof dst->s, "%s.%s", base->s, key));
}

static void
jp_idx(struct jpath *dst, const struct jpath *base, size_t i)
{
	jp_fit(dst, snprintf(dst->s, sizeof dst->s, "%s[%zu]", base->s, i));
}

static const char *
jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int
bad(struct dyno_err *err, const char *name, const struct jpath *p,
    const char *key, const char *want, const json_t *got)
{
	return dyno_err_set(err, DYNO_EINVAL, "%s: %s%s%s: expected %s, got %s",
	    name, p->s, key ? "." : "", key ? key : "", want,
	    got ? jtype(got) : "nothing (the field is missing)");
}

/* Member key of obj, which must be of type t (JSON_REAL accepts any
** number); absent is fine when optional.  Returns 0 or -1. */
static int
want(const json_t *obj, const char *key, json_type t, int optional,
     const char *name, const struct jpath *p, struct dyno_err *err)
{
	const json_t *v = json_object_get(obj, key);
	static const char *const what[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",
	};

	if (v == NULL)
		return optional ? 0 : bad(err, name, p, key, what[t], NULL);
	if (t == JSON_REAL ? json_is_number(v) : json_typeof(v) == t)
		return 0;
	return bad(err, name, p, key, what[t], v);
}

/* Set obj.key to v (stealing it) when absent. */
static void
default_to(json_t *obj, const char *key, json_t *v)
{
	if (json_object_get(obj, key) == NULL)
		json_object_set_new(obj, key, v);
	else
		json_decref(v);
}

static int
check_schema(const json_t *obj, int optional, const char *name,
	     const struct jpath *p, struct dyno_err *err)
{
	const json_t *s = json_object_get(obj, "schema");

	if (want(obj, "schema", JSON_INTEGER, optional, name, p, err) < 0)
		return -1;
	if (s && (json_integer_value(s) < 1 ||
		  json_integer_value(s) > RUNDOC_SCHEMA))
		return dyno_err_set(err, DYNO_EINVAL, "%s: %s.schema: version "
		    "%" JSON_INTEGER_FORMAT " is not one this dyno reads "
		    "(1 to %d); a newer dyno wrote it?", name, p->s,
		    json_integer_value(s), RUNDOC_SCHEMA);
	return 0;
}

static int
check_metric(json_t *m, const char *name, const struct jpath *p,
	     struct dyno_err *err)
{
	static const char *const stats[] = {
		"min", "max", "mean", "stddev", "median", "mad", "p50", "p90",
		"p95", "p99", "p999", "cv", NULL
	};
	const char *better;
	json_t *v, *x;
	size_t i;
	struct jpath q;

	if (!json_is_object(m))
		return bad(err, name, p, NULL, "an object (a metric summary)", m);
	if (want(m, "unit", JSON_STRING, 0, name, p, err) < 0 ||
	    want(m, "better", JSON_STRING, 0, name, p, err) < 0 ||
	    want(m, "n", JSON_INTEGER, 0, name, p, err) < 0)
		return -1;
	v = json_object_get(m, "headline");
	if (v != NULL && !json_is_boolean(v))
		return bad(err, name, p, "headline", "true or false", v);
	better = json_string_value(json_object_get(m, "better"));
	if (strcmp(better, "higher") != 0 && strcmp(better, "lower") != 0)
		return dyno_err_set(err, DYNO_EINVAL, "%s: %s.better: expected "
		    "\"higher\" or \"lower\", got \"%s\"", name, p->s, better);
	if (json_integer_value(json_object_get(m, "n")) < 0)
		return dyno_err_set(err, DYNO_EINVAL, "%s: %s.n: expected a "
		    "count >= 0, got %" JSON_INTEGER_FORMAT, name, p->s,
		    json_integer_value(json_object_get(m, "n")));
	for (i = 0; stats[i]; i++) {
		v = json_object_get(m, stats[i]);
		if (v && !json_is_number(v) && !json_is_null(v))
			return bad(err, name, p, stats[i], "a number or null", v);
	}
	if ((v = json_object_get(m, "samples")) != NULL) {
		jp_key(&q, p, "samples");
		if (!json_is_array(v))
			return bad(err, name, p, "samples", "an array", v);
		json_array_foreach(v, i, x) {
			if (!json_is_number(x)) {
				struct jpath r;

				jp_idx(&r, &q, i);
				return bad(err, name, &r, NULL, "a number", x);
			}
		}
		if ((json_int_t)json_array_size(v) !=
		    json_integer_value(json_object_get(m, "n")))
			return dyno_err_set(err, DYNO_EINVAL, "%s: %s: %zu "
			    "samples but n is %" JSON_INTEGER_FORMAT, name, q.s,
			    json_array_size(v),
			    json_integer_value(json_object_get(m, "n")));
	}
	if ((v = json_object_get(m, "histogram")) != NULL) {
		struct dyno_err he;
		struct histogram *h = histogram_from_json(v, &he);

		if (h == NULL)
			return dyno_err_set(err, DYNO_EINVAL, "%s: %s.histogram: "
			    "%s", name, p->s, he.msg);
		/* Readers take the histogram's count as the sample count. */
		if (histogram_count(h) !=
		    (uint64_t)json_integer_value(json_object_get(m, "n"))) {
			dyno_err_set(err, DYNO_EINVAL, "%s: %s.histogram.count: "
			    "%ju values but n is %" JSON_INTEGER_FORMAT, name,
			    p->s, (uintmax_t)histogram_count(h),
			    json_integer_value(json_object_get(m, "n")));
			histogram_free(h);
			return -1;
		}
		histogram_free(h);
	}
	return 0;
}

static int
check_record(json_t *r, const char *name, const struct jpath *p,
	     struct dyno_err *err)
{
	static const char *const statuses[] = {
		"ok", "skipped", "failed", "crashed", "timeout", NULL
	};
	const char *st, *key;
	json_t *ms, *m;
	struct jpath q, mp;
	size_t i;

	if (!json_is_object(r))
		return bad(err, name, p, NULL, "an object (a result record)", r);
	if (check_schema(r, 1, name, p, err) < 0 ||
	    want(r, "id", JSON_STRING, 0, name, p, err) < 0 ||
	    want(r, "status", JSON_STRING, 0, name, p, err) < 0 ||
	    want(r, "params", JSON_OBJECT, 1, name, p, err) < 0 ||
	    want(r, "param_types", JSON_OBJECT, 1, name, p, err) < 0 ||
	    want(r, "message", JSON_STRING, 1, name, p, err) < 0 ||
	    want(r, "metrics", JSON_OBJECT, 1, name, p, err) < 0 ||
	    want(r, "artifacts", JSON_OBJECT, 1, name, p, err) < 0 ||
	    want(r, "host", JSON_OBJECT, 1, name, p, err) < 0 ||
	    want(r, "started_at", JSON_STRING, 1, name, p, err) < 0 ||
	    want(r, "plugin", JSON_STRING, 1, name, p, err) < 0 ||
	    want(r, "probe", JSON_STRING, 1, name, p, err) < 0 ||
	    want(r, "dyno_version", JSON_STRING, 1, name, p, err) < 0 ||
	    want(r, "duration_s", JSON_REAL, 1, name, p, err) < 0)
		return -1;
	st = json_string_value(json_object_get(r, "status"));
	for (i = 0; statuses[i] && strcmp(statuses[i], st) != 0; i++)
		;
	if (statuses[i] == NULL)
		return dyno_err_set(err, DYNO_EINVAL, "%s: %s.status: expected "
		    "ok, skipped, failed, crashed or timeout, got \"%s\"",
		    name, p->s, st);
	default_to(r, "params", json_object());
	default_to(r, "message", json_string(""));
	default_to(r, "metrics", json_object());
	default_to(r, "artifacts", json_object());
	default_to(r, "host", json_object());
	jp_key(&q, p, "host");
	if (want(json_object_get(r, "host"), "fingerprint", JSON_STRING, 1,
		 name, &q, err) < 0 ||
	    want(json_object_get(r, "host"), "hostname", JSON_STRING, 1,
		 name, &q, err) < 0)
		return -1;
	ms = json_object_get(r, "metrics");
	jp_key(&q, p, "metrics");
	json_object_foreach(ms, key, m) {
		jp_key(&mp, &q, key);
		if (check_metric(m, name, &mp, err) < 0)
			return -1;
	}
	/* plugin and probe follow from the id when a hand-made record
	** leaves them out. */
	if (json_object_get(r, "plugin") == NULL ||
	    json_object_get(r, "probe") == NULL) {
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *dot = strchr(id, '.');

		default_to(r, "plugin", json_stringn(id, dot ? (size_t)(dot - id)
							     : strlen(id)));
		default_to(r, "probe", json_string(dot ? dot + 1 : ""));
	}
	return 0;
}

static int
check_results(json_t *results, const char *name, const struct jpath *p,
	      struct dyno_err *err)
{
	json_t *r;
	size_t i;
	struct jpath q;

	json_array_foreach(results, i, r) {
		jp_idx(&q, p, i);
		if (check_record(r, name, &q, err) < 0)
			return -1;
	}
	return 0;
}

static int
check_verdicts(json_t *vs, const char *name, const struct jpath *p,
	       struct dyno_err *err)
{
	json_t *v;
	size_t i;
	struct jpath q;

	json_array_foreach(vs, i, v) {
		jp_idx(&q, p, i);
		if (!json_is_object(v))
			return bad(err, name, &q, NULL, "an object (a verdict)", v);
		if (want(v, "expr", JSON_STRING, 0, name, &q, err) < 0 ||
		    want(v, "verdict", JSON_STRING, 0, name, &q, err) < 0 ||
		    want(v, "id", JSON_STRING, 1, name, &q, err) < 0 ||
		    want(v, "observed", JSON_REAL, 1, name, &q, err) < 0)
			return -1;
	}
	return 0;
}

static json_t *
summary_of(const json_t *results)
{
	json_int_t ok = 0, skipped = 0, failed = 0;
	const json_t *r;
	size_t i;

	json_array_foreach(results, i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));

		if (strcmp(st, "ok") == 0)
			ok++;
		else if (strcmp(st, "skipped") == 0)
			skipped++;
		else
			failed++;
	}
	return json_pack("{s:{s:I, s:I, s:I}, s:{s:i, s:i, s:i, s:i}, s:n}",
	    "probes", "ok", ok, "skipped", skipped, "failed", failed,
	    "checks", "pass", 0, "review", 0, "fail", 0, "skip", 0,
	    "script_error");
}

/* A run document around records (a results file or one record). */
static json_t *
wrap_records(json_t *results)
{
	json_t *first = json_array_get(results, 0);
	json_t *last = json_array_get(results, json_array_size(results) - 1);
	json_t *rh = json_object_get(first, "host");
	json_t *doc;

	doc = json_pack("{s:i, s:s, s:O?, s:n, s:O?, s:{s:O?, s:O?}}",
	    "schema", RUNDOC_SCHEMA, "kind", "dyno.run",
	    "dyno_version", json_object_get(first, "dyno_version"),
	    "suite",
	    "finished_at", json_object_get(last, "started_at"),
	    "host", "fingerprint", json_object_get(rh, "fingerprint"),
	    "hostname", json_object_get(rh, "hostname"));
	json_object_set_new(doc, "summary", summary_of(results));
	json_object_set(doc, "results", results);
	json_object_set_new(doc, "verdicts", json_array());
	return doc;
}

/* An optional member that is a string or null (suite of a run without
** one, finished_at of a run that never finished). */
static int
string_or_null(const json_t *obj, const char *key, const char *name,
	       const struct jpath *p, struct dyno_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v) || json_is_string(v))
		return 0;
	return bad(err, name, p, key, "a string or null", v);
}

static int
check_run(json_t *doc, const char *name, struct dyno_err *err)
{
	struct jpath root = { "$" }, p;
	const char *kind;

	if (check_schema(doc, 0, name, &root, err) < 0 ||
	    want(doc, "kind", JSON_STRING, 0, name, &root, err) < 0)
		return -1;
	kind = json_string_value(json_object_get(doc, "kind"));
	if (strcmp(kind, "dyno.run") != 0)
		return dyno_err_set(err, DYNO_EINVAL, "%s: $.kind: expected "
		    "\"dyno.run\", got \"%s\"", name, kind);
	if (want(doc, "results", JSON_ARRAY, 0, name, &root, err) < 0 ||
	    want(doc, "verdicts", JSON_ARRAY, 1, name, &root, err) < 0 ||
	    want(doc, "host", JSON_OBJECT, 1, name, &root, err) < 0 ||
	    want(doc, "summary", JSON_OBJECT, 1, name, &root, err) < 0 ||
	    want(doc, "tune", JSON_OBJECT, 1, name, &root, err) < 0)
		return -1;
	if (string_or_null(doc, "suite", name, &root, err) < 0 ||
	    string_or_null(doc, "finished_at", name, &root, err) < 0 ||
	    string_or_null(doc, "dyno_version", name, &root, err) < 0)
		return -1;
	default_to(doc, "verdicts", json_array());
	default_to(doc, "host", json_object());
	jp_key(&p, &root, "host");
	if (want(json_object_get(doc, "host"), "fingerprint", JSON_STRING, 1,
		 name, &p, err) < 0)
		return -1;
	jp_key(&p, &root, "results");
	if (check_results(json_object_get(doc, "results"), name, &p, err) < 0)
		return -1;
	jp_key(&p, &root, "verdicts");
	if (check_verdicts(json_object_get(doc, "verdicts"), name, &p, err) < 0)
		return -1;
	default_to(doc, "summary", summary_of(json_object_get(doc, "results")));
	default_to(doc, "suite", json_null());
	default_to(doc, "finished_at", json_null());
	default_to(doc, "dyno_version", json_null());
	return 0;
}

/* Line and column of byte off in text, 1-based. */
static void
line_col(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

json_t *
rundoc_parse(const char *text, size_t len, const char *name,
	     struct dyno_err *err)
{
	json_t *results = json_array(), *doc = NULL, *v;
	size_t off = 0;

	for (;;) {
		json_error_t je;
		int line, col;

		while (off < len && strchr(" \t\r\n", text[off]) && text[off])
			off++;
		if (off >= len)
			break;
		v = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK |
			       JSON_REJECT_DUPLICATES, &je);
		if (v == NULL) {
			line_col(text, off + (je.position > 0 ? (size_t)je.position
							       : 0), &line, &col);
			dyno_err_set(err, DYNO_EINVAL, "%s: not valid JSON at "
			    "line %d, column %d: %s", name, line, col, je.text);
			goto fail;
		}
		off += (size_t)je.position;
		if (json_is_object(v) && json_object_get(v, "kind") &&
		    json_array_size(results) == 0 && doc == NULL) {
			doc = v;
			continue;
		}
		if (doc != NULL) {
			json_decref(v);
			line_col(text, off, &line, &col);
			dyno_err_set(err, DYNO_EINVAL, "%s: line %d: more JSON "
			    "after the run document (expected one document, or "
			    "one result record per line)", name, line);
			goto fail;
		}
		json_array_append_new(results, v);
	}
	if (doc != NULL) {
		json_decref(results);
		if (check_run(doc, name, err) < 0) {
			json_decref(doc);
			return NULL;
		}
		return doc;
	}
	if (json_array_size(results) == 0) {
		dyno_err_set(err, DYNO_EINVAL, "%s: empty (expected a run "
		    "document, a result record or JSON lines of records)", name);
		goto fail;
	}
	{
		struct jpath root = { "$" };

		/* One record: errors say "$.id"; JSON lines: "$[3].id". */
		if (json_array_size(results) == 1) {
			if (check_record(json_array_get(results, 0), name, &root,
					 err) < 0)
				goto fail;
		} else if (check_results(results, name, &root, err) < 0) {
			goto fail;
		}
	}
	doc = wrap_records(results);
	json_decref(results);
	return doc;
fail:
	json_decref(results);
	json_decref(doc);
	return NULL;
}

json_t *
rundoc_load(const char *path, struct dyno_err *err)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf b = STRBUF_INIT;
	json_t *doc;

	if (fp == NULL) {
		dyno_err_set(err, DYNO_ENOENT, "cannot read '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	if (strbuf_fread(&b, fp) < 0) {
		dyno_err_set(err, DYNO_EIO, "cannot read '%s': %s", path,
		    strerror(errno));
		fclose(fp);
		strbuf_fini(&b);
		return NULL;
	}
	fclose(fp);
	doc = rundoc_parse(b.s, b.len, path, err);
	strbuf_fini(&b);
	return doc;
}

const char *
rundoc_fingerprint(const json_t *doc)
{
	const char *f = json_string_value(json_object_get(
	    json_object_get(doc, "host"), "fingerprint"));

	return f ? f : "";
}

/* Midpoint of histogram bucket [e, s] (histogram.h). */
static double
bucket_mid(int e, int s)
{
	return ldexp(1.0 + (s + 0.5) / HISTOGRAM_SUB, e - 1);
}

/* The bucket midpoint that stands for v. */
static double
binned(double v)
{
	int e;
	double m;

	if (v == 0.0 || !isfinite(v))
		return v;
	m = frexp(fabs(v), &e);
	m = bucket_mid(e, (int)floor((2.0 * m - 1.0) * HISTOGRAM_SUB));
	return v < 0 ? -m : m;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Append (v, w) to d, merging with the last entry when equal. */
static void
dist_push(struct rundoc_dist *d, double v, uint64_t w)
{
	if (w == 0)
		return;
	d->count += w;
	if (d->n > 0 && d->v[d->n - 1] == v) {
		d->w[d->n - 1] += w;
		return;
	}
	d->v[d->n] = v;
	d->w[d->n] = w;
	d->n++;
}

/* Buckets of one side of a histogram, in increasing |v|. */
static void
push_buckets(struct rundoc_dist *d, const json_t *arr, int negative)
{
	size_t n = json_array_size(arr);

	for (size_t k = 0; k < n; k++) {
		size_t i = negative ? n - 1 - k : k;
		const json_t *t = json_array_get(arr, i);
		int e = (int)json_integer_value(json_array_get(t, 0));
		int s = (int)json_integer_value(json_array_get(t, 1));
		uint64_t c = (uint64_t)json_integer_value(json_array_get(t, 2));
		double m = bucket_mid(e, s);

		dist_push(d, negative ? -m : m, c);
	}
}

int
rundoc_metric_dist(const json_t *metric, int to_buckets,
		   struct rundoc_dist *d, struct dyno_err *err)
{
	const json_t *samples = json_object_get(metric, "samples");
	const json_t *h = json_object_get(metric, "histogram");

	memset(d, 0, sizeof *d);
	if (json_is_array(samples)) {
		size_t n = json_array_size(samples);
		double *tmp = xmalloc((n ? n : 1) * sizeof *tmp);

		for (size_t i = 0; i < n; i++) {
			double v = json_number_value(json_array_get(samples, i));

			tmp[i] = to_buckets ? binned(v) : v;
		}
		qsort(tmp, n, sizeof *tmp, cmp_double);
		d->v = xmalloc((n ? n : 1) * sizeof *d->v);
		d->w = xmalloc((n ? n : 1) * sizeof *d->w);
		for (size_t i = 0; i < n; i++)
			dist_push(d, tmp[i], 1);
		free(tmp);
		d->binned = to_buckets;
		return 0;
	}
	if (json_is_object(h)) {
		const json_t *pos = json_object_get(h, "buckets");
		const json_t *neg = json_object_get(h, "negative");
		size_t n = json_array_size(pos) + json_array_size(neg) + 1;
		json_int_t zero = json_integer_value(json_object_get(h, "zero"));

		if (!json_is_array(pos) || zero < 0)
			return dyno_err_set(err, DYNO_EINVAL, "histogram: "
			    "expected buckets and zero");
		d->v = xmalloc(n * sizeof *d->v);
		d->w = xmalloc(n * sizeof *d->w);
		push_buckets(d, neg, 1);
		dist_push(d, 0.0, (uint64_t)zero);
		push_buckets(d, pos, 0);
		d->binned = 1;
		return 0;
	}
	return 0;
}

double
rundoc_dist_quantile(const struct rundoc_dist *d, double q)
{
	uint64_t rank, seen = 0;

	if (d->count == 0 || isnan(q))
		return NAN;
	q = q < 0 ? 0 : q > 1 ? 1 : q;
	/* (double)count may round up to 2^64, which does not convert back. */
	if (q * (double)d->count >= (double)d->count)
		rank = d->count;
	else
		rank = (uint64_t)ceil(q * (double)d->count);
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < d->n; i++) {
		seen += d->w[i];
		if (seen >= rank)
			return d->v[i];
	}
	return d->v[d->n - 1];
}

void
rundoc_dist_free(struct rundoc_dist *d)
{
	free(d->v);
	free(d->w);
	memset(d, 0, sizeof *d);
}

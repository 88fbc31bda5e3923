/* threshold.c - parse threshold expressions; judge result metrics by them. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "threshold.h"
#include "units.h"

/* Statistics a threshold may test: the point statistics of a metric
** summary (docs/results-format.md).  stddev, mad and cv are left out on
** purpose: they are not in the unit of the bound. */
static const char *const stats[] = {
	"min", "max", "mean", "median", "p50", "p90", "p95", "p99", "p999"
};
#define STATS_LIST "min, max, mean, median, p50, p90, p95, p99 or p999"

static const char *const opnames[] = { "<", "<=", ">", ">=" };

/* Longest piece of an expression quoted in a message, so that the message
** stays one line inside struct dyno_err's 256 bytes. */
#define QUOTE_MAX 64

/* s as a message quotes it: cut with "..." past QUOTE_MAX bytes, and
** control characters (a newline between tokens) shown as blanks, so the
** message stays one line.  buf holds QUOTE_MAX + 1 bytes. */
static const char *
quote(const char *s, char *buf)
{
	size_t i, n = strlen(s);

	if (n > QUOTE_MAX)
		n = QUOTE_MAX - 3;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	strcpy(buf + i, strlen(s) > QUOTE_MAX ? "..." : "");
	return buf;
}

/* Whitespace between tokens and around the expression. */
static int
space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Blanks inside a value ("12k op/s"): only what units.c accepts there. */
static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

static const char *
skip(const char *p)
{
	while (space((unsigned char)*p))
		p++;
	return p;
}

/* Length of the name [a-z][a-z0-9_]* at p, 0 if there is none. */
static size_t
ident(const char *p)
{
	size_t n = 0;

	if (!(*p >= 'a' && *p <= 'z'))
		return 0;
	while ((p[n] >= 'a' && p[n] <= 'z') || digit(p[n]) || p[n] == '_')
		n++;
	return n;
}

static int
is_stat(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (strlen(stats[i]) == n && strncmp(stats[i], p, n) == 0)
			return 1;
	return 0;
}

/* End of the number [+-]digits[.digits][e[+-]digits] at p, or p when there
** is none.  Only finds the extent; units_parse_float judges the number, so
** the two cannot disagree on what a number is. */
static const char *
number_end(const char *p)
{
	const char *q = p, *x;
	int point = 0, ndig = 0;

	if (*q == '+' || *q == '-')
		q++;
	for (;; q++) {
		if (*q == '.' && !point)
			point = 1;
		else if (digit((unsigned char)*q))
			ndig++;
		else
			break;
	}
	if (ndig == 0)
		return p;
	if (*q == 'e' || *q == 'E') {
		x = q + 1;
		if (*x == '+' || *x == '-')
			x++;
		if (digit((unsigned char)*x)) {
			while (digit((unsigned char)*x))
				x++;
			q = x;
		}
	}
	return q;
}

/* A unit starts with a letter, '%', '/' or a UTF-8 byte (the micro sign). */
static int
unit_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%' ||
	    c == '/' || c >= 0x80;
}

/* A unit runs to a blank, a control character or a character of the
** expression syntax, so that "5ms)" reports the ')' instead of an unknown
** unit "ms)". */
static const char *
word_end(const char *p)
{
	while ((unsigned char)*p > 0x20 && *p != 0x7f &&
	    strchr("()<>=", *p) == NULL)
		p++;
	return p;
}

/* End of the unit after the number, which ends at p: "ms", "GB/s", and
** also the two-word form units.c takes for generic units, "12k op/s". */
static const char *
unit_end(const char *p)
{
	const char *u = p, *w, *x;

	while (blank((unsigned char)*u))
		u++;
	if (!unit_start((unsigned char)*u))
		return p;
	w = word_end(u);
	if (w - u == 1 && strchr("numkMGTP", *u) != NULL) {
		for (x = w; blank((unsigned char)*x); x++)
			;
		if (x != w && unit_start((unsigned char)*x))
			w = word_end(x);
	}
	return w;
}

static int bad(struct dyno_err *err, const char *text, const char *fmt, ...)
	DYNO_PRINTF(3, 4);

/* A parse error: quote the expression, then say what was expected. */
static int
bad(struct dyno_err *err, const char *text, const char *fmt, ...)
{
	char why[200], q[QUOTE_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return dyno_err_set(err, DYNO_EINVAL, "invalid threshold '%s': %s",
	    quote(text, q), why);
}

int
threshold_parse(const char *expr, struct threshold *out, struct dyno_err *err)
{
	struct threshold t;
	const char *b, *e, *s, *p, *q, *name, *prev, *v;
	size_t len, n, prevlen;
	char num[64], qb[QUOTE_MAX + 1];
	double d;
	int rc;

	if (expr == NULL)
		return dyno_err_set(err, DYNO_EINVAL,
		    "invalid threshold: no expression given");
	b = skip(expr);
	for (e = b + strlen(b); e > b && space((unsigned char)e[-1]); e--)
		;
	len = (size_t)(e - b);
	memset(&t, 0, sizeof(t));
	if (len >= sizeof(t.text))
		return dyno_err_set(err, DYNO_EINVAL, "invalid threshold "
		    "'%s': longer than %zu characters", quote(b, qb),
		    sizeof(t.text) - 1);
	memcpy(t.text, b, len);
	s = t.text;
	/* Columns count from 1 in the trimmed text, the one quoted. */
#define COL(ptr) ((int)((ptr) - s) + 1)
	if (len == 0)
		return bad(err, s, "empty; expected an expression such as "
		    "'p95(latency) < 100ms'");

	name = s;
	if ((n = ident(name)) == 0)
		return bad(err, s, "expected a metric name or a statistic "
		    "([a-z][a-z0-9_]*) at column 1");
	p = name + n;
	q = skip(p);
	if (*q == '(') {
		if (!is_stat(name, n))
			return bad(err, s, "'%.*s' is not a statistic; expected "
			    STATS_LIST " before '(' at column 1",
			    n > 16 ? 16 : (int)n, name);
		memcpy(t.stat, name, n);
		p = q + 1;
		name = skip(p);
		if ((n = ident(name)) == 0)
			return bad(err, s, "expected a metric name after '(' at "
			    "column %d", COL(p));
		if (n >= sizeof(t.metric))
			return bad(err, s, "metric name at column %d is longer "
			    "than %zu characters", COL(name), sizeof(t.metric) - 1);
		p = name + n;
		q = skip(p);
		if (*q != ')')
			return bad(err, s, "expected ')' after '%.*s' at column %d",
			    (int)n, name, COL(p));
		memcpy(t.metric, name, n);
		prev = q;
		prevlen = 1;
		p = q + 1;
	} else {
		if (n >= sizeof(t.metric))
			return bad(err, s, "metric name at column 1 is longer "
			    "than %zu characters", sizeof(t.metric) - 1);
		strcpy(t.stat, "median");
		memcpy(t.metric, name, n);
		prev = name;
		prevlen = n;
	}

	q = skip(p);
	if (q[0] == '<' || q[0] == '>') {
		if (q[1] == '=')
			t.op = q[0] == '<' ? THRESHOLD_LE : THRESHOLD_GE;
		else
			t.op = q[0] == '<' ? THRESHOLD_LT : THRESHOLD_GT;
	} else if (*q == ')')
		return bad(err, s, "')' at column %d has no matching '('; "
		    "expected an operator <, <=, > or >=", COL(q));
	else
		return bad(err, s, "expected an operator <, <=, > or >= after "
		    "'%.*s' at column %d", prevlen > 16 ? 16 : (int)prevlen,
		    prev, COL(p));
	p = q + strlen(opnames[t.op]);

	v = skip(p);
	if (*v == '\0')
		return bad(err, s, "expected a value after '%s' at column %d",
		    opnames[t.op], COL(p));
	q = number_end(v);
	n = (size_t)(q - v);
	if (n == 0)
		return bad(err, s, "expected a number after '%s' at column %d",
		    opnames[t.op], COL(p));
	if (n >= sizeof(num))
		return bad(err, s, "the number at column %d is longer than %zu "
		    "characters", COL(v), sizeof(num) - 1);
	memcpy(num, v, n);
	num[n] = '\0';
	if ((rc = units_parse_float(num, &d, NULL)) != 0)
		return bad(err, s, "%s '%s' at column %d", rc == DYNO_ERANGE ?
		    "out of range: the number" : "expected a number instead of",
		    num, COL(v));
	e = unit_end(q);
	n = (size_t)(e - v);
	if (*skip(e) != '\0')
		return bad(err, s, "expected the end of the expression after "
		    "'%.*s' at column %d", n > 24 ? 24 : (int)n, v, COL(e));
	if (n >= sizeof(t.value))
		return bad(err, s, "the value at column %d is longer than %zu "
		    "characters", COL(v), sizeof(t.value) - 1);
	memcpy(t.value, v, n);
#undef COL
	*out = t;
	return 0;
}

/* "a, b, c" from the metrics' names, cut with "..." to fit n bytes. */
static void
metric_names(const json_t *metrics, char *buf, size_t n)
{
	const char *key;
	json_t *val;
	size_t used = 0, k;

	buf[0] = '\0';
	/* jansson's iteration takes a non-const object; it does not modify it. */
	json_object_foreach((json_t *)metrics, key, val) {
		k = strlen(key);
		if (used + k + 2 + 4 >= n) {
			snprintf(buf + used, n - used, "%s...", used ? ", " : "");
			return;
		}
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
		    used ? ", " : "", key);
	}
	if (used == 0)
		snprintf(buf, n, "none");
}

int
threshold_eval(const struct threshold *t, const json_t *metrics, int *ok,
	       double *observed, double *bound, struct dyno_err *err)
{
	const json_t *m, *sv, *uv;
	const char *unit, *u;
	struct dyno_err uerr = { 0 };
	char names[112], q[QUOTE_MAX + 1];
	double x, y;
	int rc, holds = 0;

	if (t == NULL)
		return dyno_err_set(err, DYNO_EINVAL, "no threshold given");
	quote(t->text, q);
	if (!json_is_object(metrics))
		return dyno_err_set(err, DYNO_EINVAL, "threshold '%s': the "
		    "result has no metrics object", q);
	if ((m = json_object_get(metrics, t->metric)) == NULL) {
		metric_names(metrics, names, sizeof(names));
		return dyno_err_set(err, DYNO_ENOENT, "threshold '%s': no "
		    "metric '%s' in the result; it has: %s", q, t->metric, names);
	}
	if (!json_is_object(m))
		return dyno_err_set(err, DYNO_EINVAL, "threshold '%s': "
		    "metric '%s' in the result is not an object", q, t->metric);
	sv = json_object_get(m, t->stat);
	if (sv == NULL || json_is_null(sv))
		return dyno_err_set(err, DYNO_ENOENT, "threshold '%s': "
		    "metric '%s' has no %s in the result%s", q, t->metric,
		    t->stat, sv ? " (null: the probe recorded no finite value)" :
		    "");
	if (!json_is_number(sv))
		return dyno_err_set(err, DYNO_EINVAL, "threshold '%s': the "
		    "%s of metric '%s' in the result is not a number",
		    q, t->stat, t->metric);
	x = json_number_value(sv);
	uv = json_object_get(m, "unit");
	unit = json_is_string(uv) ? json_string_value(uv) : "";

	if ((rc = units_parse_value(t->value, unit, &y, &uerr)) != 0) {
		/* The unit is what follows the number, as the parser split it. */
		for (u = number_end(t->value); blank((unsigned char)*u); u++)
			;
		if (rc == DYNO_EINVAL && *u != '\0')
			return dyno_err_set(err, DYNO_EINVAL, "threshold "
			    "'%s': unit '%s' of the value does not fit "
			    "metric '%s', %s%s%s", q, u, t->metric, *unit ?
			    "which is in '" : "which has no unit", unit,
			    *unit ? "'" : "");
		if (rc == DYNO_ERANGE)
			return dyno_err_set(err, DYNO_ERANGE, "threshold "
			    "'%s': value '%s' is out of range in '%s'", q,
			    t->value, unit);
		return dyno_err_set(err, rc, "threshold '%s': %s", q, uerr.msg);
	}

	switch (t->op) {
	case THRESHOLD_LT: holds = x < y; break;
	case THRESHOLD_LE: holds = x <= y; break;
	case THRESHOLD_GT: holds = x > y; break;
	case THRESHOLD_GE: holds = x >= y; break;
	}
	if (ok != NULL)
		*ok = holds;
	if (observed != NULL)
		*observed = x;
	if (bound != NULL)
		*bound = y;
	return 0;
}

int
threshold_verdict(const char *pass_expr, const char *review_expr,
		  const json_t *metrics, enum threshold_verdict *v,
		  json_t **detail, struct dyno_err *err)
{
	struct threshold pt, rt;
	enum threshold_verdict verdict;
	const json_t *uv;
	json_t *d;
	char q[QUOTE_MAX + 1];
	double x, pb, rb = 0;
	int rc, pok, rok = 0;

	if ((rc = threshold_parse(pass_expr, &pt, err)) != 0)
		return rc;
	if (review_expr != NULL) {
		if ((rc = threshold_parse(review_expr, &rt, err)) != 0)
			return rc;
		/* A review tier is a looser bound on the same number; on
		** another one, "between pass and fail" would mean nothing. */
		if (strcmp(pt.metric, rt.metric) != 0 ||
		    strcmp(pt.stat, rt.stat) != 0)
			return dyno_err_set(err, DYNO_EINVAL, "review threshold "
			    "'%s' tests %s(%s) but the pass threshold tests "
			    "%s(%s); both must test the same metric and statistic",
			    quote(rt.text, q), rt.stat, rt.metric, pt.stat,
			    pt.metric);
	}
	if ((rc = threshold_eval(&pt, metrics, &pok, &x, &pb, err)) != 0)
		return rc;
	/* Evaluated even when the pass bound holds, so that a review bound
	** in the wrong unit is reported on the first run, not the first
	** regression. */
	if (review_expr != NULL &&
	    (rc = threshold_eval(&rt, metrics, &rok, NULL, &rb, err)) != 0)
		return rc;
	verdict = pok ? THRESHOLD_PASS : rok ? THRESHOLD_REVIEW : THRESHOLD_FAIL;

	if (detail != NULL) {
		uv = json_object_get(json_object_get(metrics, pt.metric), "unit");
		d = json_object();
		json_object_set_new(d, "expr", json_string(pt.text));
		json_object_set_new(d, "review", review_expr ?
		    json_string(rt.text) : json_null());
		json_object_set_new(d, "verdict",
		    json_string(threshold_verdict_name(verdict)));
		json_object_set_new(d, "metric", json_string(pt.metric));
		json_object_set_new(d, "stat", json_string(pt.stat));
		json_object_set_new(d, "observed", json_real(x));
		json_object_set_new(d, "unit", json_string(json_is_string(uv) ?
		    json_string_value(uv) : ""));
		json_object_set_new(d, "bound", json_real(pb));
		json_object_set_new(d, "review_bound", review_expr ?
		    json_real(rb) : json_null());
		*detail = d;
	}
	if (v != NULL)
		*v = verdict;
	return 0;
}

const char *
threshold_verdict_name(enum threshold_verdict v)
{
	switch (v) {
	case THRESHOLD_PASS: return "pass";
	case THRESHOLD_REVIEW: return "review";
	case THRESHOLD_FAIL: return "fail";
	}
	return "?";
}

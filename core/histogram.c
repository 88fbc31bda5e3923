/* histogram.c - log-linear histogram of doubles, mergeable and serialisable. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "xmalloc.h"

/* frexp's exponents for finite nonzero doubles: the smallest subnormal is
** 0.5 * 2^-1073, DBL_MAX is just under 2^1024.  So a side never holds more
** than 2098 blocks (about 1 MiB) whatever is added. */
#define EMIN (-1073)
#define EMAX 1024

/* The HISTOGRAM_SUB counts of [2^(e-1), 2^e). */
struct block {
	int e;
	uint64_t c[HISTOGRAM_SUB];
};

/* Blocks of one sign, sorted by e; only exponents seen are stored. */
struct side {
	struct block *b;
	size_t n, cap;
};

struct histogram {
	struct side pos;
	struct side neg;	/* negative values, by magnitude */
	uint64_t zero, count;
	double min, max;
};

/* Bucket of a > 0: frexp gives a = m * 2^e with m in [0.5, 1), and
** (2m - 1) * SUB is computed exactly, so s is the exact floor. */
static void
key(double a, int *e, int *s)
{
	double m = frexp(a, e);

	*s = (int)((2 * m - 1) * HISTOGRAM_SUB);
}

static double
mid(int e, int s)
{
	return ldexp(1 + (s + 0.5) / HISTOGRAM_SUB, e - 1);
}

/* Block for exponent e, inserted (zeroed) when absent and create is set. */
static struct block *
find(struct side *sd, int e, int create)
{
	size_t lo = 0, hi = sd->n, m;

	while (lo < hi) {
		m = lo + (hi - lo) / 2;
		if (sd->b[m].e < e)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo < sd->n && sd->b[lo].e == e)
		return &sd->b[lo];
	if (!create)
		return NULL;
	if (sd->n == sd->cap) {
		sd->cap = sd->cap ? 2 * sd->cap : 8;
		sd->b = xreallocarray(sd->b, sd->cap, sizeof(*sd->b));
	}
	memmove(&sd->b[lo + 1], &sd->b[lo], (sd->n - lo) * sizeof(*sd->b));
	sd->n++;
	memset(&sd->b[lo], 0, sizeof(*sd->b));
	sd->b[lo].e = e;
	return &sd->b[lo];
}

struct histogram *
histogram_new(void)
{
	struct histogram *h = xcalloc(1, sizeof(*h));

	h->min = h->max = NAN;
	return h;
}

void
histogram_free(struct histogram *h)
{
	if (h == NULL)
		return;
	free(h->pos.b);
	free(h->neg.b);
	free(h);
}

static void
extend(struct histogram *h, double lo, double hi)
{
	if (h->count == 0 || lo < h->min)
		h->min = lo;
	if (h->count == 0 || hi > h->max)
		h->max = hi;
}

void
histogram_add(struct histogram *h, double v, uint64_t count)
{
	int e, s;

	if (count == 0 || !isfinite(v))
		return;
	extend(h, v, v);
	h->count += count;
	if (v == 0) {
		h->zero += count;
		return;
	}
	key(fabs(v), &e, &s);
	find(v < 0 ? &h->neg : &h->pos, e, 1)->c[s] += count;
}

static void
mergeside(struct side *dst, const struct side *src)
{
	struct block *b;
	size_t i;
	int s;

	for (i = 0; i < src->n; i++) {
		/* Only a missing block is inserted, so src (even == dst)
		** is not moved under us. */
		b = find(dst, src->b[i].e, 1);
		for (s = 0; s < HISTOGRAM_SUB; s++)
			b->c[s] += src->b[i].c[s];
	}
}

void
histogram_merge(struct histogram *dst, const struct histogram *src)
{
	if (src->count == 0)
		return;
	extend(dst, src->min, src->max);
	dst->count += src->count;
	dst->zero += src->zero;
	mergeside(&dst->pos, &src->pos);
	mergeside(&dst->neg, &src->neg);
}

uint64_t
histogram_count(const struct histogram *h)
{
	return h->count;
}

double
histogram_min(const struct histogram *h)
{
	return h->count ? h->min : NAN;
}

double
histogram_max(const struct histogram *h)
{
	return h->count ? h->max : NAN;
}

/*
** ceil(p/100 * n), at least 1.  p is taken in millionths of a percent and
** the product done in integers: in doubles, 99.9% of 1000 can come out as
** 999.0000000000001 and so rank 1000.
*/
static uint64_t
rank(double p, uint64_t n)
{
	const uint64_t scale = 100000000;	/* 100% in 1e-6 % */
	uint64_t pp = (uint64_t)llround(p * 1e6), r;

	r = n / scale * pp + (n % scale * pp + scale - 1) / scale;
	return r < 1 ? 1 : r > n ? n : r;
}

static double
clamp(const struct histogram *h, double v)
{
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

double
histogram_percentile(const struct histogram *h, double p)
{
	uint64_t r, seen = 0;
	size_t i;
	int s;

	if (h->count == 0 || isnan(p))
		return NAN;
	r = rank(p < 0 ? 0 : p > 100 ? 100 : p, h->count);
	/* The extremes are known exactly; no need to approximate them. */
	if (r == 1)
		return h->min;
	if (r == h->count)
		return h->max;
	for (i = h->neg.n; i-- > 0;)
		for (s = HISTOGRAM_SUB; s-- > 0;)
			if ((seen += h->neg.b[i].c[s]) >= r)
				return clamp(h, -mid(h->neg.b[i].e, s));
	if ((seen += h->zero) >= r)
		return clamp(h, 0);
	for (i = 0; i < h->pos.n; i++)
		for (s = 0; s < HISTOGRAM_SUB; s++)
			if ((seen += h->pos.b[i].c[s]) >= r)
				return clamp(h, mid(h->pos.b[i].e, s));
	return h->max;
}

static json_t *
sidejson(const struct side *sd)
{
	json_t *a = json_array();
	size_t i;
	int s;

	for (i = 0; i < sd->n; i++)
		for (s = 0; s < HISTOGRAM_SUB; s++)
			if (sd->b[i].c[s] != 0)
				json_array_append_new(a, json_pack("[iiI]",
				    sd->b[i].e, s, (json_int_t)sd->b[i].c[s]));
	return a;
}

json_t *
histogram_to_json(const struct histogram *h)
{
	json_t *j = json_object();

	json_object_set_new(j, "scheme", json_string("log2-linear"));
	json_object_set_new(j, "sub_buckets", json_integer(HISTOGRAM_SUB));
	json_object_set_new(j, "count", json_integer((json_int_t)h->count));
	json_object_set_new(j, "min",
	    h->count ? json_real(h->min) : json_null());
	json_object_set_new(j, "max",
	    h->count ? json_real(h->max) : json_null());
	json_object_set_new(j, "zero", json_integer((json_int_t)h->zero));
	json_object_set_new(j, "buckets", sidejson(&h->pos));
	json_object_set_new(j, "negative", sidejson(&h->neg));
	return j;
}

static int
bad(struct dyno_err *err, const char *field, const char *why)
{
	return dyno_err_set(err, DYNO_EINVAL, "invalid histogram JSON: "
	    "'%s' %s", field, why);
}

/* A count field: a non-negative JSON integer. */
static int
getcount(const json_t *j, const char *field, uint64_t *out,
    struct dyno_err *err)
{
	const json_t *v = json_object_get(j, field);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(err, field, "must be a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* Position of bucket (sign, e, s) in value order, zero being 0. */
static int64_t
ord(int neg, int e, int s)
{
	int64_t o = 1 + (int64_t)(e - EMIN) * HISTOGRAM_SUB + s;

	return neg ? -o : o;
}

static int64_t
ordof(double v)
{
	int e, s;

	if (v == 0)
		return 0;
	key(fabs(v), &e, &s);
	return ord(v < 0, e, s);
}

/* Read the [[e, s, c], ...] list `field` into sd, checking that it is
** sorted, in range and free of duplicates; adds the counts to *sum and
** widens [*lo, *hi], the positions of the non-empty buckets. */
static int
getside(const json_t *j, const char *field, int neg, struct side *sd,
    uint64_t *sum, int64_t *lo, int64_t *hi, struct dyno_err *err)
{
	const json_t *a = json_object_get(j, field), *t;
	json_int_t e, s, c, prev = -1;
	char name[48];
	int64_t o;
	size_t i;

	if (a == NULL && neg)
		return 0;	/* optional: absent means none */
	if (!json_is_array(a))
		return bad(err, field, "must be an array of [e, s, count]");
	for (i = 0; i < json_array_size(a); i++) {
		t = json_array_get(a, i);
		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		if (!json_is_array(t) || json_array_size(t) != 3 ||
		    !json_is_integer(json_array_get(t, 0)) ||
		    !json_is_integer(json_array_get(t, 1)) ||
		    !json_is_integer(json_array_get(t, 2)))
			return bad(err, name, "must be [e, s, count] integers");
		e = json_integer_value(json_array_get(t, 0));
		s = json_integer_value(json_array_get(t, 1));
		c = json_integer_value(json_array_get(t, 2));
		if (e < EMIN || e > EMAX)
			return bad(err, name, "has e outside [-1073, 1024]");
		if (s < 0 || s >= HISTOGRAM_SUB)
			return bad(err, name, "has s outside [0, 63]");
		if (c < 1)
			return bad(err, name, "has a count below 1");
		if ((e - EMIN) * HISTOGRAM_SUB + s <= prev)
			return bad(err, name,
			    "is out of order or repeated (sort by e, then s)");
		prev = (e - EMIN) * HISTOGRAM_SUB + s;
		if ((uint64_t)c > UINT64_MAX - *sum)
			return bad(err, name, "overflows the total count");
		*sum += (uint64_t)c;
		find(sd, (int)e, 1)->c[s] = (uint64_t)c;
		o = ord(neg, (int)e, (int)s);
		if (o < *lo)
			*lo = o;
		if (o > *hi)
			*hi = o;
	}
	return 0;
}

static int
getbound(const json_t *j, const char *field, double *out,
    struct dyno_err *err)
{
	const json_t *v = json_object_get(j, field);

	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return bad(err, field,
		    "must be a finite number when count > 0");
	*out = json_number_value(v);
	return 0;
}

struct histogram *
histogram_from_json(const json_t *j, struct dyno_err *err)
{
	struct histogram *h;
	const json_t *v;
	uint64_t sum = 0, n;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	if (!json_is_object(j)) {
		dyno_err_set(err, DYNO_EINVAL,
		    "invalid histogram JSON: expected an object");
		return NULL;
	}
	v = json_object_get(j, "scheme");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    "log2-linear") != 0) {
		bad(err, "scheme", "must be \"log2-linear\"");
		return NULL;
	}
	v = json_object_get(j, "sub_buckets");
	if (!json_is_integer(v) || json_integer_value(v) != HISTOGRAM_SUB) {
		bad(err, "sub_buckets", "must be 64");
		return NULL;
	}
	h = histogram_new();
	if (getcount(j, "count", &n, err) != 0 ||
	    getcount(j, "zero", &h->zero, err) != 0)
		goto fail;
	if (h->zero > 0)
		lo = hi = 0;
	sum = h->zero;
	if (getside(j, "buckets", 0, &h->pos, &sum, &lo, &hi, err) != 0 ||
	    getside(j, "negative", 1, &h->neg, &sum, &lo, &hi, err) != 0)
		goto fail;
	if (sum != n) {
		dyno_err_set(err, DYNO_EINVAL, "invalid histogram JSON: "
		    "'count' is %ju but the buckets and 'zero' hold %ju",
		    (uintmax_t)n, (uintmax_t)sum);
		goto fail;
	}
	h->count = n;
	if (n == 0) {
		if (!json_is_null(json_object_get(j, "min")) ||
		    !json_is_null(json_object_get(j, "max"))) {
			bad(err, json_is_null(json_object_get(j, "min")) ?
			    "max" : "min", "must be null when count is 0");
			goto fail;
		}
		h->min = h->max = NAN;
		return h;
	}
	if (getbound(j, "min", &h->min, err) != 0 ||
	    getbound(j, "max", &h->max, err) != 0)
		goto fail;
	if (h->min > h->max) {
		bad(err, "min", "is greater than 'max'");
		goto fail;
	}
	/* min and max must fall in the outermost non-empty buckets. */
	if (ordof(h->min) != lo) {
		bad(err, "min", "is not in the lowest non-empty bucket");
		goto fail;
	}
	if (ordof(h->max) != hi) {
		bad(err, "max", "is not in the highest non-empty bucket");
		goto fail;
	}
	return h;
fail:
	histogram_free(h);
	return NULL;
}

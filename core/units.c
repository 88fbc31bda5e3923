/* units.c - parse and format quantities with units: sizes, durations, rates. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

#define SIZE_FORM "expected a number with an optional unit B, k/KiB, " \
	"M/MiB, G/GiB, T/TiB, P/PiB (binary) or kB, MB, GB, TB, PB (decimal)"
#define DURATION_FORM "expected a number with an optional unit ns, us, " \
	"ms, s, m/min or h (a bare number is seconds)"
#define INT_FORM "expected an integer with an optional multiplier k, M, " \
	"G or T (x1000)"
#define FLOAT_FORM "expected a finite number, optionally followed by %"

/* 2^64 as a double: the first value a uint64_t cannot hold. */
#define TWO64 18446744073709551616.0

/*
** A decimal number as written: value = mant * 10^exp, with trailing zeros
** moved into exp so that mant % 10 != 0 (an integer test is then exp >= 0).
** lost: significant digits beyond what mant holds were dropped (the value
** is then good to 19 digits, still better than a double).
*/
struct num {
	int neg;
	uint64_t mant;
	long exp;
	int lost;
};

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
ieq(const char *a, const char *b)
{
	for (; *a != '\0' && lower((unsigned char)*a) ==
	    lower((unsigned char)*b); a++, b++)
		;
	return *a == '\0' && *b == '\0';
}

/*
** Scan [+-]digits[.digits][(e|E)[+-]digits] at s.  Our own scanner rather
** than strtod's: strtod also takes leading blanks, hex, "inf", "nan" and
** the locale's decimal point, none of which belong in a config value.
** Returns the end of the number, or NULL if there is none.
*/
static const char *
scan(const char *s, struct num *n)
{
	const char *p = s, *q;
	uint64_t m = 0;
	long e = 0, zeros = 0, x = 0;
	int point = 0, ndig = 0, full = 0, lost = 0, xneg = 0, d;

	n->neg = 0;
	if (*p == '+' || *p == '-')
		n->neg = *p++ == '-';
	for (;; p++) {
		if (*p == '.' && !point) {
			point = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		ndig++;
		if (point)
			e--;
		if (*p == '0') {
			zeros++;
			continue;
		}
		for (; zeros > 0; zeros--) {
			if (full || m > UINT64_MAX / 10) {
				full = 1;
				e++;
			} else
				m *= 10;
		}
		d = *p - '0';
		if (full || m > (UINT64_MAX - d) / 10) {
			full = lost = 1;
			e++;
		} else
			m = m * 10 + d;
	}
	if (ndig == 0)
		return NULL;
	e += zeros;
	/* An exponent needs a digit; "4E" leaves "E" as the unit. */
	q = p;
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			xneg = *q++ == '-';
		if (*q >= '0' && *q <= '9') {
			for (; *q >= '0' && *q <= '9'; q++)
				if (x < 1000000)
					x = x * 10 + (*q - '0');
			e += xneg ? -x : x;
			p = q;
		}
	}
	n->mant = m;
	n->exp = m == 0 ? 0 : e;
	n->lost = lost;
	return p;
}

/* The number times 10^e10 as a double, correctly rounded from its digits
** (no decimal point is printed, so the locale cannot interfere).  Returns
** DYNO_ERANGE when it overflows; underflow quietly gives 0. */
static int
todouble(const struct num *n, long e10, double *out)
{
	char buf[64];
	double v;

	snprintf(buf, sizeof(buf), "%s%" PRIu64 "e%ld", n->neg ? "-" : "",
	    n->mant, n->exp + e10);
	v = strtod(buf, NULL);
	if (isinf(v))
		return DYNO_ERANGE;
	*out = v;
	return 0;
}

static uint64_t
pow10u(int k)
{
	uint64_t p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/*
** |number| * f * 10^e10 rounded to the nearest integer (halves up), in
** integer arithmetic when it fits so that "1.5ms" is exactly 1500000 ns and
** "18446744073709551615" survives; a double otherwise.
*/
static int
scale(const struct num *n, uint64_t f, long e10, uint64_t *out)
{
	uint64_t m = n->mant, p, r;
	long e = n->exp + e10;
	struct num a = *n;
	double d;

	if (m == 0) {
		*out = 0;
		return 0;
	}
	if (!n->lost) {
		while (e < 0 && f % 10 == 0) {
			f /= 10;
			e++;
		}
		if (m <= UINT64_MAX / f) {
			m *= f;
			for (; e > 0; e--) {
				if (m > UINT64_MAX / 10)
					return DYNO_ERANGE;
				m *= 10;
			}
			if (e == 0) {
				*out = m;
				return 0;
			}
			if (e >= -19) {
				p = pow10u((int)-e);
				r = m % p;
				*out = m / p + (r >= p - r);
				return 0;
			}
		} else if (e >= 0)
			return DYNO_ERANGE;
	}
	a.neg = 0;
	if (todouble(&a, e10, &d) != 0)
		return DYNO_ERANGE;
	d = floor(d * (double)f + 0.5);
	if (d >= TWO64)
		return DYNO_ERANGE;
	*out = (uint64_t)d;
	return 0;
}

/* Report s quoted (shortened if long, to keep the message one line). */
static int
bad(struct dyno_err *err, int code, const char *what, const char *s,
    const char *why)
{
	size_t len = strlen(s);

	return dyno_err_set(err, code, "invalid %s '%.*s%s': %s", what,
	    len > 64 ? 60 : (int)len, s, len > 64 ? "..." : "", why);
}

/* Parse the number at the start of s; *rest is the unit after optional
** blanks.  Blanks are only allowed between a number and a unit, so "4 "
** and " 4" are refused like any trailing garbage. */
static int
number(const char *s, struct num *n, const char **rest)
{
	const char *p;

	if ((p = scan(s, n)) == NULL)
		return -1;
	*rest = p;
	while (blank((unsigned char)**rest))
		(*rest)++;
	if (**rest == '\0' && *rest != p)
		return -1;
	return 0;
}

/*
** Size unit u[0..len): "" or "B" is bytes; a prefix letter k, M, G, T, P
** (either case) alone or with "iB" is binary (*bin = 10 * k), with "B"
** decimal (*dec = 3 * k).  Lower-case "b" would be bits: refused.
*/
static int
sizeunit(const char *u, size_t len, int *bin, int *dec)
{
	static const char letters[] = "kmgtp";
	const char *l;

	*bin = *dec = 0;
	if (len == 0 || (len == 1 && u[0] == 'B'))
		return 0;
	if ((l = strchr(letters, lower((unsigned char)u[0]))) == NULL)
		return -1;
	if (len == 1 || (len == 3 && u[1] == 'i' && u[2] == 'B')) {
		*bin = 10 * (int)(l - letters + 1);
		return 0;
	}
	if (len == 2 && u[1] == 'B') {
		*dec = 3 * (int)(l - letters + 1);
		return 0;
	}
	return -1;
}

int
units_parse_size(const char *s, uint64_t *out, struct dyno_err *err)
{
	struct num n;
	const char *u;
	uint64_t v;
	int bin, dec;

	if (number(s, &n, &u) != 0 || sizeunit(u, strlen(u), &bin, &dec))
		return bad(err, DYNO_EINVAL, "size", s, SIZE_FORM);
	if (n.neg && n.mant != 0)
		return bad(err, DYNO_ERANGE, "size", s,
		    "a size cannot be negative; expected 0 or more bytes");
	if (scale(&n, (uint64_t)1 << bin, dec, &v) != 0)
		return bad(err, DYNO_ERANGE, "size", s,
		    "out of range, at most 18446744073709551615 bytes "
		    "(16 EiB)");
	*out = v;
	return 0;
}

/* Duration units as 10^e10 * mul seconds. */
static const struct {
	const char *name;
	int e10;
	unsigned mul;
} durations[] = {
	{ "ps", -12, 1 },	/* units_format prints it below 1 ns */
	{ "ns", -9, 1 },
	{ "us", -6, 1 },
	{ "\xc2\xb5s", -6, 1 },		/* U+00B5 micro sign */
	{ "\xce\xbcs", -6, 1 },		/* U+03BC greek mu */
	{ "ms", -3, 1 },
	{ "s", 0, 1 },
	{ "m", 0, 60 },
	{ "min", 0, 60 },
	{ "h", 0, 3600 },
};

/* Index into durations[] for u ("" is seconds), or -1. */
static int
durationunit(const char *u)
{
	size_t i;

	if (*u == '\0')
		u = "s";
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
		if (strcmp(u, durations[i].name) == 0)
			return (int)i;
	return -1;
}

int
units_parse_duration(const char *s, uint64_t *out_ns, struct dyno_err *err)
{
	struct num n;
	const char *u;
	uint64_t v;
	int i;

	if (number(s, &n, &u) != 0 || (i = durationunit(u)) < 0)
		return bad(err, DYNO_EINVAL, "duration", s, DURATION_FORM);
	if (n.neg && n.mant != 0)
		return bad(err, DYNO_ERANGE, "duration", s,
		    "a duration cannot be negative; expected 0 or more");
	if (scale(&n, durations[i].mul, durations[i].e10 + 9L, &v) != 0)
		return bad(err, DYNO_ERANGE, "duration", s,
		    "out of range, at most 18446744073709551615 ns "
		    "(584 years)");
	*out_ns = v;
	return 0;
}

int
units_parse_int(const char *s, int64_t *out, struct dyno_err *err)
{
	static const char mult[] = "kMGT";
	const char *u, *l;
	struct num n;
	uint64_t v, lim;
	long e;
	double d;

	if (number(s, &n, &u) != 0)
		return bad(err, DYNO_EINVAL, "integer", s, INT_FORM);
	e = 0;
	if (*u != '\0') {
		if (u[1] != '\0' || (l = strchr(mult, *u == 'K' ? 'k' : *u)) ==
		    NULL)
			return bad(err, DYNO_EINVAL, "integer", s, INT_FORM);
		e = 3 * (l - mult + 1);
	}
	lim = n.neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (n.lost) {
		/* 20+ significant digits: huge or not an integer. */
		if (todouble(&n, e, &d) != 0 || fabs(d) >= 9.2e18)
			goto range;
		return bad(err, DYNO_EINVAL, "integer", s,
		    "not a whole number; " INT_FORM);
	}
	if (n.exp + e < 0 && n.mant != 0)
		return bad(err, DYNO_EINVAL, "integer", s,
		    "not a whole number; " INT_FORM);
	if (scale(&n, 1, e, &v) != 0 || v > lim)
		goto range;
	*out = n.neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
range:
	return bad(err, DYNO_ERANGE, "integer", s, "out of range, expected "
	    "-9223372036854775808 to 9223372036854775807");
}

int
units_parse_float(const char *s, double *out, struct dyno_err *err)
{
	struct num n;
	const char *u;
	double d;

	if (number(s, &n, &u) != 0 || (*u != '\0' && strcmp(u, "%") != 0))
		return bad(err, DYNO_EINVAL, "number", s, FLOAT_FORM);
	if (todouble(&n, *u == '%' ? -2 : 0, &d) != 0)
		return bad(err, DYNO_ERANGE, "number", s,
		    "out of range for a double (about 1.8e308)");
	*out = d;
	return 0;
}

int
units_parse_bool(const char *s, int *out, struct dyno_err *err)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (ieq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (ieq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return bad(err, DYNO_EINVAL, "boolean", s,
	    "expected true/false, yes/no, on/off or 1/0");
}

/* Metric units that are times: values are scaled between them. */
static int
timeunit(const char *unit, int *e10)
{
	static const struct {
		const char *name;
		int e10;
	} t[] = { { "s", 0 }, { "ms", -3 }, { "us", -6 }, { "ns", -9 } };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(unit, t[i].name) == 0) {
			*e10 = t[i].e10;
			return 1;
		}
	return 0;
}

/* Decimal prefix of generic units ("12k op/s", "500m"): the power of ten,
** or 1 (not a multiple of 3) when c is not one.  The same set as
** units_format prints, so what it prints parses back. */
static int
siprefix(int c)
{
	static const char m[] = "num kMGTP";
	const char *l;

	if (c == '\0' || c == ' ' || (l = strchr(m, c)) == NULL)
		return 1;
	return 3 * (int)(l - m - 3);
}

int
units_parse_value(const char *s, const char *unit, double *out,
		  struct dyno_err *err)
{
	struct num n;
	const char *u, *v;
	const char *form;
	char why[192];
	size_t len;
	double d;
	int rc, e10, i, bin, dec;

	if (unit == NULL)
		unit = "";
	if (number(s, &n, &u) != 0)
		return bad(err, DYNO_EINVAL, "value", s,
		    "expected a number with an optional unit");
	len = strlen(u);
	bin = 0;
	if (timeunit(unit, &e10)) {
		form = "expected a duration such as 250ns, 1.5ms, 2s or 1min";
		if (*u == '\0')
			rc = todouble(&n, 0, &d);
		else if ((i = durationunit(u)) >= 0) {
			rc = todouble(&n, durations[i].e10 - e10, &d);
			if (rc == 0)
				d *= durations[i].mul;
		} else
			goto mismatch;
	} else if (strcmp(unit, "B") == 0) {
		form = SIZE_FORM;
		if (sizeunit(u, len, &bin, &dec) != 0)
			goto mismatch;
		rc = todouble(&n, dec, &d);
	} else if (strcmp(unit, "B/s") == 0) {
		form = "expected a rate such as 1.2GB/s, 500MiB/s or 4096B/s";
		if (*u == '\0')
			dec = 0;
		else if (len < 3 || strcmp(u + len - 2, "/s") != 0 ||
		    sizeunit(u, len - 2, &bin, &dec) != 0)
			goto mismatch;
		rc = todouble(&n, dec, &d);
	} else if (strcmp(unit, "%") == 0) {
		/* The metric is already in percent: "5%" is 5, not 0.05. */
		form = "expected a percentage such as 5 or 5%";
		if (*u != '\0' && strcmp(u, "%") != 0)
			goto mismatch;
		rc = todouble(&n, 0, &d);
	} else {
		form = "expected a number with an optional prefix n, u, m, k, "
		    "M, G, T or P and the metric's unit";
		dec = 0;
		if (*u != '\0' && (*unit == '\0' || strcmp(u, unit) != 0)) {
			if ((dec = siprefix((unsigned char)*u)) == 1)
				goto mismatch;
			for (v = u + 1; blank((unsigned char)*v); v++)
				;
			if (*v != '\0' ? strcmp(v, unit) != 0 : v != u + 1)
				goto mismatch;
		}
		rc = todouble(&n, dec, &d);
	}
	/* "1e308h" and "1e308PiB" overflow only now. */
	if (rc != 0 || isinf(d = ldexp(d, bin)))
		return bad(err, DYNO_ERANGE, "value", s,
		    "out of range for a double (about 1.8e308)");
	*out = d;
	return 0;
mismatch:
	snprintf(why, sizeof(why), "unit '%.*s' does not fit %s%s; %s",
	    len > 32 ? 32 : (int)len, u, *unit ? "a metric in " :
	    "a unitless metric", unit, form);
	return bad(err, DYNO_EINVAL, "value", s, why);
}

/* 3 significant digits of x, for x >= 0 (below 1 only at the smallest
** prefix). */
static void
sig3(double x, char *buf, size_t n)
{
	if (x >= 99.95)
		snprintf(buf, n, "%.0f", x);
	else if (x >= 9.995)
		snprintf(buf, n, "%.1f", x);
	else if (x >= 0.9995)
		snprintf(buf, n, "%.2f", x);
	else
		snprintf(buf, n, "%#.3g", x);
}

char *
units_format(double value, const char *unit, char *buf, size_t n)
{
	/* Prefixes from 10^-12; time starts at p, other units at n. */
	static const char *const prefix[] = {
		"p", "n", "u", "m", "", "k", "M", "G", "T", "P"
	};
	const int unity = 4;
	char num[48];
	double a;
	int i, lo, hi, e10;

	if (n == 0)
		return buf;
	if (unit == NULL)
		unit = "";
	if (timeunit(unit, &e10)) {
		/* "1500 ms" reads better as "1.50 s": format all times as s. */
		value *= pow(10, e10);
		unit = "s";
	}
	if (!isfinite(value)) {
		snprintf(buf, n, "%g%s%s", value, *unit ? " " : "", unit);
		return buf;
	}
	if (value == 0) {
		snprintf(buf, n, "0%s%s", *unit ? " " : "", unit);
		return buf;
	}
	a = fabs(value);
	if (strcmp(unit, "%") == 0)
		lo = hi = unity;
	else if (strcmp(unit, "s") == 0) {
		lo = 0;
		hi = unity;	/* minutes and hours stay in s */
	} else if (strcmp(unit, "B") == 0 || strcmp(unit, "B/s") == 0) {
		/* No "mB": a size parser reads no fractions of a byte, and
		** what is printed must read back. */
		lo = unity;
		hi = 9;
	} else if (*unit == '\0') {
		/* A plain number below 1 is a ratio or a fraction (a hit rate,
		** precision): "0.918", not "918 m". */
		lo = unity;
		hi = 9;
	} else {
		lo = 1;
		hi = 9;
	}
	i = unity + (int)floor(log10(a) / 3);
	i = i < lo ? lo : i > hi ? hi : i;
	a /= pow(10, 3 * (i - unity));
	/* log10 may be off by an ulp near powers of 1000; rounding to 3
	** digits may carry into the next prefix (999.7 -> 1.00 k). */
	while (a < 1 && i > lo) {
		a *= 1000;
		i--;
	}
	while (a >= 999.5 && i < hi) {
		a /= 1000;
		i++;
	}
	sig3(a, num, sizeof(num));
	snprintf(buf, n, "%s%s%s%s%s", value < 0 ? "-" : "", num,
	    *prefix[i] || *unit ? " " : "", prefix[i], unit);
	return buf;
}

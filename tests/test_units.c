/* test_units.c - unit parsers and formatter against tables of input. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "units.h"

/* Strings live in the structs, not behind pointers: Criterion hands
** parameters to the test process by copying the array. */

/* The message of a failed parse must quote the input. */
static void
quoted(const struct dyno_err *err, const char *in)
{
	char q[96];

	snprintf(q, sizeof(q), "'%s'", in);
	cr_expect(strstr(err->msg, q) != NULL,
	    "message does not quote the input: %s", err->msg);
	cr_expect(strchr(err->msg, '\n') == NULL, "message is not one line");
}

struct ucase {
	char in[40];
	uint64_t want;
	int code;
};

ParameterizedTestParameters(units, size)
{
	static struct ucase c[] = {
		{ "4096", 4096, 0 },
		{ "4k", 4096, 0 },
		{ "4K", 4096, 0 },
		{ "4KiB", 4096, 0 },
		{ "4 KiB", 4096, 0 },
		{ "4kB", 4000, 0 },
		{ "4KB", 4000, 0 },
		{ "2M", 2097152, 0 },
		{ "2m", 2097152, 0 },
		{ "1MB", 1000000, 0 },
		{ "1.5GiB", 1610612736, 0 },
		{ "1GB", 1000000000, 0 },
		{ "1T", 1099511627776ULL, 0 },
		{ "1TB", 1000000000000ULL, 0 },
		{ "1PiB", 1125899906842624ULL, 0 },
		{ "1PB", 1000000000000000ULL, 0 },
		{ "100B", 100, 0 },
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "+7", 7, 0 },
		{ "0.5k", 512, 0 },
		{ "0.1k", 102, 0 },		/* 102.4 rounds to 102 */
		{ "1e3", 1000, 0 },
		{ "1.5", 2, 0 },		/* halves round up */
		{ "18446744073709551615", UINT64_MAX, 0 },
		{ "15.99999999999999999999PiB", 18014398509481984ULL, 0 },
		{ "", 0, DYNO_EINVAL },
		{ "abc", 0, DYNO_EINVAL },
		{ "1.5XB", 0, DYNO_EINVAL },
		{ "4kx", 0, DYNO_EINVAL },
		{ "4kb", 0, DYNO_EINVAL },	/* bits are not bytes */
		{ "4 ", 0, DYNO_EINVAL },
		{ " 4", 0, DYNO_EINVAL },
		{ "   ", 0, DYNO_EINVAL },
		{ "nan", 0, DYNO_EINVAL },
		{ "inf", 0, DYNO_EINVAL },
		{ "0x10", 0, DYNO_EINVAL },
		{ "4..5", 0, DYNO_EINVAL },
		{ ".", 0, DYNO_EINVAL },
		{ "1e", 0, DYNO_EINVAL },
		{ "-4k", 0, DYNO_ERANGE },
		{ "1e400", 0, DYNO_ERANGE },
		{ "18446744073709551616", 0, DYNO_ERANGE },
		{ "16384P", 0, DYNO_ERANGE },
		{ "20000PB", 0, DYNO_ERANGE },
	};

	return cr_make_param_array(struct ucase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct ucase *c, units, size)
{
	struct dyno_err err = { 0, "" };
	uint64_t v = 12345;
	int rc = units_parse_size(c->in, &v, &err);

	cr_assert_eq(rc, c->code, "'%s': rc %d, want %d (%s)", c->in, rc,
	    c->code, err.msg);
	if (c->code == 0) {
		cr_expect_eq(v, c->want, "'%s': %ju, want %ju", c->in,
		    (uintmax_t)v, (uintmax_t)c->want);
		return;
	}
	cr_expect_eq(v, 12345, "'%s': output written on error", c->in);
	cr_expect_eq(err.code, c->code);
	quoted(&err, c->in);
	cr_expect(strstr(err.msg, "size") != NULL, "%s", err.msg);
}

Test(units, size_message)
{
	struct dyno_err err;
	uint64_t v;

	units_parse_size("1.5XB", &v, &err);
	cr_assert_str_eq(err.msg, "invalid size '1.5XB': expected a number "
	    "with an optional unit B, k/KiB, M/MiB, G/GiB, T/TiB, P/PiB "
	    "(binary) or kB, MB, GB, TB, PB (decimal)");
}

ParameterizedTestParameters(units, duration)
{
	static struct ucase c[] = {
		{ "250ns", 250, 0 },
		{ "250us", 250000, 0 },
		{ "250\xc2\xb5s", 250000, 0 },
		{ "250\xce\xbcs", 250000, 0 },
		{ "1.5ms", 1500000, 0 },
		{ "1.5 ms", 1500000, 0 },
		{ "2s", 2000000000, 0 },
		{ "2", 2000000000, 0 },
		{ "0.25", 250000000, 0 },
		{ "1m", 60000000000ULL, 0 },
		{ "1.5min", 90000000000ULL, 0 },
		{ "1h", 3600000000000ULL, 0 },
		{ "0.5ns", 1, 0 },
		{ "0.4ns", 0, 0 },
		{ "1e-9", 1, 0 },
		{ "", 0, DYNO_EINVAL },
		{ "abc", 0, DYNO_EINVAL },
		{ "1d", 0, DYNO_EINVAL },
		{ "5ms!", 0, DYNO_EINVAL },
		{ "1 h ", 0, DYNO_EINVAL },
		{ "1MS", 0, DYNO_EINVAL },
		{ "inf", 0, DYNO_EINVAL },
		{ "-1s", 0, DYNO_ERANGE },
		{ "1e400", 0, DYNO_ERANGE },
		{ "6000000h", 0, DYNO_ERANGE },
	};

	return cr_make_param_array(struct ucase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct ucase *c, units, duration)
{
	struct dyno_err err = { 0, "" };
	uint64_t v = 12345;
	int rc = units_parse_duration(c->in, &v, &err);

	cr_assert_eq(rc, c->code, "'%s': rc %d, want %d (%s)", c->in, rc,
	    c->code, err.msg);
	if (c->code == 0) {
		cr_expect_eq(v, c->want, "'%s': %ju, want %ju", c->in,
		    (uintmax_t)v, (uintmax_t)c->want);
		return;
	}
	cr_expect_eq(v, 12345);
	quoted(&err, c->in);
	cr_expect(strstr(err.msg, "duration") != NULL, "%s", err.msg);
}

struct icase {
	char in[40];
	int64_t want;
	int code;
};

ParameterizedTestParameters(units, integer)
{
	static struct icase c[] = {
		{ "12", 12, 0 },
		{ "-12", -12, 0 },
		{ "12k", 12000, 0 },
		{ "12K", 12000, 0 },
		{ "12 k", 12000, 0 },
		{ "12.5k", 12500, 0 },		/* a whole number: allowed */
		{ "2M", 2000000, 0 },
		{ "-3G", -3000000000LL, 0 },
		{ "3T", 3000000000000LL, 0 },
		{ "1e3", 1000, 0 },
		{ "120e-1", 12, 0 },
		{ "9223372036854775807", INT64_MAX, 0 },
		{ "-9223372036854775808", INT64_MIN, 0 },
		{ "0.000", 0, 0 },
		{ "12.5", 0, DYNO_EINVAL },
		{ "1.0001k", 0, DYNO_EINVAL },
		{ "1.2345678901234567890123", 0, DYNO_EINVAL },
		{ "", 0, DYNO_EINVAL },
		{ "abc", 0, DYNO_EINVAL },
		{ "12x", 0, DYNO_EINVAL },
		{ "12kB", 0, DYNO_EINVAL },
		{ "12m", 0, DYNO_EINVAL },
		{ "nan", 0, DYNO_EINVAL },
		{ "9223372036854775808", 0, DYNO_ERANGE },
		{ "-9223372036854775809", 0, DYNO_ERANGE },
		{ "10000000T", 0, DYNO_ERANGE },
		{ "1e400", 0, DYNO_ERANGE },
		{ "123456789012345678901234", 0, DYNO_ERANGE },
	};

	return cr_make_param_array(struct icase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct icase *c, units, integer)
{
	struct dyno_err err = { 0, "" };
	int64_t v = 12345;
	int rc = units_parse_int(c->in, &v, &err);

	cr_assert_eq(rc, c->code, "'%s': rc %d, want %d (%s)", c->in, rc,
	    c->code, err.msg);
	if (c->code == 0) {
		cr_expect_eq(v, c->want, "'%s': %jd, want %jd", c->in,
		    (intmax_t)v, (intmax_t)c->want);
		return;
	}
	cr_expect_eq(v, 12345);
	quoted(&err, c->in);
}

struct fcase {
	char in[40];
	double want;
	int code;
};

ParameterizedTestParameters(units, floating)
{
	static struct fcase c[] = {
		{ "1.5", 1.5, 0 },
		{ "-3e-2", -0.03, 0 },
		{ "2%", 0.02, 0 },
		{ "2 %", 0.02, 0 },
		{ ".5", 0.5, 0 },
		{ "1e308", 1e308, 0 },
		{ "0.1", 0.1, 0 },
		{ "", 0, DYNO_EINVAL },
		{ "nan", 0, DYNO_EINVAL },
		{ "-inf", 0, DYNO_EINVAL },
		{ "1.5.2", 0, DYNO_EINVAL },
		{ "2%%", 0, DYNO_EINVAL },
		{ "2k", 0, DYNO_EINVAL },
		{ "1e400", 0, DYNO_ERANGE },
	};

	return cr_make_param_array(struct fcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct fcase *c, units, floating)
{
	struct dyno_err err = { 0, "" };
	double v = 12345;
	int rc = units_parse_float(c->in, &v, &err);

	cr_assert_eq(rc, c->code, "'%s': rc %d, want %d (%s)", c->in, rc,
	    c->code, err.msg);
	if (c->code == 0) {
		/* Correctly rounded: exact equality. */
		cr_expect(v == c->want, "'%s': %.17g, want %.17g", c->in, v,
		    c->want);
		return;
	}
	cr_expect(v == 12345);
	quoted(&err, c->in);
}

struct bcase {
	char in[16];
	int want;
	int code;
};

ParameterizedTestParameters(units, boolean)
{
	static struct bcase c[] = {
		{ "true", 1, 0 }, { "TRUE", 1, 0 }, { "yes", 1, 0 },
		{ "On", 1, 0 }, { "1", 1, 0 }, { "false", 0, 0 },
		{ "No", 0, 0 }, { "off", 0, 0 }, { "0", 0, 0 },
		{ "", 0, DYNO_EINVAL }, { "y", 0, DYNO_EINVAL },
		{ "truex", 0, DYNO_EINVAL }, { "2", 0, DYNO_EINVAL },
		{ " true", 0, DYNO_EINVAL },
	};

	return cr_make_param_array(struct bcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct bcase *c, units, boolean)
{
	struct dyno_err err = { 0, "" };
	int v = 7;
	int rc = units_parse_bool(c->in, &v, &err);

	cr_assert_eq(rc, c->code, "'%s': rc %d", c->in, rc);
	if (c->code == 0)
		cr_expect_eq(v, c->want, "'%s'", c->in);
	else {
		cr_expect_eq(v, 7);
		quoted(&err, c->in);
	}
}

struct vcase {
	char in[24];
	char unit[8];
	double want;
	int code;
};

ParameterizedTestParameters(units, value)
{
	static struct vcase c[] = {
		{ "100ms", "s", 0.1, 0 },
		{ "250us", "s", 250e-6, 0 },
		{ "250\xc2\xb5s", "s", 250e-6, 0 },
		{ "2min", "s", 120, 0 },
		{ "1h", "s", 3600, 0 },
		{ "1.5", "s", 1.5, 0 },
		{ "-5ms", "s", -0.005, 0 },
		{ "100us", "ms", 0.1, 0 },
		{ "3", "ms", 3, 0 },
		{ "1.2GB/s", "B/s", 1.2e9, 0 },
		{ "1GiB/s", "B/s", 1073741824.0, 0 },
		{ "50MB/s", "B/s", 5e7, 0 },
		{ "50 MiB/s", "B/s", 52428800.0, 0 },
		{ "100B/s", "B/s", 100, 0 },
		{ "100", "B/s", 100, 0 },
		{ "2GiB", "B", 2147483648.0, 0 },
		{ "2GB", "B", 2e9, 0 },
		{ "4k", "B", 4096, 0 },
		{ "30", "op/s", 30, 0 },
		{ "12k", "op/s", 12000, 0 },
		{ "12kop/s", "op/s", 12000, 0 },
		{ "12k op/s", "op/s", 12000, 0 },
		{ "30 op/s", "op/s", 30, 0 },
		{ "1.5MHz", "Hz", 1.5e6, 0 },
		{ "5%", "%", 5, 0 },
		{ "5", "%", 5, 0 },
		{ "1.5", "", 1.5, 0 },
		{ "2k", "", 2000, 0 },
		{ "500m", "", 0.5, 0 },
		{ "500 mop/s", "op/s", 0.5, 0 },
		{ "2.5 nHz", "Hz", 2.5e-9, 0 },
		{ "1ms", "B/s", 0, DYNO_EINVAL },
		{ "5GB", "B/s", 0, DYNO_EINVAL },
		{ "5GB/s", "B", 0, DYNO_EINVAL },
		{ "12kB", "op/s", 0, DYNO_EINVAL },
		{ "12kop/s ", "op/s", 0, DYNO_EINVAL },
		{ "5%", "s", 0, DYNO_EINVAL },
		{ "5ms", "%", 0, DYNO_EINVAL },
		{ "2x", "", 0, DYNO_EINVAL },
		{ "abc", "s", 0, DYNO_EINVAL },
		{ "", "s", 0, DYNO_EINVAL },
		{ "nan", "op/s", 0, DYNO_EINVAL },
		{ "1e400", "s", 0, DYNO_ERANGE },
		{ "1e308h", "s", 0, DYNO_ERANGE },
		{ "1e308PiB", "B", 0, DYNO_ERANGE },
	};

	return cr_make_param_array(struct vcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct vcase *c, units, value)
{
	struct dyno_err err = { 0, "" };
	double v = 12345;
	int rc = units_parse_value(c->in, c->unit, &v, &err);

	cr_assert_eq(rc, c->code, "('%s', '%s'): rc %d, want %d (%s)", c->in,
	    c->unit, rc, c->code, err.msg);
	if (c->code == 0) {
		cr_expect(fabs(v - c->want) <= 1e-15 * fabs(c->want),
		    "('%s', '%s'): %.17g, want %.17g", c->in, c->unit, v,
		    c->want);
		return;
	}
	cr_expect(v == 12345);
	quoted(&err, c->in);
}

Test(units, value_mismatch_names_both)
{
	struct dyno_err err;
	double v;

	cr_assert_eq(units_parse_value("1ms", "B/s", &v, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "'ms'") != NULL, "%s", err.msg);
	cr_expect(strstr(err.msg, "B/s") != NULL, "%s", err.msg);
}

Test(units, long_input_is_shortened)
{
	char in[200];
	struct dyno_err err;
	uint64_t v;

	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	cr_assert_eq(units_parse_size(in, &v, &err), DYNO_EINVAL);
	cr_expect(strstr(err.msg, "...'") != NULL, "%s", err.msg);
	cr_expect(strlen(err.msg) < sizeof(err.msg) - 1, "%s", err.msg);
}

Test(units, null_err_is_allowed)
{
	uint64_t v;

	cr_expect_eq(units_parse_size("nope", &v, NULL), DYNO_EINVAL);
}

struct fmtcase {
	double v;
	char unit[8];
	char want[24];
};

ParameterizedTestParameters(units, format)
{
	static struct fmtcase c[] = {
		{ 8.5e-7, "s", "850 ns" },
		{ -8.5e-7, "s", "-850 ns" },
		{ 1.23e9, "B/s", "1.23 GB/s" },
		{ 12000, "op/s", "12.0 kop/s" },
		{ 4096, "B", "4.10 kB" },
		{ 0, "s", "0 s" },
		{ 0, "", "0" },
		{ 125, "s", "125 s" },
		{ 3600, "s", "3600 s" },
		{ 1.5, "s", "1.50 s" },
		{ 0.0015, "s", "1.50 ms" },
		{ 2.5e-4, "s", "250 us" },
		{ 1.5e-10, "s", "150 ps" },
		{ 1.5, "ms", "1.50 ms" },
		{ 1500, "ms", "1.50 s" },
		{ 1500, "", "1.50 k" },
		{ 42, "", "42.0" },
		{ 0.918, "", "0.918" },   /* a ratio, not "918 m" */
		{ 12.5, "%", "12.5 %" },
		{ 5, "%", "5.00 %" },
		{ 1234.5, "%", "1234 %" },
		{ 999.7, "B", "1.00 kB" },
		{ 999.4, "B", "999 B" },
		{ 1e18, "B", "1000 PB" },
		{ 0.5, "op/s", "500 mop/s" },
		{ 2.5e-9, "Hz", "2.50 nHz" },
		{ 1e6, "B", "1.00 MB" },
		{ -2e3, "op/s", "-2.00 kop/s" },
	};

	return cr_make_param_array(struct fmtcase, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct fmtcase *c, units, format)
{
	char buf[32];

	cr_assert_str_eq(units_format(c->v, c->unit, buf, sizeof(buf)),
	    c->want, "(%g, '%s')", c->v, c->unit);
}

Test(units, format_truncates)
{
	char buf[8];

	memset(buf, '#', sizeof(buf));
	units_format(1.23e9, "B/s", buf, 5);
	cr_expect_str_eq(buf, "1.23");
	cr_expect_eq(buf[5], '#', "wrote past n");
	cr_expect(units_format(1, "s", buf, 0) == buf);
}

Test(units, format_parse_round_trip)
{
	static const struct {
		const char *unit;
		double lo, hi;
	} u[] = {
		{ "s", 1e-12, 1e5 }, { "B/s", 1, 1e17 }, { "B", 1, 1e17 },
		{ "op/s", 1e-9, 1e17 }, { "", 1e-9, 1e17 }, { "%", 1e-3, 1e5 },
	};
	char buf[32];
	double v, x;
	size_t i;

	/* 3 significant digits: what is printed parses back within 0.5%. */
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		for (x = u[i].lo; x < u[i].hi; x *= 1.37) {
			units_format(x, u[i].unit, buf, sizeof(buf));
			cr_assert_eq(units_parse_value(buf, u[i].unit, &v,
			    NULL), 0, "'%s' in '%s'", buf, u[i].unit);
			cr_expect(fabs(v - x) <= 0.005 * x, "%g -> '%s' -> %g",
			    x, buf, v);
		}
}

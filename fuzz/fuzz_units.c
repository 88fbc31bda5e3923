/* fuzz_units.c - libFuzzer target: every units_parse_*, units_format back. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const units[] = { "s", "ms", "us", "ns", "B", "B/s",
	"op/s", "%", "", "Hz", "W" };

/* Whether the input holds a line break: units.c quotes its input as it
** is, so only then may a message span lines. */
static int multiline;

/* A parse either succeeds or fails with a known code and a message (one
** line unless the input had several); anything else is a bug. */
static void
check(int rc, const struct dyno_err *err)
{
	if (rc == 0)
		return;
	if ((rc != DYNO_EINVAL && rc != DYNO_ERANGE) || err->code != rc ||
	    err->msg[0] == '\0' ||
	    (!multiline && strchr(err->msg, '\n') != NULL))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dyno_err err = { 0, "" };
	char *s, buf[64], *tiny;
	uint64_t u;
	int64_t i;
	double d, back;
	size_t k, n;
	int b, rc;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	multiline = strpbrk(s, "\n\r") != NULL;

	check(units_parse_size(s, &u, &err), &err);
	check(units_parse_duration(s, &u, &err), &err);
	check(units_parse_int(s, &i, &err), &err);
	check(units_parse_bool(s, &b, &err), &err);
	if ((rc = units_parse_float(s, &d, &err)) == 0 && !isfinite(d))
		__builtin_trap();
	check(rc, &err);

	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		rc = units_parse_value(s, units[k], &d, &err);
		check(rc, &err);
		if (rc != 0)
			continue;
		if (!isfinite(d))
			__builtin_trap();
		/* What it prints units_parse_value reads back. */
		units_format(d, units[k], buf, sizeof(buf));
		if (units_parse_value(buf, units[k], &back, &err) != 0)
			__builtin_trap();
		/* Truncation stays inside a buffer of exactly n bytes. */
		n = size > 0 ? data[0] % 12 + 1 : 1;
		if ((tiny = malloc(n)) == NULL)
			break;
		units_format(d, units[k], tiny, n);
		if (memchr(tiny, '\0', n) == NULL)
			__builtin_trap();
		free(tiny);
	}
	free(s);
	return 0;
}

/* fuzz_threshold.c - libFuzzer target: threshold_parse and what it accepts. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One metric "m" per unit family, so that every value the parser lets
** through also goes through units_parse_value for each kind of unit. */
static const char *const units[] = { "s", "ms", "B", "B/s", "op/s", "%",
	"", "Hz" };
static json_t *metrics[sizeof(units) / sizeof(units[0])];

static json_t *
summary(const char *unit)
{
	return json_pack("{s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, "
	    "s:n}", "unit", unit, "n", 3, "min", 0.5, "max", 2e9, "mean",
	    1e3, "median", 1e-6, "p50", 1e-6, "p90", 12000.0, "p95", 0.1,
	    "p99", 1.2e9, "p999");
}

static void
setup(void)
{
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		metrics[i] = json_pack("{s:o}", "m", summary(units[i]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct threshold t, again, tm;
	struct dyno_err err = { 0, "" };
	enum threshold_verdict v;
	json_t *byname, *detail = NULL;
	char *s;
	double x, b;
	size_t i;
	int ok;

	if (metrics[0] == NULL)
		setup();
	/* The parser takes a C string: NUL-terminate a copy (an embedded
	** NUL simply ends the expression early). */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (threshold_parse(s, &t, &err) != 0) {
		if (err.code != DYNO_EINVAL || strchr(err.msg, '\n') != NULL)
			__builtin_trap();
		free(s);
		return 0;
	}

	/* What was accepted parses again, from its own text, to the same. */
	if (threshold_parse(t.text, &again, &err) != 0 ||
	    strcmp(t.stat, again.stat) != 0 ||
	    strcmp(t.metric, again.metric) != 0 || t.op != again.op ||
	    strcmp(t.value, again.value) != 0 ||
	    strcmp(t.text, again.text) != 0)
		__builtin_trap();

	tm = t;
	strcpy(tm.metric, "m");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (threshold_eval(&tm, metrics[i], &ok, &x, &b, &err) == 0 &&
		    (!isfinite(b) || (ok != 0 && ok != 1)))
			__builtin_trap();

	/* The full verdict, with the metric under the parsed name. */
	byname = json_pack("{s:o}", t.metric, summary("s"));
	if (threshold_verdict(t.text, t.text, byname, &v, &detail, &err) == 0) {
		if (v != THRESHOLD_PASS && v != THRESHOLD_FAIL)
			__builtin_trap();
		json_decref(detail);
	}
	json_decref(byname);
	free(s);
	return 0;
}

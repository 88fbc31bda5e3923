/* table.c - aligned, unit-scaled terminal tables of result records. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "units.h"

static double
getd(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *
fmt(double v, const char *unit, char *buf, size_t n)
{
	if (!isfinite(v))
		return "-";
	return units_format(v, unit, buf, n);
}

void
table_print_record(FILE *fp, const json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *status = json_string_value(json_object_get(rec, "status"));
	const char *msg = json_string_value(json_object_get(rec, "message"));
	const json_t *metrics = json_object_get(rec, "metrics");
	const json_t *meas = json_object_get(rec, "measurement");
	const json_t *res = json_object_get(rec, "resources");
	const char *name;
	const json_t *m;
	char b[7][32];

	fprintf(fp, "%s  %s  (%.2f s)\n", id ? id : "?", status ? status : "?",
		getd(rec, "duration_s"));
	if (msg && msg[0])
		fprintf(fp, "  %s: %s\n", strcmp(status ? status : "", "ok") ?
			"reason" : "note", msg);
	if (json_object_size(metrics) > 0)
		fprintf(fp, "  %-14s %11s %11s %11s %11s %11s %9s %8s\n",
			"metric", "median", "mean", "p99", "min", "max",
			"+-ci95", "n");
	json_object_foreach((json_t *)metrics, name, m) {
		const char *unit = json_string_value(json_object_get(m, "unit"));
		const json_t *ci = json_object_get(m, "ci95");
		double med = getd(m, "median");
		double lo = json_number_value(json_array_get(ci, 0));
		double hi = json_number_value(json_array_get(ci, 1));
		double half = (hi - lo) / 2.0;
		char cibuf[32];

		if (!unit)
			unit = "";
		if (med != 0 && isfinite(half))
			snprintf(cibuf, sizeof(cibuf), "%.1f%%",
				 100.0 * half / fabs(med));
		else
			snprintf(cibuf, sizeof(cibuf), "-");
		fprintf(fp, "  %-14s %11s %11s %11s %11s %11s %9s %8lld\n", name,
			fmt(med, unit, b[0], 32), fmt(getd(m, "mean"), unit, b[1], 32),
			fmt(getd(m, "p99"), unit, b[2], 32),
			fmt(getd(m, "min"), unit, b[3], 32),
			fmt(getd(m, "max"), unit, b[4], 32), cibuf,
			(long long)json_integer_value(json_object_get(m, "n")));
		if (json_is_true(json_object_get(m, "noisy")))
			fprintf(fp, "  warning: %s is noisy (cv %.1f%% > 5%%): "
				"close other programs, pin the CPU, or run longer\n",
				name, 100.0 * getd(m, "cv"));
	}
	/* Only a measurement that ran out of time missed its target; a probe
	** that stopped itself (a sample count) never aimed at it. */
	if (meas && json_is_false(json_object_get(meas, "ci_target_met")) &&
	    status && strcmp(status, "ok") == 0 &&
	    getd(meas, "measured_s") >= 0.99 * getd(meas, "max_time_s"))
		fprintf(fp, "  warning: the %.3g%% CI target was not met within "
			"max_time (reached %.3g%%)\n",
			100.0 * getd(meas, "ci_target"),
			100.0 * getd(meas, "rel_ci"));
	if (res)
		fprintf(fp, "  resources: peak RSS %s, cpu %.2fs user + %.2fs sys "
			"(%.0f%%)\n",
			fmt(getd(res, "peak_rss_bytes"), "B", b[5], 32),
			getd(res, "user_s"), getd(res, "sys_s"),
			100.0 * getd(res, "cpu_util"));
}

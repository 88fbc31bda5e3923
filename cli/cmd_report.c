/* cmd_report.c - dyno report: its options; report/report.c writes them. */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "report.h"

/* The short usage a missing argument shows under its one-line error. */
#define REPORT_USAGE \
	"usage: dyno report RUN.json [--format FORMAT] [-o FILE]"

static int cmd_report(struct global *, int, char **);

const struct command cmd_report_entry = {
	.name = "report",
	.fn = cmd_report,
	.summary = "a run as Markdown, HTML, JUnit, Prometheus, CSV...",
	.usage =
	    "dyno report RUN.json [--format md|html|junit|tap|prom|csv|gbench|bmf|gab]\n"
	    "            [-o FILE]",
	.help =
	    "Write a run document (dyno run --out), a result record or a results\n"
	    "file in another format, on stdout or atomically to FILE.\n"
	    "  --format md       Markdown: host, a table per plugin, sweeps, latency\n"
	    "                    percentiles, thresholds, tune, warnings (default)\n"
	    "  --format html     the same in one self-contained file, with charts\n"
	    "                    drawn by gnuplot (DYNO_GNUPLOT=none: no charts)\n"
	    "  --format junit    JUnit XML: each check a test case\n"
	    "  --format tap      TAP 13: each check a test point (for prove)\n"
	    "  --format prom     Prometheus text format: a gauge per statistic\n"
	    "  --format csv      one row per record, metric and statistic\n"
	    "  --format gbench   Google Benchmark JSON (for its compare.py)\n"
	    "  --format bmf      Bencher Metric Format JSON\n"
	    "  --format gab      github-action-benchmark JSON: -o out.json writes\n"
	    "                    out-bigger.json and out-smaller.json\n"
	    "  -o, --output FILE write FILE instead of stdout\n"
	    "Exit status: 0 written, 2 bad input or FILE could not be written.\n"
	    "See docs/reports.md."
};

static int
cmd_report(struct global *g, int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *fmt = "md";

	(void)g;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0 ||
		    strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (i + 1 >= argc)
				usage_error("report: %s needs a value\n"
				    REPORT_USAGE, a);
			if (a[1] == 'o' || a[2] == 'o')
				out = argv[++i];
			else
				fmt = argv[++i];
		} else if (strncmp(a, "--format=", 9) == 0) {
			fmt = a + 9;
		} else if (strncmp(a, "--output=", 9) == 0) {
			out = a + 9;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage_error("report: unknown option '%s' (see dyno "
			    "report --help)", a);
		} else if (in == NULL) {
			in = a;
		} else {
			usage_error("report: unexpected argument '%s' (one run "
			    "document at a time)", a);
		}
	}
	if (in == NULL)
		usage_error("report: which run document? (a file dyno run "
		    "--out wrote)\n" REPORT_USAGE);
	return report_write(in, fmt, out);
}

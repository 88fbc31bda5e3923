/* cmd_compare.c - dyno compare: its options; report/compare.c compares. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "units.h"

static int cmd_compare(struct global *, int, char **);

const struct command cmd_compare_entry = {
	.name = "compare",
	.fn = cmd_compare,
	.summary = "two runs, metric by metric, with verdicts",
	.usage =
	    "dyno compare BASE.json NEW.json [--max-regression 5%] [--alpha 0.05]\n"
	    "             [--format text|md|json] [--seed N] [--ignore-host]",
	.help =
	    "Compare two runs (run documents, result records or results files),\n"
	    "probe by probe (same id, params and instance) and metric by metric:\n"
	    "base and new medians, their ratio with a 95% bootstrap CI, the\n"
	    "Mann-Whitney U p-value, and a verdict: improved, regressed,\n"
	    "unchanged, inconclusive or not comparable, with the reason.\n"
	    "  --max-regression T  change beyond which a metric has regressed or\n"
	    "                      improved: 5% or 0.05 (default 5%)\n"
	    "  --alpha A           significance level of the U test (default 0.05)\n"
	    "  --format F          text (default), md (a table for a pull request)\n"
	    "                      or json\n"
	    "  --seed N            bootstrap seed (fixed by default: same output\n"
	    "                      for the same input)\n"
	    "  --ignore-host       compare runs from different hardware (still\n"
	    "                      warned about)\n"
	    "Exit status: 0 no regression, 1 a metric regressed beyond\n"
	    "--max-regression with p < alpha, 2 bad input."
};

/* A threshold as "5%" or a fraction "0.05". */
static int
parse_fraction(const char *s, double *out)
{
	struct dyno_err e;

	return units_parse_float(s, out, &e) < 0 || *out < 0 ? -1 : 0;
}

static int
cmd_compare(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-regression", required_argument, NULL, 'r' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "ignore-host", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	struct compare_args a;
	struct dyno_err e;
	int64_t seed;
	int opt;

	(void)g;
	compare_args_default(&a);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (parse_fraction(optarg, &a.o.max_regression) < 0)
				usage_error("compare: --max-regression: "
				    "expected a percentage (5%%) or a fraction "
				    "(0.05) >= 0, got '%s' (see dyno compare "
				    "--help)", optarg);
			break;
		case 'a':
			if (parse_fraction(optarg, &a.o.alpha) < 0 ||
			    a.o.alpha <= 0 || a.o.alpha >= 1)
				usage_error("compare: --alpha: expected a "
				    "level between 0 and 1 (0.05), got '%s' "
				    "(see dyno compare --help)", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				a.format = COMPARE_TEXT;
			else if (strcmp(optarg, "md") == 0)
				a.format = COMPARE_MD;
			else if (strcmp(optarg, "json") == 0)
				a.format = COMPARE_JSON;
			else
				usage_error("compare: --format: expected "
				    "text, md or json, got '%s' (see dyno "
				    "compare --help)", optarg);
			break;
		case 's':
			if (units_parse_int(optarg, &seed, &e) < 0 || seed < 0)
				usage_error("compare: --seed: expected an "
				    "integer >= 0, got '%s' (see dyno compare "
				    "--help)", optarg);
			a.o.seed = (uint64_t)seed;
			break;
		case 'i':
			a.ignore_host = 1;
			break;
		default:
			bad_option("compare", opt, argv);
		}
	}
	if (argc - optind != 2)
		usage_error("compare: expected two run documents, BASE and "
		    "NEW%s (see dyno compare --help)",
		    argc - optind > 2 ? ", got more" : "");
	a.base_path = argv[optind];
	a.new_path = argv[optind + 1];
	return compare_runs(&a);
}

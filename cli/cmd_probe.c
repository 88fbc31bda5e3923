/* cmd_probe.c - dyno probe, and the measurement options of probe, run, tune. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "params.h"
#include "results.h"
#include "table.h"
#include "units.h"

static int cmd_probe(struct global *, int, char **);

const struct command cmd_probe_entry = {
	.name = "probe",
	.fn = cmd_probe,
	.summary = "run one probe, isolated, and print its result",
	.usage =
	    "dyno probe <plugin.probe> [key=value ...] [--json] [--out FILE]\n"
	    "           [--timeout 60s] [--no-fork] [--min-time 0.5s] [--max-time 10s]\n"
	    "           [--warmup 100ms] [--min-batch-time 10ms] [--ci-target 2%]",
	.help =
	    "Run one probe in an isolated child process and print its result.\n"
	    "  --json            print the result record (JSON) on stdout\n"
	    "  --out FILE        append the record to FILE (JSON lines, fsynced)\n"
	    "  --timeout D       kill the probe after D (default: 60s, or 3x\n"
	    "                    max-time + 10s if that is longer)\n"
	    "  --no-fork         run in the dyno process (debugging)\n"
	    "  --min-time D      measure at least D\n"
	    "  --max-time D      measure at most D\n"
	    "  --warmup D        run unmeasured for D first (iterate probes)\n"
	    "  --min-batch-time D  one timed batch lasts at least D\n"
	    "  --ci-target P     stop when the 95% CI half-width is within P of\n"
	    "                    the mean\n"
	    "Exit status: 0 ok or skipped, 2 bad input or the probe failed,\n"
	    "crashed or timed out."
};

/* Apply one measurement option; 0 if c is not one of them. */
int
measure_opt(int c, const char *arg, struct runner_opts *ro, int *timeout_set)
{
	struct dyno_err e;

	switch (c) {
	case 't': ro->timeout_ns = opt_duration("--timeout", arg);
		  *timeout_set = 1; return 1;
	case 'n': ro->no_fork = 1; return 1;
	case 'm': ro->m.min_time_ns = opt_duration("--min-time", arg); return 1;
	case 'M': ro->m.max_time_ns = opt_duration("--max-time", arg); return 1;
	case 'w': ro->m.warmup_ns = opt_duration("--warmup", arg); return 1;
	case 'b': ro->m.min_batch_ns = opt_duration("--min-batch-time", arg);
		  return 1;
	case 'c':
		if (units_parse_float(arg, &ro->m.ci_target, &e) < 0)
			usage_error("--ci-target: %s", e.msg);
		return 1;
	}
	return 0;
}

/* After parsing: check the measurement options and derive the timeout. */
void
measure_opts_done(struct runner_opts *ro, int timeout_set)
{
	struct dyno_err e;

	if (measure_opts_check(&ro->m, &e) < 0)
		usage_error("%s", e.msg);
	if (!timeout_set && ro->m.max_time_ns * 3 + 10000000000u > ro->timeout_ns)
		ro->timeout_ns = ro->m.max_time_ns * 3 + 10000000000u;
}

static json_t *
host_info(const struct loader *l, const struct runner_opts *o)
{
	json_t *inv = inventory(l, o), *hi = results_host(inv);

	json_decref(inv);
	return hi;
}

static int
cmd_probe(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		MEASURE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct runner_opts ro;
	const struct loader_plugin *pl;
	const struct dyno_probe *p;
	struct param_set ps;
	struct dyno_err e;
	const char *out = NULL, *id;
	int json = 0, fd = -1, c, rc = 0, timeout_set = 0;
	struct loader l;
	json_t *rec, *hi;
	const char *status;

	runner_opts_default(&ro);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'o': out = optarg; break;
		default:
			if (!measure_opt(c, optarg, &ro, &timeout_set))
				bad_option("probe", c, argv);
		}
	}
	measure_opts_done(&ro, timeout_set);
	/* GNU getopt moved the key=value pairs after the options. */
	if (optind >= argc)
		usage_error("probe: missing probe id: expected dyno probe "
			    "<plugin.probe> [key=value ...]");
	id = argv[optind];
	load_plugins(g, &l, json);
	p = find_or_die(&l, id, &pl);
	if (params_resolve(id, p->params, argv + optind + 1,
			   (size_t)(argc - optind - 1), &ps, &e) < 0)
		usage_error("%s", e.msg);
	/* Fail before measuring anything if results can't be kept. */
	if (out != NULL && (fd = results_open(out, &e)) < 0)
		usage_error("%s", e.msg);
	ro.progress = !json && isatty(STDERR_FILENO);
	hi = host_info(&l, &ro);
	ro.host = hi;
	rec = runner_run(pl, p, &ps, &ro);
	if (fd >= 0 && results_append(fd, rec, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		rc = EXIT_PROBE;
	}
	if (json)
		print_json(rec);
	else
		table_print_record(stdout, rec);
	status = json_string_value(json_object_get(rec, "status"));
	if (status == NULL || (strcmp(status, "ok") != 0 &&
			       strcmp(status, "skipped") != 0))
		rc = EXIT_PROBE;
	if (runner_interrupted())
		rc = 130;
	if (fd >= 0)
		close(fd);
	json_decref(rec);
	json_decref(hi);
	params_free(&ps);
	loader_fini(&l);
	return rc;
}

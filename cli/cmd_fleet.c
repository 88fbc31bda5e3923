/* cmd_fleet.c - dyno fleet: what a fleet run leaves, after the run (rebuild the document from the store). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fleet.h"
#include "results.h"

static int cmd_fleet(struct global *, int, char **);

const struct command cmd_fleet_entry = {
	.name = "fleet",
	.fn = cmd_fleet,
	.summary = "rebuild a fleet document from rank 0's store",
	.usage =
	    "dyno fleet rebuild STORE.jsonl --out FILE [--fleet-outlier-z Z]",
	.help =
	    "rebuild: the fleet document again from the JSON-lines store rank 0\n"
	    "of dyno run --fleet appends to (and the store's .nodes beside it),\n"
	    "when rank 0 died before it wrote --out: every stored record, the\n"
	    "nodes, those that had not finished marked lost, the statistics.\n"
	    "  --out FILE          where the document goes (written atomically)\n"
	    "  --fleet-outlier-z Z as for dyno run --fleet (default 3.5)\n"
	    "Exit status: 0 written, 2 bad input or the file not written."
};

static int
cmd_fleet(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'O' },
		{ "fleet-outlier-z", required_argument, NULL, 'Z' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	double z = FLEET_DEFAULT_OUTLIER_Z;
	struct dyno_err e;
	json_t *doc, *sum;
	char *data, *end;
	int opt, rc;

	(void)g;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case 'O':
			out = optarg;
			break;
		case 'Z':
			z = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(z > 0) || z > 1e6)
				usage_error("--fleet-outlier-z '%s': expected a "
				    "number above 0, e.g. 3.5", optarg);
			break;
		default:
			bad_option("fleet", opt, argv);
		}
	}
	if (argc - optind < 1 || strcmp(argv[optind], "rebuild") != 0)
		usage_error("fleet: expected dyno fleet rebuild STORE.jsonl --out "
		    "FILE (see dyno fleet --help)");
	if (argc - optind != 2)
		usage_error("fleet rebuild: expected one store, STORE.jsonl");
	if (out == NULL)
		usage_error("fleet rebuild: expected --out FILE (where the "
		    "document goes)");
	if (results_check_writable(out, &e) < 0)
		usage_error("--out: %s", e.msg);
	if ((doc = fleet_rebuild(argv[optind + 1], z, &e)) == NULL)
		usage_error("fleet rebuild: %s", e.msg);
	data = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(9));
	rc = data ? results_write_atomic(out, data, strlen(data), &e) : -1;
	free(data);
	if (rc < 0) {
		fprintf(stderr, "dyno: %s\n", data ? e.msg : "out of memory");
		json_decref(doc);
		return 2;
	}
	sum = json_object_get(json_object_get(doc, "summary"), "nodes");
	printf("wrote %s: %zu records of %" JSON_INTEGER_FORMAT " ranks "
	    "(%" JSON_INTEGER_FORMAT " done, %" JSON_INTEGER_FORMAT
	    " not finished)\n", out, json_array_size(json_object_get(doc,
	    "results")), json_integer_value(json_object_get(json_object_get(
	    doc, "fleet"), "ranks")), json_integer_value(json_object_get(sum,
	    "done")), json_integer_value(json_object_get(sum, "lost")));
	json_decref(doc);
	return 0;
}

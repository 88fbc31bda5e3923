/* cmd_hw.c - dyno hw: the hardware inventory and its fingerprint. */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "hw.h"

static int cmd_hw(struct global *, int, char **);

const struct command cmd_hw_entry = {
	.name = "hw",
	.fn = cmd_hw,
	.summary = "hardware inventory and its fingerprint",
	.usage = "dyno hw [--json] [--no-plugins]",
	.help =
	    "Print the hardware inventory (CPU, caches, NUMA, memory, OS, disks,\n"
	    "network, and what plugins add, e.g. GPUs) and its fingerprint."
};

static int
cmd_hw(struct global *g, int argc, char **argv)
{
	static const char *const allowed[] = { "--json", "--no-plugins", NULL };
	struct runner_opts ro;
	struct dyno_err e;
	struct loader l;
	json_t *inv;

	check_args("hw", argc, argv, allowed, 0);
	runner_opts_default(&ro);
	ro.timeout_ns = 30000000000u;
	inv = hw_collect(&e);
	if (inv == NULL)
		usage_error("hw: %s", e.msg);
	if (!has_flag(argc, argv, "--no-plugins")) {
		load_plugins(g, &l, 1);
		runner_inventory(&l, &ro, inv);
		loader_fini(&l);
	}
	hw_fingerprint(inv);
	if (has_flag(argc, argv, "--json"))
		print_json(inv);
	else
		hw_print(stdout, inv);
	json_decref(inv);
	return 0;
}

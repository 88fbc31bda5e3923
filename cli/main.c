/* main.c - the dyno program: global options, the command table, dispatch. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xmalloc.h"

static int cmd_help(struct global *, int, char **);

const struct command cmd_help_entry = {
	.name = "help",
	.fn = cmd_help,
	.summary = "help on a command",
	.usage = "dyno help [COMMAND]",
	.help = "Show help."
};

/* Every command, in the order dyno --help lists them. */
static const struct command *const commands[] = {
	&cmd_list_entry,
	&cmd_describe_entry,
	&cmd_probe_entry,
	&cmd_run_entry,
	&cmd_tune_entry,
	&cmd_hw_entry,
	&cmd_serve_entry,
	&cmd_report_entry,
	&cmd_compare_entry,
	&cmd_fleet_entry,
	&cmd_new_plugin_entry,
	&cmd_help_entry,
	NULL
};

static void
print_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dyno [--plugin-dir DIR ...] COMMAND [ARGS]\n\n"
	    "dyno measures what a machine really does for a workload.\n\n"
	    "commands:\n");
	for (size_t i = 0; commands[i] != NULL; i++)
		fprintf(fp, "  %-12s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(fp,
	    "\noptions:\n"
	    "  --plugin-dir DIR  look for plugins in DIR first (repeatable)\n"
	    "  --version         print the version\n"
	    "  --help            this text; dyno COMMAND --help for a command\n\n"
	    "Plugins are searched in --plugin-dir, $DYNO_PLUGIN_PATH, the build\n"
	    "tree (when run from it), then %s.\n", DYNO_PLUGIN_DIR);
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; commands[i] != NULL; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void
command_help(const struct command *c)
{
	printf("usage: %s\n\n%s\n", c->usage, c->help);
}

static int
cmd_help(struct global *g, int argc, char **argv)
{
	const struct command *c;

	(void)g;
	if (argc < 2) {
		print_usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (c == NULL)
		usage_error("help: unknown command '%s'", argv[1]);
	command_help(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct global g = { 0 };
	const struct command *c;
	char **rest;
	int nrest = 0, rc;

	json_set_alloc_funcs(xmalloc, free);
	/* --plugin-dir is global: take it out wherever it appears. */
	rest = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--plugin-dir") == 0) {
			if (i + 1 >= argc)
				usage_error("--plugin-dir needs a directory");
			g.plugin_dirs = xreallocarray(g.plugin_dirs,
			    g.nplugin_dirs + 1, sizeof(char *));
			g.plugin_dirs[g.nplugin_dirs++] = argv[++i];
		} else if (strncmp(argv[i], "--plugin-dir=", 13) == 0) {
			g.plugin_dirs = xreallocarray(g.plugin_dirs,
			    g.nplugin_dirs + 1, sizeof(char *));
			g.plugin_dirs[g.nplugin_dirs++] = argv[i] + 13;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (nrest == 0) {
		print_usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strcmp(rest[0], "--version") == 0 || strcmp(rest[0], "-V") == 0) {
		printf("dyno %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
		       DYNO_ABI_MAJOR, DYNO_ABI_MINOR);
		rc = 0;
		goto out;
	}
	if (strcmp(rest[0], "--help") == 0 || strcmp(rest[0], "-h") == 0) {
		print_usage(stdout);
		rc = 0;
		goto out;
	}
	c = find_command(rest[0]);
	if (c == NULL) {
		if (rest[0][0] == '-')
			usage_error("unknown option '%s' (see dyno --help)", rest[0]);
		usage_error("unknown command '%s' (see dyno --help)", rest[0]);
	}
	for (int i = 1; i < nrest; i++)
		if (strcmp(rest[i], "--help") == 0 || strcmp(rest[i], "-h") == 0) {
			command_help(c);
			rc = 0;
			goto out;
		}
	rc = c->fn(&g, nrest, rest);
out:
	free(rest);
	free(g.plugin_dirs);
	return rc;
}

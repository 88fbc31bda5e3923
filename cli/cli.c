/* cli.c - what the commands share: usage errors, option checks, plugins. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hw.h"
#include "units.h"

/* One line on stderr and exit 2: the form every bad input takes. */
void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dyno: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

void
load_plugins(struct global *g, struct loader *l, int quiet)
{
	loader_init(l);
	loader_load_all(l, g->plugin_dirs, g->nplugin_dirs);
	if (!quiet)
		for (size_t i = 0; i < l->nerrors; i++)
			fprintf(stderr, "dyno: warning: %s\n", l->errors[i]);
}

void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				JSON_REAL_PRECISION(9));

	if (s != NULL) {
		puts(s);
		free(s);
	}
}

int
has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

/* Refuse any option but the allowed ones (and positional args). */
void
check_args(const char *cmd, int argc, char **argv, const char *const *allowed,
	   int max_pos)
{
	int pos = 0;

	for (int i = 1; i < argc; i++) {
		int ok = 0;

		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (++pos > max_pos)
				usage_error("%s: unexpected argument '%s' "
				    "(see dyno %s --help)", cmd, argv[i], cmd);
			continue;
		}
		for (size_t k = 0; allowed[k]; k++)
			if (strcmp(argv[i], allowed[k]) == 0)
				ok = 1;
		if (!ok)
			usage_error("%s: unknown option '%s' (see dyno %s --help)",
				    cmd, argv[i], cmd);
	}
}

/* Find a probe or exit 2 with the closest names. */
const struct dyno_probe *
find_or_die(struct loader *l, const char *id, const struct loader_plugin **pl)
{
	const struct dyno_probe *p = loader_find(l, id, pl);
	char near[512];

	if (p != NULL)
		return p;
	loader_suggest(l, id, near, sizeof(near));
	if (near[0])
		usage_error("unknown probe '%s'; did you mean: %s?", id, near);
	usage_error("unknown probe '%s'; dyno list shows the %zu loaded plugins' "
		    "probes", id, l->n);
	return NULL;
}

uint64_t
opt_duration(const char *opt, const char *val)
{
	struct dyno_err e;
	uint64_t ns;

	if (units_parse_duration(val, &ns, &e) < 0)
		usage_error("%s: %s", opt, e.msg);
	return ns;
}

/* getopt's complaint about argv[optind - 1], as one line. */
void
bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		usage_error("%s: option '%s' needs a value (see dyno %s --help)",
			    cmd, argv[optind - 1], cmd);
	usage_error("%s: unknown option '%s' (see dyno %s --help)", cmd,
		    argv[optind - 1], cmd);
}

/* The full inventory with plugins' facts and the fingerprint. */
json_t *
inventory(const struct loader *l, const struct runner_opts *o)
{
	struct dyno_err e;
	json_t *inv = hw_collect(&e);

	if (inv == NULL) {
		fprintf(stderr, "dyno: warning: hardware inventory: %s\n", e.msg);
		inv = json_object();
	}
	if (l != NULL)
		runner_inventory(l, o, inv);
	hw_fingerprint(inv);
	return inv;
}

/*
** cli.h - the dyno program's commands: what every cmd_*.c file shares
** (the global options, the command entry, the helpers in cli.c) and each
** command's entry, which main.c lists in its one table.
*/
#ifndef DYNO_CLI_H
#define DYNO_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <jansson.h>

#include "plugin_loader.h"
#include "runner.h"

/* Exit codes: 0 ok, 1 a check failed (suites), 2 bad input or a probe
** that did not produce a result. */
#define EXIT_USAGE 2
#define EXIT_PROBE 2

/* Options every command accepts, gathered before dispatch. */
struct global {
	char **plugin_dirs;
	size_t nplugin_dirs;
};

struct command {
	const char *name;
	int (*fn)(struct global *g, int argc, char **argv);
	const char *summary;  /* one line for dyno --help */
	const char *usage;
	const char *help;
};

extern const struct command cmd_list_entry;
extern const struct command cmd_describe_entry;
extern const struct command cmd_probe_entry;
extern const struct command cmd_run_entry;
extern const struct command cmd_tune_entry;
extern const struct command cmd_hw_entry;
extern const struct command cmd_serve_entry;
extern const struct command cmd_report_entry;
extern const struct command cmd_compare_entry;
extern const struct command cmd_fleet_entry;
extern const struct command cmd_new_plugin_entry;
extern const struct command cmd_help_entry;

/* cli.c */
void usage_error(const char *fmt, ...) DYNO_PRINTF(1, 2);
void load_plugins(struct global *g, struct loader *l, int quiet);
void print_json(json_t *j);
int has_flag(int argc, char **argv, const char *flag);
void check_args(const char *cmd, int argc, char **argv,
		const char *const *allowed, int max_pos);
void bad_option(const char *cmd, int c, char **argv);
uint64_t opt_duration(const char *opt, const char *val);
const struct dyno_probe *find_or_die(struct loader *l, const char *id,
				     const struct loader_plugin **pl);
json_t *inventory(const struct loader *l, const struct runner_opts *o);

/* cmd_probe.c: the measurement options every running command takes. */
#define MEASURE_LONGOPTS \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "no-fork", no_argument, NULL, 'n' }, \
	{ "min-time", required_argument, NULL, 'm' }, \
	{ "max-time", required_argument, NULL, 'M' }, \
	{ "warmup", required_argument, NULL, 'w' }, \
	{ "min-batch-time", required_argument, NULL, 'b' }, \
	{ "ci-target", required_argument, NULL, 'c' }

int measure_opt(int c, const char *arg, struct runner_opts *ro,
		int *timeout_set);
void measure_opts_done(struct runner_opts *ro, int timeout_set);

#endif

/*
** compare.h - `dyno compare`: two run documents (rundoc.h), probe by
** probe and metric by metric, with a verdict on each.
*/
#ifndef DYNO_COMPARE_H
#define DYNO_COMPARE_H

#include "compare_stats.h"

enum compare_format { COMPARE_TEXT, COMPARE_MD, COMPARE_JSON };

/* What to compare and how; cli/cmd_compare.c fills it from the command
** line. */
struct compare_args {
	const char *base_path, *new_path;
	struct compare_opts o;
	enum compare_format format;
	int ignore_host;          /* compare runs from different hardware */
};

/* The defaults: 5% regression threshold, alpha 0.05, a fixed bootstrap
** seed (the same input gives the same output), text. */
void compare_args_default(struct compare_args *a);

/* Load both runs, compare them and print the result on stdout.  Returns
** the exit status: 0 no regression, 1 a metric regressed beyond
** max_regression with p < alpha, 2 a run could not be read. */
int compare_runs(const struct compare_args *a);

#endif

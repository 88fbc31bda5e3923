/*
** bench_core.c - costs of the core that the budgets name: one isolated
** (forked) probe compared with the same probe in process, and the wall
** time of `dyno list`.  Prints one "name value unit" line per figure.
*/
#include "config.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "clock.h"
#include "host.h"
#include "plugin_loader.h"
#include "runner.h"
#include "stats.h"

extern char **environ;

static double
median_of(struct stats_samples *s)
{
	struct stats_summary sum;

	stats_summarize(s, &sum);
	return sum.median;
}

/* Seconds for one runner_run of null.clock samples=1. */
static double
one_run(const struct loader_plugin *pl, const struct dyno_probe *p,
	const struct param_set *ps, int no_fork)
{
	struct runner_opts o;
	uint64_t t0;
	json_t *rec;

	runner_opts_default(&o);
	o.no_fork = no_fork;
	t0 = clock_now_ns();
	rec = runner_run(pl, p, ps, &o);
	t0 = clock_now_ns() - t0;
	json_decref(rec);
	return (double)t0 / 1e9;
}

static double
spawn_list(const char *dyno)
{
	char *argv[] = { (char *)dyno, "list", NULL };
	posix_spawn_file_actions_t fa;
	uint64_t t0 = clock_now_ns();
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, dyno, &fa, NULL, argv, environ) != 0) {
		perror("posix_spawn");
		exit(1);
	}
	waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return (double)(clock_now_ns() - t0) / 1e9;
}

int
main(int argc, char **argv)
{
	const char *dyno = argc > 1 ? argv[1] : "./dyno";
	const char *so = argc > 2 ? argv[2] : "plugins/null/null.so";
	struct stats_samples *fork_s = stats_samples_new();
	struct stats_samples *none_s = stats_samples_new();
	struct stats_samples *list_s = stats_samples_new();
	const struct loader_plugin *pl;
	const struct dyno_probe *p;
	char *kv[] = { "samples=1" };
	struct param_set ps;
	struct dyno_err e;
	struct loader l;

	loader_init(&l);
	if (loader_load_file(&l, so, &e) < 0) {
		fprintf(stderr, "bench_core: %s\n", e.msg);
		return 1;
	}
	p = loader_find(&l, "null.clock", &pl);
	if (p == NULL || params_resolve("null.clock", p->params, kv, 1, &ps, &e) < 0) {
		fprintf(stderr, "bench_core: null.clock unusable\n");
		return 1;
	}
	/* Alternate, so drift in the machine hits both sides alike. */
	for (int i = 0; i < 300; i++) {
		stats_samples_add(fork_s, one_run(pl, p, &ps, 0));
		stats_samples_add(none_s, one_run(pl, p, &ps, 1));
	}
	for (int i = 0; i < 40; i++)
		stats_samples_add(list_s, spawn_list(dyno));
	printf("probe_forked_median %.6f s\n", median_of(fork_s));
	printf("probe_in_process_median %.6f s\n", median_of(none_s));
	printf("isolation_cost %.6f s\n", median_of(fork_s) - median_of(none_s));
	printf("list_wall_median %.6f s\n", median_of(list_s));
	params_free(&ps);
	loader_fini(&l);
	stats_samples_free(fork_s);
	stats_samples_free(none_s);
	stats_samples_free(list_s);
	return 0;
}

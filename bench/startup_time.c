/*
** startup_time.c - wall time of `dyno list` for several plugin
** directories, alternated: round after round, each directory once
** (starting one further each round), so that the machine's drift falls
** on every directory alike.
**
**   startup_time RUNS DYNO DIR...
**
** Runs DYNO list with DYNO_PLUGIN_PATH=DIR, stdout and stderr to
** /dev/null, spawned (posix_spawn, no shell), timed on CLOCK_MONOTONIC
** from the spawn to the wait.  After RUNS / 10 rounds of warm-up, prints
** per DIR: "DIR n median p25 p75 min" in milliseconds.  Exits 1 when a
** run exits non-zero (its time would not be a start-up).
*/
#define _POSIX_C_SOURCE 200809L /* clock_gettime, posix_spawn */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* environ without DYNO_PLUGIN_PATH, and room for one more entry. */
static char **
env_without_path(size_t *n)
{
	size_t total = 0, k = 0;
	char **env;

	while (environ[total] != NULL)
		total++;
	env = calloc(total + 2, sizeof(char *));
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < total; i++)
		if (strncmp(environ[i], "DYNO_PLUGIN_PATH=", 17) != 0)
			env[k++] = environ[i];
	*n = k;
	return env;
}

/* One `dyno list`, timed; -1 when it could not run or exited non-zero. */
static double
one_run(const char *dyno, char **env, const posix_spawn_file_actions_t *fa)
{
	char *argv[] = { (char *)dyno, (char *)"list", NULL };
	double t0 = now_ms(), t1;
	pid_t pid;
	int st;

	if ((errno = posix_spawn(&pid, dyno, fa, NULL, argv, env)) != 0) {
		fprintf(stderr, "startup_time: cannot run %s: %s\n", dyno,
			strerror(errno));
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	t1 = now_ms();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "startup_time: %s list exited with status %d\n",
			dyno, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	return t1 - t0;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	size_t ndirs, nenv, runs, warm;
	char **env, **vars;
	double *t;
	int rc = 0;

	if (argc < 4 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: startup_time RUNS DYNO DIR...\n");
		return 2;
	}
	runs = (size_t)atoi(argv[1]);
	warm = runs / 10;
	ndirs = (size_t)argc - 3;
	env = env_without_path(&nenv);
	vars = calloc(ndirs, sizeof(char *));
	t = calloc(ndirs * runs, sizeof(double));
	if (env == NULL || vars == NULL || t == NULL) {
		fprintf(stderr, "startup_time: out of memory\n");
		return 2;
	}
	for (size_t d = 0; d < ndirs; d++) {
		size_t len = strlen(argv[3 + d]) + 18;

		if ((vars[d] = malloc(len)) == NULL) {
			fprintf(stderr, "startup_time: out of memory\n");
			return 2;
		}
		snprintf(vars[d], len, "DYNO_PLUGIN_PATH=%s", argv[3 + d]);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (size_t r = 0; r < warm + runs && rc == 0; r++) {
		for (size_t i = 0; i < ndirs && rc == 0; i++) {
			size_t d = (r + i) % ndirs;
			double ms;

			env[nenv] = vars[d];
			ms = one_run(argv[2], env, &fa);
			if (ms < 0)
				rc = 1;
			else if (r >= warm)
				t[d * runs + (r - warm)] = ms;
		}
	}
	for (size_t d = 0; d < ndirs && rc == 0; d++) {
		double *s = t + d * runs;

		qsort(s, runs, sizeof(double), cmp_double);
		printf("%s %zu %.3f %.3f %.3f %.3f\n", argv[3 + d], runs,
		       (s[(runs - 1) / 2] + s[runs / 2]) / 2, s[runs / 4],
		       s[(3 * runs) / 4], s[0]);
	}
	posix_spawn_file_actions_destroy(&fa);
	for (size_t d = 0; d < ndirs; d++)
		free(vars[d]);
	free(vars);
	free(env);
	free(t);
	return rc;
}

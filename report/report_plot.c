/*
** report_plot.c - draws the HTML report's charts with gnuplot: writes the
** data and one script for every chart into a temp directory, runs
** gnuplot once with the SVG terminal, reads the SVGs back and removes the
** directory.  A missing or failing gnuplot is an explanation, never a
** crash.
*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report_plot.h"
#include "strbuf.h"

extern char **environ;

/* gnuplot gets this long for every chart together. */
#define PLOT_TIMEOUT_S 60

/* A gnuplot single-quoted string: only the quote itself is special. */
static void
gq(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', fp);
		if (*s != '\n' && *s != '\r')
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

/* Where a percentile sits on the "nines" axis: p50 at 0.3, p90 at 1,
** p99 at 2, p99.9 at 3. */
static double
nines(double p)
{
	return -log10(1.0 - p / 100.0);
}

static double
xpos(const struct report_chart *ch, double x)
{
	return ch->nines ? nines(x) : x;
}

/* Data blocks of chart ch (one per series) from block *idx on. */
static void
write_data(FILE *fp, const struct report_chart *ch)
{
	for (size_t i = 0; i < ch->ns; i++) {
		const struct report_series *s = &ch->s[i];

		for (size_t k = 0; k < s->n; k++) {
			if (!isfinite(s->y[k]))
				continue;
			fprintf(fp, "%.9g %.9g", xpos(ch, s->x[k]), s->y[k]);
			if (s->lo)
				fprintf(fp, " %.9g %.9g", s->lo[k], s->hi[k]);
			fputc('\n', fp);
		}
		/* gnuplot's "index" counts blocks ended by two blank lines;
		** a lone point keeps an empty series a block too. */
		if (s->n == 0)
			fputs("0 NaN\n", fp);
		fputs("\n\n", fp);
	}
}

static void
write_script(FILE *fp, const struct report_chart *ch, const char *dir,
	     size_t num, const char *data, size_t *block)
{
	double xmin = INFINITY, xmax = -INFINITY;
	size_t points = 0, i, k;

	fputs("reset\n", fp);
	fprintf(fp, "set output '%s/chart%zu.svg'\n", dir, num);
	fputs("set title ", fp);
	gq(fp, ch->title);
	fputs(" noenhanced\nset xlabel ", fp);
	gq(fp, ch->xlabel);
	fputs(" noenhanced\nset ylabel ", fp);
	gq(fp, ch->ylabel);
	fputs(" noenhanced\n"
	      "set grid lc rgb '#dddddd'\n"
	      "set border 3\nset tics nomirror\n"
	      "set key top left noenhanced\n"
	      "set yrange [0:*]\n", fp);
	for (i = 0; i < ch->ns; i++)
		for (k = 0; k < ch->s[i].n; k++) {
			if (!isfinite(ch->s[i].y[k]))
				continue;
			xmin = fmin(xmin, xpos(ch, ch->s[i].x[k]));
			xmax = fmax(xmax, xpos(ch, ch->s[i].x[k]));
			points++;
		}
	if (ch->logx) {
		fprintf(fp, "set logscale x %d\n", ch->logx);
		for (i = 0; i < ch->nmarks; i++) {
			xmin = fmin(xmin, ch->mark[i]);
			xmax = fmax(xmax, ch->mark[i]);
		}
		if (points > 0)
			fprintf(fp, "set xrange [%.9g:%.9g]\n", xmin / 1.5,
				xmax * 1.5);
	}
	if (ch->xbytes)
		fputs("set format x '%.0b %BB'\n", fp);
	if (ch->nines) {
		fputs("set xrange [0.2:3.2]\n"
		      "set xtics ('p50' 0.30103, 'p90' 1, 'p95' 1.30103, "
		      "'p99' 2, 'p99.5' 2.30103, 'p99.9' 3)\n", fp);
	}
	if (ch->xcat) {
		fputs("set xtics (", fp);
		for (i = 0; i < ch->nxcat; i++) {
			if (i)
				fputs(", ", fp);
			gq(fp, ch->xcat[i]);
			fprintf(fp, " %zu", i);
		}
		fprintf(fp, ")\nset xrange [-0.5:%zu.5]\n",
			ch->nxcat ? ch->nxcat - 1 : 0);
	}
	for (i = 0; i < ch->nmarks; i++) {
		fprintf(fp, "set arrow from %.9g, graph 0 to %.9g, graph 1 "
			"nohead dt 2 lc rgb '#888888'\n", ch->mark[i],
			ch->mark[i]);
		fputs("set label ", fp);
		gq(fp, ch->mark_label[i]);
		fprintf(fp, " at %.9g, graph 0.98 rotate by 90 right "
			"offset -0.7,0 tc rgb '#555555' noenhanced\n",
			ch->mark[i]);
	}
	if (points == 0) {
		fputs("set label 'no data' at graph 0.5, graph 0.5 center\n"
		      "plot [0:1] NaN notitle\n", fp);
		*block += ch->ns;
		return;
	}
	fputs("plot ", fp);
	for (i = 0; i < ch->ns; i++) {
		if (i)
			fputs(", \\\n     ", fp);
		fprintf(fp, "'%s' index %zu ", data, (*block)++);
		if (ch->s[i].lo)
			fputs("using 1:2:3:4 with yerrorlines", fp);
		else
			fputs("using 1:2 with linespoints", fp);
		fputs(" lw 2 pt 7 ps 0.7 title ", fp);
		gq(fp, ch->s[i].title);
	}
	fputc('\n', fp);
}

/* Read a whole file; NULL when it cannot. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct strbuf b = STRBUF_INIT;
	int rc;

	if (fp == NULL)
		return NULL;
	rc = strbuf_fread(&b, fp);
	fclose(fp);
	if (rc < 0) {
		strbuf_fini(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* The first line of gnuplot's output, for the one-line explanation. */
static void
log_line(const char *dir, char *out, size_t n)
{
	char path[4200];
	char *log, *p, *end;

	snprintf(path, sizeof path, "%s/gnuplot.log", dir);
	log = slurp(path);
	out[0] = '\0';
	if (log == NULL)
		return;
	for (p = log; *p == '\n' || *p == ' ' || *p == '\t'; p++)
		;
	/* gnuplot quotes the script line, then a caret line, then the
	** message ("line 12: undefined variable"): show the message. */
	end = strstr(p, "line ");
	if (end && strchr(end, ':'))
		p = end;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	snprintf(out, n, "%s", p);
	free(log);
}

/* Run prog on script; 0 when it exited 0, else -1 and why. */
static int
run_gnuplot(const char *prog, const char *dir, const char *script,
	    char *why, size_t whylen)
{
	posix_spawn_file_actions_t fa;
	char logp[4200], msg[256];
	char *argv[] = { (char *)prog, (char *)script, NULL };
	pid_t pid;
	int rc, status;
	time_t deadline;

	snprintf(logp, sizeof logp, "%s/gnuplot.log", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logp,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(why, whylen, "cannot run %s: %s%s", prog, strerror(rc),
			 rc == ENOENT ? " (install gnuplot, Debian package "
			 "gnuplot-nox)" : "");
		return -1;
	}
	deadline = time(NULL) + PLOT_TIMEOUT_S;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(why, whylen, "waiting for %s: %s", prog,
				 strerror(errno));
			return -1;
		}
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, whylen, "%s ran over %d s and was killed",
				 prog, PLOT_TIMEOUT_S);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log_line(dir, msg, sizeof msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, whylen, "cannot run %s (install gnuplot, Debian "
			 "package gnuplot-nox)", prog);
	else if (WIFEXITED(status))
		snprintf(why, whylen, "%s failed (exit %d)%s%s", prog,
			 WEXITSTATUS(status), msg[0] ? ": " : "", msg);
	else
		snprintf(why, whylen, "%s died (signal %d)", prog,
			 WTERMSIG(status));
	return -1;
}

int
report_plot(struct report_chart *const *charts, size_t n, char **svg,
	    char *why, size_t whylen)
{
	const char *prog = getenv("DYNO_GNUPLOT");
	const char *tmp = getenv("TMPDIR");
	char dir[4096], script[4200], data[4200], path[4200];
	FILE *sf = NULL, *df = NULL;
	size_t i, block = 0;
	int rc = -1;

	for (i = 0; i < n; i++)
		svg[i] = NULL;
	if (prog == NULL || prog[0] == '\0')
		prog = "gnuplot";
	if (strcmp(prog, "none") == 0) {
		snprintf(why, whylen, "charts are turned off (DYNO_GNUPLOT=none)");
		return -1;
	}
	if (n == 0)
		return 0;
	snprintf(dir, sizeof dir, "%s/dyno-report-XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		snprintf(why, whylen, "cannot make a temp directory for "
			 "gnuplot: %s", strerror(errno));
		return -1;
	}
	snprintf(script, sizeof script, "%s/plot.gp", dir);
	snprintf(data, sizeof data, "%s/data.dat", dir);
	sf = fopen(script, "w");
	df = fopen(data, "w");
	if (sf == NULL || df == NULL) {
		snprintf(why, whylen, "cannot write gnuplot's input in %s: %s",
			 dir, strerror(errno));
		goto out;
	}
	fputs("set terminal svg size 800,440 font 'Helvetica,12' "
	      "background rgb 'white'\n", sf);
	for (i = 0; i < n; i++) {
		write_data(df, charts[i]);
		write_script(sf, charts[i], dir, i, data, &block);
	}
	fputs("set output\n", sf);
	if (fclose(sf) != 0 || fclose(df) != 0) {
		sf = df = NULL;
		snprintf(why, whylen, "cannot write gnuplot's input in %s", dir);
		goto out;
	}
	sf = df = NULL;
	if (run_gnuplot(prog, dir, script, why, whylen) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char *s, *start;

		snprintf(path, sizeof path, "%s/chart%zu.svg", dir, i);
		s = slurp(path);
		start = s ? strstr(s, "<svg") : NULL;
		if (start == NULL) {
			free(s);
			snprintf(why, whylen, "gnuplot wrote no chart %zu", i);
			goto out;
		}
		/* The XML prolog and doctype are not allowed inside HTML. */
		memmove(s, start, strlen(start) + 1);
		svg[i] = s;
	}
	rc = 0;
out:
	if (sf)
		fclose(sf);
	if (df)
		fclose(df);
	if (rc < 0)
		for (i = 0; i < n; i++) {
			free(svg[i]);
			svg[i] = NULL;
		}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/chart%zu.svg", dir, i);
		unlink(path);
	}
	unlink(script);
	unlink(data);
	snprintf(path, sizeof path, "%s/gnuplot.log", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}

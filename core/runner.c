/* runner.c - run a probe (or N at once) in forked children: pipe protocol, timeout, status mapping, resources. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "ctx.h"
#include "fdio.h"
#include "host.h"
#include "plugin_loader.h"
#include "results.h"
#include "runner.h"
#include "strbuf.h"
#include "units.h"
#include "xmalloc.h"

#define TAIL_MAX 2048

static volatile sig_atomic_t interrupted;

int
runner_interrupted(void)
{
	return interrupted != 0;
}

void
runner_opts_default(struct runner_opts *o)
{
	memset(o, 0, sizeof(*o));
	measure_opts_default(&o->m);
	o->timeout_ns = 60000000000u;
}

/* What a child produced, in either isolation mode. */
struct outcome {
	json_t *body;           /* the child's "R" object, or NULL */
	const char *status;     /* set when the child did not report */
	char message[TAIL_MAX + 128];
	struct rusage ru;
	int have_ru;
	uint64_t ns;
};

typedef json_t *(*body_fn)(void *arg, int progress_fd);

struct probe_job {
	const struct loader_plugin *pl;
	const struct dyno_probe *p;
	const struct param_set *ps;
	const struct runner_opts *o;
	const char *scratch;    /* where scratch_dir() will be */
};

static const char *
status_name(int outcome)
{
	switch (outcome) {
	case DYNO_OK: return "ok";
	case DYNO_SKIP: return "skipped";
	default: return "failed";
	}
}

/* The probe's life cycle; runs in the child (or in process). */
static json_t *
probe_body(void *arg, int progress_fd)
{
	const struct probe_job *job = arg;
	const struct dyno_host *h = host_table();
	const struct dyno_plugin *d = job->pl->desc;
	const struct dyno_probe *p = job->p;
	struct measure_info info = { 0 };
	struct dyno_ctx ctx;
	void *state = NULL;
	int rc = DYNO_OK, inited = 0, set_up = 0;
	json_t *out;

	ctx_init(&ctx, h, d, p, job->ps, &job->o->m);
	ctx.progress_fd = progress_fd;
	ctx.scratch_want = job->scratch;
	if (p->unavailable_reason != NULL)
		rc = h->skip(&ctx, "%s", p->unavailable_reason);
	if (rc == DYNO_OK && d->init != NULL) {
		rc = d->init(h, &ctx);
		inited = rc == DYNO_OK;
	} else if (rc == DYNO_OK) {
		inited = 1;
	}
	if (rc == DYNO_OK && p->setup != NULL)
		rc = p->setup(h, &ctx, &state);
	/* teardown runs iff setup returned DYNO_OK (plugin.h's promise). */
	set_up = rc == DYNO_OK;
	if (set_up && ctx.outcome == DYNO_OK) {
		if (p->iterate != NULL)
			rc = measure_iterate(&ctx, state, &info);
		else
			rc = measure_run(&ctx, state, &info);
	}
	if (set_up && p->teardown != NULL)
		p->teardown(h, &ctx, state);
	if (inited && d->fini != NULL)
		d->fini(h, &ctx);
	if (rc != DYNO_OK && ctx.outcome == DYNO_OK) {
		if (rc == DYNO_SKIP || rc == DYNO_FAIL) {
			ctx.outcome = rc;
			snprintf(ctx.reason, sizeof(ctx.reason),
			    "the probe returned %s without a reason",
			    rc == DYNO_SKIP ? "DYNO_SKIP" : "DYNO_FAIL");
		} else {
			ctx.outcome = DYNO_FAIL;
			snprintf(ctx.reason, sizeof(ctx.reason),
			    "plugin bug: the probe returned %d, not a DYNO_* outcome",
			    rc);
		}
	}
	if (ctx_stop_requested && ctx.outcome == DYNO_OK)
		snprintf(ctx.reason, sizeof(ctx.reason), "stopped by the user");
	out = json_pack("{s:s, s:s, s:o, s:o, s:O}",
	    "status", status_name(ctx.outcome),
	    "message", ctx.reason,
	    "measurement", measure_to_json(&job->o->m, &info),
	    "metrics", results_metrics_json(&ctx),
	    "artifacts", ctx.artifacts);
	ctx_fini(&ctx);
	return out;
}

static void
on_stop(int sig)
{
	(void)sig;
	ctx_stop_requested = 1;
}

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted++;
}

static void
child_main(body_fn fn, void *arg, int resfd, int errfd)
{
	struct sigaction sa = { .sa_handler = on_stop };
	json_t *out;
	char *s;

	/* Own process group: a timeout kills the probe's helpers too, and
	** the terminal's ^C reaches only the parent, which decides. */
	setpgid(0, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* A plugin's stray printf must not corrupt --json on stdout. */
	dup2(errfd, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	close(errfd);
	out = fn(arg, resfd);
	s = json_dumps(out, RESULTS_JSON_FLAGS);
	json_decref(out);
	if (s != NULL) {
		fdio_write_all(resfd, "R ", 2);
		fdio_write_all(resfd, s, strlen(s));
		fdio_write_all(resfd, "\n", 1);
		free(s);
	}
	fflush(NULL);
	_exit(0);
}

/* Keep the last TAIL_MAX bytes the child wrote to stderr. */
static void
tail_add(char *tail, size_t *len, const char *buf, size_t n)
{
	if (n >= TAIL_MAX) {
		memcpy(tail, buf + n - TAIL_MAX, TAIL_MAX);
		*len = TAIL_MAX;
		return;
	}
	if (*len + n > TAIL_MAX) {
		size_t drop = *len + n - TAIL_MAX;

		memmove(tail, tail + drop, *len - drop);
		*len -= drop;
	}
	memcpy(tail + *len, buf, n);
	*len += n;
}

/* The last few lines of the tail, joined with " | " to stay one line. */
static void
tail_text(const char *tail, size_t len, char *out, size_t n)
{
	size_t start = len, lines = 0, o = 0;

	while (len > 0 && (tail[len - 1] == '\n' || tail[len - 1] == ' '))
		len--;
	start = len;
	while (start > 0 && lines < 5) {
		start--;
		if (tail[start] == '\n')
			lines++;
	}
	if (start < len && tail[start] == '\n')
		start++;
	for (size_t i = start; i < len && o + 4 < n; i++) {
		if (tail[i] == '\n') {
			memcpy(out + o, " | ", 3);
			o += 3;
		} else {
			out[o++] = tail[i];
		}
	}
	out[o] = '\0';
}

struct progress_state {
	int enabled;
	const char *id;
	uint64_t start_ns;
};

static void
progress_line(const struct progress_state *ps, const char *line)
{
	double frac = 0.0;
	char note[201] = "";

	if (!ps->enabled)
		return;
	if (sscanf(line, "P %lf %200[^\n]", &frac, note) < 1)
		return;
	fprintf(stderr, "\r\033[K%s %3.0f%% %.1fs %s", ps->id, frac * 100.0,
		(double)(clock_now_ns() - ps->start_ns) / 1e9, note);
	fflush(stderr);
}

/* Handle complete lines in b; keep a partial one. */
static void
consume_lines(struct strbuf *b, json_t **body, const struct progress_state *ps)
{
	char *start = b->s, *nl;
	size_t rest;

	while ((nl = memchr(start, '\n', (size_t)(b->s + b->len - start))) != NULL) {
		*nl = '\0';
		if (start[0] == 'R' && start[1] == ' ' && *body == NULL)
			*body = json_loads(start + 2, 0, NULL);
		else if (start[0] == 'P' && start[1] == ' ')
			progress_line(ps, start);
		start = nl + 1;
	}
	rest = (size_t)(b->s + b->len - start);
	memmove(b->s, start, rest);
	strbuf_setlen(b, rest);
}

/* Milliseconds to wait before `end` (clock_now_ns) comes, at most cap. */
static int
wait_until(uint64_t now, uint64_t end, int cap)
{
	if (end == 0)
		return cap;
	if (end <= now)
		return 0;
	if ((end - now) / 1000000 < (uint64_t)cap)
		return (int)((end - now) / 1000000) + 1;
	return cap;
}

static void
isolate_fork(body_fn fn, void *arg, uint64_t timeout_ns, uint64_t deadline_ns,
	     const struct progress_state *ps, struct outcome *oc)
{
	int res[2], err[2], status = 0;
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	char tail[TAIL_MAX], tailtxt[TAIL_MAX + 16];
	size_t tail_len = 0;
	struct strbuf rbuf = STRBUF_INIT;
	uint64_t start = clock_now_ns();
	int timed_out = 0, at_deadline = 0, open_fds = 2, stop_sent = 0;
	pid_t pid;

	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		oc->status = "failed";
		snprintf(oc->message, sizeof(oc->message),
			 "cannot create a pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		oc->status = "failed";
		snprintf(oc->message, sizeof(oc->message), "cannot fork: %s",
			 strerror(errno));
		close(res[0]); close(res[1]); close(err[0]); close(err[1]);
		return;
	}
	if (pid == 0) {
		close(res[0]);
		close(err[0]);
		child_main(fn, arg, res[1], err[1]);
	}
	setpgid(pid, pid);
	close(res[1]);
	close(err[1]);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	while (open_fds > 0) {
		struct pollfd pfd[2] = {
			{ .fd = res[0], .events = POLLIN },
			{ .fd = err[0], .events = POLLIN },
		};
		int wait_ms = 200;
		uint64_t now = clock_now_ns();
		char buf[4096];

		if (timeout_ns && now - start >= timeout_ns) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (deadline_ns && now >= deadline_ns) {
			at_deadline = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		/* First ^C: ask the probe to stop; second: kill it. */
		if (interrupted && !stop_sent) {
			kill(-pid, SIGTERM);
			stop_sent = 1;
		} else if (interrupted > 1) {
			kill(-pid, SIGKILL);
		}
		if (timeout_ns)
			wait_ms = wait_until(now, start + timeout_ns, wait_ms);
		wait_ms = wait_until(now, deadline_ns, wait_ms);
		if (poll(pfd, 2, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t r;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(i == 0 ? res[0] : err[0]);
				if (i == 0)
					res[0] = -1;
				else
					err[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 1) {
				tail_add(tail, &tail_len, buf, (size_t)r);
				/* Plugin logs are the user's to see. */
				if (fdio_write_all(STDERR_FILENO, buf, (size_t)r) < 0)
					(void)0;
				continue;
			}
			strbuf_add(&rbuf, buf, (size_t)r);
			consume_lines(&rbuf, &oc->body, ps);
		}
	}
	if (res[0] >= 0)
		close(res[0]);
	if (err[0] >= 0)
		close(err[0]);
	strbuf_fini(&rbuf);
	while (wait4(pid, &status, 0, &oc->ru) < 0 && errno == EINTR)
		;
	oc->have_ru = 1;
	oc->ns = clock_now_ns() - start;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (ps->enabled)
		fprintf(stderr, "\r\033[K");

	tail_text(tail, tail_len, tailtxt, sizeof(tailtxt));
	if (at_deadline) {
		json_decref(oc->body);
		oc->body = NULL;
		oc->status = "timeout";
		snprintf(oc->message, sizeof(oc->message),
		    "killed after %.3g s: the suite reached its time limit%s%s",
		    (double)oc->ns / 1e9, tailtxt[0] ? ": " : "", tailtxt);
	} else if (timed_out) {
		json_decref(oc->body);
		oc->body = NULL;
		oc->status = "timeout";
		snprintf(oc->message, sizeof(oc->message),
		    "timed out after %.3g s and was killed%s%s",
		    (double)timeout_ns / 1e9, tailtxt[0] ? ": " : "", tailtxt);
	} else if (WIFSIGNALED(status) && oc->body == NULL) {
		int sig = WTERMSIG(status);

		oc->status = "crashed";
		snprintf(oc->message, sizeof(oc->message), "crashed (SIG%s)%s%s",
		    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
		    tailtxt[0] ? ": " : "", tailtxt);
	} else if (oc->body == NULL) {
		oc->status = "failed";
		snprintf(oc->message, sizeof(oc->message),
		    "the probe process exited with status %d without a result%s%s",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		    tailtxt[0] ? ": " : "", tailtxt);
	}
}

static void
isolate_none(body_fn fn, void *arg, struct outcome *oc)
{
	struct rusage before, after;
	uint64_t start = clock_now_ns();

	getrusage(RUSAGE_SELF, &before);
	oc->body = fn(arg, -1);
	getrusage(RUSAGE_SELF, &after);
	oc->ns = clock_now_ns() - start;
	oc->ru = after;
	timersub(&after.ru_utime, &before.ru_utime, &oc->ru.ru_utime);
	timersub(&after.ru_stime, &before.ru_stime, &oc->ru.ru_stime);
	oc->have_ru = 1;
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static json_t *
resources_json(const struct outcome *oc, int forked)
{
	double user = tv_s(oc->ru.ru_utime), sys = tv_s(oc->ru.ru_stime);
	double wall = (double)oc->ns / 1e9;

	return json_pack("{s:I, s:f, s:f, s:f, s:s}",
	    "peak_rss_bytes", (json_int_t)oc->ru.ru_maxrss * 1024,
	    "user_s", user, "sys_s", sys,
	    "cpu_util", wall > 0 ? (user + sys) / wall : 0.0,
	    /* In process, ru_maxrss is dyno's own peak, not the probe's. */
	    "scope", forked ? "probe process" : "dyno process");
}

json_t *
runner_run(const struct loader_plugin *pl, const struct dyno_probe *p,
	   const struct param_set *ps, const struct runner_opts *o)
{
	struct probe_job job = { .pl = pl, .p = p, .ps = ps, .o = o };
	struct outcome oc = { 0 };
	const char *tmp = getenv("TMPDIR");
	char started[40], id[160];
	char *scratch;
	struct progress_state prog;
	json_t *rec;

	snprintf(id, sizeof(id), "%s.%s", pl->desc->name, p->name);
	prog.enabled = o->progress;
	prog.id = id;
	prog.start_ns = clock_now_ns();
	results_timestamp(started, sizeof(started));
	scratch = xasprintf("%s/dyno-%s-%ld-%llx", tmp && tmp[0] ? tmp : "/tmp",
			    id, (long)getpid(), (unsigned long long)clock_now_ns());
	job.scratch = scratch;
	if (o->no_fork)
		isolate_none(probe_body, &job, &oc);
	else
		isolate_fork(probe_body, &job, o->timeout_ns, o->deadline_ns,
			     &prog, &oc);
	/* A crashed or killed probe could not clean up after itself. */
	ctx_remove_tree(scratch);
	free(scratch);

	rec = json_object();
	json_object_set_new(rec, "schema", json_integer(RESULTS_SCHEMA));
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "plugin", json_string(pl->desc->name));
	json_object_set_new(rec, "probe", json_string(p->name));
	json_object_set_new(rec, "plugin_version", json_string(pl->desc->version));
	json_object_set_new(rec, "dyno_version", json_string(PACKAGE_VERSION));
	json_object_set_new(rec, "params", params_to_json(ps));
	json_object_set_new(rec, "param_types", results_param_types(ps));
	if (oc.body != NULL) {
		json_object_set(rec, "status", json_object_get(oc.body, "status"));
		json_object_set(rec, "message", json_object_get(oc.body, "message"));
	} else {
		json_object_set_new(rec, "status", json_string(oc.status));
		json_object_set_new(rec, "message", json_string(oc.message));
	}
	json_object_set_new(rec, "started_at", json_string(started));
	json_object_set_new(rec, "duration_s", json_real((double)oc.ns / 1e9));
	json_object_set_new(rec, "isolation",
			    json_string(o->no_fork ? "none" : "fork"));
	json_object_set_new(rec, "host", o->host ? json_deep_copy(o->host)
						 : json_object());
	if (oc.body != NULL)
		json_object_set(rec, "measurement",
				json_object_get(oc.body, "measurement"));
	json_object_set_new(rec, "resources", resources_json(&oc, !o->no_fork));
	json_object_set(rec, "metrics", oc.body ?
	    json_object_get(oc.body, "metrics") : NULL);
	if (json_object_get(rec, "metrics") == NULL)
		json_object_set_new(rec, "metrics", json_object());
	json_object_set(rec, "artifacts", oc.body ?
	    json_object_get(oc.body, "artifacts") : NULL);
	if (json_object_get(rec, "artifacts") == NULL)
		json_object_set_new(rec, "artifacts", json_object());
	json_decref(oc.body);
	return rec;
}

/* One instance: wait for the start, run, send the record, exit. */
static void
instance(const struct loader_plugin *pl, const struct dyno_probe *p,
	 const struct param_set *ps, const struct runner_opts *ro, int go,
	 int out)
{
	struct runner_opts o = *ro;
	char c;
	json_t *rec;
	char *text;

	o.progress = 0;
	if (read(go, &c, 1) < 0)
		_exit(3);
	rec = runner_run(pl, p, ps, &o);
	text = json_dumps(rec, RESULTS_JSON_FLAGS);
	json_decref(rec);
	if (text != NULL && fdio_write_all(out, text, strlen(text)) < 0)
		_exit(3);
	free(text);
	_exit(0);
}

/* Everything fd gives until it closes, as a record; NULL when that is
** not one (the instance died first). */
static json_t *
collect(int fd)
{
	struct strbuf b = STRBUF_INIT;
	json_t *rec;

	for (;;) {
		ssize_t r;

		strbuf_grow(&b, 4096);
		r = read(fd, b.s + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		strbuf_setlen(&b, b.len + (size_t)r);
	}
	close(fd);
	rec = json_loads(b.s, 0, NULL);
	strbuf_fini(&b);
	return rec;
}

int
runner_concurrent(const struct loader_plugin *pl, const struct dyno_probe *p,
		  const struct param_set *ps, const struct runner_opts *o,
		  int n, runner_keep_fn keep, void *arg, struct dyno_err *err)
{
	int go[2], *fds;
	pid_t *pids;
	char id[160];

	if (pipe(go) < 0)
		return dyno_err_set(err, DYNO_EIO, "concurrent: pipe: %s",
				    strerror(errno));
	snprintf(id, sizeof(id), "%s.%s", pl->desc->name, p->name);
	fds = xcalloc((size_t)n, sizeof(int));
	pids = xcalloc((size_t)n, sizeof(pid_t));
	fflush(NULL);
	for (int i = 0; i < n; i++) {
		int out[2] = { -1, -1 };

		pids[i] = -1;
		fds[i] = -1;
		if (pipe(out) < 0)
			continue;
		pids[i] = fork();
		if (pids[i] == 0) {
			free(fds);
			free(pids);
			close(go[1]);
			close(out[0]);
			instance(pl, p, ps, o, go[0], out[1]);
		}
		close(out[1]);
		fds[i] = pids[i] > 0 ? out[0] : (close(out[0]), -1);
	}
	/* Closing the write end wakes every instance at once. */
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < n; i++) {
		json_t *rec = fds[i] >= 0 ? collect(fds[i]) : NULL;
		int status;

		if (pids[i] > 0)
			waitpid(pids[i], &status, 0);
		if (rec == NULL)
			rec = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o}", "schema",
			    RESULTS_SCHEMA, "id", id, "status", "failed",
			    "message", "the instance process died without a result",
			    "metrics", json_object(), "artifacts", json_object());
		json_object_set_new(rec, "instance", json_integer(i));
		json_object_set_new(rec, "concurrency", json_integer(n));
		keep(arg, rec);
	}
	free(fds);
	free(pids);
	return 0;
}

struct inv_job {
	const struct loader_plugin *pl;
};

static json_t *
inventory_body(void *arg, int progress_fd)
{
	const struct inv_job *job = arg;
	json_t *root = json_object();
	struct dyno_inventory *sink = host_inventory_new(root);
	int rc;

	(void)progress_fd;
	rc = job->pl->desc->inventory(host_table(), sink);
	host_inventory_free(sink);
	return json_pack("{s:i, s:o}", "rc", rc, "facts", root);
}

/*
** Merges a plugin's facts into the inventory without clobbering the
** core's: objects merge key by key; an object under one of the core's
** arrays of named entries (network, block_devices) merges each member
** into the entry of that name, so "network.eth0.offloads" lands on eth0;
** a key the inventory already has with another type is left alone.
*/
static void
inv_merge(json_t *dst, json_t *src)
{
	const char *k;
	json_t *s;

	json_object_foreach(src, k, s) {
		json_t *d = json_object_get(dst, k);

		if (d == NULL) {
			json_object_set(dst, k, s);
		} else if (json_is_object(d) && json_is_object(s)) {
			inv_merge(d, s);
		} else if (json_is_array(d) && json_is_object(s)) {
			const char *n;
			json_t *sv;

			json_object_foreach(s, n, sv) {
				size_t i;
				json_t *e;

				if (!json_is_object(sv))
					continue;
				json_array_foreach(d, i, e) {
					const char *en = json_string_value(
						json_object_get(e, "name"));

					if (json_is_object(e) && en && strcmp(en, n) == 0)
						inv_merge(e, sv);
				}
			}
		}
	}
}

void
runner_inventory(const struct loader *l, const struct runner_opts *o,
		 json_t *inv)
{
	for (size_t i = 0; i < l->n; i++) {
		struct inv_job job = { .pl = &l->plugins[i] };
		struct progress_state prog = { 0 };
		struct outcome oc = { 0 };
		json_t *facts;

		if (job.pl->desc->inventory == NULL)
			continue;
		if (o->no_fork)
			isolate_none(inventory_body, &job, &oc);
		else
			isolate_fork(inventory_body, &job, o->timeout_ns, 0,
				     &prog, &oc);
		facts = oc.body ? json_object_get(oc.body, "facts") : NULL;
		if (facts != NULL && json_integer_value(json_object_get(oc.body, "rc")) != DYNO_OK) {
			oc.status = "failed";
			snprintf(oc.message, sizeof(oc.message),
			    "inventory() returned %d", (int)json_integer_value(
			    json_object_get(oc.body, "rc")));
			facts = NULL;
		}
		if (facts != NULL)
			inv_merge(inv, facts);
		else {
			json_t *errs = json_object_get(inv, "inventory_errors");

			if (errs == NULL) {
				errs = json_array();
				json_object_set_new(inv, "inventory_errors", errs);
			}
			json_array_append_new(errs, json_sprintf("%s: %s %s",
			    job.pl->desc->name, oc.status ? oc.status : "failed",
			    oc.message));
		}
		json_decref(oc.body);
	}
}

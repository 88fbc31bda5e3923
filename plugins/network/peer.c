/*
** peer.c - the peer of the network probes (peer.h): the `peer`
** parameter resolved to an address, or a `dyno serve` started from this
** process's own executable on a free loopback port, read back from its
** first stdout line, and stopped afterwards; the pinning of both ends.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity, memfd_create, pipe2 */
#endif
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "peer.h"

#define PEER_START_MS 10000   /* for the server's "listening on" line */
#define PEER_STOP_MS 2000     /* SIGTERM, then SIGKILL */
#define PEER_CONNECT_MS 5000

/* 0 and the address of "host:port" or "[v6]:port"; -1 and a reason. */
static int
peer_parse(const char *s, struct peer *p, char *err, size_t errn)
{
	char host[256];
	const char *port, *colon;
	struct addrinfo hints, *ai = NULL;
	size_t hl;
	char *end;
	long pn;
	int rc;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			goto syntax;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto syntax;
		memcpy(host, s + 1, hl);
		port = rb + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s || strchr(s, ':') != colon)
			goto syntax;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			goto syntax;
		memcpy(host, s, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	errno = 0;
	pn = strtol(port, &end, 10);
	if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 ||
	    pn < 1 || pn > 65535)
		goto syntax;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errn, "peer '%s': cannot resolve '%s': %s", s, host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
	p->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(p->text, sizeof(p->text), "%s", s);
	return 0;
syntax:
	snprintf(err, errn, "peer '%s': expected host:port or [v6-address]:port "
		 "(port 1..65535)", s);
	return -1;
}

/* The last non-empty line the started server wrote to stderr, or "". */
static void
peer_last_err(const struct peer *p, char *out, size_t outn)
{
	char buf[4096];
	off_t size = lseek(p->err_fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = size > 0 ? pread(p->err_fd, buf, (size_t)(size - from), from) : 0;
	char *e, *b;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	e = buf + n;
	while (e > buf && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		*--e = '\0';
	b = strrchr(buf, '\n');
	b = b != NULL ? b + 1 : buf;
	n = (ssize_t)strlen(b);
	if ((size_t)n >= outn)
		n = (ssize_t)outn - 1;
	memcpy(out, b, (size_t)n);
	out[n] = '\0';
}

/* Whether cpu is one this process may run on. */
static int
peer_cpu_ok(int cpu, const cpu_set_t *allowed)
{
	return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, allowed);
}

/* Forks and execs `dyno serve` with stdout to a pipe, stderr to a memfd;
** 0 or -errno.  The server admits conns connections and some to spare
** (a probe's own connections must never meet its limit); below its
** default of 1024 the default stays. */
static int
peer_spawn(struct peer *p, int cpu, unsigned conns)
{
	char max[24];
	const char *argv[] = {
		"dyno", "serve", "--bind", "127.0.0.1", "--port", "0",
		"--max-conns", max, NULL
	};
	int out[2], in, ef;
	pid_t pid;
	char exe[PATH_MAX];
	ssize_t n;

	/* The path /proc/self/exe names, not the link itself: under a
	** tool that runs dyno (valgrind) the link is the tool's binary, while
	** readlink is answered with dyno's path. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	if (conns + 64u > 1024u)
		snprintf(max, sizeof(max), "%u", conns + 64u);
	else
		argv[6] = NULL;
	ef = memfd_create("dyno-serve-stderr", MFD_CLOEXEC);
	if (ef < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) != 0) {
		int e = errno;

		close(ef);
		return -e;
	}
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = child_spawn(exe, argv, in, out[1], ef, cpu);
	if (in >= 0)
		close(in);
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		close(ef);
		return (int)pid;
	}
	p->pid = pid;
	p->out_fd = out[0];
	p->err_fd = ef;
	return 0;
}

/* Reads "dyno serve: listening on HOST:PORT" within PEER_START_MS; 0 and
** p->addr/text set, or -1 and a reason. */
static int
peer_wait_listening(struct peer *p, char *err, size_t errn)
{
	char line[512], last[300];
	size_t n = 0;
	uint64_t deadline = clock_ns() / 1000000u + PEER_START_MS;
	const char *hp, *colon;

	for (;;) {
		struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
		uint64_t now = clock_ns() / 1000000u;
		ssize_t r;
		char *nl;

		if (now >= deadline) {
			peer_last_err(p, last, sizeof(last));
			snprintf(err, errn, "dyno serve printed no 'listening on' "
				 "line in %d s%s%s", PEER_START_MS / 1000,
				 last[0] ? ": " : "", last);
			return -1;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errn, "waiting for dyno serve: %s",
				 strerror(errno));
			return -1;
		}
		if (pfd.revents == 0)
			continue;
		r = read(p->out_fd, line + n, sizeof(line) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int st = 0;

			/* It exited (or closed stdout): say why. */
			(void)waitpid(p->pid, &st, 0);
			p->pid = 0;
			peer_last_err(p, last, sizeof(last));
			if (last[0] != '\0')
				snprintf(err, errn, "dyno serve did not start: %s", last);
			else if (WIFEXITED(st))
				snprintf(err, errn, "dyno serve did not start (exit "
					 "status %d, nothing on stderr)",
					 WEXITSTATUS(st));
			else
				snprintf(err, errn, "dyno serve did not start (signal "
					 "%d)", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			return -1;
		}
		n += (size_t)r;
		line[n] = '\0';
		nl = strchr(line, '\n');
		if (nl == NULL && n < sizeof(line) - 1)
			continue;
		if (nl != NULL)
			*nl = '\0';
		break;
	}
	hp = strstr(line, "listening on ");
	colon = hp != NULL ? strrchr(hp, ':') : NULL;
	if (colon != NULL) {
		char *end;
		long port = strtol(colon + 1, &end, 10);

		if (port > 0 && port <= 65535 && end != colon + 1) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;

			memset(&p->addr, 0, sizeof(p->addr));
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			p->addrlen = sizeof(*sin);
			snprintf(p->text, sizeof(p->text), "127.0.0.1:%ld", port);
			return 0;
		}
	}
	snprintf(err, errn, "dyno serve's first line is not 'dyno serve: "
		 "listening on HOST:PORT': '%.200s'", line);
	return -1;
}

static void
peer_cpu_text(int cpu, char *out, size_t outn)
{
	if (cpu < 0)
		snprintf(out, outn, "unpinned");
	else
		snprintf(out, outn, "%d", cpu);
}

int
peer_open(const struct dyno_host *h, struct dyno_ctx *ctx, struct peer *p,
	  unsigned conns)
{
	const char *s = h->param_str(ctx, "peer");
	int client_cpu = (int)h->param_int(ctx, "client_cpu");
	int server_cpu = (int)h->param_int(ctx, "server_cpu");
	char err[512], v[64];
	cpu_set_t allowed;

	memset(p, 0, sizeof(*p));
	p->server_cpu = -1;
	p->out_fd = p->err_fd = -1;
	CPU_ZERO(&allowed);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return h->fail(ctx, "cannot read this process's CPU set: %s",
			       strerror(errno));
	if (client_cpu >= 0 && !peer_cpu_ok(client_cpu, &allowed))
		return h->fail(ctx, "cannot pin to cpu %d (client_cpu): not a CPU "
			       "this process may run on", client_cpu);
	if (s[0] != '\0') {
		if (peer_parse(s, p, err, sizeof(err)) != 0)
			return h->fail(ctx, "%s", err);
		h->artifact(ctx, "server", "given by peer");
		h->artifact(ctx, "server_cpu", "unknown (peer given)");
	} else {
		int rc;

		if (server_cpu >= 0 && !peer_cpu_ok(server_cpu, &allowed))
			return h->fail(ctx, "cannot pin to cpu %d (server_cpu): not "
				       "a CPU this process may run on", server_cpu);
		rc = peer_spawn(p, server_cpu, conns);
		if (rc < 0)
			return h->fail(ctx, "cannot start dyno serve: %s",
				       strerror(-rc));
		if (peer_wait_listening(p, err, sizeof(err)) != 0) {
			peer_close(p);
			return h->fail(ctx, "%s", err);
		}
		p->server_cpu = server_cpu;
		snprintf(v, sizeof(v), "dyno serve started by the probe (pid %ld)",
			 (long)p->pid);
		h->artifact(ctx, "server", v);
		peer_cpu_text(server_cpu, v, sizeof(v));
		h->artifact(ctx, "server_cpu", v);
	}
	h->artifact(ctx, "peer", p->text);
	if (client_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(client_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			int e = errno;

			peer_close(p);
			return h->fail(ctx, "cannot pin to cpu %d (client_cpu): %s",
				       client_cpu, strerror(e));
		}
	}
	peer_cpu_text(client_cpu, v, sizeof(v));
	h->artifact(ctx, "client_cpu", v);
	return DYNO_OK;
}

void
peer_close(struct peer *p)
{
	if (p->pid > 0) {
		int st;
		uint64_t deadline = clock_ns() / 1000000u + PEER_STOP_MS;
		pid_t w = 0;

		(void)kill(p->pid, SIGTERM);
		while ((w = waitpid(p->pid, &st, WNOHANG)) == 0 &&
		       clock_ns() / 1000000u < deadline) {
			struct timespec ts = { 0, 5000000L };

			nanosleep(&ts, NULL);
		}
		if (w == 0) {
			(void)kill(p->pid, SIGKILL);
			(void)waitpid(p->pid, &st, 0);
		}
		p->pid = 0;
	}
	if (p->out_fd > 0 && p->err_fd > 0) { /* never 0: a zeroed struct */
		close(p->out_fd);
		close(p->err_fd);
	}
	p->out_fd = p->err_fd = -1;
}

int
peer_connect(const struct peer *p)
{
	int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, fl, e = 0;
	socklen_t el = sizeof(e);

	if (fd < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)&p->addr, p->addrlen) != 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r;

		if (errno != EINPROGRESS) {
			e = errno;
			goto bad;
		}
		do
			r = poll(&pfd, 1, PEER_CONNECT_MS);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			e = ETIMEDOUT;
			goto bad;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (e != 0)
			goto bad;
	}
	(void)fcntl(fd, F_SETFL, fl);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
bad:
	close(fd);
	return -e;
}

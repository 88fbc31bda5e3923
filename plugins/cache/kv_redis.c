/*
** kv_redis.c - the Redis plumbing under the kv probes (kv.c): where a
** server is (an address parsed from `url`), connecting to it, a private
** redis-server started for one probe and stopped after it, and numbers
** read from INFO.  Only built with hiredis (HAVE_HIREDIS).
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, prctl */
#endif
#ifdef HAVE_HIREDIS

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "child.h"
#include "clock.h"
#include "kv_redis.h"

#define KV_START_TRIES 5           /* free ports tried for redis-server */

void
kv_sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	nanosleep(&ts, NULL);
}


/* hiredis reports a read timeout as EAGAIN's text. */
int
kv_timed_out(const redisContext *c)
{
	return c->err == REDIS_ERR_IO && strstr(c->errstr, "temporarily") != NULL;
}

void
kv_ctx_error(const redisContext *c, char *buf, size_t n)
{
	if (kv_timed_out(c))
		snprintf(buf, n, "no answer within %d ms", KV_IO_MS);
	else if (c->err == REDIS_ERR_EOF)
		snprintf(buf, n, "the server closed the connection");
	else
		snprintf(buf, n, "%s", c->errstr);
}

/* -- addresses, connections, INFO ------------------------------------ */

int
kv_addr_parse(const char *url, struct kv_addr *a, char *err, size_t errn)
{
	const char *p = url, *host, *hend, *port = NULL;
	size_t hl;

	memset(a, 0, sizeof(*a));
	if (strncmp(p, "redis://", 8) == 0)
		p += 8;
	if (*p == '[') {
		host = p + 1;
		hend = strchr(host, ']');
		if (hend == NULL || (hend[1] != '\0' && hend[1] != ':'))
			goto bad;
		if (hend[1] == ':')
			port = hend + 2;
	} else {
		host = p;
		hend = strchr(p, ':');
		if (hend != NULL)
			port = hend + 1;
		else
			hend = p + strlen(p);
	}
	hl = (size_t)(hend - host);
	if (hl == 0 || hl >= sizeof(a->host))
		goto bad;
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)host[i]) &&
		    strchr(".-_:%", host[i]) == NULL)
			goto bad;
	memcpy(a->host, host, hl);
	a->port = 6379;
	if (port != NULL) {
		char *end;
		long v;

		if (!isdigit((unsigned char)*port))
			goto bad;
		errno = 0;
		v = strtol(port, &end, 10);
		if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
			goto bad;
		a->port = (int)v;
	}
	if (strchr(a->host, ':') != NULL)
		snprintf(a->text, sizeof(a->text), "[%s]:%d", a->host, a->port);
	else
		snprintf(a->text, sizeof(a->text), "%s:%d", a->host, a->port);
	return 0;
bad:
	snprintf(err, errn, "url '%s': expected redis://host:port or host:port "
		 "(no user, password or database)", url);
	return -1;
}

redisContext *
kv_connect(const struct kv_addr *a, int timeout_ms, char *err, size_t errn)
{
	struct timeval ct = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct timeval io = { KV_IO_MS / 1000, (KV_IO_MS % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(a->host, a->port, ct);
	redisReply *r;
	char why[160];

	if (c == NULL) {
		snprintf(err, errn, "cannot connect to redis at %s: out of memory",
			 a->text);
		return NULL;
	}
	if (c->err != 0) {
		snprintf(err, errn, "cannot connect to redis at %s: %s", a->text,
			 c->errstr);
		redisFree(c);
		return NULL;
	}
	(void)redisSetTimeout(c, ct);
	r = redisCommand(c, "PING");
	if (r == NULL) {
		if (kv_timed_out(c))
			snprintf(why, sizeof(why), "no answer to PING within %d ms",
				 timeout_ms);
		else
			kv_ctx_error(c, why, sizeof(why));
		snprintf(err, errn, "cannot connect to redis at %s: %s", a->text,
			 why);
		redisFree(c);
		return NULL;
	}
	if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "PONG") != 0) {
		snprintf(err, errn, "redis at %s answered PING with %s%.120s",
			 a->text, r->type == REDIS_REPLY_ERROR ? "an error: " : "",
			 r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS
				 ? r->str : "something other than PONG");
		freeReplyObject(r);
		redisFree(c);
		return NULL;
	}
	freeReplyObject(r);
	(void)redisSetTimeout(c, io);
	return c;
}

/* The line of INFO `section` that starts with "field:", or NULL. */
static const char *
kv_info_find(const redisReply *r, const char *field, size_t *len)
{
	size_t fl = strlen(field);
	const char *p = r->str;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, field, fl) == 0 && p[fl] == ':') {
			p += fl + 1;
			*len = strcspn(p, "\r\n");
			return p;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

int
kv_info_str(redisContext *c, const char *section, const char *field,
	    char *buf, size_t n)
{
	redisReply *r = redisCommand(c, "INFO %s", section);
	const char *v = NULL;
	size_t len = 0;

	if (r != NULL && r->type == REDIS_REPLY_STRING)
		v = kv_info_find(r, field, &len);
	if (v != NULL)
		snprintf(buf, n, "%.*s", (int)len, v);
	freeReplyObject(r);
	return v != NULL ? 0 : -1;
}

int
kv_info_u64(redisContext *c, const char *section, const char *field,
	    uint64_t *v, char *err, size_t errn)
{
	char buf[64], *end;

	if (kv_info_str(c, section, field, buf, sizeof(buf)) != 0) {
		if (c->err != 0)
			kv_ctx_error(c, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "no such field");
		snprintf(err, errn, "INFO %s %s: %s", section, field, buf);
		return -1;
	}
	errno = 0;
	*v = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf) {
		snprintf(err, errn, "INFO %s %s: '%s' is not a number", section,
			 field, buf);
		return -1;
	}
	return 0;
}

/* -- a private redis-server ------------------------------------------ */

static int
kv_find_bin(char *out, size_t n)
{
	const char *path = getenv("PATH");

	if (path == NULL || path[0] == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		size_t len = strcspn(path, ":");

		if (len == 0)
			snprintf(out, n, "./redis-server");
		else
			snprintf(out, n, "%.*s/redis-server", (int)len, path);
		if (access(out, X_OK) == 0)
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* A loopback port nobody listens on now; the caller retries if someone
** takes it first. */
static int
kv_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* The last non-empty line of a small file, for error messages. */
static void
kv_last_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	char line[512];

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0') {
			size_t l = strlen(line) < n ? strlen(line) : n - 1;

			memcpy(buf, line, l);
			buf[l] = '\0';
		}
	}
	fclose(f);
}

static void
kv_remove_dir(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
	dir[0] = '\0';
}

/* Forks and execs argv[0]; stdout and stderr go to `out`. */
static pid_t
kv_spawn(const char *const *argv, const char *out)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pid_t pid = -1;

	if (in >= 0 && fd >= 0)
		pid = child_spawn(argv[0], argv, in, fd, fd, -1);
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
	return pid < 0 ? -1 : pid;
}

/* 0 when the server on `port` answers PING and is our child; 1 when it
** exited because the port was taken; -1 on any other failure. */
static int
kv_wait_ready(struct kv_server *s, int port, char *err, size_t errn)
{
	struct timeval tv = { 0, 200000 };
	uint64_t deadline = clock_ns() + 10000000000ull;
	char log[PATH_MAX + 16], line[256], pidtxt[32];

	for (;;) {
		int st;
		pid_t w = waitpid(s->pid, &st, WNOHANG);
		redisContext *c;

		if (w == s->pid) {
			s->pid = 0;
			snprintf(log, sizeof(log), "%s/redis.log", s->dir);
			kv_last_line(log, line, sizeof(line));
			if (line[0] == '\0') {
				snprintf(log, sizeof(log), "%s/redis.out", s->dir);
				kv_last_line(log, line, sizeof(line));
			}
			if (strstr(line, "Address already in use") != NULL)
				return 1;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && line[0] == '\0')
				snprintf(line, sizeof(line), "cannot execute %.200s", s->bin);
			snprintf(err, errn, "redis-server exited at start (%s %d): %s",
				 WIFEXITED(st) ? "status" : "signal",
				 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
				 line[0] ? line : "no message");
			return -1;
		}
		c = redisConnectWithTimeout("127.0.0.1", port, tv);
		if (c != NULL && c->err == 0) {
			redisReply *r;

			(void)redisSetTimeout(c, tv);
			r = redisCommand(c, "PING");
			/* Someone else may have taken the port between our
			** probe and the server's bind: check whose it is. */
			if (r != NULL && r->type == REDIS_REPLY_STATUS &&
			    strcmp(r->str, "PONG") == 0 &&
			    kv_info_str(c, "server", "process_id", pidtxt,
					sizeof(pidtxt)) == 0 &&
			    atol(pidtxt) == (long)s->pid) {
				freeReplyObject(r);
				redisFree(c);
				return 0;
			}
			freeReplyObject(r);
		}
		redisFree(c);
		if (clock_ns() > deadline) {
			snprintf(err, errn, "redis-server (%s) did not answer PING on "
				 "127.0.0.1:%d within 10 s", s->bin, port);
			return -1;
		}
		kv_sleep_ns(10000000L);
	}
}

int
kv_server_start(struct kv_server *s, const char *parent, char *err,
		size_t errn)
{
	char log[PATH_MAX + 16], out[PATH_MAX + 16], portbuf[16];
	const char *argv[20];
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (kv_find_bin(s->bin, sizeof(s->bin)) != 0) {
		snprintf(err, errn, "redis-server not found in PATH (install the "
			 "redis-server package, or give url=host:port of a running "
			 "server)");
		return 1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/redis.XXXXXX", parent);
	if (mkdtemp(s->dir) == NULL) {
		snprintf(err, errn, "cannot create a directory under %s: %s",
			 parent, strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	snprintf(log, sizeof(log), "%s/redis.log", s->dir);
	snprintf(out, sizeof(out), "%s/redis.out", s->dir);
	for (int tries = 0; tries < KV_START_TRIES; tries++) {
		int port = kv_free_port(), n = 0;

		if (port < 0) {
			snprintf(err, errn, "cannot find a free loopback port: %s",
				 strerror(errno));
			break;
		}
		snprintf(portbuf, sizeof(portbuf), "%d", port);
		argv[n++] = s->bin;
		argv[n++] = "--port";
		argv[n++] = portbuf;
		argv[n++] = "--bind";
		argv[n++] = "127.0.0.1";
		argv[n++] = "--save";
		argv[n++] = "";
		argv[n++] = "--appendonly";
		argv[n++] = "no";
		argv[n++] = "--daemonize";
		argv[n++] = "no";
		argv[n++] = "--dir";
		argv[n++] = s->dir;
		argv[n++] = "--logfile";
		argv[n++] = log;
		argv[n] = NULL;
		s->pid = kv_spawn(argv, out);
		if (s->pid < 0) {
			s->pid = 0;
			snprintf(err, errn, "cannot start %s: %s", s->bin,
				 strerror(errno));
			break;
		}
		rc = kv_wait_ready(s, port, err, errn);
		if (rc == 0) {
			snprintf(s->addr.host, sizeof(s->addr.host), "127.0.0.1");
			s->addr.port = port;
			snprintf(s->addr.text, sizeof(s->addr.text), "127.0.0.1:%d",
				 port);
			return 0;
		}
		if (rc < 0)
			break;
		snprintf(err, errn, "redis-server: %d ports in a row were taken "
			 "before it could bind them", tries + 1);
		rc = -1;
	}
	kv_server_stop(s);
	return rc;
}

void
kv_server_stop(struct kv_server *s)
{
	if (s->pid > 0) {
		int st, done = 0;

		(void)kill(s->pid, SIGTERM);
		for (int i = 0; i < 400 && !done; i++) {
			if (waitpid(s->pid, &st, WNOHANG) != 0)
				done = 1;
			else
				kv_sleep_ns(5000000L);
		}
		if (!done) {
			(void)kill(s->pid, SIGKILL);
			(void)waitpid(s->pid, &st, 0);
		}
		s->pid = 0;
	}
	kv_remove_dir(s->dir);
}

#else
/* ISO C forbids an empty translation unit. */
typedef int kv_redis_unused;
#endif /* HAVE_HIREDIS */

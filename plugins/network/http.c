/*
** http.c - network.http: an HTTP/1.1 load generator in the class of wrk
** and wrk2, against the probe's own `dyno serve` (its HTTP endpoint,
** serve/wire.h) or any server at url=http://host:port/path.
**
** `threads` worker threads each run one epoll loop over their share of
** the `connections` (non-blocking sockets, keep-alive, one request in
** flight per connection, no pipelining).  Closed loop (rate=0): a
** connection sends its next request once the batch of events that
** completed its previous response has been read (as wrk does); latency
** counts from the send.  Fixed rate (rate>0): request i
** of thread k of T is due at t_start + (i*T + k) / rate; a due request
** goes out on the next free connection of its thread, and its latency
** counts from the due time, so a request that had to wait for a free
** connection carries the wait (wrk2's coordinated-omission correction).
** A timerfd wakes the loop at the next due time.
**
** Every failure is counted by kind (non-2xx status, timeout, reset,
** connect, malformed response) per 100 ms window; a failed connection is
** reopened (after 10 ms when the connect itself failed).  Workers buffer
** latencies and window counts; only the calling thread records, after
** joining them.  A run in which no request succeeded fails with the
** first error's text.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4-era socket flags, prctl, sched_setaffinity */
#endif
#include <dyno/plugin.h>

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "peer.h"
#include "probes.h"
#include "samples.h"

#define HTTP_WINDOW_NS 100000000ull /* rps / errors sample window */
#define HTTP_LAT_CAP (32u << 20)    /* latencies kept per thread */
#define HTTP_POLL_NS 20000000L      /* how often run() polls should_stop */
#define HTTP_TICK_NS 5000000ull     /* timeout / retry scan period */
#define HTTP_RETRY_NS 10000000ull   /* wait before reconnecting after a failed connect */
#define HTTP_RBUF (64u << 10)       /* per-thread read buffer */
#define HTTP_CARRY (16u << 10)      /* longest response head / chunk line kept */
#define HTTP_EVENTS 256
#define HTTP_MAX_STATUS 600

/* Error kinds, in the order errors_by_kind names them. */
enum http_err {
	HE_4XX, HE_5XX, HE_STATUS, HE_TIMEOUT, HE_RESET, HE_CONNECT,
	HE_MALFORMED, HE_N
};

static const char *const http_err_names[HE_N] = {
	"status 4xx", "status 5xx", "status other", "timeout", "reset",
	"connect", "malformed"
};

/* Per-run state, from setup() to teardown(). */
struct http_state {
	struct peer peer;     /* pid != 0: our own dyno serve */
	int have_peer;        /* peer_open succeeded: peer_close it */
	char target[900];     /* "http://host:port/path", as messages name it */
	char *req;            /* the request, head and body */
	size_t reqlen;
	const char *method;
	uint64_t body_size;
	unsigned conns, threads;
	double rate;          /* req/s in all; 0: closed loop */
	uint64_t duration_ns, warmup_ns, timeout_ns;
};

enum conn_st {
	C_CLOSED,   /* no socket; reopen at retry_at */
	C_CONNECT,  /* non-blocking connect in progress */
	C_IDLE,     /* connected, nothing in flight */
	C_BUSY      /* request written (maybe partly), response awaited */
};

enum parse_st {
	P_HEAD, P_BODY, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER,
	P_UNTIL_CLOSE
};

struct http_conn {
	int fd;
	enum conn_st st;
	enum parse_st ps;
	size_t woff;          /* request bytes written */
	uint64_t when;        /* latency origin: send or due time */
	uint64_t deadline;    /* timeout of the connect or the request */
	uint64_t retry_at;
	uint64_t left;        /* body or chunk bytes still to come */
	int status;
	int close_after;      /* "Connection: close" or HTTP/1.0 */
	int want_out;         /* EPOLLOUT armed */
	int in_idle;          /* fixed rate: on the idle stack (maybe stale) */
	int first;            /* its first connect has not ended yet */
	int in_pend;          /* closed loop: on the to-send list */
	char *carry;          /* unparsed bytes kept between reads */
	size_t ncarry;
};

struct http_run {
	const struct http_state *st;
	uint64_t tw;          /* start of warmup */
	uint64_t t0;          /* start of measurement */
	uint64_t t_end;       /* end of measurement */
	size_t nwin;
	atomic_int stop;
	atomic_uint finished;
};

struct http_worker {
	struct http_run *run;
	pthread_t tid;
	unsigned idx;
	int ep, tfd;
	struct http_conn *c;
	unsigned nc;
	unsigned *idle;       /* fixed rate: stack of idle connections */
	unsigned nidle;
	unsigned *pend;       /* closed loop: connections to send on after
				 the current batch of events */
	unsigned npend;
	uint64_t next_i;      /* fixed rate: next request index of this thread */
	uint64_t armed;       /* fixed rate: when the timerfd fires */
	uint64_t sched0;      /* fixed rate: origin of the schedule; 0 until
				 every first connect ended */
	unsigned opening;     /* first connects not ended yet */
	double period;        /* fixed rate: ns between this thread's requests */
	char *rbuf;
	struct samples lat;
	uint64_t *wok, *werr; /* per window: 2xx responses, errors */
	uint64_t ok, errs[HE_N], reconnects, warm_errs, sent;
	uint64_t status[HTTP_MAX_STATUS];
	uint64_t backlog;     /* fixed rate: requests due but not sent at the end */
	uint64_t t_last;
	uint64_t err_ns;      /* when the first error happened; 0: none */
	char err[300];
	char fatal[300];      /* the loop itself failed (epoll, memory) */
};

static void
http_sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* -- setup ------------------------------------------------------------- */

/* Parses "http://host[:port][/path]" into st->peer and *path; 0, or -1
** with err[] saying what was expected. */
static int
http_parse_url(const char *url, struct http_state *st, char *path,
	       size_t pathn, char *host, size_t hostn, char *err, size_t errn)
{
	const char *p, *hs, *he, *ps;
	char port[16] = "80";
	struct addrinfo hints, *ai = NULL;
	int rc;

	if (strncasecmp(url, "http://", 7) != 0) {
		const char *sep = strstr(url, "://");

		if (sep != NULL)
			snprintf(err, errn, "url '%.200s': scheme '%.*s' is not "
				 "supported, only http://host:port/path", url,
				 (int)(sep - url) > 20 ? 20 : (int)(sep - url), url);
		else
			snprintf(err, errn, "url '%.200s': expected "
				 "http://host:port/path", url);
		return -1;
	}
	hs = url + 7;
	if (*hs == '[') {
		he = strchr(hs, ']');
		if (he == NULL)
			goto bad;
		p = he + 1;
		hs++;
	} else {
		for (p = hs; *p && *p != ':' && *p != '/'; p++)
			;
		he = p;
	}
	if (he == hs || (size_t)(he - hs) >= hostn)
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (*p == ':') {
		size_t n;

		p++;
		n = strspn(p, "0123456789");
		if (n == 0 || n > 5 || (p[n] != '\0' && p[n] != '/') ||
		    atoi(p) < 1 || atoi(p) > 65535)
			goto bad;
		memcpy(port, p, n);
		port[n] = '\0';
		p += n;
	} else if (*p != '\0' && *p != '/') {
		goto bad;
	}
	ps = *p == '/' ? p : "/";
	if (strlen(ps) >= pathn || strpbrk(ps, " \r\n\t") != NULL)
		goto bad;
	snprintf(path, pathn, "%s", ps);

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errn, "url '%.200s': cannot resolve '%.100s': %s",
			 url, host, gai_strerror(rc));
		return -1;
	}
	memcpy(&st->peer.addr, ai->ai_addr, ai->ai_addrlen);
	st->peer.addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(st->peer.text, sizeof(st->peer.text), "%s%.256s%s:%.5s",
		 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
		 port);
	snprintf(st->target, sizeof(st->target), "http://%s%s", st->peer.text,
		 path);
	return 0;
bad:
	snprintf(err, errn, "url '%.200s': expected http://host:port/path",
		 url);
	return -1;
}

/* Pins the calling thread (and the workers it starts) to cpu; the
** peer_open() path does this itself. */
static int
http_pin(const struct dyno_host *h, struct dyno_ctx *ctx, int64_t cpu)
{
	cpu_set_t set;
	char v[32];

	if (cpu < 0)
		return DYNO_OK;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return h->fail(ctx, "cannot pin to cpu %" PRId64 ": %s", cpu,
			       strerror(errno));
	snprintf(v, sizeof(v), "%" PRId64, cpu);
	h->artifact(ctx, "client_cpu", v);
	return DYNO_OK;
}

/* Room for every connection's descriptor: raises the soft limit. */
static int
http_fd_room(const struct dyno_host *h, struct dyno_ctx *ctx, unsigned conns,
	     unsigned threads)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)conns + 2 * (rlim_t)threads + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return DYNO_OK;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		return h->fail(ctx, "%u connections need %llu file descriptors; "
			       "the limit is %llu (ulimit -n)", conns,
			       (unsigned long long)need,
			       (unsigned long long)rl.rlim_max);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return h->fail(ctx, "cannot raise the open file limit to %llu: %s",
			       (unsigned long long)need, strerror(errno));
	return DYNO_OK;
}

static void
http_state_free(struct http_state *st)
{
	if (st == NULL)
		return;
	if (st->have_peer)
		peer_close(&st->peer);
	free(st->req);
	free(st);
}

static void
http_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h;
	(void)ctx;
	http_state_free(state);
}

static int
http_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct http_state *st = calloc(1, sizeof(*st));
	const char *url = h->param_str(ctx, "url");
	char path[512], host[260], err[700], v[1000];
	int64_t ccpu = h->param_int(ctx, "client_cpu");
	int rc, n;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	st->body_size = h->param_size(ctx, "body_size");
	st->method = strcmp(h->param_str(ctx, "method"), "POST") == 0 ||
			     st->body_size > 0 ? "POST" : "GET";
	st->conns = (unsigned)h->param_int(ctx, "connections");
	st->threads = (unsigned)h->param_int(ctx, "threads");
	st->rate = h->param_float(ctx, "rate");
	st->duration_ns = h->param_duration_ns(ctx, "duration");
	st->warmup_ns = h->param_duration_ns(ctx, "warmup");
	st->timeout_ns = h->param_duration_ns(ctx, "timeout");
	if (st->threads > st->conns) {
		rc = h->fail(ctx, "threads=%u is more than connections=%u: each "
			     "thread needs a connection", st->threads, st->conns);
		goto out;
	}
	if (url[0] != '\0' && h->param_str(ctx, "peer")[0] != '\0') {
		rc = h->fail(ctx, "set url or peer, not both");
		goto out;
	}
	if (url[0] != '\0') {
		if (http_parse_url(url, st, path, sizeof(path), host,
				   sizeof(host), err, sizeof(err)) != 0) {
			rc = h->fail(ctx, "%s", err);
			goto out;
		}
		rc = http_pin(h, ctx, ccpu);
		if (rc != DYNO_OK)
			goto out;
		snprintf(v, sizeof(v), "%s (url)", st->target);
		h->artifact(ctx, "server", v);
	} else {
		rc = peer_open(h, ctx, &st->peer, st->conns);
		if (rc != DYNO_OK)
			goto out;
		st->have_peer = 1;
		snprintf(path, sizeof(path), "/");
		snprintf(st->target, sizeof(st->target), "http://%s/",
			 st->peer.text);
		h->artifact(ctx, "url", st->target);
	}
	rc = http_fd_room(h, ctx, st->conns, st->threads);
	if (rc != DYNO_OK)
		goto out;

	/* The request: a head like wrk's, then body_size bytes. */
	st->req = malloc(1024 + st->body_size);
	if (st->req == NULL) {
		rc = h->fail(ctx, "out of memory for a %" PRIu64 " B body",
			     st->body_size);
		goto out;
	}
	if (strcmp(st->method, "POST") == 0)
		n = snprintf(st->req, 1024, "POST %s HTTP/1.1\r\nHost: %s\r\n"
			     "Content-Type: application/octet-stream\r\n"
			     "Content-Length: %" PRIu64 "\r\n\r\n", path,
			     st->peer.text, st->body_size);
	else
		n = snprintf(st->req, 1024, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
			     path, st->peer.text);
	if (n < 0 || n >= 1024) {
		rc = h->fail(ctx, "url path too long for a request head");
		goto out;
	}
	for (uint64_t i = 0; i < st->body_size; i++)
		st->req[(size_t)n + i] = (char)('a' + i % 26);
	st->reqlen = (size_t)n + st->body_size;
	*state = st;
	return DYNO_OK;
out:
	http_state_free(st);
	return rc;
}

/* -- the event loop ---------------------------------------------------- */

static int
http_stopping(const struct http_worker *w, uint64_t now)
{
	return atomic_load_explicit(&w->run->stop, memory_order_relaxed) ||
	       now >= w->run->t_end;
}

static size_t
http_win(const struct http_worker *w, uint64_t t)
{
	size_t win = (size_t)((t - w->run->t0) / HTTP_WINDOW_NS);

	return win < w->run->nwin ? win : w->run->nwin - 1;
}

static void
http_fatal(struct http_worker *w, const char *what)
{
	if (w->fatal[0] == '\0')
		snprintf(w->fatal, sizeof(w->fatal), "%s: %s", what,
			 strerror(errno));
	atomic_store(&w->run->stop, 1);
}

/* Counts an error of `kind` that happened at `t`. */
static void
http_error(struct http_worker *w, enum http_err kind, uint64_t t,
	   const char *fmt, ...) DYNO_PRINTF(4, 5);

static void
http_error(struct http_worker *w, enum http_err kind, uint64_t t,
	   const char *fmt, ...)
{
	va_list ap;

	if (w->err_ns == 0) {
		w->err_ns = t;
		va_start(ap, fmt);
		vsnprintf(w->err, sizeof(w->err), fmt, ap);
		va_end(ap);
	}
	if (t < w->run->t0 || t > w->run->t_end) {
		w->warm_errs++;
		return;
	}
	w->errs[kind]++;
	w->werr[http_win(w, t)]++;
}

/* The first connect of c ended (either way).  The fixed-rate schedule
** starts when all of a thread's have: requests due while thousands of
** connections open would otherwise pile up and run the measured part
** above the rate asked. */
static void
http_first_done(struct http_worker *w, struct http_conn *c, uint64_t now)
{
	if (!c->first)
		return;
	c->first = 0;
	if (--w->opening == 0)
		w->sched0 = now;
}

static void
http_close(struct http_worker *w, struct http_conn *c, uint64_t retry_at)
{
	http_first_done(w, c, retry_at);
	if (c->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->st = C_CLOSED;
	c->ncarry = 0;
	c->want_out = 0;
	c->retry_at = retry_at;
}

static void
http_arm_out(struct http_worker *w, struct http_conn *c, int on)
{
	struct epoll_event ev;

	if (c->want_out == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.u32 = (uint32_t)(c - w->c);
	if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		http_fatal(w, "epoll_ctl");
	c->want_out = on;
}

/* Starts a non-blocking connect; a failure is a connect error. */
static void
http_open(struct http_worker *w, struct http_conn *c, uint64_t now)
{
	const struct http_state *st = w->run->st;
	struct epoll_event ev;
	int one = 1, fd;

	fd = socket(st->peer.addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		http_error(w, HE_CONNECT, now, "socket: %s", strerror(errno));
		c->retry_at = now + HTTP_RETRY_NS;
		http_first_done(w, c, now);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&st->peer.addr,
		    st->peer.addrlen) != 0 && errno != EINPROGRESS) {
		http_error(w, HE_CONNECT, now, "connect to %s: %s",
			   st->peer.text, strerror(errno));
		close(fd);
		c->retry_at = now + HTTP_RETRY_NS;
		http_first_done(w, c, now);
		return;
	}
	c->fd = fd;
	c->st = C_CONNECT;
	c->deadline = now + st->timeout_ns;
	c->want_out = 1;
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.u32 = (uint32_t)(c - w->c);
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		http_fatal(w, "epoll_ctl");
		close(fd);
		c->fd = -1;
		c->st = C_CLOSED;
	}
}

/* Writes what is left of the request; 0, or -1 after counting a reset. */
static int
http_write(struct http_worker *w, struct http_conn *c)
{
	const struct http_state *st = w->run->st;

	while (c->woff < st->reqlen) {
		ssize_t n = send(c->fd, st->req + c->woff, st->reqlen - c->woff,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				http_arm_out(w, c, 1);
				return 0;
			}
			http_error(w, HE_RESET, clock_ns(), "sending to %s: %s",
				   st->peer.text, strerror(errno));
			return -1;
		}
		c->woff += (size_t)n;
	}
	http_arm_out(w, c, 0);
	return 0;
}

/* Sends a request on idle connection c, its latency counted from when. */
static void
http_send(struct http_worker *w, struct http_conn *c, uint64_t when,
	  uint64_t now)
{
	c->st = C_BUSY;
	c->ps = P_HEAD;
	c->woff = 0;
	c->when = when;
	c->deadline = now + w->run->st->timeout_ns;
	c->status = 0;
	c->close_after = 0;
	w->sent++;
	if (http_write(w, c) != 0)
		http_close(w, c, now);
}

/* Fixed rate: when this thread's next request is due. */
static uint64_t
http_due(const struct http_worker *w)
{
	return w->sched0 + (uint64_t)((double)w->next_i * w->period +
				       (double)w->idx * w->period /
					       w->run->st->threads);
}

/* Fixed rate: hands every due request to an idle connection.  The idle
** stack may hold connections closed since they were parked: skipped. */
static void
http_dispatch(struct http_worker *w, uint64_t now)
{
	while (w->nidle > 0 && w->sched0 != 0 && !http_stopping(w, now)) {
		struct http_conn *c = &w->c[w->idle[w->nidle - 1]];

		if (c->st != C_IDLE) {
			c->in_idle = 0;
			w->nidle--;
			continue;
		}
		if (http_due(w) > now)
			break;
		c->in_idle = 0;
		w->nidle--;
		http_send(w, c, http_due(w), now);
		w->next_i++;
	}
}

/* A connection became free: closed loop sends again, fixed rate parks it. */
static void
http_ready(struct http_worker *w, struct http_conn *c, uint64_t now)
{
	c->st = C_IDLE;
	if (http_stopping(w, now))
		return;
	if (w->period > 0) {
		if (!c->in_idle) {
			c->in_idle = 1;
			w->idle[w->nidle++] = (unsigned)(c - w->c);
		}
		http_dispatch(w, now);
	} else if (!c->in_pend) {
		c->in_pend = 1;
		w->pend[w->npend++] = (unsigned)(c - w->c);
	}
}

/* Closed loop: sends on every connection freed by the last batch of
** events, after the whole batch was read (as wrk does: the responses
** that arrived together are read before new requests go out), each
** timed from its own send. */
static void
http_flush(struct http_worker *w)
{
	for (unsigned i = 0; i < w->npend; i++) {
		struct http_conn *c = &w->c[w->pend[i]];
		uint64_t now = clock_ns();

		c->in_pend = 0;
		if (c->st == C_IDLE && !http_stopping(w, now))
			http_send(w, c, now, now);
	}
	w->npend = 0;
}

/* A whole response arrived at t. */
static void
http_done(struct http_worker *w, struct http_conn *c, uint64_t t)
{
	const struct http_state *st = w->run->st;
	int s = c->status;

	/* What completes inside [t0, t_end] counts, whenever it was sent or
	** due: at a fixed rate above capacity, the backlog of the warmup is
	** part of the queue the measured requests wait in. */
	if (t < w->run->t0 || t > w->run->t_end) {
		if (s < 200 || s >= 300)
			http_error(w, HE_STATUS, t, "%s %s answered %d",
				   st->method, st->target, s);
		return;
	}
	if (s >= 0 && s < HTTP_MAX_STATUS)
		w->status[s]++;
	if (s >= 200 && s < 300) {
		w->ok++;
		w->wok[http_win(w, t)]++;
		samples_push(&w->lat, (double)(t - c->when) / 1e9, HTTP_LAT_CAP);
	} else {
		http_error(w, s >= 500 && s < 600 ? HE_5XX
			   : s >= 400 && s < 500 ? HE_4XX : HE_STATUS,
			   t, "%s %s answered %d", st->method, st->target, s);
	}
	if (t > w->t_last)
		w->t_last = t;
}

/* Parses the status line and headers in head[0..n) (ending \r\n\r\n). */
static int
http_head(struct http_conn *c, const char *head, size_t n)
{
	const char *p = head, *end = head + n, *eol;
	int minor;

	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '9' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return -1;
	minor = p[7] - '0';
	c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	c->close_after = minor == 0;
	c->ps = P_UNTIL_CLOSE;
	if ((c->status >= 100 && c->status < 200) || c->status == 204 ||
	    c->status == 304) {
		c->ps = P_BODY;
		c->left = 0;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	for (p = eol + 1; p < end; p = eol + 1) {
		const char *colon, *v;
		size_t vl;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL || eol - p <= 1)
			break;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL)
			return -1;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		vl = (size_t)(eol - v);
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
			vl--;
#define HDR(name) ((size_t)(colon - p) == sizeof(name) - 1 && \
		   strncasecmp(p, name, sizeof(name) - 1) == 0)
		if (HDR("Content-Length")) {
			char *e;
			unsigned long long l;

			if (c->ps == P_BODY && c->status < 200)
				continue;
			l = strtoull(v, &e, 10);
			if (e == v)
				return -1;
			if (c->ps != P_CHUNK_SIZE) {
				c->ps = P_BODY;
				c->left = (c->status == 204 || c->status == 304)
						  ? 0 : l;
			}
		} else if (HDR("Transfer-Encoding")) {
			if (vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0 &&
			    c->status >= 200 && c->status != 204 &&
			    c->status != 304)
				c->ps = P_CHUNK_SIZE;
		} else if (HDR("Connection")) {
			if (vl == 5 && strncasecmp(v, "close", 5) == 0)
				c->close_after = 1;
			else if (vl == 10 && strncasecmp(v, "keep-alive", 10) == 0)
				c->close_after = 0;
		}
#undef HDR
	}
	if (c->ps == P_UNTIL_CLOSE)
		c->close_after = 1;
	return 0;
}

/* Consumes buf[0..n) for connection c; returns bytes consumed, or -1
** when the response is malformed.  *done is set when a response ended. */
static ssize_t
http_parse(struct http_conn *c, const char *buf, size_t n, int *done)
{
	size_t pos = 0;

	*done = 0;
	while (pos < n && !*done) {
		const char *b = buf + pos, *e;
		size_t avail = n - pos, k;

		switch (c->ps) {
		case P_HEAD:
			e = memmem(b, avail, "\r\n\r\n", 4);
			if (e == NULL)
				return (ssize_t)pos;
			k = (size_t)(e - b) + 4;
			if (http_head(c, b, k) != 0)
				return -1;
			pos += k;
			if (c->status < 200) { /* interim response */
				c->ps = P_HEAD;
				break;
			}
			if (c->ps == P_BODY && c->left == 0)
				*done = 1;
			break;
		case P_BODY:
			k = avail < c->left ? avail : (size_t)c->left;
			c->left -= k;
			pos += k;
			if (c->left == 0)
				*done = 1;
			break;
		case P_UNTIL_CLOSE:
			pos = n;
			break;
		case P_CHUNK_SIZE: {
			char *x;
			unsigned long long l;

			e = memmem(b, avail, "\r\n", 2);
			if (e == NULL)
				return (ssize_t)pos;
			l = strtoull(b, &x, 16);
			if (x == b || (x < e && *x != ';' && *x != ' '))
				return -1;
			pos += (size_t)(e - b) + 2;
			c->left = l;
			c->ps = l == 0 ? P_TRAILER : P_CHUNK_DATA;
			break;
		}
		case P_CHUNK_DATA:
			k = avail < c->left ? avail : (size_t)c->left;
			c->left -= k;
			pos += k;
			if (c->left == 0)
				c->ps = P_CHUNK_CRLF;
			break;
		case P_CHUNK_CRLF:
			if (avail < 2)
				return (ssize_t)pos;
			if (b[0] != '\r' || b[1] != '\n')
				return -1;
			pos += 2;
			c->ps = P_CHUNK_SIZE;
			break;
		case P_TRAILER:
			e = memmem(b, avail, "\r\n", 2);
			if (e == NULL)
				return (ssize_t)pos;
			pos += (size_t)(e - b) + 2;
			if (e == b)
				*done = 1;
			break;
		}
	}
	return (ssize_t)pos;
}

/* The peer closed (n == 0) or failed (errno) while c was busy or idle. */
static void
http_lost(struct http_worker *w, struct http_conn *c, uint64_t now, int err)
{
	const struct http_state *st = w->run->st;

	if (c->st == C_BUSY && c->ps == P_UNTIL_CLOSE && err == 0) {
		http_done(w, c, now);
		http_close(w, c, now);
		w->reconnects++;
		if (!http_stopping(w, now))
			http_open(w, c, now);
		return;
	}
	if (c->st == C_BUSY) {
		if (err != 0)
			http_error(w, HE_RESET, now, "connection to %s: %s",
				   st->peer.text, strerror(err));
		else
			http_error(w, HE_RESET, now, "%s closed the connection "
				   "with a request outstanding", st->peer.text);
	} else {
		w->reconnects++; /* an idle keep-alive connection closed */
	}
	http_close(w, c, now);
	if (!http_stopping(w, now))
		http_open(w, c, now);
}

/* Reads what c has; handles complete responses. */
static void
http_read(struct http_worker *w, struct http_conn *c, uint64_t now)
{
	char *buf = w->rbuf;

	for (;;) {
		size_t have = c->ncarry;
		ssize_t n, used;
		int done;

		if (have > 0)
			memcpy(buf, c->carry, have);
		n = recv(c->fd, buf + have, HTTP_RBUF + HTTP_CARRY - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			http_lost(w, c, now, n < 0 ? errno : 0);
			return;
		}
		if (c->st != C_BUSY) {
			http_error(w, HE_MALFORMED, now, "%s sent %zd bytes "
				   "nobody asked for", w->run->st->peer.text, n);
			http_close(w, c, now);
			return;
		}
		now = clock_ns();
		have += (size_t)n;
		used = http_parse(c, buf, have, &done);
		if (used < 0) {
			http_error(w, HE_MALFORMED, now, "malformed response from "
				   "%s", w->run->st->peer.text);
			http_close(w, c, now);
			return;
		}
		if (done) {
			int close_after = c->close_after;

			c->ncarry = 0;
			http_done(w, c, now);
			if (close_after) {
				http_close(w, c, now);
				w->reconnects++;
				if (!http_stopping(w, now))
					http_open(w, c, now);
				return;
			}
			if ((size_t)used < have) {
				http_error(w, HE_MALFORMED, now, "%s sent %zu bytes "
					   "past the end of a response",
					   w->run->st->peer.text,
					   have - (size_t)used);
				http_close(w, c, now);
				return;
			}
			http_ready(w, c, now);
			return;
		}
		/* Keep an incomplete head or chunk line for the next read. */
		c->ncarry = have - (size_t)used;
		if (c->ncarry > 0) {
			if (c->ncarry >= HTTP_CARRY) {
				http_error(w, HE_MALFORMED, now, "response head from "
					   "%s over %u bytes", w->run->st->peer.text,
					   HTTP_CARRY);
				http_close(w, c, now);
				return;
			}
			if (c->carry == NULL &&
			    (c->carry = malloc(HTTP_CARRY)) == NULL) {
				errno = ENOMEM;
				http_fatal(w, "read buffer");
				return;
			}
			memmove(c->carry, buf + used, c->ncarry);
		}
		if ((size_t)n < HTTP_RBUF + HTTP_CARRY - (have - (size_t)n))
			return; /* drained; level-triggered epoll calls again */
	}
}

static void
http_event(struct http_worker *w, struct http_conn *c, uint32_t ev,
	   uint64_t now)
{
	if (c->st == C_CONNECT) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err == 0 && (ev & (EPOLLERR | EPOLLHUP)))
			err = ECONNREFUSED;
		if (err != 0) {
			http_error(w, HE_CONNECT, now, "connect to %s: %s",
				   w->run->st->peer.text, strerror(err));
			http_close(w, c, now + HTTP_RETRY_NS);
			return;
		}
		if (!(ev & EPOLLOUT))
			return;
		http_arm_out(w, c, 0);
		http_first_done(w, c, now);
		http_ready(w, c, now);
		return;
	}
	if ((ev & EPOLLOUT) && c->st == C_BUSY &&
	    c->woff < w->run->st->reqlen && http_write(w, c) != 0) {
		http_close(w, c, now);
		return;
	}
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		http_read(w, c, now);
}

/* Every tick: timeouts, reconnects. */
static void
http_tick(struct http_worker *w, uint64_t now)
{
	const struct http_state *st = w->run->st;

	for (unsigned i = 0; i < w->nc && !http_stopping(w, now); i++) {
		struct http_conn *c = &w->c[i];

		if (c->st == C_CLOSED && now >= c->retry_at) {
			http_open(w, c, now);
		} else if (c->st == C_CONNECT && now >= c->deadline) {
			http_error(w, HE_CONNECT, now, "connect to %s: no answer "
				   "within %.3g s", st->peer.text,
				   (double)st->timeout_ns / 1e9);
			http_close(w, c, now);
		} else if (c->st == C_BUSY && now >= c->deadline) {
			http_error(w, HE_TIMEOUT, now, "%s %s: no response within "
				   "%.3g s", st->method, st->target,
				   (double)st->timeout_ns / 1e9);
			http_close(w, c, now);
		}
	}
}

/* Arms the timerfd at the next due request (fixed rate). */
static void
http_arm_timer(struct http_worker *w)
{
	uint64_t due = http_due(w);
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (w->nidle == 0 || w->sched0 == 0 || due == w->armed)
		return; /* a response frees a connection first, or set already */
	w->armed = due;
	its.it_value.tv_sec = (time_t)(due / 1000000000ull);
	its.it_value.tv_nsec = (long)(due % 1000000000ull);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	(void)timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void *
http_worker_main(void *arg)
{
	struct http_worker *w = arg;
	struct epoll_event evs[HTTP_EVENTS];
	uint64_t now = clock_ns(), last_tick = now;

	if (w->period > 0)
		/* Each wake-up late is latency: no 50 us timer slack. */
		(void)prctl(PR_SET_TIMERSLACK, 1UL);
	w->opening = w->nc;
	for (unsigned i = 0; i < w->nc; i++) {
		w->c[i].first = 1;
		http_open(w, &w->c[i], now);
	}
	for (;;) {
		int n, ms;

		now = clock_ns();
		if (http_stopping(w, now))
			break;
		if (now - last_tick >= HTTP_TICK_NS) {
			last_tick = now;
			http_tick(w, now);
		}
		if (w->period > 0) {
			http_dispatch(w, now);
			http_arm_timer(w);
		}
		ms = (int)(HTTP_TICK_NS / 1000000);
		if (w->run->t_end - now < HTTP_TICK_NS)
			ms = (int)((w->run->t_end - now) / 1000000) + 1;
		n = epoll_wait(w->ep, evs, HTTP_EVENTS, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			http_fatal(w, "epoll_wait");
			break;
		}
		now = clock_ns();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == UINT32_MAX) {
				uint64_t x;

				if (read(w->tfd, &x, sizeof(x)) < 0)
					(void)x;
				continue;
			}
			http_event(w, &w->c[evs[i].data.u32], evs[i].events, now);
		}
		http_flush(w);
	}
	if (w->period > 0) {
		/* Requests due in the run that never went out. */
		uint64_t end = w->run->t_end;
		double first = (double)w->idx * w->period / w->run->st->threads;
		double due_n = w->sched0 == 0 || w->sched0 >= end ? 0
			       : ((double)(end - w->sched0) - first) / w->period;

		if (due_n > (double)w->next_i)
			w->backlog = (uint64_t)due_n - w->next_i;
	}
	atomic_fetch_add(&w->run->finished, 1);
	return NULL;
}

static void
http_worker_free(struct http_worker *w)
{
	if (w->run == NULL)    /* never initialised: a worker before it failed */
		return;
	for (unsigned i = 0; w->c != NULL && i < w->nc; i++) {
		if (w->c[i].fd >= 0)
			close(w->c[i].fd);
		free(w->c[i].carry);
	}
	free(w->c);
	free(w->idle);
	free(w->pend);
	free(w->rbuf);
	free(w->wok);
	free(w->werr);
	samples_free(&w->lat);
	if (w->ep >= 0)
		close(w->ep);
	if (w->tfd >= 0)
		close(w->tfd);
}

static int
http_worker_init(struct http_worker *w, struct http_run *run, unsigned idx,
		 unsigned nc)
{
	const struct http_state *st = run->st;
	struct epoll_event ev;

	w->run = run;
	w->idx = idx;
	w->nc = nc;
	w->ep = w->tfd = -1;
	w->c = calloc(nc, sizeof(*w->c));
	w->idle = calloc(nc, sizeof(*w->idle));
	w->pend = calloc(nc, sizeof(*w->pend));
	w->rbuf = malloc(HTTP_RBUF + HTTP_CARRY);
	w->wok = calloc(run->nwin, sizeof(*w->wok));
	w->werr = calloc(run->nwin, sizeof(*w->werr));
	for (unsigned i = 0; w->c != NULL && i < nc; i++)
		w->c[i].fd = -1;
	if (w->c == NULL || w->idle == NULL || w->pend == NULL ||
	    w->rbuf == NULL ||
	    w->wok == NULL || w->werr == NULL)
		return -1;
	if (st->rate > 0)
		w->period = 1e9 * st->threads / st->rate;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0)
		return -1;
	if (w->period > 0) {
		w->tfd = timerfd_create(CLOCK_MONOTONIC,
					TFD_NONBLOCK | TFD_CLOEXEC);
		if (w->tfd < 0)
			return -1;
		ev.events = EPOLLIN;
		ev.data.u32 = UINT32_MAX;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &ev) != 0)
			return -1;
	}
	return 0;
}

/* -- run: start the workers, record what they measured ----------------- */

/* What the workers measured, summed. */
struct http_totals {
	uint64_t *ok, *er;    /* per window: 2xx responses, errors */
	uint64_t nok, nerr, errs[HE_N], status[HTTP_MAX_STATUS];
	uint64_t reconnects, warm, sent, backlog, t_last, sched0;
	int capped;
	const struct http_worker *first; /* the one with the first error */
};

/* Sizes the run's windows and prepares the workers, each with its share
** of the connections. */
static int
http_workers_init(const struct dyno_host *h, struct dyno_ctx *ctx,
		  const struct http_state *st, struct http_run *run,
		  struct http_worker *ws)
{
	run->nwin = (size_t)((st->duration_ns + HTTP_WINDOW_NS - 1) /
			     HTTP_WINDOW_NS);
	if (run->nwin == 0)
		run->nwin = 1;
	for (unsigned i = 0; i < st->threads; i++) {
		unsigned nc = st->conns / st->threads +
			      (i < st->conns % st->threads);

		if (http_worker_init(&ws[i], run, i, nc) != 0)
			return h->fail(ctx, "thread %u of %u: %s", i + 1,
				       st->threads, strerror(errno ? errno : ENOMEM));
	}
	return DYNO_OK;
}

/* The artifacts mode and request: how the load is generated. */
static void
http_mode_artifacts(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct http_state *st)
{
	char v[1024];

	if (st->rate > 0)
		snprintf(v, sizeof(v), "fixed rate: %.6g req/s over %u "
			 "connection(s), %u thread(s); latency from each "
			 "request's intended send time, waiting for a free "
			 "connection included", st->rate, st->conns, st->threads);
	else
		snprintf(v, sizeof(v), "closed loop: %u connection(s), %u "
			 "thread(s), one request in flight per connection; "
			 "latency from the send", st->conns, st->threads);
	h->artifact(ctx, "mode", v);
	snprintf(v, sizeof(v), "%s %s", st->method, st->target);
	if (strcmp(st->method, "POST") == 0)
		snprintf(v + strlen(v), sizeof(v) - strlen(v),
			 " with a %" PRIu64 " B body", st->body_size);
	h->artifact(ctx, "request", v);
}

/* Starts the workers for warmup + duration, stops them when dyno asks,
** joins them; DYNO_OK, or the failure to start one. */
static int
http_workers_run(const struct dyno_host *h, struct dyno_ctx *ctx,
		 const struct http_state *st, struct http_run *run,
		 struct http_worker *ws)
{
	unsigned started = 0;
	int rc = DYNO_OK;

	run->tw = clock_ns();
	run->t0 = run->tw + st->warmup_ns;
	run->t_end = run->t0 + st->duration_ns;
	for (; started < st->threads; started++)
		if (pthread_create(&ws[started].tid, NULL, http_worker_main,
				   &ws[started]) != 0) {
			atomic_store(&run->stop, 1);
			rc = h->fail(ctx, "cannot start thread %u", started + 1);
			break;
		}
	while (atomic_load(&run->finished) < started) {
		if (!atomic_load(&run->stop) && h->should_stop(ctx)) {
			atomic_store(&run->stop, 1);
			h->artifact(ctx, "stopped_early", "dyno asked the probe to "
				    "stop before duration (--max-time or Ctrl-C)");
		}
		http_sleep_ns(HTTP_POLL_NS);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	return rc;
}

/* Records each worker's latencies and sums the rest into t (its window
** arrays allocated here, freed by the caller also on failure); fails on
** a worker whose loop itself failed. */
static int
http_collect(const struct dyno_host *h, struct dyno_ctx *ctx,
	     const struct http_state *st, const struct http_run *run,
	     const struct http_worker *ws, struct http_totals *t)
{
	t->ok = calloc(run->nwin, sizeof(*t->ok));
	t->er = calloc(run->nwin, sizeof(*t->er));
	if (t->ok == NULL || t->er == NULL)
		return h->fail(ctx, "out of memory");
	for (unsigned i = 0; i < st->threads; i++) {
		const struct http_worker *w = &ws[i];

		if (w->fatal[0] != '\0')
			return h->fail(ctx, "thread %u: %s", i + 1, w->fatal);
		samples_record(h, ctx, "latency", &w->lat);
		t->capped |= w->lat.capped;
		for (size_t j = 0; j < run->nwin; j++) {
			t->ok[j] += w->wok[j];
			t->er[j] += w->werr[j];
		}
		for (int k = 0; k < HE_N; k++)
			t->errs[k] += w->errs[k];
		for (int k = 0; k < HTTP_MAX_STATUS; k++)
			t->status[k] += w->status[k];
		t->nok += w->ok;
		t->reconnects += w->reconnects;
		t->warm += w->warm_errs;
		t->sent += w->sent;
		t->backlog += w->backlog;
		if (w->sched0 > t->sched0)
			t->sched0 = w->sched0;
		if (w->t_last > t->t_last)
			t->t_last = w->t_last;
		if (w->err_ns != 0 &&
		    (t->first == NULL || w->err_ns < t->first->err_ns))
			t->first = w;
	}
	for (int k = 0; k < HE_N; k++)
		t->nerr += t->errs[k];
	return DYNO_OK;
}

/* Records rps and errors, one sample per window. */
static void
http_record_windows(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct http_run *run, struct http_totals *t)
{
	uint64_t *const all[2] = { t->ok, t->er };
	uint64_t el = run->t_end - run->t0, last;
	size_t k;

	if (atomic_load(&run->stop) && t->t_last > run->t0 &&
	    t->t_last < run->t_end)
		el = t->t_last - run->t0; /* stopped early */
	k = windows_close(el, HTTP_WINDOW_NS, run->nwin, all, 2, &last);
	windows_record(h, ctx, "rps", t->ok, k, HTTP_WINDOW_NS, last);
	/* errors: a count per 100 ms window (a merged last window scaled
	** back to 100 ms). */
	for (size_t j = 0; j <= k; j++) {
		double len = (double)(j == k ? last : HTTP_WINDOW_NS);

		if (len > 0)
			h->record(ctx, "errors", (double)t->er[j] *
				  (double)HTTP_WINDOW_NS / len);
	}
}

/* The artifacts on errors and status codes; kinds[] gets errors_by_kind
** for the failure message. */
static void
http_error_artifacts(const struct dyno_host *h, struct dyno_ctx *ctx,
		     const struct http_totals *t, char *kinds, size_t kn)
{
	char v[1024];
	size_t off = 0;

	if (t->capped)
		h->artifact(ctx, "latency_note", "latency samples capped at 32Mi "
			    "per thread; the rest not recorded");
	for (int k = 0; k < HE_N; k++)
		off += (size_t)snprintf(v + off, sizeof(v) - off, "%s%s: %" PRIu64,
					k ? ", " : "", http_err_names[k],
					t->errs[k]);
	h->artifact(ctx, "errors_by_kind", v);
	snprintf(kinds, kn, "%s", v);
	snprintf(v, sizeof(v), "%" PRIu64, t->nerr);
	h->artifact(ctx, "errors_total", v);
	off = 0;
	v[0] = '\0';
	for (int k = 0; k < HTTP_MAX_STATUS && off < sizeof(v) - 40; k++)
		if (t->status[k] > 0)
			off += (size_t)snprintf(v + off, sizeof(v) - off,
						"%s%d: %" PRIu64, off ? ", " : "",
						k, t->status[k]);
	h->artifact(ctx, "status_codes", off ? v : "none");
}

/* The artifacts requests and rate_achieved, then the verdict: a run in
** which no request succeeded fails with the first error's text. */
static int
http_summary(const struct dyno_host *h, struct dyno_ctx *ctx,
	     const struct http_state *st, const struct http_run *run,
	     const struct http_totals *t, const char *kinds)
{
	char v[1024];

	snprintf(v, sizeof(v), "%" PRIu64 " ok (2xx) and %" PRIu64 " errors "
		 "in %.3f s; %" PRIu64 " sent in all (warmup included), %" PRIu64
		 " reconnects, %" PRIu64 " errors during warmup", t->nok, t->nerr,
		 (double)st->duration_ns / 1e9, t->sent, t->reconnects, t->warm);
	h->artifact(ctx, "requests", v);
	if (st->rate > 0) {
		double got = (double)t->nok / ((double)st->duration_ns / 1e9);

		snprintf(v, sizeof(v), "%.6g req/s of %.6g asked (%.0f%%); %" PRIu64
			 " due requests never sent before the end", got, st->rate,
			 100 * got / st->rate, t->backlog);
		if (t->sched0 > run->t0)
			snprintf(v + strlen(v), sizeof(v) - strlen(v), "; the "
				 "schedule began %.3f s into the measurement, once "
				 "every connection had opened (a longer warmup "
				 "avoids this)", (double)(t->sched0 - run->t0) / 1e9);
		h->artifact(ctx, "rate_achieved", v);
	}
	if (t->nok == 0 && t->first != NULL)
		return h->fail(ctx, "no request succeeded: %s (%" PRIu64 " errors, "
			       "warmup included; %s)", t->first->err,
			       t->nerr + t->warm, kinds);
	if (t->nok == 0)
		return h->fail(ctx, "no response from %s in %.3f s", st->target,
			       (double)st->duration_ns / 1e9);
	if (t->first != NULL) {
		snprintf(v, sizeof(v), "%s", t->first->err);
		h->artifact(ctx, "first_error", v);
	}
	return DYNO_OK;
}

static int
http_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct http_state *st = state;
	struct http_run run = { .st = st };
	struct http_worker *ws = calloc(st->threads, sizeof(*ws));
	struct http_totals t;
	char kinds[1024];
	int rc;

	if (ws == NULL)
		return h->fail(ctx, "out of memory");
	memset(&t, 0, sizeof(t));
	if ((rc = http_workers_init(h, ctx, st, &run, ws)) != DYNO_OK)
		goto out;
	http_mode_artifacts(h, ctx, st);
	if ((rc = http_workers_run(h, ctx, st, &run, ws)) != DYNO_OK ||
	    (rc = http_collect(h, ctx, st, &run, ws, &t)) != DYNO_OK)
		goto out;
	http_record_windows(h, ctx, &run, &t);
	http_error_artifacts(h, ctx, &t, kinds, sizeof(kinds));
	rc = http_summary(h, ctx, st, &run, &t, kinds);
out:
	for (unsigned i = 0; i < st->threads; i++)
		http_worker_free(&ws[i]);
	free(ws);
	free(t.ok);
	free(t.er);
	return rc;
}

/* -- descriptor -------------------------------------------------------- */

static const struct dyno_param http_params[] = {
	{ .name = "url", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "http://host:port/path to load (empty: the dyno serve of peer, or one the probe starts, path /)" },
	PEER_PARAMS,
	{ .name = "method", .type = DYNO_PARAM_ENUM, .def = "GET",
	  .choices = "GET|POST", .help = "request method (body_size > 0 sends POST)" },
	{ .name = "body_size", .type = DYNO_PARAM_SIZE, .def = "0",
	  .min = "0", .max = "64MiB", .help = "bytes of request body (> 0: POST)" },
	{ .name = "connections", .type = DYNO_PARAM_INT, .def = "16",
	  .min = "1", .max = "100000", .help = "keep-alive connections, one request in flight each" },
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "256", .help = "threads, each an epoll loop over its share of the connections" },
	{ .name = "rate", .type = DYNO_PARAM_FLOAT, .def = "0", .min = "0",
	  .help = "req/s over all connections (0: closed loop; > 0: fixed schedule, latency from each request's intended send time)" },
	{ .name = "timeout", .type = DYNO_PARAM_DURATION, .def = "2s",
	  .min = "1ms", .max = "1m", .help = "per request (and per connect); then counted as an error and the connection reopened" },
	{ NULL }
};

static const struct dyno_metric http_metrics[] = {
	{ .name = "rps", .unit = "op/s", .better = DYNO_BETTER_HIGHER,
	  .help = "2xx responses per second, one sample per 100 ms window (compare the mean)" },
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "send (closed loop) or intended send (fixed rate) to the end of a 2xx response, one sample per request" },
	{ .name = "errors", .unit = "", .better = DYNO_BETTER_LOWER,
	  .help = "non-2xx responses, timeouts, resets and failed connects per 100 ms window (errors_by_kind breaks them down)" },
	{ NULL }
};

const struct dyno_probe network_http_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "http",
	.summary = "HTTP/1.1 load (wrk/wrk2): keep-alive GET or POST, closed loop or fixed rate",
	.params = http_params,
	.metrics = http_metrics,
	.headline_metrics = 2, /* rps, latency */
	.setup = http_setup,
	.teardown = http_teardown,
	.run = http_run,
};

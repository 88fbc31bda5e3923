/*
** rr.c - round trips against a `dyno serve` (serve/wire.h): network.tcp_rr
** (request/response on open connections), network.udp_rr (datagrams
** echoed with a sequence number; a request unanswered within `timeout`
** is counted lost, never hidden) and network.tcp_crr (connect, one
** exchange, close).
**
** All of it runs in the calling thread, pinned to client_cpu, so each
** transaction's latency and each 100 ms window's count are buffered and
** recorded after the loop (also when the peer died, before failing).
** With inflight = 1 the loop is the one sockperf ping-pong runs: a
** blocking send, a blocking receive, two CLOCK_MONOTONIC reads.  With
** inflight = N there are N connections (N UDP sockets), each with one
** transaction outstanding - netperf's N concurrent TCP_RR streams rather
** than pipelining on one connection, so every latency is one request's
** own round trip and no reply waits behind another's - served by one
** epoll loop.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "peer.h"
#include "probes.h"
#include "samples.h"
#include "session.h"
#include "wire.h"

#define RR_LAT_CAP (32u << 20)     /* latency samples kept */
#define RR_TCP_TIMEOUT_MS 10000    /* a TCP reply later than this fails */

enum rr_kind { RR_TCP, RR_UDP, RR_CRR };

/* One connection (socket) with at most one transaction outstanding. */
struct rr_slot {
	int fd;
	uint64_t t_send;   /* when its outstanding request was sent */
	uint64_t seq;      /* UDP: its outstanding request's number */
	size_t got;        /* TCP: response bytes received so far */
	int busy;
};

/* What the measured part of a run buffers. */
struct rr_meas {
	struct session s;  /* transactions per window */
	struct samples lat;
	uint64_t n, lost, errors, late;
	int last_err;
};

struct rr_state {
	struct peer peer;
	enum rr_kind kind;
	size_t req, resp;
	unsigned inflight;
	uint64_t timeout_ns;
	struct rr_slot *slots;
	unsigned nslots;
	int ep;
	unsigned char *sbuf, *rbuf;
	uint64_t seq;
	char err[256];
};

static void
rr_free(struct rr_state *st)
{
	for (unsigned i = 0; i < st->nslots; i++)
		if (st->slots[i].fd >= 0)
			close(st->slots[i].fd);
	if (st->ep >= 0)
		close(st->ep);
	peer_close(&st->peer);
	free(st->slots);
	free(st->sbuf);
	free(st->rbuf);
	free(st);
}

static void
rr_set_timeout(int fd, uint64_t ns)
{
	struct timeval tv = { (time_t)(ns / 1000000000u),
			      (suseconds_t)(ns % 1000000000u / 1000u) };

	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int
rr_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state,
	 enum rr_kind kind)
{
	struct rr_state *st = calloc(1, sizeof(*st));
	int rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	st->ep = -1;
	st->kind = kind;
	st->req = (size_t)h->param_size(ctx, "req_size");
	st->resp = (size_t)h->param_size(ctx, "resp_size");
	st->inflight = kind == RR_CRR ? 1 : (unsigned)h->param_int(ctx, "inflight");
	st->timeout_ns = kind == RR_UDP ? h->param_duration_ns(ctx, "timeout")
					: (uint64_t)RR_TCP_TIMEOUT_MS * 1000000u;
	st->sbuf = calloc(1, st->req + WIRE_HELLO_LEN);
	st->rbuf = calloc(1, st->resp);
	st->slots = calloc(st->inflight, sizeof(*st->slots));
	if (st->sbuf == NULL || st->rbuf == NULL || st->slots == NULL) {
		rr_free(st);
		return h->fail(ctx, "out of memory for %zu B requests and %zu B "
			       "responses", st->req, st->resp);
	}
	for (size_t i = 0; i < st->req; i++)
		st->sbuf[WIRE_HELLO_LEN + i] = (unsigned char)(i * 131u + 7u);
	rc = peer_open(h, ctx, &st->peer, st->inflight);
	if (rc != DYNO_OK) {
		rr_free(st);
		return rc;
	}
	if (kind == RR_CRR) {
		wire_hello(st->sbuf, WIRE_RR, (uint32_t)st->req, (uint32_t)st->resp);
		*state = st;
		return DYNO_OK;
	}
	if (st->inflight > 1 && (st->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = h->fail(ctx, "epoll_create1: %s", strerror(errno));
		goto bad;
	}
	for (unsigned i = 0; i < st->inflight; i++) {
		struct rr_slot *s = &st->slots[i];
		int fd;

		s->fd = -1;
		st->nslots = i + 1;
		if (kind == RR_TCP) {
			fd = session_connect(h, ctx, &st->peer, i, st->inflight,
					     WIRE_RR, (uint32_t)st->req,
					     (uint32_t)st->resp, &rc);
			if (fd < 0)
				goto bad;
			s->fd = fd;
		} else {
			fd = socket(st->peer.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
				    0);
			if (fd < 0 || connect(fd, (struct sockaddr *)&st->peer.addr,
					      st->peer.addrlen) != 0) {
				rc = h->fail(ctx, "UDP socket to %s: %s", st->peer.text,
					     strerror(errno));
				if (fd >= 0)
					close(fd);
				goto bad;
			}
			s->fd = fd;
		}
		rr_set_timeout(fd, st->timeout_ns);
		if (st->ep >= 0) {
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.u32 = i };

			if (epoll_ctl(st->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
				rc = h->fail(ctx, "epoll_ctl: %s", strerror(errno));
				goto bad;
			}
		}
	}
	if (kind == RR_UDP) {
		memcpy(st->sbuf + WIRE_HELLO_LEN, WIRE_UDP_MAGIC, 4);
		wire_put32(st->sbuf + WIRE_HELLO_LEN + 4, (uint32_t)st->resp);
	}
	*state = st;
	return DYNO_OK;
bad:
	rr_free(st);
	return rc;
}

static int
rr_tcp_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	return rr_setup(h, ctx, state, RR_TCP);
}

static int
rr_udp_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	return rr_setup(h, ctx, state, RR_UDP);
}

static int
rr_crr_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	return rr_setup(h, ctx, state, RR_CRR);
}

static void
rr_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h;
	(void)ctx;
	rr_free(state);
}

/* A completed transaction at t_done that started at t_send. */
static inline void
rr_done(struct rr_meas *m, uint64_t t_send, uint64_t t_done)
{
	if (m == NULL)
		return;
	session_count(&m->s, t_done, 1);
	samples_push(&m->lat, (double)(t_done - t_send) / 1e9, RR_LAT_CAP);
	m->n++;
}

/* Sends slot s's next request at `now`; 0 or -errno. */
static int
rr_issue(struct rr_state *st, struct rr_slot *s, uint64_t now)
{
	unsigned char *req = st->sbuf + WIRE_HELLO_LEN;

	s->t_send = now;
	s->got = 0;
	s->busy = 1;
	if (st->kind == RR_UDP) {
		ssize_t w;

		s->seq = ++st->seq;
		memcpy(req + 8, &s->seq, sizeof(s->seq));
		w = send(s->fd, req, st->req, 0);
		return w < 0 ? -errno : 0;
	}
	return session_send_all(s->fd, req, st->req);
}

/*
** UDP receive on slot s.  Returns 1 when its outstanding request was
** answered, 0 when what arrived was stale or nothing, -errno on an error
** (ECONNREFUSED, an ICMP port unreachable, is counted by the caller).
*/
static int
rr_udp_recv(struct rr_state *st, struct rr_slot *s, int flags,
	    struct rr_meas *m)
{
	ssize_t r = recv(s->fd, st->rbuf, st->resp, flags);
	uint64_t seq;

	if (r < 0)
		return -errno;
	if ((size_t)r < WIRE_UDP_HDR ||
	    memcmp(st->rbuf, WIRE_UDP_MAGIC, 4) != 0)
		return 0;
	memcpy(&seq, st->rbuf + 8, sizeof(seq));
	if (seq != s->seq) {
		if (m != NULL)
			m->late++;
		return 0;
	}
	return 1;
}

/* Sends UDP slot s's next request, unless t_stop has passed; a send
** error (a pending ICMP error shows on the next send too) is counted and
** retried after 1 ms, so it never ends the run.  Returns 0. */
static int
rr_udp_send(struct rr_state *st, struct rr_slot *s, struct rr_meas *m,
	    uint64_t t_stop)
{
	for (;;) {
		struct timespec ts = { 0, 1000000L };
		uint64_t now = clock_ns();
		int rc;

		s->busy = 0;
		if (now >= t_stop || (rc = rr_issue(st, s, now)) == 0)
			return 0;
		s->busy = 0;
		if (m != NULL) {
			m->errors++;
			m->last_err = -rc;
		}
		nanosleep(&ts, NULL);
	}
}

/* The next request of slot s (none once t_stop has passed); 0 or -errno
** (TCP only: UDP errors are counted). */
static int
rr_next(struct rr_state *st, struct rr_slot *s, struct rr_meas *m,
	uint64_t now, uint64_t t_stop)
{
	if (st->kind == RR_UDP)
		return rr_udp_send(st, s, m, t_stop);
	s->busy = 0;
	return now < t_stop ? rr_issue(st, s, now) : 0;
}

/* A UDP slot's request unanswered or refused: count it, send the next.
** lost: 1 timed out, 0 refused/errored. */
static int
rr_udp_miss(struct rr_state *st, struct rr_slot *s, struct rr_meas *m,
	    int lost, int err, uint64_t t_stop)
{
	if (m != NULL) {
		if (lost)
			m->lost++;
		else {
			m->errors++;
			m->last_err = err;
		}
	}
	s->busy = 0;
	if (!lost) {
		/* Do not spin on an ICMP storm: the next try in 1 ms. */
		struct timespec ts = { 0, 1000000L };

		nanosleep(&ts, NULL);
	}
	return rr_udp_send(st, s, m, t_stop);
}

/*
** The blocking loop of one slot (inflight = 1), until t_stop.  m NULL:
** warmup.  0, or -errno when the connection failed (st->err says how).
*/
static int
rr_loop_one(const struct dyno_host *h, struct dyno_ctx *ctx,
	    struct rr_state *st, struct rr_meas *m, uint64_t t_stop,
	    int *stopped)
{
	struct rr_slot *s = &st->slots[0];
	unsigned char *req = st->sbuf + WIRE_HELLO_LEN;
	uint64_t t1, t2, next_check = clock_ns() + SESSION_WIN_NS;
	int rc;

	for (;;) {
		t1 = clock_ns();
		if (t1 >= t_stop)
			return 0;
		if (t1 >= next_check) {
			next_check = t1 + SESSION_WIN_NS;
			if (h->should_stop(ctx)) {
				*stopped = 1;
				return 0;
			}
		}
		if (st->kind == RR_TCP) {
			if ((rc = session_send_all(s->fd, req, st->req)) != 0 ||
			    (rc = session_recv_all(s->fd, st->rbuf, st->resp)) != 0) {
				snprintf(st->err, sizeof(st->err), "%s",
					 rc == -EPIPE ? "the peer closed the connection"
					 : rc == -EAGAIN ? "no reply within 10 s"
					 : strerror(-rc));
				return rc;
			}
			t2 = clock_ns();
			rr_done(m, t1, t2);
			continue;
		}
		/* UDP: wait for this request's own answer until the timeout;
		** an error (an ICMP port unreachable: ECONNREFUSED) is
		** counted, and the next try waits 1 ms so as not to spin. */
		rc = rr_issue(st, s, t1);
		while (rc == 0) {
			rc = rr_udp_recv(st, s, 0, m);
			t2 = clock_ns();
			if (rc == 1) {
				rr_done(m, t1, t2);
				rc = 0;
				break;
			}
			if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
			    (rc == 0 && t2 - t1 >= st->timeout_ns)) {
				if (m != NULL)
					m->lost++;
				rc = 0;
				break;
			}
			if (rc == -EINTR)
				rc = 0;
		}
		if (rc < 0) {
			struct timespec ts = { 0, 1000000L };

			if (m != NULL) {
				m->errors++;
				m->last_err = -rc;
			}
			nanosleep(&ts, NULL);
		}
	}
}

/* The epoll loop over all slots (inflight > 1), until t_stop. */
static int
rr_loop_many(const struct dyno_host *h, struct dyno_ctx *ctx,
	     struct rr_state *st, struct rr_meas *m, uint64_t t_stop,
	     int *stopped)
{
	struct epoll_event evs[64];
	uint64_t now = clock_ns(), next_check = now + SESSION_WIN_NS;
	int rc;

	for (unsigned i = 0; i < st->nslots; i++)
		if (!st->slots[i].busy &&
		    (rc = rr_next(st, &st->slots[i], m, now, t_stop)) != 0)
			goto bad;
	for (;;) {
		int n, tmo;

		now = clock_ns();
		if (now >= t_stop)
			return 0;
		if (now >= next_check) {
			next_check = now + SESSION_WIN_NS;
			if (h->should_stop(ctx)) {
				*stopped = 1;
				return 0;
			}
		}
		/* Wake for the window check, the end, and UDP timeouts. */
		{
			uint64_t wake = next_check < t_stop ? next_check : t_stop;

			if (st->kind == RR_UDP)
				for (unsigned i = 0; i < st->nslots; i++)
					if (st->slots[i].busy &&
					    st->slots[i].t_send + st->timeout_ns < wake)
						wake = st->slots[i].t_send +
						       st->timeout_ns;
			tmo = wake > now ? (int)((wake - now + 999999u) / 1000000u)
					 : 0;
		}
		n = epoll_wait(st->ep, evs, 64, tmo);
		if (n < 0 && errno != EINTR) {
			rc = -errno;
			snprintf(st->err, sizeof(st->err), "epoll_wait: %s",
				 strerror(errno));
			return rc;
		}
		for (int e = 0; e < n; e++) {
			struct rr_slot *s = &st->slots[evs[e].data.u32];

			if (st->kind == RR_UDP) {
				for (;;) {
					rc = rr_udp_recv(st, s, MSG_DONTWAIT, m);
					now = clock_ns();
					if (rc == 0)
						continue;
					if (rc == -EAGAIN || rc == -EWOULDBLOCK ||
					    rc == -EINTR)
						break;
					if (rc == 1) {
						if (s->busy)
							rr_done(m, s->t_send, now);
						(void)rr_next(st, s, m, now, t_stop);
						break;
					}
					if ((rc = rr_udp_miss(st, s, m, 0, -rc,
							      t_stop)) != 0)
						goto bad;
					break;
				}
				continue;
			}
			for (;;) {
				ssize_t r = recv(s->fd, st->rbuf, st->resp - s->got,
						 MSG_DONTWAIT);

				if (r == 0 || (r < 0 && errno != EAGAIN &&
					       errno != EINTR)) {
					rc = r == 0 ? -EPIPE : -errno;
					snprintf(st->err, sizeof(st->err), "%s",
						 r == 0 ? "the peer closed a connection"
							: strerror(errno));
					return rc;
				}
				if (r < 0)
					break;
				s->got += (size_t)r;
				if (s->got == st->resp) {
					now = clock_ns();
					rr_done(m, s->t_send, now);
					if ((rc = rr_next(st, s, m, now, t_stop)) != 0)
						goto bad;
					break;
				}
			}
		}
		if (st->kind == RR_UDP) {
			now = clock_ns();
			for (unsigned i = 0; i < st->nslots; i++) {
				struct rr_slot *s = &st->slots[i];

				if (s->busy && now - s->t_send >= st->timeout_ns &&
				    (rc = rr_udp_miss(st, s, m, 1, 0, t_stop)) != 0)
					goto bad;
			}
		} else {
			now = clock_ns();
			for (unsigned i = 0; i < st->nslots; i++)
				if (st->slots[i].busy &&
				    now - st->slots[i].t_send >=
					    (uint64_t)RR_TCP_TIMEOUT_MS * 1000000u) {
					snprintf(st->err, sizeof(st->err),
						 "no reply within 10 s");
					return -ETIMEDOUT;
				}
		}
	}
bad:
	snprintf(st->err, sizeof(st->err), "%s", rc == -EPIPE
		 ? "the peer closed a connection" : strerror(-rc));
	return rc;
}

/* tcp_crr: connect, hello and one exchange, close, until t_stop. */
static int
rr_loop_crr(const struct dyno_host *h, struct dyno_ctx *ctx,
	    struct rr_state *st, struct rr_meas *m, uint64_t t_stop,
	    int *stopped)
{
	uint64_t t1, next_check = clock_ns() + SESSION_WIN_NS;
	const int one = 1;
	int rc;

	for (;;) {
		int fd;

		t1 = clock_ns();
		if (t1 >= t_stop)
			return 0;
		if (t1 >= next_check) {
			next_check = t1 + SESSION_WIN_NS;
			if (h->should_stop(ctx)) {
				*stopped = 1;
				return 0;
			}
		}
		fd = socket(st->peer.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
			snprintf(st->err, sizeof(st->err), "socket: %s",
				 strerror(errno));
			return rc;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		rr_set_timeout(fd, (uint64_t)RR_TCP_TIMEOUT_MS * 1000000u);
		if (connect(fd, (struct sockaddr *)&st->peer.addr,
			    st->peer.addrlen) != 0) {
			rc = -errno;
			snprintf(st->err, sizeof(st->err), "connect: %s%s",
				 strerror(errno), errno == EADDRNOTAVAIL
				 ? " (local ports used up by connections in "
				   "TIME_WAIT: shorten duration)" : "");
			close(fd);
			return rc;
		}
		if ((rc = session_send_all(fd, st->sbuf, WIRE_HELLO_LEN + st->req)) != 0 ||
		    (rc = session_recv_all(fd, st->rbuf, st->resp)) != 0) {
			snprintf(st->err, sizeof(st->err), "%s",
				 rc == -EPIPE ? "the peer closed the connection "
				 "before answering" : rc == -EAGAIN
				 ? "no reply within 10 s" : strerror(-rc));
			close(fd);
			return rc;
		}
		close(fd);
		rr_done(m, t1, clock_ns());
	}
}

static int
rr_loop(const struct dyno_host *h, struct dyno_ctx *ctx, void *state,
	void *meas, uint64_t t_stop, int *stopped)
{
	struct rr_state *st = state;
	struct rr_meas *m = meas;

	if (st->kind == RR_CRR)
		return rr_loop_crr(h, ctx, st, m, t_stop, stopped);
	if (st->nslots == 1)
		return rr_loop_one(h, ctx, st, m, t_stop, stopped);
	return rr_loop_many(h, ctx, st, m, t_stop, stopped);
}

static int
rr_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct rr_state *st = state;
	struct rr_meas m;
	double secs;
	int rc;
	char v[256];

	memset(&m, 0, sizeof(m));
	if ((rc = session_open(h, ctx, &m.s)) != DYNO_OK)
		return rc;
	if (st->kind == RR_TCP)
		snprintf(v, sizeof(v), "%u connection(s), one transaction "
			 "outstanding on each; %zu B request, %zu B response",
			 st->inflight, st->req, st->resp);
	else if (st->kind == RR_UDP)
		snprintf(v, sizeof(v), "%u UDP socket(s), one datagram outstanding "
			 "on each; %zu B request, %zu B response; timeout %.3g s",
			 st->inflight, st->req, st->resp,
			 (double)st->timeout_ns / 1e9);
	else
		snprintf(v, sizeof(v), "connect, %zu B request, %zu B response, "
			 "close; one connection at a time", st->req, st->resp);
	h->artifact(ctx, "mode", v);
	rc = session_run(h, ctx, &m.s, rr_loop, st, &m);
	secs = (double)(m.s.t_end - m.s.t0) / 1e9;

	/* What was measured is recorded also when the peer failed. */
	samples_record(h, ctx, "latency", &m.lat);
	if (m.n > 0)
		session_record(h, ctx, &m.s, "rate");
	snprintf(v, sizeof(v), "%" PRIu64, m.n);
	h->artifact(ctx, "transactions", v);
	if (st->kind == RR_UDP) {
		snprintf(v, sizeof(v), "%" PRIu64, m.lost);
		h->artifact(ctx, "lost", v);
		snprintf(v, sizeof(v), "%" PRIu64 "%s%s", m.errors,
			 m.errors ? " (last: " : "",
			 m.errors ? strerror(m.last_err) : "");
		if (m.errors)
			strncat(v, ")", sizeof(v) - strlen(v) - 1);
		h->artifact(ctx, "errors", v);
		if (m.late > 0) {
			snprintf(v, sizeof(v), "%" PRIu64 " answers after their "
				 "timeout, discarded", m.late);
			h->artifact(ctx, "late", v);
		}
	}
	if (m.lat.capped)
		h->artifact(ctx, "latency_note", "latency samples capped at 32Mi; "
			    "the rest not recorded");
	session_stopped(h, ctx, &m.s);
	samples_free(&m.lat);
	session_free(&m.s);
	if (rc != 0)
		return h->fail(ctx, "%s: %s after %.3f s (%" PRIu64
			       " transactions measured before, recorded)",
			       st->peer.text, st->err, secs, m.n);
	if (m.n == 0 && st->kind == RR_UDP)
		return h->fail(ctx, "%s: no datagram answered in %.3f s: %" PRIu64
			       " lost (timeout %.3g s), %" PRIu64 " errors%s%s",
			       st->peer.text, secs, m.lost,
			       (double)st->timeout_ns / 1e9, m.errors,
			       m.errors ? ", last: " : "",
			       m.errors ? strerror(m.last_err) : "");
	if (m.n == 0)
		return h->fail(ctx, "%s: no transaction completed in %.3f s",
			       st->peer.text, secs);
	return DYNO_OK;
}

#define RR_SIZES(lo, hi)                                                      \
	{ .name = "req_size", .type = DYNO_PARAM_SIZE, .def = "64",             \
	  .min = lo, .max = hi, .help = "request bytes" },                      \
	{ .name = "resp_size", .type = DYNO_PARAM_SIZE, .def = "64",            \
	  .min = lo, .max = hi, .help = "response bytes" }

static const struct dyno_param rr_tcp_params[] = {
	PEER_PARAMS,
	RR_SIZES("1", "16MiB"),
	{ .name = "inflight", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024", .help = "connections, each with one transaction "
	  "outstanding (one epoll loop)" },
	{ NULL }
};

static const struct dyno_param rr_udp_params[] = {
	PEER_PARAMS,
	RR_SIZES("16", "65507"),
	{ .name = "inflight", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024", .help = "UDP sockets, each with one datagram "
	  "outstanding (one epoll loop)" },
	{ .name = "timeout", .type = DYNO_PARAM_DURATION, .def = "1s",
	  .min = "1ms", .max = "1m", .help = "a request unanswered this long "
	  "is counted lost (artifact lost)" },
	{ NULL }
};

static const struct dyno_param rr_crr_params[] = {
	PEER_PARAMS,
	RR_SIZES("1", "16MiB"),
	{ NULL }
};

static const struct dyno_metric rr_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "round trip of one transaction" },
	{ .name = "rate", .unit = "op/s", .better = DYNO_BETTER_HIGHER,
	  .help = "transactions per second, one sample per 100 ms" },
	{ NULL }
};

static const struct dyno_metric rr_crr_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "connect, one request/response and close" },
	{ .name = "rate", .unit = "op/s", .better = DYNO_BETTER_HIGHER,
	  .help = "connections per second, one sample per 100 ms" },
	{ NULL }
};

const struct dyno_probe network_tcp_rr_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "tcp_rr",
	.summary = "TCP request/response round trips (netperf TCP_RR, sockperf "
		   "ping-pong --tcp)",
	.params = rr_tcp_params,
	.metrics = rr_metrics,
	.headline_metrics = 2, /* latency, rate */
	.flags = DYNO_PROBE_EXCLUSIVE,
	.setup = rr_tcp_setup,
	.teardown = rr_teardown,
	.run = rr_run,
};

const struct dyno_probe network_udp_rr_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "udp_rr",
	.summary = "UDP request/response round trips, losses counted (sockperf "
		   "ping-pong, netperf UDP_RR)",
	.params = rr_udp_params,
	.metrics = rr_metrics,
	.headline_metrics = 2, /* latency, rate */
	.flags = DYNO_PROBE_EXCLUSIVE,
	.setup = rr_udp_setup,
	.teardown = rr_teardown,
	.run = rr_run,
};

const struct dyno_probe network_tcp_crr_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "tcp_crr",
	.summary = "TCP connect, one request/response, close (netperf TCP_CRR)",
	.params = rr_crr_params,
	.metrics = rr_crr_metrics,
	.headline_metrics = 2, /* latency, rate */
	.flags = DYNO_PROBE_EXCLUSIVE,
	.setup = rr_crr_setup,
	.teardown = rr_teardown,
	.run = rr_run,
};

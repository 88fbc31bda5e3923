/*
** stream.c - network.tcp_stream: bulk TCP throughput to a `dyno serve`
** (serve/wire.h) over `streams` connections that send (SINK), receive
** (SOURCE) or both (`streams` of each, iperf3 --bidir).
**
** One thread, pinned to client_cpu, runs one level-triggered epoll loop
** over non-blocking sockets, as iperf3 3.12 runs one select loop: a
** sender writes msg_size buffers until the socket is full, a receiver
** reads until it is empty.  Payload bytes (written by the senders into
** their sockets, read by the receivers) are counted per 100 ms window and
** recorded as B/s after the loop, so the mean is the whole-run rate like
** iperf3's sender/receiver summary.  Warmup traffic is not counted.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "clock.h"
#include "peer.h"
#include "probes.h"
#include "samples.h"
#include "session.h"
#include "wire.h"

#define ST_BURST 16              /* syscalls per ready socket per turn */
#define ST_STALL_NS 10000000000ull /* no progress at all this long fails */

struct st_conn {
	int fd;
	int send;          /* 1 sender (SINK), 0 receiver (SOURCE) */
};

struct st_state {
	struct peer peer;
	struct st_conn *c;
	unsigned n;        /* connections open */
	unsigned streams;
	int dir_send, dir_recv;
	size_t msg;
	unsigned char *buf;
	int ep;
	char err[256];
};

/* What the measured part buffers. */
struct st_meas {
	struct session s;        /* payload per window, both directions */
	uint64_t sent, received;
};

static void
st_free(struct st_state *s)
{
	for (unsigned i = 0; i < s->n; i++)
		close(s->c[i].fd);
	if (s->ep >= 0)
		close(s->ep);
	peer_close(&s->peer);
	free(s->c);
	free(s->buf);
	free(s);
}

static int
st_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct st_state *s = calloc(1, sizeof(*s));
	const char *dir = h->param_str(ctx, "direction");
	unsigned total;
	int rc;

	if (s == NULL)
		return h->fail(ctx, "out of memory");
	s->ep = -1;
	s->streams = (unsigned)h->param_int(ctx, "streams");
	s->msg = (size_t)h->param_size(ctx, "msg_size");
	s->dir_send = strcmp(dir, "recv") != 0;
	s->dir_recv = strcmp(dir, "send") != 0;
	total = s->streams * (unsigned)(s->dir_send + s->dir_recv);
	s->c = calloc(total, sizeof(*s->c));
	s->buf = malloc(s->msg);
	if (s->c == NULL || s->buf == NULL) {
		st_free(s);
		return h->fail(ctx, "out of memory for %zu B messages", s->msg);
	}
	/* Not constant data, though nothing on loopback compresses. */
	for (size_t i = 0; i < s->msg; i++)
		s->buf[i] = (unsigned char)(i * 131u + (i >> 12));
	rc = peer_open(h, ctx, &s->peer, 2 * s->streams);
	if (rc != DYNO_OK) {
		st_free(s);
		return rc;
	}
	if ((s->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = h->fail(ctx, "epoll_create1: %s", strerror(errno));
		goto bad;
	}
	for (unsigned i = 0; i < total; i++) {
		int snd = s->dir_send && (!s->dir_recv || i % 2 == 0);
		struct epoll_event ev = { .events = snd ? EPOLLOUT : EPOLLIN,
					  .data.u32 = i };
		int fd = session_connect(h, ctx, &s->peer, i, total,
					 snd ? WIRE_SINK : WIRE_SOURCE,
					 (uint32_t)s->msg, (uint32_t)s->msg, &rc);

		if (fd < 0)
			goto bad;
		s->c[s->n].fd = fd;
		s->c[s->n].send = snd;
		s->n++;
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			rc = h->fail(ctx, "epoll_ctl: %s", strerror(errno));
			goto bad;
		}
	}
	*state = s;
	return DYNO_OK;
bad:
	st_free(s);
	return rc;
}

static void
st_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h;
	(void)ctx;
	st_free(state);
}

static inline void
st_count(struct st_meas *m, uint64_t now, size_t n, int sent)
{
	if (m == NULL)
		return;
	session_count(&m->s, now, n);
	if (sent)
		m->sent += n;
	else
		m->received += n;
}

/* The loop until t_stop; meas NULL: warmup.  0 or -errno (s->err says). */
static int
st_loop(const struct dyno_host *h, struct dyno_ctx *ctx, void *state,
	void *meas, uint64_t t_stop, int *stopped)
{
	struct st_state *s = state;
	struct st_meas *m = meas;
	struct epoll_event evs[64];
	uint64_t now = clock_ns(), next_check = now + SESSION_WIN_NS;
	uint64_t progress = now;

	for (;;) {
		int n, tmo;

		if (now >= t_stop)
			return 0;
		if (now >= next_check) {
			next_check = now + SESSION_WIN_NS;
			if (h->should_stop(ctx)) {
				*stopped = 1;
				return 0;
			}
			if (now - progress > ST_STALL_NS) {
				snprintf(s->err, sizeof(s->err), "no byte moved in "
					 "%.0f s", ST_STALL_NS / 1e9);
				return -ETIMEDOUT;
			}
		}
		{
			uint64_t wake = next_check < t_stop ? next_check : t_stop;

			tmo = wake > now ? (int)((wake - now + 999999u) / 1000000u) : 0;
		}
		n = epoll_wait(s->ep, evs, 64, tmo);
		if (n < 0 && errno != EINTR) {
			int e = errno;

			snprintf(s->err, sizeof(s->err), "epoll_wait: %s", strerror(e));
			return -e;
		}
		for (int e = 0; e < n; e++) {
			unsigned i = evs[e].data.u32;
			struct st_conn *c = &s->c[i];

			for (int b = 0; b < ST_BURST; b++) {
				ssize_t r = c->send
					? send(c->fd, s->buf, s->msg, MSG_NOSIGNAL)
					: recv(c->fd, s->buf, s->msg, 0);

				if (r > 0) {
					now = clock_ns();
					progress = now;
					st_count(m, now, (size_t)r, c->send);
					continue;
				}
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				snprintf(s->err, sizeof(s->err), "%s stream %u: %s",
					 c->send ? "sending" : "receiving", i + 1,
					 r == 0 ? "the peer closed the connection"
						: strerror(errno));
				return r == 0 ? -EPIPE : -errno;
			}
		}
		now = clock_ns();
	}
}

static int
st_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct st_state *s = state;
	struct st_meas m;
	int rc;
	char v[256];
	double secs;

	memset(&m, 0, sizeof(m));
	if ((rc = session_open(h, ctx, &m.s)) != DYNO_OK)
		return rc;
	snprintf(v, sizeof(v), "%u stream(s) %s, %zu B writes/reads, one epoll "
		 "loop in one thread", s->streams,
		 s->dir_send && s->dir_recv ? "each way (both)"
		 : s->dir_send ? "sending" : "receiving", s->msg);
	h->artifact(ctx, "mode", v);
	rc = session_run(h, ctx, &m.s, st_loop, s, &m);
	secs = (double)m.s.el / 1e9;
	/* What was measured is recorded also when the peer failed. */
	if (m.sent + m.received > 0)
		session_record(h, ctx, &m.s, "throughput");
	if (s->dir_send) {
		snprintf(v, sizeof(v), "%" PRIu64 " B in %.3f s (%.6g B/s)", m.sent,
			 secs, secs > 0 ? (double)m.sent / secs : 0);
		h->artifact(ctx, "sent", v);
	}
	if (s->dir_recv) {
		snprintf(v, sizeof(v), "%" PRIu64 " B in %.3f s (%.6g B/s)",
			 m.received, secs, secs > 0 ? (double)m.received / secs : 0);
		h->artifact(ctx, "received", v);
	}
	session_stopped(h, ctx, &m.s);
	session_free(&m.s);
	if (rc != 0)
		return h->fail(ctx, "%s: %s after %.3f s (%" PRIu64 " B measured "
			       "before, recorded)", s->peer.text, s->err,
			       (double)(m.s.t_end - m.s.t0) / 1e9,
			       m.sent + m.received);
	if (m.sent + m.received == 0)
		return h->fail(ctx, "%s: no byte moved in %.3f s", s->peer.text,
			       secs);
	return DYNO_OK;
}

static const struct dyno_param st_params[] = {
	PEER_PARAMS,
	{ .name = "streams", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "256", .help = "parallel connections (of each direction with "
	  "both), like iperf3 -P" },
	{ .name = "msg_size", .type = DYNO_PARAM_SIZE, .def = "128KiB",
	  .min = "1", .max = "16MiB", .help = "bytes per write/read, like "
	  "iperf3 -l" },
	{ .name = "direction", .type = DYNO_PARAM_ENUM, .def = "send",
	  .choices = "send|recv|both", .help = "send to the peer, receive from "
	  "it (iperf3 -R), or both at once (iperf3 --bidir)" },
	{ NULL }
};

static const struct dyno_metric st_metrics[] = {
	{ .name = "throughput", .unit = "B/s", .better = DYNO_BETTER_HIGHER,
	  .help = "payload bytes per second, all streams, one sample per "
	  "100 ms" },
	{ NULL }
};

const struct dyno_probe network_tcp_stream_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "tcp_stream",
	.summary = "TCP bulk throughput over parallel streams (iperf3 -c -P N "
		   "[-R|--bidir])",
	.params = st_params,
	.metrics = st_metrics,
	.flags = DYNO_PROBE_EXCLUSIVE,
	.setup = st_setup,
	.teardown = st_teardown,
	.run = st_run,
};

/*
** session.c - the start and the timing of a single-thread network run
** (session.h): the hello on each connection, the warmup, the measured
** duration in windows and their record.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "samples.h"
#include "session.h"

int
session_send_all(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int
session_recv_all(int fd, unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, buf, n, MSG_WAITALL);

		if (r == 0)
			return -EPIPE;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

int
session_connect(const struct dyno_host *h, struct dyno_ctx *ctx,
		const struct peer *p, unsigned i, unsigned n,
		enum wire_mode mode, uint32_t req, uint32_t resp, int *rc)
{
	unsigned char hello[WIRE_HELLO_LEN];
	int fd = peer_connect(p), e;

	if (fd < 0) {
		*rc = h->fail(ctx, "connection %u of %u to %s: %s", i + 1, n,
			      p->text, strerror(-fd));
		return -1;
	}
	wire_hello(hello, mode, req, resp);
	if ((e = session_send_all(fd, hello, sizeof(hello))) != 0) {
		close(fd);
		*rc = h->fail(ctx, "hello to %s: %s", p->text, strerror(-e));
		return -1;
	}
	return fd;
}

int
session_open(const struct dyno_host *h, struct dyno_ctx *ctx,
	     struct session *s)
{
	uint64_t dur = h->param_duration_ns(ctx, "duration");

	memset(s, 0, sizeof(*s));
	s->nwin = (dur + SESSION_WIN_NS - 1) / SESSION_WIN_NS;
	s->counts = calloc(s->nwin, sizeof(*s->counts));
	if (s->counts == NULL)
		return h->fail(ctx, "out of memory");
	return DYNO_OK;
}

int
session_run(const struct dyno_host *h, struct dyno_ctx *ctx,
	    struct session *s, session_loop_fn *loop, void *state, void *meas)
{
	uint64_t dur = h->param_duration_ns(ctx, "duration");
	uint64_t warm = h->param_duration_ns(ctx, "warmup");
	int rc = 0;

	if (warm > 0)
		rc = loop(h, ctx, state, NULL, clock_ns() + warm, &s->stopped);
	s->t0 = clock_ns();
	if (rc == 0 && !s->stopped)
		rc = loop(h, ctx, state, meas, s->t0 + dur, &s->stopped);
	s->t_end = clock_ns();
	s->el = s->t_end - s->t0;
	if (s->el > s->nwin * SESSION_WIN_NS)
		s->el = s->nwin * SESSION_WIN_NS;
	return rc;
}

void
session_record(const struct dyno_host *h, struct dyno_ctx *ctx,
	       struct session *s, const char *metric)
{
	uint64_t *counts[1] = { s->counts };
	uint64_t last;
	size_t k;

	if (s->el == 0)
		return;
	k = windows_close(s->el, SESSION_WIN_NS, s->nwin, counts, 1, &last);
	windows_record(h, ctx, metric, s->counts, k, SESSION_WIN_NS, last);
}

void
session_stopped(const struct dyno_host *h, struct dyno_ctx *ctx,
		const struct session *s)
{
	if (s->stopped)
		h->artifact(ctx, "stopped_early", "dyno asked the probe to stop "
			    "before duration (--max-time or Ctrl-C)");
}

void
session_free(struct session *s)
{
	free(s->counts);
	s->counts = NULL;
}

/*
** session.h - the start and the timing of a single-thread network run
** (tcp_stream, tcp_rr, udp_rr, tcp_crr): connections that open with the
** wire hello, then a warmup and the measured duration, counted in 100 ms
** windows and recorded as rates.  Private to plugins/network.
*/
#ifndef NETWORK_SESSION_H
#define NETWORK_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <dyno/plugin.h>

#include "peer.h"
#include "wire.h"

#define SESSION_WIN_NS 100000000ull /* rate window */

/* The measured part of a run. */
struct session {
	uint64_t t0;        /* measuring started */
	uint64_t nwin;      /* windows in `duration` */
	uint64_t *counts;   /* what was counted in each window */
	uint64_t t_end;     /* measuring ended */
	uint64_t el;        /* t_end - t0, at most the nwin windows */
	int stopped;        /* dyno asked the probe to stop early */
};

/* A probe's loop until t_stop, over its state; meas is NULL during the
** warmup.  Sets *stopped when h->should_stop says so.  0 or -errno. */
typedef int session_loop_fn(const struct dyno_host *h, struct dyno_ctx *ctx,
			    void *state, void *meas, uint64_t t_stop,
			    int *stopped);

/* Sends all of buf on a blocking socket; 0 or -errno. */
int session_send_all(int fd, const unsigned char *buf, size_t n);
/* Receives n bytes on a blocking socket; 0, -errno, or -EPIPE on EOF. */
int session_recv_all(int fd, unsigned char *buf, size_t n);

/*
** Opens connection i of n (counted from 0) to p and sends the hello of
** `mode` with the two sizes.  Returns the socket, or -1 after h->fail
** ("connection 2 of 4 to HOST:PORT: ...", "hello to HOST:PORT: ..."),
** its result in *rc.
*/
int session_connect(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct peer *p, unsigned i, unsigned n,
		    enum wire_mode mode, uint32_t req, uint32_t resp, int *rc);

/* Zeroes s and allocates the windows of `duration`: DYNO_OK, or what
** h->fail returned. */
int session_open(const struct dyno_host *h, struct dyno_ctx *ctx,
		 struct session *s);

/* Runs loop for `warmup` (meas NULL), then, unless that failed or was
** stopped, for `duration` with meas, setting s->t0, t_end, el and
** stopped.  Returns the loop's result. */
int session_run(const struct dyno_host *h, struct dyno_ctx *ctx,
		struct session *s, session_loop_fn *loop, void *state,
		void *meas);

/* Counts n at time t into its window (the last one past the end). */
static inline void
session_count(struct session *s, uint64_t t, uint64_t n)
{
	uint64_t w = (t - s->t0) / SESSION_WIN_NS;

	s->counts[w < s->nwin ? w : s->nwin - 1] += n;
}

/* Records the windows' counts per second as `metric`, when time passed. */
void session_record(const struct dyno_host *h, struct dyno_ctx *ctx,
		    struct session *s, const char *metric);

/* The artifact stopped_early, when s->stopped. */
void session_stopped(const struct dyno_host *h, struct dyno_ctx *ctx,
		     const struct session *s);

void session_free(struct session *s);

#endif /* NETWORK_SESSION_H */

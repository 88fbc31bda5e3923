/*
** serve.h - `dyno serve`: the peer the network plugin measures against.
**
** One epoll loop per thread (one thread unless --threads), each with a
** TCP listener and a UDP socket on the same port (SO_REUSEPORT spreads
** clients over the loops), speaking serve/wire.h (hello + RR/SINK/SOURCE,
** an HTTP/1.1 subset, UDP echo).  Runs until SIGTERM or SIGINT.
*/
#ifndef DYNO_SERVE_H
#define DYNO_SERVE_H

#include <stdint.h>

#include "err.h"

#define SERVE_PORT 7478

struct serve_opts {
	const char *bind;       /* address or name to bind (127.0.0.1) */
	int port;               /* 0: an ephemeral port */
	unsigned max_conns;     /* more are accepted, logged and closed */
	uint64_t max_msg;       /* largest hello size or HTTP body/response */
	uint64_t idle_ns;       /* close a connection idle this long; 0 never */
	unsigned threads;       /* event loops, SO_REUSEPORT when > 1 */
	uint64_t busy_poll_ns;  /* while a SINK/SOURCE stream is open, poll
				** this long before sleeping; 0 never */
};

/* The defaults: 127.0.0.1, SERVE_PORT, 1024 connections, 16 MiB, 30 s,
** one thread, no busy poll. */
void serve_opts_default(struct serve_opts *o);

/*
** Bind, print "dyno serve: listening on HOST:PORT" on stdout (flushed),
** and serve until SIGTERM or SIGINT, logging refused clients on stderr.
** Returns 0 after a signal, with every socket closed and all memory
** freed; a negative DYNO_E* code with err filled when it could not start
** (address unparsable or in use).
*/
int serve_run(const struct serve_opts *o, struct dyno_err *err);

#endif

/*
** serve_modes.c - `dyno serve` on a TCP connection that speaks serve/wire.h:
** the hello that picks the mode (or turns out to be an HTTP request), then
** RR (request, response, again), SINK (read until EOF) or SOURCE (write
** until the client goes).
*/
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>

#include "serve_int.h"

/* ---- the wire.h modes ------------------------------------------------ */

/* Read a request of req_size, write a response of resp_size, again.
** Reads never go past the request, so nothing is kept between calls but
** the two counters.  Returns -1 to close. */
int
serve_on_rr(struct server *s, struct conn *c)
{
	int moved = 0;
	ssize_t n;

	for (int k = 0; k < BUDGET; k++) {
		if (c->out_left > 0) {
			n = serve_wr(c->fd, s->fill,
				     serve_min_sz(c->out_left, IOBUF));
			if (n == -2)
				break;
			if (n < 0)
				return -1;
			c->out_left -= (uint64_t)n;
			moved = 1;
			if (c->out_left > 0)
				continue;
			c->in_left = c->req_size;
			/* A ping-pong client has sent nothing yet: a read now
			** would be an EAGAIN per exchange.  epoll says when. */
			break;
		}
		n = serve_rd(c->fd, s->inbuf, serve_min_sz(c->in_left, IOBUF));
		if (n == -2)
			break;
		if (n <= 0)
			return -1;  /* the client is done */
		moved = 1;
		c->in_left -= (uint64_t)n;
		if (c->in_left == 0)
			c->out_left = c->resp_size;
	}
	/* Budget spent (or EAGAIN): wait for what the next step needs, or
	** a client blocked on our answer would wait for us forever. */
	serve_set_events(s, c, c->out_left > 0 ? EPOLLOUT : EPOLLIN);
	if (moved)
		serve_touch(s, c);
	return 0;
}

/* Read and discard until EOF. */
int
serve_on_sink(struct server *s, struct conn *c)
{
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n = serve_rd(c->fd, s->inbuf, IOBUF);

		if (n == -2)
			break;
		if (n <= 0)
			return -1;
		moved = 1;
	}
	if (moved)
		serve_touch(s, c);
	return 0;
}

/* Write resp_size-byte chunks (at most IOBUF a call) until the client
** goes away (EPIPE or ECONNRESET). */
int
serve_on_source(struct server *s, struct conn *c)
{
	size_t chunk = serve_min_sz(c->resp_size, IOBUF);
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n = serve_wr(c->fd, s->fill, chunk);

		if (n == -2)
			break;
		if (n < 0)
			return -1;
		moved = 1;
	}
	if (moved)
		serve_touch(s, c);
	return 0;
}

/* ---- hello ----------------------------------------------------------- */

static int
is_http_start(const unsigned char *h)
{
	return memcmp(h, "GET ", 4) == 0 || memcmp(h, "HEAD", 4) == 0 ||
	       memcmp(h, "POST", 4) == 0 || memcmp(h, "PUT ", 4) == 0;
}

/* Check a whole hello and switch to its mode; -1 (logged) to refuse. */
static int
start_mode(struct server *s, struct conn *c)
{
	const unsigned char *h = c->hello;
	uint64_t max = s->o->max_msg;
	uint32_t req = wire_get32(h + 8), resp = wire_get32(h + 12);
	int need_req = h[4] == WIRE_RR, need_resp = h[4] != WIRE_SINK;

	if (h[4] != WIRE_RR && h[4] != WIRE_SINK && h[4] != WIRE_SOURCE) {
		serve_log_client("refused", &c->addr, c->addrlen,
				 "unknown mode 0x%02x in hello (expected 'R', "
				 "'S' or 'O')", h[4]);
		return -1;
	}
	if (h[5] || h[6] || h[7]) {
		serve_log_client("refused", &c->addr, c->addrlen,
				 "reserved hello bytes 5..7 are not zero");
		return -1;
	}
	/* A size the mode uses must be 1..max-msg; one it ignores may be
	** 0 but not over max-msg either. */
	if (req > max || (need_req && req == 0) || resp > max ||
	    (need_resp && resp == 0)) {
		serve_log_client("refused", &c->addr, c->addrlen,
				 "hello sizes req %" PRIu32 ", resp %" PRIu32
				 " outside 1..%" PRIu64 " (--max-msg)", req,
				 resp, max);
		return -1;
	}
	c->req_size = req;
	c->resp_size = resp;
	switch (h[4]) {
	case WIRE_RR:
		c->state = C_RR;
		c->in_left = req;
		return serve_on_rr(s, c);
	case WIRE_SINK:
		c->state = C_SINK;
		s->nbulk++;
		serve_set_events(s, c, EPOLLIN);
		return serve_on_sink(s, c);
	default:
		c->state = C_SOURCE;
		s->nbulk++;
		serve_set_events(s, c, EPOLLOUT);
		return serve_on_source(s, c);
	}
}

int
serve_on_hello(struct server *s, struct conn *c)
{
	ssize_t n = serve_rd(c->fd, c->hello + c->have,
			     WIRE_HELLO_LEN - c->have);

	if (n == -2)
		return 0;
	if (n <= 0) {
		if (c->have > 0)
			serve_log_client("refused", &c->addr, c->addrlen,
					 "closed after %zu of %d hello bytes",
					 c->have, WIRE_HELLO_LEN);
		return -1;
	}
	c->have += (size_t)n;
	serve_touch(s, c);
	if (c->have < 4)
		return 0;
	if (is_http_start(c->hello))
		return serve_begin_http(s, c);
	if (memcmp(c->hello, WIRE_MAGIC, 4) != 0) {
		serve_log_client("refused", &c->addr, c->addrlen,
				 "bad magic 0x%02x%02x%02x%02x (expected "
				 "\"DYN1\" or an HTTP method)", c->hello[0],
				 c->hello[1], c->hello[2], c->hello[3]);
		return -1;
	}
	if (c->have < WIRE_HELLO_LEN)
		return 0;
	return start_mode(s, c);
}

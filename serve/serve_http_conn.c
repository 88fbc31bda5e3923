/*
** serve_http_conn.c - `dyno serve` on a connection that speaks HTTP/1.1:
** requests parsed by serve_http.c, answers queued in the connection's
** output and sent with the body bytes they promise; pipelined requests
** wait while earlier answers are unsent; an error answer, then linger.
*/
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "serve_int.h"
#include "xmalloc.h"

#define OUT_HIGH (64 * 1024)      /* stop parsing pipelined HTTP above this */

static void out_printf(struct conn *c, const char *fmt, ...) DYNO_PRINTF(2, 3);

/* Append to the connection's pending output. */
static void
out_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->out + c->out_len, c->out_cap - c->out_len,
			      fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < c->out_cap - c->out_len)
			break;
		c->out_cap = c->out_cap * 2 + (n > 0 ? (size_t)n : 0) + 512;
		c->out = xrealloc(c->out, c->out_cap);
	}
	c->out_len += (size_t)n;
}

static int
has_output(const struct conn *c)
{
	return c->out_off < c->out_len || c->out_left > 0;
}

/* A pipelined request waits while the answers before it are unsent. */
static int
http_blocked(const struct conn *c)
{
	return c->close_after || c->out_left > 0 ||
	       c->out_len - c->out_off > OUT_HIGH;
}

/* A status with a short text body.  Errors close the connection. */
static void
http_answer(struct conn *c, int status, const char *body, int keep_alive,
	    int minor, int head_only)
{
	out_printf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		   "Content-Length: %zu\r\n%s\r\n%s", status,
		   serve_http_reason(status), strlen(body),
		   !keep_alive ? "Connection: close\r\n" :
		   minor == 0 ? "Connection: keep-alive\r\n" : "",
		   head_only ? "" : body);
	if (!keep_alive)
		c->close_after = 1;
}

/* "/bytes/N": N into *n; 0, or -1 when N is not 1 to 19 digits. */
static int
bytes_target(const char *t, uint64_t *n)
{
	size_t len;

	if (strncmp(t, "/bytes/", 7) != 0)
		return -1;
	t += 7;
	len = strspn(t, "0123456789");
	if (len == 0 || len > 19 || t[len] != '\0')
		return -1;
	*n = strtoull(t, NULL, 10);
	return 0;
}

static void
http_respond(struct server *s, struct conn *c,
	     const struct serve_http_request *r)
{
	int head = r->method == SERVE_HTTP_HEAD;
	uint64_t n;

	if (r->method == SERVE_HTTP_POST || r->method == SERVE_HTTP_PUT) {
		http_answer(c, 200, "ok\n", r->keep_alive, r->minor, 0);
	} else if (strcmp(r->target, "/") == 0) {
		http_answer(c, 200, "dyno serve\n", r->keep_alive, r->minor,
			    head);
	} else if (bytes_target(r->target, &n) == 0) {
		if (n > s->o->max_msg) {
			/* Not a framing error: the connection goes on. */
			http_answer(c, 400, "byte count over --max-msg\n",
				    r->keep_alive, r->minor, head);
			return;
		}
		out_printf(c, "HTTP/1.1 200 OK\r\n"
			   "Content-Type: application/octet-stream\r\n"
			   "Content-Length: %" PRIu64 "\r\n%s\r\n", n,
			   !r->keep_alive ? "Connection: close\r\n" :
			   r->minor == 0 ? "Connection: keep-alive\r\n" : "");
		if (!head)
			c->out_left = n;
		if (!r->keep_alive)
			c->close_after = 1;
	} else {
		http_answer(c, 404, "not found\n", r->keep_alive, r->minor,
			    head);
	}
}

/* Parse data[0..len) and queue the answers; returns the bytes used (the
** rest waits until the answers before it are sent). */
static size_t
http_input(struct server *s, struct conn *c, const char *data, size_t len)
{
	size_t done = 0, used;
	struct serve_http_request r;
	enum serve_http_event ev;

	while (done < len && !http_blocked(c)) {
		ev = serve_http_feed(c->http, data + done, len - done, &used,
				     &r);
		done += used;
		if (ev == SERVE_HTTP_MORE)
			break;
		if (ev == SERVE_HTTP_CONTINUE) {
			out_printf(c, "HTTP/1.1 100 Continue\r\n\r\n");
		} else if (ev == SERVE_HTTP_REQUEST) {
			http_respond(s, c, &r);
		} else {
			char body[64];

			serve_log_client("refused", &c->addr, c->addrlen,
					 "HTTP %d %s", (int)ev,
					 serve_http_reason((int)ev));
			snprintf(body, sizeof(body), "%s\n",
				 serve_http_reason((int)ev));
			http_answer(c, (int)ev, body, 0, 1, 0);
		}
	}
	return done;
}

/* Take input from where it is (inbuf or the hello) and keep what the
** parser could not take yet. */
static void
http_take(struct server *s, struct conn *c, const char *data, size_t len)
{
	size_t used = http_input(s, c, data, len);

	if (used < len && !c->close_after) {
		c->pend = xmalloc(len - used);
		memcpy(c->pend, data + used, len - used);
		c->pend_off = 0;
		c->pend_len = len - used;
	}
}

/* Send out[] and then out_left bytes of fill; 0, or -1 on an error. */
static int
http_flush(struct server *s, struct conn *c, int *moved)
{
	while (has_output(c)) {
		struct iovec iov[2];
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = 0 };
		size_t a = c->out_len - c->out_off;
		ssize_t n;

		if (a > 0) {
			iov[m.msg_iovlen].iov_base = c->out + c->out_off;
			iov[m.msg_iovlen++].iov_len = a;
		}
		if (c->out_left > 0) {
			iov[m.msg_iovlen].iov_base = s->fill;
			iov[m.msg_iovlen++].iov_len =
				serve_min_sz(c->out_left, IOBUF);
		}
		n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		*moved = 1;
		if ((size_t)n >= a) {
			c->out_off = c->out_len = 0;
			c->out_left -= (uint64_t)((size_t)n - a);
		} else {
			c->out_off += (size_t)n;
		}
	}
	return 0;
}

int
serve_on_http(struct server *s, struct conn *c)
{
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n;

		if (has_output(c)) {
			if (http_flush(s, c, &moved) < 0)
				return -1;
			if (has_output(c)) {
				serve_set_events(s, c, EPOLLOUT);
				goto out;
			}
		}
		if (c->close_after) {
			serve_linger(s, c);
			return 0;
		}
		if (c->pend != NULL) {
			size_t used = http_input(s, c, c->pend + c->pend_off,
						 c->pend_len - c->pend_off);

			c->pend_off += used;
			if (c->pend_off == c->pend_len || c->close_after) {
				free(c->pend);
				c->pend = NULL;
			}
			continue;
		}
		n = serve_rd(c->fd, s->inbuf, IOBUF);
		if (n == -2) {
			serve_set_events(s, c, EPOLLIN);
			goto out;
		}
		if (n == 0 && has_output(c)) {
			/* Half-closed after its last request: answer it. */
			c->close_after = 1;
			continue;
		}
		if (n <= 0)
			return -1;
		moved = 1;
		http_take(s, c, s->inbuf, (size_t)n);
	}
	/* Budget spent.  Input already read (pend) raises no epoll event,
	** but a writable socket does at once: ask for that. */
	serve_set_events(s, c, has_output(c) || c->pend ? EPOLLOUT : EPOLLIN);
out:
	if (moved)
		serve_touch(s, c);
	return 0;
}

int
serve_begin_http(struct server *s, struct conn *c)
{
	c->state = C_HTTP;
	c->http = xmalloc(sizeof(*c->http));
	serve_http_init(c->http, s->o->max_msg);
	http_take(s, c, (const char *)c->hello, c->have);
	return serve_on_http(s, c);
}

/*
** serve.c - `dyno serve`: one epoll loop serving serve/wire.h over TCP
** (hello + RR/SINK/SOURCE, or HTTP/1.1) and UDP on the same port.
**
** Sockets are non-blocking and the epoll interest is level-triggered: a
** connection handler moves bytes until the kernel says EAGAIN or its
** budget per wake-up is spent (so one fast client cannot starve the
** others), then registers for what it is waiting on.  Connections live on
** one of two lists ordered by deadline: "active" (deadline = last progress
** + idle timeout) and "lingering" (answered with an error and shut down
** for writing; drained for LINGER_NS so the client reads the answer
** instead of a reset).  The loop sleeps until the earliest deadline.
**
** --threads N runs N such loops, each with its own sockets bound with
** SO_REUSEPORT (the kernel spreads connections and UDP flows over them);
** they share only the connection count and a stop eventfd.
*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"
#include "serve_http.h"
#include "wire.h"
#include "xmalloc.h"

#define IOBUF (256 * 1024)        /* one read or write at most */
#define OUT_HIGH (64 * 1024)      /* stop parsing pipelined HTTP above this */
#define BUDGET 64                 /* system calls per connection per wake-up */
#define LINGER_NS 2000000000ull   /* drain time after an error answer */
#define UDP_BUF 65536

enum cstate {
	C_HELLO,   /* reading the 16-byte hello, or the start of HTTP */
	C_RR,
	C_SINK,
	C_SOURCE,
	C_HTTP,
	C_LINGER   /* write side shut, reading until EOF or the deadline */
};

struct conn {
	int fd;
	enum cstate state;
	uint32_t events;                /* the epoll interest registered */
	struct sockaddr_storage addr;   /* the client, for log lines */
	socklen_t addrlen;
	unsigned char hello[WIRE_HELLO_LEN];
	size_t have;                    /* hello bytes read */
	uint32_t req_size, resp_size;
	uint64_t in_left;               /* RR: request bytes still to read */
	uint64_t out_left;              /* RR: response bytes to write; HTTP:
					** body bytes that follow out[] */
	struct http_parser *http;       /* owned, HTTP only */
	char *out;                      /* owned: HTTP answers not yet sent */
	size_t out_off, out_len, out_cap;
	char *pend;                     /* owned: HTTP input read, not parsed */
	size_t pend_off, pend_len;
	int close_after;                /* HTTP: linger once out is sent */
	uint64_t deadline;
	struct conn *prev, *next;
};

struct list {
	struct conn *head, *tail;
};

/* What the loops (one per --threads) share. */
struct shared {
	const struct serve_opts *o;
	atomic_uint nconns;             /* connections open, all loops */
	int stopfd;                     /* eventfd: readable = stop */
};

/* One event loop: its own listener and UDP socket (SO_REUSEPORT when
** there are several), epoll set, connections and buffers. */
struct server {
	const struct serve_opts *o;
	struct shared *sh;
	int ep, lfd, ufd;
	int sfd;                        /* the signalfd, loop 0 only */
	int spare;                      /* a reserved fd for EMFILE */
	struct list active, linger;
	unsigned nbulk;                 /* connections in SINK or SOURCE */
	char *inbuf;                    /* IOBUF: every TCP read lands here */
	char *fill;                     /* IOBUF: what SOURCE, RR and HTTP
					** bodies send (a byte pattern) */
	unsigned char *udp;             /* UDP_BUF */
	int stop;
};

/* epoll tags for the descriptors that are not connections. */
static char tag_listen, tag_udp, tag_signal, tag_stop;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	/* Coarse is enough for timeouts and costs no syscall. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
list_remove(struct list *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void
list_append(struct list *l, struct conn *c)
{
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

/* "127.0.0.1:5555" or "[::1]:5555" into buf. */
static const char *
addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(buf, n, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, n, "[%s]:%s", host, port);
	else
		snprintf(buf, n, "%s:%s", host, port);
	return buf;
}

static void logf_client(const char *verb, const struct sockaddr_storage *ss,
			socklen_t len, const char *fmt, ...) DYNO_PRINTF(4, 5);

/* One line on stderr about a client: "dyno serve: VERB ADDR: why". */
static void
logf_client(const char *verb, const struct sockaddr_storage *ss,
	    socklen_t len, const char *fmt, ...)
{
	char a[NI_MAXHOST + NI_MAXSERV + 4], why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dyno serve: %s %s: %s\n", verb,
		addr_str((const struct sockaddr *)ss, len, a, sizeof(a)), why);
}

static void
conn_close(struct server *s, struct conn *c)
{
	list_remove(c->state == C_LINGER ? &s->linger : &s->active, c);
	if (c->state == C_SINK || c->state == C_SOURCE)
		s->nbulk--;
	close(c->fd);
	free(c->http);
	free(c->out);
	free(c->pend);
	free(c);
	atomic_fetch_sub(&s->sh->nconns, 1);
}

static void
set_events(struct server *s, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (ev != c->events && epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = ev;
}

/* Progress: push the idle deadline back. */
static void
touch(struct server *s, struct conn *c)
{
	c->deadline = now_ns() + s->o->idle_ns;
	if (s->active.tail != c) {
		list_remove(&s->active, c);
		list_append(&s->active, c);
	}
}

/* Answered and done: stop writing, drain what the client still sends so
** it reads our answer rather than a reset, close at EOF or LINGER_NS. */
static void
conn_linger(struct server *s, struct conn *c)
{
	list_remove(&s->active, c);
	c->state = C_LINGER;
	c->deadline = now_ns() + LINGER_NS;
	list_append(&s->linger, c);
	shutdown(c->fd, SHUT_WR);
	set_events(s, c, EPOLLIN);
}

/* recv that retries EINTR; -2 for EAGAIN, -1 for an error. */
static ssize_t
rd(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = recv(fd, buf, n, 0);

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
	}
}

/* send that retries EINTR and never raises SIGPIPE; -2 EAGAIN, -1 error. */
static ssize_t
wr(int fd, const void *buf, size_t n)
{
	for (;;) {
		ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
	}
}

static size_t
min_sz(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

/* ---- the wire.h modes ------------------------------------------------ */

/* Read a request of req_size, write a response of resp_size, again.
** Reads never go past the request, so nothing is kept between calls but
** the two counters.  Returns -1 to close. */
static int
run_rr(struct server *s, struct conn *c)
{
	int moved = 0;
	ssize_t n;

	for (int k = 0; k < BUDGET; k++) {
		if (c->out_left > 0) {
			n = wr(c->fd, s->fill, min_sz(c->out_left, IOBUF));
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
		n = rd(c->fd, s->inbuf, min_sz(c->in_left, IOBUF));
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
	set_events(s, c, c->out_left > 0 ? EPOLLOUT : EPOLLIN);
	if (moved)
		touch(s, c);
	return 0;
}

/* Read and discard until EOF. */
static int
run_sink(struct server *s, struct conn *c)
{
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n = rd(c->fd, s->inbuf, IOBUF);

		if (n == -2)
			break;
		if (n <= 0)
			return -1;
		moved = 1;
	}
	if (moved)
		touch(s, c);
	return 0;
}

/* Write resp_size-byte chunks (at most IOBUF a call) until the client
** goes away (EPIPE or ECONNRESET). */
static int
run_source(struct server *s, struct conn *c)
{
	size_t chunk = min_sz(c->resp_size, IOBUF);
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n = wr(c->fd, s->fill, chunk);

		if (n == -2)
			break;
		if (n < 0)
			return -1;
		moved = 1;
	}
	if (moved)
		touch(s, c);
	return 0;
}

/* ---- HTTP ------------------------------------------------------------ */

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
		   http_reason(status), strlen(body),
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
http_respond(struct server *s, struct conn *c, const struct http_request *r)
{
	int head = r->method == HTTP_HEAD;
	uint64_t n;

	if (r->method == HTTP_POST || r->method == HTTP_PUT) {
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
	struct http_request r;
	enum http_event ev;

	while (done < len && !http_blocked(c)) {
		ev = http_feed(c->http, data + done, len - done, &used, &r);
		done += used;
		if (ev == HTTP_MORE)
			break;
		if (ev == HTTP_CONTINUE) {
			out_printf(c, "HTTP/1.1 100 Continue\r\n\r\n");
		} else if (ev == HTTP_REQUEST) {
			http_respond(s, c, &r);
		} else {
			char body[64];

			logf_client("refused", &c->addr, c->addrlen,
				    "HTTP %d %s", (int)ev,
				    http_reason((int)ev));
			snprintf(body, sizeof(body), "%s\n",
				 http_reason((int)ev));
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
				min_sz(c->out_left, IOBUF);
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

static int
run_http(struct server *s, struct conn *c)
{
	int moved = 0;

	for (int k = 0; k < BUDGET; k++) {
		ssize_t n;

		if (has_output(c)) {
			if (http_flush(s, c, &moved) < 0)
				return -1;
			if (has_output(c)) {
				set_events(s, c, EPOLLOUT);
				goto out;
			}
		}
		if (c->close_after) {
			conn_linger(s, c);
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
		n = rd(c->fd, s->inbuf, IOBUF);
		if (n == -2) {
			set_events(s, c, EPOLLIN);
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
	set_events(s, c, has_output(c) || c->pend ? EPOLLOUT : EPOLLIN);
out:
	if (moved)
		touch(s, c);
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
		logf_client("refused", &c->addr, c->addrlen,
			    "unknown mode 0x%02x in hello (expected 'R', 'S' "
			    "or 'O')", h[4]);
		return -1;
	}
	if (h[5] || h[6] || h[7]) {
		logf_client("refused", &c->addr, c->addrlen,
			    "reserved hello bytes 5..7 are not zero");
		return -1;
	}
	/* A size the mode uses must be 1..max-msg; one it ignores may be
	** 0 but not over max-msg either. */
	if (req > max || (need_req && req == 0) || resp > max ||
	    (need_resp && resp == 0)) {
		logf_client("refused", &c->addr, c->addrlen,
			    "hello sizes req %" PRIu32 ", resp %" PRIu32
			    " outside 1..%" PRIu64 " (--max-msg)", req, resp,
			    max);
		return -1;
	}
	c->req_size = req;
	c->resp_size = resp;
	switch (h[4]) {
	case WIRE_RR:
		c->state = C_RR;
		c->in_left = req;
		return run_rr(s, c);
	case WIRE_SINK:
		c->state = C_SINK;
		s->nbulk++;
		set_events(s, c, EPOLLIN);
		return run_sink(s, c);
	default:
		c->state = C_SOURCE;
		s->nbulk++;
		set_events(s, c, EPOLLOUT);
		return run_source(s, c);
	}
}

static int
run_hello(struct server *s, struct conn *c)
{
	ssize_t n = rd(c->fd, c->hello + c->have, WIRE_HELLO_LEN - c->have);

	if (n == -2)
		return 0;
	if (n <= 0) {
		if (c->have > 0)
			logf_client("refused", &c->addr, c->addrlen,
				    "closed after %zu of %d hello bytes",
				    c->have, WIRE_HELLO_LEN);
		return -1;
	}
	c->have += (size_t)n;
	touch(s, c);
	if (c->have < 4)
		return 0;
	if (is_http_start(c->hello)) {
		c->state = C_HTTP;
		c->http = xmalloc(sizeof(*c->http));
		http_init(c->http, s->o->max_msg);
		http_take(s, c, (const char *)c->hello, c->have);
		return run_http(s, c);
	}
	if (memcmp(c->hello, WIRE_MAGIC, 4) != 0) {
		logf_client("refused", &c->addr, c->addrlen,
			    "bad magic 0x%02x%02x%02x%02x (expected \"DYN1\" "
			    "or an HTTP method)", c->hello[0], c->hello[1],
			    c->hello[2], c->hello[3]);
		return -1;
	}
	if (c->have < WIRE_HELLO_LEN)
		return 0;
	return start_mode(s, c);
}

/* ---- sockets that are not connections --------------------------------- */

static void
accept_one(struct server *s, int fd, struct sockaddr_storage *ss,
	   socklen_t len)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct conn *c;
	int one = 1;

	if (atomic_fetch_add(&s->sh->nconns, 1) >= s->o->max_conns) {
		atomic_fetch_sub(&s->sh->nconns, 1);
		logf_client("refused", ss, len, "%u connections already",
			    s->o->max_conns);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->addr = *ss;
	c->addrlen = len;
	c->state = C_HELLO;
	c->events = EPOLLIN;
	/* RR latency: never hold a small answer back for an ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	e.data.ptr = c;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		logf_client("refused", ss, len, "epoll: %s", strerror(errno));
		close(fd);
		free(c);
		atomic_fetch_sub(&s->sh->nconns, 1);
		return;
	}
	c->deadline = now_ns() + s->o->idle_ns;
	list_append(&s->active, c);
}

static void
run_listener(struct server *s)
{
	for (int k = 0; k < BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			accept_one(s, fd, &ss, len);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if ((errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
			/* Out of descriptors: the pending connection would keep
			** the listener readable forever; take it with the
			** reserved fd and refuse it. */
			close(s->spare);
			len = sizeof(ss);
			fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
				     SOCK_CLOEXEC);
			if (fd >= 0) {
				logf_client("refused", &ss, len,
					    "out of file descriptors");
				close(fd);
			}
			s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		break;
	}
}

/* Echo DYU1 datagrams: resp_size bytes, the datagram's own first. */
static void
run_udp(struct server *s)
{
	for (int k = 0; k < BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		ssize_t n = recvfrom(s->ufd, s->udp, UDP_BUF, 0,
				     (struct sockaddr *)&ss, &len);
		uint32_t resp;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n < 8 || memcmp(s->udp, WIRE_UDP_MAGIC, 4) != 0)
			continue;
		resp = wire_get32(s->udp + 4);
		if (resp < WIRE_UDP_HDR || resp > WIRE_UDP_MAX ||
		    resp > s->o->max_msg)
			continue;
		if ((size_t)n < resp)
			memset(s->udp + n, 0, resp - (size_t)n);
		/* A full send buffer drops the answer, as the network would. */
		sendto(s->ufd, s->udp, resp, MSG_DONTWAIT | MSG_NOSIGNAL,
		       (struct sockaddr *)&ss, len);
	}
}

static void
run_signal(struct server *s)
{
	struct signalfd_siginfo si;

	if (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		s->stop = 1;  /* serve_run tells the other loops */
}

/* ---- set-up and the loop --------------------------------------------- */

static void
conn_event(struct server *s, struct conn *c, uint32_t ev)
{
	int rc;

	if (ev & EPOLLERR) {
		conn_close(s, c);
		return;
	}
	switch (c->state) {
	case C_HELLO: rc = run_hello(s, c); break;
	case C_RR: rc = run_rr(s, c); break;
	case C_SINK: rc = run_sink(s, c); break;
	case C_SOURCE: rc = run_source(s, c); break;
	case C_HTTP: rc = run_http(s, c); break;
	default: {
		ssize_t n;

		rc = 0;
		for (int k = 0; k < BUDGET && rc == 0; k++)
			if ((n = rd(c->fd, s->inbuf, IOBUF)) == -2)
				break;
			else if (n <= 0)
				rc = -1;
	}
	}
	if (rc < 0)
		conn_close(s, c);
}

/* Close what is past its deadline; the milliseconds until the next one
** (-1: none). */
static int
sweep(struct server *s)
{
	uint64_t now = now_ns(), next = UINT64_MAX;

	while (s->linger.head && s->linger.head->deadline <= now)
		conn_close(s, s->linger.head);
	while (s->o->idle_ns > 0 && s->active.head &&
	       s->active.head->deadline <= now) {
		struct conn *c = s->active.head;

		logf_client("closed", &c->addr, c->addrlen,
			    "idle for %.3g s (--idle-timeout)",
			    (double)s->o->idle_ns / 1e9);
		conn_close(s, c);
	}
	if (s->linger.head)
		next = s->linger.head->deadline;
	if (s->o->idle_ns > 0 && s->active.head &&
	    s->active.head->deadline < next)
		next = s->active.head->deadline;
	if (next == UINT64_MAX)
		return -1;
	/* Round up, plus the coarse clock's tick, so we wake after it. */
	return (int)((next - now) / 1000000u + 5);
}

static int
add_fd(struct server *s, int fd, void *tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e);
}

/* A TCP listener and a UDP socket on addr; with reuseport, more loops
** can bind the same.  0, or -1 with errno set. */
static int
open_pair(struct server *s, const struct sockaddr *addr, socklen_t len,
	  int reuseport)
{
	int one = 1;

	s->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport &&
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return -1;
	if (bind(s->lfd, addr, len) < 0 || listen(s->lfd, 4096) < 0)
		return -1;
	s->ufd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (s->ufd < 0)
		return -1;
	if (reuseport &&
	    setsockopt(s->ufd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		return -1;
	/* UDP on the port TCP got (it differs from addr's with port 0). */
	{
		struct sockaddr_storage b;
		socklen_t blen = sizeof(b);

		if (getsockname(s->lfd, (struct sockaddr *)&b, &blen) < 0 ||
		    bind(s->ufd, (struct sockaddr *)&b, blen) < 0)
			return -1;
	}
	return 0;
}

static void
close_pair(struct server *s)
{
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ufd >= 0)
		close(s->ufd);
	s->lfd = s->ufd = -1;
}

/* Bind TCP and UDP on one port for every loop; with port 0, retry if the
** kernel's pick for TCP is taken for UDP.  Fills *bound. */
static int
bind_all(struct server *sv, unsigned n, const struct serve_opts *o,
	 struct sockaddr_storage *bound, socklen_t *blen, struct dyno_err *err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai;
	char port[16], a[NI_MAXHOST + NI_MAXSERV + 4];
	int rc;

	snprintf(port, sizeof(port), "%d", o->port);
	if ((rc = getaddrinfo(o->bind, port, &hints, &ai)) != 0)
		return dyno_err_set(err, DYNO_EINVAL, "serve: --bind '%s': %s "
				    "(expected an address or host name)",
				    o->bind, gai_strerror(rc));
	for (int tries = 0; tries < 20; tries++) {
		unsigned i;

		if (open_pair(&sv[0], ai->ai_addr, ai->ai_addrlen, n > 1) < 0) {
			rc = errno;
			close_pair(&sv[0]);
			if (rc == EADDRINUSE && o->port == 0)
				continue;
			break;
		}
		*blen = sizeof(*bound);
		getsockname(sv[0].lfd, (struct sockaddr *)bound, blen);
		for (i = 1; i < n; i++)
			if (open_pair(&sv[i], (struct sockaddr *)bound, *blen,
				      1) < 0)
				break;
		if (i == n) {
			freeaddrinfo(ai);
			return 0;
		}
		rc = errno;
		for (unsigned k = 0; k <= i && k < n; k++)
			close_pair(&sv[k]);
		if (rc != EADDRINUSE || o->port != 0)
			break;
	}
	dyno_err_set(err, DYNO_EIO, "serve: cannot listen on %s: %s",
		     addr_str(ai->ai_addr, ai->ai_addrlen, a, sizeof(a)),
		     strerror(rc));
	freeaddrinfo(ai);
	return DYNO_EIO;
}

void
serve_opts_default(struct serve_opts *o)
{
	o->bind = "127.0.0.1";
	o->port = SERVE_PORT;
	o->max_conns = 1024;
	o->max_msg = 16u << 20;
	o->idle_ns = 30000000000u;
	o->threads = 1;
	o->busy_poll_ns = 0;
}

/* Enough descriptors for max_conns: raise the soft limit to the hard. */
static void
raise_nofile(unsigned want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want + 64u) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* One loop's epoll set and buffers; its sockets are already bound. */
static int
loop_init(struct server *s, int sfd)
{
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0 || add_fd(s, s->lfd, &tag_listen) < 0 ||
	    add_fd(s, s->ufd, &tag_udp) < 0 ||
	    add_fd(s, s->sh->stopfd, &tag_stop) < 0 ||
	    (sfd >= 0 && add_fd(s, sfd, &tag_signal) < 0))
		return -1;
	s->sfd = sfd;
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	s->inbuf = xmalloc(IOBUF);
	s->fill = xmalloc(IOBUF);
	for (size_t i = 0; i < IOBUF; i++)
		s->fill[i] = (char)('a' + i % 26);
	s->udp = xmalloc(UDP_BUF);
	return 0;
}

/*
** Wait for events.  With --busy-poll, while a bulk stream is open, poll
** first: on loopback (and a VM's virtio path) the sender's CPU does the
** receiver's TCP work and must interrupt a halted receiver CPU to wake
** it, 20-23% of the sender's cycles here.  A receiver that never sleeps
** moves more data per second there; one that sleeps between reads is what
** iperf3 -s and most applications are, hence the default 0.  RR and HTTP
** connections never poll, so their latencies keep a sleeping server's
** wake-up, as sockperf's and nginx's have.
*/
static int
loop_wait(struct server *s, struct epoll_event *evs, int max)
{
	int timeout = sweep(s), n;

	if (s->nbulk > 0 && s->o->busy_poll_ns > 0 && timeout != 0) {
		struct timespec t0, t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			if ((n = epoll_wait(s->ep, evs, max, 0)) != 0)
				return n;
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (!s->stop && (uint64_t)(t.tv_sec - t0.tv_sec) *
			 1000000000u + (uint64_t)t.tv_nsec -
			 (uint64_t)t0.tv_nsec < s->o->busy_poll_ns);
	}
	return epoll_wait(s->ep, evs, max, timeout);
}

/* Run one loop until the stop eventfd fires. */
static void *
loop_run(void *arg)
{
	struct server *s = arg;
	struct epoll_event evs[256];

	while (!s->stop) {
		int n = loop_wait(s, evs, 256);

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "dyno serve: epoll_wait: %s\n",
				strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_listen)
				run_listener(s);
			else if (p == &tag_udp)
				run_udp(s);
			else if (p == &tag_signal)
				run_signal(s);
			else if (p == &tag_stop)
				s->stop = 1;
			else
				conn_event(s, p, evs[i].events);
		}
	}
	return NULL;
}

/* Close a loop's connections and sockets, free its buffers. */
static void
loop_fini(struct server *s)
{
	while (s->active.head)
		conn_close(s, s->active.head);
	while (s->linger.head)
		conn_close(s, s->linger.head);
	close_pair(s);
	if (s->ep >= 0)
		close(s->ep);
	if (s->spare >= 0)
		close(s->spare);
	free(s->inbuf);
	free(s->fill);
	free(s->udp);
}

int
serve_run(const struct serve_opts *o, struct dyno_err *err)
{
	unsigned n = o->threads > 0 ? o->threads : 1, started = 0;
	struct shared sh = { .o = o, .stopfd = -1 };
	struct server *sv = xcalloc(n, sizeof(*sv));
	pthread_t *tid = xcalloc(n, sizeof(*tid));
	struct sockaddr_storage bound;
	socklen_t blen;
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_int, old_term;
	sigset_t mask, old;
	char a[NI_MAXHOST + NI_MAXSERV + 4];
	int rc, sfd = -1;

	for (unsigned i = 0; i < n; i++) {
		sv[i].o = o;
		sv[i].sh = &sh;
		sv[i].ep = sv[i].lfd = sv[i].ufd = sv[i].sfd = -1;
		sv[i].spare = -1;
	}
	raise_nofile(o->max_conns + 3 * n);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* Blocked before any thread starts, so all inherit it and the
	** signals reach only the signalfd. */
	sigprocmask(SIG_BLOCK, &mask, &old);
	/* An ignored signal never reaches a signalfd, and a shell starts
	** background jobs with SIGINT ignored: `kill -INT` must still stop
	** us.  Blocked first, so the default action cannot run. */
	sigaction(SIGINT, &dfl, &old_int);
	sigaction(SIGTERM, &dfl, &old_term);
	if ((rc = bind_all(sv, n, o, &bound, &blen, err)) < 0)
		goto out;
	sh.stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sh.stopfd < 0 || sfd < 0) {
		rc = dyno_err_set(err, DYNO_EIO, "serve: set-up: %s",
				  strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		if (loop_init(&sv[i], i == 0 ? sfd : -1) < 0) {
			rc = dyno_err_set(err, DYNO_EIO, "serve: epoll set-up: "
					  "%s", strerror(errno));
			goto out;
		}
	for (started = 1; started < n; started++)
		if ((rc = pthread_create(&tid[started], NULL, loop_run,
					 &sv[started])) != 0) {
			rc = dyno_err_set(err, DYNO_EIO, "serve: --threads: %s",
					  strerror(rc));
			goto stop;
		}
	printf("dyno serve: listening on %s\n",
	       addr_str((struct sockaddr *)&bound, blen, a, sizeof(a)));
	fflush(stdout);
	loop_run(&sv[0]);
	rc = 0;
stop:
	/* However loop 0 ended, the others stop too. */
	if (sh.stopfd >= 0) {
		uint64_t one = 1;

		if (write(sh.stopfd, &one, sizeof(one)) < 0)
			rc = rc < 0 ? rc : dyno_err_set(err, DYNO_EIO,
			    "serve: stopping: %s", strerror(errno));
	}
	for (unsigned i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
out:
	for (unsigned i = 0; i < n; i++)
		loop_fini(&sv[i]);
	if (sfd >= 0)
		close(sfd);
	if (sh.stopfd >= 0)
		close(sh.stopfd);
	free(sv);
	free(tid);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

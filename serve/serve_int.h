/*
** serve_int.h - what the files of `dyno serve` share: a connection, an
** event loop, and the calls between them.  Calls go one way: the loop
** (serve.c) calls the handlers that move a connection's bytes
** (serve_modes.c: the hello and the wire.h modes; serve_http_conn.c:
** HTTP/1.1), and both call serve_conn.c (a connection's lifetime, I/O).
*/
#ifndef DYNO_SERVE_INT_H
#define DYNO_SERVE_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <dyno/plugin.h>

#include "clock.h"
#include "serve.h"
#include "serve_http.h"
#include "wire.h"

#define IOBUF (256 * 1024)        /* one read or write at most */
#define BUDGET 64                 /* system calls per connection per wake-up */

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
	struct serve_http_parser *http; /* owned, HTTP only */
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

static inline size_t
serve_min_sz(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

/* serve_conn.c: a connection's lifetime and I/O. */

/* "127.0.0.1:5555" or "[::1]:5555" into buf (n bytes); returns buf. */
const char *serve_addr_str(const struct sockaddr *sa, socklen_t len,
			   char *buf, size_t n);
/* One line on stderr about a client: "dyno serve: VERB ADDR: why". */
void serve_log_client(const char *verb, const struct sockaddr_storage *ss,
		      socklen_t len, const char *fmt, ...) DYNO_PRINTF(4, 5);
/* Take the accepted socket fd from client ss onto s's active list, or
** refuse it (logged, closed) when --max-conns are open already. */
void serve_conn_accept(struct server *s, int fd, struct sockaddr_storage *ss,
		       socklen_t len);
/* Close c, take it off its list and free it. */
void serve_conn_close(struct server *s, struct conn *c);
/* Register interest in ev (EPOLLIN, EPOLLOUT) for c, if it changed. */
void serve_set_events(struct server *s, struct conn *c, uint32_t ev);
/* Progress: push the idle deadline back. */
void serve_touch(struct server *s, struct conn *c);
/* Answered and done: stop writing, drain what the client still sends so
** it reads our answer rather than a reset, close at EOF or LINGER_NS
** (serve_conn.c). */
void serve_linger(struct server *s, struct conn *c);
/* recv that retries EINTR; -2 for EAGAIN, -1 for an error. */
ssize_t serve_rd(int fd, void *buf, size_t n);
/* send that retries EINTR and never raises SIGPIPE; -2 EAGAIN, -1 error. */
ssize_t serve_wr(int fd, const void *buf, size_t n);

/*
** The handlers conn_event calls when c's socket is ready, one per state.
** Each moves bytes until EAGAIN or BUDGET system calls, registers for
** what it waits on, and returns 0, or -1 to close c.
*/
int serve_on_hello(struct server *s, struct conn *c);
int serve_on_rr(struct server *s, struct conn *c);
int serve_on_sink(struct server *s, struct conn *c);
int serve_on_source(struct server *s, struct conn *c);
int serve_on_http(struct server *s, struct conn *c);
/* The hello began with an HTTP method: c speaks HTTP from now on,
** starting with the hello bytes already read.  As a handler returns. */
int serve_begin_http(struct server *s, struct conn *c);

#endif

/*
** serve_conn.c - a `dyno serve` connection's lifetime and I/O: accepted
** onto the loop's active list, its deadline pushed back on progress,
** lingering after an error answer, closed; the reads, writes and log
** lines the handlers use.  Knows no protocol.
*/
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_int.h"
#include "xmalloc.h"

#define LINGER_NS 2000000000ull   /* drain time after an error answer */

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

const char *
serve_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
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

void
serve_log_client(const char *verb, const struct sockaddr_storage *ss,
		 socklen_t len, const char *fmt, ...)
{
	char a[NI_MAXHOST + NI_MAXSERV + 4], why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dyno serve: %s %s: %s\n", verb,
		serve_addr_str((const struct sockaddr *)ss, len, a, sizeof(a)),
		why);
}

void
serve_conn_close(struct server *s, struct conn *c)
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

void
serve_set_events(struct server *s, struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (ev != c->events && epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = ev;
}

void
serve_touch(struct server *s, struct conn *c)
{
	c->deadline = clock_coarse_ns() + s->o->idle_ns;
	if (s->active.tail != c) {
		list_remove(&s->active, c);
		list_append(&s->active, c);
	}
}

void
serve_linger(struct server *s, struct conn *c)
{
	list_remove(&s->active, c);
	c->state = C_LINGER;
	c->deadline = clock_coarse_ns() + LINGER_NS;
	list_append(&s->linger, c);
	shutdown(c->fd, SHUT_WR);
	serve_set_events(s, c, EPOLLIN);
}

ssize_t
serve_rd(int fd, void *buf, size_t n)
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

ssize_t
serve_wr(int fd, const void *buf, size_t n)
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

void
serve_conn_accept(struct server *s, int fd, struct sockaddr_storage *ss,
		  socklen_t len)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct conn *c;
	int one = 1;

	if (atomic_fetch_add(&s->sh->nconns, 1) >= s->o->max_conns) {
		atomic_fetch_sub(&s->sh->nconns, 1);
		serve_log_client("refused", ss, len, "%u connections already",
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
		serve_log_client("refused", ss, len, "epoll: %s",
				 strerror(errno));
		close(fd);
		free(c);
		atomic_fetch_sub(&s->sh->nconns, 1);
		return;
	}
	c->deadline = clock_coarse_ns() + s->o->idle_ns;
	list_append(&s->active, c);
}

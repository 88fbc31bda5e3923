/*
** serve.c - `dyno serve`: one epoll loop serving serve/wire.h over TCP
** (hello + RR/SINK/SOURCE, or HTTP/1.1) and UDP on the same port.  This
** file holds the set-up and the loops: their sockets (listener, UDP echo,
** signals), deadlines and dispatch.  A connection's lifetime is in
** serve_conn.c, the handlers that move its bytes in serve_modes.c and
** serve_http_conn.c.
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
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "serve_int.h"
#include "xmalloc.h"

#define UDP_BUF 65536

/* epoll tags for the descriptors that are not connections. */
static char tag_listen, tag_udp, tag_signal, tag_stop;

/* ---- sockets that are not connections --------------------------------- */

static void
run_listener(struct server *s)
{
	for (int k = 0; k < BUDGET; k++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			serve_conn_accept(s, fd, &ss, len);
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
				serve_log_client("refused", &ss, len,
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
		serve_conn_close(s, c);
		return;
	}
	switch (c->state) {
	case C_HELLO: rc = serve_on_hello(s, c); break;
	case C_RR: rc = serve_on_rr(s, c); break;
	case C_SINK: rc = serve_on_sink(s, c); break;
	case C_SOURCE: rc = serve_on_source(s, c); break;
	case C_HTTP: rc = serve_on_http(s, c); break;
	default: {
		ssize_t n;

		rc = 0;
		for (int k = 0; k < BUDGET && rc == 0; k++)
			if ((n = serve_rd(c->fd, s->inbuf, IOBUF)) == -2)
				break;
			else if (n <= 0)
				rc = -1;
	}
	}
	if (rc < 0)
		serve_conn_close(s, c);
}

/* Close what is past its deadline; the milliseconds until the next one
** (-1: none). */
static int
sweep(struct server *s)
{
	uint64_t now = clock_coarse_ns();
	uint64_t next = UINT64_MAX;

	while (s->linger.head && s->linger.head->deadline <= now)
		serve_conn_close(s, s->linger.head);
	while (s->o->idle_ns > 0 && s->active.head &&
	       s->active.head->deadline <= now) {
		struct conn *c = s->active.head;

		serve_log_client("closed", &c->addr, c->addrlen,
				 "idle for %.3g s (--idle-timeout)",
				 (double)s->o->idle_ns / 1e9);
		serve_conn_close(s, c);
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
		     serve_addr_str(ai->ai_addr, ai->ai_addrlen, a, sizeof(a)),
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
		uint64_t t0 = clock_now_ns();

		do {
			if ((n = epoll_wait(s->ep, evs, max, 0)) != 0)
				return n;
		} while (!s->stop && clock_now_ns() - t0 <
			 s->o->busy_poll_ns);
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
		serve_conn_close(s, s->active.head);
	while (s->linger.head)
		serve_conn_close(s, s->linger.head);
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
	       serve_addr_str((struct sockaddr *)&bound, blen, a, sizeof(a)));
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

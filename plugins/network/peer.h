/*
** peer.h - where the network probes send to: the `peer` parameter
** (host:port of a `dyno serve`), or a `dyno serve` the probe starts itself
** on a free loopback port and stops afterwards, and CPU pinning of both
** ends.  Private to plugins/network.
*/
#ifndef NETWORK_PEER_H
#define NETWORK_PEER_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <dyno/plugin.h>

struct peer {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[300];   /* "host:port", as messages name it */
	pid_t pid;        /* the dyno serve this probe started, or 0 */
	int server_cpu;   /* where that server is pinned, -1 not pinned */
	/* Private to peer.c, valid while pid > 0: the started server's
	** stdout (read end, kept open so late lines never hit a closed pipe)
	** and its stderr (a memfd, read for the reason when it fails). */
	int out_fd, err_fd;
};

/*
** Opens the peer of a probe: with `peer` set, resolves it (bad input ->
** h->fail naming it and what was expected: "peer 'x': expected host:port");
** empty, starts `dyno serve --bind 127.0.0.1 --port 0` (this process's own
** executable, /proc/self/exe; with --max-conns raised when conns, the
** connections the probe will hold open at once, needs it) in a child
** pinned to `server_cpu` (when >= 0), reads the port from its first line, and records the artifacts
** `peer` and `server_cpu`.  Pins the calling thread to `client_cpu` (when
** >= 0; artifact `client_cpu`).  Returns DYNO_OK or what h->fail/skip
** returned.
*/
int peer_open(const struct dyno_host *h, struct dyno_ctx *ctx, struct peer *p,
	      unsigned conns);

/* Stops a server peer_open started (SIGTERM, SIGKILL after 2 s, reap). */
void peer_close(struct peer *p);

/* A connected TCP socket to the peer (TCP_NODELAY set), or -errno. */
int peer_connect(const struct peer *p);

/* The standard parameters every network probe takes, to splice into a
** probe's dyno_param array. */
#define PEER_PARAMS                                                          \
	{ .name = "peer", .type = DYNO_PARAM_STRING, .def = "",                \
	  .help = "host:port of a dyno serve (empty: start one on a free loopback port)" }, \
	{ .name = "duration", .type = DYNO_PARAM_DURATION, .def = "3s",        \
	  .min = "100ms", .max = "1h", .help = "how long to measure" },        \
	{ .name = "warmup", .type = DYNO_PARAM_DURATION, .def = "200ms",       \
	  .min = "0", .max = "1m", .help = "traffic before measuring, not recorded" }, \
	{ .name = "client_cpu", .type = DYNO_PARAM_INT, .def = "-1",           \
	  .min = "-1", .max = "4095", .help = "CPU to pin the probe to (-1: not pinned)" }, \
	{ .name = "server_cpu", .type = DYNO_PARAM_INT, .def = "-1",           \
	  .min = "-1", .max = "4095", .help = "CPU to pin the started server to (-1: not pinned; ignored with peer)" }

#endif /* NETWORK_PEER_H */

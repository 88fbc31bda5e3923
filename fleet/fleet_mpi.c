/* fleet_mpi.c - the MPI transport of fleet runs, built as fleet_mpi.so (--with-mpi). */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet_transport.h"

const struct fleet_transport *dyno_fleet_transport_v1(void);

/* The node pairs' communicator (a dup of the world). */
static MPI_Comm pairs = MPI_COMM_NULL;
/* How long a pair waits for its peer: the last barrier's timeout. */
static uint64_t pair_timeout_ns;
/* The suite's barriers' communicator (another dup): a barrier that timed
** out leaves its request posted, which must not meet the pairs'. */
static MPI_Comm sync_comm = MPI_COMM_NULL;

static int
mpi_init(struct fleet_where *w, char *err, size_t n)
{
	MPI_Comm node;
	int provided = 0, leader;

	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided) !=
	    MPI_SUCCESS) {
		snprintf(err, n, "MPI_Init_thread failed");
		return -1;
	}
	if (provided < MPI_THREAD_SERIALIZED) {
		snprintf(err, n, "this MPI gives thread level %d; the fleet "
		    "thread needs MPI_THREAD_SERIALIZED", provided);
		MPI_Finalize();
		return -1;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &w->nranks);
	/* The ranks of one node agree on a leader, who alone runs the
	** probes that must have the node to themselves. */
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
	    MPI_INFO_NULL, &node);
	MPI_Comm_rank(node, &w->node_rank);
	MPI_Comm_size(node, &w->node_size);
	leader = w->rank;
	MPI_Bcast(&leader, 1, MPI_INT, 0, node);
	w->node_leader = leader;
	MPI_Comm_free(&node);
	MPI_Comm_dup(MPI_COMM_WORLD, &pairs);
	MPI_Comm_dup(MPI_COMM_WORLD, &sync_comm);
	w->pairs_ok = provided >= MPI_THREAD_MULTIPLE;
	return 0;
}

/* Wait for req, polled, at most timeout_ns: 0, or -1 (the request stays
** posted: the job is ending, or its barriers are given up). */
static int
wait_until(MPI_Request *req, uint64_t timeout_ns)
{
	struct timespec now, end, nap = { 0, 100000 };
	int done = 0;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)(timeout_ns / 1000000000u);
	end.tv_nsec += (long)(timeout_ns % 1000000000u);
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		MPI_Test(req, &done, MPI_STATUS_IGNORE);
		if (done)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec))
			return -1;
		nanosleep(&nap, NULL);
	}
}

static int
mpi_barrier(uint64_t timeout_ns)
{
	MPI_Request req;

	pair_timeout_ns = timeout_ns;
	MPI_Ibarrier(pairs, &req);
	return wait_until(&req, timeout_ns);
}

/*
** A barrier that also checks every rank came to the same one: the max of
** key and of its complement gives the largest and (complemented) the
** smallest key.  Static buffers: a request that timed out still writes
** them if the missing rank comes late.
*/
static int
mpi_agree(uint32_t key, uint64_t timeout_ns)
{
	static unsigned long in[2], out[2];
	MPI_Request req;

	in[0] = key;
	in[1] = ~key & 0xffffffffu;
	MPI_Iallreduce(in, out, 2, MPI_UNSIGNED_LONG, MPI_MAX, sync_comm,
	    &req);
	if (wait_until(&req, timeout_ns) < 0)
		return -1;
	return out[0] == in[0] && out[1] == in[1] ? 0 : 1;
}

/*
** Wait for n requests, at most pair_timeout_ns: a peer that gave up on
** the pairs (its barrier timed out while this rank's went through) must
** not hold this rank forever.  0, or -2 when the peer did not answer (the
** requests are left: the job ends soon).
*/
static int
wait_peer(int n, MPI_Request *req)
{
	struct timespec t0, now;
	int done = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Polled as MPI_Recv polls (no sleep: it would be in the latency),
	** the clock read once in 1024 tries. */
	for (unsigned i = 1;; i++) {
		MPI_Testall(n, req, &done, MPI_STATUSES_IGNORE);
		if (done)
			return 0;
		if (i % 1024 != 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - t0.tv_sec) * 1000000000u +
		    (uint64_t)(now.tv_nsec - t0.tv_nsec) > pair_timeout_ns)
			return -2;
	}
}

/* MPI_Recv that gives up after pair_timeout_ns. */
static int
recv_peer(void *buf, int n, int peer, int tag)
{
	MPI_Request r;

	MPI_Irecv(buf, n, MPI_CHAR, peer, tag, pairs, &r);
	return wait_peer(1, &r);
}

static int
mpi_pingpong(int peer, int initiator, size_t bytes, int n, double *out)
{
	char *buf = calloc(bytes ? bytes : 1, 1);
	int warm = n / 10 + 10;

	if (buf == NULL || bytes > (size_t)INT_MAX) {
		free(buf);
		return -1;
	}
	for (int i = -warm; i < n; i++) {
		double t0 = MPI_Wtime();

		if (initiator) {
			MPI_Send(buf, (int)bytes, MPI_CHAR, peer, 1, pairs);
			if (recv_peer(buf, (int)bytes, peer, 1) < 0)
				goto gone;
			if (i >= 0)
				out[i] = (MPI_Wtime() - t0) / 2;
		} else {
			if (recv_peer(buf, (int)bytes, peer, 1) < 0)
				goto gone;
			MPI_Send(buf, (int)bytes, MPI_CHAR, peer, 1, pairs);
		}
	}
	free(buf);
	return 0;
gone:
	free(buf);
	return -2;
}

static int
mpi_bandwidth(int peer, int sender, size_t bytes, int window, int n,
	      double *out)
{
	char *buf = calloc(bytes ? bytes : 1, 1), ack = 0;
	MPI_Request *req = calloc((size_t)window, sizeof(*req));
	int warm = 2;

	if (buf == NULL || req == NULL || bytes > (size_t)INT_MAX) {
		free(buf);
		free(req);
		return -1;
	}
	for (int i = -warm; i < n; i++) {
		double t0 = MPI_Wtime();

		for (int w = 0; w < window; w++) {
			if (sender)
				MPI_Isend(buf, (int)bytes, MPI_CHAR, peer, 2,
				    pairs, &req[w]);
			else
				MPI_Irecv(buf, (int)bytes, MPI_CHAR, peer, 2,
				    pairs, &req[w]);
		}
		if (wait_peer(window, req) < 0 ||
		    (sender && recv_peer(&ack, 1, peer, 3) < 0)) {
			free(buf);
			free(req);
			return -2;
		}
		if (sender) {
			if (i >= 0)
				out[i] = (double)bytes * window /
				    (MPI_Wtime() - t0);
		} else {
			MPI_Send(&ack, 1, MPI_CHAR, peer, 3, pairs);
		}
	}
	free(buf);
	free(req);
	return 0;
}

static int
mpi_send(int tag, const char *buf, size_t len)
{
	if (len > (size_t)INT_MAX)
		return -1;
	return MPI_Send(buf, (int)len, MPI_CHAR, 0, tag, MPI_COMM_WORLD) ==
	    MPI_SUCCESS ? 0 : -1;
}

static int
mpi_poll(int *src, int *tag, char **buf, size_t *len)
{
	MPI_Status st;
	int flag = 0, count = 0;

	if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag,
	    &st) != MPI_SUCCESS)
		return -1;
	if (!flag)
		return 0;
	MPI_Get_count(&st, MPI_CHAR, &count);
	if ((*buf = malloc((size_t)count + 1)) == NULL)
		return -1;
	if (MPI_Recv(*buf, count, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG,
	    MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
		free(*buf);
		return -1;
	}
	(*buf)[count] = '\0';
	*len = (size_t)count;
	*src = st.MPI_SOURCE;
	*tag = st.MPI_TAG;
	return 1;
}

static void
mpi_finalize(void)
{
	if (pairs != MPI_COMM_NULL)
		MPI_Comm_free(&pairs);
	if (sync_comm != MPI_COMM_NULL)
		MPI_Comm_free(&sync_comm);
	MPI_Finalize();
}

static void
mpi_abort(int code)
{
	MPI_Abort(MPI_COMM_WORLD, code);
}

const struct fleet_transport *
dyno_fleet_transport_v1(void)
{
	static const struct fleet_transport t = {
		.size = sizeof(struct fleet_transport),
		.init = mpi_init,
		.send = mpi_send,
		.poll = mpi_poll,
		.finalize = mpi_finalize,
		.abort = mpi_abort,
		.barrier = mpi_barrier,
		.pingpong = mpi_pingpong,
		.bandwidth = mpi_bandwidth,
		.agree = mpi_agree
	};

	return &t;
}

/*
** fleet_transport.h - the table the MPI module (fleet_mpi.so) gives the
** fleet code, so that dyno itself never links MPI: a run without --fleet
** never loads libmpi, and a build without MPI still has everything else.
*/
#ifndef DYNO_FLEET_TRANSPORT_H
#define DYNO_FLEET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

/* Message tags (each message is one JSON text, or empty for a beat). */
enum fleet_tag {
	FLEET_TAG_HELLO = 1,      /* {rank, hostname, fingerprint, ...} */
	FLEET_TAG_RECORD = 2,     /* one finished result record */
	FLEET_TAG_BEAT = 3,       /* still alive; no body */
	FLEET_TAG_DONE = 4        /* {summary, verdicts, exit_code, ...} */
};

struct fleet_where {
	int rank, nranks;         /* in the whole job */
	int node_rank, node_size; /* among the ranks that share this node */
	int node_leader;          /* the job rank of this node's first rank */
	int pairs_ok;             /* MPI_THREAD_MULTIPLE: node pairs can run */
};

struct fleet_transport {
	size_t size;              /* sizeof(struct fleet_transport) */
	/* Start MPI (thread level SERIALIZED: the fleet thread makes every
	** call between init and finalize).  0, or -1 with why in err. */
	int (*init)(struct fleet_where *w, char *err, size_t n);
	/* Send len bytes to rank 0 (blocking).  0 or -1. */
	int (*send)(int tag, const char *buf, size_t len);
	/* One waiting message, if any: 1 (buf malloc'd, NUL-terminated),
	** 0 none, -1 error. */
	int (*poll)(int *src, int *tag, char **buf, size_t *len);
	void (*finalize)(void);
	/* End the whole job (ranks that hang included) with code. */
	void (*abort)(int code);

	/* Node pairs (fleet_pairs.c), on a communicator of their own so
	** that rank 0's receiving never takes their messages.  Callable
	** from the main thread while the fleet thread runs only when
	** init got MPI_THREAD_MULTIPLE (fleet_where.pairs_ok). */
	/* Every rank here within timeout_ns: 0, or -1 (a rank missing). */
	int (*barrier)(uint64_t timeout_ns);
	/* OSU-style latency with peer: n round trips of bytes, each one's
	** time / 2 into out (the initiator's; the other only echoes).
	** This and bandwidth: 0, -1 out of memory, -2 the peer did not
	** answer within the last barrier's timeout. */
	int (*pingpong)(int peer, int initiator, size_t bytes, int n,
			double *out);
	/* OSU-style bandwidth to peer: n times a window of sends of bytes
	** and an ack; bytes x window / time into out (the sender's). */
	int (*bandwidth)(int peer, int sender, size_t bytes, int window,
			 int n, double *out);

	/* The suite's barriers (dyno.fleet.barrier), on a communicator of
	** their own, from the main thread under the same condition as the
	** pairs (fleet_where.pairs_ok).  Every rank here within timeout_ns
	** with the same key: 0; here but with different keys: 1; a rank
	** missing: -1 (this rank's part stays posted: give up on them). */
	int (*agree)(uint32_t key, uint64_t timeout_ns);
};

/* The module's one symbol. */
typedef const struct fleet_transport *(*fleet_transport_fn)(void);
#define FLEET_TRANSPORT_SYMBOL "dyno_fleet_transport_v1"

#endif

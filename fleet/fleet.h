/*
** fleet.h - fleet runs: one suite on every rank of an MPI job (mpirun,
** srun), each finished record streamed to rank 0, which appends it to the
** JSON-lines store as it comes and writes one run document with a `fleet`
** member (nodes, per-node records, fleet statistics).
**
** MPI itself is in fleet_mpi.so, opened at run time (fleet_transport.h):
** this code, and dyno, link no MPI.
*/
#ifndef DYNO_FLEET_H
#define DYNO_FLEET_H

#include <stdint.h>
#include <jansson.h>

#include "err.h"

struct suite;
struct fleet;

struct fleet_opts {
	uint64_t timeout_ns;      /* a rank silent this long is lost */
	double outlier_z;         /* |robust z| above this: outlier node */
	const char *store;        /* rank 0's JSON-lines store */
};

#define FLEET_DEFAULT_TIMEOUT_NS (30 * 1000000000ull)
#define FLEET_DEFAULT_OUTLIER_Z 3.5
/* How often a rank says it is alive while its suite runs. */
#define FLEET_BEAT_NS 1000000000ull

/* Where fleet_mpi.so is looked for (build tree, then installed). */
char *fleet_module_path(void);

/*
** Open the MPI module and start MPI.  On error (no MPI in this build, the
** module or libmpi cannot be opened) returns NULL with a one-line message
** that says how to get it.
*/
struct fleet *fleet_start(const struct fleet_opts *o, struct dyno_err *err);
int fleet_rank(const struct fleet *f);
/* Rank 0's store (path borrowed until fleet_end). */
void fleet_set_store(struct fleet *f, const char *path);

/*
** Hook the suite (records streamed, node-exclusive probes left to the
** node's leader), open the store on rank 0, say hello with the inventory
** (its fingerprint) and hw (the summary), and start the fleet thread.
** Returns 0, or a negative DYNO_E* (the store cannot be opened).
*/
int fleet_attach(struct fleet *f, struct suite *s, const json_t *inventory,
		 const json_t *hw, struct dyno_err *err);

/*
** Node pairs (fleet_pairs.c), on every rank after its suite: mode "ring"
** (each rank with the next) or "all" (every pair), one pair at a time:
** network.mpi_pingpong (8-byte latency) and network.mpi_bandwidth (1 MiB
** messages, a window of 16), as the OSU micro-benchmarks measure them;
** the first rank of a pair sends the records.  Gives up when a rank does
** not come within the fleet timeout.
*/
void fleet_pairs(struct fleet *f, const char *mode, const json_t *host);

/*
** The suite has ended with doc (its own run document) and exit code.
** Every rank but 0 sends what rank 0 needs and returns 0 (its verdicts are
** rank 0's to judge).  Rank 0 waits for every rank to finish or be lost,
** replaces *doc with the fleet document (which it takes over) and returns
** the fleet's exit code: the worst rank's, 2 when a rank was lost.
*/
int fleet_finish(struct fleet *f, json_t **doc, int code);

/* End MPI (rank 0 ends the whole job when a rank was lost: a hung rank
** would hold MPI_Finalize forever) and free f. */
void fleet_end(struct fleet *f, int code);

/*
** Fleet statistics (fleet_stats.c) over the records of a fleet document:
** per probe, parameters and metric, the merged histogram and its
** distribution, each node's median, and outlier nodes by robust z of the
** node medians (|z| > z).  New reference.
*/
json_t *fleet_stats(const json_t *records, double z);

/*
** The fleet document again from rank 0's store (JSON lines of records,
** each with its node) and, beside it, the store's .nodes file (each
** rank's hello and done) after rank 0 died (fleet_rebuild.c): the records
** stored, the nodes that said hello, those without a done marked lost,
** the statistics (outlier_z as --fleet-outlier-z).  A torn last line is
** dropped and counted.  NULL with err naming the file and line on a
** store that is no fleet store.  New reference.
*/
json_t *fleet_rebuild(const char *store, double outlier_z,
		      struct dyno_err *err);

/* Groups of nodes that share a fingerprint: [{fingerprint, ranks, hw}].
** New reference. */
json_t *fleet_groups(const json_t *nodes);

#endif

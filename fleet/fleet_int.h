/*
** fleet_int.h - what fleet.c (ranks, the fleet thread) and fleet_doc.c
** (rank 0's document) share.
*/
#ifndef DYNO_FLEET_INT_H
#define DYNO_FLEET_INT_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>

#include "fleet.h"
#include "fleet_transport.h"

enum fleet_node_status {
	FLEET_NODE_RUNNING,
	FLEET_NODE_DONE,
	FLEET_NODE_LOST
};

/* What rank 0 knows of one rank. */
struct fleet_node {
	enum fleet_node_status status;
	uint64_t last_seen_ns;
	json_t *hello;            /* {rank, hostname, fingerprint, hw, ...} */
	json_t *done;             /* {summary, verdicts, exit_code, ...} */
	size_t nrecords;
	size_t dropped;           /* messages that came after it was lost */
	char lost_why[256];
};

/* A message waiting for the fleet thread. */
struct fleet_msg {
	int tag;
	char *text;
	struct fleet_msg *next;
};

struct fleet {
	struct fleet_opts o;
	const struct fleet_transport *t;
	struct fleet_where w;
	char hostname[256];

	/* The queue from this rank's suite to the fleet thread. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fleet_msg *head, *tail;
	int thread_started;
	pthread_t thread;
	int io_error;             /* a send failed: rank 0 is gone */
	/* The suite's barriers: how many it passed, and why they are off
	** (a rank did not come: later ones would wait for it again). */
	unsigned nbarriers;
	char barriers_off[192];

	/* rank 0 only, owned by the fleet thread until it is joined */
	struct fleet_node *nodes;
	json_t *records;          /* every record, tagged, as they came */
	int store_fd;
	int nodes_fd;             /* the store's .nodes: hello and done */
	int store_dirty;          /* written since the last fsync */
	int nlost;
	/* what rank 0 received and how long it waited: the document says
	** it, as the measure of how the gather scales */
	uint64_t nmsg, nbytes, max_msg;
	uint64_t own_done_ns, all_done_ns;
};

/* Hand text (taken over) to the fleet thread: for rank 0, or rank 0's
** own, as if received. */
void fleet_enqueue(struct fleet *f, int tag, char *text);

/* The store's companion: each rank's hello and done as they came, one
** JSON line each, {"rank", "tag": "hello"|"done", "message"}, so that
** dyno fleet rebuild has the nodes as well as the records. */
#define FLEET_NODES_SUFFIX ".nodes"

/* Rank 0's fleet document from its own doc and what the ranks sent
** (fleet_doc.c).  Takes over doc; returns the new one. */
json_t *fleet_document(struct fleet *f, json_t *doc);
/* The fleet's exit code from each rank's. */
int fleet_exit_code(const struct fleet *f);

#endif

/* fleet_mpi.c - the MPI transport of fleet runs, built as fleet_mpi.so (--with-mpi). */
#include <mpi.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_transport.h"

const struct fleet_transport *dyno_fleet_transport_v1(void);

static int
mpi_init(struct fleet_where *w, char *err, size_t n)
{
	MPI_Comm node;
	int provided = 0, leader;

	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) !=
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
		.abort = mpi_abort
	};

	return &t;
}

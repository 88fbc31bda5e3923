/*
** engine_uring.c - the io_uring engine (liburing): keeps up to `depth`
** requests in flight, submits what was queued when reaping, and reaps
** completions in batches.  How many I/Os one submission carries is the
** caller's choice (`batch`).  Built only when HAVE_LIBURING is defined.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_TMPFILE, O_DIRECT, statx, unlinkat */
#endif
#ifdef HAVE_LIBURING
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <liburing.h>

#include "engine.h"

struct storage_uring {
	struct io_uring ring;
	unsigned queued; /* prepared, not yet passed to io_uring_submit */
	unsigned batch;  /* submit once this many are queued */
	int disabled;    /* created IORING_SETUP_R_DISABLED: enable on first use */
	int deferred;    /* IORING_SETUP_DEFER_TASKRUN */
};

/* Hands the queued SQEs to the kernel.  With DEFER_TASKRUN completions
** are posted only when an io_uring_enter asks for events, so each
** submission asks (min_complete 0), as fio's commit does: what finished
** is then in the CQ ring for reap() to take without another call.
** liburing has io_uring_submit_and_get_events from 2.3, the release that
** also defines IORING_SETUP_DEFER_TASKRUN. */
static int
storage_uring_push(struct storage_uring *u)
{
#ifdef IORING_SETUP_DEFER_TASKRUN
	if (u->deferred)
		return io_uring_submit_and_get_events(&u->ring);
#endif
	return io_uring_submit(&u->ring);
}

/* The ring is made in the thread that sets the probe up and used by a
** worker: with SINGLE_ISSUER and DEFER_TASKRUN only the task that enables
** it may submit and reap, so the worker enables it on its first call. */
static int
storage_uring_enable(struct storage_uring *u)
{
#ifdef IORING_SETUP_R_DISABLED
	if (u->disabled) {
		/* liburing 2.3 declares io_uring_enable_rings but does not
		** export it: the register call itself. */
		if (syscall(__NR_io_uring_register, u->ring.ring_fd,
			    IORING_REGISTER_ENABLE_RINGS, NULL, 0) != 0)
			return -errno;
		u->disabled = 0;
	}
#else
	(void)u;
#endif
	return 0;
}

static int
storage_uring_submit(struct storage_engine *e, struct storage_req *r)
{
	struct storage_uring *u = e->priv;
	struct io_uring_sqe *sqe;
	int rc = storage_uring_enable(u);

	if (rc < 0)
		return rc;
	sqe = io_uring_get_sqe(&u->ring);
	if (sqe == NULL) {
		int n = storage_uring_push(u);

		if (n < 0)
			return n;
		u->queued = 0;
		sqe = io_uring_get_sqe(&u->ring);
		if (sqe == NULL)
			return -EBUSY;
	}
	switch (r->op) {
	case STORAGE_OP_READ:
		io_uring_prep_read(sqe, e->fd, r->buf, r->len, r->off);
		break;
	case STORAGE_OP_WRITE:
		io_uring_prep_write(sqe, e->fd, r->buf, r->len, r->off);
		break;
	case STORAGE_OP_FSYNC:
		io_uring_prep_fsync(sqe, e->fd, 0);
		break;
	case STORAGE_OP_FDATASYNC:
		io_uring_prep_fsync(sqe, e->fd, IORING_FSYNC_DATASYNC);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	u->queued++;
	e->inflight++;
	/* One io_uring_enter per `batch` I/Os, as fio's
	** iodepth_batch_submit; reap() submits a partial batch.  Batching is
	** not free: several I/Os handed over in one enter go through one
	** block-layer plug, and on a virtio disk at QD32 that measured 15-20%
	** fewer IOPS than submitting each at once (docs/performance.md). */
	if (u->queued >= u->batch || e->inflight >= e->depth) {
		int n = storage_uring_push(u);

		if (n < 0)
			return n;
		u->queued = 0;
	}
	return 0;
}

static int
storage_uring_reap(struct storage_engine *e, struct storage_req **done,
		   unsigned min, unsigned max)
{
	struct storage_uring *u = e->priv;
	struct io_uring_cqe *cqe;
	unsigned got = 0;
	int en = storage_uring_enable(u);

	if (en < 0)
		return en;
	if (min > e->inflight)
		min = e->inflight;
	if (u->queued > 0) {
		int n = min > 0 ? io_uring_submit_and_wait(&u->ring, min)
				: storage_uring_push(u);

		if (n < 0 && n != -EINTR)
			return n;
		u->queued = 0;
	}
	while (got < max && e->inflight > 0) {
		int rc;

		if (got < min)
			rc = io_uring_wait_cqe(&u->ring, &cqe);
		else
			rc = io_uring_peek_cqe(&u->ring, &cqe);
		if (rc == -EAGAIN)
			break;
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			return rc;
		struct storage_req *r = io_uring_cqe_get_data(cqe);

		r->res = cqe->res;
		io_uring_cqe_seen(&u->ring, cqe);
		done[got++] = r;
		e->inflight--;
	}
	return (int)got;
}

static void
storage_uring_close(struct storage_engine *e)
{
	struct storage_uring *u = e->priv;

	if (u != NULL) {
		io_uring_queue_exit(&u->ring);
		free(u);
	}
	e->priv = NULL;
}

static const struct storage_engine_ops storage_uring_ops = {
	.name = "io_uring",
	.submit = storage_uring_submit,
	.reap = storage_uring_reap,
	.close = storage_uring_close,
};

int
storage_uring_open(struct storage_engine *e, int fd, unsigned depth,
		   unsigned batch)
{
	struct storage_uring *u = calloc(1, sizeof(*u));
	int rc;

	if (u == NULL)
		return -ENOMEM;
	/* fio's io_uring engine asks for COOP_TASKRUN, SINGLE_ISSUER and
	** DEFER_TASKRUN: completions are posted when the submitter asks for
	** them instead of interrupting it with task work, which on a busy
	** 2-CPU guest changes what one I/O costs.  The same flags, so both
	** tools take the same path; older kernels refuse them (EINVAL), and
	** then fewer, as fio falls back. */
	{
		static const unsigned tries[] = {
#if defined(IORING_SETUP_DEFER_TASKRUN) && defined(IORING_SETUP_R_DISABLED)
			IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
				IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
#endif
#ifdef IORING_SETUP_COOP_TASKRUN
			IORING_SETUP_COOP_TASKRUN,
#endif
			0
		};

		rc = -EINVAL;
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			rc = io_uring_queue_init(depth, &u->ring, tries[i]);
			if (rc != -EINVAL)
				break;
		}
		if (rc < 0) {
			free(u);
			return rc;
		}
#ifdef IORING_SETUP_R_DISABLED
		u->disabled = (u->ring.flags & IORING_SETUP_R_DISABLED) != 0;
#endif
#ifdef IORING_SETUP_DEFER_TASKRUN
		u->deferred = (u->ring.flags & IORING_SETUP_DEFER_TASKRUN) != 0;
#endif
	}
	u->batch = batch > 0 ? batch : 1;
	e->ops = &storage_uring_ops;
	e->fd = fd;
	e->depth = depth;
	e->inflight = 0;
	e->priv = u;
	return 0;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int storage_uring_unused;
#endif

/*
** engine_psync.c - the psync engine: pread/pwrite/fsync/fdatasync, done
** synchronously inside submit(), like fio's psync.  One request at most is
** in flight, so `depth` has no meaning here (use jobs for parallelism).
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_TMPFILE, O_DIRECT, statx, unlinkat */
#endif
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "fileio.h"

/* The request done by the last submit(), until reaped. */
struct storage_psync {
	struct storage_req *done;
};

static int64_t
storage_psync_do(int fd, struct storage_req *r)
{
	switch (r->op) {
	case STORAGE_OP_FSYNC:
		return fsync(fd) == 0 ? 0 : -errno;
	case STORAGE_OP_FDATASYNC:
		return fdatasync(fd) == 0 ? 0 : -errno;
	case STORAGE_OP_READ:
	case STORAGE_OP_WRITE:
		break;
	}
	/* Over short transfers as fio does; a zero-length read means the
	** end of the file, which the caller reports as a short I/O. */
	return storage_pio(fd, r->op == STORAGE_OP_WRITE, r->buf, r->len,
			   r->off);
}

static int
storage_psync_submit(struct storage_engine *e, struct storage_req *r)
{
	struct storage_psync *p = e->priv;

	if (p->done != NULL)
		return -EBUSY;
	r->res = storage_psync_do(e->fd, r);
	p->done = r;
	e->inflight = 1;
	return 0;
}

static int
storage_psync_reap(struct storage_engine *e, struct storage_req **done,
		   unsigned min, unsigned max)
{
	struct storage_psync *p = e->priv;

	(void)min;
	if (p->done == NULL || max == 0)
		return 0;
	done[0] = p->done;
	p->done = NULL;
	e->inflight = 0;
	return 1;
}

static void
storage_psync_close(struct storage_engine *e)
{
	free(e->priv);
	e->priv = NULL;
}

static const struct storage_engine_ops storage_psync_ops = {
	.name = "psync",
	.submit = storage_psync_submit,
	.reap = storage_psync_reap,
	.close = storage_psync_close,
};

int
storage_psync_open(struct storage_engine *e, int fd)
{
	struct storage_psync *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	e->ops = &storage_psync_ops;
	e->fd = fd;
	e->depth = 1;
	e->inflight = 0;
	e->priv = p;
	return 0;
}

/*
** engine.h - the storage plugin's internal I/O engine interface.
**
** An engine moves requests between the probe loop and the kernel: the loop
** fills a struct storage_req, submits it, and later reaps it with its
** result.  psync does each request synchronously inside submit(), so at
** most one is ever in flight; io_uring keeps up to `depth` in flight.  The
** probe loop is the same for both.  Private to plugins/storage.
*/
#ifndef STORAGE_ENGINE_H
#define STORAGE_ENGINE_H

#include <stdint.h>

enum storage_op {
	STORAGE_OP_READ = 0,
	STORAGE_OP_WRITE = 1,
	STORAGE_OP_FSYNC = 2,
	STORAGE_OP_FDATASYNC = 3
};

/* One I/O request.  The caller owns it and its buffer; between submit()
** and the reap() that returns it the engine may use both. */
struct storage_req {
	enum storage_op op;
	void *buf;
	uint32_t len;
	uint64_t off;
	uint64_t t_submit; /* set by the caller, ns */
	int64_t res;       /* set by the engine: bytes done, or -errno */
	unsigned slot;     /* caller's index, untouched by the engine */
};

struct storage_engine;

struct storage_engine_ops {
	const char *name;
	/* Queue r; it may run at once (psync).  0 or -errno. */
	int (*submit)(struct storage_engine *e, struct storage_req *r);
	/* Wait until at least `min` requests are done (min <= in flight),
	** store up to `max` of them in done[], return their number or
	** -errno. */
	int (*reap)(struct storage_engine *e, struct storage_req **done,
		    unsigned min, unsigned max);
	/* Release the engine; requests still in flight are abandoned. */
	void (*close)(struct storage_engine *e);
};

struct storage_engine {
	const struct storage_engine_ops *ops;
	int fd;
	unsigned depth;    /* the most requests the engine keeps in flight */
	unsigned inflight; /* submitted, not yet reaped */
	void *priv;
};

/* Opens a psync engine on fd.  Its depth is always 1.  0 or -errno. */
int storage_psync_open(struct storage_engine *e, int fd);

#ifdef HAVE_LIBURING
/* Opens an io_uring engine on fd with `depth` entries that submits once
** `batch` requests are queued (1: each at once).  0 or -errno (the errno
** of io_uring_queue_init when the kernel refuses io_uring). */
int storage_uring_open(struct storage_engine *e, int fd, unsigned depth,
		       unsigned batch);
#endif

#endif /* STORAGE_ENGINE_H */

/*
** storage.c - the storage plugin: sequential, random, mixed and fsync I/O
** probes on one file in a directory, with psync or io_uring, O_DIRECT
** where the file system allows it, and optional verification.
**
** Each probe's setup() checks the parameters and the free space, creates
** the file (fileio.c), lays it out fully with the data pattern and syncs
** it; none of that is timed.  run() starts `jobs` threads, each with its
** own engine (engine.h) and its own slice of the file, lets them do I/O
** for `runtime`, then records what they buffered: one latency sample per
** I/O and one throughput/iops sample per 100 ms window.  h->record() is
** only ever called from the calling thread, after the workers are joined.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_TMPFILE, O_DIRECT, statx, unlinkat */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dyno/plugin.h>

#include "backing.h"
#include "clock.h"
#include "engine.h"
#include "fileio.h"
#include "hugemem.h"
#include "prng.h"
#include "samples.h"

#define STORAGE_WINDOW_NS 100000000ull /* throughput/iops sample window */
#define STORAGE_LAT_CAP (32u << 20)    /* latencies kept per worker, dir */
#define STORAGE_POLL_NS 20000000L      /* how often run() polls */

enum storage_kind {
	STORAGE_SEQREAD,
	STORAGE_SEQWRITE,
	STORAGE_RANDREAD,
	STORAGE_RANDWRITE,
	STORAGE_MIXED,
	STORAGE_FSYNC
};

/* Per-run state, from setup() to teardown(). */
struct storage_state {
	enum storage_kind kind;
	uint64_t size;        /* rounded down to a multiple of block */
	uint64_t block;
	uint64_t runtime_ns;
	unsigned depth;
	unsigned batch;       /* I/Os per io_uring submission */
	enum hugemem_kind mem; /* I/O buffers in 4 KiB or huge pages */
	enum storage_layout_mode layout;
	unsigned jobs;
	unsigned read_pct;    /* mixed: share of reads, 0..100 */
	enum storage_op sync_op;
	int want_uring;
	int verify;
	int sim_no_uring;
	int sim_enospc;
	char dir[PATH_MAX];
	int own_dir;          /* setup created dir: teardown removes it */
	int dirfd;
	int fd;
	int named;            /* a named (already unlinked) file, not O_TMPFILE */
	char name[64];
	char where[PATH_MAX + 96]; /* the file, for messages */
	int direct;           /* O_DIRECT is on */
	uint64_t salt;        /* data pattern seed, random per run */
	void *iobuf;          /* layout/verify buffer of `chunk` bytes */
	size_t chunk;
};

/* Shared by the workers of one run(). */
struct storage_run {
	uint64_t t0;
	uint64_t deadline;
	size_t nwin;
	atomic_int stop;
	atomic_uint finished;
};

/* A growable array of latencies in seconds. */
struct storage_worker {
	const struct storage_state *st;
	struct storage_run *run;
	pthread_t tid;
	struct storage_engine eng;
	int eng_open;
	uint64_t region_off, region_len, cursor, rng;
	struct hugemem iob;         /* holds bufs */
	char *bufs;                 /* depth buffers of block bytes */
	struct storage_req *reqs;
	struct samples lat[2];       /* [0] reads, [1] writes / fsync pairs */
	uint64_t *wbytes[2], *wops[2];
	uint64_t t_end;
	int err;                    /* errno of the first failed I/O */
	enum storage_op err_op;
	uint64_t err_off;
	int short_io;
	int verify_bad;             /* err_off is the first bad byte */
};

static const char *
storage_opname(enum storage_op op)
{
	switch (op) {
	case STORAGE_OP_READ: return "read from";
	case STORAGE_OP_WRITE: return "write to";
	case STORAGE_OP_FSYNC: return "fsync of";
	case STORAGE_OP_FDATASYNC: return "fdatasync of";
	}
	return "I/O on";
}

static void
storage_state_free(struct storage_state *st)
{
	if (st == NULL)
		return;
	if (st->fd >= 0)
		close(st->fd); /* the file is unlinked or O_TMPFILE: gone now */
	if (st->named && st->dirfd >= 0)
		(void)unlinkat(st->dirfd, st->name, 0); /* normally ENOENT */
	if (st->dirfd >= 0)
		close(st->dirfd);
	if (st->own_dir)
		(void)rmdir(st->dir);
	free(st->iobuf);
	free(st);
}

/* The directory: dir=, else a new dyno-storage.XXXXXX under the current
** directory, else (cwd not writable) the host's scratch directory. */
static int
storage_open_dir(const struct dyno_host *h, struct dyno_ctx *ctx,
		 struct storage_state *st)
{
	const char *d = h->param_str(ctx, "dir");

	if (d != NULL && d[0] != '\0') {
		snprintf(st->dir, sizeof(st->dir), "%s", d);
	} else {
		char tmpl[] = "dyno-storage.XXXXXX";

		if (mkdtemp(tmpl) != NULL) {
			if (realpath(tmpl, st->dir) != NULL)
				st->own_dir = 1;
			else
				(void)rmdir(tmpl);
		}
		if (!st->own_dir) {
			/* The current directory is not writable. */
			const char *s = h->scratch_dir(ctx);

			if (s == NULL)
				return DYNO_FAIL;
			snprintf(st->dir, sizeof(st->dir), "%s", s);
		}
	}
	st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd < 0)
		return h->fail(ctx, "cannot open directory %s: %s", st->dir,
			       strerror(errno));
	return DYNO_OK;
}

/* What the target directory is stored on, as name/value pairs: the same
** names serve the inventory (storage.cwd.<name>) and the artifacts. */
typedef void (*storage_emit_fn)(void *arg, const char *name, const char *value);

static int
storage_describe(const char *path, storage_emit_fn emit, void *arg)
{
	struct storage_backing b;
	char buf[256];

	if (storage_backing_of(path, &b) != 0)
		return -1;
	emit(arg, "filesystem", b.fstype);
	emit(arg, "mount_options", b.options);
	if (b.disk[0] == '\0') {
		snprintf(buf, sizeof(buf), "none (%.63s from %.160s)", b.fstype,
			 b.source);
		emit(arg, "device", buf);
		return 0;
	}
	emit(arg, "device", b.disk);
	if (b.partition[0] != '\0')
		emit(arg, "partition", b.partition);
	if (b.model[0] != '\0')
		emit(arg, "device_model", b.model);
	if (b.rotational >= 0)
		emit(arg, "rotational", b.rotational ? "yes" : "no");
	if (b.scheduler[0] != '\0')
		emit(arg, "scheduler", b.scheduler);
	storage_backing_limits(&b, buf, sizeof(buf));
	if (buf[0] != '\0')
		emit(arg, "queue_limits", buf);
	return 0;
}

struct storage_emit_artifact {
	const struct dyno_host *h;
	struct dyno_ctx *ctx;
};

static void
storage_emit_artifact(void *arg, const char *name, const char *value)
{
	struct storage_emit_artifact *a = arg;

	a->h->artifact(a->ctx, name, value);
}

/* Reads the probe's parameters into st. */
static void
storage_params(const struct dyno_host *h, struct dyno_ctx *ctx,
	       struct storage_state *st, enum storage_kind kind)
{
	st->kind = kind;
	st->size = h->param_size(ctx, "size");
	st->block = h->param_size(ctx, "block");
	st->runtime_ns = h->param_duration_ns(ctx, "runtime");
	st->jobs = (unsigned)h->param_int(ctx, "jobs");
	st->verify = h->param_bool(ctx, "verify");
	st->sim_no_uring = h->param_bool(ctx, "simulate_no_uring");
	st->sim_enospc = h->param_bool(ctx, "simulate_enospc");
	if (kind == STORAGE_FSYNC) {
		st->depth = 1;
		st->batch = 1;
		st->sync_op = strcmp(h->param_str(ctx, "sync"), "fsync") == 0
				      ? STORAGE_OP_FSYNC : STORAGE_OP_FDATASYNC;
	} else {
		st->depth = (unsigned)h->param_int(ctx, "depth");
		st->batch = (unsigned)h->param_int(ctx, "batch");
		if (st->batch > st->depth)
			st->batch = st->depth;
	}
	if (kind == STORAGE_MIXED)
		st->read_pct = (unsigned)h->param_int(ctx, "read_pct");
	{
		const char *m = h->param_str(ctx, "mem");

		st->mem = strcmp(m, "thp") == 0 ? HUGEMEM_THP
			  : strcmp(m, "huge") == 0 ? HUGEMEM_HUGE : HUGEMEM_SMALL;
	}
	st->want_uring = strcmp(h->param_str(ctx, "engine"), "io_uring") == 0;
	st->layout = strcmp(h->param_str(ctx, "layout"), "full") == 0
			     ? STORAGE_LAYOUT_DIRECT : STORAGE_LAYOUT_FIO;
}

/* Says what the directory is stored on (fs[] gets the file system's
** name) and removes the leftovers of crashed runs in it. */
static void
storage_dir_artifacts(const struct dyno_host *h, struct dyno_ctx *ctx,
		      struct storage_state *st, char *fs, size_t fsn)
{
	struct storage_emit_artifact a = { h, ctx };
	int n;

	h->artifact(ctx, "dir", st->dir);
	/* Without /proc, at least the file system's magic. */
	storage_fs_name(st->dirfd, fs, fsn);
	if (storage_describe(st->dir, storage_emit_artifact, &a) != 0)
		h->artifact(ctx, "filesystem", fs);
	n = storage_cleanup_leftovers(st->dirfd);
	if (n > 0) {
		char v[32];

		snprintf(v, sizeof(v), "%d", n);
		h->artifact(ctx, "leftovers_removed", v);
		h->log(ctx, DYNO_LOG_INFO, "removed %d leftover %s* file(s) in %s",
		       n, STORAGE_PREFIX, st->dir);
	}
}

/* Rounds size down to whole blocks and refuses a size that gives a job
** no block or fills more than max_fill of the free space. */
static int
storage_check_size(const struct dyno_host *h, struct dyno_ctx *ctx,
		   struct storage_state *st)
{
	double max_fill = h->param_float(ctx, "max_fill");
	uint64_t free_b = 0;
	int rc;

	st->size -= st->size % st->block;
	if (st->size / st->block < st->jobs)
		return h->fail(ctx, "size is smaller than jobs (%u) x block (%llu "
			       "B): each job needs at least one block", st->jobs,
			       (unsigned long long)st->block);
	rc = storage_free_bytes(st->dirfd, &free_b);
	if (rc < 0)
		return h->fail(ctx, "statvfs %s: %s", st->dir, strerror(-rc));
	if ((double)st->size > max_fill * (double)free_b)
		return h->fail(ctx, "size %llu B is more than max_fill %.0f%% of "
			       "the %llu B free in %s (at most %llu B allowed)",
			       (unsigned long long)st->size, max_fill * 100,
			       (unsigned long long)free_b, st->dir,
			       (unsigned long long)(max_fill * (double)free_b));
	return DYNO_OK;
}

/* Creates the data file in the directory (storage_file_create). */
static int
storage_open_file(const struct dyno_host *h, struct dyno_ctx *ctx,
		  struct storage_state *st)
{
	st->fd = storage_file_create(st->dirfd, st->name, sizeof(st->name),
				     &st->named);
	if (st->fd < 0) {
		int rc = h->fail(ctx, "cannot create a file in %s: %s", st->dir,
				 strerror(-st->fd));

		st->fd = -1;
		return rc;
	}
	if (st->named)
		snprintf(st->where, sizeof(st->where), "%s/%s (unlinked)",
			 st->dir, st->name);
	else
		snprintf(st->where, sizeof(st->where), "an O_TMPFILE file in %s",
			 st->dir);
	h->artifact(ctx, "file", st->named ? "named file, unlinked" : "O_TMPFILE");
	return DYNO_OK;
}

/* direct=true: O_DIRECT on the file, or a note where the file system
** (named fs) refuses it; a block direct I/O cannot align fails. */
static int
storage_open_direct(const struct dyno_host *h, struct dyno_ctx *ctx,
		    struct storage_state *st, const char *fs)
{
	int sim, rc;
	char note[256];

	if (!h->param_bool(ctx, "direct")) {
		h->artifact(ctx, "direct", "off: direct=false; page cache in the path");
		return DYNO_OK;
	}
	sim = h->param_bool(ctx, "simulate_no_direct");
	rc = sim ? -EINVAL : storage_set_direct(st->fd);
	if (rc == 0) {
		uint32_t al = storage_dio_align(st->fd);

		st->direct = 1;
		h->artifact(ctx, "direct", "on");
		if (st->block % al != 0)
			return h->fail(ctx, "block %llu B is not a multiple of %u B, "
				       "the alignment direct I/O needs in %s "
				       "(use a multiple of %u or direct=false)",
				       (unsigned long long)st->block, al, st->dir,
				       al);
		return DYNO_OK;
	}
	snprintf(note, sizeof(note),
		 "off: %s refuses O_DIRECT (%s%s); page cache in the path",
		 fs, strerror(-rc), sim ? ", simulated by simulate_no_direct" : "");
	h->artifact(ctx, "direct", note);
	h->log(ctx, DYNO_LOG_WARN, "direct %s", note);
	return DYNO_OK;
}

/* Picks the run's pattern seed and writes the whole file with it. */
static int
storage_lay_out(const struct dyno_host *h, struct dyno_ctx *ctx,
		struct storage_state *st)
{
	uint64_t at = 0;
	int rc;

	if (getrandom(&st->salt, sizeof(st->salt), 0) != sizeof(st->salt))
		st->salt = clock_ns() ^ ((uint64_t)getpid() << 40);
	st->chunk = (size_t)st->block *
		    (st->block >= (1u << 20) ? 1 : (1u << 20) / st->block);
	if (st->chunk > st->size)
		st->chunk = (size_t)st->size;
	if (posix_memalign(&st->iobuf, 4096, st->chunk) != 0) {
		st->iobuf = NULL;
		return h->fail(ctx, "out of memory for a %zu B buffer", st->chunk);
	}
	if (st->layout == STORAGE_LAYOUT_FIO) {
		/* What the virtual disk's host has cached of the file, and
		** how its extents lie, depends on how it was written: laid
		** out as fio does, both tools read and write the same kind
		** of file (docs/probes.md, "layout"). */
		int with_data = st->verify || st->kind == STORAGE_SEQREAD ||
				st->kind == STORAGE_RANDREAD ||
				st->kind == STORAGE_MIXED;
		int falloc = 0;

		rc = storage_layout_fio(st->fd, st->size, st->iobuf, st->chunk,
					st->salt, with_data, &falloc, &at);
		if (rc == 0)
			h->artifact(ctx, "layout", with_data
				    ? (falloc ? "fio: fallocate, buffered writes, fsync"
					      : "fio: buffered writes, fsync (no fallocate here)")
				    : (falloc ? "fio: fallocate only (the probe only writes)"
					      : "fio: ftruncate only (the probe only writes; no fallocate here)"));
	} else {
		/* Every block written, so reads hit real blocks and writes
		** overwrite allocated ones. */
		rc = storage_layout(st->fd, st->size, st->iobuf, st->chunk,
				    st->salt, &at);
		if (rc == 0)
			h->artifact(ctx, "layout", st->direct
				    ? "full: O_DIRECT writes, fsync"
				    : "full: buffered writes, fsync");
	}
	if (rc < 0)
		return h->fail(ctx, "laying out %s at offset %llu: %s", st->where,
			       (unsigned long long)at, strerror(-rc));
	if (!st->direct)
		(void)posix_fadvise(st->fd, 0, 0, POSIX_FADV_DONTNEED);
	return DYNO_OK;
}

static int
storage_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state,
	      enum storage_kind kind)
{
	struct storage_state *st = calloc(1, sizeof(*st));
	char fs[64];
	int rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	st->fd = -1;
	st->dirfd = -1;
	storage_params(h, ctx, st, kind);
#ifndef HAVE_LIBURING
	if (st->want_uring) {
		free(st);
		return h->skip(ctx, "engine=io_uring: built without liburing "
			       "(install liburing-dev and rebuild, or use engine=psync)");
	}
#endif
	rc = storage_open_dir(h, ctx, st);
	if (rc != DYNO_OK)
		goto out;
	storage_dir_artifacts(h, ctx, st, fs, sizeof(fs));
	if ((rc = storage_check_size(h, ctx, st)) != DYNO_OK ||
	    (rc = storage_open_file(h, ctx, st)) != DYNO_OK ||
	    (rc = storage_open_direct(h, ctx, st, fs)) != DYNO_OK ||
	    (rc = storage_lay_out(h, ctx, st)) != DYNO_OK)
		goto out;
	*state = st;
	return DYNO_OK;
out:
	storage_state_free(st);
	return rc;
}

static void
storage_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	storage_state_free(state);
}

/* Books a finished request; 0, or -1 when the worker must stop. */
static int
storage_complete(struct storage_worker *w, struct storage_req *r,
		 uint64_t t_submit, uint64_t now, int book)
{
	const struct storage_state *st = w->st;
	int64_t res = r->res;
	int dir = r->op == STORAGE_OP_READ ? 0 : 1;
	size_t win;

	if (st->sim_enospc && r->op == STORAGE_OP_WRITE)
		res = -ENOSPC; /* test hook: the device is full */
	if (res < 0) {
		w->err = (int)-res;
		w->err_op = r->op;
		w->err_off = r->off;
		return -1;
	}
	if ((r->op == STORAGE_OP_READ || r->op == STORAGE_OP_WRITE) &&
	    (uint64_t)res != r->len) {
		w->err = EIO;
		w->short_io = 1;
		w->err_op = r->op;
		w->err_off = r->off;
		return -1;
	}
	if (r->op == STORAGE_OP_READ && st->verify) {
		int64_t bad = storage_check(r->buf, r->len, r->off, st->salt);

		if (bad >= 0) {
			w->verify_bad = 1;
			w->err_off = r->off + (uint64_t)bad;
			return -1;
		}
	}
	if (!book)
		return 0;
	samples_push(&w->lat[dir], (double)(now - t_submit) / 1e9,
		     STORAGE_LAT_CAP);
	win = (size_t)((now - w->run->t0) / STORAGE_WINDOW_NS);
	if (win >= w->run->nwin)
		win = w->run->nwin - 1;
	w->wbytes[dir][win] += r->len;
	w->wops[dir][win]++;
	return 0;
}

static void
storage_prepare(struct storage_worker *w, struct storage_req *r)
{
	const struct storage_state *st = w->st;
	uint64_t nblocks = w->region_len / st->block;
	uint64_t rel;

	r->len = (uint32_t)st->block;
	switch (st->kind) {
	case STORAGE_SEQREAD:
	case STORAGE_SEQWRITE:
	case STORAGE_FSYNC:
		rel = w->cursor;
		w->cursor += st->block;
		if (w->cursor >= w->region_len)
			w->cursor = 0;
		r->op = st->kind == STORAGE_SEQREAD ? STORAGE_OP_READ
						    : STORAGE_OP_WRITE;
		break;
	case STORAGE_RANDREAD:
	case STORAGE_RANDWRITE:
	case STORAGE_MIXED:
	default:
		rel = (prng_next(&w->rng) % nblocks) * st->block;
		if (st->kind == STORAGE_MIXED)
			r->op = prng_next(&w->rng) % 100 < st->read_pct
					? STORAGE_OP_READ : STORAGE_OP_WRITE;
		else
			r->op = st->kind == STORAGE_RANDREAD ? STORAGE_OP_READ
							     : STORAGE_OP_WRITE;
		break;
	}
	r->off = w->region_off + rel;
	/* The full pattern costs ~0.2 ms per MiB, enough to cap a fast
	** device's write rate; it is needed only when the data is checked,
	** and it is not timed.  The stamp is, as fio times its
	** scramble_buffers: its clock starts before it (docs/probes.md). */
	if (r->op == STORAGE_OP_WRITE && st->verify)
		storage_fill(r->buf, r->len, r->off, st->salt);
	r->t_submit = clock_ns();
	if (r->op == STORAGE_OP_WRITE && !st->verify)
		storage_stamp(r->buf, r->len, r->off, r->t_submit);
}

static int
storage_stopping(struct storage_worker *w)
{
	return atomic_load_explicit(&w->run->stop, memory_order_relaxed) ||
	       clock_ns() >= w->run->deadline;
}

/* Keeps the engine's depth of I/Os in flight until the deadline. */
static void
storage_loop_io(struct storage_worker *w)
{
	struct storage_engine *e = &w->eng;
	unsigned depth = e->depth, nfree = depth;
	unsigned *freel = calloc(depth, sizeof(*freel));
	struct storage_req **done = calloc(depth, sizeof(*done));
	int failed = 0;

	if (freel == NULL || done == NULL) {
		w->err = ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < depth; i++)
		freel[i] = depth - 1 - i;
	while (!storage_stopping(w)) {
		int n;
		uint64_t now;

		while (nfree > 0) {
			struct storage_req *r = &w->reqs[freel[--nfree]];
			int rc;

			storage_prepare(w, r);
			rc = e->ops->submit(e, r);
			if (rc < 0) {
				w->err = -rc;
				w->err_op = r->op;
				w->err_off = r->off;
				failed = 1;
				goto drain;
			}
		}
		n = e->ops->reap(e, done, 1, depth);
		if (n < 0) {
			w->err = -n;
			failed = 1;
			goto drain;
		}
		now = clock_ns();
		for (int i = 0; i < n; i++) {
			if (storage_complete(w, done[i], done[i]->t_submit, now,
					     1) != 0) {
				failed = 1;
				goto drain;
			}
			freel[nfree++] = done[i]->slot;
		}
	}
drain:
	/* I/Os still in flight finish and, unless something failed, count
	** in the last window, as fio counts its in-flight I/Os. */
	while (e->inflight > 0) {
		int n = e->ops->reap(e, done, e->inflight, depth);
		uint64_t now = clock_ns();

		if (n <= 0)
			break;
		for (int i = 0; i < n && !failed; i++)
			if (storage_complete(w, done[i], done[i]->t_submit, now,
					     1) != 0)
				failed = 1;
	}
out:
	if (failed)
		atomic_store(&w->run->stop, 1);
	free(freel);
	free(done);
}

/* One write of `block`, then fsync or fdatasync; latency is the pair. */
static void
storage_loop_fsync(struct storage_worker *w)
{
	struct storage_engine *e = &w->eng;
	struct storage_req *r = &w->reqs[0], sync = { .op = w->st->sync_op };
	struct storage_req *done[1];

	while (!storage_stopping(w)) {
		uint64_t t0;
		int rc;

		storage_prepare(w, r);
		t0 = r->t_submit;
		rc = e->ops->submit(e, r);
		if (rc == 0)
			rc = e->ops->reap(e, done, 1, 1) == 1 ? 0 : -EIO;
		if (rc < 0) {
			w->err = -rc;
			w->err_op = r->op;
			w->err_off = r->off;
			break;
		}
		if (storage_complete(w, r, t0, 0, 0) != 0)
			break;
		sync.off = r->off;
		rc = e->ops->submit(e, &sync);
		if (rc == 0)
			rc = e->ops->reap(e, done, 1, 1) == 1 ? 0 : -EIO;
		if (rc < 0) {
			w->err = -rc;
			w->err_op = sync.op;
			w->err_off = sync.off;
			break;
		}
		sync.len = r->len; /* books the write's bytes with the pair */
		if (storage_complete(w, &sync, t0, clock_ns(), 1) != 0)
			break;
		sync.len = 0;
	}
	if (w->err != 0 || w->verify_bad)
		atomic_store(&w->run->stop, 1);
}

static void *
storage_worker_main(void *arg)
{
	struct storage_worker *w = arg;

	if (w->st->kind == STORAGE_FSYNC)
		storage_loop_fsync(w);
	else
		storage_loop_io(w);
	w->t_end = clock_ns();
	atomic_fetch_add(&w->run->finished, 1);
	return NULL;
}

static void
storage_worker_free(struct storage_worker *w)
{
	if (w->eng_open)
		w->eng.ops->close(&w->eng);
	hugemem_free(&w->iob);
	free(w->reqs);
	for (int d = 0; d < 2; d++) {
		samples_free(&w->lat[d]);
		free(w->wbytes[d]);
		free(w->wops[d]);
	}
}

/* Opens worker i's engine: io_uring when asked and available, else psync.
** *note gets the fallback note once.  0 or -errno. */
static int
storage_open_engine(const struct storage_state *st, struct storage_worker *w,
		    int *use_uring, char *note, size_t nn)
{
	if (*use_uring) {
#ifdef HAVE_LIBURING
		int rc = st->sim_no_uring ? -ENOSYS
			 : storage_uring_open(&w->eng, st->fd, st->depth,
					      st->batch);

		if (rc == 0) {
			w->eng_open = 1;
			return 0;
		}
		if (st->sim_no_uring)
			snprintf(note, nn, "io_uring unavailable (simulated by "
				 "simulate_no_uring): used psync");
		else
			snprintf(note, nn, "io_uring unavailable "
				 "(io_uring_queue_init: %s): used psync",
				 strerror(-rc));
		*use_uring = 0;
#else
		(void)note; (void)nn;
		*use_uring = 0;
#endif
	}
	if (storage_psync_open(&w->eng, st->fd) != 0)
		return -ENOMEM;
	w->eng_open = 1;
	return 0;
}

/* Records the per-window rates of one direction under the given names. */
static void
storage_record_windows(const struct dyno_host *h, struct dyno_ctx *ctx,
		       uint64_t *bytes, uint64_t *ops, size_t k,
		       uint64_t last_ns, const char *tput, const char *iops)
{
	if (tput != NULL)
		windows_record(h, ctx, tput, bytes, k, STORAGE_WINDOW_NS, last_ns);
	if (iops != NULL)
		windows_record(h, ctx, iops, ops, k, STORAGE_WINDOW_NS, last_ns);
}

/* Sums of the workers' windows, per direction ([0] reads, [1] writes). */
struct storage_sums {
	uint64_t *b[2], *o[2];      /* bytes and I/Os per window */
	uint64_t tot_b[2], tot_o[2];
};

/* Prepares worker i of ws: its slice of the file, engine, buffers and
** window arrays.  *use_uring and note[] as storage_open_engine.  DYNO_OK
** or what h->fail returned. */
static int
storage_worker_init(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct storage_state *st, struct storage_run *run,
		    struct storage_worker *w, unsigned i, int *use_uring,
		    char *note, size_t nn)
{
	uint64_t per = (st->size / st->block / st->jobs) * st->block;
	char bnote[160];
	unsigned d;

	w->st = st;
	w->run = run;
	w->region_off = per * i;
	w->region_len = per;
	w->rng = 0x9e3779b97f4a7c15ull * (i + 1) ^ st->salt;
	if (w->rng == 0)
		w->rng = 1;
	if (storage_open_engine(st, w, use_uring, note, nn) != 0)
		return h->fail(ctx, "out of memory");
	d = w->eng.depth;
	if (hugemem_alloc(&w->iob, (size_t)d * st->block, st->mem,
			  bnote, sizeof(bnote)) != 0)
		return h->fail(ctx, "out of memory for %u buffers of %llu B",
			       d, (unsigned long long)st->block);
	w->bufs = w->iob.p;
	if (i == 0)
		h->artifact(ctx, "buffers", bnote);
	w->reqs = calloc(d, sizeof(*w->reqs));
	for (int j = 0; j < 2; j++) {
		w->wbytes[j] = calloc(run->nwin, sizeof(uint64_t));
		w->wops[j] = calloc(run->nwin, sizeof(uint64_t));
	}
	if (w->reqs == NULL || !w->wbytes[0] || !w->wbytes[1] ||
	    !w->wops[0] || !w->wops[1])
		return h->fail(ctx, "out of memory");
	/* Random, non-zero content once; writes then only stamp it. */
	storage_fill(w->bufs, (size_t)d * st->block, (uint64_t)(i + 1) << 48,
		     st->salt);
	for (unsigned j = 0; j < d; j++) {
		w->reqs[j].buf = w->bufs + (size_t)j * st->block;
		w->reqs[j].slot = j;
	}
	return DYNO_OK;
}

/* Prepares every worker, then says which engine they use. */
static int
storage_workers_init(const struct dyno_host *h, struct dyno_ctx *ctx,
		     const struct storage_state *st, struct storage_run *run,
		     struct storage_worker *ws)
{
	int use_uring = st->want_uring, rc;
	char note[256] = "";

	for (unsigned i = 0; i < st->jobs; i++) {
		rc = storage_worker_init(h, ctx, st, run, &ws[i], i, &use_uring,
					 note, sizeof(note));
		if (rc != DYNO_OK)
			return rc;
	}
	h->artifact(ctx, "engine", ws[0].eng.ops->name);
	if (note[0] != '\0') {
		h->artifact(ctx, "engine_note", note);
		h->log(ctx, DYNO_LOG_WARN, "%s", note);
	}
	if (!use_uring && st->depth > 1 && st->kind != STORAGE_FSYNC)
		h->artifact(ctx, "depth_note", "psync is synchronous: depth "
			    "ignored (use jobs for parallelism)");
	return DYNO_OK;
}

/* Starts the workers, waits for them to finish, joins them; DYNO_OK, or
** the failure to start one. */
static int
storage_workers_run(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct storage_state *st, struct storage_run *run,
		    struct storage_worker *ws)
{
	unsigned started = 0;
	int rc = DYNO_OK;

	run->t0 = clock_ns();
	run->deadline = run->t0 + st->runtime_ns;
	for (; started < st->jobs; started++)
		if (pthread_create(&ws[started].tid, NULL, storage_worker_main,
				   &ws[started]) != 0) {
			atomic_store(&run->stop, 1);
			rc = h->fail(ctx, "cannot start worker thread %u", started);
			break;
		}
	/* The workers stop at the deadline.  should_stop() cannot become
	** true for statistics before anything is recorded, so here it only
	** means --max-time has passed or the user pressed Ctrl-C. */
	while (atomic_load(&run->finished) < started) {
		struct timespec ts = { 0, STORAGE_POLL_NS };

		if (!atomic_load(&run->stop) && h->should_stop(ctx)) {
			atomic_store(&run->stop, 1);
			h->artifact(ctx, "stopped_early",
				    "dyno asked the probe to stop before runtime "
				    "(--max-time or Ctrl-C)");
		}
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	return rc;
}

/* Fails the probe for the first worker that met an error or bad data;
** else sets *t_end to when the last one stopped. */
static int
storage_workers_check(const struct dyno_host *h, struct dyno_ctx *ctx,
		      const struct storage_state *st,
		      const struct storage_worker *ws, uint64_t *t_end)
{
	for (unsigned i = 0; i < st->jobs; i++) {
		const struct storage_worker *w = &ws[i];

		if (w->verify_bad)
			return h->fail(ctx, "verify: data read at offset %llu of "
				       "%s differs from what was written",
				       (unsigned long long)w->err_off, st->where);
		if (w->err != 0)
			return h->fail(ctx, "%s %s at offset %llu: %s%s",
				       storage_opname(w->err_op), st->where,
				       (unsigned long long)w->err_off,
				       w->short_io ? "short transfer, " : "",
				       strerror(w->err));
		if (w->t_end > *t_end)
			*t_end = w->t_end;
	}
	return DYNO_OK;
}

/* Sums the workers' windows into s (allocated here, freed by the caller
** also on failure). */
static int
storage_sum_windows(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const struct storage_state *st, size_t nwin,
		    const struct storage_worker *ws, struct storage_sums *s)
{
	for (int d = 0; d < 2; d++) {
		s->b[d] = calloc(nwin, sizeof(uint64_t));
		s->o[d] = calloc(nwin, sizeof(uint64_t));
		if (s->b[d] == NULL || s->o[d] == NULL)
			return h->fail(ctx, "out of memory");
		for (unsigned i = 0; i < st->jobs; i++)
			for (size_t j = 0; j < nwin; j++) {
				s->b[d][j] += ws[i].wbytes[d][j];
				s->o[d][j] += ws[i].wops[d][j];
			}
		for (size_t j = 0; j < nwin; j++) {
			s->tot_b[d] += s->b[d][j];
			s->tot_o[d] += s->o[d][j];
		}
	}
	return DYNO_OK;
}

/* Records every worker's latencies, one sample per I/O, then the window
** rates (windows 0..k, the last one last_ns long) the probe's kind has. */
static void
storage_record(const struct dyno_host *h, struct dyno_ctx *ctx,
	       const struct storage_state *st, const struct storage_worker *ws,
	       const struct storage_sums *s, size_t k, uint64_t last)
{
	int capped = 0;

	for (unsigned i = 0; i < st->jobs; i++)
		for (int d = 0; d < 2; d++) {
			const char *m = st->kind != STORAGE_MIXED ? "latency"
					: d == 0 ? "read_latency" : "write_latency";

			samples_record(h, ctx, m, &ws[i].lat[d]);
			capped |= ws[i].lat[d].capped;
		}
	switch (st->kind) {
	case STORAGE_SEQREAD:
	case STORAGE_SEQWRITE: {
		int d = st->kind == STORAGE_SEQREAD ? 0 : 1;

		storage_record_windows(h, ctx, s->b[d], s->o[d], k, last,
				       "throughput", NULL);
		break;
	}
	case STORAGE_RANDREAD:
	case STORAGE_RANDWRITE: {
		int d = st->kind == STORAGE_RANDREAD ? 0 : 1;

		storage_record_windows(h, ctx, s->b[d], s->o[d], k, last,
				       "throughput", "iops");
		break;
	}
	case STORAGE_MIXED:
		if (s->tot_o[0] > 0)
			storage_record_windows(h, ctx, s->b[0], s->o[0], k, last,
					       "read_throughput", "read_iops");
		if (s->tot_o[1] > 0)
			storage_record_windows(h, ctx, s->b[1], s->o[1], k, last,
					       "write_throughput", "write_iops");
		break;
	case STORAGE_FSYNC:
		storage_record_windows(h, ctx, s->b[1], s->o[1], k, last, NULL,
				       "iops");
		break;
	}
	if (capped)
		h->artifact(ctx, "latency_note", "latency samples capped at "
			    "32Mi per worker and direction; the rest not recorded");
}

/* verify=true: reads the whole file back and checks the pattern. */
static int
storage_verify_after(const struct dyno_host *h, struct dyno_ctx *ctx,
		     const struct storage_state *st)
{
	uint64_t at = 0;
	int v = storage_verify_file(st->fd, st->size, st->iobuf, st->chunk,
				    st->salt, &at);
	char msg[128];

	if (v == 1)
		return h->fail(ctx, "verify: data read back at offset %llu of %s "
			       "differs from what was written",
			       (unsigned long long)at, st->where);
	if (v < 0)
		return h->fail(ctx, "verify: reading back %s at offset %llu: %s",
			       st->where, (unsigned long long)at, strerror(-v));
	snprintf(msg, sizeof(msg), "ok: %llu B read back and checked",
		 (unsigned long long)st->size);
	h->artifact(ctx, "verify", msg);
	return DYNO_OK;
}

static int
storage_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct storage_state *st = state;
	struct storage_run run = { 0 };
	struct storage_worker *ws = calloc(st->jobs, sizeof(*ws));
	struct storage_sums s = { { NULL, NULL }, { NULL, NULL },
				  { 0, 0 }, { 0, 0 } };
	uint64_t t_end = 0, el, last;
	int rc;
	char v[128];
	size_t k;

	if (ws == NULL)
		return h->fail(ctx, "out of memory");
	run.nwin = (size_t)((st->runtime_ns + STORAGE_WINDOW_NS - 1) /
			    STORAGE_WINDOW_NS);
	if (run.nwin == 0)
		run.nwin = 1;
	if ((rc = storage_workers_init(h, ctx, st, &run, ws)) != DYNO_OK ||
	    (rc = storage_workers_run(h, ctx, st, &run, ws)) != DYNO_OK ||
	    (rc = storage_workers_check(h, ctx, st, ws, &t_end)) != DYNO_OK ||
	    (rc = storage_sum_windows(h, ctx, st, run.nwin, ws, &s)) != DYNO_OK)
		goto out;
	/* A last window shorter than half a window joins the one before, so
	** the mean of the samples stays within a few per cent of total /
	** time. */
	el = t_end - run.t0;
	{
		uint64_t *const all[4] = { s.b[0], s.o[0], s.b[1], s.o[1] };

		k = windows_close(el, STORAGE_WINDOW_NS, run.nwin, all, 4, &last);
	}
	storage_record(h, ctx, st, ws, &s, k, last);
	snprintf(v, sizeof(v), "%llu read, %llu written in %.3f s",
		 (unsigned long long)s.tot_b[0],
		 (unsigned long long)s.tot_b[1], (double)el / 1e9);
	h->artifact(ctx, "bytes", v);
	if (st->verify)
		rc = storage_verify_after(h, ctx, st);
out:
	for (int d = 0; d < 2; d++) {
		free(s.b[d]);
		free(s.o[d]);
	}
	for (unsigned i = 0; i < st->jobs; i++)
		storage_worker_free(&ws[i]);
	free(ws);
	return rc;
}

/* -- descriptors ------------------------------------------------------ */

#define STORAGE_P_HEAD                                                  \
	{ .name = "dir", .type = DYNO_PARAM_STRING, .def = "",            \
	  .help = "directory for the data file (empty: a new dyno-storage.XXXXXX under the current directory, removed after)" }, \
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "256MiB",       \
	  .min = "1MiB", .help = "file size (rounded down to a multiple of block)" }
#define STORAGE_P_BLOCK(d)                                              \
	{ .name = "block", .type = DYNO_PARAM_SIZE, .def = d, .min = "512", \
	  .max = "64MiB", .help = "bytes per I/O" }
#define STORAGE_P_DEPTH(d)                                              \
	{ .name = "depth", .type = DYNO_PARAM_INT, .def = d, .min = "1",  \
	  .max = "1024", .help = "I/Os in flight per job (io_uring; psync is always 1)" }, \
	{ .name = "batch", .type = DYNO_PARAM_INT, .def = "1", .min = "1", \
	  .max = "1024", .help = "I/Os handed to the kernel per io_uring submission, at most depth (fio's iodepth_batch_submit; 1: each at once)" }
#define STORAGE_P_TAIL                                                  \
	{ .name = "engine", .type = DYNO_PARAM_ENUM, .def = "io_uring",   \
	  .choices = "io_uring|psync",                                    \
	  .help = "io_uring (liburing; falls back to psync with a note) or psync (pread/pwrite)" }, \
	{ .name = "direct", .type = DYNO_PARAM_BOOL, .def = "true",       \
	  .help = "O_DIRECT, bypassing the page cache (off with a note where the file system refuses it)" }, \
	{ .name = "runtime", .type = DYNO_PARAM_DURATION, .def = "5s",    \
	  .min = "100ms", .max = "1h", .help = "how long to do I/O (capped by --max-time)" }, \
	{ .name = "mem", .type = DYNO_PARAM_ENUM, .def = "thp",            \
	  .choices = "thp|huge|malloc",                                   \
	  .help = "I/O buffers in 2 MiB-aligned transparent huge pages (thp), so an I/O of up to 2 MiB is one segment; in hugetlb pages (huge, as fio's iomem=mmaphuge; thp when the pool has none free); or in 4 KiB pages (malloc, as fio's default iomem=malloc)" }, \
	{ .name = "layout", .type = DYNO_PARAM_ENUM, .def = "fio",        \
	  .choices = "fio|full",                                          \
	  .help = "how the file is laid out: as fio does (fallocate, then buffered writes and fsync when the probe reads; a probe that only writes gets fallocated extents), or full (every block written through the probe's descriptor, O_DIRECT when on, then fsync)" }, \
	{ .name = "jobs", .type = DYNO_PARAM_INT, .def = "1", .min = "1", \
	  .max = "64", .help = "parallel workers (threads), each on its own slice of the file" }, \
	{ .name = "verify", .type = DYNO_PARAM_BOOL, .def = "false",      \
	  .help = "check read data against the pattern written, and read the whole file back after the run" }, \
	{ .name = "max_fill", .type = DYNO_PARAM_FLOAT, .def = "50%",     \
	  .min = "1%", .max = "95%", .help = "refuse when size exceeds this share of the free space" }
#define STORAGE_P_HOOKS                                                 \
	{ .name = "simulate_no_uring", .type = DYNO_PARAM_BOOL,           \
	  .def = "false", .help = "test hook: behave as if io_uring_queue_init failed" }, \
	{ .name = "simulate_no_direct", .type = DYNO_PARAM_BOOL,          \
	  .def = "false", .help = "test hook: behave as if the file system refused O_DIRECT" }, \
	{ .name = "simulate_enospc", .type = DYNO_PARAM_BOOL,             \
	  .def = "false", .help = "test hook: the first write of the run fails with ENOSPC" }, \
	{ NULL }

static const struct dyno_param storage_seq_params[] = {
	STORAGE_P_HEAD, STORAGE_P_BLOCK("1MiB"), STORAGE_P_DEPTH("8"),
	STORAGE_P_TAIL, STORAGE_P_HOOKS
};
static const struct dyno_param storage_rand_params[] = {
	STORAGE_P_HEAD, STORAGE_P_BLOCK("4KiB"), STORAGE_P_DEPTH("32"),
	STORAGE_P_TAIL, STORAGE_P_HOOKS
};
static const struct dyno_param storage_mixed_params[] = {
	STORAGE_P_HEAD, STORAGE_P_BLOCK("4KiB"), STORAGE_P_DEPTH("32"),
	STORAGE_P_TAIL,
	{ .name = "read_pct", .type = DYNO_PARAM_INT, .def = "70", .min = "0",
	  .max = "100", .help = "percentage of I/Os that are reads" },
	STORAGE_P_HOOKS
};
static const struct dyno_param storage_fsync_params[] = {
	STORAGE_P_HEAD, STORAGE_P_BLOCK("4KiB"), STORAGE_P_TAIL,
	{ .name = "sync", .type = DYNO_PARAM_ENUM, .def = "fdatasync",
	  .choices = "fsync|fdatasync", .help = "the call after each write" },
	STORAGE_P_HOOKS
};

#define STORAGE_M_TPUT(n) { .name = n, .unit = "B/s", .better = DYNO_BETTER_HIGHER, \
	.help = "bytes per second, one sample per 100 ms window (compare the mean)" }
#define STORAGE_M_IOPS(n) { .name = n, .unit = "op/s", .better = DYNO_BETTER_HIGHER, \
	.help = "I/Os per second, one sample per 100 ms window (compare the mean)" }
#define STORAGE_M_LAT(n) { .name = n, .unit = "s", .better = DYNO_BETTER_LOWER, \
	.help = "submit to completion, one sample per I/O" }

/* Headline metrics first: how many of them each list starts with is its
** <list>_heads (plugin.h, headline_metrics). */
static const struct dyno_metric storage_seq_metrics[] = {
	STORAGE_M_TPUT("throughput"), STORAGE_M_LAT("latency"), { NULL }
};
enum { storage_seq_metrics_heads = 2 };
static const struct dyno_metric storage_rand_metrics[] = {
	STORAGE_M_IOPS("iops"), STORAGE_M_LAT("latency"),
	STORAGE_M_TPUT("throughput"), { NULL }
};
enum { storage_rand_metrics_heads = 2 };
static const struct dyno_metric storage_mixed_metrics[] = {
	STORAGE_M_IOPS("read_iops"), STORAGE_M_LAT("read_latency"),
	STORAGE_M_IOPS("write_iops"), STORAGE_M_LAT("write_latency"),
	STORAGE_M_TPUT("read_throughput"), STORAGE_M_TPUT("write_throughput"),
	{ NULL }
};
enum { storage_mixed_metrics_heads = 4 };
static const struct dyno_metric storage_fsync_metrics[] = {
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,
	  .help = "one write of block plus its fsync/fdatasync" },
	STORAGE_M_IOPS("iops"), { NULL }
};
enum { storage_fsync_metrics_heads = 2 };

#define STORAGE_SETUP(fn, kind)                                         \
	static int fn(const struct dyno_host *h, struct dyno_ctx *ctx,   \
		      void **state)                                     \
	{                                                               \
		return storage_setup(h, ctx, state, kind);              \
	}
STORAGE_SETUP(storage_seqread_setup, STORAGE_SEQREAD)
STORAGE_SETUP(storage_seqwrite_setup, STORAGE_SEQWRITE)
STORAGE_SETUP(storage_randread_setup, STORAGE_RANDREAD)
STORAGE_SETUP(storage_randwrite_setup, STORAGE_RANDWRITE)
STORAGE_SETUP(storage_mixed_setup, STORAGE_MIXED)
STORAGE_SETUP(storage_fsync_setup, STORAGE_FSYNC)

#define STORAGE_PROBE(var, nm, sum, par, met, setupfn)                  \
	static const struct dyno_probe var = {                          \
		.size = sizeof(struct dyno_probe),                      \
		.name = nm,                                             \
		.summary = sum,                                         \
		.params = par,                                          \
		.metrics = met,                                         \
		.flags = DYNO_PROBE_WRITES_DISK | DYNO_PROBE_EXCLUSIVE, \
		.setup = setupfn,                                       \
		.teardown = storage_teardown,                           \
		.run = storage_run,                                     \
		.headline_metrics = met##_heads,                        \
	}
STORAGE_PROBE(storage_seqread, "seqread", "Sequential reads of a laid-out file",
	      storage_seq_params, storage_seq_metrics, storage_seqread_setup);
STORAGE_PROBE(storage_seqwrite, "seqwrite", "Sequential writes into a laid-out file",
	      storage_seq_params, storage_seq_metrics, storage_seqwrite_setup);
STORAGE_PROBE(storage_randread, "randread", "Random reads of a laid-out file",
	      storage_rand_params, storage_rand_metrics, storage_randread_setup);
STORAGE_PROBE(storage_randwrite, "randwrite", "Random writes into a laid-out file",
	      storage_rand_params, storage_rand_metrics, storage_randwrite_setup);
STORAGE_PROBE(storage_mixed, "mixed", "Random reads and writes, read_pct% reads",
	      storage_mixed_params, storage_mixed_metrics, storage_mixed_setup);
STORAGE_PROBE(storage_fsync, "fsync", "Latency of a small write followed by fsync or fdatasync",
	      storage_fsync_params, storage_fsync_metrics, storage_fsync_setup);

static const struct dyno_probe *const storage_probes[] = {
	&storage_seqread, &storage_seqwrite, &storage_randread,
	&storage_randwrite, &storage_mixed, &storage_fsync, NULL
};

struct storage_emit_fact {
	const struct dyno_host *h;
	struct dyno_inventory *sink;
};

static void
storage_emit_fact(void *arg, const char *name, const char *value)
{
	struct storage_emit_fact *a = arg;
	char key[96];

	snprintf(key, sizeof(key), "storage.cwd.%s", name);
	a->h->fact(a->sink, key, value);
}

/* Facts about what the current directory, where the probes write by
** default, is stored on. */
static int
storage_inventory(const struct dyno_host *h, struct dyno_inventory *sink)
{
	struct storage_emit_fact a = { h, sink };
	char name[64];
	int fd, named;

	(void)storage_describe(".", storage_emit_fact, &a);
	if (access(".", W_OK) != 0)
		return DYNO_OK;
	fd = storage_file_create(AT_FDCWD, name, sizeof(name), &named);
	if (fd >= 0) {
		h->fact(sink, "storage.cwd.o_direct",
			storage_set_direct(fd) == 0 ? "yes" : "no");
		close(fd);
	}
	return DYNO_OK;
}

static const struct dyno_plugin storage_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "storage",
	.version = "1.0.0",
	.summary = "File I/O: sequential, random, mixed and fsync probes (psync, io_uring)",
	.probes = storage_probes,
	.inventory = storage_inventory,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &storage_plugin;
}

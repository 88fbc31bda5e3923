/* fleet.c - a rank of a fleet run: the MPI module, the suite's hooks, the fleet thread. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"
#include "fleet_int.h"
#include "plugin_loader.h"
#include "results.h"
#include "suite.h"
#include "xmalloc.h"

#define FLEET_MODULE "fleet_mpi.so"

char *
fleet_module_path(void)
{
	if (loader_in_build_tree())
		return xasprintf("%s/fleet/%s", DYNO_BUILD_DIR, FLEET_MODULE);
	return xasprintf("%s/%s", DYNO_FLEET_DIR, FLEET_MODULE);
}

struct fleet *
fleet_start(const struct fleet_opts *o, struct dyno_err *err)
{
	fleet_transport_fn fn;
	struct fleet *f;
	char *path, why[256];
	void *h;

#ifndef HAVE_MPI
	return dyno_err_set(err, DYNO_ENOENT, "--fleet: this dyno was built "
	    "without MPI; install Open MPI (Debian: libopenmpi-dev "
	    "openmpi-bin) and rebuild with ./configure --with-mpi"), NULL;
#endif
	path = fleet_module_path();
	/* Global: Open MPI's own components resolve libmpi's symbols. */
	h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (h == NULL) {
		dyno_err_set(err, DYNO_ENOENT, "--fleet: cannot load %s (%s); "
		    "is Open MPI installed (Debian: openmpi-bin)?", path,
		    dlerror());
		free(path);
		return NULL;
	}
	fn = (fleet_transport_fn)(uintptr_t)dlsym(h, FLEET_TRANSPORT_SYMBOL);
	if (fn == NULL || fn() == NULL || fn()->size < sizeof(struct fleet_transport)) {
		dyno_err_set(err, DYNO_EABI, "--fleet: %s is not dyno's MPI "
		    "module of this version", path);
		free(path);
		return NULL;
	}
	free(path);
	f = xcalloc(1, sizeof(*f));
	f->o = *o;
	f->t = fn();
	f->store_fd = -1;
	f->nodes_fd = -1;
	if (f->t->init(&f->w, why, sizeof(why)) < 0) {
		free(f);
		return dyno_err_set(err, DYNO_EIO, "--fleet: %s", why), NULL;
	}
	if (gethostname(f->hostname, sizeof(f->hostname)) < 0)
		snprintf(f->hostname, sizeof(f->hostname), "unknown");
	f->hostname[sizeof(f->hostname) - 1] = '\0';
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	return f;
}

int
fleet_rank(const struct fleet *f)
{
	return f->w.rank;
}

void
fleet_set_store(struct fleet *f, const char *path)
{
	f->o.store = path;
}

void
fleet_enqueue(struct fleet *f, int tag, char *text)
{
	struct fleet_msg *m = xcalloc(1, sizeof(*m));

	m->tag = tag;
	m->text = text;
	pthread_mutex_lock(&f->mu);
	if (f->tail)
		f->tail->next = m;
	else
		f->head = m;
	f->tail = m;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static void
enqueue_json(struct fleet *f, int tag, const json_t *j)
{
	char *text = json_dumps(j, RESULTS_JSON_FLAGS);

	if (text == NULL)
		text = xstrdup("null");
	/* jansson's allocator is malloc: the thread frees it as any text. */
	fleet_enqueue(f, tag, text);
}

/* The suite kept a record: it goes to rank 0. */
static void
fleet_on_record(void *arg, const json_t *rec)
{
	enqueue_json(arg, FLEET_TAG_RECORD, rec);
}

/* Probes that want the node to themselves: storage, network, memory
** bandwidth, GPUs.  Only the node's leader runs them, so two ranks on
** one node never measure each other. */
static int
node_exclusive(const char *id, uint32_t flags)
{
	return (flags & (DYNO_PROBE_EXCLUSIVE | DYNO_PROBE_WRITES_DISK)) != 0 ||
	    strcmp(id, "cache.bandwidth") == 0;
}

static json_t *
fleet_gate(void *arg, const char *id, uint32_t flags, const json_t *host)
{
	struct fleet *f = arg;
	const char *dot = strchr(id, '.');
	char ts[40], why[128];

	if (!node_exclusive(id, flags) || f->w.node_leader == f->w.rank)
		return NULL;
	results_timestamp(ts, sizeof(ts));
	snprintf(why, sizeof(why), "node-exclusive: rank %d runs it on this "
	    "node", f->w.node_leader);
	return json_pack("{s:i, s:s, s:s%, s:s, s:{}, s:s, s:s, s:s, s:f, s:O?}",
	    "schema", RESULTS_SCHEMA, "id", id,
	    "plugin", id, dot ? (size_t)(dot - id) : strlen(id),
	    "probe", dot ? dot + 1 : id, "params",
	    "status", "skipped", "message", why, "started_at", ts,
	    "duration_s", 0.0, "host", host);
}

/* FNV-1a: the ranks compare a barrier's name as this. */
static uint32_t
name_key(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

/*
** dyno.fleet.barrier, on the suite's thread while the fleet thread sends
** its records and beats (so rank 0 still hears from a rank that waits):
** the transport's agree, on a communicator of its own, polled up to the
** fleet timeout.  A rank that never comes (dead, hung) is not waited for
** twice: after one barrier timed out, the later ones are off.
*/
static int
fleet_barrier(void *arg, const char *name, char *why, size_t n)
{
	struct fleet *f = arg;
	uint64_t t0 = clock_now_ns();
	int rc;

	if (!f->w.pairs_ok)
		return snprintf(why, n, "this MPI gives no MPI_THREAD_MULTIPLE, "
		    "which a barrier beside the fleet thread needs"), -1;
	if (f->barriers_off[0] != '\0')
		return snprintf(why, n, "%s", f->barriers_off), -1;
	rc = f->t->agree(name_key(name), f->o.timeout_ns);
	if (rc < 0) {
		snprintf(f->barriers_off, sizeof(f->barriers_off), "barrier "
		    "'%s' timed out after %.3gs (--fleet-timeout): a rank did "
		    "not come; later barriers are off", name,
		    (double)(clock_now_ns() - t0) / 1e9);
		fprintf(stderr, "dyno: fleet: rank %d: %s\n", f->w.rank,
		    f->barriers_off);
		return snprintf(why, n, "%s", f->barriers_off), -1;
	}
	f->nbarriers++;
	if (rc == 1) {
		snprintf(why, n, "barrier '%s': not every rank came to a "
		    "barrier of that name (the suites differ)", name);
		fprintf(stderr, "dyno: fleet: rank %d: %s\n", f->w.rank, why);
		return -1;
	}
	return 0;
}

static const char *
host_of(const struct fleet_node *n)
{
	const char *h = json_string_value(json_object_get(n->hello, "hostname"));

	return h ? h : "?";
}

/*
** Append rec to the store.  The fsync comes once per batch of messages
** (store_sync, group commit): one per record made fsync rank 0's pace,
** 3ms a record on a VM disk, 100s for 10,000 ranks of 3 records.
*/
static void
store_write(struct fleet *f, const json_t *rec)
{
	char *s;
	size_t len;

	if (f->store_fd < 0)
		return;
	if ((s = json_dumps(rec, RESULTS_JSON_FLAGS)) == NULL)
		return;
	len = strlen(s);
	s[len++] = '\n';
	if (fdio_write_all(f->store_fd, s, len) < 0)
		fprintf(stderr, "dyno: fleet: cannot append to %s: %s\n",
		    f->o.store, strerror(errno));
	f->store_dirty = 1;
	free(s);
}

/* A hello or done to the store's .nodes file. */
static void
nodes_write(struct fleet *f, int rank, const char *tag, const json_t *msg)
{
	json_t *line;
	char *s;
	size_t len;

	if (f->nodes_fd < 0)
		return;
	line = json_pack("{s:i, s:s, s:O}", "rank", rank, "tag", tag,
	    "message", msg);
	s = line ? json_dumps(line, RESULTS_JSON_FLAGS) : NULL;
	json_decref(line);
	if (s == NULL)
		return;
	len = strlen(s);
	s[len++] = '\n';
	if (fdio_write_all(f->nodes_fd, s, len) < 0)
		fprintf(stderr, "dyno: fleet: cannot append to %s%s: %s\n",
		    f->o.store, FLEET_NODES_SUFFIX, strerror(errno));
	f->store_dirty = 1;
	free(s);
}

static void
store_sync(struct fleet *f)
{
	if (!f->store_dirty)
		return;
	if (fsync(f->store_fd) < 0 && errno != EINVAL)
		fprintf(stderr, "dyno: fleet: cannot fsync %s: %s\n",
		    f->o.store, strerror(errno));
	if (f->nodes_fd >= 0 && fsync(f->nodes_fd) < 0 && errno != EINVAL)
		fprintf(stderr, "dyno: fleet: cannot fsync %s%s: %s\n",
		    f->o.store, FLEET_NODES_SUFFIX, strerror(errno));
	f->store_dirty = 0;
}

/* One message at rank 0, from src (0: this rank's own suite). */
static void
root_handle(struct fleet *f, int src, int tag, const char *text)
{
	struct fleet_node *n;
	json_error_t je;
	json_t *j;

	if (src < 0 || src >= f->w.nranks)
		return;
	n = &f->nodes[src];
	if (n->status == FLEET_NODE_LOST) {
		n->dropped++;
		return;
	}
	n->last_seen_ns = clock_now_ns();
	if (tag == FLEET_TAG_BEAT)
		return;
	if ((j = json_loads(text, 0, &je)) == NULL) {
		fprintf(stderr, "dyno: fleet: rank %d sent a message that is not "
		    "JSON (%s); ignored\n", src, je.text);
		return;
	}
	switch (tag) {
	case FLEET_TAG_HELLO:
		nodes_write(f, src, "hello", j);
		json_decref(n->hello);
		n->hello = j;
		return;
	case FLEET_TAG_RECORD:
		json_object_set_new(j, "node", json_pack("{s:i, s:O?, s:O?}",
		    "rank", src, "hostname", json_object_get(n->hello,
		    "hostname"), "local", json_object_get(n->hello,
		    "node_rank")));
		store_write(f, j);
		json_array_append_new(f->records, j);
		n->nrecords++;
		return;
	case FLEET_TAG_DONE:
		nodes_write(f, src, "done", j);
		json_decref(n->done);
		n->done = j;
		n->status = FLEET_NODE_DONE;
		if (src != 0)
			fprintf(stderr, "fleet: rank %d (%s) done: %zu records\n",
			    src, host_of(n), n->nrecords);
		return;
	}
	json_decref(j);
}

/* Ranks silent for longer than the timeout are lost; 1 when every rank
** is done or lost. */
static int
root_check(struct fleet *f)
{
	uint64_t now = clock_now_ns();
	int open = 0;

	for (int r = 0; r < f->w.nranks; r++) {
		struct fleet_node *n = &f->nodes[r];

		if (n->status != FLEET_NODE_RUNNING)
			continue;
		if (r != 0 && now - n->last_seen_ns > f->o.timeout_ns) {
			n->status = FLEET_NODE_LOST;
			f->nlost++;
			snprintf(n->lost_why, sizeof(n->lost_why),
			    "no message for %.3gs (--fleet-timeout)",
			    (double)(now - n->last_seen_ns) / 1e9);
			fprintf(stderr, "fleet: rank %d (%s) lost: %s; its %zu "
			    "record(s) kept\n", r, host_of(n), n->lost_why,
			    n->nrecords);
			continue;
		}
		open = 1;
	}
	return !open;
}

static struct fleet_msg *
pop(struct fleet *f, uint64_t wait_ns)
{
	struct fleet_msg *m;

	pthread_mutex_lock(&f->mu);
	if (f->head == NULL && wait_ns > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(wait_ns % 1000000000u);
		ts.tv_sec += (time_t)(wait_ns / 1000000000u) +
		    ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	}
	if ((m = f->head) != NULL && (f->head = m->next) == NULL)
		f->tail = NULL;
	pthread_mutex_unlock(&f->mu);
	return m;
}

static void *
root_thread(void *arg)
{
	struct fleet *f = arg;

	for (;;) {
		struct fleet_msg *m;
		char *buf;
		size_t len;
		int src, tag, got, busy = 0;

		while ((got = f->t->poll(&src, &tag, &buf, &len)) == 1) {
			f->nmsg++;
			f->nbytes += len;
			if (len > f->max_msg)
				f->max_msg = len;
			root_handle(f, src, tag, buf);
			free(buf);
			busy = 1;
		}
		if (got < 0)
			fprintf(stderr, "dyno: fleet: receiving failed\n");
		/* A short wait when idle: rank 0 runs probes too, and a busy
		** poll would take a CPU from them. */
		if ((m = pop(f, busy ? 0 : 2000000)) != NULL) {
			root_handle(f, 0, m->tag, m->text);
			free(m->text);
			free(m);
		}
		store_sync(f);
		if (root_check(f)) {
			f->all_done_ns = clock_now_ns();
			return NULL;
		}
	}
}

static void *
rank_thread(void *arg)
{
	struct fleet *f = arg;
	uint64_t last = clock_now_ns();

	for (;;) {
		struct fleet_msg *m = pop(f, FLEET_BEAT_NS / 4);
		int tag;

		if (m == NULL) {
			if (clock_now_ns() - last < FLEET_BEAT_NS)
				continue;
			if (f->t->send(FLEET_TAG_BEAT, "", 0) < 0)
				f->io_error = 1;
			last = clock_now_ns();
			continue;
		}
		if (f->t->send(m->tag, m->text, strlen(m->text)) < 0)
			f->io_error = 1;
		last = clock_now_ns();
		tag = m->tag;
		free(m->text);
		free(m);
		if (tag == FLEET_TAG_DONE)
			return NULL;
	}
}

int
fleet_attach(struct fleet *f, struct suite *s, const json_t *inventory,
	     const json_t *hw, struct dyno_err *err)
{
	json_t *hello;

	if (f->w.rank == 0) {
		if (f->o.store &&
		    (f->store_fd = results_open(f->o.store, err)) < 0)
			return f->store_fd;
		if (f->o.store) {
			char *np = xasprintf("%s%s", f->o.store,
			    FLEET_NODES_SUFFIX);

			f->nodes_fd = results_open(np, err);
			free(np);
			if (f->nodes_fd < 0)
				return f->nodes_fd;
		}
		f->nodes = xcalloc((size_t)f->w.nranks, sizeof(*f->nodes));
		for (int r = 0; r < f->w.nranks; r++)
			f->nodes[r].last_seen_ns = clock_now_ns();
		f->records = json_array();
	}
	s->fleet = f;
	s->fleet_record = fleet_on_record;
	s->fleet_gate = fleet_gate;
	s->fleet_barrier = fleet_barrier;
	s->fleet_rank = f->w.rank;
	s->fleet_size = f->w.nranks;
	hello = json_pack("{s:i, s:i, s:s, s:O?, s:O?, s:i, s:i, s:i}",
	    "rank", f->w.rank, "ranks", f->w.nranks, "hostname", f->hostname,
	    "fingerprint", json_object_get(inventory, "fingerprint"),
	    "hw", hw, "node_leader", f->w.node_leader,
	    "node_rank", f->w.node_rank, "node_size", f->w.node_size);
	enqueue_json(f, FLEET_TAG_HELLO, hello);
	json_decref(hello);
	/* Every rank starts its suite at once, so ranks that share a node
	** measure at the same time (the instances dyno tune --fleet's
	** capacity plan counts).  Before the fleet thread: no other MPI
	** call is under way. */
	if (f->t->barrier(f->o.timeout_ns) < 0)
		fprintf(stderr, "dyno: fleet: rank %d: not every rank started "
		    "within the fleet timeout; going on\n", f->w.rank);
	if (pthread_create(&f->thread, NULL, f->w.rank == 0 ? root_thread :
	    rank_thread, f) != 0)
		return dyno_err_set(err, DYNO_EIO, "fleet: cannot start the "
		    "fleet thread: %s", strerror(errno));
	f->thread_started = 1;
	return 0;
}

int
fleet_finish(struct fleet *f, json_t **doc, int code)
{
	json_t *done;

	done = json_pack("{s:i, s:O?, s:O?, s:O?, s:O?}", "exit_code", code,
	    "summary", json_object_get(*doc, "summary"),
	    "verdicts", json_object_get(*doc, "verdicts"),
	    "limits", json_object_get(*doc, "limits"),
	    "tune", json_object_get(*doc, "tune"));
	f->own_done_ns = clock_now_ns();
	enqueue_json(f, FLEET_TAG_DONE, done);
	json_decref(done);
	if (f->thread_started)
		pthread_join(f->thread, NULL);
	f->thread_started = 0;
	if (f->w.rank != 0) {
		if (f->io_error)
			fprintf(stderr, "dyno: fleet: rank %d could not send all "
			    "it had to rank 0\n", f->w.rank);
		return 0;
	}
	*doc = fleet_document(f, *doc);
	return fleet_exit_code(f);
}

void
fleet_end(struct fleet *f, int code)
{
	struct fleet_msg *m;

	if (f == NULL)
		return;
	if (f->thread_started)
		pthread_join(f->thread, NULL);
	while ((m = pop(f, 0)) != NULL) {
		free(m->text);
		free(m);
	}
	if (f->nodes) {
		for (int r = 0; r < f->w.nranks; r++) {
			json_decref(f->nodes[r].hello);
			json_decref(f->nodes[r].done);
		}
		free(f->nodes);
	}
	json_decref(f->records);
	if (f->store_fd >= 0)
		close(f->store_fd);
	if (f->nodes_fd >= 0)
		close(f->nodes_fd);
	if (f->nlost > 0) {
		/* A lost rank may be hung: MPI_Finalize would wait for it. */
		fflush(NULL);
		f->t->abort(code);
	}
	f->t->finalize();
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

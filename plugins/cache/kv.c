/*
** kv.c - the key-value cache probes against Redis: request latency and
** throughput under a GET/SET mix (closed loop or at a fixed rate), and the
** replay of a key trace through an LRU-evicting Redis, whose hit rate is
** set beside the one the miss-ratio curve (mrc.h) predicts.  The Redis
** plumbing they share is kv_redis.c.
**
** Each probe starts its own redis-server (url="") or uses the one at url.
** setup() connects and writes what the run reads (every key of the
** latency probes, the calibration of the replay); none of that is timed.
** The latency probes' run() starts one thread per connection; each
** buffers one latency per request and a count per 100 ms window, and only
** the calling thread calls h->record(), after joining them - also when a
** connection was lost, before failing, so nothing measured is lost.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, prctl, sigtimedwait, clock_nanosleep */
#endif
#include <dyno/plugin.h>

#include "probes.h"

#ifdef HAVE_HIREDIS

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "grow.h"
#include "kv_redis.h"
#include "prng.h"
#include "samples.h"
#include "mrc.h"

#define KV_WINDOW_NS 100000000ull  /* ops sample window */
#define KV_LAT_CAP (32u << 20)     /* latencies kept per connection */
#define KV_POLL_NS 20000000L       /* how often run() polls should_stop */
#define KV_SPREAD 4096             /* value offsets into the random buffer */
#define KV_CONNECT_MS 2000
#define KV_BATCH 256               /* commands per pipelined load batch */
#define KV_DEL_KEYS 512            /* keys per DEL when cleaning up */
#define KV_CALIB_MAX 200000        /* items written to measure item size */

/* -- shared by the probes -------------------------------------------- */

/* Per-run state, from setup() to teardown(). */
struct kv_state {
	struct kv_addr addr;
	struct kv_server srv;   /* our own server; pid 0 with a url */
	int own;
	redisContext *c;        /* control connection: load, INFO, CONFIG */
	char version[32];
	uint64_t value_size;
	uint64_t keys;
	unsigned get_pct;
	unsigned pipeline;
	unsigned conns;
	double rate;            /* op/s in all; 0: closed loop */
	uint64_t runtime_ns;
	char *vbuf;             /* value_size + KV_SPREAD random bytes */
	uint64_t loaded;        /* dyno:kv:0.. written (url: deleted after) */
	/* kv_replay */
	struct mrc_trace trace;
	struct mrc mrc;
	int have_trace, have_mrc;
	uint64_t max_memory;
	uint64_t calib_loaded;  /* calibration keys written, not yet deleted */
	uint64_t replayed;      /* trace references sent (url: deleted after) */
	uint64_t capacity;      /* items max_memory holds */
	uint64_t evicted0;      /* evicted_keys before the replay */
	char old_cfg[3][64];    /* url: maxmemory, -policy, -samples to restore */
	int cfg_saved;
};

/* hiredis writes with write(2): a server gone away would raise SIGPIPE
** and kill the probe.  Each callback blocks it (its threads inherit the
** mask) and drops a pending one before restoring the caller's mask, so
** nothing outlives the callback. */
static void
kv_sigpipe_block(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

static void
kv_sigpipe_restore(const sigset_t *old)
{
	struct timespec zero = { 0, 0 };
	sigset_t s, pend;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	if (!sigismember(old, SIGPIPE) && sigpending(&pend) == 0 &&
	    sigismember(&pend, SIGPIPE))
		(void)sigtimedwait(&s, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

typedef void (*kv_key_fn)(const struct kv_state *st, uint64_t i, char *buf,
			  size_t n);

static void
kv_key_load(const struct kv_state *st, uint64_t i, char *buf, size_t n)
{
	(void)st;
	snprintf(buf, n, "dyno:kv:%" PRIu64, i);
}

static void
kv_key_trace(const struct kv_state *st, uint64_t i, char *buf, size_t n)
{
	snprintf(buf, n, "dyno:rp:%016" PRIx64, st->trace.keys[i]);
}

/* Calibration keys look like trace keys (same length), ids apart. */
static void
kv_key_calib(const struct kv_state *st, uint64_t i, char *buf, size_t n)
{
	(void)st;
	snprintf(buf, n, "dyno:rp:%016" PRIx64,
		 (uint64_t)((i + 1) * 0x9e3779b97f4a7c15ull ^ 0x5bd1e9955bd1e995ull));
}

/* The value written for key i: value_size bytes of the random buffer
** from an offset that depends on i, so values differ across keys. */
static const char *
kv_value(const struct kv_state *st, uint64_t i)
{
	return st->vbuf + (i * 2654435761ull) % KV_SPREAD;
}

/* One reply of a pipelined command that must be +OK or a number. */
static int
kv_reply_ok(redisContext *c, const char *what, const struct kv_addr *a,
	    char *err, size_t errn)
{
	redisReply *r = NULL;
	char why[160];

	if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
		kv_ctx_error(c, why, sizeof(why));
		snprintf(err, errn, "%s on redis at %s: %s", what, a->text, why);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errn, "%s on redis at %s: %.200s", what, a->text,
			 r->str);
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

/* SETs keys [0, count) in pipelined batches; *done counts those sent, so
** a cleanup after a failure covers them. */
static int
kv_set_keys(const struct kv_state *st, kv_key_fn key, uint64_t count,
	    uint64_t *done, char *err, size_t errn)
{
	char k[64];

	for (uint64_t i = 0; i < count;) {
		uint64_t b = count - i < KV_BATCH ? count - i : KV_BATCH;

		for (uint64_t j = 0; j < b; j++) {
			const char *argv[3] = { "SET", k, kv_value(st, i + j) };
			size_t len[3] = { 3, 0, st->value_size };

			key(st, i + j, k, sizeof(k));
			len[1] = strlen(k);
			if (redisAppendCommandArgv(st->c, 3, argv, len) != REDIS_OK) {
				snprintf(err, errn, "out of memory");
				return -1;
			}
			(*done)++;
		}
		for (uint64_t j = 0; j < b; j++)
			if (kv_reply_ok(st->c, "SET", &st->addr, err, errn) != 0)
				return -1;
		i += b;
	}
	return 0;
}

/* DELs keys [0, count); 0, or -1 when the server is gone. */
static int
kv_del_keys(const struct kv_state *st, kv_key_fn key, uint64_t count)
{
	const char **argv = calloc(KV_DEL_KEYS + 1, sizeof(*argv));
	size_t *len = calloc(KV_DEL_KEYS + 1, sizeof(*len));
	char (*names)[32] = calloc(KV_DEL_KEYS, sizeof(*names));
	char err[256];
	int rc = 0;

	if (argv == NULL || len == NULL || names == NULL) {
		rc = -1;
		goto out;
	}
	argv[0] = "DEL";
	len[0] = 3;
	for (uint64_t i = 0; i < count && rc == 0;) {
		int n = 1;

		for (; n <= KV_DEL_KEYS && i < count; n++, i++) {
			key(st, i, names[n - 1], sizeof(names[n - 1]));
			argv[n] = names[n - 1];
			len[n] = strlen(names[n - 1]);
		}
		if (redisAppendCommandArgv(st->c, n, argv, len) != REDIS_OK ||
		    kv_reply_ok(st->c, "DEL", &st->addr, err, sizeof(err)) != 0)
			rc = -1;
	}
out:
	free(argv);
	free(len);
	free(names);
	return rc;
}

/* One command and its reply on the control connection; the reply (owned
** by the caller), or NULL with err[] saying what failed.  An error reply
** is returned, for the caller to judge. */
static redisReply *
kv_cmd(struct kv_state *st, char *err, size_t errn, int argc,
       const char **argv)
{
	redisReply *r = redisCommandArgv(st->c, argc, argv, NULL);
	char why[160];

	if (r == NULL) {
		kv_ctx_error(st->c, why, sizeof(why));
		snprintf(err, errn, "%s on redis at %s: %s", argv[0],
			 st->addr.text, why);
	}
	return r;
}

/* CONFIG SET name value; 0, or -1 with err[]. */
static int
kv_config_set(struct kv_state *st, const char *name, const char *value,
	      char *err, size_t errn)
{
	const char *argv[4] = { "CONFIG", "SET", name, value };
	redisReply *r = kv_cmd(st, err, errn, 4, argv);

	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errn, "redis at %s refuses CONFIG SET %s %s: %.160s",
			 st->addr.text, name, value, r->str);
		freeReplyObject(r);
		return -1;
	}
	freeReplyObject(r);
	return 0;
}

static void
kv_state_free(const struct dyno_host *h, struct dyno_ctx *ctx,
	      struct kv_state *st)
{
	static const char *const cfg[3] = {
		"maxmemory", "maxmemory-policy", "maxmemory-samples"
	};
	char err[256];

	if (st == NULL)
		return;
	/* Someone else's server gets back what it had: its configuration
	** and no keys of ours.  Our own server simply goes. */
	if (!st->own && st->c != NULL &&
	    (st->cfg_saved || st->loaded || st->calib_loaded || st->replayed)) {
		int badcfg = 0, badkeys = 0;

		/* A fresh connection: a failure may have left replies unread
		** on the old one, which would answer the commands below. */
		redisFree(st->c);
		st->c = kv_connect(&st->addr, 1000, err, sizeof(err));
		for (int i = 0; i < 3 && st->cfg_saved; i++)
			badcfg |= st->c == NULL ||
				  kv_config_set(st, cfg[i], st->old_cfg[i], err,
						sizeof(err)) != 0;
		if (st->loaded > 0)
			badkeys |= st->c == NULL ||
				   kv_del_keys(st, kv_key_load, st->loaded) != 0;
		if (st->calib_loaded > 0)
			badkeys |= st->c == NULL ||
				   kv_del_keys(st, kv_key_calib,
					       st->calib_loaded) != 0;
		if (st->replayed > 0)
			badkeys |= st->c == NULL ||
				   kv_del_keys(st, kv_key_trace, st->replayed) != 0;
		if (badcfg)
			h->log(ctx, DYNO_LOG_WARN, "could not restore maxmemory %s, "
			       "maxmemory-policy %s, maxmemory-samples %s on redis "
			       "at %s", st->old_cfg[0], st->old_cfg[1],
			       st->old_cfg[2], st->addr.text);
		if (badkeys)
			h->log(ctx, DYNO_LOG_WARN, "could not remove the probe's "
			       "dyno:* keys from redis at %s", st->addr.text);
	}
	if (st->c != NULL)
		redisFree(st->c);
	kv_server_stop(&st->srv);
	if (st->have_mrc)
		mrc_free(&st->mrc);
	if (st->have_trace)
		mrc_trace_free(&st->trace);
	free(st->vbuf);
	free(st);
}

static void
kv_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	sigset_t old;

	kv_sigpipe_block(&old);
	kv_state_free(h, ctx, state);
	kv_sigpipe_restore(&old);
}

/* Our own server (url="") or the one at url, and the control connection. */
static int
kv_open(const struct dyno_host *h, struct dyno_ctx *ctx, struct kv_state *st)
{
	const char *url = h->param_str(ctx, "url");
	char err[512], pid[32], v[PATH_MAX + 128];

	if (url[0] == '\0') {
		const char *scratch = h->scratch_dir(ctx);
		int rc;

		if (scratch == NULL)
			return DYNO_FAIL; /* scratch_dir() said why */
		rc = kv_server_start(&st->srv, scratch, err, sizeof(err));
		if (rc > 0)
			return h->skip(ctx, "%s", err);
		if (rc < 0)
			return h->fail(ctx, "%s", err);
		st->own = 1;
		st->addr = st->srv.addr;
	} else if (kv_addr_parse(url, &st->addr, err, sizeof(err)) != 0) {
		return h->fail(ctx, "%s", err);
	}
	st->c = kv_connect(&st->addr, KV_CONNECT_MS, err, sizeof(err));
	if (st->c == NULL)
		return h->fail(ctx, "%s", err);
	if (kv_info_str(st->c, "server", "redis_version", st->version,
			sizeof(st->version)) != 0)
		snprintf(st->version, sizeof(st->version), "?");
	if (st->own) {
		snprintf(v, sizeof(v), "redis-server %s on %s, started by the probe "
			 "(%.200s, --save \"\" --appendonly no)", st->version,
			 st->addr.text, st->srv.bin);
		h->artifact(ctx, "server", v);
		snprintf(pid, sizeof(pid), "%ld", (long)st->srv.pid);
		h->artifact(ctx, "server_pid", pid);
	} else {
		snprintf(v, sizeof(v), "redis %s at %s (url)", st->version,
			 st->addr.text);
		h->artifact(ctx, "server", v);
	}
	return DYNO_OK;
}

/* value_size bytes from KV_SPREAD offsets: random, so neither the
** network nor anything on the way sees constant data. */
static int
kv_values(struct kv_state *st)
{
	size_t n = (size_t)st->value_size + KV_SPREAD;
	uint64_t s;

	st->vbuf = malloc(n);
	if (st->vbuf == NULL)
		return -1;
	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = clock_ns() ^ ((uint64_t)getpid() << 32);
	s |= 1;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t x = prng_next(&s);

		memcpy(st->vbuf + i, &x, n - i < 8 ? n - i : 8);
	}
	return 0;
}

/* -- kv_latency, kv_throughput --------------------------------------- */

/* A growable array of latencies in seconds. */
/* Shared by the connections of one run(). */
struct kv_run {
	const struct kv_state *st;
	uint64_t t0;
	uint64_t deadline;
	size_t nwin;
	atomic_int stop;
	atomic_uint finished;
};

struct kv_worker {
	struct kv_run *run;
	pthread_t tid;
	redisContext *c;
	uint64_t rng;
	uint64_t *when;       /* per pipeline slot: due (fixed rate) or sent */
	unsigned char *isget; /* per pipeline slot */
	struct samples lat;
	uint64_t *wops;       /* requests completed per window */
	uint64_t gets, misses, sets;
	uint64_t t_end;
	uint64_t err_ns;      /* when the connection failed; 0: it did not */
	char err[256];
};

static int
kv_stopping(const struct kv_worker *w, uint64_t now)
{
	return atomic_load_explicit(&w->run->stop, memory_order_relaxed) ||
	       now >= w->run->deadline;
}

static void
kv_worker_fail(struct kv_worker *w, const char *fmt, ...) DYNO_PRINTF(2, 3);

static void
kv_worker_fail(struct kv_worker *w, const char *fmt, ...)
{
	va_list ap;

	w->err_ns = clock_ns();
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	atomic_store(&w->run->stop, 1);
}

/* Appends request j of a batch: GET or SET of a random key. */
static int
kv_append(struct kv_worker *w, unsigned j)
{
	const struct kv_state *st = w->run->st;
	uint64_t r = prng_next(&w->rng);
	char key[32];
	const char *argv[3] = { NULL, key, NULL };
	size_t len[3] = { 3, 0, st->value_size };

	kv_key_load(st, r % st->keys, key, sizeof(key));
	len[1] = strlen(key);
	w->isget[j] = (r >> 40) % 100 < st->get_pct;
	if (w->isget[j]) {
		argv[0] = "GET";
		return redisAppendCommandArgv(w->c, 2, argv, len);
	}
	argv[0] = "SET";
	argv[2] = st->vbuf + (r >> 20) % KV_SPREAD;
	return redisAppendCommandArgv(w->c, 3, argv, len);
}

/* Reads the replies of a batch of n; latency from when[j]. */
static int
kv_collect(struct kv_worker *w, unsigned n)
{
	const struct kv_run *run = w->run;
	const char *addr = run->st->addr.text;

	for (unsigned j = 0; j < n; j++) {
		redisReply *r = NULL;
		uint64_t t;
		size_t win;
		char why[160];

		if (redisGetReply(w->c, (void **)&r) != REDIS_OK || r == NULL) {
			double at = (double)(clock_ns() - run->t0) / 1e9;

			kv_ctx_error(w->c, why, sizeof(why));
			if (kv_timed_out(w->c))
				kv_worker_fail(w, "redis at %s stopped answering "
					       "%.2f s into the run: %s", addr,
					       at - KV_IO_MS / 1e3, why);
			else
				kv_worker_fail(w, "connection to redis at %s lost "
					       "%.2f s into the run: %s", addr, at,
					       why);
			return -1;
		}
		t = clock_ns();
		if (r->type == REDIS_REPLY_ERROR) {
			kv_worker_fail(w, "redis at %s answered %s with an error: "
				       "%.160s", addr, w->isget[j] ? "GET" : "SET",
				       r->str);
			freeReplyObject(r);
			return -1;
		}
		if (w->isget[j]) {
			w->gets++;
			w->misses += r->type == REDIS_REPLY_NIL;
		} else {
			w->sets++;
		}
		freeReplyObject(r);
		samples_push(&w->lat, (double)(t - w->when[j]) / 1e9, KV_LAT_CAP);
		win = (size_t)((t - run->t0) / KV_WINDOW_NS);
		w->wops[win < run->nwin ? win : run->nwin - 1]++;
	}
	return 0;
}

/* Closed loop: send `pipeline` requests, wait for their replies, repeat.
** Fixed rate: request i of this connection is due at t0 + i * period;
** whatever is due (at most `pipeline`) goes out together, and latency
** counts from the due time, so a server that falls behind shows its
** queue in the latencies instead of slowing the schedule (wrk2). */
static void *
kv_worker_main(void *arg)
{
	struct kv_worker *w = arg;
	const struct kv_run *run = w->run;
	const struct kv_state *st = run->st;
	unsigned p = st->pipeline;
	double period = st->rate > 0 ? 1e9 * st->conns / st->rate : 0;
	uint64_t i = 0;

	if (period > 0)
		/* Each wake-up late is latency: no 50 us timer slack. */
		(void)prctl(PR_SET_TIMERSLACK, 1UL);
	for (;;) {
		uint64_t now = clock_ns();
		unsigned n = p;

		if (kv_stopping(w, now))
			break;
		if (period > 0) {
			uint64_t due = run->t0 + (uint64_t)((double)i * period);

			if (now < due) {
				uint64_t until = due < run->deadline ? due
								     : run->deadline;
				struct timespec ts;

				if (until - now > (uint64_t)KV_POLL_NS)
					until = now + (uint64_t)KV_POLL_NS;
				ts.tv_sec = (time_t)(until / 1000000000ull);
				ts.tv_nsec = (long)(until % 1000000000ull);
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
						NULL);
				continue;
			}
			if ((double)(now - due) / period < (double)(p - 1))
				n = 1 + (unsigned)((double)(now - due) / period);
			for (unsigned j = 0; j < n; j++)
				w->when[j] = run->t0 +
					     (uint64_t)((double)(i + j) * period);
		}
		for (unsigned j = 0; j < n; j++)
			if (kv_append(w, j) != REDIS_OK) {
				kv_worker_fail(w, "out of memory");
				goto out;
			}
		if (period == 0) {
			now = clock_ns();
			for (unsigned j = 0; j < n; j++)
				w->when[j] = now;
		}
		if (kv_collect(w, n) != 0)
			break;
		i += n;
	}
out:
	w->t_end = clock_ns();
	atomic_fetch_add(&w->run->finished, 1);
	return NULL;
}

static void
kv_worker_free(struct kv_worker *w)
{
	if (w->c != NULL)
		redisFree(w->c);
	free(w->when);
	free(w->isget);
	samples_free(&w->lat);
	free(w->wops);
}

/* Records ops per window: a last window shorter than half a window joins
** the one before, so the mean of the samples is the whole-run rate within
** a few per cent. */
/* The ops rate of each window of a run that lasted el ns. */
static void
kv_record_windows(const struct dyno_host *h, struct dyno_ctx *ctx,
		  uint64_t *ops, size_t nwin, uint64_t el)
{
	uint64_t *const all[1] = { ops };
	uint64_t last;
	size_t k;

	if (nwin == 0)
		return;
	k = windows_close(el, KV_WINDOW_NS, nwin, all, 1, &last);
	windows_record(h, ctx, "ops", ops, k, KV_WINDOW_NS, last);
}

static int
kv_load_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct kv_state *st = calloc(1, sizeof(*st));
	sigset_t old;
	char err[512];
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	double mem = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0;
	int rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	kv_sigpipe_block(&old);
	st->value_size = h->param_size(ctx, "value_size");
	st->keys = (uint64_t)h->param_int(ctx, "keys");
	st->get_pct = (unsigned)h->param_int(ctx, "get_pct");
	st->pipeline = (unsigned)h->param_int(ctx, "pipeline");
	st->conns = (unsigned)h->param_int(ctx, "connections");
	st->rate = h->param_float(ctx, "rate");
	st->runtime_ns = h->param_duration_ns(ctx, "runtime");
	if (h->param_str(ctx, "url")[0] == '\0' && mem > 0 &&
	    (double)st->keys * (double)st->value_size > mem / 2) {
		rc = h->fail(ctx, "keys x value_size = %.0f B is more than half of "
			     "the %.0f B of memory, which the probe's own "
			     "redis-server would hold: lower keys or value_size",
			     (double)st->keys * (double)st->value_size, mem);
		goto out;
	}
	if (kv_values(st) != 0) {
		rc = h->fail(ctx, "out of memory for a %" PRIu64 " B value",
			     st->value_size);
		goto out;
	}
	rc = kv_open(h, ctx, st);
	if (rc != DYNO_OK)
		goto out;
	if (kv_set_keys(st, kv_key_load, st->keys, &st->loaded, err,
			sizeof(err)) != 0) {
		rc = h->fail(ctx, "loading %" PRIu64 " keys: %s", st->keys, err);
		goto out;
	}
	*state = st;
	kv_sigpipe_restore(&old);
	return DYNO_OK;
out:
	kv_state_free(h, ctx, st);
	kv_sigpipe_restore(&old);
	return rc;
}

static int
kv_load_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct kv_state *st = state;
	struct kv_run run = { .st = st };
	struct kv_worker *ws = calloc(st->conns, sizeof(*ws));
	uint64_t *sum = NULL, t_end = 0, gets = 0, misses = 0, sets = 0;
	uint64_t seed, n = 0;
	struct kv_worker *first = NULL;
	unsigned started = 0;
	int rc = DYNO_OK, capped = 0;
	char err[512], v[256];
	sigset_t old;

	if (ws == NULL)
		return h->fail(ctx, "out of memory");
	kv_sigpipe_block(&old);
	run.nwin = (size_t)((st->runtime_ns + KV_WINDOW_NS - 1) / KV_WINDOW_NS);
	if (run.nwin == 0)
		run.nwin = 1;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = clock_ns();
	for (unsigned i = 0; i < st->conns; i++) {
		struct kv_worker *w = &ws[i];

		w->run = &run;
		w->rng = (0x9e3779b97f4a7c15ull * (i + 1)) ^ seed;
		if (w->rng == 0)
			w->rng = 1;
		w->when = calloc(st->pipeline, sizeof(*w->when));
		w->isget = calloc(st->pipeline, sizeof(*w->isget));
		w->wops = calloc(run.nwin, sizeof(*w->wops));
		if (w->when == NULL || w->isget == NULL || w->wops == NULL) {
			rc = h->fail(ctx, "out of memory");
			goto out;
		}
		w->c = kv_connect(&st->addr, KV_CONNECT_MS, err, sizeof(err));
		if (w->c == NULL) {
			rc = h->fail(ctx, "connection %u of %u: %s", i + 1,
				     st->conns, err);
			goto out;
		}
	}
	if (st->rate > 0)
		snprintf(v, sizeof(v), "fixed rate: %.6g op/s (%.6g per "
			 "connection); latency from each request's intended send "
			 "time, queueing included", st->rate, st->rate / st->conns);
	else
		snprintf(v, sizeof(v), "closed loop: each connection sends %u "
			 "request(s), waits for the replies, repeats; latency from "
			 "the send", st->pipeline);
	h->artifact(ctx, "mode", v);

	run.t0 = clock_ns();
	run.deadline = run.t0 + st->runtime_ns;
	for (; started < st->conns; started++)
		if (pthread_create(&ws[started].tid, NULL, kv_worker_main,
				   &ws[started]) != 0) {
			atomic_store(&run.stop, 1);
			rc = h->fail(ctx, "cannot start thread %u for connection %u",
				     started, started + 1);
			break;
		}
	/* The connections stop at the deadline.  should_stop() cannot turn
	** true for statistics before anything is recorded, so here it only
	** means --max-time has passed or the user pressed Ctrl-C. */
	while (atomic_load(&run.finished) < started) {
		if (!atomic_load(&run.stop) && h->should_stop(ctx)) {
			atomic_store(&run.stop, 1);
			h->artifact(ctx, "stopped_early", "dyno asked the probe to "
				    "stop before runtime (--max-time or Ctrl-C)");
		}
		kv_sleep_ns(KV_POLL_NS);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	if (rc != DYNO_OK)
		goto out;

	/* What was measured is recorded also when a connection failed. */
	sum = calloc(run.nwin, sizeof(*sum));
	if (sum == NULL) {
		rc = h->fail(ctx, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < st->conns; i++) {
		struct kv_worker *w = &ws[i];

		samples_record(h, ctx, "latency", &w->lat);
		for (size_t j = 0; j < run.nwin; j++)
			sum[j] += w->wops[j];
		capped |= w->lat.capped;
		gets += w->gets;
		misses += w->misses;
		sets += w->sets;
		if (w->t_end > t_end)
			t_end = w->t_end;
		if (w->err_ns != 0 && (first == NULL || w->err_ns < first->err_ns))
			first = w;
	}
	n = gets + sets;
	/* A reply awaited past the deadline (a stalled server) does not
	** stretch the last window. */
	if (n > 0)
		kv_record_windows(h, ctx, sum, run.nwin,
				  t_end - run.t0 < run.nwin * KV_WINDOW_NS
					  ? t_end - run.t0
					  : run.nwin * KV_WINDOW_NS);
	if (capped)
		h->artifact(ctx, "latency_note", "latency samples capped at 32Mi "
			    "per connection; the rest not recorded");
	snprintf(v, sizeof(v), "%" PRIu64 " GET (%" PRIu64 " missed), %" PRIu64
		 " SET in %.3f s over %u connection(s), pipeline %u", gets,
		 misses, sets, (double)(t_end - run.t0) / 1e9, st->conns,
		 st->pipeline);
	h->artifact(ctx, "requests", v);
	if (st->rate > 0 && t_end > run.t0) {
		double got = (double)n / ((double)(t_end - run.t0) / 1e9);

		snprintf(v, sizeof(v), "%.6g op/s of %.6g asked (%.0f%%)", got,
			 st->rate, 100 * got / st->rate);
		h->artifact(ctx, "rate_achieved", v);
	}
	if (first != NULL)
		rc = h->fail(ctx, "%s (%" PRIu64 " requests measured before, "
			     "recorded)", first->err, n);
	else if (n == 0)
		rc = h->fail(ctx, "no request completed in %.3f s",
			     (double)(t_end - run.t0) / 1e9);
out:
	free(sum);
	for (unsigned i = 0; i < st->conns; i++)
		kv_worker_free(&ws[i]);
	free(ws);
	kv_sigpipe_restore(&old);
	return rc;
}

/* -- kv_replay ------------------------------------------------------- */

/* Redis's bytes per item, measured: used_memory before and after writing
** n items shaped like the trace's (key length, value_size), n about the
** number max_memory will hold so the hash table has that item count's
** size.  The items are deleted again.  0, or -1 with err[]. */
static int
kv_calibrate(struct kv_state *st, double *item_bytes, char *err, size_t errn)
{
	uint64_t m0, m1, n;
	const char *flush[1] = { "FLUSHALL" };
	redisReply *r;

	if (kv_info_u64(st->c, "memory", "used_memory", &m0, err, errn) != 0)
		return -1;
	n = st->max_memory > m0 ? (st->max_memory - m0) / (st->value_size + 64)
				: 1;
	n = n < 1000 ? 1000 : n > KV_CALIB_MAX ? KV_CALIB_MAX : n;
	if (kv_set_keys(st, kv_key_calib, n, &st->calib_loaded, err, errn) != 0)
		return -1;
	if (kv_info_u64(st->c, "memory", "used_memory", &m1, err, errn) != 0)
		return -1;
	*item_bytes = m1 > m0 ? (double)(m1 - m0) / (double)n : 0;
	if (st->own) {
		/* Ours and empty before: FLUSHALL also frees the table. */
		r = kv_cmd(st, err, errn, 1, flush);
		if (r == NULL)
			return -1;
		freeReplyObject(r);
	} else if (kv_del_keys(st, kv_key_calib, n) != 0) {
		snprintf(err, errn, "DEL on redis at %s failed", st->addr.text);
		return -1;
	}
	st->calib_loaded = 0;
	if (*item_bytes <= 0) {
		snprintf(err, errn, "used_memory did not grow with %" PRIu64
			 " items (%" PRIu64 " B, then %" PRIu64 " B)", n, m0, m1);
		return -1;
	}
	return 0;
}

/* With a url: the server must be empty (allkeys-lru would evict what is
** there) and allow CONFIG; what it had is restored in teardown. */
static int
kv_replay_borrow(const struct dyno_host *h, struct dyno_ctx *ctx,
		 struct kv_state *st)
{
	static const char *const cfg[3] = {
		"maxmemory", "maxmemory-policy", "maxmemory-samples"
	};
	const char *dbsize[1] = { "DBSIZE" };
	char err[512];
	redisReply *r = kv_cmd(st, err, sizeof(err), 1, dbsize);

	if (r == NULL)
		return h->fail(ctx, "%s", err);
	if (r->type != REDIS_REPLY_INTEGER || r->integer != 0) {
		int rc = h->fail(ctx, "redis at %s holds %lld keys: kv_replay sets "
				 "maxmemory-policy allkeys-lru and would evict them "
				 "(give an empty server, or url=\"\" for the probe's "
				 "own)", st->addr.text,
				 r->type == REDIS_REPLY_INTEGER ? r->integer : -1LL);

		freeReplyObject(r);
		return rc;
	}
	freeReplyObject(r);
	for (int i = 0; i < 3; i++) {
		const char *argv[3] = { "CONFIG", "GET", cfg[i] };

		r = kv_cmd(st, err, sizeof(err), 3, argv);
		if (r == NULL)
			return h->fail(ctx, "%s", err);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[1]->type != REDIS_REPLY_STRING) {
			int rc = h->fail(ctx, "redis at %s refuses CONFIG GET %s "
					 "(%.120s): kv_replay must set maxmemory and "
					 "maxmemory-policy (allow CONFIG, or give "
					 "url=\"\" for the probe's own server)",
					 st->addr.text, cfg[i],
					 r->type == REDIS_REPLY_ERROR ? r->str
								      : "no value");

			freeReplyObject(r);
			return rc;
		}
		snprintf(st->old_cfg[i], sizeof(st->old_cfg[i]), "%s",
			 r->element[1]->str);
		freeReplyObject(r);
	}
	st->cfg_saved = 1;
	return DYNO_OK;
}

static int
kv_replay_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct kv_state *st = calloc(1, sizeof(*st));
	const char *trace = h->param_str(ctx, "trace");
	char err[512], v[512], num[32], samples[16];
	uint64_t base;
	double ib;
	sigset_t old;
	int rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	kv_sigpipe_block(&old);
	st->value_size = h->param_size(ctx, "value_size");
	st->pipeline = (unsigned)h->param_int(ctx, "pipeline");
	st->max_memory = h->param_size(ctx, "max_memory");
	snprintf(samples, sizeof(samples), "%lld",
		 (long long)h->param_int(ctx, "lru_samples"));
	if (trace[0] != '\0') {
		if (mrc_trace_load(trace, &st->trace, err, sizeof(err)) != 0) {
			rc = h->fail(ctx, "%s", err);
			goto out;
		}
		snprintf(v, sizeof(v), "%s: %zu references, %" PRIu64
			 " distinct keys", trace, st->trace.n, st->trace.distinct);
	} else {
		uint64_t keys = (uint64_t)h->param_int(ctx, "keys");
		uint64_t req = (uint64_t)h->param_int(ctx, "requests");
		uint64_t seed = (uint64_t)h->param_int(ctx, "seed");
		double alpha = h->param_float(ctx, "alpha");

		if (mrc_trace_zipf(&st->trace, keys, req, alpha, seed) != 0) {
			rc = h->fail(ctx, "cannot generate a Zipf trace of %" PRIu64
				     " requests over %" PRIu64 " keys (alpha %g): "
				     "out of memory", req, keys, alpha);
			goto out;
		}
		snprintf(v, sizeof(v), "zipf alpha=%g keys=%" PRIu64 " requests=%"
			 PRIu64 " seed=%" PRIu64 ": %" PRIu64 " distinct keys",
			 alpha, keys, req, seed, st->trace.distinct);
	}
	st->have_trace = 1;
	h->artifact(ctx, "trace", v);
	if (mrc_compute(&st->trace, 1.0, 0, &st->mrc) != 0) {
		rc = h->fail(ctx, "out of memory for the miss-ratio curve of %zu "
			     "references", st->trace.n);
		goto out;
	}
	st->have_mrc = 1;
	if (kv_values(st) != 0) {
		rc = h->fail(ctx, "out of memory for a %" PRIu64 " B value",
			     st->value_size);
		goto out;
	}
	rc = kv_open(h, ctx, st);
	if (rc != DYNO_OK)
		goto out;
	if (!st->own && (rc = kv_replay_borrow(h, ctx, st)) != DYNO_OK)
		goto out;
	/* Unbounded while calibrating; the limit comes after. */
	if (kv_config_set(st, "maxmemory", "0", err, sizeof(err)) != 0 ||
	    kv_config_set(st, "maxmemory-policy", "allkeys-lru", err,
			  sizeof(err)) != 0 ||
	    kv_config_set(st, "maxmemory-samples", samples, err,
			  sizeof(err)) != 0) {
		rc = h->fail(ctx, "%s (kv_replay must set maxmemory and "
			     "maxmemory-policy)", err);
		goto out;
	}
	if (kv_calibrate(st, &ib, err, sizeof(err)) != 0) {
		rc = h->fail(ctx, "measuring bytes per item: %s", err);
		goto out;
	}
	if (kv_info_u64(st->c, "memory", "used_memory", &base, err,
			sizeof(err)) != 0) {
		rc = h->fail(ctx, "%s", err);
		goto out;
	}
	if ((double)st->max_memory < (double)base + ib) {
		rc = h->fail(ctx, "max_memory %" PRIu64 " B leaves no room for "
			     "items: redis at %s uses %" PRIu64 " B empty (give "
			     "more than that)", st->max_memory, st->addr.text,
			     base);
		goto out;
	}
	st->capacity = (uint64_t)((double)(st->max_memory - base) / ib);
	snprintf(num, sizeof(num), "%" PRIu64, st->max_memory);
	if (kv_config_set(st, "maxmemory", num, err, sizeof(err)) != 0 ||
	    kv_info_u64(st->c, "stats", "evicted_keys", &st->evicted0, err,
			sizeof(err)) != 0) {
		rc = h->fail(ctx, "%s", err);
		goto out;
	}
	snprintf(v, sizeof(v), "%.1f", ib);
	h->artifact(ctx, "item_bytes_measured", v);
	snprintf(v, sizeof(v), "%" PRIu64, st->capacity);
	h->artifact(ctx, "items_capacity", v);
	snprintf(v, sizeof(v), "%" PRIu64, base);
	h->artifact(ctx, "used_memory_empty", v);
	snprintf(v, sizeof(v), "maxmemory %s, maxmemory-policy allkeys-lru, "
		 "maxmemory-samples %s%s", num, samples,
		 st->own ? "" : " set with CONFIG SET on the url's server, "
		 "restored after");
	h->artifact(ctx, "config", v);
	*state = st;
	kv_sigpipe_restore(&old);
	return DYNO_OK;
out:
	kv_state_free(h, ctx, st);
	kv_sigpipe_restore(&old);
	return rc;
}

/* Cache-aside, `pipeline` references at a time: their GETs, then a SET
** for each miss.  A key repeated inside a batch after a miss counts as
** the hit the one-by-one replay would have had, and is not SET twice. */
static int
kv_replay_batch(struct kv_state *st, size_t i, unsigned b, unsigned char *hit,
		uint64_t *hits, char *err, size_t errn)
{
	char key[32];
	unsigned nset = 0;

	for (unsigned j = 0; j < b; j++) {
		const char *argv[2] = { "GET", key };
		size_t len[2] = { 3, 0 };

		kv_key_trace(st, i + j, key, sizeof(key));
		len[1] = strlen(key);
		if (redisAppendCommandArgv(st->c, 2, argv, len) != REDIS_OK) {
			snprintf(err, errn, "out of memory");
			return -1;
		}
		st->replayed = i + j + 1;
	}
	for (unsigned j = 0; j < b; j++) {
		redisReply *r = NULL;
		char why[160];

		if (redisGetReply(st->c, (void **)&r) != REDIS_OK || r == NULL) {
			kv_ctx_error(st->c, why, sizeof(why));
			snprintf(err, errn, "connection to redis at %s lost at "
				 "reference %zu: %s", st->addr.text, i + j, why);
			return -1;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errn, "redis at %s answered GET with an "
				 "error: %.160s", st->addr.text, r->str);
			freeReplyObject(r);
			return -1;
		}
		hit[j] = r->type == REDIS_REPLY_STRING;
		freeReplyObject(r);
		for (unsigned k = 0; k < j && !hit[j]; k++)
			if (st->trace.keys[i + k] == st->trace.keys[i + j])
				hit[j] = 2;
		*hits += hit[j] != 0;
	}
	for (unsigned j = 0; j < b; j++) {
		const char *argv[3] = { "SET", key, kv_value(st, st->trace.keys[i + j]) };
		size_t len[3] = { 3, 0, st->value_size };

		if (hit[j])
			continue;
		kv_key_trace(st, i + j, key, sizeof(key));
		len[1] = strlen(key);
		if (redisAppendCommandArgv(st->c, 3, argv, len) != REDIS_OK) {
			snprintf(err, errn, "out of memory");
			return -1;
		}
		nset++;
	}
	for (unsigned j = 0; j < nset; j++)
		if (kv_reply_ok(st->c, "SET", &st->addr, err, errn) != 0)
			return -1;
	return 0;
}

static int
kv_replay_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct kv_state *st = state;
	size_t n = st->trace.n, nwin = 64, done = 0;
	uint64_t *wops = calloc(nwin, sizeof(*wops));
	unsigned char *hit = calloc(st->pipeline, 1);
	uint64_t hits = 0, t0, t_end, t_prog, evicted = 0;
	double measured, predicted;
	int rc = DYNO_OK;
	char err[512] = "", v[256];
	struct mrc pre;
	sigset_t old;

	if (wops == NULL || hit == NULL) {
		free(wops);
		free(hit);
		return h->fail(ctx, "out of memory");
	}
	kv_sigpipe_block(&old);
	t0 = t_prog = clock_ns();
	while (done < n) {
		unsigned b = n - done < st->pipeline ? (unsigned)(n - done)
						      : st->pipeline;
		size_t win;

		if (kv_replay_batch(st, done, b, hit, &hits, err,
				    sizeof(err)) != 0)
			break;
		done += b;
		win = (size_t)((clock_ns() - t0) / KV_WINDOW_NS);
		if (win >= nwin) {
			size_t nn = win * 2;
			uint64_t *p = grow_zeroed(wops, nwin, nn, sizeof(*p));

			if (p == NULL) {
				snprintf(err, sizeof(err), "out of memory");
				break;
			}
			wops = p;
			nwin = nn;
		}
		wops[win] += b;
		if ((done & 0xff) >= b) /* the checks every 256 references */
			continue;
		if (clock_ns() - t_prog >= 200000000ull) {
			t_prog = clock_ns();
			h->progress(ctx, (double)done / (double)n,
				    "replaying the trace");
		}
		if (done < n && h->should_stop(ctx)) {
			h->artifact(ctx, "stopped_early", "dyno asked the probe to "
				    "stop before the trace's end (--max-time or "
				    "Ctrl-C); the hit rates cover the part replayed");
			break;
		}
	}
	t_end = clock_ns();
	if (done == 0) {
		rc = h->fail(ctx, "%s", err[0] ? err : "no reference replayed");
		goto out;
	}
	kv_record_windows(h, ctx, wops, nwin, t_end - t0);
	measured = (double)hits / (double)done;
	h->record(ctx, "hit_rate", measured);
	/* The curve of the part replayed: like with like. */
	if (done < n) {
		struct mrc_trace part = st->trace;

		part.n = done;
		if (mrc_compute(&part, 1.0, 0, &pre) != 0) {
			rc = h->fail(ctx, "out of memory for the miss-ratio curve");
			goto out;
		}
		predicted = mrc_hit_rate(&pre, st->capacity);
		mrc_free(&pre);
	} else {
		predicted = mrc_hit_rate(&st->mrc, st->capacity);
	}
	if (st->c->err == 0 && kv_info_u64(st->c, "stats", "evicted_keys",
					   &evicted, v, sizeof(v)) == 0) {
		snprintf(v, sizeof(v), "%" PRIu64, evicted - st->evicted0);
		h->artifact(ctx, "evicted_keys", v);
	}
	/* Beside items_capacity: a capacity estimate that was off shows
	** here, apart from the eviction policy's own gap. */
	if (st->c->err == 0) {
		const char *argv[1] = { "DBSIZE" };
		char e[512];
		redisReply *r = kv_cmd(st, e, sizeof(e), 1, argv);

		if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
			snprintf(v, sizeof(v), "%lld", r->integer);
			h->artifact(ctx, "items_held", v);
		}
		freeReplyObject(r);
	}
	snprintf(v, sizeof(v), "%.4f", measured);
	h->artifact(ctx, "measured_hit_rate", v);
	snprintf(v, sizeof(v), "%.4f", predicted);
	h->artifact(ctx, "predicted_hit_rate", v);
	snprintf(v, sizeof(v), "%+.4f", measured - predicted);
	h->artifact(ctx, "hit_rate_gap", v);
	snprintf(v, sizeof(v), "%zu of %zu references, %" PRIu64 " hits, in "
		 "%.3f s, pipeline %u", done, n, hits,
		 (double)(t_end - t0) / 1e9, st->pipeline);
	h->artifact(ctx, "replay", v);
	if (err[0] != '\0')
		rc = h->fail(ctx, "%s (%zu references replayed before, recorded)",
			     err, done);
out:
	free(wops);
	free(hit);
	kv_sigpipe_restore(&old);
	return rc;
}

#define KV_OPS(setupfn, runfn)                                          \
	.setup = setupfn, .teardown = kv_teardown, .run = runfn

#else /* !HAVE_HIREDIS */

#define KV_OPS(setupfn, runfn)                                          \
	.unavailable_reason = "built without hiredis (install libhiredis-dev and rebuild)"

#endif /* HAVE_HIREDIS */

/* -- descriptors ------------------------------------------------------ */

#define KV_P_URL                                                        \
	{ .name = "url", .type = DYNO_PARAM_STRING, .def = "",            \
	  .help = "redis://host:port or host:port of a running server (empty: the probe starts its own redis-server on a free loopback port)" }
#define KV_P_LOAD(pipe, conns)                                          \
	KV_P_URL,                                                       \
	{ .name = "value_size", .type = DYNO_PARAM_SIZE, .def = "1KiB",   \
	  .min = "1", .max = "64MiB", .help = "bytes per value (random content)" }, \
	{ .name = "keys", .type = DYNO_PARAM_INT, .def = "10000", .min = "1", \
	  .max = "1G", .help = "keys written before the run; requests pick one uniformly" }, \
	{ .name = "get_pct", .type = DYNO_PARAM_INT, .def = "90", .min = "0", \
	  .max = "100", .help = "percentage of requests that are GETs; the rest are SETs" }, \
	{ .name = "pipeline", .type = DYNO_PARAM_INT, .def = pipe, .min = "1", \
	  .max = "1024", .help = "requests sent together per connection before reading the replies" }, \
	{ .name = "connections", .type = DYNO_PARAM_INT, .def = conns,    \
	  .min = "1", .max = "256", .help = "connections, one thread each" }, \
	{ .name = "rate", .type = DYNO_PARAM_FLOAT, .def = "0", .min = "0", \
	  .help = "op/s over all connections (0: closed loop, as fast as possible; > 0: fixed schedule, latency from each request's intended send time)" }, \
	{ .name = "runtime", .type = DYNO_PARAM_DURATION, .def = "3s",    \
	  .min = "100ms", .max = "1h", .help = "how long to send requests (capped by --max-time)" }, \
	{ NULL }

static const struct dyno_param kv_latency_params[] = { KV_P_LOAD("1", "1") };
static const struct dyno_param kv_throughput_params[] = { KV_P_LOAD("16", "4") };

static const struct dyno_param kv_replay_params[] = {
	KV_P_URL,
	{ .name = "trace", .type = DYNO_PARAM_STRING, .def = "",
	  .help = "file with one key per line (empty: a Zipf trace from alpha, keys, requests, seed)" },
	{ .name = "alpha", .type = DYNO_PARAM_FLOAT, .def = "0.99", .min = "0",
	  .max = "3", .help = "Zipf exponent of the generated trace (0: uniform)" },
	{ .name = "keys", .type = DYNO_PARAM_INT, .def = "10000", .min = "1",
	  .max = "100000000", .help = "distinct keys of the generated trace" },
	{ .name = "requests", .type = DYNO_PARAM_INT, .def = "50000",
	  .min = "1", .max = "1000000000", .help = "references in the generated trace" },
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",
	  .help = "seed of the generated trace (same seed, same trace)" },
	{ .name = "max_memory", .type = DYNO_PARAM_SIZE, .def = "4MiB",
	  .min = "1MiB", .help = "redis maxmemory during the replay (with allkeys-lru)" },
	{ .name = "value_size", .type = DYNO_PARAM_SIZE, .def = "1KiB",
	  .min = "1", .max = "64MiB", .help = "bytes per value SET on a miss" },
	{ .name = "pipeline", .type = DYNO_PARAM_INT, .def = "1", .min = "1",
	  .max = "1024", .help = "references whose GETs are sent together (1: strictly one by one)" },
	{ .name = "lru_samples", .type = DYNO_PARAM_INT, .def = "5", .min = "1",
	  .max = "64", .help = "maxmemory-samples: keys redis samples per eviction (5 is its default; more helps only when the replay spans many seconds, redis's LRU clock ticks once a second)" },
	{ NULL }
};

#define KV_M_LATENCY                                                    \
	{ .name = "latency", .unit = "s", .better = DYNO_BETTER_LOWER,    \
	  .help = "send (closed loop) or intended send (fixed rate) to reply, one sample per request" }
#define KV_M_OPS                                                        \
	{ .name = "ops", .unit = "op/s", .better = DYNO_BETTER_HIGHER,    \
	  .help = "requests completed per second, one sample per 100 ms window (compare the mean)" }

static const struct dyno_metric kv_latency_metrics[] = {
	KV_M_LATENCY, KV_M_OPS, { NULL }
};
static const struct dyno_metric kv_throughput_metrics[] = {
	KV_M_OPS, KV_M_LATENCY, { NULL }
};
static const struct dyno_metric kv_replay_metrics[] = {
	{ .name = "hit_rate", .unit = "", .better = DYNO_BETTER_HIGHER,
	  .help = "GET hits / trace references, cold misses included (as the miss-ratio curve counts)" },
	{ .name = "ops", .unit = "op/s", .better = DYNO_BETTER_HIGHER,
	  .help = "trace references per second (a GET, plus a SET on a miss), one sample per 100 ms window" },
	{ NULL }
};

const struct dyno_probe cache_kv_latency_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "kv_latency",
	.summary = "Redis request latency: GET/SET mix, one connection, no pipelining",
	.params = kv_latency_params,
	.metrics = kv_latency_metrics,
	KV_OPS(kv_load_setup, kv_load_run),
};

const struct dyno_probe cache_kv_throughput_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "kv_throughput",
	.summary = "Redis throughput: GET/SET mix over pipelined connections",
	.params = kv_throughput_params,
	.metrics = kv_throughput_metrics,
	.headline_metrics = 2, /* ops, latency */
	KV_OPS(kv_load_setup, kv_load_run),
};

const struct dyno_probe cache_kv_replay_probe = {
	.size = sizeof(struct dyno_probe),
	.name = "kv_replay",
	.summary = "Replays a key trace through an LRU Redis of max_memory; hit rate vs the miss-ratio curve's",
	.params = kv_replay_params,
	.metrics = kv_replay_metrics,
	KV_OPS(kv_replay_setup, kv_replay_run),
};

/*
** dyno/plugin.h - the dyno plugin ABI, version 1.
**
** This is the only header a dyno plugin includes.  A plugin is a shared
** object that exports one symbol, dyno_plugin_v1 (declare it with
** DYNO_PLUGIN_ENTRY), and reaches the core only through the host table it
** receives there and in every callback.  It links against nothing of dyno.
**
** Compatibility rules, which both sides rely on:
**   - The major version is in the entry symbol's name.  An incompatible
**     future ABI exports dyno_plugin_v2; a v1 host simply does not find it.
**   - Every struct that crosses the boundary and may grow starts with its
**     `size`.  New members are only ever appended, each marked with the
**     abi_minor that added it.  A reader uses a member only when it lies
**     inside the `size` the writer gave (DYNO_HOST_HAS does this for the
**     host table).  A changed callback gets a new slot (run2), never a new
**     signature in an old slot.
**   - Array elements (struct dyno_param, struct dyno_metric) carry no size:
**     their layout is the one of the plugin's abi_minor.
**
** Ownership (nothing is freed across the boundary):
**   - Strings and data the host passes to a callback are borrowed for the
**     duration of that call.
**   - Strings the plugin passes to the host (record, artifact, log, skip,
**     fail, inventory facts) are copied before the call returns.
**   - Descriptors (struct dyno_plugin and everything it points to) belong
**     to the plugin and must stay valid until the process exits; make them
**     static const data.  The host never writes into them.
**   - Per-probe state: setup() allocates it into *state, teardown() frees it.
**     teardown() runs if and only if setup() returned DYNO_OK.
**
** Where code runs: the `dyno` process loads plugins and reads descriptors
** only.  init(), inventory(), setup(), iterate()/run(), teardown() and
** fini() run in a forked child (unless the user asked for --no-fork), so a
** plugin may initialise heavy state (CUDA, thread pools) in them.
*/
#ifndef DYNO_PLUGIN_H
#define DYNO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version implemented by this header. */
#define DYNO_ABI_MAJOR 1
#define DYNO_ABI_MINOR 1

/* Marks the one exported symbol; build plugins with -fvisibility=hidden. */
#if defined(__GNUC__)
#define DYNO_EXPORT __attribute__((visibility("default")))
#define DYNO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DYNO_EXPORT
#define DYNO_PRINTF(f, a)
#endif

/* Outcome of a plugin callback.  host->skip() and host->fail() return the
** matching value so a callback can `return host->fail(ctx, "...")`. */
enum dyno_outcome {
	DYNO_OK = 0,   /* the callback did its work */
	DYNO_SKIP = 1, /* the probe cannot run here; the reason says why */
	DYNO_FAIL = 2  /* the probe tried and failed; the reason says why */
};

/* Parameter types.  Values are given by users as text and parsed by the host
** with units: size "4KiB" "1.5GiB" "64k", duration "250ms" "2s" "1m",
** bool "true/false/yes/no/on/off/1/0", enum one of `choices`. */
enum dyno_param_type {
	DYNO_PARAM_INT = 1,      /* signed 64-bit integer, "12k" accepted */
	DYNO_PARAM_FLOAT = 2,    /* double */
	DYNO_PARAM_SIZE = 3,     /* bytes, unsigned 64-bit */
	DYNO_PARAM_DURATION = 4, /* nanoseconds, unsigned 64-bit */
	DYNO_PARAM_BOOL = 5,
	DYNO_PARAM_STRING = 6,
	DYNO_PARAM_ENUM = 7      /* a string, one of `choices` */
};

/* Whether a larger value of a metric is better or worse. */
enum dyno_better {
	DYNO_BETTER_HIGHER = 1,
	DYNO_BETTER_LOWER = 2
};

/* Probe flags (bit set). */
#define DYNO_PROBE_NEEDS_GPU    (1u << 0) /* needs a GPU to give a result */
#define DYNO_PROBE_EXCLUSIVE    (1u << 1) /* run alone; nothing in parallel */
#define DYNO_PROBE_WRITES_DISK  (1u << 2) /* writes files under scratch_dir */

/* Log levels for host->log. */
enum dyno_log_level {
	DYNO_LOG_ERROR = 0,
	DYNO_LOG_WARN = 1,
	DYNO_LOG_INFO = 2,
	DYNO_LOG_DEBUG = 3
};

/* Opaque per-run context handed to every probe callback. */
struct dyno_ctx;
/* Opaque sink that inventory() adds hardware facts to. */
struct dyno_inventory;

/*
** One probe parameter.  Arrays of these end with an element whose name is
** NULL.  def/min/max are text in the parameter's own syntax ("4KiB",
** "250ms"); NULL means no default (the parameter is then required) or no
** bound.  Names match [a-z][a-z0-9_]*.
*/
struct dyno_param {
	const char *name;
	enum dyno_param_type type;
	const char *def;     /* default value, or NULL: required */
	const char *min;     /* inclusive lower bound, or NULL */
	const char *max;     /* inclusive upper bound, or NULL */
	const char *choices; /* DYNO_PARAM_ENUM only: "read|write|randread" */
	const char *help;    /* one line, shown by `dyno describe` */
};

/*
** One metric a run() probe records.  Arrays end with an element whose name
** is NULL.  unit is a base unit without prefix: "s", "B", "B/s", "op/s",
** "Hz", "W", "%", or "" for a plain number; the host scales it for display
** (850 ns, 1.23 GB/s).  iterate() probes get their metrics from the host
** (see struct dyno_probe) and may leave this NULL.
*/
struct dyno_metric {
	const char *name;
	const char *unit;
	enum dyno_better better;
	const char *help;
};

struct dyno_host;

/*
** A probe.  Its id is "<plugin>.<name>".  Exactly one of iterate and run
** is set.
**
** iterate(h, ctx, state, n) performs the measured operation n times.  The
** host times whole calls, calibrates n so one call lasts at least
** min_batch_time, repeats calls until the statistics are stable, and
** reports the metrics
**     time        s     lower   per operation
**     rate        op/s  higher  operations per second
**     bandwidth   B/s   higher  only if set_bytes_per_op() was called
** iterate must not record() by itself.
**
** run(h, ctx, state) times itself and record()s samples of the metrics it
** declares, until h->should_stop(ctx) says enough (min_time reached and
** the statistics stable, max_time reached, or the user stopped the run).
*/
struct dyno_probe {
	size_t size;        /* sizeof(struct dyno_probe); ABI 1.0's ended at
			    ** unavailable_reason (DYNO_PROBE_SIZE_1_0) */
	const char *name;   /* [a-z][a-z0-9_]* */
	const char *summary;
	const struct dyno_param *params;   /* NULL or ended by {NULL} */
	const struct dyno_metric *metrics; /* NULL or ended by {NULL} */
	uint32_t flags;     /* DYNO_PROBE_* */
	/* Allocate per-run state into *state.  Optional. */
	int (*setup)(const struct dyno_host *h, struct dyno_ctx *ctx,
		     void **state);
	/* Free what setup allocated.  Optional. */
	void (*teardown)(const struct dyno_host *h, struct dyno_ctx *ctx,
			 void *state);
	int (*iterate)(const struct dyno_host *h, struct dyno_ctx *ctx,
		       void *state, uint64_t n);
	int (*run)(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void *state);
	/* When the plugin was built without what this probe needs: a sentence
	** saying what is missing.  The probe is listed but always skipped. */
	const char *unavailable_reason;

	/* -- since 1.1 -------------------------------------------------- */
	/* How many of the declared metrics, counted from the first, are the
	** probe's headline: the numbers it exists for, which reports show
	** (a table row each) where they have room for few.  Declare them
	** first.  0, or a probe built against ABI 1.0, means 1 (the first
	** declared metric); more than the metrics declared means all.
	** iterate() probes: ignored; the host's time and rate are the
	** headline. */
	uint32_t headline_metrics;
};

/* The size of struct dyno_probe in ABI 1.0, which the host still loads. */
#define DYNO_PROBE_SIZE_1_0                                             \
	(offsetof(struct dyno_probe, unavailable_reason) + sizeof(const char *))

/* Does probe p (of any 1.x size) have member? */
#define DYNO_PROBE_HAS(p, member)                                       \
	((p)->size >= offsetof(struct dyno_probe, member) +             \
			      sizeof((p)->member))

/*
** The plugin descriptor, returned by dyno_plugin_v1.
*/
struct dyno_plugin {
	size_t size;          /* sizeof(struct dyno_plugin) */
	uint32_t abi_minor;   /* DYNO_ABI_MINOR the plugin was built with */
	const char *name;     /* [a-z][a-z0-9_]*, unique among plugins */
	const char *version;  /* the plugin's own version, e.g. "1.2.0" */
	const char *summary;  /* one line */
	const struct dyno_probe *const *probes; /* ended by NULL */
	/* Called in the probe's process before the first setup().  Optional.
	** Returning DYNO_SKIP or DYNO_FAIL skips or fails the probe. */
	int (*init)(const struct dyno_host *h, struct dyno_ctx *ctx);
	/* Called after the last teardown().  Optional. */
	void (*fini)(const struct dyno_host *h, struct dyno_ctx *ctx);
	/* Adds hardware facts with h->fact().  Runs in a child process.
	** Optional. */
	int (*inventory)(const struct dyno_host *h,
			 struct dyno_inventory *sink);
};

/*
** The host table: the only way a plugin calls into dyno.  Functions taking
** a ctx may only be called from the callback that received that ctx.
*/
struct dyno_host {
	size_t size;        /* sizeof(struct dyno_host) as the host built it */
	uint32_t abi_major; /* DYNO_ABI_MAJOR of the host */
	uint32_t abi_minor; /* DYNO_ABI_MINOR of the host */
	const char *version; /* dyno's version string */

	/* -- parameters (since 1.0) ------------------------------------- */
	/* Values are already parsed and range-checked; asking for a name the
	** probe did not declare, or with the wrong getter, fails the probe. */
	int64_t (*param_int)(struct dyno_ctx *ctx, const char *name);
	double (*param_float)(struct dyno_ctx *ctx, const char *name);
	uint64_t (*param_size)(struct dyno_ctx *ctx, const char *name);
	uint64_t (*param_duration_ns)(struct dyno_ctx *ctx, const char *name);
	int (*param_bool)(struct dyno_ctx *ctx, const char *name);
	/* STRING and ENUM parameters; borrowed until the callback returns. */
	const char *(*param_str)(struct dyno_ctx *ctx, const char *name);

	/* -- measurement (since 1.0) ------------------------------------ */
	/* Add one sample of a declared metric, in the metric's base unit. */
	void (*record)(struct dyno_ctx *ctx, const char *metric, double value);
	/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
	uint64_t (*now_ns)(void);
	/* Nonzero when a run() probe should finish: statistics stable after
	** min_time, max_time reached, or the user stopped the run. */
	int (*should_stop)(struct dyno_ctx *ctx);
	/* iterate() probes: bytes moved per operation, to report bandwidth.
	** Call it from setup(). */
	void (*set_bytes_per_op)(struct dyno_ctx *ctx, double bytes);
	/* Fraction done in [0,1] and a short note, shown on a terminal. */
	void (*progress)(struct dyno_ctx *ctx, double fraction,
			 const char *note);

	/* -- outcome and messages (since 1.0) --------------------------- */
	/* ctx may be NULL (in dyno_plugin_v1, init, inventory). */
	void (*log)(struct dyno_ctx *ctx, int level, const char *fmt, ...)
		DYNO_PRINTF(3, 4);
	/* Mark the probe skipped/failed with a sentence a user understands;
	** returns DYNO_SKIP/DYNO_FAIL.  The callback should then return it. */
	int (*skip)(struct dyno_ctx *ctx, const char *fmt, ...)
		DYNO_PRINTF(2, 3);
	int (*fail)(struct dyno_ctx *ctx, const char *fmt, ...)
		DYNO_PRINTF(2, 3);
	/* A non-numeric fact about the run (a device name, a file system). */
	void (*artifact)(struct dyno_ctx *ctx, const char *key,
			 const char *value);
	/* A private directory the probe may write to; removed afterwards. */
	const char *(*scratch_dir)(struct dyno_ctx *ctx);

	/* -- inventory (since 1.0) -------------------------------------- */
	/* Add a fact under a dotted key, e.g. "gpu.0.name".  A value that
	** parses as a number is stored as a number. */
	void (*fact)(struct dyno_inventory *sink, const char *key,
		     const char *value);
};

/* Nonzero if the host table has `member` (a plugin built against a newer
** header may run under an older host). */
#define DYNO_HOST_HAS(h, member)                                        \
	((h)->size >= offsetof(struct dyno_host, member) +              \
			      sizeof((h)->member) &&                    \
	 (h)->member != NULL)

/* The entry point.  Return the descriptor, or NULL after h->log() said
** why the plugin cannot load here. */
typedef const struct dyno_plugin *(*dyno_plugin_v1_fn)(
	const struct dyno_host *h);

#define DYNO_PLUGIN_ENTRY                                               \
	DYNO_EXPORT const struct dyno_plugin *dyno_plugin_v1(            \
		const struct dyno_host *h);                             \
	DYNO_EXPORT const struct dyno_plugin *dyno_plugin_v1(            \
		const struct dyno_host *h)

#ifdef __cplusplus
}
#endif

#endif /* DYNO_PLUGIN_H */

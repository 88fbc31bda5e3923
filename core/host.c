/* host.c - the one struct dyno_host instance, wiring the plugin ABI to the core. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "host.h"
#include "measure.h"
#include "xmalloc.h"

/* Log capture for entry points (see host.h); only the loader uses it. */
static char *capture_buf;
static size_t capture_len;

struct dyno_inventory {
	json_t *root;
};

void
host_capture_log(char *buf, size_t n)
{
	capture_buf = buf;
	capture_len = n;
}

int
host_debug_enabled(void)
{
	const char *v = getenv("DYNO_DEBUG");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static void set_outcome(struct dyno_ctx *ctx, int outcome, const char *fmt,
			va_list ap) DYNO_PRINTF(3, 0);

static void
set_outcome(struct dyno_ctx *ctx, int outcome, const char *fmt, va_list ap)
{
	/* The first reason is the cause; later ones are consequences. */
	if (ctx == NULL || ctx->outcome != DYNO_OK)
		return;
	ctx->outcome = outcome;
	vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
}

static int h_fail(struct dyno_ctx *ctx, const char *fmt, ...) DYNO_PRINTF(2, 3);

static int
h_fail(struct dyno_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_outcome(ctx, DYNO_FAIL, fmt, ap);
	va_end(ap);
	return DYNO_FAIL;
}

static int h_skip(struct dyno_ctx *ctx, const char *fmt, ...) DYNO_PRINTF(2, 3);

static int
h_skip(struct dyno_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_outcome(ctx, DYNO_SKIP, fmt, ap);
	va_end(ap);
	return DYNO_SKIP;
}

/* The value of a declared parameter of one of the given types, or NULL
** after failing the probe: asking wrongly is a plugin bug. */
static const struct param_value *
getp(struct dyno_ctx *ctx, const char *name, enum dyno_param_type t1,
     enum dyno_param_type t2)
{
	const struct param_value *pv = params_get(ctx->params, name);

	if (pv == NULL) {
		h_fail(ctx, "plugin bug: parameter '%s' is not declared by %s",
		       name, ctx->probe->name);
		return NULL;
	}
	if (pv->def->type != t1 && pv->def->type != t2) {
		h_fail(ctx, "plugin bug: parameter '%s' is a %s, read as a %s",
		       name, params_type_name(pv->def->type), params_type_name(t1));
		return NULL;
	}
	return pv;
}

static int64_t
h_param_int(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_INT,
					    DYNO_PARAM_INT);

	return pv ? pv->v.i : 0;
}

static double
h_param_float(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_FLOAT,
					    DYNO_PARAM_FLOAT);

	return pv ? pv->v.f : 0.0;
}

static uint64_t
h_param_size(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_SIZE,
					    DYNO_PARAM_SIZE);

	return pv ? pv->v.u : 0;
}

static uint64_t
h_param_duration_ns(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_DURATION,
					    DYNO_PARAM_DURATION);

	return pv ? pv->v.u : 0;
}

static int
h_param_bool(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_BOOL,
					    DYNO_PARAM_BOOL);

	return pv ? pv->v.b : 0;
}

static const char *
h_param_str(struct dyno_ctx *ctx, const char *name)
{
	const struct param_value *pv = getp(ctx, name, DYNO_PARAM_STRING,
					    DYNO_PARAM_ENUM);

	return pv ? pv->text : "";
}

static void
h_record(struct dyno_ctx *ctx, const char *metric, double value)
{
	struct ctx_metric *m = ctx_metric(ctx, metric);

	if (m == NULL) {
		h_fail(ctx, "plugin bug: record() of metric '%s', not declared "
		       "by probe '%s'", metric, ctx->probe->name);
		return;
	}
	if (!isfinite(value)) {
		h_fail(ctx, "plugin bug: record() of a non-finite value for '%s'",
		       metric);
		return;
	}
	stats_samples_add(m->samples, value);
}

static int
h_should_stop(struct dyno_ctx *ctx)
{
	if (ctx_stop_requested)
		return 1;
	return measure_should_stop(ctx);
}

static void
h_set_bytes_per_op(struct dyno_ctx *ctx, double bytes)
{
	if (bytes > 0 && isfinite(bytes))
		ctx->bytes_per_op = bytes;
}

static void
h_progress(struct dyno_ctx *ctx, double fraction, const char *note)
{
	if (ctx == NULL)
		return;
	/* The plugin reports its own progress: the harness stops guessing. */
	ctx->own_progress = 1;
	ctx_progress(ctx, fraction, note);
}

static void h_log(struct dyno_ctx *ctx, int level, const char *fmt, ...)
	DYNO_PRINTF(3, 4);

static void
h_log(struct dyno_ctx *ctx, int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	const char *lv = (level >= 0 && level <= 3) ? names[level] : "log";
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx == NULL && capture_buf != NULL) {
		snprintf(capture_buf, capture_len, "%s", msg);
		return;
	}
	if (level >= DYNO_LOG_DEBUG && !host_debug_enabled())
		return;
	if (ctx != NULL)
		fprintf(stderr, "dyno: %s.%s: %s: %s\n", ctx->plugin->name,
			ctx->probe->name, lv, msg);
	else
		fprintf(stderr, "dyno: plugin: %s: %s\n", lv, msg);
}

static void
h_artifact(struct dyno_ctx *ctx, const char *key, const char *value)
{
	if (key == NULL || value == NULL)
		return;
	json_object_set_new(ctx->artifacts, key, json_string(value));
}

static const char *
h_scratch_dir(struct dyno_ctx *ctx)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (ctx->scratch != NULL)
		return ctx->scratch;
	/* The runner picks the name so it can clean up after a crash. */
	if (ctx->scratch_want != NULL) {
		if (mkdir(ctx->scratch_want, 0700) < 0) {
			h_fail(ctx, "cannot create a scratch directory %s: %s",
			       ctx->scratch_want, strerror(errno));
			return NULL;
		}
		ctx->scratch = xstrdup(ctx->scratch_want);
		return ctx->scratch;
	}
	path = xasprintf("%s/dyno-%s-XXXXXX",
			 tmp && tmp[0] ? tmp : "/tmp", ctx->probe->name);
	if (mkdtemp(path) == NULL) {
		h_fail(ctx, "cannot create a scratch directory %s: %s", path,
		       strerror(errno));
		free(path);
		return NULL;
	}
	ctx->scratch = path;
	return path;
}

/* Add value under a dotted key; numeric segments index arrays. */
static void
h_fact(struct dyno_inventory *sink, const char *key, const char *value)
{
	char *copy, *save = NULL, *seg, *next;
	json_t *node, *leaf;
	char *end;
	double num;

	if (sink == NULL || key == NULL || value == NULL)
		return;
	num = strtod(value, &end);
	leaf = (end != value && *end == '\0' && isfinite(num)) ?
	    (num == (double)(json_int_t)num && strchr(value, '.') == NULL ?
	     json_integer((json_int_t)num) : json_real(num)) :
	    json_string(value);
	copy = xstrdup(key);
	node = sink->root;
	seg = strtok_r(copy, ".", &save);
	while (seg != NULL && node != NULL) {
		next = strtok_r(NULL, ".", &save);
		if (json_is_array(node)) {
			size_t idx = strtoul(seg, NULL, 10);
			json_t *child;

			if (idx > json_array_size(node)) {
				node = NULL;
				break;
			}
			if (next == NULL) {
				if (idx == json_array_size(node))
					json_array_append(node, leaf);
				else
					json_array_set(node, idx, leaf);
				break;
			}
			child = json_array_get(node, idx);
			if (child == NULL) {
				child = (next[0] >= '0' && next[0] <= '9') ?
				    json_array() : json_object();
				json_array_append_new(node, child);
			}
			node = child;
		} else if (json_is_object(node)) {
			json_t *child;

			if (next == NULL) {
				json_object_set(node, seg, leaf);
				break;
			}
			child = json_object_get(node, seg);
			if (child == NULL) {
				child = (next[0] >= '0' && next[0] <= '9') ?
				    json_array() : json_object();
				json_object_set_new(node, seg, child);
			}
			node = child;
		} else {
			node = NULL;
		}
		seg = next;
	}
	json_decref(leaf);
	free(copy);
}

static const struct dyno_host host = {
	.size = sizeof(struct dyno_host),
	.abi_major = DYNO_ABI_MAJOR,
	.abi_minor = DYNO_ABI_MINOR,
	.version = PACKAGE_VERSION,
	.param_int = h_param_int,
	.param_float = h_param_float,
	.param_size = h_param_size,
	.param_duration_ns = h_param_duration_ns,
	.param_bool = h_param_bool,
	.param_str = h_param_str,
	.record = h_record,
	.now_ns = clock_now_ns,
	.should_stop = h_should_stop,
	.set_bytes_per_op = h_set_bytes_per_op,
	.progress = h_progress,
	.log = h_log,
	.skip = h_skip,
	.fail = h_fail,
	.artifact = h_artifact,
	.scratch_dir = h_scratch_dir,
	.fact = h_fact,
};

const struct dyno_host *
host_table(void)
{
	return &host;
}

struct dyno_inventory *
host_inventory_new(json_t *root)
{
	struct dyno_inventory *inv = xmalloc(sizeof(*inv));

	inv->root = root;
	return inv;
}

void
host_inventory_free(struct dyno_inventory *inv)
{
	free(inv);
}

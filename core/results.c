/* results.c - result records as JSON, appended to a JSON-lines file with fsync per record. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "fdio.h"
#include "results.h"
#include "stats.h"
#include "xmalloc.h"

/* JSON has no NaN: an undefined statistic is null. */
static json_t *
num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *
results_metric_json(const char *unit, int better,
		    const struct stats_samples *s)
{
	struct stats_summary sum;
	json_t *m, *pct;
	const double *raw;
	size_t nraw;

	stats_summarize(s, &sum);
	m = json_object();
	json_object_set_new(m, "unit", json_string(unit));
	json_object_set_new(m, "better", json_string(
	    better == DYNO_BETTER_HIGHER ? "higher" : "lower"));
	json_object_set_new(m, "n", json_integer((json_int_t)sum.n));
	json_object_set_new(m, "min", num(sum.min));
	json_object_set_new(m, "max", num(sum.max));
	json_object_set_new(m, "mean", num(sum.mean));
	json_object_set_new(m, "stddev", num(sum.stddev));
	json_object_set_new(m, "median", num(sum.median));
	json_object_set_new(m, "mad", num(sum.mad));
	json_object_set_new(m, "p50", num(sum.p50));
	json_object_set_new(m, "p90", num(sum.p90));
	json_object_set_new(m, "p95", num(sum.p95));
	json_object_set_new(m, "p99", num(sum.p99));
	json_object_set_new(m, "p999", num(sum.p999));
	json_object_set_new(m, "ci95", json_pack("[o, o]", num(sum.ci_lo),
						 num(sum.ci_hi)));
	json_object_set_new(m, "cv", num(sum.cv));
	json_object_set_new(m, "outliers", json_integer((json_int_t)sum.outliers));
	json_object_set_new(m, "noisy", json_boolean(sum.noisy));
	json_object_set_new(m, "exact", json_boolean(sum.exact));
	pct = json_object();
	for (int i = 0; i < STATS_NPCT; i++) {
		char key[16];

		snprintf(key, sizeof(key), "%g", stats_fio_percentiles[i]);
		json_object_set_new(pct, key, num(sum.pct[i]));
	}
	json_object_set_new(m, "percentiles", pct);
	raw = stats_samples_raw(s, &nraw);
	if (raw != NULL && nraw <= RESULTS_JSON_RAW_CAP) {
		json_t *arr = json_array();

		for (size_t i = 0; i < nraw; i++)
			json_array_append_new(arr, json_real(raw[i]));
		json_object_set_new(m, "samples", arr);
	} else {
		json_object_set_new(m, "histogram",
		    histogram_to_json(stats_samples_histogram(s)));
	}
	return m;
}

json_t *
results_metrics_json(struct dyno_ctx *ctx)
{
	json_t *o = json_object();

	for (size_t i = 0; i < ctx->nmetrics; i++) {
		const struct ctx_metric *m = &ctx->metrics[i];

		if (stats_samples_count(m->samples) == 0)
			continue;
		json_t *j = results_metric_json(m->unit, m->better, m->samples);

		json_object_set_new(j, "headline", json_boolean(m->headline));
		json_object_set_new(o, m->name, j);
	}
	return o;
}

json_t *
results_param_types(const struct param_set *ps)
{
	json_t *o = json_object();

	for (size_t i = 0; i < ps->n; i++)
		json_object_set_new(o, ps->v[i].def->name, json_string(
		    params_type_name(ps->v[i].def->type)));
	return o;
}

json_t *
results_host(const json_t *inventory)
{
	char name[256] = "";

	gethostname(name, sizeof(name) - 1);
	return json_pack("{s:O?, s:s}", "fingerprint",
	    json_object_get(inventory, "fingerprint"), "hostname", name);
}

void
results_timestamp(char *buf, size_t n)
{
	struct timeval tv;
	struct tm tm;
	char base[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", base, (int)(tv.tv_usec / 1000));
}

int
results_open(const char *path, struct dyno_err *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return dyno_err_set(err, DYNO_EIO,
		    "cannot write results to '%s': %s", path, strerror(errno));
	return fd;
}

int
results_append(int fd, const json_t *rec, struct dyno_err *err)
{
	char *s = json_dumps(rec, RESULTS_JSON_FLAGS);
	size_t len;
	int rc = 0;

	if (s == NULL)
		return dyno_err_set(err, DYNO_EIO, "cannot serialise a result");
	len = strlen(s);
	s[len] = '\n';  /* json_dumps' NUL becomes the line end */
	len++;
	if (fdio_write_all(fd, s, len) < 0)
		rc = dyno_err_set(err, DYNO_EIO, "cannot append a result: %s",
				  strerror(errno));
	if (rc == 0 && fsync(fd) < 0 && errno != EINVAL)
		rc = dyno_err_set(err, DYNO_EIO, "cannot fsync results: %s",
				  strerror(errno));
	free(s);
	return rc;
}

/* Make the rename itself durable.  Filesystems that cannot sync a
** directory say EINVAL; there is nothing more to do on those. */
static int
sync_dir(const char *path, struct dyno_err *err)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, rc = 0;

	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
		rc = dyno_err_set(err, DYNO_EIO,
		    "wrote '%s' but cannot sync its directory: %s", path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/*
** Write data to path so that path is always either the old file or the
** whole new one: a temp file beside it (rename is only atomic within one
** filesystem), fsynced before the rename so a crash cannot leave the new
** name on empty blocks.  A SIGKILL can leave the temp file; nothing here
** can remove that, and guessing which siblings are stale would race with
** another writer, so it stays.
*/
int
results_write_atomic(const char *path, const char *data, size_t len,
	     struct dyno_err *err)
{
	const char *step = "creating a temp file in its directory";
	struct stat st;
	mode_t mode = 0644;
	char *tmp;
	int fd, rc, e, made = 0;

	if (path == NULL || *path == '\0')
		return dyno_err_set(err, DYNO_EINVAL,
		    "cannot write: the path is empty");
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto fail;
	made = 1;
	/* mkstemp makes it 0600; a tune's launcher may run as another user,
	** and a replaced file keeps the mode it had. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		mode = st.st_mode & 07777;
	step = "setting its mode";
	if (fchmod(fd, mode) != 0)
		goto fail;
	step = "writing";
	if (fdio_write_all(fd, data, len) < 0)
		goto fail;
	step = "syncing";
	if (fsync(fd) != 0)
		goto fail;
	step = "closing";
	e = close(fd);
	fd = -1;
	if (e != 0)
		goto fail;
	step = "renaming the temp file over it";
	if (rename(tmp, path) != 0)
		goto fail;
	free(tmp);
	return sync_dir(path, err);
fail:
	e = errno;
	rc = dyno_err_set(err, DYNO_EIO, "cannot write '%s': %s: %s", path,
	    step, strerror(e));
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
results_check_writable(const char *path, struct dyno_err *err)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	int rc = 0;

	if (access(dir, W_OK | X_OK) < 0)
		rc = dyno_err_set(err, DYNO_EIO, "cannot write '%s': directory "
		    "'%s': %s", path, dir, strerror(errno));
	else if (access(path, F_OK) == 0 && access(path, W_OK) < 0)
		rc = dyno_err_set(err, DYNO_EIO, "cannot write '%s': %s", path,
				  strerror(errno));
	free(copy);
	return rc;
}

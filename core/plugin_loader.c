/* plugin_loader.c - search path, permission checks, dlopen/dlsym, descriptor validation, registry. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "params.h"
#include "plugin_loader.h"
#include "xmalloc.h"

void
loader_init(struct loader *l)
{
	memset(l, 0, sizeof(*l));
}

void
loader_fini(struct loader *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->plugins[i].path);
	free(l->plugins);
	for (size_t i = 0; i < l->nerrors; i++)
		free(l->errors[i]);
	free(l->errors);
	for (size_t i = 0; i < l->ndirs; i++)
		free(l->dirs[i]);
	free(l->dirs);
	memset(l, 0, sizeof(*l));
}

static void
add_error(struct loader *l, const char *msg)
{
	l->errors = xreallocarray(l->errors, l->nerrors + 1, sizeof(char *));
	l->errors[l->nerrors++] = xstrdup(msg);
}

size_t
loader_nprobes(const struct dyno_plugin *d)
{
	size_t n = 0;

	while (d->probes != NULL && d->probes[n] != NULL)
		n++;
	return n;
}

/* Refuse what someone other than the owner could have replaced. */
static int
check_perms(const char *path, struct dyno_err *err)
{
	struct stat st;
	char *dir, *slash;
	int rc = 0;

	if (stat(path, &st) < 0)
		return dyno_err_set(err, DYNO_ENOENT, "%s: %s", path,
				    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: not a regular file", path);
	if (st.st_mode & S_IWOTH)
		return dyno_err_set(err, DYNO_EPERM,
		    "%s: refused: the plugin file is world-writable "
		    "(chmod o-w it)", path);
	/* Code we run must belong to us or to root, as ssh demands of keys. */
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return dyno_err_set(err, DYNO_EPERM,
		    "%s: refused: owned by uid %u, neither root nor you", path,
		    (unsigned)st.st_uid);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(dir, ".");
	/* Even with the sticky bit (/tmp), anyone could have put it there. */
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
		rc = dyno_err_set(err, DYNO_EPERM,
		    "%s: refused: its directory %s is world-writable", path, dir);
	free(dir);
	return rc;
}

static int
check_metric(const char *file, const char *probe, const struct dyno_metric *m,
	     struct dyno_err *err)
{
	if (!params_name_ok(m->name))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: probe '%s': metric name '%s' must match [a-z][a-z0-9_]*",
		    file, probe, m->name ? m->name : "(null)");
	if (m->unit == NULL)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: probe '%s': metric '%s' has no unit (use \"\" for none)",
		    file, probe, m->name);
	if (m->better != DYNO_BETTER_HIGHER && m->better != DYNO_BETTER_LOWER)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: probe '%s': metric '%s': better must be "
		    "DYNO_BETTER_HIGHER or DYNO_BETTER_LOWER", file, probe, m->name);
	return 0;
}

static int
check_probe(const char *file, const struct dyno_probe *p,
	    struct dyno_err *err)
{
	struct dyno_err e;
	size_t nmetrics = 0;

	if (p->size < DYNO_PROBE_SIZE_1_0)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: struct dyno_probe too small (size %zu, ABI 1.0 needs %zu)",
		    file, p->size, (size_t)DYNO_PROBE_SIZE_1_0);
	if (!params_name_ok(p->name))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: probe name '%s' must match [a-z][a-z0-9_]*", file,
		    p->name ? p->name : "(null)");
	if (p->unavailable_reason == NULL &&
	    (p->iterate == NULL) == (p->run == NULL))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: probe '%s' must set exactly one of iterate and run",
		    file, p->name);
	for (size_t i = 0; p->params && p->params[i].name; i++) {
		if (params_check_def(&p->params[i], &e) < 0)
			return dyno_err_set(err, DYNO_EABI, "%s: probe '%s': %s",
					    file, p->name, e.msg);
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->params[i].name, p->params[j].name) == 0)
				return dyno_err_set(err, DYNO_EABI,
				    "%s: probe '%s': duplicate parameter '%s'",
				    file, p->name, p->params[i].name);
	}
	for (size_t i = 0; p->metrics && p->metrics[i].name; i++, nmetrics++) {
		int rc = check_metric(file, p->name, &p->metrics[i], err);

		if (rc < 0)
			return rc;
	}
	if (p->run != NULL && nmetrics == 0)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: run probe '%s' declares no metrics", file, p->name);
	return 0;
}

static int
check_plugin(const char *file, const struct dyno_plugin *d,
	     struct dyno_err *err)
{
	size_t n;

	if (d->size < sizeof(struct dyno_plugin))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: struct dyno_plugin too small (size %zu, ABI 1.0 needs %zu)",
		    file, d->size, sizeof(struct dyno_plugin));
	if (d->abi_minor > DYNO_ABI_MINOR)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: built for ABI 1.%u, this dyno supports up to 1.%d; "
		    "upgrade dyno or rebuild the plugin", file, d->abi_minor,
		    DYNO_ABI_MINOR);
	if (!params_name_ok(d->name))
		return dyno_err_set(err, DYNO_EABI,
		    "%s: plugin name '%s' must match [a-z][a-z0-9_]*", file,
		    d->name ? d->name : "(null)");
	if (d->version == NULL)
		return dyno_err_set(err, DYNO_EABI, "%s: plugin '%s' has no version",
				    file, d->name);
	n = loader_nprobes(d);
	for (size_t i = 0; i < n; i++) {
		int rc = check_probe(file, d->probes[i], err);

		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->probes[i]->name, d->probes[j]->name) == 0)
				return dyno_err_set(err, DYNO_EABI,
				    "%s: duplicate probe name '%s'", file,
				    d->probes[i]->name);
	}
	return 0;
}

/* Explain a missing v1 entry: another major, or not a dyno plugin. */
static int
no_entry(void *handle, const char *path, struct dyno_err *err)
{
	for (int major = 2; major <= 9; major++) {
		char sym[32];

		snprintf(sym, sizeof(sym), "dyno_plugin_v%d", major);
		if (dlsym(handle, sym) != NULL)
			return dyno_err_set(err, DYNO_EABI,
			    "%s: plugin ABI %d, this dyno supports ABI %d "
			    "(it exports %s, not dyno_plugin_v1)", path, major,
			    DYNO_ABI_MAJOR, sym);
	}
	return dyno_err_set(err, DYNO_EABI,
	    "%s: not a dyno plugin (no dyno_plugin_v1 symbol)", path);
}

int
loader_load_file(struct loader *l, const char *path, struct dyno_err *err)
{
	const struct dyno_plugin *d;
	dyno_plugin_v1_fn entry;
	void *handle, *sym;
	char logged[256] = "";
	int rc;

	if (path == NULL || path[0] == '\0')
		return dyno_err_set(err, DYNO_EINVAL,
		    "empty plugin path: expected a file name");
	if (strlen(path) >= PATH_MAX)
		return dyno_err_set(err, DYNO_EINVAL,
		    "plugin path too long (%zu bytes, at most %d)", strlen(path),
		    PATH_MAX - 1);
	rc = check_perms(path, err);
	if (rc < 0)
		return rc;

	dlerror();
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *why = dlerror();

		return dyno_err_set(err, DYNO_EABI, "%s: cannot load: %s", path,
				    why ? why : "unknown dlopen error");
	}
	sym = dlsym(handle, "dyno_plugin_v1");
	if (sym == NULL)
		return no_entry(handle, path, err);
	/* POSIX guarantees a data pointer from dlsym converts to a function
	** pointer; memcpy keeps -Wpedantic quiet about it. */
	memcpy(&entry, &sym, sizeof(entry));
	host_capture_log(logged, sizeof(logged));
	d = entry(host_table());
	host_capture_log(NULL, 0);
	if (d == NULL)
		return dyno_err_set(err, DYNO_EABI,
		    "%s: plugin refused to load: %s", path,
		    logged[0] ? logged : "(it gave no reason)");
	rc = check_plugin(path, d, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l->n; i++) {
		/* The same file reached by two paths (a relative --plugin-dir
		** inside the build tree, a symlink): dlopen gave the same
		** library back, so there is nothing new to load. */
		if (l->plugins[i].desc == d)
			return 0;
		if (strcmp(l->plugins[i].desc->name, d->name) == 0)
			return dyno_err_set(err, DYNO_EEXIST,
			    "%s: duplicate plugin name '%s' (already loaded from %s)",
			    path, d->name, l->plugins[i].path);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->plugins = xreallocarray(l->plugins, l->cap, sizeof(*l->plugins));
	}
	l->plugins[l->n].path = xstrdup(path);
	l->plugins[l->n].handle = handle;
	l->plugins[l->n].desc = d;
	l->n++;
	return 0;
}

static int
is_so(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".so") == 0 && name[0] != '.';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
loader_load_dir(struct loader *l, const char *dir)
{
	struct dyno_err err;
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int loaded = 0;
	DIR *dp;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (st.st_mode & S_IWOTH) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof(msg),
		    "%s: refused: plugin directory is world-writable", dir);
		add_error(l, msg);
		return 0;
	}
	dp = opendir(dir);
	if (dp == NULL)
		return 0;
	while ((de = readdir(dp)) != NULL) {
		if (!is_so(de->d_name))
			continue;
		names = xreallocarray(names, n + 1, sizeof(char *));
		names[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(dp);
	if (n > 1)
		qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (loader_load_file(l, names[i], &err) == 0)
			loaded++;
		else
			add_error(l, err.msg);
		free(names[i]);
	}
	free(names);
	return loaded;
}

static void
add_dir(struct loader *l, const char *dir)
{
	for (size_t i = 0; i < l->ndirs; i++)
		if (strcmp(l->dirs[i], dir) == 0)
			return;
	l->dirs = xreallocarray(l->dirs, l->ndirs + 1, sizeof(char *));
	l->dirs[l->ndirs++] = xstrdup(dir);
}

int
loader_in_build_tree(void)
{
	char exe[PATH_MAX], want[PATH_MAX];
	char *built = xasprintf("%s/dyno", DYNO_BUILD_DIR);
	int same = 0;

	if (realpath("/proc/self/exe", exe) != NULL &&
	    realpath(built, want) != NULL)
		same = strcmp(exe, want) == 0;
	free(built);
	return same;
}

/* The build tree keeps each plugin in plugins/<name>/. */
static void
add_build_dirs(struct loader *l)
{
	char *top = xasprintf("%s/plugins", DYNO_BUILD_DIR);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	DIR *dp = opendir(top);

	if (dp != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			names = xreallocarray(names, n + 1, sizeof(char *));
			names[n++] = xasprintf("%s/%s", top, de->d_name);
		}
		closedir(dp);
	}
	if (n > 1)
		qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		add_dir(l, names[i]);
		free(names[i]);
	}
	free(names);
	free(top);
}

void
loader_load_all(struct loader *l, char *const *extra, size_t nextra)
{
	const char *env = getenv("DYNO_PLUGIN_PATH");

	for (size_t i = 0; i < nextra; i++)
		add_dir(l, extra[i]);
	if (env != NULL && env[0] != '\0') {
		char *copy = xstrdup(env), *save = NULL;

		for (char *t = strtok_r(copy, ":", &save); t != NULL;
		     t = strtok_r(NULL, ":", &save))
			add_dir(l, t);
		free(copy);
	}
	if (loader_in_build_tree())
		add_build_dirs(l);
	add_dir(l, DYNO_PLUGIN_DIR);
	for (size_t i = 0; i < l->ndirs; i++)
		loader_load_dir(l, l->dirs[i]);
}

const struct dyno_probe *
loader_find(const struct loader *l, const char *id,
	    const struct loader_plugin **pl)
{
	const char *dot = strchr(id, '.');

	if (dot == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct dyno_plugin *d = l->plugins[i].desc;

		if (strlen(d->name) != (size_t)(dot - id) ||
		    strncmp(d->name, id, (size_t)(dot - id)) != 0)
			continue;
		for (size_t j = 0; d->probes && d->probes[j]; j++)
			if (strcmp(d->probes[j]->name, dot + 1) == 0) {
				if (pl != NULL)
					*pl = &l->plugins[i];
				return d->probes[j];
			}
	}
	return NULL;
}

/* Levenshtein distance, bounded strings. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(size_t));
	size_t d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

void
loader_suggest(const struct loader *l, const char *id, char *buf, size_t n)
{
	struct { size_t d; char id[128]; } best[3];
	size_t nbest = 0, off = 0;
	size_t limit = strlen(id) / 2 + 2;

	for (size_t i = 0; i < l->n; i++) {
		const struct dyno_plugin *d = l->plugins[i].desc;

		for (size_t j = 0; d->probes && d->probes[j]; j++) {
			char cand[128];
			size_t dist, k;

			snprintf(cand, sizeof(cand), "%s.%s", d->name,
				 d->probes[j]->name);
			dist = distance(id, cand);
			/* A bare probe or plugin name is a close match too. */
			if (strcmp(id, d->probes[j]->name) == 0 ||
			    strcmp(id, d->name) == 0)
				dist = 0;
			if (dist > limit)
				continue;
			for (k = nbest; k > 0 && best[k - 1].d > dist; k--)
				if (k < 3)
					best[k] = best[k - 1];
			if (k < 3) {
				best[k].d = dist;
				snprintf(best[k].id, sizeof(best[k].id), "%s", cand);
				if (nbest < 3)
					nbest++;
			}
		}
	}
	buf[0] = '\0';
	for (size_t i = 0; i < nbest && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s",
					i ? ", " : "", best[i].id);
}

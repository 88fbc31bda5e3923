/*
** heavy.c - a plugin shell opening its implementation library (and with
** it the heavy libraries) in the probe's process, and forwarding the
** probe callbacks to it.
*/
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heavy.h"

/* The wrapper state: which implementation probe, and its own state. */
struct heavy_state {
	const struct heavy_probe *p;
	void *inner;
};

/* An object of the shell, for dladdr to name the file it lives in. */
static const char heavy_anchor = 0;

/* The implementation's path: HEAVY_DIR/file in the directory of the real
** file of the shell (symlinks resolved, so a shell linked into another
** plugin directory still finds its own).  A relative name from the loader
** resolves as it did at load time: dyno never changes its directory. */
static int
heavy_path(const struct heavy_lib *lib, const struct dyno_host *h,
	   struct dyno_ctx *ctx, char *path, size_t len)
{
	char shell[PATH_MAX], *slash;
	Dl_info info;

	if (dladdr(&heavy_anchor, &info) == 0 || info.dli_fname == NULL)
		return h->fail(ctx, "%s: cannot tell which file the plugin was "
			       "loaded from (dladdr failed)", lib->plugin);
	if (realpath(info.dli_fname, shell) == NULL)
		return h->fail(ctx, "%s: %s: %s", lib->plugin, info.dli_fname,
			       strerror(errno));
	slash = strrchr(shell, '/');
	if (slash != NULL)
		*slash = '\0';
	if ((size_t)snprintf(path, len, "%s/%s/%s", slash ? shell : ".",
			     HEAVY_DIR, lib->file) >= len)
		return h->fail(ctx, "%s: the path of %s/%s is too long",
			       lib->plugin, HEAVY_DIR, lib->file);
	return DYNO_OK;
}

/* The loader's rules for plugins (core/plugin_loader.c), for the file the
** shell is about to run code from. */
static int
heavy_perms(const struct heavy_lib *lib, const struct dyno_host *h,
	    struct dyno_ctx *ctx, char *path)
{
	struct stat st;
	char *slash;
	int rc;

	if (stat(path, &st) < 0)
		return h->fail(ctx, "%s: its implementation %s: %s (reinstall "
			       "the plugin)", lib->plugin, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return h->fail(ctx, "%s: its implementation %s is not a regular "
			       "file", lib->plugin, path);
	if (st.st_mode & S_IWOTH)
		return h->fail(ctx, "%s: refused: its implementation %s is "
			       "world-writable (chmod o-w it)", lib->plugin, path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return h->fail(ctx, "%s: refused: its implementation %s is owned "
			       "by uid %u, neither root nor you", lib->plugin,
			       path, (unsigned)st.st_uid);
	rc = DYNO_OK;
	slash = strrchr(path, '/');
	*slash = '\0';
	if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH))
		rc = h->fail(ctx, "%s: refused: the directory %s of its "
			     "implementation is world-writable", lib->plugin, path);
	*slash = '/';
	return rc;
}

int
heavy_open(const struct heavy_lib *lib, const struct dyno_host *h,
	   struct dyno_ctx *ctx, const struct heavy_impl **out)
{
	const struct heavy_impl *impl;
	heavy_entry_fn entry;
	char path[PATH_MAX];
	void *handle, *sym;
	int rc;

	*out = NULL;
	if ((rc = heavy_path(lib, h, ctx, path, sizeof(path))) != DYNO_OK ||
	    (rc = heavy_perms(lib, h, ctx, path)) != DYNO_OK)
		return rc;
	(void)dlerror();
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *why = dlerror();

		/* Most often a library it needs is missing: dlerror names it. */
		return h->fail(ctx, "%s: cannot load %s: %s", lib->plugin, path,
			       why ? why : "unknown dlopen error");
	}
	sym = dlsym(handle, lib->symbol);
	if (sym == NULL)
		return h->fail(ctx, "%s: %s is not its implementation (no %s "
			       "symbol)", lib->plugin, path, lib->symbol);
	/* POSIX: a data pointer from dlsym converts to a function pointer. */
	memcpy(&entry, &sym, sizeof(entry));
	impl = entry();
	if (impl == NULL || impl->size < sizeof(struct heavy_impl) ||
	    impl->abi != HEAVY_ABI)
		return h->fail(ctx, "%s: %s has another layout (heavy ABI %u, "
			       "expected %d): shell and implementation come "
			       "from different builds", lib->plugin, path,
			       impl ? (unsigned)impl->abi : 0u, HEAVY_ABI);
	if (impl->version == NULL || strcmp(impl->version, lib->version) != 0)
		return h->fail(ctx, "%s: %s is version %s, the plugin %s: shell "
			       "and implementation come from different builds",
			       lib->plugin, path,
			       impl->version ? impl->version : "(none)",
			       lib->version);
	*out = impl;
	return DYNO_OK;
}

int
heavy_init(const struct heavy_lib *lib, const struct dyno_host *h,
	   struct dyno_ctx *ctx)
{
	const struct heavy_impl *impl;
	int rc = heavy_open(lib, h, ctx, &impl);

	if (rc != DYNO_OK || impl->init == NULL)
		return rc;
	return impl->init(h, ctx);
}

void
heavy_fini(const struct heavy_lib *lib, const struct dyno_host *h,
	   struct dyno_ctx *ctx)
{
	const struct heavy_impl *impl;

	/* init opened it in this process: this cannot fail now. */
	if (heavy_open(lib, h, ctx, &impl) == DYNO_OK && impl->fini != NULL)
		impl->fini(h, ctx);
}

int
heavy_setup(const struct heavy_lib *lib, const char *name,
	    const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	const struct heavy_impl *impl;
	const struct heavy_probe *p = NULL;
	struct heavy_state *st;
	int rc = heavy_open(lib, h, ctx, &impl);

	if (rc != DYNO_OK)
		return rc;
	for (size_t i = 0; impl->probes != NULL && impl->probes[i]; i++)
		if (strcmp(impl->probes[i]->name, name) == 0)
			p = impl->probes[i];
	if (p == NULL)
		return h->fail(ctx, "%s: its implementation %s has no probe '%s': "
			       "shell and implementation come from different "
			       "builds", lib->plugin, lib->file, name);
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return h->fail(ctx, "out of memory");
	st->p = p;
	if (p->setup != NULL && (rc = p->setup(h, ctx, &st->inner)) != DYNO_OK) {
		free(st);
		return rc;
	}
	*state = st;
	return DYNO_OK;
}

void
heavy_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct heavy_state *st = state;

	if (st->p->teardown != NULL)
		st->p->teardown(h, ctx, st->inner);
	free(st);
}

int
heavy_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct heavy_state *st = state;

	if (st->p->run == NULL)
		return h->fail(ctx, "plugin bug: the implementation of probe "
			       "'%s' has no run callback", st->p->name);
	return st->p->run(h, ctx, st->inner);
}

int
heavy_iterate(const struct dyno_host *h, struct dyno_ctx *ctx, void *state,
	      uint64_t n)
{
	struct heavy_state *st = state;

	if (st->p->iterate == NULL)
		return h->fail(ctx, "plugin bug: the implementation of probe "
			       "'%s' has no iterate callback", st->p->name);
	return st->p->iterate(h, ctx, st->inner, n);
}

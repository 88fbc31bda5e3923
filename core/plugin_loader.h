/*
** plugin_loader.h - finding, loading and validating plugins; the registry
** of what loaded.
**
** Plugins are opened RTLD_NOW|RTLD_LOCAL and never dlclose'd: a CUDA or
** thread-using library may leave destructors pointing into its code, so
** handles stay mapped until exit and fini() is called explicitly instead.
*/
#ifndef DYNO_PLUGIN_LOADER_H
#define DYNO_PLUGIN_LOADER_H

#include <stddef.h>

#include "err.h"

struct loader_plugin {
	char *path;                     /* owned */
	void *handle;                   /* dlopen handle, never closed */
	const struct dyno_plugin *desc; /* owned by the plugin */
};

struct loader {
	struct loader_plugin *plugins;  /* owned array */
	size_t n, cap;
	char **errors;                  /* one line per file that failed */
	size_t nerrors;
	char **dirs;                    /* the search path, in order */
	size_t ndirs;
};

void loader_init(struct loader *l);
/* Free the registry; plugin handles stay mapped (see above). */
void loader_fini(struct loader *l);

/*
** Load one plugin file.  On failure returns a negative DYNO_E* with a
** one-line message naming the file in err, and the registry is unchanged.
*/
int loader_load_file(struct loader *l, const char *path,
		     struct dyno_err *err);

/*
** Load every "*.so" in dir (sorted by name), recording each file's failure
** in l->errors.  A missing directory is not an error (returns 0); an unsafe
** one (world-writable) is refused and recorded.  Returns the number loaded.
*/
int loader_load_dir(struct loader *l, const char *dir);

/*
** Build the search path and load from it: each of extra (--plugin-dir),
** then the entries of $DYNO_PLUGIN_PATH (':'-separated), then the build
** tree's plugins/<name>/ directories when the running binary is the one in
** the build tree, then the installed plugin directory.
*/
void loader_load_all(struct loader *l, char *const *extra, size_t nextra);

/* Nonzero when the running binary is the build tree's dyno (then plugins
** and suites are taken from the build and source trees). */
int loader_in_build_tree(void);

/* Find a probe by id "plugin.probe"; NULL if absent.  *pl receives the
** plugin when not NULL. */
const struct dyno_probe *loader_find(const struct loader *l, const char *id,
				     const struct loader_plugin **pl);

/* Write up to 3 probe ids closest to id (edit distance) into buf as
** "a, b, c"; empty when nothing is close. */
void loader_suggest(const struct loader *l, const char *id, char *buf,
		    size_t n);

/* Number of probes in a plugin's descriptor. */
size_t loader_nprobes(const struct dyno_plugin *d);

#endif

/*
** heavy.h - a plugin's heavy libraries (BLAS, LAPACK, oneDNN, cuDNN,
** libavcodec) loaded in the probe's process only, never in `dyno list`.
**
** Every dyno command dlopens every plugin, and dlopen runs the
** constructors of everything the plugin links (OpenBLAS starts its thread
** pool there).  So such a plugin is built as two shared objects:
**   - the shell, NAME.so, that dyno loads: descriptors, parameters and
**     metrics, and probe callbacks that forward to the implementation
**     (heavy_setup, heavy_run, ...).  It links no heavy library;
**   - the implementation, impl/NAME-impl.so beside the shell (a directory
**     the plugin loader never scans), which links them and exports one
**     symbol returning a struct heavy_impl.
** The shell opens the implementation from init() and setup(), which run
** in the probe's process.  Compiled into each shell that uses it.
*/
#ifndef DYNO_PLUGINS_HEAVY_H
#define DYNO_PLUGINS_HEAVY_H

#include <stddef.h>
#include <stdint.h>

#include <dyno/plugin.h>

/* The layout of struct heavy_impl and struct heavy_probe.  Shell and
** implementation come from one build; a different layout is refused. */
#define HEAVY_ABI 1

/* The directory, beside the shell, that holds implementations. */
#define HEAVY_DIR "impl"

/* One probe's callbacks in the implementation, as in struct dyno_probe. */
struct heavy_probe {
	const char *name;   /* the shell's probe name */
	int (*setup)(const struct dyno_host *h, struct dyno_ctx *ctx,
		     void **state);
	void (*teardown)(const struct dyno_host *h, struct dyno_ctx *ctx,
			 void *state);
	int (*iterate)(const struct dyno_host *h, struct dyno_ctx *ctx,
		       void *state, uint64_t n);
	int (*run)(const struct dyno_host *h, struct dyno_ctx *ctx,
		   void *state);
};

/* What the implementation's entry symbol returns (static const data). */
struct heavy_impl {
	size_t size;        /* sizeof(struct heavy_impl) */
	uint32_t abi;       /* HEAVY_ABI */
	const char *version; /* the plugin's version: must equal the shell's */
	/* Once per probe process, before the first setup.  Optional. */
	int (*init)(const struct dyno_host *h, struct dyno_ctx *ctx);
	/* After the last teardown.  Optional. */
	void (*fini)(const struct dyno_host *h, struct dyno_ctx *ctx);
	const struct heavy_probe *const *probes; /* ended by NULL */
};

typedef const struct heavy_impl *(*heavy_entry_fn)(void);

/* Declares the implementation's entry point, `sym`. */
#define HEAVY_IMPL_ENTRY(sym)                                           \
	DYNO_EXPORT const struct heavy_impl *sym(void);                 \
	DYNO_EXPORT const struct heavy_impl *sym(void)

/* How a shell names its implementation (static const data). */
struct heavy_lib {
	const char *plugin;  /* for messages: "autoreject" */
	const char *file;    /* in HEAVY_DIR beside the shell: "autoreject-impl.so" */
	const char *symbol;  /* its entry point: "autoreject_impl_v1" */
	const char *version; /* the shell's version */
};

/*
** Opens lib's implementation (dlopen RTLD_NOW | RTLD_LOCAL; never closed:
** its libraries' exit handlers and threads outlive any probe) and checks
** it; the path comes from the shell's own file (dladdr), and is refused
** when someone else could have replaced it, as the loader refuses
** plugins.  Returns DYNO_OK with *out set, or the probe's fail() with one
** line naming the file and what is wrong.  Nothing is kept between calls:
** the dynamic linker's own list of loaded objects makes a second call
** cheap.
*/
int heavy_open(const struct heavy_lib *lib, const struct dyno_host *h,
	       struct dyno_ctx *ctx, const struct heavy_impl **out);

/* The shell's init and fini: open the implementation and call its own. */
int heavy_init(const struct heavy_lib *lib, const struct dyno_host *h,
	       struct dyno_ctx *ctx);
void heavy_fini(const struct heavy_lib *lib, const struct dyno_host *h,
		struct dyno_ctx *ctx);

/* The shell's setup for probe `name`: opens the implementation, finds the
** probe, calls its setup; the state it hands back wraps the
** implementation's.  The shell's other callbacks are heavy_teardown,
** heavy_run and heavy_iterate themselves. */
int heavy_setup(const struct heavy_lib *lib, const char *name,
		const struct dyno_host *h, struct dyno_ctx *ctx, void **state);
void heavy_teardown(const struct dyno_host *h, struct dyno_ctx *ctx,
		    void *state);
int heavy_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state);
int heavy_iterate(const struct dyno_host *h, struct dyno_ctx *ctx,
		  void *state, uint64_t n);

#endif /* DYNO_PLUGINS_HEAVY_H */

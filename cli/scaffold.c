/* scaffold.c - templates for `dyno new-plugin`, written without overwriting anything. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "params.h"
#include "scaffold.h"
#include "xmalloc.h"

/* @NAME@ is replaced by the plugin name. */
static const char source_tmpl[] =
"/*\n"
"** @NAME@.c - a dyno plugin.  Build: make; try: make check.\n"
"** The ABI is documented in dyno/plugin.h and docs/plugin-guide.md.\n"
"*/\n"
"#include <stdint.h>\n"
"#include <stdlib.h>\n"
"#include <string.h>\n"
"\n"
"#include <dyno/plugin.h>\n"
"\n"
"struct @NAME@_state {\n"
"\tunsigned char *buf;\n"
"\tsize_t size;\n"
"};\n"
"\n"
"static const struct dyno_param @NAME@_params[] = {\n"
"\t{ .name = \"size\", .type = DYNO_PARAM_SIZE, .def = \"64KiB\",\n"
"\t  .min = \"1\", .max = \"1GiB\", .help = \"bytes to touch per operation\" },\n"
"\t{ NULL }\n"
"};\n"
"\n"
"static int\n"
"@NAME@_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)\n"
"{\n"
"\tstruct @NAME@_state *s = calloc(1, sizeof(*s));\n"
"\n"
"\tif (s == NULL)\n"
"\t\treturn h->fail(ctx, \"out of memory\");\n"
"\ts->size = (size_t)h->param_size(ctx, \"size\");\n"
"\ts->buf = malloc(s->size);\n"
"\tif (s->buf == NULL) {\n"
"\t\tfree(s);\n"
"\t\treturn h->fail(ctx, \"cannot allocate %zu bytes\", (size_t)h->param_size(ctx, \"size\"));\n"
"\t}\n"
"\th->set_bytes_per_op(ctx, (double)s->size);\n"
"\t*state = s;\n"
"\treturn DYNO_OK;\n"
"}\n"
"\n"
"static void\n"
"@NAME@_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)\n"
"{\n"
"\tstruct @NAME@_state *s = state;\n"
"\n"
"\t(void)h; (void)ctx;\n"
"\tfree(s->buf);\n"
"\tfree(s);\n"
"}\n"
"\n"
"/* The measured operation, n times: fill the buffer. */\n"
"static int\n"
"@NAME@_fill_iterate(const struct dyno_host *h, struct dyno_ctx *ctx,\n"
"\t\t    void *state, uint64_t n)\n"
"{\n"
"\tstruct @NAME@_state *s = state;\n"
"\n"
"\t(void)h; (void)ctx;\n"
"\tfor (uint64_t i = 0; i < n; i++) {\n"
"\t\tmemset(s->buf, (int)i, s->size);\n"
"\t\t__asm__ __volatile__(\"\" : : \"r\"(s->buf) : \"memory\");\n"
"\t}\n"
"\treturn DYNO_OK;\n"
"}\n"
"\n"
"static const struct dyno_probe @NAME@_fill = {\n"
"\t.size = sizeof(struct dyno_probe),\n"
"\t.name = \"fill\",\n"
"\t.summary = \"memset of a buffer: time per fill and bandwidth\",\n"
"\t.params = @NAME@_params,\n"
"\t.setup = @NAME@_setup,\n"
"\t.teardown = @NAME@_teardown,\n"
"\t.iterate = @NAME@_fill_iterate,\n"
"};\n"
"\n"
"static const struct dyno_probe *const @NAME@_probes[] = { &@NAME@_fill, NULL };\n"
"\n"
"static const struct dyno_plugin @NAME@_plugin = {\n"
"\t.size = sizeof(struct dyno_plugin),\n"
"\t.abi_minor = DYNO_ABI_MINOR,\n"
"\t.name = \"@NAME@\",\n"
"\t.version = \"0.1.0\",\n"
"\t.summary = \"@NAME@ probes\",\n"
"\t.probes = @NAME@_probes,\n"
"};\n"
"\n"
"DYNO_PLUGIN_ENTRY\n"
"{\n"
"\tif (h->abi_major != DYNO_ABI_MAJOR) {\n"
"\t\th->log(NULL, DYNO_LOG_ERROR, \"built for dyno ABI %d\", DYNO_ABI_MAJOR);\n"
"\t\treturn NULL;\n"
"\t}\n"
"\treturn &@NAME@_plugin;\n"
"}\n";

static const char makefile_tmpl[] =
"# Makefile for the @NAME@ dyno plugin, built out of tree against an\n"
"# installed dyno: pkg-config finds the header and the flags.\n"
"PKG_CONFIG ?= pkg-config\n"
"DYNO ?= dyno\n"
"CFLAGS ?= -O2 -g\n"
"# Kept apart from CFLAGS so `make CFLAGS=...` cannot drop them.\n"
"DYNO_CFLAGS = -std=c11 -Wall -Wextra $(shell $(PKG_CONFIG) --cflags dyno-plugin)\n"
"DYNO_LIBS = $(shell $(PKG_CONFIG) --libs dyno-plugin)\n"
"\n"
"all: @NAME@.so\n"
"\n"
"@NAME@.so: @NAME@.c\n"
"\t$(CC) $(DYNO_CFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(DYNO_LIBS)\n"
"\n"
"check: @NAME@.so\n"
"\tDYNO=\"$(DYNO)\" sh ./test.sh\n"
"\n"
"clean:\n"
"\trm -f @NAME@.so\n"
"\n"
".PHONY: all check clean\n";

static const char test_tmpl[] =
"#!/bin/sh\n"
"# test.sh - load the plugin with dyno and run its probe briefly.\n"
"set -eu\n"
"DYNO=${DYNO:-dyno}\n"
"here=$(cd \"$(dirname \"$0\")\" && pwd)\n"
"\"$DYNO\" --plugin-dir \"$here\" list | grep -q '^@NAME@\\.fill ' ||\n"
"\t{ echo 'FAIL: @NAME@.fill not listed'; exit 1; }\n"
"\"$DYNO\" --plugin-dir \"$here\" probe @NAME@.fill size=4KiB \\\n"
"\t--min-time 20ms --max-time 200ms --warmup 10ms --json > \"$here/result.json\"\n"
"grep -q '\"status\": *\"ok\"' \"$here/result.json\" ||\n"
"\t{ echo 'FAIL: probe did not succeed'; cat \"$here/result.json\"; exit 1; }\n"
"echo '1 passed, 0 failed'\n";

static char *
expand(const char *tmpl, const char *name)
{
	size_t cap = strlen(tmpl) * 2 + 1, len = 0, nl = strlen(name);
	char *out = xmalloc(cap);

	for (const char *p = tmpl; *p; ) {
		if (strncmp(p, "@NAME@", 6) == 0) {
			if (len + nl + 1 > cap)
				out = xrealloc(out, cap = (len + nl + 1) * 2);
			memcpy(out + len, name, nl);
			len += nl;
			p += 6;
			continue;
		}
		if (len + 2 > cap)
			out = xrealloc(out, cap *= 2);
		out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

static int
write_new(const char *dir, const char *file, const char *text, int mode,
	  struct dyno_err *err)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t len = strlen(text);
	int rc = 0;

	if (fd < 0) {
		rc = dyno_err_set(err, errno == EEXIST ? DYNO_EEXIST : DYNO_EIO,
		    "cannot create '%s': %s%s", path, strerror(errno),
		    errno == EEXIST ? " (nothing is overwritten)" : "");
	} else {
		if (write(fd, text, len) != (ssize_t)len)
			rc = dyno_err_set(err, DYNO_EIO, "cannot write '%s': %s",
					  path, strerror(errno));
		close(fd);
	}
	free(path);
	return rc;
}

int
scaffold_write(const char *name, const char *dir, struct dyno_err *err)
{
	struct { const char *file; const char *tmpl; int mode; } files[] = {
		{ NULL, source_tmpl, 0644 },
		{ "Makefile", makefile_tmpl, 0644 },
		{ "test.sh", test_tmpl, 0755 },
	};
	char *src;
	int rc = 0;

	if (!params_name_ok(name))
		return dyno_err_set(err, DYNO_EINVAL,
		    "invalid plugin name '%s': expected [a-z][a-z0-9_]*", name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return dyno_err_set(err, DYNO_EIO, "cannot create '%s': %s", dir,
				    strerror(errno));
	src = xasprintf("%s.c", name);
	files[0].file = src;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && rc == 0; i++) {
		char *text = expand(files[i].tmpl, name);

		rc = write_new(dir, files[i].file, text, files[i].mode, err);
		free(text);
	}
	free(src);
	return rc;
}

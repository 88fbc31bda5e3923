/*
** behave.c - fixture: probes that crash, hang, skip, fail, exit, misuse
** the ABI, or allocate a known amount, for the runner's tests.
*/
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dyno/plugin.h>

static const struct dyno_metric behave_metrics[] = {
	{ .name = "x", .unit = "s", .better = DYNO_BETTER_LOWER }, { NULL }
};

static int
behave_crash(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)h; (void)ctx; (void)s;
	fprintf(stderr, "about to crash on purpose\n");
	fflush(stderr);
	raise(SIGSEGV);
	return DYNO_OK;
}

/* Ignores should_stop: only SIGKILL ends it. */
static int
behave_hang(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)h; (void)ctx; (void)s;
	signal(SIGTERM, SIG_IGN);
	for (;;)
		pause();
	return DYNO_OK;
}

static int
behave_skip(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)s;
	return h->skip(ctx, "no frobnicator on this machine");
}

static int
behave_fail(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)s;
	h->record(ctx, "x", 1.0);
	return h->fail(ctx, "the device returned garbage");
}

static int
behave_exit(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)h; (void)ctx; (void)s;
	fprintf(stderr, "exiting early\n");
	_exit(3);
}

static int
behave_undeclared(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	(void)s;
	h->record(ctx, "nope", 1.0);
	return DYNO_OK;
}

static const struct dyno_param behave_alloc_params[] = {
	{ .name = "size", .type = DYNO_PARAM_SIZE, .def = "64MiB",
	  .help = "bytes to allocate and touch" },
	{ NULL }
};

/* Touches `size` bytes so peak RSS must exceed it. */
static int
behave_alloc(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	size_t n = (size_t)h->param_size(ctx, "size");
	char *p = malloc(n);

	(void)s;
	if (p == NULL)
		return h->fail(ctx, "cannot allocate %zu bytes", n);
	memset(p, 1, n);
	h->record(ctx, "x", (double)p[n / 2]);
	free(p);
	return DYNO_OK;
}

/* Records until should_stop: exercises adaptive stopping. */
static int
behave_steady(const struct dyno_host *h, struct dyno_ctx *ctx, void *s)
{
	uint64_t i = 0;

	(void)s;
	while (!h->should_stop(ctx))
		h->record(ctx, "x", 1.0 + (double)(i++ % 2) * 0.001);
	return DYNO_OK;
}

#define PROBE(n, fn, extra) \
	static const struct dyno_probe probe_##n = { \
		.size = sizeof(struct dyno_probe), .name = #n, \
		.metrics = behave_metrics, .run = fn, extra }

PROBE(crash, behave_crash, .summary = "raises SIGSEGV");
PROBE(hang, behave_hang, .summary = "never returns");
PROBE(skip, behave_skip, .summary = "skips");
PROBE(fail, behave_fail, .summary = "fails");
PROBE(exit, behave_exit, .summary = "calls _exit(3)");
PROBE(undeclared, behave_undeclared, .summary = "records an undeclared metric");
PROBE(alloc, behave_alloc, .params = behave_alloc_params);
PROBE(steady, behave_steady, .summary = "records until told to stop");

static const struct dyno_probe behave_missing = {
	.size = sizeof(struct dyno_probe), .name = "missing",
	.summary = "built without its library",
	.unavailable_reason = "built without libfrob (install libfrob-dev and rebuild)",
};

static const struct dyno_probe *const behave_probes[] = {
	&probe_crash, &probe_hang, &probe_skip, &probe_fail, &probe_exit,
	&probe_undeclared, &probe_alloc, &probe_steady, &behave_missing, NULL
};

static const struct dyno_plugin behave_plugin = {
	.size = sizeof(struct dyno_plugin), .abi_minor = DYNO_ABI_MINOR,
	.name = "behave", .version = "0.0.1", .summary = "misbehaving probes",
	.probes = behave_probes,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &behave_plugin;
}

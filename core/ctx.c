/* ctx.c - the probe context: metric collectors, progress to the parent, scratch cleanup, the stop flag. */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "xmalloc.h"

volatile sig_atomic_t ctx_stop_requested;

const struct dyno_metric ctx_iterate_metrics[] = {
	{ "time", "s", DYNO_BETTER_LOWER, "time per operation" },
	{ "rate", "op/s", DYNO_BETTER_HIGHER, "operations per second" },
	{ "bandwidth", "B/s", DYNO_BETTER_HIGHER,
	  "bytes per second (probes that set bytes per operation)" },
	{ NULL, NULL, 0, NULL }
};

size_t
ctx_headline_count(const struct dyno_probe *p)
{
	if (p->iterate)
		return CTX_ITERATE_HEADLINE;
	/* 0, and ABI 1.0 probes (no such member): the first metric */
	return DYNO_PROBE_HAS(p, headline_metrics) && p->headline_metrics > 0 ?
	       p->headline_metrics : 1;
}

struct ctx_metric *
ctx_metric(struct dyno_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->nmetrics; i++)
		if (strcmp(ctx->metrics[i].name, name) == 0)
			return &ctx->metrics[i];
	return NULL;
}

void
ctx_progress(struct dyno_ctx *ctx, double fraction, const char *note)
{
	char line[256];
	int n;

	if (ctx->progress_fd < 0)
		return;
	if (!(fraction >= 0.0))
		fraction = 0.0;
	if (fraction > 1.0)
		fraction = 1.0;
	/* One short line per update; the parent ignores what it can't parse. */
	n = snprintf(line, sizeof(line), "P %.4f %.200s\n", fraction,
		     note ? note : "");
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' && i != n - 1)
			line[i] = ' ';
	if (n > 0 && write(ctx->progress_fd, line, (size_t)n) < 0)
		ctx->progress_fd = -1;
}

static struct ctx_metric *
add_metric(struct dyno_ctx *ctx, const char *name, const char *unit,
	   enum dyno_better better)
{
	struct ctx_metric *m;

	ctx->metrics = xreallocarray(ctx->metrics, ctx->nmetrics + 1,
				     sizeof(*ctx->metrics));
	m = &ctx->metrics[ctx->nmetrics++];
	m->name = name;
	m->unit = unit;
	m->better = better;
	m->headline = 0;
	m->samples = stats_samples_new();
	return m;
}

void
ctx_init(struct dyno_ctx *ctx, const struct dyno_host *host,
	 const struct dyno_plugin *plugin, const struct dyno_probe *p,
	 const struct param_set *ps, const struct measure_opts *opts)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->host = host;
	ctx->plugin = plugin;
	ctx->probe = p;
	ctx->params = ps;
	ctx->opts = opts;
	ctx->artifacts = json_object();
	ctx->progress_fd = -1;
	size_t heads = ctx_headline_count(p);

	for (size_t i = 0; p->iterate && ctx_iterate_metrics[i].name; i++)
		add_metric(ctx, ctx_iterate_metrics[i].name,
			   ctx_iterate_metrics[i].unit,
			   ctx_iterate_metrics[i].better)->headline = i < heads;
	for (size_t i = 0; p->metrics && p->metrics[i].name; i++)
		if (ctx_metric(ctx, p->metrics[i].name) == NULL)
			add_metric(ctx, p->metrics[i].name, p->metrics[i].unit,
				   p->metrics[i].better)->headline =
				p->iterate == NULL && i < heads;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void
ctx_remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
ctx_fini(struct dyno_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nmetrics; i++)
		stats_samples_free(ctx->metrics[i].samples);
	free(ctx->metrics);
	json_decref(ctx->artifacts);
	if (ctx->scratch != NULL) {
		ctx_remove_tree(ctx->scratch);
		free(ctx->scratch);
	}
	memset(ctx, 0, sizeof(*ctx));
}

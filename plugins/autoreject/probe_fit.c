/*
** probe_fit.c - the autoreject.fit probe: the full local AutoReject
** (thresholds, consensus x n_interpolate CV, transform) on one
** recording, timed per recording; the chosen parameters as artifacts,
** the reject log to a file, and with synthetic input precision and
** recall of the rejected epochs against the injected artifacts.
** The callbacks, in the implementation library; the descriptor is in
** probes.c.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "export.h"
#include "fit.h"
#include "probe_params.h"
#include "probes.h"
#include "rejectlog.h"
#include "synth.h"
#include "thresholds.h"


struct fit_state {
	struct ar_input in;
	int rho[AR_MAX_RHO];
	struct ar_fit_opts opts;
	double *clean;
};

static void
fit_state_free(struct fit_state *st)
{
	if (st == NULL)
		return;
	ar_input_free(&st->in);
	free(st->clean);
	free(st);
}

static int
fit_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct fit_state *st = calloc(1, sizeof(*st));
	const char *ni = h->param_str(ctx, "n_interpolate");
	char err[4600];
	int n, rc;

	if (st == NULL)
		return h->fail(ctx, "out of memory");
	rc = ar_input_from_params(h, ctx, &st->in);
	if (rc != DYNO_OK) {
		free(st);
		return rc;
	}
	if (h->param_str(ctx, "save")[0] != '\0' &&
	    ar_export_raw(h->param_str(ctx, "save"), &st->in.ep,
			  st->in.has_truth ? &st->in.truth : NULL, err,
			  sizeof(err)) != 0) {
		fit_state_free(st);
		return h->fail(ctx, "%s", err);
	}
	n = ar_parse_rho(ni, st->in.ep.n_ch, st->rho, err, sizeof(err));
	if (n <= 0) {
		fit_state_free(st);
		return h->fail(ctx, "%s", err);
	}
	st->opts = (struct ar_fit_opts){
		.n_interp = st->rho, .n_rho = (size_t)n,
		.n_consensus = (size_t)h->param_int(ctx, "consensus"),
		.cv = (size_t)h->param_int(ctx, "cv"),
		.method = strcmp(h->param_str(ctx, "method"), "random_search") == 0 ?
			  AR_RANDOM_SEARCH : AR_BAYESIAN,
		.rng = strcmp(h->param_str(ctx, "rng"), "splitmix") == 0 ?
		       AR_RNG_SPLITMIX : AR_RNG_NUMPY,
		.seed = (uint64_t)h->param_int(ctx, "seed"),
		.threads = (unsigned)h->param_int(ctx, "threads"),
	};
	if (st->opts.rng == AR_RNG_NUMPY && st->opts.seed > UINT32_MAX) {
		unsigned long long sd = (unsigned long long)st->opts.seed;

		fit_state_free(st);
		return h->fail(ctx, "seed=%llu: rng=numpy seeds NumPy's "
			       "RandomState, which takes 0..4294967295; "
			       "use a smaller seed or rng=splitmix", sd);
	}
	if (st->in.ep.n_epochs < st->opts.cv) {
		size_t e = st->in.ep.n_epochs;

		fit_state_free(st);
		return h->fail(ctx, "cv=%zu folds need at least as many epochs; "
			       "the recording has %zu", (size_t)h->param_int(ctx, "cv"), e);
	}
	st->clean = malloc(st->in.ep.n_epochs * st->in.ep.n_ch *
			   st->in.ep.n_times * sizeof(double));
	if (st->clean == NULL) {
		fit_state_free(st);
		return h->fail(ctx, "out of memory for the cleaned epochs");
	}
	*state = st;
	return DYNO_OK;
}

static void
fit_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h; (void)ctx;
	fit_state_free(state);
}

/* The artifacts of one fit: chosen parameters, thresholds. */
static void
fit_artifacts(const struct dyno_host *h, struct dyno_ctx *ctx,
	      const struct fit_state *st, const struct ar_model *m,
	      const struct ar_reject_log *log)
{
	const struct ar_epochs *ep = &st->in.ep;
	char v[AR_MAX_CHANNELS * 32], *p = v;
	size_t nbad = 0, ninterp = 0;

	h->artifact(ctx, "input", st->in.what);
	snprintf(v, sizeof(v), "%g", m->consensus);
	h->artifact(ctx, "consensus", v);
	snprintf(v, sizeof(v), "%d", m->n_interpolate);
	h->artifact(ctx, "n_interpolate", v);
	for (size_t c = 0; c < ep->n_ch; c++)
		p += snprintf(p, sizeof(v) - (size_t)(p - v), "%s%s:%.6g",
			      c ? " " : "", ep->names[c], m->thresh[c]);
	h->artifact(ctx, "thresholds", v);
	for (size_t e = 0; e < log->n_epochs; e++) {
		nbad += log->bad[e];
		for (size_t c = 0; c < log->n_ch; c++)
			ninterp += log->labels[e * log->n_ch + c] == 2 &&
				   !log->bad[e];
	}
	snprintf(v, sizeof(v), "%zu of %zu", nbad, log->n_epochs);
	h->artifact(ctx, "bad_epochs", v);
	snprintf(v, sizeof(v), "%zu", ninterp);
	h->artifact(ctx, "interpolated_channels", v);
}

/* Precision and recall of the rejected epochs against the epochs that
** received a transient artifact (blink, burst, global); a channel noisy
** throughout is AutoReject's to interpolate, not a reason to reject. */
static void
fit_truth(const struct dyno_host *h, struct dyno_ctx *ctx,
	  const struct ar_truth *t, const struct ar_reject_log *log)
{
	size_t tp = 0, rej = 0, pos = 0;

	for (size_t e = 0; e < log->n_epochs; e++) {
		rej += log->bad[e];
		pos += t->epoch[e];
		tp += log->bad[e] && t->epoch[e];
	}
	h->record(ctx, "precision", rej ? (double)tp / (double)rej : 1.0);
	h->record(ctx, "recall", pos ? (double)tp / (double)pos : 1.0);
}

static int
fit_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct fit_state *st = state;
	const struct ar_epochs *ep = &st->in.ep;
	const char *logpath = h->param_str(ctx, "log");
	int first = 1;

	do {
		struct ar_model m;
		struct ar_reject_log log;
		uint64_t t0 = h->now_ns();
		int rc = ar_fit(ep, &st->opts, &m);
		double dt;

		if (rc == AR_OK) {
			rc = ar_transform(ep, &m, st->opts.threads, st->clean,
					  &log);
			if (rc != AR_OK)
				ar_model_free(&m);
		}
		if (rc != AR_OK)
			return h->fail(ctx, "autoreject on %s: %s", st->in.what,
				       ar_strerror(rc));
		dt = (double)(h->now_ns() - t0) * 1e-9;
		h->record(ctx, "duration", dt);
		h->record(ctx, "epochs_per_s", (double)ep->n_epochs / dt);
		/* Every fit, though they agree: a metric's statistics
		** need more than one sample. */
		if (st->in.has_truth)
			fit_truth(h, ctx, &st->in.truth, &log);
		if (first) {
			fit_artifacts(h, ctx, st, &m, &log);
			if (logpath[0] != '\0') {
				double g = 0;
				char err[4600];

				rc = ar_global_threshold(ep, &g);
				if (rc == AR_OK &&
				    ar_rejectlog_write(logpath, ep, &m, &log, g,
						       err, sizeof(err)) != 0) {
					ar_reject_log_free(&log);
					ar_model_free(&m);
					return h->fail(ctx, "%s", err);
				}
			}
			first = 0;
		}
		ar_reject_log_free(&log);
		ar_model_free(&m);
		if (rc != AR_OK)
			return h->fail(ctx, "global threshold of %s: %s",
				       st->in.what, ar_strerror(rc));
	} while (!h->should_stop(ctx));
	return DYNO_OK;
}

const struct heavy_probe ar_fit_impl = {
	.name = "fit",
	.setup = fit_setup,
	.teardown = fit_teardown,
	.run = fit_run,
};

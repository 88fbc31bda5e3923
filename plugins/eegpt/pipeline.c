/*
** pipeline.c - the eegpt.pipeline probe's work: one recording from file
** (or the AutoReject generator) through AutoReject, fixed-length windows
** over the kept data and the EEGPT encoder to features, timed per stage.
** The callbacks, in the implementation library; the descriptor is in
** pipeline_probe.c.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "ar_api.h"
#include "heavy.h"
#include "model.h"
#include "model_params.h"
#include "nn.h"
#include "pipeline.h"
#include "windows.h"

struct pipe {
	struct eegpt_model	 m;
	struct ar_fit_opts	 ar;
	int			 rho[AR_MAX_RHO];
	size_t			 in_len, out_len;	/* per window */
	float			*x;	/* one batch: the last, short one */
	float			*y;	/* one batch of features */
	char			 kept[64];	/* "K of N" epochs, last run */
};

static void
pipe_free(struct pipe *s)
{
	eegpt_free(&s->m);
	free(s->x);
	free(s->y);
	free(s);
}

/* The recording's channels and length decide the model's shape and
** whether a window fits at all: read it once here, as a bad input must
** fail before anything is timed. */
static int
pipe_check_input(const struct dyno_host *h, struct dyno_ctx *ctx,
    size_t samples, size_t cv, size_t *chans)
{
	struct ar_input in;
	size_t total;
	int rc;

	if ((rc = ar_input_from_params(h, ctx, &in)) != DYNO_OK)
		return rc;
	*chans = in.ep.n_ch;
	total = in.ep.n_epochs * in.ep.n_times;
	if (in.ep.n_ch < 2) {
		ar_input_free(&in);
		return h->fail(ctx, "%s: %zu channel; AutoReject needs at "
		    "least 2", in.what, *chans);
	}
	if (in.ep.n_epochs < cv) {
		size_t e = in.ep.n_epochs;

		ar_input_free(&in);
		return h->fail(ctx, "cv=%zu folds need at least as many "
		    "epochs; the recording has %zu", cv, e);
	}
	if (total < samples) {
		ar_input_free(&in);
		return h->fail(ctx, "samples=%zu: the recording has %zu "
		    "samples per channel; expected at least one window",
		    samples, total);
	}
	ar_input_free(&in);
	return DYNO_OK;
}

static int
pipe_setup(const struct dyno_host *h, struct dyno_ctx *ctx, void **state)
{
	struct pipe *s;
	uint64_t seed = (uint64_t)h->param_int(ctx, "seed");
	int threads = (int)h->param_int(ctx, "encoder_threads");
	const char *ni = h->param_str(ctx, "n_interpolate");
	size_t chans, i;
	char err[320], what[96];
	int n;
	int rc;

	if (seed > UINT32_MAX)
		return h->fail(ctx, "seed=%llu: AutoReject's CV splits are "
		    "NumPy's RandomState, which takes 0..4294967295",
		    (unsigned long long)seed);
	rc = pipe_check_input(h, ctx, (size_t)h->param_int(ctx, "samples"),
	    (size_t)h->param_int(ctx, "cv"), &chans);
	if (rc != DYNO_OK)
		return rc;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return h->fail(ctx, "out of memory");
	if ((n = ar_parse_rho(ni, chans, s->rho, err, sizeof(err))) <= 0) {
		free(s);
		return h->fail(ctx, "%s", err);
	}
	s->ar = (struct ar_fit_opts){
		.n_interp = s->rho, .n_rho = (size_t)n,
		.n_consensus = (size_t)h->param_int(ctx, "consensus"),
		.cv = (size_t)h->param_int(ctx, "cv"),
		.method = AR_BAYESIAN,
		.rng = AR_RNG_NUMPY,
		.seed = seed,
		.threads = (unsigned)h->param_int(ctx, "threads"),
	};

	rc = eegpt_model_setup(h, ctx, (int)chans,
	    (int)h->param_int(ctx, "samples"), threads > 0 ? threads :
	    (int)h->param_int(ctx, "threads"), seed, &s->m);
	if (rc != DYNO_OK) {
		free(s);
		return rc;
	}
	s->in_len = eegpt_in_len(&s->m) / (size_t)s->m.batch;
	s->out_len = eegpt_out_len(&s->m) / (size_t)s->m.batch;
	s->x = calloc(eegpt_in_len(&s->m), sizeof(*s->x));
	s->y = malloc(eegpt_out_len(&s->m) * sizeof(*s->y));
	if (s->x == NULL || s->y == NULL) {
		pipe_free(s);
		return h->fail(ctx, "out of memory");
	}
	/* One unmeasured forward, as a worker warms up once: the first
	** touches of the arena and the weights are no recording's cost. */
	for (i = 0; i < eegpt_in_len(&s->m); i++)
		s->x[i] = nn_init_value("input", seed, i, 1.0);
	if (eegpt_forward(&s->m, s->x, s->y, err, sizeof(err)) < 0) {
		pipe_free(s);
		return h->fail(ctx, "%s", err);
	}
	snprintf(what, sizeof(what), "%d channels x %d samples, no overlap",
	    s->m.cfg.chans, s->m.cfg.samples);
	h->artifact(ctx, "window", what);
	*state = s;
	return DYNO_OK;
}

static void
pipe_teardown(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	(void)h;
	(void)ctx;
	pipe_free(state);
}

/* The encoder over n windows, batch by batch (the last one padded with
** zero windows whose features are not kept), into feat. */
static int
pipe_encode(const struct dyno_host *h, struct dyno_ctx *ctx, struct pipe *s,
    const float *win, size_t n, float *feat)
{
	size_t b, i, k, batch = (size_t)s->m.batch;
	const float *x;
	char err[320];

	for (b = 0; b < n; b += batch) {
		k = n - b < batch ? n - b : batch;
		x = win + b * s->in_len;
		if (k < batch) {
			memcpy(s->x, x, k * s->in_len * sizeof(*s->x));
			memset(s->x + k * s->in_len, 0,
			    (batch - k) * s->in_len * sizeof(*s->x));
			x = s->x;
		}
		if (eegpt_forward(&s->m, x, s->y, err, sizeof(err)) < 0)
			return h->fail(ctx, "%s", err);
		for (i = 0; i < k * s->out_len; i++)
			if (!isfinite(s->y[i]))
				return h->fail(ctx, "window %zu: feature %zu "
				    "is %g: the encoder is not finite on this "
				    "recording", b + i / s->out_len,
				    i % s->out_len, s->y[i]);
		memcpy(feat + b * s->out_len, s->y,
		    k * s->out_len * sizeof(*feat));
	}
	return DYNO_OK;
}

/* One recording, end to end; fills t[0..3] with the stages' seconds. */
static int
pipe_one(const struct dyno_host *h, struct dyno_ctx *ctx, struct pipe *s,
    double t[4], size_t *nwin)
{
	struct ar_input in;
	struct ar_epochs kept = { 0 };
	float *win = NULL, *feat = NULL;
	uint64_t t0, t1;
	int rc;

	t0 = h->now_ns();
	if ((rc = ar_input_from_params(h, ctx, &in)) != DYNO_OK)
		return rc;
	t1 = h->now_ns();
	t[0] = (double)(t1 - t0) / 1e9;
	rc = ar_clean_epochs(&in.ep, &s->ar, &kept, NULL);
	t0 = h->now_ns();
	t[1] = (double)(t0 - t1) / 1e9;
	if (rc != AR_OK) {
		rc = h->fail(ctx, "%s: AutoReject: %s", in.what,
		    ar_strerror(rc));
		goto out;
	}
	snprintf(s->kept, sizeof(s->kept), "%zu of %zu", kept.n_epochs,
	    in.ep.n_epochs);
	win = eegpt_windows(&kept, (size_t)s->m.cfg.samples, nwin);
	t1 = h->now_ns();
	t[2] = (double)(t1 - t0) / 1e9;
	if (win == NULL) {
		if (*nwin == 0)
			rc = h->fail(ctx, "%s: AutoReject kept %zu of %zu "
			    "epochs, %zu samples per channel; expected at "
			    "least samples=%d", in.what, kept.n_epochs,
			    in.ep.n_epochs, kept.n_epochs * kept.n_times,
			    s->m.cfg.samples);
		else
			rc = h->fail(ctx, "out of memory for %zu windows",
			    *nwin);
		goto out;
	}
	if ((feat = malloc(*nwin * s->out_len * sizeof(*feat))) == NULL) {
		rc = h->fail(ctx, "out of memory for %zu windows' features",
		    *nwin);
		goto out;
	}
	rc = pipe_encode(h, ctx, s, win, *nwin, feat);
	t[3] = (double)(h->now_ns() - t1) / 1e9;
out:
	free(feat);
	free(win);
	ar_epochs_free(&kept);
	ar_input_free(&in);
	return rc;
}

static int
pipe_run(const struct dyno_host *h, struct dyno_ctx *ctx, void *state)
{
	struct pipe *s = state;
	double t[4], d;
	size_t n;
	int rc;

	do {
		if ((rc = pipe_one(h, ctx, s, t, &n)) != DYNO_OK)
			return rc;
		d = t[0] + t[1] + t[2] + t[3];
		h->record(ctx, "recordings_per_hour", 3600 / d);
		h->record(ctx, "duration", d);
		h->record(ctx, "read", t[0]);
		h->record(ctx, "autoreject", t[1]);
		h->record(ctx, "windowing", t[2]);
		h->record(ctx, "encoder", t[3]);
		h->record(ctx, "windows", (double)n);
		h->record(ctx, "windows_per_s", (double)n / t[3]);
	} while (!h->should_stop(ctx));
	h->artifact(ctx, "kept_epochs", s->kept);
	return DYNO_OK;
}

const struct heavy_probe eegpt_pipeline_impl = {
	.name = "pipeline",
	.setup = pipe_setup,
	.teardown = pipe_teardown,
	.run = pipe_run,
};

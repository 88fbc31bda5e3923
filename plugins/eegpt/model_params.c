/*
** model_params.c - the encoder a probe's parameters describe, built,
** weighted and compiled: the part of setup eegpt.infer and
** eegpt.pipeline share (EEGPT_MODEL_PARAMS names the parameters).
*/
#include <stdio.h>
#include <string.h>

#include <dyno/plugin.h>

#include "model.h"
#include "model_params.h"
#include "nn.h"
#include "nn_probe.h"

int
eegpt_model_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
    int chans, int samples, int threads, uint64_t seed,
    struct eegpt_model *m)
{
	struct eegpt_config c;
	enum nn_device dev;
	enum nn_dtype dt;
	const char *why, *weights = h->param_str(ctx, "weights");
	int graph = h->param_bool(ctx, "graph");
	char err[320], what[96];
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = nn_probe_target(h, ctx, &dev, &dt)) != DYNO_OK)
		return rc;
	if ((why = nn_unsupported(dev, dt)) != NULL)
		return h->skip(ctx, "%s", why);
	eegpt_config_spec(&c);
	c.chans = chans;
	c.samples = samples;
	c.stride = (int)h->param_int(ctx, "stride");
	c.dim = (int)h->param_int(ctx, "dim");
	c.depth = (int)h->param_int(ctx, "depth");
	c.heads = (int)h->param_int(ctx, "heads");
	if (c.chans > c.chan_table)
		c.chan_table = c.chans;	/* braindecode: max(62, C) rows */
	if (eegpt_build(m, &c, (int)h->param_int(ctx, "batch"), dev, dt,
	    err, sizeof(err)) < 0)
		return h->fail(ctx, "%s", err);
	if (weights[0] != '\0') {
		if (nn_load_safetensors(m->g, weights) < 0)
			goto nn_failed;
		h->artifact(ctx, "weights", weights);
	} else {
		nn_init_seeded(m->g, seed);
		snprintf(what, sizeof(what), "dyno-init-v1 seed %llu",
		    (unsigned long long)seed);
		h->artifact(ctx, "weights", what);
	}
	if (nn_probe_graph_option(h, ctx, m->g) < 0)
		goto nn_failed;
	if (eegpt_compile(m, threads, err, sizeof(err)) < 0) {
		eegpt_free(m);
		return h->fail(ctx, "%s", err);
	}
	snprintf(what, sizeof(what), "%lld parameters",
	    (long long)nn_param_count(m->g));
	h->artifact(ctx, "model", what);
	h->artifact(ctx, "engine", dev == NN_CUDA ? (graph ?
	    "cuBLASLt, cuDNN, own kernels (CUDA graph)" :
	    "cuBLASLt, cuDNN, own kernels (eager)") : "oneDNN (CPU)");
	return DYNO_OK;

nn_failed:
	snprintf(err, sizeof(err), "%s", nn_error(m->g));
	eegpt_free(m);
	return h->fail(ctx, "%s", err);
}

/*
** model_params.c - the model a probe's parameters describe, built,
** weighted and compiled: the part of setup the yolo probes share
** (YOLO_MODEL_PARAMS names the parameters).
*/
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "family.h"
#include "model.h"
#include "model_params.h"
#include "nn.h"
#include "nn_probe.h"

const char *
yolo_family_dir(void)
{
	static const char built[] = DYNO_BUILD_DIR "/plugins/yolo/";
	Dl_info info;

	/* As the core finds its suites: a plugin run from the build tree
	** reads the family from the source tree, never an installed one. */
	if (dladdr((void *)yolo_family_dir, &info) != 0 &&
	    info.dli_fname != NULL &&
	    strncmp(info.dli_fname, built, sizeof(built) - 1) == 0)
		return YOLO_SRC_DIR;
	return YOLO_DATA_DIR;
}

int
yolo_model_setup(const struct dyno_host *h, struct dyno_ctx *ctx, int batch,
    int threads, struct yolo_model *m)
{
	const struct yolo_scale *scale;
	struct yolo_family *f;
	enum nn_device dev;
	enum nn_dtype dt;
	const char *why, *weights = h->param_str(ctx, "weights");
	const char *model = h->param_str(ctx, "model");
	uint64_t seed = (uint64_t)h->param_int(ctx, "seed");
	int imgsz = (int)h->param_int(ctx, "imgsz"), rc;
	char err[400], what[96];

	memset(m, 0, sizeof(*m));
	if ((rc = nn_probe_target(h, ctx, &dev, &dt)) != DYNO_OK)
		return rc;
	if (imgsz % 32 != 0)
		return h->fail(ctx, "imgsz %d: not a multiple of 32 (the "
		    "network's largest stride)", imgsz);
	if ((f = malloc(sizeof(*f))) == NULL)
		return h->fail(ctx, "out of memory");
	if (yolo_family_open(model, yolo_family_dir(), f, &scale, err,
	    sizeof(err)) < 0) {
		free(f);
		return h->fail(ctx, "%s", err);
	}
	if ((why = nn_unsupported(dev, dt)) != NULL) {
		free(f);
		return h->skip(ctx, "%s", why);
	}
	rc = yolo_build(m, f, scale, batch, imgsz, dev, dt, err, sizeof(err));
	free(f);
	if (rc < 0)
		return h->fail(ctx, "%s", err);
	if (weights[0] != '\0') {
		if (yolo_load(m, weights, err, sizeof(err)) < 0)
			goto failed;
		h->artifact(ctx, "weights", weights);
	} else {
		yolo_init_seeded(m, seed);
		snprintf(what, sizeof(what), "dyno-init-v1 seed %llu",
		    (unsigned long long)seed);
		h->artifact(ctx, "weights", what);
	}
	if (nn_probe_graph_option(h, ctx, m->g) < 0) {
		snprintf(err, sizeof(err), "%s", nn_error(m->g));
		goto failed;
	}
	if (yolo_compile(m, threads, err, sizeof(err)) < 0)
		goto failed;
	snprintf(what, sizeof(what), "%s: %lld parameters, %.2f GFLOPs per "
	    "image", model, (long long)yolo_params(m),
	    yolo_flops(m) / batch / 1e9);
	h->artifact(ctx, "model", what);
	h->artifact(ctx, "engine", dev == NN_CUDA ? (h->param_bool(ctx,
	    "graph") ? "cuDNN, own kernels (CUDA graph)" :
	    "cuDNN, own kernels (eager)") : "oneDNN (CPU)");
	return DYNO_OK;

failed:
	yolo_free(m);
	return h->fail(ctx, "%s", err);
}

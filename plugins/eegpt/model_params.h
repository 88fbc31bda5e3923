/*
** model_params.h - the setup eegpt.infer and eegpt.pipeline share: the
** encoder their parameters (probes.h, EEGPT_MODEL_PARAMS) describe.
*/
#ifndef EEGPT_MODEL_PARAMS_H
#define EEGPT_MODEL_PARAMS_H

#include <stdint.h>

#include <dyno/plugin.h>

#include "model.h"

/* Builds the encoder for CHANS x SAMPLES windows from the probe's
** parameters, loads or seeds its weights (SEED for dyno-init-v1),
** compiles it for THREADS (0: OpenMP's default) and records the
** weights, model and engine artifacts.  DYNO_OK; else what h->fail or
** h->skip returned, with M freed. */
int	eegpt_model_setup(const struct dyno_host *h, struct dyno_ctx *ctx,
	    int chans, int samples, int threads, uint64_t seed,
	    struct eegpt_model *m);

#endif /* EEGPT_MODEL_PARAMS_H */

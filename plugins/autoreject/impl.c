/*
** impl.c - the autoreject implementation library's entry point: the
** probes' callbacks and the BLAS setting, loaded by the shell
** (autoreject.so) in the probe's process only, so that `dyno list` never
** pays for OpenBLAS and LAPACKE (heavy.h).
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "probes.h"
#include "spline.h"

static const struct heavy_probe *const ar_impl_probes[] = {
	&ar_fit_impl, &ar_global_impl, &ar_interp_impl, NULL
};

/* Runs in the probe's process: the BLAS setting stays there. */
static int
ar_impl_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	(void)h; (void)ctx;
	ar_blas_single_thread();
	return DYNO_OK;
}

static const struct heavy_impl ar_impl = {
	.size = sizeof(struct heavy_impl),
	.abi = HEAVY_ABI,
	.version = AR_VERSION,
	.init = ar_impl_init,
	.probes = ar_impl_probes,
};

HEAVY_IMPL_ENTRY(autoreject_impl_v1)
{
	return &ar_impl;
}

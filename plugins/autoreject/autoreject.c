/*
** autoreject.c - the autoreject plugin: AutoReject (Jas et al. 2017) EEG
** artifact rejection as a benchmark.  This file only lists the probes;
** each lives in its own file (probes.h), the algorithm in fit.c and the
** files it uses.
*/
#include <dyno/plugin.h>

#include "probes.h"
#include "spline.h"

static const struct dyno_probe *const ar_probes[] = {
	&ar_fit_probe, &ar_global_probe, &ar_interp_probe, NULL
};

/* Runs in the probe's process: the BLAS setting stays there. */
static int
ar_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	(void)h; (void)ctx;
	ar_blas_single_thread();
	return DYNO_OK;
}

static const struct dyno_plugin ar_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "autoreject",
	.version = "1.0.0",
	.summary = "AutoReject EEG artifact rejection (synthetic, EDF or raw input)",
	.probes = ar_probes,
	.init = ar_init,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &ar_plugin;
}

/*
** autoreject.c - the autoreject plugin: AutoReject (Jas et al. 2017) EEG
** artifact rejection as a benchmark.  This file, with the descriptors in
** probes.c, is the shell dyno loads for every command; the probes' work,
** and LAPACKE and OpenBLAS with it, is in the implementation library
** (impl.c), which the shell opens in the probe's process only (heavy.h).
*/
#include <dyno/plugin.h>

#include "heavy.h"
#include "probes.h"

static const struct dyno_probe *const ar_probes[] = {
	&ar_fit_probe, &ar_global_probe, &ar_interp_probe, NULL
};

static int
ar_init(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	return heavy_init(&ar_heavy, h, ctx);
}

static void
ar_fini(const struct dyno_host *h, struct dyno_ctx *ctx)
{
	heavy_fini(&ar_heavy, h, ctx);
}

static const struct dyno_plugin ar_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "autoreject",
	.version = AR_VERSION,
	.summary = "AutoReject EEG artifact rejection (synthetic, EDF or raw input)",
	.probes = ar_probes,
	.init = ar_init,
	.fini = ar_fini,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &ar_plugin;
}

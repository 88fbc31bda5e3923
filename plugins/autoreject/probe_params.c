/*
** probe_params.c - from the probes' input parameters to epochs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "input.h"
#include "probe_params.h"
#include "synth.h"

void
ar_input_free(struct ar_input *in)
{
	ar_epochs_free(&in->ep);
	ar_truth_free(&in->truth);
	in->has_truth = 0;
}

int
ar_input_from_params(const struct dyno_host *h, struct dyno_ctx *ctx,
		     struct ar_input *in)
{
	const char *source = h->param_str(ctx, "source");
	const char *path = h->param_str(ctx, "path");
	double epoch = (double)h->param_duration_ns(ctx, "epoch") * 1e-9;
	char err[1024];
	int rc;

	memset(in, 0, sizeof(*in));
	if (strcmp(source, "synthetic") == 0) {
		struct ar_synth_opts o = {
			.n_ch = (size_t)h->param_int(ctx, "channels"),
			.sfreq = h->param_float(ctx, "sfreq"),
			.duration = (double)h->param_duration_ns(ctx, "duration") * 1e-9,
			.epoch = epoch,
			.seed = (uint64_t)h->param_int(ctx, "seed"),
			.blink_rate = h->param_float(ctx, "blink_rate"),
			.muscle_rate = h->param_float(ctx, "muscle_rate"),
			.bad_epoch_rate = h->param_float(ctx, "bad_epoch_rate"),
			.noisy_channels = (size_t)h->param_int(ctx, "noisy_channels"),
		};

		rc = ar_synth(&o, &in->ep, &in->truth);
		if (rc == AR_EINVAL)
			return h->fail(ctx, "synthetic: duration %g s holds no "
				       "whole epoch of %g s, or noisy_channels "
				       "%zu is not below channels %zu",
				       o.duration, epoch, o.noisy_channels,
				       o.n_ch);
		if (rc != AR_OK)
			return h->fail(ctx, "synthetic: %s", ar_strerror(rc));
		in->has_truth = 1;
		snprintf(in->what, sizeof(in->what),
			 "synthetic %zu channels, %g Hz, %zu epochs of %g s, seed %llu",
			 o.n_ch, o.sfreq, in->ep.n_epochs, epoch,
			 (unsigned long long)o.seed);
		return DYNO_OK;
	}
	if (path[0] == '\0')
		return h->fail(ctx, "source=%s needs path=FILE", source);
	if (strcmp(source, "edf") == 0) {
		const char *pos = h->param_str(ctx, "positions");

		rc = ar_read_edf(path, pos[0] ? pos : NULL, epoch, &in->ep, err,
				 sizeof(err));
	} else {
		const char *hdr = h->param_str(ctx, "header");

		if (hdr[0] == '\0')
			return h->fail(ctx, "source=raw needs header=FILE.json "
				       "(names, sfreq, positions)");
		rc = ar_read_raw(path, hdr, epoch, &in->ep, err, sizeof(err));
	}
	if (rc != 0)
		return h->fail(ctx, "%s", err);
	if (ar_check_finite(&in->ep, path, err, sizeof(err)) != 0) {
		ar_input_free(in);
		return h->fail(ctx, "%s", err);
	}
	snprintf(in->what, sizeof(in->what), "%s", path);
	return DYNO_OK;
}

int
ar_parse_rho(const char *s, size_t n_ch, int *rho, char *err, size_t errlen)
{
	int n = 0;
	const char *p = s;

	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v < 1 || v > 100000 ||
		    (*end != ',' && *end != '\0')) {
			snprintf(err, errlen, "n_interpolate '%s': expected a "
				 "comma-separated list of positive integers", s);
			return -1;
		}
		if ((size_t)v < n_ch) {
			if (n == AR_MAX_RHO) {
				snprintf(err, errlen, "n_interpolate '%s': at "
					 "most %d values", s, AR_MAX_RHO);
				return -1;
			}
			rho[n++] = (int)v;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (n == 0)
		snprintf(err, errlen, "n_interpolate '%s': every value is >= "
			 "the %zu channels; expected at least one below", s,
			 n_ch);
	return n;
}

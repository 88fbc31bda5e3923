/* test_ar_clean.c - the AutoReject library as other plugins call it
** (plugins/autoreject/ar_api.h): ar_clean_epochs keeps exactly the
** epochs ar_fit + ar_transform keep, with the same repaired samples, the
** channel names and positions, in order; and an impossible fit leaves
** the output empty. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ar_api.h"

static void
setup_blas(void)
{
	ar_blas_single_thread();
}

TestSuite(ar_clean, .init = setup_blas);

static void
synth(struct ar_epochs *ep, struct ar_truth *t)
{
	struct ar_synth_opts o = {
		.n_ch = 12, .sfreq = 128, .duration = 120, .epoch = 1,
		.seed = 5, .blink_rate = AR_SYNTH_BLINK_RATE,
		.muscle_rate = AR_SYNTH_MUSCLE_RATE, .bad_epoch_rate = 0.1,
		.noisy_channels = AR_SYNTH_NOISY_CHANNELS,
	};

	cr_assert_eq(ar_synth(&o, ep, t), AR_OK);
}

Test(ar_clean, keeps_what_transform_keeps, .timeout = 60)
{
	static const int rho[] = { 1, 2, 4 };
	struct ar_fit_opts o = {
		.n_interp = rho, .n_rho = 3, .n_consensus = 11, .cv = 5,
		.method = AR_BAYESIAN, .rng = AR_RNG_NUMPY, .seed = 5,
		.threads = 2,
	};
	struct ar_epochs ep, out;
	struct ar_truth t;
	struct ar_model m;
	struct ar_reject_log log;
	unsigned char kept[120];
	size_t row, nkept = 0, k = 0;
	double *clean;

	synth(&ep, &t);
	row = ep.n_ch * ep.n_times;
	cr_assert_eq(ar_clean_epochs(&ep, &o, &out, kept), AR_OK);
	clean = malloc(ep.n_epochs * row * sizeof(double));
	cr_assert_not_null(clean);
	cr_assert_eq(ar_fit(&ep, &o, &m), AR_OK);
	cr_assert_eq(ar_transform(&ep, &m, 1, clean, &log), AR_OK);
	for (size_t e = 0; e < ep.n_epochs; e++) {
		cr_assert_eq(kept[e], !log.bad[e], "epoch %zu", e);
		nkept += kept[e];
	}
	cr_assert(nkept > 0 && nkept < ep.n_epochs, "kept %zu of %zu", nkept,
		  ep.n_epochs);
	cr_assert_eq(out.n_epochs, nkept);
	cr_assert_eq(out.n_ch, ep.n_ch);
	cr_assert_eq(out.n_times, ep.n_times);
	cr_assert_eq(out.sfreq, ep.sfreq);
	cr_assert(memcmp(out.names, ep.names, ep.n_ch * sizeof(*ep.names)) == 0);
	cr_assert(memcmp(out.pos, ep.pos, ep.n_ch * sizeof(*ep.pos)) == 0);
	for (size_t e = 0; e < ep.n_epochs; e++)
		if (kept[e])
			cr_assert(memcmp(out.data + k++ * row, clean + e * row,
					 row * sizeof(double)) == 0, "epoch %zu", e);
	free(clean);
	ar_reject_log_free(&log);
	ar_model_free(&m);
	ar_epochs_free(&out);
	ar_epochs_free(&ep);
	ar_truth_free(&t);
}

Test(ar_clean, a_fit_that_cannot_run_leaves_nothing)
{
	static const int rho[] = { 1 };
	struct ar_fit_opts o = {
		.n_interp = rho, .n_rho = 1, .n_consensus = 11, .cv = 500,
		.method = AR_BAYESIAN, .seed = 1, .threads = 1,
	};
	struct ar_epochs ep, out;
	struct ar_truth t;
	unsigned char kept[120];

	synth(&ep, &t);
	cr_assert_eq(ar_clean_epochs(&ep, &o, &out, kept), AR_EINVAL);
	cr_assert_eq(out.n_epochs, 0);
	cr_assert_null(out.data);
	ar_epochs_free(&out);
	ar_epochs_free(&ep);
	ar_truth_free(&t);
}

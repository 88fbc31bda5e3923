/* test_autoreject.c - the autoreject plugin's algorithm
** (plugins/autoreject): peak-to-peak, median and the CV loss by hand,
** the montage, spherical-spline interpolation of a known smooth field,
** the reference's marking quirks, threshold search, the end-to-end fit
** on synthetic data against its ground truth, determinism across thread
** counts, and EDF/raw input with its bad cases. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#ifdef HAVE_EDFLIB
#include <edflib.h>
#endif

#include "ar.h"
#include "fit.h"
#include "input.h"
#include "measures.h"
#include "montage.h"
#include "repair.h"
#include "spline.h"
#include "synth.h"
#include "thresholds.h"

static void
setup_blas(void)
{
	ar_blas_single_thread();
}

TestSuite(autoreject, .init = setup_blas);

Test(autoreject, ptp_by_hand)
{
	double x[] = { 1, -2, 3.5, 0, 3.4 };

	cr_assert_float_eq(ar_ptp(x, 5), 5.5, 1e-15);
	cr_assert_float_eq(ar_ptp(x, 1), 0, 0);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

Test(autoreject, median_matches_sorting)
{
	uint64_t s = 12345;

	for (size_t n = 1; n < 40; n++) {
		double a[40], b[40], want;

		for (size_t i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			a[i] = b[i] = (double)(s >> 40 & 15);   /* many ties */
		}
		qsort(b, n, sizeof(double), dcmp);
		want = n % 2 ? b[n / 2] : (b[n / 2 - 1] + b[n / 2]) / 2;
		cr_assert_float_eq(ar_median(a, n), want, 0, "n=%zu", n);
	}
}

Test(autoreject, loss_small_known_case)
{
	/* Kept training rows (1,2) and (3,4): mean (2,3).  Validation
	** median of (0,0) (2,2) (4,10): (2,2).  RMSE = sqrt((0 + 1) / 2). */
	double t0[] = { 1, 2 }, t1[] = { 3, 4 }, t2[] = { 100, 100 };
	double v0[] = { 0, 0 }, v1[] = { 2, 2 }, v2[] = { 4, 10 };
	const double *train[] = { t0, t1, t2 }, *val[] = { v0, v1, v2 };
	unsigned char keep[] = { 1, 1, 0 }, none[] = { 0, 0, 0 };
	double work[2 * 2 + 3];

	cr_assert_float_eq(ar_loss(train, 3, keep, val, 3, 2, work),
			   sqrt(0.5), 1e-15);
	cr_assert(isinf(ar_loss(train, 3, none, val, 3, 2, work)));
}

Test(autoreject, montage_standard_and_lookup)
{
	char names[AR_MAX_CHANNELS][AR_NAME_MAX];
	double pos[AR_MAX_CHANNELS][3], p[3];
	char nm[AR_NAME_MAX];
	static const char *const want[] = {
		"Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz",
		"C4", "T8", "P7", "P3", "Pz", "P4", "P8", "O1", "O2", "Oz",
	};

	cr_assert_eq(ar_montage_standard(20, names, pos), 0);
	for (int i = 0; i < 20; i++) {
		double r = sqrt(pos[i][0] * pos[i][0] + pos[i][1] * pos[i][1] +
				pos[i][2] * pos[i][2]);

		cr_assert_str_eq(names[i], want[i]);
		cr_assert_float_eq(r, AR_HEAD_RADIUS, 1e-12);
	}
	/* Cz at the vertex; Fp1/Fp2 mirror images at the front; T7 on the
	** left at 72 degrees from the vertex; Oz at the back. */
	cr_assert_float_eq(pos[9][2], AR_HEAD_RADIUS, 1e-12);
	cr_assert_float_eq(pos[0][0], -pos[1][0], 1e-12);
	cr_assert(pos[0][0] < 0 && pos[0][1] > 0);
	cr_assert_float_eq(pos[7][0], -AR_HEAD_RADIUS * sin(72 * M_PI / 180), 1e-12);
	cr_assert(pos[19][1] < -0.08);
	/* C3 half-way between Cz and T7 (the 10-20 definition). */
	cr_assert_float_eq(acos(pos[8][2] / AR_HEAD_RADIUS), 36 * M_PI / 180, 1e-9);

	cr_assert_eq(ar_montage_standard(128, names, pos), 0);
	for (int i = 0; i < 128; i++)
		for (int j = 0; j < i; j++)
			cr_assert(strcmp(names[i], names[j]) != 0, "%s twice", names[i]);
	cr_assert_eq(ar_montage_standard(129, names, pos), -1);

	cr_assert_eq(ar_montage_lookup("EEG T3-REF", p, nm), 0);
	cr_assert_str_eq(nm, "T7");
	cr_assert_eq(ar_montage_lookup("fp1", p, nm), 0);
	cr_assert_str_eq(nm, "Fp1");
	cr_assert_eq(ar_montage_lookup("Xy7", p, nm), -1);
}

Test(autoreject, spline_g_series)
{
	/* g(1) = 1/(4 pi) sum (2n+1)/(n(n+1))^4, P_n(1) = 1. */
	double s = 0;

	for (int n = 1; n <= 50; n++)
		s += (2.0 * n + 1) / pow((double)n * (n + 1), 4);
	cr_assert_float_eq(ar_spline_g(1), s / (4 * M_PI), 1e-15);
	/* P_n(-1) = (-1)^n. */
	s = 0;
	for (int n = 1; n <= 50; n++)
		s += (n % 2 ? -1 : 1) * (2.0 * n + 1) / pow((double)n * (n + 1), 4);
	cr_assert_float_eq(ar_spline_g(-1), s / (4 * M_PI), 1e-15);
}

/* A smooth field on the sphere: constant + degree-1 and degree-2
** spherical harmonics (in Cartesian form on the unit sphere). */
static double
field(const double p[3])
{
	double r = sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
	double x = p[0] / r, y = p[1] / r, z = p[2] / r;

	return 3 + 2 * z + x - 0.5 * y + 1.5 * (3 * z * z - 1) / 2 + x * y;
}

Test(autoreject, spline_recovers_smooth_field)
{
	char names[64][AR_NAME_MAX];
	double pos[64][3];
	size_t q = 64;
	double lo = INFINITY, hi = -INFINITY, worst = 0;

	cr_assert_eq(ar_montage_standard(q, names, pos), 0);
	for (size_t c = 0; c < q; c++) {
		double f = field(pos[c]);

		lo = f < lo ? f : lo;
		hi = f > hi ? f : hi;
	}
	/* Remove each inner electrode (not on or below the 72-degree
	** ring: extrapolation is not the claim) in turn. */
	for (size_t c = 0; c < q; c++) {
		size_t good[64], k = 0;
		double w[64], est = 0;

		if (pos[c][2] < AR_HEAD_RADIUS * cos(70 * M_PI / 180))
			continue;
		for (size_t i = 0; i < q; i++)
			if (i != c)
				good[k++] = i;
		cr_assert_eq(ar_spline_matrix((const double (*)[3])pos, good, k,
					      &c, 1, w), AR_OK);
		for (size_t i = 0; i < k; i++)
			est += w[i] * field(pos[good[i]]);
		double err = fabs(est - field(pos[c])) / (hi - lo);

		worst = err > worst ? err : worst;
	}
	/* Stated bound: within 2 % of the field's range on the scalp. */
	cr_assert_lt(worst, 0.02, "worst relative error %g", worst);

	/* A constant is reproduced exactly (the spline's constant term). */
	{
		size_t good[19], bad = 9, k = 0;
		double w[19], s = 0;

		for (size_t i = 0; i < 20; i++)
			if (i != bad)
				good[k++] = i;
		cr_assert_eq(ar_spline_matrix((const double (*)[3])pos, good, k,
					      &bad, 1, w), AR_OK);
		for (size_t i = 0; i < k; i++)
			s += w[i];
		cr_assert_float_eq(s, 1.0, 1e-6);
	}
}

Test(autoreject, mark_and_carry_over)
{
	double ptp[5] = { 5, 1, 4, 3, 2 };
	unsigned char lab[5] = { 1, 1, 1, 0, 1 };

	/* 4 bad > rho 2: the two largest ptp (channels 0 and 2). */
	ar_mark(lab, ptp, 5, 2);
	cr_assert_arr_eq(lab, ((unsigned char[]){ 2, 1, 2, 0, 1 }), 5);
	/* Carried over: n_bads = 2+1+2+1 = 6 > 4, so the remaining two
	** label-1 channels are both marked (top 4 of 2). */
	ar_mark(lab, ptp, 5, 4);
	cr_assert_arr_eq(lab, ((unsigned char[]){ 2, 2, 2, 0, 2 }), 5);
	/* n_bads <= rho: every bad channel. */
	unsigned char l2[5] = { 0, 1, 0, 1, 0 };

	ar_mark(l2, ptp, 5, 2);
	cr_assert_arr_eq(l2, ((unsigned char[]){ 0, 2, 0, 2, 0 }), 5);
}

Test(autoreject, grids_as_numpy)
{
	size_t lo, hi, idx[41];

	/* linspace(0, 1, 11)[3] * 20 = 6.000000000000001: 6 bad channels
	** do not reach consensus 0.3 of 20. */
	cr_assert(ar_linspace01(3, 11) * 20 > 6);
	cr_assert_eq(ar_linspace01(10, 11), 1.0);
	ar_kfold(10, 3, 0, &lo, &hi);
	cr_assert(lo == 0 && hi == 4);
	ar_kfold(10, 3, 2, &lo, &hi);
	cr_assert(lo == 7 && hi == 10);
	cr_assert_eq(ar_init_indices(600, 40, idx), 41);
	cr_assert(idx[1] == 15 && idx[39] == 585 && idx[40] == 599);
	cr_assert_eq(ar_init_indices(7, 5, idx), 6);   /* 0 1 2 4 5, 6 */
	cr_assert(idx[3] == 4 && idx[5] == 6);
}

/* Rows of a channel: small noise, and a tenth with large excursions. */
Test(autoreject, channel_threshold_excludes_outliers)
{
	size_t n = 200, len = 64;
	double *data = malloc(n * len * sizeof(double));
	const double *rows[200];
	double th, big_min = INFINITY, small_max = 0;
	uint64_t s = 99;

	for (size_t i = 0; i < n; i++) {
		double amp = (i % 10 == 3 && i < 100) ? 50 : 1;

		for (size_t t = 0; t < len; t++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			data[i * len + t] = amp * ((double)(s >> 11) * 0x1.0p-53 - 0.5) +
					    (amp > 1 ? amp * sin((double)t) : 0);
		}
		rows[i] = data + i * len;
		double p = ar_ptp(rows[i], len);

		if (amp > 1)
			big_min = p < big_min ? p : big_min;
		else
			small_max = p > small_max ? p : small_max;
	}
	for (int m = 0; m < 2; m++) {
		cr_assert_eq(ar_channel_threshold(rows, n, len, (enum ar_method)m,
						  7, &th), AR_OK);
		cr_assert_lt(th, big_min, "method %d: %g", m, th);
		cr_assert_geq(th, 0.5 * small_max, "method %d: %g", m, th);
	}
	free(data);
}

static void
synth5min(struct ar_epochs *ep, struct ar_truth *t, size_t q, uint64_t seed)
{
	struct ar_synth_opts o = {
		.n_ch = q, .sfreq = 256, .duration = 300, .epoch = 1,
		.seed = seed, .blink_rate = AR_SYNTH_BLINK_RATE,
		.muscle_rate = AR_SYNTH_MUSCLE_RATE,
		.bad_epoch_rate = AR_SYNTH_BAD_EPOCH_RATE,
		.noisy_channels = AR_SYNTH_NOISY_CHANNELS,
	};

	cr_assert_eq(ar_synth(&o, ep, t), AR_OK);
}

Test(autoreject, synth_is_deterministic_and_realistic)
{
	struct ar_epochs a, b;
	struct ar_truth ta, tb;
	size_t nglob = 0;

	synth5min(&a, &ta, 20, 3);
	synth5min(&b, &tb, 20, 3);
	cr_assert_eq(a.n_epochs, 300);
	cr_assert_eq(a.n_times, 256);
	cr_assert(memcmp(a.data, b.data, 300 * 20 * 256 * sizeof(double)) == 0);
	for (size_t e = 0; e < 300; e++)
		nglob += ta.global[e];
	cr_assert(nglob >= 2 && nglob <= 25, "%zu globally bad", nglob);
	/* A clean epoch of a clean channel: tens of microvolts. */
	for (size_t e = 0; e < 300; e++) {
		if (ta.epoch[e])
			continue;
		for (size_t c = 0; c < 20; c++) {
			double p = ar_ptp(AR_ROW(&a, e, c), 256);

			if (!ta.noisy[c])
				cr_assert(p > 10e-6 && p < 200e-6, "ptp %g", p);
		}
	}
	ar_epochs_free(&a);
	ar_epochs_free(&b);
	ar_truth_free(&ta);
	ar_truth_free(&tb);
}

static void
fit_synth(size_t q, const int *rho, size_t nrho, unsigned threads,
	  uint64_t seed, struct ar_epochs *ep, struct ar_truth *t,
	  struct ar_model *m, struct ar_reject_log *log)
{
	struct ar_fit_opts o = {
		.n_interp = rho, .n_rho = nrho, .n_consensus = 11, .cv = 10,
		.method = AR_BAYESIAN, .seed = seed, .threads = threads,
	};

	synth5min(ep, t, q, seed);
	cr_assert_eq(ar_fit(ep, &o, m), AR_OK);
	cr_assert_eq(ar_transform(ep, m, threads, NULL, log), AR_OK);
}

/* The criteria on every one of several recordings, not one lucky
** seed: each has its own artifacts and its own CV splits. */
Test(autoreject, end_to_end_on_synthetic_truth, .timeout = 120)
{
	static const int rho[] = { 1, 4, 19 };

	for (uint64_t seed = 1; seed <= 6; seed++) {
		struct ar_epochs ep;
		struct ar_truth t;
		struct ar_model m;
		struct ar_reject_log log;
		size_t clean = 0, clean_rej = 0, contam = 0, flagged = 0;

		fit_synth(20, rho, 3, 2, seed, &ep, &t, &m, &log);
		for (size_t e = 0; e < ep.n_epochs; e++) {
			if (t.global[e])
				cr_expect(log.bad[e], "seed %" PRIu64 ": globally "
					  "bad epoch %zu kept", seed, e);
			if (!t.epoch[e]) {
				clean++;
				clean_rej += log.bad[e];
			}
			for (size_t c = 0; c < ep.n_ch; c++) {
				if (!t.contam[e * ep.n_ch + c])
					continue;
				contam++;
				flagged += log.labels[e * ep.n_ch + c] !=
					   AR_LABEL_GOOD;
			}
		}
		cr_log_info("seed %" PRIu64 ": consensus %g n_interpolate %d: "
			    "%zu/%zu clean epochs rejected, %zu/%zu "
			    "contaminations flagged", seed, m.consensus,
			    m.n_interpolate, clean_rej, clean, flagged, contam);
		cr_expect_leq(clean_rej * 20, clean, "seed %" PRIu64 ": %zu of "
			      "%zu clean epochs rejected", seed, clean_rej,
			      clean);
		cr_expect_geq(flagged * 4, contam * 3, "seed %" PRIu64 ": %zu "
			      "of %zu contaminations flagged", seed, flagged,
			      contam);
		ar_reject_log_free(&log);
		ar_model_free(&m);
		ar_epochs_free(&ep);
		ar_truth_free(&t);
	}
}

Test(autoreject, same_result_for_any_thread_count, .timeout = 120)
{
	static const int rho[] = { 1, 2, 4, 8 };
	struct ar_epochs e1, e2;
	struct ar_truth t1, t2;
	struct ar_model m1, m2;
	struct ar_reject_log l1, l2;

	fit_synth(12, rho, 4, 1, 1, &e1, &t1, &m1, &l1);
	fit_synth(12, rho, 4, 3, 1, &e2, &t2, &m2, &l2);
	cr_assert(memcmp(m1.thresh, m2.thresh, 12 * sizeof(double)) == 0);
	cr_assert(memcmp(m1.loss, m2.loss, 11 * 4 * sizeof(double)) == 0);
	cr_assert_eq(m1.consensus, m2.consensus);
	cr_assert_eq(m1.n_interpolate, m2.n_interpolate);
	cr_assert(memcmp(l1.labels, l2.labels, e1.n_epochs * 12) == 0);
	ar_reject_log_free(&l1);
	ar_reject_log_free(&l2);
	ar_model_free(&m1);
	ar_model_free(&m2);
	ar_epochs_free(&e1);
	ar_epochs_free(&e2);
	ar_truth_free(&t1);
	ar_truth_free(&t2);
}

Test(autoreject, global_threshold_separates_global_artifacts)
{
	struct ar_epochs ep;
	struct ar_truth t;
	double th;

	synth5min(&ep, &t, 20, 5);
	cr_assert_eq(ar_global_threshold(&ep, &th), AR_OK);
	for (size_t e = 0; e < ep.n_epochs; e++) {
		double mx = 0;

		for (size_t c = 0; c < ep.n_ch; c++) {
			double p = ar_ptp(AR_ROW(&ep, e, c), ep.n_times);

			mx = p > mx ? p : mx;
		}
		if (t.global[e])
			cr_expect_gt(mx, th, "global artifact under %g", th);
	}
	cr_assert(th > 50e-6 && th < 400e-6, "threshold %g", th);
	ar_epochs_free(&ep);
	ar_truth_free(&t);
}

Test(autoreject, repair_replaces_only_marked)
{
	struct ar_epochs ep;
	struct ar_truth t;
	struct ar_synth_opts o = { .n_ch = 20, .sfreq = 128, .duration = 10,
				   .epoch = 1, .seed = 2 };
	unsigned char *lab;
	double *out;

	cr_assert_eq(ar_synth(&o, &ep, &t), AR_OK);
	lab = calloc(ep.n_epochs * 20, 1);
	out = malloc(ep.n_epochs * 20 * 128 * sizeof(double));
	lab[3 * 20 + 9] = AR_LABEL_INTERP;   /* Cz of epoch 3 */
	cr_assert_eq(ar_repair(&ep, lab, NULL, 2, out), AR_OK);
	for (size_t e = 0; e < ep.n_epochs; e++)
		for (size_t c = 0; c < 20; c++) {
			int same = memcmp(out + (e * 20 + c) * 128, AR_ROW(&ep, e, c),
					  128 * sizeof(double)) == 0;

			cr_assert_eq(same, !(e == 3 && c == 9));
		}
	/* Cz from its neighbours resembles Cz: correlated background. */
	double num = 0, d1 = 0, d2 = 0;
	const double *a = out + (3 * 20 + 9) * 128, *b = AR_ROW(&ep, 3, 9);

	for (size_t i = 0; i < 128; i++) {
		num += a[i] * b[i];
		d1 += a[i] * a[i];
		d2 += b[i] * b[i];
	}
	cr_assert_gt(num / sqrt(d1 * d2), 0.7);
	free(lab);
	free(out);
	ar_epochs_free(&ep);
	ar_truth_free(&t);
}

/* --- input ------------------------------------------------------------ */

static void
tmpname(char *buf, size_t n, const char *suffix)
{
	snprintf(buf, n, "/tmp/test_autoreject_%d_%s", (int)getpid(), suffix);
}

#ifdef HAVE_EDFLIB
/* A 12 s, 128 Hz EDF with the given labels; signal i carries
** 10 * (i + 1) uV * sin(2 pi (i + 1) t). */
static void
write_edf(const char *path, const char *const *labels, int n, int records)
{
	int h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS, n);
	double buf[128];

	cr_assert_geq(h, 0);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(edf_set_samplefrequency(h, i, 128), 0);
		cr_assert_eq(edf_set_physical_maximum(h, i, 3000), 0);
		cr_assert_eq(edf_set_physical_minimum(h, i, -3000), 0);
		cr_assert_eq(edf_set_digital_maximum(h, i, 32767), 0);
		cr_assert_eq(edf_set_digital_minimum(h, i, -32768), 0);
		cr_assert_eq(edf_set_label(h, i, labels[i]), 0);
		cr_assert_eq(edf_set_physical_dimension(h, i, "uV"), 0);
	}
	for (int r = 0; r < records; r++)
		for (int i = 0; i < n; i++) {
			for (int t = 0; t < 128; t++)
				buf[t] = 10.0 * (i + 1) *
					 sin(2 * M_PI * (i + 1) * (r * 128 + t) / 128.0);
			cr_assert_eq(edfwrite_physical_samples(h, buf), 0);
		}
	cr_assert_eq(edfclose_file(h), 0);
}

Test(autoreject, edf_round_trip)
{
	static const char *const labels[] = { "EEG Fp1-REF", "ECG", "Cz", "O2" };
	char path[256], err[512];
	struct ar_epochs ep;

	tmpname(path, sizeof(path), "rt.edf");
	write_edf(path, labels, 4, 12);
	cr_assert_eq(ar_read_edf(path, NULL, 2.0, &ep, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ep.n_ch, 3);          /* ECG skipped */
	cr_assert_eq(ep.n_epochs, 6);
	cr_assert_eq(ep.n_times, 256);
	cr_assert_float_eq(ep.sfreq, 128, 1e-12);
	cr_assert_str_eq(ep.names[0], "Fp1");
	cr_assert_str_eq(ep.names[2], "O2");
	/* Signal index 2 (Cz): 30 uV at 3 Hz, in volts; 16-bit over
	** +-3000 uV resolves 0.1 uV. */
	for (size_t e = 0; e < 6; e++)
		for (size_t t = 0; t < 256; t++) {
			double want = 30e-6 * sin(2 * M_PI * 3 * (double)(e * 256 + t) / 128.0);

			cr_assert_float_eq(AR_ROW(&ep, e, 1)[t], want, 0.2e-6);
		}
	ar_epochs_free(&ep);
	unlink(path);
}

Test(autoreject, edf_bad_inputs)
{
	static const char *const labels[] = { "Fp1", "Foo", "Bar9", "Cz" };
	static const char *const good[] = { "Fp1", "Cz", "Pz" };
	char path[256], pos[256], err[512];
	struct ar_epochs ep;
	FILE *f;
	long size;

	tmpname(path, sizeof(path), "bad.edf");
	write_edf(path, labels, 4, 12);
	cr_assert_eq(ar_read_edf(path, NULL, 1.0, &ep, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown channel label(s) 'Foo', 'Bar9'") != NULL, "%s", err);
	cr_assert(strstr(err, "positions=FILE") != NULL);
	/* With positions: accepted. */
	tmpname(pos, sizeof(pos), "pos.txt");
	f = fopen(pos, "w");
	fprintf(f, "0 0.09 0.02\nFoo 0.05 0.05 0.05\n-0.05 0.05 0.05\n0 0 0.095\n");
	fclose(f);
	cr_assert_eq(ar_read_edf(path, pos, 1.0, &ep, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ep.names[1], "Foo");
	cr_assert_float_eq(ep.pos[3][2], 0.095, 1e-15);
	ar_epochs_free(&ep);
	unlink(pos);
	unlink(path);

	/* Truncated. */
	write_edf(path, good, 3, 12);
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	cr_assert_eq(truncate(path, size - 100), 0);
	cr_assert_eq(ar_read_edf(path, NULL, 1.0, &ep, err, sizeof(err)), -1);
	cr_assert(strstr(err, "truncated") != NULL, "%s", err);
	unlink(path);
	cr_assert_eq(ar_read_edf(path, NULL, 1.0, &ep, err, sizeof(err)), -1);
	cr_assert(strstr(err, "no such file") != NULL, "%s", err);
}
#endif

Test(autoreject, raw_round_trip_and_nan)
{
	char bin[256], hdr[256], err[512];
	struct ar_epochs ep;
	FILE *f;
	double v;

	tmpname(bin, sizeof(bin), "raw.bin");
	tmpname(hdr, sizeof(hdr), "raw.json");
	f = fopen(hdr, "w");
	fprintf(f, "{\"names\": [\"Fz\", \"Cz\", \"Pz\"], \"sfreq\": 100, \"n_times\": 4}");
	fclose(f);
	f = fopen(bin, "wb");
	for (int i = 0; i < 4 * 3 * 4; i++) {
		v = i * 1e-6;   /* little-endian hosts only: x86, arm64 */
		fwrite(&v, 8, 1, f);
	}
	fclose(f);
	cr_assert_eq(ar_read_raw(bin, hdr, 1.0, &ep, err, sizeof(err)), 0, "%s", err);
	cr_assert(ep.n_epochs == 4 && ep.n_ch == 3 && ep.n_times == 4);
	cr_assert_float_eq(AR_ROW(&ep, 2, 1)[3], (2 * 12 + 1 * 4 + 3) * 1e-6, 1e-18);
	cr_assert_str_eq(ep.names[1], "Cz");
	cr_assert_eq(ar_check_finite(&ep, bin, err, sizeof(err)), 0);
	AR_ROW(&ep, 1, 2)[0] = NAN;
	cr_assert_eq(ar_check_finite(&ep, "rec", err, sizeof(err)), -1);
	cr_assert_str_eq(err, "rec: sample 0 of channel Pz in epoch 1 is NaN; expected finite values");
	ar_epochs_free(&ep);

	/* A size that is not whole epochs. */
	f = fopen(bin, "ab");
	fwrite(&v, 8, 1, f);
	fclose(f);
	cr_assert_eq(ar_read_raw(bin, hdr, 1.0, &ep, err, sizeof(err)), -1);
	cr_assert(strstr(err, "not a whole number") != NULL, "%s", err);
	/* Unknown label (in a file of the right size). */
	cr_assert_eq(truncate(bin, 4 * 3 * 4 * 8), 0);
	f = fopen(hdr, "w");
	fprintf(f, "{\"names\": [\"Fz\", \"Qq\", \"Pz\"], \"sfreq\": 100, \"n_times\": 4}");
	fclose(f);
	cr_assert_eq(ar_read_raw(bin, hdr, 1.0, &ep, err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown channel label 'Qq'") != NULL, "%s", err);
	unlink(bin);
	unlink(hdr);
}

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
#include "nprandom.h"
#include "repair.h"
#include "sksplit.h"
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

/* The column medians (a comparator network up to 128 rows, quickselect
** beyond) against sorting each column, for every row count the network
** handles and some past it, with ties, and widths that leave a partial
** block. */
Test(autoreject, col_medians_match_sorting)
{
	uint64_t s = 777;
	size_t len = 150;

	for (size_t m = 1; m <= 140; m += m < 70 ? 1 : 7) {
		double *data = malloc(m * len * sizeof(double));
		const double **rows = malloc(m * sizeof(*rows));
		double *got = malloc(len * sizeof(double)), col[140];
		double *got2 = malloc(len * sizeof(double));

		cr_assert(data && rows && got && got2);
		for (size_t i = 0; i < m * len; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			data[i] = (double)(s >> 40 & 63) - 20;   /* ties, signs */
		}
		for (size_t i = 0; i < m; i++)
			rows[i] = data + i * len;
		cr_assert_eq(ar_col_medians(rows, m, len, got), 0);
		cr_assert_eq(ar_col_medians_portable(rows, m, len, got2), 0);
		for (size_t t = 0; t < len; t++) {
			for (size_t i = 0; i < m; i++)
				col[i] = rows[i][t];
			cr_assert_float_eq(got[t], ar_median(col, m), 0,
			    "m=%zu t=%zu", m, t);
			cr_assert_float_eq(got2[t], got[t], 0, "m=%zu t=%zu",
			    m, t);
		}
		/* Peak-to-peak, vectorised and plain, at every length up
		** to a row (lengths that leave 0-3 after the lanes). */
		for (size_t n = 1; n <= len && m == 1; n++)
			cr_assert_float_eq(ar_ptp(data, n),
			    ar_ptp_portable(data, n), 0, "n=%zu", n);
		free(data);
		free(rows);
		free(got);
		free(got2);
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
	for (int m = 0; m < 4; m++) {
		cr_assert_eq(ar_channel_threshold(rows, n, len,
						  (enum ar_method)(m & 1),
						  (enum ar_rng)(m >> 1), 7, &th),
			     AR_OK);
		cr_assert_lt(th, big_min, "method/rng %d: %g", m, th);
		cr_assert_geq(th, 0.5 * small_max, "method/rng %d: %g", m, th);
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

/* --- NumPy's RandomState and scikit-learn's splits -------------------- */

/* nprandom fixture: generated by scripts/nprandom-fixture.py, numpy 2.4.6 */
static const int64_t np_bounds[] = { 1LL, 2LL, 3LL, 10LL, 1000LL, 2147483648LL, 4294967295LL, 4294967296LL, 4294967297LL, 5000000000LL, 4611686018427387904LL };
static const struct np_fix {
	uint32_t seed;
	double sample[5];
	int64_t randint[11];
	size_t perm10[10], perm300[300];
	double uniform[3];
	uint32_t by_array[3];
	size_t sss7[10][3];
	long sss150_hash;
} np_fix[] = {
	{ 0u,
		{ 0x1.18fe1565f12a8p-1, 0x1.6e2d4cf608733p-1, 0x1.349d66b6e894bp-1, 0x1.16faedb6395f5p-1, 0x1.b1d2904fd0ef6p-2 },
		{ 0LL, 1LL, 2LL, 4LL, 599LL, 1682652230LL, 243580376LL, 4138900056LL, 1646868794LL, 2439732824LL, 2633914541065627301LL },
		{ 2, 6, 7, 5, 0, 3, 4, 1, 8, 9 },
		{
		122, 66, 142, 245, 146, 63, 269, 15, 136, 144, 266, 59, 26, 68, 212, 249,
		157, 108, 60, 211, 209, 232, 170, 294, 291, 298, 165, 219, 271, 171, 188, 238,
		220, 7, 6, 56, 55, 22, 120, 64, 287, 21, 134, 261, 12, 222, 158, 168,
		102, 116, 17, 140, 76, 247, 100, 190, 184, 65, 81, 88, 153, 234, 74, 52,
		235, 214, 1, 297, 8, 213, 101, 124, 283, 224, 200, 5, 33, 78, 34, 133,
		132, 97, 272, 45, 159, 150, 164, 145, 92, 206, 90, 103, 135, 106, 251, 73,
		9, 39, 189, 216, 29, 275, 20, 46, 226, 292, 218, 89, 229, 27, 179, 270,
		137, 282, 37, 176, 54, 199, 263, 252, 223, 191, 241, 87, 246, 166, 126, 161,
		35, 237, 167, 181, 258, 44, 296, 129, 233, 111, 210, 173, 18, 262, 79, 71,
		175, 276, 70, 156, 196, 83, 250, 118, 160, 25, 110, 255, 152, 16, 75, 109,
		215, 198, 139, 4, 96, 204, 61, 67, 154, 172, 242, 217, 72, 40, 228, 13,
		107, 240, 3, 194, 125, 24, 30, 77, 115, 230, 208, 19, 278, 280, 182, 289,
		80, 51, 2, 11, 104, 221, 86, 10, 236, 193, 58, 41, 14, 155, 50, 256,
		174, 268, 195, 123, 277, 62, 231, 264, 130, 187, 253, 225, 254, 43, 114, 138,
		239, 260, 201, 149, 112, 205, 274, 98, 259, 93, 248, 162, 36, 178, 113, 0,
		94, 197, 95, 192, 284, 169, 69, 49, 48, 85, 117, 141, 207, 23, 186, 227,
		148, 143, 180, 131, 290, 47, 203, 84, 121, 279, 299, 91, 82, 267, 119, 57,
		257, 293, 42, 105, 273, 286, 38, 53, 281, 128, 28, 183, 163, 151, 244, 202,
		31, 32, 127, 185, 265, 288, 295, 147, 285, 243, 177, 99 },
		{ 0x1.4127eb7f5fff0p+0, 0x1.769db8ded9d30p+2, 0x1.e63ee67872588p+1 },
		{ 3471051436u, 3062498317u, 928661873u },
		{ { 0, 5, 12 }, { 0, 3, 7 }, { 3, 7, 13 }, { 1, 7, 10 }, { 2, 3, 10 }, { 2, 3, 13 }, { 2, 3, 7 }, { 0, 11, 12 }, { 3, 8, 10 }, { 2, 3, 10 } },
		77525236 },
	{ 42u,
		{ 0x1.7f8771e5f51ecp-2, 0x1.e6c4068bbd654p-1, 0x1.76c7e8f1e6751p-1, 0x1.32835d6632cb0p-1, 0x1.3f86b37222184p-3 },
		{ 0LL, 0LL, 2LL, 7LL, 372LL, 434285667LL, 613608295LL, 3041148567LL, 88409749LL, 4165731073LL, 4095154524633363947LL },
		{ 9, 2, 8, 6, 0, 4, 3, 7, 1, 5 },
		{
		167, 230, 25, 63, 9, 110, 186, 143, 244, 224, 90, 76, 82, 240, 172, 119,
		202, 77, 55, 104, 203, 211, 198, 139, 42, 213, 297, 33, 73, 183, 75, 5,
		168, 157, 21, 78, 176, 284, 222, 84, 7, 193, 285, 281, 46, 3, 260, 194,
		226, 177, 57, 94, 289, 45, 17, 185, 268, 60, 24, 114, 210, 148, 99, 258,
		132, 106, 234, 121, 232, 124, 101, 109, 254, 158, 280, 31, 262, 195, 146, 218,
		93, 137, 59, 116, 6, 196, 30, 22, 272, 288, 56, 165, 118, 204, 81, 145,
		39, 219, 147, 181, 188, 108, 269, 66, 197, 18, 184, 113, 19, 182, 92, 79,
		220, 152, 72, 96, 15, 111, 10, 180, 69, 97, 160, 68, 255, 37, 126, 16,
		228, 67, 256, 247, 125, 164, 86, 293, 144, 271, 140, 233, 299, 208, 149, 206,
		129, 38, 221, 191, 155, 112, 267, 117, 296, 151, 290, 175, 199, 154, 276, 2,
		115, 163, 223, 120, 239, 277, 127, 74, 29, 83, 265, 107, 173, 179, 133, 253,
		245, 295, 65, 225, 85, 242, 159, 12, 35, 28, 170, 142, 266, 131, 209, 51,
		95, 238, 178, 250, 41, 89, 246, 136, 26, 102, 141, 227, 0, 287, 274, 291,
		100, 192, 275, 103, 171, 98, 36, 249, 61, 150, 47, 229, 279, 11, 71, 200,
		286, 27, 248, 4, 122, 32, 231, 162, 237, 283, 138, 62, 215, 135, 298, 128,
		87, 8, 70, 282, 64, 44, 14, 156, 40, 257, 123, 294, 261, 216, 153, 23,
		278, 236, 207, 212, 292, 251, 214, 201, 161, 43, 217, 190, 259, 105, 53, 1,
		49, 80, 205, 34, 263, 91, 52, 264, 241, 13, 88, 273, 166, 20, 134, 130,
		243, 54, 50, 174, 189, 270, 187, 169, 58, 48, 235, 252 },
		{ 0x1.5c88cbda2ddfap+1, 0x1.b36986d43da22p+2, -0x1.1f8e89f0e35fbp+1 },
		{ 3859937450u, 3839017630u, 425897807u },
		{ { 3, 4, 13 }, { 4, 7, 10 }, { 3, 7, 8 }, { 3, 8, 10 }, { 3, 7, 11 }, { 1, 6, 10 }, { 0, 4, 13 }, { 2, 4, 9 }, { 6, 7, 13 }, { 0, 10, 13 } },
		40793827 },
	{ 4294967295u,
		{ 0x1.8fe69a3924820p-4, 0x1.d323d824032b1p-1, 0x1.93fc6f61af3f9p-1, 0x1.8f5ca1b151c07p-1, 0x1.25ec7244bbf80p-6 },
		{ 0LL, 1LL, 2LL, 6LL, 87LL, 2081150263LL, 3525743318LL, 1779174926LL, 4009496932LL, 3538537975LL, 4425136935239604950LL },
		{ 7, 6, 5, 0, 3, 9, 2, 8, 4, 1 },
		{
		159, 29, 184, 105, 253, 197, 232, 271, 59, 74, 280, 124, 1, 156, 176, 120,
		40, 136, 164, 249, 212, 6, 236, 89, 177, 295, 290, 19, 54, 158, 56, 39,
		179, 189, 130, 214, 203, 155, 195, 70, 4, 21, 292, 86, 67, 13, 246, 196,
		180, 114, 244, 126, 205, 8, 298, 66, 188, 27, 166, 161, 220, 265, 25, 28,
		26, 44, 97, 85, 167, 258, 282, 93, 102, 60, 15, 211, 286, 288, 299, 100,
		186, 55, 94, 174, 20, 219, 33, 51, 146, 65, 170, 108, 132, 267, 79, 90,
		255, 76, 270, 251, 127, 213, 110, 73, 143, 240, 14, 198, 175, 125, 285, 165,
		128, 10, 245, 182, 113, 228, 43, 269, 9, 103, 190, 194, 185, 50, 0, 18,
		116, 69, 49, 68, 87, 134, 12, 48, 149, 151, 231, 193, 221, 247, 173, 64,
		268, 2, 30, 145, 104, 91, 250, 160, 17, 34, 225, 35, 191, 237, 139, 215,
		183, 147, 152, 261, 57, 58, 119, 95, 71, 46, 294, 200, 266, 297, 226, 192,
		22, 11, 133, 61, 283, 262, 92, 42, 199, 218, 45, 36, 121, 289, 157, 172,
		140, 82, 187, 206, 168, 115, 106, 277, 118, 38, 153, 242, 37, 88, 210, 259,
		276, 254, 101, 111, 23, 150, 131, 181, 275, 178, 148, 142, 154, 230, 217, 107,
		41, 3, 224, 263, 202, 117, 98, 81, 223, 72, 141, 137, 5, 31, 241, 144,
		281, 204, 233, 208, 52, 135, 296, 293, 287, 32, 7, 209, 278, 75, 274, 234,
		273, 238, 83, 235, 47, 80, 129, 138, 264, 24, 227, 284, 53, 272, 63, 248,
		163, 256, 122, 62, 252, 162, 243, 216, 16, 291, 260, 99, 96, 109, 207, 78,
		279, 222, 169, 77, 171, 112, 84, 257, 229, 239, 201, 123 },
		{ 0x1.5b1690aaecb30p+2, -0x1.31380e1c574a8p-2, -0x1.7a4b89853b358p+0 },
		{ 3821194263u, 3818469629u, 3422650923u },
		{ { 2, 7, 8 }, { 0, 10, 11 }, { 3, 7, 8 }, { 3, 7, 13 }, { 0, 5, 12 }, { 2, 10, 12 }, { 0, 11, 13 }, { 2, 7, 13 }, { 2, 9, 11 }, { 4, 6, 8 } },
		200569941 },
};
/* end of nprandom fixture */

static long
sss_hash(uint32_t seed, size_t half)
{
	struct ar_mt mt;
	size_t nt = ar_sss_n_test(2 * half);
	size_t *te = malloc(10 * nt * sizeof(*te));
	long h = 0;

	cr_assert_not_null(te);
	ar_mt_seed(&mt, seed);
	cr_assert_eq(ar_sss_split(&mt, half, 10, te), 0);
	for (size_t i = 0; i < 10 * nt; i++)
		h = (h * 31 + (long)te[i]) % 1000000007;
	free(te);
	return h;
}

Test(autoreject, nprandom_matches_numpy_fixture)
{
	size_t nb = sizeof(np_bounds) / sizeof(np_bounds[0]);

	for (size_t k = 0; k < sizeof(np_fix) / sizeof(np_fix[0]); k++) {
		const struct np_fix *f = &np_fix[k];
		struct ar_mt mt;
		size_t p[300];
		uint32_t key[2] = { f->seed, 7 };

		/* One stream, in the order the generator drew it. */
		ar_mt_seed(&mt, f->seed);
		for (int i = 0; i < 5; i++)
			cr_assert_eq(ar_mt_random_sample(&mt), f->sample[i],
				     "seed %u random_sample %d", f->seed, i);
		for (size_t i = 0; i < nb; i++)
			cr_assert_eq(ar_mt_randint(&mt, 0, np_bounds[i]),
				     f->randint[i], "seed %u randint(0, %" PRId64
				     ")", f->seed, np_bounds[i]);
		ar_mt_permutation(&mt, p, 10);
		for (int i = 0; i < 10; i++)
			cr_assert_eq(p[i], f->perm10[i], "seed %u perm10[%d]",
				     f->seed, i);
		ar_mt_permutation(&mt, p, 300);
		for (int i = 0; i < 300; i++)
			cr_assert_eq(p[i], f->perm300[i], "seed %u perm300[%d]",
				     f->seed, i);
		for (int i = 0; i < 3; i++)
			cr_assert_eq(ar_mt_uniform(&mt, -3, 7), f->uniform[i],
				     "seed %u uniform %d", f->seed, i);
		ar_mt_seed_array(&mt, key, 2);
		for (int i = 0; i < 3; i++)
			cr_assert_eq(ar_mt_next32(&mt), f->by_array[i],
				     "seed [%u, 7] draw %d", f->seed, i);
		/* StratifiedShuffleSplit on 14 rows: odd train size, so the
		** tie between the classes is drawn. */
		size_t te[10 * 3];

		cr_assert_eq(ar_sss_n_test(14), 3);
		ar_mt_seed(&mt, f->seed);
		cr_assert_eq(ar_sss_split(&mt, 7, 10, te), 0);
		for (int s = 0; s < 10; s++)
			for (int i = 0; i < 3; i++)
				cr_assert_eq(te[s * 3 + i], f->sss7[s][i],
					     "seed %u split %d test[%d]", f->seed,
					     s, i);
		cr_assert_eq(sss_hash(f->seed, 150), f->sss150_hash,
			     "seed %u: splits of 300 rows", f->seed);
	}
}

/* More seeds and sizes against numpy itself, when it is installed. */
Test(autoreject, nprandom_matches_live_numpy)
{
	const char *py = getenv("PYTHON");
	char cmd[1024], line[256];
	FILE *f;
	int rows = 0;

	snprintf(cmd, sizeof(cmd), "%s -c '"
		 "import numpy as np\n"
		 "from sklearn.model_selection import StratifiedShuffleSplit as S\n"
		 "for s in (1, 7, 123456789, 3141592653):\n"
		 "  r = np.random.RandomState(s)\n"
		 "  print(s, r.random_sample().hex(), r.randint(0, 77), r.randint(-9, 2**40),"
		 " int(r.permutation(1000)[999]), r.uniform(2, 3).hex())\n"
		 "  for h in (73, 74, 149, 151):\n"
		 "    y = np.r_[np.zeros(h), np.ones(h)]; x = 0\n"
		 "    for _, te in S(10, test_size=0.2, random_state=s).split(np.zeros((2*h, 1)), y):\n"
		 "      for v in sorted(te): x = (x * 31 + int(v)) %% 1000000007\n"
		 "    print(s, h, x)\n"
		 "' 2>/dev/null", py != NULL && *py != '\0' ? py : "python3");
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long s;
		char a[64], u[64];
		long long r1, r2, last;
		size_t h;
		long x;
		struct ar_mt mt;
		size_t p[1000];

		if (sscanf(line, "%lu %63s %lld %lld %lld %63s", &s, a, &r1, &r2,
			   &last, u) == 6) {
			ar_mt_seed(&mt, (uint32_t)s);
			cr_assert_eq(ar_mt_random_sample(&mt), strtod(a, NULL), "%s", line);
			cr_assert_eq(ar_mt_randint(&mt, 0, 77), r1, "%s", line);
			cr_assert_eq(ar_mt_randint(&mt, -9, 1LL << 40), r2, "%s", line);
			ar_mt_permutation(&mt, p, 1000);
			cr_assert_eq((long long)p[999], last, "%s", line);
			cr_assert_eq(ar_mt_uniform(&mt, 2, 3), strtod(u, NULL), "%s", line);
			rows++;
		} else if (sscanf(line, "%lu %zu %ld", &s, &h, &x) == 3) {
			cr_assert_eq(sss_hash((uint32_t)s, h), x, "%s", line);
			rows++;
		}
	}
	if (pclose(f) != 0 || rows == 0)
		cr_skip_test("numpy and scikit-learn not importable by %s "
			     "(set PYTHON; scripts/install-ref.sh installs them)",
			     py != NULL && *py != '\0' ? py : "python3");
	cr_assert_eq(rows, 20);
}

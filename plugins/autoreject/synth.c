/*
** synth.c - synthetic EEG: spatially smooth 1/f background, an occipital
** alpha rhythm, sensor noise, and artifacts with ground truth.
**
** The background is a few pink-noise sources mixed onto the electrodes
** with weights that fall off with angular distance, so neighbouring
** channels are correlated as on a real scalp (a spline interpolation of
** a channel then resembles it, which AutoReject's augmentation relies
** on), high-passed at 1 Hz as recordings are before AutoReject.
** Amplitudes: background ~12 uV rms, alpha ~10 uV at 9.5-10.5 Hz,
** sensor noise 1.5 uV; blinks 150-300 uV at the front; muscle bursts
** 25-45 uV rms broadband on one or two channels; globally bad epochs
** 400-800 uV swings on every channel; noisy channels 35 uV rms white
** noise throughout.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/prng.h"
#include "ar.h"
#include "synth.h"

#define N_SOURCES 6
#define UV 1e-6
#define BG_RMS (12 * UV)
#define ALPHA_AMP (10 * UV)
#define SENSOR_RMS (1.5 * UV)
#define NOISY_RMS (35 * UV)
#define HIGHPASS_HZ 1.0
/* A blink marks the channels where it adds at least this much. */
#define BLINK_MARK (80 * UV)

struct rng {
	uint64_t s;
	int have;
	double spare;
};

static double
unif(struct rng *r)
{
	return ((double)(prng_next(&r->s) >> 11) + 0.5) * 0x1.0p-53;
}

static double
gauss(struct rng *r)
{
	double u, v;

	if (r->have) {
		r->have = 0;
		return r->spare;
	}
	u = unif(r);
	v = unif(r);
	r->spare = sqrt(-2 * log(u)) * sin(2 * M_PI * v);
	r->have = 1;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Paul Kellet's economy pink-noise filter, then a one-pole high-pass
** (pole hp): recordings reach AutoReject high-passed at about 1 Hz, and
** drift below that would make each epoch's peak-to-peak its slope. */
struct pink {
	double b0, b1, b2;
	double x1, y1;
};

static double
pink_step(struct pink *p, double w, double hp)
{
	double x, y;

	p->b0 = 0.99765 * p->b0 + w * 0.0990460;
	p->b1 = 0.96300 * p->b1 + w * 0.2965164;
	p->b2 = 0.57000 * p->b2 + w * 1.0526913;
	x = p->b0 + p->b1 + p->b2 + w * 0.1848;
	y = x - p->x1 + hp * p->y1;
	p->x1 = x;
	p->y1 = y;
	return y;
}

static double
dir_cos(const double a[3], const double b[3])
{
	double na = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
	double nb = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);

	return (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (na * nb);
}

void
ar_truth_free(struct ar_truth *t)
{
	free(t->contam);
	free(t->epoch);
	free(t->global);
	free(t->noisy);
	memset(t, 0, sizeof(*t));
}

int
ar_synth(const struct ar_synth_opts *o, struct ar_epochs *ep,
	 struct ar_truth *truth)
{
	size_t len = (size_t)llround(o->epoch * o->sfreq);
	size_t e_n = len > 0 ? (size_t)floor(o->duration * o->sfreq / (double)len + 1e-9) : 0;
	size_t q = o->n_ch;
	struct rng r = { ar_seed(o->seed, 0x5359), 0, 0 };
	struct pink pk[N_SOURCES];
	double mix[AR_MAX_CHANNELS][N_SOURCES], walpha[AR_MAX_CHANNELS];
	double wblink[AR_MAX_CHANNELS], src[N_SOURCES], scale = 0;
	double back[3] = { 0, -0.9, 0.3 }, eyes[3] = { 0, 0.95, -0.3 };
	double falpha = 9.5 + unif(&r);
	double hp = exp(-2 * M_PI * HIGHPASS_HZ / o->sfreq);
	int rc;

	memset(truth, 0, sizeof(*truth));
	if (q < 1 || q > AR_MAX_CHANNELS || e_n < 1 || o->noisy_channels >= q)
		return AR_EINVAL;
	rc = ar_epochs_alloc(ep, e_n, q, len);
	if (rc != AR_OK)
		return rc;
	ep->sfreq = o->sfreq;
	truth->contam = calloc(e_n * q, 1);
	truth->epoch = calloc(e_n, 1);
	truth->global = calloc(e_n, 1);
	truth->noisy = calloc(q, 1);
	if (truth->contam == NULL || truth->epoch == NULL ||
	    truth->global == NULL || truth->noisy == NULL ||
	    ar_montage_standard(q, ep->names, ep->pos) != 0) {
		ar_truth_free(truth);
		ar_epochs_free(ep);
		return AR_ENOMEM;
	}
	truth->n_epochs = e_n;
	truth->n_ch = q;

	/* Sources at random directions on the upper hemisphere; broad
	** spatial falloff; each channel's weights normalised so its
	** background has BG_RMS. */
	for (int s = 0; s < N_SOURCES; s++) {
		double z = 0.2 + 0.8 * unif(&r), az = 2 * M_PI * unif(&r);
		double d[3] = { sqrt(1 - z * z) * cos(az),
				sqrt(1 - z * z) * sin(az), z };

		for (size_t c = 0; c < q; c++)
			mix[c][s] = exp(2.5 * (dir_cos(ep->pos[c], d) - 1));
	}
	for (size_t c = 0; c < q; c++) {
		double n2 = 0;

		for (int s = 0; s < N_SOURCES; s++)
			n2 += mix[c][s] * mix[c][s];
		for (int s = 0; s < N_SOURCES; s++)
			mix[c][s] /= sqrt(n2);
		walpha[c] = exp(3 * (dir_cos(ep->pos[c], back) - 1));
		wblink[c] = exp(6 * (dir_cos(ep->pos[c], eyes) - 1));
	}
	/* The filter's gain for unit white noise, measured once. */
	{
		struct pink p = { 0, 0, 0, 0, 0 };
		struct rng r2 = { ar_seed(o->seed, 0x4b45), 0, 0 };
		double ss = 0;

		for (int i = 0; i < 20000; i++) {
			double v = pink_step(&p, gauss(&r2), hp);

			if (i >= 4000)
				ss += v * v;
		}
		scale = BG_RMS / sqrt(ss / 16000);
	}
	memset(pk, 0, sizeof(pk));
	for (size_t i = 0; i < o->noisy_channels; i++) {
		size_t c;

		do
			c = (size_t)(unif(&r) * (double)q);
		while (truth->noisy[c]);
		truth->noisy[c] = 1;
	}

	for (size_t e = 0; e < e_n; e++) {
		for (size_t t = 0; t < len; t++) {
			double tt = (double)(e * len + t) / o->sfreq;
			double am = 0.6 + 0.4 * sin(2 * M_PI * 0.13 * tt);
			double alpha = ALPHA_AMP * am *
				       sin(2 * M_PI * falpha * tt);

			for (int s = 0; s < N_SOURCES; s++)
				src[s] = scale * pink_step(&pk[s], gauss(&r), hp);
			for (size_t c = 0; c < q; c++) {
				double v = alpha * walpha[c] +
					   SENSOR_RMS * gauss(&r);

				for (int s = 0; s < N_SOURCES; s++)
					v += mix[c][s] * src[s];
				if (truth->noisy[c])
					v += NOISY_RMS * gauss(&r);
				AR_ROW(ep, e, c)[t] = v;
			}
		}
		for (size_t c = 0; c < q; c++)
			truth->contam[e * q + c] = truth->noisy[c];

		/* Draw every artifact's dice in a fixed order, so a rate
		** change does not reshuffle the others. */
		double u_bad = unif(&r), u_blink = unif(&r), u_mus = unif(&r);
		double amp, t0, w;

		if (u_bad < o->bad_epoch_rate) {
			amp = (400 + 400 * unif(&r)) * UV;
			for (size_t c = 0; c < q; c++) {
				double sg = unif(&r) < 0.5 ? -1 : 1;
				double *x = AR_ROW(ep, e, c);

				for (size_t t = 0; t < len; t++)
					x[t] += sg * amp * sin(M_PI * (double)t / (double)len) +
						40 * UV * gauss(&r);
				truth->contam[e * q + c] = 1;
			}
			truth->global[e] = 1;
			truth->epoch[e] = 1;
		}
		if (u_blink < o->blink_rate) {
			amp = (150 + 150 * unif(&r)) * UV;
			t0 = (0.2 + 0.6 * unif(&r)) * (double)len;
			w = (0.05 + 0.03 * unif(&r)) * o->sfreq;
			for (size_t c = 0; c < q; c++) {
				double *x = AR_ROW(ep, e, c);

				for (size_t t = 0; t < len; t++) {
					double d = ((double)t - t0) / w;

					x[t] += amp * wblink[c] * exp(-0.5 * d * d);
				}
				if (amp * wblink[c] >= BLINK_MARK) {
					truth->contam[e * q + c] = 1;
					truth->epoch[e] = 1;
				}
			}
		}
		if (u_mus < o->muscle_rate) {
			size_t c0 = (size_t)(unif(&r) * (double)q), c1 = q;
			double rms = (25 + 20 * unif(&r)) * UV;
			size_t n = (size_t)((0.2 + 0.3 * unif(&r)) * o->sfreq);
			size_t at;

			if (n > len)
				n = len;
			at = (size_t)(unif(&r) * (double)(len - n + 1));
			if (at > len - n)
				at = len - n;
			if (unif(&r) < 0.5) {
				double best = -2;

				for (size_t c = 0; c < q; c++) {
					double d = dir_cos(ep->pos[c], ep->pos[c0]);

					if (c != c0 && d > best) {
						best = d;
						c1 = c;
					}
				}
			}
			for (size_t c = 0; c < q; c++) {
				if (c != c0 && c != c1)
					continue;
				double *x = AR_ROW(ep, e, c);

				for (size_t t = at; t < at + n; t++)
					x[t] += rms * gauss(&r);
				truth->contam[e * q + c] = 1;
			}
			truth->epoch[e] = 1;
		}
	}
	return AR_OK;
}

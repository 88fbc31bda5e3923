/*
** thresholds.c - per-channel and global rejection thresholds.
**
** The objective of a threshold is a mean of CV losses, each needing the
** mean of the training rows at or under the threshold.  Rows are sorted
** by peak-to-peak once, so that sum is a prefix sum over all rows minus a
** prefix sum over the split's test rows: an evaluation costs O(splits x
** times), not O(rows x times), and the search can afford its 50
** evaluations per channel.
**
** With rng=numpy the splits and the random-search candidates are the
** reference's own draws (nprandom.h, sksplit.h): every channel gets a
** fresh RandomState(seed), as the reference's integer random_state
** does.  With rng=splitmix they come from dyno's generator.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "../common/prng.h"
#include "ar.h"
#include "bayesopt.h"
#include "measures.h"
#include "nprandom.h"
#include "par.h"
#include "sksplit.h"
#include "spline.h"
#include "thresholds.h"

#define N_SPLITS 10       /* StratifiedShuffleSplit(n_splits=10) */
#define N_INIT_LOCAL 40   /* initial points of the local search */
#define N_INIT_GLOBAL 5
#define N_ITER 10         /* GP iterations */
#define N_RANDOM 20       /* random_search draws */
#define GLOBAL_FOLDS 5
#define CACHE_MAX 64

struct keyed {
	double p;
	size_t i;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Number of v[0..n-1] (sorted) that are <= x. */
static size_t
upper(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double
uniform01(uint64_t *s)
{
	return (double)(prng_next(s) >> 11) * 0x1.0p-53;
}

void
ar_kfold(size_t n, size_t k, size_t f, size_t *lo, size_t *hi)
{
	size_t base = n / k, extra = n % k;

	*lo = f * base + (f < extra ? f : extra);
	*hi = *lo + base + (f < extra);
}

size_t
ar_init_indices(size_t n, size_t num, size_t *idx)
{
	size_t m = 0;
	double step = (double)n / (double)num;

	for (size_t i = 0; i < num; i++) {
		size_t v = (size_t)((double)i * step);

		if (m == 0 || idx[m - 1] != v)
			idx[m++] = v;
	}
	if (idx[m - 1] != n - 1)
		idx[m++] = n - 1;
	return m;
}

/* One channel's search state. */
struct chan {
	const double *const *rows;
	size_t n, len, n_te;
	double *sorted;   /* n: every row's ptp, ascending (the candidates) */
	double *pall;     /* (n + 1) x len: prefix sums of rows in ptp order */
	double *te_ptp;   /* N_SPLITS x n_te, each ascending */
	double *pte;      /* N_SPLITS x (n_te + 1) x len */
	double *med;      /* N_SPLITS x len: median of the test rows */
	double tr_min[N_SPLITS];
	double *mean;     /* len scratch */
	double cx[CACHE_MAX], cy[CACHE_MAX];
	size_t nc;
};

static void
chan_free(struct chan *ch)
{
	free(ch->sorted);
	free(ch->pall);
	free(ch->te_ptp);
	free(ch->pte);
	free(ch->med);
	free(ch->mean);
}

/* Prefix sums of rows in `order` into out ((m + 1) x len). */
static void
prefix(const double *const *rows, const struct keyed *order, size_t m,
       size_t len, double *out)
{
	memset(out, 0, len * sizeof(*out));
	for (size_t i = 0; i < m; i++) {
		const double *r = rows[order[i].i];
		double *prev = out + i * len, *cur = prev + len;

		for (size_t t = 0; t < len; t++)
			cur[t] = prev[t] + r[t];
	}
}

/* The test rows of split s into out[0..n_te-1]: from the numpy splits
** (np_te) or drawn here with splitmix. */
static void
split_rows(const size_t *np_te, size_t s, size_t n, size_t n_te,
	   size_t *perm, uint64_t *rng, size_t *out)
{
	size_t half = n / 2, t0 = n_te - n_te / 2, t1 = n_te / 2, m = 0;

	if (np_te != NULL) {
		memcpy(out, np_te + s * n_te, n_te * sizeof(*out));
		return;
	}
	/* Stratified: shuffle each half; its first t0 (t1) rows are the
	** test rows. */
	for (int cls = 0; cls < 2; cls++) {
		size_t *p = perm + cls * half, tk = cls ? t1 : t0;

		for (size_t i = half - 1; i > 0; i--) {
			size_t j = (size_t)(prng_next(rng) % (i + 1));
			size_t tmp = p[i];

			p[i] = p[j];
			p[j] = tmp;
		}
		for (size_t i = 0; i < tk; i++)
			out[m++] = p[i];
	}
}

/* The numpy splits of n rows for seed: N_SPLITS x ar_sss_n_test(n) test
** rows, malloc'd (NULL when out of memory).  Every channel has the same
** ones, so ar_local_thresholds draws them once. */
static size_t *
numpy_splits(size_t n, uint64_t seed)
{
	size_t *te = malloc(N_SPLITS * ar_sss_n_test(n) * sizeof(*te));
	struct ar_mt mt;

	if (te == NULL)
		return NULL;
	ar_mt_seed(&mt, (uint32_t)seed);
	if (ar_sss_split(&mt, n / 2, N_SPLITS, te) != 0) {
		free(te);
		return NULL;
	}
	return te;
}

/* shared: the numpy splits when the caller drew them, else NULL. */
static int
chan_init(struct chan *ch, const double *const *rows, size_t n, size_t len,
	  enum ar_rng kind, uint64_t seed, const size_t *shared)
{
	size_t n_te = kind == AR_RNG_NUMPY ? ar_sss_n_test(n)
					   : (n * 2 + 9) / 10;   /* ceil(0.2 n) */
	struct keyed *k = malloc(n * sizeof(*k));
	struct keyed *te = malloc(n_te * sizeof(*te));
	size_t *perm = malloc(n * sizeof(*perm));
	double *ptp = malloc(n * sizeof(*ptp));
	const double **trow = malloc(n_te * sizeof(*trow));
	size_t *own = NULL, *rows_te = malloc(n_te * sizeof(*rows_te));
	const size_t *np_te = shared;
	uint64_t rng = ar_seed(seed, 0x5353);
	int rc = AR_ENOMEM;

	memset(ch, 0, sizeof(*ch));
	ch->rows = rows;
	ch->n = n;
	ch->len = len;
	ch->n_te = n_te;
	ch->sorted = malloc(n * sizeof(double));
	ch->pall = malloc((n + 1) * len * sizeof(double));
	ch->te_ptp = malloc(N_SPLITS * n_te * sizeof(double));
	ch->pte = malloc(N_SPLITS * (n_te + 1) * len * sizeof(double));
	ch->med = malloc(N_SPLITS * len * sizeof(double));
	ch->mean = malloc(len * sizeof(double));
	if (k == NULL || te == NULL || perm == NULL || ptp == NULL ||
	    trow == NULL || ch->sorted == NULL || ch->pall == NULL ||
	    ch->te_ptp == NULL || ch->pte == NULL || ch->med == NULL ||
	    ch->mean == NULL || rows_te == NULL)
		goto out;
	if (kind == AR_RNG_NUMPY && np_te == NULL) {
		np_te = own = numpy_splits(n, seed);
		if (own == NULL)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ptp[i] = ar_ptp(rows[i], len);
		k[i].p = ptp[i];
		k[i].i = i;
	}
	qsort(k, n, sizeof(*k), keyed_cmp);
	for (size_t i = 0; i < n; i++)
		ch->sorted[i] = k[i].p;
	prefix(rows, k, n, len, ch->pall);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (int s = 0; s < N_SPLITS; s++) {
		size_t m = n_te;

		split_rows(np_te, (size_t)s, n, n_te, perm, &rng, rows_te);
		for (size_t i = 0; i < m; i++) {
			te[i].p = ptp[rows_te[i]];
			te[i].i = rows_te[i];
		}
		qsort(te, m, sizeof(*te), keyed_cmp);
		for (size_t i = 0; i < m; i++)
			ch->te_ptp[s * n_te + i] = te[i].p;
		prefix(rows, te, m, len, ch->pte + s * (n_te + 1) * len);
		/* The smallest training ptp: the first of the sorted ptps
		** that the (also sorted) test ptps do not account for. */
		ch->tr_min[s] = INFINITY;
		for (size_t i = 0, j = 0; i < n; i++) {
			if (j < m && ch->sorted[i] == te[j].p) {
				j++;
				continue;
			}
			ch->tr_min[s] = ch->sorted[i];
			break;
		}
		for (size_t i = 0; i < m; i++)
			trow[i] = rows[te[i].i];
		if (ar_col_medians(trow, m, len, ch->med + s * len) != 0)
			goto out;
	}
	rc = AR_OK;
out:
	free(k);
	free(te);
	free(perm);
	free(ptp);
	free(trow);
	free(own);
	free(rows_te);
	if (rc != AR_OK)
		chan_free(ch);
	return rc;
}

/* np.mean of the 10 split scores, in numpy's summation order (eight
** accumulators, then the rest): near-equal losses compare as in the
** reference. */
static double
mean10(const double *v)
{
	double r = ((v[0] + v[1]) + (v[2] + v[3])) +
		   ((v[4] + v[5]) + (v[6] + v[7]));

	_Static_assert(N_SPLITS == 10, "mean10 sums 10 scores");
	r += v[8];
	r += v[9];
	return r / N_SPLITS;
}

/* The mean CV loss of threshold x (already a candidate), cached: the
** search revisits candidates. */
static double
chan_objective(void *arg, double x, int *err)
{
	struct chan *ch = arg;
	size_t n = ch->n, n_te = ch->n_te, len = ch->len;
	double total = 0, score[N_SPLITS];

	(void)err;
	for (size_t i = 0; i < ch->nc; i++)
		if (ch->cx[i] == x)
			return ch->cy[i];
	for (int s = 0; s < N_SPLITS; s++) {
		const double *tp = ch->te_ptp + s * n_te;
		double tau = x;
		size_t ka = upper(ch->sorted, n, tau), kt = upper(tp, n_te, tau);

		if (ka == kt) {
			/* Below every training row: keep the ones at the
			** training minimum. */
			tau = ch->tr_min[s];
			ka = upper(ch->sorted, n, tau);
			kt = upper(tp, n_te, tau);
		}
		const double *a = ch->pall + ka * len;
		const double *b = ch->pte + (s * (n_te + 1) + kt) * len;
		double inv = 1.0 / (double)(ka - kt);

		for (size_t t = 0; t < len; t++)
			ch->mean[t] = (a[t] - b[t]) * inv;
		score[s] = ar_rmse(ch->mean, ch->med + s * len, len);
	}
	total = mean10(score);
	if (ch->nc < CACHE_MAX) {
		ch->cx[ch->nc] = x;
		ch->cy[ch->nc] = total;
		ch->nc++;
	}
	return total;
}

/* The largest candidate <= x (the smallest if x is below all). */
static double
snap(const double *sorted, size_t n, double x)
{
	size_t k = upper(sorted, n, x);

	return sorted[k > 0 ? k - 1 : 0];
}

static int
channel_threshold(const double *const *rows, size_t n, size_t len,
		  enum ar_method method, enum ar_rng kind, uint64_t seed,
		  const size_t *splits, double *thresh)
{
	struct chan ch;
	int rc;
	double best_f = INFINITY;

	if (kind == AR_RNG_NUMPY && seed > UINT32_MAX)
		return AR_EINVAL;
	rc = chan_init(&ch, rows, n, len, kind, seed, splits);
	if (rc != AR_OK)
		return rc;
	if (method == AR_RANDOM_SEARCH && kind == AR_RNG_NUMPY) {
		/* RandomizedSearchCV(n_iter=20) with uniform(loc=min,
		** scale=max): RandomState(seed).uniform() per candidate,
		** x = u * scale + loc; the best is the first of the highest
		** mean score, and its threshold is x itself (the objective
		** only depends on the rows at or under x). */
		struct ar_mt mt;
		double lo = ch.sorted[0], scale = ch.sorted[n - 1];

		ar_mt_seed(&mt, (uint32_t)seed);
		*thresh = lo;
		for (int i = 0; i < N_RANDOM; i++) {
			double x = ar_mt_uniform(&mt, 0.0, 1.0) * scale + lo;
			double f = chan_objective(&ch, snap(ch.sorted, n, x), &rc);

			if (i == 0 || f < best_f) {
				best_f = f;
				*thresh = x;
			}
		}
	} else if (method == AR_RANDOM_SEARCH) {
		/* scipy's uniform(loc=min, scale=max): [min, min + max). */
		uint64_t rng = ar_seed(seed, 0x5253);
		double lo = ch.sorted[0], scale = ch.sorted[n - 1];

		*thresh = lo;
		for (int i = 0; i < N_RANDOM; i++) {
			double x = snap(ch.sorted, n, lo + scale * uniform01(&rng));
			double f = chan_objective(&ch, x, &rc);

			if (i == 0 || f < best_f) {
				best_f = f;
				*thresh = x;
			}
		}
	} else {
		size_t idx[N_INIT_LOCAL + 1], m;
		double init[N_INIT_LOCAL + 1];

		m = ar_init_indices(n, N_INIT_LOCAL, idx);
		for (size_t i = 0; i < m; i++)
			init[i] = ch.sorted[idx[i]];
		rc = ar_bayes_opt(chan_objective, &ch, init, m, ch.sorted, n,
				  N_ITER, thresh, &best_f);
	}
	chan_free(&ch);
	return rc;
}

int
ar_channel_threshold(const double *const *rows, size_t n, size_t len,
		     enum ar_method method, enum ar_rng kind, uint64_t seed,
		     double *thresh)
{
	return channel_threshold(rows, n, len, method, kind, seed, NULL,
				 thresh);
}

/* --- all channels ------------------------------------------------------ */

struct local_job {
	const struct ar_epochs *ep;
	enum ar_method method;
	enum ar_rng rng;
	uint64_t seed;
	size_t *splits;   /* rng=numpy: the splits every channel shares */
	double *w;        /* n_ch x n_ch: row c interpolates c from the
			  ** others (zero at c) */
	double *gm;       /* ar_spline_gmatrix of the montage */
	double *loo;      /* like ep->data: every channel interpolated */
	double *thresh;
};

/* Leave-one-out weights of channel c from all the others. */
static int
loo_weights(void *arg, size_t c, unsigned wk)
{
	struct local_job *j = arg;
	size_t q = j->ep->n_ch, good[AR_MAX_CHANNELS] = { 0 }, k = 0;
	double w[AR_MAX_CHANNELS] = { 0 };
	int rc;

	(void)wk;
	for (size_t i = 0; i < q; i++)
		if (i != c)
			good[k++] = i;
	rc = ar_spline_matrix_g(j->gm, q, good, k, &c, 1, w);
	for (size_t i = 0; i < q; i++)
		j->w[c * q + i] = 0;
	for (size_t i = 0; i < k; i++)
		j->w[c * q + good[i]] = w[i];
	return rc;
}

/* Epoch e with every channel replaced by its interpolation: one
** (Q x Q) x (Q x T) product, the bulk of the augmentation's cost. */
static int
loo_epoch(void *arg, size_t e, unsigned wk)
{
	struct local_job *j = arg;
	const struct ar_epochs *ep = j->ep;
	size_t q = ep->n_ch, len = ep->n_times;
	const double *x = AR_ROW(ep, e, 0);
	double *out = j->loo + e * q * len;

	(void)wk;
#ifdef HAVE_OPENBLAS
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)q,
		    (int)len, (int)q, 1.0, j->w, (int)q, x, (int)len, 0.0, out,
		    (int)len);
#else
	for (size_t c = 0; c < q; c++) {
		double *o = out + c * len;

		memset(o, 0, len * sizeof(*o));
		for (size_t i = 0; i < q; i++) {
			double wi = j->w[c * q + i];
			const double *src = x + i * len;

			for (size_t t = 0; t < len; t++)
				o[t] += wi * src[t];
		}
	}
#endif
	return AR_OK;
}

static int
local_task(void *arg, size_t c, unsigned wk)
{
	struct local_job *j = arg;
	const struct ar_epochs *ep = j->ep;
	size_t e_n = ep->n_epochs, q = ep->n_ch, len = ep->n_times;
	const double **rows = malloc(2 * e_n * sizeof(*rows));
	int rc;

	(void)wk;
	if (rows == NULL)
		return AR_ENOMEM;
	for (size_t e = 0; e < e_n; e++) {
		rows[e] = AR_ROW(ep, e, c);
		rows[e_n + e] = j->loo + (e * q + c) * len;
	}
	rc = channel_threshold(rows, 2 * e_n, len, j->method, j->rng, j->seed,
			       j->splits, &j->thresh[c]);
	free(rows);
	return rc;
}

int
ar_local_thresholds(const struct ar_epochs *ep, enum ar_method method,
		    enum ar_rng rng, uint64_t seed, unsigned threads,
		    double *thresh)
{
	struct local_job j = { ep, method, rng, seed, NULL, NULL, NULL, NULL,
			       thresh };
	size_t q = ep->n_ch;
	int rc = AR_ENOMEM;

	if (q < 2 || q > AR_MAX_CHANNELS || ep->n_epochs < 3)
		return AR_EINVAL;
	if (rng == AR_RNG_NUMPY && seed > UINT32_MAX)
		return AR_EINVAL;
	if (rng == AR_RNG_NUMPY &&
	    (j.splits = numpy_splits(2 * ep->n_epochs, seed)) == NULL)
		return AR_ENOMEM;
	j.w = malloc(q * q * sizeof(*j.w));
	j.gm = malloc(q * q * sizeof(*j.gm));
	j.loo = malloc(ep->n_epochs * q * ep->n_times * sizeof(*j.loo));
	if (j.w == NULL || j.gm == NULL || j.loo == NULL)
		goto out;
	ar_spline_gmatrix((const double (*)[3])ep->pos, q, j.gm);
	rc = ar_par_for(threads, q, loo_weights, &j);
	if (rc == AR_OK)
		rc = ar_par_for(threads, ep->n_epochs, loo_epoch, &j);
	if (rc == AR_OK)
		rc = ar_par_for(threads, q, local_task, &j);
out:
	free(j.splits);
	free(j.w);
	free(j.gm);
	free(j.loo);
	return rc;
}

/* --- global ------------------------------------------------------------ */

struct glob {
	const struct ar_epochs *ep;
	double *eptp;     /* per epoch: largest channel ptp */
	double *sorted;   /* eptp ascending */
	double *med;      /* GLOBAL_FOLDS x (C x T) */
	double *sum, *tsum;
	double cx[CACHE_MAX], cy[CACHE_MAX];
	size_t nc;
};

static double
glob_objective(void *arg, double x, int *err)
{
	struct glob *g = arg;
	const struct ar_epochs *ep = g->ep;
	size_t e_n = ep->n_epochs, ct = ep->n_ch * ep->n_times, kall = 0;
	double total = 0;

	(void)err;
	for (size_t i = 0; i < g->nc; i++)
		if (g->cx[i] == x)
			return g->cy[i];
	memset(g->sum, 0, ct * sizeof(double));
	for (size_t e = 0; e < e_n; e++) {
		if (g->eptp[e] > x)
			continue;
		const double *r = AR_ROW(ep, e, 0);

		for (size_t i = 0; i < ct; i++)
			g->sum[i] += r[i];
		kall++;
	}
	for (size_t f = 0; f < GLOBAL_FOLDS && isfinite(total); f++) {
		size_t lo, hi, kt = 0;

		ar_kfold(e_n, GLOBAL_FOLDS, f, &lo, &hi);
		memset(g->tsum, 0, ct * sizeof(double));
		for (size_t e = lo; e < hi; e++) {
			if (g->eptp[e] > x)
				continue;
			const double *r = AR_ROW(ep, e, 0);

			for (size_t i = 0; i < ct; i++)
				g->tsum[i] += r[i];
			kt++;
		}
		if (kall == kt) {
			total = INFINITY;
			break;
		}
		double inv = 1.0 / (double)(kall - kt);

		for (size_t i = 0; i < ct; i++)
			g->tsum[i] = (g->sum[i] - g->tsum[i]) * inv;
		total += ar_rmse(g->tsum, g->med + f * ct, ct);
	}
	if (isfinite(total))
		total /= GLOBAL_FOLDS;
	if (g->nc < CACHE_MAX) {
		g->cx[g->nc] = x;
		g->cy[g->nc] = total;
		g->nc++;
	}
	return total;
}

int
ar_global_threshold(const struct ar_epochs *ep, double *thresh)
{
	size_t e_n = ep->n_epochs, q = ep->n_ch, len = ep->n_times;
	size_t ct = q * len;
	struct glob g = { .ep = ep };
	const double **erow = malloc(e_n * sizeof(*erow));
	double best_f = INFINITY;
	size_t idx[N_INIT_GLOBAL + 1], m;
	double init[N_INIT_GLOBAL + 1];
	int rc = AR_ENOMEM;

	if (e_n < GLOBAL_FOLDS) {
		free(erow);
		return AR_EINVAL;
	}
	g.eptp = malloc(e_n * sizeof(double));
	g.sorted = malloc(e_n * sizeof(double));
	g.med = malloc(GLOBAL_FOLDS * ct * sizeof(double));
	g.sum = malloc(ct * sizeof(double));
	g.tsum = malloc(ct * sizeof(double));
	if (erow == NULL || g.eptp == NULL || g.sorted == NULL ||
	    g.med == NULL || g.sum == NULL || g.tsum == NULL)
		goto out;
	for (size_t e = 0; e < e_n; e++) {
		double mx = 0;

		for (size_t c = 0; c < q; c++) {
			double p = ar_ptp(AR_ROW(ep, e, c), len);

			mx = p > mx ? p : mx;
		}
		g.eptp[e] = g.sorted[e] = mx;
	}
	qsort(g.sorted, e_n, sizeof(double), double_cmp);
	for (size_t f = 0; f < GLOBAL_FOLDS; f++) {
		size_t lo, hi;

		ar_kfold(e_n, GLOBAL_FOLDS, f, &lo, &hi);
		for (size_t e = lo; e < hi; e++)
			erow[e - lo] = ep->data + e * ct;
		if (ar_col_medians(erow, hi - lo, ct, g.med + f * ct) != 0)
			goto out;
	}
	m = ar_init_indices(e_n, N_INIT_GLOBAL, idx);
	for (size_t i = 0; i < m; i++)
		init[i] = g.sorted[idx[i]];
	rc = ar_bayes_opt(glob_objective, &g, init, m, g.sorted, e_n, N_ITER,
			  thresh, &best_f);
out:
	free(erow);
	free(g.eptp);
	free(g.sorted);
	free(g.med);
	free(g.sum);
	free(g.tsum);
	return rc;
}

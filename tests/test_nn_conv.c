/* test_nn_conv.c - nn's image ops on oneDNN against naive double loops. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <dnnl.h>

#include "nn.h"

#define TOL	1e-5

static uint64_t rng = 0x13198a2e03707344ull;

static float
urand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((rng * 0x2545f4914f6cdd1dull >> 40) * 0x1p-24 * 2 - 1);
}

static float *
rand_buf(size_t n)
{
	float *p = malloc(n * sizeof(*p));
	size_t i;

	cr_assert_not_null(p);
	for (i = 0; i < n; i++)
		p[i] = urand();
	return p;
}

static double *
to_double(const float *x, size_t n)
{
	double *d = malloc(n * sizeof(*d));
	size_t i;

	cr_assert_not_null(d);
	for (i = 0; i < n; i++)
		d[i] = x[i];
	return d;
}

/* max |got - want| / max |want| over channels [C0, C0 + C) of GOT's
** [N, GC, HW] against WANT's [N, C, HW]. */
static double
rel_err_ch(const float *got, int64_t gc, int64_t c0, const double *want,
    int64_t n, int64_t c, int64_t hw)
{
	double e = 0, m = 0;
	int64_t i, j, k;

	for (i = 0; i < n; i++)
		for (j = 0; j < c; j++)
			for (k = 0; k < hw; k++) {
				double g = got[(i * gc + c0 + j) * hw + k];
				double w = want[(i * c + j) * hw + k];

				if (fabs(g - w) > e)
					e = fabs(g - w);
				if (fabs(w) > m)
					m = fabs(w);
			}
	return m > 0 ? e / m : e;
}

static int
weight(struct nn_graph *g, const char *name, int ndim, const int64_t *dims,
    const float *v)
{
	int t = nn_weight(g, name, ndim, dims, NN_ROLE_WEIGHT, 1);

	cr_assert_geq(t, 0, "%s", nn_error(g));
	memcpy(nn_weight_host(g, t), v, nn_numel(g, t) * sizeof(float));
	return t;
}

static void
compile(struct nn_graph *g)
{
	int i;

	cr_assert_eq(nn_compile(g, 2), 0, "compile: %s", nn_error(g));
	for (i = 0; i < nn_op_count(g); i++)
		if (nn_op_hot(g, i))
			cr_assert(strncmp(nn_op_impl(g, i), "ref:", 4) != 0,
			    "op %d (%s) runs oneDNN's reference code: %s", i,
			    nn_op_name(g, i), nn_op_impl(g, i));
}

/* Whether oneDNN runs AVX-512 here (fp32 images blocked, nChw16c). */
static int
blocked_here(void)
{
	return (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) ==
	    dnnl_cpu_isa_avx512_core;
}

/* No op of compiled G moves an operand through a copy. */
static void
expect_copy_free(const struct nn_graph *g)
{
	int i;

	for (i = 0; i < nn_op_count(g); i++)
		cr_expect(strstr(nn_op_impl(g, i), "+copy") == NULL,
		    "op %d (%s) copies: %s", i, nn_op_name(g, i),
		    nn_op_impl(g, i));
}

static double
silu(double x)
{
	return x / (1 + exp(-x));
}

/* A convolution's shape and parameters, for the reference. */
struct conv {
	int64_t	 n, c, h, w;	/* input */
	int64_t	 o, k;
	int	 stride, pad, silu;
	const float *wt, *b;	/* [O, C, K, K], [O] or NULL */
};

static int64_t
out_size(const struct conv *v, int64_t n)
{
	return (n + 2 * v->pad - v->k) / v->stride + 1;
}

/* Y = act(conv(X) + b) (+ ACC): X channels [C0, C0 + C) of an
** [N, XC, H, W] array; Y and ACC [N, O, OH, OW]. */
static void
conv_ref(const struct conv *v, const double *x, int64_t xc, int64_t c0,
    const double *acc, double *y)
{
	int64_t oh = out_size(v, v->h), ow = out_size(v, v->w);
	int64_t i, o, p, q, c, a, b;

	for (i = 0; i < v->n; i++)
		for (o = 0; o < v->o; o++)
			for (p = 0; p < oh; p++)
				for (q = 0; q < ow; q++) {
					double s = v->b ? v->b[o] : 0;
					int64_t at = ((i * v->o + o) * oh + p) *
					    ow + q;

					for (c = 0; c < v->c; c++)
						for (a = 0; a < v->k; a++)
							for (b = 0; b < v->k;
							    b++) {
		int64_t hy = p * v->stride - v->pad + a;
		int64_t wx = q * v->stride - v->pad + b;

		if (hy < 0 || hy >= v->h || wx < 0 || wx >= v->w)
			continue;
		s += x[((i * xc + c0 + c) * v->h + hy) * v->w + wx] *
		    v->wt[((o * v->c + c) * v->k + a) * v->k + b];
							}
					if (v->silu)
						s = silu(s);
					y[at] = s + (acc ? acc[at] : 0);
				}
}

/* One conv from an input [N, C, H, W] to a new output. */
static void
conv_case(int64_t c, int64_t o, int64_t hw, int64_t k, int stride, int pad,
    int bias, int act, int shortcut)
{
	struct conv v = { 2, c, hw, hw + 1, o, k, stride, pad, act, NULL,
	    NULL };
	int64_t oh = out_size(&v, v.h), ow = out_size(&v, v.w);
	int64_t nx = v.n * c * v.h * v.w, ny = v.n * o * oh * ow;
	int64_t xd[4] = { v.n, c, v.h, v.w }, yd[4] = { v.n, o, oh, ow };
	int64_t wd[4] = { o, c, k, k }, bd[1] = { o };
	float *x = rand_buf(nx), *w = rand_buf(o * c * k * k), *b = rand_buf(o);
	float *acc = rand_buf(ny), *y = malloc(ny * sizeof(*y));
	double *dx = to_double(x, nx), *dacc = to_double(acc, ny);
	double *want = malloc(ny * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, ta = -1, ty;

	v.wt = w;
	v.b = bias ? b : NULL;
	tx = nn_input(g, 4, xd);
	if (shortcut)
		ta = nn_input(g, 4, yd);
	ty = nn_conv2d(g, tx, weight(g, "w", 4, wd, w), bias ?
	    weight(g, "b", 1, bd, b) : -1, stride, pad, act ? NN_ACT_SILU :
	    NN_ACT_NONE, ta, -1);
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, nx), 0, "%s", nn_error(g));
	if (shortcut)
		cr_assert_eq(nn_write(g, ta, acc, ny), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, ny), 0, "%s", nn_error(g));
	conv_ref(&v, dx, c, 0, shortcut ? dacc : NULL, want);
	cr_expect_lt(rel_err_ch(y, o, 0, want, v.n, o, oh * ow), TOL,
	    "conv %lld->%lld k%lld s%d p%d: relative error %g",
	    (long long)c, (long long)o, (long long)k, stride, pad,
	    rel_err_ch(y, o, 0, want, v.n, o, oh * ow));
	nn_graph_free(g);
	free(x), free(w), free(b), free(acc), free(y), free(dx), free(dacc);
	free(want);
}

Test(nn_conv, k1_bias)
{
	conv_case(32, 48, 9, 1, 1, 0, 1, 0, 0);
}

Test(nn_conv, k3_pad_silu)
{
	conv_case(16, 32, 10, 3, 1, 1, 1, 1, 0);
}

Test(nn_conv, k3_stride2_no_bias)
{
	conv_case(24, 16, 11, 3, 2, 1, 0, 0, 0);
}

Test(nn_conv, k3_stride2_silu_odd_channels)
{
	conv_case(3, 16, 12, 3, 2, 1, 1, 1, 0);
}

Test(nn_conv, k3_silu_shortcut)
{
	conv_case(16, 16, 8, 3, 1, 1, 1, 1, 1);
}

Test(nn_conv, k1_no_pad_shortcut_no_act)
{
	conv_case(8, 12, 7, 1, 1, 0, 0, 0, 1);
}

/*
** Reading a channel slice of a larger input and writing into a channel
** slice of a larger output, another conv filling the rest (a concat):
** the views' strides are the whole tensors'.
*/
Test(nn_conv, slices_in_and_out)
{
	struct conv a = { 2, 12, 9, 8, 16, 3, 1, 1, 1, NULL, NULL };
	struct conv b = { 2, 20, 9, 8, 8, 1, 1, 0, 1, NULL, NULL };
	int64_t xc = 40, yc = 24, hw = 9 * 8, nx = 2 * xc * hw;
	int64_t ny = 2 * yc * hw;
	int64_t xd[4] = { 2, xc, 9, 8 }, yd[4] = { 2, yc, 9, 8 };
	int64_t wad[4] = { 16, 12, 3, 3 }, wbd[4] = { 8, 20, 1, 1 };
	int64_t bad[1] = { 16 }, bbd[1] = { 8 };
	float *x = rand_buf(nx), *wa = rand_buf(16 * 12 * 9);
	float *wb = rand_buf(8 * 20), *ba = rand_buf(16), *bb = rand_buf(8);
	float *y = malloc(ny * sizeof(*y));
	double *dx = to_double(x, nx), *wanta = malloc(2 * 16 * hw * 8);
	double *wantb = malloc(2 * 8 * hw * 8);
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, ty;

	a.wt = wa, a.b = ba, b.wt = wb, b.b = bb;
	tx = nn_input(g, 4, xd);
	ty = nn_empty(g, 4, yd);
	/* A reads channels [3, 15), writes [8, 24); B reads [17, 37),
	** writes [0, 8). */
	nn_conv2d(g, nn_slice(g, tx, 1, 3, 12), weight(g, "wa", 4, wad, wa),
	    weight(g, "ba", 1, bad, ba), 1, 1, NN_ACT_SILU, -1,
	    nn_slice(g, ty, 1, 8, 16));
	nn_conv2d(g, nn_slice(g, tx, 1, 17, 20), weight(g, "wb", 4, wbd, wb),
	    weight(g, "bb", 1, bbd, bb), 1, 0, NN_ACT_SILU, -1,
	    nn_slice(g, ty, 1, 0, 8));
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, nx), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, ny), 0, "%s", nn_error(g));
	conv_ref(&a, dx, xc, 3, NULL, wanta);
	conv_ref(&b, dx, xc, 17, NULL, wantb);
	cr_expect_lt(rel_err_ch(y, yc, 8, wanta, 2, 16, hw), TOL,
	    "slice A: %g", rel_err_ch(y, yc, 8, wanta, 2, 16, hw));
	cr_expect_lt(rel_err_ch(y, yc, 0, wantb, 2, 8, hw), TOL,
	    "slice B: %g", rel_err_ch(y, yc, 0, wantb, 2, 8, hw));
	nn_graph_free(g);
	free(x), free(wa), free(wb), free(ba), free(bb), free(y), free(dx);
	free(wanta), free(wantb);
}

static void
maxpool_ref(const double *x, int64_t n, int64_t c, int64_t h, int64_t w,
    int k, int s, int p, double *y)
{
	int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
	int64_t i, a, b, u, v;

	for (i = 0; i < n * c; i++)
		for (a = 0; a < oh; a++)
			for (b = 0; b < ow; b++) {
				double m = -INFINITY;

				for (u = a * s - p; u < a * s - p + k; u++)
					for (v = b * s - p; v < b * s - p + k;
					    v++)
						if (u >= 0 && u < h && v >= 0 &&
						    v < w && x[(i * h + u) * w +
						    v] > m)
							m = x[(i * h + u) * w +
							    v];
				y[(i * oh + a) * ow + b] = m;
			}
}

static void
maxpool_case(int k, int s, int p)
{
	int64_t n = 2, c = 24, h = 10, w = 9;
	int64_t oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
	int64_t xd[4] = { n, c, h, w }, nx = n * c * h * w, ny = n * c * oh * ow;
	float *x = rand_buf(nx), *y = malloc(ny * sizeof(*y));
	double *dx = to_double(x, nx), *want = malloc(ny * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, ty;

	/* All negative: a padded zero would win if padding counted. */
	for (int64_t i = 0; i < nx; i++) {
		x[i] = -2 - x[i];
		dx[i] = x[i];
	}
	tx = nn_input(g, 4, xd);
	ty = nn_maxpool2d(g, tx, k, s, p, -1);
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, nx), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, ny), 0, "%s", nn_error(g));
	maxpool_ref(dx, n, c, h, w, k, s, p, want);
	cr_expect_lt(rel_err_ch(y, c, 0, want, n, c, oh * ow), TOL,
	    "maxpool k%d s%d p%d: %g (impl %s)", k, s, p,
	    rel_err_ch(y, c, 0, want, n, c, oh * ow), nn_op_impl(g, 0));
	nn_graph_free(g);
	free(x), free(y), free(dx), free(want);
}

Test(nn_conv, maxpool_sppf)
{
	maxpool_case(5, 1, 2);
}

Test(nn_conv, maxpool_k2_s2)
{
	maxpool_case(2, 2, 0);
}

Test(nn_conv, maxpool_k3_s2_p1)
{
	maxpool_case(3, 2, 1);
}

Test(nn_conv, upsample2x_into_a_slice)
{
	int64_t n = 2, c = 16, h = 5, w = 7, yc = 24;
	int64_t xd[4] = { n, c, h, w }, yd[4] = { n, yc, 2 * h, 2 * w };
	int64_t nx = n * c * h * w, ny = n * yc * 4 * h * w;
	float *x = rand_buf(nx), *y = malloc(ny * sizeof(*y));
	double *want = malloc(4 * nx * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int64_t i, a, b;
	int tx, ty;

	tx = nn_input(g, 4, xd);
	ty = nn_empty(g, 4, yd);
	nn_upsample2x(g, tx, nn_slice(g, ty, 1, 8, c));
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, nx), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, ny), 0, "%s", nn_error(g));
	for (i = 0; i < n * c; i++)
		for (a = 0; a < 2 * h; a++)
			for (b = 0; b < 2 * w; b++)
				want[(i * 2 * h + a) * 2 * w + b] =
				    x[(i * h + a / 2) * w + b / 2];
	cr_expect_eq(rel_err_ch(y, yc, 8, want, n, c, 4 * h * w), 0,
	    "upsample: %g (impl %s)", rel_err_ch(y, yc, 8, want, n, c,
	    4 * h * w), nn_op_impl(g, 0));
	nn_graph_free(g);
	free(x), free(y), free(want);
}

/*
** SPPF and the neck in the blocked layout: a copy into the first slice
** of a 64-channel buffer, three 5x5 max pools each from one slice into
** the next, and an upsample of the last slice into the middle slice of
** another buffer; batch 3, so each slice's images lie the whole buffer
** apart.  On AVX-512 no pool or upsample copies.
*/
Test(nn_conv, sppf_and_upsample_through_blocked_slices)
{
	enum { N = 3, C = 16, H = 6, W = 5 };
	int64_t hw = H * W, xd[4] = { N, C, H, W };
	int64_t cd[4] = { N, 4 * C, H, W }, ud[4] = { N, 3 * C, 2 * H, 2 * W };
	float *x = rand_buf(N * C * hw), *cat = malloc(N * 4 * C * hw *
	    sizeof(*cat)), *up = malloc(N * 3 * C * 4 * hw * sizeof(*up));
	double *part = malloc(N * C * hw * sizeof(*part));
	double *next = malloc(N * C * hw * sizeof(*next));
	double *want = malloc(N * C * 4 * hw * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int64_t i, a, b;
	int tx, tc, tu, j;

	tx = nn_input(g, 4, xd);
	tc = nn_empty(g, 4, cd);
	tu = nn_empty(g, 4, ud);
	nn_copy(g, tx, nn_slice(g, tc, 1, 0, C));
	for (j = 1; j < 4; j++)
		nn_maxpool2d(g, nn_slice(g, tc, 1, (j - 1) * C, C), 5, 1, 2,
		    nn_slice(g, tc, 1, j * C, C));
	nn_upsample2x(g, nn_slice(g, tc, 1, 3 * C, C), nn_slice(g, tu, 1, C,
	    C));
	nn_output(g, tc);
	nn_output(g, tu);
	compile(g);
	if (blocked_here())
		expect_copy_free(g);
	cr_assert_eq(nn_write(g, tx, x, N * C * hw), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, tc, cat, N * 4 * C * hw), 0, "%s",
	    nn_error(g));
	cr_assert_eq(nn_read(g, tu, up, N * 3 * C * 4 * hw), 0, "%s",
	    nn_error(g));
	for (i = 0; i < N * C * hw; i++)
		part[i] = x[i];
	cr_expect_eq(rel_err_ch(cat, 4 * C, 0, part, N, C, hw), 0,
	    "copy into slice 0: %g", rel_err_ch(cat, 4 * C, 0, part, N, C,
	    hw));
	for (j = 1; j < 4; j++) {
		maxpool_ref(part, N, C, H, W, 5, 1, 2, next);
		cr_expect_eq(rel_err_ch(cat, 4 * C, j * C, next, N, C, hw), 0,
		    "pool into slice %d: %g", j, rel_err_ch(cat, 4 * C, j * C,
		    next, N, C, hw));
		memcpy(part, next, N * C * hw * sizeof(*part));
	}
	for (i = 0; i < N * C; i++)
		for (a = 0; a < 2 * H; a++)
			for (b = 0; b < 2 * W; b++)
				want[(i * 2 * H + a) * 2 * W + b] =
				    part[(i * H + a / 2) * W + b / 2];
	cr_expect_eq(rel_err_ch(up, 3 * C, C, want, N, C, 4 * hw), 0,
	    "upsample into slice 1: %g", rel_err_ch(up, 3 * C, C, want, N, C,
	    4 * hw));
	nn_graph_free(g);
	free(x), free(cat), free(up), free(part), free(next), free(want);
}

/*
** A C2f block as the yolo model builds it: cv1 writes into the first
** 2c channels of the concat, its halves are slices, each bottleneck
** (two 3x3 convs, the shortcut added) reads the previous part and writes
** the next one, cv2 reads the whole concat.  With C a multiple of 16 on
** AVX-512 (fp32 images blocked nChw16c) every slice is dense and no op
** copies (COPY_FREE); C = 8 takes the layout's fallback.
*/
static void
c2f_case(int64_t C, int copy_free)
{
	enum { N = 2, NB = 2, H = 10, W = 9 };
	int64_t C1 = 2 * C, C2 = 2 * C, cat = (2 + NB) * C, hw = H * W;
	int64_t xd[4] = { N, C1, H, W }, cd[4] = { N, cat, H, W };
	int64_t w1d[4] = { 2 * C, C1, 1, 1 }, w2d[4] = { C2, cat, 1, 1 };
	int64_t wmd[4] = { C, C, 3, 3 }, b1d[1] = { 2 * C }, bmd[1] = { C };
	int64_t b2d[1] = { C2 };
	float *x = rand_buf(N * C1 * hw), *w1 = rand_buf(2 * C * C1);
	float *b1 = rand_buf(2 * C), *w2 = rand_buf(C2 * cat);
	float *b2 = rand_buf(C2), *wm[2 * NB], *bm[2 * NB];
	float *y = malloc(N * C2 * hw * sizeof(*y));
	double *dcat = calloc(N * cat * hw, sizeof(*dcat));
	double *t1 = malloc(N * 2 * C * hw * sizeof(*t1));
	double *t2 = malloc(N * C * hw * sizeof(*t2));
	double *t3 = malloc(N * C * hw * sizeof(*t3));
	double *acc = malloc(N * C * hw * sizeof(*acc));
	double *want = malloc(N * C2 * hw * sizeof(*want));
	double *dx = to_double(x, N * C1 * hw);
	struct conv cv1 = { N, C1, H, W, 2 * C, 1, 1, 0, 1, w1, b1 };
	struct conv cv2 = { N, cat, H, W, C2, 1, 1, 0, 1, w2, b2 };
	struct conv m = { N, C, H, W, C, 3, 1, 1, 1, NULL, NULL };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, tc, prev, t, ty, wt, j;
	int64_t i, k, q;
	char name[32];

	tx = nn_input(g, 4, xd);
	tc = nn_empty(g, 4, cd);
	nn_conv2d(g, tx, weight(g, "cv1.w", 4, w1d, w1),
	    weight(g, "cv1.b", 1, b1d, b1), 1, 0, NN_ACT_SILU, -1,
	    nn_slice(g, tc, 1, 0, 2 * C));
	prev = nn_slice(g, nn_slice(g, tc, 1, 0, 2 * C), 1, C, C);
	for (j = 0; j < NB; j++) {
		wm[2 * j] = rand_buf(C * C * 9);
		wm[2 * j + 1] = rand_buf(C * C * 9);
		bm[2 * j] = rand_buf(C);
		bm[2 * j + 1] = rand_buf(C);
		snprintf(name, sizeof(name), "m.%d.cv1.w", j);
		wt = weight(g, name, 4, wmd, wm[2 * j]);
		snprintf(name, sizeof(name), "m.%d.cv1.b", j);
		t = nn_conv2d(g, prev, wt, weight(g, name, 1, bmd, bm[2 * j]),
		    1, 1, NN_ACT_SILU, -1, -1);
		snprintf(name, sizeof(name), "m.%d.cv2.w", j);
		wt = weight(g, name, 4, wmd, wm[2 * j + 1]);
		snprintf(name, sizeof(name), "m.%d.cv2.b", j);
		prev = nn_conv2d(g, t, wt, weight(g, name, 1, bmd,
		    bm[2 * j + 1]), 1, 1, NN_ACT_SILU, prev,
		    nn_slice(g, tc, 1, (2 + j) * C, C));
	}
	ty = nn_conv2d(g, tc, weight(g, "cv2.w", 4, w2d, w2),
	    weight(g, "cv2.b", 1, b2d, b2), 1, 0, NN_ACT_SILU, -1, -1);
	nn_output(g, ty);
	compile(g);
	if (copy_free)
		expect_copy_free(g);
	cr_assert_eq(nn_write(g, tx, x, N * C1 * hw), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, N * C2 * hw), 0, "%s", nn_error(g));

	conv_ref(&cv1, dx, C1, 0, NULL, t1);
	for (i = 0; i < N; i++)
		memcpy(dcat + i * cat * hw, t1 + i * 2 * C * hw,
		    2 * C * hw * sizeof(*dcat));
	for (j = 0; j < NB; j++) {
		/* The part before: channels [(1 + j) C, (2 + j) C). */
		for (i = 0; i < N; i++)
			for (k = 0; k < C * hw; k++)
				acc[i * C * hw + k] = dcat[i * cat * hw +
				    (1 + j) * C * hw + k];
		m.wt = wm[2 * j];
		m.b = bm[2 * j];
		conv_ref(&m, dcat, cat, (1 + j) * C, NULL, t2);
		m.wt = wm[2 * j + 1];
		m.b = bm[2 * j + 1];
		conv_ref(&m, t2, C, 0, acc, t3);
		for (i = 0; i < N; i++)
			for (q = 0; q < C * hw; q++)
				dcat[i * cat * hw + (2 + j) * C * hw + q] =
				    t3[i * C * hw + q];
	}
	conv_ref(&cv2, dcat, cat, 0, NULL, want);
	cr_expect_lt(rel_err_ch(y, C2, 0, want, N, C2, hw), TOL,
	    "c2f (C %lld): relative error %g", (long long)C,
	    rel_err_ch(y, C2, 0, want, N, C2, hw));
	nn_graph_free(g);
	for (j = 0; j < 2 * NB; j++)
		free(wm[j]), free(bm[j]);
	free(x), free(w1), free(b1), free(w2), free(b2), free(y), free(dcat);
	free(t1), free(t2), free(t3), free(acc), free(want), free(dx);
}

Test(nn_conv, c2f_subgraph)
{
	c2f_case(8, 0);
}

/* Where oneDNN runs AVX-512 (not under ONEDNN_MAX_CPU_ISA=AVX2, as
** tests/nn_conv_avx2.sh runs this), C2f's split and concat are views. */
Test(nn_conv, c2f_subgraph_blocked_copies_nothing)
{
	c2f_case(16, blocked_here());
}

/* yolov8n's convolutions at 640 x 640, batch 1: C, O, K, stride, input
** size, whether a shortcut is added (C2f's bottlenecks). */
static const int yolov8n_convs[][6] = {
	{ 3, 16, 3, 2, 640, 0 }, { 16, 32, 3, 2, 320, 0 },
	{ 32, 32, 1, 1, 160, 0 }, { 16, 16, 3, 1, 160, 1 },
	{ 48, 32, 1, 1, 160, 0 }, { 32, 64, 3, 2, 160, 0 },
	{ 64, 64, 1, 1, 80, 0 }, { 32, 32, 3, 1, 80, 1 },
	{ 128, 64, 1, 1, 80, 0 }, { 64, 128, 3, 2, 80, 0 },
	{ 128, 128, 1, 1, 40, 0 }, { 64, 64, 3, 1, 40, 1 },
	{ 256, 128, 1, 1, 40, 0 }, { 128, 256, 3, 2, 40, 0 },
	{ 256, 256, 1, 1, 20, 0 }, { 128, 128, 3, 1, 20, 1 },
	{ 384, 256, 1, 1, 20, 0 }, { 256, 128, 1, 1, 20, 0 },
	{ 512, 256, 1, 1, 20, 0 }, { 384, 128, 1, 1, 40, 0 },
	{ 64, 64, 3, 1, 40, 0 }, { 192, 128, 1, 1, 40, 0 },
	{ 192, 64, 1, 1, 80, 0 }, { 32, 32, 3, 1, 80, 0 },
	{ 96, 64, 1, 1, 80, 0 }, { 64, 64, 3, 2, 80, 0 },
	{ 128, 128, 3, 2, 40, 0 }, { 384, 256, 1, 1, 20, 0 },
	{ 128, 128, 3, 1, 20, 0 },
	/* Detect: box and class branches per level. */
	{ 64, 64, 3, 1, 80, 0 }, { 64, 80, 3, 1, 80, 0 },
	{ 80, 80, 3, 1, 80, 0 }, { 64, 64, 1, 1, 80, 0 },
	{ 80, 80, 1, 1, 80, 0 }, { 128, 64, 3, 1, 40, 0 },
	{ 128, 80, 3, 1, 40, 0 }, { 64, 64, 3, 1, 40, 0 },
	{ 80, 80, 3, 1, 40, 0 }, { 256, 64, 3, 1, 20, 0 },
	{ 256, 80, 3, 1, 20, 0 }, { 64, 64, 3, 1, 20, 0 },
	{ 80, 80, 3, 1, 20, 0 }
};

static void
yolov8n_impls(enum nn_dtype dt)
{
	size_t i;

	for (i = 0; i < sizeof(yolov8n_convs) / sizeof(yolov8n_convs[0]);
	    i++) {
		const int *c = yolov8n_convs[i];
		int64_t hw = c[4], ohw = (hw + 2 * (c[2] / 2) - c[2]) / c[3] + 1;
		int64_t xd[4] = { 1, c[0], hw, hw }, wd[4] = { c[1], c[0], c[2],
		    c[2] }, bd[1] = { c[1] }, yd[4] = { 1, c[1], ohw, ohw };
		struct nn_graph *g = nn_graph_new(NN_CPU, dt);
		int x, a = -1, y;

		x = nn_input(g, 4, xd);
		if (c[5])
			a = nn_input(g, 4, yd);
		y = nn_conv2d(g, x, nn_weight(g, "w", 4, wd, NN_ROLE_WEIGHT,
		    c[0] * c[2] * c[2]), nn_weight(g, "b", 1, bd,
		    NN_ROLE_BIAS, 1), c[3], c[2] / 2, NN_ACT_SILU, a, -1);
		nn_output(g, y);
		/* compile() fails on a ref: implementation. */
		compile(g);
		nn_graph_free(g);
	}
}

Test(nn_conv, yolov8n_convs_are_not_ref)
{
	yolov8n_impls(NN_F32);
}

Test(nn_conv, yolov8n_convs_are_not_ref_bf16_or_skip)
{
	const char *why = nn_unsupported(NN_CPU, NN_BF16);

	if (why != NULL)
		cr_skip_test("%s", why);
	yolov8n_impls(NN_BF16);
}

/* SPPF's pool and the neck's upsample: not ref either, on 20 x 20. */
Test(nn_conv, sppf_pool_and_upsample_are_not_ref)
{
	int64_t xd[4] = { 1, 128, 20, 20 };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int x, i;

	x = nn_input(g, 4, xd);
	nn_output(g, nn_maxpool2d(g, x, 5, 1, 2, -1));
	nn_output(g, nn_upsample2x(g, x, -1));
	cr_assert_eq(nn_compile(g, 2), 0, "%s", nn_error(g));
	for (i = 0; i < nn_op_count(g); i++)
		cr_expect(strncmp(nn_op_impl(g, i), "ref:", 4) != 0,
		    "%s: %s", nn_op_name(g, i), nn_op_impl(g, i));
	nn_graph_free(g);
}

Test(nn_conv, bf16_conv_or_skip)
{
	struct conv v = { 1, 32, 12, 12, 32, 3, 1, 1, 1, NULL, NULL };
	int64_t n = 32 * 144, xd[4] = { 1, 32, 12, 12 };
	int64_t wd[4] = { 32, 32, 3, 3 }, bd[1] = { 32 };
	float *x = rand_buf(n), *w = rand_buf(32 * 32 * 9), *b = rand_buf(32);
	float *y = malloc(n * sizeof(*y));
	double *dx = to_double(x, n), *want = malloc(n * sizeof(*want));
	const char *why = nn_unsupported(NN_CPU, NN_BF16);
	struct nn_graph *g;
	int tx, ty;

	if (why != NULL) {
		free(x), free(w), free(b), free(y), free(dx), free(want);
		cr_skip_test("%s", why);
	}
	g = nn_graph_new(NN_CPU, NN_BF16);
	v.wt = w, v.b = b;
	tx = nn_input(g, 4, xd);
	ty = nn_conv2d(g, tx, weight(g, "w", 4, wd, w), weight(g, "b", 1, bd,
	    b), 1, 1, NN_ACT_SILU, -1, -1);
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, n), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, n), 0, "%s", nn_error(g));
	conv_ref(&v, dx, 32, 0, NULL, want);
	/* bf16 keeps 8 bits of mantissa; 288 products per output. */
	cr_expect_lt(rel_err_ch(y, 32, 0, want, 1, 32, 144), 2e-2,
	    "bf16 conv: %g", rel_err_ch(y, 32, 0, want, 1, 32, 144));
	nn_graph_free(g);
	free(x), free(w), free(b), free(y), free(dx), free(want);
}

/* Bad shapes: one-line errors naming what was expected. */
Test(nn_conv, errors_name_the_input)
{
	int64_t xd[4] = { 1, 8, 6, 6 }, wd[4] = { 4, 3, 3, 3 };
	int64_t od[4] = { 1, 4, 5, 5 };
	struct nn_graph *g;
	int x;

	g = nn_graph_new(NN_CPU, NN_F32);
	x = nn_input(g, 4, xd);
	cr_expect_eq(nn_conv2d(g, x, nn_weight(g, "m.0.conv.weight", 4, wd,
	    NN_ROLE_WEIGHT, 27), -1, 1, 1, NN_ACT_SILU, -1, -1), -1);
	cr_expect(strstr(nn_error(g), "'m.0.conv.weight' is not [O, 8, KH, "
	    "KW]") != NULL, "%s", nn_error(g));
	cr_expect_eq(nn_compile(g, 1), -1);
	nn_graph_free(g);

	g = nn_graph_new(NN_CPU, NN_F32);
	x = nn_input(g, 4, xd);
	cr_expect_eq(nn_slice(g, x, 1, 6, 4), -1);
	cr_expect(strstr(nn_error(g), "[6, 10) of axis 1 (size 8)") != NULL,
	    "%s", nn_error(g));
	nn_graph_free(g);

	g = nn_graph_new(NN_CPU, NN_F32);
	x = nn_input(g, 4, xd);
	cr_expect_eq(nn_maxpool2d(g, x, 5, 1, 3, -1), -1);
	cr_expect(strstr(nn_error(g), "pad 3") != NULL, "%s", nn_error(g));
	nn_graph_free(g);

	g = nn_graph_new(NN_CPU, NN_F32);
	x = nn_input(g, 4, xd);
	cr_expect_eq(nn_upsample2x(g, x, nn_empty(g, 4, od)), -1);
	cr_expect(strstr(nn_error(g), "output is not an activation [1, 8, "
	    "12, 12]") != NULL, "%s", nn_error(g));
	nn_graph_free(g);

	g = nn_graph_new(NN_CPU, NN_F32);
	cr_expect_eq(nn_maxpool2d(g, nn_input(g, 3, xd), 2, 2, 0, -1), -1);
	cr_expect(strstr(nn_error(g), "not a 4-D activation") != NULL, "%s",
	    nn_error(g));
	nn_graph_free(g);
}

/* nn_flops counts 2 x the MACs of convolutions (and linears). */
Test(nn_conv, flops)
{
	int64_t xd[4] = { 2, 16, 10, 10 }, wd[4] = { 32, 16, 3, 3 };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int x = nn_input(g, 4, xd);

	nn_conv2d(g, x, nn_weight(g, "w", 4, wd, NN_ROLE_WEIGHT, 144), -1, 2,
	    1, NN_ACT_NONE, -1, -1);
	nn_maxpool2d(g, x, 5, 1, 2, -1);
	/* Output 2 x 32 x 5 x 5, 16 x 3 x 3 MACs each. */
	cr_expect_eq(nn_flops(g), 2.0 * 2 * 32 * 5 * 5 * 16 * 9);
	nn_graph_free(g);
}

/*
** The detect head's shape: per level, a box and a class conv write into
** a 4-D nn_view() of one dense [N, 7, A] output (its [N, C, H, W]
** strides are fixed by the view), and a level's input reaches a linear
** op too (dense rows): both keep their layout and stay right.
*/
Test(nn_conv, head_into_a_3d_output)
{
	enum { N = 2, CB = 4, CC = 3, A = 8 * 8 + 4 * 4 };
	int64_t hs[2] = { 8, 4 }, cs[2] = { 6, 16 }, off = 0;
	int64_t od[3] = { N, CB + CC, A };
	float *x[2], *wb[2], *wc[2], *y = malloc(N * (CB + CC) * A *
	    sizeof(*y));
	double *wantb = malloc(N * CB * 64 * sizeof(double));
	double *wantc = malloc(N * CC * 64 * sizeof(double));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	float rows[N * 16 * 4];
	int tx[2], to, l, lin = -1;
	int64_t i, c, k;

	to = nn_empty(g, 3, od);
	for (l = 0; l < 2; l++) {
		int64_t h = hs[l], xd[4] = { N, cs[l], h, h };
		int64_t wbd[4] = { CB, cs[l], 1, 1 }, wcd[4] = { CC, cs[l], 3, 3 };
		int64_t vd[4] = { N, CB, h, h }, vs[4] = { (CB + CC) * A, A, h, 1 };
		int64_t cd[4] = { N, CC, h, h }, ld[2] = { 1, h };
		char name[16];

		x[l] = rand_buf(N * cs[l] * h * h);
		wb[l] = rand_buf(CB * cs[l]);
		wc[l] = rand_buf(CC * cs[l] * 9);
		tx[l] = nn_input(g, 4, xd);
		snprintf(name, sizeof(name), "b%d", l);
		nn_conv2d(g, tx[l], weight(g, name, 4, wbd, wb[l]), -1, 1, 0,
		    NN_ACT_NONE, -1, nn_view(g, to, 4, vd, vs, off));
		snprintf(name, sizeof(name), "c%d", l);
		nn_conv2d(g, tx[l], weight(g, name, 4, wcd, wc[l]), -1, 1, 1,
		    NN_ACT_SILU, -1, nn_view(g, to, 4, cd, vs, off + CB * A));
		if (l == 1) {
			snprintf(name, sizeof(name), "l%d", l);
			lin = nn_weight(g, name, 2, ld, NN_ROLE_WEIGHT, h);
			for (k = 0; k < h; k++)
				nn_weight_host(g, lin)[k] = 1;
			lin = nn_linear(g, tx[l], lin, -1, NN_ACT_NONE, -1);
			nn_output(g, lin);
		}
		off += h * h;
	}
	nn_output(g, to);
	compile(g);
	for (l = 0; l < 2; l++)
		cr_assert_eq(nn_write(g, tx[l], x[l], N * cs[l] * hs[l] *
		    hs[l]), 0, "%s", nn_error(g));
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, to, y, N * (CB + CC) * A), 0, "%s",
	    nn_error(g));
	/* The linear (all-ones weight) sums each row of level 1's input. */
	cr_assert_eq(nn_read(g, lin, rows, N * 16 * 4), 0, "%s", nn_error(g));
	for (i = 0; i < N * 16 * 4; i++)
		cr_expect_float_eq(rows[i], x[1][4 * i] + x[1][4 * i + 1] +
		    x[1][4 * i + 2] + x[1][4 * i + 3], 1e-5, "row %lld",
		    (long long)i);
	for (off = 0, l = 0; l < 2; off += hs[l] * hs[l], l++) {
		int64_t hw = hs[l] * hs[l];
		struct conv b = { N, cs[l], hs[l], hs[l], CB, 1, 1, 0, 0, wb[l],
		    NULL };
		struct conv cc = { N, cs[l], hs[l], hs[l], CC, 3, 1, 1, 1,
		    wc[l], NULL };
		double *dx = to_double(x[l], N * cs[l] * hw);
		double e = 0, m = 0;

		conv_ref(&b, dx, cs[l], 0, NULL, wantb);
		conv_ref(&cc, dx, cs[l], 0, NULL, wantc);
		for (i = 0; i < N; i++)
			for (c = 0; c < CB + CC; c++)
				for (k = 0; k < hw; k++) {
					double w = c < CB ? wantb[(i * CB + c) *
					    hw + k] : wantc[(i * CC + c - CB) *
					    hw + k];
					double d = y[(i * (CB + CC) + c) * A +
					    off + k] - w;

					e = fabs(d) > e ? fabs(d) : e;
					m = fabs(w) > m ? fabs(w) : m;
				}
		cr_expect_lt(e / m, TOL, "level %d: relative error %g", l,
		    e / m);
		free(dx);
	}
	nn_graph_free(g);
	for (l = 0; l < 2; l++)
		free(x[l]), free(wb[l]), free(wc[l]);
	free(y), free(wantb), free(wantc);
}

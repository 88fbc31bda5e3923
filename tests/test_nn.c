/* test_nn.c - every nn op on oneDNN against a naive double-precision loop. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "nn.h"

/* EEGPT's shapes: 2 windows of 32 patches, 20 channels + 4 summary
** tokens, D 512 in 8 heads, MLP 2048. */
#define SEQS	64
#define L	24
#define D	512
#define H	8
#define HD	64
#define HID	2048
#define TOL	1e-5

static uint64_t rng = 0x243f6a8885a308d3ull;

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

/* max |got - want| / max |want| */
static double
rel_err(const float *got, const double *want, size_t n)
{
	double e = 0, m = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fabs(got[i] - want[i]) > e)
			e = fabs(got[i] - want[i]);
		if (fabs(want[i]) > m)
			m = fabs(want[i]);
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
	/* A hot op on a reference implementation would make every speed
	** figure meaningless: fail rather than measure it. */
	for (i = 0; i < nn_op_count(g); i++)
		if (nn_op_hot(g, i))
			cr_assert(strncmp(nn_op_impl(g, i), "ref:", 4) != 0,
			    "op %d (%s) runs oneDNN's reference code: %s", i,
			    nn_op_name(g, i), nn_op_impl(g, i));
}

static double
gelu(double x)
{
	return 0.5 * x * (1 + erf(x / sqrt(2.0)));
}

static void
linear_case(int act, int residual)
{
	int64_t xd[3] = { SEQS, L, D }, wd[2] = { HID, D }, bd[1] = { HID };
	int64_t rows = SEQS * L, n = act ? HID : D;
	float *x = rand_buf(rows * D), *w = rand_buf(n * D), *b = rand_buf(n);
	float *acc = rand_buf(rows * n), *y = malloc(rows * n * sizeof(*y));
	double *want = malloc(rows * n * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, tw, tb, ta = -1, ty, r, k, j;

	wd[0] = bd[0] = n;
	tx = nn_input(g, 3, xd);
	tw = weight(g, "w", 2, wd, w);
	tb = weight(g, "b", 1, bd, b);
	if (residual) {
		int64_t ad[3] = { SEQS, L, n };

		ta = nn_input(g, 3, ad);
	}
	ty = nn_linear(g, tx, tw, tb, act ? NN_ACT_GELU_ERF : NN_ACT_NONE,
	    ta);
	nn_output(g, ty);
	compile(g);
	cr_assert_eq(nn_write(g, tx, x, rows * D), 0);
	if (residual)
		cr_assert_eq(nn_write(g, ta, acc, rows * n), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, rows * n), 0);
	for (r = 0; r < rows; r++)
		for (j = 0; j < n; j++) {
			double s = b[j];

			for (k = 0; k < D; k++)
				s += (double)x[r * D + k] * w[j * D + k];
			if (act)
				s = gelu(s);
			if (residual)
				s += acc[r * n + j];
			want[r * n + j] = s;
		}
	cr_expect_lt(rel_err(y, want, rows * n), TOL, "relative error %g",
	    rel_err(y, want, rows * n));
	nn_graph_free(g);
	free(x), free(w), free(b), free(acc), free(y), free(want);
}

Test(nn, linear_bias)
{
	linear_case(0, 0);
}

Test(nn, linear_bias_gelu)
{
	linear_case(1, 0);
}

Test(nn, linear_bias_residual)
{
	linear_case(0, 1);
}

/* Attention through strided views of one qkv buffer (no copies):
** softmax(q k^T / 8) v, written head by head into (SEQS, L, D). */
Test(nn, attention_views)
{
	int64_t qd[3] = { SEQS, L, 3 * D }, od[3] = { SEQS, L, D };
	int64_t hq[4] = { SEQS, H, L, HD }, sq[4] = { L * 3 * D, HD, 3 * D, 1 };
	int64_t hk[4] = { SEQS, H, HD, L }, sk[4] = { L * 3 * D, HD, 1, 3 * D };
	int64_t ho[4] = { SEQS, H, L, HD }, so[4] = { L * D, HD, D, 1 };
	size_t nq = SEQS * L * 3 * D, no = SEQS * L * D;
	float *qkv = rand_buf(nq), *y = malloc(no * sizeof(*y));
	double *want = malloc(no * sizeof(*want)), p[L];
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tin, tout, q, k, v, s, o, m, h, i, j, e;

	tin = nn_input(g, 3, qd);
	tout = nn_input(g, 3, od);
	q = nn_view(g, tin, 4, hq, sq, 0);
	k = nn_view(g, tin, 4, hk, sk, D);
	v = nn_view(g, tin, 4, hq, sq, 2 * D);
	o = nn_view(g, tout, 4, ho, so, 0);
	s = nn_matmul(g, q, k, 0.125f, -1);
	nn_softmax(g, s);
	nn_matmul(g, s, v, 1.0f, o);
	compile(g);
	cr_assert_eq(nn_write(g, tin, qkv, nq), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, tout, y, no), 0);
	for (m = 0; m < SEQS; m++)
		for (h = 0; h < H; h++)
			for (i = 0; i < L; i++) {
				const float *qi = qkv + (m * L + i) * 3 * D +
				    h * HD;
				double mx = -INFINITY, sum = 0;

				for (j = 0; j < L; j++) {
					const float *kj = qkv + (m * L + j) *
					    3 * D + D + h * HD;

					p[j] = 0;
					for (e = 0; e < HD; e++)
						p[j] += (double)qi[e] * kj[e];
					p[j] /= 8;
					mx = fmax(mx, p[j]);
				}
				for (j = 0; j < L; j++)
					sum += p[j] = exp(p[j] - mx);
				for (e = 0; e < HD; e++) {
					double a = 0;

					for (j = 0; j < L; j++)
						a += p[j] / sum * qkv[(m * L +
						    j) * 3 * D + 2 * D + h * HD +
						    e];
					want[(m * L + i) * D + h * HD + e] = a;
				}
			}
	cr_expect_lt(rel_err(y, want, no), TOL, "relative error %g",
	    rel_err(y, want, no));
	nn_graph_free(g);
	free(qkv), free(y), free(want);
}

Test(nn, softmax)
{
	int64_t d[2] = { SEQS * H * L, L };
	size_t n = d[0] * d[1], r, j;
	float *x = rand_buf(n), *y = malloc(n * sizeof(*y));
	double *want = malloc(n * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int t;

	for (r = 0; r < n; r++)
		x[r] *= 10;
	t = nn_input(g, 2, d);
	nn_softmax(g, t);
	compile(g);
	cr_assert_eq(nn_write(g, t, x, n), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, t, y, n), 0);
	for (r = 0; r < (size_t)d[0]; r++) {
		double mx = -INFINITY, s = 0;

		for (j = 0; j < L; j++)
			mx = fmax(mx, x[r * L + j]);
		for (j = 0; j < L; j++)
			s += exp(x[r * L + j] - mx);
		for (j = 0; j < L; j++)
			want[r * L + j] = exp(x[r * L + j] - mx) / s;
	}
	cr_expect_lt(rel_err(y, want, n), TOL, "relative error %g",
	    rel_err(y, want, n));
	nn_graph_free(g);
	free(x), free(y), free(want);
}

Test(nn, layernorm)
{
	int64_t d[3] = { SEQS, L, D }, pd[1] = { D };
	size_t n = SEQS * L * D, r, j;
	float *x = rand_buf(n), *y = malloc(n * sizeof(*y));
	float *ga = rand_buf(D), *be = rand_buf(D);
	double *want = malloc(n * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int t, o;

	/* An offset as big as the spread: the variance must be taken
	** about the mean, not as E[x^2] - E[x]^2. */
	for (r = 0; r < n; r++)
		x[r] += 3;
	t = nn_input(g, 3, d);
	o = nn_layernorm(g, t, weight(g, "g", 1, pd, ga),
	    weight(g, "b", 1, pd, be), 1e-6f);
	nn_output(g, o);
	compile(g);
	cr_assert_eq(nn_write(g, t, x, n), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, o, y, n), 0);
	for (r = 0; r < n / D; r++) {
		double mu = 0, var = 0;

		for (j = 0; j < D; j++)
			mu += x[r * D + j];
		mu /= D;
		for (j = 0; j < D; j++)
			var += (x[r * D + j] - mu) * (x[r * D + j] - mu);
		var /= D;
		for (j = 0; j < D; j++)
			want[r * D + j] = (x[r * D + j] - mu) /
			    sqrt(var + 1e-6) * ga[j] + be[j];
	}
	cr_expect_lt(rel_err(y, want, n), TOL, "relative error %g",
	    rel_err(y, want, n));
	nn_graph_free(g);
	free(x), free(y), free(ga), free(be), free(want);
}

Test(nn, gelu)
{
	int64_t d[2] = { SEQS * L, HID };
	size_t n = d[0] * d[1], i;
	float *x = rand_buf(n), *y = malloc(n * sizeof(*y));
	double *want = malloc(n * sizeof(*want));
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int t;

	for (i = 0; i < n; i++)
		x[i] *= 4;
	t = nn_input(g, 2, d);
	nn_gelu(g, t);
	compile(g);
	cr_assert_eq(nn_write(g, t, x, n), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, t, y, n), 0);
	for (i = 0; i < n; i++)
		want[i] = gelu(x[i]);
	cr_expect_lt(rel_err(y, want, n), TOL, "relative error %g",
	    rel_err(y, want, n));
	nn_graph_free(g);
	free(x), free(y), free(want);
}

/* The channel embedding: (SEQS, C, D) + (1, C, D) written through a view
** into the first C token rows of (SEQS, L, D); those rows copied out. */
Test(nn, add_broadcast_and_copy_strided)
{
	enum { C = 20 };
	int64_t sd[3] = { SEQS, C, D }, ed[3] = { 1, C, D }, od[3] = { SEQS, L,
	    D }, vs[3] = { L * D, D, 1 };
	size_t ns = SEQS * C * D, no = SEQS * L * D, m, c, j;
	float *x = rand_buf(ns), *e = rand_buf(C * D), *y = malloc(no * 4);
	float *cp = malloc(ns * 4);
	double *want = malloc(no * sizeof(*want)), *wcp = malloc(ns * 8);
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int tx, to, te, v, tc;

	tx = nn_input(g, 3, sd);
	to = nn_input(g, 3, od);
	te = weight(g, "e", 3, ed, e);
	v = nn_view(g, to, 3, sd, vs, 0);
	nn_add(g, tx, te, v);
	tc = nn_input(g, 3, sd);
	nn_copy(g, v, tc);
	compile(g);
	memset(y, 0, no * 4);
	cr_assert_eq(nn_write(g, to, y, no), 0);
	cr_assert_eq(nn_write(g, tx, x, ns), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, to, y, no), 0);
	cr_assert_eq(nn_read(g, tc, cp, ns), 0);
	for (m = 0; m < SEQS; m++)
		for (c = 0; c < L; c++)
			for (j = 0; j < D; j++)
				want[(m * L + c) * D + j] = c < C ?
				    (double)x[(m * C + c) * D + j] +
				    e[c * D + j] : 0;
	for (m = 0; m < SEQS; m++)
		for (c = 0; c < C; c++)
			for (j = 0; j < D; j++)
				wcp[(m * C + c) * D + j] =
				    want[(m * L + c) * D + j];
	cr_expect_lt(rel_err(y, want, no), TOL, "add: relative error %g",
	    rel_err(y, want, no));
	cr_expect_lt(rel_err(cp, wcp, ns), TOL, "copy: relative error %g",
	    rel_err(cp, wcp, ns));
	nn_graph_free(g);
	free(x), free(e), free(y), free(cp), free(want), free(wcp);
}

/* Buffers whose lives do not overlap share bytes; live ones never do. */
Test(nn, arena_reuses_dead_buffers)
{
	int64_t d[2] = { 1024, 256 };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	size_t one = 1024 * 256 * 4;
	int x, t, i;

	x = nn_input(g, 2, d);
	t = x;
	for (i = 0; i < 10; i++) {
		int n = nn_add(g, t, x, -1);

		t = n;
	}
	nn_output(g, t);
	cr_assert_eq(nn_compile(g, 1), 0, "%s", nn_error(g));
	/* input, output, and two intermediates ping-ponging */
	cr_expect_leq(nn_arena_bytes(g), 4 * one, "arena %zu bytes",
	    nn_arena_bytes(g));
	nn_graph_free(g);
}

Test(nn, errors_are_sticky_and_name_the_weight)
{
	int64_t xd[2] = { 4, 8 }, wd[2] = { 3, 7 };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int x = nn_input(g, 2, xd);
	int w = nn_weight(g, "blocks.0.fc1.weight", 2, wd, NN_ROLE_WEIGHT, 7);

	cr_expect_eq(nn_linear(g, x, w, -1, NN_ACT_NONE, -1), -1);
	cr_assert_not_null(nn_error(g));
	cr_expect(strstr(nn_error(g), "blocks.0.fc1.weight") != NULL, "%s",
	    nn_error(g));
	cr_expect_eq(nn_gelu(g, x), -1);
	cr_expect_eq(nn_compile(g, 1), -1);
	nn_graph_free(g);
}

Test(nn, bf16_linear_or_skip)
{
	int64_t xd[2] = { 256, D }, wd[2] = { D, D };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_BF16);
	float *x = rand_buf(256 * D), *w = rand_buf(D * D);
	float *y = malloc(256 * D * sizeof(*y));
	double *want = malloc(256 * D * sizeof(*want));
	int tx, ty, r, j, k;

	tx = nn_input(g, 2, xd);
	ty = nn_linear(g, tx, weight(g, "w", 2, wd, w), -1, NN_ACT_NONE, -1);
	nn_output(g, ty);
	if (nn_compile(g, 2) < 0) {
		cr_expect(strstr(nn_error(g), "AVX512-BF16") != NULL, "%s",
		    nn_error(g));
		cr_skip_test("%s", nn_error(g));
	}
	cr_assert_eq(nn_write(g, tx, x, 256 * D), 0);
	cr_assert_eq(nn_run(g), 0, "%s", nn_error(g));
	cr_assert_eq(nn_read(g, ty, y, 256 * D), 0);
	for (r = 0; r < 256; r++)
		for (j = 0; j < D; j++) {
			double s = 0;

			for (k = 0; k < D; k++)
				s += (double)x[r * D + k] * w[j * D + k];
			want[r * D + j] = s;
		}
	/* bf16 keeps 8 bits of mantissa: 2^-8 per value. */
	cr_expect_lt(rel_err(y, want, 256 * D), 2e-2, "relative error %g",
	    rel_err(y, want, 256 * D));
	nn_graph_free(g);
	free(x), free(w), free(y), free(want);
}

/* A view oneDNN cannot describe fails compile with the op named. */
Test(nn, overlapping_view_fails_at_compile)
{
	int64_t d[2] = { 8, 8 }, vd[2] = { 4, 4 }, vs[2] = { 1, 1 };
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int x = nn_input(g, 2, d), v;

	v = nn_view(g, x, 2, vd, vs, 0);
	nn_output(g, nn_matmul(g, v, v, 1.0f, -1));
	cr_assert_null(nn_error(g));
	cr_expect_eq(nn_compile(g, 1), -1);
	cr_assert_not_null(nn_error(g));
	cr_expect(strstr(nn_error(g), "op 0 (matmul)") != NULL, "%s",
	    nn_error(g));
	nn_graph_free(g);
}

/* test_eegpt.c - the EEGPT encoder against braindecode's outputs (fixtures). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model.h"
#include "nn.h"

#define FIX EEGPT_FIXTURE_DIR "/"

/* The committed fixtures' configuration (tests/fixtures/eegpt/README.md). */
static void
small(struct eegpt_config *c)
{
	eegpt_config_spec(c);
	c->chans = 4;
	c->samples = 256;
	c->dim = 64;
	c->depth = 2;
	c->heads = 4;
}

static float *
read_f32(const char *path, size_t n)
{
	float *p = malloc(n * sizeof(*p));
	unsigned char b[4];
	FILE *f = fopen(path, "rb");
	size_t i;

	cr_assert_not_null(f, "%s: missing (committed fixture)", path);
	for (i = 0; i < n; i++) {
		uint32_t u;

		cr_assert_eq(fread(b, 1, 4, f), 4, "%s: short", path);
		u = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
		memcpy(&p[i], &u, 4);
	}
	cr_assert_eq(fgetc(f), EOF, "%s: longer than %zu floats", path, n);
	fclose(f);
	return p;
}

static double
rel_err(const float *got, const float *want, size_t n)
{
	double e = 0, m = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		cr_assert(isfinite(got[i]), "output %zu is %g", i, got[i]);
		e = fmax(e, fabs((double)got[i] - want[i]));
		m = fmax(m, fabs((double)want[i]));
	}
	return e / m;
}

static void
build(struct eegpt_model *m, const struct eegpt_config *c, int batch)
{
	char err[256];

	cr_assert_eq(eegpt_build(m, c, batch, NN_CPU, NN_F32, err,
	    sizeof(err)), 0, "%s", err);
}

static void
compile(struct eegpt_model *m)
{
	char err[256];
	int i;

	cr_assert_eq(eegpt_compile(m, 2, err, sizeof(err)), 0, "%s", err);
	/* Not only the hot ops: a reference binary add once cost more than
	** all the attention of a batch. */
	for (i = 0; i < nn_op_count(m->g); i++)
		cr_assert(strncmp(nn_op_impl(m->g, i), "ref:", 4) != 0,
		    "op %d (%s) is oneDNN's reference code: %s", i,
		    nn_op_name(m->g, i), nn_op_impl(m->g, i));
}

static float *
forward(struct eegpt_model *m, const float *x)
{
	float *y = malloc(eegpt_out_len(m) * sizeof(*y));
	char err[256];

	cr_assert_eq(eegpt_forward(m, x, y, err, sizeof(err)), 0, "%s", err);
	return y;
}

/* workloads.md (b): 25.3 M; braindecode's EEGPT encoder: 25,287,168
** (/work/briefs/eegpt-forward.md, printed from the model). */
Test(eegpt, spec_parameter_count)
{
	struct eegpt_config c;
	struct eegpt_model m;

	eegpt_config_spec(&c);
	build(&m, &c, 1);
	cr_expect_eq(nn_param_count(m.g), 25287168, "%lld parameters",
	    (long long)nn_param_count(m.g));
	cr_expect(fabs(eegpt_flops(&c) / 1e9 - 39.0) < 0.05, "%.3f GFLOP",
	    eegpt_flops(&c) / 1e9);
	eegpt_free(&m);
}

Test(eegpt, small_fixture_torch_weights)
{
	struct eegpt_config c;
	struct eegpt_model m;
	float *x, *want, *y;
	double e;

	small(&c);
	build(&m, &c, 2);
	cr_expect_eq(nn_param_count(m.g), 108480);
	cr_assert_eq(nn_load_safetensors(m.g, FIX "small-torch.safetensors"),
	    0, "%s", nn_error(m.g));
	compile(&m);
	x = read_f32(FIX "small-torch.input.f32", eegpt_in_len(&m));
	want = read_f32(FIX "small-torch.output.f32", eegpt_out_len(&m));
	y = forward(&m, x);
	e = rel_err(y, want, eegpt_out_len(&m));
	cr_log_info("torch weights: relative error %g", e);
	cr_expect_lt(e, 1e-4, "relative error %g against braindecode", e);
	/* A replay of the same graph gives the same bits. */
	free(y);
	y = forward(&m, x);
	cr_expect_eq(rel_err(y, want, eegpt_out_len(&m)), e);
	eegpt_free(&m);
	free(x), free(want), free(y);
}

static uint64_t
fnv1a64(const unsigned char *p, size_t n, uint64_t h)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* FNV-1a of the tensor's little-endian bytes, as H2's values file. */
static uint64_t
tensor_hash(struct eegpt_model *m, int t)
{
	const float *v = nn_weight_host(m->g, t);
	uint64_t h = 0xcbf29ce484222325ull;
	int64_t i, n = nn_numel(m->g, t);
	int idx = strcmp(nn_name(m->g, t), "chans_id") == 0;

	for (i = 0; i < n; i++) {
		unsigned char b[8];
		uint64_t u = idx ? (uint64_t)(int64_t)v[i] : 0;
		uint32_t f;
		int k;

		memcpy(&f, &v[i], 4);
		for (k = 0; k < 8; k++)
			b[k] = (unsigned char)((idx ? u : f) >> (8 * k));
		h = fnv1a64(b, idx ? 8 : 4, h);
	}
	return h;
}

/* dyno-init-v1 here and in Python (scripts/dyno_init.py) agree bit for
** bit on every tensor, and the encoder on those weights agrees with
** braindecode's output. */
Test(eegpt, small_fixture_dyno_init)
{
	struct eegpt_config c;
	struct eegpt_model m;
	char line[512], name[160];
	unsigned long long want_h;
	float *x, *want, *y, *in;
	int seen = 0, t;
	size_t i;
	FILE *f;
	double e;

	small(&c);
	build(&m, &c, 2);
	nn_init_seeded(m.g, 7);
	cr_assert_not_null(f = fopen(FIX "small-dyno.values.txt", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		cr_assert_eq(sscanf(line, "%159s %*s %*s %llx", name, &want_h),
		    2, "bad line: %s", line);
		cr_assert_geq(t = nn_weight_find(m.g, name), 0,
		    "%s: not in the model", name);
		cr_expect_eq(tensor_hash(&m, t), want_h, "%s differs", name);
		seen++;
	}
	fclose(f);
	cr_expect_eq(seen, nn_weight_count(m.g) - 1, "%d tensors listed",
	    seen);
	compile(&m);
	x = read_f32(FIX "small-dyno.input.f32", eegpt_in_len(&m));
	/* The input is dyno-init-v1 too: name "input", seed 1, bound 1. */
	in = malloc(eegpt_in_len(&m) * sizeof(*in));
	for (i = 0; i < eegpt_in_len(&m); i++)
		in[i] = nn_init_value("input", 1, i, 1.0);
	cr_expect_eq(memcmp(in, x, eegpt_in_len(&m) * sizeof(*x)), 0);
	want = read_f32(FIX "small-dyno.output.f32", eegpt_out_len(&m));
	y = forward(&m, x);
	e = rel_err(y, want, eegpt_out_len(&m));
	cr_log_info("dyno-init-v1 weights: relative error %g", e);
	cr_expect_lt(e, 1e-4, "relative error %g against braindecode", e);
	eegpt_free(&m);
	free(x), free(in), free(want), free(y);
}

static float *
seeded_forward(const struct eegpt_config *c, const float *x)
{
	struct eegpt_model m;
	float *y;

	build(&m, c, 2);
	nn_init_seeded(m.g, 3);
	compile(&m);
	y = forward(&m, x);
	eegpt_free(&m);
	return y;
}

/* braindecode's default stride 32 (overlapping patches): patch 2k of it
** is patch k of stride 64, on the same weights. */
Test(eegpt, overlapping_patches)
{
	struct eegpt_config c64, c32;
	size_t n, i;
	float *x, *y64, *y32;
	int b, k, sd;

	small(&c64);
	c32 = c64;
	c32.stride = 32;
	n = 2 * (size_t)c64.chans * c64.samples;
	x = malloc(n * sizeof(*x));
	for (i = 0; i < n; i++)
		x[i] = nn_init_value("input", 5, i, 1.0);
	y64 = seeded_forward(&c64, x);
	y32 = seeded_forward(&c32, x);
	sd = c64.embed_num * c64.dim;
	for (b = 0; b < 2; b++)
		for (k = 0; k < 4; k++)
			cr_expect_eq(memcmp(y64 + (b * 4 + k) * sd,
			    y32 + (b * 7 + 2 * k) * sd, sd * sizeof(float)),
			    0, "window %d patch %d", b, k);
	free(x), free(y64), free(y32);
}

/* Samples that do not fill the last patch are zero-padded at the end:
** 250 samples give what 256 with six zeros give. */
Test(eegpt, end_padding)
{
	struct eegpt_config c256, c250;
	float *x256, *x250, *y256, *y250;
	int b, ch, t;
	size_t on;

	small(&c256);
	c250 = c256;
	c250.samples = 250;
	x256 = calloc(2 * 4 * 256, sizeof(float));
	x250 = malloc(2 * 4 * 250 * sizeof(float));
	for (b = 0; b < 2; b++)
		for (ch = 0; ch < 4; ch++)
			for (t = 0; t < 250; t++)
				x256[(b * 4 + ch) * 256 + t] =
				    x250[(b * 4 + ch) * 250 + t] =
				    nn_init_value("input", 9, t, 1.0);
	y256 = seeded_forward(&c256, x256);
	y250 = seeded_forward(&c250, x250);
	on = 2 * 4 * c256.embed_num * c256.dim;
	cr_expect_eq(memcmp(y256, y250, on * sizeof(float)), 0);
	free(x256), free(x250), free(y256), free(y250);
}

Test(eegpt, bad_config_and_chans_id)
{
	struct eegpt_config c;
	struct eegpt_model m;
	char err[256];

	small(&c);
	c.heads = 5;
	cr_expect_eq(eegpt_build(&m, &c, 1, NN_CPU, NN_F32, err, sizeof(err)),
	    -1);
	cr_expect(strstr(err, "heads") != NULL, "%s", err);
	small(&c);
	build(&m, &c, 1);
	nn_init_seeded(m.g, 1);
	nn_weight_host(m.g, m.chans_id)[2] = 62;
	cr_expect_eq(eegpt_compile(&m, 1, err, sizeof(err)), -1);
	cr_expect(strstr(err, "chans_id[2]") != NULL, "%s", err);
	eegpt_free(&m);
}

/* bf16 activations and weights where the CPU has them: within 2e-2 of
** braindecode's fp32 output (the bound for reduced precisions). */
Test(eegpt, small_fixture_bf16_or_skip)
{
	struct eegpt_config c;
	struct eegpt_model m;
	float *x, *want, *y;
	const char *why;
	char err[256];
	double e;

	if ((why = nn_unsupported(NN_CPU, NN_BF16)) != NULL)
		cr_skip_test("%s", why);
	small(&c);
	cr_assert_eq(eegpt_build(&m, &c, 2, NN_CPU, NN_BF16, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(nn_load_safetensors(m.g, FIX "small-torch.safetensors"),
	    0, "%s", nn_error(m.g));
	compile(&m);
	x = read_f32(FIX "small-torch.input.f32", eegpt_in_len(&m));
	want = read_f32(FIX "small-torch.output.f32", eegpt_out_len(&m));
	y = forward(&m, x);
	e = rel_err(y, want, eegpt_out_len(&m));
	cr_log_info("bf16: relative error %g", e);
	cr_expect_lt(e, 2e-2, "bf16: relative error %g against braindecode",
	    e);
	eegpt_free(&m);
	free(x), free(want), free(y);
}

/* The spec's model (20 x 2048, D 512, 8 blocks) against braindecode, on
** weights the exporter made (98 MiB: not committed).  make check skips
** it; to run it:
**   .venv-nn/bin/python scripts/export-eegpt.py --out /tmp/spec --seed 3
**   EEGPT_SPEC=/tmp/spec tests/test_eegpt */
Test(eegpt, spec_against_braindecode)
{
	const char *prefix = getenv("EEGPT_SPEC");
	struct eegpt_config c;
	struct eegpt_model m;
	char path[4096];
	float *x, *want, *y;
	double e;

	if (prefix == NULL || prefix[0] == '\0')
		cr_skip_test("EEGPT_SPEC not set (PREFIX of scripts/"
		    "export-eegpt.py --out PREFIX, which needs torch and "
		    "braindecode: scripts/install-ref-nn.sh)");
	eegpt_config_spec(&c);
	build(&m, &c, 2);
	snprintf(path, sizeof(path), "%s.safetensors", prefix);
	cr_assert_eq(nn_load_safetensors(m.g, path), 0, "%s", nn_error(m.g));
	compile(&m);
	snprintf(path, sizeof(path), "%s.input.f32", prefix);
	x = read_f32(path, eegpt_in_len(&m));
	snprintf(path, sizeof(path), "%s.output.f32", prefix);
	want = read_f32(path, eegpt_out_len(&m));
	y = forward(&m, x);
	e = rel_err(y, want, eegpt_out_len(&m));
	cr_log_info("spec model: relative error %g", e);
	cr_expect_lt(e, 1e-4, "spec model: relative error %g", e);
	eegpt_free(&m);
	free(x), free(want), free(y);
}

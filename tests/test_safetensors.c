/* test_safetensors.c - the weights reader on good and bad files; dyno-init-v1. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "nn.h"
#include "safetensors.h"

/* A model of two tensors: "a.weight" [2, 3] and "a.bias" [2]. */
static struct nn_graph *
model(void)
{
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int64_t wd[2] = { 2, 3 }, bd[1] = { 2 };

	nn_weight(g, "a.weight", 2, wd, NN_ROLE_WEIGHT, 3);
	nn_weight(g, "a.bias", 1, bd, NN_ROLE_BIAS, 3);
	cr_assert_null(nn_error(g));
	return g;
}

/* A file of header HDR (padded to 8 bytes as writers do) and DLEN data
** bytes 0, 1, 2...; its path (the caller unlinks and frees it). */
static char *
write_file(const char *hdr, size_t dlen, long cut)
{
	char *path = strdup("/tmp/dyno-st-XXXXXX");
	size_t hl = strlen(hdr), pad = (8 - hl % 8) % 8, i, total;
	uint8_t *buf;
	FILE *f;
	int fd;

	cr_assert_not_null(path);
	total = 8 + hl + pad + dlen;
	buf = calloc(1, total);
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((hl + pad) >> (8 * i));
	memcpy(buf + 8, hdr, hl);
	memset(buf + 8 + hl, ' ', pad);
	for (i = 0; i < dlen; i++)
		buf[8 + hl + pad + i] = (uint8_t)i;
	if (cut >= 0 && (size_t)cut < total)
		total = (size_t)cut;
	cr_assert_geq(fd = mkstemp(path), 0);
	cr_assert_not_null(f = fdopen(fd, "wb"));
	cr_assert_eq(fwrite(buf, 1, total, f), total);
	fclose(f);
	free(buf);
	return path;
}

#define GOOD_W "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3]," \
	"\"data_offsets\":[0,24]}"
#define GOOD_B "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[2]," \
	"\"data_offsets\":[24,32]}"

/* Load HDR into the two-tensor model; the error, or NULL. */
static char *
load(const char *hdr, size_t dlen, long cut)
{
	struct nn_graph *g = model();
	char *path = write_file(hdr, dlen, cut), *msg = NULL;

	if (nn_load_safetensors(g, path) < 0)
		msg = strdup(nn_error(g));
	unlink(path);
	free(path);
	nn_graph_free(g);
	return msg;
}

static void
expect_error(const char *hdr, size_t dlen, long cut, const char *a,
    const char *b)
{
	char *msg = load(hdr, dlen, cut);

	cr_assert_not_null(msg, "bad file accepted: %s", hdr);
	cr_expect(strchr(msg, '\n') == NULL, "not one line: %s", msg);
	cr_expect(strstr(msg, a) != NULL, "'%s' not in: %s", a, msg);
	if (b != NULL)
		cr_expect(strstr(msg, b) != NULL, "'%s' not in: %s", b, msg);
	free(msg);
}

Test(safetensors, good_file_loads_f32_bits)
{
	struct nn_graph *g = model();
	char *path = write_file("{\"__metadata__\":{\"format\":\"pt\"},"
	    GOOD_W "," GOOD_B "}", 32, -1);
	float *w;
	uint32_t u;

	cr_assert_eq(nn_load_safetensors(g, path), 0, "%s", nn_error(g));
	w = nn_weight_host(g, nn_weight_find(g, "a.weight"));
	memcpy(&u, &w[1], 4);
	cr_expect_eq(u, 0x07060504u, "element 1 is bytes 4..7, little "
	    "endian: %08x", u);
	unlink(path);
	free(path);
	nn_graph_free(g);
}

Test(safetensors, f16_and_bf16_convert)
{
	static const uint8_t half[] = {
		0x00, 0x3c,	/* f16 1.0 */
		0x01, 0x00,	/* f16 smallest subnormal, 2^-24 */
		0x80, 0x3f,	/* bf16 1.0 */
		0x40, 0xc0,	/* bf16 -3.0 */
	};
	struct st_tensor t;
	float out[2];

	memset(&t, 0, sizeof(t));
	t.dtype = ST_F16;
	t.data = half;
	t.bytes = 4;
	st_to_f32(&t, out);
	cr_expect_eq(out[0], 1.0f);
	cr_expect_eq(out[1], 0x1p-24f);
	t.dtype = ST_BF16;
	t.data = half + 4;
	st_to_f32(&t, out);
	cr_expect_eq(out[0], 1.0f);
	cr_expect_eq(out[1], -3.0f);
}

Test(safetensors, truncated)
{
	expect_error("{" GOOD_W "," GOOD_B "}", 32, 5, "truncated", NULL);
	/* The data stops inside a.bias. */
	expect_error("{" GOOD_W "," GOOD_B "}", 28, -1, "'a.bias'",
	    "truncated");
}

Test(safetensors, header_past_the_file)
{
	expect_error("{" GOOD_W "," GOOD_B "}", 0, 40, "header of",
	    "past the end");
}

Test(safetensors, wrong_dtype)
{
	expect_error("{\"a.weight\":{\"dtype\":\"I64\",\"shape\":[2,3],"
	    "\"data_offsets\":[0,48]}," GOOD_B "}", 56, -1, "'a.weight'",
	    "I64");
}

Test(safetensors, unknown_dtype)
{
	expect_error("{\"a.weight\":{\"dtype\":\"U8\",\"shape\":[2,3],"
	    "\"data_offsets\":[0,6]}," GOOD_B "}", 32, -1, "'a.weight'",
	    "U8");
}

Test(safetensors, wrong_shape)
{
	expect_error("{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],"
	    "\"data_offsets\":[0,24]}," GOOD_B "}", 32, -1, "'a.weight'",
	    "[3, 2] ([2, 3] expected)");
}

Test(safetensors, size_disagrees_with_shape)
{
	expect_error("{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
	    "\"data_offsets\":[0,20]}," GOOD_B "}", 32, -1, "'a.weight'",
	    "20 data bytes");
}

Test(safetensors, duplicate_names)
{
	expect_error("{" GOOD_W "," GOOD_W "," GOOD_B "}", 32, -1,
	    "duplicate", "a.weight");
}

Test(safetensors, missing_tensor)
{
	expect_error("{" GOOD_W "}", 24, -1, "'a.bias'", "missing");
}

Test(safetensors, unknown_tensor)
{
	expect_error("{" GOOD_W "," GOOD_B ",\"b\":{\"dtype\":\"F32\","
	    "\"shape\":[],\"data_offsets\":[32,36]}}", 36, -1, "'b'",
	    "not one the model has");
}

Test(safetensors, offsets_backwards_and_not_json)
{
	expect_error("{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
	    "\"data_offsets\":[24,0]}," GOOD_B "}", 32, -1, "'a.weight'",
	    "backwards");
	expect_error("{\"a.weight\":", 32, -1, "header", NULL);
}

Test(safetensors, missing_file)
{
	struct nn_graph *g = model();

	cr_expect_eq(nn_load_safetensors(g, "/nonexistent/w.safetensors"),
	    -1);
	cr_expect(strstr(nn_error(g), "/nonexistent/w.safetensors") != NULL);
	nn_graph_free(g);
}

/* dyno-init-v1's vectors, computed independently with Python's big
** integers (init18: NAME "x", seed 42, elements 0..3, bound 1/8). */
Test(init, vectors)
{
	static const uint64_t z[4] = { 0x41fef1cb8dd05af4ull,
	    0xa24f10dd4a7b45eaull, 0xba279471a3a7b20aull,
	    0x165009218d4b2286ull };
	static const uint32_t bits[4] = { 0xbd78043cu, 0x3d093c40u,
	    0x3d689e50u, 0xbdd35feeu };
	uint32_t u;
	float v;
	int i;

	for (i = 0; i < 4; i++) {
		cr_expect_eq(nn_init_draw("x", 42, i), z[i], "z[%d] %016llx",
		    i, (unsigned long long)nn_init_draw("x", 42, i));
		v = nn_init_value("x", 42, i, 0.125);
		memcpy(&u, &v, 4);
		cr_expect_eq(u, bits[i], "value %d: %08x", i, u);
	}
}

Test(init, roles)
{
	struct nn_graph *g = nn_graph_new(NN_CPU, NN_F32);
	int64_t d[1] = { 4 };
	int w = nn_weight(g, "n.weight", 1, d, NN_ROLE_NORM_WEIGHT, 0);
	int b = nn_weight(g, "n.bias", 1, d, NN_ROLE_NORM_BIAS, 0);
	int e = nn_weight(g, "tok", 1, d, NN_ROLE_EMBED, 0);
	int i;

	nn_init_seeded(g, 7);
	for (i = 0; i < 4; i++) {
		cr_expect_eq(nn_weight_host(g, w)[i], 1.0f);
		cr_expect_eq(nn_weight_host(g, b)[i], 0.0f);
		cr_expect_eq(nn_weight_host(g, e)[i],
		    nn_init_value("tok", 7, i, 0.02));
		cr_expect_leq(fabsf(nn_weight_host(g, e)[i]), 0.02f);
	}
	nn_graph_free(g);
}

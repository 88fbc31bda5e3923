/* safetensors.c - parsing a safetensors file's header, every offset checked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "safetensors.h"

/* A header bigger than this is not a weights file (the format's own
** reference implementation refuses above 100 MB too). */
#define ST_MAX_HEADER (100u * 1024 * 1024)

static const char *dtype_names[] = { "F32", "F16", "BF16", "I64" };

const char *
st_dtype_name(enum st_dtype d)
{
	return dtype_names[d];
}

static int
err_set(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

void
st_free(struct st_file *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		free(f->t[i].name);
	free(f->t);
	f->t = NULL;
	f->n = 0;
}

int
st_find(const struct st_file *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->t[i].name, name) == 0)
			return i;
	return -1;
}

static size_t
dtype_size(enum st_dtype d)
{
	return d == ST_I64 ? 8 : d == ST_F32 ? 4 : 2;
}

/* One entry of the header: NAME -> {dtype, shape, data_offsets}. */
static int
parse_entry(const char *name, json_t *e, const uint8_t *data, size_t dlen,
    struct st_tensor *t, char *err, size_t errlen)
{
	json_t *dt, *shape, *offs, *v;
	const char *s;
	uint64_t n = 1, begin, end, bytes;
	size_t i;

	if (!json_is_object(e))
		return err_set(err, errlen, "tensor '%s': header entry is not "
		    "an object", name);
	dt = json_object_get(e, "dtype");
	shape = json_object_get(e, "shape");
	offs = json_object_get(e, "data_offsets");
	if (!json_is_string(dt) || !json_is_array(shape) ||
	    !json_is_array(offs))
		return err_set(err, errlen, "tensor '%s': entry lacks dtype, "
		    "shape or data_offsets", name);
	s = json_string_value(dt);
	for (i = 0; i < sizeof(dtype_names) / sizeof(dtype_names[0]); i++)
		if (strcmp(s, dtype_names[i]) == 0)
			break;
	if (i == sizeof(dtype_names) / sizeof(dtype_names[0]))
		return err_set(err, errlen, "tensor '%s': dtype %.16s (F32, "
		    "F16, BF16 or I64 expected)", name, s);
	t->dtype = (enum st_dtype)i;
	if (json_array_size(shape) > ST_MAXDIM)
		return err_set(err, errlen, "tensor '%s': %zu dimensions "
		    "(at most %d expected)", name, json_array_size(shape),
		    ST_MAXDIM);
	t->ndim = (int)json_array_size(shape);
	json_array_foreach(shape, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return err_set(err, errlen, "tensor '%s': shape has a "
			    "non-integer or negative dimension", name);
		t->dims[i] = json_integer_value(v);
		if (__builtin_mul_overflow(n, (uint64_t)t->dims[i], &n))
			return err_set(err, errlen, "tensor '%s': shape "
			    "overflows", name);
	}
	if (json_array_size(offs) != 2 ||
	    !json_is_integer(json_array_get(offs, 0)) ||
	    !json_is_integer(json_array_get(offs, 1)) ||
	    json_integer_value(json_array_get(offs, 0)) < 0 ||
	    json_integer_value(json_array_get(offs, 1)) < 0)
		return err_set(err, errlen, "tensor '%s': data_offsets is not "
		    "two non-negative integers", name);
	begin = (uint64_t)json_integer_value(json_array_get(offs, 0));
	end = (uint64_t)json_integer_value(json_array_get(offs, 1));
	if (begin > end)
		return err_set(err, errlen, "tensor '%s': data_offsets "
		    "[%llu, %llu) run backwards", name,
		    (unsigned long long)begin, (unsigned long long)end);
	if (end > dlen)
		return err_set(err, errlen, "tensor '%s': data [%llu, %llu) "
		    "past the end of the file's %zu data bytes (truncated?)",
		    name, (unsigned long long)begin, (unsigned long long)end,
		    dlen);
	if (__builtin_mul_overflow(n, dtype_size(t->dtype), &bytes) ||
	    bytes != end - begin)
		return err_set(err, errlen, "tensor '%s': %llu data bytes for "
		    "%llu %s values", name, (unsigned long long)(end - begin),
		    (unsigned long long)n, s);
	t->data = data + begin;
	t->bytes = (size_t)bytes;
	return 0;
}

int
st_parse(const uint8_t *buf, size_t len, struct st_file *f, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *h, *e;
	const char *name;
	uint64_t hlen = 0;
	size_t cap;
	int i, rc = 0;

	f->t = NULL;
	f->n = 0;
	if (len < 8)
		return err_set(err, errlen, "truncated: %zu bytes, not even "
		    "the 8-byte header length", len);
	for (i = 7; i >= 0; i--)
		hlen = hlen << 8 | buf[i];
	if (hlen > len - 8)
		return err_set(err, errlen, "header of %llu bytes runs past "
		    "the end of the file (%zu bytes)",
		    (unsigned long long)hlen, len);
	if (hlen > ST_MAX_HEADER)
		return err_set(err, errlen, "header of %llu bytes (at most "
		    "%u expected)", (unsigned long long)hlen, ST_MAX_HEADER);
	h = json_loadb((const char *)buf + 8, (size_t)hlen,
	    JSON_REJECT_DUPLICATES, &je);
	if (h == NULL)
		return err_set(err, errlen, "header: %s", je.text);
	if (!json_is_object(h)) {
		json_decref(h);
		return err_set(err, errlen, "header is not a JSON object");
	}
	cap = json_object_size(h);
	if ((f->t = calloc(cap ? cap : 1, sizeof(*f->t))) == NULL) {
		json_decref(h);
		return err_set(err, errlen, "out of memory");
	}
	json_object_foreach(h, name, e) {
		struct st_tensor *t = &f->t[f->n];

		if (strcmp(name, "__metadata__") == 0)
			continue;
		if ((t->name = strdup(name)) == NULL) {
			rc = err_set(err, errlen, "out of memory");
			break;
		}
		f->n++;
		if ((rc = parse_entry(name, e, buf + 8 + hlen,
		    len - 8 - (size_t)hlen, t, err, errlen)) < 0)
			break;
	}
	json_decref(h);
	if (rc < 0)
		st_free(f);
	return rc;
}

static float
f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f;
	uint32_t man = h & 0x3ff, u;
	float f;

	if (exp == 0 && man == 0)
		u = sign;
	else if (exp == 0) {
		/* Subnormal: shift the mantissa up to a normal fp32. */
		exp = 127 - 15 + 1;
		while ((man & 0x400) == 0) {
			man <<= 1;
			exp--;
		}
		u = sign | exp << 23 | (man & 0x3ff) << 13;
	} else if (exp == 0x1f)
		u = sign | 0x7f800000u | man << 13;
	else
		u = sign | (exp + 127 - 15) << 23 | man << 13;
	memcpy(&f, &u, sizeof(f));
	return f;
}

void
st_to_f32(const struct st_tensor *t, float *out)
{
	size_t i, n = t->bytes / dtype_size(t->dtype);
	const uint8_t *p = t->data;

	for (i = 0; i < n; i++) {
		uint32_t u;

		switch (t->dtype) {
		case ST_F32:
			u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			    (uint32_t)p[4 * i + 2] << 16 |
			    (uint32_t)p[4 * i + 3] << 24;
			memcpy(&out[i], &u, sizeof(u));
			break;
		case ST_F16:
			out[i] = f16_to_f32((uint16_t)(p[2 * i] |
			    p[2 * i + 1] << 8));
			break;
		case ST_I64: {
			uint64_t v = 0;
			int b;

			for (b = 7; b >= 0; b--)
				v = v << 8 | p[8 * i + b];
			out[i] = (float)(int64_t)v;
			break;
		}
		case ST_BF16:
			u = ((uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8)
			    << 16;
			memcpy(&out[i], &u, sizeof(u));
			break;
		}
	}
}

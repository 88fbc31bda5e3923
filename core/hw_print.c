/* hw_print.c - the hardware inventory for humans (dyno hw): aligned rows, sizes scaled. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hw.h"
#include "units.h"

/* Integer member, or -1 when absent (every count and size here is >= 0). */
static long long
get_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static const char *
get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* One output row.  Rows are short, so a fixed buffer that truncates is
** enough and keeps printing allocation-free. */
struct row {
	char buf[512];
	size_t len;
};

static void DYNO_PRINTF(2, 3)
row_add(struct row *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (r->len > sizeof(r->buf) - 1)
		r->len = sizeof(r->buf) - 1;
}

/* ", " between parts, nothing before the first. */
static void DYNO_PRINTF(2, 3)
row_part(struct row *r, const char *fmt, ...)
{
	char part[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	row_add(r, "%s%s", r->len > 0 ? ", " : "", part);
}

static void
row_print(FILE *fp, const char *label, const struct row *r)
{
	if (r->len > 0)
		fprintf(fp, "%-14s %s\n", label, r->buf);
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

static const char *
bytes(double v, char *buf, size_t n)
{
	return units_format(v, "B", buf, n);
}

static void
print_cpu(FILE *fp, const json_t *cpu)
{
	struct row r = { .len = 0 };
	const char *model = get_str(cpu, "model"), *arch = get_str(cpu, "arch");
	const char *key;
	long long v;
	json_t *e, *flags = json_object_get(cpu, "flags");
	size_t i;

	if (model != NULL && arch != NULL)
		row_add(&r, "%s (%s)", model, arch);
	else if (model != NULL || arch != NULL)
		row_add(&r, "%s", model != NULL ? model : arch);
	if ((v = get_int(cpu, "packages")) >= 0)
		row_part(&r, "%lld package%s", v, plural(v));
	if ((v = get_int(cpu, "physical_cores")) >= 0)
		row_part(&r, "%lld core%s", v, plural(v));
	if ((v = get_int(cpu, "logical_cpus")) >= 0)
		row_part(&r, "%lld thread%s", v, plural(v));
	if ((v = get_int(cpu, "mhz_max")) >= 0)
		row_part(&r, "max %lld MHz", v);
	row_print(fp, "cpu", &r);

	r.len = 0;
	/* jansson has no const iterator; nothing is modified. */
	json_object_foreach((json_t *)flags, key, e)
		if (json_is_true(e))
			row_add(&r, "%s%s", r.len > 0 ? " " : "", key);
	row_print(fp, "isa", &r);

	json_array_foreach(json_object_get(cpu, "caches"), i, e) {
		const char *type = get_str(e, "type");
		struct row d = { .len = 0 };
		char label[32], sz[32];

		snprintf(label, sizeof(label), "cache L%lld%s",
			 get_int(e, "level"),
			 type == NULL ? "" : strcmp(type, "data") == 0 ? "d" :
			 strcmp(type, "instruction") == 0 ? "i" : "");
		r.len = 0;
		if ((v = get_int(e, "size")) >= 0)
			row_add(&r, "%s", bytes((double)v, sz, sizeof(sz)));
		if ((v = get_int(e, "instances")) >= 0)
			row_add(&r, " x%lld", v);
		if ((v = get_int(e, "line_size")) >= 0)
			row_part(&d, "line %lld B", v);
		if ((v = get_int(e, "associativity")) >= 0)
			row_part(&d, "%lld-way", v);
		if ((v = get_int(e, "shared_by")) >= 0)
			row_part(&d, "shared by %lld", v);
		if (d.len > 0)
			row_add(&r, " (%s)", d.buf);
		row_print(fp, label, &r);
	}
}

static void
print_memory(FILE *fp, const json_t *inv)
{
	const json_t *mem = json_object_get(inv, "memory");
	const json_t *numa = json_object_get(inv, "numa");
	struct row r = { .len = 0 };
	char sz[32];
	long long v;
	json_t *e;
	size_t i;

	if ((v = get_int(mem, "total")) >= 0)
		row_part(&r, "%s total", bytes((double)v, sz, sizeof(sz)));
	if ((v = get_int(mem, "available")) >= 0)
		row_part(&r, "%s available", bytes((double)v, sz, sizeof(sz)));
	if ((v = get_int(mem, "hugepage_size")) >= 0)
		row_part(&r, "%s huge pages", bytes((double)v, sz, sizeof(sz)));
	row_print(fp, "memory", &r);

	r.len = 0;
	if ((v = get_int(numa, "nodes")) >= 0)
		row_add(&r, "%lld node%s", v, plural(v));
	json_array_foreach(json_object_get(numa, "node_memory"), i, e)
		row_add(&r, "%s%s", i == 0 ? " (" : ", ",
			bytes((double)json_integer_value(e), sz, sizeof(sz)));
	if (json_array_size(json_object_get(numa, "node_memory")) > 0)
		row_add(&r, ")");
	row_print(fp, "numa", &r);
}

static void
print_os(FILE *fp, const json_t *os)
{
	struct row r = { .len = 0 };
	const char *s;

	if ((s = get_str(os, "distro")) != NULL)
		row_part(&r, "%s", s);
	if ((s = get_str(os, "sysname")) != NULL) {
		const char *k = get_str(os, "kernel");

		row_part(&r, "%s%s%s", s, k != NULL ? " " : "",
			 k != NULL ? k : "");
	}
	row_print(fp, "os", &r);
	r.len = 0;
	if ((s = get_str(os, "hostname")) != NULL)
		row_add(&r, "%s", s);
	row_print(fp, "host", &r);
}

static void
print_devices(FILE *fp, const json_t *inv)
{
	json_t *e, *v;
	size_t i;

	json_array_foreach(json_object_get(inv, "block_devices"), i, e) {
		struct row r = { .len = 0 };
		char label[64], sz[32];
		const char *s;
		long long n;

		snprintf(label, sizeof(label), "disk %s", get_str(e, "name") ?
			 get_str(e, "name") : "?");
		if ((s = get_str(e, "model")) != NULL)
			row_part(&r, "%s", s);
		if ((n = get_int(e, "size")) >= 0)
			row_part(&r, "%s", bytes((double)n, sz, sizeof(sz)));
		if (json_is_boolean(v = json_object_get(e, "rotational")))
			row_part(&r, "%s", json_is_true(v) ? "rotational" :
				 "non-rotational");
		if ((s = get_str(e, "scheduler")) != NULL)
			row_part(&r, "scheduler %s", s);
		if ((n = get_int(e, "logical_block_size")) >= 0)
			row_part(&r, "%lld B blocks", n);
		row_print(fp, label, &r);
	}
	json_array_foreach(json_object_get(inv, "network"), i, e) {
		struct row r = { .len = 0 };
		char label[64];
		const char *s;
		long long n;

		snprintf(label, sizeof(label), "net %s", get_str(e, "name") ?
			 get_str(e, "name") : "?");
		if ((n = get_int(e, "mtu")) >= 0)
			row_part(&r, "mtu %lld", n);
		if ((n = get_int(e, "speed_mbps")) >= 0)
			row_part(&r, "%lld Mb/s", n);
		if ((s = get_str(e, "operstate")) != NULL)
			row_part(&r, "%s", s);
		if ((s = get_str(e, "mac")) != NULL)
			row_part(&r, "%s", s);
		if ((s = get_str(e, "offloads")) != NULL)
			row_part(&r, "%s", s);
		row_print(fp, label, &r);
	}
}

/* Plugin facts have no layout known here: one dotted key per line, as
** the plugin named them (storage.cwd.filesystem). */
static void
print_fact(FILE *fp, const char *key, const json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *e;

		json_object_foreach((json_t *)v, k, e) {
			char sub[256];

			snprintf(sub, sizeof(sub), "%s.%s", key, k);
			print_fact(fp, sub, e);
		}
	} else if (json_is_string(v)) {
		fprintf(fp, "%-14s %s\n", key, json_string_value(v));
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (text != NULL)
			fprintf(fp, "%-14s %s\n", key, text);
		free(text);
	}
}

static void
print_extra(FILE *fp, const json_t *inv)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)inv, key, v)
		if (!hw_is_own_key(key))
			print_fact(fp, key, v);
}

void
hw_print(FILE *fp, const json_t *inv)
{
	const char *fpr;

	print_cpu(fp, json_object_get(inv, "cpu"));
	print_memory(fp, inv);
	print_os(fp, json_object_get(inv, "os"));
	print_devices(fp, inv);
	print_extra(fp, inv);
	if ((fpr = get_str(inv, "fingerprint")) != NULL)
		fprintf(fp, "%-14s %s\n", "fingerprint", fpr);
}

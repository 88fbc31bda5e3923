/*
** hw_fingerprint.c - what identifies the hardware: the inventory's
** fingerprint (the identifying facts in a canonical order, hashed with
** FNV-1a as they are dumped) and the summary a tune is bound to.
*/
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hw.h"

/* Copy key from src to dst when present (a new reference, src keeps its
** own). */
static void
copy_key(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);

	if (v != NULL)
		json_object_set(dst, key, v);
}

/* A copy of a plugin's facts without any member named "state": facts
** that change while the hardware stays (a GPU's free memory, the PCIe
** link it trained down to at idle) are shown, not fingerprinted. */
static json_t *
without_state(json_t *v)
{
	json_t *c, *x;
	const char *key;
	size_t i;

	if (json_is_object(v)) {
		c = json_object();
		json_object_foreach(v, key, x)
			if (strcmp(key, "state") != 0)
				json_object_set_new(c, key, without_state(x));
		return c;
	}
	if (json_is_array(v)) {
		c = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(c, without_state(x));
		return c;
	}
	return json_incref(v);
}

/*
** The identifying subset of inv, as a new object.  Only facts that change
** when the hardware changes go in: free memory, the host name, link state
** and the kernel are left out, and the memory total is cut to whole GiB
** because firmware and kernel reservations move it by a few MiB between
** boots.
*/
static json_t *
canonical(json_t *inv)
{
	json_t *c = json_object(), *cpu, *src, *v;
	const char *key;
	size_t i;

	if ((src = json_object_get(inv, "cpu")) != NULL) {
		json_t *caches = json_array();

		cpu = json_object();
		copy_key(cpu, src, "model");
		copy_key(cpu, src, "arch");
		copy_key(cpu, src, "packages");
		copy_key(cpu, src, "physical_cores");
		copy_key(cpu, src, "logical_cpus");
		json_array_foreach(json_object_get(src, "caches"), i, v) {
			json_t *e = json_object();

			copy_key(e, v, "level");
			copy_key(e, v, "type");
			copy_key(e, v, "size");
			json_array_append_new(caches, e);
		}
		json_object_set_new(cpu, "caches", caches);
		json_object_set_new(c, "cpu", cpu);
	}
	v = json_object_get(json_object_get(inv, "memory"), "total");
	if (json_is_integer(v))
		json_object_set_new(c, "memory_gib",
		    json_integer(json_integer_value(v) >> 30));
	if ((src = json_object_get(inv, "block_devices")) != NULL) {
		json_t *disks = json_array();

		json_array_foreach(src, i, v) {
			json_t *e = json_object();

			copy_key(e, v, "model");
			copy_key(e, v, "size");
			json_array_append_new(disks, e);
		}
		json_object_set_new(c, "block_devices", disks);
	}
	json_object_foreach(inv, key, v)
		if (!hw_is_own_key(key))
			json_object_set_new(c, key, without_state(v));
	return c;
}

struct fnv {
	uint64_t h;
};

/* json_dump_callback sink: hash the text as it is produced instead of
** building it in memory. */
static int
fnv_feed(const char *buf, size_t n, void *data)
{
	struct fnv *f = data;

	for (size_t i = 0; i < n; i++) {
		f->h ^= (unsigned char)buf[i];
		f->h *= UINT64_C(1099511628211);
	}
	return 0;
}

/*
** FNV-1a 64 over the sorted, compact JSON text of canonical(inv).  Sorted
** keys make it independent of insertion order, so a plugin adding its
** facts earlier or later does not change it.  Returns NULL only when inv is
** not an object or jansson runs out of memory.
*/
const char *
hw_fingerprint(json_t *inv)
{
	struct fnv f = { UINT64_C(14695981039346656037) };
	char hex[17];
	json_t *c;
	int rc;

	if (!json_is_object(inv))
		return NULL;
	c = canonical(inv);
	rc = json_dump_callback(c, fnv_feed, &f,
				JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(c);
	if (rc < 0)
		return NULL;
	snprintf(hex, sizeof(hex), "%016" PRIx64, f.h);
	if (json_object_set_new(inv, "fingerprint", json_string(hex)) < 0)
		return NULL;
	return json_string_value(json_object_get(inv, "fingerprint"));
}

/* The facts a tune is bound to; a tune read on other hardware names
** which of these differ. */
json_t *
hw_summary(const json_t *inv)
{
	const json_t *cpu = json_object_get(inv, "cpu");
	const json_t *gpus = json_object_get(inv, "gpus");
	json_t *h = json_object();
	const char *keys[] = { "model", "physical_cores", "logical_cpus", NULL };
	size_t i;
	json_t *g;

	for (i = 0; keys[i]; i++) {
		json_t *v = json_object_get(cpu, keys[i]);
		char k[32];

		snprintf(k, sizeof(k), "cpu.%s", keys[i]);
		if (v != NULL)
			json_object_set(h, k, v);
	}
	/* Whole GiB, as the fingerprint: a few MiB move between boots. */
	if (json_is_integer(json_object_get(json_object_get(inv, "memory"), "total")))
		json_object_set_new(h, "memory.total_gib", json_integer(
		    json_integer_value(json_object_get(json_object_get(inv,
		    "memory"), "total")) >> 30));
	json_array_foreach(gpus, i, g) {
		char k[32];

		snprintf(k, sizeof(k), "gpu.%zu.name", i);
		if (json_object_get(g, "name"))
			json_object_set(h, k, json_object_get(g, "name"));
	}
	return h;
}

/*
** test_hw.c - check the hardware inventory against what the kernel itself
** reports (sysconf, /proc/meminfo, the sysfs cache directories), and the
** fingerprint's stability and sensitivity.
*/
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "hw.h"

static json_t *
collect(void)
{
	struct dyno_err err = { 0, "" };
	json_t *inv = hw_collect(&err);

	cr_assert_not_null(inv, "hw_collect failed: %s", err.msg);
	cr_assert(json_is_object(inv));
	return inv;
}

static long long
get_int(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(json_is_integer(v), "missing integer \"%s\"", key);
	return json_integer_value(v);
}

Test(hw, schema_and_sections)
{
	json_t *inv = collect();

	cr_expect_eq(get_int(inv, "schema"), 1);
	cr_expect(json_is_object(json_object_get(inv, "cpu")));
	cr_expect(json_is_object(json_object_get(inv, "memory")));
	cr_expect(json_is_object(json_object_get(inv, "os")));
	cr_expect(json_is_array(json_object_get(inv, "block_devices")));
	cr_expect(json_is_array(json_object_get(inv, "network")));
	json_decref(inv);
}

Test(hw, logical_cpus_match_online_cpus)
{
	json_t *inv = collect();
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	cr_assert_gt(online, 0);
	cr_expect_eq(get_int(json_object_get(inv, "cpu"), "logical_cpus"),
		     online);
	json_decref(inv);
}

Test(hw, physical_cores_in_range)
{
	json_t *inv = collect();
	json_t *cpu = json_object_get(inv, "cpu");
	long long cores = get_int(cpu, "physical_cores");

	cr_expect_geq(cores, 1);
	cr_expect_leq(cores, get_int(cpu, "logical_cpus"));
	json_decref(inv);
}

/* "32K" -> 32768; sysfs cache sizes are K (or M) suffixed. */
static long long
parse_sysfs_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	switch (*end) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	default: return v;
	}
}

static int
read_str(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (f == NULL)
		return -1;
	ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Does cpuN/cache/index* of any CPU hold a cache of this level, type and
** size?  Any CPU, not only cpu0, so hybrid parts with two L2 sizes pass. */
static int
sysfs_has_cache(long long level, const char *type, long long size)
{
	DIR *d = opendir("/sys/devices/system/cpu");
	struct dirent *de;
	int found = 0;

	cr_assert_not_null(d);
	while (!found && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "cpu", 3) != 0 ||
		    !isdigit((unsigned char)de->d_name[3]))
			continue;
		for (int i = 0; !found && i < 16; i++) {
			char path[PATH_MAX], lv[32], ty[32], sz[32];
			const char *base = "/sys/devices/system/cpu";

			snprintf(path, sizeof(path), "%s/%s/cache/index%d/level",
				 base, de->d_name, i);
			if (read_str(path, lv, sizeof(lv)) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/cache/index%d/type",
				 base, de->d_name, i);
			if (read_str(path, ty, sizeof(ty)) < 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/cache/index%d/size",
				 base, de->d_name, i);
			if (read_str(path, sz, sizeof(sz)) < 0)
				continue;
			found = atoll(lv) == level &&
				strcasecmp(ty, type) == 0 &&
				parse_sysfs_size(sz) == size;
		}
	}
	closedir(d);
	return found;
}

Test(hw, cache_sizes_match_sysfs)
{
	const char *dir = "/sys/devices/system/cpu/cpu0/cache";
	json_t *inv, *caches, *c;
	char path[PATH_MAX], lv[32], ty[32];
	size_t i;

	if (access(dir, R_OK) != 0)
		cr_skip_test("no %s on this system", dir);
	inv = collect();
	caches = json_object_get(json_object_get(inv, "cpu"), "caches");
	cr_assert(json_is_array(caches));
	json_array_foreach(caches, i, c) {
		long long level = get_int(c, "level"), size = get_int(c, "size");
		const char *type = json_string_value(json_object_get(c, "type"));

		cr_assert_not_null(type);
		cr_expect(sysfs_has_cache(level, type, size),
			  "L%lld %s cache of %lld bytes not in sysfs", level,
			  type, size);
	}
	/* And the other way round: every cache cpu0 has is reported. */
	for (int k = 0; k < 16; k++) {
		int found = 0;

		snprintf(path, sizeof(path), "%s/index%d/level", dir, k);
		if (read_str(path, lv, sizeof(lv)) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/index%d/type", dir, k);
		cr_assert_eq(read_str(path, ty, sizeof(ty)), 0);
		json_array_foreach(caches, i, c)
			if (get_int(c, "level") == atoll(lv) &&
			    strcasecmp(json_string_value(
				    json_object_get(c, "type")), ty) == 0)
				found = 1;
		cr_expect(found, "sysfs L%s %s cache missing from inventory",
			  lv, ty);
	}
	json_decref(inv);
}

Test(hw, memory_total_matches_meminfo)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kb = -1;
	char line[256];
	json_t *inv;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	cr_assert_gt(kb, 0);
	inv = collect();
	cr_expect_eq(get_int(json_object_get(inv, "memory"), "total"),
		     kb * 1024);
	json_decref(inv);
}

Test(hw, os_matches_uname)
{
	json_t *inv = collect(), *os = json_object_get(inv, "os");
	struct utsname u;

	cr_assert_eq(uname(&u), 0);
	cr_expect_str_eq(json_string_value(json_object_get(os, "sysname")),
			 u.sysname);
	cr_expect_str_eq(json_string_value(json_object_get(os, "kernel")),
			 u.release);
	json_decref(inv);
}

Test(hw, skipped_devices_absent)
{
	json_t *inv = collect(), *e;
	size_t i;

	json_array_foreach(json_object_get(inv, "block_devices"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));

		cr_assert_not_null(name);
		cr_expect(strncmp(name, "loop", 4) != 0 &&
			  strncmp(name, "ram", 3) != 0 &&
			  strncmp(name, "zram", 4) != 0, "%s listed", name);
		cr_expect_gt(get_int(e, "size"), 0);
	}
	json_array_foreach(json_object_get(inv, "network"), i, e) {
		cr_expect_str_neq(json_string_value(json_object_get(e, "name")),
				  "lo");
		if (json_object_get(e, "speed_mbps") != NULL)
			cr_expect_gt(get_int(e, "speed_mbps"), 0);
	}
	json_decref(inv);
}

Test(hw, fingerprint_is_16_hex_digits)
{
	json_t *inv = collect();
	const char *fp = hw_fingerprint(inv);

	cr_assert_not_null(fp);
	cr_expect_eq(strlen(fp), 16);
	cr_expect_eq(strspn(fp, "0123456789abcdef"), 16, "bad digits: %s", fp);
	cr_expect_str_eq(json_string_value(json_object_get(inv, "fingerprint")),
			 fp);
	json_decref(inv);
}

Test(hw, fingerprint_stable)
{
	json_t *a = collect(), *b = collect();
	char first[17];

	snprintf(first, sizeof(first), "%s", hw_fingerprint(a));
	cr_expect_str_eq(hw_fingerprint(b), first);
	/* A second call sees its own "fingerprint" key and must ignore it. */
	cr_expect_str_eq(hw_fingerprint(a), first);
	json_decref(a);
	json_decref(b);
}

Test(hw, fingerprint_ignores_volatile_facts)
{
	json_t *inv = collect(), *e;
	json_t *mem = json_object_get(inv, "memory");
	char before[17];
	size_t i;

	snprintf(before, sizeof(before), "%s", hw_fingerprint(inv));
	json_object_set_new(mem, "available", json_integer(12345));
	cr_expect_str_eq(hw_fingerprint(inv), before);
	json_object_set_new(json_object_get(inv, "os"), "hostname",
			    json_string("elsewhere"));
	json_array_foreach(json_object_get(inv, "network"), i, e)
		json_object_set_new(e, "operstate", json_string("dormant"));
	cr_expect_str_eq(hw_fingerprint(inv), before);
	json_decref(inv);
}

Test(hw, fingerprint_rounds_memory_to_gib)
{
	json_t *inv = collect();
	json_t *mem = json_object_get(inv, "memory");
	char before[17];

	json_object_set_new(mem, "total", json_integer((8LL << 30) + 1));
	snprintf(before, sizeof(before), "%s", hw_fingerprint(inv));
	json_object_set_new(mem, "total", json_integer((9LL << 30) - 1));
	cr_expect_str_eq(hw_fingerprint(inv), before);
	json_object_set_new(mem, "total", json_integer(9LL << 30));
	cr_expect_str_neq(hw_fingerprint(inv), before);
	json_decref(inv);
}

Test(hw, fingerprint_follows_identity)
{
	json_t *inv = collect();
	char before[17];

	snprintf(before, sizeof(before), "%s", hw_fingerprint(inv));
	json_object_set_new(json_object_get(inv, "cpu"), "model",
			    json_string("Some Other CPU 9000"));
	cr_expect_str_neq(hw_fingerprint(inv), before);
	json_decref(inv);

	/* Plugin facts count too. */
	inv = collect();
	snprintf(before, sizeof(before), "%s", hw_fingerprint(inv));
	json_object_set_new(inv, "gpus", json_pack("[{s:s}]", "name", "X1"));
	cr_expect_str_neq(hw_fingerprint(inv), before);
	json_decref(inv);
}

Test(hw, fingerprint_skips_plugin_state)
{
	json_t *inv = collect();
	char before[17];

	json_object_set_new(inv, "gpus", json_pack("[{s:s, s:{s:I, s:i}}]",
	    "name", "X1", "state", "memory_free", (json_int_t)1 << 30,
	    "pcie_gen", 4));
	json_object_set_new(inv, "cuda", json_pack("{s:i, s:{s:i}}",
	    "devices", 1, "state", "driver_version", 13000));
	snprintf(before, sizeof(before), "%s", hw_fingerprint(inv));
	/* What changes while the hardware stays: not fingerprinted. */
	json_object_set_new(json_object_get(json_array_get(
	    json_object_get(inv, "gpus"), 0), "state"), "memory_free",
	    json_integer(5));
	json_object_set_new(json_object_get(json_object_get(inv, "cuda"),
	    "state"), "driver_version", json_integer(13010));
	cr_expect_str_eq(hw_fingerprint(inv), before);
	/* The rest of the plugin's facts still count. */
	json_object_set_new(json_array_get(json_object_get(inv, "gpus"), 0),
	    "name", json_string("X2"));
	cr_expect_str_neq(hw_fingerprint(inv), before);
	json_decref(inv);
}

Test(hw, print_shows_cpu_and_fingerprint)
{
	json_t *inv = collect();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *fp;

	cr_assert_not_null(f);
	fp = hw_fingerprint(inv);
	hw_print(f, inv);
	cr_assert_eq(fclose(f), 0);
	cr_expect_not_null(strstr(text, fp), "no fingerprint in:\n%s", text);
	cr_expect_eq(strncmp(text, "cpu ", 4), 0, "no cpu row in:\n%s", text);
	free(text);
	json_decref(inv);
}

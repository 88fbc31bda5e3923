/*
** hw.c - hardware inventory: read what the machine is made of into one JSON
** object (hw_fingerprint.c hashes its identifying part, hw_print.c prints
** it for humans).
**
** hwloc gives the topology (packages, cores, threads, caches, NUMA) because
** it already copes with offline CPUs, hybrid cores and odd firmware; the
** rest comes straight from /proc and sysfs.  Every reader leaves its key out
** when the file is missing or does not parse: an absent fact is honest, a
** guessed one would end up in every result record.
*/
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <hwloc.h>
#include <jansson.h>

#include "err.h"
#include "hw.h"
#include "units.h"
#include "xmalloc.h"

#define SYS_CPU "/sys/devices/system/cpu"

/*
** ISA extensions that change what compute kernels can do, by the names the
** kernel prints in /proc/cpuinfo.  Each architecture has its own list, picked
** by the key of the line ("flags" on x86, "Features" on arm64), so an x86
** box never reports sve: false as if that had been checked.
*/
static const char *const x86_flags[] = {
	"sse2", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
	"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
	"avx512ifma", "avx512vbmi", "avx512_vnni", "avx512_bf16",
	"avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
	"aes", "vaes", "vpclmulqdq", "sha_ni", NULL
};

static const char *const arm_flags[] = {
	"fp", "asimd", "asimdhp", "asimddp", "asimdfhm", "bf16", "i8mm",
	"sve", "sve2", "sme", "atomics", "aes", "sha2", NULL
};

/* Top-level keys hw_collect writes.  Anything else came from a plugin and
** goes into the fingerprint whole. */
static const char *const own_keys[] = {
	"schema", "cpu", "numa", "memory", "os", "block_devices", "network",
	"fingerprint", "inventory_errors", NULL
};

/* Strip trailing white space (sysfs values end in '\n', device models are
** often space-padded to a fixed width). */
static void
rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
			 s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* First line of path into buf, trimmed.  0, or -1 when it cannot be read
** (reading a sysfs attribute can fail with EINVAL, e.g. speed of a link
** that is down) or is empty. */
static int
read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (f == NULL)
		return -1;
	ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	rtrim(buf);
	return buf[0] != '\0' ? 0 : -1;
}

/* read_line on a path built from a format. */
static int DYNO_PRINTF(3, 4)
read_linef(char *buf, size_t n, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	return read_line(path, buf, n);
}

/* Whole-string integer parse; trailing garbage is a failure, not a
** truncated value. */
static int
parse_ll(const char *s, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int DYNO_PRINTF(2, 3)
read_llf(long long *out, const char *fmt, ...)
{
	char path[PATH_MAX], buf[64];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	if (read_line(path, buf, sizeof(buf)) < 0)
		return -1;
	return parse_ll(buf, out);
}

static void
set_int(json_t *obj, const char *key, long long v)
{
	json_object_set_new(obj, key, json_integer(v));
}

static void
set_str(json_t *obj, const char *key, const char *v)
{
	json_object_set_new(obj, key, json_string(v));
}

/* Directory entries, sorted by name so output and fingerprint do not
** depend on readdir order.  Returns the count (entries owned by the caller,
** free with free_names) or -1. */
static int
list_dir(const char *dir, struct dirent ***names)
{
	return scandir(dir, names, NULL, alphasort);
}

static void
free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Is word a whole space-separated token of list? */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return 1;
		p += n;
	}
	return 0;
}

static void
add_flags(json_t *cpu, const char *const *table, const char *list)
{
	json_t *flags = json_object();

	for (size_t i = 0; table[i] != NULL; i++)
		json_object_set_new(flags, table[i],
				    json_boolean(has_word(list, table[i])));
	json_object_set_new(cpu, "flags", flags);
}

/*
** Model, vendor and ISA flags from the first processor block of
** /proc/cpuinfo.  The first block is enough: Linux shows the boot CPU's
** features and refuses to online a CPU that lacks them.
*/
static void
read_cpuinfo(json_t *cpu)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *colon, *key, *val;

		if (line[0] == '\n')
			break;
		colon = strchr(line, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		key = line;
		rtrim(key);
		val = colon + 1;
		val += strspn(val, " \t");
		rtrim(val);
		if (strcmp(key, "model name") == 0 && val[0] != '\0')
			set_str(cpu, "model", val);
		else if (strcmp(key, "vendor_id") == 0 && val[0] != '\0')
			set_str(cpu, "vendor", val);
		else if (strcmp(key, "flags") == 0)
			add_flags(cpu, x86_flags, val);
		else if (strcmp(key, "Features") == 0)
			add_flags(cpu, arm_flags, val);
	}
	free(line);
	fclose(f);
}

/* hwloc's own reading of the package (from the device tree or DMI on
** arm64, where /proc/cpuinfo has no model name). */
static void
hwloc_info_fallback(hwloc_topology_t topo, json_t *cpu, const char *key,
		    const char *info)
{
	hwloc_obj_t pkg;
	const char *v;

	if (json_object_get(cpu, key) != NULL)
		return;
	pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
	if (pkg == NULL)
		return;
	v = hwloc_obj_get_info_by_name(pkg, info);
	if (v != NULL && v[0] != '\0')
		set_str(cpu, key, v);
}

/* Highest cpuinfo_max_freq over all cpufreq policies, so a hybrid CPU
** reports its fast cores.  VMs usually have no cpufreq at all: omitted. */
static void
read_max_mhz(json_t *cpu)
{
	struct dirent **names;
	long long best = 0, khz;
	int n = list_dir(SYS_CPU "/cpufreq", &names);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		if (!has_prefix(names[i]->d_name, "policy"))
			continue;
		if (read_llf(&khz, SYS_CPU "/cpufreq/%s/cpuinfo_max_freq",
			     names[i]->d_name) == 0 && khz > best)
			best = khz;
	}
	free_names(names, n);
	if (best > 0)
		set_int(cpu, "mhz_max", (best + 500) / 1000);
}

/* Cores whose PU counts agree give threads_per_core; a hybrid part (SMT
** performance cores next to single-thread efficiency cores) has no single
** answer, so it gets none. */
static void
add_threads_per_core(hwloc_topology_t topo, json_t *cpu)
{
	hwloc_obj_t core = NULL;
	int tpc = -1;

	while ((core = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_CORE,
						  core)) != NULL) {
		int w = hwloc_bitmap_weight(core->cpuset);

		if (w <= 0 || (tpc >= 0 && w != tpc))
			return;
		tpc = w;
	}
	if (tpc > 0)
		set_int(cpu, "threads_per_core", tpc);
}

struct cache_group {
	unsigned level;
	const char *type;
	uint64_t size;
	unsigned line;
	int assoc;
	int shared_by;
	int instances;
};

static const char *
cache_type_name(hwloc_obj_cache_type_t t)
{
	switch (t) {
	case HWLOC_OBJ_CACHE_DATA: return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
	default: return "unified";
	}
}

/*
** One entry per distinct kind of cache, with its instance count, rather
** than one per instance: a 128-core part would otherwise list 256 L1s.
** Instances that differ (hybrid CPUs) stay separate entries.
*/
static void
add_caches(hwloc_topology_t topo, json_t *cpu)
{
	static const hwloc_obj_type_t order[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE,
		HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE,
		HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE
	};
	json_t *caches = json_array();
	struct cache_group *g = NULL;
	size_t ng = 0;

	for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++) {
		hwloc_obj_t obj = NULL;
		size_t first = ng;

		while ((obj = hwloc_get_next_obj_by_type(topo, order[t],
							 obj)) != NULL) {
			struct hwloc_cache_attr_s *c = &obj->attr->cache;
			int shared = hwloc_bitmap_weight(obj->cpuset);
			const char *type = cache_type_name(c->type);
			size_t i;

			for (i = first; i < ng; i++)
				if (g[i].size == c->size &&
				    g[i].line == c->linesize &&
				    g[i].assoc == c->associativity &&
				    g[i].shared_by == shared &&
				    strcmp(g[i].type, type) == 0)
					break;
			if (i == ng) {
				g = xreallocarray(g, ng + 1, sizeof(*g));
				g[ng] = (struct cache_group){
					.level = c->depth, .type = type,
					.size = c->size, .line = c->linesize,
					.assoc = c->associativity,
					.shared_by = shared, .instances = 0
				};
				ng++;
			}
			g[i].instances++;
		}
	}
	for (size_t i = 0; i < ng; i++) {
		json_t *e = json_object();

		set_int(e, "level", g[i].level);
		set_str(e, "type", g[i].type);
		if (g[i].size > 0)
			set_int(e, "size", (long long)g[i].size);
		if (g[i].line > 0)
			set_int(e, "line_size", g[i].line);
		/* hwloc: 0 unknown, -1 fully associative; neither is a
		** way count. */
		if (g[i].assoc > 0)
			set_int(e, "associativity", g[i].assoc);
		set_int(e, "instances", g[i].instances);
		if (g[i].shared_by > 0)
			set_int(e, "shared_by", g[i].shared_by);
		json_array_append_new(caches, e);
	}
	free(g);
	json_object_set_new(cpu, "caches", caches);
}

static json_t *
collect_cpu(hwloc_topology_t topo)
{
	json_t *cpu = json_object();
	struct utsname u;
	int n;

	read_cpuinfo(cpu);
	hwloc_info_fallback(topo, cpu, "model", "CPUModel");
	hwloc_info_fallback(topo, cpu, "vendor", "CPUVendor");
	if (uname(&u) == 0)
		set_str(cpu, "arch", u.machine);
	if ((n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE)) > 0)
		set_int(cpu, "packages", n);
	if ((n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE)) > 0)
		set_int(cpu, "physical_cores", n);
	if ((n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)) > 0)
		set_int(cpu, "logical_cpus", n);
	add_threads_per_core(topo, cpu);
	read_max_mhz(cpu);
	add_caches(topo, cpu);
	return cpu;
}

static json_t *
collect_numa(hwloc_topology_t topo)
{
	json_t *numa = json_object();
	json_t *mem = json_array();
	hwloc_obj_t node = NULL;
	int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);

	if (n > 0)
		set_int(numa, "nodes", n);
	while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE,
						  node)) != NULL) {
		/* A node of unknown size would shift every later index, so
		** the list is all or nothing. */
		if (node->attr->numanode.local_memory == 0) {
			json_decref(mem);
			return numa;
		}
		json_array_append_new(mem, json_integer(
			(json_int_t)node->attr->numanode.local_memory));
	}
	json_object_set_new(numa, "node_memory", mem);
	return numa;
}

static json_t *
collect_memory(void)
{
	static const struct { const char *field, *key; } want[] = {
		{ "MemTotal", "total" },
		{ "MemAvailable", "available" },
		{ "Hugepagesize", "hugepage_size" },
	};
	json_t *mem = json_object();
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];

	if (f == NULL)
		return mem;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		unsigned long long kb;
		char unit[8];

		if (colon == NULL)
			continue;
		*colon = '\0';
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			if (strcmp(line, want[i].field) != 0)
				continue;
			if (sscanf(colon + 1, "%llu %7s", &kb, unit) == 2 &&
			    strcmp(unit, "kB") == 0)
				set_int(mem, want[i].key,
					(long long)(kb * 1024));
		}
	}
	fclose(f);
	return mem;
}

/* A value of os-release(5): shell-like, optionally quoted, with \" \\ \$
** \` escapes inside double quotes.  Unquoted in place. */
static void
unquote(char *s)
{
	char q = s[0], *r = s + 1, *w = s;

	if (q != '"' && q != '\'')
		return;
	for (; *r != '\0' && *r != q; r++) {
		if (q == '"' && r[0] == '\\' && r[1] != '\0' &&
		    strchr("\"\\$`", r[1]) != NULL)
			r++;
		*w++ = *r;
	}
	*w = '\0';
}

static void
read_distro(json_t *os)
{
	static const char *const paths[] = {
		"/etc/os-release", "/usr/lib/os-release"
	};
	char line[512];

	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(paths[i], "re");

		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (!has_prefix(line, "PRETTY_NAME="))
				continue;
			rtrim(line);
			unquote(line + strlen("PRETTY_NAME="));
			if (line[strlen("PRETTY_NAME=")] != '\0')
				set_str(os, "distro",
					line + strlen("PRETTY_NAME="));
			break;
		}
		fclose(f);
		return;
	}
}

static json_t *
collect_os(void)
{
	json_t *os = json_object();
	struct utsname u;

	if (uname(&u) == 0) {
		set_str(os, "sysname", u.sysname);
		set_str(os, "kernel", u.release);
		set_str(os, "hostname", u.nodename);
	}
	read_distro(os);
	return os;
}

/* The active elevator is the bracketed word ("none [mq-deadline] bfq"); a
** queue with a single choice may print it bare. */
static void
add_scheduler(json_t *dev, const char *s)
{
	const char *open = strchr(s, '['), *close;

	if (open != NULL) {
		close = strchr(open, ']');
		if (close != NULL && close > open + 1) {
			char *w = xstrndup(open + 1, (size_t)(close - open - 1));

			set_str(dev, "scheduler", w);
			free(w);
		}
	} else if (s[0] != '\0' && strchr(s, ' ') == NULL) {
		set_str(dev, "scheduler", s);
	}
}

/* Loop, RAM and zram devices are not storage a benchmark can be about;
** device-mapper volumes are (LVM, dm-crypt), so they stay. */
static int
skip_block(const char *name)
{
	return name[0] == '.' || has_prefix(name, "loop") ||
	       has_prefix(name, "ram") || has_prefix(name, "zram");
}

static json_t *
collect_block(void)
{
	json_t *arr = json_array();
	struct dirent **names;
	int n = list_dir("/sys/block", &names);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		long long sectors, v;
		char buf[256];
		json_t *dev;

		if (skip_block(name))
			continue;
		/* sysfs counts size in 512-byte sectors whatever the
		** device's block size. */
		if (read_llf(&sectors, "/sys/block/%s/size", name) < 0 ||
		    sectors <= 0)
			continue;
		dev = json_object();
		set_str(dev, "name", name);
		if (read_linef(buf, sizeof(buf), "/sys/block/%s/device/model",
			       name) == 0)
			set_str(dev, "model", buf);
		set_int(dev, "size", sectors * 512);
		if (read_llf(&v, "/sys/block/%s/queue/rotational", name) == 0)
			json_object_set_new(dev, "rotational",
					    json_boolean(v != 0));
		if (read_linef(buf, sizeof(buf), "/sys/block/%s/queue/scheduler",
			       name) == 0)
			add_scheduler(dev, buf);
		if (read_llf(&v, "/sys/block/%s/queue/logical_block_size",
			     name) == 0 && v > 0)
			set_int(dev, "logical_block_size", v);
		json_array_append_new(arr, dev);
	}
	if (n >= 0)
		free_names(names, n);
	return arr;
}

static json_t *
collect_net(void)
{
	json_t *arr = json_array();
	struct dirent **names;
	int n = list_dir("/sys/class/net", &names);

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		long long v;
		char buf[128];
		json_t *nic;

		if (name[0] == '.' || strcmp(name, "lo") == 0)
			continue;
		nic = json_object();
		set_str(nic, "name", name);
		if (read_llf(&v, "/sys/class/net/%s/mtu", name) == 0)
			set_int(nic, "mtu", v);
		/* -1 (virtio, no link) and EINVAL (down) both mean the
		** driver does not know. */
		if (read_llf(&v, "/sys/class/net/%s/speed", name) == 0 && v > 0)
			set_int(nic, "speed_mbps", v);
		if (read_linef(buf, sizeof(buf), "/sys/class/net/%s/operstate",
			       name) == 0)
			set_str(nic, "operstate", buf);
		if (read_linef(buf, sizeof(buf), "/sys/class/net/%s/address",
			       name) == 0)
			set_str(nic, "mac", buf);
		json_array_append_new(arr, nic);
	}
	if (n >= 0)
		free_names(names, n);
	return arr;
}

json_t *
hw_collect(struct dyno_err *err)
{
	hwloc_topology_t topo;
	json_t *inv;

	if (hwloc_topology_init(&topo) < 0) {
		dyno_err_set(err, DYNO_EIO, "hwloc: cannot initialise the "
			     "topology: %s", strerror(errno));
		return NULL;
	}
	/* The inventory describes the machine, not this process: a run
	** under taskset or a cgroup cpuset must still report every online
	** CPU, as nproc does outside the restriction.  Instruction caches
	** are filtered out by default in hwloc 2. */
	hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	hwloc_topology_set_icache_types_filter(topo,
					       HWLOC_TYPE_FILTER_KEEP_ALL);
	if (hwloc_topology_load(topo) < 0) {
		dyno_err_set(err, DYNO_EIO, "hwloc: cannot load the topology: "
			     "%s", strerror(errno));
		hwloc_topology_destroy(topo);
		return NULL;
	}
	inv = json_object();
	set_int(inv, "schema", 1);
	json_object_set_new(inv, "cpu", collect_cpu(topo));
	json_object_set_new(inv, "numa", collect_numa(topo));
	hwloc_topology_destroy(topo);
	json_object_set_new(inv, "memory", collect_memory());
	json_object_set_new(inv, "os", collect_os());
	json_object_set_new(inv, "block_devices", collect_block());
	json_object_set_new(inv, "network", collect_net());
	return inv;
}

int
hw_is_own_key(const char *key)
{
	for (size_t i = 0; own_keys[i] != NULL; i++)
		if (strcmp(key, own_keys[i]) == 0)
			return 1;
	return 0;
}

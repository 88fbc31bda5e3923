/*
** cache.c - the cache plugin: CPU memory-hierarchy probes (latency by
** pointer chasing, level detection, STREAM bandwidth) and key-value cache
** probes (Redis latency and throughput, miss-ratio curves, replay).  This
** file only lists the probes and reports huge-page availability; each
** family lives in its own file (probes.h).
*/
#include <stdio.h>
#include <string.h>

#include <dyno/plugin.h>

#include "probes.h"
#include "sysfs.h"

static const struct dyno_probe *const cache_probes[] = {
	&cache_latency_probe, &cache_detect_probe, &cache_bandwidth_probe,
	&cache_mrc_probe, &cache_kv_latency_probe, &cache_kv_throughput_probe,
	&cache_kv_replay_probe, NULL
};

/* The core's inventory has the cache sizes, line sizes and sharing from
** hwloc; what the probes' `hugepages` options depend on is added here. */
static int
cache_inventory(const struct dyno_host *h, struct dyno_inventory *sink)
{
	char buf[256], v[64];
	const char *a, *b;

	if (sysfs_line(buf, sizeof(buf),
		       "/sys/kernel/mm/transparent_hugepage/enabled") == 0 &&
	    (a = strchr(buf, '[')) != NULL && (b = strchr(a, ']')) != NULL) {
		snprintf(v, sizeof(v), "%.*s", (int)(b - a - 1), a + 1);
		h->fact(sink, "cache.hugepages.thp", v);
	}
	if (sysfs_line(buf, sizeof(buf), "/proc/sys/vm/nr_hugepages") == 0)
		h->fact(sink, "cache.hugepages.hugetlb_pages", buf);
	if (sysfs_line(buf, sizeof(buf),
		       "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") == 0)
		/* Free pages come and go with every user of the pool: state,
		** which the fingerprint leaves out. */
		h->fact(sink, "cache.hugepages.state.hugetlb_free", buf);
	return DYNO_OK;
}

static const struct dyno_plugin cache_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "cache",
	.version = "1.0.0",
	.summary = "Memory hierarchy (latency, levels, bandwidth) and key-value caches (Redis, miss-ratio curves)",
	.probes = cache_probes,
	.inventory = cache_inventory,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &cache_plugin;
}

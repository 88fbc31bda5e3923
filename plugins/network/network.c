/*
** network.c - the network plugin: TCP and UDP throughput and latency,
** connection rate and HTTP latency against a `dyno serve` peer
** (serve/wire.h).  This file lists the probes and reports the interfaces;
** each family lives in its own file (probes.h).
*/
#define _GNU_SOURCE /* struct ifreq's names in glibc */
#include <dirent.h>
#include <stdint.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dyno/plugin.h>

#include "probes.h"

static const struct dyno_probe *const network_probes[] = {
	&network_tcp_stream_probe, &network_tcp_rr_probe, &network_udp_rr_probe,
	&network_tcp_crr_probe, &network_http_probe, NULL
};

/* One legacy ethtool flag of interface `name`: 1 on, 0 off, -1 unknown. */
static int
network_ethtool(int fd, const char *name, uint32_t cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0)
		return -1;
	return ev.data != 0;
}

/* The core's inventory has each interface's MTU, speed and state; the
** offloads that change what a throughput test measures (segmentation and
** receive coalescing make loopback and virtio numbers look like
** 64 KiB packets) are added here, as network.<ifname>.offloads. */
static int
network_inventory(const struct dyno_host *h, struct dyno_inventory *sink)
{
	static const struct {
		const char *name;
		uint32_t cmd;
	} flags[] = {
		{ "tso", ETHTOOL_GTSO }, { "gso", ETHTOOL_GGSO },
		{ "gro", ETHTOOL_GGRO }, { "sg", ETHTOOL_GSG },
		{ "rx-checksum", ETHTOOL_GRXCSUM }, { "tx-checksum", ETHTOOL_GTXCSUM },
	};
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (d == NULL || fd < 0) {
		if (d != NULL)
			closedir(d);
		if (fd >= 0)
			close(fd);
		return DYNO_OK;
	}
	while ((e = readdir(d)) != NULL) {
		char key[64 + IFNAMSIZ], val[160];
		size_t used = 0;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= IFNAMSIZ)
			continue;
		val[0] = '\0';
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			int v = network_ethtool(fd, e->d_name, flags[i].cmd);

			if (v < 0)
				continue;
			used += (size_t)snprintf(val + used, sizeof(val) - used,
						 "%s%s=%s", used ? " " : "",
						 flags[i].name, v ? "on" : "off");
			if (used >= sizeof(val))
				break;
		}
		if (val[0] == '\0')
			continue;
		snprintf(key, sizeof(key), "network.%s.offloads", e->d_name);
		h->fact(sink, key, val);
	}
	closedir(d);
	close(fd);
	return DYNO_OK;
}

static const struct dyno_plugin network_plugin = {
	.size = sizeof(struct dyno_plugin),
	.abi_minor = DYNO_ABI_MINOR,
	.name = "network",
	.version = "1.0.0",
	.summary = "TCP/UDP throughput and round trips, connection rate, HTTP latency against dyno serve",
	.probes = network_probes,
	.inventory = network_inventory,
};

DYNO_PLUGIN_ENTRY
{
	(void)h;
	return &network_plugin;
}

/*
** backing.c - what a directory is stored on: the mount from
** /proc/self/mountinfo and the block device from sysfs.
**
** The device is found from the directory's st_dev through
** /sys/dev/block/MAJ:MIN; a partition's queue settings live on its parent
** disk.  File systems with an anonymous st_dev (btrfs, and anything not on
** a block device) fall back to the mount source when it is a /dev node.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* statx */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backing.h"
#include "sysfs.h"

static void
storage_copy(char *dst, size_t n, const char *src)
{
	if (n > 0)
		snprintf(dst, n, "%s", src);
}

int
storage_mount_of(const char *path, char *fstype, size_t ftn, char *opts,
		 size_t on, char *source, size_t sn)
{
	struct stat sb;
	FILE *f;
	char line[4096];
	int found = -ENOENT;
	unsigned long mnt_id = 0;
	int have_id = 0;

#ifdef STATX_MNT_ID
	struct statx sx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID)) {
		mnt_id = (unsigned long)sx.stx_mnt_id;
		have_id = 1;
	}
#endif
	if (stat(path, &sb) != 0)
		return -errno;
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long id, par;
		unsigned maj, mnr;
		char root[1024], mpt[1024], mopts[1024];
		char *dash, ft[256], src[1024], sopts[1024];

		if (sscanf(line, "%lu %lu %u:%u %1023s %1023s %1023s", &id, &par,
			   &maj, &mnr, root, mpt, mopts) != 7)
			continue;
		if (have_id ? id != mnt_id
			    : (maj != major(sb.st_dev) || mnr != minor(sb.st_dev)))
			continue;
		dash = strstr(line, " - ");
		if (dash == NULL ||
		    sscanf(dash + 3, "%255s %1023s %1023s", ft, src, sopts) != 3)
			continue;
		storage_copy(fstype, ftn, ft);
		storage_copy(opts, on, mopts);
		storage_copy(source, sn, src);
		found = 0;
		if (have_id)
			break; /* without an id, the last match is the top */
	}
	fclose(f);
	return found;
}

static long
storage_sysfs_long(const char *disk, const char *attr)
{
	char buf[64], *end;
	long v;

	if (sysfs_line(buf, sizeof(buf), "/sys/block/%s/%s", disk,
			       attr) != 0)
		return -1;
	v = strtol(buf, &end, 10);
	return end != buf ? v : -1;
}

/* The active scheduler is the bracketed word of queue/scheduler. */
static void
storage_active_scheduler(const char *line, char *out, size_t n)
{
	const char *a = strchr(line, '[');
	const char *b = a != NULL ? strchr(a, ']') : NULL;

	if (a == NULL || b == NULL) {
		a = line - 1;
		b = line + strlen(line);
	}
	if (n > 0) {
		size_t len = (size_t)(b - a - 1);

		if (len >= n)
			len = n - 1;
		memcpy(out, a + 1, len);
		out[len] = '\0';
	}
}

/* Names the disk and partition of device number dev from sysfs.  0, or
** -1 when sysfs does not know it. */
static int
storage_disk_of(dev_t dev, struct storage_backing *b)
{
	char link[64], real[PATH_MAX], *slash;
	char parent[PATH_MAX + 16];

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	if (realpath(link, real) == NULL)
		return -1;
	slash = strrchr(real, '/');
	if (slash == NULL)
		return -1;
	snprintf(parent, sizeof(parent), "%s/partition", real);
	if (access(parent, F_OK) == 0) {
		storage_copy(b->partition, sizeof(b->partition), slash + 1);
		*slash = '\0';
		slash = strrchr(real, '/');
		if (slash == NULL)
			return -1;
	}
	storage_copy(b->disk, sizeof(b->disk), slash + 1);
	return 0;
}

int
storage_backing_of(const char *path, struct storage_backing *b)
{
	struct stat sb;
	char line[256];
	int rc;

	memset(b, 0, sizeof(*b));
	b->rotational = -1;
	b->nr_requests = b->device_queue_depth = b->max_sectors_kb = -1;
	b->logical_block = b->physical_block = -1;
	rc = storage_mount_of(path, b->fstype, sizeof(b->fstype), b->options,
			      sizeof(b->options), b->source, sizeof(b->source));
	if (rc != 0)
		return rc;
	if (stat(path, &sb) != 0)
		return -errno;
	if (major(sb.st_dev) == 0 || storage_disk_of(sb.st_dev, b) != 0) {
		struct stat src;

		/* btrfs and friends: the mount source names the device. */
		if (strncmp(b->source, "/dev/", 5) != 0 ||
		    stat(b->source, &src) != 0 || !S_ISBLK(src.st_mode) ||
		    storage_disk_of(src.st_rdev, b) != 0)
			return 0;
	}
	if (sysfs_line(b->model, sizeof(b->model),
			       "/sys/block/%s/device/model", b->disk) != 0 &&
	    sysfs_line(b->model, sizeof(b->model),
			       "/sys/block/%s/dm/name", b->disk) != 0)
		b->model[0] = '\0';
	b->rotational = (int)storage_sysfs_long(b->disk, "queue/rotational");
	if (sysfs_line(line, sizeof(line), "/sys/block/%s/queue/scheduler",
			       b->disk) == 0)
		storage_active_scheduler(line, b->scheduler, sizeof(b->scheduler));
	b->nr_requests = storage_sysfs_long(b->disk, "queue/nr_requests");
	b->device_queue_depth = storage_sysfs_long(b->disk, "device/queue_depth");
	b->max_sectors_kb = storage_sysfs_long(b->disk, "queue/max_sectors_kb");
	b->logical_block = storage_sysfs_long(b->disk, "queue/logical_block_size");
	b->physical_block = storage_sysfs_long(b->disk,
					       "queue/physical_block_size");
	return 0;
}

void
storage_backing_limits(const struct storage_backing *b, char *buf, size_t n)
{
	const struct {
		const char *name;
		long v;
	} lim[] = {
		{ "nr_requests", b->nr_requests },
		{ "device_queue_depth", b->device_queue_depth },
		{ "max_sectors_kb", b->max_sectors_kb },
		{ "logical_block_size", b->logical_block },
		{ "physical_block_size", b->physical_block },
	};
	size_t used = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		int w;

		if (lim[i].v < 0 || used >= n)
			continue;
		w = snprintf(buf + used, n - used, "%s%s=%ld", used ? " " : "",
			     lim[i].name, lim[i].v);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/*
** backing.h - what a directory is stored on: its mount (file system type,
** options, source) and the block device behind it with the queue settings
** sysfs shows.  Private to plugins/storage.
*/
#ifndef STORAGE_BACKING_H
#define STORAGE_BACKING_H

#include <stddef.h>

struct storage_backing {
	char fstype[64];
	char options[1024];
	char source[512];       /* mount source as mountinfo gives it */
	char disk[64];          /* whole block device ("nvme0n1"), "" if none */
	char partition[64];     /* the partition when the file system is on one */
	char model[128];        /* device/model, dm/name, or "" */
	int rotational;         /* 1, 0, or -1 when unknown */
	char scheduler[32];     /* the active one, "" when unknown */
	long nr_requests;       /* requests the block layer queues, -1 unknown */
	long device_queue_depth;/* device/queue_depth (SCSI/SATA), -1 unknown */
	long max_sectors_kb;    /* largest request the kernel builds, -1 */
	long logical_block;     /* bytes, -1 unknown */
	long physical_block;    /* bytes, -1 unknown */
};

/* The mount of path from /proc/self/mountinfo: file system type, mount
** options and source device.  0 or -errno. */
int storage_mount_of(const char *path, char *fstype, size_t ftn, char *opts,
		     size_t on, char *source, size_t sn);

/* Fills *b for path.  The mount part needs /proc; the device part is
** left empty (disk[0] == '\0') for file systems without one (tmpfs, NFS,
** overlay) or when sysfs is not mounted.  0 or -errno from the mount
** lookup. */
int storage_backing_of(const char *path, struct storage_backing *b);

/* "nr_requests=256 max_sectors_kb=1280 ..." for the known limits. */
void storage_backing_limits(const struct storage_backing *b, char *buf,
			    size_t n);

#endif /* STORAGE_BACKING_H */

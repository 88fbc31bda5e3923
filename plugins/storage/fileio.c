/*
** fileio.c - the storage plugin's files: safe creation (O_TMPFILE, else a
** unique name opened with O_EXCL|O_NOFOLLOW and unlinked at once),
** leftover cleanup, free space, O_DIRECT, the data pattern, layout and
** read-back verification.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_TMPFILE, O_DIRECT, statx, unlinkat */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"
#include "prng.h"

static uint64_t
storage_word(uint64_t w, uint64_t salt)
{
	uint64_t v = splitmix64_hash(w ^ salt);

	return v != 0 ? v : 0x5a5a5a5a5a5a5a5aull;
}

void
storage_fill(void *buf, size_t len, uint64_t off, uint64_t salt)
{
	unsigned char *p = buf;

	if (off % 8 == 0 && len % 8 == 0) {
		uint64_t *q = buf;

		for (size_t i = 0; i < len / 8; i++)
			q[i] = storage_word(off / 8 + i, salt);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		uint64_t pos = off + i;

		p[i] = (unsigned char)(storage_word(pos / 8, salt) >>
				       (8 * (pos % 8)));
	}
}

void
storage_stamp(void *buf, size_t len, uint64_t off, uint64_t t_ns)
{
	unsigned char *p = buf;
	size_t line = (size_t)((t_ns ^ off) & 7) << 6;
	uint64_t sec = t_ns / 1000000000u, nsec = t_ns % 1000000000u;

	for (size_t s = 0; s + 512 <= len; s += 512) {
		uint64_t boff = off + s;

		memcpy(p + s + line, &boff, sizeof(boff));
		memcpy(p + s + 48, &sec, sizeof(sec));
		memcpy(p + s + 56, &nsec, sizeof(nsec));
	}
}

int64_t
storage_check(const void *buf, size_t len, uint64_t off, uint64_t salt)
{
	const unsigned char *p = buf;

	if (off % 8 == 0 && len % 8 == 0) {
		const uint64_t *q = buf;

		for (size_t i = 0; i < len / 8; i++)
			if (q[i] != storage_word(off / 8 + i, salt))
				goto slow;
		return -1;
	}
slow:
	for (size_t i = 0; i < len; i++) {
		uint64_t pos = off + i;

		if (p[i] != (unsigned char)(storage_word(pos / 8, salt) >>
					    (8 * (pos % 8))))
			return (int64_t)i;
	}
	return -1;
}

int
storage_file_create(int dirfd, char *name, size_t namesz, int *named)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t r;
	int fd;

	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*named = 0;
		snprintf(name, namesz, "(O_TMPFILE)");
		return fd;
	}
	/* EISDIR/EOPNOTSUPP/EINVAL: no O_TMPFILE here (old kernel, NFS...).
	** Anything else (EACCES, ENOSPC) is the answer for named files too,
	** but trying costs nothing and gives the clearer error. */
	r = splitmix64_hash(clock_ns() ^ ((uint64_t)getpid() << 32) ^
			    (uint64_t)(uintptr_t)name);
	for (int tries = 0; tries < 100; tries++) {
		char sfx[7];

		for (int i = 0; i < 6; i++) {
			sfx[i] = al[r % (sizeof(al) - 1)];
			r /= sizeof(al) - 1;
		}
		sfx[6] = '\0';
		r = splitmix64_hash(r + (uint64_t)tries);
		snprintf(name, namesz, STORAGE_PREFIX "%ld-%s", (long)getpid(),
			 sfx);
		fd = openat(dirfd, name,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0) {
			*named = 1;
			/* Unlinked at once: nothing is left even if we die.
			** The name stays in name[] for messages. */
			if (unlinkat(dirfd, name, 0) != 0) {
				int e = errno;

				close(fd);
				return -e;
			}
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int
storage_cleanup_leftovers(int dirfd)
{
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int removed = 0;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (d == NULL) {
		int e = errno;

		close(dfd);
		return -e;
	}
	while ((de = readdir(d)) != NULL) {
		const char *p = de->d_name;
		char *end;
		long pid;
		struct stat sb;

		if (strncmp(p, STORAGE_PREFIX, sizeof(STORAGE_PREFIX) - 1) != 0)
			continue;
		p += sizeof(STORAGE_PREFIX) - 1;
		errno = 0;
		pid = strtol(p, &end, 10);
		if (errno != 0 || end == p || *end != '-' || pid <= 0)
			continue;
		if (pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive, or not ours to judge */
		if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int
storage_set_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, fl | O_DIRECT) != 0)
		return -errno;
	return 0;
}

uint32_t
storage_dio_align(int fd)
{
#ifdef STATX_DIOALIGN
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align > 0)
		return sx.stx_dio_offset_align;
#else
	(void)fd;
#endif
	return 512;
}

int
storage_free_bytes(int fd, uint64_t *bytes)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) != 0)
		return -errno;
	*bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	return 0;
}

void
storage_fs_name(int fd, char *buf, size_t n)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} names[] = {
		{ 0xef53, "ext4" },       /* ext2/3/4 share it */
		{ 0x58465342, "xfs" },
		{ 0x9123683e, "btrfs" },
		{ 0x01021994, "tmpfs" },
		{ 0x794c7630, "overlay" },
		{ 0x6969, "nfs" },
		{ 0x2fc12fc1, "zfs" },
		{ 0xf2f52010, "f2fs" },
		{ 0x4d44, "vfat" },
		{ 0x65735546, "fuse" },
		{ 0x858458f6, "ramfs" },
		{ 0xff534d42, "cifs" },
		{ 0x01021997, "9p" },
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0) {
		snprintf(buf, n, "unknown (%s)", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((unsigned long)sf.f_type == names[i].magic) {
			snprintf(buf, n, "%s", names[i].name);
			return;
		}
	snprintf(buf, n, "0x%lx", (unsigned long)sf.f_type);
}

int64_t
storage_pio(int fd, int wr, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t k = wr ? pwrite(fd, (char *)buf + got, len - got,
					(off_t)(off + got))
			       : pread(fd, (char *)buf + got, len - got,
				       (off_t)(off + got));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (int64_t)got;
}

/* storage_pio of all len bytes: 0, -errno, or -EIO when the file ended
** first. */
static int
storage_pio_all(int fd, int wr, void *buf, size_t len, uint64_t off)
{
	int64_t n = storage_pio(fd, wr, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

int
storage_layout(int fd, uint64_t size, void *buf, size_t chunk,
	       uint64_t salt, uint64_t *at)
{
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? (size_t)(size - off) : chunk;
		int rc;

		storage_fill(buf, len, off, salt);
		rc = storage_pio_all(fd, 1, buf, len, off);
		if (rc != 0) {
			*at = off;
			return rc;
		}
	}
	if (fsync(fd) != 0) {
		*at = size;
		return -errno;
	}
	return 0;
}

int
storage_layout_fio(int fd, uint64_t size, void *buf, size_t chunk,
		   uint64_t salt, int with_data, int *fallocated, uint64_t *at)
{
	int fl = fcntl(fd, F_GETFL), rc = 0;

	*at = 0;
	if (fl < 0)
		return -errno;
	/* fio's fallocate=native: one call for the whole size, which on ext4
	** and xfs gives few, contiguous extents; file systems without it go
	** on with what the writes (or ftruncate) allocate. */
	*fallocated = fallocate(fd, 0, 0, (off_t)size) == 0;
	if (!*fallocated && errno != EOPNOTSUPP && errno != ENOSYS &&
	    errno != EINVAL)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0)
		return -errno;
	if (!with_data)
		return 0;
	/* The data goes through the page cache, as fio's layout writes: the
	** kernel writes it back in large requests at the fsync. */
	if ((fl & O_DIRECT) && fcntl(fd, F_SETFL, fl & ~O_DIRECT) != 0)
		return -errno;
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? (size_t)(size - off) : chunk;

		storage_fill(buf, len, off, salt);
		rc = storage_pio_all(fd, 1, buf, len, off);
		if (rc != 0) {
			*at = off;
			break;
		}
	}
	if (rc == 0 && fsync(fd) != 0) {
		*at = size;
		rc = -errno;
	}
	/* What reads then find is the device's, not the page cache's. */
	if (rc == 0)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if ((fl & O_DIRECT) && fcntl(fd, F_SETFL, fl) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

int
storage_verify_file(int fd, uint64_t size, void *buf, size_t chunk,
		    uint64_t salt, uint64_t *at)
{
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t len = size - off < chunk ? (size_t)(size - off) : chunk;
		int rc = storage_pio_all(fd, 0, buf, len, off);
		int64_t bad;

		if (rc != 0) {
			*at = off;
			return rc;
		}
		bad = storage_check(buf, len, off, salt);
		if (bad >= 0) {
			*at = off + (uint64_t)bad;
			return 1;
		}
	}
	return 0;
}

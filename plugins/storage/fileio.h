/*
** fileio.h - files of the storage plugin: creating its one data file
** safely inside a directory, cleaning leftovers, the free-space check,
** O_DIRECT, and the data pattern that writes lay down and reads verify.
** Private to plugins/storage; functions return 0 or -errno unless said.
*/
#ifndef STORAGE_FILEIO_H
#define STORAGE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Prefix of named data files: dyno-storage-<pid>-XXXXXX. */
#define STORAGE_PREFIX "dyno-storage-"

/* Creates a private read-write file in the directory dirfd: an O_TMPFILE
** file when the file system supports it (*named = 0), else a new file
** dyno-storage-<pid>-XXXXXX opened with O_CREAT|O_EXCL|O_NOFOLLOW, whose
** name is copied to name[] and which is unlinked before returning
** (*named = 1).  Returns the descriptor or -errno. */
int storage_file_create(int dirfd, char *name, size_t namesz, int *named);

/* Removes the files dyno-storage-<pid>-* in dirfd whose process is gone
** (leftovers of a crash).  Only regular files are removed, never through
** a symlink.  Returns the number removed or -errno. */
int storage_cleanup_leftovers(int dirfd);

/* Turns on O_DIRECT for fd: 0, or -EINVAL when the file system refuses. */
int storage_set_direct(int fd);

/* The offset alignment direct I/O needs on fd (statx STATX_DIOALIGN), or
** 512 when the kernel does not say. */
uint32_t storage_dio_align(int fd);

/* Free bytes for an unprivileged user on the file system of fd. */
int storage_free_bytes(int fd, uint64_t *bytes);

/* The file system type of fd as a short name ("ext4", "tmpfs"), or its
** magic number in hex; written to buf. */
void storage_fs_name(int fd, char *buf, size_t n);

/* The data pattern: byte i of the file is a pure function of (salt, i)
** built from a counter-based 64-bit mixer, so every 8-byte word differs,
** nothing repeats, and a reader can recompute what a writer wrote. */
void storage_fill(void *buf, size_t len, uint64_t off, uint64_t salt);
/*
** Per write, what fio's default scramble_buffers does to its buffer: in
** every 512-byte block, the block's file offset in one of its eight cache
** lines (which one: the time xor the offset) and the time in the last 16
** bytes of the first line.  No two writes carry the same data (no gain
** for a deduplicating or compressing device), at fio's cost: two cache
** lines per 512 bytes.  T_NS is the write's start (fio counts this work
** in the write's latency, and so does the probe).  Used when `verify` is
** off; verify writes storage_fill's full pattern.
*/
void storage_stamp(void *buf, size_t len, uint64_t off, uint64_t t_ns);
/* Checks buf against the pattern; -1 when equal, else the index of the
** first differing byte. */
int64_t storage_check(const void *buf, size_t len, uint64_t off,
		      uint64_t salt);

/* pread (wr 0) or pwrite (wr 1) of len bytes at off, over short
** transfers and EINTR as fio does.  Returns the bytes moved, fewer than
** len only when the file ended (a transfer of 0 bytes), or -errno. */
int64_t storage_pio(int fd, int wr, void *buf, size_t len, uint64_t off);

/* Writes the pattern over [0, size) with writes of `chunk` bytes from buf
** (aligned for O_DIRECT), then fsyncs.  On error *at is the offset. */
int storage_layout(int fd, uint64_t size, void *buf, size_t chunk,
		   uint64_t salt, uint64_t *at);

/* How the data file is laid out before the run (the probe's `layout`). */
enum storage_layout_mode {
	/* As fio lays out a new file: fallocate the size, then, when the
	** probe reads or verifies, buffered writes of `chunk` bytes, fsync
	** and POSIX_FADV_DONTNEED; a probe that only writes gets the
	** fallocated (unwritten) extents and no data, as fio's write jobs. */
	STORAGE_LAYOUT_FIO = 0,
	/* Every block written through fd as it is (O_DIRECT when on), then
	** fsync: writes in the run overwrite allocated, written blocks. */
	STORAGE_LAYOUT_DIRECT = 1
};

/* fio's layout of [0, size) on fd (see STORAGE_LAYOUT_FIO): the data
** pattern is written when with_data, through a buffered view of fd
** (O_DIRECT is turned off for the writes and back on after).  *fallocated
** says whether the file system took the fallocate (fio goes on without
** it, as this does).  On error *at is the offset. */
int storage_layout_fio(int fd, uint64_t size, void *buf, size_t chunk,
		       uint64_t salt, int with_data, int *fallocated,
		       uint64_t *at);

/* Reads [0, size) back in `chunk` pieces and checks the pattern.  Returns
** 0, -errno, or 1 on a mismatch with *at the file offset of the first
** differing byte. */
int storage_verify_file(int fd, uint64_t size, void *buf, size_t chunk,
			uint64_t salt, uint64_t *at);

#endif /* STORAGE_FILEIO_H */

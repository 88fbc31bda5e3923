/*
** iobuf.h - the storage plugin's I/O buffers, in ordinary pages or huge
** pages.
**
** Why huge pages matter: the kernel builds one request per I/O only when
** the buffer fits the device's segment limit, and a 1 MiB buffer in 4 KiB
** pages is 256 segments unless the page allocator happened to hand out
** neighbouring frames.  On a virtio disk (max_segments 254) that luck
** moved 1 MiB reads between 0.8 and 1.5 GB/s from run to run, for fio as
** for dyno; in 2 MiB pages every I/O is one segment (docs/probes.md).
** Private to plugins/storage.
*/
#ifndef STORAGE_IOBUF_H
#define STORAGE_IOBUF_H

#include <stddef.h>

enum storage_mem {
	STORAGE_MEM_MALLOC = 0, /* 4 KiB-aligned heap memory, as fio's mem=malloc */
	STORAGE_MEM_HUGE = 1    /* hugetlb pages, else transparent huge pages */
};

struct storage_iobuf {
	void *p;
	size_t len;     /* what was mapped or allocated */
	int mapped;     /* munmap (1) or free (0) */
};

/* Allocates at least `len` bytes, 4096-aligned, of the kind asked, and
** touches every page.  note[] says what was obtained, in words ("4 KiB
** pages", "hugetlb 2 MiB pages", "transparent huge pages: 6 of 8 MiB").
** 0 or -errno. */
int storage_iobuf_alloc(struct storage_iobuf *b, size_t len,
			enum storage_mem mem, char *note, size_t nn);

void storage_iobuf_free(struct storage_iobuf *b);

#endif /* STORAGE_IOBUF_H */

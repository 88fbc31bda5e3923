/*
** hugemem.h - buffers in ordinary 4 KiB pages or in huge pages, shared by
** the plugins that measure memory or move it (storage, cache).
**
** Why huge pages matter: the kernel builds one request per I/O only when
** the buffer fits the device's segment limit, and a 1 MiB buffer in 4 KiB
** pages is 256 segments unless the page allocator happened to hand out
** neighbouring frames.  On a virtio disk (max_segments 254) that luck
** moved 1 MiB reads between 0.8 and 1.5 GB/s from run to run, for fio as
** for dyno; in 2 MiB pages every I/O is one segment (docs/probes.md).
** A pointer chase over more than the TLB covers measures page walks on
** top of the cache in 4 KiB pages, which huge pages remove.
** Compiled into each plugin that uses it; not part of the plugin ABI.
*/
#ifndef DYNO_PLUGINS_HUGEMEM_H
#define DYNO_PLUGINS_HUGEMEM_H

#include <stddef.h>

enum hugemem_kind {
	HUGEMEM_SMALL = 0, /* 4 KiB-aligned heap memory, as fio's mem=malloc */
	HUGEMEM_HUGE = 1,  /* hugetlb pages, else transparent huge pages */
	/* Transparent huge pages only, never the hugetlb pool: a 2 MiB-
	** aligned mapping with MADV_HUGEPAGE.  The same single segment per
	** 2 MiB without taking pages others reserved (and without changing
	** the pool's free count, which the inventory reports). */
	HUGEMEM_THP = 2
};

struct hugemem {
	void *p;
	size_t len;     /* what was mapped or allocated */
	int mapped;     /* munmap (1) or free (0) */
};

/* Allocates at least `len` bytes, 4096-aligned, of the kind asked.  Huge
** pages are faulted in here (the note says how many the kernel gave);
** 4 KiB pages are left for their first user to touch.  note[] says what was obtained, in words ("4 KiB
** pages", "hugetlb 2 MiB pages", "transparent huge pages: 6 of 8 MiB").
** 0 or -errno. */
int hugemem_alloc(struct hugemem *b, size_t len, enum hugemem_kind kind,
		  char *note, size_t nn);

void hugemem_free(struct hugemem *b);

#endif /* DYNO_PLUGINS_HUGEMEM_H */

/*
** hugemem.c - buffers in ordinary or huge pages (see hugemem.h for why).
**
** HUGEMEM_HUGE takes huge pages from the hugetlb pool when it has free
** pages (what fio's iomem=mmaphuge uses), else, as HUGEMEM_THP always
** does, from transparent huge pages by madvise on a 2 MiB-aligned
** anonymous mapping; /proc/self/smaps then says how much the
** kernel really backed with huge pages, and the note reports it.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_HUGETLB, MADV_HUGEPAGE */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hugemem.h"

#define HUGEMEM_2M (2u << 20)

static size_t
hugemem_round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* AnonHugePages of the mapping that starts at p, in bytes; 0 if unknown.
** Header lines are the only ones that parse as "lo-hi". */
static size_t
hugemem_thp_bytes(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	int in = 0;
	size_t kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		uintptr_t lo, hi;

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2) {
			in = lo == (uintptr_t)p;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %zu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

static void
hugemem_touch(void *p, size_t len)
{
	/* Fault every page in now, not during the timed run. */
	for (size_t i = 0; i < len; i += 4096)
		((volatile char *)p)[i] = 1;
}

int
hugemem_alloc(struct hugemem *b, size_t len, enum hugemem_kind kind,
	      char *note, size_t nn)
{
	size_t hl = hugemem_round_up(len, HUGEMEM_2M);
	void *p;

	memset(b, 0, sizeof(*b));
	if (kind == HUGEMEM_SMALL) {
		if (posix_memalign(&b->p, 4096, len) != 0)
			return -ENOMEM;
		b->len = len;
		/* Not touched here: the first thread to write a page decides
		** its NUMA node, and that should be the thread that uses it. */
		snprintf(note, nn, "4 KiB pages");
		return 0;
	}
	p = kind == HUGEMEM_THP ? MAP_FAILED
	    : mmap(NULL, hl, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p != MAP_FAILED) {
		b->p = p;
		b->len = hl;
		b->mapped = 1;
		snprintf(note, nn, "hugetlb 2 MiB pages");
		return 0;
	}
	/* No hugetlb pool: map 2 MiB more than needed and start at a 2 MiB
	** boundary, so every 2 MiB of the buffer can be one huge page. */
	p = mmap(NULL, hl + HUGEMEM_2M, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	{
		uintptr_t a = (uintptr_t)p;
		uintptr_t al = hugemem_round_up(a, HUGEMEM_2M);
		size_t head = al - a, tail = HUGEMEM_2M - head;

		if (head > 0)
			munmap(p, head);
		if (tail > 0)
			munmap((char *)al + hl, tail);
		p = (void *)al;
	}
	b->p = p;
	b->len = hl;
	b->mapped = 1;
	if (madvise(p, hl, MADV_HUGEPAGE) != 0) {
		hugemem_touch(p, hl);
		snprintf(note, nn, "4 KiB pages: %smadvise(MADV_HUGEPAGE): %s",
			 kind == HUGEMEM_THP ? "" : "no hugetlb pool and ",
			 strerror(errno));
		return 0;
	}
	hugemem_touch(p, hl);
	snprintf(note, nn, "transparent huge pages: %zu of %zu MiB%s",
		 hugemem_thp_bytes(p) >> 20, hl >> 20,
		 kind == HUGEMEM_THP ? "" : " (no free hugetlb pages)");
	return 0;
}

void
hugemem_free(struct hugemem *b)
{
	if (b->p == NULL)
		return;
	if (b->mapped)
		munmap(b->p, b->len);
	else
		free(b->p);
	b->p = NULL;
}

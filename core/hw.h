/*
** hw.h - hardware inventory: hwloc for packages, cores, threads, caches and
** NUMA; /proc and sysfs for the CPU model and ISA flags, memory, OS, block
** devices and network interfaces (hw.c); its fingerprint
** (hw_fingerprint.c); the text `dyno hw` prints (hw_print.c).
*/
#ifndef DYNO_HW_H
#define DYNO_HW_H

#include <stdio.h>
#include <jansson.h>

#include "err.h"

/*
** Collect the inventory as a new JSON object (schema in
** docs/results-format.md, "Hardware inventory").  Facts that cannot be read
** are left out, never invented.  Returns NULL with err filled only when
** hwloc itself cannot start.
*/
json_t *hw_collect(struct dyno_err *err);

/*
** Compute the stable fingerprint of inv (a 16-hex-digit hash of the facts
** that identify the hardware: CPU model, counts, caches, memory total,
** block device models and sizes, GPUs and other plugin facts; not free
** memory, uptime or the host name), store it as inv["fingerprint"] and
** return it (borrowed from inv, valid until that key is replaced).  An
** existing "fingerprint" key is ignored, so calling it again gives the same
** value.  Returns NULL only when inv is not an object or jansson runs out
** of memory.  (hw_fingerprint.c)
*/
const char *hw_fingerprint(json_t *inv);

/* The facts a tune is bound to (CPU model and counts, whole GiB of
** memory, GPU names), a new object; a tune read on other hardware names
** which of these differ.  (hw_fingerprint.c) */
json_t *hw_summary(const json_t *inv);

/* Nonzero when key is one of the top-level keys hw_collect writes;
** any other came from a plugin. */
int hw_is_own_key(const char *key);

/* Print inv for humans, aligned, sizes scaled (hw_print.c). */
void hw_print(FILE *fp, const json_t *inv);

#endif

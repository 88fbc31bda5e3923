/*
** probes.h - the cache plugin's probe descriptors.  Each is defined in the
** file of its family; cache.c lists them.  Private to plugins/cache.
*/
#ifndef CACHE_PROBES_H
#define CACHE_PROBES_H

#include <dyno/plugin.h>

/* chase.c: memory hierarchy latency */
extern const struct dyno_probe cache_latency_probe;
/* detect.c: level boundaries from a latency sweep */
extern const struct dyno_probe cache_detect_probe;
/* bandwidth.c: STREAM kernels */
extern const struct dyno_probe cache_bandwidth_probe;
/* mrc_probe.c: miss-ratio curve of a key trace */
extern const struct dyno_probe cache_mrc_probe;
/* kv.c: Redis */
extern const struct dyno_probe cache_kv_latency_probe;
extern const struct dyno_probe cache_kv_throughput_probe;
extern const struct dyno_probe cache_kv_replay_probe;

#endif /* CACHE_PROBES_H */

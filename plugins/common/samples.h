/*
** samples.h - what a plugin's worker threads measure before the calling
** thread records it: latencies, one per operation, and counts per fixed
** window of the run, turned into rates.  Worker threads may not call
** h->record() (plugin.h); they fill these, and run() records them after
** joining the workers.  Compiled into each plugin that uses it.
*/
#ifndef DYNO_PLUGINS_SAMPLES_H
#define DYNO_PLUGINS_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

#include <dyno/plugin.h>

/* Latencies in seconds, as floats (7 digits are ample), grown by
** doubling up to `max` samples; beyond that they are dropped and
** `capped` says so. */
struct samples {
	float *v;
	size_t n, cap;
	int capped;
};

void samples_push(struct samples *s, double v, size_t max);
void samples_free(struct samples *s);
/* h->record(metric, v) for each sample. */
void samples_record(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const char *metric, const struct samples *s);

/*
** Closes the windows of a run that lasted `el` ns, in windows of `win_ns`
** (nwin of them, the last one possibly partial).  A last window shorter
** than half a window joins the one before, in each of the nc count
** arrays, so the mean of the window rates stays within a few per cent of
** total / time.  Returns the index of the last window kept and sets
** *last_ns to its length.
*/
size_t windows_close(uint64_t el, uint64_t win_ns, size_t nwin,
		     uint64_t *const *counts, size_t nc, uint64_t *last_ns);

/* Records counts[i] / window length as `metric` for windows 0..k. */
void windows_record(const struct dyno_host *h, struct dyno_ctx *ctx,
		    const char *metric, const uint64_t *counts, size_t k,
		    uint64_t win_ns, uint64_t last_ns);

#endif /* DYNO_PLUGINS_SAMPLES_H */

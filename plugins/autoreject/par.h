/*
** par.h - a parallel for-loop over pthreads, for channels, folds and
** epochs.  Tasks write only to their own slots, so results do not depend
** on the number of threads or on scheduling.
*/
#ifndef AR_PAR_H
#define AR_PAR_H

#include <stddef.h>

/* One task: index i of n, run by worker w (0 <= w < threads), for
** per-worker scratch.  Returns AR_OK or an AR_E* code. */
typedef int (*ar_task_fn)(void *arg, size_t i, unsigned w);

/* Runs fn(arg, i, w) for i in [0, n) on up to `threads` threads (the
** calling one included).  Returns AR_OK, or the error of the lowest i
** that failed (remaining tasks are skipped after a failure), or
** AR_ENOMEM when a thread could not be started and the caller's thread
** could not do the work alone (it always can: a failed pthread_create
** just means fewer workers). */
int ar_par_for(unsigned threads, size_t n, ar_task_fn fn, void *arg);

#endif /* AR_PAR_H */

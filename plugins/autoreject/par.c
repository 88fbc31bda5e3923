/*
** par.c - parallel for-loop: workers take the next index from a shared
** counter, so uneven tasks (channels with more evaluations) balance.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ar.h"
#include "par.h"

struct job {
	ar_task_fn fn;
	void *arg;
	size_t n;
	atomic_size_t next;
	atomic_int failed;
	pthread_mutex_t lock;
	size_t err_i;   /* lowest failed index, under lock */
	int err;
};

struct worker {
	struct job *job;
	unsigned w;
};

static void *
work(void *p)
{
	struct worker *wk = p;
	struct job *j = wk->job;

	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		int rc;

		if (i >= j->n || atomic_load(&j->failed))
			break;
		rc = j->fn(j->arg, i, wk->w);
		if (rc != AR_OK) {
			pthread_mutex_lock(&j->lock);
			if (j->err == AR_OK || i < j->err_i) {
				j->err = rc;
				j->err_i = i;
			}
			pthread_mutex_unlock(&j->lock);
			atomic_store(&j->failed, 1);
		}
	}
	return NULL;
}

int
ar_par_for(unsigned threads, size_t n, ar_task_fn fn, void *arg)
{
	struct job j = { .fn = fn, .arg = arg, .n = n };
	pthread_t tid[64];
	struct worker wk[64];
	unsigned started = 0;

	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	if (threads > n)
		threads = n > 0 ? (unsigned)n : 1;
	atomic_init(&j.next, 0);
	atomic_init(&j.failed, 0);
	pthread_mutex_init(&j.lock, NULL);
	for (unsigned t = 1; t < threads; t++) {
		wk[t].job = &j;
		wk[t].w = t;
		if (pthread_create(&tid[t], NULL, work, &wk[t]) != 0)
			break;
		started++;
	}
	wk[0].job = &j;
	wk[0].w = 0;
	work(&wk[0]);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&j.lock);
	return j.err;
}

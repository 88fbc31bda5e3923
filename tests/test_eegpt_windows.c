/* test_eegpt_windows.c - eegpt.pipeline's windows (plugins/eegpt/
** windows.c): the kept epochs joined in order and cut every T samples,
** every sample where braindecode's fixed-length windows put it, windows
** across epoch joins, the rest dropped, nothing when no window fits. */
#include "config.h"

#include <stdlib.h>

#include <criterion/criterion.h>

#include "ar_api.h"
#include "windows.h"

/* Sample i of epoch e, channel c: distinct and exact in a float. */
static double
value(size_t e, size_t c, size_t i)
{
	return (double)(e * 100000 + c * 1000 + i);
}

static void
fill(struct ar_epochs *ep, size_t n_ep, size_t n_ch, size_t n_t)
{
	cr_assert_eq(ar_epochs_alloc(ep, n_ep, n_ch, n_t), AR_OK);
	for (size_t e = 0; e < n_ep; e++)
		for (size_t c = 0; c < n_ch; c++)
			for (size_t i = 0; i < n_t; i++)
				AR_ROW(ep, e, c)[i] = value(e, c, i);
}

/* Every sample of every window against the joined signal's. */
static void
check(size_t n_ep, size_t n_ch, size_t n_t, size_t t)
{
	struct ar_epochs ep;
	size_t n, want = n_ep * n_t / t;
	float *w;

	fill(&ep, n_ep, n_ch, n_t);
	w = eegpt_windows(&ep, t, &n);
	cr_assert_eq(n, want, "%zu epochs of %zu, windows of %zu: %zu, not %zu",
	    n_ep, n_t, t, n, want);
	cr_assert_not_null(w);
	for (size_t k = 0; k < n; k++)
		for (size_t c = 0; c < n_ch; c++)
			for (size_t s = 0; s < t; s++) {
				size_t g = k * t + s;	/* in the joined signal */

				cr_assert_eq(w[(k * n_ch + c) * t + s],
				    (float)value(g / n_t, c, g % n_t),
				    "window %zu channel %zu sample %zu", k, c, s);
			}
	free(w);
	ar_epochs_free(&ep);
}

Test(windows, epochs_divide_the_window)
{
	check(8, 3, 256, 512);	/* 2 epochs a window */
}

Test(windows, windows_straddle_joins)
{
	check(7, 2, 100, 256);	/* 700 samples: 2 windows, 188 dropped */
	check(5, 4, 300, 128);	/* windows inside and across epochs */
}

Test(windows, window_of_one_epoch)
{
	check(3, 2, 64, 64);
}

Test(windows, none_fits)
{
	struct ar_epochs ep;
	size_t n = 99;

	fill(&ep, 3, 2, 100);
	cr_assert_null(eegpt_windows(&ep, 301, &n));
	cr_assert_eq(n, 0);
	ar_epochs_free(&ep);
	cr_assert_null(eegpt_windows(&(struct ar_epochs){ 0 }, 64, &n));
	cr_assert_eq(n, 0);
}

/*
** ar_api.h - the AutoReject library (libautoreject.a) as other plugins
** use it, e.g. the eegpt plugin's eegpt.pipeline: read a recording into
** epochs, fit and apply AutoReject, keep the clean epochs.  The one
** header of plugins/autoreject that another plugin includes.
**
** The library links LAPACKE and OpenBLAS: link it into the plugin's
** implementation library, never into the shell dyno loads
** (plugins/common/heavy.h), and call ar_blas_single_thread() from the
** implementation's init.  Functions return AR_OK or a negative AR_E*
** code (ar_strerror), or 0 / -1 with a one-line reason in err.
*/
#ifndef AR_API_H
#define AR_API_H

#include "ar.h"            /* struct ar_epochs, AR_OK, ar_strerror */
#include "fit.h"           /* ar_fit, ar_transform, struct ar_fit_opts */
#include "input.h"         /* ar_read_edf, ar_read_raw, ar_check_finite */
#include "probe_params.h"  /* AR_INPUT_PARAMS, ar_input_from_params */
#include "spline.h"        /* ar_blas_single_thread */
#include "synth.h"         /* ar_synth: a recording with known artifacts */

/*
** Fits AutoReject with o on ep and applies it: out receives the epochs it
** kept (allocated here, ar_epochs_free; names and positions copied), their
** bad channels interpolated, in their order in ep; kept[0..n_epochs-1]
** (when not NULL) says which epochs of ep those are.  Every epoch
** rejected gives an empty out and AR_OK.  Returns AR_OK or an AR_E* code
** (out is then empty).
*/
int ar_clean_epochs(const struct ar_epochs *ep, const struct ar_fit_opts *o,
		    struct ar_epochs *out, unsigned char *kept);

#endif /* AR_API_H */

/*
** probe_params.h - what the autoreject probes share: the input
** parameters (synthetic, EDF, raw) and turning them into epochs.
*/
#ifndef AR_PROBE_PARAMS_H
#define AR_PROBE_PARAMS_H

#include <dyno/plugin.h>

#include "ar.h"
#include "synth.h"

/* The input parameters, as designated initialisers for a param array. */
#define AR_INPUT_PARAMS                                                    \
	{ .name = "source", .type = DYNO_PARAM_ENUM, .def = "synthetic",   \
	  .choices = "synthetic|edf|raw",                                  \
	  .help = "synthetic: built-in generator; edf: path=FILE.edf; raw: path + header" }, \
	{ .name = "path", .type = DYNO_PARAM_STRING, .def = "",            \
	  .help = "edf/raw: the recording" },                              \
	{ .name = "header", .type = DYNO_PARAM_STRING, .def = "",          \
	  .help = "raw: JSON header {names, sfreq, positions, n_times}" }, \
	{ .name = "positions", .type = DYNO_PARAM_STRING, .def = "",       \
	  .help = "edf: file of x y z (metres) per EEG channel, instead of 10-20 labels" }, \
	{ .name = "channels", .type = DYNO_PARAM_INT, .def = "20",         \
	  .min = "4", .max = "128",                                        \
	  .help = "synthetic: channels (10-20, then 10-10, 10-05 positions)" }, \
	{ .name = "sfreq", .type = DYNO_PARAM_FLOAT, .def = "256",         \
	  .min = "32", .max = "8192", .help = "synthetic: sampling rate, Hz" }, \
	{ .name = "duration", .type = DYNO_PARAM_DURATION, .def = "5min",  \
	  .min = "10s", .max = "24h", .help = "synthetic: recording length" }, \
	{ .name = "epoch", .type = DYNO_PARAM_DURATION, .def = "1s",       \
	  .min = "100ms", .max = "60s", .help = "epoch length" },          \
	{ .name = "blink_rate", .type = DYNO_PARAM_FLOAT, .def = "0.06",   \
	  .min = "0", .max = "1", .help = "synthetic: blinks per epoch (probability)" }, \
	{ .name = "muscle_rate", .type = DYNO_PARAM_FLOAT, .def = "0.04",  \
	  .min = "0", .max = "1", .help = "synthetic: muscle bursts per epoch (probability)" }, \
	{ .name = "bad_epoch_rate", .type = DYNO_PARAM_FLOAT, .def = "0.03", \
	  .min = "0", .max = "1", .help = "synthetic: globally bad epochs (probability)" }, \
	{ .name = "noisy_channels", .type = DYNO_PARAM_INT, .def = "1",    \
	  .min = "0", .max = "8", .help = "synthetic: channels noisy throughout" }, \
	{ .name = "seed", .type = DYNO_PARAM_INT, .def = "1", .min = "0",  \
	  .help = "generator and CV splits: the same seed, the same result" }, \
	{ .name = "threads", .type = DYNO_PARAM_INT, .def = "1",           \
	  .min = "1", .max = "64",                                         \
	  .help = "threads over channels, folds and epochs (results do not depend on it)" }

/* The rho grid: channels to interpolate per epoch. */
#define AR_MAX_RHO 16
#define AR_RHO_PARAM                                                       \
	{ .name = "n_interpolate", .type = DYNO_PARAM_STRING, .def = "1,4,32", \
	  .help = "AutoReject's rho grid: channels to interpolate per epoch (values >= channels dropped)" }

/* "1,4,32" into RHO[AR_MAX_RHO], dropping values >= N_CH (so the default
** grid works for any channel count).  Returns the count; <= 0 with ERR
** set when the list is malformed or nothing is left. */
int	ar_parse_rho(const char *s, size_t n_ch, int *rho, char *err,
	    size_t errlen);

/* A loaded recording; truth is set (has_truth) for synthetic input. */
struct ar_input {
	struct ar_epochs ep;
	struct ar_truth truth;
	int has_truth;
	char what[4200];   /* "synthetic 20 ch ..." or the path */
};

/* Loads the recording the parameters describe and checks it is finite.
** Returns DYNO_OK or the host's fail() outcome (the sentence names the
** input); on failure in is left empty. */
int ar_input_from_params(const struct dyno_host *h, struct dyno_ctx *ctx,
			 struct ar_input *in);
void ar_input_free(struct ar_input *in);

#endif /* AR_PROBE_PARAMS_H */

/*
** montage.h - electrode names and positions of the 10-20 / 10-10 / 10-05
** systems on an idealised spherical head, and label lookup for recordings.
*/
#ifndef AR_MONTAGE_H
#define AR_MONTAGE_H

#include <stddef.h>

#define AR_NAME_MAX 16
#define AR_HEAD_RADIUS 0.095   /* metres */
#define AR_MAX_CHANNELS 128

/* The first n names of the montage in order of preference (the 19 10-20
** electrodes, Oz, Fpz, then 10-10, then 10-05) with their head-frame
** positions in metres (x right, y nasion, z vertex).  Returns 0, or -1 if
** n is above AR_MAX_CHANNELS or below 1. */
int ar_montage_standard(size_t n, char (*names)[AR_NAME_MAX],
			double (*pos)[3]);

/* Position of one label ("Fp1", "EEG T3-REF", "c3"): case-insensitive,
** with the old 10-20 names T3 T4 T5 T6 as aliases and common recording
** prefixes/suffixes removed.  Writes the cleaned standard name into
** name_out (may be NULL).  Returns 0, or -1 if the label is unknown. */
int ar_montage_lookup(const char *label, double pos[3],
		      char name_out[AR_NAME_MAX]);

#endif /* AR_MONTAGE_H */

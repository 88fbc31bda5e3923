/*
** units.h - parse and format quantities with units: 1.5GiB, 250us,
** 3.2GB/s, 12k op/s.
**
** Every parser takes the whole string (no trailing garbage), fills *out only
** on success, and on failure returns DYNO_EINVAL (DYNO_ERANGE for a number
** out of range, a negative size or duration included) with a one-line
** message in err that quotes the input and names the expected form.
** Numbers are decimal: [+-]digits[.digits][e[+-]digits]; no hex, inf, nan
** or surrounding blanks, but blanks may separate a number from its unit
** ("4 KiB").  err may be NULL.
*/
#ifndef DYNO_UNITS_H
#define DYNO_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Bytes.  "4096", "4k"/"4K"/"4KiB" = 4096, "4KB"/"4kB" = 4000, and the
** same for M, G, T, P (prefix letter in either case); "B" alone is bytes;
** "4kb" (bits?) is refused.  "1.5GiB" allowed (rounded to the nearest
** byte, halves up).  Negative or > UINT64_MAX is an error. */
int units_parse_size(const char *s, uint64_t *out, struct dyno_err *err);

/* Nanoseconds.  "250ns" "250us" "1.5ms" "2s" "1m" "1min" "1h", also "ps"
** and micro as U+00B5 or U+03BC; a bare number is seconds; rounded to the
** nearest ns.  Negative is an error. */
int units_parse_duration(const char *s, uint64_t *out_ns,
			 struct dyno_err *err);

/* Signed 64-bit integer.  Decimal suffixes k/K/M/G/T (x1000) allowed:
** "12k" = 12000, "12.5k" = 12500, "1e3" = 1000.  Overflow (DYNO_ERANGE) and
** fractions that do not give an integer ("12.5") are errors. */
int units_parse_int(const char *s, int64_t *out, struct dyno_err *err);

/* Finite double.  A trailing "%" divides by 100 ("2%" = 0.02). */
int units_parse_float(const char *s, double *out, struct dyno_err *err);

/* true/false, yes/no, on/off, 1/0 (case-insensitive). */
int units_parse_bool(const char *s, int *out, struct dyno_err *err);

/*
** A number with an optional unit, converted to the base unit `unit`
** ("s", "B", "B/s", "op/s", "Hz", "%", "" ...), for thresholds:
** ("100ms", "s") -> 0.1; ("1.2GB/s", "B/s") -> 1.2e9; ("2GiB", "B");
** ("30", "op/s") -> 30; ("12k", "op/s") -> 12000.  A unit that does not
** match the metric's ("1ms" for "B/s") is an error naming both.  A bare
** number is in the metric's unit; the sign is allowed.  Accepted units:
**   s, ms, us, ns   any duration unit of units_parse_duration, rescaled
**   B               the size units of units_parse_size
**   B/s             a size unit followed by "/s": GB/s = 1e9, GiB/s = 2^30
**   %               "5%" = 5 (the metric is in percent already)
**   other, ""       prefix n u m k M G T P (decimal) and/or the unit
**                   itself: "12kop/s", "12k op/s", "12k", "30 op/s"
*/
int units_parse_value(const char *s, const char *unit, double *out,
		      struct dyno_err *err);

/*
** Format value (in base unit `unit`) for humans with an SI prefix and 3
** significant digits: (8.5e-7, "s") -> "850 ns"; (1.23e9, "B/s") ->
** "1.23 GB/s"; (12000, "op/s") -> "12.0 kop/s"; (4096, "B") -> "4.10 kB"
** (decimal prefixes everywhere, as fio and hyperfine print rates).
** Prefixes p n u m (times stop at s: 125 -> "125 s"), n u m k M G T P for
** other units ("500 mop/s"), none for "%" ("12.5 %"); "" gives a bare
** number ("1.50 k", "42.0").  ms, us and ns values are shown as times
** ((1500, "ms") -> "1.50 s").  0 is "0 s"; the sign is kept.  What it
** prints units_parse_value reads back.  Writes at most n bytes to buf
** (truncating), returns buf.
*/
char *units_format(double value, const char *unit, char *buf, size_t n);

#endif

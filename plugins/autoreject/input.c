/*
** input.c - EDF and raw recordings into epochs.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#ifdef HAVE_EDFLIB
#include <edflib.h>
#endif

#include "input.h"
#include "montage.h"

/* Rates and epochs beyond any EEG recording (whose sizes could wrap). */
#define IN_MAX_SFREQ 1e6
#define IN_MAX_TIMES (1 << 24)

int
ar_check_finite(const struct ar_epochs *ep, const char *what, char *err,
		size_t errlen)
{
	for (size_t e = 0; e < ep->n_epochs; e++)
		for (size_t c = 0; c < ep->n_ch; c++) {
			const double *x = AR_ROW(ep, e, c);

			for (size_t t = 0; t < ep->n_times; t++)
				if (!isfinite(x[t])) {
					snprintf(err, errlen, "%s: sample %zu of "
						 "channel %s in epoch %zu is %s; "
						 "expected finite values", what, t,
						 ep->names[c], e,
						 isnan(x[t]) ? "NaN" : "infinite");
					return -1;
				}
		}
	return 0;
}

#ifdef HAVE_EDFLIB
/* Reads n "[label] x y z" lines from path into pos (EDF files carry no
** positions; raw headers have their own). */
static int
read_positions(const char *path, size_t n, double (*pos)[3], char *err,
	       size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[512];
	size_t k = 0, lineno = 0;

	if (f == NULL) {
		snprintf(err, errlen, "positions=%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *end;
		double v[3];
		int got = 0;

		lineno++;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		if (!(isdigit((unsigned char)*s) || *s == '-' || *s == '+' ||
		      *s == '.'))
			while (*s && !isspace((unsigned char)*s))
				s++;   /* a leading label */
		for (; got < 3; got++) {
			v[got] = strtod(s, &end);
			if (end == s)
				break;
			s = end;
		}
		if (got != 3 || k >= n) {
			fclose(f);
			snprintf(err, errlen, "positions=%s: line %zu: %s", path,
				 lineno, got != 3 ? "expected x y z in metres" :
				 "more lines than EEG channels");
			return -1;
		}
		memcpy(pos[k++], v, sizeof(v));
	}
	fclose(f);
	if (k != n) {
		snprintf(err, errlen, "positions=%s: %zu positions for %zu EEG "
			 "channels; expected one x y z line per channel", path,
			 k, n);
		return -1;
	}
	return 0;
}

static const char *
edf_error(int code)
{
	switch (code) {
	case EDFLIB_MALLOC_ERROR: return "out of memory";
	case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY: return "no such file or directory";
	case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
		return "not a valid EDF/EDF+ file (format error, or truncated)";
	case EDFLIB_MAXFILES_REACHED: return "too many open EDF files";
	case EDFLIB_FILE_READ_ERROR: return "read error";
	case EDFLIB_FILE_ALREADY_OPENED: return "file already open";
	case EDFLIB_FILETYPE_ERROR: return "not an EDF/EDF+ file";
	case EDFLIB_NUMBER_OF_SIGNALS_INVALID: return "invalid number of signals";
	case EDFLIB_FILE_IS_DISCONTINUOUS:
		return "discontinuous EDF+ (EDF+D) is not supported";
	default: return "cannot be read";
	}
}

/* Labels of signals that are not EEG. */
static int
not_eeg(const char *label)
{
	static const char *const pre[] = {
		"ECG", "EKG", "EOG", "EMG", "RESP", "STATUS", "EVENT", "SPO2",
		"PULSE", "TEMP", "MARKER", "TRIGGER", "STI", "PHOTIC", "HR",
	};
	const char *s = label;

	while (*s == ' ')
		s++;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncasecmp(s, pre[i], strlen(pre[i])) == 0)
			return 1;
	return 0;
}

/* Volts per physical unit, 0 if the unit is unknown. */
static double
unit_scale(const char *dim)
{
	char d[16];
	size_t n = 0;

	for (const char *s = dim; *s && n < sizeof(d) - 1; s++)
		if (*s != ' ')
			d[n++] = *s;
	d[n] = '\0';
	if (strcmp(d, "uV") == 0 || strcmp(d, "\xc2\xb5V") == 0 ||
	    strcmp(d, "\xb5V") == 0 || strcmp(d, "UV") == 0)
		return 1e-6;
	if (strcmp(d, "mV") == 0)
		return 1e-3;
	if (strcmp(d, "V") == 0)
		return 1;
	if (strcmp(d, "nV") == 0)
		return 1e-9;
	return 0;
}

static int
read_edf(const char *path, const char *positions_path, double epoch,
	    struct ar_epochs *ep, char *err, size_t errlen)
{
	struct edf_hdr_struct *h = calloc(1, sizeof(*h));
	int sig[EDFLIB_MAXSIGNALS], open = 0, rc = -1;
	size_t n = 0, len, e_n, unknown_len = 0;
	char unknown[512] = "";
	double sfreq = 0, *buf = NULL;
	long long smp = 0;

	memset(ep, 0, sizeof(*ep));
	if (h == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (edfopen_file_readonly(path, h, EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0) {
		snprintf(err, errlen, "%s: %s", path, edf_error(h->filetype));
		goto out;
	}
	open = 1;
	for (int i = 0; i < h->edfsignals; i++) {
		const struct edf_param_struct *p = &h->signalparam[i];
		double pos[3], sf;

		if (not_eeg(p->label))
			continue;
		if (positions_path == NULL &&
		    ar_montage_lookup(p->label, pos, NULL) != 0) {
			char lab[20];
			size_t l;

			snprintf(lab, sizeof(lab), "%s", p->label);
			for (l = strlen(lab); l > 0 && lab[l - 1] == ' '; l--)
				lab[l - 1] = '\0';
			unknown_len += (size_t)snprintf(unknown + unknown_len,
				unknown_len < sizeof(unknown) ?
				sizeof(unknown) - unknown_len : 0,
				"%s'%s'", unknown_len ? ", " : "", lab);
			if (unknown_len >= sizeof(unknown))
				unknown_len = sizeof(unknown) - 1;
			continue;
		}
		sf = (double)p->smp_in_datarecord * EDFLIB_TIME_DIMENSION /
		     (double)h->datarecord_duration;
		if (n > 0 && (sf != sfreq || p->smp_in_file != smp)) {
			snprintf(err, errlen, "%s: signal '%s' is sampled at %g "
				 "Hz, others at %g Hz; expected one rate for "
				 "every EEG signal", path, p->label, sf, sfreq);
			goto out;
		}
		if (unit_scale(p->physdimension) == 0) {
			snprintf(err, errlen, "%s: signal '%s' has physical "
				 "dimension '%s'; expected uV, mV, V or nV",
				 path, p->label, p->physdimension);
			goto out;
		}
		sfreq = sf;
		smp = p->smp_in_file;
		sig[n++] = i;
	}
	if (unknown_len > 0) {
		snprintf(err, errlen, "%s: unknown channel label(s) %s; expected "
			 "10-20/10-05 names, or give positions=FILE", path,
			 unknown);
		goto out;
	}
	if (n < 2 || n > AR_MAX_CHANNELS) {
		snprintf(err, errlen, "%s: %zu EEG signals; expected 2 to %d",
			 path, n, AR_MAX_CHANNELS);
		goto out;
	}
	if (sfreq > IN_MAX_SFREQ || epoch * sfreq > IN_MAX_TIMES) {
		snprintf(err, errlen, "%s: sampled at %g Hz, %g samples per "
			 "epoch; expected at most %g Hz and %d samples", path,
			 sfreq, epoch * sfreq, IN_MAX_SFREQ, IN_MAX_TIMES);
		goto out;
	}
	len = (size_t)llround(epoch * sfreq);
	e_n = len > 0 ? (size_t)smp / len : 0;
	if (e_n < 3) {
		snprintf(err, errlen, "%s: %lld samples at %g Hz make %zu epochs "
			 "of %g s; expected at least 3", path, smp, sfreq, e_n,
			 epoch);
		goto out;
	}
	if (ar_epochs_alloc(ep, e_n, n, len) != AR_OK ||
	    (buf = malloc((size_t)smp * sizeof(*buf))) == NULL) {
		snprintf(err, errlen, "%s: out of memory for %zu x %zu x %zu "
			 "samples", path, e_n, n, len);
		goto out;
	}
	ep->sfreq = sfreq;
	for (size_t c = 0; c < n; c++) {
		const struct edf_param_struct *p = &h->signalparam[sig[c]];
		double scale = unit_scale(p->physdimension);

		if (positions_path == NULL)
			ar_montage_lookup(p->label, ep->pos[c], ep->names[c]);
		if (positions_path != NULL || ep->names[c][0] == '\0') {
			size_t l;

			snprintf(ep->names[c], AR_NAME_MAX, "%s", p->label);
			for (l = strlen(ep->names[c]);
			     l > 0 && ep->names[c][l - 1] == ' '; l--)
				ep->names[c][l - 1] = '\0';
		}
		if (edfread_physical_samples(h->handle, sig[c], (int)smp,
					     buf) != (int)smp) {
			snprintf(err, errlen, "%s: cannot read the samples of "
				 "'%s' (truncated file?)", path, p->label);
			goto out;
		}
		for (size_t e = 0; e < e_n; e++)
			for (size_t t = 0; t < len; t++)
				AR_ROW(ep, e, c)[t] = buf[e * len + t] * scale;
	}
	if (positions_path != NULL &&
	    read_positions(positions_path, n, ep->pos, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (open)
		edfclose_file(h->handle);
	free(h);
	free(buf);
	if (rc != 0)
		ar_epochs_free(ep);
	return rc;
}
#else
static int
read_edf(const char *path, const char *positions_path, double epoch,
	    struct ar_epochs *ep, char *err, size_t errlen)
{
	(void)positions_path;
	(void)epoch;
	memset(ep, 0, sizeof(*ep));
	snprintf(err, errlen, "%s: this autoreject plugin was built without "
		 "libedf (install libedf-dev and rebuild)", path);
	return -1;
}
#endif

static int
read_raw(const char *path, const char *header_path, double epoch,
	    struct ar_epochs *ep, char *err, size_t errlen)
{
	json_error_t je;
	json_t *hdr = NULL, *names, *sf, *posv, *nt;
	FILE *f = NULL;
	long size;
	size_t q, len, e_n;
	double sfreq;
	int rc = -1;

	memset(ep, 0, sizeof(*ep));
	hdr = json_load_file(header_path, 0, &je);
	if (hdr == NULL) {
		snprintf(err, errlen, "header=%s: line %d: %s", header_path,
			 je.line, je.text);
		return -1;
	}
	names = json_object_get(hdr, "names");
	sf = json_object_get(hdr, "sfreq");
	posv = json_object_get(hdr, "positions");
	nt = json_object_get(hdr, "n_times");
	if (!json_is_array(names) || !json_is_number(sf) ||
	    json_number_value(sf) <= 0 ||
	    (posv != NULL && !json_is_array(posv)) ||
	    (nt != NULL && (!json_is_integer(nt) || json_integer_value(nt) < 1))) {
		snprintf(err, errlen, "header=%s: expected {\"names\": [...], "
			 "\"sfreq\": Hz > 0, optional \"positions\": [[x, y, "
			 "z], ...] and \"n_times\": samples}", header_path);
		goto out;
	}
	q = json_array_size(names);
	sfreq = json_number_value(sf);
	if (q < 2 || q > AR_MAX_CHANNELS ||
	    (posv != NULL && json_array_size(posv) != q)) {
		snprintf(err, errlen, "header=%s: %zu names%s; expected 2 to %d "
			 "channels, as many positions as names", header_path, q,
			 posv != NULL ? " and a different number of positions" :
			 "", AR_MAX_CHANNELS);
		goto out;
	}
	/* Bounds first, so that q * len * 8 below cannot wrap. */
	if (sfreq > IN_MAX_SFREQ ||
	    (nt != NULL ? json_integer_value(nt) > IN_MAX_TIMES :
			  epoch * sfreq > IN_MAX_TIMES)) {
		snprintf(err, errlen, "header=%s: sfreq %g Hz, %s samples per "
			 "epoch; expected at most %g Hz and %d samples",
			 header_path, sfreq, nt != NULL ? "n_times" : "epoch x sfreq",
			 IN_MAX_SFREQ, IN_MAX_TIMES);
		goto out;
	}
	len = nt != NULL ? (size_t)json_integer_value(nt) :
			   (size_t)llround(epoch * sfreq);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		snprintf(err, errlen, "path=%s: %s", path, strerror(errno));
		goto out;
	}
	if (len == 0 || (size_t)size % (q * len * 8) != 0 ||
	    (size_t)size / (q * len * 8) < 3) {
		snprintf(err, errlen, "path=%s: %ld bytes is not a whole number "
			 "(>= 3) of epochs of %zu channels x %zu float64 samples",
			 path, size, q, len);
		goto out;
	}
	e_n = (size_t)size / (q * len * 8);
	if (ar_epochs_alloc(ep, e_n, q, len) != AR_OK) {
		snprintf(err, errlen, "path=%s: out of memory", path);
		goto out;
	}
	ep->sfreq = sfreq;
	for (size_t c = 0; c < q; c++) {
		json_t *nm = json_array_get(names, c);

		if (!json_is_string(nm)) {
			snprintf(err, errlen, "header=%s: names[%zu] is not a "
				 "string", header_path, c);
			goto out;
		}
		if (posv != NULL) {
			json_t *p = json_array_get(posv, c);

			for (int i = 0; i < 3; i++) {
				json_t *v = json_array_get(p, (size_t)i);

				if (!json_is_number(v) || json_array_size(p) != 3) {
					snprintf(err, errlen, "header=%s: "
						 "positions[%zu]: expected [x, y, "
						 "z] in metres", header_path, c);
					goto out;
				}
				ep->pos[c][i] = json_number_value(v);
			}
			snprintf(ep->names[c], AR_NAME_MAX, "%s",
				 json_string_value(nm));
		} else if (ar_montage_lookup(json_string_value(nm), ep->pos[c],
					     ep->names[c]) != 0) {
			snprintf(err, errlen, "header=%s: unknown channel label "
				 "'%s'; expected 10-20/10-05 names, or "
				 "\"positions\"", header_path,
				 json_string_value(nm));
			goto out;
		}
	}
	rewind(f);
	{
		size_t total = e_n * q * len;
		unsigned char b[8];

		for (size_t i = 0; i < total; i++) {
			uint64_t u = 0;

			if (fread(b, 1, 8, f) != 8) {
				snprintf(err, errlen, "path=%s: short read",
					 path);
				goto out;
			}
			for (int k = 7; k >= 0; k--)
				u = u << 8 | b[k];
			memcpy(&ep->data[i], &u, sizeof(u));
		}
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	json_decref(hdr);
	if (rc != 0)
		ar_epochs_free(ep);
	return rc;
}

/* Errors are one line, but they quote what the input holds (channel
** labels, names, jansson's view of a header's bad bytes): a control
** character there would break the line, so it shows as '?'. */
static int
one_line(int rc, char *err)
{
	for (char *p = err; rc < 0 && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return rc;
}

int
ar_read_edf(const char *path, const char *positions_path, double epoch,
	    struct ar_epochs *ep, char *err, size_t errlen)
{
	return one_line(read_edf(path, positions_path, epoch, ep, err, errlen),
			err);
}

int
ar_read_raw(const char *path, const char *header_path, double epoch,
	    struct ar_epochs *ep, char *err, size_t errlen)
{
	return one_line(read_raw(path, header_path, epoch, ep, err, errlen),
			err);
}

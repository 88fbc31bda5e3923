/*
** export.c - a recording in the raw input format (samples + JSON header).
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "export.h"
#include "jsonout.h"

/* Appends [e] for each flagged index, or the names of flagged channels. */
static int
flagged(json_t *arr, const unsigned char *f, size_t n,
	const struct ar_epochs *names)
{
	int ok = arr != NULL;

	for (size_t i = 0; ok && i < n; i++)
		if (f[i])
			ok = json_array_append_new(arr, names ?
				json_string(names->names[i]) :
				json_integer((json_int_t)i)) == 0;
	return ok;
}

static json_t *
truth_json(const struct ar_epochs *ep, const struct ar_truth *t)
{
	json_t *o = json_object(), *tr = json_array(), *gl = json_array();
	json_t *no = json_array(), *co = json_array();
	int ok = o && co && flagged(tr, t->epoch, t->n_epochs, NULL) &&
		 flagged(gl, t->global, t->n_epochs, NULL) &&
		 flagged(no, t->noisy, t->n_ch, ep);

	for (size_t e = 0; ok && e < t->n_epochs; e++)
		for (size_t c = 0; ok && c < t->n_ch; c++)
			if (t->contam[e * t->n_ch + c])
				ok = json_array_append_new(co, json_pack("[II]",
					(json_int_t)e, (json_int_t)c)) == 0;
	ok = ok && json_object_set(o, "transient", tr) == 0 &&
	     json_object_set(o, "global", gl) == 0 &&
	     json_object_set(o, "noisy", no) == 0 &&
	     json_object_set(o, "contaminated", co) == 0;
	json_decref(tr);
	json_decref(gl);
	json_decref(no);
	json_decref(co);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
header_json(const struct ar_epochs *ep, const struct ar_truth *truth)
{
	json_t *h = json_object(), *names = json_array(), *pos = json_array();
	int ok = h && names && pos;

	for (size_t c = 0; ok && c < ep->n_ch; c++) {
		ok = json_array_append_new(names,
					   json_string(ep->names[c])) == 0 &&
		     json_array_append_new(pos, json_pack("[fff]",
			ep->pos[c][0], ep->pos[c][1], ep->pos[c][2])) == 0;
	}
	ok = ok && json_object_set(h, "names", names) == 0 &&
	     json_object_set_new(h, "sfreq", json_real(ep->sfreq)) == 0 &&
	     json_object_set(h, "positions", pos) == 0 &&
	     json_object_set_new(h, "n_times",
				 json_integer((json_int_t)ep->n_times)) == 0;
	if (ok && truth != NULL) {
		json_t *t = truth_json(ep, truth);

		ok = t != NULL && json_object_set_new(h, "truth", t) == 0;
	}
	json_decref(names);
	json_decref(pos);
	if (!ok) {
		json_decref(h);
		return NULL;
	}
	return h;
}

/* The samples, little-endian whatever the host. */
static int
write_samples(FILE *f, const struct ar_epochs *ep)
{
	size_t n = ep->n_epochs * ep->n_ch * ep->n_times;

	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		unsigned char b[8];

		memcpy(&u, &ep->data[i], sizeof(u));
		for (int k = 0; k < 8; k++)
			b[k] = (unsigned char)(u >> (8 * k));
		if (fwrite(b, 1, sizeof(b), f) != sizeof(b))
			return -1;
	}
	return 0;
}

int
ar_export_raw(const char *path, const struct ar_epochs *ep,
	      const struct ar_truth *truth, char *err, size_t errlen)
{
	char tmp[4200], hdr[4200];
	json_t *h;
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp) ||
	    (size_t)snprintf(hdr, sizeof(hdr), "%s.json", path) >= sizeof(hdr)) {
		snprintf(err, errlen, "save=%.200s...: path too long", path);
		return -1;
	}
	if ((f = fopen(tmp, "wb")) == NULL) {
		snprintf(err, errlen, "save=%s: cannot create %s: %s", path, tmp,
			 strerror(errno));
		return -1;
	}
	rc = write_samples(f, ep);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "save=%s: cannot write the samples: %s",
			 path, strerror(errno));
		remove(tmp);
		return -1;
	}
	if ((h = header_json(ep, truth)) == NULL) {
		snprintf(err, errlen, "save=%s: out of memory building the "
			 "header", path);
		return -1;
	}
	rc = ar_json_write_atomic("save", hdr, h, err, errlen);
	json_decref(h);
	return rc;
}

/*
** rejectlog.c - writing the reject log (JSON, via jansson).
*/
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "jsonout.h"
#include "rejectlog.h"

static json_t *
build(const struct ar_epochs *ep, const struct ar_model *m,
      const struct ar_reject_log *log, double global_thresh)
{
	json_t *root = json_object(), *chans = json_array();
	json_t *bad = json_array(), *labels = json_array();
	json_t *th = json_object();
	char *s = malloc(log->n_ch + 1);
	int ok = root && chans && bad && labels && th && s;

	for (size_t c = 0; ok && c < ep->n_ch; c++) {
		ok &= json_array_append_new(chans,
					    json_string(ep->names[c])) == 0;
		ok &= json_object_set_new(th, ep->names[c],
					  json_real(m->thresh[c])) == 0;
	}
	for (size_t e = 0; ok && e < log->n_epochs; e++) {
		if (log->bad[e])
			ok &= json_array_append_new(bad,
				json_integer((json_int_t)e)) == 0;
		for (size_t c = 0; c < log->n_ch; c++)
			s[c] = (char)('0' + log->labels[e * log->n_ch + c]);
		s[log->n_ch] = '\0';
		ok &= json_array_append_new(labels, json_string(s)) == 0;
	}
	free(s);
	if (ok) {
		ok &= json_object_set_new(root, "n_epochs",
			json_integer((json_int_t)log->n_epochs)) == 0;
		ok &= json_object_set(root, "channels", chans) == 0;
		ok &= json_object_set(root, "bad_epochs", bad) == 0;
		ok &= json_object_set(root, "labels", labels) == 0;
		ok &= json_object_set(root, "thresholds", th) == 0;
		ok &= json_object_set_new(root, "consensus",
					  json_real(m->consensus)) == 0;
		ok &= json_object_set_new(root, "n_interpolate",
			json_integer(m->n_interpolate)) == 0;
		ok &= json_object_set_new(root, "global_threshold",
					  json_real(global_thresh)) == 0;
	}
	json_decref(chans);
	json_decref(bad);
	json_decref(labels);
	json_decref(th);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int
ar_rejectlog_write(const char *path, const struct ar_epochs *ep,
		   const struct ar_model *m, const struct ar_reject_log *log,
		   double global_thresh, char *err, size_t errlen)
{
	json_t *root = build(ep, m, log, global_thresh);
	int rc;

	if (root == NULL) {
		snprintf(err, errlen, "log=%s: out of memory building the "
			 "reject log", path);
		return -1;
	}
	rc = ar_json_write_atomic("log", path, root, err, errlen);
	json_decref(root);
	return rc;
}

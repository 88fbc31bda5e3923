/* fleet_rebuild.c - a fleet document from rank 0's store (and its .nodes) after rank 0 died. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_int.h"
#include "results.h"
#include "xmalloc.h"

/*
** Each line of path as JSON, into out (appended).  A last line without
** its newline is what a rank 0 killed mid-write leaves: it is dropped
** and counted in *torn.  Any other line that is not a JSON object is an
** error naming the file and line.  A missing file is ENOENT.
*/
static int
read_lines(const char *path, json_t *out, int *torn, struct dyno_err *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;

	if (fp == NULL)
		return dyno_err_set(err, errno == ENOENT ? DYNO_ENOENT : DYNO_EIO,
		    "cannot read %s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_error_t je;
		json_t *j;

		lineno++;
		if (line[n - 1] != '\n') {
			(*torn)++;
			break;
		}
		j = json_loads(line, 0, &je);
		if (!json_is_object(j)) {
			json_decref(j);
			rc = dyno_err_set(err, DYNO_EINVAL, "%s:%zu: expected a "
			    "JSON object a line (a fleet store), got %s", path,
			    lineno, j ? "another JSON value" : je.text);
			break;
		}
		json_array_append_new(out, j);
	}
	free(line);
	fclose(fp);
	return rc;
}

static int
rank_of(const json_t *j, const char *key)
{
	const json_t *r = json_object_get(j, key);

	if (strcmp(key, "node") == 0)
		r = json_object_get(r, "rank");
	return json_is_integer(r) && json_integer_value(r) >= 0 &&
	    json_integer_value(r) < 1000000 ? (int)json_integer_value(r) : -1;
}

json_t *
fleet_rebuild(const char *store, double outlier_z, struct dyno_err *err)
{
	json_t *records = json_array(), *lines = json_array(), *doc, *j, *fl;
	struct fleet f;
	char *np = xasprintf("%s%s", store, FLEET_NODES_SUFFIX);
	int torn = 0, have_nodes = 1, rc;
	size_t i;

	memset(&f, 0, sizeof(f));
	if ((rc = read_lines(store, records, &torn, err)) == 0 &&
	    (rc = read_lines(np, lines, &torn, err)) == DYNO_ENOENT) {
		have_nodes = 0;
		rc = 0;
	}
	free(np);
	json_array_foreach(records, i, j) {
		if (rc == 0 && rank_of(j, "node") < 0)
			rc = dyno_err_set(err, DYNO_EINVAL, "%s:%zu: a record "
			    "without node.rank: not a fleet store", store, i + 1);
		if (rank_of(j, "node") >= f.w.nranks)
			f.w.nranks = rank_of(j, "node") + 1;
	}
	json_array_foreach(lines, i, j) {
		const json_t *m = json_object_get(j, "message");
		int nr = (int)json_integer_value(json_object_get(m, "ranks"));

		if (rank_of(j, "rank") >= f.w.nranks)
			f.w.nranks = rank_of(j, "rank") + 1;
		if (nr > f.w.nranks && nr < 1000000)
			f.w.nranks = nr;
	}
	if (rc == 0 && f.w.nranks == 0)
		rc = dyno_err_set(err, DYNO_EINVAL, "%s: no record and no node: "
		    "nothing to rebuild", store);
	if (rc != 0) {
		json_decref(records);
		json_decref(lines);
		return NULL;
	}
	f.nodes = xcalloc((size_t)f.w.nranks, sizeof(*f.nodes));
	f.records = records;
	f.o.outlier_z = outlier_z;
	f.o.store = store;
	json_array_foreach(lines, i, j) {
		struct fleet_node *n;
		const char *tag = json_string_value(json_object_get(j, "tag"));
		json_t *m = json_object_get(j, "message");
		int r = rank_of(j, "rank");

		if (r < 0 || tag == NULL || !json_is_object(m))
			continue;
		n = &f.nodes[r];
		if (strcmp(tag, "hello") == 0) {
			json_decref(n->hello);
			n->hello = json_incref(m);
		} else if (strcmp(tag, "done") == 0) {
			json_decref(n->done);
			n->done = json_incref(m);
			n->status = FLEET_NODE_DONE;
		}
	}
	json_array_foreach(records, i, j)
		f.nodes[rank_of(j, "node")].nrecords++;
	for (int r = 0; r < f.w.nranks; r++) {
		if (f.nodes[r].status == FLEET_NODE_DONE)
			continue;
		f.nodes[r].status = FLEET_NODE_LOST;
		f.nlost++;
		snprintf(f.nodes[r].lost_why, sizeof(f.nodes[r].lost_why),
		    "not finished in the store (rank 0 ended first): its "
		    "records there are kept");
	}
	doc = json_pack("{s:i, s:s, s:s, s:n, s:n, s:{s:O?}, s:[], s:[]}",
	    "schema", RESULTS_SCHEMA, "kind", "dyno.run", "dyno_version",
	    PACKAGE_VERSION, "suite", "finished_at", "host", "fingerprint",
	    json_object_get(f.nodes[0].hello, "fingerprint"), "results",
	    "verdicts");
	doc = fleet_document(&f, doc);
	fl = json_object_get(doc, "fleet");
	/* What rank 0 received and when is not in the store. */
	json_object_del(fl, "rank0");
	json_object_set_new(fl, "timeout_s", json_null());
	json_object_set_new(fl, "rebuilt", json_pack("{s:s, s:b, s:i}",
	    "from", store, "nodes_file", have_nodes, "torn_lines", torn));
	for (int r = 0; r < f.w.nranks; r++) {
		json_decref(f.nodes[r].hello);
		json_decref(f.nodes[r].done);
	}
	free(f.nodes);
	json_decref(records);
	json_decref(lines);
	return doc;
}

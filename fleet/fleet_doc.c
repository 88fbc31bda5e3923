/* fleet_doc.c - rank 0's fleet run document: nodes, everyone's records and verdicts, the fleet member. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fleet_int.h"

static const char *
status_name(enum fleet_node_status s)
{
	switch (s) {
	case FLEET_NODE_DONE: return "done";
	case FLEET_NODE_LOST: return "lost";
	default: return "running";
	}
}

/* {rank, hostname, fingerprint, status, ...}: one node of the fleet. */
static json_t *
node_json(const struct fleet *f, int r)
{
	const struct fleet_node *n = &f->nodes[r];
	json_t *j = json_pack("{s:i, s:O?, s:O?, s:s, s:I}", "rank", r,
	    "hostname", json_object_get(n->hello, "hostname"),
	    "fingerprint", json_object_get(n->hello, "fingerprint"),
	    "status", status_name(n->status), "records", (json_int_t)n->nrecords);

	json_object_set(j, "node_leader", json_object_get(n->hello,
	    "node_leader"));
	json_object_set(j, "hw", json_object_get(n->hello, "hw"));
	if (n->done) {
		json_object_set(j, "exit_code", json_object_get(n->done,
		    "exit_code"));
		json_object_set(j, "summary", json_object_get(n->done, "summary"));
		if (json_is_object(json_object_get(n->done, "tune")))
			json_object_set(j, "tune", json_object_get(n->done,
			    "tune"));
	}
	if (n->status == FLEET_NODE_LOST) {
		json_object_set_new(j, "lost", json_string(n->lost_why));
		if (n->dropped)
			json_object_set_new(j, "dropped_after_lost",
			    json_integer((json_int_t)n->dropped));
	}
	/* Fields a lost node never sent are null, not missing. */
	if (json_object_get(j, "hostname") == NULL)
		json_object_set_new(j, "hostname", json_null());
	if (json_object_get(j, "fingerprint") == NULL)
		json_object_set_new(j, "fingerprint", json_null());
	return j;
}

/* Add every count of a node's summary to the fleet's. */
static void
add_counts(json_t *sum, const json_t *add)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)add, k, v) {
		if (json_is_object(v)) {
			json_t *into = json_object_get(sum, k);

			if (into == NULL) {
				into = json_object();
				json_object_set_new(sum, k, into);
			}
			add_counts(into, v);
		} else if (json_is_integer(v)) {
			json_t *have = json_object_get(sum, k);

			json_object_set_new(sum, k, json_integer(
			    json_integer_value(v) + json_integer_value(have)));
		}
	}
}

int
fleet_exit_code(const struct fleet *f)
{
	int code = 0;

	for (int r = 0; r < f->w.nranks; r++) {
		const struct fleet_node *n = &f->nodes[r];
		int c = n->status == FLEET_NODE_DONE ? (int)json_integer_value(
		    json_object_get(n->done, "exit_code")) : 2;

		if (c > code)
			code = c;
	}
	return code;
}

json_t *
fleet_document(struct fleet *f, json_t *doc)
{
	json_t *nodes = json_array(), *verdicts = json_array();
	json_t *summary = json_object(), *fleet, *groups;
	uint64_t t0 = clock_now_ns();
	size_t i;
	json_t *n;

	for (int r = 0; r < f->w.nranks; r++) {
		const json_t *done = f->nodes[r].done;
		json_t *v;

		json_array_append_new(nodes, node_json(f, r));
		json_array_foreach(json_object_get(done, "verdicts"), i, v) {
			json_t *c = json_deep_copy(v);

			json_object_set_new(c, "node", json_pack("{s:i, s:O?, s:O?}",
			    "rank", r, "hostname", json_object_get(
			    f->nodes[r].hello, "hostname"), "local",
			    json_object_get(f->nodes[r].hello, "node_rank")));
			json_array_append_new(verdicts, c);
		}
		add_counts(summary, json_object_get(done, "summary"));
	}
	json_object_set_new(summary, "nodes", json_pack("{s:i, s:i}",
	    "done", f->w.nranks - f->nlost, "lost", f->nlost));
	groups = fleet_groups(nodes);
	/* The hardware is said once per group, not once per node. */
	json_array_foreach(nodes, i, n)
		json_object_del(n, "hw");
	fleet = json_pack("{s:i, s:f, s:f, s:s?, s:o, s:o, s:o}",
	    "ranks", f->w.nranks, "timeout_s", (double)f->o.timeout_ns / 1e9,
	    "outlier_z", f->o.outlier_z, "store", f->o.store,
	    "nodes", nodes, "groups", groups,
	    "stats", fleet_stats(f->records, f->o.outlier_z));
	/* What rank 0 did (docs/fleet.md: how it scales). */
	json_object_set_new(fleet, "rank0", json_pack("{s:I, s:I, s:I, s:f, s:f}",
	    "messages", (json_int_t)f->nmsg, "bytes", (json_int_t)f->nbytes,
	    "max_message_bytes", (json_int_t)f->max_msg,
	    "wait_s", f->all_done_ns > f->own_done_ns ?
	    (double)(f->all_done_ns - f->own_done_ns) / 1e9 : 0.0,
	    "document_s", (double)(clock_now_ns() - t0) / 1e9));
	json_object_set(doc, "results", f->records);
	json_object_set_new(doc, "verdicts", verdicts);
	json_object_set_new(doc, "summary", summary);
	json_object_set_new(doc, "fleet", fleet);
	/* The tune is per node (nodes[].tune); rank 0's is not the fleet's. */
	json_object_del(doc, "tune");
	return doc;
}

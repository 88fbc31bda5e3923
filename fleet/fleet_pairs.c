/* fleet_pairs.c - node pairs of a fleet run: MPI latency and bandwidth between ranks, OSU-style, as records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dyno/plugin.h>

#include "clock.h"
#include "fleet_int.h"
#include "results.h"
#include "stats.h"
#include "xmalloc.h"

/* What one pair measures: the OSU micro-benchmarks' osu_latency (8-byte
** messages) and osu_bw (1 MiB messages, a window of 16). */
#define PAIRS_LAT_BYTES 8
#define PAIRS_LAT_N 1000
#define PAIRS_BW_BYTES (1024 * 1024)
#define PAIRS_BW_WINDOW 16
#define PAIRS_BW_N 20

static json_t *
pair_record(const char *probe, int peer, size_t bytes,
	    const char *metric, const char *unit, int better,
	    const double *v, int n, const char *skip, uint64_t t0,
	    const json_t *host)
{
	struct stats_samples *s = stats_samples_new();
	char ts[40], id[64];
	json_t *rec;

	snprintf(id, sizeof(id), "network.%s", probe);
	results_timestamp(ts, sizeof(ts));
	for (int i = 0; v && i < n; i++)
		stats_samples_add(s, v[i]);
	rec = json_pack("{s:i, s:s, s:s, s:s, s:{s:i, s:I}, s:{s:s, s:s}, "
	    "s:s, s:s, s:s, s:f, s:s, s:O?}",
	    "schema", RESULTS_SCHEMA, "id", id, "plugin", "network",
	    "probe", probe, "params", "peer", peer, "bytes", (json_int_t)bytes,
	    "param_types", "peer", "int", "bytes", "size",
	    "status", skip ? "skipped" : "ok", "message", skip ? skip : "",
	    "started_at", ts, "duration_s", (double)(clock_now_ns() - t0) / 1e9,
	    "isolation", "in process (MPI)", "host", host);
	json_object_set_new(rec, "metrics", skip ? json_object() :
	    json_pack("{s:o}", metric, results_metric_json(unit, better, s)));
	stats_samples_free(s);
	return rec;
}

/* Pair i of mode ("ring": r with r + 1; "all": every a < b) as a, b;
** the number of pairs. */
static int
pair_count(const char *mode, int n)
{
	if (n < 2)
		return 0;
	if (strcmp(mode, "all") == 0)
		return n * (n - 1) / 2;
	return n == 2 ? 1 : n;
}

static void
pair_at(const char *mode, int n, int i, int *a, int *b)
{
	if (strcmp(mode, "all") == 0) {
		for (*a = 0; i >= n - 1 - *a; (*a)++)
			i -= n - 1 - *a;
		*b = *a + 1 + i;
		return;
	}
	*a = i;
	*b = (i + 1) % n;
}

static void
keep(struct fleet *f, json_t *rec)
{
	char *text = json_dumps(rec, RESULTS_JSON_FLAGS);

	json_decref(rec);
	if (text != NULL)
		fleet_enqueue(f, FLEET_TAG_RECORD, text);
}

/* A pair's failure, from the transport's code; NULL when it measured. */
static const char *
pair_why(int rc)
{
	if (rc == -2)
		return "the peer stopped answering within --fleet-timeout "
		    "(it gave up on the pairs, or is gone); no more pairs";
	return rc < 0 ? "out of memory" : NULL;
}

void
fleet_pairs(struct fleet *f, const char *mode, const json_t *host)
{
	int n = f->w.nranks, np = pair_count(mode, n);
	double *lat = xreallocarray(NULL, PAIRS_LAT_N, sizeof(double));
	double *bw = xreallocarray(NULL, PAIRS_BW_N, sizeof(double));

	for (int i = 0; i < np; i++) {
		uint64_t t0 = clock_now_ns();
		int a, b, rc;

		pair_at(mode, n, i, &a, &b);
		if (!f->w.pairs_ok) {
			if (f->w.rank == a) {
				const char *why = "this MPI gives no "
				    "MPI_THREAD_MULTIPLE, which node pairs need";

				keep(f, pair_record("mpi_pingpong", b,
				    PAIRS_LAT_BYTES, NULL, NULL, 0, NULL, 0, why,
				    t0, host));
				keep(f, pair_record("mpi_bandwidth", b,
				    PAIRS_BW_BYTES, NULL, NULL, 0, NULL, 0, why,
				    t0, host));
			}
			continue;
		}
		/* One pair at a time: no other pair shares the links. */
		if (f->t->barrier(f->o.timeout_ns) < 0) {
			fprintf(stderr, "dyno: fleet: node pairs stopped at pair "
			    "%d-%d: a rank did not come within "
			    "--fleet-timeout\n", a, b);
			break;
		}
		if (f->w.rank != a && f->w.rank != b)
			continue;
		rc = f->t->pingpong(f->w.rank == a ? b : a, f->w.rank == a,
		    PAIRS_LAT_BYTES, PAIRS_LAT_N, lat);
		if (f->w.rank == a)
			keep(f, pair_record("mpi_pingpong", b,
			    PAIRS_LAT_BYTES, "latency", "s", DYNO_BETTER_LOWER,
			    lat, PAIRS_LAT_N, pair_why(rc), t0, host));
		if (rc == -2)
			break;
		t0 = clock_now_ns();
		rc = f->t->bandwidth(f->w.rank == a ? b : a, f->w.rank == a,
		    PAIRS_BW_BYTES, PAIRS_BW_WINDOW, PAIRS_BW_N, bw);
		if (f->w.rank == a)
			keep(f, pair_record("mpi_bandwidth", b,
			    PAIRS_BW_BYTES, "bandwidth", "B/s",
			    DYNO_BETTER_HIGHER, bw, PAIRS_BW_N, pair_why(rc),
			    t0, host));
		if (rc == -2)
			break;
	}
	free(lat);
	free(bw);
}

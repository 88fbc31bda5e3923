/*
** fleet_merge.c - rank 0's side of a fleet run at a size this machine
** cannot start: R ranks' records (copies of a real store's, renumbered)
** parsed as received, appended to a store (fsync each, as dyno does),
** merged (fleet_stats) and the document serialised; prints the time of
** each step and the peak RSS.  For docs/fleet.md's scaling section.
**
** usage: fleet_merge STORE.jsonl RANKS [OUTDIR [BATCH]]
** BATCH: records written per fsync (dyno's rank 0 syncs once per batch
** of messages it found waiting; 1 is the worst case).
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "fleet.h"
#include "results.h"

int
main(int argc, char **argv)
{
	json_t *src = json_array(), *all = json_array(), *stats, *doc;
	struct dyno_err e;
	struct rusage ru;
	char line[1 << 20], *store, *text;
	uint64_t t0, t_parse = 0, t_append = 0, t_stats, t_dump, bytes = 0;
	long ranks, batch = 1, unsynced = 0;
	int fd;
	FILE *fp;
	size_t nsrc;

	if (argc < 3 || (ranks = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: fleet_merge STORE.jsonl RANKS [OUTDIR]\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	/* The records of the store's rank 0: one rank's worth. */
	while (fgets(line, sizeof(line), fp)) {
		json_t *r = json_loads(line, 0, NULL);

		if (r && json_integer_value(json_object_get(json_object_get(r,
		    "node"), "rank")) == 0)
			json_array_append(src, r);
		json_decref(r);
	}
	fclose(fp);
	nsrc = json_array_size(src);
	if (nsrc == 0) {
		fprintf(stderr, "fleet_merge: no records of rank 0 in %s\n",
		    argv[1]);
		return 2;
	}
	store = argc > 3 ? argv[3] : ".";
	if (argc > 4 && (batch = atol(argv[4])) < 1)
		batch = 1;
	{
		char *p = malloc(strlen(store) + 32);

		sprintf(p, "%s/fleet_merge.jsonl", store);
		unlink(p);
		if ((fd = results_open(p, &e)) < 0) {
			fprintf(stderr, "fleet_merge: %s\n", e.msg);
			return 2;
		}
		store = p;
	}
	for (long r = 0; r < ranks; r++) {
		for (size_t i = 0; i < nsrc; i++) {
			json_t *c = json_deep_copy(json_array_get(src, i)), *rec;

			json_object_set_new(json_object_get(c, "node"), "rank",
			    json_integer(r));
			/* As received: text, parsed at rank 0. */
			text = json_dumps(c, RESULTS_JSON_FLAGS);
			bytes += strlen(text);
			json_decref(c);
			t0 = clock_now_ns();
			rec = json_loads(text, 0, NULL);
			t_parse += clock_now_ns() - t0;
			t0 = clock_now_ns();
			{
				char *l = json_dumps(rec, RESULTS_JSON_FLAGS);
				size_t n = strlen(l);

				l[n++] = '\n';
				if (write(fd, l, n) != (ssize_t)n)
					perror("fleet_merge: write");
				free(l);
			}
			if (++unsynced >= batch) {
				fsync(fd);
				unsynced = 0;
			}
			t_append += clock_now_ns() - t0;
			json_array_append_new(all, rec);
			free(text);
		}
	}
	close(fd);
	unlink(store);
	free(store);
	t0 = clock_now_ns();
	stats = fleet_stats(all, FLEET_DEFAULT_OUTLIER_Z);
	t_stats = clock_now_ns() - t0;
	doc = json_pack("{s:o, s:{s:o}}", "results", all, "fleet", "stats",
	    stats);
	t0 = clock_now_ns();
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(9));
	t_dump = clock_now_ns() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("batch %ld ranks %ld records %zu message_bytes_avg %.0f parse_s %.3f "
	    "append_fsync_s %.3f stats_s %.3f dump_s %.3f doc_bytes %zu "
	    "peak_rss_mib %.1f\n", batch, ranks, (size_t)ranks * nsrc,
	    (double)bytes / (double)((size_t)ranks * nsrc), t_parse / 1e9,
	    t_append / 1e9, t_stats / 1e9, t_dump / 1e9, strlen(text),
	    ru.ru_maxrss / 1024.0);
	free(text);
	json_decref(doc);
	json_decref(src);
	return 0;
}

/* cmd_run.c - dyno run and dyno tune: a suite, its run document, the tune. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fleet.h"
#include "fleet_tune.h"
#include "hw.h"
#include "report_junit.h"
#include "results.h"
#include "suite.h"
#include "tune.h"
#include "units.h"
#include "xmalloc.h"

static int cmd_run(struct global *, int, char **);
static int cmd_tune(struct global *, int, char **);

const struct command cmd_run_entry = {
	.name = "run",
	.fn = cmd_run,
	.summary = "run a Lua suite: probes, checks, verdicts",
	.usage =
	    "dyno run SUITE.lua [-D name=value ...] [--out run.json] [--junit FILE]\n"
	    "         [--results FILE] [--output-dir DIR] [--unsafe-lua] [--json]\n"
	    "         [--time-limit DURATION] [--max-memory SIZE]\n"
	    "         [--fleet [--fleet-timeout DURATION] [--fleet-outlier-z Z]\n"
	    "          [--fleet-pairs ring|all]]\n"
	    "         [measurement options as for dyno probe]",
	.help =
	    "Run a suite.  Prints each probe's result and each check's verdict as\n"
	    "it goes, then a summary.\n"
	    "  -D, --define NAME=VALUE  a value for dyno.param(NAME, default)\n"
	    "  --out FILE        write the run document (JSON) to FILE\n"
	    "  --junit FILE      write JUnit XML: each check a test case\n"
	    "  --results FILE    append every probe's record to FILE (JSON lines)\n"
	    "  --output-dir DIR  where the suite may write files (default: .)\n"
	    "  --unsafe-lua      give the suite os.execute, io.popen, C modules\n"
	    "  --json            print the run document on stdout, the rest on stderr\n"
	    "  --time-limit DURATION  end the suite after DURATION of wall clock,\n"
	    "                    a probe running then killed (default: none)\n"
	    "  --max-memory SIZE end the suite when its Lua state would hold more\n"
	    "                    (default: a quarter of RAM; none: no limit)\n"
	    "  --fleet           one rank of an MPI job (mpirun, srun): every rank\n"
	    "                    runs the suite, rank 0 writes one fleet document\n"
	    "                    to --out and every record to --results (default:\n"
	    "                    the --out name with .jsonl) as it comes\n"
	    "  --fleet-timeout DURATION  a rank silent this long is lost (30s)\n"
	    "  --fleet-outlier-z Z  robust z of a node's median above which the\n"
	    "                    node is an outlier (3.5)\n"
	    "  --fleet-pairs ring|all  after the suite, MPI latency and\n"
	    "                    bandwidth between ranks: each with the next,\n"
	    "                    or every pair (network.mpi_pingpong/_bandwidth)\n"
	    "Exit status: 0 every check passed (or review), 1 a check failed,\n"
	    "2 a probe failed, the script raised an error, the suite passed a\n"
	    "limit, a fleet rank was lost, or bad input."
};

const struct command cmd_tune_entry = {
	.name = "tune",
	.fn = cmd_tune,
	.summary = "run the tuning suite and write the tune",
	.usage =
	    "dyno tune [--suite FILE] [-o dyno-tuned.yaml] [--env FILE]\n"
	    "          [--tune-json FILE] [--quick] [-D name=value ...]\n"
	    "          [--out run.json] [--junit FILE] [--results FILE]\n"
	    "          [--time-limit DURATION] [--max-memory SIZE]\n"
	    "          [--fleet [-D target=KEY=NUMBER] [fleet options of run]]\n"
	    "dyno tune --check FILE",
	.help =
	    "Run the tuning suite (default: the shipped tune.lua) and write the\n"
	    "tune: a YAML file a launcher reads (nested keys, a dyno: header with\n"
	    "the hardware fingerprint, a why: map of reasons), written atomically.\n"
	    "  -o FILE           the YAML tune (default dyno-tuned.yaml)\n"
	    "  --env FILE        also KEY=value lines (CPU_WORKERS=2)\n"
	    "  --tune-json FILE  also the tune as JSON\n"
	    "  --quick           shorter measurements (-D quick=true)\n"
	    "  --check FILE      is FILE made for this hardware?  Exit 0 yes,\n"
	    "                    1 no (and what differs), 2 unreadable\n"
	    "  --fleet           one rank of an MPI job: rank 0 writes a tune per\n"
	    "                    fingerprint group (-o's name with .FINGERPRINT)\n"
	    "                    and the fleet-wide keys to -o; the fleet document\n"
	    "                    to --out (default: -o's name with .fleet.json)\n"
	    "  -D target=KEY=NUMBER  with --fleet, a capacity plan: the nodes of\n"
	    "                    each group the throughput KEY=NUMBER needs\n"
	    "Other options as for dyno run.  If the suite raises an error or\n"
	    "passes a limit, the previous tune file is left untouched."
};

/* Options of run and tune. */
struct suite_args {
	struct runner_opts ro;
	char **defines;
	size_t ndefines;
	const char *out, *junit, *results, *outdir;
	const char *yaml, *env, *json_tune, *check, *suite;
	int unsafe, json, quick;
	uint64_t max_memory, time_limit_ns;
	int max_memory_set;
	int fleet;
	const char *fleet_pairs;
	struct fleet_opts fo;
};

/* --max-memory: a size of at least 1MiB (the state itself needs some),
** or none. */
static void
opt_max_memory(struct suite_args *a, const char *val)
{
	struct dyno_err e;

	a->max_memory_set = 1;
	if (strcmp(val, "none") == 0) {
		a->max_memory = 0;
		return;
	}
	if (units_parse_size(val, &a->max_memory, &e) < 0)
		usage_error("--max-memory: %s; or none", e.msg);
	if (a->max_memory < 1024 * 1024)
		usage_error("--max-memory '%s': expected at least 1MiB, or none",
			    val);
}

/* --time-limit: a duration above 0, or none. */
static void
opt_time_limit(struct suite_args *a, const char *val)
{
	if (strcmp(val, "none") == 0) {
		a->time_limit_ns = 0;
		return;
	}
	a->time_limit_ns = opt_duration("--time-limit", val);
	if (a->time_limit_ns == 0)
		usage_error("--time-limit '%s': expected a duration above 0, "
			    "or none", val);
}

/* --fleet-timeout: at least 2s, as a rank says it is alive each second. */
static void
opt_fleet_timeout(struct suite_args *a, const char *val)
{
	a->fo.timeout_ns = opt_duration("--fleet-timeout", val);
	if (a->fo.timeout_ns < 2 * FLEET_BEAT_NS)
		usage_error("--fleet-timeout '%s': expected a duration of at "
		    "least 2s (ranks say they are alive every second)", val);
}

static void
opt_outlier_z(struct suite_args *a, const char *val)
{
	char *end;
	double z = strtod(val, &end);

	if (end == val || *end != '\0' || !(z > 0) || z > 1e6)
		usage_error("--fleet-outlier-z '%s': expected a number above 0, "
		    "e.g. 3.5", val);
	a->fo.outlier_z = z;
}

static void
add_define(struct suite_args *a, char *kv)
{
	if (strchr(kv, '=') == NULL || kv[0] == '=')
		usage_error("-D '%s': expected -D name=value", kv);
	a->defines = xreallocarray(a->defines, a->ndefines + 1, sizeof(char *));
	a->defines[a->ndefines++] = kv;
}

static void
parse_suite_args(const char *cmd, int argc, char **argv, struct suite_args *a)
{
	static const struct option longopts[] = {
		{ "define", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'O' },
		{ "junit", required_argument, NULL, 'J' },
		{ "results", required_argument, NULL, 'R' },
		{ "output-dir", required_argument, NULL, 'd' },
		{ "unsafe-lua", no_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "suite", required_argument, NULL, 's' },
		{ "env", required_argument, NULL, 'E' },
		{ "tune-json", required_argument, NULL, 'T' },
		{ "check", required_argument, NULL, 'C' },
		{ "quick", no_argument, NULL, 'q' },
		{ "max-memory", required_argument, NULL, 'X' },
		{ "time-limit", required_argument, NULL, 'L' },
		{ "fleet", no_argument, NULL, 'F' },
		{ "fleet-timeout", required_argument, NULL, 'W' },
		{ "fleet-outlier-z", required_argument, NULL, 'Z' },
		{ "fleet-pairs", required_argument, NULL, 'P' },
		MEASURE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c, timeout_set = 0;
	int is_tune = strcmp(cmd, "tune") == 0;

	memset(a, 0, sizeof(*a));
	runner_opts_default(&a->ro);
	a->outdir = ".";
	a->fo.timeout_ns = FLEET_DEFAULT_TIMEOUT_NS;
	a->fo.outlier_z = FLEET_DEFAULT_OUTLIER_Z;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":D:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'D': add_define(a, optarg); break;
		case 'O': a->out = optarg; break;
		case 'o':
			if (!is_tune)
				usage_error("run: unknown option '-o' (dyno run writes "
				    "its document with --out)");
			a->yaml = optarg;
			break;
		case 'J': a->junit = optarg; break;
		case 'R': a->results = optarg; break;
		case 'd': a->outdir = optarg; break;
		case 'U': a->unsafe = 1; break;
		case 'j': a->json = 1; break;
		case 'X': opt_max_memory(a, optarg); break;
		case 'L': opt_time_limit(a, optarg); break;
		case 'F': a->fleet = 1; break;
		case 'W': opt_fleet_timeout(a, optarg); break;
		case 'Z': opt_outlier_z(a, optarg); break;
		case 'P':
			if (strcmp(optarg, "ring") != 0 &&
			    strcmp(optarg, "all") != 0)
				usage_error("--fleet-pairs '%s': expected ring "
				    "or all", optarg);
			a->fleet_pairs = optarg;
			break;
		case 's': case 'E': case 'T': case 'C': case 'q':
			if (!is_tune)
				bad_option(cmd, '?', argv);
			if (c == 's') a->suite = optarg;
			if (c == 'E') a->env = optarg;
			if (c == 'T') a->json_tune = optarg;
			if (c == 'C') a->check = optarg;
			if (c == 'q') a->quick = 1;
			break;
		default:
			if (!measure_opt(c, optarg, &a->ro, &timeout_set))
				bad_option(cmd, c, argv);
		}
	}
	measure_opts_done(&a->ro, timeout_set);
}

/* Write doc (JSON) or JUnit atomically; report failure on stderr. */
static int
write_doc(const char *path, const json_t *doc, int junit)
{
	struct dyno_err e;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (junit) {
		FILE *fp = open_memstream(&data, &len);

		if (fp == NULL)
			return -1;
		report_junit(fp, doc);
		fclose(fp);
	} else {
		data = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				  JSON_REAL_PRECISION(9));
		len = data ? strlen(data) : 0;
	}
	rc = results_write_atomic(path, data ? data : "", len, &e);
	if (rc < 0)
		fprintf(stderr, "dyno: %s\n", e.msg);
	free(data);
	return rc;
}

/* Everything a suite needs before it starts; exits 2 on bad input. */
static void
suite_prepare(struct global *g, struct suite_args *a, const char *path,
	      struct loader *l, struct suite *s, json_t **inv)
{
	struct dyno_err e;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		usage_error("cannot read suite '%s': %s", path, strerror(errno));
	fclose(fp);
	if (a->out && results_check_writable(a->out, &e) < 0)
		usage_error("--out: %s", e.msg);
	if (a->junit && results_check_writable(a->junit, &e) < 0)
		usage_error("--junit: %s", e.msg);
	if (access(a->outdir, W_OK) < 0)
		usage_error("--output-dir '%s': %s", a->outdir, strerror(errno));
	suite_init(s);
	if (a->results && (s->results_fd = results_open(a->results, &e)) < 0)
		usage_error("--results: %s", e.msg);
	load_plugins(g, l, a->json);
	*inv = inventory(l, &a->ro);
	s->loader = l;
	s->ro = a->ro;
	s->inventory = *inv;
	s->defines = a->defines;
	s->ndefines = a->ndefines;
	s->outdir = a->outdir;
	s->unsafe = a->unsafe;
	s->quiet = a->json;
	s->out = a->json ? stderr : stdout;
	if (a->max_memory_set)
		s->max_memory = a->max_memory;
	s->time_limit_ns = a->time_limit_ns;
}

struct session;
static void fleet_begin(struct suite_args *, struct session *);

/* A suite run as dyno run and dyno tune share it. */
struct session {
	struct fleet *f;          /* --fleet, else NULL */
	char *store;              /* rank 0's store under --fleet */
	struct suite s;
	struct loader l;
	struct tune *t;
	json_t *inv, *hw, *doc;
	int rc, code;
};

/* Prepare, run the suite, print the summary, write --out and --junit. */
static void
session_run(struct global *g, struct suite_args *a, const char *path,
	    struct session *x)
{
	struct dyno_err e;

	x->f = NULL;
	x->store = NULL;
	if (a->fleet_pairs && !a->fleet)
		usage_error("--fleet-pairs: only with --fleet");
	if (a->fleet)
		fleet_begin(a, x);
	suite_prepare(g, a, path, &x->l, &x->s, &x->inv);
	x->t = tune_new();
	x->hw = hw_summary(x->inv);
	if (x->f && fleet_rank(x->f) != 0) {
		x->s.quiet = 1;
		x->s.out = stderr;
	}
	if (x->f && fleet_attach(x->f, &x->s, x->inv, x->hw, &e) < 0)
		usage_error("%s", e.msg);
	tune_set_header(x->t, json_string_value(json_object_get(x->inv,
			"fingerprint")), x->hw, path);
	x->s.tune = x->t;
	x->rc = suite_run(&x->s, path, &e);
	if (x->rc < 0 && !x->s.script_error[0])
		snprintf(x->s.script_error, sizeof(x->s.script_error), "%s", e.msg);
	if (x->s.limit_hit != SUITE_LIMIT_NONE)
		fprintf(stderr, "dyno: %s\n", x->s.script_error);
	if (x->f && a->fleet_pairs && !runner_interrupted())
		fleet_pairs(x->f, a->fleet_pairs, x->s.host);
	if (x->f == NULL || fleet_rank(x->f) == 0)
		suite_print_summary(&x->s, a->json ? stderr : stdout);
	x->doc = suite_document(&x->s);
	x->code = suite_exit_code(&x->s, x->rc);
	if (x->f)
		x->code = fleet_finish(x->f, &x->doc, x->code);
	if (a->out && write_doc(a->out, x->doc, 0) < 0)
		x->code = 2;
	if (a->junit && write_doc(a->junit, x->doc, 1) < 0)
		x->code = 2;
}

/*
** --fleet: start MPI; only rank 0 writes files (the document and the
** store, which the fleet code opens), the other ranks send.  Checked on
** every rank before MPI starts, so a bad flag stops the job at once.
*/
static void
fleet_begin(struct suite_args *a, struct session *x)
{
	struct dyno_err e;
	size_t n;

	if (a->out == NULL)
		usage_error("--fleet: expected --out FILE (where rank 0 writes "
		    "the fleet document)");
	if ((x->f = fleet_start(&a->fo, &e)) == NULL)
		usage_error("%s", e.msg);
	if (fleet_rank(x->f) != 0) {
		a->out = a->junit = a->results = NULL;
		a->json = 0;
		return;
	}
	n = strlen(a->out);
	if (a->results)
		x->store = xstrdup(a->results);
	else if (n > 5 && strcmp(a->out + n - 5, ".json") == 0)
		x->store = xasprintf("%.*s.jsonl", (int)(n - 5), a->out);
	else
		x->store = xasprintf("%s.jsonl", a->out);
	a->results = NULL;
	a->fo.store = x->store;
	fleet_set_store(x->f, x->store);
}

/* Print the document under --json, free everything; the exit code. */
static int
session_end(struct suite_args *a, struct session *x)
{
	if (a->json)
		print_json(x->doc);
	if (runner_interrupted())
		x->code = 130;
	json_decref(x->doc);
	json_decref(x->hw);
	json_decref(x->inv);
	tune_free(x->t);
	if (x->s.results_fd >= 0)
		close(x->s.results_fd);
	suite_fini(&x->s);
	loader_fini(&x->l);
	free(a->defines);
	fleet_end(x->f, x->code);
	free(x->store);
	return x->code;
}

static int
cmd_run(struct global *g, int argc, char **argv)
{
	struct suite_args a;
	struct session x;

	parse_suite_args("run", argc, argv, &a);
	if (optind != argc - 1)
		usage_error("run: expected one suite file: dyno run SUITE.lua "
			    "[-D name=value ...]");
	session_run(g, &a, argv[optind], &x);
	return session_end(&a, &x);
}

/* The shipped suite `name`: from the source tree when running from the
** build tree, else from the installed suites directory. */
static char *
shipped_suite(const char *name)
{
	return xasprintf("%s/%s", loader_in_build_tree() ? DYNO_SRC_SUITE_DIR :
			 DYNO_SUITE_DIR, name);
}

static int
tune_check_cmd(struct global *g, struct suite_args *a)
{
	struct runner_opts ro;
	struct dyno_err e;
	struct loader l;
	json_t *inv, *hw;
	char diff[2048] = "";
	int rc;

	runner_opts_default(&ro);
	load_plugins(g, &l, 1);
	inv = inventory(&l, &ro);
	hw = hw_summary(inv);
	rc = tune_check(a->check, json_string_value(json_object_get(inv,
			"fingerprint")), hw, diff, sizeof(diff), &e);
	json_decref(hw);
	json_decref(inv);
	loader_fini(&l);
	if (rc < 0)
		usage_error("tune --check: %s", e.msg);
	if (rc == 0)
		printf("%s: made for this hardware (fingerprint matches)\n", a->check);
	else
		printf("%s: made for other hardware:\n%s", a->check, diff);
	return rc == 0 ? 0 : 1;
}

/* The YAML is written last: a launcher reads it, and it stays the
** previous one if another file could not be written. */
static int
tune_write_all(const struct suite_args *a, const struct tune *t,
	       struct dyno_err *e)
{
	if ((a->env && tune_write_env(t, a->env, e) < 0) ||
	    (a->json_tune && tune_write_json(t, a->json_tune, e) < 0) ||
	    tune_write_yaml(t, a->yaml, e) < 0)
		return -1;
	return 0;
}

/* dyno tune --fleet: the capacity plan's target and the document. */
struct tune_fleet {
	char key[256];
	double target;
	int has_target;
	char *out;
};

/* -D target=KEY=NUMBER (checked before any rank measures) and --out. */
static void
tune_fleet_args(struct suite_args *a, struct tune_fleet *ft)
{
	struct dyno_err e;
	size_t n;

	memset(ft, 0, sizeof(*ft));
	for (size_t i = 0; i < a->ndefines; i++) {
		if (strncmp(a->defines[i], "target=", 7) != 0)
			continue;
		if (!a->fleet)
			usage_error("-D %s: the capacity plan is a fleet's: "
			    "run dyno tune --fleet under mpirun or srun",
			    a->defines[i]);
		if (fleet_target_parse(a->defines[i] + 7, ft->key,
		    sizeof(ft->key), &ft->target, &e) < 0)
			usage_error("%s", e.msg);
		ft->has_target = 1;
	}
	if (!a->fleet || a->out)
		return;
	n = strlen(a->yaml);
	if (n > 5 && strcmp(a->yaml + n - 5, ".yaml") == 0)
		n -= 5;
	ft->out = xasprintf("%.*s.fleet.json", (int)n, a->yaml);
	a->out = ft->out;
}

/* Rank 0 of dyno tune --fleet: each group's tune, then the plan, then
** the fleet-wide tune; what was measured is in --out whatever fails. */
static int
tune_fleet_write(const struct suite_args *a, const struct tune_fleet *tf,
		 struct session *x, const char *suite)
{
	FILE *out = a->json ? stderr : stdout;
	struct fleet_tune *ft;
	struct dyno_err e;
	int rc = 0;

	if ((ft = fleet_tune_build(x->doc, a->yaml, suite, &e)) == NULL) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; i < ft->ngroups; i++) {
		if (ft->g[i].t == NULL) {
			fprintf(stderr, "dyno: tune --fleet: group %s: no rank "
			    "finished the suite; no tune\n", ft->g[i].fingerprint);
			continue;
		}
		if (tune_write_yaml(ft->g[i].t, ft->g[i].path, &e) < 0) {
			fprintf(stderr, "dyno: %s\n", e.msg);
			rc = -1;
			continue;
		}
		fprintf(out, "wrote %s (%zu keys)\n", ft->g[i].path,
		    tune_count(ft->g[i].t));
	}
	if (tf->has_target && fleet_tune_plan(ft, x->doc, tf->key, tf->target,
	    &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		rc = -1;
	}
	if (tune_write_all(a, ft->fleet, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		rc = -1;
	} else
		fprintf(out, "wrote %s (%zu fleet-wide keys)\n", a->yaml,
		    tune_count(ft->fleet));
	fleet_tune_free(ft);
	return rc;
}

static int
cmd_tune(struct global *g, int argc, char **argv)
{
	struct suite_args a;
	struct tune_fleet ft;
	struct dyno_err e;
	struct session x;
	char *suite;
	int code;

	parse_suite_args("tune", argc, argv, &a);
	if (optind != argc)
		usage_error("tune: unexpected argument '%s' (see dyno tune --help)",
			    argv[optind]);
	if (a.check)
		return tune_check_cmd(g, &a);
	if (!a.yaml)
		a.yaml = "dyno-tuned.yaml";
	tune_fleet_args(&a, &ft);
	if (results_check_writable(a.yaml, &e) < 0)
		usage_error("-o: %s", e.msg);
	if (a.env && results_check_writable(a.env, &e) < 0)
		usage_error("--env: %s", e.msg);
	if (a.json_tune && results_check_writable(a.json_tune, &e) < 0)
		usage_error("--tune-json: %s", e.msg);
	if (a.quick)
		add_define(&a, "quick=true");
	suite = a.suite ? xstrdup(a.suite) : shipped_suite("tune.lua");
	session_run(g, &a, suite, &x);
	/* A suite that broke, or was stopped, leaves the previous tune. */
	if (x.rc < 0 || runner_interrupted()) {
		if (x.f == NULL || fleet_rank(x.f) == 0)
			fprintf(stderr, "dyno: tune: the suite %s; %s left as "
			    "it was\n", x.s.limit_hit != SUITE_LIMIT_NONE ?
			    "was cut short" : "failed", a.yaml);
	} else if (x.f != NULL) {
		if (fleet_rank(x.f) == 0 && tune_fleet_write(&a, &ft, &x, suite) < 0)
			x.code = 2;
	} else if (tune_write_all(&a, x.t, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		x.code = 2;
	} else {
		fprintf(a.json ? stderr : stdout, "wrote %s (%zu keys)%s%s%s%s\n",
			a.yaml, tune_count(x.t), a.env ? ", " : "",
			a.env ? a.env : "", a.json_tune ? ", " : "",
			a.json_tune ? a.json_tune : "");
	}
	free(ft.out);
	code = session_end(&a, &x);
	free(suite);
	return code;
}

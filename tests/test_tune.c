/* test_tune.c - the tune: keys, its three files, atomic writes (SIGKILL too), tune_check. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "tune.h"

#define FP "7a8915f0a70b03ef"
#define WHY "Because a test says so."

static char dir[64];

static void
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dyno-tune-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

/* Remove dir and whatever the test left in it (temp files after a
** SIGKILL included). */
static void
remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) != 0)
			rmdir(p);
	}
	closedir(d);
	chmod(dir, 0700);
	rmdir(dir);
}

/* Entries in dir other than "." and "..". */
static int
count_entries(const char *d_path)
{
	DIR *d = opendir(d_path);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static json_t *
hardware(const char *model)
{
	return json_pack("{s:s, s:i, s:I}", "cpu.model", model,
	    "cpu.logical_cpus", 2, "memory.total", (json_int_t)27179089920LL);
}

static void
set_ok(struct tune *t, const char *key, json_t *v, const char *unit,
       const json_t *from)
{
	struct dyno_err e = { 0 };

	cr_assert_eq(tune_set(t, key, v, unit, WHY, from, &e), 0, "%s: %s",
	    key, e.msg);
	json_decref(v);
}

/* A small tune with a value of each kind. */
static struct tune *
sample(void)
{
	struct tune *t = tune_new();
	json_t *hw = hardware("AMD EPYC");
	json_t *from = json_pack("{s:s, s:{s:i, s:s}}", "id",
	    "storage.randread", "params", "qd", 32, "bs", "4k");

	tune_set_header(t, FP, hw, "tune.lua");
	json_decref(hw);
	tune_note_skip(t, "gpu", "skipped: no NVIDIA GPU found");
	set_ok(t, "cpu.workers", json_integer(2), NULL, NULL);
	set_ok(t, "yolo.model", json_string("08"), NULL, NULL);
	set_ok(t, "io.ratio", json_real(1.5), NULL, from);
	set_ok(t, "io.block", json_integer(4096), "B", from);
	set_ok(t, "io.direct", json_true(), NULL, NULL);
	set_ok(t, "io.flag", json_string("true"), NULL, NULL);
	set_ok(t, "memory.limit", json_real(2.0), NULL, NULL);
	json_decref(from);
	return t;
}

/* ---- YAML reading helpers ------------------------------------------- */

static int
load_yaml(const char *path, yaml_document_t *doc)
{
	yaml_parser_t p;
	FILE *fp = fopen(path, "rb");
	int ok;

	if (fp == NULL)
		return -1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, fp);
	ok = yaml_parser_load(&p, doc);
	yaml_parser_delete(&p);
	fclose(fp);
	return ok && yaml_document_get_root_node(doc) != NULL ? 0 : -1;
}

/* The node at a '/'-separated path of map keys ("why/cpu.workers/unit"),
** or NULL. */
static yaml_node_t *
ynode(yaml_document_t *doc, const char *path)
{
	yaml_node_t *n = yaml_document_get_root_node(doc);
	char buf[256], *seg, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (seg = strtok_r(buf, "/", &save); seg && n;
	     seg = strtok_r(NULL, "/", &save)) {
		yaml_node_t *found = NULL;

		if (n->type != YAML_MAPPING_NODE)
			return NULL;
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			if (strcmp((char *)k->data.scalar.value, seg) == 0)
				found = yaml_document_get_node(doc, p->value);
		}
		n = found;
	}
	return n;
}

static void
expect_scalar(yaml_document_t *doc, const char *path, const char *value,
	      int quoted)
{
	yaml_node_t *n = ynode(doc, path);

	cr_assert_not_null(n, "no %s in the YAML", path);
	cr_assert_eq(n->type, YAML_SCALAR_NODE, "%s is not a scalar", path);
	cr_expect_str_eq((char *)n->data.scalar.value, value, "%s", path);
	if (quoted)
		cr_expect_neq(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE,
		    "%s is a string, so it must be quoted", path);
	else
		cr_expect_eq(n->data.scalar.style, YAML_PLAIN_SCALAR_STYLE,
		    "%s is not a string, so it must be plain", path);
}

static size_t
map_size(yaml_document_t *doc, const char *path)
{
	yaml_node_t *n = ynode(doc, path);

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return 0;
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	cr_assert_not_null(fp, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	return s;
}

/* ---- keys ----------------------------------------------------------- */

Test(tune, set_get_count)
{
	struct tune *t = sample();
	json_t *v = json_integer(2);

	cr_assert_eq(tune_count(t), 7);
	cr_assert(json_equal(tune_get(t, "cpu.workers"), v));
	cr_assert_str_eq(json_string_value(tune_get(t, "yolo.model")), "08");
	cr_assert(json_is_real(tune_get(t, "io.ratio")));
	cr_assert_null(tune_get(t, "cpu"));
	cr_assert_null(tune_get(t, "nope.nope"));
	json_decref(v);
	tune_free(t);
	tune_free(NULL);
}

Test(tune, replace_last_wins)
{
	struct tune *t = tune_new();
	json_t *doc, *from = json_pack("{s:s}", "id", "cpu.spin");
	struct dyno_err e = { 0 };
	json_t *v1 = json_integer(2), *v2 = json_integer(8);

	cr_assert_eq(tune_set(t, "cpu.workers", v1, NULL, "First guess.",
	    NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(tune_set(t, "cpu.pin", v1, NULL, WHY, NULL, &e), 0);
	cr_assert_eq(tune_set(t, "cpu.workers", v2, "threads", "Measured.",
	    from, &e), 0, "%s", e.msg);
	cr_assert_eq(tune_count(t), 2);
	cr_assert_eq(json_integer_value(tune_get(t, "cpu.workers")), 8);
	doc = tune_to_json(t);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(doc, "why"), "cpu.workers"), "reason")), "Measured.");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(doc, "why"), "cpu.workers"), "unit")), "threads");
	/* Replaced in place: still the first key. */
	cr_assert_str_eq(json_object_iter_key(json_object_iter(
	    json_object_get(doc, "why"))), "cpu.workers");
	json_decref(doc);
	json_decref(v1);
	json_decref(v2);
	json_decref(from);
	tune_free(t);
}

Test(tune, prefix_conflict_names_both)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	json_t *v = json_integer(1);

	cr_assert_eq(tune_set(t, "cpu.workers", v, NULL, WHY, NULL, &e), 0);
	cr_assert_eq(tune_set(t, "cpu", v, NULL, WHY, NULL, &e), DYNO_EINVAL);
	cr_assert(strstr(e.msg, "'cpu'") && strstr(e.msg, "'cpu.workers'"),
	    "%s", e.msg);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(tune_set(t, "cpu.workers.max", v, NULL, WHY, NULL, &e),
	    DYNO_EINVAL);
	cr_assert(strstr(e.msg, "'cpu.workers.max'") &&
	    strstr(e.msg, "'cpu.workers'"), "%s", e.msg);
	/* A shared first letters is no prefix at a dot. */
	cr_assert_eq(tune_set(t, "cpux", v, NULL, WHY, NULL, &e), 0, "%s",
	    e.msg);
	cr_assert_eq(tune_set(t, "cpu.workersx", v, NULL, WHY, NULL, &e), 0);
	cr_assert_eq(tune_count(t), 3);
	json_decref(v);
	tune_free(t);
}

Test(tune, bad_keys_values_and_reasons)
{
	static const char *const bad[] = { "", "Cpu", "cpu.", ".cpu",
	    "cpu..workers", "1cpu", "cpu.1w", "cpu-workers", "cpu workers",
	    "dyno", "dyno.version", "why.cpu" };
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	json_t *v = json_integer(1), *obj = json_object(), *arr = json_array();
	json_t *nul = json_null(), *str = json_string("x");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		cr_expect_eq(tune_set(t, bad[i], v, NULL, WHY, NULL, &e),
		    DYNO_EINVAL, "key '%s' accepted", bad[i]);
		cr_expect(strstr(e.msg, bad[i]) != NULL, "%s", e.msg);
	}
	cr_expect_eq(tune_set(t, NULL, v, NULL, WHY, NULL, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", NULL, NULL, WHY, NULL, &e),
	    DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", nul, NULL, WHY, NULL, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", obj, NULL, WHY, NULL, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", arr, NULL, WHY, NULL, &e), DYNO_EINVAL);
	cr_expect(strstr(e.msg, "'a.b'") != NULL, "%s", e.msg);
	cr_expect_eq(tune_set(t, "a.b", v, NULL, NULL, NULL, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", v, NULL, "", NULL, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", v, NULL, " \t", NULL, &e),
	    DYNO_EINVAL);
	cr_expect(strstr(e.msg, "reason") != NULL, "%s", e.msg);
	cr_expect_eq(tune_set(t, "a.b", v, NULL, WHY, str, &e), DYNO_EINVAL);
	cr_expect_eq(tune_set(t, "a.b", v, NULL, WHY, obj, &e), DYNO_EINVAL,
	    "a from without an id");
	cr_expect_eq(tune_set(t, "a.b", v, NULL, WHY, nul, &e), 0,
	    "null from is the inventory");
	cr_expect_eq(tune_set(t, "a_1.b_2", v, NULL, WHY, NULL, &e), 0);
	cr_expect_eq(tune_count(t), 2);
	json_decref(v);
	json_decref(obj);
	json_decref(arr);
	json_decref(nul);
	json_decref(str);
	tune_free(t);
}

/* ---- files ---------------------------------------------------------- */

Test(tune, yaml_layout_and_types, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = sample();
	struct dyno_err e = { 0 };
	yaml_document_t doc;
	char path[128], *text;
	yaml_node_t *root;

	snprintf(path, sizeof(path), "%s/dyno-tuned.yaml", dir);
	cr_assert_eq(tune_write_yaml(t, path, &e), 0, "%s", e.msg);
	cr_assert_eq(load_yaml(path, &doc), 0);
	expect_scalar(&doc, "dyno/version", PACKAGE_VERSION, 1);
	expect_scalar(&doc, "dyno/fingerprint", FP, 1);
	expect_scalar(&doc, "dyno/suite", "tune.lua", 1);
	expect_scalar(&doc, "dyno/hardware/cpu.model", "AMD EPYC", 1);
	expect_scalar(&doc, "dyno/hardware/cpu.logical_cpus", "2", 0);
	expect_scalar(&doc, "dyno/hardware/memory.total", "27179089920", 0);
	expect_scalar(&doc, "dyno/skipped/gpu",
	    "skipped: no NVIDIA GPU found", 1);
	cr_assert_not_null(ynode(&doc, "dyno/date"));
	/* The launcher keys as nested maps, typed by their style. */
	expect_scalar(&doc, "cpu/workers", "2", 0);
	expect_scalar(&doc, "yolo/model", "08", 1);
	expect_scalar(&doc, "io/ratio", "1.5", 0);
	expect_scalar(&doc, "io/block", "4096", 0);
	expect_scalar(&doc, "io/direct", "true", 0);
	expect_scalar(&doc, "io/flag", "true", 1);
	expect_scalar(&doc, "memory/limit", "2.0", 0);
	/* The reasons, keyed by the dotted key. */
	expect_scalar(&doc, "why/cpu.workers/reason", WHY, 1);
	expect_scalar(&doc, "why/cpu.workers/unit", "null", 0);
	expect_scalar(&doc, "why/cpu.workers/from", "null", 0);
	expect_scalar(&doc, "why/io.block/unit", "B", 1);
	expect_scalar(&doc, "why/io.block/from/id", "storage.randread", 1);
	expect_scalar(&doc, "why/io.block/from/params/qd", "32", 0);
	cr_assert_eq(map_size(&doc, "why"), 7);
	/* Top level in order: header, keys in first-set order, reasons. */
	root = yaml_document_get_root_node(&doc);
	cr_assert_eq(root->data.mapping.pairs.top - root->data.mapping.pairs.start,
	    6);
	cr_assert_str_eq((char *)yaml_document_get_node(&doc,
	    root->data.mapping.pairs.start[0].key)->data.scalar.value, "dyno");
	cr_assert_str_eq((char *)yaml_document_get_node(&doc,
	    root->data.mapping.pairs.start[1].key)->data.scalar.value, "cpu");
	cr_assert_str_eq((char *)yaml_document_get_node(&doc,
	    root->data.mapping.pairs.start[5].key)->data.scalar.value, "why");
	yaml_document_delete(&doc);
	/* Block style, as a person reads it. */
	text = slurp(path);
	cr_expect(strstr(text, "\ncpu:\n  workers: 2\n") != NULL, "%s", text);
	cr_expect(strstr(text, "  model: \"08\"\n") != NULL, "%s", text);
	cr_expect(strstr(text, "  ratio: 1.5\n") != NULL, "%s", text);
	cr_expect(strstr(text, "{") == NULL, "flow style in\n%s", text);
	free(text);
	tune_free(t);
}

Test(tune, yaml_key_words_and_odd_text, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	yaml_document_t doc;
	char path[128];

	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	/* "on" and "no" are booleans to a YAML 1.1 reader unless quoted. */
	set_ok(t, "feature.on", json_integer(1), NULL, NULL);
	set_ok(t, "feature.no", json_integer(0), NULL, NULL);
	set_ok(t, "text.quote", json_string("a \"b\" 'c'\nd: e # f"), NULL,
	    NULL);
	set_ok(t, "text.empty", json_string(""), NULL, NULL);
	set_ok(t, "text.unicode", json_string("\xc2\xb5s"), NULL, NULL);
	set_ok(t, "num.neg", json_real(-0.25), NULL, NULL);
	set_ok(t, "num.big", json_real(1e20), NULL, NULL);
	cr_assert_eq(tune_write_yaml(t, path, &e), 0, "%s", e.msg);
	cr_assert_eq(load_yaml(path, &doc), 0);
	expect_scalar(&doc, "feature/on", "1", 0);
	expect_scalar(&doc, "text/quote", "a \"b\" 'c'\nd: e # f", 1);
	expect_scalar(&doc, "text/empty", "", 1);
	expect_scalar(&doc, "text/unicode", "\xc2\xb5s", 1);
	expect_scalar(&doc, "num/neg", "-0.25", 0);
	/* A '.' so that YAML 1.1 readers take it for a float too. */
	expect_scalar(&doc, "num/big", "1.0e+20", 0);
	yaml_document_delete(&doc);
	{
		char *text = slurp(path);

		cr_expect(strstr(text, "\"on\": 1") != NULL, "%s", text);
		cr_expect(strstr(text, "\"no\": 0") != NULL, "%s", text);
		free(text);
	}
	tune_free(t);
}

Test(tune, env_quoting, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	char path[128], *text;
	json_t *hw = hardware("AMD EPYC");

	tune_set_header(t, FP, hw, "tune.lua");
	json_decref(hw);
	set_ok(t, "cpu.workers", json_integer(2), NULL, NULL);
	set_ok(t, "io.direct", json_false(), NULL, NULL);
	set_ok(t, "io.ratio", json_real(1.5), NULL, NULL);
	set_ok(t, "yolo.model", json_string("models/yolo-v8_n.onnx:1"), NULL,
	    NULL);
	set_ok(t, "yolo.id", json_string("08"), NULL, NULL);
	set_ok(t, "yolo.title", json_string("it's a $HOME `x`"), NULL, NULL);
	set_ok(t, "yolo.empty", json_string(""), NULL, NULL);
	snprintf(path, sizeof(path), "%s/dyno-tuned.env", dir);
	cr_assert_eq(tune_write_env(t, path, &e), 0, "%s", e.msg);
	text = slurp(path);
	cr_assert(strncmp(text, "# dyno tune 20", 14) == 0, "%s", text);
	cr_assert(strstr(text, " fingerprint " FP "\n") != NULL, "%s", text);
	cr_assert_str_eq(strchr(text, '\n') + 1,
	    "CPU_WORKERS=2\n"
	    "IO_DIRECT=false\n"
	    "IO_RATIO=1.5\n"
	    "YOLO_MODEL=models/yolo-v8_n.onnx:1\n"
	    "YOLO_ID=08\n"
	    "YOLO_TITLE='it'\\''s a $HOME `x`'\n"
	    "YOLO_EMPTY=''\n");
	free(text);
	tune_free(t);
}

Test(tune, env_name_collision, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	char path[128];

	set_ok(t, "a.b_c", json_integer(1), NULL, NULL);
	set_ok(t, "a_b.c", json_integer(2), NULL, NULL);
	snprintf(path, sizeof(path), "%s/t.env", dir);
	cr_assert_eq(tune_write_env(t, path, &e), DYNO_EINVAL);
	cr_assert(strstr(e.msg, "'a.b_c'") && strstr(e.msg, "'a_b.c'") &&
	    strstr(e.msg, "A_B_C") && strstr(e.msg, path), "%s", e.msg);
	cr_assert_eq(count_entries(dir), 0);
	tune_free(t);
}

Test(tune, env_launcher_variables, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	char path[128], *text;

	set_ok(t, "cpu.workers", json_integer(2), NULL, NULL);
	set_ok(t, "launcher.env.cuda_module_loading", json_string("LAZY"),
	    NULL, NULL);
	snprintf(path, sizeof(path), "%s/t.env", dir);
	cr_assert_eq(tune_write_env(t, path, &e), 0, "%s", e.msg);
	text = slurp(path);
	cr_assert_str_eq(strchr(text, '\n') + 1,
	    "CPU_WORKERS=2\n"
	    "CUDA_MODULE_LOADING=LAZY\n");
	free(text);
	/* Another key giving the same name is refused, as any collision. */
	set_ok(t, "cuda.module_loading", json_string("EAGER"), NULL, NULL);
	cr_assert_eq(tune_write_env(t, path, &e), DYNO_EINVAL);
	cr_assert(strstr(e.msg, "CUDA_MODULE_LOADING") != NULL, "%s", e.msg);
	tune_free(t);
}

Test(tune, json_shape, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = sample();
	struct dyno_err e = { 0 };
	json_error_t je;
	json_t *doc, *mem, *w;
	char path[128], *text;

	mem = tune_to_json(t);
	snprintf(path, sizeof(path), "%s/dyno-tuned.json", dir);
	cr_assert_eq(tune_write_json(t, path, &e), 0, "%s", e.msg);
	doc = json_load_file(path, 0, &je);
	cr_assert_not_null(doc, "%s", je.text);
	cr_assert(json_equal(doc, mem));
	cr_assert_eq(json_object_size(doc), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(doc,
	    "dyno"), "version")), PACKAGE_VERSION);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(doc,
	    "dyno"), "fingerprint")), FP);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(doc, "tune"), "cpu"), "workers")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(doc, "tune"), "yolo"), "model")), "08");
	w = json_object_get(json_object_get(doc, "why"), "io.block");
	cr_assert_str_eq(json_string_value(json_object_get(w, "reason")), WHY);
	cr_assert_str_eq(json_string_value(json_object_get(w, "unit")), "B");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(w,
	    "from"), "id")), "storage.randread");
	w = json_object_get(json_object_get(doc, "why"), "cpu.workers");
	cr_assert(json_is_null(json_object_get(w, "unit")));
	cr_assert(json_is_null(json_object_get(w, "from")));
	text = slurp(path);
	cr_expect(strncmp(text, "{\n  \"dyno\": {\n    \"version\"", 27) == 0,
	    "%s", text);
	free(text);
	json_decref(doc);
	json_decref(mem);
	tune_free(t);
}

/* ---- atomic writing ------------------------------------------------- */

/*
** Write into a directory this process cannot write to.  As root, which
** ignores the mode, the write runs in a child that drops to nobody; the
** result comes back through a pipe.
*/
Test(tune, unwritable_dir_fails_cleanly, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], msg[256] = "";
	int fds[2], status, rc = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/dyno-tuned.yaml", dir);
	cr_assert_eq(chmod(dir, 0555), 0);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tune *t = sample();
		struct dyno_err e = { 0 };
		int r;

		close(fds[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		r = tune_write_yaml(t, path, &e);
		if (write(fds[1], e.msg, strlen(e.msg)) < 0)
			_exit(4);
		tune_free(t);
		_exit(r == DYNO_EIO ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	rc = WEXITSTATUS(status);
	cr_assert_neq(rc, 3, "cannot drop root privileges for this test");
	cr_assert_eq(rc, 0, "the write did not fail with DYNO_EIO: %s", msg);
	cr_assert(strstr(msg, path) != NULL, "message does not name %s: %s",
	    path, msg);
	cr_assert_eq(count_entries(dir), 0, "a temp file was left behind");
}

/*
** A write that fails half-way (the file size limit is hit, so write()
** returns EFBIG) leaves the old file as it was and no temp file.
*/
Test(tune, failed_write_keeps_old_file, .init = make_dir,
     .fini = remove_dir)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	struct rlimit rl = { 4096, 4096 };
	char path[128], *text;
	FILE *fp;

	for (int i = 0; i < 500; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k.k%04d", i);
		set_ok(t, key, json_integer(i), NULL, NULL);
	}
	snprintf(path, sizeof(path), "%s/dyno-tuned.yaml", dir);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs("old: tune\n", fp);
	fclose(fp);
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(tune_write_yaml(t, path, &e), DYNO_EIO);
	cr_assert(strstr(e.msg, path) != NULL, "%s", e.msg);
	text = slurp(path);
	cr_assert_str_eq(text, "old: tune\n");
	free(text);
	cr_assert_eq(count_entries(dir), 1, "a temp file was left behind");
	/* Renaming over a directory fails late, after the temp file is
	** written: it must be removed too. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(tune_write_env(t, path, &e), DYNO_EIO);
	cr_assert(strstr(e.msg, path) != NULL, "%s", e.msg);
	cr_assert_eq(count_entries(dir), 2, "a temp file was left behind");
	tune_free(t);
}

Test(tune, replace_existing_keeps_mode, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = sample();
	struct dyno_err e = { 0 };
	struct stat st;
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/dyno-tuned.json", dir);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fclose(fp);
	cr_assert_eq(chmod(path, 0640), 0);
	cr_assert_eq(tune_write_json(t, path, &e), 0, "%s", e.msg);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	cr_assert_gt(st.st_size, 100);
	cr_assert_eq(count_entries(dir), 1);
	tune_free(t);
}

/*
** SIGKILL a writer at random moments.  The file is then absent (only if
** no write finished yet) or a whole tune: never a truncated one.  A kill
** between mkstemp and rename leaves a "<path>.XXXXXX" temp file behind;
** that is documented and accepted, but it must not be the tune file.
*/
#define BIG_KEYS 10000

static void
writer_loop(const char *path, int note_fd)
{
	struct tune *t = tune_new();
	struct dyno_err e = { 0 };
	json_t *hw = hardware("AMD EPYC");

	tune_set_header(t, FP, hw, "tune.lua");
	for (int i = 0; i < BIG_KEYS; i++) {
		char key[32];
		json_t *v = json_integer(i);

		snprintf(key, sizeof(key), "k.k%05d", i);
		if (tune_set(t, key, v, "B", "A reason long enough to make the "
		    "file large.", NULL, &e) != 0)
			_exit(2);
		json_decref(v);
	}
	for (;;) {
		if (tune_write_yaml(t, path, &e) != 0)
			_exit(1);
		/* Tell the parent a whole write finished. */
		if (write(note_fd, "w", 1) < 0)
			_exit(1);
	}
}

static void
check_whole(const char *path, int must_exist)
{
	yaml_document_t doc;
	struct dyno_err e = { 0 };
	json_t *hw;
	char diff[256];

	if (!must_exist && access(path, F_OK) != 0) {
		cr_assert_eq(errno, ENOENT);
		return;
	}
	cr_assert_eq(load_yaml(path, &doc), 0, "%s is not parseable YAML",
	    path);
	cr_assert_eq(map_size(&doc, "k"), BIG_KEYS, "truncated tune");
	cr_assert_eq(map_size(&doc, "why"), BIG_KEYS, "truncated tune");
	expect_scalar(&doc, "why/k.k09999/unit", "B", 1);
	yaml_document_delete(&doc);
	hw = hardware("AMD EPYC");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e), 0,
	    "%s%s", e.msg, diff);
	json_decref(hw);
}

/* Wait (up to 30 s) until dir holds a file named prefix + 6 characters
** other than one already seen. */
static void
wait_for_temp(const char *d_path, const char *prefix)
{
	static char seen[16][sizeof(((struct dirent *)0)->d_name)];
	static int nseen;
	size_t plen = strlen(prefix);

	for (int i = 0; i < 3000000; i++) {
		DIR *d = opendir(d_path);
		struct dirent *de;

		cr_assert_not_null(d);
		while ((de = readdir(d)) != NULL) {
			int old = 0;

			if (strncmp(de->d_name, prefix, plen) != 0 ||
			    strlen(de->d_name) != plen + 6)
				continue;
			for (int j = 0; j < nseen; j++)
				old |= strcmp(seen[j], de->d_name) == 0;
			if (old)
				continue;
			if (nseen < 16)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s",
				    de->d_name);
			closedir(d);
			return;
		}
		closedir(d);
		if (i % 100 == 99)
			usleep(100);
	}
	cr_assert_fail("no temp file appeared in %s", d_path);
}

Test(tune, sigkill_never_truncates, .init = make_dir, .fini = remove_dir,
     .timeout = 300)
{
	char path[128];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	DIR *d;
	struct dirent *de;
	size_t baselen;

	snprintf(path, sizeof(path), "%s/dyno-tuned.yaml", dir);
	for (int round = 0; round < 6; round++) {
		int fds[2], status;
		char c;
		pid_t pid;

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			writer_loop(path, fds[1]);
		}
		close(fds[1]);
		/* From the second round on, let one write finish first, so
		** the kill lands somewhere later in the loop. */
		if (round > 0)
			cr_assert_eq(read(fds[0], &c, 1), 1);
		/* Odd rounds kill the moment a temp file shows up, that is
		** in the middle of writing the file; even rounds at a random
		** moment (mostly while the text is built in memory). */
		if (round % 2)
			wait_for_temp(dir, "dyno-tuned.yaml.");
		else
			usleep((useconds_t)(rand_r(&seed) % 150000));
		cr_assert_eq(kill(pid, SIGKILL), 0);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "the writer exited by itself (status %d)", status);
		close(fds[0]);
		check_whole(path, round > 0);
	}
	/* Anything else in dir is a leftover temp file "<name>.XXXXXX". */
	d = opendir(dir);
	cr_assert_not_null(d);
	baselen = strlen("dyno-tuned.yaml");
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strcmp(de->d_name, "dyno-tuned.yaml") == 0)
			continue;
		cr_expect(strncmp(de->d_name, "dyno-tuned.yaml.", baselen + 1)
		    == 0 && strlen(de->d_name) == baselen + 7,
		    "unexpected file %s", de->d_name);
	}
	closedir(d);
}

/* ---- tune_check ----------------------------------------------------- */

Test(tune, check_match_and_differ, .init = make_dir, .fini = remove_dir)
{
	struct tune *t = sample();
	struct dyno_err e = { 0 };
	json_t *same = hardware("AMD EPYC"), *other = hardware("Intel Xeon");
	char path[128], diff[512];

	snprintf(path, sizeof(path), "%s/dyno-tuned.yaml", dir);
	cr_assert_eq(tune_write_yaml(t, path, &e), 0, "%s", e.msg);
	cr_assert_eq(tune_check(path, FP, same, diff, sizeof(diff), &e), 0,
	    "%s %s", e.msg, diff);
	cr_assert_str_eq(diff, "");
	cr_assert_eq(tune_check(path, FP, other, diff, sizeof(diff), &e), 1);
	cr_assert_str_eq(diff,
	    "cpu.model: tune 'AMD EPYC', this machine 'Intel Xeon'\n");
	cr_assert_eq(tune_check(path, "0123456789abcdef", same, diff,
	    sizeof(diff), &e), 1);
	cr_assert_str_eq(diff,
	    "fingerprint: tune '" FP "', this machine '0123456789abcdef'\n");
	/* A fact only one side has is a difference too; numbers compare as
	** numbers. */
	json_object_set_new(same, "gpu.count", json_integer(1));
	json_object_set_new(same, "cpu.logical_cpus", json_integer(4));
	cr_assert_eq(tune_check(path, NULL, same, diff, sizeof(diff), &e), 1);
	cr_assert(strstr(diff, "cpu.logical_cpus: tune '2', this machine "
	    "'4'\n") != NULL, "%s", diff);
	cr_assert(strstr(diff, "gpu.count: tune (none), this machine '1'\n")
	    != NULL, "%s", diff);
	/* A small buffer is cut, never overrun. */
	cr_assert_eq(tune_check(path, FP, other, diff, 8, &e), 1);
	cr_assert_eq(strlen(diff), 7);
	cr_assert_eq(tune_check(path, FP, other, NULL, 0, &e), 1);
	json_decref(same);
	json_decref(other);
	tune_free(t);
}

static void
write_text(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp);
	fputs(s, fp);
	fclose(fp);
}

Test(tune, check_malformed, .init = make_dir, .fini = remove_dir)
{
	struct dyno_err e = { 0 };
	json_t *hw = hardware("AMD EPYC");
	char path[128], diff[256], want[160];

	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_ENOENT);
	cr_assert(strstr(e.msg, path) != NULL, "%s", e.msg);

	write_text(path, "dyno:\n  fingerprint: \"abc\n  hardware: [\n");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	snprintf(want, sizeof(want), "%s:", path);
	cr_assert(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);

	write_text(path, "a: 1\nb:\n  - x\n c: 2\n");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	snprintf(want, sizeof(want), "%s:4:", path);
	cr_assert(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);

	write_text(path, "");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	cr_assert(strstr(e.msg, path) != NULL, "%s", e.msg);

	write_text(path, "cpu:\n  workers: 2\n");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	cr_assert(strstr(e.msg, "dyno") != NULL, "%s", e.msg);

	write_text(path, "dyno:\n  fingerprint: \"" FP "\"\n  hardware: 3\n");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	snprintf(want, sizeof(want), "%s:3:", path);
	cr_assert(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);

	/* Aliases nesting themselves cannot send the reader into a loop. */
	write_text(path, "dyno:\n  fingerprint: \"" FP "\"\n"
	    "  hardware: &a {x: *a}\n");
	cr_assert_eq(tune_check(path, FP, hw, diff, sizeof(diff), &e),
	    DYNO_EINVAL);
	json_decref(hw);
}

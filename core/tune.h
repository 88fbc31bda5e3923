/*
** tune.h - the tune: the configuration `dyno tune` writes for a launcher.
**
** A tune maps dotted keys (`cpu.workers`, `io.queue_depth`) to a value (a
** JSON string, integer, real or boolean), with an optional unit, the reason
** it was chosen and the result it came from.  A header records the dyno
** version, the date, the hardware fingerprint and summary it was made for,
** the suite and the parts that were skipped.  It is written as YAML (the
** launcher keys as plain nested maps, reasons in a `why:` map), as
** `KEY=value` env lines or as JSON, always atomically.
**
** Keys: each dotted segment matches [a-z][a-z0-9_]*; the top-level names
** `dyno` and `why` are reserved for the header and the reasons.
*/
#ifndef DYNO_TUNE_H
#define DYNO_TUNE_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"

struct tune;

/* An empty tune, its date taken now.  Free with tune_free. */
struct tune *tune_new(void);

/* Free t and everything it copied.  NULL is a no-op. */
void tune_free(struct tune *t);

/*
** Set key (dotted, each segment [a-z][a-z0-9_]*) to value (a JSON string,
** integer, real or boolean; borrowed, copied).  unit and from may be NULL
** (an empty unit is none); from is a JSON object {"id": "...", "params":
** {...}} naming the result the value came from, or JSON null.  why must be
** a non-empty sentence.  Setting a key again replaces it in place (last
** wins).  A key that is a prefix of another ("cpu" vs "cpu.workers") is
** DYNO_EINVAL naming both; so are a bad key, a reserved top-level name, an
** unsupported value type, an empty why and a malformed from.  On error t
** is unchanged.  Returns 0 or DYNO_EINVAL.
*/
int tune_set(struct tune *t, const char *key, const json_t *value,
	     const char *unit, const char *why, const json_t *from,
	     struct dyno_err *err);

/*
** Facts of the header: fingerprint (16 hex digits), the hardware summary
** object (flat, e.g. {"cpu.model": "...", "cpu.logical_cpus": 2}; borrowed,
** copied; NULL or not an object means none) and the suite name.  NULL
** strings leave that fact null.  Calling it again replaces all three.
*/
void tune_set_header(struct tune *t, const char *fingerprint,
		     const json_t *hardware, const char *suite);

/* Record a skipped part, e.g. ("gpu", "skipped: no NVIDIA GPU found"),
** in the header's "skipped" map; the same part again replaces it. */
void tune_note_skip(struct tune *t, const char *part, const char *reason);

/* Number of keys set. */
size_t tune_count(const struct tune *t);

/* The value of key (borrowed, valid until key is set again or t is
** freed), or NULL when key is not set. */
const json_t *tune_get(const struct tune *t, const char *key);

/*
** The whole tune as JSON: {"dyno": header, "tune": nested values, "why":
** {dotted key: {"reason", "unit", "from"}}}, keys in the order they were
** first set.  New reference.
*/
json_t *tune_to_json(const struct tune *t);

/*
** Writers.  Each is atomic: it writes a temp file "<path>.XXXXXX" in the
** same directory, fsyncs it, renames it over path and fsyncs the
** directory, so path is always either the old file or the whole new one.
** On an error the temp file is removed and an existing file at path is
** untouched; only a SIGKILL or power loss mid-write can leave a stray temp
** file behind (never path itself half-written).  Return 0, or DYNO_EIO
** (DYNO_EINVAL for a tune the format cannot hold) with err naming path.
**
** tune_write_yaml: block-style YAML; strings are quoted and numbers and
** booleans plain, so "08" stays a string and 1.5 a number.
** tune_write_env: "# dyno tune <date> fingerprint <fp>", then KEY=value
** per key, KEY being the dotted key upper-cased with '.' -> '_'; strings
** outside [A-Za-z0-9_./:-] are single-quoted for the shell.  Two keys with
** the same KEY ("a.b_c", "a_b.c") are DYNO_EINVAL.
** tune_write_json: tune_to_json, indented by 2.
*/
int tune_write_yaml(const struct tune *t, const char *path,
		    struct dyno_err *err);
int tune_write_env(const struct tune *t, const char *path,
		   struct dyno_err *err);
int tune_write_json(const struct tune *t, const char *path,
		    struct dyno_err *err);

/*
** Read back a YAML tune written by tune_write_yaml and compare its
** dyno.fingerprint and dyno.hardware with the given current ones (NULL
** skips that comparison).  Returns 0 when they match, 1 when they differ
** (diff, if not NULL, gets one line per differing fact, e.g. "cpu.model:
** tune 'X', this machine 'Y'", truncated to n bytes), or a negative
** DYNO_E* for an unreadable (DYNO_ENOENT, DYNO_EIO) or malformed
** (DYNO_EINVAL) file, with err naming the path and the YAML line.
*/
int tune_check(const char *path, const char *fingerprint,
	       const json_t *hardware, char *diff, size_t n,
	       struct dyno_err *err);

#endif

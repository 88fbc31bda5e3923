/*
** tune_int.h - the tune's representation, shared by tune.c (the model)
** and tune_file.c (its files).  Nothing else includes it: everyone else
** goes through tune.h.
*/
#ifndef DYNO_TUNE_INT_H
#define DYNO_TUNE_INT_H

#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>

/* Long enough for any sensible key, short enough for a stack buffer. */
#define KEY_MAX 255

struct entry {
	char *key;
	json_t *value;
	char *unit;	/* NULL: none */
	char *why;
	json_t *from;	/* NULL: the value came from the inventory */
};

struct tune {
	struct entry *v;	/* in the order keys were first set */
	size_t n, cap;
	json_t *index;		/* dotted key -> its position in v */
	json_t *groups;		/* each proper prefix of a key -> that key */
	char date[32];
	json_t *fingerprint;	/* string or null */
	json_t *suite;		/* string or null */
	json_t *hardware;	/* object */
	json_t *skipped;	/* object: part -> reason */
};
/* jansson returns NULL only when out of memory (inputs are checked before
** they reach it); the core treats that as fatal, like xmalloc. */
static inline json_t *
jcheck(json_t *j)
{
	if (j == NULL) {
		fprintf(stderr, "dyno: out of memory building JSON\n");
		exit(2);
	}
	return j;
}

static inline void
jset(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, jcheck(v)) != 0)
		jcheck(NULL);
}

/* A JSON string for a header fact; text that is not UTF-8 (which no
** writer could encode) keeps its ASCII and shows the rest as '?'.  NULL
** gives JSON null.  New reference. */
json_t *tune_text(const char *s);

#endif

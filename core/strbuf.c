/* strbuf.c - a growing byte buffer, always NUL-terminated. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "xmalloc.h"

void
strbuf_grow(struct strbuf *b, size_t n)
{
	/* Doubling what is needed keeps appends amortised O(1). */
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
		b->s[b->len] = '\0';
	}
}

void
strbuf_add(struct strbuf *b, const void *p, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_addstr(struct strbuf *b, const char *str)
{
	strbuf_add(b, str, strlen(str));
}

void
strbuf_setlen(struct strbuf *b, size_t len)
{
	if (b->s == NULL)
		strbuf_grow(b, 0);
	b->len = len;
	b->s[len] = '\0';
}

int
strbuf_fread(struct strbuf *b, FILE *fp)
{
	size_t got;

	do {
		strbuf_grow(b, 65536);
		got = fread(b->s + b->len, 1, b->cap - b->len - 1, fp);
		strbuf_setlen(b, b->len + got);
	} while (got > 0);
	return ferror(fp) ? -1 : 0;
}

char *
strbuf_detach(struct strbuf *b)
{
	char *s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_fini(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

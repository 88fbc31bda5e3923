/*
** strbuf.h - a growing byte buffer: text rendered in memory before one
** write, or bytes read from a pipe or a file until it ends.
**
** Start from { 0 } (STRBUF_INIT).  While s is not NULL it holds len
** bytes followed by a NUL, so it reads as a C string when the bytes have
** no NUL of their own.  Memory comes from xmalloc.h: running out exits.
*/
#ifndef DYNO_STRBUF_H
#define DYNO_STRBUF_H

#include <stddef.h>
#include <stdio.h>

struct strbuf {
	char *s;        /* NULL until the first byte or strbuf_grow */
	size_t len;     /* bytes held, not counting the NUL */
	size_t cap;     /* bytes allocated */
};

#define STRBUF_INIT { NULL, 0, 0 }

/* Make room for n more bytes past len and the NUL after them. */
void strbuf_grow(struct strbuf *b, size_t n);

/* Append n bytes of p. */
void strbuf_add(struct strbuf *b, const void *p, size_t n);

/* Append the string str. */
void strbuf_addstr(struct strbuf *b, const char *str);

/* Set the length to len (at most what strbuf_grow made room for) and
** end the text there: after writing into the room, or to drop a tail. */
void strbuf_setlen(struct strbuf *b, size_t len);

/* Append everything left in fp.  Returns 0 at the end of the file, -1
** on a read error (errno says which; what was read stays in b). */
int strbuf_fread(struct strbuf *b, FILE *fp);

/* The text, now the caller's to free (never NULL: "" when empty); b is
** empty again. */
char *strbuf_detach(struct strbuf *b);

/* Free the bytes; b is empty again. */
void strbuf_fini(struct strbuf *b);

#endif

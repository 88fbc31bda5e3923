/*
** report_content_blocks.c - the blocks a report_content is made of
** (headings, paragraphs, tables, lists, charts): adding them, the
** formatting the sections share, and freeing them all.
*/
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_content_int.h"
#include "xmalloc.h"

/* --- building blocks ------------------------------------------------- */

struct report_block *
report_add(struct report_content *c, enum report_kind kind)
{
	struct report_block *b;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->b = xreallocarray(c->b, c->cap, sizeof *c->b);
	}
	b = &c->b[c->n++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	return b;
}

void
report_heading(struct report_content *c, int level, const char *fmt, ...)
{
	struct report_block *b = report_add(c, REPORT_HEADING);
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	b->level = level;
	b->text = xstrdup(buf);
}

void
report_para(struct report_content *c, const char *fmt, ...)
{
	struct report_block *b = report_add(c, REPORT_PARA);
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	b->text = xstrdup(buf);
}

struct report_block *
report_table(struct report_content *c, size_t ncols, ...)
{
	struct report_block *b = report_add(c, ncols ? REPORT_TABLE :
					    REPORT_LIST);
	va_list ap;

	b->ncols = ncols ? ncols : 1;
	va_start(ap, ncols);
	for (size_t i = 0; i < ncols; i++) {
		b->cells = xreallocarray(b->cells, i + 1, sizeof *b->cells);
		b->cells[i] = xstrdup(va_arg(ap, const char *));
	}
	va_end(ap);
	b->nrows = ncols ? 1 : 0;
	return b;
}

void
report_row(struct report_block *b, const char *const *v)
{
	size_t used = b->nrows * b->ncols;

	b->cells = xreallocarray(b->cells, used + b->ncols, sizeof *b->cells);
	for (size_t k = 0; k < b->ncols; k++)
		b->cells[used + k] = xstrdup(v[k] ? v[k] : "");
	b->nrows++;
}

/* --- formatting ------------------------------------------------------- */

const char *
report_bytes(double v, char *buf, size_t n)
{
	static const char *const pre[] = { "B", "KiB", "MiB", "GiB", "TiB",
					   "PiB" };
	size_t p = 0;

	if (!isfinite(v))
		return snprintf(buf, n, "-"), buf;
	while (fabs(v) >= 1024 && p + 1 < sizeof pre / sizeof *pre) {
		v /= 1024;
		p++;
	}
	snprintf(buf, n, "%.3g %s", v, pre[p]);
	return buf;
}

const char *
report_ci(const json_t *m, char *buf, size_t n)
{
	const json_t *c = json_object_get(m, "ci95");
	const char *unit = report_str(m, "unit");
	char a[32], b[32];

	if (!json_is_number(json_array_get(c, 0)) ||
	    !json_is_number(json_array_get(c, 1)))
		return snprintf(buf, n, "-"), buf;
	snprintf(buf, n, "%s .. %s",
		 report_fmt(json_number_value(json_array_get(c, 0)), unit, a,
			    sizeof a),
		 report_fmt(json_number_value(json_array_get(c, 1)), unit, b,
			    sizeof b));
	return buf;
}

const json_t *
report_rec(const struct report_run *r, size_t i)
{
	return json_array_get(r->results, i);
}

const json_t *
report_metric(const json_t *rec, const char *name)
{
	return name ? json_object_get(json_object_get(rec, "metrics"), name)
		    : NULL;
}

/* --- freeing ---------------------------------------------------------- */

static void
chart_free(struct report_chart *ch)
{
	if (ch == NULL)
		return;
	free(ch->title);
	free(ch->xlabel);
	free(ch->ylabel);
	for (size_t i = 0; i < ch->nxcat; i++)
		free(ch->xcat[i]);
	free(ch->xcat);
	for (size_t i = 0; i < ch->ns; i++) {
		free(ch->s[i].title);
		free(ch->s[i].x);
		free(ch->s[i].y);
		free(ch->s[i].lo);
		free(ch->s[i].hi);
	}
	free(ch->s);
	for (size_t i = 0; i < ch->nmarks; i++)
		free(ch->mark_label[i]);
	free(ch->mark);
	free(ch->mark_label);
	free(ch);
}

void
report_content_free(struct report_content *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct report_block *b = &c->b[i];
		size_t cells = b->kind == REPORT_TABLE || b->kind == REPORT_LIST ?
			       b->nrows * b->ncols : 0;

		free(b->text);
		for (size_t k = 0; k < cells; k++)
			free(b->cells[k]);
		free(b->cells);
		chart_free(b->chart);
	}
	free(c->b);
	memset(c, 0, sizeof *c);
}

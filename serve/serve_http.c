/* serve_http.c - the incremental HTTP/1.1 request parser of `dyno serve`. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "serve_http.h"

/* Where the next byte goes. */
enum {
	S_HEAD,        /* request line and fields, copied into head[] */
	S_BODY,        /* Content-Length body: left bytes to skip */
	S_CHUNK_SIZE,  /* a chunk-size line, with extensions */
	S_CHUNK_DATA,  /* left bytes of chunk data */
	S_CHUNK_END,   /* the CRLF after chunk data */
	S_TRAILER      /* trailer fields up to the empty line */
};

/* Chunk-size lines are short; a longer one is an attack, not a client. */
#define MAX_CHUNK_LINE 4096

void
serve_http_init(struct serve_http_parser *p, uint64_t max_body)
{
	memset(p, 0, sizeof(*p) - sizeof(p->head));
	p->head[0] = '\0';
	p->state = S_HEAD;
	p->max_body = max_body;
}

const char *
serve_http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

/* RFC 9110 tchar: what a method or field name is made of. */
static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' &&
	       strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A byte allowed in a field value or chunk extension: VCHAR, SP, HT or
** obs-text; never a control character. */
static int
is_vbyte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII only, locale-free) equality of s[0..n) and z. */
static int
ieq(const char *s, size_t n, const char *z)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (z[i] == '\0' || lower((unsigned char)s[i]) != lower(z[i]))
			return 0;
	return z[i] == '\0';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether the Connection value v[0..n) lists token z. */
static int
has_token(const char *v, size_t n, const char *z)
{
	size_t i = 0;

	while (i < n) {
		size_t b, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		b = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > b && ieq(v + b, e - b, z))
			return 1;
	}
	return 0;
}

/* The request line in s[0..n) (no line end): fills p->req. */
static int
parse_request_line(struct serve_http_parser *p, char *s, size_t n)
{
	size_t i = 0, m, t;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	m = i;
	if (m == 0 || i >= n || s[i] != ' ')
		return SERVE_HTTP_E_BAD;
	t = ++i;
	while (i < n && (unsigned char)s[i] > 0x20 &&
	       (unsigned char)s[i] < 0x7f)
		i++;
	if (i == t || i >= n || s[i] != ' ')
		return SERVE_HTTP_E_BAD;
	s[i++] = '\0';
	p->req.target = s + t;
	/* "HTTP/" DIGIT "." DIGIT and nothing after it. */
	if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 ||
	    s[i + 5] < '0' || s[i + 5] > '9' || s[i + 6] != '.' ||
	    s[i + 7] < '0' || s[i + 7] > '9')
		return SERVE_HTTP_E_BAD;
	if (s[i + 5] != '1')
		return SERVE_HTTP_E_VERSION;
	/* A later 1.x is answered as 1.1 (RFC 9110 6.2). */
	p->req.minor = s[i + 7] == '0' ? 0 : 1;
	if (m == 3 && memcmp(s, "GET", 3) == 0)
		p->req.method = SERVE_HTTP_GET;
	else if (m == 4 && memcmp(s, "HEAD", 4) == 0)
		p->req.method = SERVE_HTTP_HEAD;
	else if (m == 4 && memcmp(s, "POST", 4) == 0)
		p->req.method = SERVE_HTTP_POST;
	else if (m == 3 && memcmp(s, "PUT", 3) == 0)
		p->req.method = SERVE_HTTP_PUT;
	else
		return SERVE_HTTP_E_METHOD;
	return 0;
}

/* Content-Length value v[0..n) into *out; 0, or 400 when not digits or
** over 2^64 - 1. */
static int
parse_length(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0)
		return SERVE_HTTP_E_BAD;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)v[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return SERVE_HTTP_E_BAD;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* The whole head in p->head[0..hlen): request line, fields, empty line.
** Fills p->req and decides how the body is framed. */
static int
parse_head(struct serve_http_parser *p)
{
	char *s = p->head, *end = p->head + p->hlen;
	int rc, te = 0, cl = 0, close = 0, alive = 0, hosts = 0;
	uint64_t len = 0;

	memset(&p->req, 0, sizeof(p->req));
	p->expect = 0;
	for (int first = 1; s < end; first = 0) {
		char *nl = memchr(s, '\n', (size_t)(end - s)), *colon, *v, *ve;
		size_t n = (size_t)(nl - s);

		if (n > 0 && s[n - 1] == '\r')
			n--;
		/* A CR anywhere but before the LF, or a NUL, is malformed. */
		if (memchr(s, '\r', n) != NULL || memchr(s, '\0', n) != NULL)
			return SERVE_HTTP_E_BAD;
		if (first) {
			if ((rc = parse_request_line(p, s, n)) != 0)
				return rc;
			s = nl + 1;
			continue;
		}
		if (n == 0)
			break;
		/* A name is a token right up to the colon, so a space before
		** the colon and obs-fold (a line starting with SP) are 400. */
		colon = memchr(s, ':', n);
		if (colon == NULL || colon == s)
			return SERVE_HTTP_E_BAD;
		for (char *c = s; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return SERVE_HTTP_E_BAD;
		v = colon + 1;
		ve = s + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		for (char *c = v; c < ve; c++)
			if (!is_vbyte((unsigned char)*c))
				return SERVE_HTTP_E_BAD;
		if (ieq(s, (size_t)(colon - s), "content-length")) {
			uint64_t x;

			if ((rc = parse_length(v, (size_t)(ve - v), &x)) != 0)
				return rc;
			if (cl && x != len)
				return SERVE_HTTP_E_BAD;
			cl = 1;
			len = x;
		} else if (ieq(s, (size_t)(colon - s), "transfer-encoding")) {
			if (te)
				/* chunked twice at best */
				return SERVE_HTTP_E_BAD;
			if (!ieq(v, (size_t)(ve - v), "chunked"))
				return SERVE_HTTP_E_METHOD;
			te = 1;
		} else if (ieq(s, (size_t)(colon - s), "connection")) {
			close |= has_token(v, (size_t)(ve - v), "close");
			alive |= has_token(v, (size_t)(ve - v), "keep-alive");
		} else if (ieq(s, (size_t)(colon - s), "host")) {
			hosts++;
		} else if (ieq(s, (size_t)(colon - s), "expect")) {
			p->expect = ieq(v, (size_t)(ve - v), "100-continue");
		}
		s = nl + 1;
	}
	/* Both framings at once is the request-smuggling shape. */
	if ((te && cl) || (te && p->req.minor == 0))
		return SERVE_HTTP_E_BAD;
	if (hosts > 1 || (hosts == 0 && p->req.minor == 1))
		return SERVE_HTTP_E_BAD;
	if (cl && len > p->max_body)
		return SERVE_HTTP_E_TOO_LARGE;
	p->req.keep_alive = !close && (p->req.minor == 1 || alive);
	p->req.chunked = te;
	p->left = len;
	return 0;
}

/* Ready for the next request on the connection; req.target stays valid
** because head[] is only written by the next feed. */
static void
next_request(struct serve_http_parser *p)
{
	p->state = S_HEAD;
	p->hlen = 0;
	p->line = 0;
	p->cr = 0;
}

/* One byte of a line-oriented state: handles CR LF and bare LF.  Returns
** 1 at the end of a line, 0 for a byte of it (left in *c), or 400. */
static int
line_byte(struct serve_http_parser *p, unsigned char c)
{
	if (p->cr) {
		p->cr = 0;
		return c == '\n' ? 1 : SERVE_HTTP_E_BAD;
	}
	if (c == '\r') {
		p->cr = 1;
		return -1;
	}
	return c == '\n' ? 1 : 0;
}

/* One byte of a chunk-size line: hex digits, BWS, ";ext". */
static int
chunk_size_byte(struct serve_http_parser *p, unsigned char c)
{
	int d;

	if (++p->line > MAX_CHUNK_LINE)
		return SERVE_HTTP_E_BAD;
	if (p->inext)
		return is_vbyte(c) ? 0 : SERVE_HTTP_E_BAD;
	if (c == ';') {
		if (!p->sawdigit)
			return SERVE_HTTP_E_BAD;
		p->inext = 1;
		return 0;
	}
	if (c == ' ' || c == '\t') {
		/* Whitespace only after the size, before a ';'. */
		if (!p->sawdigit)
			return SERVE_HTTP_E_BAD;
		p->sawdigit = 2;
		return 0;
	}
	if ((d = hexval(c)) < 0 || p->sawdigit == 2)
		return SERVE_HTTP_E_BAD;
	p->sawdigit = 1;
	/* Checking against what is left of max_body also rules out
	** overflow: a size that big is 413, however it is spelt. */
	if ((uint64_t)d > p->max_body - p->req.body_len ||
	    p->left > (p->max_body - p->req.body_len - (uint64_t)d) / 16)
		return SERVE_HTTP_E_TOO_LARGE;
	p->left = p->left * 16 + (uint64_t)d;
	return 0;
}

enum serve_http_event
serve_http_feed(struct serve_http_parser *p, const char *data, size_t len,
		size_t *used, struct serve_http_request *req)
{
	const unsigned char *b = (const unsigned char *)data;
	size_t i = 0;
	int rc;

	*used = 0;
	if (p->error)
		return (enum serve_http_event)p->error;
	while (i < len) {
		switch (p->state) {
		case S_HEAD:
			if (p->hlen == 0 &&
			    (b[i] == '\r' || b[i] == '\n' || p->cr)) {
				/* Empty lines before a request line. */
				rc = line_byte(p, b[i]);
				if (rc == SERVE_HTTP_E_BAD)
					goto fail;
				i++;
				if (++p->line > SERVE_HTTP_MAX_HEAD) {
					rc = SERVE_HTTP_E_HEAD_TOO_LARGE;
					goto fail;
				}
				break;
			}
			if (p->hlen + p->line >= SERVE_HTTP_MAX_HEAD) {
				rc = SERVE_HTTP_E_HEAD_TOO_LARGE;
				goto fail;
			}
			p->head[p->hlen++] = (char)b[i++];
			if (p->head[p->hlen - 1] != '\n' || p->hlen < 2 ||
			    (p->head[p->hlen - 2] != '\n' &&
			     (p->head[p->hlen - 2] != '\r' || p->hlen < 3 ||
			      p->head[p->hlen - 3] != '\n')))
				break;
			p->head[p->hlen] = '\0';
			if ((rc = parse_head(p)) != 0)
				goto fail;
			p->line = 0;
			p->cr = 0;
			if (p->req.chunked) {
				p->state = S_CHUNK_SIZE;
				p->left = 0;
				p->sawdigit = p->inext = 0;
			} else if (p->left > 0) {
				p->state = S_BODY;
			} else {
				goto done;
			}
			if (p->expect && p->req.minor == 1) {
				*used = i;
				return SERVE_HTTP_CONTINUE;
			}
			break;
		case S_BODY:
		case S_CHUNK_DATA: {
			size_t n = len - i;

			if (n > p->left)
				n = (size_t)p->left;
			i += n;
			p->left -= n;
			p->req.body_len += n;
			if (p->left > 0)
				break;
			if (p->state == S_BODY)
				goto done;
			p->state = S_CHUNK_END;
			break;
		}
		case S_CHUNK_END:
			rc = line_byte(p, b[i++]);
			if (rc == 0)
				rc = SERVE_HTTP_E_BAD;
			if (rc == SERVE_HTTP_E_BAD)
				goto fail;
			if (rc == 1) {
				p->state = S_CHUNK_SIZE;
				p->line = 0;
				p->left = 0;
				p->sawdigit = p->inext = 0;
			}
			break;
		case S_CHUNK_SIZE:
			rc = line_byte(p, b[i]);
			if (rc == 0)
				rc = chunk_size_byte(p, b[i]);
			i++;
			if (rc == SERVE_HTTP_E_BAD ||
			    rc == SERVE_HTTP_E_TOO_LARGE)
				goto fail;
			if (rc != 1)
				break;
			if (!p->sawdigit) {
				rc = SERVE_HTTP_E_BAD;
				goto fail;
			}
			p->line = 0;
			p->inext = 0;
			if (p->left > 0) {
				p->state = S_CHUNK_DATA;
			} else {
				p->state = S_TRAILER;
				p->trailer = 0;
			}
			break;
		case S_TRAILER:
			/* Trailer fields are skipped, but still framed. */
			if (++p->trailer > SERVE_HTTP_MAX_HEAD) {
				rc = SERVE_HTTP_E_HEAD_TOO_LARGE;
				goto fail;
			}
			rc = line_byte(p, b[i]);
			if (rc == SERVE_HTTP_E_BAD)
				goto fail;
			if (rc == 0) {
				if (!is_vbyte(b[i]) ||
				    (p->line == 0 && (b[i] == ' ' ||
				     b[i] == '\t' || b[i] == ':'))) {
					rc = SERVE_HTTP_E_BAD;
					goto fail;
				}
				if (b[i] == ':')
					p->inext = 1;
				p->line++;
			}
			i++;
			if (rc != 1)
				break;
			if (p->line == 0)
				goto done;
			if (!p->inext) {
				/* A trailer line without ':'. */
				rc = SERVE_HTTP_E_BAD;
				goto fail;
			}
			p->line = 0;
			p->inext = 0;
			break;
		}
	}
	*used = i;
	return SERVE_HTTP_MORE;
done:
	*used = i;
	*req = p->req;
	next_request(p);
	return SERVE_HTTP_REQUEST;
fail:
	*used = i;
	p->error = rc;
	return (enum serve_http_event)rc;
}

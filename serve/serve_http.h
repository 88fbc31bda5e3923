/*
** serve_http.h - an incremental HTTP/1.1 request parser for `dyno serve`.
**
** Pure: no I/O, no allocation.  The caller feeds bytes as they arrive, in
** pieces of any size, and gets back one event at a time.  Every byte fed is
** consumed (header bytes are copied into the parser's own buffer, body
** bytes are counted and dropped), so the caller never keeps input for it.
**
** What it accepts (RFC 9112, strictly, with the exceptions noted):
**   - request line "METHOD SP target SP HTTP/1.x"; methods GET, HEAD,
**     POST, PUT; another well-formed method is 501; HTTP/2.0 etc. is 505;
**   - lines end in CRLF; a bare LF is accepted too (RFC 9112 2.2 allows
**     it), a bare CR is 400; empty lines before a request line are skipped
**     (RFC 9112 2.2), counted against the header limit;
**   - header fields "name: value": no space before the colon, no obs-fold,
**     no control characters in values; an HTTP/1.1 request needs exactly
**     one Host (RFC 9112 3.2), else 400;
**   - Content-Length: digits only, repeated only with the same value, else
**     400; over max_body 413 (at once, before the body is read);
**   - Transfer-Encoding: exactly "chunked" (any case), else 501; with a
**     Content-Length, or in HTTP/1.0, 400; chunk sizes in hex (overflow
**     400), chunk extensions and trailer fields skipped; a body growing
**     past max_body 413;
**   - Connection: "close" or "keep-alive" among its comma-separated
**     tokens; default keep-alive for HTTP/1.1, close for HTTP/1.0;
**   - the head (request line and fields), and the trailer section, each
**     at most SERVE_HTTP_MAX_HEAD bytes, else 431.
*/
#ifndef DYNO_SERVE_HTTP_H
#define DYNO_SERVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define SERVE_HTTP_MAX_HEAD 8192

/* What serve_http_feed returns.  Errors are the HTTP status to answer
** with. */
enum serve_http_event {
	SERVE_HTTP_MORE = 0,      /* all input consumed, no request complete */
	SERVE_HTTP_REQUEST = 1,   /* a whole request (head and body) in req */
	SERVE_HTTP_CONTINUE = 2,  /* head read, it asked "Expect: 100-continue"
				  ** and has a body: answer 100 and feed on */
	SERVE_HTTP_E_BAD = 400,
	SERVE_HTTP_E_TOO_LARGE = 413,
	SERVE_HTTP_E_HEAD_TOO_LARGE = 431,
	SERVE_HTTP_E_METHOD = 501,
	SERVE_HTTP_E_VERSION = 505
};

enum serve_http_method {
	SERVE_HTTP_GET, SERVE_HTTP_HEAD, SERVE_HTTP_POST, SERVE_HTTP_PUT
};

struct serve_http_request {
	enum serve_http_method method;
	const char *target;     /* NUL-terminated, points into the parser:
				** valid until the next serve_http_feed */
	int minor;              /* 0 or 1: HTTP/1.minor */
	int keep_alive;         /* 0 when the connection must close after */
	int chunked;            /* the body came chunked */
	uint64_t body_len;      /* body bytes (decoded, for chunked) */
};

/* Internal state; callers only allocate it and call serve_http_init. */
struct serve_http_parser {
	int state;
	int error;              /* the sticky error event, or 0 */
	uint64_t max_body;
	size_t hlen;            /* bytes in head[] */
	uint64_t left;          /* body or chunk bytes still to come */
	size_t line;            /* bytes on this chunk-size or trailer line */
	size_t trailer;         /* bytes of the trailer section so far */
	int cr;                 /* the previous byte was a CR */
	int sawdigit;           /* a hex digit seen on the chunk-size line */
	int inext;              /* inside a chunk extension */
	int expect;             /* Expect: 100-continue */
	struct serve_http_request req;
	char head[SERVE_HTTP_MAX_HEAD + 1];
};

/* Ready p for the first request of a connection; bodies over max_body are
** refused with 413. */
void serve_http_init(struct serve_http_parser *p, uint64_t max_body);

/*
** Feed len bytes at data; *used gets how many were consumed.  SERVE_HTTP_MORE:
** all were.  SERVE_HTTP_REQUEST: a request ended after *used bytes; *req
** is filled (borrowed from p); call again with the rest, which starts the
** next (pipelined) request.  SERVE_HTTP_CONTINUE: as for MORE the rest is
** still to be fed.  An error status: the connection cannot go on; every later
** call returns the same status.  Any byte sequence is safe.
*/
enum serve_http_event serve_http_feed(struct serve_http_parser *p,
				      const char *data, size_t len,
				      size_t *used,
				      struct serve_http_request *req);

/* The reason phrase of a status this parser or the server uses. */
const char *serve_http_reason(int status);

#endif

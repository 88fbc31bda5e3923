/* test_serve_http.c - the HTTP request parser of dyno serve, edge cases. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "serve_http.h"

#define MAXB 1000

static struct serve_http_parser p;

/* What feeding a whole input gave: the requests in order, then the last
** event (SERVE_HTTP_MORE, or the error). */
struct result {
	int n;
	struct serve_http_request r[8];
	char target[8][64];
	int last;
	int continues;
};

/* Feed s in pieces of `step` bytes (0: all at once). */
static struct result
feed(const char *s, size_t len, size_t step, uint64_t max)
{
	struct result res = { 0 };
	size_t off = 0;

	serve_http_init(&p, max);
	res.last = SERVE_HTTP_MORE;
	while (off < len) {
		size_t n = step == 0 || len - off < step ? len - off : step;
		size_t used;
		struct serve_http_request r;
		int ev = serve_http_feed(&p, s + off, n, &used, &r);

		cr_assert_leq(used, n);
		off += used;
		if (ev == SERVE_HTTP_REQUEST) {
			cr_assert_lt(res.n, 8);
			res.r[res.n] = r;
			snprintf(res.target[res.n], sizeof(res.target[0]), "%s",
				 r.target);
			res.n++;
			continue;
		}
		if (ev == SERVE_HTTP_CONTINUE) {
			res.continues++;
			continue;
		}
		res.last = ev;
		if (ev != SERVE_HTTP_MORE)
			return res;
		cr_assert_eq(used, n, "MORE consumed only %zu of %zu", used, n);
	}
	return res;
}

static struct result
feeds(const char *s)
{
	return feed(s, strlen(s), 0, MAXB);
}

Test(serve_http, simple_get)
{
	struct result r = feeds("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.last, SERVE_HTTP_MORE);
	cr_assert_eq(r.r[0].method, SERVE_HTTP_GET);
	cr_assert_str_eq(r.target[0], "/");
	cr_assert_eq(r.r[0].minor, 1);
	cr_assert_eq(r.r[0].keep_alive, 1);
	cr_assert_eq(r.r[0].body_len, 0);
}

Test(serve_http, head_and_target)
{
	struct result r = feeds("HEAD /bytes/10?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");

	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.r[0].method, SERVE_HTTP_HEAD);
	cr_assert_str_eq(r.target[0], "/bytes/10?x=1");
}

Test(serve_http, post_content_length)
{
	struct result r = feeds("POST /u HTTP/1.1\r\nHost: x\r\n"
				"Content-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n"
				"Host: x\r\n\r\n");

	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.r[0].method, SERVE_HTTP_POST);
	cr_assert_eq(r.r[0].body_len, 5);
	cr_assert_eq(r.r[1].method, SERVE_HTTP_GET);
}

Test(serve_http, put)
{
	struct result r = feeds("PUT /u HTTP/1.1\r\nHost: x\r\n"
				"content-length:3\r\n\r\nabc");

	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.r[0].method, SERVE_HTTP_PUT);
	cr_assert_eq(r.r[0].body_len, 3);
}

static const char chunked[] =
	"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
	"5\r\nhello\r\n"
	"a;name=value;other\r\n0123456789\r\n"
	"1 ; ext\r\n!\r\n"
	"0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n"
	"GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

Test(serve_http, chunked_extensions_trailers)
{
	struct result r = feeds(chunked);

	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.last, SERVE_HTTP_MORE);
	cr_assert_eq(r.r[0].chunked, 1);
	cr_assert_eq(r.r[0].body_len, 16);
	cr_assert_str_eq(r.target[1], "/next");
}

/* Every split point, and byte by byte, gives the same requests. */
Test(serve_http, split_everywhere)
{
	size_t len = strlen(chunked);

	for (size_t step = 1; step <= len; step++) {
		struct result r = feed(chunked, len, step, MAXB);

		cr_assert_eq(r.n, 2, "step %zu", step);
		cr_assert_eq(r.r[0].body_len, 16, "step %zu", step);
		cr_assert_str_eq(r.target[1], "/next", "step %zu", step);
	}
	/* Two pieces, split at every position. */
	for (size_t cut = 0; cut <= len; cut++) {
		size_t used1;
		struct serve_http_request q;
		int n = 0, ev;

		serve_http_init(&p, MAXB);
		for (size_t off = 0; off < len; off += used1) {
			size_t end = off < cut ? cut : len;

			ev = serve_http_feed(&p, chunked + off, end - off, &used1, &q);
			cr_assert_neq(ev, SERVE_HTTP_E_BAD, "cut %zu", cut);
			if (ev == SERVE_HTTP_REQUEST)
				n++;
		}
		cr_assert_eq(n, 2, "cut %zu", cut);
	}
}

Test(serve_http, pipelined)
{
	struct result r = feeds("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
				"GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
				"\r\n"  /* a stray CRLF between requests */
				"HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n");

	cr_assert_eq(r.n, 3);
	cr_assert_str_eq(r.target[0], "/a");
	cr_assert_str_eq(r.target[1], "/b");
	cr_assert_str_eq(r.target[2], "/c");
}

Test(serve_http, connection_close)
{
	struct result r = feeds("GET / HTTP/1.1\r\nHost: x\r\n"
				"Connection: foo, Close\r\n\r\n");

	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.r[0].keep_alive, 0);
}

Test(serve_http, http10_default_close)
{
	struct result r = feeds("GET / HTTP/1.0\r\n\r\n"
				"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");

	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.r[0].minor, 0);
	cr_assert_eq(r.r[0].keep_alive, 0);
	cr_assert_eq(r.r[1].keep_alive, 1);
}

Test(serve_http, bare_lf_accepted)
{
	struct result r = feeds("GET / HTTP/1.1\nHost: x\n\n");

	cr_assert_eq(r.n, 1);
}

Test(serve_http, expect_continue)
{
	struct result r = feeds("POST / HTTP/1.1\r\nHost: x\r\n"
				"Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok");

	cr_assert_eq(r.continues, 1);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.r[0].body_len, 2);
}

struct bad {
	const char *in;
	int want;
};

static const struct bad bads[] = {
	/* malformed request lines */
	{ "GET\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1\rHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / http/1.1\r\nHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.x\r\nHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", SERVE_HTTP_E_VERSION },
	{ "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "\r\r\n", SERVE_HTTP_E_BAD },
	/* header fields */
	{ "GET / HTTP/1.1\r\n\r\n", SERVE_HTTP_E_BAD },           /* no Host */
	{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "GET / HTTP/1.1\r\nHost: x\001\r\n\r\n", SERVE_HTTP_E_BAD },
	/* lengths */
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", SERVE_HTTP_E_TOO_LARGE },
	{ "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", SERVE_HTTP_E_METHOD },
	/* chunked bodies */
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", SERVE_HTTP_E_BAD },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n", SERVE_HTTP_E_TOO_LARGE },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", SERVE_HTTP_E_TOO_LARGE },
	{ "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", SERVE_HTTP_E_BAD },
	/* methods */
	{ "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", SERVE_HTTP_E_METHOD },
	{ "get / HTTP/1.1\r\nHost: x\r\n\r\n", SERVE_HTTP_E_METHOD },
};

Test(serve_http, errors)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct result r = feeds(bads[i].in);

		cr_expect_eq(r.last, bads[i].want, "case %zu: got %d, want %d",
			     i, r.last, bads[i].want);
		cr_expect_eq(r.n, 0, "case %zu", i);
	}
}

/* A body over max_body in chunks is refused once it gets there. */
Test(serve_http, chunked_total_over_max)
{
	struct result r = feed("POST / HTTP/1.1\r\nHost: x\r\n"
			       "Transfer-Encoding: chunked\r\n\r\n"
			       "4\r\nabcd\r\n4\r\nefgh\r\n", 200, 0, 6);

	cr_assert_eq(r.last, SERVE_HTTP_E_TOO_LARGE);
}

Test(serve_http, error_is_sticky)
{
	size_t used;
	struct serve_http_request q;

	serve_http_init(&p, MAXB);
	cr_assert_eq(serve_http_feed(&p, "BAD(\r\n\r\n", 8, &used, &q),
		     SERVE_HTTP_E_BAD);
	cr_assert_eq(serve_http_feed(&p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
				     27, &used, &q), SERVE_HTTP_E_BAD);
	cr_assert_eq(used, 0);
}

Test(serve_http, oversize_head)
{
	static char big[SERVE_HTTP_MAX_HEAD + 100];
	struct result r;

	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
	memset(big + 28, 'a', sizeof(big) - 28);
	r = feed(big, sizeof(big), 1000, MAXB);
	cr_assert_eq(r.last, SERVE_HTTP_E_HEAD_TOO_LARGE);
	/* Just under the limit is fine. */
	memset(big + 28, 'a', SERVE_HTTP_MAX_HEAD - 28 - 4 - 1);
	memcpy(big + SERVE_HTTP_MAX_HEAD - 5, "\r\n\r\n", 4);
	r = feed(big, SERVE_HTTP_MAX_HEAD - 1, 0, MAXB);
	cr_assert_eq(r.n, 1);
}

Test(serve_http, oversize_trailers)
{
	static char big[SERVE_HTTP_MAX_HEAD * 2];
	const char *h = "POST / HTTP/1.1\r\nHost: x\r\n"
			"Transfer-Encoding: chunked\r\n\r\n0\r\nX: ";
	size_t n = strlen(h);
	struct result r;

	memcpy(big, h, n);
	memset(big + n, 'a', sizeof(big) - n);
	r = feed(big, sizeof(big), 0, MAXB);
	cr_assert_eq(r.last, SERVE_HTTP_E_HEAD_TOO_LARGE);
}

Test(serve_http, endless_blank_lines)
{
	static char big[SERVE_HTTP_MAX_HEAD * 2 + 2];
	struct result r;

	for (size_t i = 0; i + 1 < sizeof(big); i += 2)
		memcpy(big + i, "\r\n", 2);
	r = feed(big, sizeof(big), 0, MAXB);
	cr_assert_eq(r.last, SERVE_HTTP_E_HEAD_TOO_LARGE);
}

Test(serve_http, reasons)
{
	cr_assert_str_eq(serve_http_reason(413), "Content Too Large");
	cr_assert_str_eq(serve_http_reason(501), "Not Implemented");
}

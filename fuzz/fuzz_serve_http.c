/* fuzz_serve_http.c - libFuzzer target: the HTTP parser of dyno serve,
** fed whole and in pieces, must agree with itself and stay in bounds. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a run saw: requests, their total body bytes, the last event. */
struct trace {
	unsigned requests;
	uint64_t body;
	int last;
};

/* Feed data in pieces of step bytes (0: whole); checks each answer. */
static struct trace
run(struct serve_http_parser *p, const char *data, size_t size, size_t step,
    uint64_t max)
{
	struct trace t = { 0, 0, SERVE_HTTP_MORE };
	size_t off = 0;

	serve_http_init(p, max);
	while (off < size) {
		size_t n = step == 0 || size - off < step ? size - off : step;
		struct serve_http_request r;
		size_t used = (size_t)-1;
		int ev = serve_http_feed(p, data + off, n, &used, &r);

		if (used > n)
			__builtin_trap();
		off += used;
		if (ev == SERVE_HTTP_REQUEST) {
			/* The target is a string inside the parser. */
			if (strlen(r.target) == 0 ||
			    r.target < p->head ||
			    r.target >= p->head + sizeof(p->head) ||
			    r.body_len > max || r.minor < 0 || r.minor > 1)
				__builtin_trap();
			t.requests++;
			t.body += r.body_len;
			continue;
		}
		if (ev == SERVE_HTTP_CONTINUE)
			continue;
		if (ev == SERVE_HTTP_MORE) {
			if (used != n)
				__builtin_trap();
			continue;
		}
		if (ev != SERVE_HTTP_E_BAD && ev != SERVE_HTTP_E_TOO_LARGE &&
		    ev != SERVE_HTTP_E_HEAD_TOO_LARGE &&
		    ev != SERVE_HTTP_E_METHOD && ev != SERVE_HTTP_E_VERSION)
			__builtin_trap();
		/* Errors stick. */
		if ((int)serve_http_feed(p, data, size, &used, &r) != ev ||
		    used != 0)
			__builtin_trap();
		t.last = ev;
		break;
	}
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serve_http_parser *p = malloc(sizeof(*p));
	struct trace whole, split;
	uint64_t max;
	size_t step;

	if (p == NULL || size < 2) {
		free(p);
		return 0;
	}
	/* The first two bytes pick the piece size and max_body. */
	step = data[0] % 17 + 1;
	max = data[1] < 128 ? data[1] : UINT64_MAX - data[1];
	data += 2;
	size -= 2;
	whole = run(p, (const char *)data, size, 0, max);
	split = run(p, (const char *)data, size, step, max);
	if (whole.requests != split.requests || whole.body != split.body ||
	    whole.last != split.last)
		__builtin_trap();
	free(p);
	return 0;
}

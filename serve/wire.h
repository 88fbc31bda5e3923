/*
** wire.h - the protocol between `dyno serve` and the network plugin.
** Shared by serve/serve*.c and plugins/network/; not part of the plugin
** ABI (a plugin built elsewhere speaks it by this description).
**
** TCP.  The client's first 16 bytes are a hello:
**     0  "DYN1"          magic
**     4  mode            one byte: WIRE_RR, WIRE_SINK or WIRE_SOURCE
**     5  0, 0, 0         reserved, zero
**     8  req_size        uint32, big-endian
**    12  resp_size       uint32, big-endian
** WIRE_RR     the server reads req_size bytes, then writes resp_size
**             bytes, and again, until the client closes (tcp_rr; tcp_crr
**             does one exchange per connection).  1 <= sizes <= max-msg.
** WIRE_SINK   the server reads and discards until EOF (client sends).
** WIRE_SOURCE the server writes resp_size-byte chunks until the client
**             closes (client receives).
** A connection whose first bytes are an HTTP method ("GET ", "HEAD",
** "POST", "PUT ") is HTTP/1.1 instead: GET / answers 200 with a short
** body; GET /bytes/N answers N bytes (N <= max-msg); POST and PUT read the
** body (Content-Length or chunked) and answer 200 "ok\n".  Keep-alive by
** default, "Connection: close" honoured, pipelined requests answered in
** order; malformed -> 400 and close; body over max-msg -> 413 and close;
** /bytes/N with N over max-msg -> 400, unknown paths -> 404 (both keep the
** connection).  HTTP/1.1 requests must carry one Host header.  HTTP is
** recognised from the first 4 bytes only: a connection opening with
** another method (DELETE, OPTIONS) is refused like a bad hello.
** Anything else: one log line, and the connection is closed (no reply).
** SOURCE's resp_size is only the server's write size: the client sees a
** plain byte stream.  SINK has no acknowledgement: shutdown(SHUT_WR) and
** wait for EOF to know everything was read.  The default port is 7478.
**
** UDP, on the same port: a datagram starting with "DYU1" then uint32
** big-endian resp_size (16 <= resp_size <= 65507) is answered with
** resp_size bytes whose first min(datagram length, resp_size) bytes are
** the datagram's own (so a client's sequence number at bytes 8..15 comes
** back) and the rest zero.  Other datagrams are dropped.
**
** `dyno serve --port 0` prints, as its first line on stdout,
**     dyno serve: listening on HOST:PORT
** and flushes it, so a parent can read the port it got.
*/
#ifndef DYNO_WIRE_H
#define DYNO_WIRE_H

#include <stdint.h>

#define WIRE_MAGIC "DYN1"
#define WIRE_UDP_MAGIC "DYU1"
#define WIRE_HELLO_LEN 16
#define WIRE_UDP_HDR 16      /* magic, resp_size, then 8 bytes for a seq */
#define WIRE_UDP_MAX 65507

enum wire_mode {
	WIRE_RR = 'R',
	WIRE_SINK = 'S',
	WIRE_SOURCE = 'O'
};

static inline void
wire_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline uint32_t
wire_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Fills a 16-byte hello. */
static inline void
wire_hello(unsigned char h[WIRE_HELLO_LEN], enum wire_mode mode,
	   uint32_t req_size, uint32_t resp_size)
{
	h[0] = 'D'; h[1] = 'Y'; h[2] = 'N'; h[3] = '1';
	h[4] = (unsigned char)mode;
	h[5] = h[6] = h[7] = 0;
	wire_put32(h + 8, req_size);
	wire_put32(h + 12, resp_size);
}

#endif /* DYNO_WIRE_H */

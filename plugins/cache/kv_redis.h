/*
** kv_redis.h - the Redis plumbing under the kv probes (kv.c), in
** kv_redis.c: where a server is (an address parsed from `url`), a
** private redis-server started for one probe and stopped after it, and
** numbers read from INFO.  Only built with hiredis (HAVE_HIREDIS).
** Private to plugins/cache.
*/
#ifndef CACHE_KV_REDIS_H
#define CACHE_KV_REDIS_H

#ifdef HAVE_HIREDIS

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#define KV_IO_MS 5000 /* a reply later than this is an error */

void kv_sleep_ns(long ns);
/* Whether c's last error was the read timeout (hiredis reports EAGAIN). */
int kv_timed_out(const redisContext *c);
/* c's last error in words: "no answer within 5000 ms", "the server closed
** the connection", or hiredis's text. */
void kv_ctx_error(const redisContext *c, char *buf, size_t n);

/* A server address.  text is "host:port" (IPv6 hosts in brackets), the
** form every message names the server by. */
struct kv_addr {
	char host[256];
	int port;
	char text[272];
};

/* Parses "redis://host:port", "host:port", "[v6addr]:port", or either
** form without ":port" (6379).  0, or -1 with err[] naming the input and
** what was expected. */
int kv_addr_parse(const char *url, struct kv_addr *a, char *err,
		  size_t errn);

/* Connects and checks the server answers PING, each within timeout_ms,
** then sets a 5 s I/O timeout (a reply later than that is an error).
** The context,
** owned by the caller (redisFree); or NULL with err[] saying "cannot
** connect to redis at <addr>: <why>". */
redisContext *kv_connect(const struct kv_addr *a, int timeout_ms, char *err,
			 size_t errn);

/* A redis-server this process started.  pid 0: none running. */
struct kv_server {
	pid_t pid;
	struct kv_addr addr;   /* 127.0.0.1 and the port it listens on */
	char dir[PATH_MAX];    /* its --dir and log; removed by stop */
	char bin[PATH_MAX];    /* the redis-server it runs */
};

/* Starts redis-server (found in PATH) on a free loopback port with
** --save "" --appendonly no, its files in a new directory under parent,
** and waits until it answers PING.  The child dies with the thread that
** started it (PR_SET_PDEATHSIG) and stays in the caller's process group.
** 0 started; 1 no redis-server in PATH (err[] says what to install);
** -1 failed (err[] says why, with the server's last log line).  On
** nonzero nothing is left running and no directory is left. */
int kv_server_start(struct kv_server *s, const char *parent, char *err,
		    size_t errn);

/* Stops the server (SIGTERM, SIGKILL after 2 s), reaps it, removes its
** directory.  Does nothing for a zeroed struct; safe to call twice. */
void kv_server_stop(struct kv_server *s);

/* The value of `field` in INFO `section`, as an unsigned integer.  0, or
** -1 with err[] naming the field or the connection error. */
int kv_info_u64(redisContext *c, const char *section, const char *field,
		uint64_t *v, char *err, size_t errn);

/* The value of `field` in INFO `section` as text (e.g. redis_version).
** 0, or -1 when the field is missing or the connection failed. */
int kv_info_str(redisContext *c, const char *section, const char *field,
		char *buf, size_t n);

#endif /* HAVE_HIREDIS */

#endif /* CACHE_KV_REDIS_H */

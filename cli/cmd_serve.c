/* cmd_serve.c - dyno serve: its options, then the peer (serve/serve.c). */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "serve.h"
#include "units.h"

static int cmd_serve(struct global *, int, char **);

const struct command cmd_serve_entry = {
	.name = "serve",
	.fn = cmd_serve,
	.summary = "the peer for network probes (TCP, UDP, HTTP)",
	.usage =
	    "dyno serve [--bind 127.0.0.1] [--port 7478] [--max-conns 1024]\n"
	    "           [--max-msg 16MiB] [--idle-timeout 30s] [--threads 1]\n"
	    "           [--busy-poll 0]",
	.help =
	    "Serve the network plugin's protocol (serve/wire.h) until SIGTERM or\n"
	    "SIGINT: TCP round trips, sink and source streams, an HTTP/1.1\n"
	    "subset (GET /, GET /bytes/N, POST, PUT) and UDP echo, all on one\n"
	    "port.  The first line on stdout is \"dyno serve: listening on\n"
	    "HOST:PORT\"; refused and timed-out clients are logged on stderr.\n"
	    "  --bind ADDR       address to listen on (default 127.0.0.1; give\n"
	    "                    0.0.0.0 or :: to accept other machines)\n"
	    "  --port N          TCP and UDP port (default 7478; 0: any free one)\n"
	    "  --max-conns N     connections served at once; more are accepted,\n"
	    "                    logged and closed (default 1024)\n"
	    "  --max-msg SIZE    largest hello size, HTTP body or /bytes/N\n"
	    "                    (default 16MiB)\n"
	    "  --idle-timeout D  close a connection idle for D (default 30s;\n"
	    "                    0: never)\n"
	    "  --threads N       N event loops on N threads, sharing the port\n"
	    "                    with SO_REUSEPORT (default 1)\n"
	    "  --busy-poll D     while a sink or source stream is open, poll for\n"
	    "                    up to D (at most 1s) before sleeping, so the\n"
	    "                    sender need not wake this CPU (default 0:\n"
	    "                    sleep between reads, as iperf3 -s does)\n"
	    "Exit status: 0 after SIGTERM or SIGINT, 2 bad input or the port\n"
	    "could not be bound."
};

static int
cmd_serve(struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 }
	};
	struct serve_opts so;
	struct dyno_err e;
	int64_t v;
	int c;

	(void)g;
	serve_opts_default(&so);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			so.bind = optarg;
			break;
		case 'p':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --port: %s", e.msg);
			if (v < 0 || v > 65535)
				usage_error("serve: --port: '%s' is out of range "
					    "(expected 0 to 65535)", optarg);
			so.port = (int)v;
			break;
		case 'c':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --max-conns: %s", e.msg);
			if (v < 1 || v > 1000000)
				usage_error("serve: --max-conns: '%s' is out of "
					    "range (expected 1 to 1000000)", optarg);
			so.max_conns = (unsigned)v;
			break;
		case 'm':
			if (units_parse_size(optarg, &so.max_msg, &e) < 0)
				usage_error("serve: --max-msg: %s", e.msg);
			/* Hello sizes are 32-bit. */
			if (so.max_msg < 1 || so.max_msg > UINT32_MAX)
				usage_error("serve: --max-msg: '%s' is out of "
					    "range (expected 1B to 4GiB-1)", optarg);
			break;
		case 'i':
			so.idle_ns = opt_duration("serve: --idle-timeout", optarg);
			break;
		case 't':
			if (units_parse_int(optarg, &v, &e) < 0)
				usage_error("serve: --threads: %s", e.msg);
			if (v < 1 || v > 1024)
				usage_error("serve: --threads: '%s' is out of "
					    "range (expected 1 to 1024)", optarg);
			so.threads = (unsigned)v;
			break;
		case 'B':
			so.busy_poll_ns = opt_duration("serve: --busy-poll",
						       optarg);
			if (so.busy_poll_ns > 1000000000u)
				usage_error("serve: --busy-poll: '%s' is out of "
					    "range (expected 0 to 1s)", optarg);
			break;
		default:
			bad_option("serve", c, argv);
		}
	}
	if (optind < argc)
		usage_error("serve: unexpected argument '%s' (see dyno serve "
			    "--help)", argv[optind]);
	if (serve_run(&so, &e) < 0) {
		fprintf(stderr, "dyno: %s\n", e.msg);
		return 2;
	}
	return 0;
}

/*
** probes.h - the network plugin's probe descriptors, each defined in the
** file of its family; network.c lists them.  Private to plugins/network.
*/
#ifndef NETWORK_PROBES_H
#define NETWORK_PROBES_H

#include <dyno/plugin.h>

/* stream.c */
extern const struct dyno_probe network_tcp_stream_probe;
/* rr.c */
extern const struct dyno_probe network_tcp_rr_probe;
extern const struct dyno_probe network_udp_rr_probe;
extern const struct dyno_probe network_tcp_crr_probe;
/* http.c */
extern const struct dyno_probe network_http_probe;

#endif /* NETWORK_PROBES_H */

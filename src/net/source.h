/* Where raw probes come from: the source address per address family and the
 * capture interface, taken from the kernel's routes to the targets (or from
 * --source-ip / --interface), and a source port reserved for the scan so the
 * kernel hands it to no other socket.  Embedded by a raw prober. */
#ifndef EP_SOURCE_H
#define EP_SOURCE_H

#include <netinet/in.h>
#include <stdint.h>

#include "config/cidr.h"

struct ep_targets;
struct ep_config;

struct ep_source {
	struct ep_addr addr[2]; /* [0] IPv4, [1] IPv6; family 0 when not scanned */
	uint16_t port;
	int portfd[2];   /* bound, never listening: holds the port */
	char ifname[16]; /* capture interface, "any" when routes differ */
};

/* Chooses addresses and interface for every protocol-proto target family in
 * t and reserves one port (proto's socket type) on all of them.  Logs and
 * returns EP_ENOENT when a target has no route, EP_EUNSUPPORTED when targets
 * of one family need different source addresses (give --source-ip). */
int ep_source_open(struct ep_source *s, const struct ep_targets *t, const struct ep_config *c,
                   int proto);
void ep_source_close(struct ep_source *s);
/* A raw socket of a's family for proto, bound to a, non-blocking, with a
 * 4 MiB send buffer.  EP_EPERM without CAP_NET_RAW. */
int ep_source_raw_socket(const struct ep_addr *a, int proto, int *fd);
/* a as a sockaddr (port 0) in storage big enough for either family. */
void ep_sockaddr_from(const struct ep_addr *a, struct sockaddr_in6 *out);
/* Can this process open raw sockets (CAP_NET_RAW)? */
int ep_source_can_raw(void);

#endif

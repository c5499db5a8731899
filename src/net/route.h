/* Route lookup through rtnetlink (RTM_GETROUTE with the destination, as
 * `ip route get` does): which interface a probe to dst leaves through and
 * which source address the kernel would use. */
#ifndef EP_ROUTE_H
#define EP_ROUTE_H

#include <net/if.h>

#include "config/cidr.h"

struct ep_route {
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct ep_addr src;     /* preferred source (RTA_PREFSRC), family 0 if none */
	struct ep_addr gateway; /* family 0 when dst is on-link */
	int is_local;           /* dst is one of this host's own addresses */
	unsigned table;         /* routing table the answer came from (RT_TABLE_MAIN...) */
	int special;            /* multipath, encapsulation or RTA_VIA: not a plain next hop */
};

/* Returns 0, EP_ENOENT (no route: unreachable, prohibited, blackhole), EP_EIO
 * (netlink failed), or EP_EINVAL (dst family neither 4 nor 6).  Blocks for
 * one netlink round trip (at most 1 s); call it outside the loop's hot path. */
int ep_route_get(const struct ep_addr *dst, struct ep_route *out);

#endif

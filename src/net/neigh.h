/* Next-hop link addresses from the kernel's neighbour table (rtnetlink):
 * read once, resolved when missing (the kernel is asked to resolve by one UDP
 * datagram to the discard port of the next hop, as any first packet would),
 * then kept in step with RTM_NEWNEIGH / RTM_DELNEIGH on a subscribed
 * netlink socket the owner polls.  Embedded by the packet send path; loop
 * thread only; owns its socket and entry array. */
#ifndef EP_NEIGH_H
#define EP_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

struct ep_neigh_entry {
	struct ep_addr addr;
	uint8_t mac[6];
	uint8_t valid; /* mac usable: reachable, stale, delay, probe or permanent */
};

struct ep_neigh {
	int fd; /* netlink, subscribed to neighbour changes; -1 when closed */
	int ifindex;
	size_t n;
	struct ep_neigh_entry *e;
	uint64_t updates; /* changes seen after open */
};

/* Opens the socket, reads the table for the n next hops on ifindex, asks the
 * kernel to resolve the missing ones and waits up to wait_ms for them.  Hops
 * still unresolved stay invalid (their probes take the raw path) and are
 * picked up later by ep_neigh_read.  Blocks; call before the loop runs.
 * Returns 0, EP_ENOMEM or EP_EIO. */
int ep_neigh_open(struct ep_neigh *nb, int ifindex, const struct ep_addr *hops, size_t n,
                  unsigned wait_ms);
/* Applies every change waiting on the socket (non-blocking). */
void ep_neigh_read(struct ep_neigh *nb);
/* Entry i's address if it is valid, else NULL. */
const uint8_t *ep_neigh_mac(const struct ep_neigh *nb, size_t i);
void ep_neigh_close(struct ep_neigh *nb);

#endif

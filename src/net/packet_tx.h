/* The AF_PACKET send path for raw probers: whole frames (net/frame.h) handed
 * to the driver with sendmmsg(2) on a packet socket with
 * PACKET_QDISC_BYPASS, skipping the kernel's IP output path (route lookup,
 * netfilter, neighbour lookup and qdisc per packet).  Usable when every
 * target leaves through one Ethernet (or loopback) link by a plain route of
 * the main or local table; next-hop addresses come from net/neigh.h.
 * Anything else (tunnels, other link types, policy routing, multipath,
 * targets on several links) keeps the raw IP socket: ep_packet_tx_open says
 * why.  IPv4 127/8 targets always take the raw path (see plan_host).  A probe whose next hop is not
 * resolved is refused (EP_ENOENT) and goes the raw way, where the kernel resolves it as before.
 * Embedded by its owner; loop thread only; owns its socket and tables. */
#ifndef EP_PACKET_TX_H
#define EP_PACKET_TX_H

#include <linux/if_packet.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config/cidr.h"
#include "net/frame.h"
#include "net/neigh.h"

#define EP_PTX_BATCH     64
#define EP_PTX_MAX_HOSTS 4096 /* next hops are found per target host */

struct ep_targets;

#define EP_PTX_HOP_LOCAL (-1) /* local delivery on lo: no link address */
#define EP_PTX_HOP_RAW   (-2) /* IPv4 127/8: the raw path takes it */

struct ep_ptx_host {
	struct ep_addr a; /* family 0: empty slot */
	int32_t hop;      /* index into neigh, or EP_PTX_HOP_* */
};

struct ep_packet_tx {
	int fd; /* -1: closed */
	int ifindex;
	int loopback;
	struct ep_frame_link link; /* source MAC; TTL set per family */
	uint8_t ttl[2];            /* [0] IPv4 TTL, [1] IPv6 hop limit */
	struct ep_neigh neigh;
	struct ep_ptx_host *hosts; /* open addressing, power-of-two size */
	size_t mask;
	uint16_t ip_id;
	unsigned n;
	uint64_t frames, refused; /* sent on this path / sent the raw way instead */
	struct mmsghdr msg[EP_PTX_BATCH];
	struct iovec iov[EP_PTX_BATCH];
	uint8_t frame[EP_PTX_BATCH][EP_FRAME_MAX];
};

/* Plans the path for every target of IPPROTO proto in t (route per host,
 * link type, next hops resolved within wait_ms) and opens the socket.
 * Blocks (netlink round trips); call before the loop runs.  Returns 0,
 * EP_EUNSUPPORTED with the reason in why (use the raw path), EP_EPERM (no
 * CAP_NET_RAW), EP_ENOMEM or EP_EIO. */
int ep_packet_tx_open(struct ep_packet_tx *tx, const struct ep_targets *t, int proto,
                      unsigned wait_ms, char *why, size_t whylen);
/* Queues one TCP frame src -> dst (see ep_pkt_tcp; flow: IPv6 flow label).
 * Returns 0, EP_ENOENT (no link address for dst's next hop: send it the
 * raw way) or EP_EAGAIN (batch full and the link is busy: try later). */
int ep_packet_tx_tcp(struct ep_packet_tx *tx, const struct ep_addr *src, const struct ep_addr *dst,
                     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                     uint32_t flow);
/* Hands the batch to the driver: 0 when empty after, else EP_EAGAIN. */
int ep_packet_tx_flush(struct ep_packet_tx *tx);
/* Applies neighbour changes (call now and then: a timer). */
void ep_packet_tx_poll(struct ep_packet_tx *tx);
void ep_packet_tx_close(struct ep_packet_tx *tx);

#endif

/* Whole link-layer frames for the AF_PACKET send path: Ethernet header, the
 * IP header the kernel's raw socket would have written (IPv4: DF, TTL from
 * the caller, header checksum; IPv6: a per-flow label, hop limit from the
 * caller) and a transport header from net/packet.h.  Pure functions. */
#ifndef EP_FRAME_H
#define EP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

#define EP_ETH_HLEN  14
#define EP_FRAME_MAX (EP_ETH_HLEN + 40 + 24) /* IPv6 + TCP with MSS: the largest SYN */

/* What stays the same for every frame of one path: the link and TTL. */
struct ep_frame_link {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint8_t ttl; /* IPv4 TTL / IPv6 hop limit */
};

/* Writes Ethernet + IP + TCP (see ep_pkt_tcp for the TCP header) into out
 * (EP_FRAME_MAX bytes).  ip_id is the IPv4 identification (DF is set, so any
 * value will do, RFC 6864); flow is the IPv6 flow label (20 bits used).
 * Returns the frame length. */
size_t ep_frame_tcp(uint8_t *out, const struct ep_frame_link *l, const struct ep_addr *src,
                    const struct ep_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
                    uint32_t ack, uint8_t flags, uint16_t ip_id, uint32_t flow);

#endif

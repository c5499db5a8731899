/* Packet building and parsing for the raw probers (syn, udp).
 *
 * Building: only the transport header is built; the kernel's raw socket
 * (IPPROTO_TCP, no IP_HDRINCL) adds the IP header, so routing, ARP/ND and
 * fragmentation stay the kernel's job.  Checksums cover the RFC 793 / RFC 8200
 * pseudo-header, so src and dst must be the addresses on the wire.
 *
 * Parsing: a captured frame (any link type libpcap gives us on Linux) is
 * reduced to the few fields a prober needs to validate and classify a reply.
 * The parser is hostile-input safe: it never reads past caplen and rejects
 * anything truncated (fuzzed by tests/fuzz/fuzz_packet.c). */
#ifndef EP_PACKET_H
#define EP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

#define EP_TCP_FIN 0x01
#define EP_TCP_SYN 0x02
#define EP_TCP_RST 0x04
#define EP_TCP_PSH 0x08
#define EP_TCP_ACK 0x10

#define EP_TCP_SYN_LEN 24 /* 20-byte header + MSS option */
#define EP_TCP_RST_LEN 20

/* Internet checksum (RFC 1071) of len bytes, folded, not complemented, to be
 * chained: sum = ep_csum_partial(data, len, sum); every piece but the last
 * must have even length.  Words are read big-endian, so ep_csum_fold gives
 * the host-order value to store big-endian. */
uint32_t ep_csum_partial(const void *data, size_t len, uint32_t sum);
uint16_t ep_csum_fold(uint32_t sum); /* folds and complements */
/* Pseudo-header sum for proto over (src, dst) with upper-layer length len. */
uint32_t ep_csum_pseudo(const struct ep_addr *src, const struct ep_addr *dst, uint8_t proto,
                        uint32_t len);

/* Writes a TCP header into out (EP_TCP_SYN_LEN bytes for a SYN: MSS 1460
 * option; EP_TCP_RST_LEN otherwise), window 1024 for SYN, 0 otherwise,
 * checksum filled.  Returns the length written. */
size_t ep_pkt_tcp(uint8_t *out, const struct ep_addr *src, const struct ep_addr *dst,
                  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags);

/* Writes a UDP header + payload into out (capacity cap); checksum filled (0
 * becomes 0xffff).  Returns the length, or 0 if it does not fit. */
size_t ep_pkt_udp(uint8_t *out, size_t cap, const struct ep_addr *src, const struct ep_addr *dst,
                  uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen);

/* The 5-tuple of a packet as it was sent (for ICMP errors: the quoted one). */
struct ep_pkt_flow {
	struct ep_addr src, dst;
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t sport, dport;
	uint32_t seq; /* TCP only */
};

enum ep_pkt_kind {
	EP_PKT_OTHER = 0, /* not something a prober answers to */
	EP_PKT_TCP,       /* flow, tcp_flags, ack */
	EP_PKT_UDP,       /* flow, payload */
	EP_PKT_ICMP_ERR,  /* icmp_type/code (v4 or v6 numbers), from = sender, flow = quoted */
};

struct ep_pkt_info {
	enum ep_pkt_kind kind;
	uint8_t family; /* 4 or 6 (outer header) */
	struct ep_pkt_flow flow;
	uint8_t tcp_flags;
	uint32_t ack;
	uint8_t icmp_type, icmp_code;
	struct ep_addr from;    /* ICMP error: the router/host that sent it */
	const uint8_t *payload; /* UDP payload, points into the frame */
	size_t payload_len;
};

/* Link types (DLT_* values from pcap, passed as int so callers need no
 * pcap.h): EN10MB (also Linux lo), LINUX_SLL, LINUX_SLL2, RAW (12 and
 * LINKTYPE_RAW 101), NULL/LOOP.  802.1Q/802.1ad tags are skipped.  Returns 0,
 * or EP_EINVAL for anything truncated, malformed or of another link type
 * (then out->kind is OTHER).  Headers up to and including the transport
 * header (for ICMP errors: the quoted IP header + 8 bytes) must be complete;
 * a UDP payload cut short by the snaplen is returned shortened.  Non-IP
 * frames, later IPv4 fragments, IPv6 fragments and other protocols return 0
 * with kind OTHER.  Stateless and thread-safe; out points into frame. */
int ep_pkt_parse(int dlt, const uint8_t *frame, size_t caplen, struct ep_pkt_info *out);

#endif

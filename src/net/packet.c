/* Raw packet layer: Internet checksums, TCP/UDP header builders and a
 * bounds-checked parser that reduces a captured frame to what a raw prober
 * needs (its flow, TCP flags/ack, UDP payload, or the flow quoted by an ICMP
 * error).  Parsing works on plain byte offsets: every read is preceded by a
 * length check against the bytes left, never against a header's own claim. */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "net/packet.h"

/* Link types (pcap's DLT_* / LINKTYPE_* numbers). */
#define DLT_NULL_   0
#define DLT_EN10MB_ 1
#define DLT_RAW_    12
#define DLT_RAW_LT  101 /* LINKTYPE_RAW as written in savefiles */
#define DLT_LOOP_   108
#define DLT_SLL_    113
#define DLT_SLL2_   276

#define ETH_IP4    0x0800
#define ETH_IP6    0x86dd
#define ETH_8021Q  0x8100
#define ETH_8021AD 0x88a8
#define ETH_QINQ   0x9100 /* pre-standard 802.1ad, still seen in the wild */

#define MAX_VLAN_TAGS 4
#define MAX_IP6_EXT   8

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Sums big-endian 16-bit words (an odd trailing byte is the high half of a
 * zero-padded word, so only the last piece of a chain may be odd-length).
 * The result is folded to 16 bits, so chains never overflow. */
uint32_t ep_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

/* Returns the checksum as a host-order value, to be stored big-endian. */
uint16_t ep_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t ep_csum_pseudo(const struct ep_addr *src, const struct ep_addr *dst, uint8_t proto,
                        uint32_t len)
{
	size_t alen = src->family == 6 ? 16 : 4;
	uint8_t tail[4];
	uint32_t sum;

	sum = ep_csum_partial(src->b, alen, 0);
	sum = ep_csum_partial(dst->b, alen, sum);
	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zeros, next
	 * header.  Both sum to proto + len, so one word pair covers both. */
	wr16(tail, (uint16_t)(len >> 16));
	wr16(tail + 2, (uint16_t)len);
	sum = ep_csum_partial(tail, sizeof(tail), sum);
	return ep_csum_partial((const uint8_t[2]){0, proto}, 2, sum);
}

size_t ep_pkt_tcp(uint8_t *out, const struct ep_addr *src, const struct ep_addr *dst,
                  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	size_t len = (flags & EP_TCP_SYN) ? EP_TCP_SYN_LEN : EP_TCP_RST_LEN;
	uint32_t sum;

	memset(out, 0, len);
	wr16(out, sport);
	wr16(out + 2, dport);
	wr32(out + 4, seq);
	wr32(out + 8, ack);
	out[12] = (uint8_t)((len / 4) << 4);
	out[13] = flags;
	wr16(out + 14, (flags & EP_TCP_SYN) ? 1024 : 0);
	if (flags & EP_TCP_SYN) {
		out[20] = 2; /* kind MSS */
		out[21] = 4;
		wr16(out + 22, 1460);
	}
	sum = ep_csum_pseudo(src, dst, IPPROTO_TCP, (uint32_t)len);
	wr16(out + 16, ep_csum_fold(ep_csum_partial(out, len, sum)));
	return len;
}

size_t ep_pkt_udp(uint8_t *out, size_t cap, const struct ep_addr *src, const struct ep_addr *dst,
                  uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen)
{
	size_t len = 8 + plen;
	uint32_t sum;
	uint16_t csum;

	if (plen > 0xffff - 8 || len > cap)
		return 0;
	wr16(out, sport);
	wr16(out + 2, dport);
	wr16(out + 4, (uint16_t)len);
	wr16(out + 6, 0);
	if (plen)
		memcpy(out + 8, payload, plen);
	sum = ep_csum_pseudo(src, dst, IPPROTO_UDP, (uint32_t)len);
	csum = ep_csum_fold(ep_csum_partial(out, len, sum));
	wr16(out + 6, csum ? csum : 0xffff); /* RFC 768: 0 means "no checksum" */
	return len;
}

/* ---- parsing ---- */

/* An IP packet with its headers stripped: the transport bytes actually
 * present (bounded by both the IP length and the capture). */
struct l3 {
	struct ep_addr src, dst;
	uint8_t proto;
	int skip; /* a later fragment or an IPv6 fragment header: not parsed */
	const uint8_t *l4;
	size_t l4len;
};

static void set_addr(struct ep_addr *a, uint8_t family, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->b, b, family == 6 ? 16 : 4);
}

/* IPv4 header at p (n bytes available).  A total length beyond n is a
 * snaplen-truncated capture and is tolerated (the transport header must still
 * be complete); a total length shorter than the header is malformed.  In a
 * quoted packet the length field describes the original datagram (and some
 * stacks rewrite it), so only n bounds it. */
static int ip4_hdr(const uint8_t *p, size_t n, int quoted, struct l3 *h)
{
	size_t ihl, tot;

	if (n < 20 || p[0] >> 4 != 4)
		return EP_EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (quoted)
		tot = n;
	if (ihl < 20 || ihl > n || tot < ihl)
		return EP_EINVAL;
	if (tot > n)
		tot = n;
	set_addr(&h->src, 4, p + 12);
	set_addr(&h->dst, 4, p + 16);
	h->proto = p[9];
	h->skip = (rd16(p + 6) & 0x1fff) != 0;
	h->l4 = p + ihl;
	h->l4len = tot - ihl;
	return 0;
}

/* IPv6 header at p, walking hop-by-hop, routing and destination-options
 * headers (at most MAX_IP6_EXT of them); anything after a fragment header is
 * left alone, as the transport header may not be in this fragment. */
static int ip6_hdr(const uint8_t *p, size_t n, int quoted, struct l3 *h)
{
	size_t off = 40, end;
	uint8_t nh;

	if (n < 40 || p[0] >> 4 != 6)
		return EP_EINVAL;
	end = quoted ? n : 40 + (size_t)rd16(p + 4);
	if (end > n)
		end = n;
	set_addr(&h->src, 6, p + 8);
	set_addr(&h->dst, 6, p + 24);
	h->skip = 0;
	nh = p[6];
	for (int i = 0; nh == 0 || nh == 43 || nh == 60; i++) {
		size_t elen;

		if (i == MAX_IP6_EXT) {
			h->skip = 1;
			break;
		}
		if (end - off < 8)
			return EP_EINVAL;
		elen = ((size_t)p[off + 1] + 1) * 8;
		if (end - off < elen)
			return EP_EINVAL;
		nh = p[off];
		off += elen;
	}
	if (nh == 44)
		h->skip = 1;
	h->proto = nh;
	h->l4 = p + off;
	h->l4len = end - off;
	return 0;
}

static int ip_hdr(int family, const uint8_t *p, size_t n, int quoted, struct l3 *h)
{
	return family == 4 ? ip4_hdr(p, n, quoted, h) : ip6_hdr(p, n, quoted, h);
}

/* The packet an ICMP error quotes: its IP header and the first 8 bytes of
 * its transport header (all RFC 792 guarantees).  Leaves flow->proto 0 when
 * the quote is not of a TCP/UDP first fragment. */
static int parse_quoted(int family, const uint8_t *p, size_t n, struct ep_pkt_flow *flow)
{
	struct l3 h;
	int rc;

	rc = ip_hdr(family, p, n, 1, &h);
	if (rc)
		return rc;
	if (h.skip || (h.proto != IPPROTO_TCP && h.proto != IPPROTO_UDP))
		return 0;
	if (h.l4len < 8)
		return EP_EINVAL;
	flow->src = h.src;
	flow->dst = h.dst;
	flow->proto = h.proto;
	flow->sport = rd16(h.l4);
	flow->dport = rd16(h.l4 + 2);
	flow->seq = h.proto == IPPROTO_TCP ? rd32(h.l4 + 4) : 0;
	return 0;
}

static int parse_icmp(int family, const struct l3 *h, struct ep_pkt_info *out)
{
	uint8_t type;
	int rc;

	if (h->l4len < 8)
		return EP_EINVAL;
	type = h->l4[0];
	if (family == 4 ? (type != 3 && type != 11) : (type != 1 && type != 3))
		return 0;
	rc = parse_quoted(family, h->l4 + 8, h->l4len - 8, &out->flow);
	if (rc || out->flow.proto == 0)
		return rc;
	out->kind = EP_PKT_ICMP_ERR;
	out->icmp_type = type;
	out->icmp_code = h->l4[1];
	out->from = h->src;
	return 0;
}

static int parse_ip(int family, const uint8_t *p, size_t n, struct ep_pkt_info *out)
{
	struct l3 h;
	const uint8_t *t;
	size_t doff, ulen;
	int rc;

	rc = ip_hdr(family, p, n, 0, &h);
	if (rc)
		return rc;
	out->family = (uint8_t)family;
	if (h.skip)
		return 0;
	t = h.l4;
	switch (h.proto) {
	case IPPROTO_TCP:
		if (h.l4len < 20)
			return EP_EINVAL;
		doff = (size_t)(t[12] >> 4) * 4;
		if (doff < 20 || doff > h.l4len)
			return EP_EINVAL;
		out->kind = EP_PKT_TCP;
		out->flow.seq = rd32(t + 4);
		out->ack = rd32(t + 8);
		out->tcp_flags = t[13];
		break;
	case IPPROTO_UDP:
		if (h.l4len < 8)
			return EP_EINVAL;
		ulen = rd16(t + 4);
		if (ulen < 8)
			return EP_EINVAL;
		if (ulen > h.l4len)
			ulen = h.l4len; /* snaplen cut the payload short */
		out->kind = EP_PKT_UDP;
		out->payload = t + 8;
		out->payload_len = ulen - 8;
		break;
	case IPPROTO_ICMP:
		return family == 4 ? parse_icmp(family, &h, out) : 0;
	case IPPROTO_ICMPV6:
		return family == 6 ? parse_icmp(family, &h, out) : 0;
	default:
		return 0;
	}
	out->flow.src = h.src;
	out->flow.dst = h.dst;
	out->flow.proto = h.proto;
	out->flow.sport = rd16(t);
	out->flow.dport = rd16(t + 2);
	return 0;
}

static int ethertype_family(unsigned type)
{
	if (type == ETH_IP4)
		return 4;
	if (type == ETH_IP6)
		return 6;
	return 0;
}

/* BSD loopback header: the address family, host order for DLT_NULL (either
 * order accepted, as savefiles travel), network order for DLT_LOOP.
 * AF_INET6 differs between systems: Linux 10, the BSDs 24/28, Darwin 30. */
static int af_family(uint32_t af)
{
	if (af == 2)
		return 4;
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return 6;
	return 0;
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

/* Strips the link header: sets *off to the network header and returns the IP
 * version (0 for a frame that is not IP), or EP_EINVAL. */
static int parse_link(int dlt, const uint8_t *f, size_t caplen, size_t *off)
{
	unsigned type;
	uint32_t af;
	int fam;

	switch (dlt) {
	case DLT_EN10MB_:
		if (caplen < 14)
			return EP_EINVAL;
		type = rd16(f + 12);
		*off = 14;
		break;
	case DLT_SLL_:
		if (caplen < 16)
			return EP_EINVAL;
		type = rd16(f + 14);
		*off = 16;
		break;
	case DLT_SLL2_:
		if (caplen < 20)
			return EP_EINVAL;
		type = rd16(f);
		*off = 20;
		break;
	case DLT_RAW_:
	case DLT_RAW_LT:
		if (caplen < 1)
			return EP_EINVAL;
		*off = 0;
		fam = f[0] >> 4;
		return fam == 4 || fam == 6 ? fam : 0;
	case DLT_NULL_:
	case DLT_LOOP_:
		if (caplen < 4)
			return EP_EINVAL;
		*off = 4;
		af = rd32(f);
		if (dlt == DLT_LOOP_)
			return af_family(af);
		fam = af_family(af);
		return fam ? fam : af_family(bswap32(af));
	default:
		return EP_EINVAL;
	}
	/* 802.1Q / 802.1ad tags: TPID already read, then TCI, then the next type */
	for (int i = 0; type == ETH_8021Q || type == ETH_8021AD || type == ETH_QINQ; i++) {
		if (i == MAX_VLAN_TAGS)
			return 0;
		if (caplen - *off < 4)
			return EP_EINVAL;
		type = rd16(f + *off + 2);
		*off += 4;
	}
	return ethertype_family(type);
}

int ep_pkt_parse(int dlt, const uint8_t *frame, size_t caplen, struct ep_pkt_info *out)
{
	size_t off = 0;
	int fam, rc;

	memset(out, 0, sizeof(*out));
	fam = parse_link(dlt, frame, caplen, &off);
	if (fam <= 0)
		return fam;
	rc = parse_ip(fam, frame + off, caplen - off, out);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return 0;
}

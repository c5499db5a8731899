/* Frame building for the AF_PACKET send path.  See frame.h. */
#include "net/frame.h"

#include <netinet/in.h>
#include <string.h>

#include "net/packet.h"

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header as Linux writes it for a raw IPPROTO_TCP socket with the
 * default PMTU discovery: IHL 5, TOS 0, DF, no options. */
static size_t ip4(uint8_t *h, const struct ep_addr *src, const struct ep_addr *dst, uint8_t ttl,
                  uint16_t id, size_t payload)
{
	h[0] = 0x45;
	h[1] = 0;
	wr16(h + 2, (uint16_t)(20 + payload));
	wr16(h + 4, id);
	wr16(h + 6, 0x4000); /* DF */
	h[8] = ttl;
	h[9] = IPPROTO_TCP;
	wr16(h + 10, 0);
	memcpy(h + 12, src->b, 4);
	memcpy(h + 16, dst->b, 4);
	wr16(h + 10, ep_csum_fold(ep_csum_partial(h, 20, 0)));
	return 20;
}

static size_t ip6(uint8_t *h, const struct ep_addr *src, const struct ep_addr *dst, uint8_t hops,
                  uint32_t flow, size_t payload)
{
	flow &= 0xfffff;
	h[0] = 0x60;
	h[1] = (uint8_t)(flow >> 16);
	wr16(h + 2, (uint16_t)flow);
	wr16(h + 4, (uint16_t)payload);
	h[6] = IPPROTO_TCP;
	h[7] = hops;
	memcpy(h + 8, src->b, 16);
	memcpy(h + 24, dst->b, 16);
	return 40;
}

size_t ep_frame_tcp(uint8_t *out, const struct ep_frame_link *l, const struct ep_addr *src,
                    const struct ep_addr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
                    uint32_t ack, uint8_t flags, uint16_t ip_id, uint32_t flow)
{
	size_t ipl = src->family == 6 ? 40 : 20;
	uint8_t *tcp = out + EP_ETH_HLEN + ipl;
	size_t tl;

	memcpy(out, l->dst_mac, 6);
	memcpy(out + 6, l->src_mac, 6);
	wr16(out + 12, src->family == 6 ? 0x86dd : 0x0800);
	tl = ep_pkt_tcp(tcp, src, dst, sport, dport, seq, ack, flags);
	if (src->family == 6)
		ip6(out + EP_ETH_HLEN, src, dst, l->ttl, flow, tl);
	else
		ip4(out + EP_ETH_HLEN, src, dst, l->ttl, ip_id, tl);
	return EP_ETH_HLEN + ipl + tl;
}

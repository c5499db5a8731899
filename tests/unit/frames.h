/* Test helpers: wrap a transport segment built by net/packet.c into an IPv4
 * or IPv6 packet, an ICMP error quoting a packet, and a link-layer frame of
 * any type ep_pkt_parse supports.  Frames live in memory only. */
#ifndef EP_TEST_FRAMES_H
#define EP_TEST_FRAMES_H

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "net/packet.h"

#define FR_DLT_NULL   0
#define FR_DLT_EN10MB 1
#define FR_DLT_RAW    12
#define FR_DLT_RAWLT  101
#define FR_DLT_LOOP   108
#define FR_DLT_SLL    113
#define FR_DLT_SLL2   276
#define FR_DLT_VLAN   (-1) /* EN10MB with an 802.1Q tag */
#define FR_DLT_QINQ   (-2) /* EN10MB with 802.1ad + 802.1Q tags */

static inline void fr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline struct ep_addr fr_addr(uint8_t family, const char *s)
{
	struct ep_addr a;

	memset(&a, 0, sizeof(a));
	if (ep_addr_parse(s, &a) != 0 || a.family != family)
		memset(&a, 0xee, sizeof(a)); /* makes the test fail loudly */
	return a;
}

/* IP header (IPv4: 20 bytes, DF, id 0x1234; IPv6: 40 bytes) + l4. */
static inline size_t fr_ip(uint8_t *out, const struct ep_addr *src, const struct ep_addr *dst,
                           uint8_t proto, const uint8_t *l4, size_t l4len)
{
	if (src->family == 4) {
		memset(out, 0, 20);
		out[0] = 0x45;
		fr_put16(out + 2, (uint16_t)(20 + l4len));
		fr_put16(out + 4, 0x1234);
		fr_put16(out + 6, 0x4000);
		out[8] = 64;
		out[9] = proto;
		memcpy(out + 12, src->b, 4);
		memcpy(out + 16, dst->b, 4);
		fr_put16(out + 10, ep_csum_fold(ep_csum_partial(out, 20, 0)));
		memcpy(out + 20, l4, l4len);
		return 20 + l4len;
	}
	memset(out, 0, 40);
	out[0] = 0x60;
	fr_put16(out + 4, (uint16_t)l4len);
	out[6] = proto;
	out[7] = 64;
	memcpy(out + 8, src->b, 16);
	memcpy(out + 24, dst->b, 16);
	memcpy(out + 40, l4, l4len);
	return 40 + l4len;
}

/* ICMP(v6) error from `from` to `to` quoting q (qlen bytes). */
static inline size_t fr_icmp_err(uint8_t *out, const struct ep_addr *from, const struct ep_addr *to,
                                 uint8_t type, uint8_t code, const uint8_t *q, size_t qlen)
{
	uint8_t icmp[8 + 1280];
	uint8_t proto = from->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint32_t sum = 0;

	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, q, qlen);
	if (from->family == 6)
		sum = ep_csum_pseudo(from, to, proto, (uint32_t)(8 + qlen));
	fr_put16(icmp + 2, ep_csum_fold(ep_csum_partial(icmp, 8 + qlen, sum)));
	return fr_ip(out, from, to, proto, icmp, 8 + qlen);
}

/* Link header for dlt in front of the IP packet ip. */
static inline size_t fr_link(uint8_t *out, int dlt, const uint8_t *ip, size_t iplen)
{
	uint16_t et = (ip[0] >> 4) == 6 ? 0x86dd : 0x0800;
	size_t h = 0;

	switch (dlt) {
	case FR_DLT_EN10MB:
	case FR_DLT_VLAN:
	case FR_DLT_QINQ:
		memset(out, 0, 12);
		out[5] = 1;
		out[11] = 2;
		h = 12;
		if (dlt == FR_DLT_QINQ) {
			fr_put16(out + h, 0x88a8);
			fr_put16(out + h + 2, 100);
			h += 4;
		}
		if (dlt != FR_DLT_EN10MB) {
			fr_put16(out + h, 0x8100);
			fr_put16(out + h + 2, 42);
			h += 4;
		}
		fr_put16(out + h, et);
		h += 2;
		break;
	case FR_DLT_SLL:
		memset(out, 0, 16);
		fr_put16(out + 2, 1); /* ARPHRD_ETHER */
		fr_put16(out + 4, 6);
		out[6] = 2;
		fr_put16(out + 14, et);
		h = 16;
		break;
	case FR_DLT_SLL2:
		memset(out, 0, 20);
		fr_put16(out, et);
		out[7] = 3; /* ifindex */
		fr_put16(out + 8, 1);
		out[11] = 6;
		out[12] = 2;
		h = 20;
		break;
	case FR_DLT_NULL: {
		uint32_t af = et == 0x0800 ? 2 : 10; /* host order */

		memcpy(out, &af, 4);
		h = 4;
		break;
	}
	case FR_DLT_LOOP:
		memset(out, 0, 4);
		out[3] = et == 0x0800 ? 2 : 24; /* network order, BSD AF_INET6 */
		h = 4;
		break;
	default: /* RAW */
		break;
	}
	memcpy(out + h, ip, iplen);
	return h + iplen;
}

/* The pcap DLT number to hand to ep_pkt_parse for a fr_link dlt. */
static inline int fr_dlt(int dlt)
{
	return dlt < 0 ? FR_DLT_EN10MB : dlt;
}

#endif

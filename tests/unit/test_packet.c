/* Checksums, TCP/UDP header building, and frame parsing for every supported
 * link type, including ICMP errors and every truncation of a valid frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "net/frame.h"
#include "net/packet.h"

static const int all_dlts[] = {FR_DLT_EN10MB, FR_DLT_SLL,  FR_DLT_SLL2, FR_DLT_RAW, FR_DLT_RAWLT,
                               FR_DLT_NULL,   FR_DLT_LOOP, FR_DLT_VLAN, FR_DLT_QINQ};
#define NDLTS (sizeof(all_dlts) / sizeof(all_dlts[0]))

/* "us" is the prober, "them" the target, "gw" a router sending ICMP errors. */
struct net {
	struct ep_addr us, them, gw;
};

static struct net net_of(int family)
{
	struct net n;

	if (family == 4) {
		n.us = fr_addr(4, "192.0.2.1");
		n.them = fr_addr(4, "198.51.100.7");
		n.gw = fr_addr(4, "203.0.113.254");
	} else {
		n.us = fr_addr(6, "2001:db8::1");
		n.them = fr_addr(6, "2001:db8:1::7");
		n.gw = fr_addr(6, "2001:db8:2::fe");
	}
	return n;
}

static void addr_eq(const struct ep_addr *a, const struct ep_addr *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->b, b->b, a->family == 6 ? 16 : 4);
}

/* Parses a copy of exactly len bytes, so ASan sees any read past the end. */
static int parse_exact(int dlt, const uint8_t *f, size_t len, struct ep_pkt_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, f, len);
	rc = ep_pkt_parse(dlt, copy, len, info);
	if (rc == 0 && info->payload) {
		assert_true(info->payload >= copy);
		assert_true(info->payload + info->payload_len <= copy + len);
	}
	free(copy);
	return rc;
}

static void test_csum_vectors(void **state)
{
	/* RFC 1071 section 3 example */
	static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	/* a classic IPv4 header, checksum field zeroed: checksum is 0xb861 */
	static const uint8_t ip[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	                             0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	static const uint8_t odd[] = {0x01, 0x02, 0x03};

	(void)state;
	assert_int_equal(ep_csum_partial(rfc, sizeof(rfc), 0), 0xddf2);
	assert_int_equal(ep_csum_fold(ep_csum_partial(rfc, sizeof(rfc), 0)), 0x220d);
	/* chaining in even-length pieces equals one pass */
	assert_int_equal(ep_csum_partial(rfc + 4, 4, ep_csum_partial(rfc, 4, 0)), 0xddf2);
	assert_int_equal(ep_csum_fold(ep_csum_partial(ip, sizeof(ip), 0)), 0xb861);
	/* odd trailing byte is the high half of a padded word: 0x0102 + 0x0300 */
	assert_int_equal(ep_csum_partial(odd, sizeof(odd), 0), 0x0402);
	assert_int_equal(ep_csum_partial(NULL, 0, 0x1234), 0x1234);
	assert_int_equal(ep_csum_fold(0), 0xffff);
	assert_int_equal(ep_csum_fold(0x1fffe), 0x0000);
}

/* Sums pseudo-header + segment again: a valid checksum makes it 0. */
static uint16_t verify(const struct ep_addr *s, const struct ep_addr *d, uint8_t proto,
                       const uint8_t *seg, size_t len)
{
	return ep_csum_fold(ep_csum_partial(seg, len, ep_csum_pseudo(s, d, proto, (uint32_t)len)));
}

static void test_syn_checksums(void **state)
{
	(void)state;
	for (int fam = 4; fam <= 6; fam += 2) {
		struct net n = net_of(fam);
		uint8_t seg[EP_TCP_SYN_LEN];
		size_t len;

		len = ep_pkt_tcp(seg, &n.us, &n.them, 40000, 443, 0xdeadbeef, 0, EP_TCP_SYN);
		assert_int_equal(len, EP_TCP_SYN_LEN);
		assert_int_equal(verify(&n.us, &n.them, IPPROTO_TCP, seg, len), 0);
		len = ep_pkt_tcp(seg, &n.us, &n.them, 40000, 443, 1, 2, EP_TCP_RST | EP_TCP_ACK);
		assert_int_equal(len, EP_TCP_RST_LEN);
		assert_int_equal(seg[12], 0x50);
		assert_int_equal(seg[13], EP_TCP_RST | EP_TCP_ACK);
		assert_int_equal(seg[14] | seg[15], 0); /* window 0 */
		assert_int_equal(verify(&n.us, &n.them, IPPROTO_TCP, seg, len), 0);
	}
}

static void test_syn_bytes(void **state)
{
	struct ep_addr s = fr_addr(4, "192.0.2.1"), d = fr_addr(4, "192.0.2.2");
	uint8_t seg[EP_TCP_SYN_LEN];
	/* Computed by hand: pseudo-header c000 0201 c000 0202 0006 0018 plus the
	 * header words sum to 0x29071 -> 0x9073 folded -> 0x6f8c complemented. */
	static const uint8_t want[EP_TCP_SYN_LEN] = {
	    0x9c, 0x40, 0x00, 0x50,  /* ports 40000 -> 80 */
	    0x01, 0x02, 0x03, 0x04,  /* seq */
	    0x00, 0x00, 0x00, 0x00,  /* ack */
	    0x60, 0x02, 0x04, 0x00,  /* doff 6, SYN, window 1024 */
	    0x6f, 0x8c, 0x00, 0x00,  /* checksum, urgent */
	    0x02, 0x04, 0x05, 0xb4}; /* MSS 1460 */

	(void)state;
	assert_int_equal(ep_pkt_tcp(seg, &s, &d, 40000, 80, 0x01020304, 0, EP_TCP_SYN),
	                 EP_TCP_SYN_LEN);
	assert_memory_equal(seg, want, sizeof(want));
}

static void test_udp_build(void **state)
{
	struct net n = net_of(4);
	uint8_t seg[64], pl[2] = {0, 0};
	size_t len;

	(void)state;
	len = ep_pkt_udp(seg, sizeof(seg), &n.us, &n.them, 40000, 53, (const uint8_t *)"abc", 3);
	assert_int_equal(len, 11);
	assert_int_equal(seg[4] << 8 | seg[5], 11);
	assert_int_equal(verify(&n.us, &n.them, IPPROTO_UDP, seg, len), 0);
	assert_int_equal(ep_pkt_udp(seg, 10, &n.us, &n.them, 1, 2, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(ep_pkt_udp(seg, 8, &n.us, &n.them, 1, 2, NULL, 0), 8);

	/* Make the sum come out 0xffff: with a 2-byte payload of 0 the checksum
	 * is C = ~S, so a payload word of C makes the sum S + ~S = 0xffff and
	 * the checksum 0, which UDP must send as 0xffff. */
	len = ep_pkt_udp(seg, sizeof(seg), &n.us, &n.them, 40000, 53, pl, 2);
	assert_int_equal(len, 10);
	pl[0] = seg[6];
	pl[1] = seg[7];
	assert_int_not_equal(pl[0] << 8 | pl[1], 0xffff);
	len = ep_pkt_udp(seg, sizeof(seg), &n.us, &n.them, 40000, 53, pl, 2);
	assert_int_equal(seg[6], 0xff);
	assert_int_equal(seg[7], 0xff);
	assert_int_equal(verify(&n.us, &n.them, IPPROTO_UDP, seg, len), 0);

	n = net_of(6);
	len = ep_pkt_udp(seg, sizeof(seg), &n.us, &n.them, 40000, 53, (const uint8_t *)"abcd", 4);
	assert_int_equal(verify(&n.us, &n.them, IPPROTO_UDP, seg, len), 0);
}

/* A SYN-ACK from them:80 to us:40000 as a frame of the given link type. */
static size_t synack_frame(uint8_t *f, int dlt, int fam)
{
	struct net n = net_of(fam);
	uint8_t seg[EP_TCP_SYN_LEN], ip[80];
	size_t len;

	len = ep_pkt_tcp(seg, &n.them, &n.us, 80, 40000, 0x11223344, 0xcafef00e,
	                 EP_TCP_SYN | EP_TCP_ACK);
	len = fr_ip(ip, &n.them, &n.us, IPPROTO_TCP, seg, len);
	return fr_link(f, dlt, ip, len);
}

static void check_synack(const struct ep_pkt_info *info, int fam)
{
	struct net n = net_of(fam);

	assert_int_equal(info->kind, EP_PKT_TCP);
	assert_int_equal(info->family, fam);
	addr_eq(&info->flow.src, &n.them);
	addr_eq(&info->flow.dst, &n.us);
	assert_int_equal(info->flow.proto, IPPROTO_TCP);
	assert_int_equal(info->flow.sport, 80);
	assert_int_equal(info->flow.dport, 40000);
	assert_int_equal(info->flow.seq, 0x11223344);
	assert_int_equal(info->ack, 0xcafef00e);
	assert_int_equal(info->tcp_flags, EP_TCP_SYN | EP_TCP_ACK);
}

static void test_parse_tcp_all_links(void **state)
{
	(void)state;
	for (size_t i = 0; i < NDLTS; i++) {
		for (int fam = 4; fam <= 6; fam += 2) {
			uint8_t f[128];
			struct ep_pkt_info info;
			size_t len = synack_frame(f, all_dlts[i], fam);

			assert_int_equal(parse_exact(fr_dlt(all_dlts[i]), f, len, &info), 0);
			check_synack(&info, fam);
		}
	}
}

static size_t udp_reply_frame(uint8_t *f, int dlt, int fam, const char *payload)
{
	struct net n = net_of(fam);
	uint8_t seg[128], ip[200];
	size_t len;

	len = ep_pkt_udp(seg, sizeof(seg), &n.them, &n.us, 53, 40001, (const uint8_t *)payload,
	                 strlen(payload));
	len = fr_ip(ip, &n.them, &n.us, IPPROTO_UDP, seg, len);
	return fr_link(f, dlt, ip, len);
}

static void test_parse_udp(void **state)
{
	(void)state;
	for (size_t i = 0; i < NDLTS; i++) {
		for (int fam = 4; fam <= 6; fam += 2) {
			struct net n = net_of(fam);
			uint8_t f[256];
			struct ep_pkt_info info;
			size_t len = udp_reply_frame(f, all_dlts[i], fam, "hello");

			assert_int_equal(ep_pkt_parse(fr_dlt(all_dlts[i]), f, len, &info), 0);
			assert_int_equal(info.kind, EP_PKT_UDP);
			addr_eq(&info.flow.src, &n.them);
			addr_eq(&info.flow.dst, &n.us);
			assert_int_equal(info.flow.proto, IPPROTO_UDP);
			assert_int_equal(info.flow.sport, 53);
			assert_int_equal(info.flow.dport, 40001);
			assert_int_equal(info.payload_len, 5);
			assert_ptr_equal(info.payload, f + len - 5);
			assert_memory_equal(info.payload, "hello", 5);

			/* snaplen cut inside the payload: bounded by caplen */
			assert_int_equal(parse_exact(fr_dlt(all_dlts[i]), f, len - 2, &info), 0);
			assert_int_equal(info.kind, EP_PKT_UDP);
			assert_int_equal(info.payload_len, 3);
			/* Ethernet padding after the datagram: bounded by the IP length */
			memset(f + len, 0, 6);
			assert_int_equal(parse_exact(fr_dlt(all_dlts[i]), f, len + 6, &info), 0);
			assert_int_equal(info.payload_len, 5);
		}
	}
}

/* Our probe (TCP SYN or UDP) as sent, i.e. what an ICMP error quotes. */
static size_t probe_ip(uint8_t *ip, int fam, uint8_t proto)
{
	struct net n = net_of(fam);
	uint8_t seg[64];
	size_t len;

	if (proto == IPPROTO_TCP)
		len = ep_pkt_tcp(seg, &n.us, &n.them, 40002, 22, 0x5eed0001, 0, EP_TCP_SYN);
	else
		len = ep_pkt_udp(seg, sizeof(seg), &n.us, &n.them, 40003, 161, (const uint8_t *)"q",
		                 1);
	return fr_ip(ip, &n.us, &n.them, proto, seg, len);
}

/* ICMP error from gw to us quoting the probe's IP header + 8 transport bytes
 * (the RFC 792 minimum; ICMPv6 quotes the same here for simplicity). */
static size_t icmp_frame(uint8_t *f, int dlt, int fam, uint8_t proto, uint8_t type, uint8_t code)
{
	struct net n = net_of(fam);
	uint8_t q[128], ip[256];
	size_t qlen = probe_ip(q, fam, proto), len;

	qlen = (fam == 4 ? 20 : 40) + 8;
	len = fr_icmp_err(ip, &n.gw, &n.us, type, code, q, qlen);
	return fr_link(f, dlt, ip, len);
}

static void check_icmp(const struct ep_pkt_info *info, int fam, uint8_t proto, uint8_t type,
                       uint8_t code)
{
	struct net n = net_of(fam);

	assert_int_equal(info->kind, EP_PKT_ICMP_ERR);
	assert_int_equal(info->family, fam);
	assert_int_equal(info->icmp_type, type);
	assert_int_equal(info->icmp_code, code);
	addr_eq(&info->from, &n.gw);
	addr_eq(&info->flow.src, &n.us);
	addr_eq(&info->flow.dst, &n.them);
	assert_int_equal(info->flow.proto, proto);
	if (proto == IPPROTO_TCP) {
		assert_int_equal(info->flow.sport, 40002);
		assert_int_equal(info->flow.dport, 22);
		assert_int_equal(info->flow.seq, 0x5eed0001);
	} else {
		assert_int_equal(info->flow.sport, 40003);
		assert_int_equal(info->flow.dport, 161);
		assert_int_equal(info->flow.seq, 0);
	}
}

static void test_parse_icmp(void **state)
{
	/* v4: port unreachable (3/3), admin prohibited (3/13), TTL exceeded (11/0);
	 * v6: port unreachable (1/4), admin prohibited (1/1), hop limit (3/0) */
	static const struct {
		int fam;
		uint8_t proto, type, code;
	} cases[] = {
	    {4, IPPROTO_UDP, 3, 3}, {4, IPPROTO_TCP, 3, 13}, {4, IPPROTO_TCP, 11, 0},
	    {6, IPPROTO_UDP, 1, 4}, {6, IPPROTO_TCP, 1, 1},  {6, IPPROTO_UDP, 3, 0},
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (size_t i = 0; i < NDLTS; i++) {
			uint8_t f[256];
			struct ep_pkt_info info;
			size_t len = icmp_frame(f, all_dlts[i], cases[c].fam, cases[c].proto,
			                        cases[c].type, cases[c].code);

			assert_int_equal(parse_exact(fr_dlt(all_dlts[i]), f, len, &info), 0);
			check_icmp(&info, cases[c].fam, cases[c].proto, cases[c].type,
			           cases[c].code);
		}
	}
}

static void test_icmp_not_errors(void **state)
{
	struct net n = net_of(4);
	uint8_t ip[128], f[160], q[64];
	struct ep_pkt_info info;
	size_t len, qlen;

	(void)state;
	/* echo reply: not an error */
	qlen = probe_ip(q, 4, IPPROTO_UDP);
	len = fr_icmp_err(ip, &n.gw, &n.us, 0, 0, q, qlen);
	len = fr_link(f, FR_DLT_RAW, ip, len);
	assert_int_equal(parse_exact(FR_DLT_RAW, f, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* ICMPv6 packet-too-big (2): not one we classify */
	n = net_of(6);
	qlen = probe_ip(q, 6, IPPROTO_UDP);
	len = fr_icmp_err(ip, &n.gw, &n.us, 2, 0, q, qlen);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* dest unreachable quoting an ICMP echo: not a TCP/UDP flow */
	q[6] = IPPROTO_ICMPV6;
	len = fr_icmp_err(ip, &n.gw, &n.us, 1, 4, q, qlen);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* ICMPv6 inside IPv4: ignored */
	n = net_of(4);
	len = fr_ip(ip, &n.gw, &n.us, IPPROTO_ICMPV6, q, 48);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
}

/* Every prefix of a frame whose bytes are all headers is rejected. */
static void truncations(int dlt, const uint8_t *f, size_t len)
{
	struct ep_pkt_info info;

	for (size_t cut = 0; cut < len; cut++) {
		memset(&info, 0x5a, sizeof(info));
		assert_int_equal(parse_exact(fr_dlt(dlt), f, cut, &info), EP_EINVAL);
		assert_int_equal(info.kind, EP_PKT_OTHER);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < NDLTS; i++) {
		for (int fam = 4; fam <= 6; fam += 2) {
			uint8_t f[256];
			size_t len;

			len = synack_frame(f, all_dlts[i], fam);
			truncations(all_dlts[i], f, len);
			/* UDP: every cut inside the headers */
			len = udp_reply_frame(f, all_dlts[i], fam, "");
			truncations(all_dlts[i], f, len);
			len = icmp_frame(f, all_dlts[i], fam, IPPROTO_TCP, fam == 4 ? 3 : 1, 1);
			truncations(all_dlts[i], f, len);
			len = icmp_frame(f, all_dlts[i], fam, IPPROTO_UDP, fam == 4 ? 3 : 1, 4);
			truncations(all_dlts[i], f, len);
		}
	}
}

static void test_ip_oddities(void **state)
{
	struct net n = net_of(4);
	uint8_t seg[EP_TCP_SYN_LEN], ip[128], f[160];
	struct ep_pkt_info info;
	size_t slen, len;

	(void)state;
	slen = ep_pkt_tcp(seg, &n.them, &n.us, 80, 40000, 0x11223344, 0xcafef00e,
	                  EP_TCP_SYN | EP_TCP_ACK);

	/* IPv4 with 4 bytes of options (IHL 6) */
	len = fr_ip(ip + 4, &n.them, &n.us, IPPROTO_TCP, seg, slen);
	memmove(ip, ip + 4, 20);
	memset(ip + 20, 1, 4); /* NOPs */
	ip[0] = 0x46;
	fr_put16(ip + 2, (uint16_t)(len + 4));
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len + 4, &info), 0);
	check_synack(&info, 4);
	ip[0] = 0x44; /* IHL < 5 */
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len + 4, &info), EP_EINVAL);
	ip[0] = 0x4f; /* IHL beyond the packet's length */
	fr_put16(ip + 2, 40);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, 40, &info), EP_EINVAL);

	/* later fragment: ignored; first fragment (MF) still parsed */
	len = fr_ip(ip, &n.them, &n.us, IPPROTO_TCP, seg, slen);
	fr_put16(ip + 6, 0x0003);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	fr_put16(ip + 6, 0x2000);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_TCP);

	/* total length shorter than the TCP header: malformed */
	fr_put16(ip + 2, 30);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), EP_EINVAL);
	/* TCP data offset below 5 */
	fr_put16(ip + 2, (uint16_t)len);
	ip[32] = 0x40;
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), EP_EINVAL);
	/* version nibble not matching the link's ethertype */
	ip[32] = 0x60;
	len = fr_link(f, FR_DLT_EN10MB, ip, len);
	f[14] = 0x65;
	assert_int_equal(parse_exact(FR_DLT_EN10MB, f, len, &info), EP_EINVAL);
	/* ARP and unknown link types */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(parse_exact(FR_DLT_EN10MB, f, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	assert_int_equal(parse_exact(105, f, len, &info), EP_EINVAL);
	/* RAW with a version that is neither 4 nor 6 */
	ip[0] = 0x55;
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, 40, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* UDP length below 8 */
	len = udp_reply_frame(f, FR_DLT_RAW, 4, "xy");
	fr_put16(f + 24, 7);
	assert_int_equal(parse_exact(FR_DLT_RAW, f, len, &info), EP_EINVAL);
}

static void test_ipv6_ext_headers(void **state)
{
	struct net n = net_of(6);
	uint8_t seg[EP_TCP_SYN_LEN], l4[128], ip[200];
	struct ep_pkt_info info;
	size_t slen, len;

	(void)state;
	slen = ep_pkt_tcp(seg, &n.them, &n.us, 80, 40000, 0x11223344, 0xcafef00e,
	                  EP_TCP_SYN | EP_TCP_ACK);
	/* hop-by-hop (8 bytes) -> destination options (16 bytes) -> TCP */
	memset(l4, 0, 24);
	l4[0] = 60;
	l4[8] = IPPROTO_TCP;
	l4[9] = 1;
	memcpy(l4 + 24, seg, slen);
	len = fr_ip(ip, &n.them, &n.us, 0, l4, 24 + slen);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	check_synack(&info, 6);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(parse_exact(FR_DLT_RAW, ip, cut, &info), EP_EINVAL);
	/* extension header longer than the payload */
	ip[40 + 9] = 200;
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), EP_EINVAL);
	/* fragment header: stop */
	ip[40 + 8] = 44;
	ip[40 + 9] = 1;
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* a chain of hop-by-hop headers longer than the walk limit */
	memset(l4, 0, 128);
	len = fr_ip(ip, &n.them, &n.us, 0, l4, 128);
	assert_int_equal(parse_exact(FR_DLT_RAW, ip, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
}

static void test_link_details(void **state)
{
	uint8_t f[128];
	struct ep_pkt_info info;
	size_t len;

	(void)state;
	/* DLT_NULL written by a host of the other byte order */
	len = synack_frame(f, FR_DLT_NULL, 4);
	f[0] = 0;
	f[1] = 0;
	f[2] = 0;
	f[3] = 0;
	f[*(const uint8_t *)&(uint16_t){1} ? 3 : 0] = 2; /* AF_INET, swapped */
	assert_int_equal(parse_exact(FR_DLT_NULL, f, len, &info), 0);
	check_synack(&info, 4);
	/* DLT_LOOP with an unknown family */
	len = synack_frame(f, FR_DLT_LOOP, 6);
	f[3] = 99;
	assert_int_equal(parse_exact(FR_DLT_LOOP, f, len, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
	/* five stacked VLAN tags: more than we peel */
	len = synack_frame(f + 20, FR_DLT_EN10MB, 4);
	memset(f, 0, 12);
	for (int t = 0; t < 5; t++) {
		fr_put16(f + 12 + 4 * t, 0x8100);
		fr_put16(f + 14 + 4 * t, (uint16_t)t);
	}
	fr_put16(f + 32, 0x0800);
	assert_int_equal(parse_exact(FR_DLT_EN10MB, f, len + 20, &info), 0);
	assert_int_equal(info.kind, EP_PKT_OTHER);
}

/* AF_PACKET frames: the IP header the raw socket would write (DF, TTL,
 * lengths, a valid header checksum; IPv6 flow label and hop limit) around
 * the same TCP header, and the parser reads the flow back. */
static void test_frame_tcp(void **state)
{
	struct ep_frame_link l = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, 64};
	struct ep_addr s4 = {4, {198, 18, 0, 1}}, d4 = {4, {198, 18, 0, 10}};
	struct ep_addr s6 = {6, {0x20, 0x01, 0, 2, [15] = 1}}, d6 = {6, {0x20, 0x01, 0, 2, [15] = 10}};
	uint8_t f[EP_FRAME_MAX], tcp[EP_TCP_SYN_LEN];
	struct ep_pkt_info in;
	size_t n;

	(void)state;
	n = ep_frame_tcp(f, &l, &s4, &d4, 40000, 443, 0x01020304, 0, EP_TCP_SYN, 0x1234, 0xabcde);
	assert_int_equal(n, 14 + 20 + 24);
	assert_memory_equal(f, l.dst_mac, 6);
	assert_memory_equal(f + 6, l.src_mac, 6);
	assert_int_equal(f[12] << 8 | f[13], 0x0800);
	assert_int_equal(f[14], 0x45);
	assert_int_equal(f[16] << 8 | f[17], 44);    /* total length */
	assert_int_equal(f[18] << 8 | f[19], 0x1234); /* ID */
	assert_int_equal(f[20] << 8 | f[21], 0x4000); /* DF */
	assert_int_equal(f[22], 64);
	assert_int_equal(f[23], 6);
	assert_int_equal(ep_csum_fold(ep_csum_partial(f + 14, 20, 0)), 0); /* header checksum */
	ep_pkt_tcp(tcp, &s4, &d4, 40000, 443, 0x01020304, 0, EP_TCP_SYN);
	assert_memory_equal(f + 34, tcp, sizeof(tcp)); /* the raw path's TCP header */
	assert_int_equal(ep_pkt_parse(1, f, n, &in), 0);
	assert_int_equal(in.kind, EP_PKT_TCP);
	assert_int_equal(in.flow.dport, 443);
	assert_int_equal(in.flow.seq, 0x01020304);

	n = ep_frame_tcp(f, &l, &s6, &d6, 40000, 22, 7, 0, EP_TCP_SYN, 0, 0xabcde);
	assert_int_equal(n, 14 + 40 + 24);
	assert_int_equal(f[12] << 8 | f[13], 0x86dd);
	assert_int_equal(f[14] >> 4, 6);
	assert_int_equal(((f[15] & 0x0f) << 16) | (f[16] << 8) | f[17], 0xabcde); /* flow label */
	assert_int_equal(f[15] >> 4, 0);              /* traffic class low bits */
	assert_int_equal(f[18] << 8 | f[19], 24);     /* payload length */
	assert_int_equal(f[20], 6);
	assert_int_equal(f[21], 64);
	ep_pkt_tcp(tcp, &s6, &d6, 40000, 22, 7, 0, EP_TCP_SYN);
	assert_memory_equal(f + 54, tcp, sizeof(tcp));
	assert_int_equal(ep_pkt_parse(1, f, n, &in), 0);
	assert_int_equal(in.family, 6);
	assert_int_equal(in.flow.dport, 22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csum_vectors),        cmocka_unit_test(test_syn_checksums),
	    cmocka_unit_test(test_syn_bytes),           cmocka_unit_test(test_udp_build),
	    cmocka_unit_test(test_parse_tcp_all_links), cmocka_unit_test(test_parse_udp),
	    cmocka_unit_test(test_parse_icmp),          cmocka_unit_test(test_icmp_not_errors),
	    cmocka_unit_test(test_truncation),          cmocka_unit_test(test_ip_oddities),
	    cmocka_unit_test(test_ipv6_ext_headers),    cmocka_unit_test(test_link_details),
	    cmocka_unit_test(test_frame_tcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

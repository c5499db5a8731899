/* Capture filter text: compiles for every link type we capture on, and lets
 * through exactly the replies a prober wants (checked with
 * pcap_offline_filter on frames built with the packet helpers). */
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frames.h"
#include "net/bpf.h"
#include "net/packet.h"

#define SPORT 40123

static const int links[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW};

struct fam {
	struct ep_addr us, them, gw, other;
};

static struct fam fam_of(int family)
{
	struct fam f;

	if (family == 4) {
		f.us = fr_addr(4, "192.0.2.1");
		f.them = fr_addr(4, "198.51.100.7");
		f.gw = fr_addr(4, "203.0.113.254");
		f.other = fr_addr(4, "192.0.2.99");
	} else {
		f.us = fr_addr(6, "2001:db8::1");
		f.them = fr_addr(6, "2001:db8:1::7");
		f.gw = fr_addr(6, "2001:db8:2::fe");
		f.other = fr_addr(6, "2001:db8::99");
	}
	return f;
}

/* TCP segment from them to dst:dport, as an IP packet. */
static size_t tcp_to(uint8_t *ip, const struct fam *f, const struct ep_addr *dst, uint16_t dport,
                     uint8_t flags)
{
	uint8_t seg[EP_TCP_SYN_LEN];
	size_t len = ep_pkt_tcp(seg, &f->them, dst, 443, dport, 1000, 2000, flags);

	return fr_ip(ip, &f->them, dst, IPPROTO_TCP, seg, len);
}

static size_t udp_to(uint8_t *ip, const struct fam *f, uint16_t dport)
{
	uint8_t seg[64];
	size_t len =
	    ep_pkt_udp(seg, sizeof(seg), &f->them, &f->us, 53, dport, (const uint8_t *)"ans", 3);

	return fr_ip(ip, &f->them, &f->us, IPPROTO_UDP, seg, len);
}

/* ICMP error from gw quoting a probe us:sport -> them:dport (header + 8). */
static size_t icmp_quoting(uint8_t *ip, const struct fam *f, uint8_t proto, uint16_t sport,
                           uint8_t code)
{
	uint8_t seg[64], q[128];
	size_t len;

	if (proto == IPPROTO_TCP)
		len = ep_pkt_tcp(seg, &f->us, &f->them, sport, 22, 77, 0, EP_TCP_SYN);
	else
		len = ep_pkt_udp(seg, sizeof(seg), &f->us, &f->them, sport, 161, NULL, 0);
	len = fr_ip(q, &f->us, &f->them, proto, seg, len);
	len = (f->us.family == 4 ? 20 : 40) + 8;
	return fr_icmp_err(ip, &f->gw, &f->us, f->us.family == 4 ? 3 : 1, code, q, len);
}

static int passes(pcap_t *p, struct bpf_program *prog, int dlt, const uint8_t *ip, size_t iplen)
{
	uint8_t frame[256];
	struct pcap_pkthdr h;

	(void)p;
	memset(&h, 0, sizeof(h));
	h.caplen = h.len = (bpf_u_int32)fr_link(frame, dlt, ip, iplen);
	return pcap_offline_filter(prog, &h, frame) != 0;
}

/* Runs the expectations for one family against a compiled filter; want is
 * whether that family is in the filter at all. */
static void check_family(pcap_t *p, struct bpf_program *prog, int dlt, int proto, int family,
                         int want)
{
	struct fam f = fam_of(family);
	uint8_t ip[200];
	size_t n;
	const uint8_t unreach = family == 4 ? 3 : 4; /* port unreachable */
	const uint8_t prohib = family == 4 ? 13 : 1; /* administratively prohibited */

	if (proto == IPPROTO_TCP) {
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_SYN | EP_TCP_ACK);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_RST | EP_TCP_ACK);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_RST);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = icmp_quoting(ip, &f, IPPROTO_TCP, SPORT, prohib);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = icmp_quoting(ip, &f, IPPROTO_TCP, SPORT, unreach);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		/* never */
		n = tcp_to(ip, &f, &f.us, SPORT + 1, EP_TCP_SYN | EP_TCP_ACK);
		assert_false(passes(p, prog, dlt, ip, n));
		n = tcp_to(ip, &f, &f.other, SPORT, EP_TCP_SYN | EP_TCP_ACK);
		assert_false(passes(p, prog, dlt, ip, n));
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_SYN);
		assert_false(passes(p, prog, dlt, ip, n));
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_ACK);
		assert_false(passes(p, prog, dlt, ip, n));
		n = icmp_quoting(ip, &f, IPPROTO_TCP, SPORT + 1, prohib);
		assert_false(passes(p, prog, dlt, ip, n));
		n = icmp_quoting(ip, &f, IPPROTO_UDP, SPORT, unreach);
		assert_false(passes(p, prog, dlt, ip, n));
		n = udp_to(ip, &f, SPORT);
		assert_false(passes(p, prog, dlt, ip, n));
	} else {
		n = udp_to(ip, &f, SPORT);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = icmp_quoting(ip, &f, IPPROTO_UDP, SPORT, unreach);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		n = icmp_quoting(ip, &f, IPPROTO_UDP, SPORT, prohib);
		assert_int_equal(passes(p, prog, dlt, ip, n), want);
		/* never */
		n = udp_to(ip, &f, SPORT + 1);
		assert_false(passes(p, prog, dlt, ip, n));
		n = icmp_quoting(ip, &f, IPPROTO_UDP, SPORT + 1, unreach);
		assert_false(passes(p, prog, dlt, ip, n));
		n = icmp_quoting(ip, &f, IPPROTO_TCP, SPORT, unreach);
		assert_false(passes(p, prog, dlt, ip, n));
		n = tcp_to(ip, &f, &f.us, SPORT, EP_TCP_SYN | EP_TCP_ACK);
		assert_false(passes(p, prog, dlt, ip, n));
	}
}

static void run(int proto, int with4, int with6)
{
	struct fam f4 = fam_of(4), f6 = fam_of(6);
	char text[1024];

	assert_int_equal(ep_bpf_filter(text, sizeof(text), proto, with4 ? &f4.us : NULL,
	                               with6 ? &f6.us : NULL, SPORT),
	                 0);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		pcap_t *p = pcap_open_dead(links[i], 65535);
		struct bpf_program prog;
		int rc;

		assert_non_null(p);
		rc = pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN);
		if (rc != 0)
			fail_msg("pcap_compile(%d): %s\n%s", links[i], pcap_geterr(p), text);
		check_family(p, &prog, links[i], proto, 4, with4);
		check_family(p, &prog, links[i], proto, 6, with6);
		pcap_freecode(&prog);
		pcap_close(p);
	}
}

static void test_tcp_v4(void **state)
{
	(void)state;
	run(IPPROTO_TCP, 1, 0);
}

static void test_tcp_v6(void **state)
{
	(void)state;
	run(IPPROTO_TCP, 0, 1);
}

static void test_tcp_both(void **state)
{
	(void)state;
	run(IPPROTO_TCP, 1, 1);
}

static void test_udp_v4(void **state)
{
	(void)state;
	run(IPPROTO_UDP, 1, 0);
}

static void test_udp_v6(void **state)
{
	(void)state;
	run(IPPROTO_UDP, 0, 1);
}

static void test_udp_both(void **state)
{
	(void)state;
	run(IPPROTO_UDP, 1, 1);
}

static void test_errors(void **state)
{
	struct fam f4 = fam_of(4), f6 = fam_of(6);
	char text[1024];

	(void)state;
	assert_int_equal(ep_bpf_filter(text, 40, IPPROTO_TCP, &f4.us, &f6.us, 1), EP_ERANGE);
	assert_string_equal(text, "");
	assert_int_equal(ep_bpf_filter(text, 0, IPPROTO_TCP, &f4.us, NULL, 1), EP_ERANGE);
	assert_int_equal(ep_bpf_filter(text, sizeof(text), IPPROTO_TCP, NULL, NULL, 1), EP_EINVAL);
	assert_int_equal(ep_bpf_filter(text, sizeof(text), 1, &f4.us, NULL, 1), EP_EINVAL);
	assert_int_equal(ep_bpf_filter(text, sizeof(text), IPPROTO_UDP, &f6.us, NULL, 1),
	                 EP_EINVAL);
	/* exactly enough room */
	assert_int_equal(ep_bpf_filter(text, sizeof(text), IPPROTO_TCP, &f4.us, &f6.us, 1), 0);
	{
		size_t need = strlen(text) + 1;

		assert_int_equal(ep_bpf_filter(text, need, IPPROTO_TCP, &f4.us, &f6.us, 1), 0);
		assert_int_equal(ep_bpf_filter(text, need - 1, IPPROTO_TCP, &f4.us, &f6.us, 1),
		                 EP_ERANGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp_v4),   cmocka_unit_test(test_tcp_v6),
	    cmocka_unit_test(test_tcp_both), cmocka_unit_test(test_udp_v4),
	    cmocka_unit_test(test_udp_v6),   cmocka_unit_test(test_udp_both),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

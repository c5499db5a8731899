/* Builds the pcap-filter(7) text that lets only replies to our probes into
 * the capture ring.  The filter is a coarse first cut (it cannot compute the
 * cookie); ep_pkt_parse and the cookie check decide what is really ours.
 *
 * pcap-filter quirks this depends on:
 *  - tcp[..] and icmp[..] index from the start of the transport header (IPv4
 *    only, IHL honoured by libpcap).  icmp[28:2] is the quoted source port
 *    only when the quoted IPv4 header is 20 bytes long, which holds for our
 *    own probes (we never send IP options).  icmp[17] is the quoted protocol.
 *  - IPv6 has no transport indexing of that kind, so the IPv6 clauses use
 *    ip6[40 + ..] and assume no extension headers, in the reply and in the
 *    quoted packet alike (ip6[48] starts the quote, ip6[88] its transport
 *    header).  Replies with extension headers are dropped; none of the
 *    stacks we probe add them to a SYN-ACK, RST or ICMPv6 error. */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>

#include "base/err.h"
#include "net/bpf.h"

struct out {
	char *p;
	size_t n, len;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->err)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->p + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= o->n - o->len) {
		o->err = EP_ERANGE;
		return;
	}
	o->len += (size_t)r;
}

static void clause4(struct out *o, int proto, const char *addr, unsigned sport)
{
	put(o, "(ip dst host %s and (", addr);
	if (proto == IPPROTO_TCP)
		/* SYN+ACK both set, or RST set */
		put(o, "(tcp dst port %u and (tcp[13] & 0x12 == 0x12 or tcp[13] & 0x04 != 0))",
		    sport);
	else
		put(o, "udp dst port %u", sport);
	put(o, " or (icmp[0] == 3 and icmp[17] == %d and icmp[28:2] == %u)))", proto, sport);
}

static void clause6(struct out *o, int proto, const char *addr, unsigned sport)
{
	put(o, "(ip6 dst host %s and (", addr);
	if (proto == IPPROTO_TCP)
		put(o,
		    "(tcp dst port %u and ip6[6] == 6 and"
		    " (ip6[53] & 0x12 == 0x12 or ip6[53] & 0x04 != 0))",
		    sport);
	else
		put(o, "udp dst port %u", sport);
	put(o, " or (ip6[6] == 58 and ip6[40] == 1 and ip6[54] == %d and ip6[88:2] == %u)))", proto,
	    sport);
}

int ep_bpf_filter(char *out, size_t n, int proto, const struct ep_addr *src4,
                  const struct ep_addr *src6, uint16_t sport)
{
	struct out o = {.p = out, .n = n};
	char a[EP_ADDRSTRLEN];

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || (src4 == NULL && src6 == NULL) ||
	    (src4 && src4->family != 4) || (src6 && src6->family != 6))
		return EP_EINVAL;
	if (n == 0)
		return EP_ERANGE;
	out[0] = '\0';
	if (src4)
		clause4(&o, proto, ep_addr_format(src4, a, sizeof(a)), sport);
	if (src4 && src6)
		put(&o, " or ");
	if (src6)
		clause6(&o, proto, ep_addr_format(src6, a, sizeof(a)), sport);
	if (o.err)
		out[0] = '\0';
	return o.err;
}

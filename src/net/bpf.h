/* Capture filter text for the raw probers, in pcap-filter(7) syntax: only
 * replies to our probes pass the kernel filter, so the capture ring holds
 * nothing else (the receive path is where masscan and zmap lose replies). */
#ifndef EP_BPF_H
#define EP_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "config/cidr.h"

/* proto: IPPROTO_TCP or IPPROTO_UDP.  src4/src6: our source addresses (NULL
 * when that family is not scanned); sport: our source port.  Passes
 *   TCP: segments to (src, sport) with SYN+ACK or RST set;
 *   UDP: datagrams to (src, sport);
 *   ICMP/ICMPv6 destination-unreachable (and ICMPv6 packet-too-big is not
 *   needed) to src whose quoted header is ours (quoted source port == sport,
 *   assuming a 20-byte quoted IPv4 header; the parser checks the rest).
 * Returns 0, EP_ERANGE if out (size n) is too small (out is then ""), or
 * EP_EINVAL for another proto, both sources NULL or a source of the wrong
 * family. */
int ep_bpf_filter(char *out, size_t n, int proto, const struct ep_addr *src4,
                  const struct ep_addr *src6, uint16_t sport);

#endif

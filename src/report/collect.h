/* What the whole-document outputs (nmap XML, the HTML report) gather before
 * they write at the end: per-host counts and open ports (report/hosttable.h),
 * every finding, and which (protocol, port) pairs were probed.  Memory
 * follows the hosts, the open ports and the findings, not the probes: at
 * most max_hosts hosts, 16 KiB of port bitmap.  Owns everything in it;
 * one thread. */
#ifndef EP_COLLECT_H
#define EP_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "compare/findings.h"
#include "report/hosttable.h"

struct ep_collect {
	struct ep_hosttable hosts;
	struct ep_findings findings;
	unsigned *controls; /* per finding: bits of ep_controls[] it fails */
	size_t controls_cap;
	uint8_t probed[2][8192]; /* [tcp, udp]: a bit per port */
	uint64_t counts[EP_STATE_COUNT];
	uint64_t results;
};

void ep_collect_init(struct ep_collect *c, size_t max_hosts);
void ep_collect_free(struct ep_collect *c);
int ep_collect_result(struct ep_collect *c, const struct ep_result *r);
/* controls: the finding's bits (ep_checks_control_bits, or as read back). */
int ep_collect_finding(struct ep_collect *c, const struct ep_finding *f, unsigned controls);
int ep_collect_probed(const struct ep_collect *c, enum ep_proto p, uint16_t port);
/* The hosts sorted by address: a new array of pointers into c (the caller
 * frees the array, not the hosts); *n their count.  NULL when out of memory
 * or empty. */
const struct ep_host **ep_collect_hosts(const struct ep_collect *c, size_t *n);

#endif

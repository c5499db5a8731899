/* Per-host tallies for the human report: an open-addressing hash keyed by
 * address, plus the list of open ports.  Bounded: past max_hosts the table
 * stops adding hosts and says so, so memory never grows with the scope. */
#ifndef EP_HOSTTABLE_H
#define EP_HOSTTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "results/result.h"

struct ep_host {
	struct ep_addr addr;
	uint8_t used;
	uint64_t counts[EP_STATE_COUNT];
};

struct ep_open_port {
	struct ep_addr addr;
	enum ep_proto proto;
	uint16_t port;
	enum ep_reason reason;
	uint64_t rtt_ns;
	const char *probe; /* UDP payload that got the answer, or NULL */
};

/* Owns both arrays. */
struct ep_hosttable {
	struct ep_host *slots;
	size_t cap, used, max_hosts;
	uint64_t dropped_hosts;
	struct ep_open_port *open;
	size_t nopen, open_cap;
};

void ep_hosttable_init(struct ep_hosttable *h, size_t max_hosts);
void ep_hosttable_free(struct ep_hosttable *h);
int ep_hosttable_add(struct ep_hosttable *h, const struct ep_result *r);
const struct ep_host *ep_hosttable_get(const struct ep_hosttable *h, const struct ep_addr *a);
/* Sorts the open list by address, protocol, port. */
void ep_hosttable_sort(struct ep_hosttable *h);

#endif

/* Probe results by (address, protocol, port), for comparing after a scan.
 * Open addressing, sized once for the scope (24 bytes a probe). */
#ifndef EP_STORE_H
#define EP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "results/result.h"

struct ep_store_slot {
	struct ep_addr addr;
	uint8_t used;
	uint8_t proto;
	uint16_t port;
	uint8_t state;
};

/* Owns its table. */
struct ep_store {
	struct ep_store_slot *s;
	size_t cap, n;
};

int ep_store_init(struct ep_store *st, uint64_t expected);
void ep_store_free(struct ep_store *st);
int ep_store_put(struct ep_store *st, const struct ep_result *r);
/* State of (addr, proto, port), or -1 when it was not measured. */
int ep_store_get(const struct ep_store *st, const struct ep_addr *a, enum ep_proto proto,
                 uint16_t port);

#endif

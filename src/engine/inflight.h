/* Probes in flight, found again from an answer: a hash table keyed by a
 * 32-bit hash of the target (the SYN cookie, or a keyed hash for UDP),
 * chained through a link each prober keeps first in its per-probe area, so
 * a probe costs no allocation.  Lookups compare the whole target.
 * Loop thread only; owns the bucket array. */
#ifndef EP_INFLIGHT_H
#define EP_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/prober.h"

/* First member of a prober's per-probe struct. */
struct ep_inflight_link {
	struct ep_probe *next;
	uint32_t hash;
};

struct ep_inflight {
	struct ep_probe **bucket;
	size_t mask;
	size_t n;    /* probes in the table */
	size_t most; /* buckets it may grow to */
};

/* Starts small and doubles while more probes than buckets are in flight,
 * up to a load of 1/2 at max_inflight: a table sized for the worst case
 * (1 MiB a worker) cost a cache miss on every probe sent, when the
 * answers of a fast network leave a few hundred probes in flight. */
int ep_inflight_init(struct ep_inflight *h, unsigned max_inflight);
/* Bytes the bucket array may grow to (the summary's reserved_bytes). */
size_t ep_inflight_reserved(const struct ep_inflight *h);
void ep_inflight_free(struct ep_inflight *h);
void ep_inflight_add(struct ep_inflight *h, struct ep_probe *p, uint32_t hash);
void ep_inflight_del(struct ep_inflight *h, struct ep_probe *p);
struct ep_probe *ep_inflight_find(const struct ep_inflight *h, uint32_t hash,
                                  const struct ep_addr *addr, uint16_t port);

#endif
